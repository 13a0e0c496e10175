"""Product labels: HTML and PDF, in Chinese and English, with a QR code to the verification page.

A label shows the headline figure (market-based kg CO2e per declared unit), the
claimable green-electricity share, and a QR code (segno) that opens
``{base_url}/verify/{certificate_id}``. ``LabelData`` is what a label shows; it
comes from a certificate document (``LabelData.from_certificate``) or from the
ledger (``label_data``: the footprint entry the certificate records, plus the
certificate's current status). Rendering is pure: ``render_html`` and
``render_pdf`` return text and bytes.

The PDF uses reportlab's built-in CID font ``STSong-Light`` for Chinese (no
font file needed) and Helvetica for English; the QR modules are drawn as
vector squares, with a link annotation to the same URL.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import segno
from jinja2 import Environment, PackageLoader, select_autoescape

from certificates.document import Certificate
from certificates.errors import CertificateNotFound, LabelError
from certificates.figures import claims_from_footprint
from certificates.kinds import Status, certificate_status, get_certificate
from lca.kinds import get_footprint
from ledger import Ledger, get_actor

__all__ = [
    "LANGS",
    "LabelData",
    "format_figure",
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
DEFAULT_BASE_URL = "http://localhost:8000"

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
        "lot": "批次",
        "issuer": "签发方",
        "status": "状态",
        "valid": "有效",
        "revoked": "已撤销",
        "superseded": "已被取代",
        "scan": "扫码离线验证本证书：",
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
        "lot": "Lot",
        "issuer": "Issuer",
        "status": "Status",
        "valid": "valid",
        "revoked": "revoked",
        "superseded": "superseded",
        "scan": "Scan to verify this certificate:",
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


@dataclass(frozen=True)
class LabelData:
    """What a label shows. ``market``/``location`` are kg CO2e per declared unit."""

    certificate_id: str
    product_name: str
    declared_unit: str
    market: float
    location: float
    claimable_share: float | None
    physical_share: float | None
    hourly_matched_share: float | None
    period: str
    lot: str | None
    issuer: str
    status: Status
    verify_url: str

    @classmethod
    def from_claims(
        cls, certificate_id: str, claims: dict[str, Any], issuer: str, status: Status, base_url: str
    ) -> LabelData:
        """From the certificate fields of ``certificates.figures.claims_from_footprint``."""
        unit = claims["declared_unit"]
        amount = unit["amount"]
        amount_text = format_figure(float(amount))
        green = claims["green_electricity"]
        start = date.fromisoformat(claims["period"]["start"])
        last = date.fromisoformat(claims["period"]["end"]) - timedelta(days=1)  # periods are half-open
        return cls(
            certificate_id=certificate_id,
            product_name=claims["product"]["name"],
            declared_unit=unit["unit"] if amount_text == "1" else f"{amount_text} {unit['unit']}",
            market=float(claims["footprint"]["market"]["total"]),
            location=float(claims["footprint"]["location"]["total"]),
            claimable_share=green["claimable_share"],
            physical_share=green["physical_share"],
            hourly_matched_share=green["hourly_matched_share"],
            period=f"{start.isoformat()} – {last.isoformat()}",
            lot=claims.get("lot"),
            issuer=issuer,
            status=status,
            verify_url=verify_url(base_url, certificate_id),
        )

    @classmethod
    def from_certificate(
        cls, cert: Certificate, *, base_url: str = DEFAULT_BASE_URL, status: Status = "valid"
    ) -> LabelData:
        """From a certificate document (its figures as signed; ``status`` as known to the caller)."""
        return cls.from_claims(cert.id, cert.data, cert.body.issuer.name, status, base_url)


def label_data(ledger: Ledger, certificate_id: str, *, base_url: str = DEFAULT_BASE_URL) -> LabelData:
    """The label of an issued certificate, from the ledger: its footprint entry and current status.

    ``CertificateNotFound`` if no certificate with that id was issued.
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
    run_seq = entry.payload.get("attribution_run_seq")
    run = ledger.entry(run_seq).payload if isinstance(run_seq, int) else None
    claims = claims_from_footprint(entry.payload, fp.seq, run)
    return LabelData.from_claims(
        certificate_id, claims, issuer.name if issuer else record.issuer, status, base_url
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
    qr_code(label.verify_url).save(
        buf, kind="svg", xmldecl=False, svgns=True, scale=4, border=2, title=label.verify_url
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
        )
    )


# --- PDF ------------------------------------------------------------------------------

PDF_SIZE = (283.0, 397.0)  # 100 mm x 140 mm, in points
QR_ORIGIN = (24.0, 24.0)  # lower-left corner of the QR symbol (quiet zone included)
QR_MODULE = 3.0  # points per module
QR_BORDER = 2  # quiet-zone modules


def _fonts(lang: str) -> tuple[str, str]:
    """(text font, bold font) for ``lang``; registers STSong-Light on first use."""
    if lang == "zh":
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        try:
            pdfmetrics.getFont("STSong-Light")
        except KeyError:
            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        return "STSong-Light", "STSong-Light"
    return "Helvetica", "Helvetica-Bold"


def _font_for(text: str, font: str) -> str:
    """``font``, or STSong-Light when ``text`` has characters Helvetica lacks (a Chinese product name)."""
    if font.startswith("Helvetica"):
        try:
            text.encode("cp1252")  # WinAnsi, the standard fonts' encoding
        except UnicodeEncodeError:
            return _fonts("zh")[0]
    return font


def render_pdf(label: LabelData, lang: str = "zh") -> bytes:
    """A one-page PDF label (100 mm x 140 mm). Page streams are not compressed, so the
    QR modules can be read back (``tests/certificates/test_labels.py`` does)."""
    from reportlab.lib.colors import HexColor
    from reportlab.pdfgen.canvas import Canvas

    t = _texts(lang)
    font, bold = _fonts(lang)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=PDF_SIZE, pageCompression=0)
    c.setTitle(f"{t['title']} {label.certificate_id}")
    w, h = PDF_SIZE
    green = HexColor("#17643a")
    c.setStrokeColor(green)
    c.setLineWidth(2)
    c.roundRect(8, 8, w - 16, h - 16, 10)

    def text(x: float, y: float, s: str, f: str, size: float) -> None:
        """Draw ``s``, shrinking it (down to 6 pt, then cutting it) to fit inside the border."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        font_name, room = _font_for(s, f), w - 16 - x
        while size > 6 and stringWidth(s, font_name, size) > room:
            size -= 0.5
        while len(s) > 1 and stringWidth(s, font_name, size) > room:
            s = s[:-2] + "…"
        c.setFont(font_name, size)
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
        (t["period"], label.period),
        *([(t["lot"], label.lot)] if label.lot else []),
        (t["issuer"], label.issuer),
        (t["status"], t[label.status]),
    ]
    y = h - 178
    for name, value in rows:
        text(22, y, f"{name}: {value}", font, 8)
        y -= 12
    _draw_qr(c, label.verify_url)
    size = _qr_size(label.verify_url)
    qx = QR_ORIGIN[0] + size + 10
    text(qx, QR_ORIGIN[1] + size - 12, t["scan"], font, 7)
    c.setFont("Helvetica", 5.5)
    for i in range(0, len(label.verify_url), 38):
        c.drawString(qx, QR_ORIGIN[1] + size - 24 - (i // 38) * 8, label.verify_url[i : i + 38])
    c.linkURL(
        label.verify_url, (QR_ORIGIN[0], QR_ORIGIN[1], QR_ORIGIN[0] + size, QR_ORIGIN[1] + size), relative=0
    )
    c.showPage()
    c.save()
    return buf.getvalue()


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
