"""EPCIS 2.0 onto the ledger: map a document, sign its lot entries, append them as one batch.

``import_epcis_document`` runs :func:`traceability.epcis.import_epcis` with
the ledger's lots as its ``lookup`` (so a serialized item on the ledger is not
produced again, and ``receive_unknown_from`` knows which lots come from
outside), signs every mapped ``lot.*`` payload as ``actor`` and appends them
in **one** atomic batch: if any entry breaks a rule (mass balance, unknown
lot …) nothing is written and the ledger error (naming the batch index,
hence the event) propagates. Events that could not be mapped are in the
report, never dropped silently; they do not stop the import of the others.

A dry run is the same import up to the last step: the entries are signed and
the ledger runs every check of a real append (``Ledger.append(dry_run=True)``)
and rolls back. So a dry run fails exactly when the import would, with the
same error, and succeeds with the same entries and the seqs they would get.

Each entry carries a client id derived from the document digest and its
position (``epcis:<sha256[:16]>:<n>``), so importing the same file again
returns the original seqs instead of appending twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ledger.errors import LedgerError
from ledger.log.entry import Submission
from ledger.log.keys import Ed25519PrivateKey
from ledger.store.append import Appended, Ledger
from traceability.epcis import ImportOptions, ImportReport, KnownLot, import_epcis
from traceability.kinds import get_lot, holdings_of

__all__ = ["LedgerImport", "import_epcis_document"]


@dataclass(frozen=True)
class LedgerImport:
    """What an import did: the report, the entries (kind, payload, event index) and where they landed."""

    report: ImportReport
    entries: tuple[tuple[str, dict[str, Any], int], ...]
    appended: tuple[Appended, ...]
    dry_run: bool

    def placed(self) -> list[Appended | None]:
        """Where each entry landed (or would land, in a dry run); ``None`` each when nothing was checked."""
        return list(self.appended) if self.appended else [None] * len(self.entries)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (the CLI prints it); a dry run differs from the import only in ``dry_run``."""
        return {
            "dry_run": self.dry_run,
            "events_seen": self.report.events_seen,
            "events_mapped": self.report.events_mapped,
            "entries": [
                {
                    "kind": kind,
                    "event_index": index,
                    "payload": payload,
                    **({"seq": a.seq, "duplicate": a.duplicate} if a is not None else {}),
                }
                for (kind, payload, index), a in zip(
                    self.entries,
                    self.placed(),
                    strict=True,
                )
            ],
            "issues": [
                {
                    "index": i.index,
                    "event_id": i.event_id,
                    "event_type": i.event_type,
                    "severity": i.severity,
                    "path": i.path,
                    "reason": i.reason,
                    "partly_imported": i.mapped,
                }
                for i in self.report.issues
            ],
        }


def _digest(document: Mapping[str, Any] | Sequence[Any] | str | bytes) -> str:
    if isinstance(document, str):
        raw = document.encode("utf-8")
    elif isinstance(document, bytes):
        raw = document
    else:
        raw = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def _known(session: Session, actor: str, lot_id: str) -> KnownLot | None:
    lot = get_lot(session, lot_id)
    if lot is None:
        return None
    held = holdings_of(session, lot_id).get(actor)
    return KnownLot(lot_id, lot.unit, held.available if held is not None else 0, lot.supplier)


def import_epcis_document(
    ledger: Ledger,
    document: Mapping[str, Any] | Sequence[Any] | str | bytes,
    actor: str,
    key: Ed25519PrivateKey,
    *,
    options: ImportOptions | None = None,
    dry_run: bool = False,
) -> LedgerImport:
    """Map ``document`` and append its lot entries, signed by ``actor`` with ``key``, in one batch.

    Preconditions: ``key`` is ``actor``'s current key (else ``signature.invalid``);
    ``ledger`` was opened with the operator key unless ``dry_run``. Raises
    ``InvalidEPCISDocument`` when the input is not EPCIS 2.0 at all and the
    ledger's ``BadEntry`` errors when an entry breaks a rule (nothing written).
    With ``dry_run`` every check runs and nothing is appended (the ledger may be
    opened without the operator key).
    """
    with ledger.db.read_session() as s:
        result = import_epcis(document, options, lookup=lambda lot_id: _known(s, actor, lot_id))
    digest = _digest(document)
    entries = tuple((e.kind, e.payload_json(), e.index) for e in result.entries)
    appended: list[Appended] = []
    if entries:
        submissions = [
            Submission.create(kind, actor, payload, key, client_id=f"epcis:{digest}:{n}")
            for n, (kind, payload, _) in enumerate(entries)
        ]
        try:
            appended = ledger.append(submissions, dry_run=dry_run)
        except LedgerError as e:
            # Name the EPCIS event behind the rejected entry; the ledger named the batch index.
            index = e.details.get("index")
            if isinstance(index, int) and 0 <= index < len(result.entries):
                source = result.entries[index]
                e.details.update(event_index=source.index, event_id=source.event_id)
                e.message = f"EPCIS event {source.index} ({source.event_id or 'no eventID'}): {e.message}"
                e.args = (e.message,)
            raise
    return LedgerImport(result.report, entries, tuple(appended), dry_run)
