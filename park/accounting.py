"""Zero-carbon park accounting: energy in tce, emissions in t CO2, and the indicators.

Pure functions over frozen values (no database): ``account_park`` sums a
park's records and electricity into a :class:`ParkAccount`; ``evaluate`` turns
an account and the records into indicator results against the thresholds of
``park_indicators.json`` (read through :mod:`park.coefficients`).

Method (the quantities of 发改环资〔2025〕910号's core indicator, as modelled here):

- comprehensive energy consumption (综合能耗, tce) = Σ fuels × standard-coal
  coefficient (GB/T 2589-2020) + electricity consumed × the **equivalent
  value** (等价值, the year's national average coal consumption of thermal
  power supply) + net purchased heat × 0.03412 tce/GJ. Energy sold out of the
  boundary (heat) is deducted; electricity from a captive fossil plant inside
  the boundary is not counted again (its fuel is);
- emissions are **CO2 only**: the park accounting method (零碳园区碳排放核算方法,
  969号 annex 4) says 碳排放 there is carbon dioxide, not the other greenhouse
  gases. Emissions = fossil fuel combustion (NCV × carbon content × oxidation ×
  44/12) + process CO2 + net purchased electricity without a green claim
  × the grid factor + net purchased non-renewable heat × the heat factor,
  less CCUS storage (and carbon sinks, if the data file says so). Claimable
  green electricity (直连 with its GEC retired, 绿电交易, retired GEC) counts
  zero; physical direct-supply energy whose GEC went elsewhere gets the grid
  factor (from the ledger's one factor table, ``ledger.grid_factors``);
- process emissions of other gases (PFCs from anode effects, SF6, N2O …) are
  summed apart, in t CO2e by gas (``non_co2_t``, ``non_co2_by_gas``), and
  reported beside the indicator, never in it;
- 单位能耗碳排放 = net CO2 emissions ÷ comprehensive energy consumption (tCO2/tce).

All sums are exact ``Decimal`` (Wh are integers); rounding happens only when a
report is formatted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from park.coefficients import Coefficient, ParkData
from park.records import (
    CarbonSink,
    Ccus,
    FuelUse,
    Heat,
    ProcessEmission,
    ProductEnergy,
    ResourceUse,
    StoredRecord,
)

Verdict = Literal["pass", "fail", "no_data", "no_threshold"]
PARK_LEVEL = ""  # the enterprise key of park-level records and electricity
_MILLION = Decimal(1_000_000)
_ZERO = Decimal(0)


@dataclass(frozen=True)
class ElectricityYear:
    """A year's electricity of an enterprise (or the park), split as attribution splits it, in Wh.

    ``direct + contracted + certificate + grid == consumption`` (the attribution
    identity); ``claimable_direct <= direct``; ``captive_fossil`` is the part of
    ``grid`` supplied by a fossil plant inside the boundary whose fuel is in
    ``park.fuel_use`` (so neither its energy nor its CO2 is counted twice).
    ``source`` says where the figures come from (attribution run, readings …).
    """

    consumption_wh: int
    direct_wh: int = 0
    claimable_direct_wh: int = 0
    contracted_wh: int = 0
    certificate_wh: int = 0
    grid_wh: int = 0
    captive_fossil_wh: int = 0
    source: str = ""

    def __post_init__(self) -> None:
        for name in (
            "consumption_wh",
            "direct_wh",
            "claimable_direct_wh",
            "contracted_wh",
            "certificate_wh",
            "grid_wh",
            "captive_fossil_wh",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer of Wh, not {value!r}")
        parts = self.direct_wh + self.contracted_wh + self.certificate_wh + self.grid_wh
        if parts != self.consumption_wh:
            raise ValueError(
                f"direct + contracted + certificate + grid = {parts} Wh, "
                f"not the consumption {self.consumption_wh} Wh"
            )
        if self.claimable_direct_wh > self.direct_wh:
            raise ValueError(
                f"claimable direct {self.claimable_direct_wh} Wh exceeds direct {self.direct_wh} Wh"
            )
        if self.captive_fossil_wh > self.grid_wh:
            raise ValueError(f"captive fossil {self.captive_fossil_wh} Wh exceeds grid {self.grid_wh} Wh")

    @property
    def claimable_green_wh(self) -> int:
        """Green electricity whose attributes the consumer holds: counts zero and as clean energy."""
        return self.claimable_direct_wh + self.contracted_wh + self.certificate_wh

    @property
    def counted_wh(self) -> int:
        """Electricity counted in energy consumption (captive fossil output is counted as its fuel)."""
        return self.consumption_wh - self.captive_fossil_wh

    @property
    def unclaimed_wh(self) -> int:
        """Electricity that gets the grid factor: grid (less captive fossil) plus unclaimable direct."""
        return self.grid_wh - self.captive_fossil_wh + self.direct_wh - self.claimable_direct_wh

    def __add__(self, other: ElectricityYear) -> ElectricityYear:
        sources = " + ".join(s for s in dict.fromkeys((self.source, other.source)) if s)
        return ElectricityYear(
            self.consumption_wh + other.consumption_wh,
            self.direct_wh + other.direct_wh,
            self.claimable_direct_wh + other.claimable_direct_wh,
            self.contracted_wh + other.contracted_wh,
            self.certificate_wh + other.certificate_wh,
            self.grid_wh + other.grid_wh,
            self.captive_fossil_wh + other.captive_fossil_wh,
            sources,
        )


ZERO_ELECTRICITY = ElectricityYear(0)


@dataclass(frozen=True)
class GridFactor:
    """The emission factor of unclaimed electricity (kgCO2/kWh = tCO2/MWh) and where it comes from.

    ``year`` is the factor's own year; ``for_year`` the accounting year it stands for (the
    latest published year when that year's is not out); ``notes`` the table's notes.
    """

    value: Decimal
    region: str
    year: int
    kind: str
    source: str
    status: str
    note: str = ""
    for_year: int | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Share:
    """Energy (tce) and emissions (t CO2) of one enterprise ('' for park-level records).

    Emissions are CO2 before CCUS and sink deductions (those are park-level);
    purchased heat is charged to the buyers before the park nets sales.
    """

    enterprise: str
    energy_tce: Decimal
    emissions_t: Decimal
    non_co2_t: Decimal = _ZERO  # t CO2e of other gases, beside ``emissions_t`` (CO2), not in it


@dataclass(frozen=True)
class ParkAccount:
    """A park's year in tce and t CO2 (exact). Build with :func:`account_park`.

    Every ``*_t`` is CO2 only, except ``non_co2_t`` / ``non_co2_by_gas``: the t CO2e of
    the other gases' process emissions, reported beside the indicator (969号 annex 4).
    """

    year: int
    fuel_tce: Decimal
    electricity_tce: Decimal
    electricity_tce_calorific: Decimal
    heat_tce: Decimal
    clean_tce: Decimal
    fuel_t: Decimal
    process_t: Decimal
    electricity_t: Decimal
    heat_t: Decimal
    ccus_stored_t: Decimal
    sinks_t: Decimal
    deducted_t: Decimal
    electricity: ElectricityYear | None
    electricity_coefficient: Coefficient
    grid_factor: GridFactor | None
    by_enterprise: tuple[Share, ...]
    fuel_tce_by_type: tuple[tuple[str, Decimal], ...]
    coefficients_used: tuple[Coefficient, ...] = field(default=())
    non_co2_t: Decimal = _ZERO
    non_co2_by_gas: tuple[tuple[str, Decimal], ...] = ()

    @property
    def energy_tce(self) -> Decimal:
        """Comprehensive energy consumption (electricity at its equivalent value)."""
        return self.fuel_tce + self.electricity_tce + self.heat_tce

    @property
    def gross_t(self) -> Decimal:
        """CO2 emissions before CCUS and sink deductions."""
        return self.fuel_t + self.process_t + self.electricity_t + self.heat_t

    @property
    def with_other_gases_t(self) -> Decimal:
        """Net CO2 plus the other gases' t CO2e: for information, never in the core indicator."""
        return self.net_t + self.non_co2_t

    @property
    def net_t(self) -> Decimal:
        """Emissions after the deductions the data file allows."""
        return self.gross_t - self.deducted_t

    @property
    def carbon_per_energy(self) -> Decimal | None:
        """单位能耗碳排放 in tCO2/tce, or None without energy consumption."""
        return None if self.energy_tce <= 0 else self.net_t / self.energy_tce


@dataclass
class _Sums:
    # Mutable accumulator local to account_park; never leaves it.
    tce: Decimal = _ZERO
    t: Decimal = _ZERO
    other: Decimal = _ZERO


_WH_PER_GJ = Decimal(1_000_000_000) / Decimal(3600)


@dataclass(frozen=True)
class FuelAmounts:
    """What a ``park.fuel_use`` record amounts to (exact ``Decimal``; rounding is the caller's).

    ``quantity`` in the fuel's own unit (the record's unit converted by the data
    file's ``unit_scale``); ``tce`` its standard-coal equivalent; ``t_co2`` its
    combustion CO2 (zero for feedstock use); ``energy_wh`` its energy content
    (net calorific value) in Wh.
    """

    quantity: Decimal
    tce: Decimal
    t_co2: Decimal
    ncv_gj_per_unit: Decimal

    @property
    def energy_wh(self) -> Decimal:
        return self.quantity * self.ncv_gj_per_unit * _WH_PER_GJ


def fuel_amounts(p: FuelUse, data: ParkData, fraction: Decimal = Decimal(1)) -> FuelAmounts:
    """The amounts of ``fraction`` of a fuel record (a yearly record counted for part of its year).

    The one fuel conversion of the park (DESIGN.md section 2): park accounting
    and the park flows both use it. Precondition: ``p.fuel`` is in ``data.fuels``.
    """
    fuel = data.fuels[p.fuel]
    quantity = Decimal(p.quantity) * data.unit_scale[fuel.unit][p.unit] * fraction
    co2 = quantity * fuel.tco2_per_unit if p.use == "combustion" else _ZERO
    return FuelAmounts(quantity, quantity * fuel.tce_per_unit, co2, fuel.ncv_gj_per_unit)


def account_park(
    records: Sequence[StoredRecord],
    electricity: Mapping[str, ElectricityYear] | None,
    data: ParkData,
    grid_factor: GridFactor | None,
    year: int,
    *,
    electricity_coefficient: Coefficient | None = None,
) -> ParkAccount:
    """Sum ``records`` (the live records of one park and ``year``) and ``electricity`` into tce and t CO2.

    ``electricity`` maps an enterprise id (``''`` for park-level) to its year's
    electricity, or is None when no electricity figures exist (then electricity
    counts zero and the report says so). ``grid_factor`` is required when any
    electricity is unclaimed. ``electricity_coefficient`` overrides the data
    file's equivalent value for ``year``.
    Preconditions: every record is of ``year``; fuels are in ``data.fuels``.
    """
    wrong = [r.seq for r in records if r.payload.year != year]
    if wrong:
        raise ValueError(f"records {wrong} are not of {year}")
    coef = electricity_coefficient or data.equivalent_coefficient(year)
    assert coef.value is not None
    used: dict[str, Coefficient] = {coef.name: coef}
    shares: dict[str, _Sums] = {}
    fuel_by_type: dict[str, Decimal] = {}
    fuel_tce = fuel_t = process_t = clean_tce = ccus_t = sinks_t = _ZERO
    other_by_gas: dict[str, Decimal] = {}
    heat_in = heat_in_renewable = heat_out = _ZERO
    heat_in_by: dict[str, Decimal] = {}
    for r in records:
        who = r.enterprise or PARK_LEVEL
        share = shares.setdefault(who, _Sums())
        p = r.payload
        if isinstance(p, FuelUse):
            amounts = fuel_amounts(p, data)
            tce, co2 = amounts.tce, amounts.t_co2
            fuel = data.fuels[p.fuel]
            fuel_tce += tce
            fuel_t += co2
            share.tce += tce
            share.t += co2
            fuel_by_type[p.fuel] = fuel_by_type.get(p.fuel, _ZERO) + tce
            if fuel.clean:
                clean_tce += tce
            used[f"fuel.{p.fuel}"] = Coefficient(
                f"fuel.{p.fuel}", fuel.tce_per_unit, fuel.source_tce, fuel.status, fuel.note
            )
        elif isinstance(p, Heat):
            gj = Decimal(p.gj)
            if p.direction == "sold":
                heat_out += gj
                heat_in_by[who] = heat_in_by.get(who, _ZERO) - gj
            elif p.renewable:
                heat_in_renewable += gj
            else:
                heat_in += gj
                heat_in_by[who] = heat_in_by.get(who, _ZERO) + gj
            share.tce += gj * (-1 if p.direction == "sold" else 1) * _heat_tce(data)
        elif isinstance(p, ProcessEmission):
            if p.gas == "CO2":
                process_t += Decimal(p.tco2e)
                share.t += Decimal(p.tco2e)
            else:  # beside the CO2-only indicator, not in it
                other_by_gas[p.gas] = other_by_gas.get(p.gas, _ZERO) + Decimal(p.tco2e)
                share.other += Decimal(p.tco2e)
        elif isinstance(p, Ccus):
            ccus_t += Decimal(p.stored_t)
        elif isinstance(p, CarbonSink):
            sinks_t += Decimal(p.tco2)
    heat_tce = (heat_in + heat_in_renewable - heat_out) * _heat_tce(data)
    clean_tce += heat_in_renewable * _heat_tce(data)
    # Net exported heat is no credit (data file: net_negative_purchases): floor at zero.
    net_fossil_heat = heat_in - heat_out
    if not data.flag("net_negative_purchases"):
        net_fossil_heat = max(net_fossil_heat, _ZERO)
    assert data.heat_tco2_per_gj.value is not None
    heat_t = net_fossil_heat * data.heat_tco2_per_gj.value
    for who, gj in heat_in_by.items():
        shares.setdefault(who, _Sums()).t += max(gj, _ZERO) * data.heat_tco2_per_gj.value
    if heat_in or heat_out or heat_in_renewable:
        used["heat.tce_per_gj"] = data.heat_tce_per_gj
        used["heat.tco2_per_gj"] = data.heat_tco2_per_gj

    total_el: ElectricityYear | None = None
    electricity_t = _ZERO
    if electricity is not None:
        total_el = ZERO_ELECTRICITY
        for who, el in sorted(electricity.items()):
            total_el = total_el + el
            share = shares.setdefault(who, _Sums())
            share.tce += Decimal(el.counted_wh) * coef.value / _MILLION
            if el.unclaimed_wh:
                if grid_factor is None:
                    raise ValueError("unclaimed electricity needs a grid factor")
                share.t += Decimal(el.unclaimed_wh) * grid_factor.value / _MILLION
        if total_el.unclaimed_wh:
            assert grid_factor is not None
            electricity_t = Decimal(total_el.unclaimed_wh) * grid_factor.value / _MILLION
    counted = Decimal(total_el.counted_wh) if total_el is not None else _ZERO
    clean_tce += Decimal(total_el.claimable_green_wh if total_el else 0) * coef.value / _MILLION
    calorific = data.calorific_kgce_per_kwh.value or _ZERO

    deducted = _ZERO
    if ccus_t:
        used["accounting.deduct_ccus_stored"] = data.flags["deduct_ccus_stored"]
        if data.flag("deduct_ccus_stored"):
            deducted += ccus_t
    if sinks_t:
        used["accounting.deduct_carbon_sinks"] = data.flags["deduct_carbon_sinks"]
        if data.flag("deduct_carbon_sinks"):
            deducted += sinks_t
    if heat_out or (total_el is not None and total_el.consumption_wh):
        used["accounting.net_negative_purchases"] = data.flags["net_negative_purchases"]
    return ParkAccount(
        year=year,
        fuel_tce=fuel_tce,
        electricity_tce=counted * coef.value / _MILLION,
        electricity_tce_calorific=counted * calorific / _MILLION,
        heat_tce=heat_tce,
        clean_tce=clean_tce,
        fuel_t=fuel_t,
        process_t=process_t,
        electricity_t=electricity_t,
        heat_t=heat_t,
        ccus_stored_t=ccus_t,
        sinks_t=sinks_t,
        deducted_t=deducted,
        electricity=total_el,
        electricity_coefficient=coef,
        grid_factor=grid_factor if total_el and total_el.unclaimed_wh else None,
        by_enterprise=tuple(Share(w, s.tce, s.t, s.other) for w, s in sorted(shares.items())),
        fuel_tce_by_type=tuple(sorted(fuel_by_type.items())),
        coefficients_used=tuple(used[k] for k in sorted(used)),
        non_co2_t=sum(other_by_gas.values(), _ZERO),
        non_co2_by_gas=tuple(sorted(other_by_gas.items())),
    )


def _heat_tce(data: ParkData) -> Decimal:
    assert data.heat_tce_per_gj.value is not None
    return data.heat_tce_per_gj.value


# ----------------------------------------------------------------------------- indicators


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator's value against its threshold.

    ``comparison`` is ``<=`` (core), ``>=`` (ratios) or ``grade<=``; ``verdict``
    is ``no_data`` without the inputs and ``no_threshold`` when no threshold
    is published or configured. ``status`` is the threshold's (``configured``
    for an override).
    """

    indicator_id: str
    name_zh: str
    list_level: str
    value: Decimal | None
    unit: str
    comparison: str
    threshold: Decimal | None
    verdict: Verdict
    source: str
    status: str
    note: str = ""
    details: tuple[str, ...] = ()


def verdict(value: Decimal | None, comparison: str, threshold: Decimal | None) -> Verdict:
    """``no_data`` / ``no_threshold`` / ``pass`` / ``fail`` for ``value comparison threshold``."""
    if value is None:
        return "no_data"
    if threshold is None:
        return "no_threshold"
    if comparison in ("<=", "grade<="):
        return "pass" if value <= threshold else "fail"
    if comparison == ">=":
        return "pass" if value >= threshold else "fail"
    raise ValueError(f"unknown comparison {comparison!r}")


def core_indicator(
    account: ParkAccount, level: str, data: ParkData, *, threshold: Decimal | None = None
) -> IndicatorResult:
    """单位能耗碳排放 (CO2 only) against the ceiling of the park's energy class on its level's list.

    Classes are half-open ``[min_tce, max_tce)`` on comprehensive energy
    consumption, so 1,000,000 tce is in the ≥ 1,000,000 class and 200,000 tce
    in the first. ``threshold`` overrides the file (status ``configured``).
    Without electricity figures the verdict is ``no_data``.
    """
    rule = data.core.get(level) or data.core["national"]
    value = account.carbon_per_energy if account.electricity is not None else None
    cls = rule.threshold(account.energy_tce)
    limit, status, note = (cls.max_value if cls else None), str(rule.status), rule.note
    if threshold is not None:
        limit, status, note = (
            threshold,
            "configured",
            f"configured threshold (file: {cls.max_value if cls else 'none'})",
        )
    elif cls is None and rule.classes:
        note = f"{account.energy_tce.quantize(Decimal('0.001'))} tce is in no class of the {level} list"
    details: tuple[str, ...] = (
        () if account.electricity is not None else ("no electricity figures for the year",)
    )
    if account.non_co2_t:
        gases = ", ".join(f"{g} {t.quantize(Decimal('0.001'))}" for g, t in account.non_co2_by_gas)
        details += (f"CO2 only (969号 annex 4); other gases beside it, not in it: {gases} t CO2e",)
    return IndicatorResult(
        "carbon_per_energy",
        rule.name_zh,
        level,
        value,
        "tCO2/tce",
        "<=",
        limit,
        verdict(value, "<=", limit),
        rule.source,
        status,
        note,
        details,
    )


def _ratio(records: Sequence[StoredRecord], indicator: str) -> tuple[Decimal | None, tuple[str, ...]]:
    rows = [
        r.payload for r in records if isinstance(r.payload, ResourceUse) and r.payload.indicator == indicator
    ]
    units = sorted({p.unit for p in rows})
    if len(units) > 1:  # equipment may be counted in kW or units: prefer capacity
        rows = [p for p in rows if p.unit == "kW"]
    total = sum((Decimal(p.total) for p in rows), _ZERO)
    used = sum((Decimal(p.used) for p in rows), _ZERO)
    details = (f"{used} of {total} {rows[0].unit} from {len(rows)} record(s)",) if rows else ()
    return (None if total == 0 else used / total), details


def _products(records: Sequence[StoredRecord]) -> tuple[Decimal | None, tuple[str, ...]]:
    rows = [(r.enterprise, r.payload) for r in records if isinstance(r.payload, ProductEnergy)]
    if not rows:
        return None, ()
    # The indicator's value is the worst grade reported (0 = beyond the limit counts as grade 4).
    worst = max((p.grade or 4) for _e, p in rows)
    details = tuple(
        f"{e or 'park'}: {p.product} {p.unit_energy} {p.unit_energy_unit} ({p.standard}) grade "
        f"{p.grade or 'beyond limit'}"
        for e, p in rows
    )
    return Decimal(worst), details


def guidance_indicators(
    account: ParkAccount,
    records: Sequence[StoredRecord],
    level: str,
    data: ParkData,
    *,
    thresholds: Mapping[str, Decimal] | None = None,
) -> tuple[IndicatorResult, ...]:
    """The national guidance indicators, plus the autonomous-region ones for an ``autonomous_region`` park.

    ``thresholds`` maps an indicator id to a configured threshold (status
    ``configured``), e.g. for a value the file marks ``not_published``.
    """
    lists = ["national"] + (["autonomous_region"] if level == "autonomous_region" else [])
    out: list[IndicatorResult] = []
    for lst in lists:
        for g in data.guidance.get(lst, ()):
            unit = "ratio"
            value: Decimal | None
            if g.indicator_id == "clean_energy_share":
                ok = account.electricity is not None and account.energy_tce > 0
                value = account.clean_tce / account.energy_tce if ok else None
                details: tuple[str, ...] = (
                    (
                        f"clean {account.clean_tce.quantize(Decimal('0.001'))} tce of "
                        f"{account.energy_tce.quantize(Decimal('0.001'))} tce",
                    )
                    if ok
                    else ()
                )
            elif g.indicator_id == "product_unit_energy":
                value, details = _products(records)
                unit = "worst grade"
            elif g.indicator_id == "ccus_or_sinks":
                has = any(isinstance(r.payload, (Ccus, CarbonSink)) for r in records)
                value = account.ccus_stored_t + account.sinks_t if has else None
                details, unit = (), "tCO2"
            else:
                key = {
                    "solid_waste_use": "solid_waste",
                    "waste_energy_use": "waste_energy",
                    "water_reuse": "water",
                    "equipment_efficiency": "equipment",
                    "clean_bulk_transport": "bulk_cargo",
                }[g.indicator_id]
                value, details = _ratio(records, key)
            limit, status = g.value, str(g.status)
            if thresholds and g.indicator_id in thresholds:
                limit, status = thresholds[g.indicator_id], "configured"
            out.append(
                IndicatorResult(
                    g.indicator_id,
                    g.name_zh,
                    lst,
                    value,
                    unit,
                    g.comparison,
                    limit,
                    verdict(value, g.comparison, limit),
                    g.source,
                    status,
                    g.note,
                    details,
                )
            )
    return tuple(out)
