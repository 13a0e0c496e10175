"""Issuing the credentials of a certificate and of a verification statement, secured twice.

A credential body (:mod:`~certificates.credentials.passport`,
:mod:`~certificates.credentials.conformity`: pure) is secured by its issuer's key in the two
forms the UNTP 0.6 verifiable-credential profile names:

- ``<stem>.json``: the credential with an embedded Data Integrity proof, cryptosuite
  ``eddsa-jcs-2022`` (:mod:`~certificates.credentials.data_integrity`);
- ``<stem>.jwt``: the unsecured credential as a compact JWS, ``EdDSA``
  (:mod:`~certificates.credentials.jose`, VC-JOSE).

Both name the same verification method ``did:web:<host>:actors:<id>#<Multikey>``. The key must
be the one the ledger holds for the issuer now (``credential.key_mismatch``), so every credential
is bound to an ``actor.register`` / ``actor.rotate_key`` entry. The passport's issuer is the
certificate's issuer; the conformity credential's is the verifier who signed the statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from certificates.credentials.conformity import conformity_credential, conformity_file_stem
from certificates.credentials.data_integrity import add_proof
from certificates.credentials.did import actor_did, verification_method
from certificates.credentials.errors import CredentialError
from certificates.credentials.jose import encode_jws
from certificates.credentials.passport import passport_credential, passport_file_stem
from certificates.document import Certificate
from certificates.site import Site
from ledger import Ed25519PrivateKey, Ledger, canonical_bytes, get_actor, public_key_b64

__all__ = ["SecuredCredential", "issue_conformity", "issue_passport", "secure"]


@dataclass(frozen=True)
class SecuredCredential:
    """One credential in both secured forms; ``stem`` names its files (``.json``, ``.jwt``)."""

    stem: str
    embedded: dict[str, Any]
    jws: str

    def write(self, out_dir: Path) -> list[Path]:
        """Write ``<stem>.json`` (canonical JSON with its proof) and ``<stem>.jwt``; returns the paths."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        json_path, jwt_path = out / f"{self.stem}.json", out / f"{self.stem}.jwt"
        json_path.write_bytes(canonical_bytes(self.embedded))
        jwt_path.write_text(self.jws + "\n", encoding="ascii")
        return [json_path, jwt_path]


def secure(
    stem: str,
    credential: dict[str, Any],
    key: Ed25519PrivateKey,
    method: str,
    *,
    created: datetime | None = None,
) -> SecuredCredential:
    """``credential`` with an ``eddsa-jcs-2022`` proof and as a VC-JOSE compact JWS, both by ``key``."""
    return SecuredCredential(
        stem, add_proof(credential, key, method, created=created), encode_jws(credential, key, method)
    )


def _current_key(ledger: Ledger, actor: str, key: Ed25519PrivateKey) -> str:
    """``actor``'s registered name, if ``key`` is its current key; ``CredentialError`` otherwise."""
    with ledger.db.read_session() as s:
        who = get_actor(s, actor)
    if who is None:
        raise CredentialError(f"actor {actor!r} is not registered", code="credential.unknown_issuer")
    if who.public_key != public_key_b64(key.public_key()):
        raise CredentialError(
            f"the key given is not actor {actor!r}'s current key on the ledger",
            code="credential.key_mismatch",
            actor=actor,
        )
    return who.name


def issue_passport(
    ledger: Ledger,
    certificate: Certificate,
    key: Ed25519PrivateKey,
    site: Site,
    *,
    created: datetime | None = None,
) -> SecuredCredential:
    """The certificate as a UNTP Digital Product Passport, secured by its issuer's ``key``.

    Precondition: ``key`` is the certificate issuer's current key (``credential.key_mismatch``).
    """
    issuer = certificate.body.issuer.actor
    _current_key(ledger, issuer, key)
    did = actor_did(issuer, site.did_host)
    body = passport_credential(
        certificate.data, digest=certificate.content_digest(), issuer_did=did, site=site
    )
    return secure(
        passport_file_stem(certificate.id),
        body,
        key,
        verification_method(did, key.public_key()),
        created=created,
    )


def issue_conformity(
    ledger: Ledger,
    statement_seq: int,
    key: Ed25519PrivateKey,
    site: Site,
    *,
    created: datetime | None = None,
) -> SecuredCredential:
    """The ``verification.statement`` at ``statement_seq`` as a UNTP Digital Conformity Credential,
    secured by the verifier's ``key``.

    Preconditions: the entry is a statement (``credential.not_a_statement``); ``key`` is its
    signer's current key (``credential.key_mismatch``).
    """
    entry = ledger.entry(statement_seq) if 0 <= statement_seq < ledger.size() else None
    if entry is None or entry.kind != "verification.statement":
        raise CredentialError(
            f"seq {statement_seq} is not a verification.statement entry",
            code="credential.not_a_statement",
            seq=statement_seq,
        )
    verifier_name = _current_key(ledger, entry.actor, key)
    subject = str(entry.payload["subject"])
    with ledger.db.read_session() as s:
        registered = get_actor(s, subject)
    body = conformity_credential(
        seq=statement_seq,
        recorded_at=entry.recorded_at,
        payload=entry.payload,
        origin=ledger.info().origin,
        did_of=lambda actor: actor_did(actor, site.did_host),
        verifier=(entry.actor, verifier_name),
        subject_name=registered.name if registered is not None else subject,
    )
    did = actor_did(entry.actor, site.did_host)
    return secure(
        conformity_file_stem(statement_seq),
        body,
        key,
        verification_method(did, key.public_key()),
        created=created,
    )
