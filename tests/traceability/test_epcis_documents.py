"""EPCIS 2.0 as it arrives: a jacket's lifecycle, a battery's assembly, a carbon-footprint event (pure).

The documents in ``documents/`` are written for these tests in the style of the public EPCIS 2.0
examples (GS1 Digital Link ids, CBV IRIs, JSON-LD extensions): an apparel maker receives fabric
(and buttons by GTIN only), its supplier's carbon footprint arrives in an inspection event, two
jackets are sewn, one is tagged (commissioned) afterwards, inspected and shipped; a battery maker
assembles a pack from a BMS and 16 cells with an ``action`` its TransformationEvent may not have.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from traceability.declared import LotFootprint
from traceability.epcis import ImportOptions, KnownLot, import_epcis
from traceability.lots import LotProduce, LotReceive, LotShip, replay_lots

DOCS = Path(__file__).parent / "documents"
JACKET_1 = "https://id.gs1.org/01/09506000134352/21/AUR-2026-000001"
JACKET_2 = "https://id.gs1.org/01/09506000134352/21/AUR-2026-000002"
FABRIC = "https://id.gs1.org/01/09520001000017/10/FAB-2026-07"
BUTTONS = "https://id.gs1.org/01/09520001000024"
PACK = "https://id.gs1.org/01/04012345000139/21/PACK-2026-0042"
BMS = "https://id.gs1.org/01/04012345000108/21/BMS-7781"


def doc(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DOCS / name).read_text(encoding="utf-8"))
    return data


def test_the_jacket_is_produced_once() -> None:
    result = import_epcis(doc("jacket_lifecycle.json"))
    kinds = [(e.index, e.kind, e.payload.lot_id) for e in result.entries]
    assert kinds == [
        (0, "lot.receive", FABRIC),
        (1, "lot.footprint", FABRIC),
        (2, "lot.produce", JACKET_1),
        (2, "lot.produce", JACKET_2),
        (5, "lot.ship", JACKET_1),
    ]
    balances = replay_lots(result.lot_events())
    assert balances.rejected == ()
    jacket = balances.balances[JACKET_1]
    assert (jacket.produced, jacket.shipped, jacket.available) == (1, 1, 0)  # no phantom jacket in stock
    assert balances.balances[JACKET_2].available == 1
    fabric = balances.balances[FABRIC]
    assert (fabric.received, fabric.consumed) == (60_000, 1_800)  # 1.8 kg split 900 g / 900 g
    # the later commissioning is an observation, reported with the event and its path
    (observed,) = [i for i in result.report.issues if i.index == 3 and i.mapped]
    assert observed.path == "/epcisBody/eventList/3" and "exists already (made at event 2)" in observed.reason
    assert "observation, not a production" in observed.reason
    not_imported = {i.index for i in result.report.not_imported}
    assert not_imported == {3, 4}  # the re-commissioning and the inspection change no quantity


def test_gtin_only_classes_follow_the_rule() -> None:
    """A GTIN with no lot and no serial names a product, not a lot: a warning with its path, never a lot."""
    result = import_epcis(doc("jacket_lifecycle.json"))
    assert all(BUTTONS not in (e.payload.lot_id,) for e in result.entries)
    inputs = {i.lot_id for e in result.entries if isinstance(e.payload, LotProduce) for i in e.payload.inputs}
    assert inputs == {FABRIC}
    warned = {i.path: i.reason for i in result.report.issues if i.mapped and BUTTONS in i.reason}
    assert set(warned) == {
        "/epcisBody/eventList/0/quantityList/1",
        "/epcisBody/eventList/2/inputQuantityList/1",
    }
    assert all("class-level" in r and "not imported" in r for r in warned.values())


def test_the_battery_keeps_its_17_part_genealogy_with_a_warning_for_action() -> None:
    result = import_epcis(doc("battery_assembly.json"), ImportOptions(receive_unknown_from="SUP-CELLS"))
    assert result.report.events_mapped == 1
    receipts = [e.payload for e in result.entries if isinstance(e.payload, LotReceive)]
    (pack,) = [e.payload for e in result.entries if isinstance(e.payload, LotProduce)]
    assert pack.lot_id == PACK and (pack.quantity, pack.unit) == (1, "EA")
    assert len(pack.inputs) == 17 and {i.lot_id for i in pack.inputs} == {r.lot_id for r in receipts}
    assert pack.inputs[0].lot_id == BMS and all((i.quantity, i.unit) == (1, "EA") for i in pack.inputs)
    assert all(r.supplier == "SUP-CELLS" and r.quantity == 1 for r in receipts)
    assert [e.kind for e in result.entries][-1] == "lot.produce"  # every receipt comes before its use
    (action,) = [i for i in result.report.issues if i.path == "/epcisBody/eventList/0/action"]
    assert action.mapped and "not defined for a TransformationEvent" in action.reason
    classes = [i for i in result.report.issues if i.path == "/epcisBody/eventList/0/inputQuantityList/0"]
    assert len(classes) == 1 and "class-level" in classes[0].reason  # 16 cell holders by GTIN: not a lot
    assert not any("bp:line" in i.reason for i in result.report.issues)  # a declared extension is fine
    assert replay_lots(result.lot_events()).rejected == ()


def test_without_receive_unknown_inputs_are_left_to_the_ledger() -> None:
    result = import_epcis(doc("battery_assembly.json"))
    assert [e.kind for e in result.entries] == ["lot.produce"]
    assert len(result.entries[0].payload.inputs) == 17  # type: ignore[union-attr]


def test_lots_on_the_ledger_are_not_received_and_items_there_not_produced() -> None:
    options = ImportOptions(receive_unknown_from="SUP-CELLS")
    bms_held = {BMS: KnownLot(BMS, "EA", held=1)}
    result = import_epcis(doc("battery_assembly.json"), options, lookup=bms_held.get)
    received = {e.payload.lot_id for e in result.entries if e.kind == "lot.receive"}
    assert BMS not in received and len(received) == 16
    pack_made = {PACK: KnownLot(PACK, "EA", held=1)}
    again = import_epcis(doc("battery_assembly.json"), options, lookup=pack_made.get)
    assert again.entries == ()  # the pack exists once: nothing is produced, nothing drawn for it
    (issue,) = [i for i in again.report.issues if PACK in i.reason]
    assert "exists already (on the ledger)" in issue.reason and "are not linked to it" in issue.reason


def test_a_carbon_footprint_event_becomes_a_supplier_footprint() -> None:
    result = import_epcis(doc("jacket_lifecycle.json"))
    (entry,) = [e for e in result.entries if e.kind == "lot.footprint"]
    fp = entry.payload
    assert isinstance(fp, LotFootprint) and entry.index == 1
    assert fp.lot_id == FABRIC and fp.supplier == "urn:epc:id:pgln:9520001.00001"
    assert (fp.source.kind, fp.source.id) == ("epcis", "urn:uuid:6f0e7d3a-1c1e-4b0e-9a51-0a1d2c3b4e02")
    assert fp.declared is not None
    assert (fp.declared.declared_unit, fp.declared.kg_co2e, fp.declared.fossil_kg_co2e) == (
        "kilogram",
        Decimal("8.42"),
        Decimal("8.1"),
    )
    assert fp.declared.standard == "ISO 14067:2018"


def _footprint_event(footprint: Any, **extra: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventID": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "eventTime": "2026-03-01T08:00:00+08:00",
        "action": "OBSERVE",
        "bizStep": "receiving",
        "quantityList": [{"epcClass": FABRIC, "quantity": 10, "uom": "KGM"}],
        "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:9520001.00001"}],
        "ilmd": {"ext:carbonFootprint": footprint},
        **extra,
    }


def test_footprint_references_and_bad_footprints() -> None:
    pact = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    ref = import_epcis([_footprint_event({"productFootprintId": pact})])
    kinds = [e.kind for e in ref.entries]
    assert kinds == ["lot.receive", "lot.footprint"]
    fp = ref.entries[1].payload
    assert (
        isinstance(fp, LotFootprint)
        and fp.declared is None
        and (fp.source.kind, fp.source.id) == ("pact", pact)
    )
    # stages that do not add up, a non-UUID PACT id, an unknown member: the receipt imports, the footprint
    # is a warning at its path
    for bad, says in (
        (
            {
                "pcfExcludingBiogenicUptake": "8.42",
                "declaredUnitOfMeasurement": "kilogram",
                "fossilGhgEmissions": "9.1",
            },
            "exceeds",
        ),
        ({"productFootprintId": "not-a-uuid"}, "UUID"),
        (
            {"pcfExcludingBiogenicUptake": 1, "declaredUnitOfMeasurement": "kilogram", "color": "red"},
            "unknown",
        ),
        ({"standard": "ISO 14067"}, "kg_co2e"),
    ):
        result = import_epcis([_footprint_event(bad)])
        assert [e.kind for e in result.entries] == ["lot.receive"], bad
        (issue,) = result.report.issues
        assert issue.mapped and issue.path == "/0/ilmd/ext:carbonFootprint" and says in issue.reason, issue


def test_warnings_name_event_and_path() -> None:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-03-01T08:00:00+08:00",
        "action": "ADD",
        "epcList": ["urn:epc:id:sgtin:1.2.3"],
        "childEPCs": ["urn:epc:id:sgtin:1.2.4"],  # an AggregationEvent member
        "colour": "blue",  # not EPCIS at all
        "ext:colour": "blue",  # a user extension: fine
    }
    result = import_epcis(
        {"type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": [event]}}
    )
    assert [e.kind for e in result.entries] == ["lot.produce"]
    found = {i.path: i.reason for i in result.report.issues}
    assert set(found) == {"/epcisBody/eventList/0/childEPCs", "/epcisBody/eventList/0/colour"}
    assert "not defined for a ObjectEvent" in found["/epcisBody/eventList/0/childEPCs"]
    assert "unknown field 'colour'" in found["/epcisBody/eventList/0/colour"]
    single = import_epcis(event)
    assert {i.path for i in single.report.issues} == {"/childEPCs", "/colour"}


def test_shipping_an_unknown_lot_receives_it_first() -> None:
    ship = {
        "type": "ObjectEvent",
        "eventTime": "2026-03-01T08:00:00+08:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "quantityList": [{"epcClass": FABRIC, "quantity": 5, "uom": "KGM"}],
        "destinationList": [{"type": "owning_party", "destination": "B-1"}],
    }
    second = {**ship, "quantityList": [{"epcClass": FABRIC, "quantity": 7, "uom": "KGM"}]}
    result = import_epcis([ship, second], ImportOptions(receive_unknown_from="TRADER"))
    payloads = [e.payload for e in result.entries]
    assert [(type(p).__name__, p.quantity) for p in payloads] == [  # type: ignore[union-attr]
        ("LotReceive", 5_000),
        ("LotShip", 5_000),
        ("LotReceive", 7_000),  # what is still missing of a lot from outside is received again
        ("LotShip", 7_000),
    ]
    assert isinstance(payloads[1], LotShip) and replay_lots(payloads).rejected == ()  # type: ignore[arg-type]


def test_ledger_holdings_are_read_before_the_document_changes_them() -> None:
    """A jacket on the ledger is shipped and comes back: the return is a receipt, not an observation."""
    ship = {
        "type": "ObjectEvent",
        "eventTime": "2026-03-03T08:00:00+08:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "epcList": [JACKET_1],
        "destinationList": [{"type": "owning_party", "destination": "B-1"}],
    }
    back = {
        **ship,
        "eventTime": "2026-03-04T08:00:00+08:00",
        "bizStep": "receiving",
        "destinationList": [],
        "sourceList": [{"type": "owning_party", "source": "B-1"}],
    }
    on_ledger = {JACKET_1: KnownLot(JACKET_1, "EA", held=1)}
    result = import_epcis([ship, back, back], lookup=on_ledger.get)
    assert [e.kind for e in result.entries] == [
        "lot.ship",
        "lot.receive",
    ]  # the second return is held already
    warning, skipped = result.report.issues
    assert (warning.index, warning.mapped, skipped.index, skipped.mapped) == (2, True, 2, False)
    assert "held already" in warning.reason and "an observation" in skipped.reason
