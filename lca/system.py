"""Compile product models into one linear system (pure).

A period's models become one foreground: an activity per process, per
supplier footprint (a cradle-to-gate activity) and per metered-electricity mix
(one kWh split, market-based, into technology and grid electricity by the
ledger's attribution). The foreground links into the shared background
activities (one per background factor). Nothing here touches Brightway; the
shell in :mod:`lca.calculate` writes these plain values into it.

Besides the exchanges, every product gets a :class:`ProductPlan`: the links
(external inputs, electricity, emissions) that the contribution analysis sums,
so the assembly in :mod:`lca.footprint` is arithmetic over frozen values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from lca.background import Background, Factor, GridChoice
from lca.electricity import ElectricitySplit, MeterElectricity, Period, split_electricity
from lca.errors import InvalidModel, UnknownMaterial
from lca.model import Input, Process, ProductModel
from lca.units import PACT_UNITS, conversion_factor

BACKGROUND_PREFIX = "bg:"

LinkKind = Literal["input", "supplier", "electricity", "emission"]


@dataclass(frozen=True, slots=True)
class ActivitySpec:
    """One activity (column) of the system; it produces one ``unit``."""

    code: str
    name: str
    unit: str
    kind: Literal["background", "process", "supplier", "electricity_mix"]


@dataclass(frozen=True, slots=True)
class TechExchange:
    """``consumer`` uses ``amount`` units of ``supplier``'s product per unit of output."""

    consumer: str
    supplier: str
    amount: float


@dataclass(frozen=True, slots=True)
class BioExchange:
    """``activity`` emits ``amount`` kg of ``gas`` per unit of output."""

    activity: str
    gas: str
    amount: float


@dataclass(frozen=True, slots=True)
class Link:
    """One term of a product's contribution analysis.

    Contribution = supply[process] × amount × unit score of ``target``
    (an activity code; or a gas code when ``kind`` is ``emission``).
    ``primary_weight`` is the share of the term that counts as primary data.
    """

    process_code: str
    process_id: str
    stage: str
    label: str
    kind: LinkKind
    target: str
    amount: float
    primary_weight: float


@dataclass(frozen=True, slots=True)
class ElectricityUse:
    """Metered electricity of one process, per unit of that process's output."""

    process_code: str
    process_id: str
    stage: str
    mix_code: str
    location_code: str
    market_unclaimed_code: str
    kwh_per_unit: float
    split: ElectricitySplit
    output_over_period: float


@dataclass(frozen=True, slots=True)
class ProductPlan:
    """What the assembly needs to know about one product model."""

    model: ProductModel
    model_sha256: str
    reference_code: str
    demand: float
    process_codes: tuple[str, ...]
    links: tuple[Link, ...]
    electricity: tuple[ElectricityUse, ...]
    factors_used: tuple[str, ...]
    unverified_factors: tuple[str, ...]
    attribution_seqs: tuple[int, ...]
    grid: GridChoice | None = None


@dataclass(frozen=True, slots=True)
class ForegroundSystem:
    activities: tuple[ActivitySpec, ...]
    technosphere: tuple[TechExchange, ...]
    biosphere: tuple[BioExchange, ...]
    plans: tuple[ProductPlan, ...]


@dataclass(frozen=True, slots=True)
class BackgroundSystem:
    activities: tuple[ActivitySpec, ...]
    biosphere: tuple[BioExchange, ...]


def background_code(key: str) -> str:
    return BACKGROUND_PREFIX + key


def background_system(background: Background) -> BackgroundSystem:
    """One activity per background factor that has a number (``missing`` ones are left out)."""
    acts: list[ActivitySpec] = []
    bio: list[BioExchange] = []
    for f in background.factors.values():
        if f.status == "missing":
            continue
        code = background_code(f.key)
        acts.append(ActivitySpec(code, f.name, f.unit, "background"))
        bio.extend(BioExchange(code, g, a) for g, a in sorted(f.emissions.items()) if a)
    return BackgroundSystem(tuple(acts), tuple(bio))


def model_period(model: ProductModel) -> Period:
    return Period(model.reference_period.start, model.reference_period.end)


def _allocation_factor(process: Process) -> float:
    """Share of the process burdens borne by its main output (1 without co-products)."""
    alloc = process.allocation
    if alloc is None:
        return 1.0
    out = process.output
    if alloc.method == "mass":
        main = out.amount * conversion_factor(out.unit, "kg")
        others = sum(c.amount * conversion_factor(c.unit, "kg") for c in alloc.co_products)
    else:
        main = out.amount * (alloc.main_price_per_unit or 0.0)
        others = sum(c.amount * (c.price_per_unit or 0.0) for c in alloc.co_products)
    if main + others <= 0:
        raise InvalidModel(
            f"process {process.id!r}: allocation keys sum to {main + others}", process=process.id
        )
    return main / (main + others)


def _factor(background: Background, key: str, model_id: str, where: str) -> Factor:
    try:
        return background.factor(key)
    except UnknownMaterial as e:
        raise UnknownMaterial(
            f"model {model_id!r}, {where}: {e.message}",
            code=e.code,
            model_id=model_id,
            key=key,
            background_version=background.version,
        ) from None


def grid_choice(model: ProductModel, background: Background) -> GridChoice:
    """The grid factors of ``model``'s metered electricity: its grid region, its period's year.

    The ledger's rule picks the factors (``Background.grid_factors``). A period spanning
    several years is fine while every year picks the same factors; otherwise InvalidModel
    (``lca.period_spans_factor_years``): split the period, as each year has its own factor.
    """
    period = model.reference_period
    last = period.end - dt.timedelta(days=1)
    choices = [background.grid_factors(model.grid_region, y) for y in range(period.start.year, last.year + 1)]
    first = choices[0]
    for other in choices[1:]:
        if (other.location.key, other.market_unclaimed.key) != (
            first.location.key,
            first.market_unclaimed.key,
        ):
            raise InvalidModel(
                f"model {model.id!r}: its period [{period.start}, {period.end}) spans {first.year} and "
                f"{other.year}, whose grid factors differ ({first.location.key} / {other.location.key}); "
                "split the period by year",
                code="lca.period_spans_factor_years",
                model_id=model.id,
            )
    return first


def _supplier_activity(
    model: ProductModel, process: Process, inp: Input
) -> tuple[ActivitySpec, list[BioExchange], float]:
    """A cradle-to-gate activity for a supplier footprint, per unit of ``inp.unit``."""
    sup = inp.supplier
    assert sup is not None
    code = f"{model.id}/{process.id}/supplier/{inp.id}"
    if sup.pact is not None:
        p = sup.pact
        per = conversion_factor(inp.unit, PACT_UNITS[p.declared_unit_of_measurement]) / (
            p.declared_unit_amount
        )
        fossil = p.fossil_ghg_emissions
        land = p.land_use_change_ghg_emissions
        rest = p.pcf_excluding_biogenic_uptake - fossil - land
        tol = 1e-9 * max(1.0, abs(p.pcf_excluding_biogenic_uptake))
        if rest < -tol:
            raise InvalidModel(
                f"model {model.id!r}, input {inp.id!r}: PACT pcfExcludingBiogenicUptake "
                f"{p.pcf_excluding_biogenic_uptake} is below fossil {fossil} + land use {land}",
                model_id=model.id,
            )
        biogenic = max(rest, 0.0)
        pds = p.primary_data_share / 100.0
        name = f"Supplier footprint (PACT {p.product_footprint_id or 'n/a'}) for {inp.id}"
    else:
        c = sup.certificate
        assert c is not None
        per = conversion_factor(inp.unit, c.unit) / c.amount
        fossil, biogenic, land = c.fossil_kg_co2e, c.biogenic_kg_co2e, c.land_use_kg_co2e
        pds = c.primary_data_share / 100.0
        name = f"Supplier footprint (Tanji certificate {c.certificate_id}) for {inp.id}"
    bio = [
        BioExchange(code, g, a * per)
        for g, a in (
            ("ghg_co2e_fossil", fossil),
            ("ghg_co2e_biogenic", biogenic),
            ("ghg_co2e_land_use", land),
        )
        if a
    ]
    return ActivitySpec(code, name, inp.unit, "supplier"), bio, pds


def compile_system(
    models: Iterable[ProductModel],
    attribution: Mapping[tuple[str, Period], MeterElectricity],
    background: Background,
) -> ForegroundSystem:
    """Translate ``models`` into one foreground system and a plan per product.

    Preconditions: model ids are unique (InvalidModel); every background key
    exists and has a value (UnknownMaterial); every meter has an attribution for
    its model's period (MissingAttribution).
    """
    acts: list[ActivitySpec] = []
    tech: list[TechExchange] = []
    bio: list[BioExchange] = []
    plans: list[ProductPlan] = []
    seen: set[str] = set()
    for model in models:
        if model.id in seen:
            raise InvalidModel(f"model id {model.id!r} given twice", model_id=model.id)
        seen.add(model.id)
        plans.append(_compile_model(model, attribution, background, acts, tech, bio))
    return ForegroundSystem(tuple(acts), tuple(tech), tuple(bio), tuple(plans))


def _compile_model(
    model: ProductModel,
    attribution: Mapping[tuple[str, Period], MeterElectricity],
    background: Background,
    acts: list[ActivitySpec],
    tech: list[TechExchange],
    bio: list[BioExchange],
) -> ProductPlan:
    links: list[Link] = []
    elec: list[ElectricityUse] = []
    used: set[str] = set()
    seqs: set[int] = set()
    by_id = {p.id: p for p in model.processes}
    codes = {p.id: f"{model.id}/{p.id}" for p in model.processes}
    period = model_period(model)
    grid: GridChoice | None = None
    if any(p.electricity is not None for p in model.processes):
        try:
            grid = grid_choice(model, background)
        except UnknownMaterial as e:
            raise UnknownMaterial(
                f"model {model.id!r}, electricity: {e.message}", code=e.code, model_id=model.id, **e.details
            ) from None
    for p in model.processes:
        code = codes[p.id]
        acts.append(ActivitySpec(code, f"{p.name} ({model.id})", p.output.unit, "process"))
        alpha = _allocation_factor(p)
        for inp in p.inputs:
            where = f"process {p.id!r} input {inp.id!r}"
            if inp.process is not None:
                q = by_id[inp.process]
                amount = alpha * inp.amount * conversion_factor(inp.unit, q.output.unit)
                tech.append(TechExchange(code, codes[q.id], amount))
            elif inp.background is not None:
                f = _factor(background, inp.background, model.id, where)
                used.add(f.key)
                try:
                    conv = conversion_factor(inp.unit, f.unit)
                except InvalidModel as e:
                    raise InvalidModel(
                        f"model {model.id!r}, {where}: unit {inp.unit!r} does not convert "
                        f"to the unit {f.unit!r} of factor {f.key!r}",
                        code=e.code,
                        model_id=model.id,
                    ) from None
                amount = alpha * inp.amount * conv
                target = background_code(f.key)
                tech.append(TechExchange(code, target, amount))
                links.append(Link(code, p.id, p.stage, inp.id, "input", target, amount, 0.0))
            else:
                spec, sbio, pds = _supplier_activity(model, p, inp)
                acts.append(spec)
                bio.extend(sbio)
                amount = alpha * inp.amount
                tech.append(TechExchange(code, spec.code, amount))
                links.append(Link(code, p.id, p.stage, inp.id, "supplier", spec.code, amount, pds))
        for em in p.emissions:
            amount = alpha * em.amount
            bio.append(BioExchange(code, em.gas, amount))
            label = f"{em.gas} (direct)"
            weight = 1.0 if em.primary else 0.0
            links.append(Link(code, p.id, p.stage, label, "emission", em.gas, amount, weight))
        if p.electricity is not None:
            assert grid is not None  # chosen above for any metered process
            loc, mkt = grid.location, grid.market_unclaimed
            used.update((loc.key, mkt.key))
            split = split_electricity(
                ((m.meter, m.share) for m in p.electricity.meters),
                period,
                attribution,
                model_id=model.id,
            )
            seqs.update(split.attribution_seqs)
            mix = f"{model.id}/{p.id}/electricity"
            acts.append(
                ActivitySpec(mix, f"Metered electricity of {p.id} ({model.id})", "kWh", "electricity_mix")
            )
            if split.total_kwh > 0:
                for techname, kwh in split.claimable_kwh.items():
                    tf = background.technology_factor(techname)
                    used.add(tf.key)
                    tech.append(TechExchange(mix, background_code(tf.key), kwh / split.total_kwh))
                if split.unclaimed_kwh > 0:
                    tech.append(
                        TechExchange(mix, background_code(mkt.key), split.unclaimed_kwh / split.total_kwh)
                    )
            kwh_per_unit = alpha * split.total_kwh / p.electricity.output_over_period
            tech.append(TechExchange(code, mix, kwh_per_unit))
            links.append(
                Link(
                    code,
                    p.id,
                    p.stage,
                    "electricity (metered)",
                    "electricity",
                    mix,
                    kwh_per_unit,
                    0.0,
                )
            )
            elec.append(
                ElectricityUse(
                    process_code=code,
                    process_id=p.id,
                    stage=p.stage,
                    mix_code=mix,
                    location_code=background_code(loc.key),
                    market_unclaimed_code=background_code(mkt.key),
                    kwh_per_unit=kwh_per_unit,
                    split=split,
                    output_over_period=p.electricity.output_over_period,
                )
            )
    ref = by_id[model.reference_process]
    du = model.product.declared_unit
    try:
        out_in_du_unit = conversion_factor(ref.output.unit, PACT_UNITS[du.unit])
    except InvalidModel:
        raise InvalidModel(
            f"model {model.id!r}: reference output unit {ref.output.unit!r} does not convert "
            f"to the declared unit {du.unit!r}",
            code="lca.unit_mismatch",
            model_id=model.id,
        ) from None
    # one unit of reference output is out_in_du_unit / du.amount declared units
    demand = du.amount / out_in_du_unit
    # derived grid factors (Tanji's residual method) are not official figures either
    unverified = sorted(k for k in used if background.factors[k].status in ("unverified", "derived"))
    return ProductPlan(
        model=model,
        model_sha256=model.sha256(),
        reference_code=codes[ref.id],
        demand=demand,
        process_codes=tuple(codes[p.id] for p in model.processes),
        links=tuple(links),
        electricity=tuple(elec),
        factors_used=tuple(sorted(used)),
        unverified_factors=tuple(unverified),
        attribution_seqs=tuple(sorted(seqs)),
        grid=grid,
    )
