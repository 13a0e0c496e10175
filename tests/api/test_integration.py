"""The service on real records: lca's ``footprint.publish`` through PACT, certificates on the page."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.clients import create_client
from api.settings import Settings
from certificates.revoke import revoke_certificate
from ledger.log.keys import generate_key
from tests.api.test_pact import GREEN, PF
from tests.certificates.conftest import Issued, basic_park, make_issued  # noqa: F401 - a fixture
from tests.conftest import Park
from tests.lca.test_kinds import payload, signed


def _client(park: Park, **settings: Any) -> TestClient:
    app = create_app(
        Settings(
            db_url=park.ledger.db.url,
            service_key=generate_key(),
            operator_key=park.keys["operator"],
            access_cache_seconds=0,
            read_cache_seconds=0,
            **settings,
        )
    )
    return TestClient(app, raise_server_exceptions=False)


def _auth(park: Park, client: TestClient, actor: str, role: str) -> dict[str, str]:
    new = create_client(park.ledger.db, actor, role)
    r = client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, auth=(new.client.client_id, new.secret)
    )
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_published_footprints_through_pact(make_park: Callable[[], Park]) -> None:
    park = basic_park(make_park())
    park.register("B-1", "buyer")
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    park.ledger.append(signed(park, "E-1", payload(first)))
    park.ledger.append(signed(park, "E-1", payload(second, supersedes=[first], total=3.9)))
    client = _client(park)
    buyer = _auth(park, client, "B-1", "buyer")
    assert client.get("/3/footprints", headers=buyer).json() == {"data": []}  # nothing shared yet
    park.ledger.append([park.sign("access.grant", "E-1", {"grantee": "B-1", "scope": "footprints"})])
    data = {pf["id"]: pf for pf in client.get("/3/footprints", headers=buyer).json()["data"]}
    assert set(data) == {first, second}
    for pf in data.values():
        PF.validate(pf)
        GREEN.validate(pf["extensions"][0]["data"])
        assert pf["companyName"] == "Actor E-1" and pf["companyIds"] == ["urn:tanji:actor:E-1"]
    assert data[first]["status"] == "Deprecated" and data[second]["status"] == "Active"
    assert data[second]["precedingPfIds"] == [first]
    assert data[second]["pcf"]["pcfExcludingBiogenicUptake"] == "3.9"
    green = data[second]["extensions"][0]["data"]
    assert green["shares"] == {"physical": "0", "claimable": "0"}  # no metered electricity: "0"
    assert green["ledger"]["seq"] == park.ledger.size() - 2
    assert client.get(f"/3/footprints/{first}", headers=buyer).json()["data"]["status"] == "Deprecated"


def test_verification_page_for_a_real_certificate(make_issued: Callable[..., Issued], tmp_path: Path) -> None:  # noqa: F811
    issued = make_issued(with_statement=True)
    park = issued.park
    cid = issued.certificate.id
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / f"{cid}.json").write_bytes(issued.certificate.to_bytes())
    client = _client(park, certificate_documents=docs)
    page = client.get(f"/verify/{cid}")
    assert page.status_code == 200 and 'class="badge valid"' in page.text
    assert "Aluminium ingot" in page.text and "V-1" in page.text and "footprint.publish" in page.text
    assert "4.2" in page.text  # the re-computed figure (a footprint without metered electricity)
    doc = client.get(f"/verify/{cid}/certificate.json")
    assert doc.status_code == 200 and json.loads(doc.content)["id"] == cid
    revoke_certificate(park.ledger, cid, "meter C-1 was miscalibrated", park.keys["E-1"])
    page = client.get(f"/verify/{cid}")
    assert 'class="badge revoked"' in page.text and "miscalibrated" in page.text
    # a tampered copy is not offered
    (docs / f"{cid}.json").write_text(
        json.dumps({**json.loads(issued.certificate.to_bytes()), "id": cid, "x": 1})
    )
    assert client.get(f"/verify/{cid}/certificate.json").status_code == 404
    assert client.get(f"/verify/{uuid.uuid4()}").status_code == 404


def test_certificate_status_and_verify_endpoints(make_issued: Callable[..., Issued]) -> None:  # noqa: F811
    issued = make_issued()
    park, cid = issued.park, issued.certificate.id
    client = _client(park)
    status = client.get(f"/certificates/{cid}/status")
    assert status.status_code == 200 and status.json()["status"] == "valid"
    doc = json.loads(issued.certificate.to_bytes())
    checked = client.post("/certificates/verify", json=doc).json()
    assert checked["ok"] and checked["ledger_status"] == "valid"
    tampered = {**doc, "id": str(uuid.uuid4())}
    bad = client.post("/certificates/verify", json=tampered).json()
    assert not bad["ok"] and bad["failed"]
    revoke_certificate(park.ledger, cid, "wrong meter", park.keys["E-1"])
    assert client.get(f"/certificates/{cid}/status").json()["status"] == "revoked"
    missing = client.get(f"/certificates/{uuid.uuid4()}/status")
    assert missing.status_code == 404 and missing.json()["code"] == "certificate.not_found"


def test_verifier_revokes_a_certificate_citing_its_statement(make_issued: Callable[..., Issued]) -> None:  # noqa: F811
    issued = make_issued(with_statement=True)
    park, cid = issued.park, issued.certificate.id
    client = _client(park)
    v = _auth(park, client, "V-1", "verifier")
    sub = park.sign("certificate.revoke", "V-1", {"id": cid, "reason": "evidence withdrawn by the verifier"})
    r = client.post("/entries", json=sub.to_json(), headers=v)
    assert r.status_code == 201, r.text
    assert client.get(f"/certificates/{cid}/status").json()["status"] == "revoked"
    other = park.sign("access.grant", "V-1", {"grantee": "E-1", "scope": "trail"})
    assert client.post("/entries", json=other.to_json(), headers=v).status_code == 403
