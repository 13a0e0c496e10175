"""Allocation keys and largest-remainder rounding: vectors and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.attribution.allocation import (
    SHARE_SCALE,
    largest_remainder,
    priority_cascade,
    pro_rata,
    static_shares,
)
from tests.ledger.attribution.oracle import naive_largest_remainder


def col(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)[:, None]


def one(value: int) -> np.ndarray:
    return np.array([value], dtype=np.int64)


# ------------------------------------------------------------------- vectors


def test_pro_rata_enough_supply_gives_need() -> None:
    assert pro_rata(col(100, 200), one(500))[:, 0].tolist() == [100, 200]


def test_pro_rata_short_supply_splits_by_need() -> None:
    # 100 over needs 100 and 200: 33.3 and 66.7 -> floor 33, 66; the larger
    # remainder (200*100 mod 300 = 200 > 100) gets the last Wh.
    assert pro_rata(col(100, 200), one(100))[:, 0].tolist() == [33, 67]


def test_tie_goes_to_lower_meter_id() -> None:
    # 1 Wh over three equal needs: all remainders equal -> row 0.
    assert pro_rata(col(5, 5, 5), one(1))[:, 0].tolist() == [1, 0, 0]
    # 2 Wh: rows 0 and 1.
    assert pro_rata(col(5, 5, 5), one(2))[:, 0].tolist() == [1, 1, 0]


def test_pro_rata_zero_need_and_zero_supply() -> None:
    assert pro_rata(col(0, 0), one(10))[:, 0].tolist() == [0, 0]
    assert pro_rata(col(3, 4), one(0))[:, 0].tolist() == [0, 0]


def test_static_shares_unused_share_is_surplus() -> None:
    # Shares 50 % / 30 % (20 % unassigned); G = 100: entitlements 50, 30.
    # A needs only 10: its 40 unused Wh are not given to B.
    shares = np.array([500_000, 300_000], dtype=np.int64)
    a = static_shares(col(10, 80), one(100), shares)[:, 0].tolist()
    assert a == [10, 30]
    assert sum(a) <= 100


def test_static_shares_rounding_is_exact() -> None:
    # Thirds of 100 Wh: 33.33 each -> 34, 33, 33 (tie to the lowest row; the
    # unassigned remainder row has weight 1 ppm and ranks last).
    shares = np.array([333_333, 333_333, 333_333], dtype=np.int64)
    a = static_shares(col(100, 100, 100), one(100), shares)[:, 0].tolist()
    assert a == [34, 33, 33]


def test_priority_cascade() -> None:
    # G = 250, needs 100, 200, 50 in priority order -> 100, 150, 0.
    assert priority_cascade(col(100, 200, 50), one(250))[:, 0].tolist() == [100, 150, 0]
    assert priority_cascade(col(100, 200, 50), one(1000))[:, 0].tolist() == [100, 200, 50]


def test_largest_remainder_columns_are_independent() -> None:
    w = np.array([[1, 0, 3], [1, 5, 1]], dtype=np.int64)
    t = np.array([1, 5, 3], dtype=np.int64)
    assert largest_remainder(w, t).tolist() == [[1, 0, 2], [0, 5, 1]]


def test_largest_remainder_rejects_total_over_zero_weights() -> None:
    with pytest.raises(ValueError, match="cannot be split"):
        largest_remainder(col(0, 0), one(1))


def test_static_shares_rejects_shares_over_one() -> None:
    with pytest.raises(ValueError, match="sum to"):
        static_shares(col(1, 1), one(1), np.array([SHARE_SCALE, 1], dtype=np.int64))


# ---------------------------------------------------------------- properties

needs = st.lists(st.integers(0, 10_000), min_size=1, max_size=8)


@given(needs, st.integers(0, 50_000))
def test_pro_rata_properties(need: list[int], supply: int) -> None:
    a = pro_rata(np.array(need, dtype=np.int64)[:, None], one(supply))[:, 0]
    assert int(a.sum()) == min(supply, sum(need))
    assert (a >= 0).all() and (a <= np.array(need)).all()
    assert a.tolist() == naive_largest_remainder(need, min(supply, sum(need)))


@given(needs, st.integers(0, 50_000), st.data())
def test_static_shares_properties(need: list[int], supply: int, data: st.DataObject) -> None:
    raw = data.draw(st.lists(st.integers(0, 1000), min_size=len(need), max_size=len(need)))
    total = max(1, sum(raw))
    shares = np.array([x * SHARE_SCALE // total for x in raw], dtype=np.int64)
    a = static_shares(np.array(need, dtype=np.int64)[:, None], one(supply), shares)[:, 0]
    assert int(a.sum()) <= supply
    assert (a >= 0).all() and (a <= np.array(need)).all()
    # Entitlement: never more than the share, rounded up.
    assert all(int(a[i]) <= -(-supply * int(shares[i]) // SHARE_SCALE) for i in range(len(need)))


@given(needs, st.integers(0, 50_000))
def test_priority_properties(need: list[int], supply: int) -> None:
    a = priority_cascade(np.array(need, dtype=np.int64)[:, None], one(supply))[:, 0]
    assert int(a.sum()) == min(supply, sum(need))
    assert (a >= 0).all() and (a <= np.array(need)).all()
    # Cascade: a row is short only if every later row gets nothing.
    short = [i for i in range(len(need)) if a[i] < need[i]]
    if short:
        assert int(a[short[0] + 1 :].sum()) == 0


@settings(max_examples=50)
@given(
    st.integers(1, 6).flatmap(
        lambda k: st.tuples(
            st.lists(st.lists(st.integers(0, 1000), min_size=k, max_size=k), min_size=1, max_size=5),
            st.just(k),
        )
    ),
    st.data(),
)
def test_largest_remainder_matches_reference(case: tuple[list[list[int]], int], data: st.DataObject) -> None:
    columns, _k = case
    w = np.array(columns, dtype=np.int64).T
    totals = [data.draw(st.integers(0, sum(c))) for c in columns]
    a = largest_remainder(w, np.array(totals, dtype=np.int64))
    assert a.sum(axis=0).tolist() == totals
    for j, c in enumerate(columns):
        assert a[:, j].tolist() == naive_largest_remainder(c, totals[j])


def test_largest_remainder_is_exact_beyond_int64_products() -> None:
    # A month's certificate volume spread over the hours of a ~2 GW meter:
    # w * T ~ 2**31 * 2**40 would overflow int64; the result must stay exact.
    w = [2**31 - 1, 2**31 - 7, 12345, 2**30]
    total = sum(w) - 3
    for t in (total, 2**40, 1):
        a = largest_remainder(np.array(w, dtype=np.int64)[:, None], one(min(t, sum(w))))
        assert a[:, 0].tolist() == naive_largest_remainder(w, min(t, sum(w)))
    big = np.full((3, 1), 2**31 - 1, dtype=np.int64)
    assert largest_remainder(big, one(2**41))[:, 0].sum() == 2**41
