from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from traceability.epcis import ImportOptions, cbv_short, import_epcis, product_of
from traceability.errors import InvalidEPCISDocument, UnknownReference, UnsupportedEvent
from traceability.lots import LotProduce, LotReceive, LotShip, check_produce, replay_lots

EXAMPLES = (
    "AggregationEvent.json",
    "Combination_of_different_event.json",
    "ObjectEvent_with_invalid_action.json",
    "TransformationEvent.json",
)


def load(directory: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / name).read_text(encoding="utf-8"))
    return data


def test_every_shared_example_is_accounted_for(epcis_examples: Path) -> None:
    names = sorted(p.name for p in epcis_examples.glob("*.json"))
    assert names == sorted(EXAMPLES)
    for name in names:
        doc = load(epcis_examples, name)
        result = import_epcis(doc)
        n_events = len(doc["epcisBody"]["eventList"])
        assert result.report.events_seen == n_events
        unmapped = {i.index for i in result.report.issues if not i.mapped}
        mapped = {e.index for e in result.entries}
        # every event is either mapped or reported as not imported, never both, never neither
        assert unmapped | mapped == set(range(n_events)), name
        assert not unmapped & mapped, name
        assert result.report.events_mapped == len(mapped)


def test_transformation_event(epcis_examples: Path) -> None:
    result = import_epcis(load(epcis_examples, "TransformationEvent.json"))
    assert [e.kind for e in result.entries] == ["lot.produce"] * 4
    produced = [e.payload for e in result.entries]
    assert all(isinstance(p, LotProduce) for p in produced)
    assert [p.lot_id for p in produced] == [f"urn:epc:id:sgtin:4012345.077889.{n}" for n in (25, 26, 27, 28)]
    first = produced[0]
    assert isinstance(first, LotProduce)
    assert first.product == "urn:epc:idpat:sgtin:4012345.077889.*"
    assert first.source_event is not None and first.source_event.startswith("ni:///sha-256;e65c3a99")
    assert first.period_end - first.period_start == timedelta(seconds=1)
    assert first.period_start.isoformat() == "2013-10-31T14:58:56+00:00"
    # inputs split over the four outputs: 10 KGM -> 2,500 g each; 30 EA -> 8, 8, 7, 7
    totals: dict[str, int] = {}
    for p in produced:
        assert isinstance(p, LotProduce)
        for i in p.inputs:
            totals[i.lot_id] = totals.get(i.lot_id, 0) + i.quantity
    assert totals == {
        "urn:epc:id:sgtin:4012345.011122.25": 1,
        "urn:epc:id:sgtin:4000001.065432.99886655": 1,
        "urn:epc:class:lgtin:4012345.011111.4444": 10_000,
        "urn:epc:class:lgtin:0614141.077777.987": 30,
    }
    reasons = [i.reason for i in result.report.issues]
    assert all(i.mapped for i in result.report.issues)
    assert any("urn:epc:idpat:sgtin:4012345.066666.*" in r and "class-level" in r for r in reasons)
    # the inputs are not known lots: the mass-balance check names the first
    with pytest.raises(UnknownReference, match="urn:epc:id:sgtin:4012345.011122.25"):
        check_produce(first, {}, {})


def test_aggregation_receiving_needs_a_supplier(epcis_examples: Path) -> None:
    doc = load(epcis_examples, "AggregationEvent.json")
    bare = import_epcis(doc)
    assert bare.entries == ()
    assert "sourceList" in bare.report.issues[-1].reason and not bare.report.issues[-1].mapped
    result = import_epcis(doc, ImportOptions(counterparty="A-SUP"))
    received = result.lot_events()
    assert all(isinstance(p, LotReceive) and p.supplier == "A-SUP" for p in received)
    assert [(p.lot_id, p.quantity, p.unit) for p in received] == [
        ("urn:epc:id:sgtin:0614141.107346.2017", 1, "EA"),
        ("urn:epc:id:sgtin:0614141.107346.2018", 1, "EA"),
        ("urn:epc:class:lgtin:4012345.012345.998877", 200_500, "g"),
    ]
    assert replay_lots(received).balances["urn:epc:class:lgtin:4012345.012345.998877"].available == 200_500


def test_combination_reports_each_unsupported_event(epcis_examples: Path) -> None:
    result = import_epcis(load(epcis_examples, "Combination_of_different_event.json"))
    not_imported = {i.index: i for i in result.report.issues if not i.mapped}
    assert sorted(not_imported) == [0, 1, 2, 4, 5]
    assert "sensor_reporting" in not_imported[0].reason
    assert "containment" in not_imported[1].reason
    assert not_imported[2].event_type == "TransactionEvent"
    assert not_imported[5].event_id == "urn:uuid:fd338495-0e6d-41dd-afee-a862ecd32518"
    assert {e.index for e in result.entries} == {3}


def test_invalid_action_is_a_clear_error(epcis_examples: Path) -> None:
    result = import_epcis(load(epcis_examples, "ObjectEvent_with_invalid_action.json"))
    assert result.entries == ()
    (issue,) = result.report.issues
    assert issue.event_type == "ObjectEvent" and issue.index == 0
    assert "invalid action 'CREATE'" in issue.reason
    with pytest.raises(UnsupportedEvent, match="invalid action 'CREATE'") as info:
        result.report.raise_for_issues()
    assert info.value.code == "traceability.epcis.unsupported_event"


def event(**fields: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": "2026-03-01T08:00:00",
        "eventTimeZoneOffset": "+08:00",
    } | fields


def test_object_event_commissioning_shipping_receiving() -> None:
    doc = {
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "epcisBody": {
            "eventList": [
                event(
                    action="ADD",
                    bizStep="https://ref.gs1.org/cbv/BizStep-commissioning",
                    quantityList=[
                        {
                            "epcClass": "urn:epc:class:lgtin:6901234.000001.AL42",
                            "quantity": 2.5,
                            "uom": "TNE",
                        }
                    ],
                ),
                event(
                    action="OBSERVE",
                    bizStep="urn:epcglobal:cbv:bizstep:shipping",
                    quantityList=[
                        {
                            "epcClass": "urn:epc:class:lgtin:6901234.000001.AL42",
                            "quantity": 1000,
                            "uom": "KGM",
                        }
                    ],
                    destinationList=[
                        {"type": "location", "destination": "urn:epc:id:sgln:1.2.0"},
                        {
                            "type": "cbv:SDT-owning_party",
                            "destination": "urn:epc:id:pgln:6900000.00001",
                        },
                    ],
                ),
                event(
                    action="OBSERVE",
                    bizStep="receiving",
                    epcList=["urn:epc:id:sgtin:1.2.3"],
                    sourceList=[{"type": "possessing_party", "source": "urn:epc:id:pgln:7.1"}],
                ),
                event(action="DELETE", bizStep="decommissioning", epcList=["urn:epc:id:sgtin:1.2.3"]),
            ]
        },
    }
    result = import_epcis(json.dumps(doc))
    kinds = [e.kind for e in result.entries]
    assert kinds == ["lot.produce", "lot.ship", "lot.receive"]
    produced, shipped, received = (e.payload for e in result.entries)
    assert isinstance(produced, LotProduce) and produced.quantity == 2_500_000 and produced.unit == "g"
    assert produced.period_start.utcoffset() == timedelta(hours=8)
    assert isinstance(shipped, LotShip) and shipped.customer == "urn:epc:id:pgln:6900000.00001"
    assert isinstance(received, LotReceive) and received.supplier == "urn:epc:id:pgln:7.1"
    (issue,) = result.report.issues
    assert issue.index == 3 and "DELETE" in issue.reason
    balances = replay_lots(result.lot_events()).balances
    assert balances["urn:epc:class:lgtin:6901234.000001.AL42"].available == 1_500_000


@pytest.mark.parametrize(
    ("bad_event", "reason"),
    [
        (event(action="ADD", eventTime=None, epcList=["urn:epc:id:sgtin:1.2.3"]), "eventTime"),
        (
            event(action="ADD", eventTime="yesterday", epcList=["urn:epc:id:sgtin:1.2.3"]),
            "ISO 8601",
        ),
        (
            event(
                action="ADD",
                quantityList=[{"epcClass": "urn:epc:class:lgtin:1.2.3", "quantity": 1, "uom": "XYZ"}],
            ),
            "no lot",
        ),
        (
            event(action="ADD", errorDeclaration={"declarationTime": "2026-01-01T00:00:00Z"}),
            "errorDeclaration",
        ),
        (
            {
                "type": "TransformationEvent",
                "eventTime": "2026-01-01T00:00:00Z",
                "inputEPCList": ["urn:epc:id:sgtin:1.2.3"],
            },
            "no output",
        ),
        ("not an object", "not an object"),
    ],
)
def test_bad_events_are_reported(bad_event: Any, reason: str) -> None:
    result = import_epcis([bad_event])
    assert result.entries == ()
    assert any(reason in i.reason for i in result.report.issues if not i.mapped)


@pytest.mark.parametrize(
    "doc",
    [
        "{not json",
        "42",
        json.dumps({"type": "Foo"}),
        json.dumps({"type": "EPCISDocument", "schemaVersion": "1.2", "epcisBody": {"eventList": []}}),
        json.dumps({"type": "EPCISDocument", "epcisBody": {}}),
    ],
)
def test_not_an_epcis_document(doc: str) -> None:
    with pytest.raises(InvalidEPCISDocument):
        import_epcis(doc)


def test_helpers() -> None:
    assert cbv_short("cbv:BizStep-shipping", "BizStep") == "shipping"
    assert cbv_short("ext1:summarising_discharge", "BizStep") == "ext1:summarising_discharge"
    assert (
        product_of("https://id.gs1.org/01/09521141012345/21/2017") == "https://id.gs1.org/01/09521141012345"
    )
    assert product_of("urn:epc:class:lgtin:4012345.012345.998877") == "urn:epc:idpat:sgtin:4012345.012345.*"
