"""Real documents on a real ledger: identity, supplier footprints on lots, battery passports, dry runs.

The park is ``tests.conftest.setup_energy_park`` (seqs 0-12: operator, E-1, E-2, G-1, GW-1, R-1,
park P-1 and its meters). E-1 makes jackets from fabric (``documents/jacket_lifecycle.json``); E-2
buys a battery pack and records its passport.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lca.background import parse_background
from lca.calculate import compute_footprints
from lca.model import SupplierFootprint as ModelSupplierFootprint
from lca.model import parse_model
from ledger.errors import LedgerError, RuleViolation
from ledger.store.replay import replay_check
from tests.conftest import Park
from tests.lca.conftest import TINY_BACKGROUND, TINY_GRID
from tests.lca.test_supplier import supplier_model
from tests.ledger.energy_helpers import state
from traceability.epcis import ImportOptions
from traceability.errors import InconsistentPassport
from traceability.kinds import get_lot
from traceability.ledger_graph import build_graph
from traceability.lot_footprints import lot_supplier_footprint, supplier_footprints_of
from traceability.lot_import import import_epcis_document
from traceability.passport_import import import_passport

DOCS = Path(__file__).parent / "documents"
JACKET_1 = "https://id.gs1.org/01/09506000134352/21/AUR-2026-000001"
FABRIC = "https://id.gs1.org/01/09520001000017/10/FAB-2026-07"
PACK = "https://id.gs1.org/01/04012345000139/21/PACK-2026-0042"
MILL = "urn:epc:id:pgln:9520001.00001"
PACT_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


@pytest.fixture
def park(make_energy_park: Callable[[], Park]) -> Park:
    return make_energy_park()


def _import(park: Park, name: str, actor: str = "E-1", **kwargs: Any) -> Any:
    return import_epcis_document(park.ledger, (DOCS / name).read_bytes(), actor, park.keys[actor], **kwargs)


def test_the_jacket_is_produced_once_on_the_ledger(park: Park) -> None:
    done = _import(park, "jacket_lifecycle.json")
    assert [k for k, _, _ in done.entries] == [
        "lot.receive",
        "lot.footprint",
        "lot.produce",
        "lot.produce",
        "lot.ship",
    ]
    with park.ledger.db.read_session() as s:
        jacket = get_lot(s, JACKET_1)
        assert jacket is not None and (jacket.produced, jacket.shipped) == (1, 1)
    # a later document commissioning the same jacket again: an observation, nothing appended
    again = [
        {
            "type": "ObjectEvent",
            "eventTime": "2026-03-05T09:00:00+08:00",
            "action": "ADD",
            "bizStep": "commissioning",
            "epcList": [JACKET_1],
        }
    ]
    size = park.ledger.size()
    later = import_epcis_document(park.ledger, json.dumps(again), "E-1", park.keys["E-1"])
    assert later.entries == () and park.ledger.size() == size
    assert "exists already (on the ledger)" in later.report.issues[0].reason
    # and the ledger itself refuses a second production of a serialized item
    produce = {
        "lot_id": JACKET_1,
        "product": "jacket",
        "quantity": 1,
        "unit": "EA",
        "period_start": "2026-03-05T09:00:00+08:00",
        "period_end": "2026-03-05T09:00:01+08:00",
    }
    with pytest.raises(RuleViolation) as e:
        park.ledger.append([park.sign("lot.produce", "E-1", produce)])
    assert e.value.code == "lot.instance_exists" and JACKET_1 in e.value.message
    assert replay_check(park.ledger).ok


def test_a_carbon_footprint_event_becomes_a_supplier_input(park: Park) -> None:
    done = _import(park, "jacket_lifecycle.json")
    fp_seq = done.appended[1].seq
    found = lot_supplier_footprint(park.ledger, FABRIC)
    assert found is not None and found.seq == fp_seq and found.holder == "E-1" and found.supplier == MILL
    assert (found.source.kind, found.source.id) == ("epcis", "urn:uuid:6f0e7d3a-1c1e-4b0e-9a51-0a1d2c3b4e02")
    assert found.declared is not None and found.declared.kg_co2e == Decimal("8.42")
    block = found.model_input()
    assert block == {
        "pact": {
            "declaredUnitOfMeasurement": "kilogram",
            "declaredUnitAmount": 1.0,
            "pcfExcludingBiogenicUptake": 8.42,
            "fossilGhgEmissions": 8.1,
            "landUseChangeGhgEmissions": 0.12,
            "primaryDataShare": 62.5,
        },
        "supplier": MILL,
    }
    ModelSupplierFootprint.model_validate(block)  # what lca's product models accept as a supplier input
    # the evidence graph: the declared footprint supports the fabric and every jacket made of it
    graph = build_graph(park.ledger)
    node = f"footprint:{fp_seq}"
    assert graph.node(node).attrs["source"] == "epcis" and graph.graph.has_edge(node, f"lot:{FABRIC}")
    assert f"lot:{JACKET_1}" in {r.id for r in graph.downstream(node)}
    assert fp_seq in graph.evidence(f"lot:{JACKET_1}")


def test_a_product_model_uses_the_lots_supplier_footprint(park: Park, tmp_path: Path) -> None:
    _import(park, "jacket_lifecycle.json")
    found = lot_supplier_footprint(park.ledger, FABRIC)
    assert found is not None
    model = parse_model(supplier_model(found.model_input(), amount=0.9, unit="kg"))  # 900 g per jacket
    [result] = compute_footprints(
        [model], [], tmp_path, background=parse_background(TINY_BACKGROUND, grid=TINY_GRID)
    )
    assert result.market.total == pytest.approx(0.9 * 8.42, rel=1e-12)
    assert result.market.fossil == pytest.approx(0.9 * 8.1, rel=1e-12)
    assert result.market.land_use == pytest.approx(0.9 * 0.12, rel=1e-12)


def test_lot_footprint_rules(park: Park) -> None:
    receive = {
        "lot_id": "ALUMINA-1",
        "supplier": "SUP-1",
        "quantity": 1000,
        "unit": "g",
        "footprint": {"kind": "pact", "id": PACT_ID},
    }
    park.ledger.append([park.sign("lot.receive", "E-1", receive)])
    (ref,) = _footprints(park, "ALUMINA-1")
    assert (ref.source.kind, ref.source.id, ref.declared) == ("pact", PACT_ID, None)
    with pytest.raises(ValueError, match="without figures"):
        ref.model_input()
    declared: dict[str, object] = {"declared_unit": "kilogram", "kg_co2e": "1.9"}
    footprint: dict[str, object] = {
        "lot_id": "ALUMINA-1",
        "supplier": "SUP-1",
        "source": {"kind": "epcis"},
        "declared": declared,
    }
    before = state(park.ledger)
    for actor, payload, code in (
        ("E-1", footprint | {"lot_id": "NOPE"}, "lot.unknown"),
        ("E-2", footprint, "lot.not_held"),
        ("E-1", footprint | {"supplier": "E-1"}, "lot.footprint_self"),
        ("E-1", footprint | {"declared": None}, "schema.invalid"),  # figures, or a PACT/certificate reference
        ("E-1", footprint | {"declared": declared | {"fossil_kg_co2e": "2.5"}}, "schema.invalid"),
    ):
        with pytest.raises(LedgerError) as e:
            park.ledger.append([park.sign("lot.footprint", actor, payload)])
        assert e.value.code == code, payload
    assert state(park.ledger) == before
    park.ledger.append([park.sign("lot.footprint", "E-1", footprint)])
    newest = lot_supplier_footprint(park.ledger, "ALUMINA-1")
    assert newest is not None and newest.source.kind == "epcis" and newest.declared is not None
    assert len(_footprints(park, "ALUMINA-1")) == 2
    assert replay_check(park.ledger).ok


def _footprints(park: Park, lot: str) -> list[Any]:
    with park.ledger.db.read_session() as s:
        return supplier_footprints_of(s, lot)


def _receive_pack(park: Park) -> None:
    receive = {"lot_id": PACK, "supplier": "SUP-BAT", "quantity": 1, "unit": "EA"}
    park.ledger.append([park.sign("lot.receive", "E-2", receive)])


def test_a_battery_passport_becomes_the_packs_supplier_footprint(park: Park) -> None:
    _receive_pack(park)
    document = (DOCS / "battery_passport.json").read_bytes()
    dry = import_passport(park.ledger, document, PACK, "E-2", park.keys["E-2"], dry_run=True)
    done = import_passport(park.ledger, document, PACK, "E-2", park.keys["E-2"])
    assert dry.to_json() == done.to_json() | {"dry_run": True}
    found = lot_supplier_footprint(park.ledger, PACK)
    assert found is not None and found.supplier == "SUP-BAT"  # the supplier the pack came from
    assert (found.source.kind, found.source.id) == ("passport", "CFD-2026-0042")
    d = found.declared
    assert d is not None and (d.declared_unit, d.kg_co2e) == ("kilowatt hour", Decimal("40.0"))
    assert [(s.stage, s.kg_co2e) for s in d.stages] == [
        ("RawMaterialExtraction", Decimal("28.1")),
        ("MainProduction", Decimal("9.4")),
        ("Distribution", Decimal("0.9")),
        ("Recycling", Decimal("1.6")),
    ]
    again = import_passport(park.ledger, document, PACK, "E-2", park.keys["E-2"])
    assert again.appended.duplicate and again.appended.seq == done.appended.seq


def test_the_inconsistent_passport_is_refused_with_its_numbers(park: Park) -> None:
    _receive_pack(park)
    before = state(park.ledger)
    document = (DOCS / "battery_passport_inconsistent.json").read_bytes()
    with pytest.raises(InconsistentPassport) as e:
        import_passport(park.ledger, document, PACK, "E-2", park.keys["E-2"])
    assert e.value.code == "traceability.passport.inconsistent"
    assert "add up to 50.3 kg CO2e/kWh" in e.value.message and "stated total is 40.0" in e.value.message
    assert (e.value.details["total"], e.value.details["stage_sum"], e.value.details["difference"]) == (
        "40.0",
        "50.3",
        "10.3",
    )
    assert state(park.ledger) == before


def test_battery_import_dry_run_equals_import(park: Park) -> None:
    with pytest.raises(LedgerError) as dry_e:  # the cells and the BMS are not on the ledger
        _import(park, "battery_assembly.json", dry_run=True)
    with pytest.raises(LedgerError) as real_e:
        _import(park, "battery_assembly.json")
    assert (dry_e.value.code, dry_e.value.message) == (real_e.value.code, real_e.value.message) and (
        real_e.value.code == "lot.unknown"
    )
    dry = _import(park, "battery_assembly.json", dry_run=True, options=_receive("SUP-CELLS"))
    size = park.ledger.size()
    done = _import(park, "battery_assembly.json", options=_receive("SUP-CELLS"))
    assert dry.to_json() == done.to_json() | {"dry_run": True} and park.ledger.size() == size + 18
    genealogy = build_graph(park.ledger).genealogy(PACK)
    assert len(genealogy.ancestors) == 17 and {a.quantity for a in genealogy.ancestors} == {1}
    assert replay_check(park.ledger).ok


def _receive(supplier: str) -> ImportOptions:
    return ImportOptions(receive_unknown_from=supplier)
