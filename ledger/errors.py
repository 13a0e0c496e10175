"""The ledger's exception hierarchy.

One root, split by who is at fault (STYLE.md habit 5):

- ``BadEntry``: a submitted entry is wrong (schema, rule, signature). The
  submitter must change it; nothing was written.
- ``Conflict``: the entry is fine but clashes with the log's state (a reused
  client id with other content).
- ``NotFound``: something named does not exist.
- ``IntegrityFailure``: stored or presented evidence does not check out
  (tampered rows, a bad proof, a bad checkpoint signature).
- ``StorageError``: the database failed; the driver's error is chained.

Every error carries a stable ``code`` (dotted, lower case) that clients and the
HTTP layer can rely on, and a message that names the offending values.
"""

from __future__ import annotations

from typing import Any


class CodedError(Exception):
    """What every package's error root shares: a stable ``code``, a message and details.

    Each package keeps its own root (``LedgerError``, ``LcaError``,
    ``TraceabilityError``, ``CertificateError``); this base only holds the
    behaviour they have in common, so the faces can report any of them alike.
    """

    code: str = "tanji.error"

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


class LedgerError(CodedError):
    """Root of every error the ledger package raises on purpose."""

    code = "ledger.error"


class BadEntry(LedgerError):
    """A submitted entry was rejected; the log and projections are unchanged."""

    code = "entry.invalid"


class SchemaViolation(BadEntry):
    """The payload or envelope does not match the schema of its kind."""

    code = "schema.invalid"


class RuleViolation(BadEntry):
    """A domain rule was broken. ``code`` names the rule (e.g. ``gec.not_holder``)."""

    code = "rule.violated"


class SignatureInvalid(BadEntry):
    """The entry's signature does not verify against the actor's current key."""

    code = "signature.invalid"


class Conflict(LedgerError):
    """The request clashes with what the log already holds."""

    code = "conflict"


class NotFound(LedgerError):
    """A named entry, actor, record or file does not exist."""

    code = "not_found"


class IntegrityFailure(LedgerError):
    """Stored or presented evidence does not verify."""

    code = "integrity.failed"


class ProofError(IntegrityFailure):
    """A Merkle proof is malformed or does not match its root."""

    code = "proof.invalid"


class CheckpointError(IntegrityFailure):
    """A checkpoint is malformed or its signature does not verify."""

    code = "checkpoint.invalid"


class KeyFileError(LedgerError):
    """A key file is missing, unreadable, of the wrong type or locked."""

    code = "key.unreadable"


class StorageError(LedgerError):
    """The database failed; the driver's exception is chained as ``__cause__``."""

    code = "storage.failed"


class LogInconsistent(IntegrityFailure):
    """Two views of one log do not fit together: ``log.rollback``, ``log.fork``,
    ``log.inconsistent`` (a consistency proof that does not verify) or
    ``log.other_origin``. The evidence is in ``details``."""

    code = "log.inconsistent"


class CosignatureError(IntegrityFailure):
    """A witness cosignature is malformed, forged, over another checkpoint or by an unknown key.

    Codes: ``cosignature.malformed``, ``cosignature.missing``, ``cosignature.forged``,
    ``cosignature.future``, ``cosignature.key_malformed``.
    """

    code = "cosignature.invalid"


class PolicyError(IntegrityFailure):
    """A witness policy is malformed (``policy.malformed``) or a checkpoint does not meet it
    (``policy.not_satisfied``, ``policy.unknown_log``)."""

    code = "policy.not_satisfied"


class WitnessRefused(LedgerError):
    """A witness declined to cosign; its state is unchanged. ``code`` says why:

    ``witness.malformed`` (the request), ``witness.unknown_origin``,
    ``witness.untrusted`` (no trusted log signature verifies), ``witness.old_size_too_large``,
    ``witness.old_size_mismatch`` (``details['latest_size']`` is what the witness holds),
    ``witness.rollback`` (a smaller tree than the witness has cosigned),
    ``witness.inconsistent`` (the consistency proof does not verify),
    ``witness.fork`` (same size as the witness's checkpoint, other root).
    """

    code = "witness.refused"
