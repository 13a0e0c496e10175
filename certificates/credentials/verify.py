"""Checking a credential in either secured form, offline; named checks, never raises for bad input.

:func:`check_credential` takes the bytes of a file — a credential with an embedded
``eddsa-jcs-2022`` proof (JSON) or a VC-JOSE compact JWS — and a key resolver, and returns a
:class:`CredentialResult`:

- ``credential.form`` — the bytes are a JSON credential or a compact JWS;
- the proof's own checks (``proof.*`` from :func:`~certificates.credentials.data_integrity.verify_proof`,
  or ``jose.*`` from :func:`~certificates.credentials.jose.verify_jws`);
- ``credential.issuer`` — the verification method belongs to the credential's ``issuer`` (a proof
  by someone else's key secures nothing the issuer said);
- ``credential.schema`` — the type is a UNTP passport, conformity or traceability credential, with
  the UNTP 0.6.1 context;
- ``credential.certificate`` — only for a passport whose linked certificate (by content digest) is
  among ``certificates``: the passport states exactly the figures re-stated from that certificate,
  and its issuer is the certificate's.

Keys come from the caller: :func:`~certificates.credentials.actors.bindings_resolver` over the
``actor.*`` entries of verified certificates (offline, bound to the ledger), or
:func:`~certificates.credentials.actors.documents_resolver` over DID documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from certificates.credentials.actors import actor_of_did, bindings_resolver, documents_resolver, key_bindings
from certificates.credentials.data_integrity import KeyResolver, ProofCheck, verify_proof
from certificates.credentials.jose import looks_like_jws, verify_jws
from certificates.credentials.passport import passport_credential, passport_figures
from certificates.document import Certificate
from certificates.errors import MalformedCertificate
from certificates.site import Site
from certificates.verify import Check, TrustedKey, VerificationResult, Verifier
from ledger import Ed25519PublicKey, Entry, LedgerError
from ledger.log.policy import Policy

__all__ = [
    "UNTP_TYPES",
    "CredentialResult",
    "check_bundle",
    "check_credential",
    "check_paths",
    "looks_like_credential",
]

UNTP_TYPES: Final = {
    "DigitalProductPassport": "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/",
    "DigitalConformityCredential": "https://test.uncefact.org/vocabulary/untp/dcc/0.6.1/",
    "DigitalTraceabilityEvent": "https://test.uncefact.org/vocabulary/untp/dte/0.6.1/",
}
VC_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"


@dataclass(frozen=True)
class CredentialResult:
    """Every check run on one credential; ``ok`` iff all passed."""

    credential_id: str | None
    form: str | None  # "data-integrity" | "jose" | None (unreadable)
    kind: str | None
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.checks if not c.ok)

    def check(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "credential_id": self.credential_id,
            "form": self.form,
            "type": self.kind,
            "ok": self.ok,
            "failed": list(self.failed),
            "checks": [c.to_json() for c in self.checks],
        }


def looks_like_credential(raw: bytes | str) -> bool:
    """Whether ``raw`` is a compact JWS or a JSON object typed ``VerifiableCredential``."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if looks_like_jws(text):
        return True
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return False
    types = data.get("type") if isinstance(data, dict) else None
    return isinstance(types, list) and "VerifiableCredential" in types


def _checks(proof_checks: tuple[ProofCheck, ...]) -> list[Check]:
    return [Check(c.name, c.ok, c.detail) for c in proof_checks]


def _kind(credential: Mapping[str, Any]) -> str | None:
    types = credential.get("type")
    for name in UNTP_TYPES:
        if isinstance(types, list) and name in types:
            return name
    return None


def _schema_check(credential: Mapping[str, Any]) -> Check:
    kind = _kind(credential)
    context = credential.get("@context")
    if kind is None:
        return Check(
            "credential.schema", False, f"type {credential.get('type')!r} is not a UNTP 0.6.1 credential"
        )
    want = [VC_CONTEXT, UNTP_TYPES[kind]]
    ok = isinstance(context, list) and context[:2] == want
    return Check("credential.schema", ok, "" if ok else f"@context does not start with {want}")


def _issuer_check(credential: Mapping[str, Any], method: str | None) -> Check:
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    did = (method or "").partition("#")[0]
    ok = isinstance(issuer_id, str) and bool(did) and did == issuer_id
    return Check(
        "credential.issuer", ok, "" if ok else f"signed by {did or 'nobody'!r}, the issuer is {issuer_id!r}"
    )


def _certificate_check(
    credential: Mapping[str, Any], certificates: Mapping[str, Certificate]
) -> Check | None:
    presented = passport_figures(credential)
    linked = [certificates[d] for d in presented["certificateDigests"] if d in certificates]
    if not linked:
        return None
    cert = linked[0]
    issuer = credential.get("issuer")
    did = str(issuer.get("id")) if isinstance(issuer, Mapping) else ""
    host = did.removeprefix("did:web:").split(":", 1)[0]
    expected = passport_credential(
        cert.data,
        digest=cert.content_digest(),
        issuer_did=did,
        site=Site("https://unused.invalid", host),
    )
    problems = []
    if actor_of_did(did, host) != cert.body.issuer.actor:
        problems.append(f"issuer {did!r} is not the certificate's issuer {cert.body.issuer.actor!r}")
    want = passport_figures(expected)
    for key in want:
        if want[key] != presented[key]:
            problems.append(f"{key} differs from certificate {cert.id}")
    return Check("credential.certificate", not problems, "; ".join(problems))


def check_credential(
    raw: bytes | str,
    resolve: KeyResolver,
    *,
    certificates: Mapping[str, Certificate] | None = None,
    now: datetime | None = None,
) -> CredentialResult:
    """Run every check on the credential in ``raw`` (JSON with an embedded proof, or a compact JWS).

    ``certificates`` maps content digests to certificates the caller verified; a passport linking
    one of them is compared with it. Pure; never raises for bad input.
    """
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    checks: list[Check] = []
    credential: dict[str, Any] | None = None
    method: str | None = None
    form: str | None = None
    if looks_like_jws(text):
        form = "jose"
        checks.append(Check("credential.form", True))
        jose = verify_jws(text, resolve=resolve)
        checks += _checks(jose.checks)
        credential, method = jose.credential, jose.verification_method
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            data = None
            checks.append(Check("credential.form", False, f"neither a compact JWS nor JSON: {e}"))
        if data is not None and not isinstance(data, dict):
            checks.append(Check("credential.form", False, "JSON but not an object"))
        elif isinstance(data, dict):
            form = "data-integrity"
            checks.append(Check("credential.form", True))
            proof = verify_proof(data, resolve=resolve, now=now)
            checks += _checks(proof.checks)
            credential = proof.document
            raw_proof = data.get("proof")
            method = str(raw_proof.get("verificationMethod")) if isinstance(raw_proof, Mapping) else None
            if credential is None:  # report the claims of an unverified credential too
                credential = {k: v for k, v in data.items() if k != "proof"}
    cid = None
    kind = None
    if credential is not None:
        cid = credential.get("id") if isinstance(credential.get("id"), str) else None
        kind = _kind(credential)
        checks.append(_issuer_check(credential, method))
        checks.append(_schema_check(credential))
        if kind == "DigitalProductPassport" and certificates:
            found = _certificate_check(credential, certificates)
            if found is not None:
                checks.append(found)
    return CredentialResult(cid, form, kind, tuple(checks))


def _certificate_resolver(cert: Certificate, did_host: str | None) -> KeyResolver:
    """Keys the verified ``cert`` binds to actors: its evidence's ``actor.*`` entries, under
    ``did_host`` (else the host of its checkpoint origin)."""
    entries = []
    for item in cert.body.evidence.entries:
        try:
            entries.append(Entry.from_body(item.body))
        except LedgerError:
            continue
    origin = cert.body.evidence.checkpoint.split("\n", 1)[0]
    return bindings_resolver(key_bindings(entries), did_host or origin.split("/", 1)[0])


def _first(resolvers: list[KeyResolver]) -> KeyResolver:
    def resolve(method: str) -> Ed25519PublicKey | None:
        for r in resolvers:
            key = r(method)
            if key is not None:
                return key
        return None

    return resolve


def check_bundle(
    items: Sequence[bytes],
    trust: TrustedKey,
    *,
    did_documents: Iterable[Mapping[str, Any]] = (),
    did_host: str | None = None,
    now: datetime | None = None,
    revocation: Callable[[Certificate], Check] | None = None,
) -> list[VerificationResult | CredentialResult]:
    """Check certificates and credentials presented together, offline; one result per item, in order.

    ``revocation`` (online: ``certificates.status.ledger_revocation`` or ``service_revocation``)
    adds a ``revocation`` check to every certificate that parses.

    Certificates are checked first (``certificates.verify``); the ``actor.*`` entries of those that
    pass bind keys to actors (``did:web:<did_host>:actors:<id>``, the host defaulting to the
    certificate's ledger origin host), which — with ``did_documents`` — verify the credentials;
    a passport whose certificate is among them is compared with it. Never raises for bad items.
    """
    verifier = Verifier(trust)
    results: list[VerificationResult | CredentialResult | None] = [None] * len(items)
    passed: dict[str, Certificate] = {}
    resolvers: list[KeyResolver] = [documents_resolver(did_documents)]
    for i, raw in enumerate(items):
        if looks_like_credential(raw):
            continue
        result = verifier.check(raw)
        if revocation is not None and "document" not in result.failed:
            result = replace(result, checks=(*result.checks, revocation(Certificate.from_bytes(raw))))
        results[i] = result
        if result.ok:
            cert = Certificate.from_bytes(raw)
            passed[cert.content_digest()] = cert
            resolvers.append(_certificate_resolver(cert, did_host))
    resolve = _first(resolvers)
    for i, raw in enumerate(items):
        if results[i] is None:
            results[i] = check_credential(raw, resolve, certificates=passed, now=now)
    return [r for r in results if r is not None]


def read_did_documents(directory: Path) -> list[dict[str, Any]]:
    """Every ``did.json`` under ``directory`` (as :func:`~certificates.credentials.actors.write_did_documents`
    lays them out); unreadable or non-object files are skipped."""
    documents = []
    for path in sorted(Path(directory).rglob("did.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict):
            documents.append(data)
    return documents


def check_paths(
    paths: Sequence[Path],
    trust_path: Path,
    *,
    policy: Policy | None = None,
    did_dir: Path | None = None,
    did_host: str | None = None,
    revocation: Callable[[Certificate], Check] | None = None,
) -> list[VerificationResult | CredentialResult]:
    """:func:`check_bundle` over files: certificates (``--policy`` applies to them) and credentials.

    ``MalformedCertificate`` when the trusted key or a file cannot be read.
    """
    trust = replace(TrustedKey.from_file(trust_path), policy=policy)
    items = []
    for path in paths:
        try:
            items.append(Path(path).read_bytes())
        except OSError as e:
            raise MalformedCertificate(
                f"cannot read {path}: {e.strerror}", code="certificate.unreadable"
            ) from e
    documents = read_did_documents(did_dir) if did_dir is not None else []
    return check_bundle(items, trust, did_documents=documents, did_host=did_host, revocation=revocation)
