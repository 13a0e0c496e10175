"""Load one month's attribution inputs from the energy projections.

The pure engine (:mod:`ledger.attribution.engine`) takes plain arrays and
values (:mod:`ledger.attribution.records`); this module is the storage side
that builds them: which consumer meters a run covers (its *scope*), which
meters and generators must be computed with them, and the ``MonthInputs`` of
one month read from the live projections (meters, reading batches, direct
links, trade settlements, GEC retirements).

Closure: attributing a meter depends on every meter it shares a link, a trade
or a retirement with (pro-rata splits) and on every consumer of the generators
that serve it (what one link takes, the next cannot). So the computed set of a
month is the connected component of the requested meters over links, trades
and retirements; the result covers that whole set, and reports pick out the
requested meters. A parent meter brings its consumer sub-meters: it is
counted net of them (:mod:`ledger.attribution.submeters`), so a park-scope run
counts every Wh once. The closure is a pure function of the projections, so a
re-run from the same log prefix computes the same set.

Months are the park's local months: every meter of a month's closure must be
in parks of one time zone (``attribution.mixed_time_zones``), which is the
month's ``time_zone``. Retirements are those whose consumption period is the
month (not those produced in it); links bring the readings of their
``grid_export`` meters (650号 export).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ledger.attribution.records import DirectLink, MonthInputs, Retirement, Trade
from ledger.attribution.submeters import net_of_sub_meters
from ledger.energy.gec import GecRetirementRow, RetirementRecord, retirements_for_month
from ledger.energy.links import DirectLinkRow, LinkRecord, links_for_period
from ledger.energy.meters import Meter, MeterRow, all_meters
from ledger.energy.parks import ParkRow
from ledger.energy.periods import (
    DEFAULT_TIME_ZONE,
    from_datetime,
    hour_label,
    month_bounds,
    month_end,
    month_start,
)
from ledger.energy.readings import ReadingBatchRow, hourly_matrix
from ledger.energy.trades import TradeMonth, TradeSettlementRow, settlements_for_month
from ledger.errors import RuleViolation

__all__ = [
    "CONSUMER_KINDS",
    "Scope",
    "changed_since",
    "load_month",
    "resolve_scope",
]

#: Meter kinds that attribution treats as consumers.
CONSUMER_KINDS = frozenset({"consumption", "grid_import"})


@dataclass(frozen=True)
class Scope:
    """What a run covers: an explicit list of consumer meters, or every consumer
    meter of a park or of an enterprise (exactly one of the three)."""

    meters: tuple[str, ...] | None = None
    park: str | None = None
    enterprise: str | None = None

    def __post_init__(self) -> None:
        given = [x for x in (self.meters, self.park, self.enterprise) if x is not None]
        if len(given) != 1:
            raise RuleViolation(
                "a scope names exactly one of meters, park, enterprise", code="attribution.bad_scope"
            )
        if self.meters is not None:
            if not self.meters or len(set(self.meters)) != len(self.meters):
                raise RuleViolation(
                    f"scope meters {list(self.meters)} are empty or repeat a meter",
                    code="attribution.bad_scope",
                )
            object.__setattr__(self, "meters", tuple(sorted(self.meters)))

    def describe(self) -> str:
        """``meters C-1,C-2`` / ``park P-1`` / ``enterprise E-1``."""
        if self.meters is not None:
            return "meters " + ",".join(self.meters)
        return f"park {self.park}" if self.park is not None else f"enterprise {self.enterprise}"


_MEMO = "tanji.attribution.meters"


def _meters(session: Session) -> dict[str, Meter]:
    memo: dict[str, Meter] | None = session.info.get(_MEMO)
    return memo if memo is not None else all_meters(session)


@contextmanager
def meters_read_once(session: Session) -> Iterator[None]:
    """Inside the block, every scope and month of ``session`` uses one read of the meter registry (a run
    of many months otherwise loads every meter several times a month). Only for blocks that write no
    meter."""
    if _MEMO in session.info:
        yield
        return
    session.info[_MEMO] = all_meters(session)
    try:
        yield
    finally:
        del session.info[_MEMO]


def _park_zones(session: Session) -> dict[str, str]:
    return {
        p: tz or DEFAULT_TIME_ZONE for p, tz in session.execute(select(ParkRow.park_id, ParkRow.time_zone))
    }


def time_zone_of(session: Session, meter_ids: Sequence[str]) -> str:
    """The one time zone of the parks of ``meter_ids`` (the default zone for none);
    ``attribution.mixed_time_zones`` when they are in parks of different zones."""
    meters, zones = _meters(session), _park_zones(session)
    found = sorted({zones.get(meters[m].park_id, DEFAULT_TIME_ZONE) for m in meter_ids if m in meters})
    if len(found) > 1:
        raise RuleViolation(
            f"meters {', '.join(sorted(meter_ids))} are in parks of time zones {found}: an attribution month "
            "is the local month of one zone; attribute each park on its own",
            code="attribution.mixed_time_zones",
            time_zones=found,
        )
    return found[0] if found else DEFAULT_TIME_ZONE


def resolve_scope(session: Session, scope: Scope, month: str | None = None) -> tuple[str, ...]:
    """The requested consumer meters of ``scope``, sorted.

    Park and enterprise scopes take their ``consumption`` meters (not grid
    imports, which measure the same energy at the boundary; name those
    explicitly); with ``month`` they leave out meters retired at or before
    the month's start. Raises ``attribution.unknown_meter`` for an
    unregistered meter, ``attribution.not_consumer`` for a meter of another
    kind, ``attribution.empty_scope`` when a park or enterprise has no
    consumer meter.
    """
    meters = _meters(session)
    if scope.meters is not None:
        unknown = [m for m in scope.meters if m not in meters]
        if unknown:
            raise RuleViolation(
                f"meter {', '.join(unknown)} is not registered",
                code="attribution.unknown_meter",
                meters=unknown,
            )
        wrong = [m for m in scope.meters if meters[m].kind not in CONSUMER_KINDS]
        if wrong:
            raise RuleViolation(
                f"meter {', '.join(wrong)} is not a consumer meter (kinds {sorted(CONSUMER_KINDS)})",
                code="attribution.not_consumer",
                meters=wrong,
            )
        return scope.meters
    if scope.park is not None:
        zones = _park_zones(session)
        tz = zones.get(scope.park, DEFAULT_TIME_ZONE)
    else:
        tz = time_zone_of(session, [m.meter_id for m in meters.values() if m.owner == scope.enterprise])
    cutoff = None if month is None else from_datetime(month_start(month, tz))
    picked = sorted(
        m.meter_id
        for m in meters.values()
        if m.kind == "consumption"  # boundary grid imports would count the same energy twice
        and (m.park_id == scope.park if scope.park is not None else m.owner == scope.enterprise)
        and (cutoff is None or m.retired_at is None or m.retired_at > cutoff)
    )
    if not picked:
        raise RuleViolation(f"{scope.describe()} has no consumer meter", code="attribution.empty_scope")
    return tuple(picked)


def _closure(
    requested: Sequence[str],
    links: Sequence[LinkRecord],
    trades: Sequence[TradeMonth],
    rets: Sequence[RetirementRecord],
    sub_meters: dict[str, list[str]] | None = None,
) -> tuple[set[str], set[str]]:
    consumers, gens = set(requested), set[str]()
    changed = True
    while changed:  # a few rounds: components are small next to the records
        changed = False
        for parent, children in (sub_meters or {}).items():  # a parent is counted net of its sub-meters
            if parent in consumers and not consumers.issuperset(children):
                consumers.update(children)
                changed = True
        groups: list[tuple[Sequence[str], Sequence[str]]] = [
            *((lk.consumer_ids, lk.generator_ids) for lk in links),
            *((t.buyer_meter_ids, t.seller_meter_ids) for t in trades),
            *((r.meter_ids, ()) for r in rets),
        ]
        for cons, gen in groups:
            if consumers.isdisjoint(cons) and gens.isdisjoint(gen):
                continue
            before = len(consumers) + len(gens)
            consumers.update(cons)
            gens.update(gen)
            changed |= len(consumers) + len(gens) != before
    return consumers, gens


def load_month(session: Session, month: str, requested: Sequence[str]) -> MonthInputs:
    """The checked ``MonthInputs`` of the park-local ``month`` for ``requested`` and its closure.

    Preconditions: ``requested`` are registered consumer meters
    (:func:`resolve_scope`). Missing readings become ``*_missing`` masks
    (never zeros); links, trades and retirements are those of the month that
    touch the closure; parents are net of their sub-meters
    (``attribution.submeter_exceeds_parent``). Retirement meters must be owned
    by the beneficiary (``attribution.meter_not_owned``); meters named by a
    record but not registered give ``attribution.unknown_meter``; meters in
    parks of several time zones ``attribution.mixed_time_zones``.
    """
    meters = _meters(session)
    tz = time_zone_of(session, requested)
    start, end = month_bounds(month, tz)
    links = links_for_period(session, start, end)
    trades = settlements_for_month(session, month)
    rets = retirements_for_month(session, month, tz)
    sub_meters: dict[str, list[str]] = {}
    for m in sorted(meters.values(), key=lambda x: x.meter_id):
        if m.parent_id is not None and m.kind in CONSUMER_KINDS:
            sub_meters.setdefault(m.parent_id, []).append(m.meter_id)
    consumers, gens = _closure(requested, links, trades, rets, sub_meters)
    unknown = sorted(m for m in consumers | gens if m not in meters)
    if unknown:
        raise RuleViolation(
            f"records of {month} name unregistered meter {', '.join(unknown)}",
            code="attribution.unknown_meter",
            meters=unknown,
        )
    consumer_ids = sorted(consumers)
    generator_ids = sorted(gens)
    if time_zone_of(session, consumer_ids + generator_ids) != tz:
        raise RuleViolation(
            f"the records of {month} link meters of parks in other time zones than {tz}",
            code="attribution.mixed_time_zones",
            time_zones=[tz],
        )
    linked = [lk for lk in links if not consumers.isdisjoint(lk.consumer_ids)]
    export_ids = sorted({e for lk in linked for e in lk.export_ids})
    consumption, c_present = hourly_matrix(session, consumer_ids, start, end)
    consumption, c_present = net_of_sub_meters(
        consumer_ids,
        consumption,
        c_present,
        {m: meters[m].parent_id or "" for m in consumer_ids if meters[m].parent_id},
        label=lambda h: hour_label(month, h, tz),
    )
    generation, g_present = hourly_matrix(session, generator_ids, start, end)
    export, e_present = hourly_matrix(session, export_ids, start, end)
    technologies = [meters[g].technology or "unknown" for g in generator_ids]
    return MonthInputs.build(
        month,
        consumer_ids,
        consumption,
        generator_ids,
        technologies,
        generation,
        links=[_link(lk) for lk in linked],
        trades=[
            Trade(t.contract_id, t.seller_meter_ids, t.buyer_meter_ids, month, t.volume_wh)
            for t in trades
            if not consumers.isdisjoint(t.buyer_meter_ids)
        ],
        retirements=[_retirement(r) for r in rets if not consumers.isdisjoint(r.meter_ids)],
        consumption_missing=~c_present,
        generation_missing=~g_present,
        meter_owners={m: meters[m].owner for m in consumer_ids},
        time_zone=tz,
        export_ids=export_ids,
        export=export,
        export_missing=~e_present,
    )


def _link(lk: LinkRecord) -> DirectLink:
    return DirectLink(
        lk.link_id,
        lk.generator_ids,
        lk.consumer_ids,
        key=lk.key,  # type: ignore[arg-type]
        shares=lk.shares,
        valid_from=lk.valid_from,
        valid_to=lk.valid_to,
        export_ids=lk.export_ids,
    )


def _retirement(r: RetirementRecord) -> Retirement:
    return Retirement(
        r.retirement_id,
        r.units,
        r.beneficiary,
        r.meter_ids,
        r.vintage,
        r.generator_id,
        r.technology,
        bundled_with_trade=r.bundled_with_trade,
    )


def owners(session: Session, meter_ids: Sequence[str]) -> dict[str, str]:
    """Owner of each of ``meter_ids`` (registered ones only)."""
    if not meter_ids:
        return {}
    q = select(MeterRow.meter_id, MeterRow.owner).where(MeterRow.meter_id.in_(list(meter_ids)))
    return {m: o for m, o in session.execute(q)}


_IN_CHUNK = 500  # IN lists well under both backends' parameter limits


def changed_since(
    session: Session, log_end: int, months: Sequence[str], meter_ids: Sequence[str]
) -> int | None:
    """The lowest ``seq >= log_end`` of a projected record that can change the
    inputs of ``months`` for ``meter_ids`` (their consumers and generators),
    or None.

    Looked at: reading batches of those meters overlapping the period (new,
    or superseded by a correction), direct links, settlements of those
    months, GEC retirements, and meters registered or retired. It reads the
    projections only, so it gives the same answer during an append and during
    a replay.
    """
    b = ReadingBatchRow
    tz = time_zone_of(session, meter_ids)
    lo = from_datetime(month_start(months[0], tz))
    hi = from_datetime(month_end(months[-1], tz))
    found: list[int] = []
    ids = sorted(set(meter_ids))
    for i in range(0, len(ids), _IN_CHUNK):
        q = select(func.min(func.coalesce(b.superseded_by, b.seq))).where(
            b.meter_id.in_(ids[i : i + _IN_CHUNK]),
            b.start_ts < hi,
            b.end_ts > lo,
            or_(b.seq >= log_end, b.superseded_by >= log_end),
        )
        found.append(session.scalar(q) or -1)
    found += [
        session.scalar(select(func.min(DirectLinkRow.seq)).where(DirectLinkRow.seq >= log_end)) or -1,
        session.scalar(
            select(func.min(TradeSettlementRow.seq)).where(
                TradeSettlementRow.seq >= log_end, TradeSettlementRow.month.in_(list(months))
            )
        )
        or -1,
        session.scalar(
            select(func.min(GecRetirementRow.retire_seq)).where(GecRetirementRow.retire_seq >= log_end)
        )
        or -1,
        session.scalar(select(func.min(MeterRow.registered_seq)).where(MeterRow.registered_seq >= log_end))
        or -1,
        session.scalar(select(func.min(MeterRow.retired_seq)).where(MeterRow.retired_seq >= log_end)) or -1,
    ]
    hits = [f for f in found if f >= log_end]
    return min(hits) if hits else None
