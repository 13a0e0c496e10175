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
from lca.model_kind import find_model, model_submission
from lca.recompute import load_inputs, recompute
from ledger.attribution.reports import MeterElectricityRecord, meter_electricity_for_period
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


def meter_electricity_of(rec: MeterElectricityRecord, period: Period) -> MeterElectricity:
    """The LCA record of a meter's attributed electricity.

    Contracted (绿电交易) energy is a green claim only where the seller's GEC of
    that month were retired for the meter (``contracted_claimable_wh``); the
    rest was delivered through the grid without its green attribute, so it
    enters the footprint with the grid energy (the market-based unclaimed
    factor), as unclaimed direct energy does.
    """
    return MeterElectricity(
        meter_id=rec.meter_id,
        period=period,
        direct_wh=rec.direct_wh,
        direct_claimable_wh=rec.direct_claimable_wh,
        contracted_wh=rec.contracted_claimable_wh,
        certificate_wh=rec.certificate_wh,
        grid_wh=rec.grid_wh + rec.contracted_unclaimed_wh,
        attribution_seq=rec.attribution_seq,
    )


def ledger_electricity(
    session: Session, models: Sequence[ProductModel], *, allow_gaps: bool = False
) -> list[MeterElectricity]:
    """Each model's metered electricity split by the ledger's attribution over its period.

    Hours without readings in the runs are an error (``attribution.gaps``) unless ``allow_gaps``:
    then the split is used without them.
    """
    out: list[MeterElectricity] = []
    for model in models:
        meters = _meters(model)
        if not meters:
            continue
        first, last = _months(model)
        period = Period(model.reference_period.start, model.reference_period.end)
        out.extend(
            meter_electricity_of(rec, period)
            for rec in meter_electricity_for_period(session, first, last, meters, allow_gaps=allow_gaps)
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
    allow_gaps: bool = False,
) -> list[ComputedFootprint]:
    """Footprints of ``models`` (one factorisation) with electricity from the ledger
    (``allow_gaps`` as in :func:`ledger_electricity`)."""
    with ledger.db.read_session() as s:
        electricity = ledger_electricity(s, models, allow_gaps=allow_gaps)
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
    """Publish each footprint as a ``footprint.publish`` entry by ``actor``, in one atomic batch.

    The models are recorded first (``footprint.model``, those ``actor`` has not recorded yet, one
    batch); each payload is then what the ledger's own re-computation gives from the recorded model,
    the cited run's committed rows and the background (``lca.recompute``), so the ledger accepts it.
    """
    record_models(ledger, [c.model for c in computed], actor, key)
    with ledger.db.read_session() as s:
        active = [f for f in list_footprints(s, actor=actor) if f.superseded_by is None]
        derived = [
            recompute(load_inputs(s, actor, c.model.sha256(), c.attribution_run_seq), lot=lot)
            for c in computed
        ]
    subs, meta = [], []
    for c, base in zip(computed, derived, strict=True):
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
        meta.append((footprint_id, c.model.id, replaced, base.results.market.total))
    placed = ledger.append(subs)
    return [
        PublishedFootprint(fid, p.seq, pid, rep, total)
        for (fid, pid, rep, total), p in zip(meta, placed, strict=True)
    ]


def publish_models(
    ledger: Ledger,
    models: Sequence[ProductModel],
    actor: str,
    key: Ed25519PrivateKey,
    *,
    run_seq: int | None = None,
    lot: str | None = None,
) -> list[PublishedFootprint]:
    """Record ``models`` (those not recorded yet) and publish each one's footprint as the ledger
    re-computes it from the model, the committed rows of run ``run_seq`` (for metered models) and
    the background: the thin path when the caller knows the run (benchmarks, services). No
    supersession: each footprint is new."""
    record_models(ledger, models, actor, key)
    with ledger.db.read_session() as s:
        derived = [
            recompute(load_inputs(s, actor, m.sha256(), run_seq if _meters(m) else None), lot=lot)
            for m in models
        ]
    subs, meta = [], []
    for model, base in zip(models, derived, strict=True):
        footprint_id = str(uuid.uuid4())
        body = {**base.model_dump(mode="json", by_alias=True), "footprint_id": footprint_id, "supersedes": []}
        subs.append(Submission.create("footprint.publish", actor, body, key))
        meta.append((footprint_id, model.id, base.results.market.total))
    placed = ledger.append(subs)
    return [
        PublishedFootprint(fid, p.seq, pid, (), total)
        for (fid, pid, total), p in zip(meta, placed, strict=True)
    ]


def record_models(
    ledger: Ledger, models: Sequence[ProductModel], actor: str, key: Ed25519PrivateKey
) -> dict[str, int]:
    """Record each of ``models`` ``actor`` has not recorded yet as a ``footprint.model`` entry (one
    batch); the seq of every model's entry by its SHA-256."""
    seqs: dict[str, int] = {}
    todo: dict[str, ProductModel] = {}
    with ledger.db.read_session() as s:
        for model in models:
            sha = model.sha256()
            found = find_model(s, actor, sha)
            if found is not None:
                seqs[sha] = found.seq
            else:
                todo.setdefault(sha, model)
    if todo:
        placed = ledger.append([model_submission(m, actor, key) for m in todo.values()])
        seqs.update(zip(todo, (p.seq for p in placed), strict=True))
    return seqs
