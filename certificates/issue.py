"""Issuing a certificate from a ``footprint.publish`` entry.

``build_certificate`` assembles the unsigned document (pure over what it reads
from the ledger: the compact evidence of ``certificates.evidence`` — entries,
rows and their multiproofs against one checkpoint — and the green figures
``certificates.green`` derives from the rows);
``sign_certificate`` signs its signed bytes; ``issue_certificate`` does both and
records a ``certificate.issue`` entry, signed by the same key, in one append.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from certificates.document import FORMAT, Certificate, signed_bytes
from certificates.errors import NotIssuable
from certificates.evidence import select_evidence
from certificates.figures import claims_from_footprint
from certificates.green import declared_unit_green, derive_green, row_to_wire
from certificates.statements import statement_covers
from lca.kinds import get_footprint
from ledger import (
    Ed25519PrivateKey,
    Entry,
    Ledger,
    Submission,
    format_timestamp,
    get_actor,
    parse_note,
    public_key_b64,
)

__all__ = ["Issued", "build_certificate", "issue_certificate", "publisher_of", "sign_certificate"]


@dataclass(frozen=True)
class Issued:
    """A certificate and the seq of the ``certificate.issue`` entry that records it."""

    certificate: Certificate
    seq: int


def publisher_of(ledger: Ledger, footprint_id: str) -> str:
    """The actor that published ``footprint_id``; ``NotIssuable`` if it is not published."""
    with ledger.db.read_session() as s:
        fp = get_footprint(s, footprint_id)
    if fp is None:
        raise NotIssuable(f"footprint {footprint_id} is not published", code="certificate.footprint_unknown")
    return fp.actor


def _statement(
    entries: dict[int, Entry], seq: int, issuer: str, footprint_id: str, footprint_seq: int
) -> dict[str, Any]:
    e = entries.get(seq)
    if e is None or e.kind != "verification.statement":
        raise NotIssuable(
            f"seq {seq} is not a verification.statement entry", code="certificate.statement_unknown"
        )
    if e.payload.get("subject") != issuer:
        raise NotIssuable(
            f"the statement at seq {seq} is about {e.payload.get('subject')!r}, not {issuer!r}",
            code="certificate.statement_unknown",
        )
    covers, why = statement_covers(e.payload, footprint_id, footprint_seq, issuer)
    if not covers:
        raise NotIssuable(
            f"the statement at seq {seq} does not cover footprint {footprint_id}: {why}",
            code="certificate.statement_not_covering",
        )
    return {
        "seq": seq,
        "verifier": e.actor,
        "opinion": e.payload["opinion"],
        "standard": e.payload["standard"],
        "tree_size": e.payload["tree_size"],
    }


def _key_seq(entries: dict[int, Entry], actor: str) -> int:
    found = [
        s
        for s, e in entries.items()
        if (e.kind == "actor.register" and e.payload.get("id") == actor)
        or (e.kind == "actor.rotate_key" and e.payload.get("actor_id") == actor)
    ]
    if not found:
        raise NotIssuable(f"no actor.register of {actor!r} in the evidence", code="certificate.no_evidence")
    return max(found)


def build_certificate(
    ledger: Ledger,
    footprint_id: str,
    *,
    certificate_id: str | None = None,
    issued_at: datetime | None = None,
    statement_seq: int | None = None,
) -> tuple[dict[str, Any], int]:
    """The unsigned certificate document for ``footprint_id`` and the seq of the issuer's key entry.

    Pins the evidence to the ledger's latest checkpoint. Preconditions
    (``NotIssuable`` otherwise): the footprint is published and not replaced; a
    given ``statement_seq`` is a ``verification.statement`` about the publisher that
    covers the footprint (``certificate.statement_not_covering``).
    """
    with ledger.db.read_session() as s:
        fp = get_footprint(s, footprint_id)
        if fp is None:
            raise NotIssuable(
                f"footprint {footprint_id} is not published", code="certificate.footprint_unknown"
            )
        if fp.superseded_by is not None:
            raise NotIssuable(
                f"footprint {footprint_id} was replaced by {fp.superseded_by}",
                code="certificate.footprint_superseded",
            )
        publisher = get_actor(s, fp.actor)
        if publisher is None:
            raise NotIssuable(f"publisher {fp.actor!r} is not registered", code="certificate.no_evidence")
        issuer = {"actor": publisher.actor_id, "name": publisher.name, "uscc": publisher.uscc}
    note = ledger.latest_checkpoint()
    size = parse_note(note)[0].size
    selected = select_evidence(ledger, footprint_id, size, statement_seq=statement_seq)
    entries = selected.entries
    fp_entry = entries[fp.seq]
    claims = claims_from_footprint(fp_entry.payload, fp.seq)
    green = (
        derive_green(selected.basis, [r for _, r in selected.rows])
        if selected.basis is not None
        else declared_unit_green(fp_entry.payload["results"]["electricity"])
    )
    evidence: dict[str, Any] = {
        "checkpoint": note,
        "entries": [
            {"seq": seq, "kind": entries[seq].kind, "body": entries[seq].body} for seq in selected.seqs
        ],
        "proof": [h.hex() for h in selected.proof],
    }
    if selected.basis is not None and selected.run_seq is not None:
        evidence["rows"] = {
            "run_seq": selected.run_seq,
            "items": [{"index": i, "row": row_to_wire(r)} for i, r in selected.rows],
            "proof": [h.hex() for h in selected.row_proof],
        }
    stamp = format_timestamp(issued_at or datetime.now(UTC))
    document: dict[str, Any] = {
        "type": FORMAT,
        "id": certificate_id or str(uuid.uuid4()),
        "issued_at": stamp,
        "issuer": issuer,
        **claims,
        "green_electricity": green,
        "verification": (
            None
            if statement_seq is None
            else _statement(entries, statement_seq, fp.actor, footprint_id, fp.seq)
        ),
        "evidence": evidence,
    }
    return document, _key_seq(entries, fp.actor)


def sign_certificate(document: dict[str, Any], key: Ed25519PrivateKey, key_seq: int) -> Certificate:
    """The certificate: ``document`` with the issuer's Ed25519 signature over its signed bytes."""
    unsigned = Certificate.from_json({k: v for k, v in document.items() if k != "signature"})
    return unsigned.with_signature(key_seq, key.sign(signed_bytes(document)))


def issue_certificate(
    ledger: Ledger,
    footprint_id: str,
    key: Ed25519PrivateKey,
    *,
    certificate_id: str | None = None,
    issued_at: datetime | None = None,
    statement_seq: int | None = None,
) -> Issued:
    """Build, sign and record a certificate for ``footprint_id``.

    Preconditions (``NotIssuable`` otherwise): as ``build_certificate``, and
    ``key`` is the publisher's current key. The ledger needs its operator key
    (it appends). Ledger rule violations propagate as ``LedgerError``.
    """
    issuer = publisher_of(ledger, footprint_id)
    with ledger.db.read_session() as s:
        registered = get_actor(s, issuer)
    if registered is None or registered.public_key != public_key_b64(key.public_key()):
        raise NotIssuable(
            f"the key given is not the current key of publisher {issuer!r}", code="certificate.wrong_key"
        )
    document, key_seq = build_certificate(
        ledger, footprint_id, certificate_id=certificate_id, issued_at=issued_at, statement_seq=statement_seq
    )
    cert = sign_certificate(document, key, key_seq)
    size = parse_note(document["evidence"]["checkpoint"])[0].size
    payload: dict[str, Any] = {
        "id": cert.id,
        "footprint": footprint_id,
        "sha256": cert.content_digest(),
        "checkpoint_size": size,
        "statement_seq": statement_seq,
    }
    [placed] = ledger.append([Submission.create("certificate.issue", issuer, payload, key)])
    return Issued(cert, placed.seq)
