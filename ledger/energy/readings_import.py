"""Bulk import of interval readings from CSV or Parquet into ``readings.batch`` entries.

Accepted layouts (detected from the columns):

- **long**: ``meter_id``, ``start`` and one value column named ``wh``, ``kwh``
  or ``mwh`` (the name gives the unit);
- **wide**: a ``start`` (or ``timestamp``) column and one column per meter id;
  the unit is given by the caller (default kWh). An empty cell is a missing
  reading.

``start`` is each interval's beginning, ISO 8601 with a UTC offset (or a
timezone-aware Parquet timestamp). Resolution is 15 minutes or one hour, given
or inferred per meter (hourly when every timestamp is on the hour and every
step is whole hours, else 15 minutes).

**Rounding rule (conserves totals).** Values are first taken to the nearest
milli-Wh; then, per meter in time order, the running total is rounded to whole
Wh (half up) and each interval gets the difference of consecutive rounded
totals. So each meter's integer total equals its exact total rounded, every
value is within 1 Wh of its exact value, and non-negative inputs stay
non-negative.

**Batching.** One ``readings.batch`` per meter and Asia/Shanghai calendar day
(UTC+8, the parks' local day). Everything is validated first — gaps,
duplicates, negative or missing values, misaligned or naive timestamps,
unknown or retired meters, meters the submitter may not read, overlaps with
batches already in the log — and problems are reported with file row numbers
(CSV: the line number, header = 1; Parquet: the row number from 1) before
anything is written. Work is vectorised per meter: no Python object per value
except the per-batch lists the JSON payload needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from ledger.energy.meters import Meter, all_meters
from ledger.energy.periods import RESOLUTIONS, format_instant
from ledger.energy.readings import MAX_WH, overlapping_batch
from ledger.errors import BadEntry, LedgerError
from ledger.log.entry import Submission
from ledger.log.keys import Ed25519PrivateKey
from ledger.store.append import Ledger

UNITS_MILLI_WH = {"wh": 1_000, "kwh": 1_000_000, "mwh": 1_000_000_000}
LOCAL_OFFSET_S = 8 * 3600  # Asia/Shanghai, no daylight saving
DAY_S = 86_400
TIME_COLUMNS = ("start", "timestamp")
MAX_PROBLEMS = 1000

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: ``row`` is the file row number (None: the whole meter or file)."""

    code: str
    message: str
    row: int | None = None
    meter: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"code": self.code, "message": self.message, "row": self.row, "meter": self.meter}


class ImportRejected(BadEntry):
    """The file has problems; nothing was written. ``problems`` lists them (at most ``MAX_PROBLEMS``)."""

    code = "import.rejected"

    def __init__(self, problems: Sequence[Problem], total: int) -> None:
        first = problems[0]
        super().__init__(
            f"{total} problem(s) in the file; first: row {first.row}: {first.message}",
            problems=[p.to_json() for p in problems],
            total=total,
        )
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Series:
    """One meter's validated, gap-free readings: ``wh[i]`` Wh in ``[start + i·step, start + (i+1)·step)``."""

    meter: str
    step: int
    start: int
    wh: NDArray[np.int64]

    @property
    def end(self) -> int:
        """End of the last interval (epoch s)."""
        return self.start + self.step * len(self.wh)

    def day_cuts(self) -> NDArray[np.int64]:
        """Indexes where a new Asia/Shanghai day starts (excluding 0)."""
        local = self.start + LOCAL_OFFSET_S
        first_boundary = (local // DAY_S + 1) * DAY_S - local  # seconds from start to the next local midnight
        per_day = DAY_S // self.step
        first = -(-first_boundary // self.step)
        return np.arange(first, len(self.wh), per_day, dtype=np.int64)


@dataclass
class Plan:
    """What an import would write: validated series, batch count, totals and problems."""

    series: list[Series] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    batches: int = 0
    values: int = 0
    total_wh: int = 0

    def add(self, problem: Problem) -> None:
        """Record a problem (keeps the first ``MAX_PROBLEMS``)."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


@dataclass(frozen=True)
class ImportReport:
    """Outcome of an import (or a dry run)."""

    meters: int
    batches: int
    values: int
    total_wh: int
    appended: int
    first_seq: int | None
    last_seq: int | None
    dry_run: bool

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


# -- reading the file ------------------------------------------------------------------


def read_table(path: Path) -> tuple[pa.Table, int]:
    """The file as an Arrow table and the row-number offset (CSV 2: header is line 1; Parquet 1).

    Time columns of a CSV stay strings, so naive and offset timestamps can be told apart.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pq.read_table(path), 1
        if suffix in (".csv", ".txt", ".gz"):
            types = {c: pa.string() for c in (*TIME_COLUMNS, "meter_id")}
            opts = pacsv.ConvertOptions(column_types=types, strings_can_be_null=False)
            return pacsv.read_csv(path, convert_options=opts), 2
    except (pa.ArrowInvalid, OSError) as e:
        raise BadEntry(f"cannot read {path}: {e}", code="import.unreadable") from e
    raise BadEntry(
        f"{path}: unsupported file type {suffix!r} (use .csv or .parquet)", code="import.unreadable"
    )


def _times(
    col: pa.ChunkedArray, plan: Plan, rows: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Epoch seconds of a time column and a validity mask; naive or bad cells become problems."""
    n = len(col)
    ok = np.ones(n, dtype=bool)
    if pa.types.is_timestamp(col.type):
        if col.type.tz is None:
            plan.add(Problem("time.naive", "the time column has no time zone", rows[0] if n else None))
            return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
        ns = pc.cast(col, pa.timestamp("ns", tz="UTC")).to_numpy(zero_copy_only=False).astype("int64")
    elif pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        has_offset = pc.match_substring_regex(col, r"(Z|[+-]\d\d:?\d\d)$").to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(~has_offset)[:20]:
            plan.add(
                Problem("time.naive", f"timestamp {col[int(i)].as_py()!r} has no UTC offset", int(rows[i]))
            )
        ok &= has_offset
        parsed = pd.to_datetime(
            pd.Series(col.to_numpy(zero_copy_only=False)), utc=True, format="ISO8601", errors="coerce"
        )
        bad = parsed.isna().to_numpy() & ok
        for i in np.flatnonzero(bad)[:20]:
            plan.add(
                Problem("time.malformed", f"timestamp {col[int(i)].as_py()!r} is not ISO 8601", int(rows[i]))
            )
        ok &= ~bad
        ns = parsed.to_numpy(dtype="datetime64[ns]").astype("int64")
    else:
        plan.add(Problem("import.columns", f"time column has type {col.type}, not text or timestamp"))
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    sub = (ns % 1_000_000_000 != 0) & ok
    for i in np.flatnonzero(sub)[:20]:
        plan.add(Problem("time.malformed", "timestamp has a fraction of a second", int(rows[i])))
    return ns // 1_000_000_000, ok & ~sub


def _milli_wh(values: pa.ChunkedArray | pa.Array, unit: str) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Values in integer milli-Wh and a presence mask (null/NaN → absent)."""
    scale = UNITS_MILLI_WH[unit]
    if pa.types.is_integer(values.type):
        present = ~np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False))
        ints = pc.fill_null(values, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        return ints * scale, present
    floats = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    present = ~np.isnan(floats)
    return np.rint(np.where(present, floats, 0.0) * scale).astype(np.int64), present


def cumulative_round(milli: NDArray[np.int64]) -> NDArray[np.int64]:
    """Integer Wh from milli-Wh by cumulative rounding (module docstring); Σ out = round(Σ in)."""
    running = np.cumsum(milli)
    rounded = np.floor_divide(running + 500, 1000)
    return np.diff(rounded, prepend=np.int64(0))


def _layout(table: pa.Table, unit: str | None) -> tuple[str, str, str]:
    """(layout, time column, unit)."""
    names = {n.lower(): n for n in table.column_names}
    time_col = next((names[c] for c in TIME_COLUMNS if c in names), None)
    if time_col is None:
        raise BadEntry(f"no time column: expected one of {TIME_COLUMNS}", code="import.columns")
    if "meter_id" in names:
        value_cols = [c for c in UNITS_MILLI_WH if c in names]
        if len(value_cols) != 1:
            raise BadEntry(
                "long format needs exactly one value column named wh, kwh or mwh", code="import.columns"
            )
        if unit is not None and unit != value_cols[0]:
            raise BadEntry(
                f"unit {unit} given but the value column is {value_cols[0]}", code="import.columns"
            )
        return "long", time_col, value_cols[0]
    unit = (unit or "kwh").lower()
    if unit not in UNITS_MILLI_WH:
        raise BadEntry(f"unit {unit!r} is not one of {sorted(UNITS_MILLI_WH)}", code="import.columns")
    return "wide", time_col, unit


def _raw_series(
    table: pa.Table, offset: int, unit: str | None, plan: Plan
) -> Iterator[tuple[str, NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]]:
    """Per meter: (meter, file rows, epoch s, milli-Wh, present), in time order."""
    layout, time_col, unit_ = _layout(table, unit)
    rows = np.arange(table.num_rows, dtype=np.int64) + offset
    t, t_ok = _times(table.column(time_col), plan, rows)
    if layout == "wide":
        order = np.argsort(t, kind="stable")
        for name in table.column_names:
            if name == time_col:
                continue
            milli, present = _milli_wh(table.column(name), unit_)
            keep = order[t_ok[order]]
            yield name, rows[keep], t[keep], milli[keep], present[keep]
        return
    meters = pc.dictionary_encode(table.column("meter_id")).combine_chunks()
    codes = meters.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    names = meters.dictionary.to_pylist()
    milli, present = _milli_wh(table.column(unit_), unit_)
    keep = np.flatnonzero(t_ok)
    order = keep[np.lexsort((t[keep], codes[keep]))]
    cuts = np.flatnonzero(np.diff(codes[order])) + 1
    for part in np.split(order, cuts):
        if part.size:
            yield str(names[codes[part[0]]]), rows[part], t[part], milli[part], present[part]


def _validate(
    meter: str,
    rows: NDArray[np.int64],
    t: NDArray[np.int64],
    milli: NDArray[np.int64],
    present: NDArray[np.bool_],
    resolution: str | None,
    plan: Plan,
) -> Series | None:
    start_count = plan.problem_count
    for i in np.flatnonzero(~present)[:20]:
        plan.add(
            Problem(
                "readings.missing",
                f"meter {meter!r}: no value at {format_instant(int(t[i]))}",
                int(rows[i]),
                meter,
            )
        )
    for i in np.flatnonzero(milli < 0)[:20]:
        plan.add(
            Problem(
                "readings.negative",
                f"meter {meter!r}: negative value {milli[i] / 1000:g} Wh at {format_instant(int(t[i]))}",
                int(rows[i]),
                meter,
            )
        )
    diffs = np.diff(t)
    for i in np.flatnonzero(diffs == 0)[:20]:
        plan.add(
            Problem(
                "readings.duplicate",
                f"meter {meter!r}: {format_instant(int(t[i]))} appears again (first at row {rows[i]})",
                int(rows[i + 1]),
                meter,
            )
        )
    if resolution is not None:
        step = RESOLUTIONS[resolution]
    else:  # hourly when every step is whole hours on the hour, else 15 minutes
        step = 3600 if not (diffs % 3600).any() and not (t % 3600).any() else 900
    for i in np.flatnonzero(t % step)[:20]:
        plan.add(
            Problem(
                "time.misaligned",
                f"meter {meter!r}: {format_instant(int(t[i]))} is not on the {step // 60}-minute grid",
                int(rows[i]),
                meter,
            )
        )
    for i in np.flatnonzero(diffs > step)[:20]:
        plan.add(
            Problem(
                "readings.gap",
                f"meter {meter!r}: no readings from {format_instant(int(t[i]) + step)} "
                f"to {format_instant(int(t[i + 1]))}",
                int(rows[i + 1]),
                meter,
            )
        )
    for i in np.flatnonzero((diffs > 0) & (diffs < step))[:20]:
        plan.add(
            Problem(
                "time.misaligned",
                f"meter {meter!r}: step of {diffs[i]} s at {format_instant(int(t[i + 1]))}"
                f" is shorter than the resolution",
                int(rows[i + 1]),
                meter,
            )
        )
    if plan.problem_count > start_count:
        return None
    wh = cumulative_round(milli)
    big = np.flatnonzero(wh > MAX_WH)
    if big.size:
        plan.add(
            Problem(
                "readings.too_large",
                f"meter {meter!r}: {wh[big[0]]} Wh above {MAX_WH}",
                int(rows[big[0]]),
                meter,
            )
        )
        return None
    return Series(meter, step, int(t[0]), wh) if t.size else None


def plan_import(
    table: pa.Table,
    offset: int,
    session: Session,
    actor: str,
    *,
    unit: str | None = None,
    resolution: str | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Validate a whole table against the ledger's meters; nothing is written.

    Preconditions: ``resolution`` is None (infer) or a key of ``RESOLUTIONS``.
    """
    if resolution is not None and resolution not in RESOLUTIONS:
        raise BadEntry(
            f"resolution {resolution!r} is not one of {sorted(RESOLUTIONS)}", code="import.options"
        )
    plan = Plan()
    meters: dict[str, Meter] = all_meters(session)
    for name, rows, t, milli, present in _raw_series(table, offset, unit, plan):
        meter = meters.get(name)
        if meter is None:
            plan.add(
                Problem(
                    "meter.unknown",
                    f"meter {name!r} is not registered",
                    int(rows[0]) if rows.size else None,
                    name,
                )
            )
            continue
        if not meter.may_submit_readings(actor):
            plan.add(
                Problem(
                    "readings.not_owner",
                    f"actor {actor!r} may not submit readings for meter {name!r} (owner {meter.owner!r})",
                    None,
                    name,
                )
            )
            continue
        series = _validate(name, rows, t, milli, present, resolution, plan)
        if series is None:
            continue
        end = series.end
        if meter.retired_at is not None and end > meter.retired_at:
            plan.add(
                Problem(
                    "meter.retired",
                    f"meter {name!r} was retired at {format_instant(meter.retired_at)}",
                    None,
                    name,
                )
            )
            continue
        clash = overlapping_batch(session, name, series.start, end)
        if clash is not None:
            plan.add(
                Problem(
                    "readings.overlap",
                    f"meter {name!r}: the file's {format_instant(series.start)}.."
                    f"{format_instant(end)} overlaps the batch at seq {clash[0]} "
                    f"[{format_instant(clash[1])}, {format_instant(clash[2])})",
                    int(rows[0]),
                    name,
                )
            )
            continue
        plan.series.append(series)
        plan.batches += len(series.day_cuts()) + 1
        plan.values += len(series.wh)
        plan.total_wh += int(series.wh.sum())
        if progress is not None:
            progress(len(series.wh))
    return plan


def batch_payloads(plan: Plan, source: str) -> Iterator[dict[str, Any]]:
    """The ``readings.batch`` payloads of a clean plan, unsigned: one per meter and local day."""
    names = {900: "PT15M", 3600: "PT1H"}
    for s in plan.series:
        bounds = [0, *s.day_cuts().tolist(), len(s.wh)]
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            yield {
                "meter": s.meter,
                "start": format_instant(s.start + lo * s.step),
                "resolution": names[s.step],
                "values": s.wh[lo:hi].tolist(),
                "source": source,
            }


def submissions(plan: Plan, actor: str, key: Ed25519PrivateKey, source: str) -> Iterator[Submission]:
    """Signed ``readings.batch`` submissions of a clean plan (``batch_payloads`` signed by ``actor``)."""
    for payload in batch_payloads(plan, source):
        yield Submission.create("readings.batch", actor, payload, key)


def import_readings(
    ledger: Ledger,
    path: Path,
    actor: str,
    key: Ed25519PrivateKey,
    *,
    unit: str | None = None,
    resolution: str | None = None,
    dry_run: bool = False,
    chunk: int = 2000,
    validated: Progress | None = None,
    appended: Progress | None = None,
    planned: Callable[[Plan], None] | None = None,
) -> ImportReport:
    """Validate ``path`` in full, then append its batches in atomic chunks of ``chunk`` entries.

    Raises ``ImportRejected`` (nothing written) when the file has problems.
    ``validated`` / ``appended`` receive progress increments (values / entries);
    ``planned`` sees the clean plan before anything is appended (e.g. to size a bar).
    If a chunk is rejected later (e.g. a concurrent writer), the chunks before
    it stay and the error names the entry.
    """
    table, offset = read_table(path)
    with ledger.db.read_session() as s:
        plan = plan_import(table, offset, s, actor, unit=unit, resolution=resolution, progress=validated)
    del table  # keep memory to the plan's int64 arrays
    if plan.problem_count:
        raise ImportRejected(plan.problems, plan.problem_count)
    if planned is not None:
        planned(plan)
    first = last = None
    done = 0
    if not dry_run:
        pending: list[Submission] = []
        for sub in submissions(plan, actor, key, path.name):
            pending.append(sub)
            if len(pending) >= chunk:
                first, last, done = _flush(ledger, pending, first, done, appended)
        if pending:
            first, last, done = _flush(ledger, pending, first, done, appended)
        last = None if first is None else first + done - 1
    return ImportReport(
        len(plan.series), plan.batches, plan.values, plan.total_wh, done, first, last, dry_run
    )


def _flush(
    ledger: Ledger, pending: list[Submission], first: int | None, done: int, appended: Progress | None
) -> tuple[int | None, int | None, int]:
    try:
        placed = ledger.append(pending)
    except LedgerError as e:
        e.details["appended_before"] = done
        raise
    if appended is not None:
        appended(len(placed))
    first = placed[0].seq if first is None else first
    pending.clear()
    return first, placed[-1].seq, done + len(placed)
