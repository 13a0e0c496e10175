"""Meters: the ``meter.register`` and ``meter.retire`` kinds.

A meter belongs to one owner (an enterprise or generator actor) in one park.
Its kind says what it measures; generation meters name their technology. A
meter may name a ``gateway`` actor (a metering data concentrator) that may
submit its readings besides the owner. A retired meter accepts no readings
from its retirement instant on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, Boolean, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.energy.parks import RecordId, require_park
from ledger.energy.periods import Instant, format_instant, parse_instant
from ledger.errors import RuleViolation
from ledger.kinds.actors import ActorId
from ledger.log.entry import Entry
from ledger.store.actors import require_actor
from ledger.store.registry import REGISTRY, AppendContext, EntryKind
from ledger.store.tables import Base

MeterKind = Literal["generation", "consumption", "grid_import", "grid_export", "storage"]
Technology = Literal["wind", "solar", "hydro", "biomass", "geothermal", "solar_thermal", "nuclear", "other"]
OWNER_ROLES = frozenset({"enterprise", "generator"})
_CACHE = "meters"


class MeterRegister(BaseModel):
    """Payload of ``meter.register``. ``technology`` is required for, and only for, generation meters."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: RecordId
    owner: ActorId
    park: RecordId
    kind: MeterKind
    technology: Technology | None = None
    parent: RecordId | None = None
    gateway: ActorId | None = None
    boundary: bool = False
    capacity_kw: int | None = Field(default=None, ge=0)


class MeterRetire(BaseModel):
    """Payload of ``meter.retire``: no readings from ``at`` on (ISO 8601 with offset)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: RecordId
    at: Instant
    reason: str | None = Field(default=None, max_length=500)


class MeterRow(Base):
    """Projection: registered meters."""

    __tablename__ = "meters"

    meter_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128), index=True)
    park_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    technology: Mapped[str | None] = mapped_column(String(16))
    parent_id: Mapped[str | None] = mapped_column(String(128))
    gateway: Mapped[str | None] = mapped_column(String(128))
    boundary: Mapped[bool] = mapped_column(Boolean)
    capacity_kw: Mapped[int | None] = mapped_column(BigInteger)
    registered_seq: Mapped[int] = mapped_column(BigInteger)
    retired_at: Mapped[int | None] = mapped_column(BigInteger)  # epoch seconds UTC
    retired_seq: Mapped[int | None] = mapped_column(BigInteger)


@dataclass(frozen=True)
class Meter:
    """A meter as the rest of the code sees it. ``retired_at`` is epoch seconds or None."""

    meter_id: str
    owner: str
    park_id: str
    kind: str
    technology: str | None
    parent_id: str | None
    gateway: str | None
    boundary: bool
    retired_at: int | None = None

    def may_submit_readings(self, actor_id: str) -> bool:
        """The owner and the meter's gateway may submit its readings."""
        return actor_id == self.owner or (self.gateway is not None and actor_id == self.gateway)


def _to_meter(row: MeterRow) -> Meter:
    return Meter(
        row.meter_id,
        row.owner,
        row.park_id,
        row.kind,
        row.technology,
        row.parent_id,
        row.gateway,
        row.boundary,
        row.retired_at,
    )


def get_meter(session: Session, meter_id: str) -> Meter | None:
    """The registered meter ``meter_id`` or None."""
    row = session.get(MeterRow, meter_id)
    return None if row is None else _to_meter(row)


_BULK_AFTER = 16  # misses in one batch before all meters are loaded at once


def cached_meter(ctx: AppendContext, meter_id: str) -> Meter | None:
    """``get_meter`` through the batch cache.

    A big batch (many meters) loads every meter in one query after a few
    misses instead of one round trip per meter.
    """
    cache: dict[str, Meter | None] = ctx.cache.setdefault(_CACHE, {})
    if meter_id not in cache:
        misses = ctx.cache[_CACHE + ".misses"] = ctx.cache.get(_CACHE + ".misses", 0) + 1
        if misses == _BULK_AFTER:
            for mid, meter in all_meters(ctx.session).items():
                cache.setdefault(mid, meter)
            ctx.cache[_CACHE + ".all"] = True  # registrations later in the batch update the cache
        if meter_id not in cache:
            cache[meter_id] = None if ctx.cache.get(_CACHE + ".all") else get_meter(ctx.session, meter_id)
    return cache[meter_id]


def require_meter(
    ctx: AppendContext, meter_id: str, *, kinds: frozenset[str] | None = None, what: str = "meter"
) -> Meter:
    """The registered meter; ``meter.unknown``, or ``meter.wrong_kind`` when not of ``kinds``."""
    meter = cached_meter(ctx, meter_id)
    if meter is None:
        raise RuleViolation(f"{what} {meter_id!r} is not registered", code="meter.unknown", meter=meter_id)
    if kinds is not None and meter.kind not in kinds:
        raise RuleViolation(
            f"{what} {meter_id!r} is a {meter.kind} meter, not {' or '.join(sorted(kinds))}",
            code="meter.wrong_kind",
            meter=meter_id,
            kind=meter.kind,
        )
    return meter


def meters_of(session: Session, owner: str) -> list[Meter]:
    """Every meter of ``owner``, by id."""
    return [
        _to_meter(r)
        for r in session.scalars(select(MeterRow).where(MeterRow.owner == owner).order_by(MeterRow.meter_id))
    ]


def all_meters(session: Session) -> dict[str, Meter]:
    """Every registered meter by id (for bulk import validation)."""
    return {r.meter_id: _to_meter(r) for r in session.scalars(select(MeterRow))}


def _may_administer(ctx: AppendContext, actor_id: str, owner: str, park_id: str) -> bool:
    if actor_id == owner:
        return True
    role = require_actor(ctx.session, actor_id).role
    return role == "operator" or (role == "park" and require_park(ctx.session, park_id).admin == actor_id)


def _check_register(ctx: AppendContext, entry: Entry, p: MeterRegister) -> None:
    if cached_meter(ctx, p.id) is not None:
        raise RuleViolation(f"meter {p.id!r} is registered already", code="meter.exists", meter=p.id)
    park = require_park(ctx.session, p.park)
    owner = require_actor(ctx.session, p.owner, what="meter owner")
    if owner.role not in OWNER_ROLES:
        raise RuleViolation(
            f"meter owner {p.owner!r} has role {owner.role!r}; owners are enterprises or generators",
            code="meter.owner_role",
            owner=p.owner,
        )
    if not _may_administer(ctx, entry.actor, p.owner, park.park_id):
        raise RuleViolation(
            f"actor {entry.actor!r} may not register a meter for {p.owner!r}",
            code="meter.not_authorised",
            actor=entry.actor,
            owner=p.owner,
        )
    if (p.kind == "generation") != (p.technology is not None):
        raise RuleViolation(
            f"meter {p.id!r} of kind {p.kind!r}: technology {p.technology!r} "
            + ("is required" if p.kind == "generation" else "is only for generation meters"),
            code="meter.technology",
            meter=p.id,
        )
    if p.parent is not None:
        parent = require_meter(ctx, p.parent, what="parent meter")
        if parent.park_id != p.park:
            raise RuleViolation(
                f"parent meter {p.parent!r} is in park {parent.park_id!r}, not {p.park!r}",
                code="meter.parent_park",
                meter=p.id,
                parent=p.parent,
            )
    if p.gateway is not None and require_actor(ctx.session, p.gateway, what="gateway").role != "gateway":
        raise RuleViolation(
            f"gateway {p.gateway!r} is not an actor with role 'gateway'",
            code="meter.gateway_role",
            gateway=p.gateway,
        )


def _apply_register(ctx: AppendContext, entry: Entry, p: MeterRegister) -> None:
    ctx.session.add(
        MeterRow(
            meter_id=p.id,
            owner=p.owner,
            park_id=p.park,
            kind=p.kind,
            technology=p.technology,
            parent_id=p.parent,
            gateway=p.gateway,
            boundary=p.boundary,
            capacity_kw=p.capacity_kw,
            registered_seq=entry.seq,
        )
    )
    ctx.session.flush()  # later kinds query meters with Core statements
    ctx.cache.setdefault(_CACHE, {})[p.id] = Meter(
        p.id, p.owner, p.park, p.kind, p.technology, p.parent, p.gateway, p.boundary
    )


def _check_retire(ctx: AppendContext, entry: Entry, p: MeterRetire) -> None:
    meter = require_meter(ctx, p.id)
    at = parse_instant(p.at, field="at")
    if meter.retired_at is not None:
        raise RuleViolation(
            f"meter {p.id!r} was retired already at {format_instant(meter.retired_at)}",
            code="meter.retired",
            meter=p.id,
        )
    if not _may_administer(ctx, entry.actor, meter.owner, meter.park_id):
        raise RuleViolation(
            f"actor {entry.actor!r} may not retire meter {p.id!r} of {meter.owner!r}",
            code="meter.not_authorised",
            actor=entry.actor,
            owner=meter.owner,
        )
    from ledger.energy.readings import (
        last_reading_end,  # readings depend on meters, not the reverse
    )

    last = last_reading_end(ctx.session, p.id)
    if last is not None and last > at:
        raise RuleViolation(
            f"meter {p.id!r} has readings up to {format_instant(last)}, after retirement at {p.at}",
            code="meter.readings_after_retire",
            meter=p.id,
        )


def _apply_retire(ctx: AppendContext, entry: Entry, p: MeterRetire) -> None:
    row = ctx.session.get(MeterRow, p.id)
    assert row is not None  # checked
    row.retired_at = parse_instant(p.at, field="at")
    row.retired_seq = entry.seq
    ctx.session.flush()
    ctx.cache.setdefault(_CACHE, {})[p.id] = replace(_to_meter(row))


REGISTER = REGISTRY.register(
    EntryKind(
        "meter.register",
        MeterRegister,
        _check_register,
        _apply_register,
        roles=frozenset({"operator", "park", "enterprise", "generator"}),
        summary="Register a meter: owner, park, kind, technology (generation), parent, gateway.",
    )
)
RETIRE = REGISTRY.register(
    EntryKind(
        "meter.retire",
        MeterRetire,
        _check_retire,
        _apply_retire,
        roles=frozenset({"operator", "park", "enterprise", "generator"}),
        summary="Retire a meter: it accepts no readings from the given instant on.",
    )
)
