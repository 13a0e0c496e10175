from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from traceability.errors import (
    CycleDetected,
    InvalidPayload,
    InvalidQuantity,
    MassBalanceViolation,
    UnitMismatch,
    UnknownReference,
)
from traceability.lots import (
    LotBalance,
    LotProduce,
    LotReceive,
    LotShip,
    check_produce,
    check_ship,
    find_cycle,
    replay_lots,
)
from traceability.units import to_base

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def produce(lot: str, qty: int, inputs: list[tuple[str, int]] | None = None, unit: str = "g") -> LotProduce:
    data: dict[str, Any] = {
        "lot_id": lot,
        "product": "aluminium",
        "quantity": qty,
        "unit": unit,
        "period_start": T0.isoformat(),
        "period_end": (T0 + timedelta(hours=8)).isoformat(),
        "meters": [{"meter_id": "M-7", "share": "0.5"}],
        "inputs": [{"lot_id": i, "quantity": q, "unit": "g"} for i, q in inputs or []],
    }
    return LotProduce.from_json(data)


def receive(lot: str, qty: int) -> LotReceive:
    return LotReceive.from_json(
        {
            "lot_id": lot,
            "supplier": "A-SUP",
            "quantity": qty,
            "unit": "g",
            "footprint": {"kind": "pact", "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"},
        }
    )


def ship(lot: str, qty: int) -> LotShip:
    return LotShip.from_json({"lot_id": lot, "quantity": qty, "unit": "g", "customer": "A-BUY"})


def test_produce_payload_round_trips_through_json() -> None:
    p = produce("L-2", 500, [("L-1", 1000)])
    assert LotProduce.from_json(p.model_dump_json()) == p
    assert p.meters[0].share == Decimal("0.5")


@pytest.mark.parametrize(
    "patch",
    [
        {"quantity": 0},
        {"quantity": 1.5},
        {"quantity": "10"},
        {"unit": "kg"},
        {"period_start": "2026-03-01T00:00:00"},
        {"period_end": T0.isoformat()},
        {"meters": [{"meter_id": "M-7", "share": "0"}]},
        {"meters": [{"meter_id": "M-7", "share": "1.01"}]},
        {"meters": [{"meter_id": "M-7", "share": "0.5"}, {"meter_id": "M-7", "share": "0.5"}]},
        {
            "inputs": [
                {"lot_id": "A", "quantity": 1, "unit": "g"},
                {"lot_id": "A", "quantity": 2, "unit": "g"},
            ]
        },
        {"lot_id": "has space"},
        {"colour": "red"},
    ],
)
def test_invalid_produce_payloads_are_rejected(patch: dict[str, Any]) -> None:
    data = produce("L-1", 10).model_dump(mode="json") | patch
    with pytest.raises(InvalidPayload) as info:
        LotProduce.from_json(data)
    assert info.value.code == "traceability.payload_invalid"


def test_receive_footprint_reference_kinds() -> None:
    assert receive("S-1", 5).footprint is not None
    cert = LotReceive.from_json(
        {
            "lot_id": "S-2",
            "supplier": "A-SUP",
            "quantity": 1,
            "unit": "EA",
            "footprint": {"kind": "certificate", "id": "TJ-CERT-9"},
        }
    )
    assert cert.footprint is not None and cert.footprint.kind == "certificate"
    with pytest.raises(InvalidPayload):
        LotReceive.from_json(
            {
                "lot_id": "S-2",
                "supplier": "A",
                "quantity": 1,
                "unit": "EA",
                "footprint": {"kind": "pact", "id": "not-a-uuid"},
            }
        )


def test_chain_balances() -> None:
    result = replay_lots(
        [
            receive("ALUMINA-1", 2000),
            produce("AL-1", 1000, [("ALUMINA-1", 1900)]),
            produce("EXT-1", 900, [("AL-1", 950)]),
            ship("EXT-1", 900),
        ]
    )
    assert result.rejected == ()
    assert result.balances["ALUMINA-1"].available == 100
    assert result.balances["AL-1"] == LotBalance("AL-1", "g", produced=1000, consumed=950)
    assert result.balances["EXT-1"].available == 0
    assert result.inputs_of == {"AL-1": frozenset({"ALUMINA-1"}), "EXT-1": frozenset({"AL-1"})}


def test_ship_overdraw_names_lot_available_and_requested() -> None:
    balances = {"L-1": LotBalance("L-1", "g", produced=100, shipped=30)}
    with pytest.raises(MassBalanceViolation) as info:
        check_ship(ship("L-1", 71), balances)
    assert info.value.details == {"lot_id": "L-1", "available": 70, "requested": 71, "unit": "g"}
    assert "'L-1'" in info.value.message and "70" in info.value.message and "71" in info.value.message
    assert check_ship(ship("L-1", 70), balances)["L-1"].available == 0


def test_produce_overdraw_of_input() -> None:
    balances = {"A": LotBalance("A", "g", received=10)}
    with pytest.raises(MassBalanceViolation, match="draws 11 g from lot 'A' but only 10 g"):
        check_produce(produce("B", 5, [("A", 11)]), balances, {})


def test_unknown_input_lot() -> None:
    with pytest.raises(UnknownReference, match="unknown lot 'NOPE'"):
        check_produce(produce("B", 5, [("NOPE", 1)]), {}, {})
    with pytest.raises(UnknownReference):
        check_ship(ship("NOPE", 1), {})


def test_unit_mismatch() -> None:
    balances = {"A": LotBalance("A", "EA", produced=10)}
    with pytest.raises(UnitMismatch):
        check_produce(produce("B", 5, [("A", 1)]), balances, {})
    with pytest.raises(UnitMismatch):
        check_produce(produce("A", 5), balances, {})


def test_direct_self_consumption_is_a_cycle() -> None:
    with pytest.raises(CycleDetected) as info:
        check_produce(produce("A", 5, [("A", 1)]), {"A": LotBalance("A", "g", produced=9)}, {})
    assert info.value.code == "traceability.cycle"


def test_indirect_cycle_through_inputs() -> None:
    result = replay_lots([receive("A", 100), produce("B", 50, [("A", 10)]), produce("C", 20, [("B", 10)])])
    with pytest.raises(CycleDetected, match="A <- C <- B <- A"):
        check_produce(produce("A", 5, [("C", 1)]), result.balances, result.inputs_of)


def test_rejected_events_change_nothing() -> None:
    result = replay_lots([receive("A", 10), ship("A", 11), ship("A", 10)])
    assert [i for i, _ in result.rejected] == [1]
    assert result.balances["A"].shipped == 10


def test_find_cycle_none_for_dag() -> None:
    assert find_cycle("X", ["A", "B"], {"A": ["B"], "B": ["C"]}) is None


@pytest.mark.parametrize(
    ("value", "uom", "expected"),
    [
        (200.5, "KGM", (200500, "g")),
        (10, None, (10, "EA")),
        ("1.5", "TNE", (1_500_000, "g")),
        (2, "MWH", (2_000_000, "Wh")),
        (3, "LTR", (3000, "mL")),
    ],
)
def test_to_base(value: float | str, uom: str | None, expected: tuple[int, str]) -> None:
    assert to_base(value, uom) == expected


@pytest.mark.parametrize(
    ("value", "uom"),
    [
        (0.0005, "KGM"),
        (1.5, None),
        (0, "KGM"),
        (-1, "GRM"),
        (1, "FOO"),
        ("x", "KGM"),
        (True, None),
        (float("nan"), "KGM"),
    ],
)
def test_to_base_rejects(value: object, uom: str | None) -> None:
    with pytest.raises(InvalidQuantity):
        to_base(cast(int, value), uom)  # deliberately also values of other types


@given(st.lists(st.tuples(st.sampled_from(["ship", "use"]), st.integers(1, 60)), max_size=30))
def test_balance_never_negative(ops: list[tuple[str, int]]) -> None:
    events: list[LotProduce | LotShip | LotReceive] = [receive("A", 100)]
    for n, (op, qty) in enumerate(ops):
        events.append(ship("A", qty) if op == "ship" else produce(f"P-{n}", 1, [("A", qty)]))
    result = replay_lots(events)
    a = result.balances["A"]
    assert a.available >= 0
    accepted = [e for i, e in enumerate(events) if i not in {j for j, _ in result.rejected}]
    drawn = sum(e.quantity for e in accepted if isinstance(e, LotShip)) + sum(
        i.quantity for e in accepted if isinstance(e, LotProduce) for i in e.inputs
    )
    assert a.shipped + a.consumed == drawn
    assert all(isinstance(err, MassBalanceViolation) for _, err in result.rejected)
