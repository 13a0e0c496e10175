"""Online status of a presented certificate: is it the one the ledger recorded, and is it still valid?

Offline verification shows a certificate is what its issuer signed over entries
of the log. Online, the ledger adds what can change later: a revocation, a
newer footprint that supersedes the certified one — and whether the presented
document is the one recorded (its content digest equals the ``sha256`` of the
``certificate.issue`` entry; an issuer could sign a second document under the
same id without recording it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session

from certificates.document import Certificate
from certificates.errors import MalformedCertificate
from certificates.kinds import certificate_status, get_certificate
from ledger.store.append import Ledger

__all__ = ["OnlineStatus", "online_status", "online_status_of_file"]

OnlineState = Literal["valid", "revoked", "superseded", "unrecorded", "mismatch"]


@dataclass(frozen=True)
class OnlineStatus:
    """``state``: the ledger's status, or ``unrecorded`` (no such id) / ``mismatch`` (another document)."""

    certificate_id: str
    state: OnlineState
    detail: str = ""
    issue_seq: int | None = None
    revoked_seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.state == "valid"


def online_status(session: Session, cert: Certificate) -> OnlineStatus:
    """The status of ``cert`` in the ledger behind ``session``. Pure reads; never raises for a bad
    certificate."""
    record = get_certificate(session, cert.id)
    if record is None:
        return OnlineStatus(cert.id, "unrecorded", "no certificate.issue entry has this id")
    digest = cert.content_digest()
    if digest != record.sha256:
        return OnlineStatus(
            cert.id,
            "mismatch",
            f"document digest {digest[:16]}… is not the recorded {record.sha256[:16]}…",
            record.seq,
        )
    state = certificate_status(session, cert.id)
    detail = {
        "revoked": record.revoke_reason or "",
        "superseded": "its footprint was replaced by a newer one",
    }
    return OnlineStatus(cert.id, state, detail.get(state, ""), record.seq, record.revoked_seq)


def online_status_of_file(ledger: Ledger, path: Path) -> OnlineStatus:
    """``online_status`` of the certificate file at ``path``; ``MalformedCertificate`` if it is not one."""
    cert = Certificate.from_bytes(read_certificate_file(path))
    with ledger.db.read_session() as s:
        return online_status(s, cert)


def read_certificate_file(path: Path) -> bytes:
    """The bytes of a certificate file; ``MalformedCertificate`` if it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise MalformedCertificate(
            f"cannot read certificate {path}: {e.strerror}", code="certificate.unreadable"
        ) from e
