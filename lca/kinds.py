"""The ``footprint.publish`` entry kind and its projection.

A published footprint is the payload ``lca.publish.FootprintPublish`` plus a
footprint id (a UUID: the PACT ``ProductFootprint.id``) and the ids of the
footprints of the same product it replaces. Rules: only an enterprise
publishes; ids are unique; a replaced footprint must exist, be the same
actor's, be of the same product and not be replaced already; a cited
attribution run must be an ``attribution.run`` entry earlier in the log.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field
from sqlalchemy import BigInteger, Date, Float, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lca.publish import FootprintPublish
from ledger import (
    REGISTRY,
    AppendContext,
    Entry,
    EntryKind,
    ProjectionBase,
    RuleViolation,
    entry_at,
)

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"

Uuid = Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]


class FootprintPublishEntry(FootprintPublish):
    """Payload of ``footprint.publish``: the footprint, its id and what it replaces."""

    footprint_id: Uuid
    supersedes: list[Uuid] = Field(default_factory=list)


class FootprintRow(ProjectionBase):
    """Projection: every published footprint and whether a newer one replaced it."""

    __tablename__ = "footprints"

    footprint_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    actor: Mapped[str] = mapped_column(String(128), index=True)
    product_id: Mapped[str] = mapped_column(String(200), index=True)
    lot: Mapped[str | None] = mapped_column(String(200))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    pcf_market: Mapped[float] = mapped_column(Float)
    pcf_location: Mapped[float] = mapped_column(Float)
    attribution_run_seq: Mapped[int | None] = mapped_column(BigInteger)
    supersedes: Mapped[str] = mapped_column(Text)  # JSON list of footprint ids
    superseded_by: Mapped[str | None] = mapped_column(String(36))


@dataclass(frozen=True)
class FootprintRecord:
    """A published footprint as the other packages see it."""

    footprint_id: str
    seq: int
    actor: str
    product_id: str
    lot: str | None
    period_start: dt.date
    period_end: dt.date
    pcf_market: float
    pcf_location: float
    attribution_run_seq: int | None
    supersedes: tuple[str, ...]
    superseded_by: str | None

    @property
    def status(self) -> str:
        """PACT status: ``Active`` or ``Deprecated`` (replaced by a newer footprint)."""
        return "Active" if self.superseded_by is None else "Deprecated"


def _record(row: FootprintRow) -> FootprintRecord:
    return FootprintRecord(
        row.footprint_id,
        row.seq,
        row.actor,
        row.product_id,
        row.lot,
        row.period_start,
        row.period_end,
        row.pcf_market,
        row.pcf_location,
        row.attribution_run_seq,
        tuple(json.loads(row.supersedes)),
        row.superseded_by,
    )


def get_footprint(session: Session, footprint_id: str) -> FootprintRecord | None:
    """The footprint ``footprint_id`` or None."""
    row = session.get(FootprintRow, footprint_id)
    return None if row is None else _record(row)


def list_footprints(session: Session, *, actor: str | None = None) -> list[FootprintRecord]:
    """Published footprints in log order, optionally of one actor."""
    q = select(FootprintRow).order_by(FootprintRow.seq)
    if actor is not None:
        q = q.where(FootprintRow.actor == actor)
    return [_record(r) for r in session.scalars(q)]


def _check(ctx: AppendContext, entry: Entry, p: FootprintPublishEntry) -> None:
    if ctx.session.get(FootprintRow, p.footprint_id) is not None:
        raise RuleViolation(f"footprint {p.footprint_id} is published already", code="footprint.exists")
    if p.period_end <= p.period_start:
        raise RuleViolation(
            f"reference period [{p.period_start}, {p.period_end}) is empty", code="footprint.period_empty"
        )
    for old_id in p.supersedes:
        old = ctx.session.get(FootprintRow, old_id)
        if old is None:
            raise RuleViolation(f"superseded footprint {old_id} does not exist", code="footprint.unknown")
        if old.actor != entry.actor:
            raise RuleViolation(
                f"footprint {old_id} was published by {old.actor!r}, not {entry.actor!r}",
                code="footprint.not_owner",
            )
        if old.product_id != p.product_id:
            raise RuleViolation(
                f"footprint {old_id} is of product {old.product_id!r}, not {p.product_id!r}",
                code="footprint.product_mismatch",
            )
        if old.superseded_by is not None:
            raise RuleViolation(
                f"footprint {old_id} was replaced already by {old.superseded_by}", code="footprint.superseded"
            )
    if p.attribution_run_seq is not None:
        run = entry_at(ctx.session, p.attribution_run_seq)
        kind = None if run is None else run.kind
        if kind != "attribution.run":
            raise RuleViolation(
                f"attribution_run_seq {p.attribution_run_seq} is not an attribution.run entry "
                f"(found {kind!r})",
                code="footprint.run_unknown",
            )


def _apply(ctx: AppendContext, entry: Entry, p: FootprintPublishEntry) -> None:
    for old_id in p.supersedes:
        old = ctx.session.get(FootprintRow, old_id)
        assert old is not None  # checked above
        old.superseded_by = p.footprint_id
    ctx.session.add(
        FootprintRow(
            footprint_id=p.footprint_id,
            seq=entry.seq,
            actor=entry.actor,
            product_id=p.product_id,
            lot=p.lot,
            period_start=p.period_start,
            period_end=p.period_end,
            pcf_market=p.results.market.total,
            pcf_location=p.results.location.total,
            attribution_run_seq=p.attribution_run_seq,
            supersedes=json.dumps(list(p.supersedes)),
            superseded_by=None,
        )
    )


PUBLISH = REGISTRY.register(
    EntryKind(
        "footprint.publish",
        FootprintPublishEntry,
        _check,
        _apply,
        roles=frozenset({"enterprise"}),
        summary="Publish a product carbon footprint (ISO 14067, IPCC AR6 GWP100) computed from the ledger.",
    )
)
