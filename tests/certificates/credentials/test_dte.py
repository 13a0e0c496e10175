"""UNTP 0.6.1 Digital Traceability Events: lot events as signed W3C VC 2.0 credentials.

Every credential is validated against the UNTP DTE 0.6.1 schema and the W3C VC 2.0 schema, read from
``../shared/data/vc`` (GPL-3.0 and W3C licences: never copied here), and its ``eddsa-jcs-2022`` proof
verified with keys resolved from the ledger alone.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest

from certificates.credentials.data_integrity import verify_proof
from certificates.credentials.did import actor_did
from certificates.credentials.dte import host_of_origin, issue_dte, ledger_key_resolver
from certificates.credentials.errors import CredentialError
from ledger import generate_key, public_key_b64
from tests.certificates.credentials.schemas import validate_dte
from tests.conftest import Park
from tests.shared_data import shared_json
from tests.traceability.ledger_chain import build_chain
from traceability.dte import dte_credential, lot_uri_under
from traceability.errors import InvalidExport
from traceability.lot_import import import_epcis_document

HOST = "tanji.example.org"
DOCS = Path(__file__).resolve().parents[2] / "traceability" / "documents"


@pytest.fixture
def chain(make_energy_park: Callable[[], Park]) -> Park:
    return build_chain(make_energy_park())


def test_the_untp_example_instance_validates() -> None:
    """The harness: UNTP's own example passes the schema it is checked with."""
    validate_dte(shared_json("vc", "untp", "untp-dte-instance-0.6.1.json"))


def test_lot_events_as_a_signed_dte(chain: Park) -> None:
    credential = issue_dte(chain.ledger, "E-1", chain.keys["E-1"], host=HOST)
    validate_dte(credential)
    did = actor_did("E-1", HOST)
    assert credential["issuer"] == {"type": ["CredentialIssuer"], "id": did, "name": "Actor E-1"}
    assert credential["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://test.uncefact.org/vocabulary/untp/dte/0.6.1/",
    ]
    receipt, production, shipment = credential["credentialSubject"]
    assert receipt["type"] == ["TransactionEvent", "Event"] and receipt["sourceParty"] == "SUP-1"
    assert receipt["destinationParty"] == did and receipt["bizStep"].endswith("BizStep-receiving")
    assert receipt["quantityList"] == [
        {
            "type": ["QuantityElement"],
            "productId": f"https://{HOST}/lots/ALUMINA-1",
            "productName": "alumina",
            "quantity": 4_000_000,
            "uom": "GRM",
        }
    ]
    assert production["type"] == ["TransformationEvent", "Event"] and production["action"] == "add"
    assert [q["productId"] for q in production["inputQuantityList"]] == [f"https://{HOST}/lots/ALUMINA-1"]
    assert production["inputQuantityList"][0]["quantity"] == 3_900_000
    assert production["outputQuantityList"][0]["productName"] == "aluminium"
    assert shipment["destinationParty"] == actor_did("E-2", HOST)  # an actor of the ledger: its DID
    # secured with eddsa-jcs-2022 by a key the ledger registered for E-1
    proof = credential["proof"]
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof",
        "eddsa-jcs-2022",
        "assertionMethod",
    )
    assert proof["verificationMethod"].startswith(did + "#z6Mk")
    result = verify_proof(credential, resolve=ledger_key_resolver(chain.ledger, HOST))
    assert result.verified, result.problems
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"][1]["inputQuantityList"][0]["quantity"] = 1
    bad = verify_proof(tampered, resolve=ledger_key_resolver(chain.ledger, HOST))
    assert not bad.verified and [c.name for c in bad.problems] == ["proof.signature"]
    other_host = verify_proof(credential, resolve=ledger_key_resolver(chain.ledger, "evil.example"))
    assert [c.name for c in other_host.problems] == ["proof.key"]


def test_the_body_is_reproducible_and_filtered_by_lot(chain: Park) -> None:
    first = issue_dte(chain.ledger, "E-2", chain.keys["E-2"], host=HOST)
    second = issue_dte(chain.ledger, "E-2", chain.keys["E-2"], host=HOST)
    unsigned = {k: v for k, v in first.items() if k != "proof"}
    assert unsigned == {k: v for k, v in second.items() if k != "proof"}
    only = issue_dte(chain.ledger, "E-1", chain.keys["E-1"], host=HOST, lots=["AL-1"])
    assert [e["processType"] for e in only["credentialSubject"]] == ["Production", "Shipment"]
    validate_dte(only)


def test_issuer_key_must_be_the_actors(chain: Park) -> None:
    with pytest.raises(CredentialError) as e:
        issue_dte(chain.ledger, "E-1", generate_key(), host=HOST)
    assert e.value.code == "credential.key_mismatch"
    with pytest.raises(InvalidExport):
        issue_dte(chain.ledger, "G-1", chain.keys["G-1"], host=HOST)  # no lot events


def test_a_rotated_key_keeps_older_credentials_checkable(chain: Park) -> None:
    credential = issue_dte(chain.ledger, "E-1", chain.keys["E-1"], host=HOST)
    new_key = generate_key()
    rotate: dict[str, object] = {"actor_id": "E-1", "public_key": public_key_b64(new_key.public_key())}
    chain.ledger.append([chain.sign("actor.rotate_key", "E-1", rotate)])
    assert verify_proof(credential, resolve=ledger_key_resolver(chain.ledger, HOST)).verified


def test_serialized_items_and_one_event_per_epcis_event(make_energy_park: Callable[[], Park]) -> None:
    park = make_energy_park()
    document = (DOCS / "jacket_lifecycle.json").read_bytes()
    import_epcis_document(park.ledger, document, "E-1", park.keys["E-1"])
    credential = issue_dte(park.ledger, "E-1", park.keys["E-1"], host=HOST)
    validate_dte(credential)
    events = credential["credentialSubject"]
    # receipt, sewing (two jackets from one TransformationEvent: one event again), shipment
    assert [e["type"][0] for e in events] == ["TransactionEvent", "TransformationEvent", "TransactionEvent"]
    sewing = events[1]
    assert sewing["id"] == "urn:uuid:6f0e7d3a-1c1e-4b0e-9a51-0a1d2c3b4e03"  # the EPCIS eventID
    assert [i["id"] for i in sewing["outputEPCList"]] == [
        "https://id.gs1.org/01/09506000134352/21/AUR-2026-000001",
        "https://id.gs1.org/01/09506000134352/21/AUR-2026-000002",
    ]
    assert sewing["inputQuantityList"][0]["quantity"] == 1_800  # 900 g + 900 g, merged again
    assert events[2]["epcList"][0]["id"].endswith("AUR-2026-000001")
    assert events[2]["destinationParty"] == "urn:epc:id:pgln:4012345.00042"


def test_pure_builder_preconditions() -> None:
    assert host_of_origin("tanji.example.org/park-1") == "tanji.example.org"
    uri = lot_uri_under("https://h/lots/")
    assert (
        uri("AL 1") == "https://h/lots/AL%201" and uri("urn:epc:id:sgtin:1.2.3") == "urn:epc:id:sgtin:1.2.3"
    )
    with pytest.raises(InvalidExport, match="no lot events"):
        dte_credential([], issuer_id="did:web:h", issuer_name="x", lot_uri=uri, party=str, namespace="n")
