"""Hourly green-power attribution: the pure, vectorised engine.

For one park-local calendar month (its clock hours, ``MonthInputs.time_zone``)
and a set of consumer meters, split
every meter-hour of consumption ``C[m, h]`` into

    direct[m, h] + contracted[m, h] + certificate[m, h] + grid[m, h] == C[m, h]

in integer Wh, in the order of DESIGN.md section 4:

1. **direct** -- each generator of a direct-supply link gives its hour's
   generation to the link's consumers by the link's allocation key
   (:mod:`ledger.attribution.allocation`), never more than they still need; links are taken
   in link-id order, a link's generators in generator-id order. What a
   generator does not give is available to step 2, then surplus.
2. **contracted** -- for each trade (contract-id order) and hour, in time
   order, the sellers' remaining generation, up to the month's remaining
   contracted volume, covers the buyers' remaining need pro rata. The delivery
   is drawn from the sellers pro rata to what each has left.
3. **certificate** -- each GEC retirement attributed in the month (its
   consumption month; retirement-id order) is split over its meters in whole
   units (a unit covers at most one meter-month), pro rata to what each meter
   could use; in a meter a unit of generator ``g`` produced in this month
   first makes the meter's direct energy from ``g`` *claimable*, then its
   contracted energy from ``g``, and only the rest covers remaining
   consumption, spread over the meter's hours pro rata to what each hour still
   needs. Units of an earlier production month only cover. Volume left over is
   reported as unused, never carried to another month.
4. **grid** -- whatever remains.

Claims (DESIGN.md section 4, the claims law): every claimable Wh is backed by
one retired GEC unit (or part of one) retired for that meter and month, and a
unit backs at most one meter-month. Direct and contracted energy are
physical (delivered, matched hour by hour); they are claims only to the
extent that GEC of the same generator and month were retired for that
consumer (``claimable_direct_by_generator``,
``claimable_contracted_by_generator``). A trade's bundled GEC transferred away
take the claim with them: the contracted energy stays matched, not claimable.

Rounding: every split uses the largest-remainder rule of
:func:`ledger.attribution.allocation.largest_remainder`; ties go to the lower meter id
(lower hour, for the spreading of certificates over hours).

Missing readings are explicit: ``MonthInputs.consumption_missing`` and
``generation_missing`` are boolean masks. With ``on_missing="raise"`` (the
default) any missing value raises :class:`AttributionGap`
(``attribution.missing_readings``), naming meters and hours. With
``on_missing="gap"`` a missing consumption hour is attributed nothing and is
flagged in ``MonthResult.gap``; a missing generation hour gives nothing and is
flagged in ``MonthResult.generation_gap``. Never a silent zero.

Precondition for all readings: ``0 <= value < 2**31`` Wh per hour.

The pieces around the algorithm live beside it: the input types in
:mod:`ledger.attribution.records`, :class:`MonthResult` in
:mod:`ledger.attribution.result`, the checks of every result in
:mod:`ledger.attribution.invariants`, the canonical table and hashes in
:mod:`ledger.attribution.encoding`, and months in :mod:`ledger.energy.periods`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ledger.attribution.allocation import (
    Int64Array,
    largest_remainder,
    priority_cascade,
    pro_rata,
    static_shares,
)
from ledger.attribution.encoding import period_hash, result_hash
from ledger.attribution.invariants import check_invariants
from ledger.attribution.records import (
    BoolArray,
    MonthInputs,
    positions,
    violation,
)
from ledger.attribution.result import METHOD_VERSION, CertificateUse, MonthResult
from ledger.energy.periods import hour_label
from ledger.energy.units import WH_PER_GEC
from ledger.errors import RuleViolation

__all__ = [
    "AttributionGap",
    "OnMissing",
    "PeriodRun",
    "attribute_month",
    "attribute_period",
]

OnMissing = Literal["raise", "gap"]

_MAX_LISTED = 24  # hours named in an error message before "..."


class AttributionGap(RuleViolation):
    """Readings are missing for some meter-hours and gaps were not allowed."""

    code = "attribution.missing_readings"


def _gap_error(inputs: MonthInputs, mask: BoolArray, ids: Sequence[str], what: str) -> AttributionGap:
    rows, hours = np.nonzero(mask)
    first = ids[int(rows[0])]
    first_hours = [
        hour_label(inputs.month, int(h), inputs.time_zone) for h in hours[rows == rows[0]][:_MAX_LISTED]
    ]
    meters = sorted({ids[int(r)] for r in np.unique(rows)})
    return AttributionGap(
        f"{what} readings missing for {len(rows)} meter-hours of {inputs.month}; first: meter "
        f"{first} at {', '.join(first_hours)}{' ...' if (rows == rows[0]).sum() > _MAX_LISTED else ''}",
        meters=meters,
        meter=first,
        hours=first_hours,
        count=int(len(rows)),
    )


def _split_units(demand: Int64Array, units: int) -> Int64Array:
    """Whole GEC units per meter: pro rata to the units each meter could use."""
    caps = -(-demand // WH_PER_GEC)  # ceil
    total = min(units, int(caps.sum()))
    return largest_remainder(caps[:, None], np.array([total], dtype=np.int64))[:, 0]


def attribute_month(inputs: MonthInputs, *, on_missing: OnMissing = "raise") -> MonthResult:
    """Attribute one month (see the module docstring for the rules).

    Preconditions: ``inputs`` is a checked :class:`MonthInputs`. With
    ``on_missing="raise"`` any missing reading raises :class:`AttributionGap`.
    The result is checked with :func:`check_invariants` before it is returned.
    """
    n_m, n_h = inputs.consumption.shape
    n_g = len(inputs.generator_ids)
    c_gap = (
        np.zeros((n_m, n_h), dtype=np.bool_)
        if inputs.consumption_missing is None
        else inputs.consumption_missing.copy()
    )
    g_gap = (
        np.zeros((n_g, n_h), dtype=np.bool_)
        if inputs.generation_missing is None
        else inputs.generation_missing.copy()
    )
    if on_missing == "raise":
        if c_gap.any():
            raise _gap_error(inputs, c_gap, inputs.consumer_ids, "consumption")
        if g_gap.any():
            raise _gap_error(inputs, g_gap, inputs.generator_ids, "generation")
    elif on_missing != "gap":
        raise ValueError(f"on_missing must be 'raise' or 'gap', not {on_missing!r}")
    consumption = np.where(c_gap, 0, inputs.consumption)
    generation = np.where(g_gap, 0, inputs.generation)
    m_index, g_index = positions(inputs.consumer_ids), positions(inputs.generator_ids)

    remaining = consumption.copy()
    gen_left = generation.copy()
    direct = np.zeros_like(remaining)
    contracted = np.zeros_like(remaining)
    certificate = np.zeros_like(remaining)
    gen_direct = np.zeros_like(gen_left)
    gen_contracted = np.zeros_like(gen_left)
    direct_mg = np.zeros((n_m, n_g), dtype=np.int64)
    contracted_mg = np.zeros((n_m, n_g), dtype=np.int64)
    claim_mg = np.zeros((n_m, n_g), dtype=np.int64)
    claim_c_mg = np.zeros((n_m, n_g), dtype=np.int64)

    # 1. Direct supply: link by link, generator by generator.
    for link in inputs.links:
        lo, hi = link.hour_range(inputs.month, inputs.time_zone)
        if lo == hi:
            continue
        rows = np.array([m_index[m] for m in link.consumer_ids], dtype=np.intp)
        shares = None if link.shares is None else np.array(link.shares, dtype=np.int64)
        for g in link.generator_ids:
            gi = g_index[g]
            need = remaining[rows, lo:hi]
            supply = gen_left[gi, lo:hi]
            if link.key == "pro_rata":
                given = pro_rata(need, supply)
            elif link.key == "static_shares":
                assert shares is not None
                given = static_shares(need, supply, shares)
            else:
                given = priority_cascade(need, supply)
            per_hour = given.sum(axis=0)
            remaining[rows, lo:hi] -= given
            direct[rows, lo:hi] += given
            direct_mg[rows, gi] += given.sum(axis=1)
            gen_direct[gi, lo:hi] += per_hour
            gen_left[gi, lo:hi] -= per_hour

    # 650号 grid export of each link: what its grid_export meters measured (-1: not measured).
    assert inputs.export is not None  # MonthInputs sets it
    e_index = positions(inputs.export_ids)
    e_missing = (
        np.zeros(inputs.export.shape, dtype=np.bool_)
        if inputs.export_missing is None
        else inputs.export_missing
    )
    exported = np.where(e_missing, 0, inputs.export)
    link_export = np.full(len(inputs.links), -1, dtype=np.int64)
    link_export_gaps = np.zeros(len(inputs.links), dtype=np.int64)
    for i, link in enumerate(inputs.links):
        if link.export_ids:
            lo, hi = link.hour_range(inputs.month, inputs.time_zone)
            eis = [e_index[e] for e in link.export_ids]
            link_export[i] = int(exported[eis, lo:hi].sum())
            link_export_gaps[i] = int(e_missing[eis, lo:hi].sum())

    # 2. Trades: hourly, in time order, up to the month's contracted volume.
    delivered = np.zeros(len(inputs.trades), dtype=np.int64)
    for t, trade in enumerate(inputs.trades):
        rows = np.array([m_index[m] for m in trade.buyer_meter_ids], dtype=np.intp)
        gis = np.array([g_index[g] for g in trade.seller_generator_ids], dtype=np.intp)
        need = remaining[rows]
        avail = gen_left[gis]
        possible = np.minimum(avail.sum(axis=0), need.sum(axis=0))
        before = np.cumsum(possible) - possible
        hourly = np.clip(trade.volume_wh - before, 0, possible)
        to_meter = largest_remainder(need, hourly)
        from_gen = largest_remainder(avail, hourly)
        if len(gis) == 1:
            contracted_mg[rows, gis[0]] += to_meter.sum(axis=1)
        else:
            residual = to_meter.copy()
            for j, gi in enumerate(gis):
                part = largest_remainder(residual, from_gen[j])
                residual -= part
                contracted_mg[rows, gi] += part.sum(axis=1)
        remaining[rows] -= to_meter
        contracted[rows] += to_meter
        gen_contracted[gis] += from_gen
        gen_left[gis] -= from_gen
        delivered[t] = int(hourly.sum())
    volumes = np.array([t.volume_wh for t in inputs.trades], dtype=np.int64)

    # 3. Certificates: whole units per meter; claim direct, then contracted, then cover.
    unused = np.zeros(len(inputs.retirements), dtype=np.int64)
    uses: list[CertificateUse] = []
    for r, ret in enumerate(inputs.retirements):
        rows = np.array([m_index[m] for m in ret.meter_ids], dtype=np.intp)
        # only units of the same generator and production month back its physical energy
        gi = g_index.get(ret.generator_id, -1) if ret.vintage == inputs.month else -1
        no_claim = np.zeros(len(rows), dtype=np.int64)
        unclaimed_d = direct_mg[rows, gi] - claim_mg[rows, gi] if gi >= 0 else no_claim
        unclaimed_c = contracted_mg[rows, gi] - claim_c_mg[rows, gi] if gi >= 0 else no_claim
        left = remaining[rows]
        need3 = left.sum(axis=1)
        units = _split_units(unclaimed_d + unclaimed_c + need3, ret.units)
        budget = units * WH_PER_GEC
        claimed_d = np.minimum(budget, unclaimed_d)
        claimed_c = np.minimum(budget - claimed_d, unclaimed_c)
        covered = np.minimum(budget - claimed_d - claimed_c, need3)
        if gi >= 0:
            claim_mg[rows, gi] += claimed_d
            claim_c_mg[rows, gi] += claimed_c
        spread = largest_remainder(np.ascontiguousarray(left.T), covered).T
        remaining[rows] -= spread
        certificate[rows] += spread
        unused[r] = ret.wh - int(claimed_d.sum()) - int(claimed_c.sum()) - int(covered.sum())
        uses.extend(
            CertificateUse(
                ret.retirement_id,
                ret.meter_ids[i],
                int(units[i]),
                int(claimed_d[i]),
                int(claimed_c[i]),
                int(covered[i]),
            )
            for i in range(len(rows))
            if units[i]
        )

    result = MonthResult(
        month=inputs.month,
        consumer_ids=inputs.consumer_ids,
        generator_ids=inputs.generator_ids,
        technologies=inputs.technologies,
        consumption=consumption,
        direct=direct,
        contracted=contracted,
        certificate=certificate,
        grid=remaining,
        gap=c_gap,
        generation=generation,
        generator_direct=gen_direct,
        generator_contracted=gen_contracted,
        generation_gap=g_gap,
        direct_by_generator=direct_mg,
        contracted_by_generator=contracted_mg,
        claimable_direct_by_generator=claim_mg,
        claimable_contracted_by_generator=claim_c_mg,
        trade_ids=tuple(t.contract_id for t in inputs.trades),
        trade_delivered_wh=delivered,
        trade_unused_wh=volumes - delivered,
        retirement_ids=tuple(r.retirement_id for r in inputs.retirements),
        retirement_unused_wh=unused,
        certificate_uses=tuple(uses),
        link_ids=tuple(link.link_id for link in inputs.links),
        link_export_wh=link_export,
        link_export_gap_hours=link_export_gaps,
        time_zone=inputs.time_zone,
    )
    for name in (
        "consumption",
        "direct",
        "contracted",
        "certificate",
        "grid",
        "gap",
        "generation",
        "generator_direct",
        "generator_contracted",
        "generation_gap",
        "direct_by_generator",
        "contracted_by_generator",
        "claimable_direct_by_generator",
        "claimable_contracted_by_generator",
        "trade_delivered_wh",
        "trade_unused_wh",
        "retirement_unused_wh",
        "link_export_wh",
        "link_export_gap_hours",
    ):
        getattr(result, name).setflags(write=False)
    check_invariants(inputs, result)
    return result


@dataclass(frozen=True)
class PeriodRun:
    """A multi-month run: month hashes in order and the period hash."""

    months: tuple[str, ...]
    month_hashes: tuple[str, ...]
    sha256: str
    method: str = METHOD_VERSION


def attribute_period(
    months: Iterable[str],
    load: Callable[[str], MonthInputs],
    *,
    on_missing: OnMissing = "raise",
    sink: Callable[[MonthInputs, MonthResult], None] | None = None,
) -> PeriodRun:
    """Attribute month by month, holding one month in memory at a time.

    Preconditions: ``months`` in increasing order without repeats; ``load(m)``
    returns the :class:`MonthInputs` of month ``m``. ``sink``, if given, gets
    each month's inputs and result (to store the table or accumulate
    indicators) before the next month is loaded.
    """
    done: list[tuple[str, str]] = []
    for month in months:
        if done and month <= done[-1][0]:
            raise violation("bad_period", f"month {month} after {done[-1][0]}")
        inputs = load(month)
        if inputs.month != month:
            raise violation("period_mismatch", f"loader returned {inputs.month} for {month}")
        result = attribute_month(inputs, on_missing=on_missing)
        done.append((month, result_hash(result)))
        if sink is not None:
            sink(inputs, result)
        del inputs, result
    return PeriodRun(
        months=tuple(m for m, _ in done),
        month_hashes=tuple(h for _, h in done),
        sha256=period_hash(done),
    )
