"""The ``footprint.publish`` entry kind and its projection.

A published footprint is the payload ``lca.publish.FootprintPublish`` plus a
footprint id (a UUID: the PACT ``ProductFootprint.id``) and the ids of the
footprints of the same product it replaces. Rules: only an enterprise
publishes; ids are unique; a replaced footprint must exist, be the same
actor's, be of the same product and not be replaced already; a cited
attribution run must be an ``attribution.run`` entry earlier in the log.

Claims derived, not asserted (issue 14): the ledger re-computes every figure
from the cited ``footprint.model`` (``lca.model_kind``, registered with this
module), the cited run's committed result rows and the background version
(``lca.recompute``), and refuses the entry with ``footprint.figures_mismatch``
naming the first differing field and both values unless every figure is
equal. The re-computation runs before the writer lock is taken (the kind's
``prepare``): its inputs are earlier entries, which cannot change, so under
the lock the check only re-reads the model and re-checks its supplier
certificates (a revocation may have come in between). When the model or the
run is in the same batch, or for a dry run or a replay, the check
re-computes itself.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import Field
from sqlalchemy import BigInteger, Date, Float, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lca.model import ProductModel
from lca.model_kind import MODEL_KIND, check_supplier_certificates
from lca.publish import FootprintPublish

if TYPE_CHECKING:
    from lca.recompute import Difference
from ledger import (
    REGISTRY,
    AppendContext,
    Entry,
    EntryKind,
    ProjectionBase,
    RuleViolation,
    entry_kind,
)

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
assert MODEL_KIND == "footprint.model"  # importing lca.model_kind registered it with this plugin

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
        kind = entry_kind(ctx.session, p.attribution_run_seq)
        if kind != "attribution.run":
            raise RuleViolation(
                f"attribution_run_seq {p.attribution_run_seq} is not an attribution.run entry "
                f"(found {kind!r})",
                code="footprint.run_unknown",
            )
    _recomputed(ctx, entry, p)


@dataclass(frozen=True)
class _Prepared:
    """A publish re-computed before the lock: from which inputs (all earlier entries), and the first
    difference found (raised by the check, after its own cheap rules)."""

    actor: str
    model_sha256: str
    run_seq: int | None
    found: Difference | None = None
    model: ProductModel | None = None  # the recorded model, for the supplier rules under the lock


def _compare(expected: FootprintPublish, p: FootprintPublishEntry) -> None:
    from lca.recompute import difference

    _refuse(p, difference(expected, p))


def _refuse(p: FootprintPublishEntry, d: Difference | None) -> None:
    if d is not None:
        raise RuleViolation(
            f"footprint {p.footprint_id}: the figures differ from the ledger's re-computation; first {d}",
            code="footprint.figures_mismatch",
            field=d.field,
            expected=d.expected,
            claimed=d.claimed,
        )


def _prepare(session: Session, actor: str, p: FootprintPublishEntry) -> _Prepared | None:
    from lca.recompute import difference, load_inputs, recompute

    try:
        inputs = load_inputs(session, actor, p.model_sha256, p.attribution_run_seq)
        expected = recompute(inputs, lot=p.lot)
    except RuleViolation:
        return None  # an input may be in the same batch: the check under the lock decides
    return _Prepared(
        actor, p.model_sha256, p.attribution_run_seq, difference(expected, p), inputs.recorded.model
    )


def _recomputed(ctx: AppendContext, entry: Entry, p: FootprintPublishEntry) -> None:
    from lca.recompute import load_inputs, recompute

    done = ctx.prepared
    if isinstance(done, _Prepared) and (done.actor, done.model_sha256, done.run_seq) == (
        entry.actor,
        p.model_sha256,
        p.attribution_run_seq,
    ):
        # the model was found before the lock (models are never removed); only a supplier certificate
        # it names may have been revoked since
        assert done.model is not None
        check_supplier_certificates(ctx.session, entry.actor, done.model)
        _refuse(p, done.found)
        return
    inputs = load_inputs(ctx.session, entry.actor, p.model_sha256, p.attribution_run_seq)
    check_supplier_certificates(ctx.session, entry.actor, inputs.recorded.model)
    _compare(recompute(inputs, lot=p.lot), p)


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
        prepare=_prepare,
    )
)
