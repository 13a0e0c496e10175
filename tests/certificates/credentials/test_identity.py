"""The identity resolver of the service: DID documents, GS1 Digital Link paths, credential files; and the
public base URL labels and credentials are built on."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from certificates.credentials.actors import documents_resolver
from certificates.credentials.did import actor_did, verification_method
from certificates.credentials.issue import issue_passport
from certificates.credentials.verify import check_credential
from certificates.issue import issue_certificate
from certificates.site import NotPublic, Site, check_public_base_url, gtin_of, identity_path
from lca.model import parse_model
from lca.publish import FootprintPublish
from lca.warm import compute_warm, warm_background
from ledger import generate_key
from tests.certificates.conftest import basic_park
from tests.conftest import Park
from tests.lca.test_kinds import MODELS, model_doc, signed

GTIN = "09520123456788"


@pytest.mark.parametrize(
    "url",
    [
        "http://tanji.example.org",
        "https://localhost:8000",
        "https://127.0.0.1:8000",
        "https://10.1.2.3",
        "https://192.168.0.10/verify",
        "https://[::1]",
        "https://[fd00::1]",
        "https://169.254.1.1",
        "https://tanji.local",
        "https://tanji.internal",
        "https://intranet",
        "https://tanji.example.org/?x=1",
        "ftp://tanji.example.org",
    ],
)
def test_local_or_private_base_urls_are_refused(url: str) -> None:
    with pytest.raises(NotPublic) as e:
        check_public_base_url(url)
    assert e.value.code == "site.not_public"


def test_public_base_urls() -> None:
    assert check_public_base_url("https://tanji.example.org/") == "https://tanji.example.org"
    assert check_public_base_url("https://8.8.8.8/park") == "https://8.8.8.8/park"
    site = Site.of(None, origin="tanji.example.org/park-1")
    assert (site.base_url, site.did_host) == ("https://tanji.example.org", "tanji.example.org")
    assert Site.of("https://verify.example.com:8443").did_host == "verify.example.com:8443"
    assert Site.of("http://127.0.0.1:8000", allow_private=True).base_url == "http://127.0.0.1:8000"


def test_gtins_and_identity_paths() -> None:
    assert gtin_of(["urn:x:1", f"https://id.gs1.org/01/{GTIN}/10/L1"]) == GTIN
    assert gtin_of(["9520123456788"]) == GTIN  # GTIN-13, padded
    assert gtin_of([f"urn:gtin:{GTIN}"]) == GTIN  # as PACT product ids write it
    assert gtin_of(["urn:epc:idpat:sgtin:952012.0345678.*"]) == "09520123456788"
    assert gtin_of(["09520123456789"]) is None  # wrong check digit
    assert gtin_of(["urn:tanji:product:example:al-ingot-a00"]) is None
    assert identity_path([GTIN], "LOT-AL-2025-01") == f"/01/{GTIN}/10/LOT-AL-2025-01"
    assert identity_path([GTIN], "a lot with spaces") is None  # not an AI (10) value
    assert identity_path([GTIN], None) is None
    site = Site.of("https://tanji.example.org")
    assert site.label_url("c-1", [GTIN], "L/1") == f"https://tanji.example.org/01/{GTIN}/10/L%2F1"
    assert site.label_url("c-1", ["urn:x"], "L1") == "https://tanji.example.org/verify/c-1"


@pytest.fixture
def served(make_park: Callable[[], Park], tmp_path: Path) -> Iterator[tuple[Park, TestClient, str]]:
    """A park with a footprint of a GTIN'd product lot, its certificate, and a service on it."""
    park = basic_park(make_park())
    fid = str(uuid.uuid4())
    doc = model_doc("AL-INGOT", 4.2)
    doc["product"]["ids"] = [f"https://id.gs1.org/01/{GTIN}"]
    model = parse_model(doc)
    MODELS[model.sha256()] = model
    result = compute_warm(model, [], warm_background())
    body = FootprintPublish.from_result(result, model, lot="LOT-1").model_dump(mode="json", by_alias=True)
    park.ledger.append(signed(park, "E-1", {**body, "footprint_id": fid, "supersedes": []}))
    cert = issue_certificate(park.ledger, fid, park.keys["E-1"]).certificate
    credentials = tmp_path / "credentials"
    issue_passport(park.ledger, cert, park.keys["E-1"], Site.of("https://tanji.example.org")).write(
        credentials
    )
    app = create_app(
        Settings(
            db_url=park.ledger.db.url,
            service_key=generate_key(),
            operator_key=None,
            credential_documents=credentials,
            read_cache_seconds=0,
        )
    )
    with TestClient(app, base_url="https://tanji.example.org") as client:
        yield park, client, cert.id


def test_did_documents_are_served_at_the_did_web_path(served: tuple[Park, TestClient, str]) -> None:
    park, client, _ = served
    r = client.get("/actors/E-1/did.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/did+json")
    document = r.json()
    did = actor_did("E-1", "tanji.example.org")  # the host it is served from
    assert document["id"] == did
    assert document["assertionMethod"] == [verification_method(did, park.keys["E-1"].public_key())]
    assert client.get("/actors/E-404/did.json").status_code == 404


def test_digital_link_resolves_to_the_certificate(served: tuple[Park, TestClient, str]) -> None:
    _, client, cid = served
    r = client.get(f"/01/{GTIN}/10/LOT-1", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == f"/verify/{cid}"
    assert client.get(f"/01/{GTIN}/10/LOT-2", follow_redirects=False).status_code == 404
    assert client.get("/01/09520123456789/10/LOT-1", follow_redirects=False).status_code == 404


def test_credential_files_are_served_and_verify_with_the_served_did(
    served: tuple[Park, TestClient, str],
) -> None:
    park, client, cid = served
    r = client.get(f"/credentials/{cid}.dpp.jwt")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vc+jwt")
    token = r.text.strip()
    assert client.get(f"/credentials/{cid}.dpp.json").json()["type"][0] == "DigitalProductPassport"
    assert client.get("/credentials/..%2Fetc.json").status_code == 404
    document = client.get("/actors/E-1/did.json").json()
    assert check_credential(token, documents_resolver([document])).ok
    assert json.loads(client.get(f"/credentials/{cid}.dpp.json").text)["issuer"]["id"] == document["id"]
