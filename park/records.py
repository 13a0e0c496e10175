"""Park energy and emissions records: the inputs of zero-carbon park accounting.

Seven kinds, each per enterprise (an enterprise submits only its own records)
or per park (submitted by the park's administering ``park`` actor), for a year
or one month of it:

- ``park.fuel_use`` — fossil or other fuel by type, quantity and unit;
- ``park.heat`` — heat (steam, hot water) purchased or sold, in GJ;
- ``park.process_emission`` — industrial process emissions in t CO2e by gas and process;
- ``park.ccus`` — CO2 captured and stored (or permanently utilised), in t;
- ``park.carbon_sink`` — carbon-sink removals, in t CO2;
- ``park.resource_use`` — the pairs the guidance indicators need: solid waste
  generated / used, waste heat-cold-pressure available / used, industrial water
  used / reused, bulk cargo moved / moved by clean modes, end-use equipment
  installed / at efficiency grade 2 or better;
- ``park.product_energy`` — a product's output and unit energy consumption
  against the grade of its national energy-use limit standard.

Quantities are non-negative decimal strings (at most 6 places), never floats.
A record for a subject and period may not overlap another live record of the
same subject (an annual record and a monthly one, or the same month twice);
a correction names the record it ``replaces`` (by ``seq``).

The park must be registered (``park.register``). Enterprise membership of the
park is not checked (the ledger has no membership record; owning a meter in
the park is not required to report fuel).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, Index, Integer, String, Text, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger import (
    REGISTRY,
    ActorId,
    AppendContext,
    Entry,
    EntryKind,
    ProjectionBase,
    RuleViolation,
    require_actor,
)
from ledger.energy.parks import RecordId, require_park
from park.coefficients import load_park_data

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"

Quantity = Annotated[str, Field(pattern=r"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?$")]
"""A non-negative decimal as a string: up to 15 integer digits and 6 places."""
Label = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^/\x00-\x1f]+$")]

Gas = Literal["CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"]
ResourceIndicator = Literal["solid_waste", "waste_energy", "water", "bulk_cargo", "equipment"]
RESOURCE_UNITS: dict[str, frozenset[str]] = {
    "solid_waste": frozenset({"t"}),
    "waste_energy": frozenset({"GJ"}),
    "water": frozenset({"m3"}),
    "bulk_cargo": frozenset({"t"}),
    "equipment": frozenset({"kW", "count"}),
}
ROLES = frozenset({"enterprise", "park"})


class _Record(BaseModel):
    """Fields every park record has."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    park: RecordId
    enterprise: ActorId | None = None
    year: int = Field(ge=2000, le=2100)
    month: int | None = Field(default=None, ge=1, le=12)
    replaces: int | None = Field(default=None, ge=1)
    note: str | None = Field(default=None, max_length=500)

    def subject(self) -> str:
        """What the record is about; two live records of one subject may not overlap in time."""
        raise NotImplementedError


class FuelUse(_Record):
    """Payload of ``park.fuel_use``. ``fuel`` is an id of ``park_indicators.json``'s ``fuels``;
    ``use`` is ``feedstock`` for non-energy use (its energy counts, its combustion CO2 does not)."""

    fuel: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    quantity: Quantity
    unit: Annotated[str, Field(min_length=1, max_length=16)]
    use: Literal["combustion", "feedstock"] = "combustion"

    def subject(self) -> str:
        return f"{self.fuel}/{self.use}"


class Heat(_Record):
    """Payload of ``park.heat``: heat purchased into or sold out of the boundary, in GJ."""

    direction: Literal["purchased", "sold"]
    gj: Quantity
    renewable: bool = False

    def subject(self) -> str:
        return f"{self.direction}/{'renewable' if self.renewable else 'other'}"


class ProcessEmission(_Record):
    """Payload of ``park.process_emission``: one gas of one process, in t CO2e (GWP applied by the
    submitter)."""

    process: Label
    gas: Gas
    tco2e: Quantity

    def subject(self) -> str:
        return f"{self.process}/{self.gas}"


class Ccus(_Record):
    """Payload of ``park.ccus``: CO2 captured at a facility and the part stored or permanently utilised."""

    facility: Label
    captured_t: Quantity
    stored_t: Quantity

    def subject(self) -> str:
        return self.facility


class CarbonSink(_Record):
    """Payload of ``park.carbon_sink``: removals by a sink, in t CO2, with the method used."""

    sink: Literal["forest", "grassland", "wetland", "soil", "other"]
    site: Label
    tco2: Quantity
    method: Annotated[str, Field(min_length=1, max_length=200)]

    def subject(self) -> str:
        return f"{self.sink}/{self.site}"


class ResourceUse(_Record):
    """Payload of ``park.resource_use``: a guidance indicator's denominator ``total`` and numerator ``used``.

    solid_waste (t): generated plus earlier stock taken up / comprehensively used;
    waste_energy (GJ): recoverable waste heat, cold and pressure / recovered;
    water (m3): total industrial water use (fresh plus reused) / reused;
    bulk_cargo (t): bulk cargo moved / moved by rail, water, pipeline, conveyor or new-energy vehicles;
    equipment (kW or count): general-purpose end-use equipment installed / at efficiency grade 2 or better.
    """

    indicator: ResourceIndicator
    total: Quantity
    used: Quantity
    unit: Annotated[str, Field(min_length=1, max_length=16)]

    def subject(self) -> str:
        return self.indicator


class ProductEnergy(_Record):
    """Payload of ``park.product_energy``.

    ``grade`` is the grade (1 best … 3 the limit) of the national energy-use
    limit standard ``standard`` that ``unit_energy`` meets, or 0 when it misses
    the limit. ``limits``, when given, are that standard's grade values
    ``[grade 1, grade 2, grade 3]`` in the same unit; the declared grade must
    then agree with them.
    """

    product: Label
    standard: Annotated[str, Field(min_length=1, max_length=80)]
    output: Quantity
    output_unit: Annotated[str, Field(min_length=1, max_length=16)]
    unit_energy: Quantity
    unit_energy_unit: Annotated[str, Field(min_length=1, max_length=32)]
    grade: int = Field(ge=0, le=3)
    limits: Annotated[list[Quantity], Field(min_length=3, max_length=3)] | None = None

    def subject(self) -> str:
        return self.product


class ParkRecordRow(ProjectionBase):
    """Projection: every park record, with the seq of the record that superseded it."""

    __tablename__ = "park_records"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64))
    park_id: Mapped[str] = mapped_column(String(128))
    enterprise: Mapped[str | None] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    superseded_by: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_park_records_park_year", "park_id", "year"),)


def _check_common(ctx: AppendContext, entry: Entry, p: _Record) -> None:
    park = require_park(ctx.session, p.park)
    submitter = require_actor(ctx.session, entry.actor)
    if submitter.role == "enterprise":
        if p.enterprise != entry.actor:
            raise RuleViolation(
                f"enterprise {entry.actor!r} may submit only its own records, not one for {p.enterprise!r}",
                code="park.not_own_record",
                enterprise=p.enterprise,
            )
    elif submitter.role == "park":
        if park.admin != entry.actor:
            raise RuleViolation(
                f"park actor {entry.actor!r} does not administer park {p.park!r}",
                code="park.not_authorised",
                park=p.park,
            )
        if p.enterprise is not None:
            raise RuleViolation(
                "a park actor submits park-level records only "
                f"(enterprise must be empty, not {p.enterprise!r})",
                code="park.not_own_record",
                enterprise=p.enterprise,
            )
    else:  # roles on the kind stop this first; kept for direct callers
        raise RuleViolation(
            f"role {submitter.role!r} may not submit park records", code="park.not_authorised"
        )
    replaced = _check_replaces(ctx, entry, p)
    _check_overlap(ctx, entry, p, replaced)


def _identity(kind: str, p: _Record) -> tuple[str, str, str | None, str]:
    return kind, p.park, p.enterprise, p.subject()


def _check_replaces(ctx: AppendContext, entry: Entry, p: _Record) -> int | None:
    if p.replaces is None:
        return None
    row = ctx.session.get(ParkRecordRow, p.replaces)
    if row is None or (row.kind, row.park_id, row.enterprise, row.subject) != _identity(entry.kind, p):
        raise RuleViolation(
            f"seq {p.replaces} is not a {entry.kind} record of the same park, enterprise and subject",
            code="park.replaces_invalid",
            replaces=p.replaces,
        )
    if row.superseded_by is not None:
        raise RuleViolation(
            f"seq {p.replaces} was replaced already by seq {row.superseded_by}",
            code="park.replaces_invalid",
            replaces=p.replaces,
        )
    if row.actor != entry.actor:
        raise RuleViolation(
            f"only {row.actor!r}, who submitted seq {p.replaces}, may replace it",
            code="park.replaces_invalid",
            replaces=p.replaces,
        )
    return p.replaces


def _check_overlap(ctx: AppendContext, entry: Entry, p: _Record, replaced: int | None) -> None:
    t = ParkRecordRow
    query = select(t.seq, t.month).where(
        t.kind == entry.kind,
        t.park_id == p.park,
        t.subject == p.subject(),
        t.year == p.year,
        t.superseded_by.is_(None),
        t.enterprise.is_(None) if p.enterprise is None else t.enterprise == p.enterprise,
    )
    if p.month is not None:  # an annual record overlaps every month
        query = query.where(or_(t.month.is_(None), t.month == p.month))
    for seq, month in ctx.session.execute(query):
        if seq == replaced:
            continue
        period = f"{p.year}" if month is None else f"{p.year}-{month:02d}"
        raise RuleViolation(
            f"{entry.kind} for {p.subject()!r} overlaps seq {seq} ({period}); "
            "name it in 'replaces' to correct it",
            code="park.duplicate_period",
            seq=seq,
        )


def _apply(ctx: AppendContext, entry: Entry, p: _Record) -> None:
    if p.replaces is not None:
        old = ctx.session.get(ParkRecordRow, p.replaces)
        assert old is not None  # checked by _check_replaces
        old.superseded_by = entry.seq
    ctx.session.add(
        ParkRecordRow(
            seq=entry.seq,
            kind=entry.kind,
            park_id=p.park,
            enterprise=p.enterprise,
            actor=entry.actor,
            subject=p.subject(),
            year=p.year,
            month=p.month,
            payload=json.dumps(p.model_dump(mode="json"), sort_keys=True, ensure_ascii=False),
            superseded_by=None,
        )
    )
    ctx.session.flush()  # later entries of the same batch must see this row


def _check_fuel(ctx: AppendContext, entry: Entry, p: FuelUse) -> None:
    data = load_park_data()
    fuel = data.fuels.get(p.fuel)
    if fuel is None:
        raise RuleViolation(
            f"unknown fuel {p.fuel!r}; known: {', '.join(sorted(data.fuels))}",
            code="park.fuel_unknown",
            fuel=p.fuel,
        )
    if p.unit not in data.unit_scale.get(fuel.unit, {}):
        raise RuleViolation(
            f"unit {p.unit!r} does not fit {p.fuel} (measured in {fuel.unit}; accepted: "
            f"{', '.join(sorted(data.unit_scale.get(fuel.unit, {})))})",
            code="park.unit_mismatch",
            unit=p.unit,
        )
    _check_common(ctx, entry, p)


def _check_ccus(ctx: AppendContext, entry: Entry, p: Ccus) -> None:
    if Decimal(p.stored_t) > Decimal(p.captured_t):
        raise RuleViolation(
            f"stored {p.stored_t} t exceeds captured {p.captured_t} t at {p.facility!r}",
            code="park.ccus_exceeds_captured",
        )
    _check_common(ctx, entry, p)


def _check_resource(ctx: AppendContext, entry: Entry, p: ResourceUse) -> None:
    if p.unit not in RESOURCE_UNITS[p.indicator]:
        raise RuleViolation(
            f"unit {p.unit!r} does not fit {p.indicator} "
            f"(accepted: {', '.join(sorted(RESOURCE_UNITS[p.indicator]))})",
            code="park.unit_mismatch",
            unit=p.unit,
        )
    if Decimal(p.used) > Decimal(p.total):
        raise RuleViolation(
            f"{p.indicator}: used {p.used} exceeds total {p.total}", code="park.used_exceeds_total"
        )
    _check_common(ctx, entry, p)


def grade_of(unit_energy: Decimal, limits: tuple[Decimal, Decimal, Decimal]) -> int:
    """The best grade (1 best … 3) whose limit ``unit_energy`` meets, or 0 if it misses grade 3.

    Precondition: ``limits`` are non-decreasing (grade 1 is the strictest).
    """
    if not limits[0] <= limits[1] <= limits[2]:
        raise ValueError(f"limits {limits} are not non-decreasing")
    for grade, limit in enumerate(limits, start=1):
        if unit_energy <= limit:
            return grade
    return 0


def _check_product(ctx: AppendContext, entry: Entry, p: ProductEnergy) -> None:
    if p.limits is not None:
        limits = (Decimal(p.limits[0]), Decimal(p.limits[1]), Decimal(p.limits[2]))
        if not limits[0] <= limits[1] <= limits[2]:
            raise RuleViolation(
                f"limits {list(p.limits)} must run from grade 1 (strictest) to grade 3",
                code="park.limits_order",
            )
        computed = grade_of(Decimal(p.unit_energy), limits)
        if computed != p.grade:
            raise RuleViolation(
                f"{p.product}: unit energy {p.unit_energy} meets grade {computed} of {p.standard} "
                f"(limits {list(p.limits)}), not the declared grade {p.grade}",
                code="park.grade_inconsistent",
                computed=computed,
            )
    _check_common(ctx, entry, p)


def _register(
    name: str, payload: type[_Record], check: Callable[[AppendContext, Entry, Any], None], summary: str
) -> EntryKind:
    return REGISTRY.register(EntryKind(name, payload, check, _apply, roles=ROLES, summary=summary))


FUEL_USE = _register("park.fuel_use", FuelUse, _check_fuel, "Fuel consumed by type, quantity and unit.")
HEAT = _register("park.heat", Heat, _check_common, "Heat purchased or sold across the boundary, in GJ.")
PROCESS_EMISSION = _register(
    "park.process_emission",
    ProcessEmission,
    _check_common,
    "Industrial process emissions in t CO2e by gas and process.",
)
CCUS = _register("park.ccus", Ccus, _check_ccus, "CO2 captured and stored or permanently utilised, in t.")
CARBON_SINK = _register("park.carbon_sink", CarbonSink, _check_common, "Carbon-sink removals in t CO2.")
RESOURCE_USE = _register(
    "park.resource_use",
    ResourceUse,
    _check_resource,
    "A guidance indicator's total and used quantities (waste, waste heat, water, cargo, equipment).",
)
PRODUCT_ENERGY = _register(
    "park.product_energy",
    ProductEnergy,
    _check_product,
    "A product's unit energy consumption against its national energy-use limit grade.",
)

PAYLOADS: dict[str, type[_Record]] = {
    "park.fuel_use": FuelUse,
    "park.heat": Heat,
    "park.process_emission": ProcessEmission,
    "park.ccus": Ccus,
    "park.carbon_sink": CarbonSink,
    "park.resource_use": ResourceUse,
    "park.product_energy": ProductEnergy,
}


@dataclass(frozen=True)
class StoredRecord:
    """A live park record as accounting reads it."""

    seq: int
    kind: str
    enterprise: str | None
    payload: _Record


def live_records(session: Session, park_id: str, year: int) -> tuple[StoredRecord, ...]:
    """Every record of ``park_id`` for ``year`` not superseded by a correction, in seq order."""
    t = ParkRecordRow
    rows = session.execute(
        select(t.seq, t.kind, t.enterprise, t.payload)
        .where(t.park_id == park_id, t.year == year, t.superseded_by.is_(None))
        .order_by(t.seq)
    )
    return tuple(
        StoredRecord(seq, kind, enterprise, PAYLOADS[kind].model_validate_json(payload, strict=False))
        for seq, kind, enterprise, payload in rows
    )
