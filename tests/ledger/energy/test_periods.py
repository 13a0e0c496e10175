"""Months and periods: one definition (``ledger.energy.periods``), one error code per failure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ledger.energy.periods import (
    add_months,
    check_time_zone,
    format_local,
    hour_label,
    month_bounds,
    month_end,
    month_first_day,
    month_hours,
    month_of,
    month_start,
    months_between,
    next_month,
    parse_month,
    parse_period,
    period_bounds,
)
from ledger.errors import RuleViolation


def test_month_bounds_and_hours() -> None:
    utc = "UTC"
    assert month_bounds("2024-02", utc) == (
        datetime(2024, 2, 1, tzinfo=UTC),
        datetime(2024, 3, 1, tzinfo=UTC),
    )
    assert month_start("2025-12", utc) == datetime(2025, 12, 1, tzinfo=UTC)
    assert month_end("2025-12", utc) == datetime(2026, 1, 1, tzinfo=UTC)
    assert [month_hours(m) for m in ("2024-02", "2025-02", "2025-06", "2025-12")] == [696, 672, 720, 744]
    assert parse_month("2026-01", utc) == (1767225600, 1769904000)
    assert month_of(1767225600, utc) == "2026-01" and month_of(1767225599, utc) == "2025-12"
    assert next_month("2025-12") == "2026-01" and next_month("2025-01") == "2025-02"
    assert hour_label("2025-06", 5, utc) == "2025-06-01T05:00+00:00"
    assert hour_label("2025-06", 24, utc) == "2025-06-02T00:00+00:00"


def test_months_are_park_local_by_default() -> None:
    """The default zone is the park default, Asia/Shanghai: March is [02-28T16:00Z, 03-31T16:00Z)."""
    start, end = month_bounds("2025-03")
    assert start == datetime(2025, 2, 28, 16, tzinfo=UTC) and end == datetime(2025, 3, 31, 16, tzinfo=UTC)
    assert start.date() == date(2025, 3, 1) == month_first_day("2025-03")  # the local date
    assert parse_month("2026-01") == (1767225600 - 8 * 3600, 1769904000 - 8 * 3600)
    assert month_of(1767225600 - 8 * 3600) == "2026-01" and month_of(1767225600 - 8 * 3600 - 1) == "2025-12"
    assert hour_label("2025-06", 5) == "2025-06-01T05:00+08:00"
    assert format_local(1767225600) == "2026-01-01T08:00:00+08:00"
    assert period_bounds(("2025-01", "2025-12")) == (parse_month("2025-01")[0], parse_month("2025-12")[1])
    assert add_months("2025-03", 24) == "2027-03" and add_months("2025-03", -3) == "2024-12"


def test_other_zones_and_daylight_saving() -> None:
    # Europe/Berlin: March 2025 loses an hour, October gains one; labels carry the local offset
    assert month_hours("2025-03", "Europe/Berlin") == 743 and month_hours("2025-10", "Europe/Berlin") == 745
    assert hour_label("2025-03", 742, "Europe/Berlin") == "2025-03-31T23:00+02:00"
    assert check_time_zone("Asia/Shanghai") == "Asia/Shanghai"
    for tz, code in (("Mars/Olympus", "time.zone_unknown"), ("Asia/Kolkata", "time.zone_not_whole_hours")):
        with pytest.raises(RuleViolation) as e:
            check_time_zone(tz)
        assert e.value.code == code


def test_months_between() -> None:
    assert months_between("2025-11", "2026-02") == ("2025-11", "2025-12", "2026-01", "2026-02")
    assert months_between("2025-03", "2025-03") == ("2025-03",)
    with pytest.raises(RuleViolation) as e:
        months_between("2025-02", "2025-01")
    assert e.value.code == "period.reversed"


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("2025-03", ("2025-03",)),
        ("2025-03..", ("2025-03",)),
        ("2024-11..2025-02", ("2024-11", "2024-12", "2025-01", "2025-02")),
        ("2025", tuple(f"2025-{m:02d}" for m in range(1, 13))),
        ("2024..2025-01", (*(f"2024-{m:02d}" for m in range(1, 13)), "2025-01")),
        ("2025-11..2025", ("2025-11", "2025-12")),
    ],
)
def test_parse_period(text: str, months: tuple[str, ...]) -> None:
    assert parse_period(text) == months


@pytest.mark.parametrize(
    "text",
    [
        "2025-13",
        "2025-00",
        "2025-1",
        "25-01",
        "2025-01-01",
        "x",
        "",
        "..2025-01",
        "2025-01..2025-13",
        "2025-01..2025-02..2025-03",
        "0000-01",
        "9999-12",
        "٢٠٢٥-01",
        "2025-07\n",
        " 2025-07",
    ],
)
def test_malformed_months_and_periods_are_period_invalid(text: str) -> None:
    with pytest.raises(RuleViolation) as e:
        parse_period(text)
    assert e.value.code == "period.invalid" and e.value.details["value"] == text
    if ".." not in text:
        for f in (month_bounds, month_start, month_hours, parse_month, next_month):
            with pytest.raises(RuleViolation) as e:
                f(text)
            assert e.value.code == "period.invalid"


def test_reversed_period() -> None:
    with pytest.raises(RuleViolation) as e:
        parse_period("2025-03..2025-01")
    assert e.value.code == "period.reversed"
    assert e.value.details == {"first": "2025-03", "last": "2025-01"}
