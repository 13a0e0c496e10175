"""The ``lot.produce``, ``lot.ship``, ``lot.receive`` and ``lot.footprint`` entry kinds and their projection.

Payloads are the models of :mod:`traceability.lots`. The rules run inside the
append transaction and reuse the pure checkers there (``check_produce``,
``check_ship``, ``check_receive``) with balances loaded from the projection,
so the ledger and a replay agree on every number.

Who holds what. A lot id names one lot on the whole ledger; it belongs to
the actor whose entry first recorded it (its *owner*: the producer, or the
receiver of a supplier's lot). Quantities are kept per *holder*: producing
or receiving credits the submitter; ``lot.ship`` debits the shipper and,
when the customer is an actor registered on this ledger, credits the
customer (a shipment inside the park moves the lot, so the customer records
no ``lot.receive`` for it). A holder may ship or consume only what it holds:
``produced + received - shipped - consumed`` of its holding.

Rules (``RuleViolation`` codes; messages name the values):

- ``lot.unknown``: an input or shipped lot is not on the ledger;
- ``lot.not_held``: the submitter holds none of a lot it ships or consumes;
- ``lot.mass_balance``: a ship or an input draws more than the holding has;
- ``lot.unit_mismatch``: an event names a lot in another base unit than its own;
- ``lot.cycle``: a lot would become its own ancestor;
- ``lot.instance_exists``: producing a serialized item (``traceability.identity``) that is on the
  ledger already — it exists once; a serialized lot is always ``1 EA`` (``schema.invalid``);
- ``lot.footprint``: the lot must be on the ledger (``lot.unknown``) and held by the submitter
  (``lot.not_held``); a supplier cannot be the submitter itself (``lot.footprint_self``: a lot's
  own footprint is a ``footprint.publish``);
- ``lot.not_owner``: producing into, or receiving, a lot another actor owns;
- ``lot.meter_unknown`` / ``lot.meter_not_owned`` / ``lot.meter_not_consumer``: a
  consumer meter is not registered, is not the submitting enterprise's (the
  operator may name any), or is not a consumption or grid-import meter;
- ``lot.meter_overallocated``: at some instant of the period, the shares of a
  meter's consumption given to lots would add up to more than 1 (the same
  kilowatt-hours would go into two products);
- shares outside ``(0, 1]``, repeated meters or inputs, an empty period:
  ``schema.invalid`` (the payload model rejects them).

Projection tables (``trace_*``, Alembic branch ``traceability``): lots with
their total produced / received / shipped / consumed quantities, holdings
per lot and holder, lot inputs, shipments, the meter shares of every
``lot.produce`` with its period, and supplier footprints
(:mod:`traceability.lot_footprints`: every ``lot.footprint`` and every
footprint reference of a ``lot.receive``). Registered under the
``tanji.plugins`` entry point ``traceability``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import cast

from sqlalchemy import BigInteger, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger import (
    REGISTRY,
    AppendContext,
    Entry,
    EntryKind,
    ProjectionBase,
    RuleViolation,
    get_actor,
)
from ledger.energy.gec import CONSUMER_KINDS
from ledger.energy.meters import cached_meter
from traceability.declared import LotFootprint
from traceability.errors import (
    CycleDetected,
    IdentityViolation,
    MassBalanceViolation,
    TraceabilityError,
    UnitMismatch,
    UnknownReference,
)
from traceability.lot_footprints import record_footprint
from traceability.lots import (
    LotBalance,
    LotProduce,
    LotReceive,
    LotShip,
    check_produce,
    check_receive,
    check_ship,
)
from traceability.units import BaseUnit

__all__ = [
    "FOOTPRINT",
    "MIGRATIONS",
    "PRODUCE",
    "RECEIVE",
    "ROLES",
    "SHIP",
    "LotHoldingRow",
    "LotInputRow",
    "LotMeterRow",
    "LotRecord",
    "LotRow",
    "ShipmentRow",
    "get_lot",
    "holdings_of",
]

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
ROLES = frozenset({"enterprise", "operator"})
# Keeps IN lists well under SQLite's and PostgreSQL's parameter limits.
_IN_CHUNK = 500

_CODES: dict[type[TraceabilityError], str] = {
    MassBalanceViolation: "lot.mass_balance",
    UnknownReference: "lot.unknown",
    CycleDetected: "lot.cycle",
    UnitMismatch: "lot.unit_mismatch",
    IdentityViolation: "lot.instance_exists",
}


class LotRow(ProjectionBase):
    """Projection: one row per lot with the totals of every entry that named it."""

    __tablename__ = "trace_lots"

    lot_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    unit: Mapped[str] = mapped_column(String(8))
    product: Mapped[str | None] = mapped_column(String(256))
    owner: Mapped[str] = mapped_column(String(128), index=True)
    supplier: Mapped[str | None] = mapped_column(String(256))
    produced: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger)
    shipped: Mapped[int] = mapped_column(BigInteger)
    consumed: Mapped[int] = mapped_column(BigInteger)
    first_seq: Mapped[int] = mapped_column(BigInteger)


class LotHoldingRow(ProjectionBase):
    """Projection: what one holder has had and given of one lot (``received`` includes shipments in)."""

    __tablename__ = "trace_lot_holdings"

    lot_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), primary_key=True)
    produced: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger)
    shipped: Mapped[int] = mapped_column(BigInteger)
    consumed: Mapped[int] = mapped_column(BigInteger)


class LotInputRow(ProjectionBase):
    """Projection: ``quantity`` of ``input_lot_id`` went into ``lot_id`` (summed over entries)."""

    __tablename__ = "trace_lot_inputs"

    lot_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    input_lot_id: Mapped[str] = mapped_column(String(256), primary_key=True, index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    first_seq: Mapped[int] = mapped_column(BigInteger)


class ShipmentRow(ProjectionBase):
    """Projection: one row per ``lot.ship`` entry."""

    __tablename__ = "trace_shipments"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lot_id: Mapped[str] = mapped_column(String(256), index=True)
    shipper: Mapped[str] = mapped_column(String(128))
    customer: Mapped[str] = mapped_column(String(256))
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(8))


class LotMeterRow(ProjectionBase):
    """Projection: a meter's share given to a lot over ``[start_us, end_us)`` (µs since the epoch, UTC)."""

    __tablename__ = "trace_lot_meters"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    meter_id: Mapped[str] = mapped_column(String(256), primary_key=True, index=True)
    lot_id: Mapped[str] = mapped_column(String(256))
    share: Mapped[str] = mapped_column(String(64))  # the payload's decimal, exactly
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True)
class LotRecord:
    """A lot as the other packages see it: totals over every entry that named it."""

    lot_id: str
    unit: str
    product: str | None
    owner: str
    supplier: str | None
    produced: int
    received: int
    shipped: int
    consumed: int
    first_seq: int


def get_lot(session: Session, lot_id: str) -> LotRecord | None:
    """The lot ``lot_id`` or None."""
    row = session.get(LotRow, lot_id)
    if row is None:
        return None
    return LotRecord(
        row.lot_id,
        row.unit,
        row.product,
        row.owner,
        row.supplier,
        row.produced,
        row.received,
        row.shipped,
        row.consumed,
        row.first_seq,
    )


def holdings_of(session: Session, lot_id: str) -> dict[str, LotBalance]:
    """Each holder's balance of ``lot_id`` (empty if the lot is unknown)."""
    lot = session.get(LotRow, lot_id)
    if lot is None:
        return {}
    rows = session.scalars(select(LotHoldingRow).where(LotHoldingRow.lot_id == lot_id))
    return {r.holder: _balance(r, lot.unit) for r in rows}


def _balance(row: LotHoldingRow, unit: str) -> LotBalance:
    # the unit column only ever holds a BaseUnit: payloads are validated before they are projected
    base = cast(BaseUnit, unit)
    return LotBalance(row.lot_id, base, row.produced, row.received, row.shipped, row.consumed)


def _violation(e: TraceabilityError, kind: str) -> RuleViolation:
    code = _CODES.get(type(e), "lot.invalid")
    return RuleViolation(e.message, code=code, kind=kind, **e.details)


def _holding(session: Session, lot: LotRow, actor: str, kind: str) -> LotBalance:
    """The submitter's balance of ``lot``; ``lot.not_held`` if it never held any."""
    row = session.get(LotHoldingRow, (lot.lot_id, actor))
    if row is None:
        raise RuleViolation(
            f"{kind}: actor {actor!r} holds none of lot {lot.lot_id!r} (owned by {lot.owner!r}); "
            "it may ship or consume only lots it produced, received or was shipped",
            code="lot.not_held",
            lot_id=lot.lot_id,
            actor=actor,
        )
    return _balance(row, lot.unit)


def _require_lot(session: Session, lot_id: str, kind: str) -> LotRow:
    lot = session.get(LotRow, lot_id)
    if lot is None:
        raise RuleViolation(f"{kind} names unknown lot {lot_id!r}", code="lot.unknown", lot_id=lot_id)
    return lot


def _require_owner(lot: LotRow | None, actor: str, kind: str) -> None:
    if lot is not None and lot.owner != actor:
        raise RuleViolation(
            f"{kind}: lot {lot.lot_id!r} belongs to {lot.owner!r}, not {actor!r}"
            + (" (a lot.ship to you credits you already)" if lot.produced else ""),
            code="lot.not_owner",
            lot_id=lot.lot_id,
            owner=lot.owner,
            actor=actor,
        )


def _ancestry(session: Session, lots: Iterable[str]) -> dict[str, set[str]]:
    """``inputs_of`` for ``lots`` and all their ancestors, read breadth-first from the projection."""
    inputs_of: dict[str, set[str]] = {}
    frontier = sorted(set(lots))
    while frontier:
        found: dict[str, set[str]] = {lot: set() for lot in frontier}
        for i in range(0, len(frontier), _IN_CHUNK):
            q = select(LotInputRow.lot_id, LotInputRow.input_lot_id).where(
                LotInputRow.lot_id.in_(frontier[i : i + _IN_CHUNK])
            )
            for lot_id, input_id in session.execute(q):
                found[lot_id].add(input_id)
        inputs_of.update(found)
        frontier = sorted({x for ups in found.values() for x in ups} - inputs_of.keys())
    return inputs_of


def _check_meters(ctx: AppendContext, entry: Entry, p: LotProduce) -> None:
    operator = (actor := get_actor(ctx.session, entry.actor)) is not None and actor.role == "operator"
    for share in p.meters:
        meter = cached_meter(ctx, share.meter_id)
        if meter is None:
            raise RuleViolation(
                f"lot.produce of {p.lot_id!r} names meter {share.meter_id!r}, which is not registered",
                code="lot.meter_unknown",
                lot_id=p.lot_id,
                meter=share.meter_id,
            )
        if meter.owner != entry.actor and not operator:
            raise RuleViolation(
                f"lot.produce of {p.lot_id!r} by {entry.actor!r} names meter {share.meter_id!r} "
                f"owned by {meter.owner!r}; an enterprise names only its own meters",
                code="lot.meter_not_owned",
                lot_id=p.lot_id,
                meter=share.meter_id,
                owner=meter.owner,
            )
        if meter.kind not in CONSUMER_KINDS:
            raise RuleViolation(
                f"lot.produce of {p.lot_id!r} names meter {share.meter_id!r}, a {meter.kind} meter; "
                f"a lot draws on {' or '.join(sorted(CONSUMER_KINDS))} meters",
                code="lot.meter_not_consumer",
                lot_id=p.lot_id,
                meter=share.meter_id,
                kind=meter.kind,
            )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _iso(micros: int) -> str:
    return (_EPOCH + timedelta(microseconds=micros)).isoformat().replace("+00:00", "Z")


def _check_allocation(session: Session, p: LotProduce) -> None:
    """Each meter's shares given to lots stay within 1 at every instant of the new period."""
    start, end = _micros(p.period_start), _micros(p.period_end)
    for share in p.meters:
        rows = session.execute(
            select(LotMeterRow.lot_id, LotMeterRow.share, LotMeterRow.start_us, LotMeterRow.end_us).where(
                LotMeterRow.meter_id == share.meter_id,
                LotMeterRow.start_us < end,
                LotMeterRow.end_us > start,
            )
        ).all()
        if not rows:
            continue
        # Sweep the pieces of the new period between the overlapping periods' bounds.
        bounds = sorted({start, end} | {b for r in rows for b in (r[2], r[3]) if start < b < end})
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            covering = [r for r in rows if r[2] < b and r[3] > a]
            total = share.share + sum((Decimal(r[1]) for r in covering), Decimal(0))
            if total > 1:
                lots = sorted({r[0] for r in covering})
                raise RuleViolation(
                    f"lot.produce of {p.lot_id!r} gives share {share.share} of meter {share.meter_id!r} "
                    f"from {_iso(a)} to {_iso(b)}, where lots {', '.join(lots)} have "
                    f"{total - share.share} of it already: {total} > 1",
                    code="lot.meter_overallocated",
                    lot_id=p.lot_id,
                    meter=share.meter_id,
                    start=_iso(a),
                    end=_iso(b),
                    total=str(total),
                    lots=lots,
                )


def _check_produce(ctx: AppendContext, entry: Entry, p: LotProduce) -> None:
    s = ctx.session
    _check_meters(ctx, entry, p)
    _check_allocation(s, p)
    existing = s.get(LotRow, p.lot_id)
    _require_owner(existing, entry.actor, "lot.produce")
    balances: dict[str, LotBalance] = {}
    if existing is not None:
        balances[p.lot_id] = LotBalance(p.lot_id, cast(BaseUnit, existing.unit))
    for i in p.inputs:
        if i.lot_id == p.lot_id:
            continue  # check_produce names this cycle itself
        lot = s.get(LotRow, i.lot_id)
        if lot is not None:
            balances[i.lot_id] = _holding(s, lot, entry.actor, f"lot.produce of {p.lot_id!r}")
    # Only a lot already on the ledger can be an ancestor of its inputs.
    inputs_of = _ancestry(s, [i.lot_id for i in p.inputs]) if existing is not None else {}
    try:
        check_produce(p, balances, inputs_of)
    except TraceabilityError as e:
        raise _violation(e, "lot.produce") from e


def _add(session: Session, lot_id: str, holder: str, **amounts: int) -> None:
    row = session.get(LotHoldingRow, (lot_id, holder))
    if row is None:
        row = LotHoldingRow(lot_id=lot_id, holder=holder, produced=0, received=0, shipped=0, consumed=0)
        session.add(row)
    for name, amount in amounts.items():
        setattr(row, name, getattr(row, name) + amount)


def _lot(
    session: Session,
    entry: Entry,
    lot_id: str,
    unit: str,
    product: str | None,
    supplier: str | None = None,
) -> LotRow:
    row = session.get(LotRow, lot_id)
    if row is None:
        row = LotRow(
            lot_id=lot_id,
            unit=unit,
            product=product,
            owner=entry.actor,
            supplier=supplier,
            produced=0,
            received=0,
            shipped=0,
            consumed=0,
            first_seq=entry.seq,
        )
        session.add(row)
    elif row.product is None and product is not None:
        row.product = product
    return row


def _apply_produce(ctx: AppendContext, entry: Entry, p: LotProduce) -> None:
    s = ctx.session
    lot = _lot(s, entry, p.lot_id, p.unit, p.product)
    lot.produced += p.quantity
    _add(s, p.lot_id, entry.actor, produced=p.quantity)
    for i in p.inputs:
        source = s.get(LotRow, i.lot_id)
        assert source is not None  # checked
        source.consumed += i.quantity
        _add(s, i.lot_id, entry.actor, consumed=i.quantity)
        link = s.get(LotInputRow, (p.lot_id, i.lot_id))
        if link is None:
            s.add(
                LotInputRow(lot_id=p.lot_id, input_lot_id=i.lot_id, quantity=i.quantity, first_seq=entry.seq)
            )
        else:
            link.quantity += i.quantity
    start, end = _micros(p.period_start), _micros(p.period_end)
    for share in p.meters:
        s.add(
            LotMeterRow(
                seq=entry.seq,
                meter_id=share.meter_id,
                lot_id=p.lot_id,
                # normalised: the live payload may say 1.0 where the stored canonical body says 1
                share=format(share.share.normalize(), "f"),
                start_us=start,
                end_us=end,
            )
        )
    s.flush()  # later entries of the batch read these rows with Core statements


def _check_ship(ctx: AppendContext, entry: Entry, p: LotShip) -> None:
    what = f"lot.ship of {p.lot_id!r} to {p.customer!r}"
    lot = _require_lot(ctx.session, p.lot_id, what)
    holding = _holding(ctx.session, lot, entry.actor, what)
    try:
        check_ship(p, {p.lot_id: holding})
    except TraceabilityError as e:
        raise _violation(e, "lot.ship") from e


def _apply_ship(ctx: AppendContext, entry: Entry, p: LotShip) -> None:
    s = ctx.session
    lot = s.get(LotRow, p.lot_id)
    assert lot is not None  # checked
    lot.shipped += p.quantity
    _add(s, p.lot_id, entry.actor, shipped=p.quantity)
    if p.customer != entry.actor and get_actor(s, p.customer) is not None:
        # A shipment to an actor of this ledger moves the quantity into its holding.
        _add(s, p.lot_id, p.customer, received=p.quantity)
    s.add(
        ShipmentRow(
            seq=entry.seq,
            lot_id=p.lot_id,
            shipper=entry.actor,
            customer=p.customer,
            quantity=p.quantity,
            unit=p.unit,
        )
    )
    s.flush()


def _check_receive(ctx: AppendContext, entry: Entry, p: LotReceive) -> None:
    existing = ctx.session.get(LotRow, p.lot_id)
    _require_owner(existing, entry.actor, f"lot.receive of {p.lot_id!r}")
    balances = {} if existing is None else {p.lot_id: LotBalance(p.lot_id, cast(BaseUnit, existing.unit))}
    try:
        check_receive(p, balances)
    except TraceabilityError as e:
        raise _violation(e, "lot.receive") from e


def _apply_receive(ctx: AppendContext, entry: Entry, p: LotReceive) -> None:
    s = ctx.session
    lot = _lot(s, entry, p.lot_id, p.unit, p.product, supplier=p.supplier)
    lot.received += p.quantity
    _add(s, p.lot_id, entry.actor, received=p.quantity)
    if p.footprint is not None:
        # A referenced PACT footprint or certificate is the lot's supplier footprint (figures at the source).
        source = {"kind": p.footprint.kind, "id": str(p.footprint.id)}
        ref = LotFootprint.model_validate({"lot_id": p.lot_id, "supplier": p.supplier, "source": source})
        record_footprint(s, entry.seq, entry.actor, ref.model_copy(update={"source_event": p.source_event}))
    s.flush()


def _check_footprint(ctx: AppendContext, entry: Entry, p: LotFootprint) -> None:
    what = f"lot.footprint of {p.lot_id!r}"
    lot = _require_lot(ctx.session, p.lot_id, what)
    _holding(ctx.session, lot, entry.actor, what)
    if p.supplier == entry.actor:
        raise RuleViolation(
            f"{what}: supplier {p.supplier!r} is the submitter; a lot's own footprint is published "
            "with footprint.publish, not declared as a supplier's",
            code="lot.footprint_self",
            lot_id=p.lot_id,
            actor=entry.actor,
        )


def _apply_footprint(ctx: AppendContext, entry: Entry, p: LotFootprint) -> None:
    record_footprint(ctx.session, entry.seq, entry.actor, p)
    ctx.session.flush()


PRODUCE = REGISTRY.register(
    EntryKind(
        "lot.produce",
        LotProduce,
        _check_produce,
        _apply_produce,
        roles=ROLES,
        summary=(
            "Produce a lot: product, quantity in a base unit, period, consumer meters with shares, "
            "input lots."
        ),
    )
)
SHIP = REGISTRY.register(
    EntryKind(
        "lot.ship",
        LotShip,
        _check_ship,
        _apply_ship,
        roles=ROLES,
        summary="Ship a lot, or part of it, to a customer (an actor of this ledger or a GLN).",
    )
)
RECEIVE = REGISTRY.register(
    EntryKind(
        "lot.receive",
        LotReceive,
        _check_receive,
        _apply_receive,
        roles=ROLES,
        summary="Receive a supplier's lot with the supplier footprint it carries (PACT id or certificate).",
    )
)
FOOTPRINT = REGISTRY.register(
    EntryKind(
        "lot.footprint",
        LotFootprint,
        _check_footprint,
        _apply_footprint,
        roles=ROLES,
        summary=(
            "Record the footprint a supplier declared for a lot you hold (from an EPCIS event, a PACT "
            "footprint, a Tanji certificate or a battery passport), with its source."
        ),
    )
)
