"""Run an attribution and record it; re-run a recorded one from the log.

``run_attribution`` computes month by month from the live projections (one
month in memory at a time), signs an ``attribution.run`` entry and appends
it; the ledger re-runs it inside the append (see
:mod:`ledger.attribution.kind`). ``verify_run`` rebuilds the projections from
log entries ``[0, log_end)`` of a recorded run in a scratch database and
re-runs it there: anyone holding the log gets the same hashes, or a report
naming the first month that differs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.attribution.engine import PeriodRun
from ledger.attribution.inputs import Scope
from ledger.attribution.kind import AttributionRunPayload, compute, scope_of
from ledger.attribution.records import MonthInputs
from ledger.attribution.result import METHOD_VERSION, MonthResult
from ledger.energy.periods import months_between, parse_period
from ledger.errors import IntegrityFailure, LedgerError, NotFound, RuleViolation
from ledger.log.entry import Submission
from ledger.log.keys import Ed25519PrivateKey
from ledger.store.append import Ledger
from ledger.store.replay import replay_entries, scratch_engine
from ledger.store.tables import LedgerEntryRow

__all__ = [
    "MonthProgress",
    "RunSummary",
    "VerifyRunReport",
    "require_reproducible",
    "run_attribution",
    "run_payload",
    "verify_run",
]

_RETRIES = 3


@dataclass(frozen=True)
class MonthProgress:
    """What a progress callback sees after each month."""

    month: str
    index: int
    total: int
    sha256: str
    meters: int
    consumption_wh: int
    green_wh: int


@dataclass(frozen=True)
class RunSummary:
    """A recorded run: where it landed and its totals over the requested meters."""

    seq: int
    scope: str
    months: tuple[str, ...]
    month_sha256: tuple[str, ...]
    sha256: str
    log_end: int
    consumption_wh: int
    direct_wh: int
    claimable_direct_wh: int
    contracted_wh: int
    certificate_wh: int
    grid_wh: int
    gap_hours: int
    attempts: int = 1

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class VerifyRunReport:
    """Outcome of :func:`verify_run`. ``first_bad_month`` names the first month
    whose hash differs (or whose inputs failed, with ``error``)."""

    run_seq: int
    ok: bool
    log_end: int
    expected_sha256: str
    actual_sha256: str | None
    months_checked: int
    first_bad_month: str | None = None
    error: dict[str, Any] | None = None
    month_sha256: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _totals(acc: dict[str, int], result: MonthResult, requested: Sequence[str]) -> None:
    index = {m: i for i, m in enumerate(result.consumer_ids)}
    rows = [index[m] for m in requested]
    for name in ("consumption", "direct", "contracted", "certificate", "grid"):
        acc[f"{name}_wh"] += int(getattr(result, name)[rows].sum())
    acc["claimable_direct_wh"] += int(result.claimable_direct[rows].sum())
    acc["gap_hours"] += int(result.gap[rows].sum())


def _compute_totals(
    ledger: Ledger,
    scope: Scope,
    months: tuple[str, ...],
    on_missing: Literal["raise", "gap"],
    progress: Callable[[MonthProgress], None] | None,
) -> tuple[PeriodRun, dict[str, int], int]:
    acc = dict.fromkeys(
        (
            "consumption_wh",
            "direct_wh",
            "claimable_direct_wh",
            "contracted_wh",
            "certificate_wh",
            "grid_wh",
            "gap_hours",
        ),
        0,
    )

    def sink(inputs: MonthInputs, result: MonthResult, h: str, requested: tuple[str, ...]) -> None:
        before = acc["consumption_wh"], acc["direct_wh"] + acc["contracted_wh"] + acc["certificate_wh"]
        _totals(acc, result, requested)
        if progress is not None:
            green = acc["direct_wh"] + acc["contracted_wh"] + acc["certificate_wh"]
            progress(
                MonthProgress(
                    inputs.month,
                    months.index(inputs.month) + 1,
                    len(months),
                    h,
                    len(requested),
                    acc["consumption_wh"] - before[0],
                    green - before[1],
                )
            )

    with ledger.db.read_session() as s:
        run = compute(s, scope, months, on_missing, sink)
        # Read after computing: the inputs seen are those of a log no longer than this.
        log_end = int(s.scalar(select(func.coalesce(func.max(LedgerEntryRow.seq), -1))) or 0) + 1
    return run, acc, log_end


def run_attribution(
    ledger: Ledger,
    actor: str,
    key: Ed25519PrivateKey,
    period: Sequence[str] | str,
    meters: Sequence[str] | None = None,
    *,
    park: str | None = None,
    enterprise: str | None = None,
    on_missing: Literal["raise", "gap"] = "raise",
    progress: Callable[[MonthProgress], None] | None = None,
    client_id: str | None = None,
) -> RunSummary:
    """Attribute ``period`` for a scope and record it as an ``attribution.run`` by ``actor``.

    Preconditions: ``period`` is a period text
    (:func:`ledger.energy.periods.parse_period`) or the months in order;
    exactly one of ``meters``, ``park``, ``enterprise``; ``key`` is
    ``actor``'s current key; ``ledger`` was opened with the operator key.
    Computes month by month (one month in memory) from a read transaction,
    then appends; the ledger re-runs the attribution inside the append. If
    the log moves under the run (``attribution.log_moved``) it is re-run, up
    to three times. Raises the inputs' named errors (nothing is recorded).
    """
    months = parse_period(period) if isinstance(period, str) else tuple(period)
    scope = Scope(meters=None if meters is None else tuple(meters), park=park, enterprise=enterprise)
    for attempt in range(1, _RETRIES + 1):
        run, acc, log_end = _compute_totals(ledger, scope, months, on_missing, progress)
        payload = AttributionRunPayload(
            first_month=months[0],
            last_month=months[-1],
            meters=None if scope.meters is None else list(scope.meters),
            park=park,
            enterprise=enterprise,
            log_end=log_end,
            method=METHOD_VERSION,
            on_missing=on_missing,
            month_sha256=list(run.month_hashes),
            sha256=run.sha256,
        ).model_dump(exclude_none=True)
        try:
            placed = ledger.append(
                [Submission.create("attribution.run", actor, payload, key, client_id=client_id)]
            )
        except RuleViolation as e:
            if e.code == "attribution.log_moved" and attempt < _RETRIES:
                continue
            raise
        return RunSummary(
            seq=placed[0].seq,
            scope=scope.describe(),
            months=run.months,
            month_sha256=run.month_hashes,
            sha256=run.sha256,
            log_end=log_end,
            attempts=attempt,
            **acc,
        )
    raise AssertionError("unreachable")  # the loop returns or raises


def run_payload(ledger: Ledger, run_seq: int) -> AttributionRunPayload:
    """The payload of the ``attribution.run`` entry at ``run_seq``.

    Raises ``NotFound`` (``entry.not_found`` or ``attribution.not_a_run``).
    """
    entry = ledger.entry(run_seq)
    if entry.kind != "attribution.run":
        raise NotFound(
            f"entry {run_seq} is a {entry.kind}, not an attribution.run",
            code="attribution.not_a_run",
            seq=run_seq,
        )
    return AttributionRunPayload.model_validate(entry.payload)


def verify_run(ledger: Ledger, run_seq: int) -> VerifyRunReport:
    """Re-run the recorded run at ``run_seq`` from log entries ``[0, log_end)``.

    The projections are rebuilt in a scratch SQLite database through the
    kinds' own rules (earlier ``attribution.run`` entries are skipped: they
    feed no input). Returns a report; never raises for a failed re-run, only
    ``NotFound`` when ``run_seq`` is not a run.
    """
    p = run_payload(ledger, run_seq)
    months = months_between(p.first_month, p.last_month)
    engine = scratch_engine()
    checked: list[str] = []

    def report(
        ok: bool, actual: str | None, bad: str | None = None, error: dict[str, Any] | None = None
    ) -> VerifyRunReport:
        return VerifyRunReport(
            run_seq, ok, p.log_end, p.sha256, actual, len(checked), bad, error, tuple(checked)
        )

    try:
        with Session(engine) as scratch, scratch.begin():
            entries = (e for e in ledger.entries(p.log_start, p.log_end) if e.kind != "attribution.run")
            try:
                replay_entries(entries, scratch)
            except LedgerError as e:
                return report(False, None, months[0], e.diagnostics())

            class _Differs(Exception):
                pass

            def sink(inputs: MonthInputs, _r: MonthResult, h: str, _q: tuple[str, ...]) -> None:
                checked.append(h)
                if h != p.month_sha256[len(checked) - 1]:
                    raise _Differs(inputs.month)

            try:
                run = compute(scratch, scope_of(p), months, p.on_missing, sink)
            except _Differs as d:
                return report(False, None, str(d.args[0]))
            except LedgerError as e:
                return report(False, None, months[len(checked)], e.diagnostics())
    finally:
        engine.dispose()
    return report(run.sha256 == p.sha256, run.sha256, None if run.sha256 == p.sha256 else months[-1])


def require_reproducible(ledger: Ledger, run_seq: int) -> VerifyRunReport:
    """:func:`verify_run`, raising ``IntegrityFailure`` (``attribution.not_reproducible``)
    naming the first differing month when the run does not reproduce."""
    report = verify_run(ledger, run_seq)
    if not report.ok:
        raise IntegrityFailure(
            f"attribution run {run_seq} does not reproduce from log [0, {report.log_end}): "
            "first differing month "
            f"{report.first_bad_month}" + (f" ({report.error['code']})" if report.error else ""),
            code="attribution.not_reproducible",
            run_seq=run_seq,
            month=report.first_bad_month,
        )
    return report
