"""Hourly attribution (``attribute_month``, ``attribute_period``): hand-computed
steps, missing readings, the period driver, and random months against the
naive per-hour reference."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.attribution.encoding import period_hash, result_hash, result_table
from ledger.attribution.engine import AttributionGap, attribute_month, attribute_period
from ledger.attribution.records import DirectLink, MonthInputs, Retirement
from ledger.energy.periods import month_hours, months_between
from ledger.errors import RuleViolation
from tests.ledger.attribution.cases import (
    L1,
    MONTH,
    MWH,
    R1,
    R2,
    T1,
    T2,
    H,
    day,
    first4,
    permuted,
    random_inputs,
)
from tests.ledger.attribution.oracle import naive_attribute

# --------------------------------------------------------- step by step, by hand


def test_step1_direct_pro_rata() -> None:
    r = attribute_month(day([L1]))
    # h1: G1 = 100 over needs A 100, B 200 -> 33.3 / 66.7 -> 33 / 67.
    assert first4(r.direct) == [[100, 33, 50, 0], [200, 67, 50, 0], [0, 0, 0, 0]]
    assert first4(r.grid) == [[0, 67, 0, 40], [0, 133, 0, 80], [300, 0, 100, 50]]
    assert first4(r.surplus) == [[0, 0, 400, 0], [200, 100, 100, 100]]
    assert r.direct_by_generator.tolist() == [[183, 0], [317, 0], [0, 0]]
    assert r.claimable_direct.tolist() == [0, 0, 0]  # physical, not yet claimable
    assert r.contracted.sum() == r.certificate.sum() == 0


def test_step2_trades_hourly_up_to_volume() -> None:
    r = attribute_month(day([L1], [T1, T2]))
    # T1 (G2 -> B, C; 250 Wh): h0 C gets 200; h1 only 50 Wh of volume left -> B 50.
    # T2 (G1 -> C; 1000 Wh): G1's 400 Wh surplus at h2 covers C's 100 Wh.
    assert first4(r.contracted) == [[0, 0, 0, 0], [0, 50, 0, 0], [200, 0, 100, 0]]
    assert r.trade_ids == ("T1", "T2")
    assert r.trade_delivered_wh.tolist() == [250, 100]
    assert r.trade_unused_wh.tolist() == [0, 900]
    assert r.contracted_by_generator.tolist() == [[0, 0], [0, 50], [100, 200]]
    assert first4(r.surplus) == [[0, 0, 300, 0], [0, 50, 100, 100]]
    assert first4(r.grid) == [[0, 67, 0, 40], [0, 83, 0, 80], [100, 0, 0, 50]]


def test_step3_certificates_claim_direct_first_then_cover() -> None:
    r = attribute_month(day([L1], [T1, T2], [R2, R1]))
    # R1: 1 unit of G1 for A: claims A's 183 Wh direct from G1, then covers A's
    # remaining 67 + 40 Wh. R2: 1 unit of G2 for B and C: one whole unit can go
    # to one meter only; equal caps -> the lower meter id, B: it makes B's 50 Wh
    # contracted from G2 (T1) claimable, then covers B's remaining 83 + 80 Wh.
    assert first4(r.certificate) == [[0, 67, 0, 40], [0, 83, 0, 80], [0, 0, 0, 0]]
    assert r.claimable_direct_by_generator.tolist() == [[183, 0], [0, 0], [0, 0]]
    assert r.claimable_contracted_by_generator.tolist() == [[0, 0], [0, 50], [0, 0]]
    assert r.retirement_ids == ("R1", "R2")
    assert r.retirement_unused_wh.tolist() == [MWH - 183 - 107, MWH - 50 - 163]
    assert [(u.retirement_id, u.meter_id, u.units) for u in r.certificate_uses] == [
        ("R1", "A", 1),
        ("R2", "B", 1),
    ]
    # Step 4: grid is what remains.
    assert first4(r.grid) == [[0, 0, 0, 0], [0, 0, 0, 0], [100, 0, 0, 50]]
    total = r.direct + r.contracted + r.certificate + r.grid
    assert np.array_equal(total, r.consumption)


def test_certificates_spread_pro_rata_over_hours_with_tie_to_earliest_hour() -> None:
    c = np.zeros((1, H), dtype=np.int64)
    c[0, :3] = 500_000
    inputs = MonthInputs.build(
        MONTH,
        ["D"],
        c,
        [],
        [],
        np.zeros((0, H), dtype=np.int64),
        retirements=[Retirement("R", 1, "E", ("D",), MONTH, "GX", "wind")],
    )
    r = attribute_month(inputs)
    assert r.certificate[0, :3].tolist() == [333_334, 333_333, 333_333]
    assert r.grid[0, :3].tolist() == [166_666, 166_667, 166_667]
    assert r.retirement_unused_wh.tolist() == [0]


def test_certificates_proportional_and_unused_reported() -> None:
    c = np.zeros((1, H), dtype=np.int64)
    c[0, :2] = [600_000, 900_000]
    ret = Retirement("R", 1, "E", ("D",), MONTH, "GX", "wind")
    r = attribute_month(
        MonthInputs.build(MONTH, ["D"], c, [], [], np.zeros((0, H), np.int64), retirements=[ret])
    )
    assert r.certificate[0, :2].tolist() == [400_000, 600_000]
    c[0, :2] = [100_000, 200_000]
    r = attribute_month(
        MonthInputs.build(MONTH, ["D"], c, [], [], np.zeros((0, H), np.int64), retirements=[ret])
    )
    assert r.certificate[0, :2].tolist() == [100_000, 200_000]
    assert r.retirement_unused_wh.tolist() == [700_000]


def test_claim_is_capped_by_units_and_never_counts_twice() -> None:
    c = np.zeros((1, H), dtype=np.int64)
    g = np.zeros((1, H), dtype=np.int64)
    c[0, 0] = g[0, 0] = 2 * MWH - 1  # below 2**31
    link = DirectLink("L", ("G",), ("D",))
    ret = Retirement("R", 1, "E", ("D",), MONTH, "G", "wind")
    r = attribute_month(MonthInputs.build(MONTH, ["D"], c, ["G"], ["wind"], g, [link], (), [ret]))
    assert r.direct[0, 0] == 2 * MWH - 1
    assert r.claimable_direct.tolist() == [MWH]  # one unit claims 1 MWh of the physical 2
    assert r.certificate.sum() == 0
    assert r.retirement_unused_wh.tolist() == [0]


def test_priority_and_static_share_links() -> None:
    prio = DirectLink("L1", ("G1",), ("B", "A"), key="priority")
    r = attribute_month(day([prio]))
    assert first4(r.direct)[:2] == [[100, 0, 50, 0], [200, 100, 50, 0]]
    static = DirectLink("L1", ("G1",), ("B", "A"), key="static_shares", shares=(500_000, 250_000))
    r = attribute_month(day([static]))
    # A 25 %, B 50 %: h0 G1 300 -> A 75 of 100, B 150 of 200; 75 Wh unassigned is surplus.
    assert first4(r.direct)[:2] == [[75, 25, 50, 0], [150, 50, 50, 0]]
    assert first4(r.surplus)[0] == [75, 25, 400, 0]


def test_link_validity_window() -> None:
    # hours are the park's (Asia/Shanghai): 02:00 local is hour 2, whatever zone the bound is given in
    for start in (
        datetime(2025, 6, 1, 2, tzinfo=ZoneInfo("Asia/Shanghai")),
        datetime(2025, 5, 31, 18, tzinfo=UTC),
    ):
        link = DirectLink("L1", ("G1",), ("A", "B"), valid_from=start)
        r = attribute_month(day([link]))
        assert first4(r.direct)[:2] == [[0, 0, 50, 0], [0, 0, 50, 0]]


def test_generator_in_two_links_only_if_disjoint_in_time() -> None:
    split = datetime(2025, 6, 15, tzinfo=UTC)
    a = DirectLink("L1", ("G1",), ("A",), valid_to=split)
    b = DirectLink("L2", ("G1",), ("B",), valid_from=split)
    attribute_month(day([a, b]))
    with pytest.raises(RuleViolation) as e:
        day([DirectLink("L1", ("G1",), ("A",)), DirectLink("L2", ("G1",), ("B",))])
    assert e.value.code == "attribution.generator_in_two_links"


# ------------------------------------------------------------ missing readings


def test_missing_reading_is_a_named_error() -> None:
    missing = np.zeros((3, H), dtype=bool)
    missing[1, 5] = True
    inputs = day([L1], consumption_missing=missing)
    with pytest.raises(AttributionGap) as e:
        attribute_month(inputs)
    assert e.value.code == "attribution.missing_readings"
    assert e.value.details["meter"] == "B"
    assert e.value.details["hours"] == ["2025-06-01T05:00+08:00"]  # local time with its offset


def test_missing_generation_is_a_named_error() -> None:
    missing = np.zeros((2, H), dtype=bool)
    missing[0, 2] = True
    with pytest.raises(AttributionGap, match="generation readings missing"):
        attribute_month(day([L1], generation_missing=missing))


def test_missing_reading_as_explicit_gap() -> None:
    missing = np.zeros((3, H), dtype=bool)
    missing[0, 0] = True
    r = attribute_month(day([L1], consumption_missing=missing), on_missing="gap")
    assert bool(r.gap[0, 0]) and int(r.gap.sum()) == 1
    assert r.consumption[0, 0] == 0 and r.direct[0, 0] == 0
    table = result_table(r)
    assert table.loc[0, "gap"] == 1 and table["gap"].sum() == 1


# ------------------------------------------------------------------ the period


def test_period_driver_month_by_month() -> None:
    months = months_between("2025-11", "2026-01")
    assert months == ("2025-11", "2025-12", "2026-01")
    seen: list[str] = []

    def load(month: str) -> MonthInputs:
        n = month_hours(month)
        c = np.full((1, n), 7, dtype=np.int64)
        g = np.full((1, n), 5, dtype=np.int64)
        return MonthInputs.build(month, ["A"], c, ["G"], ["solar"], g, [DirectLink("L", ("G",), ("A",))])

    run = attribute_period(months, load, sink=lambda i, r: seen.append(r.month))
    assert seen == list(months)
    again = attribute_period(months, load)
    assert run.sha256 == again.sha256
    expected = [result_hash(attribute_month(load(m))) for m in months]
    assert list(run.month_hashes) == expected
    assert run.sha256 == period_hash(list(zip(months, expected, strict=True)))
    with pytest.raises(RuleViolation):
        attribute_period(["2025-02", "2025-01"], load)
    with pytest.raises(RuleViolation) as e:
        attribute_period(["2025-03"], lambda m: load("2025-04"))
    assert e.value.code == "attribution.period_mismatch"


# ------------------------------------------------------------------ properties


@settings(max_examples=150, deadline=None)
@given(random_inputs(), st.integers(0, 1000))
def test_random_months_match_reference_and_are_deterministic(inputs: MonthInputs, seed: int) -> None:
    r = attribute_month(inputs)  # invariants are checked inside
    naive = naive_attribute(inputs)
    for name in (
        "direct",
        "contracted",
        "certificate",
        "grid",
        "direct_by_generator",
        "contracted_by_generator",
        "claimable_direct_by_generator",
        "claimable_contracted_by_generator",
        "retirement_unused_wh",
    ):
        assert getattr(r, name).tolist() == getattr(naive, name), name
    # Sums exact, nothing counted twice.
    assert np.array_equal(r.direct + r.contracted + r.certificate + r.grid, r.consumption)
    assert (r.generator_direct + r.generator_contracted <= r.generation).all()
    used_units = sum(u.units for u in r.certificate_uses)
    assert used_units <= sum(x.units for x in inputs.retirements)
    assert (r.claimable_direct_by_generator <= r.direct_by_generator).all()
    # Determinism: same input, permuted input order -> same hash.
    h = result_hash(r)
    assert h == result_hash(attribute_month(inputs))
    assert h == result_hash(attribute_month(permuted(inputs, seed)))


@settings(max_examples=50, deadline=None)
@given(random_inputs(), st.integers(0, 2**32 - 1))
def test_gaps_are_explicit_never_silent(inputs: MonthInputs, seed: int) -> None:
    rng = np.random.default_rng(seed)
    c_miss = rng.random(inputs.consumption.shape) < 0.01
    g_miss = rng.random(inputs.generation.shape) < 0.01
    with_gaps = dataclasses.replace(inputs, consumption_missing=c_miss, generation_missing=g_miss)
    if c_miss.any() or g_miss.any():
        with pytest.raises(AttributionGap):
            attribute_month(with_gaps)
    r = attribute_month(with_gaps, on_missing="gap")
    assert np.array_equal(r.gap, c_miss) and np.array_equal(r.generation_gap, g_miss)
    for part in (r.direct, r.contracted, r.certificate, r.grid):
        assert not part[c_miss].any()
    assert not (r.generator_direct + r.generator_contracted)[g_miss].any()
    assert result_table(r)["gap"].sum() == int(c_miss.sum())
