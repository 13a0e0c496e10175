"""The three green shares of one footprint agree on the certificate, the verification page and the PACT
extension.

DESIGN.md section 4 defines each share once (``ledger.green_shares``):
physical = direct-supply / total, hourly-matched = Σ_h min(C_h, direct_h +
contracted_h) / Σ_h C_h, claimable = GEC-backed / total. The footprint here has
contracted (绿电交易) energy, so a physical share that also counted trades
would show.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from decimal import Decimal

from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.clients import create_client
from api.settings import Settings
from certificates.issue import issue_certificate
from ledger import generate_key
from tests.api.test_pact import GREEN
from tests.certificates.conftest import basic_park
from tests.conftest import Park
from tests.lca.test_kinds import payload

# kWh per declared unit: direct 8 (4 of it claimable), contracted 5, certificate 2, grid 5.
ELECTRICITY = {
    "total_kwh": 20.0,
    "direct_physical_kwh": 8.0,
    "contracted_kwh": 5.0,
    "certificate_kwh": 2.0,
    "grid_kwh": 5.0,
    "claimable_green_kwh": 4.0 + 5.0 + 2.0,
}
PAGE_LABELS = {
    "physical": "physical (direct supply)",
    "claimable": "claimable (certificates retired)",
    "hourly_matched": "hourly-matched (direct supply and trades, hour by hour)",
}
PACT_KEYS = {"physical": "physical", "claimable": "claimable", "hourly_matched": "hourlyMatched"}


def _rounded(share: float | Decimal | None) -> Decimal | None:
    """A share at the page's precision (0.1 %), so the three faces compare."""
    return None if share is None else Decimal(str(share)).quantize(Decimal("0.001"))


def test_certificate_page_and_pact_report_the_same_three_shares(make_park: Callable[[], Park]) -> None:
    park = basic_park(make_park())
    park.register("B-1", "buyer")
    fid = str(uuid.uuid4())
    body = payload(fid)
    body["results"]["electricity"] = ELECTRICITY
    park.ledger.append(
        [
            park.sign("footprint.publish", "E-1", body),
            park.sign("access.grant", "E-1", {"grantee": "B-1", "scope": "footprints"}),
        ]
    )
    cert = issue_certificate(park.ledger, fid, park.keys["E-1"]).certificate

    green = cert.body.green_electricity
    on_certificate = {
        "physical": green.physical_share,
        "claimable": green.claimable_share,
        "hourly_matched": green.hourly_matched_share,
    }
    assert on_certificate == {"physical": 0.4, "claimable": 0.55, "hourly_matched": None}

    client = TestClient(
        create_app(
            Settings(
                db_url=park.ledger.db.url,
                service_key=generate_key(),
                operator_key=park.keys["operator"],
                access_cache_seconds=0,
                read_cache_seconds=0,
            )
        ),
        raise_server_exceptions=False,
    )
    page = client.get(f"/verify/{cert.id}")
    assert page.status_code == 200
    on_page: dict[str, Decimal | None] = {}
    for name, label in PAGE_LABELS.items():
        cell = re.search(rf"Green electricity — {re.escape(label)}</th><td>([^<]*)</td>", page.text)
        assert cell is not None, label
        text = cell.group(1).strip()
        on_page[name] = None if text == "—" else Decimal(text.removesuffix(" %")) / 100

    buyer = create_client(park.ledger.db, "B-1", "buyer")
    token = client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, auth=(buyer.client.client_id, buyer.secret)
    ).json()["access_token"]
    listed = client.get("/3/footprints", headers={"Authorization": f"Bearer {token}"}).json()["data"]
    [pf] = [p for p in listed if p["id"] == fid]
    extension = pf["extensions"][0]["data"]
    GREEN.validate(extension)
    in_pact = {
        name: None if key not in extension["shares"] else Decimal(extension["shares"][key])
        for name, key in PACT_KEYS.items()
    }

    assert (
        {k: _rounded(v) for k, v in on_certificate.items()}
        == {k: _rounded(v) for k, v in on_page.items()}
        == {k: _rounded(v) for k, v in in_pact.items()}
    )
    # physical counts direct supply only, not trades (it was (8 + 5) / 20 on the page and in PACT before)
    assert extension["shares"] == {"physical": "0.4000", "claimable": "0.5500"}
