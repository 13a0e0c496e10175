"""GS1 EPCIS 2.0 JSON / JSON-LD import into lot payloads.

``import_epcis(document)`` accepts an ``EPCISDocument``, an
``EPCISQueryDocument``, a bare list of events or a single event (as parsed
JSON, text or bytes) and returns an :class:`ImportResult`: the lot payloads
(``lot.produce`` / ``lot.ship`` / ``lot.receive``) in document order and an
:class:`ImportReport` listing every event, or part of an event, that was not
mapped, with its index, ``eventID``, type and the reason. Nothing is dropped
silently. A document that is not EPCIS 2.0 at all raises
:class:`InvalidEPCISDocument`; ``ImportReport.raise_for_issues()`` turns the
first issue into :class:`UnsupportedEvent` for callers that want all or nothing.

Lot identity. Every EPC instance (``urn:epc:id:sgtin:…``, a GS1 Digital Link
with a serial, ``urn:epc:id:sscc:…`` …) is a lot of ``1 EA``; every
``quantityList`` element whose ``epcClass`` is a class with a lot number
(``urn:epc:class:lgtin:…``, a Digital Link with ``/10/``) is a lot of
``quantity`` ``uom`` converted to an exact base unit (see
:mod:`traceability.units`). A class pattern (``urn:epc:idpat:…``) names a
product, not a lot: it is reported and skipped.

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
| AggregationEvent | any other bizStep
  | reported: packing / unpacking moves lots in and out of a logistic unit but changes no lot quantity, and
    containment is not a ledger record |
| AssociationEvent, TransactionEvent, others | — | reported as unsupported |

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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import ValidationError

from ledger import largest_remainder_split
from traceability.errors import (
    InvalidEPCISDocument,
    InvalidQuantity,
    TraceabilityError,
    UnsupportedEvent,
)
from traceability.lots import LotEvent, LotInput, LotProduce, LotReceive, LotShip
from traceability.units import BaseUnit, to_base

EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransformationEvent",
    "AssociationEvent",
    "TransactionEvent",
)
ACTIONS = ("ADD", "OBSERVE", "DELETE")
PRODUCE_STEPS = frozenset({"commissioning", "creating_class_instance"})
SHIP_STEPS = frozenset({"shipping", "departing"})
RECEIVE_STEPS = frozenset({"receiving", "arriving", "accepting"})
PARTY_PREFERENCE = ("owning_party", "possessing_party", "location")


@dataclass(frozen=True)
class ImportOptions:
    """How to fill what EPCIS does not say.

    ``counterparty``: the customer (shipping) or supplier (receiving) to use when
    an event has no destination/source list, e.g. the supplier whose EPCIS file
    is being imported. ``production_period``: length of the ``lot.produce``
    period starting at ``eventTime`` (must be > 0).
    """

    counterparty: str | None = None
    production_period: timedelta = timedelta(seconds=1)


@dataclass(frozen=True)
class ImportIssue:
    """An event (``mapped=False``) or a part of an event (``mapped=True``) that was not imported."""

    index: int
    event_id: str | None
    event_type: str | None
    reason: str
    mapped: bool = False

    def __str__(self) -> str:
        ident = self.event_id or "(no eventID)"
        part = "partly imported" if self.mapped else "not imported"
        return f"event {self.index} {self.event_type or '?'} {ident} {part}: {self.reason}"


@dataclass(frozen=True)
class ImportedEntry:
    """A lot payload produced from the EPCIS event at ``index``."""

    index: int
    event_id: str | None
    kind: Literal["lot.produce", "lot.ship", "lot.receive"]
    payload: LotEvent

    def payload_json(self) -> dict[str, Any]:
        """The payload as the JSON object a ledger entry of ``kind`` would carry."""
        data: dict[str, Any] = self.payload.model_dump(mode="json", exclude_none=True)
        return data


@dataclass(frozen=True)
class ImportReport:
    """What happened to each event: counts and every issue."""

    events_seen: int
    events_mapped: int
    issues: tuple[ImportIssue, ...]

    @property
    def ok(self) -> bool:
        return not self.issues

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
            )


@dataclass(frozen=True)
class ImportResult:
    entries: tuple[ImportedEntry, ...]
    report: ImportReport


@dataclass(frozen=True)
class _Lot:
    lot_id: str
    quantity: int
    unit: BaseUnit


@dataclass
class _EventContext:
    index: int
    event_id: str | None
    event_type: str | None
    issues: list[ImportIssue] = field(default_factory=list)

    def note(self, reason: str) -> None:
        self.issues.append(ImportIssue(self.index, self.event_id, self.event_type, reason, True))


class _Skip(Exception):
    """The whole event cannot be mapped; ``args[0]`` is the reason."""


def _load(document: Mapping[str, Any] | Sequence[Any] | str | bytes) -> list[Any]:
    if isinstance(document, str | bytes):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as e:
            raise InvalidEPCISDocument(f"not JSON: {e}") from e
    if isinstance(document, Sequence) and not isinstance(document, str | bytes):
        return list(document)
    if not isinstance(document, Mapping):
        raise InvalidEPCISDocument(f"expected a JSON object or array, got {type(document).__name__}")
    doc_type = document.get("type")
    if doc_type in EVENT_TYPES:
        return [document]
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
    if doc_type == "EPCISQueryDocument":
        results = body.get("queryResults", {})
        body = results.get("resultsBody", {}) if isinstance(results, Mapping) else {}
    events = body.get("eventList") if isinstance(body, Mapping) else None
    if not isinstance(events, list):
        raise InvalidEPCISDocument("document has no eventList array")
    return events


def cbv_short(value: object, vocabulary: str) -> str | None:
    """The CBV short name of ``value`` (e.g. ``shipping``) for vocabulary ``BizStep``/``SDT``.

    Returns ``None`` for a missing value and the value itself for a non-CBV
    (user extension) term.
    """
    if not isinstance(value, str) or not value:
        return None
    for prefix in (
        f"https://ref.gs1.org/cbv/{vocabulary}-",
        f"http://ref.gs1.org/cbv/{vocabulary}-",
        f"cbv:{vocabulary}-",
        f"urn:epcglobal:cbv:{vocabulary.lower()}:",
    ):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def _event_time(event: Mapping[str, Any]) -> datetime:
    raw = event.get("eventTime")
    if not isinstance(raw, str):
        raise _Skip("eventTime is missing")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as e:
        raise _Skip(f"eventTime {raw!r} is not an ISO 8601 date-time") from e
    if moment.tzinfo is None:
        offset = event.get("eventTimeZoneOffset")
        try:
            tz = datetime.fromisoformat(f"2000-01-01T00:00:00{offset}").tzinfo
        except (TypeError, ValueError) as e:
            raise _Skip(
                f"eventTime {raw!r} has no offset and eventTimeZoneOffset {offset!r} is unusable"
            ) from e
        moment = moment.replace(tzinfo=tz or UTC)
    return moment.replace(microsecond=0)


def _epc_lots(epcs: object, what: str, ctx: _EventContext) -> list[_Lot]:
    if epcs is None:
        return []
    if not isinstance(epcs, list):
        raise _Skip(f"{what} is not a list")
    lots = []
    for epc in epcs:
        if not isinstance(epc, str) or not epc or any(c.isspace() for c in epc):
            ctx.note(f"{what} element {epc!r} is not an EPC URI")
            continue
        if epc.startswith("urn:epc:idpat:"):
            ctx.note(f"{what} element {epc!r} is a pattern, not a lot")
            continue
        lots.append(_Lot(epc, 1, "EA"))
    return lots


def _quantity_lots(elements: object, what: str, ctx: _EventContext) -> list[_Lot]:
    if elements is None:
        return []
    if not isinstance(elements, list):
        raise _Skip(f"{what} is not a list")
    lots = []
    for element in elements:
        if not isinstance(element, Mapping):
            ctx.note(f"{what} element {element!r} is not an object")
            continue
        epc_class = element.get("epcClass")
        if not isinstance(epc_class, str) or not epc_class:
            ctx.note(f"{what} element without epcClass")
            continue
        if epc_class.startswith("urn:epc:idpat:"):
            ctx.note(f"{what} epcClass {epc_class!r} is a class pattern with no lot number; not a lot")
            continue
        raw_quantity = element.get("quantity")
        if raw_quantity is None:
            ctx.note(f"{what} epcClass {epc_class!r} has no quantity")
            continue
        try:
            quantity, unit = to_base(raw_quantity, element.get("uom"))
        except InvalidQuantity as e:
            ctx.note(f"{what} epcClass {epc_class!r}: {e.message}")
            continue
        lots.append(_Lot(epc_class, quantity, unit))
    return lots


def product_of(epc: str) -> str:
    """The product (GTIN class) an EPC belongs to, best effort.

    ``urn:epc:id:sgtin:C.I.S`` and ``urn:epc:class:lgtin:C.I.L`` give
    ``urn:epc:idpat:sgtin:C.I.*``; a GS1 Digital Link gives its ``…/01/<GTIN>``
    prefix; anything else is its own product.
    """
    for prefix in ("urn:epc:id:sgtin:", "urn:epc:class:lgtin:"):
        if epc.startswith(prefix):
            parts = epc[len(prefix) :].split(".")
            if len(parts) == 3:
                return f"urn:epc:idpat:sgtin:{parts[0]}.{parts[1]}.*"
    marker = "/01/"
    if epc.startswith("http") and marker in epc:
        head, _, tail = epc.partition(marker)
        return f"{head}{marker}{tail.split('/')[0]}"
    return epc


def _party(event: Mapping[str, Any], list_name: str, options: ImportOptions) -> str:
    entries = event.get(list_name)
    found: dict[str, str] = {}
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, Mapping):
                kind = cbv_short(entry.get("type"), "SDT")
                value = entry.get(list_name.removesuffix("List"))
                if kind and isinstance(value, str) and value and kind not in found:
                    found[kind] = value
    for kind in PARTY_PREFERENCE:
        if kind in found:
            return found[kind]
    if options.counterparty is not None:
        return options.counterparty
    role = "customer" if list_name == "destinationList" else "supplier"
    raise _Skip(f"no {list_name} (owning_party, possessing_party or location) names the {role}")


def _location(event: Mapping[str, Any]) -> str | None:
    loc = event.get("bizLocation")
    value = loc.get("id") if isinstance(loc, Mapping) else None
    return value if isinstance(value, str) and value and not any(c.isspace() for c in value) else None


def _map_transformation(
    event: Mapping[str, Any], ctx: _EventContext, options: ImportOptions
) -> list[LotEvent]:
    when = _event_time(event)
    inputs = _epc_lots(event.get("inputEPCList"), "inputEPCList", ctx) + _quantity_lots(
        event.get("inputQuantityList"), "inputQuantityList", ctx
    )
    outputs = _epc_lots(event.get("outputEPCList"), "outputEPCList", ctx) + _quantity_lots(
        event.get("outputQuantityList"), "outputQuantityList", ctx
    )
    if not outputs:
        raise _Skip("no output lot (outputEPCList / outputQuantityList) to produce")
    same_unit = len({o.unit for o in outputs}) == 1
    weights = [o.quantity if same_unit else 1 for o in outputs]
    allocated: list[list[LotInput]] = [[] for _ in outputs]
    for lot in inputs:
        shares = largest_remainder_split(
            lot.quantity, weights
        )  # largest remainder, ties to the earlier output
        missing = [outputs[i].lot_id for i, s in enumerate(shares) if s == 0]
        if missing:
            ctx.note(
                f"input {lot.lot_id} ({lot.quantity} {lot.unit}) cannot be divided over "
                f"{len(outputs)} outputs; not linked to {', '.join(missing)}"
            )
        for i, share in enumerate(shares):
            if share:
                allocated[i].append(LotInput(lot_id=lot.lot_id, quantity=share, unit=lot.unit))
    return [
        LotProduce(
            lot_id=out.lot_id,
            product=product_of(out.lot_id),
            quantity=out.quantity,
            unit=out.unit,
            period_start=when,
            period_end=when + options.production_period,
            inputs=tuple(allocated[i]),
            location=_location(event),
            source_event=ctx.event_id,
        )
        for i, out in enumerate(outputs)
    ]


def _map_movement(
    event: Mapping[str, Any],
    ctx: _EventContext,
    options: ImportOptions,
    step: str | None,
    lots: list[_Lot],
) -> list[LotEvent]:
    when = _event_time(event)
    action = event.get("action")
    location = _location(event)
    if step in SHIP_STEPS:
        customer = _party(event, "destinationList", options)
        return [
            LotShip(
                lot_id=lot.lot_id,
                quantity=lot.quantity,
                unit=lot.unit,
                customer=customer,
                shipped_at=when,
                location=location,
                source_event=ctx.event_id,
            )
            for lot in lots
        ]
    if step in RECEIVE_STEPS:
        supplier = _party(event, "sourceList", options)
        return [
            LotReceive(
                lot_id=lot.lot_id,
                supplier=supplier,
                quantity=lot.quantity,
                unit=lot.unit,
                product=product_of(lot.lot_id),
                received_at=when,
                location=location,
                source_event=ctx.event_id,
            )
            for lot in lots
        ]
    if event.get("type") == "ObjectEvent" and (step in PRODUCE_STEPS or (step is None and action == "ADD")):
        if action != "ADD":
            raise _Skip(f"bizStep {step!r} with action {action!r}: commissioning needs action ADD")
        return [
            LotProduce(
                lot_id=lot.lot_id,
                product=product_of(lot.lot_id),
                quantity=lot.quantity,
                unit=lot.unit,
                period_start=when,
                period_end=when + options.production_period,
                location=location,
                source_event=ctx.event_id,
            )
            for lot in lots
        ]
    if event.get("type") == "AggregationEvent":
        raise _Skip(
            f"aggregation with bizStep {step!r} and action {action!r} moves lots in or out of "
            f"logistic unit {event.get('parentID')!r} but changes no lot quantity; "
            "containment is not recorded"
        )
    raise _Skip(f"bizStep {step!r} with action {action!r} changes no lot quantity; not mapped")


def _map_event(event: object, ctx: _EventContext, options: ImportOptions) -> list[LotEvent]:
    if not isinstance(event, Mapping):
        raise _Skip(f"event is a {type(event).__name__}, not an object")
    event_type = ctx.event_type
    if event_type not in ("ObjectEvent", "AggregationEvent", "TransformationEvent"):
        raise _Skip(
            f"event type {event_type!r} is not supported (ObjectEvent, AggregationEvent, TransformationEvent)"
        )
    if "errorDeclaration" in event:
        raise _Skip("event carries an errorDeclaration (it retracts an earlier event); not applied")
    action = event.get("action")
    if event_type == "TransformationEvent":
        if action is not None:
            raise _Skip(f"a TransformationEvent has no action, got {action!r}")
        return _map_transformation(event, ctx, options)
    if action not in ACTIONS:
        raise _Skip(f"invalid action {action!r}: must be one of {', '.join(ACTIONS)}")
    step = cbv_short(event.get("bizStep"), "BizStep")
    if event_type == "ObjectEvent":
        lots = _epc_lots(event.get("epcList"), "epcList", ctx) + _quantity_lots(
            event.get("quantityList"), "quantityList", ctx
        )
    else:
        lots = _epc_lots(event.get("childEPCs"), "childEPCs", ctx) + _quantity_lots(
            event.get("childQuantityList"), "childQuantityList", ctx
        )
    if action == "DELETE" and event_type == "ObjectEvent":
        raise _Skip(f"action DELETE (bizStep {step!r}) ends EPCs; no lot.scrap kind exists")
    mapped = _map_movement(event, ctx, options, step, lots)
    if not mapped:
        raise _Skip("no lot (EPC or lot-numbered quantity) to map")
    return mapped


_KIND_OF: dict[type, Literal["lot.produce", "lot.ship", "lot.receive"]] = {
    LotProduce: "lot.produce",
    LotShip: "lot.ship",
    LotReceive: "lot.receive",
}


def import_epcis(
    document: Mapping[str, Any] | Sequence[Any] | str | bytes,
    options: ImportOptions | None = None,
) -> ImportResult:
    """Map an EPCIS 2.0 document (or event list) to lot payloads and a report.

    Raises ``InvalidEPCISDocument`` only when the input as a whole is not EPCIS
    2.0; every event-level problem is an ``ImportIssue`` in the report.
    """
    options = options or ImportOptions()
    if options.production_period <= timedelta(0):
        raise InvalidEPCISDocument(f"production_period {options.production_period} must be > 0")
    events = _load(document)
    entries: list[ImportedEntry] = []
    issues: list[ImportIssue] = []
    mapped_events = 0
    for index, event in enumerate(events):
        event_id = event.get("eventID") if isinstance(event, Mapping) else None
        event_type = event.get("type") if isinstance(event, Mapping) else None
        ctx = _EventContext(
            index,
            event_id if isinstance(event_id, str) else None,
            event_type if isinstance(event_type, str) else None,
        )
        try:
            payloads = _map_event(event, ctx, options)
        except _Skip as skip:
            issues.extend(ctx.issues)
            issues.append(ImportIssue(index, ctx.event_id, ctx.event_type, str(skip.args[0])))
            continue
        except TraceabilityError as e:
            issues.extend(ctx.issues)
            issues.append(ImportIssue(index, ctx.event_id, ctx.event_type, e.message))
            continue
        except ValidationError as e:  # a payload built here broke its model (e.g. a bad lot id)
            issues.extend(ctx.issues)
            issues.append(ImportIssue(index, ctx.event_id, ctx.event_type, f"payload invalid: {e}"))
            continue
        issues.extend(ctx.issues)
        mapped_events += 1
        entries.extend(ImportedEntry(index, ctx.event_id, _KIND_OF[type(p)], p) for p in payloads)
    return ImportResult(tuple(entries), ImportReport(len(events), mapped_events, tuple(issues)))
