"""Witness cosignatures: C2SP ``tlog-cosignature`` ``cosignature/v1`` (Ed25519) on checkpoints.

A cosignature is a signed-note signature line added to a checkpoint note::

    — <witness name> base64(key id ‖ timestamp ‖ signature)

- key id = SHA-256(name ‖ "\\n" ‖ 0x04 ‖ 32-byte Ed25519 public key)[:4];
- timestamp = POSIX seconds as a big-endian u64, at most 2**63 - 1;
- signature = Ed25519 over ``"cosignature/v1\\ntime <timestamp>\\n"`` followed by the
  whole checkpoint body (extension lines included, signature lines excluded).

The message does not name the witness, so one key must serve one witness only.
A witness's verifier key is ``<name>+<hex key id>+base64(0x04 ‖ key)``.

``check_cosignature`` returns a result object and never raises for bad notes;
``verify_cosignature`` raises ``CosignatureError`` built on it.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature

from ledger.errors import CheckpointError, CosignatureError
from ledger.log.checkpoint import (
    KeyID,
    NoteSignature,
    _b64,
    _b64decode,
    _check_name,
    split_note,
)
from ledger.log.keys import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ALG_COSIGNATURE_V1",
    "HEADER",
    "MAX_TIMESTAMP",
    "Cosignature",
    "CosignatureCheck",
    "WitnessKey",
    "check_cosignature",
    "cosign",
    "cosignature_key_id",
    "cosigned_message",
    "verify_cosignature",
    "with_cosignatures",
]

ALG_COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1"
MAX_TIMESTAMP = (1 << 63) - 1
FUTURE_SKEW = 300  # seconds a cosignature's time may run ahead of the verifier's clock
_SIG_SIZE = 64


def cosignature_key_id(name: str, public_key: Ed25519PublicKey) -> KeyID:
    """First 4 bytes of SHA-256(name ‖ "\\n" ‖ 0x04 ‖ raw key). Precondition: a valid key name."""
    _check_name(name)
    data = name.encode("utf-8") + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key.public_bytes_raw()
    return KeyID(hashlib.sha256(data).digest()[:4])


def cosigned_message(body: str, timestamp: int) -> bytes:
    """The bytes a ``cosignature/v1`` signs: header line, time line, the checkpoint body.

    Preconditions (CosignatureError otherwise): ``body`` ends with a newline;
    ``0 <= timestamp <= 2**63 - 1``.
    """
    if not isinstance(body, str) or not body.endswith("\n"):
        raise CosignatureError(
            "checkpoint body must be text ending with a newline", code="cosignature.malformed"
        )
    _check_timestamp(timestamp)
    return f"{HEADER}\ntime {timestamp}\n{body}".encode()


def _check_timestamp(timestamp: int) -> None:
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise CosignatureError(
            f"cosignature timestamp {timestamp!r} out of range 0..2**63-1", code="cosignature.malformed"
        )


@dataclass(frozen=True)
class WitnessKey:
    """A witness's public identity: its name and Ed25519 key (``cosignature/v1``)."""

    name: str
    public_key: Ed25519PublicKey

    def __post_init__(self) -> None:
        try:
            _check_name(self.name)
        except CheckpointError as e:
            raise CosignatureError(e.message, code="cosignature.key_malformed") from e
        if not isinstance(self.public_key, Ed25519PublicKey):
            raise CosignatureError(
                "witness key must be an Ed25519 public key", code="cosignature.key_malformed"
            )

    @property
    def key_id(self) -> KeyID:
        """The 4-byte key id its signature lines carry."""
        return cosignature_key_id(self.name, self.public_key)

    def vkey(self) -> str:
        """``<name>+<hex key id>+base64(0x04 ‖ key)``: the verifier key to publish."""
        raw = bytes([ALG_COSIGNATURE_V1]) + self.public_key.public_bytes_raw()
        return f"{self.name}+{self.key_id.hex()}+{_b64(raw)}"

    @classmethod
    def from_vkey(cls, text: str) -> WitnessKey:
        """Parse a ``cosignature/v1`` verifier key; CosignatureError(``cosignature.key_malformed``)."""
        if not isinstance(text, str):
            raise CosignatureError("witness verifier key must be text", code="cosignature.key_malformed")
        name, sep, rest = text.strip().partition("+")
        hex_id, sep2, key64 = rest.partition("+")
        if not sep or not sep2:
            raise CosignatureError(
                f"witness verifier key {text!r} is not <name>+<keyid>+<key>", code="cosignature.key_malformed"
            )
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise CosignatureError(
                f"witness key id {hex_id!r} is not 8 lower-case hex digits", code="cosignature.key_malformed"
            )
        raw = _b64decode(key64)
        if raw is None or len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            alg = raw[:1].hex() if raw else "none"
            raise CosignatureError(
                f"witness verifier key {name!r} has algorithm {alg} or a bad length; "
                "want 33 bytes with algorithm 04 (cosignature/v1)",
                code="cosignature.key_malformed",
            )
        key = cls(name, Ed25519PublicKey.from_public_bytes(raw[1:]))
        if key.key_id.hex() != hex_id:
            raise CosignatureError(
                f"witness key id {hex_id} does not match name {name!r} and key",
                code="cosignature.key_malformed",
            )
        return key


@dataclass(frozen=True)
class Cosignature:
    """One ``cosignature/v1``: witness name, key id, timestamp and the 64-byte signature."""

    name: str
    key_id: bytes
    timestamp: int
    signature: bytes

    def __post_init__(self) -> None:
        _check_timestamp(self.timestamp)
        if len(self.key_id) != 4 or len(self.signature) != _SIG_SIZE:
            raise CosignatureError(
                f"cosignature needs a 4-byte key id and a {_SIG_SIZE}-byte signature, "
                f"got {len(self.key_id)} and {len(self.signature)}",
                code="cosignature.malformed",
            )

    def note_signature(self) -> NoteSignature:
        """As a signed-note signature (key id ‖ u64 timestamp ‖ signature)."""
        return NoteSignature(self.name, self.key_id, struct.pack(">Q", self.timestamp) + self.signature)

    def line(self) -> str:
        """The signature line with its newline."""
        return self.note_signature().line()

    @classmethod
    def from_note_signature(cls, sig: NoteSignature) -> Cosignature:
        """Read a signature line's bytes as a cosignature; CosignatureError if not 8 + 64 bytes."""
        if len(sig.signature) != 8 + _SIG_SIZE:
            raise CosignatureError(
                f"cosignature line by {sig.name} holds {len(sig.signature)} bytes after the key id, "
                f"want {8 + _SIG_SIZE} (timestamp and Ed25519 signature)",
                code="cosignature.malformed",
            )
        (timestamp,) = struct.unpack(">Q", sig.signature[:8])
        return cls(sig.name, sig.key_id, timestamp, sig.signature[8:])


def cosign(body: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> Cosignature:
    """The ``cosignature/v1`` of checkpoint ``body`` by witness ``name`` at ``timestamp``.

    Preconditions: see ``cosigned_message``; ``name`` is a valid key name.
    """
    message = cosigned_message(body, timestamp)
    kid = cosignature_key_id(name, private_key.public_key())
    return Cosignature(name, kid, timestamp, private_key.sign(message))


@dataclass(frozen=True)
class CosignatureCheck:
    """Whether a note carries a good cosignature by one witness: ``timestamp`` is set only when ``ok``."""

    ok: bool
    timestamp: int | None = None
    code: str | None = None
    reason: str | None = None


def check_cosignature(note: str | bytes, witness: WitnessKey, *, now: int | None = None) -> CosignatureCheck:
    """Whether ``note`` carries a valid ``cosignature/v1`` by ``witness``; never raises for bad notes.

    Every line with the witness's name and key id must verify over the note's
    body (a line that does not is ``cosignature.forged``: made up, or made for
    another checkpoint). Lines by other keys are ignored. With ``now``, a
    timestamp more than ``FUTURE_SKEW`` seconds ahead is ``cosignature.future``.
    The newest good timestamp is returned.
    """
    try:
        body, sigs = split_note(note)
    except CheckpointError as e:
        return CosignatureCheck(False, code="cosignature.malformed", reason=e.message)
    kid = witness.key_id
    mine = [s for s in sigs if s.name == witness.name and s.key_id == kid]
    if not mine:
        return CosignatureCheck(
            False, code="cosignature.missing", reason=f"no cosignature by {witness.name}+{kid.hex()}"
        )
    newest = -1
    for sig in mine:
        try:
            cosig = Cosignature.from_note_signature(sig)
            message = cosigned_message(body, cosig.timestamp)
            witness.public_key.verify(cosig.signature, message)
        except CosignatureError as e:
            return CosignatureCheck(False, code=e.code, reason=e.message)
        except InvalidSignature:
            return CosignatureCheck(
                False,
                code="cosignature.forged",
                reason=(
                    f"cosignature by {witness.name} does not verify over this checkpoint "
                    "(forged, or made for another checkpoint)"
                ),
            )
        if now is not None and cosig.timestamp > now + FUTURE_SKEW:
            return CosignatureCheck(
                False,
                code="cosignature.future",
                reason=(
                    f"cosignature by {witness.name} is dated {cosig.timestamp}, "
                    f"{cosig.timestamp - now} s in the future"
                ),
            )
        newest = max(newest, cosig.timestamp)
    return CosignatureCheck(True, timestamp=newest)


def verify_cosignature(note: str | bytes, witness: WitnessKey, *, now: int | None = None) -> int:
    """The timestamp of ``witness``'s good cosignature on ``note``; CosignatureError naming why not."""
    result = check_cosignature(note, witness, now=now)
    if not result.ok or result.timestamp is None:
        raise CosignatureError(
            result.reason or "cosignature does not verify",
            code=result.code or "cosignature.invalid",
            witness=witness.name,
        )
    return result.timestamp


def with_cosignatures(note: str, cosignatures: Iterable[Cosignature | NoteSignature]) -> str:
    """``note`` with signature lines added; a line by the same (name, key id) is replaced.

    The first signature line (the log's) stays first. CheckpointError if ``note`` is malformed.
    """
    body, sigs = split_note(note)
    new = [c.note_signature() if isinstance(c, Cosignature) else c for c in cosignatures]
    replaced = {(s.name, s.key_id) for s in new}
    head, tail = sigs[:1], [s for s in sigs[1:] if (s.name, s.key_id) not in replaced]
    if head and (head[0].name, head[0].key_id) in replaced:
        new = [s for s in new if (s.name, s.key_id) != (head[0].name, head[0].key_id)]
    return body + "\n" + "".join(s.line() for s in [*head, *tail, *new])
