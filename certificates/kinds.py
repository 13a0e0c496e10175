"""The ``certificate.issue`` and ``certificate.revoke`` entry kinds and their projection.

``certificate.issue`` (by the enterprise that published the footprint) records
that a certificate exists: its id, the footprint it certifies, the SHA-256 of
its signed bytes (``certificates.document.content_digest``), the size of the
checkpoint its evidence is pinned to and the verification statement it cites.
The document itself travels with the holder; the ledger keeps its digest.

``certificate.revoke`` (by the issuer, or by a verifier — the one whose
statement the certificate cites, if it cites one) withdraws it, with a reason.

Rules (``RuleViolation`` codes): ``certificate.exists``,
``certificate.footprint_unknown``, ``certificate.not_publisher``,
``certificate.footprint_superseded``, ``certificate.checkpoint_out_of_range``,
``certificate.statement_unknown``, ``certificate.statement_other_subject``,
``certificate.statement_not_covering`` (``certificates.statements.statement_covers``),
``certificate.unknown``, ``certificate.revoked_already``, ``certificate.not_authorised``.

A ``tanji.plugins`` entry point: importing it registers the kinds, and
``MIGRATIONS`` adds the ``certificates`` Alembic branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from certificates.errors import CertificateNotFound
from certificates.statements import statement_covers
from certificates.supplier import check_supplier_certificate
from lca.kinds import FootprintRow
from lca.model_kind import SUPPLIER_CERTIFICATE_RULES
from ledger import (
    REGISTRY,
    AppendContext,
    Database,
    Entry,
    EntryKind,
    ProjectionBase,
    RuleViolation,
    entry_at,
    require_actor,
)

__all__ = [
    "ISSUE",
    "MIGRATIONS",
    "REVOKE",
    "CertificateIssue",
    "CertificateRecord",
    "CertificateRevoke",
    "Status",
    "certificate_status",
    "certificate_status_in",
    "get_certificate",
    "list_certificates",
]

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"

Uuid = Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
Status = Literal["valid", "revoked", "superseded"]


class CertificateIssue(BaseModel):
    """Payload of ``certificate.issue``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Uuid
    footprint: Uuid
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    checkpoint_size: int = Field(ge=1)
    statement_seq: int | None = Field(default=None, ge=0)


class CertificateRevoke(BaseModel):
    """Payload of ``certificate.revoke``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Uuid
    reason: str = Field(min_length=1, max_length=2000)


class CertificateRow(ProjectionBase):
    """Projection: every issued certificate and its revocation, if any."""

    __tablename__ = "certificates"

    certificate_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    issuer: Mapped[str] = mapped_column(String(128), index=True)
    footprint_id: Mapped[str] = mapped_column(String(36), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    checkpoint_size: Mapped[int] = mapped_column(BigInteger)
    statement_seq: Mapped[int | None] = mapped_column(BigInteger)
    revoked_seq: Mapped[int | None] = mapped_column(BigInteger)
    revoked_by: Mapped[str | None] = mapped_column(String(128))
    revoke_reason: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class CertificateRecord:
    """An issued certificate as the other packages see it (``status`` needs the footprint too)."""

    certificate_id: str
    seq: int
    issuer: str
    footprint_id: str
    sha256: str
    checkpoint_size: int
    statement_seq: int | None
    revoked_seq: int | None
    revoked_by: str | None
    revoke_reason: str | None


def _record(row: CertificateRow) -> CertificateRecord:
    return CertificateRecord(
        row.certificate_id,
        row.seq,
        row.issuer,
        row.footprint_id,
        row.sha256,
        row.checkpoint_size,
        row.statement_seq,
        row.revoked_seq,
        row.revoked_by,
        row.revoke_reason,
    )


def get_certificate(session: Session, certificate_id: str) -> CertificateRecord | None:
    """The issued certificate ``certificate_id`` or None."""
    row = session.get(CertificateRow, certificate_id)
    return None if row is None else _record(row)


def list_certificates(session: Session, *, footprint_id: str | None = None) -> list[CertificateRecord]:
    """Issued certificates in log order, optionally of one footprint."""
    q = select(CertificateRow).order_by(CertificateRow.seq)
    if footprint_id is not None:
        q = q.where(CertificateRow.footprint_id == footprint_id)
    return [_record(r) for r in session.scalars(q)]


def certificate_status(session: Session, certificate_id: str) -> Status:
    """``revoked`` if a ``certificate.revoke`` names it, else ``superseded`` if its footprint
    was replaced by a newer one (Deprecated), else ``valid``.

    Raises ``CertificateNotFound`` when no certificate with that id was issued.
    """
    row = session.get(CertificateRow, certificate_id)
    if row is None:
        raise CertificateNotFound(
            f"no certificate {certificate_id} was issued", certificate_id=certificate_id
        )
    if row.revoked_seq is not None:
        return "revoked"
    fp = session.get(FootprintRow, row.footprint_id)
    if fp is not None and fp.superseded_by is not None:
        return "superseded"
    return "valid"


def certificate_status_in(db: Database, certificate_id: str) -> Status:
    """``certificate_status`` in a read session of ``db``."""
    with db.read_session() as s:
        return certificate_status(s, certificate_id)


def _check_issue(ctx: AppendContext, entry: Entry, p: CertificateIssue) -> None:
    s = ctx.session
    if s.get(CertificateRow, p.id) is not None:
        raise RuleViolation(f"certificate {p.id} is issued already", code="certificate.exists")
    fp = s.get(FootprintRow, p.footprint)
    if fp is None:
        raise RuleViolation(f"footprint {p.footprint} is not published", code="certificate.footprint_unknown")
    if fp.actor != entry.actor:
        raise RuleViolation(
            f"footprint {p.footprint} was published by {fp.actor!r}, not {entry.actor!r}",
            code="certificate.not_publisher",
        )
    if fp.superseded_by is not None:
        raise RuleViolation(
            f"footprint {p.footprint} was replaced by {fp.superseded_by}",
            code="certificate.footprint_superseded",
        )
    if not fp.seq < p.checkpoint_size <= ctx.seq:
        raise RuleViolation(
            f"checkpoint size {p.checkpoint_size} must cover the footprint (seq {fp.seq}) and lie within "
            f"the log ({ctx.seq} entries)",
            code="certificate.checkpoint_out_of_range",
        )
    if p.statement_seq is not None:
        found = entry_at(s, p.statement_seq)
        if found is None or found.kind != "verification.statement":
            raise RuleViolation(
                f"statement_seq {p.statement_seq} is not a verification.statement entry (found "
                f"{found.kind if found else None!r})",
                code="certificate.statement_unknown",
            )
        subject = found.payload.get("subject")
        if subject != entry.actor:
            raise RuleViolation(
                f"the statement at seq {p.statement_seq} is about {subject!r}, not {entry.actor!r}",
                code="certificate.statement_other_subject",
            )
        covers, why = statement_covers(found.payload, p.footprint, fp.seq, fp.actor)
        if not covers:
            raise RuleViolation(
                f"the statement at seq {p.statement_seq} does not cover footprint {p.footprint}: {why}",
                code="certificate.statement_not_covering",
            )


def _apply_issue(ctx: AppendContext, entry: Entry, p: CertificateIssue) -> None:
    ctx.session.add(
        CertificateRow(
            certificate_id=p.id,
            seq=entry.seq,
            issuer=entry.actor,
            footprint_id=p.footprint,
            sha256=p.sha256,
            checkpoint_size=p.checkpoint_size,
            statement_seq=p.statement_seq,
            revoked_seq=None,
            revoked_by=None,
            revoke_reason=None,
        )
    )


def _check_revoke(ctx: AppendContext, entry: Entry, p: CertificateRevoke) -> None:
    s = ctx.session
    row = s.get(CertificateRow, p.id)
    if row is None:
        raise RuleViolation(f"certificate {p.id} was never issued", code="certificate.unknown")
    if row.revoked_seq is not None:
        raise RuleViolation(
            f"certificate {p.id} was revoked already at seq {row.revoked_seq}",
            code="certificate.revoked_already",
        )
    if entry.actor == row.issuer:
        return
    role = require_actor(s, entry.actor).role
    if role == "verifier":
        if row.statement_seq is None:
            return
        found = entry_at(s, row.statement_seq)
        if found is not None and found.actor == entry.actor:
            return
    raise RuleViolation(
        f"{entry.actor!r} may not revoke certificate {p.id}: only its issuer {row.issuer!r} or "
        "the verifier whose statement it cites",
        code="certificate.not_authorised",
    )


def _apply_revoke(ctx: AppendContext, entry: Entry, p: CertificateRevoke) -> None:
    row = ctx.session.get(CertificateRow, p.id)
    assert row is not None  # checked by _check_revoke
    row.revoked_seq, row.revoked_by, row.revoke_reason = entry.seq, entry.actor, p.reason


ISSUE = REGISTRY.register(
    EntryKind(
        "certificate.issue",
        CertificateIssue,
        _check_issue,
        _apply_issue,
        roles=frozenset({"enterprise"}),
        summary="Record a signed product-footprint certificate (its id, footprint, digest and checkpoint).",
    )
)
REVOKE = REGISTRY.register(
    EntryKind(
        "certificate.revoke",
        CertificateRevoke,
        _check_revoke,
        _apply_revoke,
        roles=frozenset({"enterprise", "verifier"}),
        summary="Revoke a certificate, with a reason (its issuer or its verifier).",
    )
)

if check_supplier_certificate not in SUPPLIER_CERTIFICATE_RULES:
    # a footprint.model input carrying one of this ledger's certificates is checked against it
    SUPPLIER_CERTIFICATE_RULES.append(check_supplier_certificate)
