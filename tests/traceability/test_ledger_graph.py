"""The evidence graph of a real ledger: incremental catch-up equals a full rebuild, the cache,
and EPCIS 2.0 examples imported onto the ledger (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.attribution.runner import run_attribution
from ledger.errors import LedgerError
from ledger.log.keys import generate_key
from ledger.store.append import Ledger
from ledger.store.db import Database
from tests.conftest import Park
from tests.ledger.energy_helpers import state
from tests.traceability.ledger_chain import build_chain, produce, ship, snapshot
from traceability.epcis import ImportOptions, import_epcis
from traceability.graph import EvidenceGraph
from traceability.ledger_graph import build_graph, catch_up, clear_cache, ledger_graph, with_graph
from traceability.lot_import import import_epcis_document
from traceability.queries import evidence_of, trace


@pytest.fixture
def chain(make_energy_park: Callable[[], Park]) -> Park:
    return build_chain(make_energy_park())


def test_incremental_equals_full_rebuild(chain: Park) -> None:
    park = chain
    run_attribution(park.ledger, "E-1", park.keys["E-1"], "2026-01", ["C-1"], on_missing="gap")
    park.ledger.append(
        [
            park.sign("lot.produce", "E-1", produce("AL-2", 10, [("C-2", "0.5")], [("AL-1", 5)])),
            park.sign("lot.ship", "E-1", ship("AL-2", 10, "SOME-GLN")),
        ]
    )
    size = park.ledger.size()
    full = snapshot(build_graph(park.ledger))
    rng = random.Random(5)
    splits = [list(range(1, size)), [size // 2], sorted(rng.sample(range(1, size), 5))]
    for cuts in splits:
        graph = EvidenceGraph()
        for cut in cuts:
            catch_up(graph, park.ledger, cut)
            assert graph.last_seq == cut - 1
        assert catch_up(graph, park.ledger) == size - cuts[-1]
        assert snapshot(graph) == full, cuts
    assert catch_up(graph, park.ledger) == 0  # nothing new


def test_cache_catches_up_and_notices_a_new_log(chain: Park, tmp_path: Path) -> None:
    park = chain
    clear_cache()
    first = ledger_graph(park.ledger)
    assert ledger_graph(park.ledger) is first and first.last_seq == park.ledger.size() - 1
    park.ledger.append([park.sign("lot.ship", "E-1", ship("AL-1", 5, "B-1"))])
    again = ledger_graph(park.ledger)
    assert again is first and "ship:23" in again
    assert snapshot(again) == snapshot(build_graph(park.ledger))
    if park.ledger.db.dialect == "sqlite":
        # Another ledger at the same URL: the cached graph is rebuilt, not extended.
        url = park.ledger.db.url
        park.ledger.db.engine.dispose()
        Path(url.removeprefix("sqlite:///")).unlink()
        for suffix in ("-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        fresh = Ledger.create(Database(url), generate_key(), origin="test.tanji/other")
        graph = ledger_graph(fresh)
        assert graph.last_seq == 0 and "lot:AL-1" not in graph
    clear_cache()


def test_queries_while_the_log_grows(chain: Park) -> None:
    """Threads query the shared graph while entries are appended; every answer is whole."""
    park = chain
    clear_cache()
    errors: list[BaseException] = []
    done = threading.Event()

    def reader() -> None:
        try:
            while not done.is_set():
                assert trace(park.ledger, "up", "EXT-1").node_id == "lot:EXT-1"
                assert 21 in evidence_of(park.ledger, "EXT-1")[1]
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for n in range(8):
            park.ledger.append(
                [park.sign("lot.produce", "E-1", produce(f"AL-{n + 10}", 1, [], [("AL-1", 1)]))]
            )
    finally:
        done.set()
        for t in threads:
            t.join()
    assert errors == []
    assert with_graph(park.ledger, snapshot) == snapshot(build_graph(park.ledger))
    clear_cache()


def _example(directory: Path, name: str) -> bytes:
    return (directory / name).read_bytes()


def _receive_inputs(park: Park, document: bytes) -> None:
    """E-1 receives every input lot the document's transformations consume, in their units."""
    needed: dict[str, tuple[int, str]] = {}
    for e in import_epcis(document).entries:
        for i in getattr(e.payload, "inputs", ()):
            qty, _ = needed.get(i.lot_id, (0, i.unit))
            needed[i.lot_id] = (qty + i.quantity, i.unit)
    park.ledger.append(
        [
            park.sign(
                "lot.receive", "E-1", {"lot_id": lot, "supplier": "SUP-EPCIS", "quantity": qty, "unit": unit}
            )
            for lot, (qty, unit) in sorted(needed.items())
        ]
    )


def test_epcis_transformation_onto_the_ledger(
    make_energy_park: Callable[[], Park], epcis_examples: Path
) -> None:
    park = make_energy_park()
    doc = _example(epcis_examples, "TransformationEvent.json")
    before = state(park.ledger)
    with pytest.raises(LedgerError) as dry_e:  # a dry run runs the ledger's checks: the same refusal
        import_epcis_document(park.ledger, doc, "E-1", park.keys["E-1"], dry_run=True)
    with pytest.raises(LedgerError) as e:  # inputs not on the ledger: one atomic batch, nothing written
        import_epcis_document(park.ledger, doc, "E-1", park.keys["E-1"])
    assert e.value.code == "lot.unknown" and e.value.details["index"] == 0
    assert (dry_e.value.code, dry_e.value.message) == (e.value.code, e.value.message)
    assert state(park.ledger) == before
    _receive_inputs(park, doc)
    dry = import_epcis_document(park.ledger, doc, "E-1", park.keys["E-1"], dry_run=True)
    assert len(dry.entries) == 4 and park.ledger.size() == before[0] + 4
    result = import_epcis_document(park.ledger, doc, "E-1", park.keys["E-1"])
    assert [a.seq for a in result.appended] == list(range(before[0] + 4, before[0] + 8))
    assert dry.to_json() == result.to_json() | {"dry_run": True}  # where each entry would land, exactly
    assert result.report.issues and all(i.mapped for i in result.report.issues)  # the class pattern
    out = result.to_json()
    assert [x["kind"] for x in out["entries"]] == ["lot.produce"] * 4 and out["issues"]
    again = import_epcis_document(park.ledger, doc, "E-1", park.keys["E-1"])  # same client ids
    assert all(a.duplicate for a in again.appended) and park.ledger.size() == before[0] + 8
    graph = build_graph(park.ledger)
    g = graph.genealogy("urn:epc:id:sgtin:4012345.077889.25")
    assert {(a.source, a.quantity) for a in g.ancestors} == {
        ("urn:epc:id:sgtin:4012345.011122.25", 1),
        ("urn:epc:id:sgtin:4000001.065432.99886655", 1),
        ("urn:epc:class:lgtin:4012345.011111.4444", 2500),
        ("urn:epc:class:lgtin:0614141.077777.987", 8),
    }
    lgtin = graph.genealogy("urn:epc:class:lgtin:4012345.011111.4444").lot
    assert (lgtin.received, lgtin.consumed) == (10_000, 10_000)


def test_epcis_receiving_and_combination(make_energy_park: Callable[[], Park], epcis_examples: Path) -> None:
    park = make_energy_park()
    agg = _example(epcis_examples, "AggregationEvent.json")
    received = import_epcis_document(
        park.ledger, agg, "E-1", park.keys["E-1"], options=ImportOptions(counterparty="SUP-1")
    )
    assert len(received.appended) == 3
    assert (
        build_graph(park.ledger).node("lot:urn:epc:class:lgtin:4012345.012345.998877").attrs["received"]
        == 200_500
    )
    combo = _example(epcis_examples, "Combination_of_different_event.json")
    _receive_inputs(park, combo)
    result = import_epcis_document(park.ledger, combo, "E-1", park.keys["E-1"])
    unsupported = [i for i in result.report.issues if not i.mapped]
    assert len(result.appended) == 4 and result.report.events_seen == 6 and len(unsupported) == 5
    invalid = import_epcis_document(
        park.ledger, _example(epcis_examples, "ObjectEvent_with_invalid_action.json"), "E-1", park.keys["E-1"]
    )
    assert invalid.appended == () and len(invalid.report.issues) == 1
    json.dumps(result.to_json())  # JSON-ready


def test_resolve_node() -> None:
    from traceability.errors import UnknownReference
    from traceability.plan import Entry
    from traceability.queries import resolve_node

    graph = EvidenceGraph.from_entries(
        [
            Entry(1, "meter.register", "E-1", {"id": "X", "owner": "E-1", "kind": "consumption"}),
            Entry(2, "lot.receive", "E-1", {"lot_id": "X", "supplier": "S", "quantity": 1, "unit": "g"}),
            Entry(
                3,
                "lot.receive",
                "E-1",
                {"lot_id": "urn:epc:id:sgtin:1.2.3", "supplier": "S", "quantity": 1, "unit": "EA"},
            ),
        ]
    )
    assert resolve_node(graph, "lot:X") == "lot:X"
    assert resolve_node(graph, "urn:epc:id:sgtin:1.2.3") == "lot:urn:epc:id:sgtin:1.2.3"
    with pytest.raises(UnknownReference, match="ambiguous: lot:X, meter:X") as e:
        resolve_node(graph, "X")
    assert e.value.details["candidates"] == ["lot:X", "meter:X"]
    with pytest.raises(UnknownReference, match="no node 'Y'"):
        resolve_node(graph, "Y")
