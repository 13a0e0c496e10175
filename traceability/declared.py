"""A supplier's declared footprint on a lot: the figures, where they come from, and whether they add up.

A lot that arrives from a supplier may carry the supplier's product carbon
footprint: in an EPCIS event (a ``carbonFootprint`` extension, see
:mod:`traceability.epcis_footprint`), as a PACT footprint or a Tanji
certificate it references, or in a battery passport
(:mod:`traceability.battery_passport`). Tanji records it with a
``lot.footprint`` entry (:class:`traceability.lots.LotFootprint`) holding a
:class:`FootprintSource` and, where the figures travelled with it, a
:class:`DeclaredFootprint` in PACT v3 terms (kg CO2e per
``declared_amount`` of ``declared_unit``).

Figures are ``Decimal``: they are declared numbers, kept exactly as written.
Totals and their parts (fossil + land use, or life-cycle stages) must agree
within rounding: :func:`rounding_tolerance` is the one rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, ClassVar, Final, Literal, Self, get_args
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from traceability.lots import Ident, LotPayload

PactUnit = Literal[
    "kilogram",
    "liter",
    "cubic meter",
    "kilowatt hour",
    "megajoule",
    "ton kilometer",
    "square meter",
    "piece",
]
"""PACT v3 ``declaredUnitOfMeasurement`` values."""

PACT_UNITS: Final[tuple[str, ...]] = get_args(PactUnit)

Figure = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
"""kg CO2e, declared: a finite, non-negative decimal."""

SourceKind = Literal["epcis", "pact", "certificate", "passport"]


def decimal_places(value: Decimal) -> int:
    """Digits after the decimal point as written (``Decimal('40.0')`` has 1)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def rounding_tolerance(values: Sequence[Decimal]) -> Decimal:
    """How far parts may miss their total when every figure was rounded as written.

    Each of ``values`` (the total and its parts) may be off by half a unit in
    the last decimal place any of them shows, so the sum of the parts may miss
    the total by ``len(values) × ½ × 10^-places``. Preconditions: ``values`` is
    not empty.
    """
    if not values:
        raise ValueError("rounding_tolerance needs at least one value")
    places = max(decimal_places(v) for v in values)
    return Decimal(len(values)) * Decimal("0.5") * Decimal(10) ** -places


def parts_mismatch(total: Decimal, parts: Mapping[str, Decimal]) -> Decimal | None:
    """``sum(parts) - total`` when it exceeds :func:`rounding_tolerance`, else ``None``."""
    if not parts:
        return None
    difference = sum(parts.values(), Decimal(0)) - total
    return difference if abs(difference) > rounding_tolerance([total, *parts.values()]) else None


class StageFootprint(LotPayload):
    """One life-cycle stage's share of a declared footprint, in the same unit."""

    stage: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    kg_co2e: Figure


class DeclaredFootprint(LotPayload):
    """A supplier's figures: kg CO2e per ``declared_amount`` of ``declared_unit`` (PACT v3 terms).

    ``kg_co2e`` is PACT's ``pcfExcludingBiogenicUptake``; ``fossil_kg_co2e`` and
    ``land_use_kg_co2e`` its parts where the supplier split it (a figure with no
    split is counted as fossil by :meth:`traceability.supplier_footprints.SupplierFootprint.model_input`).
    ``stages``, when given, must add up to ``kg_co2e`` within rounding.
    """

    declared_unit: PactUnit
    declared_amount: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)] = Decimal(1)
    kg_co2e: Figure
    fossil_kg_co2e: Figure | None = None
    land_use_kg_co2e: Figure | None = None
    primary_data_share: Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    stages: tuple[StageFootprint, ...] = ()
    standard: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = None

    @model_validator(mode="after")
    def _adds_up(self) -> Self:
        split = (self.fossil_kg_co2e or Decimal(0)) + (self.land_use_kg_co2e or Decimal(0))
        if split > self.kg_co2e + rounding_tolerance([self.kg_co2e, split]):
            raise ValueError(
                f"fossil {self.fossil_kg_co2e} + land use {self.land_use_kg_co2e} = {split} "
                f"exceeds the total {self.kg_co2e} kg CO2e"
            )
        names = [s.stage for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"life-cycle stages repeat: {sorted(names)}")
        mismatch = parts_mismatch(self.kg_co2e, {s.stage: s.kg_co2e for s in self.stages})
        if mismatch is not None:
            total = sum((s.kg_co2e for s in self.stages), Decimal(0))
            raise ValueError(f"life-cycle stages add up to {total}, not the total {self.kg_co2e} kg CO2e")
        return self


class FootprintSource(LotPayload):
    """Where a declared footprint comes from.

    ``epcis``: an EPCIS event carried it (``id`` = its eventID, if any);
    ``pact``: a PACT ProductFootprint (``id`` = its UUID); ``certificate``: a
    Tanji certificate (``id``); ``passport``: a battery passport's carbon
    footprint declaration (``id`` = the declaration id).
    """

    kind: SourceKind
    id: Annotated[str, StringConstraints(min_length=1, max_length=512)] | None = None

    @model_validator(mode="after")
    def _identified(self) -> Self:
        if self.kind in ("pact", "certificate", "passport") and self.id is None:
            raise ValueError(f"a {self.kind} source needs its id")
        if self.kind == "pact":
            try:
                UUID(str(self.id))
            except ValueError as e:
                raise ValueError(f"PACT footprint id {self.id!r} is not a UUID") from e
        return self


class LotFootprint(LotPayload):
    """``lot.footprint``: the footprint ``supplier`` declared for lot ``lot_id``, as the submitter holds it.

    ``declared`` carries the figures when they travelled with the source; a
    PACT or certificate reference may come without them (the figures are then
    at the source). ``source_event`` keeps the EPCIS eventID it was read from.
    """

    KIND: ClassVar[str] = "lot.footprint"

    lot_id: Ident
    supplier: Ident
    source: FootprintSource
    declared: DeclaredFootprint | None = None
    declared_at: AwareDatetime | None = None
    source_event: str | None = None

    @model_validator(mode="after")
    def _figures_or_reference(self) -> Self:
        if self.declared is None and self.source.kind not in ("pact", "certificate"):
            raise ValueError(f"a footprint from a {self.source.kind} source needs its declared figures")
        return self
