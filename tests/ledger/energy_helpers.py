"""Shared helpers for the energy-record tests (state snapshots, payload builders)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ledger.store.append import Ledger
from ledger.store.tables import CheckpointRow
from tests.conftest import Park

DAY = "2026-01-01T00:00:00+08:00"  # 2025-12-31T16:00Z, a Shanghai day
JANUARY = "2026-01-01T00:00:00+08:00"  # the park's January (Asia/Shanghai): 744 hours
JANUARY_HOURS = 744


def metered(park: Park, wh_per_hour: int = 20_000_000, meters: tuple[str, ...] = ("W-1", "S-1")) -> Park:
    """Read ``meters`` (G-1's generators) every hour of the park's January 2026: GEC of January can
    then be issued, up to 14,880 MWh per meter at the default 20 MWh an hour."""
    park.ledger.append(
        [
            park.sign(
                "readings.batch",
                "G-1",
                batch(m, start=JANUARY, resolution="PT1H", values=[wh_per_hour] * JANUARY_HOURS),
            )
            for m in meters
        ]
    )
    return park


def state(ledger: Ledger) -> tuple[int, bytes, int]:
    """Size, root and checkpoint count: unchanged after a rejected append."""
    with ledger.db.read_session() as s:
        checkpoints = s.scalar(select(func.count()).select_from(CheckpointRow)) or 0
    return ledger.size(), ledger.root(), checkpoints


def batch(
    meter: str = "C-1",
    start: str = DAY,
    values: list[int] | None = None,
    resolution: str = "PT15M",
    **extra: Any,
) -> dict[str, Any]:
    """A readings.batch payload (96 quarter-hours of 1,000 Wh by default)."""
    return {
        "meter": meter,
        "start": start,
        "resolution": resolution,
        "values": [1000] * 96 if values is None else values,
        **extra,
    }


def issue(
    first: int = 1,
    last: int = 100,
    meter: str = "W-1",
    technology: str = "wind",
    vintage: str = "2026-01",
    **extra: Any,
) -> dict[str, Any]:
    """A gec.issue payload."""
    return {
        "first": first,
        "last": last,
        "mwh": last - first + 1,
        "generator_meter": meter,
        "technology": technology,
        "vintage": vintage,
        **extra,
    }


def retire(first: int, last: int, meters: tuple[str, ...] = ("C-1",)) -> dict[str, Any]:
    """A gec.retire payload for the consumption of January 2026 (park-local, Asia/Shanghai)."""
    return {
        "first": first,
        "last": last,
        "beneficiary": "E-1",
        "consumer_meters": list(meters),
        "period_start": "2026-01-01T00:00:00+08:00",
        "period_end": "2026-02-01T00:00:00+08:00",
    }
