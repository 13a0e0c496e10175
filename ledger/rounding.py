"""Largest-remainder rounding: split integer totals in proportion to integer weights, exactly.

The one rounding rule of Tanji's integer splits (DESIGN.md section 4): every
amount is first floored, then the units still owed go one each to the rows
with the largest remainders; **equal remainders go to the lower row position**.
Callers order their rows by id (meter id, product id, lot position), so the
tie-break is "by id". The rule is exact (sums are preserved to the unit) and
deterministic. Used by the attribution's allocation keys
(:mod:`ledger.attribution.allocation`), the park flows (``park.flows``) and
the EPCIS import (``traceability.epcis``).

:func:`largest_remainder` works column-wise on ``[k, H]`` int64 arrays with no
Python loop over rows or columns; :func:`largest_remainder_split` is the same
rule for one total over a list of weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["Int64Array", "check_weights", "largest_remainder", "largest_remainder_split"]

Int64Array = NDArray[np.int64]

_SAFE_PRODUCT = 2**62


def check_weights(weights: Int64Array, name: str) -> None:
    """``ValueError`` unless ``weights`` is a 2-D int64 array with no negative value."""
    if weights.dtype != np.int64:
        raise ValueError(f"{name} must be int64, got {weights.dtype}")
    if weights.ndim != 2:
        raise ValueError(f"{name} must be 2-D [k, H], got shape {weights.shape}")
    if weights.size and int(weights.min()) < 0:
        raise ValueError(f"{name} has a negative value {int(weights.min())}")


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
    ``0`` (``ValueError`` otherwise).

    Returns ``a`` int64 ``[k, H]`` with ``a.sum(axis=0) == totals`` and
    ``floor(w_i T / S) <= a_i <= ceil(w_i T / S)`` (so ``a_i <= w_i`` whenever
    ``T <= S``). Ties between equal remainders go to the lower row index
    (lower id).
    """
    check_weights(weights, "weights")
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


def largest_remainder_split(total: int, weights: Sequence[int]) -> list[int]:
    """:func:`largest_remainder` of one ``total`` over ``weights`` (in id order); the parts sum to ``total``.

    Preconditions as :func:`largest_remainder`: ``total >= 0``, weights ``>= 0``,
    a positive total needs a positive weight sum, and values fit int64.
    """
    column = np.array(list(weights), dtype=np.int64).reshape(len(weights), 1)
    parts = largest_remainder(column, np.array([total], dtype=np.int64))
    return [int(x) for x in parts[:, 0]]
