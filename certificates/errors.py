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

from ledger.errors import CodedError

__all__ = [
    "CertificateError",
    "CertificateInvalid",
    "CertificateNotFound",
    "LabelError",
    "MalformedCertificate",
    "NotIssuable",
    "UpgradeError",
]


class CertificateError(CodedError):
    """Root of every error the certificates package raises on purpose."""

    code = "certificate.error"


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
