"""Does one checkpoint extend another? The check witnesses, monitors and ``verify --against`` share.

Given an older checkpoint someone kept and a newer one, and an RFC 9162
consistency proof between their sizes, ``check_extends`` says whether the
newer tree has the older as its prefix, and if not, which failure it is:

- ``log.other_origin``: the checkpoints are of different logs;
- ``log.rollback``: the newer checkpoint is smaller than the one kept;
- ``log.fork``: same size, different root (two signed histories);
- ``log.inconsistent``: the proof does not lead from the old root to the new
  one (a fork at some earlier size, or a bad proof).

``require_extends`` raises ``LogInconsistent`` with that code.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.errors import LogInconsistent
from ledger.log import merkle
from ledger.log.checkpoint import Checkpoint

__all__ = ["ExtendsCheck", "check_extends", "require_extends"]


@dataclass(frozen=True)
class ExtendsCheck:
    """The outcome of ``check_extends``: ``code`` and ``reason`` are set only when not ``ok``."""

    ok: bool
    code: str | None = None
    reason: str | None = None


def check_extends(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> ExtendsCheck:
    """Whether ``new`` extends ``old`` by ``proof`` (RFC 9162 §2.1.4). Never raises for bad evidence.

    ``proof`` must be empty when the sizes are equal or ``old`` is empty.
    """
    if old.origin != new.origin:
        return ExtendsCheck(
            False, "log.other_origin", f"checkpoint of {new.origin!r}, but the one kept is of {old.origin!r}"
        )
    if new.size < old.size:
        return ExtendsCheck(
            False,
            "log.rollback",
            (
                f"rollback: the log now shows {new.size} entries, but a checkpoint for "
                f"{old.size} was seen ({old.size - new.size} entries gone)"
            ),
        )
    if new.size == old.size:
        if not hmac.compare_digest(new.root_hash, old.root_hash):
            return ExtendsCheck(
                False,
                "log.fork",
                (
                    f"fork: two checkpoints for size {new.size} with different roots "
                    f"({old.root_hash.hex()[:16]}… kept, {new.root_hash.hex()[:16]}… now)"
                ),
            )
        if proof:
            return ExtendsCheck(
                False, "log.inconsistent", f"equal sizes need an empty proof, got {len(proof)} hashes"
            )
        return ExtendsCheck(True)
    if not merkle.verify_consistency(old.size, new.size, old.root_hash, new.root_hash, list(proof)):
        return ExtendsCheck(
            False,
            "log.inconsistent",
            (
                f"the consistency proof from size {old.size} to {new.size} does not verify: "
                f"the tree of {new.size} does not extend the one kept (a fork), or the proof is bad"
            ),
        )
    return ExtendsCheck(True)


def require_extends(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """``check_extends`` that raises ``LogInconsistent`` with the failure's code."""
    result = check_extends(old, new, proof)
    if not result.ok:
        raise LogInconsistent(
            result.reason or "checkpoints inconsistent",
            code=result.code or "log.inconsistent",
            old_size=old.size,
            new_size=new.size,
        )
