"""Is what a page shows covered by a witnessed checkpoint? The verification page's witness line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger.errors import LedgerError
from ledger.log.policy import Policy
from ledger.store.append import Ledger

__all__ = ["WitnessStatus", "witness_status"]


@dataclass(frozen=True)
class WitnessStatus:
    """``ok`` when the newest checkpoint meeting the policy covers every seq asked about."""

    ok: bool
    quorum: str
    size: int | None = None
    cosigned: tuple[str, ...] = ()
    note: str | None = None
    reason: str | None = None


def witness_status(ledger: Ledger, policy: Policy, seqs: Iterable[int]) -> WitnessStatus:
    """Whether the newest witnessed checkpoint of ``ledger`` covers all of ``seqs``; never raises."""
    needed = max(seqs, default=-1) + 1
    try:
        note = ledger.witnessed_checkpoint(policy)
    except LedgerError as e:
        return WitnessStatus(False, policy.describe(), reason=e.message)
    result = policy.check(note)
    size = result.checkpoint.size if result.checkpoint is not None else 0
    if not result.ok or size < needed:
        reason = (
            result.reason
            if not result.ok
            else (
                f"the newest witnessed checkpoint covers {size} entries; these records reach seq {needed - 1}"
            )
        )
        return WitnessStatus(False, policy.describe(), size, result.cosigned, note, reason)
    return WitnessStatus(True, policy.describe(), size, result.cosigned, note)
