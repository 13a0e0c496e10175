"""W3C Data Integrity proofs with the cryptosuite ``eddsa-jcs-2022`` (RFC 8785 JCS + Ed25519).

Any JSON document in, a key and a verification method in, the secured
document out; verification returns a result object naming every check, and a
raising wrapper sits on it (python-tuf's habit). The algorithms are those of
*Data Integrity EdDSA Cryptosuites v1.0*, section 3.3 (``eddsa-jcs-2022``),
and *Verifiable Credential Data Integrity 1.0*, section 4 (add / verify proof):

- **proof configuration**: the proof options (``type`` ``DataIntegrityProof``,
  ``cryptosuite``, ``created`` …, without ``proofValue``) plus the document's
  ``@context`` when it has one; canonical JCS bytes;
- **transformation**: the canonical JCS bytes of the document without ``proof``;
- **hash data**: ``SHA-256(proof configuration) ‖ SHA-256(transformed document)``
  (64 bytes, configuration first);
- **proof value**: the Ed25519 signature of the hash data, base58-btc multibase.

:func:`hash_data` is the one definition of the signed bytes; the W3C test
vectors (``tests/certificates/test_data_integrity.py``) are reproduced byte for
byte. One proof per document: proof sets and chains are not supported (a
secured document is refused by :func:`add_proof`, a list of proofs fails
verification).

Keys are found through a resolver (``verificationMethod`` → public key):
:func:`resolve_did_key` reads ``did:key`` identifiers; :func:`key_resolver`
serves a fixed table (what an issuer's ``did:web`` document says, resolved by
the caller).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from cryptography.exceptions import InvalidSignature

from certificates.credentials.errors import MalformedCredential, ProofGenerationError, ProofInvalid
from certificates.credentials.multikey import (
    multibase_decode,
    multibase_encode,
    public_key_from_multikey,
)
from ledger import Ed25519PrivateKey, Ed25519PublicKey, SchemaViolation, canonical_bytes

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "KeyResolver",
    "ProofCheck",
    "ProofVerification",
    "add_proof",
    "create_proof",
    "hash_data",
    "key_resolver",
    "proof_configuration",
    "resolve_did_key",
    "verify_proof",
    "verify_secured",
    "xsd_datetime",
]

PROOF_TYPE: Final = "DataIntegrityProof"
CRYPTOSUITE: Final = "eddsa-jcs-2022"

KeyResolver = Callable[[str], Ed25519PublicKey | None]
"""A verification method id → its Ed25519 public key, or ``None`` when unknown."""


def xsd_datetime(moment: datetime) -> str:
    """An XML Schema dateTime in UTC to the second: ``2023-02-24T23:36:38Z``. ``moment`` must be aware."""
    if moment.tzinfo is None:
        raise ProofGenerationError(f"datetime {moment.isoformat()} has no time zone")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse_datetime(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise ProofGenerationError(f"{name} {value!r} is not an XML Schema dateTime string", member=name)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as e:
        raise ProofGenerationError(f"{name} {value!r} is not an XML Schema dateTime", member=name) from e
    if moment.tzinfo is None:
        raise ProofGenerationError(f"{name} {value!r} has no time zone", member=name)
    return moment


def _canonical(value: Any, what: str) -> bytes:
    try:
        return canonical_bytes(value)
    except SchemaViolation as e:
        raise MalformedCredential(f"{what} cannot be canonicalised (RFC 8785): {e.message}") from e


def proof_configuration(options: Mapping[str, Any]) -> bytes:
    """The canonical proof configuration (spec 3.3.5): checks ``type``, ``cryptosuite``, ``created``."""
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        raise ProofGenerationError(
            f"proof type {options.get('type')!r} / cryptosuite {options.get('cryptosuite')!r} is not "
            f"{PROOF_TYPE} / {CRYPTOSUITE}"
        )
    if "created" in options:
        _parse_datetime(options["created"], "created")
    if "proofValue" in options:
        raise ProofGenerationError("proof options carry a proofValue already")
    return _canonical(dict(options), "the proof configuration")


def hash_data(document: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    """``SHA-256(proof configuration) ‖ SHA-256(JCS(document))``: the 64 bytes that are signed.

    ``document`` is the unsecured document (no ``proof``); ``options`` the proof
    options with the document's ``@context`` already set (spec 3.3.1 step 2).
    """
    config_hash = hashlib.sha256(proof_configuration(options)).digest()
    document_hash = hashlib.sha256(_canonical(dict(document), "the document")).digest()
    return config_hash + document_hash


def create_proof(
    document: Mapping[str, Any],
    key: Ed25519PrivateKey,
    verification_method: str,
    *,
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
    **options: Any,
) -> dict[str, Any]:
    """The Data Integrity proof of ``document`` (spec 3.3.1), not yet attached.

    Preconditions: ``document`` is a JSON object without ``proof``;
    ``verification_method`` names the public key of ``key`` (not checked here:
    verification will fail otherwise). ``created`` defaults to now; further
    proof options (``expires``, ``domain``, ``challenge``, ``nonce``, ``id``) are
    passed through as given.
    """
    if not isinstance(document, Mapping):
        raise MalformedCredential(f"a document to secure is a JSON object, not {type(document).__name__}")
    if "proof" in document:
        raise ProofGenerationError("the document carries a proof already; proof sets are not supported")
    if not verification_method:
        raise ProofGenerationError("verification_method is empty")
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created or datetime.now(UTC)),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
        **options,
    }
    if "@context" in document:
        proof["@context"] = document["@context"]
    signature = key.sign(hash_data(document, proof))
    return proof | {"proofValue": multibase_encode(signature)}


def add_proof(
    document: Mapping[str, Any],
    key: Ed25519PrivateKey,
    verification_method: str,
    *,
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
    **options: Any,
) -> dict[str, Any]:
    """``document`` secured with an ``eddsa-jcs-2022`` proof: a new dict, ``proof`` added last."""
    proof = create_proof(
        document, key, verification_method, created=created, proof_purpose=proof_purpose, **options
    )
    return {**document, "proof": proof}


@dataclass(frozen=True)
class ProofCheck:
    """One named check of a verification; ``detail`` says what was found when it failed."""

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class ProofVerification:
    """The outcome of :func:`verify_proof`: ``verified``, the unsecured ``document`` when verified,
    the ``proof`` read, and every check in order."""

    verified: bool
    document: dict[str, Any] | None
    proof: dict[str, Any] | None
    checks: tuple[ProofCheck, ...]

    @property
    def problems(self) -> tuple[ProofCheck, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "verification_method": None if self.proof is None else self.proof.get("verificationMethod"),
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def resolve_did_key(verification_method: str) -> Ed25519PublicKey | None:
    """The key of a ``did:key:z6Mk…#z6Mk…`` verification method (the key is its own identifier)."""
    if not verification_method.startswith("did:key:"):
        return None
    did, _, fragment = verification_method.partition("#")
    multikey = did.removeprefix("did:key:")
    if fragment and fragment != multikey:
        return None
    try:
        return public_key_from_multikey(multikey)
    except (MalformedCredential, ValueError):
        return None


def key_resolver(keys: Mapping[str, Ed25519PublicKey], fallback: KeyResolver | None = None) -> KeyResolver:
    """A resolver serving ``keys`` (verification method id → key), then ``fallback``."""

    def resolve(verification_method: str) -> Ed25519PublicKey | None:
        found = keys.get(verification_method)
        if found is None and fallback is not None:
            return fallback(verification_method)
        return found

    return resolve


def _starts_with(document_context: object, proof_context: object) -> bool:
    doc = document_context if isinstance(document_context, list) else [document_context]
    mine = proof_context if isinstance(proof_context, list) else [proof_context]
    return doc[: len(mine)] == mine


def verify_proof(
    secured: Mapping[str, Any],
    *,
    resolve: KeyResolver = resolve_did_key,
    expected_purpose: str = "assertionMethod",
    domain: str | None = None,
    challenge: str | None = None,
    now: datetime | None = None,
) -> ProofVerification:
    """Check the ``eddsa-jcs-2022`` proof of ``secured``; never raises for a bad proof.

    Checks, in order (each named in the result): ``proof.present`` (one proof
    object), ``proof.suite`` (type and cryptosuite), ``proof.purpose``
    (``expected_purpose``), ``proof.created`` (a dateTime, not after ``now``),
    ``proof.expires`` (not passed at ``now``), ``proof.domain`` /
    ``proof.challenge`` (when expected), ``proof.context`` (the proof's
    ``@context`` starts the document's), ``proof.key`` (``resolve`` knows the
    verification method), ``proof.signature`` (Ed25519 over :func:`hash_data`).
    ``now`` defaults to the current time.
    """
    checks: list[ProofCheck] = []

    def done(
        verified: bool, document: dict[str, Any] | None, proof: dict[str, Any] | None
    ) -> ProofVerification:
        return ProofVerification(verified, document if verified else None, proof, tuple(checks))

    def check(name: str, ok: bool, detail: str = "") -> bool:
        checks.append(ProofCheck(name, ok, "" if ok else detail))
        return ok

    raw = secured.get("proof") if isinstance(secured, Mapping) else None
    if not check("proof.present", isinstance(raw, Mapping), f"proof is {type(raw).__name__}, not one object"):
        return done(False, None, None)
    assert isinstance(raw, Mapping)
    proof = dict(raw)
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    unsecured = {k: v for k, v in secured.items() if k != "proof"}
    at = now or datetime.now(UTC)
    ok = check(
        "proof.suite",
        proof.get("type") == PROOF_TYPE and proof.get("cryptosuite") == CRYPTOSUITE,
        f"type {proof.get('type')!r}, cryptosuite {proof.get('cryptosuite')!r}",
    )
    ok &= check(
        "proof.purpose",
        proof.get("proofPurpose") == expected_purpose,
        f"proofPurpose {proof.get('proofPurpose')!r}, expected {expected_purpose!r}",
    )
    for name, must_be_past in (("created", True), ("expires", False)):
        if name not in proof:
            continue
        try:
            moment = _parse_datetime(proof[name], name)
        except ProofGenerationError as e:
            ok &= check(f"proof.{name}", False, e.message)
            continue
        if must_be_past:
            ok &= check("proof.created", moment <= at, f"created {proof[name]} is after {xsd_datetime(at)}")
        else:
            ok &= check("proof.expires", at < moment, f"expired at {proof[name]}")
    for name, expected in (("domain", domain), ("challenge", challenge)):
        if expected is not None:
            ok &= check(f"proof.{name}", proof.get(name) == expected, f"{name} {proof.get(name)!r}")
    if "@context" in options:
        ok &= check(
            "proof.context",
            _starts_with(secured.get("@context"), options["@context"]),
            "the document's @context does not start with the proof's",
        )
        unsecured["@context"] = options["@context"]
    method = proof.get("verificationMethod")
    key = resolve(method) if isinstance(method, str) else None
    ok &= check("proof.key", key is not None, f"no Ed25519 key known for verificationMethod {method!r}")
    if not ok or key is None:
        return done(False, None, proof)
    try:
        signature = multibase_decode(str(proof.get("proofValue")))
        key.verify(signature, hash_data(unsecured, options))
        check("proof.signature", True)
    except InvalidSignature:
        check("proof.signature", False, "the Ed25519 signature does not verify over the hash data")
    except (MalformedCredential, ProofGenerationError) as e:
        check("proof.signature", False, e.message)
    return done(all(c.ok for c in checks), unsecured, proof)


def verify_secured(secured: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The verified (unsecured) document, else ``ProofInvalid`` naming the failed checks."""
    result = verify_proof(secured, **kwargs)
    if not result.verified or result.document is None:
        failed = "; ".join(f"{c.name}: {c.detail}" for c in result.problems)
        raise ProofInvalid(
            f"proof does not verify: {failed}", result, checks=[c.name for c in result.problems]
        )
    return result.document
