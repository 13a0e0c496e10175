"""Green electricity certificates (绿证, GEC): issue, transfer, retire, expire.

One GEC unit is 1 MWh (1,000,000 Wh) and has an integer serial number. A
registry issues a contiguous serial range ``[first, last]`` (inclusive, as the
national platform prints them) for a generation meter and a production month.
Holdings are kept as disjoint ranges, each with a holder and a status
(``held``, ``retired``, ``expired``); a transfer, retirement or expiry of part
of a range splits it exactly at the requested serials. Invariant at every
seq: issued units = held + retired + expired, and every unit is in exactly
one range.

The rules of China's GEC (:mod:`ledger.energy.gec_rules`, sources in
``data/gec_rules.json``), every month park-local (the generation meter's park
for production months, the consumer meters' park for consumption months):

- **issuance is capped by metered generation**: the units issued for a
  generation meter with production months up to ``M`` never exceed
  ``floor(its metered Wh up to the end of M / 1 MWh)``, and the units of ``M``
  never exceed ``floor((its metered Wh in M + the remainder carried) / 1 MWh)``,
  where the remainder carried is what earlier months' units left uncovered, at
  most 1 MWh - 1 Wh (China's GEC rules carry the sub-MWh remainder to the next
  month); checked for ``M`` and every later month already issued
  (``gec.exceeds_generation``); every hour of ``M`` must be read
  (``gec.readings_incomplete``);
- a unit is **valid** for 24 months from its production month: an expired unit
  can be neither issued, transferred nor retired (``gec.validity_expired``);
- a **retirement** names a registered beneficiary (``gec.beneficiary_unknown``),
  consumer meters the beneficiary owns (``gec.meter_not_owned``) in one park
  (``gec.meters_in_several_parks``), and one whole park-local month of their
  consumption (``gec.period_not_month``), which must lie between the units'
  production month and their last valid month (``gec.period_before_production``,
  ``gec.period_after_validity``), and in the production year under the park's
  ``same_calendar_year`` policy (``gec.vintage_policy``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import BigInteger, Index, String, Table, Text, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.energy.gec_rules import check_consumption_month, load_gec_rules, valid_until
from ledger.energy.meters import Meter, Technology, require_meter
from ledger.energy.parks import RecordId, require_park
from ledger.energy.periods import (
    DEFAULT_TIME_ZONE,
    Instant,
    Month,
    format_local,
    hour_label,
    month_bounds,
    month_of,
    parse_instant,
    parse_month,
)
from ledger.energy.readings import energy_before, hourly_matrix
from ledger.energy.units import WH_PER_GEC
from ledger.errors import RuleViolation
from ledger.kinds.actors import ActorId
from ledger.log.entry import Entry
from ledger.store.actors import get_actor, require_actor
from ledger.store.registry import REGISTRY, AppendContext, EntryKind
from ledger.store.tables import Base

MAX_SERIAL = 2**53 - 1  # exact in every JSON reader
Serial = StrictInt
CONSUMER_KINDS = frozenset({"consumption", "grid_import"})


class _Range(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    first: Serial = Field(ge=1, le=MAX_SERIAL, description="first serial, inclusive")
    last: Serial = Field(ge=1, le=MAX_SERIAL, description="last serial, inclusive")


class GecIssue(_Range):
    """Payload of ``gec.issue`` (registry only): ``mwh`` must equal ``last - first + 1``."""

    mwh: StrictInt = Field(ge=1)
    generator_meter: RecordId
    technology: Technology
    vintage: Month
    holder: ActorId | None = Field(default=None, description="first holder; default the meter's owner")
    project: str | None = Field(default=None, max_length=200)


class GecTransfer(_Range):
    """Payload of ``gec.transfer``: the holder moves ``[first, last]`` to ``to``."""

    to: ActorId


class GecRetire(_Range):
    """Payload of ``gec.retire``: the holder retires ``[first, last]`` for a beneficiary's consumption."""

    beneficiary: ActorId = Field(description="registered actor whose consumption the units cover")
    consumer_meters: list[RecordId] = Field(min_length=1, max_length=500)
    period_start: Instant = Field(description="start of one whole park-local month of consumption")
    period_end: Instant = Field(description="start of the next month")


class GecExpire(_Range):
    """Payload of ``gec.expire`` (the issuing registry): unretired units of ``[first, last]`` lapse."""

    reason: str | None = Field(default=None, max_length=200)


class GecRangeRow(Base):
    """Projection: disjoint serial ranges with holder and status."""

    __tablename__ = "gec_ranges"

    first: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(BigInteger)
    holder: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(8))
    issue_seq: Mapped[int] = mapped_column(BigInteger)
    changed_seq: Mapped[int] = mapped_column(BigInteger)
    via_trade: Mapped[str | None] = mapped_column(String(128))


class GecIssueRow(Base):
    """Projection: one row per issuance."""

    __tablename__ = "gec_issues"

    issue_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    issuer: Mapped[str] = mapped_column(String(128))
    generator_meter: Mapped[str] = mapped_column(String(128))
    technology: Mapped[str] = mapped_column(String(16))
    vintage: Mapped[str] = mapped_column(String(7), index=True)
    project: Mapped[str | None] = mapped_column(String(200))


class GecRetirementRow(Base):
    """Projection: one row per retired piece (a retirement spans one or more ranges)."""

    __tablename__ = "gec_retirements"

    retire_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(BigInteger)
    holder: Mapped[str] = mapped_column(String(128))
    beneficiary: Mapped[str] = mapped_column(String(200))
    consumer_meters: Mapped[str] = mapped_column(Text)
    period_start: Mapped[int] = mapped_column(BigInteger)
    period_end: Mapped[int] = mapped_column(BigInteger)
    issue_seq: Mapped[int] = mapped_column(BigInteger)
    via_trade: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (Index("ix_gec_retirements_issue", "issue_seq"),)


_R: Table = GecRangeRow.__table__  # type: ignore[assignment]
_I: Table = GecIssueRow.__table__  # type: ignore[assignment]
_X: Table = GecRetirementRow.__table__  # type: ignore[assignment]


def _check_range(p: _Range) -> None:
    if p.first > p.last:
        raise RuleViolation(
            f"serial range {p.first}..{p.last} is reversed",
            code="gec.range_invalid",
            first=p.first,
            last=p.last,
        )


def _pieces(session: Session, first: int, last: int) -> list[Row[Any]]:
    """Stored ranges overlapping ``[first, last]`` in serial order (indexed on ``first`` only)."""
    start = session.scalar(select(_R.c.first).where(_R.c.first <= first).order_by(_R.c.first.desc()).limit(1))
    lo = first if start is None else start
    q = (
        select(
            _R.c.first, _R.c.last, _R.c.holder, _R.c.status, _R.c.issue_seq, _R.c.changed_seq, _R.c.via_trade
        )
        .where(_R.c.first >= lo, _R.c.first <= last)
        .order_by(_R.c.first)
    )
    return [r for r in session.execute(q).all() if r.last >= first]  # type: ignore[misc]


def _require_movable(session: Session, first: int, last: int, actor: str | None, verb: str) -> list[Row[Any]]:
    """The pieces of ``[first, last]``, all issued, held (not retired or expired) and, with ``actor``,
    held by it."""
    rows = _pieces(session, first, last)
    expected = first
    for r in rows:
        if r.first > expected:
            break
        expected = r.last + 1
    if expected <= last:
        raise RuleViolation(
            f"serials from {expected} within {first}..{last} were never issued",
            code="gec.range_unknown",
            first=first,
            last=last,
        )
    for status, code, what in (
        ("retired", "gec.already_retired", "retired"),
        ("expired", "gec.expired", "expired"),
    ):
        hit = [r for r in rows if r.status == status]
        if hit:
            r = hit[0]
            raise RuleViolation(
                f"cannot {verb} {first}..{last}: serials {max(r.first, first)}..{min(r.last, last)} "
                f"were {what} at seq {r.changed_seq}",
                code=code,
                first=first,
                last=last,
                seq=r.changed_seq,
            )
    if actor is not None:
        others = [r for r in rows if r.holder != actor]
        if others:
            held = sum(min(r.last, last) - max(r.first, first) + 1 for r in rows if r.holder == actor)
            o = others[0]
            code = "gec.exceeds_holding" if held else "gec.not_holder"
            raise RuleViolation(
                f"{actor!r} cannot {verb} {first}..{last} ({last - first + 1} units): "
                f"it holds {held} of them; "
                f"serials {max(o.first, first)}..{min(o.last, last)} are held by {o.holder!r}",
                code=code,
                actor=actor,
                first=first,
                last=last,
                held=held,
                holder=o.holder,
            )
    return rows


def _move(
    ctx: AppendContext,
    rows: Sequence[Row[Any]],
    first: int,
    last: int,
    *,
    holder: str | None,
    status: str,
    via_trade: str | None | bool = False,
) -> list[tuple[int, int, str, int, str | None]]:
    """Split the boundary pieces at ``first`` and ``last`` and set holder/status of the middle.

    Returns the moved pieces as (first, last, old holder, issue_seq, old via_trade).
    ``via_trade=False`` keeps each piece's trade tag.
    """
    s = ctx.session
    moved = []
    for r in rows:
        a, b = max(r.first, first), min(r.last, last)
        if r.first < a:  # keep the left part in the stored row, add the middle as a new row
            s.execute(update(_R).where(_R.c.first == r.first).values(last=a - 1))
            s.execute(
                insert(_R),
                [
                    {
                        "first": a,
                        "last": b,
                        "holder": r.holder,
                        "status": r.status,
                        "issue_seq": r.issue_seq,
                        "changed_seq": r.changed_seq,
                        "via_trade": r.via_trade,
                    }
                ],
            )
        elif r.last > b:
            s.execute(update(_R).where(_R.c.first == r.first).values(last=b))
        if r.last > b:
            s.execute(
                insert(_R),
                [
                    {
                        "first": b + 1,
                        "last": r.last,
                        "holder": r.holder,
                        "status": r.status,
                        "issue_seq": r.issue_seq,
                        "changed_seq": r.changed_seq,
                        "via_trade": r.via_trade,
                    }
                ],
            )
        values: dict[str, object] = {"status": status, "changed_seq": ctx.seq}
        if holder is not None:
            values["holder"] = holder
        if via_trade is not False:
            values["via_trade"] = via_trade
        s.execute(update(_R).where(_R.c.first == a).values(**values))
        moved.append((a, b, r.holder, r.issue_seq, r.via_trade))
    return moved


# -- validity ----------------------------------------------------------------------


def _meter_tz(ctx: AppendContext, meter: Meter) -> str:
    return require_park(ctx.session, meter.park_id).time_zone


def _issues_of(ctx: AppendContext, issue_seqs: set[int]) -> dict[int, tuple[str, str]]:
    """``issue_seq -> (vintage, generator_meter)`` of the given issuances."""
    q = select(_I.c.issue_seq, _I.c.vintage, _I.c.generator_meter).where(
        _I.c.issue_seq.in_(sorted(issue_seqs))
    )
    return {int(seq): (str(v), str(g)) for seq, v, g in ctx.session.execute(q)}


def _serials(rows: Sequence[Row[Any]], first: int, last: int, issue_seq: int) -> str:
    pieces = [r for r in rows if r.issue_seq == issue_seq]
    return f"{max(pieces[0].first, first)}..{min(pieces[-1].last, last)}"


def _check_valid(
    ctx: AppendContext, rows: Sequence[Row[Any]], first: int, last: int, verb: str
) -> dict[int, tuple[str, str]]:
    """``gec.validity_expired`` if a unit of ``rows`` is past its validity at the entry's recording time;
    returns the issuances of the rows (``issue_seq -> (vintage, generator_meter)``)."""
    issues = _issues_of(ctx, {int(r.issue_seq) for r in rows})
    now = int(ctx.recorded_at.timestamp())
    rules = load_gec_rules()
    for issue_seq, (vintage, gen) in sorted(issues.items()):
        tz = _meter_tz(ctx, require_meter(ctx, gen))
        until = valid_until(vintage, tz, rules)
        if now >= until:
            raise RuleViolation(
                f"cannot {verb} GEC {_serials(rows, first, last, issue_seq)} of {vintage}: valid for "
                f"{rules.validity_months} months from their production month, "
                f"until {format_local(until, tz)}",
                code="gec.validity_expired",
                first=first,
                last=last,
                vintage=vintage,
                valid_until=format_local(until, tz),
            )
    return issues


# -- gec.issue ---------------------------------------------------------------------


def _check_metered(ctx: AppendContext, meter: Meter, vintage: str, mwh: int) -> None:
    """Issuance capped by metered generation, cumulative per meter, with a complete production month."""
    tz = _meter_tz(ctx, meter)
    start, end = month_bounds(vintage, tz)
    _values, present = hourly_matrix(ctx.session, [meter.meter_id], start, end)
    required = present[0].copy()
    if meter.retired_at is not None:  # no readings are possible after a meter's retirement
        lo = int(start.timestamp())
        required[max(0, -(-(meter.retired_at - lo) // 3600)) :] = True
    if not required.all():
        missing = (~required).nonzero()[0]
        raise RuleViolation(
            f"GEC of {meter.meter_id!r} for {vintage}: {missing.size} hours of the month have no complete "
            f"readings (first {hour_label(vintage, int(missing[0]), tz)}); a production month is issued "
            "only once it is fully metered",
            code="gec.readings_incomplete",
            meter=meter.meter_id,
            vintage=vintage,
            missing_hours=int(missing.size),
        )
    issued: dict[str, int] = {
        str(v): int(n)
        for v, n in ctx.session.execute(
            select(_I.c.vintage, func.sum(_I.c.last - _I.c.first + 1))
            .where(_I.c.generator_meter == meter.meter_id)
            .group_by(_I.c.vintage)
        )
    }
    issued[vintage] = issued.get(vintage, 0) + mwh
    # Adding units to `vintage` changes what later months may carry: check it and every later month issued.
    for month in sorted(v for v in issued if v >= vintage):
        lo, hi = parse_month(month, tz)
        metered_before, metered_through = (energy_before(ctx.session, meter.meter_id, t) for t in (lo, hi))
        units_before = sum(n for v, n in issued.items() if v < month)
        carried = min(max(metered_before - units_before * WH_PER_GEC, 0), WH_PER_GEC - 1)
        cap = (metered_through - metered_before + carried) // WH_PER_GEC
        through_cap = metered_through // WH_PER_GEC
        if issued[month] > cap or units_before + issued[month] > through_cap:
            raise RuleViolation(
                f"GEC of {meter.meter_id!r}: issuing {mwh} MWh of {vintage} takes the units of {month} to "
                f"{issued[month]}, above the {cap} whole MWh its metered {metered_through - metered_before} "
                f"Wh and the {carried} Wh carried from earlier months allow (units up to {month}: "
                f"{units_before + issued[month]} of {through_cap} metered)",
                code="gec.exceeds_generation",
                meter=meter.meter_id,
                vintage=vintage,
                month=month,
                units=issued[month],
                cap=cap,
                metered_wh=metered_through - metered_before,
                carried_wh=carried,
            )


# -- gec.issue ---------------------------------------------------------------------


def _check_issue(ctx: AppendContext, entry: Entry, p: GecIssue) -> None:
    _check_range(p)
    if p.mwh != p.last - p.first + 1:
        raise RuleViolation(
            f"issued MWh {p.mwh} differ from the range length {p.last - p.first + 1} of {p.first}..{p.last}",
            code="gec.mwh_mismatch",
            mwh=p.mwh,
            first=p.first,
            last=p.last,
        )
    parse_month(p.vintage)
    clash = _pieces(ctx.session, p.first, p.last)
    if clash:
        raise RuleViolation(
            f"serials {max(clash[0].first, p.first)}..{min(clash[0].last, p.last)} were issued "
            f"already (seq {clash[0].issue_seq})",
            code="gec.range_exists",
            first=p.first,
            last=p.last,
        )
    meter = require_meter(ctx, p.generator_meter, kinds=frozenset({"generation"}), what="generator meter")
    if meter.technology != p.technology:
        raise RuleViolation(
            f"meter {meter.meter_id!r} is {meter.technology}, not {p.technology}",
            code="gec.technology_mismatch",
            meter=meter.meter_id,
        )
    require_actor(ctx.session, p.holder or meter.owner, what="holder")
    tz = _meter_tz(ctx, meter)
    until = valid_until(p.vintage, tz)
    if int(ctx.recorded_at.timestamp()) >= until:
        raise RuleViolation(
            f"GEC of {p.vintage} are valid until {format_local(until, tz)}; they can no longer be issued",
            code="gec.validity_expired",
            vintage=p.vintage,
            valid_until=format_local(until, tz),
        )
    _check_metered(ctx, meter, p.vintage, p.mwh)


def _apply_issue(ctx: AppendContext, entry: Entry, p: GecIssue) -> None:
    holder = p.holder or require_meter(ctx, p.generator_meter).owner
    ctx.session.execute(
        insert(_I),
        [
            {
                "issue_seq": entry.seq,
                "first": p.first,
                "last": p.last,
                "issuer": entry.actor,
                "generator_meter": p.generator_meter,
                "technology": p.technology,
                "vintage": p.vintage,
                "project": p.project,
            }
        ],
    )
    ctx.session.execute(
        insert(_R),
        [
            {
                "first": p.first,
                "last": p.last,
                "holder": holder,
                "status": "held",
                "issue_seq": entry.seq,
                "changed_seq": entry.seq,
                "via_trade": None,
            }
        ],
    )


# -- gec.transfer ------------------------------------------------------------------


def check_transfer(ctx: AppendContext, holder: str, first: int, last: int, to: str) -> None:
    """Rules of a transfer of ``[first, last]`` from ``holder`` to ``to`` (also used by trade settlement)."""
    if first > last:
        raise RuleViolation(f"serial range {first}..{last} is reversed", code="gec.range_invalid")
    require_actor(ctx.session, to, what="recipient")
    if to == holder:
        raise RuleViolation(f"{holder!r} cannot transfer GEC to itself", code="gec.self_transfer")
    rows = _require_movable(ctx.session, first, last, holder, "transfer")
    _check_valid(ctx, rows, first, last, "transfer")


def bundled_issues(ctx: AppendContext, first: int, last: int) -> dict[int, tuple[str, str]]:
    """``issue_seq -> (vintage, generator_meter)`` of the issuances ``[first, last]`` spans."""
    return _issues_of(ctx, {int(r.issue_seq) for r in _pieces(ctx.session, first, last)})


def apply_transfer(
    ctx: AppendContext, holder: str, first: int, last: int, to: str, via_trade: str | None
) -> None:
    """Move ``[first, last]`` to ``to``; tag with ``via_trade`` (None clears the tag)."""
    rows = _require_movable(ctx.session, first, last, holder, "transfer")
    _move(ctx, rows, first, last, holder=to, status="held", via_trade=via_trade)


def _check_transfer(ctx: AppendContext, entry: Entry, p: GecTransfer) -> None:
    check_transfer(ctx, entry.actor, p.first, p.last, p.to)


def _apply_transfer(ctx: AppendContext, entry: Entry, p: GecTransfer) -> None:
    apply_transfer(ctx, entry.actor, p.first, p.last, p.to, None)


# -- gec.retire --------------------------------------------------------------------


def consumption_month(ctx: AppendContext, p: GecRetire) -> tuple[str, str]:
    """The park-local month a retirement covers and the consumer meters' time zone.

    Checks the beneficiary and its meters first (``gec.beneficiary_unknown``,
    ``gec.meter_repeated``, ``meter.unknown`` / ``meter.wrong_kind``,
    ``gec.meter_not_owned``, ``gec.meters_in_several_parks``), then that the
    period is one whole local month (``gec.period_not_month``).
    """
    if get_actor(ctx.session, p.beneficiary) is None:
        raise RuleViolation(
            f"beneficiary {p.beneficiary!r} is not a registered actor; a retirement names the actor "
            "whose consumption it covers",
            code="gec.beneficiary_unknown",
            beneficiary=p.beneficiary,
        )
    if len(set(p.consumer_meters)) != len(p.consumer_meters):
        raise RuleViolation(f"consumer meters {p.consumer_meters} repeat a meter", code="gec.meter_repeated")
    meters = [require_meter(ctx, m, kinds=CONSUMER_KINDS, what="consumer meter") for m in p.consumer_meters]
    foreign = sorted(m.meter_id for m in meters if m.owner != p.beneficiary)
    if foreign:
        raise RuleViolation(
            f"consumer meter {', '.join(foreign)} is not owned by beneficiary {p.beneficiary!r}",
            code="gec.meter_not_owned",
            meters=foreign,
            beneficiary=p.beneficiary,
        )
    parks = sorted({m.park_id for m in meters})
    if len(parks) > 1:
        raise RuleViolation(
            f"consumer meters {p.consumer_meters} are in parks {parks}; retire for one park at a time",
            code="gec.meters_in_several_parks",
            parks=parks,
        )
    tz = require_park(ctx.session, parks[0]).time_zone
    start = parse_instant(p.period_start, field="period_start")
    end = parse_instant(p.period_end, field="period_end")
    month = month_of(start, tz)
    if (start, end) != parse_month(month, tz):
        lo, hi = parse_month(month, tz)
        raise RuleViolation(
            f"consumption period [{p.period_start}, {p.period_end}) is not one whole month of park "
            f"{parks[0]!r} (time zone {tz}); for {month} name "
            f"[{format_local(lo, tz)}, {format_local(hi, tz)})",
            code="gec.period_not_month",
            period_start=p.period_start,
            period_end=p.period_end,
            time_zone=tz,
        )
    return month, tz


def _check_retire(ctx: AppendContext, entry: Entry, p: GecRetire) -> None:
    _check_range(p)
    month, _tz = consumption_month(ctx, p)
    rows = _require_movable(ctx.session, p.first, p.last, entry.actor, "retire")
    issues = _check_valid(ctx, rows, p.first, p.last, "retire")
    policy = require_park(ctx.session, require_meter(ctx, p.consumer_meters[0]).park_id).vintage_policy
    for issue_seq, (vintage, _gen) in sorted(issues.items()):
        check_consumption_month(month, vintage, policy, serials=_serials(rows, p.first, p.last, issue_seq))


def _apply_retire(ctx: AppendContext, entry: Entry, p: GecRetire) -> None:
    rows = _require_movable(ctx.session, p.first, p.last, entry.actor, "retire")
    moved = _move(ctx, rows, p.first, p.last, holder=None, status="retired")
    meters = json.dumps(sorted(p.consumer_meters), separators=(",", ":"))
    ctx.session.execute(
        insert(_X),
        [
            {
                "retire_seq": entry.seq,
                "first": a,
                "last": b,
                "holder": entry.actor,
                "beneficiary": p.beneficiary,
                "consumer_meters": meters,
                "period_start": parse_instant(p.period_start),
                "period_end": parse_instant(p.period_end),
                "issue_seq": issue,
                "via_trade": trade,
            }
            for a, b, _h, issue, trade in moved
        ],
    )


# -- gec.expire --------------------------------------------------------------------


def _check_expire(ctx: AppendContext, entry: Entry, p: GecExpire) -> None:
    _check_range(p)
    rows = _require_movable(ctx.session, p.first, p.last, None, "expire")
    issuers = dict(
        ctx.session.execute(
            select(_I.c.issue_seq, _I.c.issuer).where(_I.c.issue_seq.in_({r.issue_seq for r in rows}))
        ).all()
    )
    wrong = sorted({i for i in issuers.values() if i != entry.actor})
    if wrong:
        raise RuleViolation(
            f"only the issuing registry may expire {p.first}..{p.last}; issued by {wrong}",
            code="gec.not_issuer",
            actor=entry.actor,
        )


def _apply_expire(ctx: AppendContext, entry: Entry, p: GecExpire) -> None:
    rows = _require_movable(ctx.session, p.first, p.last, None, "expire")
    _move(ctx, rows, p.first, p.last, holder=None, status="expired")


# -- queries -----------------------------------------------------------------------


@dataclass(frozen=True)
class RetirementRecord:
    """GEC retired for consumers, grouped by (retirement, issuance, trade).

    Maps onto ``ledger.attribution.records.Retirement`` (``units`` = ``wh`` / 10^6).
    """

    retirement_id: str
    retire_seq: int
    units: int
    wh: int
    beneficiary: str
    holder: str
    meter_ids: tuple[str, ...]
    vintage: str
    generator_id: str
    technology: str
    period_start: int
    period_end: int
    bundled_with_trade: str | None


def retirements_for_month(
    session: Session, month: str, tz: str = DEFAULT_TIME_ZONE
) -> list[RetirementRecord]:
    """Retirements covering the consumption of the local month ``month`` in ``tz`` (their consumption
    period), by retirement id; ``vintage`` is the units' production month (never after ``month``)."""
    lo, hi = parse_month(month, tz)
    q = (
        select(
            _X.c.retire_seq,
            _X.c.issue_seq,
            _X.c.via_trade,
            func.sum(_X.c.last - _X.c.first + 1),
            func.min(_X.c.beneficiary),
            func.min(_X.c.holder),
            func.min(_X.c.consumer_meters),
            func.min(_X.c.period_start),
            func.min(_X.c.period_end),
            func.min(_I.c.generator_meter),
            func.min(_I.c.technology),
            func.min(_I.c.vintage),
        )
        .join(_I, _I.c.issue_seq == _X.c.issue_seq)
        .where(_X.c.period_start >= lo, _X.c.period_start < hi)
        .group_by(_X.c.retire_seq, _X.c.issue_seq, _X.c.via_trade)
    )
    out = []
    for rs, iss, trade, units, ben, holder, meters, ps, pe, gen, tech, vint in session.execute(q):
        rid = f"{rs}/{iss}" + (f"/{trade}" if trade else "")
        out.append(
            RetirementRecord(
                rid,
                rs,
                int(units),
                int(units) * WH_PER_GEC,
                ben,
                holder,
                tuple(json.loads(meters)),
                vint,
                gen,
                tech,
                ps,
                pe,
                trade,
            )
        )
    return sorted(out, key=lambda r: (r.retire_seq, r.retirement_id))


def unit_totals(session: Session) -> dict[str, int]:
    """Units by status (``held``, ``retired``, ``expired``) and ``issued``."""
    totals = {"held": 0, "retired": 0, "expired": 0}
    for status, n in session.execute(
        select(_R.c.status, func.sum(_R.c.last - _R.c.first + 1)).group_by(_R.c.status)
    ):
        totals[status] = int(n)
    totals["issued"] = int(session.scalar(select(func.sum(_I.c.last - _I.c.first + 1))) or 0)
    return totals


def holdings(session: Session, holder: str) -> list[tuple[int, int]]:
    """Ranges ``(first, last)`` that ``holder`` holds unretired, in serial order."""
    q = select(_R.c.first, _R.c.last).where(_R.c.holder == holder, _R.c.status == "held").order_by(_R.c.first)
    return [(int(a), int(b)) for a, b in session.execute(q)]


ISSUE = REGISTRY.register(
    EntryKind(
        "gec.issue",
        GecIssue,
        _check_issue,
        _apply_issue,
        roles=frozenset({"registry"}),
        summary="Issue a GEC serial range for a generation meter and production month.",
    )
)
TRANSFER = REGISTRY.register(
    EntryKind(
        "gec.transfer",
        GecTransfer,
        _check_transfer,
        _apply_transfer,
        summary="Transfer a serial range from its holder to another actor.",
    )
)
RETIRE = REGISTRY.register(
    EntryKind(
        "gec.retire",
        GecRetire,
        _check_retire,
        _apply_retire,
        summary="Retire a serial range for a beneficiary, consumer meters and period.",
    )
)
EXPIRE = REGISTRY.register(
    EntryKind(
        "gec.expire",
        GecExpire,
        _check_expire,
        _apply_expire,
        roles=frozenset({"registry"}),
        summary="Mark unretired units of a serial range as expired (issuing registry).",
    )
)
