"""Revoking a certificate: a ``certificate.revoke`` entry by its issuer or a verifier."""

from __future__ import annotations

from certificates.errors import CertificateNotFound, NotIssuable
from certificates.kinds import get_certificate
from ledger import Ed25519PrivateKey, Ledger, Submission, actors_by_public_key, public_key_b64

__all__ = ["revoke_certificate"]


def revoke_certificate(
    ledger: Ledger, certificate_id: str, reason: str, key: Ed25519PrivateKey, *, actor: str | None = None
) -> int:
    """Append ``certificate.revoke`` for ``certificate_id``; returns its seq.

    ``actor`` defaults to the registered actor whose current key is ``key``
    (the issuer first). Preconditions: the certificate was issued
    (``CertificateNotFound``); ``key`` is some actor's current key
    (``NotIssuable`` ``certificate.wrong_key``). The ledger's rules decide
    whether that actor may revoke (``RuleViolation`` ``certificate.not_authorised``).
    """
    with ledger.db.read_session() as s:
        record = get_certificate(s, certificate_id)
        if record is None:
            raise CertificateNotFound(
                f"no certificate {certificate_id} was issued", certificate_id=certificate_id
            )
        if actor is None:
            mine = public_key_b64(key.public_key())
            ids = actors_by_public_key(s, mine)
            holders = sorted((a != record.issuer, a) for a in ids)
            if not holders:
                raise NotIssuable(
                    "the key given is no registered actor's current key", code="certificate.wrong_key"
                )
            actor = holders[0][1]
    sub = Submission.create("certificate.revoke", actor, {"id": certificate_id, "reason": reason}, key)
    [placed] = ledger.append([sub])
    return placed.seq
