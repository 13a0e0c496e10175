"""The ``attribution.run`` kind: a recorded, reproducible attribution.

Payload: the period (``first_month..last_month``, park-local calendar months
in the time zone of the scope's park), the
scope (a list of consumer meters, or every consumer meter of a park or of an
enterprise), the range of the log that was read (``log_start`` = 0,
``log_end`` = the log size when the inputs were read), the method version,
the ``on_missing`` policy, the SHA-256 of every month's canonical result and
the period hash over them (:func:`ledger.attribution.encoding.period_hash`),
and the RFC 9162 root over its result rows with their count and format
(``rows_root``, ``row_count``, ``rows_format``: :mod:`ledger.attribution.rows`;
absent in runs recorded before rows existed, which stay readable).

Rule (so every recorded run is reproducible): the attribution is re-run
month by month from the projections -- before the writer lock is taken
(``prepare``), on the log as it stands; under the lock only the cheap
``changed_since`` look below confirms that nothing the run read was recorded
after ``log_end`` (a replay re-runs it in the transaction) -- and
every month hash must equal the recorded one, and so must the rows root
(``attribution.rows_mismatch``). On a difference the entry is
rejected with ``attribution.hash_mismatch`` when ``log_end`` is the current
log size (the inputs are the ones claimed, the hash is wrong), and with
``attribution.log_moved`` when the log has grown since ``log_end`` (the
inputs may have changed: re-run and resubmit). A run whose ``log_end`` is
behind the log is accepted only when its hashes match *and* no projected
input of its meters and months (reading batches overlapping the period,
corrections, links, settlements, retirements, meter registrations) carries
a ``seq >= log_end`` (:func:`ledger.attribution.inputs.changed_since`): then
the state at ``log_end`` and now are the same inputs, and a re-run from log
``[0, log_end)`` reproduces the hash. Failures of the inputs keep their own codes
(``attribution.unknown_meter``, ``attribution.not_consumer``,
``attribution.missing_readings``, ``attribution.meter_not_owned``, ...).

Who may submit: the operator and verifiers for any scope; an enterprise for
meters it owns or for itself; a park actor for meters of parks it
administers or for such a park (``attribution.not_authorised`` otherwise).

The projection (:mod:`ledger.attribution.store`) is computed by the rule and
written by the projection step; the rows of a run are held zlib-compressed
between the two (a few KiB per meter-month).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from ledger.attribution.encoding import result_hash
from ledger.attribution.engine import PeriodRun, attribute_period
from ledger.attribution.inputs import Scope, changed_since, load_month, meters_read_once, resolve_scope
from ledger.attribution.records import MonthInputs
from ledger.attribution.result import METHOD_VERSION, MonthResult
from ledger.attribution.row_store import RowCollector, insert_rows
from ledger.attribution.rows import ROWS_FORMAT
from ledger.attribution.store import TABLES, AttributionRunRow, month_rows
from ledger.energy.meters import all_meters
from ledger.energy.parks import RecordId, get_park
from ledger.energy.periods import DEFAULT_TIME_ZONE, months_between
from ledger.errors import RuleViolation
from ledger.kinds.actors import ActorId
from ledger.log.entry import Entry
from ledger.store.actors import require_actor
from ledger.store.db import bulk_insert
from ledger.store.queries import log_size
from ledger.store.registry import REGISTRY, AppendContext, EntryKind

__all__ = ["AttributionRunPayload", "MAX_MONTHS", "RUN", "compute", "scope_of"]

MAX_MONTHS = 1200  # a century of months; keeps the payload small
_HEX64 = r"^[0-9a-f]{64}$"
_ROWS = "attribution.rows"
_RESULT_ROWS = "attribution.result_rows"
_UNPLACED = -1  # run_seq of rows computed before the entry has its seq (set by _check)


class AttributionRunPayload(BaseModel):
    """Payload of ``attribution.run``. Exactly one of ``meters``, ``park``, ``enterprise``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    first_month: str = Field(pattern=r"^\d{4}-\d{2}$")
    last_month: str = Field(pattern=r"^\d{4}-\d{2}$")
    meters: list[RecordId] | None = Field(default=None, min_length=1, max_length=10_000)
    park: RecordId | None = None
    enterprise: ActorId | None = None
    log_start: int = Field(default=0, ge=0)
    log_end: int = Field(ge=1)
    method: str = Field(min_length=1, max_length=64)
    on_missing: Literal["raise", "gap"] = "raise"
    month_sha256: list[str] = Field(min_length=1, max_length=MAX_MONTHS)
    sha256: str = Field(pattern=_HEX64)
    # The committed result rows (ledger.attribution.rows); absent in runs recorded before them.
    rows_format: Literal["tanji.attribution.rows/1"] | None = None
    rows_root: str | None = Field(default=None, pattern=_HEX64)
    row_count: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_scope(self) -> AttributionRunPayload:
        if sum(x is not None for x in (self.meters, self.park, self.enterprise)) != 1:
            raise ValueError("exactly one of meters, park, enterprise is required")
        if len({x is None for x in (self.rows_format, self.rows_root, self.row_count)}) != 1:
            raise ValueError("rows_format, rows_root and row_count go together")
        return self


def scope_of(p: AttributionRunPayload) -> Scope:
    """The payload's scope."""
    return Scope(meters=None if p.meters is None else tuple(p.meters), park=p.park, enterprise=p.enterprise)


Sink = Callable[[MonthInputs, MonthResult, str, tuple[str, ...]], None]


def compute(
    session: Session,
    scope: Scope,
    months: tuple[str, ...],
    on_missing: Literal["raise", "gap"],
    sink: Sink | None = None,
) -> PeriodRun:
    """Attribute ``months`` for ``scope`` from the projections visible in ``session``.

    One month in memory at a time. ``sink(inputs, result, month_hash,
    requested)`` sees every month. Raises the inputs' named errors.
    """
    requested_of: dict[str, tuple[str, ...]] = {}
    hashes: list[str] = []

    def load(month: str) -> MonthInputs:
        requested_of[month] = resolve_scope(session, scope, month)
        return load_month(session, month, requested_of[month])

    def collect(inputs: MonthInputs, result: MonthResult) -> None:
        h = result_hash(result)  # the driver hashes too; this one feeds the sink
        hashes.append(h)
        if sink is not None:
            sink(inputs, result, h, requested_of[inputs.month])

    with meters_read_once(session):
        run = attribute_period(months, load, on_missing=on_missing, sink=collect)
    assert tuple(hashes) == run.month_hashes  # the driver hashes the same results
    return run


def _authorise(session: Session, actor_id: str, scope: Scope) -> None:
    role = require_actor(session, actor_id).role
    if role in ("operator", "verifier"):
        return
    meters = all_meters(session)

    def administers(park_id: str) -> bool:
        park = get_park(session, park_id)
        return park is not None and park.admin == actor_id

    if scope.meters is not None:
        known = [meters[m] for m in scope.meters if m in meters]
        ok = all(m.owner == actor_id if role == "enterprise" else administers(m.park_id) for m in known)
    elif scope.park is not None:
        ok = role == "park" and administers(scope.park)
    else:
        ok = role == "enterprise" and scope.enterprise == actor_id
    if not ok:
        raise RuleViolation(
            f"actor {actor_id!r} ({role}) may not record an attribution of {scope.describe()}",
            code="attribution.not_authorised",
            actor=actor_id,
        )


@dataclass(frozen=True)
class _Computed:
    """A run re-computed and compared with its payload: the projection rows (``run_seq`` still to be set),
    the committed result rows, the meters whose readings fed it and its time zone."""

    actor: str
    rows: dict[str, list[dict[str, Any]]]
    result_rows: list[Any] | None
    read: tuple[str, ...]
    time_zone: str


def _months(p: AttributionRunPayload, log_size: int) -> tuple[str, ...]:
    """The payload's months, after the checks that need no projection."""
    if p.method != METHOD_VERSION:
        raise RuleViolation(
            f"method {p.method!r} is not this ledger's {METHOD_VERSION!r}",
            code="attribution.method_unsupported",
            method=p.method,
        )
    months = months_between(p.first_month, p.last_month)
    if len(months) > MAX_MONTHS or len(months) != len(p.month_sha256):
        raise RuleViolation(
            f"{len(p.month_sha256)} month hashes for {len(months)} months "
            f"{p.first_month}..{p.last_month} (at most {MAX_MONTHS})",
            code="attribution.bad_period",
        )
    if p.log_start != 0 or p.log_end > log_size:
        raise RuleViolation(
            f"log range [{p.log_start}, {p.log_end}) must start at 0 and end by {log_size}",
            code="attribution.bad_range",
            log_end=p.log_end,
            log_size=log_size,
        )
    return tuple(months)


def _recompute(
    session: Session, actor: str, p: AttributionRunPayload, months: tuple[str, ...], log_size: int
) -> _Computed:
    """Re-run the attribution from the projections in ``session`` (the log of ``log_size`` entries) and
    compare every month hash, the period hash and the rows root with the payload."""
    scope = scope_of(p)
    _authorise(session, actor, scope)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in TABLES}
    committed = RowCollector(session) if p.rows_root is not None else None
    read: set[str] = set()  # every meter whose readings fed the run
    zones: set[str] = set()

    def sink(inputs: MonthInputs, result: MonthResult, h: str, requested: tuple[str, ...]) -> None:
        read.update(inputs.consumer_ids, inputs.generator_ids, inputs.export_ids)
        zones.add(inputs.time_zone)
        i = len(rows["months"])
        if h != p.month_sha256[i]:
            moved = p.log_end < log_size
            raise RuleViolation(
                f"month {inputs.month}: re-run gives sha256 {h}, the entry says {p.month_sha256[i]}"
                + (
                    f"; the log grew from {p.log_end} to {log_size} entries: re-run and resubmit"
                    if moved
                    else ""
                ),
                code="attribution.log_moved" if moved else "attribution.hash_mismatch",
                month=inputs.month,
                expected=p.month_sha256[i],
                actual=h,
            )
        for key, new in month_rows(_UNPLACED, inputs, result, h, frozenset(requested)).items():
            rows[key].extend(new)
        if committed is not None:
            committed.add(inputs, result)

    run = compute(session, scope, months, p.on_missing, sink)
    _unchanged_since_log_end(session, p, months, read, log_size)
    if run.sha256 != p.sha256:
        raise RuleViolation(
            f"period sha256 {run.sha256} differs from the entry's {p.sha256}",
            code="attribution.hash_mismatch",
            expected=p.sha256,
            actual=run.sha256,
        )
    if committed is not None:
        assert p.rows_format == ROWS_FORMAT  # the schema admits no other
        committed.check(str(p.rows_root), p.row_count)
    return _Computed(
        actor,
        rows,
        committed.rows if committed is not None else None,
        tuple(sorted(read)),
        min(zones) if zones else DEFAULT_TIME_ZONE,
    )


def _unchanged_since_log_end(
    session: Session, p: AttributionRunPayload, months: tuple[str, ...], read: Iterable[str], log_size: int
) -> None:
    """A run read at ``log_end`` holds in a longer log only if no input of its meters and months was
    recorded since (then the state at ``log_end`` and now are the same inputs)."""
    if p.log_end >= log_size:
        return
    moved = changed_since(session, p.log_end, months, sorted(read))
    if moved is not None:
        raise RuleViolation(
            f"the inputs changed at seq {moved}, after the run's log_end {p.log_end}: re-run and resubmit",
            code="attribution.log_moved",
            changed_seq=moved,
            log_end=p.log_end,
        )


def _prepare(session: Session, actor: str, p: AttributionRunPayload) -> _Computed | None:
    """The re-run, before the writer lock (issue 18: no long lock); None when the run reads entries of
    its own batch. Under the lock ``_check`` only asks ``changed_since`` whether an input was recorded
    after ``log_end``."""
    size = log_size(session)
    if p.log_end > size:
        return None
    return _recompute(session, actor, p, _months(p, size), size)


def _check(ctx: AppendContext, entry: Entry, p: AttributionRunPayload) -> None:
    months = _months(p, ctx.seq)
    done = ctx.prepared
    if isinstance(done, _Computed) and done.actor == entry.actor:
        # computed on the log as it stood before the lock; if it grew since, nothing the run read may
        # have changed after log_end (a cheap look at the projections)
        _unchanged_since_log_end(ctx.session, p, months, done.read, ctx.seq)
    else:
        done = _recompute(ctx.session, entry.actor, p, months, ctx.seq)
    for table_rows in done.rows.values():
        for row in table_rows:
            row["run_seq"] = entry.seq
    if done.result_rows is not None:
        ctx.cache[_RESULT_ROWS] = (entry.seq, done.result_rows)
    ctx.cache[_ROWS] = (entry.seq, done.rows, done.time_zone)


def _apply(ctx: AppendContext, entry: Entry, p: AttributionRunPayload) -> None:
    seq, rows, time_zone = ctx.cache.pop(_ROWS)
    assert seq == entry.seq  # computed by _check for this very entry
    if p.rows_root is not None:
        rows_seq, result_rows = ctx.cache.pop(_RESULT_ROWS)
        assert rows_seq == entry.seq
        insert_rows(ctx.session, entry.seq, result_rows)
    scope = scope_of(p)
    ctx.session.execute(
        insert(cast(Table, AttributionRunRow.__table__)),
        [
            {
                "seq": entry.seq,
                "actor": entry.actor,
                "first_month": p.first_month,
                "last_month": p.last_month,
                "scope": json.dumps(
                    {
                        "meters": None if scope.meters is None else list(scope.meters),
                        "park": scope.park,
                        "enterprise": scope.enterprise,
                    },
                    sort_keys=True,
                    separators=(",", ":"),
                ),
                "log_end": p.log_end,
                "method": p.method,
                "on_missing": p.on_missing,
                "sha256": p.sha256,
                "time_zone": time_zone,
            }
        ],
    )
    for key, model in TABLES.items():
        bulk_insert(ctx.session, model, rows[key])


RUN = REGISTRY.register(
    EntryKind(
        "attribution.run",
        AttributionRunPayload,
        _check,
        _apply,
        roles=frozenset({"operator", "verifier", "enterprise", "park"}),
        prepare=_prepare,
        summary="A reproducible attribution: period, meters, log range read, method, result SHA-256.",
    )
)
