from __future__ import annotations

import random
from typing import Any

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.traceability.test_graph import snapshot
from traceability.epcis import ImportOptions, import_epcis
from traceability.errors import SequenceError
from traceability.graph import EvidenceGraph
from traceability.mapping import FIELDS, MAPPERS
from traceability.plan import Entry

KINDS = {
    "actor.register",
    "meter.register",
    "readings.batch",
    "readings.correct",
    "supply.direct_link",
    "gec.issue",
    "gec.transfer",
    "gec.retire",
    "trade.green_power",
    "trade.settle",
    "attribution.run",
    "lot.produce",
    "lot.ship",
    "lot.receive",
    "footprint.publish",
    "certificate.issue",
    "certificate.revoke",
}
MARCH = {"period_start": "2026-03-01T00:00:00+08:00", "period_end": "2026-04-01T00:00:00+08:00"}


def entries(*raw: tuple[str, dict[str, Any]]) -> list[Entry]:
    return [Entry(seq, kind, "A-1", payload) for seq, (kind, payload) in enumerate(raw, start=1)]


def test_every_kind_has_a_mapping_and_a_field_table() -> None:
    assert set(MAPPERS) >= KINDS
    assert set(FIELDS) == set(MAPPERS)


def test_gec_ranges_split_and_merge_without_cycles() -> None:
    graph = EvidenceGraph.from_entries(
        entries(
            ("gec.issue", {"first": 1, "last": 100, "generator_meter": "W-1"}),
            ("gec.transfer", {"first": 1, "last": 50, "to": "A-2"}),
            ("gec.transfer", {"first": 1, "last": 100, "to": "A-3"}),
            (
                "gec.retire",
                {
                    "first": 1,
                    "last": 100,
                    "beneficiary": "A-3",
                    "consumer_meters": ["M-1"],
                    **MARCH,
                },
            ),
            (
                "gec.retire",
                {
                    "first": 51,
                    "last": 60,
                    "beneficiary": "A-3",
                    "consumer_meters": ["M-1"],
                    **MARCH,
                },
            ),
        )
    )
    g = graph.graph
    assert nx.is_directed_acyclic_graph(g)
    assert set(g.predecessors("gec:1-100@3")) == {"gec:1-50", "gec:1-100", "actor:A-3", "actor:A-1"}
    assert graph.node("gec:1-100@3").seqs == (
        3,
        4,
    )  # the retirement of the same range reuses the node
    assert graph.node("gec:1-100@3").attrs["retired"] is True
    assert "gec:1-100@3" in {r.id for r in graph.upstream("gec:51-60")}
    assert graph.evidence("gec:51-60") == [1, 2, 3, 4, 5]


def test_trades_settlements_and_run_input_range() -> None:
    day = {"resolution": "PT1H", "values": [5] * 24}
    graph = EvidenceGraph.from_entries(
        entries(
            (
                "trade.green_power",
                {
                    "id": "T-1",
                    "seller": "A-G",
                    "buyer": "A-1",
                    "seller_meters": ["S-1"],
                    "buyer_meters": ["M-1"],
                    "first_month": "2026-03",
                    "last_month": "2026-03",
                    "mwh": 1,
                },
            ),  # 1
            ("gec.issue", {"first": 1, "last": 10, "generator_meter": "S-1"}),  # 2
            (
                "trade.settle",
                {"contract": "T-1", "month": "2026-03", "wh": 10, "gec_first": 1, "gec_last": 10},
            ),  # 3
            ("readings.batch", {"meter": "S-1", "start": "2026-03-02T00:00:00+08:00", **day}),  # 4
            ("readings.batch", {"meter": "M-1", "start": "2026-03-02T00:00:00+08:00", **day}),  # 5
            (
                "readings.batch",
                {"meter": "M-1", "start": "2026-02-02T00:00:00+08:00", **day},
            ),  # 6: outside period
            (
                "attribution.run",
                {
                    "meters": ["M-1"],
                    "first_month": "2026-03",
                    "last_month": "2026-03",
                    "log_start": 1,
                    "log_end": 5,
                },
            ),  # 7
            (
                "attribution.run",
                {"meters": ["M-1"], "first_month": "2026-03", "last_month": "2026-03"},
            ),  # 8: reads everything before it
        )
    )
    assert set(graph.graph.predecessors("run:7")) == {"trade:T-1", "batch:4", "actor:A-1"}
    assert set(graph.graph.predecessors("run:8")) == {
        "trade:T-1",
        "batch:4",
        "batch:5",
        "actor:A-1",
    }
    assert graph.node("trade:T-1").seqs == (1, 3)
    # months are the park's local ones (Asia/Shanghai by default), shown with their offset
    assert graph.node("trade:T-1").attrs["period_start"] == "2026-03-01T00:00:00+08:00"
    assert graph.node("trade:T-1").attrs["period_end"] == "2026-04-01T00:00:00+08:00"
    assert "gec:1-10" in {r.id for r in graph.upstream("run:7")}


def test_entries_must_increase() -> None:
    graph = EvidenceGraph()
    raw = entries(("actor.register", {"id": "A-1"}), ("actor.register", {"id": "A-2"}))
    import pytest

    with pytest.raises(SequenceError, match="seq 1 comes after seq 2"):
        graph.apply([raw[1], raw[0]])
    assert graph.last_seq == 2


def test_epcis_import_feeds_the_graph(epcis_examples: Any) -> None:
    result = import_epcis((epcis_examples / "TransformationEvent.json").read_text(), ImportOptions())
    log = [Entry(n, e.kind, "A-1", e.payload_json()) for n, e in enumerate(result.entries, start=1)]
    graph = EvidenceGraph.from_entries(log)
    up = {r.id for r in graph.upstream("lot:urn:epc:id:sgtin:4012345.077889.25")}
    assert "lot:urn:epc:class:lgtin:4012345.011111.4444" in up
    assert graph.node("lot:urn:epc:class:lgtin:4012345.011111.4444").placeholder  # never produced or received
    assert graph.genealogy("urn:epc:class:lgtin:4012345.011111.4444").lot.consumed == 10_000


def random_log(seed: int, n_lots: int) -> list[Entry]:
    rng = random.Random(seed)
    raw: list[tuple[str, dict[str, Any]]] = [
        ("meter.register", {"id": "M-1", "owner": "A-1"}),
        (
            "readings.batch",
            {
                "meter": "M-1",
                "start": "2026-03-01T00:00:00+00:00",
                "resolution": 3600,
                "values": [1] * 48,
            },
        ),
    ]
    for i in range(n_lots):
        inputs = rng.sample(range(i), min(i, rng.randint(0, 3)))
        hour = rng.randint(0, 60)
        raw.append(
            (
                "lot.produce",
                {
                    "lot_id": f"L-{i}",
                    "product": "p",
                    "quantity": 100,
                    "unit": "g",
                    "period_start": f"2026-03-0{1 + hour // 24}T{hour % 24:02d}:00:00+00:00",
                    "period_end": f"2026-03-0{1 + (hour + 1) // 24}T{(hour + 1) % 24:02d}:00:00+00:00",
                    "meters": [{"meter_id": "M-1", "share": "0.1"}],
                    "inputs": [{"lot_id": f"L-{j}", "quantity": 1, "unit": "g"} for j in inputs],
                },
            )
        )
        if rng.random() < 0.2:
            raw.append(("footprint.publish", {"footprint_id": f"FP-{i}", "lot": f"L-{i}"}))
        if rng.random() < 0.1:
            raw.append(
                (
                    "readings.batch",
                    {
                        "meter": "M-1",
                        "start": f"2026-03-0{3 + rng.randint(0, 1)}T00:00:00+00:00",
                        "resolution": "PT1H",
                        "values": [1] * 24,
                    },
                )
            )
    return entries(*raw)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40), st.lists(st.integers(0, 200), max_size=4))
def test_random_logs_incremental_and_upstream_oracle(seed: int, n_lots: int, cuts: list[int]) -> None:
    log = random_log(seed, n_lots)
    full = EvidenceGraph.from_entries(log)
    step = EvidenceGraph()
    start = 0
    for cut in sorted(c % (len(log) + 1) for c in cuts):
        step.apply(log[start:cut])
        start = cut
    step.apply(log[start:])
    assert snapshot(step) == snapshot(full)
    g = full.graph
    for node in g.nodes:
        assert {r.id for r in full.upstream(node)} == nx.ancestors(g, node)
        assert {r.id for r in full.downstream(node)} == nx.descendants(g, node)
    for fp in (n for n in g.nodes if n.startswith("footprint:")):
        # oracle: the graph as it was when the footprint was recorded
        recorded = full.node(fp).seqs[0]
        then = nx.DiGraph()
        then.add_nodes_from(g.nodes(data=True))
        then.add_edges_from((u, v) for u, v, d in g.edges(data=True) if d["seq"] <= recorded)
        expected = {s for n in nx.ancestors(then, fp) | {fp} for s in g.nodes[n]["seqs"] if s <= recorded}
        assert full.evidence(fp) == sorted(expected)


def test_lifecycle_kinds_add_their_seqs() -> None:
    graph = EvidenceGraph.from_entries(
        entries(
            ("actor.register", {"id": "A-1", "name": "Smelter", "role": "enterprise"}),  # 1
            ("meter.register", {"id": "M-1", "owner": "A-1", "kind": "consumption"}),  # 2
            ("actor.rotate_key", {"actor_id": "A-1", "public_key": "k"}),  # 3
            ("gec.issue", {"first": 1, "last": 10, "generator_meter": "W-1"}),  # 4
            ("gec.expire", {"first": 5, "last": 10}),  # 5
            ("meter.retire", {"id": "M-1", "at": "2026-12-31T00:00:00Z"}),  # 6
            (
                "attribution.run",
                {"meters": ["M-1"], "first_month": "2026-03", "last_month": "2026-03"},
            ),  # 7
            ("park.register", {"id": "P-1"}),  # 8
        )
    )
    assert graph.node("actor:A-1").seqs == (1, 3)
    assert graph.node("meter:M-1").seqs == (2, 6) and graph.node("meter:M-1").attrs["retired"] is True
    assert graph.node("gec:5-10").attrs["expired"] is True
    assert set(graph.graph.predecessors("gec:5-10")) == {"gec:1-10", "actor:A-1"}
    run = graph.node("run:7").attrs
    assert (run["period_start"], run["period_end"]) == (  # park-local months, with their offset
        "2026-03-01T00:00:00+08:00",
        "2026-04-01T00:00:00+08:00",
    )
    assert graph.stats().ignored == {"park.register": 1}


def test_footprint_supersession_and_run() -> None:
    graph = EvidenceGraph.from_entries(
        entries(
            (
                "attribution.run",
                {"meters": ["M-1"], "first_month": "2026-03", "last_month": "2026-03"},
            ),  # 1
            ("footprint.publish", {"footprint_id": "F-OLD", "lot": "L-1", "product_id": "p"}),  # 2
            (
                "footprint.publish",
                {
                    "footprint_id": "F-NEW",
                    "lot": "L-1",
                    "attribution_run_seq": 1,
                    "supersedes": ["F-OLD"],
                },
            ),  # 3
        )
    )
    assert graph.node("footprint:F-OLD").attrs["superseded_by"] == "F-NEW"
    assert graph.node("footprint:F-OLD").seqs == (2,)
    assert set(graph.graph.predecessors("footprint:F-NEW")) == {"lot:L-1", "run:1", "actor:A-1"}
    assert "footprint:F-NEW" not in {r.id for r in graph.downstream("footprint:F-OLD")}


def test_attribution_run_scoped_by_park_or_enterprise() -> None:
    """A run of a park or an enterprise covers their consumption meters (as resolve_scope does)."""
    month = {"first_month": "2026-03", "last_month": "2026-03"}
    graph = EvidenceGraph()
    graph.apply(
        entries(
            ("meter.register", {"id": "C-1", "owner": "E-1", "park": "P-1", "kind": "consumption"}),
            ("meter.register", {"id": "C-2", "owner": "E-2", "park": "P-1", "kind": "consumption"}),
            ("meter.register", {"id": "X-1", "owner": "E-1", "park": "P-1", "kind": "grid_import"}),
            ("meter.register", {"id": "C-9", "owner": "E-1", "park": "P-9", "kind": "consumption"}),
            ("attribution.run", {"park": "P-1", **month, "log_end": 5}),  # 5
            ("attribution.run", {"enterprise": "E-1", **month}),  # 6
            ("attribution.run", {**month, "first_month": "2026-04"}),  # 7: no scope
        ),
        strict=False,
    )
    assert graph.node("run:5").attrs["meters"] == ["C-1", "C-2"]
    assert graph.node("run:5").attrs["input_to"] == 4
    assert graph.node("run:6").attrs["meters"] == ["C-1", "C-9"]
    assert [(seq, code) for seq, code, _ in graph.stats().rejected] == [(7, "traceability.entry_malformed")]


def test_gec_issue_holder_defaults_to_the_meter_owner() -> None:
    graph = EvidenceGraph.from_entries(
        entries(
            ("meter.register", {"id": "W-1", "owner": "G-1", "park": "P-1", "kind": "generation"}),
            ("gec.issue", {"first": 1, "last": 10, "generator_meter": "W-1"}),
            ("gec.issue", {"first": 11, "last": 20, "generator_meter": "W-1", "holder": "G-2"}),
        )
    )
    assert graph.graph.has_edge("actor:G-1", "gec:1-10")
    assert graph.graph.has_edge("actor:G-2", "gec:11-20")
    assert not graph.graph.has_edge("actor:G-1", "gec:11-20")
