"""Footprint results and their assembly (pure).

:func:`assemble_footprint` turns one product's plan, its supply vector and the
unit cradle-to-gate scores of the activities it draws on into a frozen
:class:`FootprintResult`. It is arithmetic over plain values, so it is tested
without Brightway; :mod:`lca.calculate` supplies the numbers from one
factorisation.

Every score is a :class:`Ghg`: ``total`` (kg CO2e, AR6 GWP100) = ``fossil`` +
``biogenic`` (non-CO2 biogenic gases such as non-fossil CH4) + ``land_use``;
``biogenic_co2`` is kg of biogenic CO2 emitted, reported apart and not in the
total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lca.background import GridChoice
from lca.gases import GASES
from lca.system import LinkKind, ProductPlan
from ledger import claimable_share


@dataclass(frozen=True, slots=True)
class Ghg:
    """Greenhouse-gas scores, kg CO2e (``biogenic_co2``: kg CO2, not in ``total``)."""

    total: float = 0.0
    fossil: float = 0.0
    biogenic: float = 0.0
    land_use: float = 0.0
    biogenic_co2: float = 0.0

    def __add__(self, other: Ghg) -> Ghg:
        return Ghg(
            self.total + other.total,
            self.fossil + other.fossil,
            self.biogenic + other.biogenic,
            self.land_use + other.land_use,
            self.biogenic_co2 + other.biogenic_co2,
        )

    def __sub__(self, other: Ghg) -> Ghg:
        return self + other.scaled(-1.0)

    def scaled(self, k: float) -> Ghg:
        return Ghg(
            self.total * k,
            self.fossil * k,
            self.biogenic * k,
            self.land_use * k,
            self.biogenic_co2 * k,
        )

    @staticmethod
    def sum(items: Iterable[Ghg]) -> Ghg:
        out = Ghg()
        for g in items:
            out = out + g
        return out


CATEGORIES = ("total", "fossil", "biogenic", "land_use", "biogenic_co2")


def gas_scores() -> dict[str, Ghg]:
    """Scores of one kg of each gas (the AR6 characterisation split by origin)."""
    out: dict[str, Ghg] = {}
    for g in GASES:
        counted = g.gwp100 if g.in_total else 0.0
        out[g.code] = Ghg(
            total=counted,
            fossil=counted if g.origin == "fossil" else 0.0,
            biogenic=counted if g.origin == "biogenic" else 0.0,
            land_use=counted if g.origin == "land_use" else 0.0,
            biogenic_co2=1.0 if g.code == "co2_biogenic" else 0.0,
        )
    return out


@dataclass(frozen=True, slots=True)
class StageResult:
    stage: str
    market: Ghg
    location: Ghg


@dataclass(frozen=True, slots=True)
class ProcessResult:
    process_id: str
    stage: str
    market: Ghg


@dataclass(frozen=True, slots=True)
class InputResult:
    """Contribution of one input, emission or electricity use of one process."""

    process_id: str
    stage: str
    label: str
    kind: LinkKind
    target: str
    amount_per_declared_unit: float
    market: Ghg


@dataclass(frozen=True, slots=True)
class ElectricitySummary:
    """Metered electricity per declared unit, kWh, split as the ledger attributed it."""

    total_kwh: float = 0.0
    claimable_green_kwh: float = 0.0
    direct_physical_kwh: float = 0.0
    direct_claimable_kwh: float = 0.0
    contracted_kwh: float = 0.0
    certificate_kwh: float = 0.0
    grid_kwh: float = 0.0
    market: Ghg = Ghg()
    location: Ghg = Ghg()

    @property
    def claimable_green_share(self) -> float:
        """Claimable share (``ledger.claimable_share``); 0 without electricity."""
        share = claimable_share(self.claimable_green_kwh, self.total_kwh)
        return 0.0 if share is None else share

    @property
    def market_kg_co2e_per_kwh(self) -> float:
        return self.market.total / self.total_kwh if self.total_kwh else 0.0


@dataclass(frozen=True, slots=True)
class FootprintResult:
    """The footprint of one product per declared unit, with its breakdown."""

    product_id: str
    product_name: str
    declared_unit: str
    declared_unit_amount: float
    mass_per_declared_unit_kg: float
    period_start: dt.date
    period_end: dt.date
    geography: str
    model_sha256: str
    background_version: str
    market: Ghg
    location: Ghg
    by_stage: tuple[StageResult, ...]
    by_process: tuple[ProcessResult, ...]
    by_input: tuple[InputResult, ...]
    electricity: ElectricitySummary
    primary_data_share: float
    factors_used: tuple[str, ...]
    unverified_factors: tuple[str, ...]
    attribution_seqs: tuple[int, ...]
    grid: GridChoice | None = None  # the grid factors of the metered electricity (region, years used)

    @property
    def total_kg_co2e(self) -> float:
        """Market-based total per declared unit (the headline figure)."""
        return self.market.total

    @property
    def fossil_kg_co2e(self) -> float:
        return self.market.fossil

    @property
    def biogenic_kg_co2e(self) -> float:
        return self.market.biogenic


def assemble_footprint(
    plan: ProductPlan,
    supply: Mapping[str, float],
    unit_scores: Mapping[str, Ghg],
    background_version: str,
) -> FootprintResult:
    """Assemble one product's footprint per declared unit.

    ``supply`` maps the plan's process codes to their supply for one declared
    unit; ``unit_scores`` maps every link target (background, supplier and
    electricity-mix activities, and the location grid activities) to its
    cradle-to-gate score per unit. Preconditions (KeyError naming the code):
    every code is present.
    """
    per_gas = gas_scores()
    inputs: list[InputResult] = []
    for link in plan.links:
        s = supply[link.process_code]
        unit = per_gas[link.target] if link.kind == "emission" else unit_scores[link.target]
        inputs.append(
            InputResult(
                process_id=link.process_id,
                stage=link.stage,
                label=link.label,
                kind=link.kind,
                target=link.target,
                amount_per_declared_unit=s * link.amount,
                market=unit.scaled(s * link.amount),
            )
        )
    market = Ghg.sum(i.market for i in inputs)

    stages: list[str] = []
    for p in plan.model.processes:
        if p.stage not in stages:
            stages.append(p.stage)
    stage_market = {st: Ghg.sum(i.market for i in inputs if i.stage == st) for st in stages}
    stage_location = dict(stage_market)

    elec = ElectricitySummary()
    for use in plan.electricity:
        kwh = supply[use.process_code] * use.kwh_per_unit
        sp = use.split
        frac = kwh / sp.total_kwh if sp.total_kwh else 0.0
        mkt = unit_scores[use.mix_code].scaled(kwh)
        loc = unit_scores[use.location_code].scaled(kwh)
        stage_location[use.stage] = stage_location[use.stage] + loc - mkt
        elec = ElectricitySummary(
            total_kwh=elec.total_kwh + kwh,
            claimable_green_kwh=elec.claimable_green_kwh + frac * sum(sp.claimable_kwh.values()),
            direct_physical_kwh=elec.direct_physical_kwh + frac * sp.direct_physical_kwh,
            direct_claimable_kwh=elec.direct_claimable_kwh + frac * sp.direct_claimable_kwh,
            contracted_kwh=elec.contracted_kwh + frac * sp.contracted_kwh,
            certificate_kwh=elec.certificate_kwh + frac * sp.certificate_kwh,
            grid_kwh=elec.grid_kwh + frac * sp.grid_kwh,
            market=elec.market + mkt,
            location=elec.location + loc,
        )
    location = market - elec.market + elec.location

    processes = tuple(
        ProcessResult(
            p.id,
            p.stage,
            Ghg.sum(i.market for i in inputs if i.process_id == p.id),
        )
        for p in plan.model.processes
    )
    primary = sum(i.market.total * link.primary_weight for i, link in zip(inputs, plan.links, strict=True))
    pds = 100.0 * primary / market.total if market.total > 0 else 0.0

    m = plan.model
    geo = m.geography.subdivision or m.geography.country
    return FootprintResult(
        product_id=m.id,
        product_name=m.product.name,
        declared_unit=m.product.declared_unit.unit,
        declared_unit_amount=m.product.declared_unit.amount,
        mass_per_declared_unit_kg=m.product.mass_per_declared_unit_kg,
        period_start=m.reference_period.start,
        period_end=m.reference_period.end,
        geography=geo,
        model_sha256=plan.model_sha256,
        background_version=background_version,
        market=market,
        location=location,
        by_stage=tuple(StageResult(st, stage_market[st], stage_location[st]) for st in stages),
        by_process=processes,
        by_input=tuple(inputs),
        electricity=elec,
        primary_data_share=pds,
        factors_used=plan.factors_used,
        unverified_factors=plan.unverified_factors,
        attribution_seqs=plan.attribution_seqs,
        grid=plan.grid,
    )


def format_contribution_table(result: FootprintResult, *, top: int = 12) -> str:
    """A readable plain-text contribution table (kg CO2e per declared unit)."""
    r = result
    unit = f"{r.declared_unit_amount:g} {r.declared_unit}"
    lines = [
        f"{r.product_name} [{r.product_id}] per {unit}, "
        f"{r.period_start.isoformat()} to {r.period_end.isoformat()} (end excluded), {r.geography}",
        f"  market-based   {r.market.total:14,.3f} kg CO2e  (fossil {r.market.fossil:,.3f}, "
        f"biogenic {r.market.biogenic:,.3f}, land use {r.market.land_use:,.3f})",
        f"  location-based {r.location.total:14,.3f} kg CO2e",
        f"  biogenic CO2 (not in total) {r.market.biogenic_co2:,.3f} kg; "
        f"primary data share {r.primary_data_share:.1f} %",
    ]
    e = r.electricity
    if e.total_kwh:
        lines.append(
            f"  electricity {e.total_kwh:,.1f} kWh: claimable green {100 * e.claimable_green_share:.1f} %"
            f", market {e.market.total:,.3f} / location {e.location.total:,.3f} kg CO2e"
        )
    if r.grid is not None:
        lines.append(f"  {r.grid.describe()}")
        lines.extend(f"    note: {n}" for n in r.grid.notes)
    lines.append("")
    lines.append(f"  {'stage':<28}{'market':>14}{'location':>14}{'share':>8}")
    total = r.market.total or 1.0
    for s in r.by_stage:
        lines.append(
            f"  {s.stage[:27]:<28}{s.market.total:>14,.3f}{s.location.total:>14,.3f}"
            f"{100 * s.market.total / total:>7.1f}%"
        )
    lines.append("")
    lines.append(f"  {'process / input':<42}{'kg CO2e':>14}{'share':>8}")
    ranked = sorted(r.by_input, key=lambda i: -abs(i.market.total))
    for i in ranked[:top]:
        name = f"{i.process_id} / {i.label}"
        lines.append(f"  {name[:41]:<42}{i.market.total:>14,.3f}{100 * i.market.total / total:>7.1f}%")
    if len(ranked) > top:
        rest = Ghg.sum(i.market for i in ranked[top:])
        lines.append(f"  {'(others)':<42}{rest.total:>14,.3f}{100 * rest.total / total:>7.1f}%")
    if r.unverified_factors:
        lines.append("")
        lines.append("  unverified background factors: " + ", ".join(r.unverified_factors))
    return "\n".join(lines)
