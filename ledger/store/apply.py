"""Append a JSON Lines file of entries, signing each with its actor's key from a key directory.

Each line is ``{"actor": …, "kind": …, "payload": {…}, "client_id": …}``
(``client_id`` optional, and recommended: re-running a file then returns the
original ``seq`` of every line already appended instead of failing). Keys
are read from ``DIR/<actor>.pem`` (PKCS#8 PEM, optional passphrase).

Every line is parsed and every key loaded before anything is appended; then
lines go to the ledger in atomic batches of ``batch_size``. A rejected batch
writes nothing and the error names the file line and the rule; batches
before it stay appended.

The file is read as bytes, one line at a time, so a hostile file is refused
early and in bounded memory: a line longer than ``max_line_bytes`` is
``apply.line_too_long`` as soon as that many bytes were read (default
``MAX_LINE_BYTES``: 16 MiB, the HTTP API's body limit, far above the largest
entry); a line that is not UTF-8 is ``apply.encoding``; JSON nested deeper than
``MAX_DEPTH`` is ``apply.too_deep``; anything JSON cannot carry exactly
(``NaN``, a repeated key, a 5,000-digit number) is ``apply.line_malformed``; a
missing or unreadable file is ``apply.file_missing`` / ``apply.file_unreadable``;
a bad option is ``apply.bad_option``. Each names the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ledger.errors import BadEntry, KeyFileError, LedgerError, NotFound, SchemaViolation
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


MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64  # payloads nest a handful of levels; JSON parsers and canonicalisation recurse


def _reject(number: int, message: str, code: str, **more: Any) -> SchemaViolation:
    return SchemaViolation(f"line {number}: {message}", code=code, line=number, **more)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"key {key!r} appears twice in one object")
        obj[key] = value
    return obj


def _depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value (iterative: no recursion on hostile input)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item)
    return deepest


def decode_line(raw: bytes, number: int) -> Any:
    """One JSON Lines line (bytes, without the limit check) as a value; named errors naming the line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _reject(
            number, f"byte {e.start + 1} is not UTF-8 text", "apply.encoding", byte=e.start + 1
        ) from None
    if number == 1:
        text = text.removeprefix("\ufeff")
    try:
        value = json.loads(text, parse_constant=_no_constants, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as e:
        raise _reject(number, f"not JSON: {e.msg} at column {e.colno}", "apply.line_malformed") from None
    except RecursionError:
        raise _reject(number, f"JSON nested deeper than {MAX_DEPTH} levels", "apply.too_deep") from None
    except ValueError as e:  # NaN/Infinity, repeated keys, integers beyond Python's digit limit
        raise _reject(number, f"not exact JSON: {e}", "apply.line_malformed") from None
    if _depth(value) > MAX_DEPTH:
        raise _reject(number, f"JSON nested deeper than {MAX_DEPTH} levels", "apply.too_deep")
    return value


def _raw_lines(path: Path, max_line_bytes: int) -> Iterator[tuple[int, bytes]]:
    """``(number, bytes)`` of each line, streamed; a line over ``max_line_bytes`` is refused at once."""
    try:
        with Path(path).open("rb") as f:
            number = 0
            while raw := f.readline(max_line_bytes + 1):
                number += 1
                if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                    raise _reject(
                        number,
                        f"longer than {max_line_bytes} bytes; refused before reading the rest",
                        "apply.line_too_long",
                        max_line_bytes=max_line_bytes,
                    )
                yield number, raw
    except FileNotFoundError:
        raise NotFound(f"no file {str(path)!r}", code="apply.file_missing", path=str(path)) from None
    except OSError as e:  # a directory, no permission, a device that fails
        raise BadEntry(
            f"cannot read {str(path)!r}: {e.strerror or e}", code="apply.file_unreadable", path=str(path)
        ) from None


def parse_lines(path: Path, *, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """Parse every non-blank line; each refusal is a named error with ``details['line']``.

    Codes: ``apply.file_missing``, ``apply.file_unreadable``, ``apply.line_too_long``,
    ``apply.encoding``, ``apply.too_deep``, ``apply.line_malformed`` (see the module docstring).
    """
    for number, raw in _raw_lines(path, max_line_bytes):
        if not raw.strip():
            continue
        obj = decode_line(raw, number)
        if (
            not isinstance(obj, dict)
            or not {"actor", "kind", "payload"} <= obj.keys()
            or obj.keys() - _LINE_KEYS
        ):
            raise _reject(
                number, "expected an object with actor, kind, payload[, client_id]", "apply.line_malformed"
            )
        if not isinstance(obj["payload"], dict) or not isinstance(obj["actor"], str):
            raise _reject(number, "payload must be an object and actor a string", "apply.line_malformed")
        yield Line(number, obj["actor"], str(obj["kind"]), obj["payload"], obj.get("client_id"))


def at_line(error: LedgerError, number: int, **more: Any) -> LedgerError:
    """The same error, its message prefixed with the file line and ``details['line']`` set."""
    error.details.update(line=number, **more)
    error.message = f"line {number}: {error.message}"
    error.args = (error.message,)
    return error


MAX_BATCH_SIZE = 100_000


def apply_file(
    ledger: Ledger,
    path: Path,
    keys: KeyDirectory,
    *,
    batch_size: int = 1000,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> ApplyReport:
    """Sign and append every line of ``path``; see the module docstring for atomicity and limits.

    Preconditions (``apply.bad_option``): ``1 <= batch_size <= MAX_BATCH_SIZE``,
    ``max_line_bytes >= 1``. Errors about the file carry ``details['line']``.
    """
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise BadEntry(
            f"batch size {batch_size} is not in [1, {MAX_BATCH_SIZE}]",
            code="apply.bad_option",
            option="batch_size",
        )
    if max_line_bytes < 1:
        raise BadEntry(
            f"line limit {max_line_bytes} bytes must be at least 1",
            code="apply.bad_option",
            option="max_line_bytes",
        )
    lines = list(parse_lines(path, max_line_bytes=max_line_bytes))
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
