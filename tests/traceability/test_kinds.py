"""Lot kinds on a real ledger (SQLite and PostgreSQL): alumina -> aluminium -> extrusion -> customer.

The park is ``tests.conftest.setup_energy_park`` (seqs 0-12: operator, E-1 smelter, E-2
extruder, G-1 wind, GW-1, R-1, park P-1, meters C-1 C-2 X-1 of E-1, C-3 of E-2, W-1 S-1 of
G-1) plus the entries of ``build_chain`` (seqs 13-22). Every number below is by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from ledger.attribution.runner import run_attribution
from ledger.errors import LedgerError
from ledger.store.replay import replay_check
from tests.conftest import Park
from tests.ledger.energy_helpers import state
from tests.traceability.ledger_chain import JAN_1, PACT_ID, build_chain, produce, ship
from traceability.kinds import LotHoldingRow, LotInputRow, LotRow, ShipmentRow, get_lot, holdings_of
from traceability.ledger_graph import build_graph


@pytest.fixture
def chain(make_energy_park: Callable[[], Park]) -> Park:
    return build_chain(make_energy_park())


def _rows(park: Park) -> tuple[int, ...]:
    with park.ledger.db.read_session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (LotRow, LotHoldingRow, LotInputRow, ShipmentRow)
        )


def test_chain_projection(chain: Park) -> None:
    with chain.ledger.db.read_session() as s:
        al = get_lot(s, "AL-1")
        assert al is not None and (al.owner, al.unit, al.first_seq) == ("E-1", "g", 19)
        assert (al.produced, al.received, al.shipped, al.consumed) == (2_000_000, 0, 1_000_000, 1_000_000)
        held = holdings_of(s, "AL-1")
        assert held["E-1"].available == 1_000_000 and held["E-2"].available == 0
        assert (held["E-2"].received, held["E-2"].consumed) == (1_000_000, 1_000_000)
        alumina = get_lot(s, "ALUMINA-1")
        assert alumina is not None and alumina.supplier == "SUP-1" and alumina.consumed == 3_900_000
        ext = get_lot(s, "EXT-1")
        assert ext is not None and (ext.produced, ext.shipped, ext.owner) == (950_000, 900_000, "E-2")
        # B-1 is an actor of the ledger: the shipment moved 0.9 t into its holding.
        assert holdings_of(s, "EXT-1")["B-1"].available == 900_000
    assert _rows(chain) == (3, 5, 2, 2)
    assert chain.ledger.verify().ok
    assert replay_check(chain.ledger).ok


def test_chain_graph(chain: Park) -> None:
    graph = build_graph(chain.ledger)
    assert graph.stats().rejected == ()
    up = {r.id for r in graph.upstream("lot:EXT-1")}
    assert {
        "lot:AL-1",
        "lot:ALUMINA-1",
        f"footprint:{PACT_ID}",
        "meter:C-3",
        "meter:C-1",
        "batch:16",
        "batch:17",
        "actor:SUP-1",
    } <= up
    assert "batch:15" not in up and "link:L-1" not in up  # wind reaches a lot only through a run
    down = {r.id for r in graph.downstream("batch:16")}
    assert down == {"lot:AL-1", "lot:EXT-1", "ship:20", "ship:22"}
    # operator (0: submitted the meters), E-1 (1), E-2 (2), C-1 (7), C-3 (9), batches 16 and 17,
    # ALUMINA-1 (18), AL-1 (19), EXT-1 (21).
    assert graph.evidence("lot:EXT-1") == [0, 1, 2, 7, 9, 16, 17, 18, 19, 21]
    impact = graph.impact(16)
    assert impact.lots == ("lot:AL-1", "lot:EXT-1") and impact.shipments == ("ship:20", "ship:22")
    assert graph.impact(f"footprint:{PACT_ID}").lots == ("lot:AL-1", "lot:ALUMINA-1", "lot:EXT-1")
    g = graph.genealogy("EXT-1")
    assert [(a.source, a.target, a.quantity, a.depth) for a in g.ancestors] == [
        ("AL-1", "EXT-1", 1_000_000, 1),
        ("ALUMINA-1", "AL-1", 3_900_000, 2),
    ]
    assert [(s.lot_id, s.quantity, s.customer) for s in g.shipments] == [("EXT-1", 900_000, "B-1")]
    assert g.lots["AL-1"].shipped == 1_000_000 and g.lots["AL-1"].consumed == 1_000_000


def test_attribution_run_reaches_lots(chain: Park) -> None:
    """A recorded run of the smelter's meter links the wind batch and the direct link to AL-1."""
    summary = run_attribution(chain.ledger, "E-1", chain.keys["E-1"], "2026-01", ["C-1"], on_missing="gap")
    graph = build_graph(chain.ledger)
    run = f"run:{summary.seq}"
    assert set(graph.graph.predecessors(run)) >= {"batch:15", "batch:16", "link:L-1", "actor:E-1"}
    assert set(graph.graph.successors(run)) == {"lot:AL-1"}
    lines = graph.explain("lot:AL-1")
    assert f"lot AL-1 ← attribution run {summary.seq} ← direct link L-1 ← wind meter W-1" in lines
    assert {3, 10, 14, 15, summary.seq} <= set(graph.evidence("lot:EXT-1"))
    assert "lot:EXT-1" in graph.impact(15).lots


# (actor, kind, payload, code): every case is rejected and writes nothing. They run one after
# another on one chain (a chain per case would cost a database each on PostgreSQL).
RULE_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("E-1", "lot.ship", ship("AL-1", 1_000_001, "B-1"), "lot.mass_balance"),
    ("E-2", "lot.ship", ship("AL-1", 1, "B-1"), "lot.mass_balance"),
    ("E-2", "lot.produce", produce("X-2", 1, [], [("AL-1", 1)]), "lot.mass_balance"),
    ("E-1", "lot.produce", produce("X-2", 1, [], [("ALUMINA-1", 100_001)]), "lot.mass_balance"),
    ("E-2", "lot.produce", produce("X-2", 1, [], [("ALUMINA-1", 1)]), "lot.not_held"),
    ("E-2", "lot.ship", ship("ALUMINA-1", 1, "B-1"), "lot.not_held"),
    ("E-1", "lot.produce", produce("X-2", 1, [], [("NOPE", 1)]), "lot.unknown"),
    ("E-1", "lot.ship", ship("NOPE", 1, "B-1"), "lot.unknown"),
    ("E-1", "lot.produce", produce("X-2", 1, [], [("AL-1", 1)], unit="EA"), "lot.unit_mismatch"),
    ("E-1", "lot.ship", ship("AL-1", 1, "B-1", unit="EA"), "lot.unit_mismatch"),
    (
        "E-1",
        "lot.receive",
        {"lot_id": "ALUMINA-1", "supplier": "SUP-1", "quantity": 1, "unit": "mL"},
        "lot.unit_mismatch",
    ),
    ("E-1", "lot.produce", produce("ALUMINA-1", 1, [], [("AL-1", 1)]), "lot.cycle"),
    ("E-1", "lot.produce", produce("AL-1", 1, [], [("AL-1", 1)]), "lot.cycle"),
    ("E-2", "lot.produce", produce("AL-1", 1, [], []), "lot.not_owner"),
    (
        "E-2",
        "lot.receive",
        {"lot_id": "AL-1", "supplier": "E-1", "quantity": 1, "unit": "g"},
        "lot.not_owner",
    ),
    ("E-1", "lot.produce", produce("X-2", 1, [("C-3", "1")], []), "lot.meter_not_owned"),
    ("E-1", "lot.produce", produce("X-2", 1, [("C-404", "1")], []), "lot.meter_unknown"),
    ("operator", "lot.produce", produce("X-2", 1, [("W-1", "1")], []), "lot.meter_not_consumer"),
    ("E-1", "lot.produce", produce("X-2", 1, [("C-1", "0.1")], []), "lot.meter_overallocated"),
    ("E-1", "lot.produce", produce("X-2", 1, [("C-1", "0")], []), "schema.invalid"),
    ("E-1", "lot.produce", produce("X-2", 1, [("C-1", "1.5")], []), "schema.invalid"),
    ("E-1", "lot.produce", produce("X-2", 1, [], [], start=JAN_1, end=JAN_1), "schema.invalid"),
    ("E-1", "lot.ship", ship("AL-1", 0, "B-1"), "schema.invalid"),
    ("G-1", "lot.produce", produce("X-2", 1, [("W-1", "1")], []), "actor.role_forbidden"),
    ("B-1", "lot.ship", ship("EXT-1", 1, "E-1"), "actor.role_forbidden"),
]


def test_rules_write_nothing(chain: Park) -> None:
    before, rows = state(chain.ledger), _rows(chain)
    for n, (actor, kind, payload, code) in enumerate(RULE_CASES):
        with pytest.raises(LedgerError) as e:
            chain.ledger.append([chain.sign(kind, actor, payload)])
        assert e.value.code == code, (n, kind, payload, e.value)
        assert state(chain.ledger) == before and _rows(chain) == rows, (n, kind)


def test_messages_name_the_values(chain: Park) -> None:
    with pytest.raises(LedgerError) as e:
        chain.ledger.append([chain.sign("lot.ship", "E-1", ship("AL-1", 1_000_001, "B-1"))])
    assert "1000001 g" in e.value.message and "only 1000000 g" in e.value.message
    assert e.value.details["lot_id"] == "AL-1" and e.value.details["available"] == 1_000_000
    with pytest.raises(LedgerError) as e:
        chain.ledger.append([chain.sign("lot.produce", "E-1", produce("ALUMINA-1", 1, [], [("AL-1", 1)]))])
    assert "ALUMINA-1 <- AL-1 <- ALUMINA-1" in e.value.message


def test_batch_is_atomic_and_sees_its_own_entries(chain: Park) -> None:
    """Entries of one batch see the earlier ones; a rejected one rolls back the whole batch."""
    before, rows = state(chain.ledger), _rows(chain)
    with pytest.raises(LedgerError) as e:
        chain.ledger.append(
            [
                chain.sign("lot.produce", "E-1", produce("AL-2", 500, [], [("ALUMINA-1", 100_000)])),
                chain.sign("lot.ship", "E-1", ship("AL-2", 501, "B-1")),
            ]
        )
    assert e.value.code == "lot.mass_balance" and e.value.details["index"] == 1
    assert state(chain.ledger) == before and _rows(chain) == rows
    placed = chain.ledger.append(
        [
            chain.sign("lot.produce", "E-1", produce("AL-2", 500, [], [("ALUMINA-1", 100_000)])),
            chain.sign("lot.ship", "E-1", ship("AL-2", 500, "B-1")),
            chain.sign("lot.produce", "E-1", produce("AL-2", 10, [], [])),  # a second shift adds to the lot
        ]
    )
    assert [p.seq for p in placed] == [23, 24, 25]
    with chain.ledger.db.read_session() as s:
        lot = get_lot(s, "AL-2")
        alumina = get_lot(s, "ALUMINA-1")
    assert lot is not None and (lot.produced, lot.shipped) == (510, 500)
    assert alumina is not None and alumina.produced + alumina.received - alumina.consumed == 0
    assert replay_check(chain.ledger).ok


def test_operator_may_name_any_meter(chain: Park) -> None:
    chain.ledger.append([chain.sign("lot.produce", "operator", produce("OP-1", 5, [("C-3", "0.25")], []))])
    with chain.ledger.db.read_session() as s:
        lot = get_lot(s, "OP-1")
    assert lot is not None and lot.owner == "operator"


def test_meter_shares_stay_within_one(chain: Park) -> None:
    """C-3 gives 0.5 to EXT-1 over 10:00-12:00; shares of overlapping lots add up hour by hour."""

    def c3(lot: str, share: str, start: str, end: str) -> Any:
        return chain.sign(
            "lot.produce",
            "E-2",
            produce(
                lot,
                1,
                [("C-3", share)],
                [],
                start=f"2026-01-01T{start}+08:00",
                end=f"2026-01-01T{end}+08:00",
                product="extrusion",
            ),
        )

    chain.ledger.append(
        [
            c3("EXT-2", "0.5", "11:00:00", "13:00:00"),  # 1.0 over 11-12
            c3("EXT-3", "0.5", "12:00:00", "14:00:00"),
            c3("EXT-4", "1", "14:00:00", "15:00:00"),
        ]
    )  # adjacent periods do not overlap
    before = state(chain.ledger)
    with pytest.raises(LedgerError) as e:
        chain.ledger.append([c3("EXT-5", "0.25", "09:00:00", "11:30:00")])
    assert e.value.code == "lot.meter_overallocated"
    assert (e.value.details["start"], e.value.details["end"]) == (
        "2026-01-01T03:00:00Z",
        "2026-01-01T03:30:00Z",
    )
    assert e.value.details["lots"] == ["EXT-1", "EXT-2"] and e.value.details["total"] == "1.25"
    assert "meter 'C-3'" in e.value.message and state(chain.ledger) == before
    chain.ledger.append([c3("EXT-5", "0.5", "09:00:00", "10:00:00")])
    assert replay_check(chain.ledger).ok


def test_migrations_match_the_models(make_park: Callable[[], Park]) -> None:
    """The hand-written traceability migrations equal the ORM models (columns, types, nullability,
    indexes)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ledger import ProjectionBase

    park = make_park()
    with park.ledger.db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), ProjectionBase.metadata)
    ours = [d for d in diffs if "trace_" in repr(d)]
    assert ours == []
