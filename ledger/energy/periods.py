"""Timestamps, resolutions, months and periods as the ledger uses them.

Every energy timestamp in a payload is an ISO 8601 string **with** a UTC
offset (``2026-01-01T00:00:00+08:00`` or ``…Z``); inside projections it is an
integer number of seconds since the Unix epoch (UTC), so SQLite and
PostgreSQL store and compare it identically. Intervals are half-open
``[start, end)``.

This is the one module that defines time zones, months and periods. A month
is ``"YYYY-MM"``; a period is a run of whole months, written ``"YYYY"``,
``"YYYY-MM"`` or ``"first..last"``. Months are **park-local** calendar
months: every conversion between a month and instants takes the park's IANA
time zone ``tz`` (default :data:`DEFAULT_TIME_ZONE`, Asia/Shanghai, the zone
of Chinese meter data, settlements and GEC production months) and goes
through :func:`month_bounds` / :func:`month_of`. Bounds are aware datetimes in
that zone (so ``.date()`` is the local date); durations are computed on
epoch seconds, never on wall clocks. Displays use :func:`format_local` (local
time with its offset).

A malformed month or period is a ``RuleViolation`` ``period.invalid``; a
range that ends before it starts is ``period.reversed``; an unknown time zone
``time.zone_unknown``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
Month = Annotated[str, Field(max_length=7, description="park-local calendar month YYYY-MM")]

DEFAULT_TIME_ZONE = "Asia/Shanghai"
"""The time zone of a park that names none (China Standard Time, UTC+08:00)."""
TimeZoneName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$",
        description="IANA time zone name, e.g. Asia/Shanghai",
    ),
]

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


def format_local(epoch: int, tz: str = DEFAULT_TIME_ZONE) -> str:
    """``2025-03-01T08:00:00+08:00``: ``epoch`` as local time in ``tz`` with its offset (for displays)."""
    return datetime.fromtimestamp(epoch, zone(tz)).isoformat()


# ------------------------------------------------------------------ time zones


@lru_cache(maxsize=64)
def zone(tz: str) -> tzinfo:
    """The ``tzinfo`` of an IANA name (``UTC`` is :data:`datetime.UTC`); ``time.zone_unknown`` otherwise."""
    if tz == "UTC":
        return UTC
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise RuleViolation(
            f"time zone {tz!r} is not an IANA time zone name", code="time.zone_unknown", value=tz
        ) from None


def check_time_zone(tz: str) -> str:
    """``tz`` if it is an IANA zone whose months start on whole UTC hours (attribution works per
    clock hour) from 1990 to 2100; ``time.zone_unknown`` / ``time.zone_not_whole_hours`` otherwise."""
    z = zone(tz)
    for year in range(1990, 2101):
        for month in range(1, 13):
            if int(datetime(year, month, 1, tzinfo=z).timestamp()) % 3600:
                raise RuleViolation(
                    f"time zone {tz!r}: {year:04d}-{month:02d} starts off a whole UTC hour; "
                    "attribution works per clock hour",
                    code="time.zone_not_whole_hours",
                    value=tz,
                )
    return tz


# ------------------------------------------------------------------ months and periods

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


def month_bounds(month: str, tz: str = DEFAULT_TIME_ZONE) -> tuple[datetime, datetime]:
    """``[start, end)`` of the local calendar month ``month`` in time zone ``tz``, as aware
    datetimes in that zone (local midnights of the first day and of the next month's)."""
    index = _month_index(month)
    z = zone(tz)
    start = datetime(index // 12, index % 12 + 1, 1, tzinfo=z)
    end = datetime((index + 1) // 12, (index + 1) % 12 + 1, 1, tzinfo=z)
    return start, end


def month_start(month: str, tz: str = DEFAULT_TIME_ZONE) -> datetime:
    """The first instant of ``month`` (``"YYYY-MM"``) in ``tz``."""
    return month_bounds(month, tz)[0]


def month_end(month: str, tz: str = DEFAULT_TIME_ZONE) -> datetime:
    """The first instant after ``month`` in ``tz``: the start of the next month."""
    return month_bounds(month, tz)[1]


def month_first_day(month: str) -> date:
    """The local date of the first day of ``month`` (the same in every zone)."""
    index = _month_index(month)
    return date(index // 12, index % 12 + 1, 1)


def month_hours(month: str, tz: str = DEFAULT_TIME_ZONE) -> int:
    """Number of clock hours in ``month`` in ``tz`` (elapsed time: 743 or 745 across a DST change)."""
    start, end = parse_month(month, tz)
    return (end - start) // 3600


def hour_label(month: str, hour: int, tz: str = DEFAULT_TIME_ZONE) -> str:
    """``2025-06-01T05:00+08:00``: the local start of hour ``hour`` (0-based) of ``month``, for messages."""
    epoch = parse_month(month, tz)[0] + hour * 3600
    return datetime.fromtimestamp(epoch, zone(tz)).isoformat(timespec="minutes")


def parse_month(month: str, tz: str = DEFAULT_TIME_ZONE) -> tuple[int, int]:
    """``"YYYY-MM"`` → ``[start, end)`` of that local month in epoch seconds; ``period.invalid``."""
    start, end = month_bounds(month, tz)
    return int(start.timestamp()), int(end.timestamp())


def month_of(epoch: int, tz: str = DEFAULT_TIME_ZONE) -> str:
    """The local ``"YYYY-MM"`` of ``tz`` containing ``epoch``."""
    return datetime.fromtimestamp(epoch, zone(tz)).strftime("%Y-%m")


def add_months(month: str, n: int) -> str:
    """The month ``n`` months after ``month`` (``n`` may be negative); ``period.invalid`` past the range."""
    index = _month_index(month) + n
    if not _FIRST_MONTH <= index <= _LAST_MONTH:
        raise _invalid(month, form=f"a month that has a month {n} months away within 0001-01..9999-11")
    return _month_text(index)


def next_month(month: str) -> str:
    """The month after ``month``: ``"2025-12"`` → ``"2026-01"``."""
    index = _month_index(month) + 1
    if index > _LAST_MONTH:
        raise _invalid(month, form="a month before 9999-11")
    return _month_text(index)


def period_bounds(months: tuple[str, ...], tz: str = DEFAULT_TIME_ZONE) -> tuple[int, int]:
    """``[start, end)`` in epoch seconds of the consecutive local months ``months`` (first to last)."""
    if not months:
        raise RuleViolation("a period needs at least one month", code="period.invalid", value=[])
    return parse_month(months[0], tz)[0], parse_month(months[-1], tz)[1]


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
