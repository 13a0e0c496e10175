"""What the whole document (and the ledger) knows, applied to each event's payloads.

:func:`traceability.epcis_events.map_event` reads one event alone. Three
rules need to know what came before, in the document or on the ledger:

- **Identity**: a serialized item exists once. Producing one that exists (made
  or received earlier in the document, or on the ledger) is an observation,
  not a production; so is a commissioning of an item that a
  TransformationEvent later in the document produces (the transformation is
  its production: it links the inputs). Receiving an item the importer holds
  already is an observation too.
- **Inputs from outside**: with ``ImportOptions.receive_unknown_from``, a lot
  drawn (consumed or shipped) that is neither on the ledger nor made or
  received earlier gets a ``lot.receive`` of exactly the quantity drawn,
  placed before the entry that draws it.
- **Footprints**: a ``carbonFootprint`` the event carries
  (:mod:`traceability.epcis_footprint`) becomes a ``lot.footprint`` for each lot
  the event names.

Every decision is noted on the event as a warning; nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from traceability import epcis_footprint
from traceability.declared import LotFootprint
from traceability.epcis_events import EventContext, ImportOptions, Skip, named_lots, party
from traceability.identity import is_instance, product_of
from traceability.lots import LotEvent, LotProduce, LotReceive, LotShip
from traceability.units import BaseUnit


@dataclass(frozen=True)
class KnownLot:
    """A lot on the ledger as the importer sees it: ``held`` is what the importing actor holds now."""

    lot_id: str
    unit: str
    held: int
    supplier: str | None = None


LotLookup = Callable[[str], KnownLot | None]
"""The ledger's lot of an id, or ``None`` (the importer passes one reading its projection)."""


def transformation_outputs(events: Sequence[Any]) -> dict[str, int]:
    """Each serialized item some TransformationEvent outputs, with the index of the first such event."""
    found: dict[str, int] = {}
    for index, event in enumerate(events):
        if isinstance(event, Mapping) and event.get("type") == "TransformationEvent":
            outputs = event.get("outputEPCList")
            for epc in outputs if isinstance(outputs, list) else ():
                if isinstance(epc, str) and is_instance(epc):
                    found.setdefault(epc, index)
    return found


@dataclass
class Document:
    """What the import knows so far: which lots exist, what the importer holds, who supplied what."""

    options: ImportOptions
    lookup: LotLookup | None
    produced_later: dict[str, int]
    origin: dict[str, str] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    outside: set[str] = field(default_factory=set)
    suppliers: dict[str, str] = field(default_factory=dict)

    def exists(self, lot_id: str) -> bool:
        """Made or received earlier in the document, or on the ledger (asked once per lot)."""
        if lot_id in self.origin:
            return True
        known = self.lookup(lot_id) if self.lookup is not None else None
        if known is None:
            return False
        self.origin[lot_id] = "on the ledger"
        self.held[lot_id] = known.held
        if known.supplier is not None:
            self.suppliers[lot_id] = known.supplier
        return True

    def _came(self, lot_id: str, quantity: int, where: str) -> None:
        self.exists(lot_id)  # what the ledger holds first, then what the document adds
        self.origin.setdefault(lot_id, where)
        self.held[lot_id] = self.held.get(lot_id, 0) + quantity

    def _draw(
        self, lot_id: str, quantity: int, unit: BaseUnit, when: datetime | None, ctx: EventContext
    ) -> list[LotEvent]:
        """Take ``quantity`` of ``lot_id``; first receive what is missing of a lot from outside."""
        received: list[LotEvent] = []
        supplier = self.options.receive_unknown_from
        known = self.exists(lot_id)
        missing = quantity - self.held.get(lot_id, 0)
        if supplier is not None and missing > 0 and (lot_id in self.outside or not known):
            received.append(
                LotReceive(
                    lot_id=lot_id,
                    supplier=supplier,
                    quantity=missing,
                    unit=unit,
                    product=product_of(lot_id),
                    received_at=when,
                    source_event=ctx.event_id,
                )
            )
            ctx.note(
                f"lot {lot_id} is not on the ledger nor made earlier in the document: received {missing} "
                f"{unit} from {supplier} (--receive-unknown-from) before this event uses it"
            )
            self.outside.add(lot_id)
            self.suppliers.setdefault(lot_id, supplier)
            self._came(lot_id, missing, f"received from {supplier} at event {ctx.index}")
        self.held[lot_id] = self.held.get(lot_id, 0) - quantity
        return received

    def _produce(self, p: LotProduce, ctx: EventContext) -> list[LotEvent]:
        if is_instance(p.lot_id):
            if self.exists(p.lot_id):
                what = (
                    f"its inputs ({', '.join(i.lot_id for i in p.inputs)}) are not linked to it"
                    if p.inputs
                    else "this commissioning is an observation, not a production"
                )
                ctx.note(f"serialized item {p.lot_id} exists already ({self.origin[p.lot_id]}); {what}")
                return []
            later = self.produced_later.get(p.lot_id)
            if not p.inputs and later is not None and later > ctx.index:
                ctx.note(
                    f"serialized item {p.lot_id} is produced by the TransformationEvent at event {later} "
                    "(which links its inputs); this commissioning is an observation"
                )
                return []
        out: list[LotEvent] = []
        for i in p.inputs:
            out += self._draw(i.lot_id, i.quantity, i.unit, p.period_start, ctx)
        self._came(p.lot_id, p.quantity, f"made at event {ctx.index}")
        return [*out, p]

    def settle(self, payloads: Iterable[LotEvent], ctx: EventContext) -> list[LotEvent]:
        """The payloads to import for one event, in order, after the rules above (may be empty)."""
        out: list[LotEvent] = []
        for p in payloads:
            if isinstance(p, LotProduce):
                out += self._produce(p, ctx)
            elif isinstance(p, LotShip):
                out += self._draw(p.lot_id, p.quantity, p.unit, p.shipped_at, ctx)
                out.append(p)
            elif is_instance(p.lot_id) and self.exists(p.lot_id) and self.held.get(p.lot_id, 0) >= 1:
                ctx.note(
                    f"serialized item {p.lot_id} is held already ({self.origin[p.lot_id]}); "
                    "receiving it again is an observation"
                )
            else:
                self._came(p.lot_id, p.quantity, f"received at event {ctx.index}")
                self.suppliers.setdefault(p.lot_id, p.supplier)
                out.append(p)
        return out

    def footprints(
        self, event: Mapping[str, Any], ctx: EventContext, lot_ids: Iterable[str], when: datetime | None
    ) -> list[LotFootprint]:
        """A ``lot.footprint`` per lot in ``lot_ids`` for the footprint ``event`` carries (if any)."""
        try:
            carried = epcis_footprint.read(event, ctx.event_id)
        except epcis_footprint.FootprintProblem as e:
            found = epcis_footprint.find(event)
            ctx.note(f"carbonFootprint not imported: {e.args[0]}", *(found[0] if found else ()))
            return []
        if carried is None:
            return []
        out = []
        for lot_id in dict.fromkeys(lot_ids):
            supplier = (
                carried.declared_by or party(event, "sourceList", self.options) or self.suppliers.get(lot_id)
            )
            if supplier is None:
                ctx.note(
                    f"carbonFootprint of lot {lot_id} not imported: no declaredBy, source party, "
                    "counterparty or earlier receipt names the supplier",
                    *carried.path,
                )
                continue
            out.append(
                LotFootprint(
                    lot_id=lot_id,
                    supplier=supplier,
                    source=carried.source,
                    declared=carried.declared,
                    declared_at=when,
                    source_event=ctx.event_id,
                )
            )
        return out


def observed_lots(event: Mapping[str, Any], ctx: EventContext) -> list[str]:
    """The lot ids an event names (EPC and lot quantity lists), without noting anything on ``ctx``."""
    scratch = EventContext(ctx.index, ctx.event_id, ctx.event_type, ctx.path)
    try:
        return [lot.lot_id for lot in named_lots(event, scratch)]
    except Skip:
        return []
