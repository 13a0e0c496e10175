"""The public verification page renders valid, revoked and unknown certificates, offline."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import cast

import pytest

from api.views.certificate import CertificateView, EvidenceItem, Status
from tests.api.conftest import Env


def _view(status: Status, reason: str | None = None) -> CertificateView:
    return CertificateView(
        certificate_id="TJ-2026-0001",
        status=status,
        product="原铝 AL99.70 lot 2026-02",
        declared_unit="1 kilogram",
        period="2026-01-01 – 2026-02-01",
        market_based="3.10 kgCO2e",
        location_based="7.95 kgCO2e",
        green_shares={"physical": "59.3 %", "claimable": "51.9 %"},
        issuer="E-alu Ordos Aluminium",
        verifier="V-cert",
        status_reason=reason,
        evidence=[
            EvidenceItem(12, "readings.batch", "ab" * 32, "meter M-1, January"),
            EvidenceItem(40, "footprint.publish", "cd" * 32),
        ],
        document={"certificate_id": "TJ-2026-0001", "sig": "…"},
    )


@pytest.mark.parametrize(
    ("status", "reason"), [("valid", None), ("revoked", "meter M-1 miscalibrated"), ("superseded", None)]
)
def test_page_renders_status_figures_and_evidence(
    make_env: Callable[..., Env], status: Status, reason: str | None
) -> None:
    env: Env = make_env(certificates=lambda cid: _view(status, reason) if cid == "TJ-2026-0001" else None)
    r = env.client.get("/verify/TJ-2026-0001")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert f'class="badge {status}"' in html and status.upper() in html
    assert "原铝 AL99.70" in html and "3.10 kgCO2e" in html and "59.3 %" in html and "V-cert" in html
    assert "ab" * 32 in html and "readings.batch" in html
    if reason:
        assert reason in html
    # Works offline: no external scripts, styles, fonts or images.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html
    doc = env.client.get("/verify/TJ-2026-0001/certificate.json")
    assert doc.status_code == 200 and doc.json()["certificate_id"] == "TJ-2026-0001"


def test_unknown_certificate_is_404_page(env: Env) -> None:
    r = env.client.get("/verify/TJ-NOPE", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert r.status_code == 404 and "Certificate not found" in r.text
    r = env.client.get("/verify/TJ-NOPE?lang=zh")
    assert r.status_code == 404 and "未找到证书" in r.text and "<code>TJ-NOPE</code>" in r.text
    assert env.client.get("/verify/TJ-NOPE/certificate.json").status_code == 404


def test_view_rejects_unknown_status() -> None:
    with pytest.raises(ValueError, match="not valid, revoked or superseded"):
        _view(cast(Status, "pending"))  # deliberately outside the Literal
