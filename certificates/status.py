"""Online status of a presented certificate: is it the one the ledger recorded, and is it still valid?

Offline verification shows a certificate is what its issuer signed over entries
of the log. Online, the ledger adds what can change later: a revocation, a
newer footprint that supersedes the certified one — and whether the presented
document is the one recorded (its content digest equals the ``sha256`` of the
``certificate.issue`` entry; an issuer could sign a second document under the
same id without recording it).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from sqlalchemy.orm import Session

from certificates.checks import Check
from certificates.document import Certificate
from certificates.errors import MalformedCertificate
from certificates.kinds import certificate_status, get_certificate
from ledger.store.append import Ledger

__all__ = [
    "OnlineStatus",
    "ledger_revocation",
    "online_status",
    "online_status_of_file",
    "revocation_check",
    "service_revocation",
]

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


def revocation_check(status: OnlineStatus) -> Check:
    """``revocation``: the online status as a named check (valid passes; revoked, superseded,
    unrecorded or another document fail, with the reason)."""
    detail = "" if status.ok else f"{status.state}" + (f": {status.detail}" if status.detail else "")
    return Check("revocation", status.ok, detail)


def ledger_revocation(ledger: Ledger) -> Callable[[Certificate], Check]:
    """A ``revocation`` check of certificates against ``ledger`` (read at each call)."""

    def check(cert: Certificate) -> Check:
        with ledger.db.read_session() as s:
            return revocation_check(online_status(s, cert))

    return check


def service_revocation(base_url: str, *, timeout: float = 10.0) -> Callable[[Certificate], Check]:
    """A ``revocation`` check of certificates against a Tanji service's public
    ``GET {base_url}/certificates/{id}/status`` (standard-library HTTP); an unreachable service fails
    the check with the transport error, never silently passes."""

    def check(cert: Certificate) -> Check:
        url = f"{base_url.rstrip('/')}/certificates/{quote(cert.id, safe='')}/status"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - https/http only
                body = json.loads(response.read())
        except urllib.error.HTTPError as e:
            state: OnlineState = "unrecorded" if e.code == 404 else "mismatch"
            return revocation_check(OnlineStatus(cert.id, state, f"{url}: HTTP {e.code}"))
        except (OSError, ValueError) as e:
            return Check("revocation", False, f"status not known: {url}: {e}")
        value = body.get("status") if isinstance(body, dict) else None
        if value not in ("valid", "revoked", "superseded"):
            return Check("revocation", False, f"status not known: {url} answered {value!r}")
        reason = str(body.get("revoke_reason") or "")
        return revocation_check(OnlineStatus(cert.id, value, reason))

    return check
