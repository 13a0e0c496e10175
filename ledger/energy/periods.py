"""Timestamps, resolutions, months and periods as the ledger uses them.

Every energy timestamp in a payload is an ISO 8601 string **with** a UTC
offset (``2026-01-01T00:00:00+08:00`` or ``…Z``); inside projections it is an
integer number of seconds since the Unix epoch (UTC), so SQLite and
PostgreSQL store and compare it identically. Intervals are half-open
``[start, end)``.

This is the one module that defines months and periods. A month is
``"YYYY-MM"``; a period is a run of whole months, written ``"YYYY"``,
``"YYYY-MM"`` or ``"first..last"``. Months are UTC calendar months. Every
conversion from a month to instants goes through :func:`month_bounds`, so
park-local months need a ``tz`` keyword there (and on the functions that
call it) and nowhere else. A malformed month or period is a
``RuleViolation`` ``period.invalid``; a range that ends before it starts is
``period.reversed``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field

from ledger.errors import RuleViolation

RESOLUTIONS: dict[str, int] = {"PT15M": 900, "PT1H": 3600}
"""ISO 8601 duration of a reading interval → seconds."""

Resolution = Literal["PT15M", "PT1H"]
Instant = Annotated[
    str,
    Field(
        max_length=40,
        json_schema_extra={"format": "date-time"},
        description="ISO 8601 / RFC 3339 timestamp with a UTC offset (Z or +08:00)",
    ),
]
"""A timestamp field of a payload; checked by ``parse_instant`` in the rules (stable error codes)."""
Month = Annotated[str, Field(max_length=7, description="UTC calendar month YYYY-MM")]

_OFFSET_RE = re.compile(r"(Z|[+-]\d\d:?\d\d)$")
_MONTH_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])", re.ASCII)
_YEAR_RE = re.compile(r"\d{4}", re.ASCII)


def parse_instant(text: str, *, field: str = "timestamp") -> int:
    """Epoch seconds (UTC) of an ISO 8601 timestamp that carries a UTC offset.

    Raises ``RuleViolation`` ``time.naive`` when there is no offset and
    ``time.malformed`` when the text is not a timestamp or has sub-second parts.
    """
    if not _OFFSET_RE.search(text):
        raise RuleViolation(
            f"{field} {text!r} has no time zone offset (use Z or +08:00)",
            code="time.naive",
            field=field,
            value=text,
        )
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RuleViolation(
            f"{field} {text!r} is not an ISO 8601 timestamp", code="time.malformed", field=field, value=text
        ) from None
    if moment.microsecond:
        raise RuleViolation(
            f"{field} {text!r} has a fraction of a second", code="time.malformed", field=field, value=text
        )
    return int(moment.timestamp())


def resolution_seconds(resolution: str) -> int:
    """Seconds of a resolution name; ``time.resolution_unknown`` otherwise."""
    try:
        return RESOLUTIONS[resolution]
    except KeyError:
        raise RuleViolation(
            f"resolution {resolution!r} is not one of {sorted(RESOLUTIONS)}",
            code="time.resolution_unknown",
            value=resolution,
        ) from None


def check_aligned(epoch: int, step: int, *, field: str = "start") -> None:
    """``time.misaligned`` unless ``epoch`` is a multiple of ``step`` seconds (UTC clock)."""
    if epoch % step:
        raise RuleViolation(
            f"{field} {format_instant(epoch)} is not aligned to {step // 60}-minute intervals",
            code="time.misaligned",
            field=field,
            value=format_instant(epoch),
            step_s=step,
        )


def check_interval(start: int, end: int, *, what: str = "interval") -> None:
    """``time.interval_empty`` unless ``start < end``."""
    if start >= end:
        raise RuleViolation(
            f"{what} [{format_instant(start)}, {format_instant(end)}) is empty or reversed",
            code="time.interval_empty",
            start=format_instant(start),
            end=format_instant(end),
        )


def format_instant(epoch: int) -> str:
    """``2026-01-01T00:00:00Z`` for epoch seconds."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_datetime(epoch: int) -> datetime:
    """Aware UTC datetime of epoch seconds."""
    return datetime.fromtimestamp(epoch, UTC)


def from_datetime(moment: datetime) -> int:
    """Epoch seconds of an aware datetime; ``time.naive`` for a naive one."""
    if moment.tzinfo is None:
        raise RuleViolation(f"datetime {moment.isoformat()} has no time zone", code="time.naive")
    return int(moment.timestamp())


# ------------------------------------------------------------------ months and periods

_HOUR = timedelta(hours=1)
# Months are handled as indexes year * 12 + month - 1; both bounds of every
# month from 0001-01 to 9999-11 are representable datetimes.
_FIRST_MONTH = 1 * 12
_LAST_MONTH = 9999 * 12 + 10


def _invalid(text: object, what: str = "month", form: str = "YYYY-MM") -> RuleViolation:
    return RuleViolation(f"{what} {text!r} is not {form}", code="period.invalid", value=text)


def _month_index(month: str) -> int:
    """``year * 12 + month - 1`` of ``"YYYY-MM"``; ``period.invalid`` otherwise."""
    m = _MONTH_RE.fullmatch(month) if isinstance(month, str) else None
    if m is None:
        raise _invalid(month)
    index = int(m.group(1)) * 12 + int(m.group(2)) - 1
    if not _FIRST_MONTH <= index <= _LAST_MONTH:
        raise _invalid(month, form="a month from 0001-01 to 9999-11")
    return index


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of ``month`` as aware datetimes (UTC calendar month)."""
    index = _month_index(month)
    start = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
    end = datetime((index + 1) // 12, (index + 1) % 12 + 1, 1, tzinfo=UTC)
    return start, end


def month_start(month: str) -> datetime:
    """The first instant of ``month`` (``"YYYY-MM"``)."""
    return month_bounds(month)[0]


def month_end(month: str) -> datetime:
    """The first instant after ``month``: the start of the next month."""
    return month_bounds(month)[1]


def month_hours(month: str) -> int:
    """Number of clock hours in ``month`` (``"YYYY-MM"``)."""
    start, end = month_bounds(month)
    return (end - start) // _HOUR


def hour_label(month: str, hour: int) -> str:
    """``2025-06-01T05:00Z``: the start of hour ``hour`` (0-based) of ``month``, for messages."""
    return (month_start(month) + hour * _HOUR).strftime("%Y-%m-%dT%H:%MZ")


def parse_month(month: str) -> tuple[int, int]:
    """``"YYYY-MM"`` → ``[start, end)`` of that month in epoch seconds; ``period.invalid``."""
    start, end = month_bounds(month)
    return int(start.timestamp()), int(end.timestamp())


def month_of(epoch: int) -> str:
    """The UTC ``"YYYY-MM"`` containing ``epoch``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m")


def next_month(month: str) -> str:
    """The month after ``month``: ``"2025-12"`` → ``"2026-01"``."""
    index = _month_index(month) + 1
    if index > _LAST_MONTH:
        raise _invalid(month, form="a month before 9999-11")
    return _month_text(index)


def months_between(first: str, last: str) -> tuple[str, ...]:
    """Months ``first..last`` inclusive, e.g. ``("2025-01", ..., "2025-12")``.

    ``period.invalid`` for a malformed month, ``period.reversed`` when
    ``last`` is before ``first``.
    """
    start, end = _month_index(first), _month_index(last)
    if end < start:
        raise RuleViolation(
            f"period {first}..{last} ends before it starts", code="period.reversed", first=first, last=last
        )
    return tuple(_month_text(i) for i in range(start, end + 1))


def parse_period(text: str) -> tuple[str, ...]:
    """The months of a period, in order: ``"2025"`` (its twelve months),
    ``"2025-03"``, or a range ``"2025-01..2025-12"`` whose ends may also be
    years (``"2024..2025-06"`` starts in January 2024). A range without a last
    month (``"2025-03.."``) is its first month.

    ``period.invalid`` for anything else, ``period.reversed`` for a range that
    ends before it starts.
    """
    first, _, last = text.partition("..")
    last = last or first
    if _YEAR_RE.fullmatch(first):
        first += "-01"
    if _YEAR_RE.fullmatch(last):
        last += "-12"
    try:
        return months_between(first, last)
    except RuleViolation as e:
        if e.code != "period.invalid":
            raise
        raise _invalid(text, "period", "YYYY, YYYY-MM or first..last") from None
