"""The inputs of attribution: direct links, trades, GEC retirements and one month's readings.

A month is a park-local calendar month (``MonthInputs.time_zone``, default
Asia/Shanghai): hour ``h`` of the arrays is the ``h``-th clock hour from the
local month's first midnight (:mod:`ledger.energy.periods`).

Plain, frozen value types that :func:`ledger.attribution.engine.attribute_month`
reads. Their constructors check what can be checked in isolation (a link's
key and shares, a trade's volume, a retirement's units); :class:`MonthInputs`
checks the month as a whole and raises :class:`~ledger.errors.RuleViolation`
with an ``attribution.*`` code naming the offending value. They are built
from the database by :mod:`ledger.attribution.inputs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ledger.attribution.allocation import MAX_WH_PER_HOUR, SHARE_SCALE, Int64Array
from ledger.energy.periods import DEFAULT_TIME_ZONE, month_hours, month_start, zone
from ledger.energy.units import WH_PER_GEC
from ledger.errors import RuleViolation

__all__ = [
    "WH_PER_GEC",
    "AllocationKey",
    "BoolArray",
    "DirectLink",
    "MonthInputs",
    "Retirement",
    "Trade",
]

BoolArray = NDArray[np.bool_]
AllocationKey = Literal["pro_rata", "static_shares", "priority"]

_HOUR = timedelta(hours=1)


def violation(code: str, message: str, **details: object) -> RuleViolation:
    """A ``RuleViolation`` with code ``attribution.<code>`` (shared by the attribution modules)."""
    return RuleViolation(message, code=f"attribution.{code}", **details)


def positions(ids: Sequence[str]) -> dict[str, int]:
    """Index of each id in ``ids``: the row of a meter, generator or retirement."""
    return {name: i for i, name in enumerate(ids)}


@dataclass(frozen=True)
class DirectLink:
    """A 绿电直连 project as seen by attribution.

    ``key`` is ``"pro_rata"`` (default), ``"static_shares"`` (``shares`` in
    parts per million, aligned with ``consumer_ids``, summing to ``<= 10**6``)
    or ``"priority"`` (``consumer_ids`` in priority order, first served
    first). With several generators the key is applied to each generator's
    hour in turn (generator-id order), against what consumers still need; for
    pro rata and priority this equals applying it to the pooled output. Valid for
    the hours starting in ``[valid_from, valid_to)``; ``None``
    means unbounded. For keys other than priority the consumers are stored
    sorted by id, so the order given does not matter. ``export_ids`` are the
    link's ``grid_export`` meters (its 650号 grid export; none: not measured).
    """

    link_id: str
    generator_ids: tuple[str, ...]
    consumer_ids: tuple[str, ...]
    key: AllocationKey = "pro_rata"
    shares: tuple[int, ...] | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    export_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.key not in ("pro_rata", "static_shares", "priority"):
            raise violation("bad_link", f"link {self.link_id}: unknown key {self.key!r}")
        if len(set(self.consumer_ids)) != len(self.consumer_ids):
            raise violation("bad_link", f"link {self.link_id}: a consumer is listed twice")
        if len(set(self.generator_ids)) != len(self.generator_ids):
            raise violation("bad_link", f"link {self.link_id}: a generator is listed twice")
        for bound in (self.valid_from, self.valid_to):
            if bound is not None and bound.tzinfo is None:
                raise violation("bad_link", f"link {self.link_id}: naive datetime {bound}")
        object.__setattr__(self, "generator_ids", tuple(sorted(self.generator_ids)))
        object.__setattr__(self, "export_ids", tuple(sorted(set(self.export_ids))))
        if self.key == "static_shares":
            if self.shares is None or len(self.shares) != len(self.consumer_ids):
                raise violation(
                    "bad_link", f"link {self.link_id}: static_shares needs one share per consumer"
                )
            if min(self.shares, default=0) < 0 or sum(self.shares) > SHARE_SCALE:
                raise violation(
                    "bad_link",
                    f"link {self.link_id}: shares {self.shares} must be >= 0 and sum to <= {SHARE_SCALE}",
                )
            pairs = sorted(zip(self.consumer_ids, self.shares, strict=True))
            object.__setattr__(self, "consumer_ids", tuple(p[0] for p in pairs))
            object.__setattr__(self, "shares", tuple(p[1] for p in pairs))
        elif self.shares is not None:
            raise violation("bad_link", f"link {self.link_id}: shares given for key {self.key}")
        elif self.key == "pro_rata":
            object.__setattr__(self, "consumer_ids", tuple(sorted(self.consumer_ids)))

    def hour_range(self, month: str, tz: str = DEFAULT_TIME_ZONE) -> tuple[int, int]:
        """Half-open range of hour indexes of the local ``month`` in ``tz`` in which the link is valid."""
        start, n = month_start(month, tz), month_hours(month, tz)

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
            raise violation("bad_trade", f"trade {self.contract_id}: volume {self.volume_wh} out of range")
        if not self.seller_generator_ids or not self.buyer_meter_ids:
            raise violation("bad_trade", f"trade {self.contract_id}: no seller or no buyer")
        for ids in (self.seller_generator_ids, self.buyer_meter_ids):
            if len(set(ids)) != len(ids):
                raise violation("bad_trade", f"trade {self.contract_id}: duplicate id")
        object.__setattr__(self, "seller_generator_ids", tuple(sorted(self.seller_generator_ids)))
        object.__setattr__(self, "buyer_meter_ids", tuple(sorted(self.buyer_meter_ids)))


@dataclass(frozen=True)
class Retirement:
    """A GEC retirement: ``units`` MWh of ``generator_id``'s production month
    ``vintage``, retired for ``beneficiary`` and its consumer meters
    ``meter_ids`` to cover their consumption of the month it is attributed in
    (the retirement's consumption period, never before ``vintage``).

    Only units of the same generator *and* month make that generator's direct
    or contracted energy in the month claimable; ``bundled_with_trade`` names
    the trade whose settlement delivered these units (reported; the units back
    the trade's contracted energy only where they are retired for a buyer meter).
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
            raise violation(
                "bad_retirement",
                f"retirement {self.retirement_id}: units {self.units} out of range",
            )
        if not self.meter_ids or len(set(self.meter_ids)) != len(self.meter_ids):
            raise violation("bad_retirement", f"retirement {self.retirement_id}: empty or duplicate meters")
        object.__setattr__(self, "meter_ids", tuple(sorted(self.meter_ids)))

    @property
    def wh(self) -> int:
        """Energy of the retired units in Wh (units x 1,000,000)."""
        return self.units * WH_PER_GEC


def _frozen(array: NDArray[np.generic]) -> NDArray[np.generic]:
    out = np.array(array, copy=True, order="C")
    out.setflags(write=False)
    return out


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
      same hour; trades are for ``month``; retirements have a production
      month (``vintage``) no later than ``month``; the links' export meters are
      among ``export_ids``, whose readings ``export`` are int64 ``[e, hours]``;
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
    time_zone: str = DEFAULT_TIME_ZONE
    export_ids: tuple[str, ...] = ()
    export: Int64Array | None = None
    export_missing: BoolArray | None = None

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
        *,
        time_zone: str = DEFAULT_TIME_ZONE,
        export_ids: Sequence[str] = (),
        export: NDArray[np.integer] | None = None,
        export_missing: NDArray[np.bool_] | None = None,
    ) -> MonthInputs:
        """Sort rows by meter id and records by id, copy, freeze and check.

        Input order does not matter: permuted inputs give equal results.
        ``export`` holds the hourly readings of the links' ``grid_export``
        meters ``export_ids`` (default: none).
        """
        c_order = np.argsort(np.asarray(consumer_ids, dtype=object), kind="stable")
        g_order = np.argsort(np.asarray(generator_ids, dtype=object), kind="stable")
        e_order = np.argsort(np.asarray(export_ids, dtype=object), kind="stable")
        exp = (
            np.zeros((len(export_ids), month_hours(month, time_zone)), np.int64)
            if export is None
            else np.asarray(export)
        )
        if exp.ndim != 2:
            raise violation("bad_shape", "export must be 2-D [meter, hour]")
        cons = np.asarray(consumption)
        gen = np.asarray(generation)
        if cons.ndim != 2 or gen.ndim != 2:
            raise violation("bad_shape", "consumption and generation must be 2-D [meter, hour]")
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
            time_zone=time_zone,
            export_ids=tuple(export_ids[i] for i in e_order),
            export=exp[e_order].astype(np.int64),
            export_missing=None if export_missing is None else np.asarray(export_missing)[e_order],
        )

    @property
    def n_hours(self) -> int:
        return month_hours(self.month, self.time_zone)

    def __post_init__(self) -> None:
        zone(self.time_zone)  # time.zone_unknown
        n = month_hours(self.month, self.time_zone)
        if self.export is None:
            object.__setattr__(self, "export", np.zeros((len(self.export_ids), n), dtype=np.int64))
        assert self.export is not None
        for name, ids in (
            ("consumer_ids", self.consumer_ids),
            ("generator_ids", self.generator_ids),
            ("export_ids", self.export_ids),
        ):
            if list(ids) != sorted(set(ids)):
                raise violation("bad_input", f"{name} must be sorted and unique", ids=list(ids))
        if len(self.technologies) != len(self.generator_ids):
            raise violation("bad_input", "one technology per generator is required")
        for name, arr, rows in (
            ("consumption", self.consumption, len(self.consumer_ids)),
            ("generation", self.generation, len(self.generator_ids)),
            ("export", self.export, len(self.export_ids)),
        ):
            if arr.dtype != np.int64 or arr.shape != (rows, n):
                raise violation(
                    "bad_shape",
                    f"{name} must be int64 [{rows}, {n}] for {self.month}, got {arr.dtype} {arr.shape}",
                )
            if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= MAX_WH_PER_HOUR):
                raise violation(
                    "value_out_of_range",
                    f"{name} values must be in [0, 2**31), got [{int(arr.min())}, {int(arr.max())}]",
                )
            object.__setattr__(self, name, _frozen(arr))
        for name, mask, shape in (
            ("consumption_missing", self.consumption_missing, self.consumption.shape),
            ("generation_missing", self.generation_missing, self.generation.shape),
            ("export_missing", self.export_missing, self.export.shape),
        ):
            if mask is not None:
                if mask.dtype != np.bool_ or mask.shape != shape:
                    raise violation("bad_shape", f"{name} must be bool {shape}")
                object.__setattr__(self, name, _frozen(mask))
        self._check_records()

    def _check_records(self) -> None:
        meters, gens, exports = set(self.consumer_ids), set(self.generator_ids), set(self.export_ids)

        def known(kind: str, ids: Iterable[str], pool: set[str], where: str) -> None:
            unknown = sorted(set(ids) - pool)
            if unknown:
                raise violation(
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
                raise violation("bad_input", f"{kind} ids must be sorted and unique", ids=recs)
        used: dict[str, list[tuple[int, int, str]]] = {}
        for link in self.links:
            known("meter", link.consumer_ids, meters, f"link {link.link_id}")
            known("generator", link.generator_ids, gens, f"link {link.link_id}")
            known("export_meter", link.export_ids, exports, f"link {link.link_id}")
            lo, hi = link.hour_range(self.month, self.time_zone)
            for g in link.generator_ids:
                for lo2, hi2, other in used.get(g, []):
                    if lo < hi2 and lo2 < hi:
                        raise violation(
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
                raise violation(
                    "period_mismatch",
                    f"trade {trade.contract_id} is for {trade.month}, not {self.month}",
                )
        for ret in self.retirements:
            known("meter", ret.meter_ids, meters, f"retirement {ret.retirement_id}")
            month_start(ret.vintage)  # period.invalid
            if ret.vintage > self.month:
                raise violation(
                    "period_mismatch",
                    f"retirement {ret.retirement_id} has GEC produced in {ret.vintage}, after {self.month}: "
                    "a unit never covers consumption before its production month",
                )
            if self.meter_owners is not None:
                foreign = sorted(m for m in ret.meter_ids if self.meter_owners.get(m) != ret.beneficiary)
                if foreign:
                    raise violation(
                        "meter_not_owned",
                        f"retirement {ret.retirement_id}: beneficiary {ret.beneficiary} does "
                        f"not own meter {', '.join(foreign)}",
                        meters=foreign,
                    )
