"""Interval readings: the ``readings.batch`` and ``readings.correct`` kinds.

A batch is ``len(values)`` consecutive intervals of one meter starting at
``start`` (aligned to its ``resolution``): ``[start + i·step, start + (i+1)·step)``
holds ``values[i]`` Wh. Live batches of a meter never overlap. A correction
names the batch entries it replaces (by ``seq``); those stay in the log but
are no longer live, and the correction itself must not overlap any other
live batch.

The projection keeps one row per batch, its values packed as little-endian
int64 bytes, so a year of 15-minute data for a meter is 365 rows, not 35,040.
``hourly_matrix`` turns the live rows of a month into dense ``[meters, hours]``
arrays with an explicit presence mask.

Within an append, new rows are queued (``AppendContext.insert``) and written
in one statement before the append's next query or at its end (this module's
own Core reads call ``write_pending`` first), and the overlap rule takes a cached fast path
for batches that start after everything live of their meter: a big import
costs no SQL round trip per entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.energy.meters import require_meter
from ledger.energy.parks import RecordId
from ledger.energy.periods import (
    Instant,
    Resolution,
    check_aligned,
    format_instant,
    from_datetime,
    parse_instant,
    resolution_seconds,
)
from ledger.errors import RuleViolation
from ledger.log.entry import Entry
from ledger.store.registry import REGISTRY, AppendContext, EntryKind, write_pending
from ledger.store.tables import Base

MAX_VALUES = 35_136  # one leap year of 15-minute intervals
MAX_WH = 2**31 - 1  # per interval; keeps hourly sums far inside int64 and attribution's bound
HOUR = 3600


class ReadingsBatch(BaseModel):
    """Payload of ``readings.batch``: ``values[i]`` Wh in interval ``i`` from ``start``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    meter: RecordId
    start: Instant
    resolution: Resolution
    values: list[StrictInt] = Field(
        min_length=1, max_length=MAX_VALUES, description="integer Wh per interval, >= 0"
    )
    source: str | None = Field(default=None, max_length=200)


class ReadingsCorrect(ReadingsBatch):
    """Payload of ``readings.correct``: a batch that replaces the batches at the seqs in ``replaces``."""

    replaces: list[StrictInt] = Field(min_length=1, max_length=1000)
    reason: str = Field(min_length=1, max_length=500)


class ReadingBatchRow(Base):
    """Projection: one row per batch or correction; ``superseded_by`` set once corrected."""

    __tablename__ = "reading_batches"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    meter_id: Mapped[str] = mapped_column(String(128))
    start_ts: Mapped[int] = mapped_column(BigInteger)
    end_ts: Mapped[int] = mapped_column(BigInteger)
    step_s: Mapped[int] = mapped_column(Integer)
    total_wh: Mapped[int] = mapped_column(BigInteger)
    wh_le64: Mapped[bytes] = mapped_column(LargeBinary)
    superseded_by: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(128))

    __table_args__ = (Index("ix_reading_batches_meter_start", "meter_id", "start_ts"),)


_T: Table = ReadingBatchRow.__table__  # type: ignore[assignment]
_LIVE = ReadingBatchRow.superseded_by.is_(None)


def check_values(values: NDArray[np.int64], meter: str) -> None:
    """``readings.negative`` / ``readings.too_large`` naming the first offending interval."""
    bad = np.flatnonzero((values < 0) | (values > MAX_WH))
    if bad.size:
        i = int(bad[0])
        v = int(values[i])
        code, what = (
            ("readings.negative", "negative") if v < 0 else ("readings.too_large", f"above {MAX_WH} Wh")
        )
        raise RuleViolation(
            f"meter {meter!r}: value {v} Wh at interval {i} is {what} ({bad.size} such values)",
            code=code,
            meter=meter,
            index=i,
            value=v,
            count=int(bad.size),
        )


def _span(p: ReadingsBatch) -> tuple[int, int, int]:
    step = resolution_seconds(p.resolution)
    start = parse_instant(p.start, field="start")
    check_aligned(start, step)
    return start, start + step * len(p.values), step


# Prebuilt statements run on the connection: the per-entry path of a big import
# would otherwise spend most of its time building and coercing SQL.
_OVERLAP = (
    select(_T.c.seq, _T.c.start_ts, _T.c.end_ts)
    .where(_T.c.meter_id == bindparam("m"), _T.c.superseded_by.is_(None), _T.c.start_ts < bindparam("e"))
    .order_by(_T.c.start_ts.desc())
    .limit(bindparam("n"))
)
_MAX_END = (
    select(_T.c.meter_id, func.max(_T.c.end_ts)).where(_T.c.superseded_by.is_(None)).group_by(_T.c.meter_id)
)
_CACHE = "tanji.readings"  # prefix of this module's per-batch cache keys
_BULK_AFTER = 16  # distinct meters in one batch before every meter's last end is loaded at once


def _max_end(ctx: AppendContext, meter: str) -> int | None:
    """An upper bound on the end of every live batch of ``meter`` (None: it has none), cached per batch.

    Correct as an upper bound only: corrections may lower the true value, which
    merely sends the caller to the exact query.
    """
    ends: dict[str, int | None] = ctx.cache.setdefault(_CACHE + ".ends", {})
    if meter not in ends:
        if len(ends) == _BULK_AFTER and not ctx.cache.get(_CACHE + ".all"):
            write_pending(ctx.session)
            for mid, end in ctx.session.connection().execute(_MAX_END):
                ends.setdefault(mid, end)
            ctx.cache[_CACHE + ".all"] = True  # from now on, a meter not in ends has no live batch
        if ctx.cache.get(_CACHE + ".all"):
            ends[meter] = None
        else:
            write_pending(ctx.session)
            row = ctx.session.connection().execute(_OVERLAP, {"m": meter, "e": 2**62, "n": 1}).first()
            ends[meter] = None if row is None else row[2]
    return ends[meter]


def overlapping_batch(
    session: Session, meter: str, start: int, end: int, ignore: frozenset[int] = frozenset()
) -> tuple[int, int, int] | None:
    """A live batch of ``meter`` overlapping ``[start, end)``, or None.

    Live batches of a meter are disjoint, so only the one with the greatest
    start before ``end`` can overlap (the rest end before it starts); with
    ``ignore`` (batches being replaced) the scan walks back past those.
    """
    write_pending(session)
    rows = session.connection().execute(_OVERLAP, {"m": meter, "e": end, "n": len(ignore) + 1})
    for seq, s, e in rows:
        if seq in ignore:
            continue
        return (seq, s, e) if e > start else None
    return None


def _check_common(
    ctx: AppendContext, entry: Entry, p: ReadingsBatch, ignore: frozenset[int]
) -> tuple[int, int, int]:
    meter = require_meter(ctx, p.meter)
    if not meter.may_submit_readings(entry.actor):
        raise RuleViolation(
            f"actor {entry.actor!r} may not submit readings for meter {p.meter!r} "
            f"(owner {meter.owner!r}, gateway {meter.gateway!r})",
            code="readings.not_owner",
            meter=p.meter,
            actor=entry.actor,
        )
    start, end, step = _span(p)
    if meter.retired_at is not None and end > meter.retired_at:
        raise RuleViolation(
            f"meter {p.meter!r} was retired at {format_instant(meter.retired_at)}; "
            f"batch runs to {format_instant(end)}",
            code="meter.retired",
            meter=p.meter,
        )
    values = np.fromiter(p.values, dtype="<i8", count=len(p.values))  # StrictInt: no conversion
    check_values(values, p.meter)
    ctx.cache[_CACHE + ".values"] = (p, values)  # _insert's, without a second conversion
    last = _max_end(ctx, p.meter)
    # fast path for appending in time order: nothing live ends after our start
    clash = (
        None
        if (last is None or last <= start) and not ignore
        else overlapping_batch(ctx.session, p.meter, start, end, ignore)
    )
    if clash is not None:
        raise RuleViolation(
            f"meter {p.meter!r}: [{format_instant(start)}, {format_instant(end)}) overlaps the batch at seq "
            f"{clash[0]} [{format_instant(clash[1])}, {format_instant(clash[2])}); use readings.correct",
            code="readings.overlap",
            meter=p.meter,
            existing_seq=clash[0],
        )
    return start, end, step


def _insert(ctx: AppendContext, entry: Entry, p: ReadingsBatch) -> None:
    start, end, step = _span(p)
    checked = ctx.cache.pop(_CACHE + ".values", None)
    values = checked[1] if checked is not None and checked[0] is p else np.asarray(p.values, dtype="<i8")
    # queued, written in bulk with the rest of the append: no ORM object per batch
    ctx.insert(
        ReadingBatchRow,
        seq=entry.seq,
        meter_id=p.meter,
        start_ts=start,
        end_ts=end,
        step_s=step,
        total_wh=int(values.sum()),
        wh_le64=values.tobytes(),
        superseded_by=None,
        actor=entry.actor,
    )
    ends: dict[str, int | None] = ctx.cache.setdefault(_CACHE + ".ends", {})
    if p.meter in ends:
        ends[p.meter] = max(end, ends[p.meter] or end)


def _check_batch(ctx: AppendContext, entry: Entry, p: ReadingsBatch) -> None:
    _check_common(ctx, entry, p, frozenset())


def _check_correct(ctx: AppendContext, entry: Entry, p: ReadingsCorrect) -> None:
    replaces = frozenset(p.replaces)
    if len(replaces) != len(p.replaces):
        raise RuleViolation(
            f"readings.correct lists a seq twice in replaces {p.replaces}",
            code="readings.replaces_invalid",
            replaces=p.replaces,
        )
    write_pending(ctx.session)
    rows = {
        r[0]: r
        for r in ctx.session.execute(
            select(_T.c.seq, _T.c.meter_id, _T.c.superseded_by).where(_T.c.seq.in_(sorted(replaces)))
        )
    }
    for seq in p.replaces:
        row = rows.get(seq)
        if row is None or row[1] != p.meter:
            raise RuleViolation(
                f"seq {seq} is not a readings batch of meter {p.meter!r}",
                code="readings.replaces_unknown",
                meter=p.meter,
                seq=seq,
            )
        if row[2] is not None:
            raise RuleViolation(
                f"the batch at seq {seq} was corrected already by seq {row[2]}",
                code="readings.replaces_superseded",
                seq=seq,
                superseded_by=row[2],
            )
    _check_common(ctx, entry, p, replaces)


def _apply_correct(ctx: AppendContext, entry: Entry, p: ReadingsCorrect) -> None:
    write_pending(ctx.session)
    ctx.session.execute(update(_T).where(_T.c.seq.in_(p.replaces)).values(superseded_by=entry.seq))
    _insert(ctx, entry, p)


def last_reading_end(session: Session, meter_id: str) -> int | None:
    """End (epoch s) of the latest live batch of ``meter_id``, or None."""
    write_pending(session)
    end = session.scalar(select(func.max(_T.c.end_ts)).where(_T.c.meter_id == meter_id, _LIVE))
    return None if end is None else int(end)


def hourly_matrix(
    session: Session, meter_ids: Sequence[str], month_start: datetime, month_end: datetime
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Hourly Wh per meter over ``[month_start, month_end)`` from the live (corrected) batches.

    Preconditions: both bounds aware and on whole UTC hours, ``month_start <
    month_end``. Returns ``values`` int64 ``[len(meter_ids), hours]`` and
    ``present`` bool of the same shape. An hour is present only when every
    interval of it was read (all four quarters of 15-minute data); a missing
    hour has value 0 and ``present`` False — never a silent zero. Work is one
    slice assignment per batch row, none per value.
    """
    start, end = from_datetime(month_start), from_datetime(month_end)
    if start % HOUR or end % HOUR or start >= end:
        raise ValueError(
            f"bounds {month_start.isoformat()}..{month_end.isoformat()} must be whole hours, start < end"
        )
    index = {m: i for i, m in enumerate(meter_ids)}
    if len(index) != len(meter_ids):
        raise ValueError("meter_ids has duplicates")
    hours = (end - start) // HOUR
    quarters = hours * 4
    q_val = np.zeros((len(meter_ids), quarters), dtype=np.int64)
    q_seen = np.zeros((len(meter_ids), quarters), dtype=np.bool_)
    h_val = np.zeros((len(meter_ids), hours), dtype=np.int64)
    h_seen = np.zeros((len(meter_ids), hours), dtype=np.bool_)
    if meter_ids:
        write_pending(session)
        q = select(_T.c.meter_id, _T.c.start_ts, _T.c.step_s, _T.c.wh_le64).where(
            _T.c.meter_id.in_(list(meter_ids)), _LIVE, _T.c.start_ts < end, _T.c.end_ts > start
        )
        for meter, b_start, step, blob in session.execute(q):
            vals = np.frombuffer(blob, dtype="<i8")
            m = index[meter]
            # position of the batch's first interval in units of its step, relative to start
            off = (b_start - start) // step
            lo, hi = max(0, -off), min(len(vals), (end - start) // step - off)
            if lo >= hi:
                continue
            if step == 900:
                q_val[m, off + lo : off + hi] = vals[lo:hi]
                q_seen[m, off + lo : off + hi] = True
            else:
                h_val[m, off + lo : off + hi] = vals[lo:hi]
                h_seen[m, off + lo : off + hi] = True
    q_full = q_seen.reshape(len(meter_ids), hours, 4).all(axis=2)
    present = h_seen | q_full
    values = np.where(present, h_val + q_val.reshape(len(meter_ids), hours, 4).sum(axis=2), 0)
    return values.astype(np.int64), present


def energy_wh(session: Session, meter_ids: Sequence[str], start: datetime, end: datetime) -> int:
    """Total metered Wh of ``meter_ids`` over ``[start, end)`` (whole hours), counting only complete hours."""
    values, _present = hourly_matrix(session, list(dict.fromkeys(meter_ids)), start, end)
    return int(values.sum())


def energy_before(session: Session, meter_id: str, end: int) -> int:
    """Every metered Wh of ``meter_id`` in intervals that start before ``end`` (epoch seconds), from
    the live batches: the cumulative generation GEC issuance is capped by.

    Whole batches are summed in SQL; the one live batch that straddles ``end``
    (live batches of a meter are disjoint) is cut at ``end``.
    """
    write_pending(session)
    whole = session.scalar(
        select(func.coalesce(func.sum(_T.c.total_wh), 0)).where(
            _T.c.meter_id == meter_id, _LIVE, _T.c.end_ts <= end
        )
    )
    total = int(whole or 0)
    q = select(_T.c.start_ts, _T.c.step_s, _T.c.wh_le64).where(
        _T.c.meter_id == meter_id, _LIVE, _T.c.start_ts < end, _T.c.end_ts > end
    )
    for b_start, step, blob in session.execute(q):
        vals = np.frombuffer(blob, dtype="<i8")
        total += int(vals[: -(-(end - b_start) // step)].sum())
    return total


BATCH = REGISTRY.register(
    EntryKind(
        "readings.batch",
        ReadingsBatch,
        _check_batch,
        _insert,
        roles=frozenset({"enterprise", "generator", "gateway"}),
        summary="Interval readings of one meter: start, resolution, integer Wh values.",
    )
)
CORRECT = REGISTRY.register(
    EntryKind(
        "readings.correct",
        ReadingsCorrect,
        _check_correct,
        _apply_correct,
        roles=frozenset({"enterprise", "generator", "gateway"}),
        summary="Readings that replace earlier batches (named by seq); the originals stay in the log.",
    )
)
