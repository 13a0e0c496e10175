"""CBAM records of an enterprise's installation from the ledger: footprints, attribution and its
hourly evidence.

:func:`cbam_records` selects the product models whose meters the enterprise
owns and whose reference period lies in the year, computes their footprints
with the electricity of the recorded attribution runs, reads the hourly
matching evidence of the direct links and green-power trades serving those
meters, and hands plain values to the pure :func:`lca.cbam.rules.cbam_record`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from lca.background import Background, load_background
from lca.calculate import compute_footprints
from lca.cbam.rules import (
    CbamError,
    CbamGoods,
    CbamRecord,
    CbamRules,
    GridDefault,
    cbam_record,
    goods_from_footprint,
    load_cbam_rules,
)
from lca.electricity import MeterElectricity, Period
from lca.model import ProductModel
from ledger import LedgerError, grid_factors, links_serving, require_actor, trades_serving
from ledger.attribution.reports import hourly_matching_evidence, meter_electricity_for_period
from ledger.energy.meters import all_meters
from ledger.energy.parks import get_park

__all__ = ["CbamExport", "cbam_records", "cn_code_of", "grid_default"]

_CN = re.compile(r":(?:cn|hs):(\d{4,10})$")
_TONNES = {"t": Decimal(1), "kg": Decimal("0.001"), "g": Decimal("0.000001")}


@dataclass(frozen=True)
class CbamExport:
    """The records of one enterprise and year, the rules and grid default they used."""

    enterprise: str
    year: int
    records: tuple[CbamRecord, ...]
    rules: CbamRules
    grid: GridDefault
    skipped: tuple[str, ...]


def cn_code_of(model: ProductModel) -> str | None:
    """The CN (or HS) digits of the model's first ``…:cn:NNNN`` / ``…:hs:NNNN`` classification."""
    for c in model.product.classifications:
        m = _CN.search(c)
        if m:
            return m.group(1)
    return None


def grid_default(rules: CbamRules, year: int, configured: Decimal | None) -> GridDefault:
    """The factor for ``grid_default`` electricity: configured, else the rules file's, else China's
    public one."""
    if configured is not None:
        return GridDefault(configured, "configured by the exporter (--grid-factor)", "configured")
    if rules.grid_default_value is not None:
        return GridDefault(
            rules.grid_default_value, "Commission default (cbam_rules.json)", rules.grid_default_status
        )
    # CBAM defaults are per country: China's national average, from the ledger's one factor table
    f = grid_factors("CN", year).location
    assert f.value is not None
    return GridDefault(
        Decimal(str(f.value)),
        f"public national grid factor of China {f.year} for {year} ({f.source}); "
        "Commission default not configured",
        "unverified",
    )


def _meters_of(model: ProductModel) -> list[str]:
    return sorted({s.meter for p in model.processes if p.electricity for s in p.electricity.meters})


def _months(period: Period) -> tuple[str, str]:
    last = period.end - dt.timedelta(days=1)
    return f"{period.start:%Y-%m}", f"{last:%Y-%m}"


def _evidence(session: Session, run_seqs: set[int], meters: set[str]) -> dict[str, str]:
    """Hourly-matching evidence text for direct links and trades serving ``meters``."""
    out: dict[str, list[str]] = {"direct_technical_link": [], "ppa": []}
    links, trades = links_serving(session, meters), trades_serving(session, meters)
    for seq in sorted(run_seqs):
        for kind, ids in (("direct_technical_link", links), ("ppa", trades)):
            for rid in ids:
                try:
                    ev = (
                        hourly_matching_evidence(session, seq, link=rid)
                        if kind == "direct_technical_link"
                        else hourly_matching_evidence(session, seq, contract=rid)
                    )
                except LedgerError:  # the run did not compute this link or trade
                    continue
                hours = int((ev["delivered_wh"] > 0).sum())
                gaps = int(ev["generation_gap"].sum() + ev["consumption_gap"].sum())
                out[kind].append(
                    f"{rid}: attribution run {seq}, {int(ev['matched_wh'].sum()) / 1e6:,.3f} MWh "
                    f"delivered within metered production in {hours} hours"
                    + (f", {gaps} gap hours" if gaps else "")
                )
    return {k: "; ".join(v) for k, v in out.items() if v}


def cbam_records(
    session: Session,
    enterprise: str,
    year: int,
    models: Sequence[ProductModel],
    *,
    cn: str | None = None,
    grid_factor: Decimal | None = None,
    rules: CbamRules | None = None,
    background: Background | None = None,
    data_dir: Path | None = None,
) -> CbamExport:
    """CBAM records of ``enterprise`` for ``year`` from ``models`` (those whose meters it owns).

    A model is used when all its metered processes name meters the enterprise
    owns, its reference period starts in ``year`` and its CN code starts with
    ``cn`` (when given). Preconditions: the enterprise is registered; each
    used model's meters are covered by a recorded attribution run over whole
    months of its reference period (``attribution.no_run`` otherwise).
    ``CbamError`` ``cbam.nothing`` when no model qualifies.
    """
    actor = require_actor(session, enterprise)
    rules = rules or load_cbam_rules()
    background = background or load_background()
    meters = all_meters(session)
    chosen: list[tuple[ProductModel, str]] = []
    skipped: list[str] = []
    for model in models:
        ids = _meters_of(model)
        code = cn_code_of(model)
        if not ids or any(m not in meters or meters[m].owner != enterprise for m in ids):
            skipped.append(f"{model.id}: its meters are not all {enterprise}'s")
        elif model.reference_period.start.year != year:
            skipped.append(f"{model.id}: reference period starts in {model.reference_period.start.year}")
        elif code is None:
            skipped.append(f"{model.id}: no CN/HS classification")
        elif cn is not None and not code.startswith(cn) and not cn.startswith(code):
            skipped.append(f"{model.id}: CN {code} is not {cn}")
        else:
            chosen.append((model, cn if cn is not None and cn.startswith(code) else code))
    if not chosen:
        raise CbamError(
            f"no product model of {enterprise} for {year}"
            + (f" and CN {cn}" if cn else "")
            + (f" ({'; '.join(skipped)})" if skipped else "")
            + f"; give models whose meters are {enterprise}'s and whose reference period starts in {year} "
            "(--model FILE, or the models in DATA_DIR/models)",
            code="cbam.nothing",
        )
    electricity: list[MeterElectricity] = []
    runs: dict[str, set[int]] = {}
    for model, _code in chosen:
        period = Period(model.reference_period.start, model.reference_period.end)
        first, last = _months(period)
        for rec in meter_electricity_for_period(session, first, last, _meters_of(model)):
            electricity.append(
                MeterElectricity(
                    rec.meter_id,
                    period,
                    dict(rec.direct_wh),
                    dict(rec.direct_claimable_wh),
                    dict(rec.contracted_wh),
                    dict(rec.certificate_wh),
                    rec.grid_wh,
                    rec.attribution_seq,
                )
            )
            runs.setdefault(model.id, set()).add(rec.attribution_seq)
    # The same meter and period may serve two models: keep one record of it.
    unique = {(e.meter_id, e.period): e for e in electricity}
    results = compute_footprints(
        [m for m, _c in chosen], unique.values(), data_dir, background=background, persist=False
    )
    grid = grid_default(rules, year, grid_factor)
    records: list[CbamRecord] = []
    for (model, code), result in zip(chosen, results, strict=True):
        ref = model.process(model.reference_process)
        if ref.electricity is None or ref.output.unit not in _TONNES:
            raise CbamError(
                f"{model.id}: the reference process needs metered output over the period in t, kg or g",
                code="cbam.no_mass",
                model=model.id,
            )
        mass = Decimal(repr(ref.electricity.output_over_period)) * _TONNES[ref.output.unit]
        ids = _meters_of(model)
        evidence = _evidence(session, runs.get(model.id, set()), set(ids))
        direct_t, sources = goods_from_footprint(result, background, net_mass_t=mass, evidence=evidence)
        parks = sorted({meters[m].park_id for m in ids})
        names = [p.name for p in (get_park(session, pid) for pid in parks) if p is not None]
        goods = CbamGoods(
            installation_id=f"{'+'.join(parks)}/{enterprise}",
            installation_name=f"{actor.name}, {', '.join(names)}",
            operator_id=actor.uscc or enterprise,
            operator_name=actor.name,
            country="CN",
            cn_code=code,
            product=model.product.name,
            period_start=model.reference_period.start.isoformat(),
            period_end=model.reference_period.end.isoformat(),
            production_route=rules.rule(code, year).route,
            net_mass_t=mass,
            direct_t=direct_t,
            electricity=sources,
            notes=(
                f"model {model.id} sha256 {result.model_sha256[:12]}",
                f"attribution runs {', '.join(str(s) for s in sorted(runs.get(model.id, set())))}",
                f"consumption meters {', '.join(ids)}",
            ),
        )
        records.append(cbam_record(goods, year, rules, grid))
    return CbamExport(enterprise, year, tuple(records), rules, grid, tuple(skipped))
