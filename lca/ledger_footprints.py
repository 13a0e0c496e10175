"""Footprints from the ledger: attribution in, ``footprint.publish`` entries out.

The thin shell around ``compute_footprints``: it reads each model's meters'
electricity from the newest attribution run covering the model's reference
period (``ledger.attribution.reports``), computes every product from one
factorisation, and publishes each footprint as a signed entry. A product's new
footprint replaces (``supersedes``) the publisher's active footprint of the
same product and period, which PACT then lists as ``Deprecated``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from lca.background import Background
from lca.calculate import compute_footprints
from lca.electricity import MeterElectricity, Period
from lca.errors import InvalidModel
from lca.footprint import FootprintResult
from lca.kinds import FootprintPublishEntry, list_footprints
from lca.model import ProductModel
from lca.publish import FootprintPublish
from ledger.attribution.reports import meter_electricity_for_period
from ledger.log.entry import Submission
from ledger.log.keys import Ed25519PrivateKey
from ledger.store.append import Ledger


@dataclass(frozen=True)
class ComputedFootprint:
    """A model's footprint and the attribution run its electricity came from."""

    model: ProductModel
    result: FootprintResult
    attribution_run_seq: int | None


@dataclass(frozen=True)
class PublishedFootprint:
    """Where a footprint landed in the ledger."""

    footprint_id: str
    seq: int
    product_id: str
    supersedes: tuple[str, ...]
    pcf_market: float


def with_period(model: ProductModel, start: dt.date, end: dt.date) -> ProductModel:
    """``model`` with another reference period ``[start, end)`` (the same model otherwise)."""
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["reference_period"] = {"start": start.isoformat(), "end": end.isoformat()}
    return ProductModel.model_validate(data)


def _months(model: ProductModel) -> tuple[str, str]:
    """The attribution months covering the model's period; it must be whole months."""
    start, end = model.reference_period.start, model.reference_period.end
    if start.day != 1 or end.day != 1:
        raise InvalidModel(
            f"model {model.id!r}: reference period [{start}, {end}) must start and end on the first "
            "of a month to follow the ledger's monthly attribution",
            model_id=model.id,
        )
    last = end - dt.timedelta(days=1)
    return f"{start:%Y-%m}", f"{last:%Y-%m}"


def _meters(model: ProductModel) -> list[str]:
    return sorted({m.meter for p in model.processes if p.electricity for m in p.electricity.meters})


def ledger_electricity(session: Session, models: Sequence[ProductModel]) -> list[MeterElectricity]:
    """Each model's metered electricity split by the ledger's attribution over its period."""
    out: list[MeterElectricity] = []
    for model in models:
        meters = _meters(model)
        if not meters:
            continue
        first, last = _months(model)
        for rec in meter_electricity_for_period(session, first, last, meters):
            out.append(
                MeterElectricity(
                    meter_id=rec.meter_id,
                    period=Period(model.reference_period.start, model.reference_period.end),
                    direct_wh=rec.direct_wh,
                    direct_claimable_wh=rec.direct_claimable_wh,
                    contracted_wh=rec.contracted_wh,
                    certificate_wh=rec.certificate_wh,
                    grid_wh=rec.grid_wh,
                    attribution_seq=rec.attribution_seq,
                )
            )
    # two models over the same meter and period need the record once
    unique = {(e.meter_id, e.period): e for e in out}
    return list(unique.values())


def compute_from_ledger(
    ledger: Ledger,
    models: Sequence[ProductModel],
    data_dir: Path | None = None,
    *,
    background: Background | None = None,
) -> list[ComputedFootprint]:
    """Footprints of ``models`` (one factorisation) with electricity from the ledger."""
    with ledger.db.read_session() as s:
        electricity = ledger_electricity(s, models)
    results = compute_footprints(models, electricity, data_dir, background=background)
    run_of = {(e.meter_id, e.period): e.attribution_seq for e in electricity}
    computed = []
    for model, result in zip(models, results, strict=True):
        period = Period(model.reference_period.start, model.reference_period.end)
        runs = {seq for m in _meters(model) if (seq := run_of[(m, period)]) is not None}
        computed.append(ComputedFootprint(model, result, max(runs) if runs else None))
    return computed


def publish_footprints(
    ledger: Ledger,
    computed: Sequence[ComputedFootprint],
    actor: str,
    key: Ed25519PrivateKey,
    *,
    lot: str | None = None,
) -> list[PublishedFootprint]:
    """Publish each footprint as a ``footprint.publish`` entry by ``actor``, in one atomic batch."""
    with ledger.db.read_session() as s:
        active = [f for f in list_footprints(s, actor=actor) if f.superseded_by is None]
    subs, meta = [], []
    for c in computed:
        base = FootprintPublish.from_result(
            c.result, c.model, attribution_run_seq=c.attribution_run_seq, lot=lot
        )
        replaced = tuple(
            f.footprint_id
            for f in active
            if f.product_id == c.model.id
            and f.period_start == c.model.reference_period.start
            and f.period_end == c.model.reference_period.end
            and f.lot == lot
        )
        footprint_id = str(uuid.uuid4())
        entry = FootprintPublishEntry.model_validate(
            {
                **base.model_dump(mode="json", by_alias=True),
                "footprint_id": footprint_id,
                "supersedes": list(replaced),
            }
        )
        subs.append(
            Submission.create("footprint.publish", actor, entry.model_dump(mode="json", by_alias=True), key)
        )
        meta.append((footprint_id, c.model.id, replaced, c.result.market.total))
    placed = ledger.append(subs)
    return [
        PublishedFootprint(fid, p.seq, pid, rep, total)
        for (fid, pid, rep, total), p in zip(meta, placed, strict=True)
    ]
