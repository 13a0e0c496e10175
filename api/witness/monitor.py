"""``tanji ledger monitor``: what a buyer or verifier runs to hold the operator to one history.

Each run fetches the log's latest cosigned checkpoint from its stable URL,
checks it against the witness policy (the log's signature and a quorum of
cosignatures), fetches a consistency proof from the checkpoint saved by the
previous run, checks it (``ledger.log.consistency``), and only then replaces
the saved checkpoint. A rollback, a fork, another origin or an unmet policy
is an error naming which, and the saved checkpoint stays as it was — the
evidence to show anyone.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from api.witness.transport import Transport, TransportError
from ledger.errors import CheckpointError, IntegrityFailure, LedgerError, LogInconsistent, StorageError
from ledger.log.checkpoint import Checkpoint, check_checkpoint, parse_note
from ledger.log.consistency import require_extends
from ledger.log.policy import Policy, verify_cosigned

__all__ = ["CHECKPOINT_PATH", "CONSISTENCY_PATH", "MonitorResult", "monitor_once", "parse_proof_lines"]

CHECKPOINT_PATH = "/transparency/checkpoint"
CONSISTENCY_PATH = "/transparency/consistency"


@dataclass(frozen=True)
class MonitorResult:
    """One run: the checkpoint saved before (None on the first run) and the one saved now."""

    previous_size: int | None
    checkpoint: Checkpoint
    cosigned: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "previous_size": self.previous_size,
            "size": self.checkpoint.size,
            "origin": self.checkpoint.origin,
            "root": self.checkpoint.root_hash.hex(),
            "cosigned": list(self.cosigned),
        }


def parse_proof_lines(text: str) -> list[bytes]:
    """Hashes from one base64 line each; ``IntegrityFailure(proof.malformed)`` if a line is not 32 bytes."""
    out = []
    for n, line in enumerate(text.split(), start=1):
        try:
            raw = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError) as e:
            raise IntegrityFailure(f"proof line {n} is not base64", code="proof.malformed") from e
        if len(raw) != 32:
            raise IntegrityFailure(f"proof line {n} holds {len(raw)} bytes, want 32", code="proof.malformed")
        out.append(raw)
    return out


def _fetch(transport: Transport, url: str) -> str:
    response = transport.get(url)
    if response.status != 200:
        raise TransportError(
            f"GET {url} answered {response.status}: {response.text.strip()[:200]}",
            code="transport.status",
            status=response.status,
        )
    return response.text


def _saved(state: Path, policy: Policy) -> tuple[str, Checkpoint]:
    """The saved note and its checkpoint; ``LedgerError(monitor.state_invalid)`` if it is not ours.

    A broken state file is the monitor's own problem, not evidence against the log.
    """
    try:
        note = state.read_text(encoding="utf-8")
        saved = parse_note(note)[0]
    except (OSError, UnicodeDecodeError, CheckpointError) as e:
        raise LedgerError(f"saved checkpoint {state} is unreadable: {e}", code="monitor.state_invalid") from e
    if not any(check_checkpoint(note, k.name, k.public_key).ok for k in policy.log_for(saved.origin)):
        raise LedgerError(
            f"the saved checkpoint {state} is not signed by the policy's log key",
            code="monitor.state_invalid",
        )
    return note, saved


def _save(path: Path, note: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", encoding="utf-8") as f:
            f.write(note)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
    except OSError as e:
        raise StorageError(
            f"cannot save the checkpoint to {path}: {e}", code="monitor.state_unwritable"
        ) from e


def monitor_once(
    base_url: str, state: Path, policy: Policy, transport: Transport, *, now: int | None = None
) -> MonitorResult:
    """Fetch, check and save the log's latest checkpoint; the saved one changes only if all checks pass."""
    base = base_url.rstrip("/")
    note = _fetch(transport, base + CHECKPOINT_PATH)
    new = verify_cosigned(note, policy, now=int(time.time()) if now is None else now)
    cosigned = policy.check(note).cosigned
    previous: Checkpoint | None = None
    if state.exists():
        _saved_note, saved = _saved(state, policy)
        if saved.origin != new.origin:
            raise LogInconsistent(
                f"the log at {base} serves {new.origin!r}; the saved checkpoint is of {saved.origin!r}",
                code="log.other_origin",
            )
        proof: list[bytes] = []
        if 0 < saved.size < new.size:
            query = urllib.parse.urlencode({"old": saved.size, "new": new.size})
            proof = parse_proof_lines(_fetch(transport, f"{base}{CONSISTENCY_PATH}?{query}"))
        require_extends(saved, new, proof)
        previous = saved
    _save(state, note)
    return MonitorResult(None if previous is None else previous.size, new, cosigned)
