"""PDF labels embed every font they use and draw Chinese glyphs, not boxes — checked with poppler's
``pdffonts``/``pdftotext``/``pdftoppm`` and a headless-chromium screenshot of the HTML label."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from certificates.errors import LabelError
from certificates.fonts import FONT_ENV, find_font, label_font
from certificates.labels import LabelData, render_html, render_pdf
from certificates.site import NotPublic, Site

LABEL = LabelData(
    certificate_id="3f1c2a4e-0000-4000-8000-000000000001",
    product_name="原铝锭 A00 示范铝业",
    declared_unit="1,000 kilogram",
    market=4213.7,
    location=12876.2,
    claimable_share=0.8123,
    physical_share=0.6,
    hourly_matched_share=0.55,
    period_start="2025-01-01",
    period_end="2026-01-01",
    lot="LOT-AL-2025-01",
    issuer="示范铝业 Demo Aluminium Smelter Co.",
    status="valid",
    verify_url="https://tanji.example.org/verify/3f1c2a4e-0000-4000-8000-000000000001",
    qr_url="https://tanji.example.org/01/09520123456788/10/LOT-AL-2025-01",
)


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {name} is missing: .ci/run installs Debian's {package}")
        pytest.skip(f"{name} is not installed (apt-get install -y {package}); CI installs it")
    return found


def _font_or_skip() -> None:
    try:
        find_font()
    except LabelError:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no CJK font: .ci/run installs Debian's fonts-noto-cjk")
        pytest.skip("no CJK font (apt-get install -y fonts-noto-cjk); CI installs it")


def _pdffonts(pdf: Path) -> list[dict[str, str]]:
    out = subprocess.run(
        [_tool("pdffonts", "poppler-utils"), str(pdf)], capture_output=True, text=True, check=True
    )
    lines = out.stdout.splitlines()
    header, rule = lines[0], lines[1]
    cuts = [m.start() for m in re.finditer(r"-+", rule)] + [len(rule) + 1]
    names = [header[a:b].strip() for a, b in zip(cuts, cuts[1:], strict=False)]
    return [
        {n: line[a:b].strip() for n, a, b in zip(names, cuts, cuts[1:], strict=False)} for line in lines[2:]
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_pdf_font_is_embedded(lang: str, tmp_path: Path) -> None:
    _font_or_skip()
    pdf = tmp_path / f"label.{lang}.pdf"
    pdf.write_bytes(render_pdf(LABEL, lang))
    fonts = _pdffonts(pdf)
    assert fonts, "the label draws no text"
    assert all(f["emb"] == "yes" for f in fonts), fonts
    assert {f["type"] for f in fonts} == {"TrueType"}
    text = subprocess.run(
        [_tool("pdftotext", "poppler-utils"), "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    assert "原铝锭 A00 示范铝业" in text and LABEL.qr_url[:30] in text
    if lang == "zh":
        assert "扫码打开在线验证页面" in text and "扫码离线验证" not in text
        assert "2025-01-01 至 2026-01-01（不含 2026-01-01" in text
    else:
        assert "Scan to open the verification page" in text and "(end exclusive" in text


def _raster(pdf: bytes, tmp_path: Path, name: str) -> np.ndarray:
    from PIL import Image

    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        [
            _tool("pdftoppm", "poppler-utils"),
            "-r",
            "100",
            "-png",
            "-singlefile",
            str(path),
            str(tmp_path / name),
        ],
        check=True,
    )
    return np.asarray(Image.open(tmp_path / f"{name}.png").convert("L"), dtype=np.int16)


def test_pdf_draws_distinct_chinese_glyphs(tmp_path: Path) -> None:
    """Rendered from the PDF alone (poppler uses only the embedded font): two product names of
    different Chinese characters look different — boxes would look the same."""
    _font_or_skip()
    a = _raster(render_pdf(replace(LABEL, product_name="原铝锭示范铝业"), "zh"), tmp_path, "a")
    b = _raster(render_pdf(replace(LABEL, product_name="工业硅示范硅业"), "zh"), tmp_path, "b")
    assert a.shape == b.shape
    changed = np.abs(a - b) > 64
    assert changed.sum() > 150, changed.sum()


def test_no_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(FONT_ENV["regular"], str(tmp_path / "missing.ttf"))
    find_font.cache_clear()
    try:
        with pytest.raises(LabelError) as e:
            label_font(["碳"])
        assert e.value.code == "label.font_missing"
    finally:
        find_font.cache_clear()


def _screenshot(html: str, tmp_path: Path, name: str) -> np.ndarray:
    from PIL import Image

    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / f"{name}.png"
    args = [
        _tool("chromium", "chromium"),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}",
        "--window-size=700,1000",
        f"--screenshot={shot}",
        page.as_uri(),
    ]
    subprocess.run(args, check=True, capture_output=True, timeout=180)
    return np.asarray(Image.open(shot).convert("L"), dtype=np.int16)


@pytest.mark.slow
def test_html_label_shows_chinese_glyphs_in_chromium(tmp_path: Path) -> None:
    """The zh label in headless chromium: its Chinese text differs from the same label with every
    Chinese character replaced by one the fonts lack (drawn as a box) — so it is not boxes."""
    _tool("chromium", "chromium")
    _font_or_skip()
    html = render_html(LABEL, "zh")
    tofu = re.sub(r"[\u3000-\u9fff\uff00-\uffef]", "\U000f0000", html)
    assert tofu != html
    real, boxes = _screenshot(html, tmp_path, "real"), _screenshot(tofu, tmp_path, "tofu")
    changed = np.abs(real - boxes) > 64
    assert changed.sum() > 2000, changed.sum()
    assert (real < 200).mean() > 0.01  # something was drawn


def test_labels_refuse_a_local_base_url() -> None:
    with pytest.raises(NotPublic):
        Site.of("http://127.0.0.1:8000")
