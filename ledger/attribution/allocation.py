"""Allocation keys: how one generator's hour is shared among consumers.

Three keys, as used by European energy communities (DESIGN.md section 4):

- **pro rata** (default): ``a_i = L_i * min(1, G / sum(L))``;
- **static shares**: consumer ``i`` is entitled to ``s_i`` of ``G``; what it
  does not need is surplus, never reallocated;
- **priority cascade**: consumers in a fixed order each take what they need
  from what is left.

Every key keeps ``sum(a) <= G`` and ``0 <= a_i <= L_i`` in integer Wh.

Rounding is by **largest remainder** (:mod:`ledger.rounding`, the one rule):
every amount is first floored, then the units still owed go one each to the
rows with the largest remainders; equal remainders are broken by row position,
lowest first. Rows are always ordered by meter id (the caller sorts), so the
tie-break is "by meter id". The rule is exact (sums are preserved to the Wh)
and deterministic.

All functions work column-wise on ``[k, H]`` int64 arrays (``k`` consumers,
``H`` hours), with no Python loop over consumers or hours.

Precondition common to all: values are ``>= 0`` and below ``2**31`` (2.1 GWh in
an hour per meter), so that the products ``L * G`` fit in int64.
"""

from __future__ import annotations

import numpy as np

from ledger.rounding import Int64Array, largest_remainder
from ledger.rounding import check_weights as _check_weights

__all__ = [
    "MAX_WH_PER_HOUR",
    "SHARE_SCALE",
    "Int64Array",
    "largest_remainder",
    "pro_rata",
    "priority_cascade",
    "static_shares",
]

#: Largest reading accepted for one interval (exclusive), so products fit int64.
MAX_WH_PER_HOUR = 2**31

#: Static shares are integers in parts per million of a generator's output.
SHARE_SCALE = 1_000_000


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
