"""Lot payloads (``lot.produce``, ``lot.ship``, ``lot.receive``) and the mass-balance check.

Quantities are exact ``int`` numbers of the lot's base unit (``g``, ``mL``,
``Wh`` or ``EA``; see :mod:`traceability.units`), never floats: a lot's
balance is ``produced + received - shipped - consumed`` and must never go
below zero. Every reference to a lot (an input, a shipment) is in that lot's
own base unit; a different unit is a :class:`UnitMismatch`, never converted.

Payload models are frozen pydantic models with ``extra="forbid"``; build them
through ``from_json`` so a schema error becomes :class:`InvalidPayload`.

The checker is pure: ``check_produce`` / ``check_ship`` / ``check_receive``
take the current balances (and, for produce, the input lots of each lot) and
either raise or return the new balances of the lots the event touches. The
caller (a ledger projection) merges them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Self
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from traceability.errors import (
    CycleDetected,
    IdentityViolation,
    InvalidPayload,
    MassBalanceViolation,
    TraceabilityError,
    UnitMismatch,
    UnknownReference,
)
from traceability.identity import is_instance
from traceability.units import BaseUnit

Ident = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^\S+$")]
"""An id without whitespace: lot ids (also EPC URIs), meter ids, actor ids, GLNs."""
Quantity = Annotated[int, Field(strict=True, gt=0)]
"""A positive whole number of the lot's base unit."""
Share = Annotated[Decimal, Field(gt=0, le=1)]


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    KIND: ClassVar[str] = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | bytes) -> Self:
        """Parse a payload (a mapping or JSON text); schema errors become ``InvalidPayload``."""
        try:
            if isinstance(data, str | bytes):
                return cls.model_validate(json.loads(data))
            return cls.model_validate(dict(data))
        except (ValidationError, json.JSONDecodeError) as e:
            raise InvalidPayload(f"{cls.KIND} payload is invalid: {e}", kind=cls.KIND) from e


LotPayload = _Payload
"""The base of every ``lot.*`` payload model: frozen, no extra fields, parsed through ``from_json``."""


def _one_item(lot_id: str, quantity: int, unit: str) -> None:
    """A serialized item (``traceability.identity``: an instance) is exactly ``1 EA``."""
    if is_instance(lot_id) and (quantity, unit) != (1, "EA"):
        raise ValueError(f"{lot_id!r} is a serialized item: its quantity is 1 EA, not {quantity} {unit}")


class MeterShare(_Payload):
    """A consumer meter and the share (0 < share <= 1) of its consumption in the period."""

    meter_id: Ident
    share: Share


class LotInput(_Payload):
    """An input lot consumed by a production step, in the input lot's base unit."""

    lot_id: Ident
    quantity: Quantity
    unit: BaseUnit

    @model_validator(mode="after")
    def _check(self) -> Self:
        _one_item(self.lot_id, self.quantity, self.unit)
        return self


class PactFootprintRef(_Payload):
    """A supplier footprint published through the PACT API (its ``id`` is a UUID)."""

    kind: Literal["pact"] = "pact"
    id: UUID


class CertificateRef(_Payload):
    """A Tanji product-footprint certificate of the supplier."""

    kind: Literal["certificate"] = "certificate"
    id: Ident


SupplierFootprintRef = Annotated[PactFootprintRef | CertificateRef, Field(discriminator="kind")]


class LotProduce(_Payload):
    """``lot.produce``: a lot made in ``[period_start, period_end)`` from meters and input lots.

    ``quantity`` of ``unit`` is added to the lot's balance; each input's
    ``quantity`` is consumed from that input lot. Producing an existing lot
    again (a lot made over several shifts) adds to it. ``source_event`` keeps
    the EPCIS eventID the entry came from, if any; ``location`` a GLN/SGLN.
    """

    KIND: ClassVar[str] = "lot.produce"

    lot_id: Ident
    product: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    quantity: Quantity
    unit: BaseUnit
    period_start: AwareDatetime
    period_end: AwareDatetime
    meters: tuple[MeterShare, ...] = ()
    inputs: tuple[LotInput, ...] = ()
    location: Ident | None = None
    source_event: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.period_start >= self.period_end:
            raise ValueError(
                f"period_start {self.period_start.isoformat()} is not before "
                f"period_end {self.period_end.isoformat()}"
            )
        meter_ids = [m.meter_id for m in self.meters]
        if len(set(meter_ids)) != len(meter_ids):
            raise ValueError(f"meter ids repeat: {sorted(meter_ids)}")
        lot_ids = [i.lot_id for i in self.inputs]
        if len(set(lot_ids)) != len(lot_ids):
            raise ValueError(f"input lot ids repeat: {sorted(lot_ids)}")
        _one_item(self.lot_id, self.quantity, self.unit)
        return self


class LotShip(_Payload):
    """``lot.ship``: ``quantity`` of a lot leaves to a customer (actor id or GLN)."""

    KIND: ClassVar[str] = "lot.ship"

    lot_id: Ident
    quantity: Quantity
    unit: BaseUnit
    customer: Ident
    shipped_at: AwareDatetime | None = None
    location: Ident | None = None
    source_event: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        _one_item(self.lot_id, self.quantity, self.unit)
        return self


class LotReceive(_Payload):
    """``lot.receive``: a supplier's lot arrives, with the footprint it carries (if known)."""

    KIND: ClassVar[str] = "lot.receive"

    lot_id: Ident
    supplier: Ident
    quantity: Quantity
    unit: BaseUnit
    product: str | None = None
    footprint: SupplierFootprintRef | None = None
    received_at: AwareDatetime | None = None
    location: Ident | None = None
    source_event: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        _one_item(self.lot_id, self.quantity, self.unit)
        return self


LotEvent = LotProduce | LotShip | LotReceive
LOT_PAYLOADS: dict[str, type[LotProduce] | type[LotShip] | type[LotReceive]] = {
    "lot.produce": LotProduce,
    "lot.ship": LotShip,
    "lot.receive": LotReceive,
}


@dataclass(frozen=True, slots=True)
class LotBalance:
    """What a lot has had and given, in its base unit."""

    lot_id: str
    unit: BaseUnit
    produced: int = 0
    received: int = 0
    shipped: int = 0
    consumed: int = 0

    @property
    def available(self) -> int:
        return self.produced + self.received - self.shipped - self.consumed


def _balance_of(balances: Mapping[str, LotBalance], lot_id: str, unit: str, what: str) -> LotBalance:
    if lot_id not in balances:
        raise UnknownReference(f"{what} names unknown lot {lot_id!r}", lot_id=lot_id)
    balance = balances[lot_id]
    if balance.unit != unit:
        raise UnitMismatch(
            f"{what} names lot {lot_id!r} in {unit!r} but the lot is kept in {balance.unit!r}",
            lot_id=lot_id,
            unit=unit,
            lot_unit=balance.unit,
        )
    return balance


def _draw(balance: LotBalance, quantity: int, what: str) -> None:
    if quantity > balance.available:
        raise MassBalanceViolation(
            f"{what} draws {quantity} {balance.unit} from lot {balance.lot_id!r} "
            f"but only {balance.available} {balance.unit} is available",
            lot_id=balance.lot_id,
            available=balance.available,
            requested=quantity,
            unit=balance.unit,
        )


def find_cycle(
    lot_id: str, inputs: Iterable[str], inputs_of: Mapping[str, Collection[str]]
) -> list[str] | None:
    """The path ``[lot_id, input, ..., lot_id]`` if ``lot_id`` is among the ancestors of ``inputs``.

    ``inputs_of`` maps each known lot to the lots it was produced from.
    Iterative depth-first search; visits each ancestor once.
    """
    parent: dict[str, str] = {}
    stack: list[str] = []
    for first in inputs:
        if first == lot_id:
            return [lot_id, lot_id]
        if first not in parent:
            parent[first] = lot_id
            stack.append(first)
    while stack:
        node = stack.pop()
        for up in inputs_of.get(node, ()):
            if up == lot_id:
                path = [lot_id, node]
                while path[-1] != lot_id:
                    path.append(parent[path[-1]])
                return list(reversed(path))
            if up not in parent:
                parent[up] = node
                stack.append(up)
    return None


def check_produce(
    event: LotProduce,
    balances: Mapping[str, LotBalance],
    inputs_of: Mapping[str, Collection[str]],
) -> dict[str, LotBalance]:
    """Check a ``lot.produce`` and return the new balances of the lots it touches.

    Raises, in this order: ``CycleDetected`` if the lot is among its own inputs;
    ``IdentityViolation`` if the lot is a serialized item that exists already (it
    exists once: a later commissioning is an observation, not a production);
    ``UnknownReference`` for an input lot without a balance; ``UnitMismatch``
    for an input (or an existing output lot) in another unit; ``CycleDetected``
    if the lot is an ancestor of one of its inputs (via ``inputs_of``);
    ``MassBalanceViolation`` if an input has less available than is consumed.
    """
    what = f"lot.produce of {event.lot_id!r}"
    input_ids = [i.lot_id for i in event.inputs]
    if event.lot_id in input_ids:
        raise CycleDetected(f"{what} consumes itself", lot_id=event.lot_id, path=[event.lot_id] * 2)
    if event.lot_id in balances and is_instance(event.lot_id):
        raise IdentityViolation(
            f"{what}: {event.lot_id!r} is a serialized item and exists already; it is produced once "
            "(a later commissioning or observation of it is not a production)",
            lot_id=event.lot_id,
        )
    drawn = [(_balance_of(balances, i.lot_id, i.unit, what), i.quantity) for i in event.inputs]
    existing = balances.get(event.lot_id)
    if existing is not None and existing.unit != event.unit:
        raise UnitMismatch(
            f"{what} is in {event.unit!r} but the lot is kept in {existing.unit!r}",
            lot_id=event.lot_id,
            unit=event.unit,
            lot_unit=existing.unit,
        )
    # A lot nobody knows yet cannot be among the ancestors of known inputs.
    known = existing is not None or event.lot_id in inputs_of
    cycle = find_cycle(event.lot_id, input_ids, inputs_of) if known else None
    if cycle is not None:
        raise CycleDetected(
            f"{what} would make it its own ancestor: {' <- '.join(cycle)}",
            lot_id=event.lot_id,
            path=cycle,
        )
    updated: dict[str, LotBalance] = {}
    for balance, quantity in drawn:
        _draw(balance, quantity, what)
        updated[balance.lot_id] = replace(balance, consumed=balance.consumed + quantity)
    base = existing if existing is not None else LotBalance(event.lot_id, event.unit)
    updated[event.lot_id] = replace(base, produced=base.produced + event.quantity)
    return updated


def check_ship(event: LotShip, balances: Mapping[str, LotBalance]) -> dict[str, LotBalance]:
    """Check a ``lot.ship``; raises ``UnknownReference``, ``UnitMismatch`` or ``MassBalanceViolation``."""
    what = f"lot.ship of {event.lot_id!r} to {event.customer!r}"
    balance = _balance_of(balances, event.lot_id, event.unit, what)
    _draw(balance, event.quantity, what)
    return {event.lot_id: replace(balance, shipped=balance.shipped + event.quantity)}


def check_receive(event: LotReceive, balances: Mapping[str, LotBalance]) -> dict[str, LotBalance]:
    """Check a ``lot.receive``; a lot already kept in another unit raises ``UnitMismatch``."""
    existing = balances.get(event.lot_id)
    if existing is not None and existing.unit != event.unit:
        raise UnitMismatch(
            f"lot.receive of {event.lot_id!r} is in {event.unit!r} but the lot is kept in {existing.unit!r}",
            lot_id=event.lot_id,
            unit=event.unit,
            lot_unit=existing.unit,
        )
    base = existing if existing is not None else LotBalance(event.lot_id, event.unit)
    return {event.lot_id: replace(base, received=base.received + event.quantity)}


def check_lot_event(
    event: LotEvent,
    balances: Mapping[str, LotBalance],
    inputs_of: Mapping[str, Collection[str]],
) -> dict[str, LotBalance]:
    """Dispatch to ``check_produce`` / ``check_ship`` / ``check_receive``."""
    if isinstance(event, LotProduce):
        return check_produce(event, balances, inputs_of)
    if isinstance(event, LotShip):
        return check_ship(event, balances)
    return check_receive(event, balances)


@dataclass(frozen=True)
class ReplayResult:
    """Balances and lot inputs after replaying events, with the errors of rejected events."""

    balances: Mapping[str, LotBalance]
    inputs_of: Mapping[str, frozenset[str]]
    rejected: tuple[tuple[int, TraceabilityError], ...]


def replay_lots(events: Iterable[LotEvent]) -> ReplayResult:
    """Replay lot events in order; a rejected event changes nothing and is listed by index."""
    balances: dict[str, LotBalance] = {}
    inputs_of: dict[str, frozenset[str]] = {}
    rejected: list[tuple[int, TraceabilityError]] = []
    for index, event in enumerate(events):
        try:
            balances.update(check_lot_event(event, balances, inputs_of))
        except TraceabilityError as e:
            rejected.append((index, e))
            continue
        if isinstance(event, LotProduce) and event.inputs:
            inputs_of[event.lot_id] = inputs_of.get(event.lot_id, frozenset()) | {
                i.lot_id for i in event.inputs
            }
    return ReplayResult(balances, inputs_of, tuple(rejected))
