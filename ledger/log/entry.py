"""Entries: what an actor submits and what the log stores.

A ``Submission`` is what the actor controls and signs:
``{"v":1,"kind":…,"actor":…,"payload":{…}}`` plus ``"client_id"`` when given.
The ledger adds ``seq``, ``recorded_at`` and ``prev`` to make the stored body
(DESIGN.md section 3). The body's canonical bytes (RFC 8785) are what is
hashed: entry hash = SHA-256(0x00 ‖ body) = the RFC 9162 leaf hash.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from ledger.errors import SchemaViolation
from ledger.log import merkle
from ledger.log.canonical import canonical_bytes, parse_canonical
from ledger.log.keys import Ed25519PrivateKey, Ed25519PublicKey, sign_b64, verify_b64

FORMAT_VERSION = 1
GENESIS_PREV = "0" * 64

_KIND_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_ACTOR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")
_CLIENT_ID_MAX = 200
_BODY_KEYS = {"v", "seq", "kind", "actor", "recorded_at", "payload", "prev", "sig", "client_id"}


def _check_envelope(kind: str, actor: str, payload: Any, client_id: str | None) -> None:
    if not isinstance(kind, str) or not _KIND_RE.match(kind):
        raise SchemaViolation(f"kind {kind!r} is not a dotted lower-case name", code="entry.kind_malformed")
    if not isinstance(actor, str) or not _ACTOR_RE.match(actor):
        raise SchemaViolation(
            f"actor id {actor!r} must be 1-128 characters of letters, digits and ._:-",
            code="entry.actor_malformed",
        )
    if not isinstance(payload, dict):
        raise SchemaViolation(
            f"payload must be a JSON object, got {type(payload).__name__}", code="entry.payload_malformed"
        )
    if client_id is not None and (not isinstance(client_id, str) or not 0 < len(client_id) <= _CLIENT_ID_MAX):
        raise SchemaViolation(
            f"client_id must be a non-empty string of at most {_CLIENT_ID_MAX} characters",
            code="entry.client_id_malformed",
        )


def signed_bytes(kind: str, actor: str, payload: dict[str, Any], client_id: str | None) -> bytes:
    """The bytes an actor signs: canonical JSON of the body without seq, recorded_at, prev, sig."""
    signed: dict[str, Any] = {"v": FORMAT_VERSION, "kind": kind, "actor": actor, "payload": payload}
    if client_id is not None:
        signed["client_id"] = client_id
    return canonical_bytes(signed)


@dataclass(frozen=True)
class Submission:
    """A signed entry as an actor submits it, before the ledger places it."""

    kind: str
    actor: str
    payload: dict[str, Any]
    sig: str
    client_id: str | None = None

    def __post_init__(self) -> None:
        _check_envelope(self.kind, self.actor, self.payload, self.client_id)

    @classmethod
    def create(
        cls,
        kind: str,
        actor: str,
        payload: dict[str, Any],
        key: Ed25519PrivateKey,
        client_id: str | None = None,
    ) -> Submission:
        """Build and sign a submission with the actor's private key."""
        _check_envelope(kind, actor, payload, client_id)
        data = signed_bytes(kind, actor, payload, client_id)
        sub = cls(kind=kind, actor=actor, payload=payload, sig=sign_b64(key, data), client_id=client_id)
        sub.__dict__["_signed"] = data  # canonicalised once: what was signed is what the core checks
        return sub

    @classmethod
    def from_json(cls, data: Any) -> Submission:
        """Parse ``{"kind","actor","payload","sig"[,"client_id"]}``; ``SchemaViolation`` if malformed."""
        if not isinstance(data, dict):
            raise SchemaViolation("a submission must be a JSON object", code="entry.malformed")
        missing = {"kind", "actor", "payload", "sig"} - data.keys()
        if missing:
            raise SchemaViolation(f"submission lacks {sorted(missing)}", code="entry.malformed")
        extra = data.keys() - {"kind", "actor", "payload", "sig", "client_id", "v"}
        if extra:
            raise SchemaViolation(f"submission has unknown fields {sorted(extra)}", code="entry.malformed")
        if data.get("v", FORMAT_VERSION) != FORMAT_VERSION:
            raise SchemaViolation(f"unsupported entry version {data.get('v')!r}", code="entry.version")
        if not isinstance(data["sig"], str):
            raise SchemaViolation("sig must be a base64 string", code="entry.malformed")
        return cls(
            kind=data["kind"],
            actor=data["actor"],
            payload=data["payload"],
            sig=data["sig"],
            client_id=data.get("client_id"),
        )

    def to_json(self) -> dict[str, Any]:
        """The wire form accepted by ``from_json``."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "actor": self.actor,
            "payload": self.payload,
            "sig": self.sig,
        }
        if self.client_id is not None:
            out["client_id"] = self.client_id
        return out

    @cached_property
    def _signed(self) -> bytes:
        return signed_bytes(self.kind, self.actor, self.payload, self.client_id)

    def signed_bytes(self) -> bytes:
        """The canonical bytes the signature covers."""
        return self._signed

    def signature_valid(self, public_key: Ed25519PublicKey | bytes) -> bool:
        """True when ``sig`` verifies against ``public_key``."""
        return verify_b64(public_key, self.sig, self.signed_bytes())

    def signed_digest(self) -> str:
        """SHA-256 hex of the signed bytes: one per distinct signed content (replay detection)."""
        return hashlib.sha256(self.signed_bytes()).hexdigest()


def format_timestamp(moment: datetime) -> str:
    """UTC timestamp as stored in bodies: ``2026-01-02T03:04:05.123456Z``."""
    if moment.tzinfo is None:
        raise SchemaViolation(f"timestamp {moment.isoformat()} has no time zone", code="time.naive")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_SIGNED_TAIL = b',"v":%d}' % FORMAT_VERSION
_PLACED_FIELDS = re.compile(r"^[0-9a-f]{64}$")


def _splice_body(signed: bytes, seq: int, prev: str, stamp: str, sig: str) -> str:
    """The canonical body from the canonical signed part, without canonicalising twice.

    RFC 8785 sorts keys, and the fields the ledger adds (``prev``,
    ``recorded_at``, ``seq``, ``sig``) sort after ``payload`` and before ``v``,
    so the body is the signed text with them inserted before ``"v"``. Their
    values need no escaping (hex, an ASCII timestamp, an integer, base64).
    ``tests/ledger/log/test_entry.py`` checks this equals canonicalising the whole body.
    """
    if not signed.endswith(_SIGNED_TAIL) or not _PLACED_FIELDS.match(prev) or not sig.isascii() or '"' in sig:
        raise SchemaViolation(
            "cannot place an entry with a malformed prev or signature", code="entry.malformed"
        )
    added = f',"prev":"{prev}","recorded_at":"{stamp}","seq":{seq},"sig":"{sig}"'.encode("ascii")
    return (signed[: -len(_SIGNED_TAIL)] + added + _SIGNED_TAIL).decode("utf-8")


_REQUIRED_KEYS = frozenset(_BODY_KEYS - {"client_id"})


def parse_body(body: str, data: bytes | None = None) -> dict[str, Any]:
    """A stored body's fields, checked canonical (RFC 8785) and well formed; ``SchemaViolation`` else.

    ``data``: the body's UTF-8 bytes when the caller has them (verification has hashed them).
    """
    obj = parse_canonical(body, data)
    if type(obj) is not dict:
        raise SchemaViolation("entry body is not a JSON object", code="entry.malformed")
    keys = obj.keys()
    if not (keys >= _REQUIRED_KEYS and len(keys) == len(_REQUIRED_KEYS) + ("client_id" in keys)):
        raise SchemaViolation(
            f"entry body fields wrong: missing {sorted(_REQUIRED_KEYS - keys)}, "
            f"unknown {sorted(keys - _BODY_KEYS)}",
            code="entry.malformed",
        )
    if obj["v"] != FORMAT_VERSION:
        raise SchemaViolation(f"unsupported entry version {obj['v']!r}", code="entry.version")
    if (
        type(obj["seq"]) is not int
        or type(obj["prev"]) is not str
        or type(obj["sig"]) is not str
        or type(obj["recorded_at"]) is not str
    ):
        raise SchemaViolation("entry body has a field of the wrong type", code="entry.malformed")
    _check_envelope(obj["kind"], obj["actor"], obj["payload"], obj.get("client_id"))
    return obj


def signed_part(data: bytes, seq: int, prev: str, recorded_at: str, sig: str) -> bytes | None:
    """The signed bytes of a canonical stored body ``data`` with these placed fields: the body
    without them, as ``_splice_body`` inserted them (the inverse of ``_splice_body``, no parsing).

    None when a placed value is not as the ledger writes it (``prev`` 64 lower-case hex digits, ``seq``
    not negative, no value needing escaping in JSON) or the body does not end with them.
    """
    if seq < 0 or not _PLACED_FIELDS.match(prev):
        return None
    for value in (recorded_at, sig):
        if '"' in value or "\\" in value:
            return None
    tail = f',"prev":"{prev}","recorded_at":"{recorded_at}","seq":{seq},"sig":"{sig}"'.encode() + _SIGNED_TAIL
    if not data.endswith(tail):
        return None
    return data[: -len(tail)] + _SIGNED_TAIL


def signed_bytes_of_body(body: str) -> bytes | None:
    """The signed part of a stored body (:func:`signed_part`); None when it is not a canonical,
    well-formed entry."""
    try:
        fields = parse_body(body)
    except SchemaViolation:
        return None
    return signed_part(
        body.encode("utf-8"), fields["seq"], fields["prev"], fields["recorded_at"], fields["sig"]
    )


@dataclass(frozen=True)
class Entry:
    """A placed entry: the stored body and its hash. Build with ``place`` or ``from_body``."""

    seq: int
    kind: str
    actor: str
    recorded_at: str
    payload: dict[str, Any]
    prev: str
    sig: str
    client_id: str | None = None
    body: str = field(default="", compare=False)
    hash: str = field(default="", compare=False)

    @classmethod
    def place(cls, submission: Submission, seq: int, prev: str, recorded_at: datetime) -> Entry:
        """Give a submission its place in the log and compute its body and hash."""
        if seq < 0:
            raise ValueError(f"seq {seq} is negative")
        stamp = format_timestamp(recorded_at)
        body = _splice_body(submission.signed_bytes(), seq, prev, stamp, submission.sig)
        return cls(
            seq=seq,
            kind=submission.kind,
            actor=submission.actor,
            recorded_at=stamp,
            payload=submission.payload,
            prev=prev,
            sig=submission.sig,
            client_id=submission.client_id,
            body=body,
            hash=merkle.leaf_hash(body.encode("utf-8")).hex(),
        )

    @classmethod
    def from_body(cls, body: str, *, leaf_hex: str | None = None) -> Entry:
        """Parse a stored body, checking it is canonical and well formed.

        ``leaf_hex``: the body's leaf hash when the caller has just computed it (verification).
        """
        obj = parse_body(body)
        return cls(
            seq=obj["seq"],
            kind=obj["kind"],
            actor=obj["actor"],
            recorded_at=obj["recorded_at"],
            payload=obj["payload"],
            prev=obj["prev"],
            sig=obj["sig"],
            client_id=obj.get("client_id"),
            body=body,
            hash=leaf_hex if leaf_hex is not None else merkle.leaf_hash(body.encode("utf-8")).hex(),
        )

    def submission(self) -> Submission:
        """The submission this entry was placed from (to re-check its signature)."""
        return Submission(
            kind=self.kind, actor=self.actor, payload=self.payload, sig=self.sig, client_id=self.client_id
        )

    def recorded_datetime(self) -> datetime:
        """``recorded_at`` as an aware datetime."""
        return datetime.strptime(self.recorded_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
