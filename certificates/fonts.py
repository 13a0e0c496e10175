"""The font a PDF label embeds: a TrueType subset of an installed CJK font, built per label.

A label must print the same on any printer and viewer, so its PDF embeds every font it uses (the
standard 14 fonts and reportlab's ``STSong-Light`` CID font are *not* embedded: a machine without
a Chinese font prints empty boxes). Debian's ``fonts-noto-cjk`` (SIL Open Font License 1.1) ships
Noto Sans CJK as OpenType collections with PostScript (CFF) outlines, which reportlab cannot
embed; so :func:`label_font` builds, with fontTools, a small TrueType font holding only the
characters a label shows: each glyph drawn from the installed font, its cubic curves converted to
quadratic ones (``cu2qu``, within 1 font unit), its advance width kept. reportlab then embeds a
subset of that font. Building one takes milliseconds once the installed font's character map is
read (about 0.2 s, once per process).

Where the installed font is looked up (:func:`find_font`), first found wins:

1. ``$TANJI_LABEL_FONT`` / ``$TANJI_LABEL_FONT_BOLD`` — a ``.ttf``/``.otf``/``.ttc`` file, with an
   optional ``#<face index>``;
2. Noto Sans CJK SC where Debian, Fedora and Arch install it;
3. WenQuanYi Micro Hei (``fonts-wqy-microhei``);
4. whatever ``fc-match 'sans-serif:lang=zh-cn'`` names.

No font found is ``LabelError`` ``label.font_missing``, naming the package to install — never a
PDF with a font it does not embed.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import os
import shutil
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

from certificates.errors import LabelError

__all__ = ["FONT_ENV", "BuiltFont", "FontSource", "find_font", "label_font"]

Weight = Literal["regular", "bold"]
FONT_ENV: Final = {"regular": "TANJI_LABEL_FONT", "bold": "TANJI_LABEL_FONT_BOLD"}
_NOTO_DIRS: Final = (
    "/usr/share/fonts/opentype/noto",  # Debian, Ubuntu: fonts-noto-cjk
    "/usr/share/fonts/google-noto-cjk",  # Fedora
    "/usr/share/fonts/noto-cjk",  # Arch
)
_NOTO_FILES: Final = {"regular": "NotoSansCJK-Regular.ttc", "bold": "NotoSansCJK-Bold.ttc"}
_WQY: Final = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
_PREFERRED_FACE: Final = "Noto Sans CJK SC"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class FontSource:
    """An installed font file and the face of it to use (collections hold several)."""

    path: Path
    index: int = 0


@dataclass(frozen=True)
class BuiltFont:
    """A TrueType font built for a label: its bytes, a name unique to its content, its source."""

    name: str
    data: bytes
    source: FontSource


def _face_index(path: Path) -> int:
    """The face of a collection named Noto Sans CJK SC (Simplified Chinese forms), else 0."""
    if path.suffix.lower() != ".ttc":
        return 0
    from fontTools.ttLib import TTCollection

    with TTCollection(str(path), lazy=True) as collection:
        for i, face in enumerate(collection.fonts):
            if face["name"].getDebugName(1) == _PREFERRED_FACE:
                return i
    return 0


def _from_env(weight: Weight) -> FontSource | None:
    value = os.environ.get(FONT_ENV[weight])
    if not value:
        return None
    path, _, index = value.partition("#")
    if not Path(path).is_file():
        raise LabelError(
            f"${FONT_ENV[weight]} names {path}, which is not a file", code="label.font_missing", path=path
        )
    return FontSource(Path(path), int(index) if index.isdigit() else _face_index(Path(path)))


def _fc_match() -> FontSource | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        out = subprocess.run(
            [fc_match, "-f", "%{file}\n%{index}\n%{lang}", "sans-serif:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) < 3 or "zh-cn" not in out[2].split("|") or not Path(out[0]).is_file():
        return None
    if Path(out[0]).suffix.lower() not in (".ttf", ".otf", ".ttc", ".otc"):
        return None
    return FontSource(Path(out[0]), int(out[1]) if out[1].isdigit() else 0)


@lru_cache(maxsize=4)
def find_font(weight: Weight = "regular") -> FontSource:
    """The installed font labels draw ``weight`` text with (see the module docstring for the order).

    ``LabelError`` ``label.font_missing`` when there is none. Bold falls back to the regular font.
    """
    found = _from_env(weight)
    if found is not None:
        return found
    for directory in _NOTO_DIRS:
        path = Path(directory) / _NOTO_FILES[weight]
        if path.is_file():
            return FontSource(path, _face_index(path))
    if Path(_WQY).is_file():
        return FontSource(Path(_WQY), 0)
    if weight == "bold":
        return find_font("regular")
    found = _fc_match()
    if found is not None:
        return found
    raise LabelError(
        "no CJK font to embed in PDF labels: install Debian's fonts-noto-cjk (apt-get install "
        f"fonts-noto-cjk) or set ${FONT_ENV['regular']} to a .ttf/.otf/.ttc file",
        code="label.font_missing",
    )


class _Loaded:
    """An installed font opened once per process (lazily) with its character map."""

    def __init__(self, source: FontSource) -> None:
        from fontTools.ttLib import TTFont

        try:
            self.font = TTFont(str(source.path), fontNumber=source.index, lazy=True)
            self.cmap: dict[int, str] = self.font.getBestCmap() or {}
        except Exception as e:  # fontTools raises bare exceptions for unreadable files
            raise LabelError(
                f"cannot read font {source.path}: {e}", code="label.font_unreadable", path=str(source.path)
            ) from e
        self.glyphs = self.font.getGlyphSet()
        self.hmtx = self.font["hmtx"]
        self.units = int(self.font["head"].unitsPerEm)
        self.hhea = self.font["hhea"]
        self.names = {i: self.font["name"].getDebugName(i) for i in (0, 13, 14)}
        atexit.register(self.font.close)  # kept open (lazy) for the process's labels


@lru_cache(maxsize=4)
def _loaded(source: FontSource) -> _Loaded:
    return _Loaded(source)


def _glyph(loaded: _Loaded, name: str) -> Any:
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.recordingPen import DecomposingRecordingPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    recording = DecomposingRecordingPen(loaded.glyphs)
    loaded.glyphs[name].draw(recording)
    pen = TTGlyphPen(None)
    recording.replay(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
    return pen.glyph()


@lru_cache(maxsize=64)
def _build(source: FontSource, chars: frozenset[str], weight: Weight) -> BuiltFont:
    from fontTools.fontBuilder import FontBuilder

    with _LOCK:  # fontTools' lazy tables are not thread-safe
        loaded = _loaded(source)
        cmap = {ord(c): loaded.cmap[ord(c)] for c in chars if ord(c) in loaded.cmap}
        order = [".notdef", *sorted(set(cmap.values()) - {".notdef"})]
        glyphs = {name: _glyph(loaded, name) for name in order}
        advances = {name: int(loaded.hmtx[name][0]) for name in order}
    digest = hashlib.sha256(
        f"{source.path}#{source.index}|{weight}|{''.join(sorted(chars))}".encode()
    ).hexdigest()[:12]
    family = f"TanjiLabel{weight.title()}{digest}"
    builder = FontBuilder(loaded.units, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(cmap)
    builder.setupGlyf(glyphs)
    glyf = builder.font["glyf"]
    metrics = {}
    for name in order:
        g = glyf[name]
        g.recalcBounds(glyf)
        metrics[name] = (advances[name], getattr(g, "xMin", 0))
    builder.setupHorizontalMetrics(metrics)
    ascent, descent = int(loaded.hhea.ascent), int(loaded.hhea.descent)
    builder.setupHorizontalHeader(ascent=ascent, descent=descent)
    builder.setupNameTable(
        {
            "copyright": loaded.names[0] or "",
            "familyName": family,
            "styleName": "Regular",
            "uniqueFontIdentifier": family,
            "fullName": family,
            "psName": family,
            "licenseDescription": loaded.names[13] or "",
            "licenseInfoURL": loaded.names[14] or "",
        }
    )
    builder.setupOS2(
        sTypoAscender=ascent,
        sTypoDescender=descent,
        usWinAscent=ascent,
        usWinDescent=abs(descent),
        fsType=0,
    )
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return BuiltFont(family, out.getvalue(), source)


def label_font(text: Iterable[str], weight: Weight = "regular") -> BuiltFont:
    """A TrueType font with a glyph for every character of ``text`` the installed font has.

    Characters it lacks draw as ``.notdef``. ``LabelError`` when no font is installed
    (``label.font_missing``) or it cannot be read (``label.font_unreadable``).
    """
    chars = frozenset(c for s in text for c in s if c.isprintable() or c == " ")
    return _build(find_font(weight), chars, weight)
