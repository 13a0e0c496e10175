"""Shared helpers for the energy-record tests (state snapshots, payload builders)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ledger.store.append import Ledger
from ledger.store.tables import CheckpointRow

DAY = "2026-01-01T00:00:00+08:00"  # 2025-12-31T16:00Z, a Shanghai day


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
    """A gec.retire payload for January 2026."""
    return {
        "first": first,
        "last": last,
        "beneficiary": "E-1",
        "consumer_meters": list(meters),
        "period_start": "2026-01-01T00:00:00Z",
        "period_end": "2026-02-01T00:00:00Z",
    }
