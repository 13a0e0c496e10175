"""Labels: HTML and PDF, zh and en, with the headline figure, green share and a QR code to the identity
resolver; every PDF font embedded (``pdffonts``), Chinese glyphs drawn (chromium screenshot)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from certificates.errors import LabelError
from certificates.labels import (
    QR_BORDER,
    QR_MODULE,
    QR_ORIGIN,
    LabelData,
    format_figure,
    format_period,
    format_share,
    label_data,
    qr_code,
    render_html,
    render_pdf,
    verify_url,
    write_labels,
)
from certificates.revoke import revoke_certificate
from certificates.site import Site
from tests.certificates.conftest import Issued

SITE = Site.of("https://tanji.example/park/")


@pytest.fixture(scope="module")
def label(issued_sqlite: Issued) -> LabelData:
    return label_data(issued_sqlite.park.ledger, issued_sqlite.certificate.id, site=SITE)


def test_label_from_ledger_equals_label_from_certificate(issued_sqlite: Issued, label: LabelData) -> None:
    assert LabelData.from_certificate(issued_sqlite.certificate, site=SITE) == label
    assert label.verify_url == f"https://tanji.example/park/verify/{issued_sqlite.certificate.id}"
    assert label.qr_url == label.verify_url  # no GTIN: the QR opens the verification page
    market = issued_sqlite.certificate.body.footprint.market.total
    assert (label.market, label.claimable_share, label.status) == (market, 0.8, "valid")
    # half-open, park-local dates, the end stated as excluded: the same on every face
    assert label.period("en") == "2026-01-01 – 2026-02-01 (end exclusive, park-local dates)"
    assert label.period("zh") == "2026-01-01 至 2026-02-01（不含 2026-02-01，园区当地日期）"
    assert format_period("2025-01-01", "2026-01-01T00:00:00+08:00", "en").startswith(
        "2025-01-01 – 2026-01-01"
    )


def test_the_qr_of_a_gtin_lot_is_its_digital_link(issued_sqlite: Issued) -> None:
    claims = dict(issued_sqlite.certificate.data)
    claims["product"] = {**claims["product"], "ids": ["https://id.gs1.org/01/09520123456788"]}
    claims["lot"] = "LOT-AL-2025-01"
    label = LabelData.from_claims("c-1", claims, "E-1", "valid", SITE)
    assert label.qr_url == "https://tanji.example/park/01/09520123456788/10/LOT-AL-2025-01"
    assert label.verify_url == "https://tanji.example/park/verify/c-1"
    assert label.qr_url in render_html(label, "en")


def test_formatting() -> None:
    assert [format_figure(x) for x in (4.2, 12.6000001, 0.12345, 0.0, 15234.4)] == [
        "4.2",
        "12.6",
        "0.123",
        "0",
        "15,234",
    ]
    assert (format_share(0.5), format_share(None, "无数据")) == ("50.0 %", "无数据")
    assert verify_url("https://a.b/", "x") == verify_url("https://a.b", "x") == "https://a.b/verify/x"


@pytest.mark.parametrize(
    ("lang", "words"), [("zh", ["产品碳足迹标签", "绿电占比"]), ("en", ["Product carbon footprint"])]
)
def test_html_label(label: LabelData, lang: str, words: list[str]) -> None:
    html = render_html(label, lang)
    assert f'<span class="figure" id="figure">{format_figure(label.market)}</span>' in html
    assert label.period(lang) in html
    assert '<span class="share" id="green-share">80.0 %</span>' in html
    assert "<svg" in html and "</svg>" in html  # inline QR code
    assert label.verify_url in html
    for w in words:
        assert w in html
    # Self-contained: nothing is fetched from elsewhere.
    assert not re.search(r"<(script|link|img)\b", html)
    assert "@import" not in html and "url(" not in html


def _pdf_matrix(pdf: bytes, n: int) -> list[list[bool]]:
    """The QR modules drawn in the PDF's (uncompressed) page stream, read back as a matrix."""
    x0 = QR_ORIGIN[0] + QR_BORDER * QR_MODULE
    top = QR_ORIGIN[1] + (QR_BORDER + n) * QR_MODULE
    matrix = [[False] * n for _ in range(n)]
    for x, y in re.findall(rb"([\d.]+) ([\d.]+) 3 3 re f\*", pdf):
        col, row = round((float(x) - x0) / QR_MODULE), round((top - float(y)) / QR_MODULE) - 1
        assert 0 <= row < n and 0 <= col < n
        matrix[row][col] = True
    return matrix


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_label_carries_the_qr_of_the_verify_url(label: LabelData, lang: str) -> None:
    pdf = render_pdf(label, lang)
    assert pdf.startswith(b"%PDF")
    expected = [[bool(v) for v in row] for row in qr_code(label.verify_url).matrix]
    assert _pdf_matrix(pdf, len(expected)) == expected
    assert f"/URI ({label.verify_url})".encode() in pdf
    assert b"STSong-Light" not in pdf and b"/Helvetica" not in pdf  # no font left unembedded


def test_qr_encodes_the_url(label: LabelData) -> None:
    qr = qr_code(label.verify_url)
    assert not qr.is_micro and qr.error == "M"
    assert qr.designator.endswith("-M")


def test_write_labels_and_status(
    issued_sqlite: Issued, tmp_path: Path, make_issued: Callable[..., Issued]
) -> None:
    issued = make_issued()
    revoke_certificate(issued.park.ledger, issued.certificate.id, "test", issued.park.keys["E-1"])
    data = label_data(issued.park.ledger, issued.certificate.id, site=SITE)
    assert data.status == "revoked"
    paths = write_labels(data, tmp_path, pdf=True)
    assert sorted(p.suffix for p in paths) == [".html", ".html", ".pdf", ".pdf"]
    assert "已撤销" in (tmp_path / f"label-{data.certificate_id}-zh.html").read_text(encoding="utf-8")
    with pytest.raises(LabelError):
        render_html(data, "fr")
