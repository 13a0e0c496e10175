"""Strict readings files (issue 13, point 9): bad numbers and headers are named problems with file
rows, nothing is written, and nothing but the package's errors ever escapes the importer."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ledger.energy.readings import MAX_WH, ReadingBatchRow
from ledger.energy.readings_import import (
    MISSING,
    NOT_A_NUMBER,
    OK,
    OUT_OF_RANGE,
    ImportRejected,
    cell_values,
    import_readings,
    plan_import,
    read_table,
)
from ledger.errors import BadEntry, LedgerError
from ledger.store.append import Ledger
from tests.conftest import Park
from tests.ledger.energy_helpers import state

T0 = datetime(2025, 12, 31, 16, tzinfo=UTC)  # 2026-01-01 00:00 Asia/Shanghai


def _stamp(i: int, step_min: int = 15) -> str:
    return (T0 + timedelta(minutes=step_min * i)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _snapshot(ledger: Ledger) -> tuple[tuple[int, bytes, int], int]:
    """Log size, root and checkpoints, and the readings projection's row count."""
    with ledger.db.read_session() as s:
        batches = s.scalar(select(func.count()).select_from(ReadingBatchRow)) or 0
    return state(ledger), batches


def _long_csv(tmp_path: Path, cells: list[str], unit: str = "kwh", meter: str = "C-1") -> Path:
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["meter_id", "start", unit])
    for i, cell in enumerate(cells):
        w.writerow([meter, _stamp(i), cell])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _rejected(park: Park, path: Path, **kw: str) -> list[tuple[str, int | None]]:
    """Import ``path`` as E-1, expect a rejection that wrote nothing; the (code, row) pairs."""
    before = _snapshot(park.ledger)
    with pytest.raises(ImportRejected) as e:
        import_readings(park.ledger, path, "E-1", park.keys["E-1"], **kw)  # type: ignore[arg-type]
    assert _snapshot(park.ledger) == before
    return [(p.code, p.row) for p in e.value.problems]


# -- the attacks of the issue, one test each ----------------------------------------------------


@pytest.mark.parametrize(
    "cell", ["true", "false", "0x10", "abc", "12kWh", "1,000", "nan", "NaN", "+-1", "１"]
)
def test_text_that_is_not_a_plain_decimal_is_not_a_number(
    make_energy_park: Callable[[], Park], tmp_path: Path, cell: str
) -> None:
    park = make_energy_park()
    cells = ["1"] * 8
    cells[3] = cell  # file line 5 (header is line 1)
    assert _rejected(park, _long_csv(tmp_path, cells)) == [("readings.not_a_number", 5)]


@pytest.mark.parametrize("cell", ["inf", "-inf", "Infinity", "1e30", "9e15", "1e400", "2147483.648"])
def test_numbers_beyond_the_ledger_range_are_out_of_range_not_negative(
    make_energy_park: Callable[[], Park], tmp_path: Path, cell: str
) -> None:
    park = make_energy_park()
    cells = ["1"] * 8
    cells[6] = cell
    code = "readings.not_a_number" if cell.lstrip("-").isalpha() else "readings.out_of_range"
    assert _rejected(park, _long_csv(tmp_path, cells)) == [(code, 8)]


def test_the_largest_value_the_ledger_holds_is_accepted(
    make_energy_park: Callable[[], Park], tmp_path: Path
) -> None:
    park = make_energy_park()
    cells = ["1"] * 8
    cells[0] = "2147483.647"  # MAX_WH in kWh
    report = import_readings(park.ledger, _long_csv(tmp_path, cells), "E-1", park.keys["E-1"], dry_run=True)
    assert report.total_wh == MAX_WH + 7 * 1000


def test_a_meter_column_repeated_in_a_wide_header_is_named(
    make_energy_park: Callable[[], Park], tmp_path: Path
) -> None:
    park = make_energy_park()
    path = tmp_path / "dup.csv"
    rows = ["start,C-1,C-2,C-1"] + [f"{_stamp(i)},1,2,3" for i in range(8)]
    path.write_text("\n".join(rows) + "\n")
    problems = _rejected(park, path)
    assert problems == [("readings.duplicate_column", 1)]


def test_a_time_column_repeated_in_any_case_is_named(
    make_energy_park: Callable[[], Park], tmp_path: Path
) -> None:
    park = make_energy_park()
    path = tmp_path / "dup.csv"
    rows = ["start,C-1,Start"] + [f"{_stamp(i)},1,{_stamp(i)}" for i in range(8)]
    path.write_text("\n".join(rows) + "\n")
    assert _rejected(park, path) == [("readings.duplicate_column", 1)]


def test_a_byte_that_is_not_utf8_is_named_with_its_line(
    make_energy_park: Callable[[], Park], tmp_path: Path
) -> None:
    park = make_energy_park()
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        b"meter_id,start,kwh\nC-1," + _stamp(0).encode() + b",1\nC-1," + _stamp(1).encode() + b",\xb51\n"
    )
    before = _snapshot(park.ledger)
    with pytest.raises(BadEntry) as e:
        import_readings(park.ledger, path, "E-1", park.keys["E-1"])
    assert e.value.code == "import.encoding" and e.value.details["row"] == 3
    assert _snapshot(park.ledger) == before


def test_parquet_values_must_be_numbers_in_range(
    make_energy_park: Callable[[], Park], tmp_path: Path
) -> None:
    park = make_energy_park()
    starts = pa.array([T0 + timedelta(minutes=15 * i) for i in range(4)], pa.timestamp("s", tz="UTC"))
    cases = {
        "bool": (pa.array([True, False, True, True]), "readings.not_a_number"),
        "int": (pa.array([1, 9_000_000_000_000_000, 1, 1], pa.int64()), "readings.out_of_range"),
        "float": (pa.array([1.0, 2.0, float("inf"), 1.0]), "readings.out_of_range"),
        "text": (pa.array(["1", "2", "0x10", "1"]), "readings.not_a_number"),
    }
    for name, (values, code) in cases.items():
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table({"start": starts, "C-1": values}), path)
        got = _rejected(park, path, unit="kwh")
        assert {c for c, _row in got} == {code}, name
        assert all(row is not None for _c, row in got), name


def test_problems_name_the_cell_text(make_energy_park: Callable[[], Park], tmp_path: Path) -> None:
    park = make_energy_park()
    with pytest.raises(ImportRejected) as e:
        import_readings(park.ledger, _long_csv(tmp_path, ["1", "12kWh", "9e15"]), "E-1", park.keys["E-1"])
    messages = [p.message for p in e.value.problems]
    assert any("'12kWh' is not a plain decimal number" in m for m in messages)
    assert any("'9e15' kwh is outside [0, 2147483647] Wh" in m for m in messages)


def test_blank_cells_are_missing_and_blanks_around_numbers_are_ignored() -> None:
    cells = cell_values(pa.array(["", "  ", " 2.5 ", "1e-3", ".5", "5."]), "kwh")
    assert cells.verdict.tolist() == [MISSING, MISSING, OK, OK, OK, OK]
    assert cells.milli.tolist() == [0, 0, 2_500_000, 1_000, 500_000, 5_000_000]


def test_boolean_and_nested_columns_are_never_numbers() -> None:
    assert cell_values(pa.array([True, None]), "wh").verdict.tolist() == [NOT_A_NUMBER, MISSING]
    nested = pa.array([[1], [2]], pa.list_(pa.int64()))
    assert cell_values(nested, "wh").verdict.tolist() == [NOT_A_NUMBER, NOT_A_NUMBER]
    assert cell_values(pa.array([2**62], pa.uint64()), "mwh").verdict.tolist() == [OUT_OF_RANGE]


# -- properties ----------------------------------------------------------------------------------

_SCALE = {"wh": 3, "kwh": 6, "mwh": 9}  # decimals that are whole milli-Wh


@st.composite
def _valid_files(draw: st.DrawFn) -> tuple[str, str, str, dict[str, list[str]]]:
    """(format, layout, unit, {meter: value texts}): a valid file of one or two meters."""
    unit = draw(st.sampled_from(sorted(_SCALE)))
    places = _SCALE[unit]
    limit = Decimal(MAX_WH) / Decimal(10 ** (places - 3))
    value = st.decimals(min_value=0, max_value=limit, places=places, allow_nan=False, allow_infinity=False)
    n = draw(st.integers(1, 120))
    meters = draw(st.sampled_from([["C-1"], ["C-1", "C-2"]]))
    texts = {m: [format(draw(value), "f") for _ in range(n)] for m in meters}
    return draw(st.sampled_from(["csv", "parquet"])), draw(st.sampled_from(["long", "wide"])), unit, texts


def _write_valid(tmp_path: Path, fmt: str, layout: str, unit: str, texts: dict[str, list[str]]) -> Path:
    n = len(next(iter(texts.values())))
    stamps = [_stamp(i) for i in range(n)]
    if layout == "wide":
        frame = pd.DataFrame({"start": stamps, **texts})
    else:
        frame = pd.DataFrame(
            {
                "meter_id": [m for m in texts for _ in range(n)],
                "start": stamps * len(texts),
                unit: [v for vs in texts.values() for v in vs],
            }
        )
    path = tmp_path / f"{uuid.uuid4().hex}.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    else:  # text cells in Parquet are checked like CSV cells; floats are exact for these decimals
        if layout == "wide":
            frame = frame.astype({m: "float64" for m in texts})
        else:
            frame[unit] = frame[unit].astype("float64")
        frame["start"] = pd.to_datetime(frame["start"], utc=True)
        frame.to_parquet(path)
    return path


def test_valid_files_conserve_every_meters_total(
    make_energy_park: Callable[[], Park], tmp_path: Path
) -> None:
    """Per meter, the integer total is the exact total (in milli-Wh) rounded half up; values stay >= 0."""
    park = make_energy_park()
    scale = {"wh": 1000, "kwh": 1_000_000, "mwh": 1_000_000_000}

    @given(_valid_files())
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def check(case: tuple[str, str, str, dict[str, list[str]]]) -> None:
        fmt, layout, unit, texts = case
        path = _write_valid(tmp_path, fmt, layout, unit, texts)
        table, offset = read_table(path)
        with park.ledger.db.read_session() as s:
            plan = plan_import(table, offset, s, "E-1", unit=unit if layout == "wide" else None)
        assert plan.problem_count == 0, plan.problems[:3]
        got = {series.meter: series for series in plan.series}
        assert set(got) == set(texts)
        for meter, values in texts.items():
            milli = sum((Decimal(v) * scale[unit] for v in values), Decimal(0))
            assert milli == milli.to_integral_value()
            assert int(got[meter].wh.sum()) == (int(milli) + 500) // 1000
            assert (got[meter].wh >= 0).all() and (got[meter].wh <= MAX_WH).all()
        assert plan.total_wh == sum(int(s.wh.sum()) for s in plan.series)

    check()


_CELL = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


def test_arbitrary_cell_text_raises_only_the_packages_errors(
    make_energy_park: Callable[[], Park], tmp_path: Path
) -> None:
    """Any text in any cell (values, times, meter ids, header) is a named problem or a clean plan."""
    park = make_energy_park()

    @given(
        st.lists(st.tuples(_CELL, _CELL, _CELL), min_size=1, max_size=12),
        st.sampled_from(["meter_id,start,kwh", "start,C-1,C-1", "start,C-1,C-3", "x,y,z"]),
        st.booleans(),
    )
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def check(rows: list[tuple[str, str, str]], header: str, keep_times: bool) -> None:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header.split(","))
        for i, (a, b, c) in enumerate(rows):
            if header.startswith("meter_id"):
                w.writerow([a, _stamp(i) if keep_times else b, c])
            else:
                w.writerow([_stamp(i) if keep_times else a, b, c])
        path = tmp_path / f"{uuid.uuid4().hex}.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        try:
            table, offset = read_table(path)
            with park.ledger.db.read_session() as s:
                plan_import(table, offset, s, "E-1")
        except LedgerError:
            pass

    before = _snapshot(park.ledger)
    check()
    assert _snapshot(park.ledger) == before
