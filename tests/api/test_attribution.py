"""Attribution over HTTP: the operator records a run; a granted verifier re-runs it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.clients import create_client
from api.settings import Settings
from ledger.log.keys import generate_key
from tests.conftest import Park
from tests.ledger.park_fixtures import MONTH, build_month_park


def test_operator_runs_and_verifier_reproduces(make_park: Callable[[], Park]) -> None:
    park = build_month_park(make_park())
    park.register("V-9", "verifier")
    client = TestClient(
        create_app(
            Settings(
                db_url=park.ledger.db.url,
                service_key=generate_key(),
                operator_key=park.keys["operator"],
                access_cache_seconds=0,
            )
        ),
        raise_server_exceptions=False,
    )

    def auth(actor: str, role: str) -> dict[str, str]:
        new = create_client(park.ledger.db, actor, role)
        r = client.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=(new.client.client_id, new.secret)
        )
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    size = park.ledger.size()
    e1 = auth("E-1", "enterprise")
    refused = client.post("/attribution/runs", json={"period": MONTH, "meters": ["C-1"]}, headers=e1)
    assert refused.status_code == 403 and park.ledger.size() == size
    op = auth("operator", "operator")
    r = client.post("/attribution/runs", json={"period": MONTH, "meters": ["C-1", "C-2", "C-3"]}, headers=op)
    assert r.status_code == 201, r.text
    seq = r.json()["seq"]
    assert park.ledger.entry(seq).kind == "attribution.run" and r.json()["consumption_wh"] > 0
    v = auth("V-9", "verifier")
    assert (
        client.get(f"/attribution/runs/{seq}/verify", headers=v).status_code == 403
    )  # operator's trail not granted
    checked = client.get(f"/attribution/runs/{seq}/verify", headers=op)
    assert checked.status_code == 200 and checked.json()["ok"]
    assert (
        client.get(f"/attribution/runs/{seq - 1}/verify", headers=op).json()["code"]
        == "attribution.not_a_run"
    )
    bad = client.post("/attribution/runs", json={"period": "2026-13", "meters": ["C-1"]}, headers=op)
    assert bad.status_code in (400, 422)
