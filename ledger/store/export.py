"""Export a ledger to files and verify such an export with no database.

An export directory holds ``log.jsonl`` (one ``{"seq","kind","body","hash"}``
object a line, bodies exactly as hashed), ``checkpoints.jsonl`` (``{"size","note"}``),
``ledger.pub`` (the operator's Ed25519 public key, PEM) and ``ledger.vkey`` (the
C2SP verifier key string).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ledger.errors import IntegrityFailure, NotFound
from ledger.log.checkpoint import parse_note, parse_verifier_key
from ledger.log.entry import Entry
from ledger.log.keys import Ed25519PublicKey, save_public_key
from ledger.log.policy import Policy
from ledger.log.verify import StoredCheckpoint, VerifyReport, read_jsonl, verify_log
from ledger.store.append import Ledger

LOG_FILE = "log.jsonl"
CHECKPOINTS_FILE = "checkpoints.jsonl"
PUBLIC_KEY_FILE = "ledger.pub"
VERIFIER_KEY_FILE = "ledger.vkey"


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    directory: Path
    entries: int
    checkpoints: int


def export_ledger(ledger: Ledger, out_dir: Path) -> ExportSummary:
    """Write the whole log, its checkpoints and the operator's public key to ``out_dir``.

    Files are written under temporary names and renamed at the end, so a
    failed export never leaves a half-written ``log.jsonl`` behind.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    info = ledger.info()
    _name, key = parse_verifier_key(info.operator_key)
    n = 0
    tmp_log = out_dir / (LOG_FILE + ".tmp")
    with tmp_log.open("w", encoding="utf-8") as f:
        for row in ledger.stored_rows():
            f.write(
                json.dumps(
                    {"seq": row.seq, "kind": row.kind, "body": row.body, "hash": row.hash}, ensure_ascii=False
                )
                + "\n"
            )
            n += 1
    checkpoints = ledger.checkpoints()
    tmp_cp = out_dir / (CHECKPOINTS_FILE + ".tmp")
    with tmp_cp.open("w", encoding="utf-8") as f:
        for cp in checkpoints:
            f.write(json.dumps({"size": cp.size, "note": cp.note}, ensure_ascii=False) + "\n")
    save_public_key(key, out_dir / PUBLIC_KEY_FILE)
    (out_dir / VERIFIER_KEY_FILE).write_text(info.operator_key + "\n", encoding="utf-8")
    tmp_log.replace(out_dir / LOG_FILE)
    tmp_cp.replace(out_dir / CHECKPOINTS_FILE)
    return ExportSummary(out_dir, n, len(checkpoints))


def read_checkpoints(path: Path) -> list[StoredCheckpoint]:
    """Checkpoints from a ``checkpoints.jsonl`` file."""
    if not Path(path).exists():
        raise NotFound(f"checkpoint file {path} not found", code="export.missing")
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                obj = json.loads(line)
                out.append(StoredCheckpoint(int(obj["size"]), str(obj["note"])))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                raise IntegrityFailure(
                    f"{path} line {n} is not a checkpoint record: {e}", code="export.malformed", line=n
                ) from e
    return out


def verify_export(
    log_path: Path,
    trust: Ed25519PublicKey,
    *,
    workers: int = 1,
    against: str | None = None,
    policy: Policy | None = None,
) -> VerifyReport:
    """Verify an exported log against a trusted operator key, with no database.

    The checkpoints are read from ``checkpoints.jsonl`` beside the log; their
    origin line names the log, and every one must be signed by ``trust``.
    ``against`` and ``policy`` as in ``verify_log``.
    """
    log_path = Path(log_path)
    if not log_path.exists():
        raise NotFound(f"log file {log_path} not found", code="export.missing")
    checkpoints = read_checkpoints(log_path.parent / CHECKPOINTS_FILE)
    if not checkpoints:
        raise IntegrityFailure("the export has no checkpoint to verify against", code="export.no_checkpoint")
    origin = parse_note(checkpoints[-1].note)[0].origin
    with log_path.open(encoding="utf-8") as f:
        return verify_log(
            read_jsonl(f),
            checkpoints,
            origin=origin,
            operator_key=trust,
            workers=workers,
            against=against,
            policy=policy,
        )


class EntrySource(Protocol):
    """What reads a log's entries: an open :class:`Ledger`, or an :class:`ExportedLog`."""

    def entry(self, seq: int) -> Entry: ...

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[Entry]: ...


class ExportedLog:
    """The entries of an exported ``log.jsonl``, read as a ledger reads its own (no database).

    Reading checks nothing: verify the export first (:func:`verify_export`).
    """

    def __init__(self, log_path: Path) -> None:
        log_path = Path(log_path)
        if not log_path.exists():
            raise NotFound(f"log file {log_path} not found", code="export.missing")
        with log_path.open(encoding="utf-8") as f:
            self._bodies = [row.body for row in read_jsonl(f)]

    def size(self) -> int:
        """Number of entries."""
        return len(self._bodies)

    def entry(self, seq: int) -> Entry:
        """The entry at ``seq``; ``NotFound`` (``entry.not_found``) beyond the export."""
        if not 0 <= seq < len(self._bodies):
            raise NotFound(f"no entry at seq {seq} in the export", code="entry.not_found", seq=seq)
        return Entry.from_body(self._bodies[seq])

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[Entry]:
        """Entries with ``start <= seq < end`` in order."""
        for body in self._bodies[start : len(self._bodies) if end is None else end]:
            yield Entry.from_body(body)
