"""Product labels: HTML and PDF, in Chinese and English, with a QR code resolving to the verification page.

A label shows the headline figure (market-based kg CO2e per declared unit), the
claimable green-electricity share, and a QR code (segno). The QR code opens the
service's identity resolver under the ledger's public base URL
(:class:`certificates.site.Site`, refused when local or private): the GS1 Digital
Link ``{base}/01/{gtin}/10/{lot}`` when the product has a GTIN and the lot is an
AI (10) value, else ``{base}/verify/{certificate id}``. ``LabelData`` is what a
label shows; it comes from a certificate document (``LabelData.from_certificate``)
or from the ledger (``label_data``: the footprint entry the certificate records,
plus the certificate's current status). Rendering is pure: ``render_html`` and
``render_pdf`` return text and bytes.

Periods are shown one way everywhere (:func:`format_period`): park-local dates,
half-open, the end stated as excluded (``2025-01-01 – 2026-01-01 (end exclusive)``).

The PDF embeds every font it uses: one TrueType font built for the label from the
installed CJK font (:mod:`certificates.fonts`, Noto Sans CJK SC from Debian's
``fonts-noto-cjk``) for both languages, no standard-14 font; the QR modules are
drawn as vector squares, with a link annotation to the same URL.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import segno
from jinja2 import Environment, PackageLoader, select_autoescape

from certificates.document import Certificate
from certificates.errors import CertificateNotFound, LabelError
from certificates.evidence import green_of_footprint
from certificates.figures import claims_from_footprint
from certificates.fonts import BuiltFont, label_font
from certificates.kinds import Status, certificate_status, get_certificate
from certificates.site import Site
from lca.kinds import get_footprint
from ledger import Ledger, get_actor

__all__ = [
    "LANGS",
    "LabelData",
    "format_figure",
    "format_period",
    "format_share",
    "label_data",
    "qr_code",
    "render_html",
    "render_pdf",
    "verify_url",
    "write_labels",
]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "产品碳足迹标签",
        "unit": "kg CO2e / 每",
        "market": "市场法",
        "location": "位置法",
        "method": "ISO 14067 / GB/T 24067 · IPCC AR6 GWP100",
        "green": "绿电占比（可声明）",
        "physical": "物理绿电占比",
        "hourly": "逐时匹配占比",
        "period": "核算期",
        "period_text": "{start} 至 {end}（不含 {end}，园区当地日期）",
        "lot": "批次",
        "issuer": "签发方",
        "status": "状态",
        "valid": "有效",
        "revoked": "已撤销",
        "superseded": "已被取代",
        "scan": "扫码打开在线验证页面：",
        "offline": "证书文件（JSON）可用 tanji cert verify 离线验证。",
        "na": "无数据",
    },
    "en": {
        "html_lang": "en",
        "title": "Product carbon footprint",
        "unit": "kg CO2e per",
        "market": "market-based",
        "location": "location-based",
        "method": "ISO 14067 / GB/T 24067 · IPCC AR6 GWP100",
        "green": "Green electricity (claimable)",
        "physical": "Physical green share",
        "hourly": "Hourly-matched share",
        "period": "Period",
        "period_text": "{start} – {end} (end exclusive, park-local dates)",
        "lot": "Lot",
        "issuer": "Issuer",
        "status": "Status",
        "valid": "valid",
        "revoked": "revoked",
        "superseded": "superseded",
        "scan": "Scan to open the verification page:",
        "offline": "The certificate file (JSON) verifies offline with tanji cert verify.",
        "na": "n/a",
    },
}


def verify_url(base_url: str, certificate_id: str) -> str:
    """``{base_url}/verify/{certificate_id}`` (one slash between them)."""
    return f"{base_url.rstrip('/')}/verify/{certificate_id}"


def qr_code(url: str) -> segno.QRCode:
    """The QR code a label carries for ``url`` (error correction M, never a Micro QR)."""
    return segno.make(url, error="m", micro=False, boost_error=False)


def format_figure(value: float) -> str:
    """The headline figure as printed: up to 3 decimals below 1000, whole numbers with separators above."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_share(value: float | None, na: str = "n/a") -> str:
    """A share in [0, 1] as a percentage with one decimal, or ``na``."""
    return na if value is None else f"{value * 100:.1f} %"


def format_period(start: str, end: str, lang: str = "en") -> str:
    """A half-open period of park-local dates as every face shows it: both dates as recorded, the end
    stated as excluded. ``start``/``end`` are ISO dates (``2025-01-01``)."""
    first, after = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    return _texts(lang)["period_text"].format(start=first.isoformat(), end=after.isoformat())


@dataclass(frozen=True)
class LabelData:
    """What a label shows. ``market``/``location`` are kg CO2e per declared unit; ``period_start`` and
    ``period_end`` the half-open period's park-local dates; ``qr_url`` what the QR code opens (the
    identity resolver's link), ``verify_url`` the verification page."""

    certificate_id: str
    product_name: str
    declared_unit: str
    market: float
    location: float
    claimable_share: float | None
    physical_share: float | None
    hourly_matched_share: float | None
    period_start: str
    period_end: str
    lot: str | None
    issuer: str
    status: Status
    verify_url: str
    qr_url: str

    def period(self, lang: str) -> str:
        """The period as ``lang`` shows it (:func:`format_period`)."""
        return format_period(self.period_start, self.period_end, lang)

    @classmethod
    def from_claims(
        cls, certificate_id: str, claims: dict[str, Any], issuer: str, status: Status, site: Site
    ) -> LabelData:
        """From the certificate fields of ``certificates.figures.claims_from_footprint``."""
        unit = claims["declared_unit"]
        amount = unit["amount"]
        amount_text = format_figure(float(amount))
        green = claims["green_electricity"]
        lot = claims.get("lot")
        return cls(
            certificate_id=certificate_id,
            product_name=claims["product"]["name"],
            declared_unit=unit["unit"] if amount_text == "1" else f"{amount_text} {unit['unit']}",
            market=float(claims["footprint"]["market"]["total"]),
            location=float(claims["footprint"]["location"]["total"]),
            claimable_share=green["claimable_share"],
            physical_share=green["physical_share"],
            hourly_matched_share=green["hourly_matched_share"],
            period_start=claims["period"]["start"],
            period_end=claims["period"]["end"],
            lot=lot,
            issuer=issuer,
            status=status,
            verify_url=site.verify_url(certificate_id),
            qr_url=site.label_url(certificate_id, claims["product"]["ids"], lot),
        )

    @classmethod
    def from_certificate(cls, cert: Certificate, *, site: Site, status: Status = "valid") -> LabelData:
        """From a certificate document (its figures as signed; ``status`` as known to the caller)."""
        return cls.from_claims(cert.id, cert.data, cert.body.issuer.name, status, site)


def label_data(ledger: Ledger, certificate_id: str, *, site: Site) -> LabelData:
    """The label of an issued certificate, from the ledger: its footprint entry and current status.

    ``site`` is the public base URL the QR code resolves under (``Site.of`` refuses local and
    private ones). ``CertificateNotFound`` if no certificate with that id was issued.
    """
    with ledger.db.read_session() as s:
        record = get_certificate(s, certificate_id)
        if record is None:
            raise CertificateNotFound(
                f"no certificate {certificate_id} was issued", certificate_id=certificate_id
            )
        status = certificate_status(s, certificate_id)
        fp = get_footprint(s, record.footprint_id)
        issuer = get_actor(s, record.issuer)
    if fp is None:
        raise CertificateNotFound(
            f"footprint {record.footprint_id} of certificate {certificate_id} is missing"
        )
    entry = ledger.entry(fp.seq)
    claims = claims_from_footprint(entry.payload, fp.seq)
    claims["green_electricity"] = green_of_footprint(ledger, record.footprint_id)
    return LabelData.from_claims(
        certificate_id, claims, issuer.name if issuer else record.issuer, status, site
    )


def _texts(lang: str) -> dict[str, str]:
    if lang not in TEXTS:
        raise LabelError(f"label language {lang!r} is not one of {', '.join(LANGS)}", code="label.language")
    return TEXTS[lang]


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("certificates", "templates"), autoescape=select_autoescape(["html"])
    )


def render_html(label: LabelData, lang: str = "zh") -> str:
    """A self-contained HTML label (inline CSS and SVG QR code; nothing loaded from elsewhere)."""
    t = _texts(lang)
    buf = io.BytesIO()
    qr_code(label.qr_url).save(
        buf, kind="svg", xmldecl=False, svgns=True, scale=4, border=2, title=label.qr_url
    )
    share = label.claimable_share
    return (
        _env()
        .get_template("label.html")
        .render(
            t=t,
            label=label,
            qr_svg=buf.getvalue().decode("utf-8"),
            figure=format_figure(label.market),
            location=format_figure(label.location),
            green=format_share(share, t["na"]),
            green_width=0 if share is None else round(share * 100, 1),
            physical=format_share(label.physical_share, t["na"]),
            hourly=format_share(label.hourly_matched_share, t["na"]),
            period=label.period(lang),
        )
    )


# --- PDF ------------------------------------------------------------------------------

PDF_SIZE = (283.0, 397.0)  # 100 mm x 140 mm, in points
QR_ORIGIN = (24.0, 24.0)  # lower-left corner of the QR symbol (quiet zone included)
QR_MODULE = 3.0  # points per module
QR_BORDER = 2  # quiet-zone modules


# Characters every label may draw besides its own fields: ASCII and the punctuation of both languages.
_ALWAYS = "".join(chr(c) for c in range(32, 127)) + "…–—·（）：，。、%"


def _register(built: BuiltFont) -> str:
    """Register ``built`` with reportlab (once per name); returns the font name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    try:
        pdfmetrics.getFont(built.name)
    except KeyError:
        pdfmetrics.registerFont(TTFont(built.name, io.BytesIO(built.data)))
    return built.name


def _fonts(label: LabelData, lang: str) -> tuple[str, str]:
    """(text font, bold font): TrueType fonts built for this label's characters, both embedded."""
    t = _texts(lang)
    strings = [
        _ALWAYS,
        *t.values(),
        label.product_name,
        label.declared_unit,
        label.issuer,
        label.lot or "",
        label.period(lang),
        label.qr_url,
        label.certificate_id,
    ]
    return _register(label_font(strings, "regular")), _register(label_font(strings, "bold"))


def render_pdf(label: LabelData, lang: str = "zh") -> bytes:
    """A one-page PDF label (100 mm x 140 mm) embedding every font it uses. Page streams are not
    compressed, so the QR modules can be read back (``tests/certificates/test_labels.py`` does).

    ``LabelError`` ``label.font_missing`` when no CJK font is installed (:mod:`certificates.fonts`).
    """
    from reportlab.lib.colors import HexColor
    from reportlab.pdfgen.canvas import Canvas

    t = _texts(lang)
    font, bold = _fonts(label, lang)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=PDF_SIZE, pageCompression=0, initialFontName=font, initialFontSize=8)
    c.setTitle(f"{t['title']} {label.certificate_id}")
    w, h = PDF_SIZE
    green = HexColor("#17643a")
    c.setStrokeColor(green)
    c.setLineWidth(2)
    c.roundRect(8, 8, w - 16, h - 16, 10)

    def text(x: float, y: float, s: str, f: str, size: float) -> None:
        """Draw ``s``, shrinking it (down to 6 pt, then cutting it) to fit inside the border."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        room = w - 16 - x
        while size > 6 and stringWidth(s, f, size) > room:
            size -= 0.5
        while len(s) > 1 and stringWidth(s, f, size) > room:
            s = s[:-2] + "…"
        c.setFont(f, size)
        c.drawString(x, y, s)

    c.setFillColor(green)
    text(22, h - 34, f"Tanji · {t['title']}", bold, 10)
    c.setFillColor(HexColor("#17231c"))
    text(22, h - 56, label.product_name, bold, 13)
    text(22, h - 100, format_figure(label.market), bold, 34)
    text(22, h - 118, f"{t['unit']} {label.declared_unit} ({t['market']})", font, 9)
    text(22, h - 132, f"{t['location']}: {format_figure(label.location)}  ·  {t['method']}", font, 7)
    text(22, h - 158, f"{t['green']}: {format_share(label.claimable_share, t['na'])}", bold, 11)
    rows = [
        (t["physical"], format_share(label.physical_share, t["na"])),
        (t["hourly"], format_share(label.hourly_matched_share, t["na"])),
        (t["period"], label.period(lang)),
        *([(t["lot"], label.lot)] if label.lot else []),
        (t["issuer"], label.issuer),
        (t["status"], t[label.status]),
    ]
    y = h - 178
    for name, value in rows:
        text(22, y, f"{name}: {value}", font, 8)
        y -= 12
    _draw_qr(c, label.qr_url)
    size = _qr_size(label.qr_url)
    qx = QR_ORIGIN[0] + size + 10
    text(qx, QR_ORIGIN[1] + size - 12, t["scan"], font, 7)
    c.setFont(font, 5.5)
    for i in range(0, len(label.qr_url), 38):
        c.drawString(qx, QR_ORIGIN[1] + size - 24 - (i // 38) * 8, label.qr_url[i : i + 38])
    y = QR_ORIGIN[1] + size - 28 - (1 + (len(label.qr_url) - 1) // 38) * 8
    for line in _wrap(t["offline"], font, 5.5, w - 16 - qx):
        text(qx, y, line, font, 5.5)
        y -= 7
    c.linkURL(
        label.qr_url, (QR_ORIGIN[0], QR_ORIGIN[1], QR_ORIGIN[0] + size, QR_ORIGIN[1] + size), relative=0
    )
    c.showPage()
    c.save()
    return buf.getvalue()


def _wrap(s: str, font: str, size: float, room: float) -> list[str]:
    """``s`` cut into lines no wider than ``room``: between words where there are spaces, else
    between characters (Chinese)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    line = ""
    for token in re.findall(r"\S+\s*|\s+", s) if " " in s else list(s):
        if line and stringWidth(line + token.rstrip(), font, size) > room:
            lines.append(line.rstrip())
            line = ""
        line += token
    return [*lines, line.rstrip()] if line.strip() else lines


def _qr_size(url: str) -> float:
    return (len(qr_code(url).matrix) + 2 * QR_BORDER) * QR_MODULE


def _draw_qr(c: Any, url: str) -> None:
    """Dark modules as ``QR_MODULE``-point squares; module (row 0, col 0) is top left."""
    from reportlab.lib.colors import black

    matrix = qr_code(url).matrix
    n = len(matrix)
    x0 = QR_ORIGIN[0] + QR_BORDER * QR_MODULE
    top = QR_ORIGIN[1] + (QR_BORDER + n) * QR_MODULE
    c.setFillColor(black)
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            if dark:
                c.rect(
                    x0 + col * QR_MODULE, top - (r + 1) * QR_MODULE, QR_MODULE, QR_MODULE, stroke=0, fill=1
                )


def write_labels(
    label: LabelData, out_dir: Path, *, pdf: bool = False, langs: tuple[str, ...] = LANGS
) -> list[Path]:
    """Write ``label-<id>-<lang>.html`` (and ``.pdf`` with ``pdf``) for each language; returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for lang in langs:
        stem = out_dir / f"label-{label.certificate_id}-{lang}"
        html_path = stem.with_suffix(".html")
        html_path.write_text(render_html(label, lang), encoding="utf-8")
        written.append(html_path)
        if pdf:
            pdf_path = stem.with_suffix(".pdf")
            pdf_path.write_bytes(render_pdf(label, lang))
            written.append(pdf_path)
    return written
