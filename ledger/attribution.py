"""Hourly green-power attribution: the pure, vectorised engine.

For one calendar month (UTC clock hours) and a set of consumer meters, split
every meter-hour of consumption ``C[m, h]`` into

    direct[m, h] + contracted[m, h] + certificate[m, h] + grid[m, h] == C[m, h]

in integer Wh, in the order of DESIGN.md section 4:

1. **direct** -- each generator of a direct-supply link gives its hour's
   generation to the link's consumers by the link's allocation key
   (:mod:`ledger.allocation`), never more than they still need; links are taken
   in link-id order, a link's generators in generator-id order. What a
   generator does not give is available to step 2, then surplus.
2. **contracted** -- for each trade (contract-id order) and hour, in time
   order, the sellers' remaining generation, up to the month's remaining
   contracted volume, covers the buyers' remaining need pro rata. The delivery
   is drawn from the sellers pro rata to what each has left.
3. **certificate** -- each GEC retirement (retirement-id order) is split over
   its meters in whole units (a unit covers at most one meter-month), pro rata
   to what each meter could use; in a meter a unit first makes the meter's
   direct energy from the GEC's own generator *claimable*, and only the rest
   covers remaining consumption, spread over the meter's hours pro rata to what
   each hour still needs. Volume left over is reported as unused, never
   carried to another month.
4. **grid** -- whatever remains.

Claims: contracted and certificate energy are green claims (trades bundle
their GEC); direct energy is physical, and it is a claim only to the extent
that GEC of the same generator and month were retired for that consumer
(``claimable_direct_by_generator``).

Rounding: every split uses the largest-remainder rule of
:func:`ledger.allocation.largest_remainder`; ties go to the lower meter id
(lower hour, for the spreading of certificates over hours).

Missing readings are explicit: ``MonthInputs.consumption_missing`` and
``generation_missing`` are boolean masks. With ``on_missing="raise"`` (the
default) any missing value raises :class:`AttributionGap`
(``attribution.missing_readings``), naming meters and hours. With
``on_missing="gap"`` a missing consumption hour is attributed nothing and is
flagged in ``MonthResult.gap``; a missing generation hour gives nothing and is
flagged in ``MonthResult.generation_gap``. Never a silent zero.

Precondition for all readings: ``0 <= value < 2**31`` Wh per hour.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd
import rfc8785
from numpy.typing import NDArray

from ledger.allocation import (
    MAX_WH_PER_HOUR,
    SHARE_SCALE,
    Int64Array,
    largest_remainder,
    priority_cascade,
    pro_rata,
    static_shares,
)
from ledger.errors import IntegrityFailure, RuleViolation

__all__ = [
    "HASH_FORMAT",
    "METHOD_VERSION",
    "TABLE_COLUMNS",
    "WH_PER_GEC",
    "AttributionGap",
    "CertificateUse",
    "DirectLink",
    "MonthInputs",
    "MonthResult",
    "PeriodRun",
    "Retirement",
    "Trade",
    "attribute_month",
    "attribute_period",
    "canonical_header",
    "check_invariants",
    "month_hours",
    "month_start",
    "months_between",
    "period_hash",
    "result_hash",
    "result_table",
]

BoolArray = NDArray[np.bool_]
AllocationKey = Literal["pro_rata", "static_shares", "priority"]
OnMissing = Literal["raise", "gap"]

#: Version of the attribution rules; recorded by ``attribution.run`` entries.
METHOD_VERSION = "tanji.attribution/1"
#: Version of the canonical byte encoding hashed by :func:`result_hash`.
HASH_FORMAT = "tanji.attribution.result/1"
#: One GEC is 1 MWh.
WH_PER_GEC = 1_000_000

_HOUR = timedelta(hours=1)
_MAX_LISTED = 24  # hours named in an error message before "..."


class AttributionGap(RuleViolation):
    """Readings are missing for some meter-hours and gaps were not allowed."""

    code = "attribution.missing_readings"


def _violation(code: str, message: str, **details: object) -> RuleViolation:
    return RuleViolation(message, code=f"attribution.{code}", **details)


# --------------------------------------------------------------------------- time


def _parse_month(month: str) -> tuple[int, int]:
    try:
        year_s, mon_s = month.split("-")
        year, mon = int(year_s), int(mon_s)
    except ValueError:
        raise _violation("bad_month", f"month {month!r} is not YYYY-MM", month=month) from None
    if len(year_s) != 4 or len(mon_s) != 2 or not 1 <= mon <= 12:
        raise _violation("bad_month", f"month {month!r} is not YYYY-MM", month=month)
    return year, mon


def month_start(month: str) -> datetime:
    """The first instant (UTC) of ``month`` (``"YYYY-MM"``)."""
    year, mon = _parse_month(month)
    return datetime(year, mon, 1, tzinfo=UTC)


def month_hours(month: str) -> int:
    """Number of UTC clock hours in ``month`` (``"YYYY-MM"``)."""
    year, mon = _parse_month(month)
    return calendar.monthrange(year, mon)[1] * 24


def months_between(first: str, last: str) -> tuple[str, ...]:
    """Months ``first..last`` inclusive, e.g. ``("2025-01", ..., "2025-12")``."""
    y0, m0 = _parse_month(first)
    y1, m1 = _parse_month(last)
    start, end = y0 * 12 + m0 - 1, y1 * 12 + m1 - 1
    if end < start:
        raise _violation("bad_period", f"period {first}..{last} ends before it starts")
    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(start, end + 1))


def _hour_label(month: str, hour: int) -> str:
    return (month_start(month) + hour * _HOUR).strftime("%Y-%m-%dT%H:%MZ")


# ------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class DirectLink:
    """A 绿电直连 project as seen by attribution.

    ``key`` is ``"pro_rata"`` (default), ``"static_shares"`` (``shares`` in
    parts per million, aligned with ``consumer_ids``, summing to ``<= 10**6``)
    or ``"priority"`` (``consumer_ids`` in priority order, first served
    first). With several generators the key is applied to each generator's
    hour in turn (generator-id order), against what consumers still need; for
    pro rata and priority this equals applying it to the pooled output. Valid for the hours starting in ``[valid_from, valid_to)``; ``None``
    means unbounded. For keys other than priority the consumers are stored
    sorted by id, so the order given does not matter.
    """

    link_id: str
    generator_ids: tuple[str, ...]
    consumer_ids: tuple[str, ...]
    key: AllocationKey = "pro_rata"
    shares: tuple[int, ...] | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def __post_init__(self) -> None:
        if self.key not in ("pro_rata", "static_shares", "priority"):
            raise _violation("bad_link", f"link {self.link_id}: unknown key {self.key!r}")
        if len(set(self.consumer_ids)) != len(self.consumer_ids):
            raise _violation("bad_link", f"link {self.link_id}: a consumer is listed twice")
        if len(set(self.generator_ids)) != len(self.generator_ids):
            raise _violation("bad_link", f"link {self.link_id}: a generator is listed twice")
        for bound in (self.valid_from, self.valid_to):
            if bound is not None and bound.tzinfo is None:
                raise _violation("bad_link", f"link {self.link_id}: naive datetime {bound}")
        object.__setattr__(self, "generator_ids", tuple(sorted(self.generator_ids)))
        if self.key == "static_shares":
            if self.shares is None or len(self.shares) != len(self.consumer_ids):
                raise _violation(
                    "bad_link", f"link {self.link_id}: static_shares needs one share per consumer"
                )
            if min(self.shares, default=0) < 0 or sum(self.shares) > SHARE_SCALE:
                raise _violation(
                    "bad_link",
                    f"link {self.link_id}: shares {self.shares} must be >= 0 and sum "
                    f"to <= {SHARE_SCALE}",
                )
            pairs = sorted(zip(self.consumer_ids, self.shares, strict=True))
            object.__setattr__(self, "consumer_ids", tuple(p[0] for p in pairs))
            object.__setattr__(self, "shares", tuple(p[1] for p in pairs))
        elif self.shares is not None:
            raise _violation("bad_link", f"link {self.link_id}: shares given for key {self.key}")
        elif self.key == "pro_rata":
            object.__setattr__(self, "consumer_ids", tuple(sorted(self.consumer_ids)))

    def hour_range(self, month: str) -> tuple[int, int]:
        """Half-open range of hour indexes of ``month`` in which the link is valid."""
        start, n = month_start(month), month_hours(month)

        def index(bound: datetime | None, default: int) -> int:
            if bound is None:
                return default
            hours = (bound - start) / _HOUR
            return min(max(int(np.ceil(hours)), 0), n)

        lo, hi = index(self.valid_from, 0), index(self.valid_to, n)
        return lo, max(lo, hi)


@dataclass(frozen=True)
class Trade:
    """One month of a 绿电交易 contract: ``volume_wh`` available in ``month``."""

    contract_id: str
    seller_generator_ids: tuple[str, ...]
    buyer_meter_ids: tuple[str, ...]
    month: str
    volume_wh: int

    def __post_init__(self) -> None:
        if not 0 <= self.volume_wh < 2**62:
            raise _violation(
                "bad_trade", f"trade {self.contract_id}: volume {self.volume_wh} out of range"
            )
        if not self.seller_generator_ids or not self.buyer_meter_ids:
            raise _violation("bad_trade", f"trade {self.contract_id}: no seller or no buyer")
        for ids in (self.seller_generator_ids, self.buyer_meter_ids):
            if len(set(ids)) != len(ids):
                raise _violation("bad_trade", f"trade {self.contract_id}: duplicate id")
        object.__setattr__(self, "seller_generator_ids", tuple(sorted(self.seller_generator_ids)))
        object.__setattr__(self, "buyer_meter_ids", tuple(sorted(self.buyer_meter_ids)))


@dataclass(frozen=True)
class Retirement:
    """A GEC retirement: ``units`` MWh of ``generator_id``'s ``vintage`` month,
    retired for ``beneficiary`` and its consumer meters ``meter_ids``.

    ``bundled_with_trade`` names the trade whose bundled GEC these are: such a
    retirement backs that trade's contracted energy and is not used again in
    step 3 (reported with zero use and zero unused).
    """

    retirement_id: str
    units: int
    beneficiary: str
    meter_ids: tuple[str, ...]
    vintage: str
    generator_id: str
    technology: str
    bundled_with_trade: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.units < 2**40:
            raise _violation(
                "bad_retirement",
                f"retirement {self.retirement_id}: units {self.units} out of range",
            )
        if not self.meter_ids or len(set(self.meter_ids)) != len(self.meter_ids):
            raise _violation(
                "bad_retirement", f"retirement {self.retirement_id}: empty or duplicate meters"
            )
        object.__setattr__(self, "meter_ids", tuple(sorted(self.meter_ids)))

    @property
    def wh(self) -> int:
        """Energy of the retired units in Wh (units x 1,000,000)."""
        return self.units * WH_PER_GEC


def _frozen(array: NDArray[np.generic]) -> NDArray[np.generic]:
    out = np.array(array, copy=True, order="C")
    out.setflags(write=False)
    return out


def _index(ids: Sequence[str]) -> dict[str, int]:
    return {name: i for i, name in enumerate(ids)}


@dataclass(frozen=True, eq=False)
class MonthInputs:
    """Everything attribution reads for one month, as plain arrays and values.

    Build through :meth:`build` (which sorts everything into canonical order);
    the constructor checks the invariants and raises :class:`RuleViolation`
    with an ``attribution.*`` code naming the offending value:

    - ``consumer_ids`` / ``generator_ids`` sorted and unique; ``consumption``
      is int64 ``[len(consumer_ids), month_hours(month)]``, ``generation``
      likewise for generators; ``technologies`` one per generator;
    - every value ``0 <= v < 2**31``; the optional ``*_missing`` masks are bool
      arrays of the same shapes (values under a ``True`` are ignored);
    - links, trades and retirements name only known meters and generators
      (``attribution.unknown_meter`` / ``attribution.unknown_generator``), are
      sorted by id with unique ids; no generator is in two links valid in the
      same hour; trades are for ``month``; retirements have vintage ``month``;
    - if ``meter_owners`` is given, every retirement's meters are owned by its
      beneficiary (``attribution.meter_not_owned``).
    """

    month: str
    consumer_ids: tuple[str, ...]
    consumption: Int64Array
    generator_ids: tuple[str, ...]
    technologies: tuple[str, ...]
    generation: Int64Array
    links: tuple[DirectLink, ...] = ()
    trades: tuple[Trade, ...] = ()
    retirements: tuple[Retirement, ...] = ()
    consumption_missing: BoolArray | None = None
    generation_missing: BoolArray | None = None
    meter_owners: Mapping[str, str] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        month: str,
        consumer_ids: Sequence[str],
        consumption: NDArray[np.integer],
        generator_ids: Sequence[str],
        technologies: Sequence[str],
        generation: NDArray[np.integer],
        links: Iterable[DirectLink] = (),
        trades: Iterable[Trade] = (),
        retirements: Iterable[Retirement] = (),
        consumption_missing: NDArray[np.bool_] | None = None,
        generation_missing: NDArray[np.bool_] | None = None,
        meter_owners: Mapping[str, str] | None = None,
    ) -> MonthInputs:
        """Sort rows by meter id and records by id, copy, freeze and check.

        Input order does not matter: permuted inputs give equal results.
        """
        c_order = np.argsort(np.asarray(consumer_ids, dtype=object), kind="stable")
        g_order = np.argsort(np.asarray(generator_ids, dtype=object), kind="stable")
        cons = np.asarray(consumption)
        gen = np.asarray(generation)
        if cons.ndim != 2 or gen.ndim != 2:
            raise _violation("bad_shape", "consumption and generation must be 2-D [meter, hour]")
        return cls(
            month=month,
            consumer_ids=tuple(consumer_ids[i] for i in c_order),
            consumption=cons[c_order].astype(np.int64),
            generator_ids=tuple(generator_ids[i] for i in g_order),
            technologies=tuple(technologies[i] for i in g_order),
            generation=gen[g_order].astype(np.int64),
            links=tuple(sorted(links, key=lambda x: x.link_id)),
            trades=tuple(sorted(trades, key=lambda x: x.contract_id)),
            retirements=tuple(sorted(retirements, key=lambda x: x.retirement_id)),
            consumption_missing=(
                None if consumption_missing is None else np.asarray(consumption_missing)[c_order]
            ),
            generation_missing=(
                None if generation_missing is None else np.asarray(generation_missing)[g_order]
            ),
            meter_owners=None if meter_owners is None else dict(meter_owners),
        )

    @property
    def n_hours(self) -> int:
        return month_hours(self.month)

    def __post_init__(self) -> None:
        n = month_hours(self.month)
        for name, ids in (
            ("consumer_ids", self.consumer_ids),
            ("generator_ids", self.generator_ids),
        ):
            if list(ids) != sorted(set(ids)):
                raise _violation("bad_input", f"{name} must be sorted and unique", ids=list(ids))
        if len(self.technologies) != len(self.generator_ids):
            raise _violation("bad_input", "one technology per generator is required")
        for name, arr, rows in (
            ("consumption", self.consumption, len(self.consumer_ids)),
            ("generation", self.generation, len(self.generator_ids)),
        ):
            if arr.dtype != np.int64 or arr.shape != (rows, n):
                raise _violation(
                    "bad_shape",
                    f"{name} must be int64 [{rows}, {n}] for {self.month}, "
                    f"got {arr.dtype} {arr.shape}",
                )
            if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= MAX_WH_PER_HOUR):
                raise _violation(
                    "value_out_of_range",
                    f"{name} values must be in [0, 2**31), got [{int(arr.min())}, {int(arr.max())}]",
                )
            object.__setattr__(self, name, _frozen(arr))
        for name, mask, shape in (
            ("consumption_missing", self.consumption_missing, self.consumption.shape),
            ("generation_missing", self.generation_missing, self.generation.shape),
        ):
            if mask is not None:
                if mask.dtype != np.bool_ or mask.shape != shape:
                    raise _violation("bad_shape", f"{name} must be bool {shape}")
                object.__setattr__(self, name, _frozen(mask))
        self._check_records()

    def _check_records(self) -> None:
        meters, gens = set(self.consumer_ids), set(self.generator_ids)

        def known(kind: str, ids: Iterable[str], pool: set[str], where: str) -> None:
            unknown = sorted(set(ids) - pool)
            if unknown:
                raise _violation(
                    f"unknown_{kind}",
                    f"{where} names unknown {kind} {', '.join(unknown)}",
                    ids=unknown,
                )

        for kind, recs in (
            ("link", [x.link_id for x in self.links]),
            ("trade", [x.contract_id for x in self.trades]),
            ("retirement", [x.retirement_id for x in self.retirements]),
        ):
            if recs != sorted(set(recs)):
                raise _violation("bad_input", f"{kind} ids must be sorted and unique", ids=recs)
        used: dict[str, list[tuple[int, int, str]]] = {}
        for link in self.links:
            known("meter", link.consumer_ids, meters, f"link {link.link_id}")
            known("generator", link.generator_ids, gens, f"link {link.link_id}")
            lo, hi = link.hour_range(self.month)
            for g in link.generator_ids:
                for lo2, hi2, other in used.get(g, []):
                    if lo < hi2 and lo2 < hi:
                        raise _violation(
                            "generator_in_two_links",
                            f"generator {g} is in links {other} and {link.link_id} "
                            f"in overlapping hours of {self.month}",
                            generator=g,
                        )
                used.setdefault(g, []).append((lo, hi, link.link_id))
        for trade in self.trades:
            known("meter", trade.buyer_meter_ids, meters, f"trade {trade.contract_id}")
            known("generator", trade.seller_generator_ids, gens, f"trade {trade.contract_id}")
            if trade.month != self.month:
                raise _violation(
                    "period_mismatch",
                    f"trade {trade.contract_id} is for {trade.month}, not {self.month}",
                )
        for ret in self.retirements:
            known("meter", ret.meter_ids, meters, f"retirement {ret.retirement_id}")
            if ret.vintage != self.month:
                raise _violation(
                    "period_mismatch",
                    f"retirement {ret.retirement_id} has vintage {ret.vintage}, not {self.month}",
                )
            if self.meter_owners is not None:
                foreign = sorted(
                    m for m in ret.meter_ids if self.meter_owners.get(m) != ret.beneficiary
                )
                if foreign:
                    raise _violation(
                        "meter_not_owned",
                        f"retirement {ret.retirement_id}: beneficiary {ret.beneficiary} does "
                        f"not own meter {', '.join(foreign)}",
                        meters=foreign,
                    )


# ------------------------------------------------------------------------- result


@dataclass(frozen=True)
class CertificateUse:
    """What one retirement did for one of its meters (whole ``units``)."""

    retirement_id: str
    meter_id: str
    units: int
    claimed_direct_wh: int
    covered_wh: int


@dataclass(frozen=True, eq=False)
class MonthResult:
    """The attribution of one month. Arrays are read-only.

    ``[m, h]`` arrays follow ``consumer_ids``; ``[g, h]`` follow
    ``generator_ids``; ``[m, g]`` are month totals per meter and generator.
    ``consumption`` is the input with missing hours set to 0 (see ``gap``).
    """

    month: str
    consumer_ids: tuple[str, ...]
    generator_ids: tuple[str, ...]
    technologies: tuple[str, ...]
    consumption: Int64Array
    direct: Int64Array
    contracted: Int64Array
    certificate: Int64Array
    grid: Int64Array
    gap: BoolArray
    generation: Int64Array
    generator_direct: Int64Array
    generator_contracted: Int64Array
    generation_gap: BoolArray
    direct_by_generator: Int64Array
    contracted_by_generator: Int64Array
    claimable_direct_by_generator: Int64Array
    trade_ids: tuple[str, ...]
    trade_delivered_wh: Int64Array
    trade_unused_wh: Int64Array
    retirement_ids: tuple[str, ...]
    retirement_unused_wh: Int64Array
    certificate_uses: tuple[CertificateUse, ...]

    @property
    def surplus(self) -> Int64Array:
        """Generation neither supplied directly nor sold by trade, ``[g, h]``."""
        return self.generation - self.generator_direct - self.generator_contracted

    @property
    def claimable_direct(self) -> Int64Array:
        """Direct energy per meter that is also a green claim, ``[m]``."""
        return self.claimable_direct_by_generator.sum(axis=1)


def _gap_error(
    inputs: MonthInputs, mask: BoolArray, ids: Sequence[str], what: str
) -> AttributionGap:
    rows, hours = np.nonzero(mask)
    first = ids[int(rows[0])]
    first_hours = [_hour_label(inputs.month, int(h)) for h in hours[rows == rows[0]][:_MAX_LISTED]]
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
    m_index, g_index = _index(inputs.consumer_ids), _index(inputs.generator_ids)

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

    # 1. Direct supply: link by link, generator by generator.
    for link in inputs.links:
        lo, hi = link.hour_range(inputs.month)
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

    # 3. Certificates: whole units per meter; claim direct first, then cover.
    unused = np.zeros(len(inputs.retirements), dtype=np.int64)
    uses: list[CertificateUse] = []
    for r, ret in enumerate(inputs.retirements):
        if ret.bundled_with_trade is not None:
            continue
        rows = np.array([m_index[m] for m in ret.meter_ids], dtype=np.intp)
        gi = g_index.get(ret.generator_id, -1)
        unclaimed = (
            direct_mg[rows, gi] - claim_mg[rows, gi]
            if gi >= 0
            else np.zeros(len(rows), dtype=np.int64)
        )
        left = remaining[rows]
        need3 = left.sum(axis=1)
        units = _split_units(unclaimed + need3, ret.units)
        budget = units * WH_PER_GEC
        claimed = np.minimum(budget, unclaimed)
        covered = np.minimum(budget - claimed, need3)
        if gi >= 0:
            claim_mg[rows, gi] += claimed
        spread = largest_remainder(np.ascontiguousarray(left.T), covered).T
        remaining[rows] -= spread
        certificate[rows] += spread
        unused[r] = ret.wh - int(claimed.sum()) - int(covered.sum())
        uses.extend(
            CertificateUse(
                ret.retirement_id, ret.meter_ids[i], int(units[i]), int(claimed[i]), int(covered[i])
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
        trade_ids=tuple(t.contract_id for t in inputs.trades),
        trade_delivered_wh=delivered,
        trade_unused_wh=volumes - delivered,
        retirement_ids=tuple(r.retirement_id for r in inputs.retirements),
        retirement_unused_wh=unused,
        certificate_uses=tuple(uses),
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
        "trade_delivered_wh",
        "trade_unused_wh",
        "retirement_unused_wh",
    ):
        getattr(result, name).setflags(write=False)
    check_invariants(inputs, result)
    return result


# --------------------------------------------------------------------- invariants


def _fail(name: str, message: str, **details: object) -> IntegrityFailure:
    return IntegrityFailure(message, code="attribution.invariant", invariant=name, **details)


def check_invariants(inputs: MonthInputs, result: MonthResult) -> None:
    """Raise :class:`IntegrityFailure` (``attribution.invariant``) on any violation.

    Checks: shapes and ids match the inputs; every amount is ``>= 0``;
    ``direct + contracted + certificate + grid == consumption`` per meter-hour
    and consumption equals the input outside gaps (0 inside); no meter
    receives more than it consumed; no generator gives more than it generated
    in an hour, and what meters received per hour equals what generators gave;
    per-generator totals add up to the hourly arrays; trades deliver at most
    their volume; a certificate unit covers at most one meter-month (whole
    units per meter, at most the units retired, used Wh within the units);
    certificate and claimed Wh per meter match the uses; claimable direct
    ``<=`` physical direct of the same generator, and only where a retirement
    of that generator named the meter.
    """
    n_m, n_h = len(inputs.consumer_ids), inputs.n_hours
    n_g = len(inputs.generator_ids)
    if result.consumer_ids != inputs.consumer_ids or result.generator_ids != inputs.generator_ids:
        raise _fail("ids", "result ids differ from the inputs")
    if result.month != inputs.month:
        raise _fail("month", f"result month {result.month} != inputs month {inputs.month}")
    mh = (result.consumption, result.direct, result.contracted, result.certificate, result.grid)
    gh = (result.generation, result.generator_direct, result.generator_contracted)
    mg = (
        result.direct_by_generator,
        result.contracted_by_generator,
        result.claimable_direct_by_generator,
    )
    for arrays, shape in ((mh, (n_m, n_h)), (gh, (n_g, n_h)), (mg, (n_m, n_g))):
        for arr in arrays:
            if arr.shape != shape or arr.dtype != np.int64:
                raise _fail("shape", f"array of shape {arr.shape} {arr.dtype}, expected {shape}")
            if arr.size and int(arr.min()) < 0:
                raise _fail("non_negative", "a negative amount in the result")
    expected_c = np.where(result.gap, 0, inputs.consumption)
    if not np.array_equal(result.consumption, expected_c):
        raise _fail("consumption", "result consumption differs from the input readings")
    parts = result.direct + result.contracted + result.certificate + result.grid
    if not np.array_equal(parts, result.consumption):
        m, h = (int(x[0]) for x in np.nonzero(parts != result.consumption))
        raise _fail(
            "parts_sum",
            f"parts sum to {int(parts[m, h])} != consumption {int(result.consumption[m, h])} "
            f"for meter {inputs.consumer_ids[m]} at {_hour_label(inputs.month, h)}",
        )
    expected_g = np.where(result.generation_gap, 0, inputs.generation)
    if not np.array_equal(result.generation, expected_g):
        raise _fail("generation", "result generation differs from the input readings")
    if bool((result.surplus < 0).any()):
        g, h = (int(x[0]) for x in np.nonzero(result.surplus < 0))
        raise _fail(
            "generator_overdrawn",
            f"generator {inputs.generator_ids[g]} gave more than it generated at "
            f"{_hour_label(inputs.month, h)}",
        )
    for name, by_meter, by_gen, per_mg in (
        ("direct", result.direct, result.generator_direct, result.direct_by_generator),
        (
            "contracted",
            result.contracted,
            result.generator_contracted,
            result.contracted_by_generator,
        ),
    ):
        if not np.array_equal(by_meter.sum(axis=0), by_gen.sum(axis=0)):
            raise _fail("hourly_balance", f"{name}: received != given in some hour")
        if not np.array_equal(per_mg.sum(axis=1), by_meter.sum(axis=1)):
            raise _fail("meter_totals", f"{name}: per-generator totals != meter totals")
        if not np.array_equal(per_mg.sum(axis=0), by_gen.sum(axis=1)):
            raise _fail("generator_totals", f"{name}: per-meter totals != generator totals")
    volumes = np.array([t.volume_wh for t in inputs.trades], dtype=np.int64)
    if result.trade_ids != tuple(t.contract_id for t in inputs.trades) or not np.array_equal(
        result.trade_delivered_wh + result.trade_unused_wh, volumes
    ):
        raise _fail("trade_volume", "trade delivered + unused != contracted volume")
    if bool((result.trade_delivered_wh < 0).any() or (result.trade_unused_wh < 0).any()):
        raise _fail("trade_volume", "a trade delivered more than its volume")
    _check_certificates(inputs, result)


def _check_certificates(inputs: MonthInputs, result: MonthResult) -> None:
    m_index, g_index = _index(inputs.consumer_ids), _index(inputs.generator_ids)
    by_id = {r.retirement_id: r for r in inputs.retirements}
    if result.retirement_ids != tuple(by_id):
        raise _fail("retirements", "result retirements differ from the inputs")
    covered_m = np.zeros(len(inputs.consumer_ids), dtype=np.int64)
    claimed_mg = np.zeros_like(result.claimable_direct_by_generator)
    used = dict.fromkeys(by_id, 0)
    units = dict.fromkeys(by_id, 0)
    seen: set[tuple[str, str]] = set()
    for use in result.certificate_uses:
        ret = by_id.get(use.retirement_id)
        if ret is None or use.meter_id not in ret.meter_ids or ret.bundled_with_trade:
            raise _fail("certificate_scope", f"use {use} outside its retirement")
        if (use.retirement_id, use.meter_id) in seen:
            raise _fail("certificate_unit", f"retirement {use.retirement_id} split twice")
        seen.add((use.retirement_id, use.meter_id))
        if min(use.units, use.claimed_direct_wh, use.covered_wh) < 0 or (
            use.claimed_direct_wh + use.covered_wh > use.units * WH_PER_GEC
        ):
            raise _fail("certificate_unit", f"use {use} exceeds its whole units")
        units[use.retirement_id] += use.units
        used[use.retirement_id] += use.claimed_direct_wh + use.covered_wh
        m = m_index[use.meter_id]
        covered_m[m] += use.covered_wh
        if use.claimed_direct_wh:
            g = g_index.get(ret.generator_id)
            if g is None:
                raise _fail("claim_scope", f"use {use} claims a generator without readings")
            claimed_mg[m, g] += use.claimed_direct_wh
    for r, (rid, ret) in enumerate(by_id.items()):
        if units[rid] > ret.units:
            raise _fail(
                "certificate_unit", f"retirement {rid} used {units[rid]} > {ret.units} units"
            )
        expect = 0 if ret.bundled_with_trade else ret.wh - used[rid]
        if int(result.retirement_unused_wh[r]) != expect:
            raise _fail("certificate_unused", f"retirement {rid}: unused volume is wrong")
    if not np.array_equal(covered_m, result.certificate.sum(axis=1)):
        raise _fail("certificate_total", "certificate Wh per meter != Wh covered by retirements")
    if not np.array_equal(claimed_mg, result.claimable_direct_by_generator):
        raise _fail("claim_total", "claimable direct != Wh claimed by retirements")
    if bool((result.claimable_direct_by_generator > result.direct_by_generator).any()):
        raise _fail("claim_exceeds_physical", "claimable direct exceeds physical direct")


# -------------------------------------------------------------- table and hashing

#: ``[m, h]`` columns of the canonical table, in order.
TABLE_COLUMNS = ("consumption", "direct", "contracted", "certificate", "grid", "gap")


def result_table(result: MonthResult) -> pd.DataFrame:
    """The canonical result table: one row per meter-hour, sorted by meter id, hour.

    Columns: ``meter_id``, ``hour`` (UTC start of the hour), then the int64 Wh
    columns of :data:`TABLE_COLUMNS` (``gap`` is 1 where consumption was
    missing, else 0).
    """
    n_m, n_h = result.consumption.shape
    start = pd.Timestamp(month_start(result.month))
    hours = pd.date_range(start, periods=n_h, freq="h")
    data: dict[str, object] = {
        "meter_id": np.repeat(np.array(result.consumer_ids, dtype=object), n_h),
        "hour": np.tile(hours.to_numpy(), n_m),
    }
    for name in TABLE_COLUMNS:
        data[name] = np.asarray(getattr(result, name), dtype=np.int64).reshape(-1)
    return pd.DataFrame(data)


def _sections(result: MonthResult) -> list[tuple[str, NDArray[np.int64]]]:
    uses = result.certificate_uses
    r_index, m_index = _index(result.retirement_ids), _index(result.consumer_ids)
    use_table = np.array(
        [
            [
                r_index[u.retirement_id],
                m_index[u.meter_id],
                u.units,
                u.claimed_direct_wh,
                u.covered_wh,
            ]
            for u in uses
        ],
        dtype=np.int64,
    ).reshape(len(uses), 5)
    return [
        *((name, np.asarray(getattr(result, name), dtype=np.int64)) for name in TABLE_COLUMNS),
        ("generation", result.generation),
        ("generator_direct", result.generator_direct),
        ("generator_contracted", result.generator_contracted),
        ("generation_gap", result.generation_gap.astype(np.int64)),
        ("direct_by_generator", result.direct_by_generator),
        ("contracted_by_generator", result.contracted_by_generator),
        ("claimable_direct_by_generator", result.claimable_direct_by_generator),
        ("trade_delivered_wh", result.trade_delivered_wh),
        ("trade_unused_wh", result.trade_unused_wh),
        ("retirement_unused_wh", result.retirement_unused_wh),
        ("certificate_uses", use_table),
    ]


def canonical_header(result: MonthResult) -> bytes:
    """The RFC 8785 JSON header of the canonical encoding (see :func:`result_hash`)."""
    sections = _sections(result)
    header: dict[str, Any] = {
        "format": HASH_FORMAT,
        "method": METHOD_VERSION,
        "month": result.month,
        "start": month_start(result.month).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hours": int(result.consumption.shape[1]),
        "meters": list(result.consumer_ids),
        "generators": list(result.generator_ids),
        "technologies": list(result.technologies),
        "trades": list(result.trade_ids),
        "retirements": list(result.retirement_ids),
        "certificate_uses_columns": [
            "retirement_index",
            "meter_index",
            "units",
            "claimed_direct_wh",
            "covered_wh",
        ],
        "dtype": "int64",
        "byte_order": "little",
        "sections": [{"name": n, "shape": list(a.shape)} for n, a in sections],
    }
    return rfc8785.dumps(header)


def result_hash(result: MonthResult) -> str:
    """SHA-256 hex of the canonical byte encoding of one month's result.

    Encoding (``tanji.attribution.result/1``)::

        u64le(len(H)) || H || S_1 || S_2 || ... || S_n

    where ``H`` is the RFC 8785 (JCS) JSON header from
    :func:`canonical_header` (format, method version, month, start, hour
    count, sorted meter / generator / trade / retirement ids, and the name and
    shape of every section in order), and each ``S_i`` is that section's array
    as little-endian int64 in C (row-major) order: the ``[m, h]`` table
    columns ``consumption, direct, contracted, certificate, grid, gap``
    (meter-major, so rows are sorted by meter id then hour), then the
    generator, per-generator, trade, retirement and certificate-use arrays.
    Booleans are 0/1. Equal results give equal hashes whatever the input order.
    """
    digest = hashlib.sha256()
    header = canonical_header(result)
    digest.update(len(header).to_bytes(8, "little"))
    digest.update(header)
    for _name, array in _sections(result):
        digest.update(np.ascontiguousarray(array, dtype="<i8").data)
    return digest.hexdigest()


def period_hash(month_hashes: Sequence[tuple[str, str]]) -> str:
    """SHA-256 hex over the RFC 8785 JSON ``{"format", "method", "months":
    [{"month", "sha256"}, ...]}`` of a multi-month run (months in order)."""
    doc: dict[str, Any] = {
        "format": "tanji.attribution.period/1",
        "method": METHOD_VERSION,
        "months": [{"month": m, "sha256": h} for m, h in month_hashes],
    }
    return hashlib.sha256(rfc8785.dumps(doc)).hexdigest()


# ------------------------------------------------------------------------- driver


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
            raise _violation("bad_period", f"month {month} after {done[-1][0]}")
        inputs = load(month)
        if inputs.month != month:
            raise _violation("period_mismatch", f"loader returned {inputs.month} for {month}")
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
