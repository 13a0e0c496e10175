"""Bulk import: layouts, units, the total-conserving rounding rule, problems with row numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.energy.readings import hourly_matrix
from ledger.energy.readings_import import ImportRejected, Series, cumulative_round, import_readings
from tests.conftest import Park
from tests.ledger.energy_helpers import state

T0 = datetime(2025, 12, 31, 16, tzinfo=UTC)  # 2026-01-01 00:00 Asia/Shanghai


def _stamps(n: int, step_min: int = 15, start: datetime = T0) -> list[str]:
    return [(start + timedelta(minutes=step_min * i)).astimezone().isoformat() for i in range(n)]


def _shanghai(n: int, step_min: int = 15, start: datetime = T0) -> list[str]:
    return [(start + timedelta(minutes=step_min * i)).strftime("%Y-%m-%dT%H:%M:%S+00:00") for i in range(n)]


@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=200))
def test_cumulative_round_conserves_totals(milli: list[int]) -> None:
    arr = np.array(milli, dtype=np.int64)
    out = cumulative_round(arr)
    assert out.sum() == (arr.sum() + 500) // 1000
    assert (out >= 0).all()
    assert (np.abs(out * 1000 - arr) < 2000).all()
    assert (np.abs(np.cumsum(out) * 1000 - np.cumsum(arr)) <= 500).all()


def test_wide_csv_kwh_two_days(make_energy_park: Callable[[], Park], tmp_path: Path) -> None:
    park = make_energy_park()
    n = 96 * 2
    kwh = np.full(n, 0.3333)  # 333.3 Wh each: rounding must conserve the total
    df = pd.DataFrame({"start": _shanghai(n), "C-1": kwh, "C-2": np.arange(n) / 10})
    path = tmp_path / "wide.csv"
    df.to_csv(path, index=False)
    report = import_readings(park.ledger, path, "E-1", park.keys["E-1"])
    assert (report.meters, report.batches, report.values) == (2, 2, 2 * n)  # one per meter-month
    assert report.total_wh == round(0.3333 * 1000 * n) + round(sum(np.arange(n) / 10) * 1000)
    with park.ledger.db.read_session() as s:
        v, p = hourly_matrix(s, ["C-1", "C-2"], T0, T0 + timedelta(days=2))
    assert p.all() and v[0].sum() == round(333.3 * n)
    assert park.ledger.verify().ok
    # importing again overlaps: rejected with the row, nothing written
    before = state(park.ledger)
    with pytest.raises(ImportRejected) as e:
        import_readings(park.ledger, path, "E-1", park.keys["E-1"])
    assert {p.code for p in e.value.problems} == {"readings.overlap"}
    assert state(park.ledger) == before


def test_long_parquet_hourly_wh(make_energy_park: Callable[[], Park], tmp_path: Path) -> None:
    park = make_energy_park()
    hours = pd.date_range(T0, periods=30, freq="h", tz="UTC")
    df = pd.DataFrame(
        {
            "meter_id": ["W-1"] * 30 + ["S-1"] * 30,
            "start": list(hours) * 2,
            "wh": np.arange(60, dtype=np.int64) * 1000,
        }
    )
    path = tmp_path / "long.parquet"
    df.sample(frac=1, random_state=1).to_parquet(path)  # order must not matter
    report = import_readings(park.ledger, path, "G-1", park.keys["G-1"], dry_run=True)
    assert report.appended == 0 and report.batches == 2 and park.ledger.size() > 0
    report = import_readings(park.ledger, path, "G-1", park.keys["G-1"])
    assert report.appended == 2
    with park.ledger.db.read_session() as s:
        v, p = hourly_matrix(s, ["S-1", "W-1"], T0, T0 + timedelta(hours=30))
    assert p.all() and (v[1] == np.arange(30) * 1000).all() and (v[0] == np.arange(30, 60) * 1000).all()


def test_problems_are_reported_with_rows(make_energy_park: Callable[[], Park], tmp_path: Path) -> None:
    park = make_energy_park()
    lines = ["meter_id,start,kwh"]
    stamps = _shanghai(8)
    for i, ts in enumerate(stamps):  # C-1: fine except a negative value at line 4
        lines.append(f"C-1,{ts},{-1 if i == 2 else 1}")
    lines += [f"C-3,{stamps[0]},1"]  # someone else's meter
    lines += [f"C-404,{stamps[0]},1"]  # unknown
    lines += ["C-2,2026-01-01T00:00:00,1"]  # naive
    lines += [f"C-2,{stamps[1]},1", f"C-2,{stamps[1]},1", f"C-2,{stamps[3]},1"]  # duplicate then gap
    lines += ["X-1,2025-12-31T16:07:00+00:00,1", "X-1,2025-12-31T16:22:00+00:00,1"]  # misaligned
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    before = state(park.ledger)
    with pytest.raises(ImportRejected) as e:
        import_readings(park.ledger, path, "E-1", park.keys["E-1"])
    got = {(p.code, p.row) for p in e.value.problems}
    assert ("readings.negative", 4) in got
    assert ("readings.not_owner", None) in got
    assert ("meter.unknown", 11) in got
    assert ("time.naive", 12) in got
    assert ("readings.duplicate", 14) in got
    assert ("readings.gap", 15) in got
    assert ("time.misaligned", 16) in got
    assert e.value.code == "import.rejected"
    assert state(park.ledger) == before


@given(st.sampled_from([900, 3600]), st.integers(0, 10**6), st.integers(1, 500))
def test_day_cuts_match_shanghai_days(step: int, slot: int, n: int) -> None:
    """Arithmetic day cuts equal the naive per-timestamp day change (Asia/Shanghai, UTC+8)."""
    start = slot * step
    series = Series("m", step, start, np.zeros(n, dtype=np.int64))
    t = start + np.arange(n, dtype=np.int64) * step
    assert (series.day_cuts() == np.flatnonzero(np.diff((t + 8 * 3600) // 86400)) + 1).all()


@given(st.sampled_from([900, 3600]), st.integers(0, 10**6), st.integers(1, 6000))
def test_month_cuts_match_shanghai_months(step: int, slot: int, n: int) -> None:
    """Month cuts equal the naive per-timestamp calendar-month change (Asia/Shanghai, UTC+8)."""
    start = 1_700_000_000 // step * step + slot * step
    series = Series("m", step, start, np.zeros(n, dtype=np.int64))
    t = start + np.arange(n, dtype=np.int64) * step
    months = (t + 8 * 3600).astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    assert (series.month_cuts() == np.flatnonzero(np.diff(months)) + 1).all()
