"""What a witness decides: C2SP ``tlog-witness`` ``add-checkpoint`` as a pure function.

A witness trusts some logs (origin → the log's checkpoint keys) and remembers,
per origin, the last checkpoint it cosigned. ``witness_checkpoint`` takes an
``add-checkpoint`` request (old size, consistency proof, signed checkpoint) and
either returns the checkpoint to cosign or raises ``WitnessRefused`` with a
code naming why, in the spec's order:

1. ``witness.malformed``: the request body is not old-size line, proof lines,
   blank line, checkpoint note (at most 63 proof lines, canonical base64);
2. ``witness.unknown_origin``: the witness does not know the log;
3. ``witness.untrusted``: no signature by a trusted key of that log verifies;
4. ``witness.rollback``: the checkpoint is smaller than the one the witness
   cosigned last (``details['latest_size']``);
5. ``witness.old_size_too_large``: old size above the checkpoint's size;
   ``witness.old_size_mismatch``: the old size is not the size the witness
   cosigned last (``details['latest_size']``);
6. ``witness.fork``: same size as the witness's checkpoint, other root;
7. ``witness.inconsistent``: the consistency proof does not verify.

The caller persists the returned checkpoint and signs it atomically
(``ledger.store.witness_home``); nothing here has state.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ledger.errors import CheckpointError, WitnessRefused
from ledger.log import merkle
from ledger.log.checkpoint import (
    Checkpoint,
    _b64,
    _b64decode,
    _signature_problem,
    parse_note,
    parse_verifier_key,
    verifier_key,
)
from ledger.log.keys import Ed25519PublicKey

__all__ = ["MAX_PROOF_LINES", "AddCheckpoint", "LogKey", "witness_checkpoint"]

MAX_PROOF_LINES = 63
_OLD_RE = re.compile(r"old (0|[1-9][0-9]*)")


@dataclass(frozen=True)
class LogKey:
    """A log's checkpoint key as a witness trusts it: origin, signer name and Ed25519 key."""

    origin: str
    name: str
    public_key: Ed25519PublicKey

    @classmethod
    def from_vkey(cls, vkey: str, origin: str | None = None) -> LogKey:
        """From the log's signed-note verifier key; the origin defaults to the key's name."""
        name, key = parse_verifier_key(vkey.strip())
        return cls(origin or name, name, key)

    def vkey(self) -> str:
        """The verifier key string (``<name>+<id>+<key>``)."""
        return verifier_key(self.name, self.public_key)


@dataclass(frozen=True)
class AddCheckpoint:
    """An ``add-checkpoint`` request: the size the client thinks the witness holds, a proof, a note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str

    def text(self) -> str:
        """The request body: ``old N``, one base64 hash a line, a blank line, the note."""
        lines = [f"old {self.old_size}", *(_b64(h) for h in self.proof)]
        return "\n".join(lines) + "\n\n" + self.note

    @classmethod
    def from_text(cls, text: str | bytes) -> AddCheckpoint:
        """Parse a request body; ``WitnessRefused(witness.malformed)`` naming the bad line."""
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as e:
                raise _malformed(f"request is not UTF-8 at byte {e.start}") from e
        head, sep, note = text.partition("\n\n")
        if not sep:
            raise _malformed("request has no blank line between the proof and the checkpoint")
        lines = head.split("\n")
        match = _OLD_RE.fullmatch(lines[0])
        if match is None:
            raise _malformed(f"first line {lines[0][:40]!r} is not 'old <size>'")
        if len(lines) - 1 > MAX_PROOF_LINES:
            raise _malformed(f"{len(lines) - 1} proof lines, at most {MAX_PROOF_LINES}")
        proof: list[bytes] = []
        for i, line in enumerate(lines[1:], start=1):
            raw = _b64decode(line)
            if raw is None or len(raw) != merkle.HASH_SIZE:
                raise _malformed(f"proof line {i} is not base64 of a 32-byte hash")
            proof.append(raw)
        return cls(int(match.group(1)), tuple(proof), note)


def _malformed(message: str) -> WitnessRefused:
    return WitnessRefused(message, code="witness.malformed")


def witness_checkpoint(
    request: AddCheckpoint,
    logs: Mapping[str, Sequence[LogKey]],
    latest: Mapping[str, Checkpoint],
) -> Checkpoint:
    """The checkpoint of ``request`` if the witness may cosign it; ``WitnessRefused`` otherwise.

    ``logs``: origin → trusted keys; ``latest``: origin → the checkpoint the
    witness cosigned last (absent: never). Signatures by untrusted keys are
    ignored. Pure: the caller persists the result before cosigning.
    """
    try:
        checkpoint, sigs = parse_note(request.note)
    except CheckpointError as e:
        raise _malformed(f"checkpoint: {e.message}") from e
    keys = logs.get(checkpoint.origin)
    if not keys:
        raise WitnessRefused(
            f"unknown log origin {checkpoint.origin!r}",
            code="witness.unknown_origin",
            origin=checkpoint.origin,
        )
    body = checkpoint.body()
    if all(_signature_problem(body, sigs, k.name, k.public_key) is not None for k in keys):
        raise WitnessRefused(
            f"no signature by a trusted key of {checkpoint.origin!r} verifies",
            code="witness.untrusted",
            origin=checkpoint.origin,
        )
    old = request.old_size
    held = latest.get(checkpoint.origin)
    held_size = 0 if held is None else held.size
    if checkpoint.size < held_size:
        raise WitnessRefused(
            f"rollback: checkpoint of size {checkpoint.size} is smaller than the {held_size} "
            f"this witness has cosigned for {checkpoint.origin!r}",
            code="witness.rollback",
            latest_size=held_size,
            old_size=old,
            size=checkpoint.size,
        )
    if old > checkpoint.size:
        raise WitnessRefused(
            f"old size {old} is larger than the checkpoint size {checkpoint.size}",
            code="witness.old_size_too_large",
            old_size=old,
            size=checkpoint.size,
        )
    if old != held_size:
        raise WitnessRefused(
            f"old size {old} is not the size {held_size} this witness cosigned last",
            code="witness.old_size_mismatch",
            latest_size=held_size,
            old_size=old,
        )
    if held is None or old == 0:
        if request.proof:
            raise WitnessRefused(
                f"old size 0 needs an empty proof, got {len(request.proof)} lines",
                code="witness.inconsistent",
            )
        return checkpoint
    if old == checkpoint.size:
        if not hmac.compare_digest(held.root_hash, checkpoint.root_hash):
            raise WitnessRefused(
                f"fork: a checkpoint of size {old} with another root than the one this witness cosigned",
                code="witness.fork",
                latest_size=held.size,
            )
        if request.proof:
            raise WitnessRefused("equal sizes need an empty proof", code="witness.inconsistent")
        return checkpoint
    if not merkle.verify_consistency(
        old, checkpoint.size, held.root_hash, checkpoint.root_hash, list(request.proof)
    ):
        raise WitnessRefused(
            f"the consistency proof from {old} to {checkpoint.size} does not verify against the "
            "checkpoint this witness cosigned (a fork, or a bad proof)",
            code="witness.inconsistent",
            latest_size=held.size,
        )
    return checkpoint
