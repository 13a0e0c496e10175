"""Bulk import of interval readings from CSV or Parquet into ``readings.batch`` entries.

Accepted layouts (detected from the columns):

- **long**: ``meter_id``, ``start`` and one value column named ``wh``, ``kwh``
  or ``mwh`` (the name gives the unit);
- **wide**: a ``start`` (or ``timestamp``) column and one column per meter id;
  the unit is given by the caller (default kWh). An empty cell is a missing
  reading.

``start`` is each interval's beginning, ISO 8601 with a UTC offset (or a
timezone-aware Parquet timestamp).

**Values are strict.** A CSV cell is a plain decimal number: optional sign,
ASCII digits with an optional fraction and an optional decimal exponent
(``12``, ``0.25``, ``1e-3``), surrounding blanks ignored; an empty cell is a
missing reading. Anything else — ``true``, ``0x10``, ``12kWh``, ``1,000``,
``nan``, ``inf`` — is ``readings.not_a_number``. Parquet value columns must be
integer, floating or decimal (a NaN or null is a missing reading); boolean and
other types are ``readings.not_a_number``. Every value must lie within
``[0, MAX_WH]`` Wh once converted (``readings.negative`` below, else
``readings.out_of_range``), checked before any integer conversion so nothing
overflows. A column name used twice in a header is
``readings.duplicate_column``. Resolution is 15 minutes or one hour, given
or inferred per meter (hourly when every timestamp is on the hour and every
step is whole hours, else 15 minutes).

**Rounding rule (conserves totals).** Values are first taken to the nearest
milli-Wh; then, per meter in time order, the running total is rounded to whole
Wh (half up) and each interval gets the difference of consecutive rounded
totals. So each meter's integer total equals its exact total rounded, every
value is within 1 Wh of its exact value, and non-negative inputs stay
non-negative.

**Batching.** One ``readings.batch`` per meter and Asia/Shanghai calendar
month (UTC+8, the parks' local time; at most 2,976 15-minute values, well
inside ``MAX_VALUES``): the fixed cost of an entry (its signature, its
verification, its leaf and row) is paid once per meter-month, not per day.
Live feeds still send day batches; both are the same ``readings.batch`` kind.
Everything is validated first — gaps, duplicates, negative or missing values,
misaligned or naive timestamps, unknown or retired meters, meters the submitter may not read, overlaps with
batches already in the log — and problems are reported with file row numbers
(CSV: the line number, header = 1; Parquet: the row number from 1) before
anything is written. Work is vectorised per meter: no Python object per value
except the per-batch lists the JSON payload needs.
"""

from __future__ import annotations

import gc
import gzip
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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
CSV_SUFFIXES = (".csv", ".txt", ".gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
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

    def month_cuts(self) -> NDArray[np.int64]:
        """Indexes where a new Asia/Shanghai calendar month starts (excluding 0)."""
        local = self.start + LOCAL_OFFSET_S + self.step * self.day_cuts()  # local midnights, as seconds
        months = local.astype("datetime64[s]").astype("datetime64[M]")
        first_month = np.datetime64(self.start + LOCAL_OFFSET_S, "s").astype("datetime64[M]")
        previous = np.concatenate(([first_month], months[:-1]))
        cuts: NDArray[np.int64] = self.day_cuts()[months != previous]
        return cuts


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

    Every CSV column is read as text, so values are checked by :func:`cell_values` (not by
    Arrow's lenient type inference) and naive and offset timestamps can be told apart.
    A column name used twice is ``ImportRejected`` (``readings.duplicate_column``); a file
    Arrow cannot read is ``BadEntry`` (``import.unreadable``, ``import.encoding``).
    """
    suffix = path.suffix.lower()
    if suffix not in (*PARQUET_SUFFIXES, *CSV_SUFFIXES):
        raise BadEntry(
            f"{path}: unsupported file type {suffix!r} (use .csv or .parquet)", code="import.unreadable"
        )
    try:
        if suffix in PARQUET_SUFFIXES:
            table, offset = pq.read_table(path), 1
        else:
            with pacsv.open_csv(path) as reader:  # the header only: names, not Arrow's guessed types
                names = reader.schema.names
            opts = pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False
            )
            table, offset = pacsv.read_csv(path, convert_options=opts), 2
    except (pa.ArrowException, OSError, ValueError) as e:
        if "invalid UTF8" in str(e) or isinstance(e, UnicodeDecodeError):
            line = _first_non_utf8_line(path)
            raise BadEntry(
                f"{path.name}: line {line} is not UTF-8 text" if line else f"{path.name}: not UTF-8 text",
                code="import.encoding",
                row=line,
            ) from e
        raise BadEntry(f"cannot read {path.name}: {e}", code="import.unreadable") from e
    _check_unique_columns(table.column_names, 1 if offset == 2 else None)
    return table, offset


def _first_non_utf8_line(path: Path) -> int | None:
    """The first line of ``path`` (1-based, after gzip) that is not UTF-8, or None."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rb") as f:
            for number, line in enumerate(f, start=1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return number
    except OSError:
        return None
    return None


def _check_unique_columns(names: Sequence[str], header_row: int | None) -> None:
    """``readings.duplicate_column`` for a name used twice (time and value names case-insensitively)."""
    reserved = {*TIME_COLUMNS, "meter_id", *UNITS_MILLI_WH}
    keys = [n.lower() if n.lower() in reserved else n for n in names]
    seen: dict[str, int] = {}
    for k in keys:
        seen[k] = seen.get(k, 0) + 1
    problems = [
        Problem(
            "readings.duplicate_column",
            f"column {name!r} appears {count} times in the header",
            header_row,
            None if name.lower() in reserved else name,
        )
        for name, count in seen.items()
        if count > 1
    ]
    if problems:
        raise ImportRejected(problems, len(problems))


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
        try:
            ns = pc.cast(col, pa.timestamp("ns", tz="UTC")).to_numpy(zero_copy_only=False).astype("int64")
        except pa.ArrowException:
            plan.add(Problem("time.malformed", "the time column has instants beyond 1677–2262"))
            return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
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


@dataclass(frozen=True)
class Cells:
    """A value column checked cell by cell (see the module docstring).

    ``milli`` holds integer milli-Wh where ``verdict`` is ``OK`` or ``NEGATIVE`` (0 elsewhere);
    ``verdict`` says per cell: a number in range, missing, not a number, negative or out of
    range. ``text(i)`` is cell ``i`` as the file has it, for messages.
    """

    milli: NDArray[np.int64]
    verdict: NDArray[np.int8]
    column: pa.ChunkedArray | pa.Array

    def text(self, i: int) -> str:
        """Cell ``i`` as the file has it (quoted, cut at 40 characters), for messages."""
        value = self.column[i].as_py()
        shown = repr(value if not isinstance(value, str) else value[:40])
        return shown if not isinstance(value, str) or len(value) <= 40 else shown + "…"


OK, MISSING, NOT_A_NUMBER, NEGATIVE, OUT_OF_RANGE = range(5)
#: A plain decimal number: sign, ASCII digits, optional fraction and decimal exponent.
DECIMAL_TEXT = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_MAX_MILLI = MAX_WH * 1000
_MAX_TOTAL_MILLI = 2**62  # per meter and file: cumulative rounding sums in int64


def _judge(
    floats: NDArray[np.float64], unit: str, known: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[np.int8]]:
    """Milli-Wh and verdicts of the ``known`` numbers ``floats`` given in ``unit``."""
    scale = UNITS_MILLI_WH[unit]
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = floats * scale
        finite = np.isfinite(scaled)
        out = known & (~finite | (np.abs(scaled) > _MAX_MILLI))
        ok = known & ~out
        milli = np.rint(np.where(ok, scaled, 0.0)).astype(np.int64)
    verdict = np.full(len(floats), MISSING, dtype=np.int8)
    verdict[ok] = OK
    verdict[ok & (milli < 0)] = NEGATIVE
    verdict[out] = OUT_OF_RANGE
    return milli, verdict


def cell_values(values: pa.ChunkedArray | pa.Array, unit: str) -> Cells:
    """Check a value column and convert it to integer milli-Wh without overflow (module docstring).

    Precondition: ``unit`` is a key of ``UNITS_MILLI_WH``. Pure; never raises for any column content.
    """
    n = len(values)
    typ = values.type
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        text = pc.utf8_trim_whitespace(values)
        empty = pc.equal(text, "").to_numpy(zero_copy_only=False)
        filled = pc.if_else(pa.array(empty), "0", text)
        try:
            # Arrow parses exactly the plain decimals, plus the words inf/nan/infinity: a fast path
            floats = pc.cast(filled, pa.float64()).to_numpy(zero_copy_only=False)
            number = ~empty
            odd = np.flatnonzero(~np.isfinite(floats))
            if odd.size:  # "1e400" is a number out of range, "inf" is not a number
                taken = pc.match_substring_regex(pc.take(text, pa.array(odd)), DECIMAL_TEXT)
                number[odd[~taken.to_numpy(zero_copy_only=False)]] = False
        except pa.ArrowInvalid:
            number = pc.match_substring_regex(text, DECIMAL_TEXT).to_numpy(zero_copy_only=False) & ~empty
            floats = pc.cast(pc.if_else(pa.array(number), text, "0"), pa.float64()).to_numpy(
                zero_copy_only=False
            )
        milli, verdict = _judge(floats, unit, number)
        verdict[~number & ~empty] = NOT_A_NUMBER
        return Cells(milli, verdict, values)
    if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ):
        present = ~np.asarray(pc.is_null(values, nan_is_null=True).to_numpy(zero_copy_only=False))
        try:
            floats = pc.cast(values, pa.float64(), safe=False).to_numpy(zero_copy_only=False)
        except pa.ArrowException:  # e.g. a decimal beyond float64: out of range anyway
            floats = np.full(n, np.inf)
        floats = np.where(present, floats, 0.0)
        milli, verdict = _judge(floats.astype(np.float64), unit, present)
        return Cells(milli, verdict, values)
    present = ~np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False))
    verdict = np.where(present, NOT_A_NUMBER, MISSING).astype(np.int8)
    return Cells(np.zeros(n, dtype=np.int64), verdict, values)


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


@dataclass(frozen=True)
class RawSeries:
    """One meter's cells in time order: file rows, epoch seconds, milli-Wh and verdicts."""

    meter: str
    rows: NDArray[np.int64]
    t: NDArray[np.int64]
    milli: NDArray[np.int64]
    verdict: NDArray[np.int8]
    cells: Cells
    offset: int
    unit: str

    def text(self, i: int) -> str:
        """The file's text of this series' value ``i``."""
        return self.cells.text(int(self.rows[i]) - self.offset)


def _raw_series(table: pa.Table, offset: int, unit: str | None, plan: Plan) -> Iterator[RawSeries]:
    """Per meter, its cells in time order (rows with a bad time are reported and left out)."""
    layout, time_col, unit_ = _layout(table, unit)
    rows = np.arange(table.num_rows, dtype=np.int64) + offset
    t, t_ok = _times(table.column(time_col), plan, rows)
    if layout == "wide":
        order = np.argsort(t, kind="stable")
        keep = order[t_ok[order]]
        for name in table.column_names:
            if name == time_col:
                continue
            cells = cell_values(table.column(name), unit_)
            yield RawSeries(
                name, rows[keep], t[keep], cells.milli[keep], cells.verdict[keep], cells, offset, unit_
            )
        return
    try:
        ids = pc.cast(table.column("meter_id"), pa.string())
    except pa.ArrowException as e:
        raise BadEntry(
            f"the meter_id column ({table.column('meter_id').type}) is not text", code="import.columns"
        ) from e
    meters = pc.dictionary_encode(ids).combine_chunks()
    codes = meters.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    names = meters.dictionary.to_pylist()
    cells = cell_values(table.column(unit_), unit_)
    keep = np.flatnonzero(t_ok)
    order = keep[np.lexsort((t[keep], codes[keep]))]
    cuts = np.flatnonzero(np.diff(codes[order])) + 1
    for part in np.split(order, cuts):
        if part.size:
            yield RawSeries(
                str(names[codes[part[0]]]),
                rows[part],
                t[part],
                cells.milli[part],
                cells.verdict[part],
                cells,
                offset,
                unit_,
            )


_VERDICT_PROBLEMS = {
    NOT_A_NUMBER: ("readings.not_a_number", "{text} is not a plain decimal number"),
    OUT_OF_RANGE: ("readings.out_of_range", "{text} {unit} is outside [0, {max_wh}] Wh"),
}


def _validate(raw: RawSeries, resolution: str | None, plan: Plan) -> Series | None:
    meter, rows, t, milli, verdict = raw.meter, raw.rows, raw.t, raw.milli, raw.verdict
    start_count = plan.problem_count
    for code in (NOT_A_NUMBER, OUT_OF_RANGE):
        name, template = _VERDICT_PROBLEMS[code]
        for i in np.flatnonzero(verdict == code)[:20]:
            what = template.format(text=raw.text(int(i)), unit=raw.unit, max_wh=MAX_WH)
            plan.add(
                Problem(name, f"meter {meter!r}: {what} at {format_instant(int(t[i]))}", int(rows[i]), meter)
            )
    for i in np.flatnonzero(verdict == MISSING)[:20]:
        plan.add(
            Problem(
                "readings.missing",
                f"meter {meter!r}: no value at {format_instant(int(t[i]))}",
                int(rows[i]),
                meter,
            )
        )
    for i in np.flatnonzero(verdict == NEGATIVE)[:20]:
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
    if float(np.sum(milli, dtype=np.float64)) >= _MAX_TOTAL_MILLI:  # the running sum stays in int64
        plan.add(
            Problem(
                "readings.out_of_range",
                f"meter {meter!r}: the file's total is beyond {_MAX_TOTAL_MILLI // 1000} Wh",
                int(rows[0]),
                meter,
            )
        )
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
    for raw in _raw_series(table, offset, unit, plan):
        name, rows = raw.meter, raw.rows
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
        series = _validate(raw, resolution, plan)
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
        plan.batches += len(series.month_cuts()) + 1
        plan.values += len(series.wh)
        plan.total_wh += int(series.wh.sum())
        if progress is not None:
            progress(len(series.wh))
    return plan


def batch_payloads(plan: Plan, source: str) -> Iterator[dict[str, Any]]:
    """The ``readings.batch`` payloads of a clean plan, unsigned: one per meter and local month."""
    names = {900: "PT15M", 3600: "PT1H"}
    for s in plan.series:
        bounds = [0, *s.month_cuts().tolist(), len(s.wh)]
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
    chunk_values: int = 1_000_000,
    validated: Progress | None = None,
    appended: Progress | None = None,
    planned: Callable[[Plan], None] | None = None,
) -> ImportReport:
    """Validate ``path`` in full, then append its batches in atomic chunks of at most ``chunk`` entries
    and about ``chunk_values`` values (a chunk closes at the first batch that reaches it; meter-month
    batches hold up to 2,976 values, so the second bound keeps a chunk's Python lists near 40 MB).

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
        with _no_cyclic_gc():
            pending: list[Submission] = []
            values = 0
            for sub in submissions(plan, actor, key, path.name):
                pending.append(sub)
                values += len(sub.payload["values"])
                if len(pending) >= chunk or values >= chunk_values:
                    first, last, done = _flush(ledger, pending, first, done, appended)
                    values = 0
            if pending:
                first, last, done = _flush(ledger, pending, first, done, appended)
        last = None if first is None else first + done - 1
    return ImportReport(
        len(plan.series), plan.batches, plan.values, plan.total_wh, done, first, last, dry_run
    )


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while chunks are built and appended.

    A chunk holds about a million values in Python lists; every full collection
    walks each of them, which cost a third of the import's time (measured in
    ``bench/bench_readings.py``). Reference counting still frees everything; cycles
    made meanwhile are collected when the collector resumes (and once on the way out).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(1)


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
