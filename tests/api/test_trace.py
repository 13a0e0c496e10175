"""Trace queries over HTTP, cut to what the caller may read."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.clients import create_client
from api.settings import Settings
from ledger.log.keys import generate_key
from tests.conftest import Park, setup_energy_park
from tests.ledger.energy_helpers import batch

Traced = tuple[Park, TestClient, Callable[[str, str], dict[str, str]], int, int]
"""The park, a client of its service, a token maker (actor, role -> headers), the seqs of two batches."""


@pytest.fixture
def traced(make_park: Callable[[], Park]) -> Traced:
    park = setup_energy_park(make_park())
    park.register("V-1", "verifier")
    placed = park.ledger.append(
        [park.sign("readings.batch", "E-1", batch("C-1")), park.sign("readings.batch", "E-2", batch("C-3"))]
    )
    app = create_app(
        Settings(
            db_url=park.ledger.db.url,
            service_key=generate_key(),
            operator_key=park.keys["operator"],
            access_cache_seconds=0,
            read_cache_seconds=0,
        )
    )
    client = TestClient(app, raise_server_exceptions=False)

    def auth(actor: str, role: str) -> dict[str, str]:
        new = create_client(park.ledger.db, actor, role)
        r = client.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=(new.client.client_id, new.secret)
        )
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return park, client, auth, placed[0].seq, placed[1].seq


def test_owner_traces_its_meter_and_batch(traced: Traced) -> None:
    park, client, auth, b1, _b2 = traced
    h = auth("E-1", "enterprise")
    down = client.get("/trace/downstream?node=meter:C-1", headers=h)
    assert down.status_code == 200 and [r["id"] for r in down.json()] == [f"batch:{b1}"]
    up = client.get(f"/trace/upstream?node=batch:{b1}", headers=h).json()
    assert {"meter:C-1", "actor:E-1"} <= {r["id"] for r in up}
    ev = client.get(f"/trace/evidence?node=batch:{b1}", headers=h).json()
    assert b1 in ev
    node = client.get("/trace/node?node=meter:C-1", headers=h).json()
    assert node["attrs"]["owner"] == "E-1"
    assert client.get(f"/trace/impact?seq={b1}", headers=h).status_code == 200


def test_others_and_ungranted_verifiers_are_refused(traced: Traced) -> None:
    park, client, auth, b1, b2 = traced
    assert (
        client.get(f"/trace/upstream?node=batch:{b1}", headers=auth("E-2", "enterprise")).status_code == 403
    )
    v = auth("V-1", "verifier")
    assert client.get(f"/trace/upstream?node=batch:{b1}", headers=v).status_code == 403
    park.ledger.append([park.sign("access.grant", "E-1", {"grantee": "V-1", "scope": "trail"})])
    assert client.get(f"/trace/upstream?node=batch:{b1}", headers=v).status_code == 200
    assert client.get(f"/trace/upstream?node=batch:{b2}", headers=v).status_code == 403
    assert client.get("/trace/upstream?node=meter:NOPE", headers=v).status_code == 404
    assert client.get("/trace/impact", headers=v).status_code == 400
    assert (
        client.get(f"/trace/upstream?node=batch:{b2}", headers=auth("operator", "operator")).status_code
        == 200
    )
