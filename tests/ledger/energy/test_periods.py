"""Months and periods: one definition (``ledger.energy.periods``), one error code per failure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger.energy.periods import (
    hour_label,
    month_bounds,
    month_end,
    month_hours,
    month_of,
    month_start,
    months_between,
    next_month,
    parse_month,
    parse_period,
)
from ledger.errors import RuleViolation


def test_month_bounds_and_hours() -> None:
    assert month_bounds("2024-02") == (datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC))
    assert month_start("2025-12") == datetime(2025, 12, 1, tzinfo=UTC)
    assert month_end("2025-12") == datetime(2026, 1, 1, tzinfo=UTC)
    assert [month_hours(m) for m in ("2024-02", "2025-02", "2025-06", "2025-12")] == [696, 672, 720, 744]
    assert parse_month("2026-01") == (1767225600, 1769904000)
    assert month_of(1767225600) == "2026-01" and month_of(1767225599) == "2025-12"
    assert next_month("2025-12") == "2026-01" and next_month("2025-01") == "2025-02"
    assert hour_label("2025-06", 5) == "2025-06-01T05:00Z"
    assert hour_label("2025-06", 24) == "2025-06-02T00:00Z"


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
