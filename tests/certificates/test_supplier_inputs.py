"""Supplier inputs: a Tanji certificate enters a model with the certified figure, verified; a PACT
footprint enters marked supplier-declared, and the footprint says which share rests on it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from certificates.issue import issue_certificate
from certificates.kinds import certificate_status_in
from certificates.supplier import SupplierCertificateInvalid, supplier_input
from certificates.verify import TrustedKey
from lca.model import parse_model
from lca.model_kind import model_payload
from ledger import parse_verifier_key
from ledger.errors import LedgerError
from tests.certificates.conftest import basic_park, publish
from tests.conftest import Park
from tests.lca.test_kinds import derived, model_doc


def _trust(park: Park) -> TrustedKey:
    name, key = parse_verifier_key(park.ledger.info().operator_key)
    return TrustedKey(key, name)


def _with_input(supplier: dict[str, Any], product: str = "AL-PART") -> dict[str, Any]:
    """E-1's part: 4.2 kg CO2e of its own per kg, plus 2 kg of the supplier's product per kg."""
    doc = model_doc(product)
    doc["processes"][0]["inputs"] = [{"id": "ingot", "amount": 2, "unit": "kg", "supplier": supplier}]
    return doc


@pytest.fixture
def supplied(make_park: Callable[[], Park]) -> tuple[Park, bytes]:
    """E-2 publishes a 3.9 kg CO2e/kg footprint and certifies it."""
    park = basic_park(make_park())
    fid = publish(park, actor="E-2", total=3.9)
    cert = issue_certificate(park.ledger, fid, park.keys["E-2"]).certificate
    return park, cert.to_bytes()


def test_a_verified_certificate_enters_with_its_figure(supplied: tuple[Park, bytes]) -> None:
    park, raw = supplied
    block = supplier_input(raw, _trust(park), status="valid")
    assert block["certificate"]["total_kg_co2e"] == 3.9 and block["supplier"] == "E-2"
    body = derived(park, "E-1", _with_input(block))
    park.ledger.append([park.sign("footprint.publish", "E-1", body)])
    assert body["results"]["market"]["total"] == pytest.approx(4.2 + 2 * 3.9)
    assert body["results"]["supplier_declared_share"] == 0.0  # verified, not declared


def test_a_certificate_that_does_not_verify_or_is_revoked_is_refused(supplied: tuple[Park, bytes]) -> None:
    park, raw = supplied
    doc = json.loads(raw)
    doc["footprint"]["market"]["total"] = 0.5  # a friendlier figure
    with pytest.raises(SupplierCertificateInvalid) as e:
        supplier_input(json.dumps(doc), _trust(park))
    assert e.value.code == "certificate.supplier_invalid" and "issuer.signature" in e.value.details["failed"]

    block = supplier_input(raw, _trust(park))
    park.ledger.append([park.sign("footprint.model", "E-1", model_payload(parse_model(_with_input(block))))])
    cid = block["certificate"]["certificate_id"]
    park.ledger.append([park.sign("certificate.revoke", "E-2", {"id": cid, "reason": "meter corrected"})])
    status = certificate_status_in(park.ledger.db, cid)
    with pytest.raises(SupplierCertificateInvalid) as e:
        supplier_input(raw, _trust(park), status=status)
    assert e.value.code == "certificate.supplier_revoked"
    # On the ledger: a new model with it is refused, and so is a footprint from the model recorded before.
    with pytest.raises(LedgerError) as e2:
        park.ledger.append(
            [park.sign("footprint.model", "E-1", model_payload(parse_model(_with_input(block, "AL-OTHER"))))]
        )
    assert e2.value.code == "footprint.supplier_certificate_revoked"
    body = {**derived_without_check(park, _with_input(block))}
    with pytest.raises(LedgerError) as e3:
        park.ledger.append([park.sign("footprint.publish", "E-1", body)])
    assert e3.value.code == "footprint.supplier_certificate_revoked"


def derived_without_check(park: Park, doc: dict[str, Any]) -> dict[str, Any]:
    """The payload as it would be re-computed (the model is recorded already, the rule not run)."""
    from lca.publish import FootprintPublish
    from lca.warm import compute_warm, warm_background

    model = parse_model(doc)
    result = compute_warm(model, [], warm_background())
    body = FootprintPublish.from_result(result, model).model_dump(mode="json", by_alias=True)
    return {**body, "footprint_id": str(uuid.uuid4()), "supersedes": []}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"total_kg_co2e": 0.1, "fossil_kg_co2e": 0.1}, "footprint.supplier_figures_mismatch"),
        ({"certificate_id": str(uuid.uuid4())}, "footprint.supplier_certificate_unknown"),
        ({"issuer": "E-1"}, "footprint.supplier_certificate_mismatch"),
    ],
)
def test_typed_certificate_figures_are_refused(
    supplied: tuple[Park, bytes], change: dict[str, Any], code: str
) -> None:
    park, raw = supplied
    block = supplier_input(raw, _trust(park))
    block["certificate"].update(change)
    with pytest.raises(LedgerError) as e:
        park.ledger.append(
            [park.sign("footprint.model", "E-1", model_payload(parse_model(_with_input(block))))]
        )
    assert e.value.code == code


def test_a_pact_footprint_is_supplier_declared(make_park: Callable[[], Park]) -> None:
    park = basic_park(make_park())
    pact = {
        "id": str(uuid.uuid4()),
        "declaredUnitOfMeasurement": "kilogram",
        "declaredUnitAmount": 1,
        "pcfExcludingBiogenicUptake": 3.9,
        "fossilGhgEmissions": 3.9,
    }
    body = derived(park, "E-1", _with_input({"pact": pact, "supplier": "SUP-1"}))
    park.ledger.append([park.sign("footprint.publish", "E-1", body)])
    assert body["results"]["supplier_declared_share"] == pytest.approx(2 * 3.9 / (4.2 + 2 * 3.9))
