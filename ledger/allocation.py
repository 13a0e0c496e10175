"""Allocation keys: how one generator's hour is shared among consumers.

Three keys, as used by European energy communities (DESIGN.md section 4):

- **pro rata** (default): ``a_i = L_i * min(1, G / sum(L))``;
- **static shares**: consumer ``i`` is entitled to ``s_i`` of ``G``; what it
  does not need is surplus, never reallocated;
- **priority cascade**: consumers in a fixed order each take what they need
  from what is left.

Every key keeps ``sum(a) <= G`` and ``0 <= a_i <= L_i`` in integer Wh.

Rounding is by **largest remainder**: every amount is first floored, then the
units still owed go one each to the rows with the largest remainders; equal
remainders are broken by row position, lowest first. Rows are always ordered
by meter id (the caller sorts), so the tie-break is "by meter id". The rule is
exact (sums are preserved to the Wh) and deterministic.

All functions work column-wise on ``[k, H]`` int64 arrays (``k`` consumers,
``H`` hours), with no Python loop over consumers or hours.

Precondition common to all: values are ``>= 0`` and below ``2**31`` (2.1 GWh in
an hour per meter), so that the products ``L * G`` fit in int64.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MAX_WH_PER_HOUR",
    "SHARE_SCALE",
    "Int64Array",
    "largest_remainder",
    "pro_rata",
    "priority_cascade",
    "static_shares",
]

Int64Array = NDArray[np.int64]

#: Largest reading accepted for one interval (exclusive), so products fit int64.
MAX_WH_PER_HOUR = 2**31

#: Static shares are integers in parts per million of a generator's output.
SHARE_SCALE = 1_000_000


def _check_weights(weights: Int64Array, name: str) -> None:
    if weights.dtype != np.int64:
        raise ValueError(f"{name} must be int64, got {weights.dtype}")
    if weights.ndim != 2:
        raise ValueError(f"{name} must be 2-D [k, H], got shape {weights.shape}")
    if weights.size and int(weights.min()) < 0:
        raise ValueError(f"{name} has a negative value {int(weights.min())}")


_SAFE_PRODUCT = 2**62


def _floor_and_remainder(
    weights: Int64Array, totals: Int64Array, sums: Int64Array
) -> tuple[Int64Array, Int64Array]:
    """``w*T // S`` and ``w*T mod S`` exactly.

    In int64 when ``max(w) * max(T)`` is safely below ``2**63``; otherwise
    (e.g. a month's certificate volume spread over the hours of a very large
    meter) the product is formed with Python integers. Both results fit int64:
    the floor is at most ``max(T, w)`` and the remainder is below ``S``.
    """
    w_max = int(weights.max()) if weights.size else 0
    t_max = int(totals.max()) if totals.size else 0
    if w_max * t_max < _SAFE_PRODUCT:
        product = weights * totals[None, :]
        floor = product // sums[None, :]
        return floor, product - floor * sums[None, :]
    big = weights.astype(object) * totals.astype(object)[None, :]
    divisor = sums.astype(object)[None, :]
    floor_o = big // divisor
    rem_o = big - floor_o * divisor
    return floor_o.astype(np.int64), rem_o.astype(np.int64)


def largest_remainder(weights: Int64Array, totals: Int64Array) -> Int64Array:
    """Split ``totals[h]`` over the rows of ``weights[:, h]`` in proportion.

    Preconditions: ``weights`` is int64 ``[k, H]`` and ``>= 0``; ``totals`` is
    int64 ``[H]``, ``totals >= 0`` and ``0`` wherever a column's weights sum to
    ``0``; products ``weights * totals`` fit in int64 (see module docstring).

    Returns ``a`` int64 ``[k, H]`` with ``a.sum(axis=0) == totals`` and
    ``floor(w_i T / S) <= a_i <= ceil(w_i T / S)`` (so ``a_i <= w_i`` whenever
    ``T <= S``). Ties between equal remainders go to the lower row index
    (lower meter id).
    """
    _check_weights(weights, "weights")
    k, n_hours = weights.shape
    if totals.shape != (n_hours,):
        raise ValueError(f"totals has shape {totals.shape}, expected ({n_hours},)")
    if k == 0:
        if totals.size and int(totals.max()) > 0:
            raise ValueError("cannot split a positive total over zero rows")
        return np.zeros((0, n_hours), dtype=np.int64)
    sums = weights.sum(axis=0)
    invalid = (totals < 0) | ((sums == 0) & (totals > 0))
    if bool(invalid.any()):
        bad = int(np.flatnonzero(invalid)[0])
        raise ValueError(
            f"total {int(totals[bad])} at column {bad} cannot be split over weights "
            f"summing to {int(sums[bad])}"
        )
    safe = np.where(sums == 0, 1, sums)
    floor, remainder = _floor_and_remainder(weights, totals, safe)
    if k == 1:
        return floor  # a single row gets the whole (exact) total
    owed = totals - floor.sum(axis=0)  # 0 <= owed < k
    if not bool(owed.any()):
        return floor
    cols = np.flatnonzero(owed)
    # Rank rows by remainder, descending; stable sort keeps lower row first on ties.
    order = np.argsort(-remainder[:, cols], axis=0, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(k)[:, None], axis=0)
    floor[:, cols] += (rank < owed[cols][None, :]).astype(np.int64)
    return floor


def pro_rata(need: Int64Array, supply: Int64Array) -> Int64Array:
    """Pro-rata key: ``a_i = L_i * min(1, G / sum L)``, rounded by largest remainder.

    Preconditions: ``need`` int64 ``[k, H]`` ``>= 0``; ``supply`` int64 ``[H]``
    ``>= 0``. Returns ``a`` with ``a <= need`` and
    ``a.sum(axis=0) == min(supply, need.sum(axis=0))``.
    """
    _check_weights(need, "need")
    if supply.size and int(supply.min()) < 0:
        raise ValueError(f"supply has a negative value {int(supply.min())}")
    total = np.minimum(supply, need.sum(axis=0))
    return largest_remainder(need, total)


def static_shares(need: Int64Array, supply: Int64Array, shares: Int64Array) -> Int64Array:
    """Static-share key: consumer ``i`` may take up to ``G * s_i / 10**6``.

    Preconditions: ``need`` int64 ``[k, H]`` ``>= 0``; ``supply`` int64 ``[H]``
    ``>= 0``; ``shares`` int64 ``[k]`` ``>= 0`` with ``shares.sum() <= 10**6``
    (parts per million). The entitlements are a largest-remainder split of
    ``G`` over the shares plus the unassigned share (which ranks last); a
    consumer's unused entitlement is surplus and is **not** reallocated.
    Returns ``a = min(need, entitlement)``.
    """
    _check_weights(need, "need")
    k, n_hours = need.shape
    if shares.shape != (k,):
        raise ValueError(f"shares has shape {shares.shape}, expected ({k},)")
    if k and (int(shares.min()) < 0 or int(shares.sum()) > SHARE_SCALE):
        raise ValueError(f"shares must be >= 0 and sum to <= {SHARE_SCALE}, got {shares}")
    weights = np.empty((k + 1, n_hours), dtype=np.int64)
    weights[:k] = shares[:, None]
    weights[k] = SHARE_SCALE - int(shares.sum())
    entitled = largest_remainder(weights, supply.astype(np.int64))[:k]
    return np.minimum(need, entitled)


def priority_cascade(need: Int64Array, supply: Int64Array) -> Int64Array:
    """Priority key: rows in order each take ``min(L_i, what is left)``.

    Preconditions: ``need`` int64 ``[k, H]`` ``>= 0`` with rows already in
    priority order (first row served first); ``supply`` int64 ``[H]`` ``>= 0``.
    Returns ``a`` with ``a <= need`` and ``a.sum(axis=0) == min(supply, sum L)``.
    """
    _check_weights(need, "need")
    before = np.cumsum(need, axis=0) - need
    left = supply[None, :] - before
    return np.clip(left, 0, need)
