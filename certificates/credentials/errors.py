"""Errors of the credentials package, under the certificates root (STYLE.md habit 5).

- ``MalformedCredential``: a presented document, proof or key encoding is not
  what it claims (bad multibase, not a JSON object …). The presenter must fix it.
- ``ProofGenerationError``: proof options a proof cannot be created with (wrong
  type or cryptosuite, a ``created`` that is not a dateTime, a document secured
  already). The caller must fix it.
- ``ProofInvalid``: a well-formed proof failed verification; carries the
  ``ProofVerification`` naming every failed check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from certificates.errors import CertificateError

if TYPE_CHECKING:
    from certificates.credentials.data_integrity import ProofVerification
    from certificates.credentials.jose import JoseVerification

__all__ = ["CredentialError", "MalformedCredential", "ProofGenerationError", "ProofInvalid"]


class CredentialError(CertificateError):
    """Root of the errors of ``certificates.credentials``."""

    code = "credential.error"


class MalformedCredential(CredentialError):
    """A document, proof or key encoding is not well formed."""

    code = "credential.malformed"


class ProofGenerationError(CredentialError):
    """A proof cannot be created with these options (the spec's PROOF_GENERATION_ERROR)."""

    code = "credential.proof_generation"


class ProofInvalid(CredentialError):
    """A proof or a JWS failed verification (the spec's PROOF_VERIFICATION_ERROR); ``result`` names each
    check."""

    code = "credential.proof_invalid"

    def __init__(self, message: str, result: ProofVerification | JoseVerification, **details: Any) -> None:
        super().__init__(message, **details)
        self.result = result
