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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.attribution.engine import PeriodRun
from ledger.attribution.inputs import Scope
from ledger.attribution.kind import AttributionRunPayload, compute, scope_of
from ledger.attribution.records import MonthInputs
from ledger.attribution.result import METHOD_VERSION, MonthResult
from ledger.attribution.row_store import RowCollector
from ledger.attribution.rows import ROWS_FORMAT
from ledger.energy.periods import months_between, parse_period
from ledger.errors import IntegrityFailure, LedgerError, NotFound, RuleViolation
from ledger.log.entry import Submission
from ledger.log.keys import Ed25519PrivateKey, Ed25519PublicKey
from ledger.store.append import Ledger
from ledger.store.export import EntrySource, ExportedLog, verify_export
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
# Kinds that feed no attribution input: skipped when a run is re-run from the log (a footprint or a
# certificate cites runs, which the replay does not record).
_NOT_INPUTS = ("attribution.run", "footprint.", "certificate.", "verification.")


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
    rows_root: str
    row_count: int
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
    rows_root: str | None = None  # re-computed root of the result rows (runs that commit to rows)

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
) -> tuple[PeriodRun, dict[str, int], int, RowCollector]:
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
        collector = RowCollector(s)

        def both(inputs: MonthInputs, result: MonthResult, h: str, requested: tuple[str, ...]) -> None:
            collector.add(inputs, result)
            sink(inputs, result, h, requested)

        run = compute(s, scope, months, on_missing, both)
        # Read after computing: the inputs seen are those of a log no longer than this.
        log_end = int(s.scalar(select(func.coalesce(func.max(LedgerEntryRow.seq), -1))) or 0) + 1
    return run, acc, log_end, collector


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
        run, acc, log_end, rows = _compute_totals(ledger, scope, months, on_missing, progress)
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
            rows_format=ROWS_FORMAT,
            rows_root=rows.root(),
            row_count=len(rows.rows),
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
            rows_root=rows.root(),
            row_count=len(rows.rows),
            attempts=attempt,
            **acc,
        )
    raise AssertionError("unreachable")  # the loop returns or raises


def run_payload(ledger: EntrySource, run_seq: int) -> AttributionRunPayload:
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


def verify_run(ledger: EntrySource, run_seq: int) -> VerifyRunReport:
    """Re-run the recorded run at ``run_seq`` from log entries ``[0, log_end)``.

    The projections are rebuilt in a scratch SQLite database through the
    kinds' own rules (earlier ``attribution.run`` entries, footprints,
    certificates and statements are skipped: they feed no input); a run that
    commits to result rows must give the same rows root too. Returns a
    report; never raises for a failed re-run, only ``NotFound`` when
    ``run_seq`` is not a run.
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
            entries = (
                e for e in ledger.entries(p.log_start, p.log_end) if not e.kind.startswith(_NOT_INPUTS)
            )
            try:
                replay_entries(entries, scratch)
            except LedgerError as e:
                return report(False, None, months[0], e.diagnostics())

            class _Differs(Exception):
                pass

            collector = RowCollector(scratch)

            def sink(inputs: MonthInputs, result: MonthResult, h: str, _q: tuple[str, ...]) -> None:
                checked.append(h)
                if h != p.month_sha256[len(checked) - 1]:
                    raise _Differs(inputs.month)
                if p.rows_root is not None:
                    collector.add(inputs, result)

            try:
                run = compute(scratch, scope_of(p), months, p.on_missing, sink)
            except _Differs as d:
                return report(False, None, str(d.args[0]))
            except LedgerError as e:
                return report(False, None, months[len(checked)], e.diagnostics())
            rows_root = collector.root() if p.rows_root is not None else None
    finally:
        engine.dispose()
    ok = (
        run.sha256 == p.sha256
        and rows_root == p.rows_root
        and (rows_root is None or len(collector.rows) == p.row_count)
    )
    done = report(ok, run.sha256, None if ok else months[-1])
    return replace(done, rows_root=rows_root)


def verify_run_in_export(log_path: Path, trust: Ed25519PublicKey, run_seq: int) -> VerifyRunReport:
    """:func:`verify_run` offline, from an export (``log.jsonl`` with its ``checkpoints.jsonl``).

    The export is verified against the operator key ``trust`` first (every hash, link, signature
    and checkpoint); ``IntegrityFailure`` (``export.invalid``) naming the first fault if it fails.
    """
    checked = verify_export(log_path, trust)
    if not checked.ok:
        where = f" at seq {checked.first_bad_seq}" if checked.first_bad_seq is not None else ""
        raise IntegrityFailure(
            f"the export does not verify{where} [{checked.code}]: {checked.reason}", code="export.invalid"
        )
    return verify_run(ExportedLog(log_path), run_seq)


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
