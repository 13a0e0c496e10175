"""The three green shares of one footprint agree on the certificate, the verification page and the PACT
extension.

DESIGN.md section 4 defines each share once (``ledger.green_shares``):
physical = direct-supply / total, hourly-matched = Σ_h min(C_h, direct_h +
contracted_h) / Σ_h C_h, claimable = GEC-backed / total. The footprint here
(E-2's, on meter C-3 of ``tests.ledger.park_fixtures``, as the ledger re-computes
it) has contracted (绿电交易) energy whose GEC were not retired for it, so a
physical or claimable share that also counted trades would show; its
hourly-matched share comes from the run's committed rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.clients import create_client
from api.settings import Settings
from certificates.issue import issue_certificate
from ledger import generate_key
from ledger.attribution.runner import run_attribution
from tests.api.test_pact import GREEN
from tests.conftest import Park
from tests.lca.test_kinds import derived, model_doc
from tests.ledger.park_fixtures import MONTH, build_month_park

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
    park = build_month_park(make_park())
    park.register("B-1", "buyer")
    run = run_attribution(park.ledger, "operator", park.keys["operator"], (MONTH,), ["C-3"])
    body = derived(park, "E-2", model_doc("SI-METAL", meters=["C-3"]), run=run.seq)
    fid = body["footprint_id"]
    park.ledger.append(
        [
            park.sign("footprint.publish", "E-2", body),
            park.sign("access.grant", "E-2", {"grantee": "B-1", "scope": "footprints"}),
        ]
    )
    cert = issue_certificate(park.ledger, fid, park.keys["E-2"]).certificate

    green = cert.body.green_electricity
    on_certificate = {
        "physical": green.physical_share,
        "claimable": green.claimable_share,
        "hourly_matched": green.hourly_matched_share,
    }
    # C-3: 372,000 Wh, 100,000 contracted (matched hour by hour, its GEC not retired for it), rest grid
    assert on_certificate == {"physical": 0.0, "claimable": 0.0, "hourly_matched": round(100 / 372, 6)}

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
    page = client.get(f"/verify/{cert.id}?lang=en")
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
    # physical counts direct supply only, claimable GEC-backed energy only: the trade shows in neither
    assert extension["shares"] == {"physical": "0.0000", "claimable": "0.0000", "hourlyMatched": "0.2688"}
