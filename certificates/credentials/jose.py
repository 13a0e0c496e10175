"""VC-JOSE: a credential secured as a compact JWS (W3C *Securing Verifiable Credentials using JOSE
and COSE*, section 3.1.1), algorithm ``EdDSA`` (Ed25519, RFC 8037).

The JWS payload is the unsecured credential itself (no ``vc`` claim, no JWT claim mapping, as
VC 2.0 secures it); the protected header names the algorithm, the media types (``typ``
``vc+jwt``, ``cty`` ``vc``) and the verification method (``kid``), so the same
``did:web:…#z6Mk…`` methods as the Data Integrity proofs resolve the key. The payload bytes are
the credential's RFC 8785 canonical JSON (:func:`ledger.canonical_bytes`, one canonicaliser), so
an issuer encodes the same token for the same credential and key.

:func:`encode_jws` secures; :func:`verify_jws` returns named checks and never raises for a bad
token (``jose.format``, ``jose.header``, ``jose.key``, ``jose.signature``, ``jose.payload``);
:func:`verify_jws_secured` is the raising wrapper. PyJWT does the JWS arithmetic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import jwt
from jwt.api_jws import PyJWS

from certificates.credentials.data_integrity import KeyResolver, ProofCheck
from certificates.credentials.errors import MalformedCredential, ProofInvalid
from ledger import Ed25519PrivateKey, SchemaViolation, canonical_bytes

__all__ = [
    "ALGORITHM",
    "CONTENT_TYPE",
    "MEDIA_TYPE",
    "JoseVerification",
    "encode_jws",
    "looks_like_jws",
    "verify_jws",
    "verify_jws_secured",
]

ALGORITHM: Final = "EdDSA"
MEDIA_TYPE: Final = "vc+jwt"
CONTENT_TYPE: Final = "vc"

_JWS = PyJWS(algorithms=[ALGORITHM])


def looks_like_jws(text: str) -> bool:
    """Whether ``text`` has the shape of a compact JWS: three base64url parts separated by dots, the
    header and payload not empty (an unsigned ``alg: none`` token has the shape, and is refused by
    the header check)."""
    parts = text.strip().split(".")
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    return len(parts) == 3 and all(set(p) <= alphabet for p in parts) and bool(parts[0] and parts[1])


def encode_jws(credential: Mapping[str, Any], key: Ed25519PrivateKey, verification_method: str) -> str:
    """``credential`` (unsecured: no ``proof``) as a compact JWS signed by ``key``.

    Preconditions (``MalformedCredential`` otherwise): ``credential`` is a JSON object without a
    Data Integrity ``proof`` (a JWS envelops the unsecured credential); ``verification_method`` is
    not empty and names the public key of ``key`` (not checked here: verification fails otherwise).
    """
    if not isinstance(credential, Mapping):
        raise MalformedCredential(f"a credential is a JSON object, not {type(credential).__name__}")
    if "proof" in credential:
        raise MalformedCredential("a VC-JOSE payload is the unsecured credential: remove its proof first")
    if not verification_method:
        raise MalformedCredential("verification_method is empty")
    try:
        payload = canonical_bytes(dict(credential))
    except SchemaViolation as e:
        raise MalformedCredential(f"credential cannot be canonicalised (RFC 8785): {e.message}") from e
    headers = {"kid": verification_method, "typ": MEDIA_TYPE, "cty": CONTENT_TYPE}
    return _JWS.encode(payload, key, algorithm=ALGORITHM, headers=headers)


@dataclass(frozen=True)
class JoseVerification:
    """The outcome of :func:`verify_jws`: the credential when verified, the header read, each check."""

    verified: bool
    credential: dict[str, Any] | None
    header: dict[str, Any] | None
    checks: tuple[ProofCheck, ...]

    @property
    def problems(self) -> tuple[ProofCheck, ...]:
        return tuple(c for c in self.checks if not c.ok)

    @property
    def verification_method(self) -> str | None:
        kid = None if self.header is None else self.header.get("kid")
        return kid if isinstance(kid, str) else None

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "verification_method": self.verification_method,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def verify_jws(token: str, *, resolve: KeyResolver) -> JoseVerification:
    """Check a compact JWS credential; never raises for a bad token.

    Checks, in order: ``jose.format`` (three base64url parts, a JSON header), ``jose.header``
    (``alg`` EdDSA, ``typ`` vc+jwt, a string ``kid``; ``cty``, when present, ``vc``), ``jose.key``
    (``resolve`` knows the ``kid``), ``jose.signature`` (Ed25519 over the signing input),
    ``jose.payload`` (the payload is a JSON object without an embedded ``proof``).
    """
    checks: list[ProofCheck] = []

    def check(name: str, ok: bool, detail: str = "") -> bool:
        checks.append(ProofCheck(name, ok, "" if ok else detail))
        return ok

    def done(credential: dict[str, Any] | None, header: dict[str, Any] | None) -> JoseVerification:
        ok = all(c.ok for c in checks) and credential is not None
        return JoseVerification(ok, credential if ok else None, header, tuple(checks))

    text = token.strip() if isinstance(token, str) else ""
    header: dict[str, Any] | None = None
    if looks_like_jws(text):
        try:
            header = jwt.get_unverified_header(text)
        except jwt.PyJWTError as e:
            check("jose.format", False, f"header unreadable: {e}")
            return done(None, None)
    if not check("jose.format", header is not None, "not a compact JWS (three base64url parts)"):
        return done(None, None)
    assert header is not None
    kid = header.get("kid")
    problems = []
    if header.get("alg") != ALGORITHM:
        problems.append(f"alg {header.get('alg')!r}, expected {ALGORITHM!r}")
    if header.get("typ") != MEDIA_TYPE:
        problems.append(f"typ {header.get('typ')!r}, expected {MEDIA_TYPE!r}")
    if "cty" in header and header["cty"] != CONTENT_TYPE:
        problems.append(f"cty {header.get('cty')!r}, expected {CONTENT_TYPE!r}")
    if not isinstance(kid, str) or not kid:
        problems.append("no kid naming the verification method")
    if not check("jose.header", not problems, "; ".join(problems)):
        return done(None, header)
    assert isinstance(kid, str)
    key = resolve(kid)
    if not check("jose.key", key is not None, f"no Ed25519 key known for kid {kid!r}") or key is None:
        return done(None, header)
    try:
        decoded = _JWS.decode_complete(text, key=key, algorithms=[ALGORITHM])
    except jwt.InvalidSignatureError:
        check("jose.signature", False, "the Ed25519 signature does not verify over the signing input")
        return done(None, header)
    except jwt.PyJWTError as e:
        check("jose.signature", False, str(e))
        return done(None, header)
    check("jose.signature", True)
    try:
        credential = json.loads(decoded["payload"])
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        check("jose.payload", False, f"payload is not JSON: {e}")
        return done(None, header)
    if not isinstance(credential, dict):
        check("jose.payload", False, f"payload is a JSON {type(credential).__name__}, not an object")
        return done(None, header)
    check("jose.payload", "proof" not in credential, "payload carries an embedded proof")
    return done(credential, header)


def verify_jws_secured(token: str, *, resolve: KeyResolver) -> dict[str, Any]:
    """The verified credential of ``token``, else ``ProofInvalid`` naming the failed checks."""
    result = verify_jws(token, resolve=resolve)
    if not result.verified or result.credential is None:
        failed = "; ".join(f"{c.name}: {c.detail}" for c in result.problems)
        raise ProofInvalid(f"JWS does not verify: {failed}", result, checks=[c.name for c in result.problems])
    return result.credential
