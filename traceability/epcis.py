"""GS1 EPCIS 2.0 JSON / JSON-LD import into lot payloads.

``import_epcis(document)`` accepts an ``EPCISDocument``, an
``EPCISQueryDocument``, a bare list of events or a single event (as parsed
JSON, text or bytes) and returns an :class:`ImportResult`: the lot payloads
(``lot.produce`` / ``lot.ship`` / ``lot.receive`` / ``lot.footprint``) in
document order and an :class:`ImportReport` listing every event, or part of an
event, that was not imported, with its index, ``eventID``, type, the JSON
Pointer (``path``) of the event or member and the reason. Nothing is dropped
silently. A document that is not EPCIS 2.0 at all raises
:class:`InvalidEPCISDocument`; ``ImportReport.raise_for_issues()`` turns the
first issue into :class:`UnsupportedEvent` for callers that want all or nothing.

Lenient where the world is messy, strict where it matters. Unknown members
and members of another event type (an ``action`` on a TransformationEvent)
are warnings with their path, and the event is imported
(:mod:`traceability.epcis_fields`); user extensions (``prefix:name``) are
fine. What decides what happens to a lot — ``action``, ``bizStep``,
``eventTime``, identifiers, quantities, units — is checked strictly.

Lot identity (:mod:`traceability.identity`). Every EPC instance
(``urn:epc:id:sgtin:…``, a GS1 Digital Link with a serial,
``urn:epc:id:sscc:…`` …) is a lot of ``1 EA``, and it exists once; every
``quantityList`` element whose ``epcClass`` is a class with a lot number
(``urn:epc:class:lgtin:…``, a Digital Link with ``/10/``) is a lot of
``quantity`` ``uom`` converted to an exact base unit (see
:mod:`traceability.units`). **Class-level quantities** — a class pattern
(``urn:epc:idpat:…``) or a GTIN with no lot and no serial (a Digital Link
``…/01/<GTIN>``) — name a product, not a lot: they are reported (a warning
with their path) and not imported, in any list, input or output. Other ids
(an enterprise's own ``AL-1``) are lots.

Mapping (``bizStep`` read from CBV short names, ``cbv:BizStep-x`` compact IRIs,
``https://ref.gs1.org/cbv/BizStep-x`` and ``urn:epcglobal:cbv:bizstep:x``):

| event | condition | entries |
|---|---|---|
| ObjectEvent | ``bizStep`` commissioning / creating_class_instance, or action ADD without bizStep
  | one ``lot.produce`` per EPC / quantity, no inputs |
| ObjectEvent, AggregationEvent | ``bizStep`` shipping / departing
  | one ``lot.ship`` per EPC / quantity (children for aggregations); customer from ``destinationList``
    (owning_party, then possessing_party, then location) or ``options.counterparty`` |
| ObjectEvent, AggregationEvent | ``bizStep`` receiving / arriving / accepting
  | one ``lot.receive`` per EPC / quantity; supplier from ``sourceList`` likewise |
| TransformationEvent | outputs present
  | one ``lot.produce`` per output; each input lot's quantity is split over the outputs in proportion to their
    quantities (largest remainder, exact integers); an output that gets none of an input does not list it
    (reported) |
| any of the above | carries a ``carbonFootprint`` extension (:mod:`traceability.epcis_footprint`)
  | one ``lot.footprint`` per lot it names, after its other entries (also for an event that otherwise
    changes no quantity) |
| AggregationEvent | any other bizStep
  | reported: packing / unpacking moves lots in and out of a logistic unit but changes no lot quantity, and
    containment is not a ledger record |
| AssociationEvent, TransactionEvent, others | — | reported as unsupported |

Across events (:mod:`traceability.epcis_settle`): a serialized item that
exists already — made or received earlier in the document, or on the ledger
(``lookup``) — is not produced again: a later commissioning or observation of
it is an observation (reported); a commissioning of an item that a later
TransformationEvent of the document outputs is an observation too (the
transformation produces it and links its inputs). With
``options.receive_unknown_from`` an input or shipped lot from outside the
ledger is received (``lot.receive``) just before the entry that draws it.
Without ``lookup`` only the document itself is known.

An action other than ADD / OBSERVE / DELETE, an ``errorDeclaration``, a missing
or unreadable ``eventTime`` or an unknown unit make an event (or its element)
reported. ``lot.produce`` needs a period; EPCIS records an instant, so the
period is ``[eventTime, eventTime + options.production_period)``, with
``eventTime`` cut to the whole second (ledger timestamps carry no fractions);
consumer meters are left empty for the enterprise to add.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import ValidationError

from traceability.declared import LotFootprint
from traceability.epcis_events import (
    EVENT_TYPES,
    EventContext,
    ImportIssue,
    ImportOptions,
    Observation,
    Skip,
    cbv_short,
    event_time,
    map_event,
)
from traceability.epcis_fields import pointer
from traceability.epcis_settle import Document, KnownLot, LotLookup, observed_lots, transformation_outputs
from traceability.errors import InvalidEPCISDocument, TraceabilityError, UnsupportedEvent
from traceability.identity import product_of
from traceability.lots import LotEvent, LotProduce, LotReceive, LotShip

__all__ = [
    "ImportIssue",
    "ImportOptions",
    "ImportReport",
    "ImportResult",
    "ImportedEntry",
    "KnownLot",
    "LotLookup",
    "cbv_short",
    "import_epcis",
    "product_of",
]

EntryKindName = Literal["lot.produce", "lot.ship", "lot.receive", "lot.footprint"]


@dataclass(frozen=True)
class ImportedEntry:
    """A lot payload produced from the EPCIS event at ``index``."""

    index: int
    event_id: str | None
    kind: EntryKindName
    payload: LotEvent | LotFootprint

    def payload_json(self) -> dict[str, Any]:
        """The payload as the JSON object a ledger entry of ``kind`` would carry."""
        data: dict[str, Any] = self.payload.model_dump(mode="json", exclude_none=True)
        return data


@dataclass(frozen=True)
class ImportReport:
    """What happened to each event: counts and every issue (warnings and events not imported)."""

    events_seen: int
    events_mapped: int
    issues: tuple[ImportIssue, ...]

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def not_imported(self) -> tuple[ImportIssue, ...]:
        """The events (not parts of events) that were not imported."""
        return tuple(i for i in self.issues if not i.mapped)

    def raise_for_issues(self) -> None:
        """Raise ``UnsupportedEvent`` naming the first issue, if any."""
        if self.issues:
            first = self.issues[0]
            raise UnsupportedEvent(
                f"{first} ({len(self.issues)} issue(s) in all)",
                index=first.index,
                event_id=first.event_id,
                event_type=first.event_type,
                reason=first.reason,
                path=first.path,
            )


@dataclass(frozen=True)
class ImportResult:
    entries: tuple[ImportedEntry, ...]
    report: ImportReport

    def lot_events(self) -> list[LotEvent]:
        """The quantity payloads (produce, ship, receive) in order, without ``lot.footprint`` ones."""
        return [e.payload for e in self.entries if not isinstance(e.payload, LotFootprint)]


def _load(document: Mapping[str, Any] | Sequence[Any] | str | bytes) -> tuple[list[Any], tuple[str, ...]]:
    """The events and the JSON Pointer parts of the list holding them (``None`` parts: a single event)."""
    if isinstance(document, str | bytes):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as e:
            raise InvalidEPCISDocument(f"not JSON: {e}") from e
    if isinstance(document, Sequence) and not isinstance(document, str | bytes):
        return list(document), ()
    if not isinstance(document, Mapping):
        raise InvalidEPCISDocument(f"expected a JSON object or array, got {type(document).__name__}")
    doc_type = document.get("type")
    if doc_type in EVENT_TYPES:
        return [document], ("",)
    if doc_type not in ("EPCISDocument", "EPCISQueryDocument"):
        raise InvalidEPCISDocument(
            f"type {doc_type!r} is not EPCISDocument, EPCISQueryDocument or an event type",
            type=str(doc_type),
        )
    version = document.get("schemaVersion")
    if version is not None and not str(version).startswith("2."):
        raise InvalidEPCISDocument(f"schemaVersion {version!r} is not EPCIS 2.x", schema_version=str(version))
    body = document.get("epcisBody")
    if not isinstance(body, Mapping):
        raise InvalidEPCISDocument("document has no epcisBody object")
    where: tuple[str, ...] = ("epcisBody",)
    if doc_type == "EPCISQueryDocument":
        results = body.get("queryResults", {})
        body = results.get("resultsBody", {}) if isinstance(results, Mapping) else {}
        where = ("epcisBody", "queryResults", "resultsBody")
    events = body.get("eventList") if isinstance(body, Mapping) else None
    if not isinstance(events, list):
        raise InvalidEPCISDocument("document has no eventList array")
    return events, (*where, "eventList")


_KIND_OF: dict[type, EntryKindName] = {
    LotProduce: "lot.produce",
    LotShip: "lot.ship",
    LotReceive: "lot.receive",
    LotFootprint: "lot.footprint",
}


def _when(event: Mapping[str, Any]) -> datetime | None:
    try:
        return event_time(event)
    except Skip:
        return None


def _map(event: Any, ctx: EventContext, doc: Document) -> list[LotEvent | LotFootprint]:
    """One event's payloads after the document's rules; ``Skip`` when there are none."""
    try:
        mapped = map_event(event, ctx, doc.options)
    except Observation:
        footprints = doc.footprints(event, ctx, observed_lots(event, ctx), _when(event))
        if footprints:
            return list(footprints)
        raise
    payloads: list[LotEvent | LotFootprint] = list(doc.settle(mapped, ctx))
    named = [p.lot_id for p in mapped if not isinstance(p, LotShip)]
    payloads += doc.footprints(event, ctx, named, _when(event))
    if not payloads:
        raise Skip("nothing left to import: every item it names exists already (an observation)")
    return payloads


def import_epcis(
    document: Mapping[str, Any] | Sequence[Any] | str | bytes,
    options: ImportOptions | None = None,
    *,
    lookup: LotLookup | None = None,
) -> ImportResult:
    """Map an EPCIS 2.0 document (or event list) to lot payloads and a report.

    ``lookup`` tells which lots are on the ledger (and what the importer holds
    of them); without it only the document is known. Raises
    ``InvalidEPCISDocument`` only when the input as a whole is not EPCIS 2.0
    (or ``options.production_period`` is not positive); every event-level
    problem is an ``ImportIssue`` in the report.
    """
    options = options or ImportOptions()
    if options.production_period <= timedelta(0):
        raise InvalidEPCISDocument(f"production_period {options.production_period} must be > 0")
    events, where = _load(document)
    doc = Document(options, lookup, transformation_outputs(events))
    entries: list[ImportedEntry] = []
    issues: list[ImportIssue] = []
    mapped_events = 0
    for index, event in enumerate(events):
        event_id = event.get("eventID") if isinstance(event, Mapping) else None
        event_type = event.get("type") if isinstance(event, Mapping) else None
        ctx = EventContext(
            index,
            event_id if isinstance(event_id, str) else None,
            event_type if isinstance(event_type, str) else None,
            "" if where == ("",) else pointer(*where, index),
        )
        try:
            payloads = _map(event, ctx, doc)
        except Skip as skip:
            issues.extend(ctx.issues)
            issues.append(ctx.skipped(str(skip.args[0]), *skip.args[1:]))
            continue
        except TraceabilityError as e:
            issues.extend(ctx.issues)
            issues.append(ctx.skipped(e.message))
            continue
        except ValidationError as e:  # a payload built here broke its model (e.g. a bad lot id)
            issues.extend(ctx.issues)
            issues.append(ctx.skipped(f"payload invalid: {e}"))
            continue
        issues.extend(ctx.issues)
        mapped_events += 1
        entries.extend(ImportedEntry(index, ctx.event_id, _KIND_OF[type(p)], p) for p in payloads)
    return ImportResult(tuple(entries), ImportReport(len(events), mapped_events, tuple(issues)))
