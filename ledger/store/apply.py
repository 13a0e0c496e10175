"""Append a JSON Lines file of entries, signing each with its actor's key from a key directory.

Each line is ``{"actor": …, "kind": …, "payload": {…}, "client_id": …}``
(``client_id`` optional, and recommended: re-running a file then returns the
original ``seq`` of every line already appended instead of failing). Keys
are read from ``DIR/<actor>.pem`` (PKCS#8 PEM, optional passphrase).

Every line is parsed and every key loaded before anything is appended; then
lines go to the ledger in atomic batches of ``batch_size``. A rejected batch
writes nothing and the error names the file line and the rule; batches
before it stay appended.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ledger.errors import KeyFileError, LedgerError, SchemaViolation
from ledger.log.entry import Submission
from ledger.log.keys import Ed25519PrivateKey, load_private_key
from ledger.store.append import Ledger

_LINE_KEYS = {"actor", "kind", "payload", "client_id"}


class KeyDirectory:
    """Private keys by actor id, loaded on first use from ``directory/<actor>.pem``."""

    def __init__(self, directory: Path, passphrase: bytes | None = None) -> None:
        self.directory = Path(directory)
        self._passphrase = passphrase
        self._keys: dict[str, Ed25519PrivateKey] = {}

    def key(self, actor: str) -> Ed25519PrivateKey:
        """The key of ``actor``; ``KeyFileError`` (``key.unreadable``) naming the file if absent."""
        if actor not in self._keys:
            path = self.directory / f"{actor}.pem"
            if "/" in actor or actor.startswith("."):
                raise KeyFileError(f"actor id {actor!r} cannot name a key file")
            self._keys[actor] = load_private_key(path, self._passphrase)
        return self._keys[actor]


@dataclass(frozen=True)
class Line:
    """One parsed line: its number in the file and the unsigned entry."""

    number: int
    actor: str
    kind: str
    payload: dict[str, Any]
    client_id: str | None


@dataclass(frozen=True)
class ApplyReport:
    """What ``apply_file`` appended: ``duplicates`` are lines whose client id was in the log already."""

    lines: int
    appended: int
    duplicates: int
    first_seq: int | None
    last_seq: int | None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def parse_lines(path: Path) -> Iterator[Line]:
    """Parse every non-blank line; ``SchemaViolation`` ``apply.line_malformed`` naming the line."""
    with Path(path).open(encoding="utf-8") as f:
        for number, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as e:
                raise SchemaViolation(
                    f"line {number}: not JSON: {e.msg}", code="apply.line_malformed", line=number
                ) from None
            if (
                not isinstance(obj, dict)
                or not {"actor", "kind", "payload"} <= obj.keys()
                or obj.keys() - _LINE_KEYS
            ):
                raise SchemaViolation(
                    f"line {number}: expected an object with actor, kind, payload[, client_id]",
                    code="apply.line_malformed",
                    line=number,
                )
            if not isinstance(obj["payload"], dict) or not isinstance(obj["actor"], str):
                raise SchemaViolation(
                    f"line {number}: payload must be an object and actor a string",
                    code="apply.line_malformed",
                    line=number,
                )
            yield Line(number, obj["actor"], str(obj["kind"]), obj["payload"], obj.get("client_id"))


def at_line(error: LedgerError, number: int, **more: Any) -> LedgerError:
    """The same error, its message prefixed with the file line and ``details['line']`` set."""
    error.details.update(line=number, **more)
    error.message = f"line {number}: {error.message}"
    error.args = (error.message,)
    return error


def apply_file(ledger: Ledger, path: Path, keys: KeyDirectory, *, batch_size: int = 1000) -> ApplyReport:
    """Sign and append every line of ``path``; see the module docstring for atomicity.

    Precondition: ``batch_size >= 1``. Errors carry ``details['line']``.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size {batch_size} must be at least 1")
    lines = list(parse_lines(path))
    subs: list[Submission] = []
    for line in lines:
        try:
            subs.append(
                Submission.create(line.kind, line.actor, line.payload, keys.key(line.actor), line.client_id)
            )
        except LedgerError as e:
            raise at_line(e, line.number) from None
    appended = duplicates = 0
    first: int | None = None
    last: int | None = None
    for start in range(0, len(subs), batch_size):
        try:
            placed = ledger.append(subs[start : start + batch_size])
        except LedgerError as e:
            number = lines[start + int(e.details.get("index", 0))].number
            raise at_line(e, number, appended_before=appended) from None
        for p in placed:
            duplicates += p.duplicate
            appended += not p.duplicate
            first = p.seq if first is None else min(first, p.seq)
            last = p.seq if last is None else max(last, p.seq)
    return ApplyReport(len(lines), appended, duplicates, first, last)
