"""One EPCIS 2.0 event to lot payloads (the rules are in :mod:`traceability.epcis`).

``map_event`` reads one event and returns the ``lot.produce`` / ``lot.ship`` /
``lot.receive`` payloads it says, in order, noting on the
:class:`EventContext` every part it did not import (a warning with the
event's JSON Pointer). It raises :class:`Skip` when nothing of the event can
be imported. What the document as a whole knows (which lots exist, the
ledger) is applied afterwards by :mod:`traceability.epcis_settle`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ledger import largest_remainder_split
from traceability.epcis_fields import field_warnings, pointer
from traceability.errors import InvalidQuantity
from traceability.identity import classify, product_of
from traceability.lots import LotEvent, LotInput, LotProduce, LotReceive, LotShip
from traceability.units import BaseUnit, to_base

EVENT_TYPES: Final = (
    "ObjectEvent",
    "AggregationEvent",
    "TransformationEvent",
    "AssociationEvent",
    "TransactionEvent",
)
ACTIONS: Final = ("ADD", "OBSERVE", "DELETE")
PRODUCE_STEPS: Final = frozenset({"commissioning", "creating_class_instance"})
SHIP_STEPS: Final = frozenset({"shipping", "departing"})
RECEIVE_STEPS: Final = frozenset({"receiving", "arriving", "accepting"})
PARTY_PREFERENCE: Final = ("owning_party", "possessing_party", "location")
EPC_LISTS: Final = {
    "ObjectEvent": (("epcList", "quantityList"),),
    "AggregationEvent": (("childEPCs", "childQuantityList"),),
    "TransformationEvent": (("outputEPCList", "outputQuantityList"),),
}


@dataclass(frozen=True)
class ImportOptions:
    """How to fill what EPCIS does not say.

    ``counterparty``: the customer (shipping) or supplier (receiving) to use when
    an event has no destination/source list, e.g. the supplier whose EPCIS file
    is being imported. ``production_period``: length of the ``lot.produce``
    period starting at ``eventTime`` (must be > 0). ``receive_unknown_from``:
    an input or shipped lot that is neither on the ledger nor made or received
    earlier in the document is received from this supplier (a ``lot.receive``
    of exactly the quantity drawn, placed before the event's entries); without
    it such a lot is left for the ledger to refuse (``lot.unknown``).
    """

    counterparty: str | None = None
    production_period: timedelta = timedelta(seconds=1)
    receive_unknown_from: str | None = None


@dataclass(frozen=True)
class ImportIssue:
    """A part of an event that was not imported (``mapped=True``: a warning) or a whole event.

    ``path`` is the JSON Pointer (RFC 6901) in the document of the event or of
    the member concerned.
    """

    index: int
    event_id: str | None
    event_type: str | None
    reason: str
    mapped: bool = False
    path: str | None = None

    @property
    def severity(self) -> str:
        return "warning" if self.mapped else "not_imported"

    def __str__(self) -> str:
        ident = self.event_id or "(no eventID)"
        part = "warning" if self.mapped else "not imported"
        where = f" at {self.path}" if self.path else ""
        return f"event {self.index} {self.event_type or '?'} {ident} {part}{where}: {self.reason}"


@dataclass
class EventContext:
    """The event being mapped: its position, ids, JSON Pointer, and the warnings noted so far."""

    index: int
    event_id: str | None
    event_type: str | None
    path: str
    issues: list[ImportIssue] = field(default_factory=list)

    def note(self, reason: str, *member: str | int) -> None:
        """A warning about the event (or about ``member`` of it): that part was not imported."""
        self.issues.append(
            ImportIssue(
                self.index, self.event_id, self.event_type, reason, True, self.path + pointer(*member)
            )
        )

    def skipped(self, reason: str, *member: str | int) -> ImportIssue:
        """The issue saying the whole event was not imported."""
        return ImportIssue(
            self.index, self.event_id, self.event_type, reason, False, self.path + pointer(*member)
        )


class Skip(Exception):
    """Nothing of the event can be imported; ``args[0]`` is the reason, ``args[1:]`` the member path."""


class Observation(Skip):
    """The event changes no lot quantity (an observation, packing): it may still carry a footprint."""


@dataclass(frozen=True)
class Lot:
    lot_id: str
    quantity: int
    unit: BaseUnit


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


def event_time(event: Mapping[str, Any]) -> datetime:
    """``eventTime`` as an aware datetime cut to the second; ``Skip`` when missing or unreadable."""
    raw = event.get("eventTime")
    if not isinstance(raw, str):
        raise Skip("eventTime is missing", "eventTime")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as e:
        raise Skip(f"eventTime {raw!r} is not an ISO 8601 date-time", "eventTime") from e
    if moment.tzinfo is None:
        offset = event.get("eventTimeZoneOffset")
        try:
            tz = datetime.fromisoformat(f"2000-01-01T00:00:00{offset}").tzinfo
        except (TypeError, ValueError) as e:
            raise Skip(
                f"eventTime {raw!r} has no offset and eventTimeZoneOffset {offset!r} is unusable",
                "eventTimeZoneOffset",
            ) from e
        moment = moment.replace(tzinfo=tz or UTC)
    return moment.replace(microsecond=0)


def epc_lots(epcs: object, what: str, ctx: EventContext) -> list[Lot]:
    """The lots of an EPC list: each instance (or own id) is ``1 EA``; classes and lots are noted."""
    if epcs is None:
        return []
    if not isinstance(epcs, list):
        raise Skip(f"{what} is not a list", what)
    lots = []
    for i, epc in enumerate(epcs):
        if not isinstance(epc, str) or not epc or any(c.isspace() for c in epc):
            ctx.note(f"{what} element {epc!r} is not an EPC URI", what, i)
            continue
        level = classify(epc).level
        if level == "class":
            ctx.note(f"{what} element {epc!r} is a pattern or product class, not an object", what, i)
        elif level == "lot":
            ctx.note(
                f"{what} element {epc!r} names a lot with no quantity (it belongs in a quantity list)",
                what,
                i,
            )
        elif level == "location":
            ctx.note(f"{what} element {epc!r} names a location, not an object", what, i)
        else:
            lots.append(Lot(epc, 1, "EA"))
    return lots


def quantity_lots(elements: object, what: str, ctx: EventContext) -> list[Lot]:
    """The lots of a quantity list; class-level (GTIN-only) and instance elements are noted, not lots."""
    if elements is None:
        return []
    if not isinstance(elements, list):
        raise Skip(f"{what} is not a list", what)
    lots = []
    for i, element in enumerate(elements):
        if not isinstance(element, Mapping):
            ctx.note(f"{what} element {element!r} is not an object", what, i)
            continue
        epc_class = element.get("epcClass")
        if not isinstance(epc_class, str) or not epc_class:
            ctx.note(f"{what} element without epcClass", what, i)
            continue
        level = classify(epc_class).level
        if level == "class":
            ctx.note(
                f"{what} epcClass {epc_class!r} is class-level (a product with no lot number): it names a "
                "product, not a lot, and is not imported",
                what,
                i,
            )
            continue
        if level in ("instance", "location"):
            ctx.note(f"{what} epcClass {epc_class!r} is not a class ({level}); not imported", what, i)
            continue
        raw_quantity = element.get("quantity")
        if raw_quantity is None:
            ctx.note(f"{what} epcClass {epc_class!r} has no quantity", what, i)
            continue
        try:
            quantity, unit = to_base(raw_quantity, element.get("uom"))
        except InvalidQuantity as e:
            ctx.note(f"{what} epcClass {epc_class!r}: {e.message}", what, i)
            continue
        lots.append(Lot(epc_class, quantity, unit))
    return lots


def named_lots(event: Mapping[str, Any], ctx: EventContext) -> list[Lot]:
    """The lots an event is about: its EPCs and lot quantities (outputs for a transformation)."""
    lots: list[Lot] = []
    for epcs, quantities in EPC_LISTS.get(str(ctx.event_type), ()):
        lots += epc_lots(event.get(epcs), epcs, ctx) + quantity_lots(event.get(quantities), quantities, ctx)
    return lots


def party(event: Mapping[str, Any], list_name: str, options: ImportOptions) -> str | None:
    """The owning party, else possessing party, else location of a source/destination list, else the
    counterparty option, else ``None``."""
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
    return options.counterparty


def _required_party(event: Mapping[str, Any], list_name: str, options: ImportOptions) -> str:
    found = party(event, list_name, options)
    if found is None:
        role = "customer" if list_name == "destinationList" else "supplier"
        raise Skip(f"no {list_name} (owning_party, possessing_party or location) names the {role}", list_name)
    return found


def _location(event: Mapping[str, Any]) -> str | None:
    loc = event.get("bizLocation")
    value = loc.get("id") if isinstance(loc, Mapping) else None
    return value if isinstance(value, str) and value and not any(c.isspace() for c in value) else None


def _map_transformation(
    event: Mapping[str, Any], ctx: EventContext, options: ImportOptions
) -> list[LotEvent]:
    when = event_time(event)
    inputs = epc_lots(event.get("inputEPCList"), "inputEPCList", ctx) + quantity_lots(
        event.get("inputQuantityList"), "inputQuantityList", ctx
    )
    outputs = epc_lots(event.get("outputEPCList"), "outputEPCList", ctx) + quantity_lots(
        event.get("outputQuantityList"), "outputQuantityList", ctx
    )
    if not outputs:
        raise Skip("no output lot (outputEPCList / outputQuantityList) to produce")
    same_unit = len({o.unit for o in outputs}) == 1
    weights = [o.quantity if same_unit else 1 for o in outputs]
    allocated: list[list[LotInput]] = [[] for _ in outputs]
    for lot in inputs:
        shares = largest_remainder_split(lot.quantity, weights)  # ties to the earlier output
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
    event: Mapping[str, Any], ctx: EventContext, options: ImportOptions, step: str | None, lots: list[Lot]
) -> list[LotEvent]:
    when = event_time(event)
    action = event.get("action")
    location = _location(event)
    if step in SHIP_STEPS:
        customer = _required_party(event, "destinationList", options)
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
        supplier = _required_party(event, "sourceList", options)
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
            raise Skip(f"bizStep {step!r} with action {action!r}: commissioning needs action ADD", "action")
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
        raise Observation(
            f"aggregation with bizStep {step!r} and action {action!r} moves lots in or out of "
            f"logistic unit {event.get('parentID')!r} but changes no lot quantity; "
            "containment is not recorded"
        )
    raise Observation(f"bizStep {step!r} with action {action!r} changes no lot quantity; not mapped")


def map_event(event: object, ctx: EventContext, options: ImportOptions) -> list[LotEvent]:
    """The lot payloads one event says, in order; ``Skip`` when none (warnings go on ``ctx``)."""
    if not isinstance(event, Mapping):
        raise Skip(f"event is a {type(event).__name__}, not an object")
    event_type = ctx.event_type
    if event_type not in ("ObjectEvent", "AggregationEvent", "TransformationEvent"):
        raise Skip(
            f"event type {event_type!r} is not supported "
            "(ObjectEvent, AggregationEvent, TransformationEvent)",
            "type",
        )
    for member, reason in field_warnings(event, event_type):
        ctx.note(reason, member)
    if "errorDeclaration" in event:
        raise Skip(
            "event carries an errorDeclaration (it retracts an earlier event); not applied",
            "errorDeclaration",
        )
    if event_type == "TransformationEvent":
        return _map_transformation(event, ctx, options)
    action = event.get("action")
    if action not in ACTIONS:
        raise Skip(f"invalid action {action!r}: must be one of {', '.join(ACTIONS)}", "action")
    step = cbv_short(event.get("bizStep"), "BizStep")
    lots = named_lots(event, ctx)
    if action == "DELETE" and event_type == "ObjectEvent":
        raise Skip(f"action DELETE (bizStep {step!r}) ends EPCs; no lot.scrap kind exists", "action")
    mapped = _map_movement(event, ctx, options, step, lots)
    if not mapped:
        raise Skip("no lot (EPC or lot-numbered quantity) to map")
    return mapped
