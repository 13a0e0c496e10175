"""The certificates package's exception hierarchy.

One root, ``CertificateError``, split by who is at fault (STYLE.md habit 5):

- ``MalformedCertificate``: a presented document is not a certificate (bad JSON,
  missing or mistyped fields). The presenter must fix it.
- ``CertificateInvalid``: a well-formed certificate fails verification; carries
  the ``VerificationResult`` naming every failed check.
- ``NotIssuable``: the ledger does not hold what an issue needs (no such
  footprint, a key that is not the publisher's, a cited statement that is not one).
- ``CertificateNotFound``: no certificate with that id was issued.
- ``UpgradeError``: a newer checkpoint or proof does not extend the certificate's.
- ``LabelError``: a label cannot be rendered (unknown language, missing font).

Rules broken by ``certificate.*`` ledger entries are ``ledger.errors.RuleViolation``
(the ledger reports them); this tree is for the package's own functions. Every
error has a stable dotted ``code`` and ``diagnostics()``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CertificateError",
    "CertificateInvalid",
    "CertificateNotFound",
    "LabelError",
    "MalformedCertificate",
    "NotIssuable",
    "UpgradeError",
]


class CertificateError(Exception):
    """Root of every error the certificates package raises on purpose."""

    code: str = "certificate.error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = details

    def diagnostics(self) -> dict[str, Any]:
        """A JSON-ready description: code, message and the details given."""
        return {"code": self.code, "message": self.message, **self.details}

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class MalformedCertificate(CertificateError):
    """The document is not a well-formed certificate."""

    code = "certificate.malformed"


class CertificateInvalid(CertificateError):
    """A well-formed certificate failed one or more verification checks."""

    code = "certificate.invalid"


class NotIssuable(CertificateError):
    """The ledger does not hold what issuing this certificate needs."""

    code = "certificate.not_issuable"


class CertificateNotFound(CertificateError):
    """No certificate with that id is recorded in the ledger."""

    code = "certificate.not_found"


class UpgradeError(CertificateError):
    """A newer checkpoint or proof does not extend the certificate's evidence."""

    code = "certificate.upgrade_failed"


class LabelError(CertificateError):
    """A label cannot be rendered."""

    code = "certificate.label_failed"
