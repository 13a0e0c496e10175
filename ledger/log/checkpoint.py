"""Signed tree heads: C2SP ``tlog-checkpoint`` bodies in C2SP ``signed-note`` envelopes.

Two layers, each usable alone:

- signed notes (any text): ``sign_note``, ``split_note``, ``check_note``; Ed25519
  keys named as in the spec (``key_id``, ``verifier_key``, ``parse_verifier_key``);
- checkpoints: ``Checkpoint`` (origin, size, root hash, extension lines), whose
  ``body()`` is the note text that gets signed, ``sign_checkpoint``,
  ``parse_note``, ``check_checkpoint`` (result object) and ``verify_checkpoint``
  (raising ``CheckpointError``, built on the check).

A note is ``<text>\\n`` + one line per signature, ``— <name> <base64(key id ‖ sig)>``
(U+2014 EM DASH, space). The Ed25519 signature covers the text bytes (UTF-8).
Signature lines by other keys are kept by the parser and ignored by checks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import NewType

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.errors import CheckpointError

__all__ = [
    "MAX_SIGNATURES",
    "Checkpoint",
    "CheckpointCheck",
    "KeyID",
    "NoteCheck",
    "NoteSignature",
    "check_checkpoint",
    "check_note",
    "key_id",
    "parse_note",
    "parse_verifier_key",
    "sign_checkpoint",
    "sign_note",
    "split_note",
    "verifier_key",
    "verify_checkpoint",
]

KeyID = NewType("KeyID", bytes)
"""The 4-byte key hash that prefixes a signature (signed-note spec)."""

MAX_SIGNATURES = 100
ALG_ED25519 = 0x01
_SIG_PREFIX = "\u2014 "  # EM DASH, space
_MAX_SIZE = (1 << 64) - 1
_SIZE_RE = re.compile(r"0|[1-9][0-9]*")


# --- helpers ------------------------------------------------------------------------


def _b64decode(text: str) -> bytes | None:
    """Strict standard base64 (padded, canonical); None if ``text`` is not exactly that."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _bad_char(text: str) -> str | None:
    """The first character a note may not contain (controls except newline, U+FFFD)."""
    for ch in text:
        if (ch < " " and ch != "\n") or ch == "\ufffd" or "\ud800" <= ch <= "\udfff":
            return ch
    return None


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name:
        raise CheckpointError("key name must be a non-empty string", name=name)
    if "+" in name or any(ch.isspace() for ch in name) or _bad_char(name) is not None:
        raise CheckpointError(
            f"key name {name!r} may not contain '+', spaces or control characters", name=name
        )


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes_raw()


# --- keys ---------------------------------------------------------------------------


def key_id(name: str, public_key: Ed25519PublicKey) -> KeyID:
    """First 4 bytes of SHA-256(name ‖ "\\n" ‖ 0x01 ‖ raw key). Precondition: valid name."""
    _check_name(name)
    data = name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + _raw_public(public_key)
    return KeyID(hashlib.sha256(data).digest()[:4])


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """``<name>+<8 hex key id>+<base64(0x01 ‖ key)>``. Precondition: valid name."""
    kid = key_id(name, public_key)
    return f"{name}+{kid.hex()}+{_b64(bytes([ALG_ED25519]) + _raw_public(public_key))}"


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    """(name, key) from a verifier key string; CheckpointError naming what is wrong."""
    name, sep, rest = text.partition("+")
    hex_id, sep2, key64 = rest.partition("+")
    if not sep or not sep2:
        raise CheckpointError(f"verifier key {text!r} is not <name>+<keyid>+<key>")
    _check_name(name)
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise CheckpointError(f"verifier key id {hex_id!r} is not 8 lower-case hex digits")
    raw = _b64decode(key64)
    if raw is None:
        raise CheckpointError(f"verifier key {key64!r} is not canonical base64")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise CheckpointError(
            f"verifier key is {len(raw)} bytes with algorithm {raw[:1].hex() or 'none'},"
            " want 33 bytes with algorithm 01 (Ed25519)"
        )
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    if key_id(name, public_key).hex() != hex_id:
        raise CheckpointError(f"verifier key id {hex_id} does not match name {name!r} and key")
    return name, public_key


# --- signed notes -------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: signer name, 4-byte key id, signature bytes (64 for Ed25519)."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """The line as it appears in a note, with its newline."""
        return f"{_SIG_PREFIX}{self.name} {_b64(self.key_id + self.signature)}\n"


@dataclass(frozen=True)
class NoteCheck:
    """Result of checking a note against one key: ``body`` is set only when ``ok``."""

    ok: bool
    body: str | None
    reason: str | None


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed note ``text + "\\n" + signature line`` for the key ``name``.

    Preconditions: ``text`` is non-empty, ends with a newline and has no control
    characters other than newlines; ``name`` is a valid key name.
    """
    if not isinstance(text, str) or not text.endswith("\n"):
        raise CheckpointError("note text must be a string ending with a newline")
    bad = _bad_char(text)
    if bad is not None:
        raise CheckpointError(f"note text contains forbidden character {bad!r}")
    kid = key_id(name, private_key.public_key())
    sig = private_key.sign(text.encode("utf-8"))
    return text + "\n" + NoteSignature(name, kid, sig).line()


def split_note(note: str | bytes) -> tuple[str, list[NoteSignature]]:
    """(text, signatures) of a signed note, unverified.

    Raises CheckpointError("malformed: …") unless ``note`` is UTF-8 text without
    control characters, a blank line, then 1..MAX_SIGNATURES well-formed lines.
    """
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as e:
            raise CheckpointError(f"malformed: not UTF-8 at byte {e.start}") from e
    bad = _bad_char(note)
    if bad is not None:
        raise CheckpointError(f"malformed: forbidden character {bad!r}")
    split = note.rfind("\n\n")
    if split < 0:
        raise CheckpointError("malformed: no blank line before the signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise CheckpointError("malformed: signature block is empty or lacks a final newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(f"malformed: {len(lines)} signature lines, at most {MAX_SIGNATURES}")
    sigs = [_parse_signature_line(i, line) for i, line in enumerate(lines)]
    return text, sigs


def _parse_signature_line(i: int, line: str) -> NoteSignature:
    if not line.startswith(_SIG_PREFIX):
        raise CheckpointError(f"malformed: signature line {i} does not start with '— '")
    name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
    if not sep or not name or "+" in name or any(ch.isspace() for ch in name):
        raise CheckpointError(f"malformed: signature line {i} has a bad key name {name!r}")
    raw = _b64decode(b64)
    if raw is None or len(raw) < 5:
        raise CheckpointError(f"malformed: signature line {i} is not base64 of key id and signature")
    return NoteSignature(name, raw[:4], raw[4:])


def _signature_problem(
    text: str, sigs: list[NoteSignature], name: str, public_key: Ed25519PublicKey
) -> str | None:
    """Why ``sigs`` hold no good signature of ``text`` by (name, key); None if they do."""
    kid = key_id(name, public_key)
    mine = [s for s in sigs if s.name == name and s.key_id == kid]
    if not mine:
        return f"no signature by {name}+{kid.hex()}"
    data = text.encode("utf-8")
    for s in mine:
        try:
            public_key.verify(s.signature, data)
        except InvalidSignature:
            return "signature does not verify"
    return None


def check_note(note: str | bytes, name: str, public_key: Ed25519PublicKey) -> NoteCheck:
    """Whether ``note`` carries a valid signature by (name, key); never raises for bad notes.

    Every line by that name and key id must verify; other signers' lines are ignored.
    """
    try:
        text, sigs = split_note(note)
    except CheckpointError as e:
        return NoteCheck(False, None, e.message)
    problem = _signature_problem(text, sigs, name, public_key)
    if problem is not None:
        return NoteCheck(False, None, problem)
    return NoteCheck(True, text, None)


# --- checkpoints --------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint: origin, tree size, RFC 9162 root hash, extension lines.

    Invariants (CheckpointError otherwise): origin non-empty without control
    characters; ``0 <= size < 2**64``; ``root_hash`` is 32 bytes; extension lines
    non-empty without control characters.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin:
            raise CheckpointError("checkpoint origin must be a non-empty string")
        if _bad_char(self.origin) is not None or "\n" in self.origin:
            raise CheckpointError(f"checkpoint origin {self.origin!r} contains a control character")
        if not isinstance(self.size, int) or isinstance(self.size, bool):
            raise CheckpointError(f"checkpoint size must be an int, got {type(self.size).__name__}")
        if not 0 <= self.size <= _MAX_SIZE:
            raise CheckpointError(f"checkpoint size {self.size} out of range 0..2**64-1")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != 32:
            got = len(self.root_hash) if isinstance(self.root_hash, bytes) else "non-bytes"
            raise CheckpointError(f"checkpoint root hash must be 32 bytes, got {got}")
        if not isinstance(self.extensions, tuple):
            raise CheckpointError("checkpoint extensions must be a tuple of lines")
        for i, ext in enumerate(self.extensions):
            if not isinstance(ext, str) or not ext or "\n" in ext or _bad_char(ext) is not None:
                raise CheckpointError(f"checkpoint extension line {i} {ext!r} is empty or invalid")

    def body(self) -> str:
        """The note text that gets signed: origin, size, base64 root, extensions, one per line."""
        lines = [self.origin, str(self.size), _b64(self.root_hash), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_body(cls, body: str) -> Checkpoint:
        """Parse a checkpoint body; CheckpointError("malformed: …") naming the bad line."""
        if not body.endswith("\n"):
            raise CheckpointError("malformed: checkpoint body lacks a final newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError(f"malformed: checkpoint body has {len(lines)} lines, need 3")
        origin, size_text, root_text, *extensions = lines
        if not origin:
            raise CheckpointError("malformed: checkpoint origin line is empty")
        if not _SIZE_RE.fullmatch(size_text) or int(size_text) > _MAX_SIZE:
            raise CheckpointError(f"malformed: checkpoint size {size_text!r} is not a uint64")
        root = _b64decode(root_text)
        if root is None or len(root) != 32:
            raise CheckpointError(f"malformed: checkpoint root {root_text!r} is not base64 of 32 bytes")
        try:
            return cls(origin, int(size_text), root, tuple(extensions))
        except CheckpointError as e:
            raise CheckpointError(f"malformed: {e.message}") from e


@dataclass(frozen=True)
class CheckpointCheck:
    """Result of checking a signed checkpoint: ``checkpoint`` is set only when ``ok``."""

    ok: bool
    checkpoint: Checkpoint | None
    reason: str | None


def sign_checkpoint(checkpoint: Checkpoint, name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed note for ``checkpoint`` by key ``name``. Precondition: valid name."""
    return sign_note(checkpoint.body(), name, private_key)


def parse_note(text: str | bytes) -> tuple[Checkpoint, list[NoteSignature]]:
    """(checkpoint, signatures) of a signed checkpoint, unverified; CheckpointError if malformed."""
    body, sigs = split_note(text)
    return Checkpoint.from_body(body), sigs


def check_checkpoint(
    text: str | bytes,
    name: str,
    public_key: Ed25519PublicKey,
    *,
    origin: str | None = None,
) -> CheckpointCheck:
    """Whether ``text`` is a well-formed checkpoint signed by (name, key); never raises for bad text.

    If ``origin`` is given the checkpoint's origin must equal it.
    """
    try:
        body, sigs = split_note(text)
        checkpoint = Checkpoint.from_body(body)
    except CheckpointError as e:
        return CheckpointCheck(False, None, e.message)
    if origin is not None and checkpoint.origin != origin:
        return CheckpointCheck(False, None, f"origin {checkpoint.origin!r} is not {origin!r}")
    problem = _signature_problem(body, sigs, name, public_key)
    if problem is not None:
        return CheckpointCheck(False, None, problem)
    return CheckpointCheck(True, checkpoint, None)


def verify_checkpoint(
    text: str | bytes,
    name: str,
    public_key: Ed25519PublicKey,
    *,
    origin: str | None = None,
) -> Checkpoint:
    """The checkpoint in ``text`` if signed by (name, key); CheckpointError with the reason."""
    result = check_checkpoint(text, name, public_key, origin=origin)
    if not result.ok or result.checkpoint is None:
        raise CheckpointError(result.reason or "checkpoint does not verify", signer=name)
    return result.checkpoint
