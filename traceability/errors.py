"""The traceability package's exception hierarchy.

One root, ``TraceabilityError``, split by who is at fault (STYLE.md habit 5):

- bad input: ``InvalidPayload`` (a lot payload breaks its schema),
  ``InvalidQuantity`` (a unit or quantity cannot be represented exactly),
  ``InvalidEPCISDocument`` (not an EPCIS 2.0 document at all),
  ``UnsupportedEvent`` (an EPCIS event Tanji cannot map), ``MalformedEntry``
  (a ledger entry's payload lacks a field the graph mapping needs);
- a rule broken: ``MassBalanceViolation``, ``UnitMismatch``, ``CycleDetected``,
  ``IdentityViolation`` (a serialized item produced twice), ``InconsistentFootprint`` /
  ``InconsistentPassport`` (stages that do not add up to the stated total);
- bad input, passports: ``InvalidPassport``;
- something named does not exist: ``UnknownReference``;
- the caller fed the graph out of order: ``SequenceError``.

Every error carries a stable dotted ``code`` and a message naming the values;
``diagnostics()`` gives a JSON-ready description.
"""

from __future__ import annotations

from ledger.errors import CodedError


class TraceabilityError(CodedError):
    """Root of every error the traceability package raises on purpose."""

    code = "traceability.error"


class InvalidPayload(TraceabilityError):
    """A lot payload does not match its schema (pydantic's error is chained)."""

    code = "traceability.payload_invalid"


class InvalidQuantity(TraceabilityError):
    """A quantity or unit of measure cannot be turned into an exact base-unit integer."""

    code = "traceability.quantity_invalid"


class UnknownReference(TraceabilityError):
    """A lot, node id or entry seq that was named does not exist."""

    code = "traceability.unknown_reference"


class CycleDetected(TraceabilityError):
    """An event would make something rest on itself (directly or through others)."""

    code = "traceability.cycle"


class MassBalanceViolation(TraceabilityError):
    """A ship or produce event draws more from a lot than the lot has available."""

    code = "traceability.mass_balance"


class IdentityViolation(TraceabilityError):
    """A serialized item (one object, ``1 EA``) would be produced a second time."""

    code = "traceability.identity"


class InconsistentFootprint(TraceabilityError):
    """A declared footprint's parts (life-cycle stages) do not add up to its stated total."""

    code = "traceability.footprint.inconsistent"


class InconsistentPassport(InconsistentFootprint):
    """A battery passport's carbon footprint stages do not add up to its stated total."""

    code = "traceability.passport.inconsistent"


class InvalidPassport(TraceabilityError):
    """A battery passport's carbon footprint section is missing or malformed."""

    code = "traceability.passport.invalid"


class InvalidExport(TraceabilityError):
    """What was asked to be exported cannot be (no events, events of several issuers)."""

    code = "traceability.export.invalid"


class UnitMismatch(TraceabilityError):
    """An event names a lot in a base unit other than the lot's own."""

    code = "traceability.unit_mismatch"


class InvalidEPCISDocument(TraceabilityError):
    """The input is not an EPCIS 2.0 document or event list."""

    code = "traceability.epcis.invalid_document"


class UnsupportedEvent(TraceabilityError):
    """An EPCIS event that cannot be mapped to a lot entry (also used in reports)."""

    code = "traceability.epcis.unsupported_event"


class MalformedEntry(TraceabilityError):
    """A ledger entry's payload lacks a field (or has a bad value) the graph needs."""

    code = "traceability.entry_malformed"


class SequenceError(TraceabilityError):
    """Entries were fed to the graph out of ``seq`` order or with a gap."""

    code = "traceability.sequence"
