"""Timestamps, resolutions and months as the energy records use them.

Every energy timestamp in a payload is an ISO 8601 string **with** a UTC
offset (``2026-01-01T00:00:00+08:00`` or ``…Z``); inside projections it is an
integer number of seconds since the Unix epoch (UTC), so SQLite and
PostgreSQL store and compare it identically. Intervals are half-open
``[start, end)``. Months (``"YYYY-MM"``) are UTC calendar months, as in
``ledger.attribution``.
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
Instant = Annotated[str, Field(max_length=40, json_schema_extra={"format": "date-time"},
                               description="ISO 8601 / RFC 3339 timestamp with a UTC offset (Z or +08:00)")]
"""A timestamp field of a payload; checked by ``parse_instant`` in the rules (stable error codes)."""
Month = Annotated[str, Field(max_length=7, description="UTC calendar month YYYY-MM")]

_OFFSET_RE = re.compile(r"(Z|[+-]\d\d:?\d\d)$")
_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_instant(text: str, *, field: str = "timestamp") -> int:
    """Epoch seconds (UTC) of an ISO 8601 timestamp that carries a UTC offset.

    Raises ``RuleViolation`` ``time.naive`` when there is no offset and
    ``time.malformed`` when the text is not a timestamp or has sub-second parts.
    """
    if not _OFFSET_RE.search(text):
        raise RuleViolation(f"{field} {text!r} has no time zone offset (use Z or +08:00)",
                            code="time.naive", field=field, value=text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RuleViolation(f"{field} {text!r} is not an ISO 8601 timestamp",
                            code="time.malformed", field=field, value=text) from None
    if moment.microsecond:
        raise RuleViolation(f"{field} {text!r} has a fraction of a second",
                            code="time.malformed", field=field, value=text)
    return int(moment.timestamp())


def resolution_seconds(resolution: str) -> int:
    """Seconds of a resolution name; ``time.resolution_unknown`` otherwise."""
    try:
        return RESOLUTIONS[resolution]
    except KeyError:
        raise RuleViolation(f"resolution {resolution!r} is not one of {sorted(RESOLUTIONS)}",
                            code="time.resolution_unknown", value=resolution) from None


def check_aligned(epoch: int, step: int, *, field: str = "start") -> None:
    """``time.misaligned`` unless ``epoch`` is a multiple of ``step`` seconds (UTC clock)."""
    if epoch % step:
        raise RuleViolation(
            f"{field} {format_instant(epoch)} is not aligned to {step // 60}-minute intervals",
            code="time.misaligned", field=field, value=format_instant(epoch), step_s=step,
        )


def check_interval(start: int, end: int, *, what: str = "interval") -> None:
    """``time.interval_empty`` unless ``start < end``."""
    if start >= end:
        raise RuleViolation(
            f"{what} [{format_instant(start)}, {format_instant(end)}) is empty or reversed",
            code="time.interval_empty", start=format_instant(start), end=format_instant(end),
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


def parse_month(month: str) -> tuple[int, int]:
    """``"YYYY-MM"`` → (start, end) epoch seconds of that UTC month; ``time.month_malformed``."""
    m = _MONTH_RE.match(month)
    if m is None:
        raise RuleViolation(f"month {month!r} is not YYYY-MM", code="time.month_malformed", value=month)
    year, mon = int(m.group(1)), int(m.group(2))
    start = datetime(year, mon, 1, tzinfo=UTC)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=UTC)
    return int(start.timestamp()), int(end.timestamp())


def month_of(epoch: int) -> str:
    """The UTC ``"YYYY-MM"`` containing ``epoch``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m")


def months_in(first: str, last: str) -> list[str]:
    """Months ``first..last`` inclusive (both ``YYYY-MM``)."""
    start, _ = parse_month(first)
    stop, _ = parse_month(last)
    out: list[str] = []
    cur = datetime.fromtimestamp(start, UTC)
    while int(cur.timestamp()) <= stop:
        out.append(cur.strftime("%Y-%m"))
        cur = (cur.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out
