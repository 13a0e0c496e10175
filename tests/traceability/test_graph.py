from __future__ import annotations

from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.traceability.chain import PACT_ID, chain_entries
from traceability.errors import CycleDetected, MalformedEntry, UnknownReference
from traceability.graph import EvidenceGraph
from traceability.plan import Entry

ENTRIES = chain_entries()


def snapshot(graph: EvidenceGraph) -> tuple[Any, ...]:
    g = graph.graph
    nodes = sorted((n, repr(sorted(d.items()))) for n, d in g.nodes(data=True))
    edges = sorted((u, v, repr(sorted(d.items()))) for u, v, d in g.edges(data=True))
    return nodes, edges, graph.last_seq, graph.stats().ignored


@pytest.fixture(scope="module")
def graph() -> EvidenceGraph:
    return EvidenceGraph.from_entries(ENTRIES)


def ids(reached: list[Any]) -> set[str]:
    return {r.id for r in reached}


def test_build_stats(graph: EvidenceGraph) -> None:
    stats = graph.stats()
    assert stats.applied == 25 and stats.ignored == {"park.register": 1}
    assert graph.last_seq == 26
    # A-PARK, A-SUP and the supplier's PACT footprint are named but never recorded
    assert graph.node("actor:A-SUP").placeholder
    assert graph.node(f"footprint:{PACT_ID}").seqs == ()
    assert graph.node("gec:1-50").seqs == (14, 15)
    assert graph.node("lot:AL-1").attrs["produced"] == 2_000_000
    assert graph.node("certificate:C-1").attrs["revoked"] is True


def test_upstream_of_aluminium(graph: EvidenceGraph) -> None:
    up = ids(graph.upstream("lot:AL-1"))
    assert {
        "lot:ALUMINA-1",
        f"footprint:{PACT_ID}",
        "meter:M-7",
        "batch:11",
        "batch:24",
        "run:19",
        "link:DL-1",
        "meter:W-2",
        "batch:10",
        "gec:1-50",
        "gec:1-100",
        "actor:A-REG",
    } <= up
    assert not up & {
        "lot:EXT-1",
        "meter:M-9",
        "batch:12",
        "ship:18",
        "actor:A-BUY",
        "footprint:FP-AL-1",
    }
    assert ids(graph.upstream("lot:AL-1", depth=1)) == {
        "lot:ALUMINA-1",
        "meter:M-7",
        "batch:11",
        "batch:24",
        "run:19",
        "actor:A-SMELT",
    }


def test_downstream_of_wind_meter(graph: EvidenceGraph) -> None:
    down = ids(graph.downstream("meter:W-2"))
    assert {
        "link:DL-1",
        "batch:10",
        "gec:1-100",
        "gec:1-50",
        "run:19",
        "lot:AL-1",
        "lot:EXT-1",
        "ship:18",
        "footprint:FP-AL-1",
        "footprint:FP-EXT-1",
        "certificate:C-1",
    } == down
    assert not ids(graph.downstream("meter:M-9")) & {"lot:AL-1", "footprint:FP-AL-1"}


def test_evidence_of_footprint_and_certificate(graph: EvidenceGraph) -> None:
    assert graph.evidence("footprint:FP-AL-1") == [
        1,
        2,
        3,
        6,
        7,
        9,
        10,
        11,
        13,
        14,
        15,
        16,
        17,
        19,
        21,
    ]
    assert graph.evidence("certificate:C-1") == [
        1,
        2,
        3,
        4,
        6,
        7,
        8,
        9,
        10,
        11,
        12,
        13,
        14,
        15,
        16,
        17,
        19,
        20,
        22,
        23,
    ]
    # "now" the lot also rests on the late correction 24
    assert 24 in graph.evidence("lot:AL-1")


def test_evidence_is_stable_as_the_log_grows() -> None:
    early = EvidenceGraph.from_entries(ENTRIES[:23])
    late = EvidenceGraph.from_entries(ENTRIES)
    for node in ("footprint:FP-AL-1", "footprint:FP-EXT-1", "certificate:C-1"):
        assert early.evidence(node) == late.evidence(node)


def test_impact(graph: EvidenceGraph) -> None:
    wind = graph.impact("meter:W-2")
    assert wind.footprints == ("footprint:FP-AL-1", "footprint:FP-EXT-1")
    assert wind.certificates == ("certificate:C-1",)
    assert wind.lots == ("lot:AL-1", "lot:EXT-1") and wind.shipments == ("ship:18",)
    supplier = graph.impact(f"footprint:{PACT_ID}")
    assert supplier.lots == ("lot:AL-1", "lot:ALUMINA-1", "lot:EXT-1")
    assert supplier.certificates == ("certificate:C-1",)
    by_batch = graph.impact(11)
    assert by_batch.footprints == ("footprint:FP-AL-1", "footprint:FP-EXT-1")
    # the correction came after every footprint: it affects lots, no footprint rested on it
    late = graph.impact(24)
    assert late.footprints == () and late.certificates == () and late.lots == ("lot:AL-1", "lot:EXT-1")
    assert graph.impact("lot:EXT-1").lots == ()


def test_evidence_and_impact_are_converse(graph: EvidenceGraph) -> None:
    seqs = [e.seq for e in ENTRIES if e.kind != "park.register"]
    for node in ("footprint:FP-AL-1", "footprint:FP-EXT-1", "certificate:C-1"):
        evidence = set(graph.evidence(node))
        for seq in seqs:
            impact = graph.impact(seq)
            assert (seq in evidence) == (node in impact.footprints + impact.certificates), (
                node,
                seq,
            )


def test_genealogy(graph: EvidenceGraph) -> None:
    g = graph.genealogy("EXT-1")
    assert [(a.source, a.target, a.quantity, a.unit, a.depth) for a in g.ancestors] == [
        ("AL-1", "EXT-1", 1_000_000, "g", 1),
        ("ALUMINA-1", "AL-1", 3_900_000, "g", 2),
    ]
    assert g.descendants == () and g.lot.produced == 950_000
    al = graph.genealogy("lot:AL-1")
    assert [(d.source, d.target) for d in al.descendants] == [("AL-1", "EXT-1")]
    assert [(s.node_id, s.quantity, s.customer) for s in al.shipments] == [("ship:18", 1_000_000, "A-BUY")]
    assert al.lots["AL-1"].consumed == 1_000_000 and al.lots["AL-1"].shipped == 1_000_000
    assert al.lots["ALUMINA-1"].received == 4_000_000 and al.lots["ALUMINA-1"].supplier == "A-SUP"


def test_explain(graph: EvidenceGraph) -> None:
    lines = graph.explain("lot:AL-1")
    assert "lot AL-1 ← attribution run 19 ← direct link DL-1 ← wind meter W-2" in lines
    assert "lot AL-1 ← consumption meter M-7 [share 1]" in lines
    assert any(
        line.startswith("lot AL-1 ← lot ALUMINA-1 [3900000 g] ← footprint " + PACT_ID) for line in lines
    )
    assert all(line.startswith("lot AL-1 ← ") for line in lines)
    assert graph.explain("lot:AL-1", limit=1) == lines[:1]
    assert any("actor" in line for line in graph.explain("lot:AL-1", include_actors=True))


def test_unknown_ids(graph: EvidenceGraph) -> None:
    for call in (graph.upstream, graph.downstream, graph.evidence, graph.explain, graph.impact):
        with pytest.raises(UnknownReference, match="lot:NOPE"):
            call("lot:NOPE")
    with pytest.raises(UnknownReference, match="seq 999"):
        graph.impact(999)
    with pytest.raises(UnknownReference, match="ids look like"):
        graph.upstream("AL-1")
    with pytest.raises(UnknownReference, match="lot:NOPE"):
        graph.genealogy("NOPE")


def test_cycle_is_rejected_and_changes_nothing() -> None:
    graph = EvidenceGraph.from_entries(ENTRIES)
    before = snapshot(graph)
    bad = Entry(
        27,
        "lot.produce",
        "A-SMELT",
        {
            "lot_id": "ALUMINA-1",
            "product": "alumina",
            "quantity": 1,
            "unit": "g",
            "period_start": "2026-03-02T00:00:00+08:00",
            "period_end": "2026-03-02T01:00:00+08:00",
            "inputs": [{"lot_id": "EXT-1", "quantity": 1, "unit": "g"}],
        },
    )
    with pytest.raises(
        CycleDetected,
        match="lot:EXT-1 -> lot:ALUMINA-1 .* cycle lot:EXT-1 -> lot:ALUMINA-1 -> lot:AL-1 -> lot:EXT-1",
    ) as info:
        graph.apply([bad])
    assert info.value.details["seq"] == 27
    assert snapshot(graph) == before
    selfish = Entry(
        27,
        "lot.produce",
        "A",
        {**bad.payload, "inputs": [{"lot_id": "ALUMINA-1", "quantity": 1, "unit": "g"}]},
    )
    with pytest.raises(CycleDetected, match="rest on itself"):
        graph.apply([selfish])
    assert snapshot(graph) == before


def test_supplier_footprint_cycle() -> None:
    graph = EvidenceGraph.from_entries(ENTRIES)
    loop = Entry(
        27,
        "lot.receive",
        "A-SMELT",
        {
            "lot_id": "AL-1",
            "supplier": "A-X",
            "quantity": 1,
            "unit": "g",
            "footprint": {"kind": "certificate", "id": "C-1"},
        },
    )
    with pytest.raises(CycleDetected):
        graph.apply([loop])


@pytest.mark.parametrize(
    ("kind", "payload", "field"),
    [
        (
            "readings.batch",
            {"start": "2026-03-01T00:00:00+08:00", "resolution": "PT1H", "values": [1]},
            "meter",
        ),
        (
            "readings.batch",
            {"meter": "M", "start": "2026-03-01T00:00:00", "resolution": 900, "values": [1]},
            "start",
        ),
        (
            "readings.batch",
            {
                "meter": "M",
                "start": "2026-03-01T00:00:00Z",
                "resolution": "fortnight",
                "values": [1],
            },
            "resolution",
        ),
        ("gec.issue", {"first": 9, "last": 1}, "first"),
        ("supply.direct_link", {"id": "DL", "generation_meters": "W-2"}, "generation_meters"),
        ("certificate.issue", {"id": "C"}, "footprint"),
    ],
)
def test_malformed_entries_name_seq_and_field(kind: str, payload: dict[str, Any], field: str) -> None:
    graph = EvidenceGraph()
    with pytest.raises(MalformedEntry) as info:
        graph.apply([Entry(1, kind, "A", payload)])
    assert info.value.details["field"] == field and info.value.details["seq"] == 1
    assert len(graph) == 0 and graph.last_seq is None


def test_malformed_lot_payload() -> None:
    with pytest.raises(MalformedEntry, match="entry 3 \\(lot.ship\\)"):
        EvidenceGraph().apply([Entry(3, "lot.ship", "A", {"lot_id": "L", "quantity": -1})])


def test_catch_up_skips_what_was_read(graph: EvidenceGraph) -> None:
    again = EvidenceGraph.from_entries(ENTRIES[:10])
    assert again.apply(ENTRIES) == len(ENTRIES) - 10
    assert again.stats().skipped == 10
    assert snapshot(again) == snapshot(graph)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, len(ENTRIES)), max_size=6))
def test_incremental_equals_full_rebuild(cuts: list[int]) -> None:
    full = EvidenceGraph.from_entries(ENTRIES)
    incremental = EvidenceGraph()
    start = 0
    for cut in sorted(cuts):
        incremental.apply(ENTRIES[start:cut])
        start = cut
    incremental.apply(ENTRIES[start:])
    assert snapshot(incremental) == snapshot(full)
    assert incremental.evidence("certificate:C-1") == full.evidence("certificate:C-1")


def test_subgraph_exports(graph: EvidenceGraph) -> None:
    from traceability.export import to_graphml, to_json, to_node_link

    sub = graph.subgraph("certificate:C-1", "up")
    assert "meter:W-2" in sub and "ship:18" not in sub
    data = to_node_link(sub)
    node = next(n for n in data["nodes"] if n["id"] == "lot:AL-1")
    assert node["kind"] == "lot" and node["seqs"] == [17] and node["label"] == "lot AL-1"
    assert any(link["source"] == "lot:AL-1" and link["target"] == "lot:EXT-1" for link in data["links"])
    assert to_json(sub) == to_json(graph.subgraph("certificate:C-1", "up"))
    text = to_graphml(graph.subgraph("lot:AL-1", "both"))
    back = nx.read_graphml(__import__("io").BytesIO(text.encode()))
    assert back.nodes["lot:AL-1"]["seqs"] == "[17]"
    assert back.edges["lot:AL-1", "lot:EXT-1"]["quantity"] == 1_000_000
    assert set(graph.subgraph("lot:AL-1", "down", depth=1)) == {
        "lot:AL-1",
        "lot:EXT-1",
        "ship:18",
        "footprint:FP-AL-1",
    }


def test_lenient_apply_lists_rejected_entries() -> None:
    bad = Entry(27, "readings.batch", "A", {"meter": "M-7"})
    late = Entry(28, "actor.register", "A-PARK", {"id": "A-LATE"})
    graph = EvidenceGraph.from_entries(ENTRIES)
    before = snapshot(graph)
    assert graph.apply([bad, late], strict=False) == 2
    (rejected,) = graph.stats().rejected
    assert rejected[0] == 27 and rejected[1] == "traceability.entry_malformed" and "'start'" in rejected[2]
    assert graph.last_seq == 28 and "actor:A-LATE" in graph
    strict = EvidenceGraph.from_entries(ENTRIES)
    with pytest.raises(MalformedEntry):
        strict.apply([bad, late])
    assert snapshot(strict) == before and strict.last_seq == 26
