"""An actor's entries in seq order (a verifier's view of a granted trail).

A seam: this belongs in ``ledger.log.Ledger`` as ``entries_by_actor``; it reads
the log table directly until the ledger offers it.
"""

from __future__ import annotations

from sqlalchemy import select

from ledger.entry import Entry
from ledger.log import Ledger
from ledger.tables import LedgerEntryRow


def entries_of(ledger: Ledger, actor: str, start: int = 0, limit: int = 100) -> list[Entry]:
    """Up to ``limit`` entries by ``actor`` with ``seq >= start``."""
    if limit <= 0 or start < 0:
        raise ValueError(f"start {start} must be >= 0 and limit {limit} > 0")
    with ledger.db.read_session() as s:
        bodies = s.scalars(
            select(LedgerEntryRow.body).where(LedgerEntryRow.actor == actor, LedgerEntryRow.seq >= start)
            .order_by(LedgerEntryRow.seq).limit(limit)
        ).all()
    return [Entry.from_body(b) for b in bodies]
