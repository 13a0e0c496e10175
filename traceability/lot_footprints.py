"""Supplier footprints on lots: the projection of ``lot.footprint`` entries and the query over it.

Every ``lot.footprint`` entry, and every ``lot.receive`` that names a PACT
footprint or a Tanji certificate, leaves one row: which lot, who holds it,
who declared the footprint, its source and (when they travelled with it) the
declared figures. :func:`supplier_footprint_of` gives a lot's newest one as a
:class:`SupplierFootprint`; :meth:`SupplierFootprint.model_input` turns it
into the ``supplier`` block of a product-model input (``lca.model.Input``:
``{"pact": {…PACT v3 fields…}, "supplier": …}``), so a product model uses the
supplier's figure for that lot as a cradle-to-gate input with its source
named. This package does not import ``lca`` (DESIGN.md section 2): the block
is plain JSON in PACT v3 terms, which ``lca`` parses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger import Ledger, ProjectionBase, canonical_bytes
from traceability.declared import DeclaredFootprint, FootprintSource, LotFootprint

__all__ = [
    "LotFootprintRow",
    "SupplierFootprint",
    "lot_supplier_footprint",
    "record_footprint",
    "supplier_footprint_of",
    "supplier_footprints_of",
]


class LotFootprintRow(ProjectionBase):
    """Projection: one supplier footprint recorded for a lot (``declared`` is canonical JSON or null)."""

    __tablename__ = "trace_lot_footprints"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lot_id: Mapped[str] = mapped_column(String(256), index=True)
    holder: Mapped[str] = mapped_column(String(128))
    supplier: Mapped[str] = mapped_column(String(256))
    source_kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str | None] = mapped_column(String(512))
    source_event: Mapped[str | None] = mapped_column(Text)
    declared: Mapped[str | None] = mapped_column(Text)


def record_footprint(session: Session, seq: int, holder: str, p: LotFootprint) -> None:
    """Add the row of entry ``seq`` (``holder`` submitted it)."""
    declared = None if p.declared is None else canonical_bytes(p.declared.model_dump(mode="json")).decode()
    session.add(
        LotFootprintRow(
            seq=seq,
            lot_id=p.lot_id,
            holder=holder,
            supplier=p.supplier,
            source_kind=p.source.kind,
            source_id=p.source.id,
            source_event=p.source_event,
            declared=declared,
        )
    )


def _dec(value: Decimal) -> str:
    """A PACT v3 decimal string (no exponent)."""
    return format(value, "f")


@dataclass(frozen=True)
class SupplierFootprint:
    """A footprint ``supplier`` declared for ``lot_id``, recorded by ``holder`` at ``seq``."""

    lot_id: str
    holder: str
    supplier: str
    source: FootprintSource
    declared: DeclaredFootprint | None
    seq: int
    source_event: str | None = None

    def model_input(self) -> dict[str, Any]:
        """The ``supplier`` block of a product-model input: ``{"pact": {…}, "supplier": …}``.

        The figures are in PACT v3 terms (``declaredUnitOfMeasurement``,
        ``declaredUnitAmount``, ``pcfExcludingBiogenicUptake``,
        ``fossilGhgEmissions`` …); ``id`` is the PACT footprint id when the source
        is one. A total the supplier did not split into fossil and land use is
        counted as fossil (no biogenic share is assumed). Raises ``ValueError``
        when no figures were recorded (a bare PACT or certificate reference: the
        figures are at the source).
        """
        d = self.declared
        if d is None:
            raise ValueError(
                f"the supplier footprint of lot {self.lot_id!r} is a {self.source.kind} reference "
                f"({self.source.id}) without figures; read them from the source"
            )
        land = d.land_use_kg_co2e or Decimal(0)
        fossil = d.fossil_kg_co2e if d.fossil_kg_co2e is not None else d.kg_co2e - land
        pact: dict[str, Any] = {
            "declaredUnitOfMeasurement": d.declared_unit,
            "declaredUnitAmount": float(d.declared_amount),
            "pcfExcludingBiogenicUptake": float(d.kg_co2e),
            "fossilGhgEmissions": float(fossil),
            "landUseChangeGhgEmissions": float(land),
        }
        if self.source.kind == "pact":
            pact["id"] = self.source.id
        if d.primary_data_share is not None:
            pact["primaryDataShare"] = float(d.primary_data_share)
        return {"pact": pact, "supplier": self.supplier}

    def to_json(self) -> dict[str, Any]:
        return {
            "lot_id": self.lot_id,
            "holder": self.holder,
            "supplier": self.supplier,
            "source": self.source.model_dump(mode="json", exclude_none=True),
            "declared": None if self.declared is None else self.declared.model_dump(mode="json"),
            "seq": self.seq,
            "source_event": self.source_event,
        }


def _value(row: LotFootprintRow) -> SupplierFootprint:
    return SupplierFootprint(
        lot_id=row.lot_id,
        holder=row.holder,
        supplier=row.supplier,
        source=FootprintSource.model_validate({"kind": row.source_kind, "id": row.source_id}),
        declared=None if row.declared is None else DeclaredFootprint.model_validate(json.loads(row.declared)),
        seq=row.seq,
        source_event=row.source_event,
    )


def supplier_footprints_of(
    session: Session, lot_id: str, holder: str | None = None
) -> list[SupplierFootprint]:
    """Every supplier footprint recorded for ``lot_id`` (by ``holder``, if given), oldest first."""
    q = select(LotFootprintRow).where(LotFootprintRow.lot_id == lot_id).order_by(LotFootprintRow.seq)
    if holder is not None:
        q = q.where(LotFootprintRow.holder == holder)
    return [_value(r) for r in session.scalars(q)]


def supplier_footprint_of(
    session: Session, lot_id: str, holder: str | None = None
) -> SupplierFootprint | None:
    """The newest supplier footprint of ``lot_id`` (by ``holder``, if given), or ``None``."""
    found = supplier_footprints_of(session, lot_id, holder)
    return found[-1] if found else None


def lot_supplier_footprint(
    ledger: Ledger, lot_id: str, holder: str | None = None
) -> SupplierFootprint | None:
    """:func:`supplier_footprint_of` in a read transaction of ``ledger``."""
    with ledger.db.read_session() as s:
        return supplier_footprint_of(s, lot_id, holder)
