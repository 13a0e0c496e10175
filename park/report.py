"""The zero-carbon park report of one park and year: built from the ledger, rendered as JSON or HTML.

``build_park_report`` reads the park and its live records in one read
transaction, takes electricity from the caller, else from the park's newest
recorded ``attribution.run`` covering the year, else from the park's meter
readings (physical only: no green claims), and returns a frozen
:class:`ParkReport`. ``ParkReport.to_json`` is the one JSON shape; the HTML
template renders the same object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from ledger import FactorTable, grid_factors, load_factors
from ledger.attribution.reports import find_park_run
from ledger.attribution.store import read_table
from ledger.energy.meters import all_meters
from ledger.energy.parks import require_park
from ledger.energy.periods import month_end, month_start
from ledger.energy.readings import energy_wh
from park.accounting import (
    PARK_LEVEL,
    ElectricityYear,
    GridFactor,
    IndicatorResult,
    ParkAccount,
    account_park,
    core_indicator,
    guidance_indicators,
)
from park.coefficients import Coefficient, ParkData, load_park_data
from park.records import live_records

_Q3 = Decimal("0.001")
_Q4 = Decimal("0.0001")


@dataclass(frozen=True)
class ParkReport:
    """Everything the park report shows; ``to_json`` gives the one JSON form."""

    park_id: str
    name: str
    level: str
    province: str | None
    year: int
    account: ParkAccount
    core: IndicatorResult
    guidance: tuple[IndicatorResult, ...]
    record_seqs: tuple[int, ...]
    electricity_source: str
    unverified_inputs: tuple[str, ...]
    data_version: str
    generated_at: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: decimals as strings (tce and t to 3 places, ratios to 4)."""
        a = self.account
        el = a.electricity
        return {
            "format": "tanji.park_report/1",
            "park": {"id": self.park_id, "name": self.name, "level": self.level, "province": self.province},
            "year": self.year,
            "generated_at": self.generated_at,
            "data_version": self.data_version,
            "energy_tce": {
                "total": _q(a.energy_tce),
                "fuels": _q(a.fuel_tce),
                "electricity_equivalent": _q(a.electricity_tce),
                "electricity_calorific": _q(a.electricity_tce_calorific),
                "heat": _q(a.heat_tce),
                "clean": _q(a.clean_tce),
                "fuels_by_type": {k: _q(v) for k, v in a.fuel_tce_by_type},
            },
            "emissions_t": {
                "fuels": _q(a.fuel_t),
                "processes": _q(a.process_t),
                "electricity": _q(a.electricity_t),
                "heat": _q(a.heat_t),
                "gross": _q(a.gross_t),
                "ccus_stored": _q(a.ccus_stored_t),
                "carbon_sinks": _q(a.sinks_t),
                "deducted": _q(a.deducted_t),
                "net": _q(a.net_t),
            },
            # 969号 annex 4: the indicator's 碳排放 is CO2 only; the other gases are shown beside it
            "other_gases_t_co2e": {
                "total": _q(a.non_co2_t),
                "by_gas": {g: _q(t) for g, t in a.non_co2_by_gas},
                "net_co2_plus_other_gases": _q(a.with_other_gases_t),
                "note": "process emissions of gases other than CO2 (GWP applied by the submitter); "
                "not in 单位能耗碳排放, which counts CO2 only",
            },
            "electricity": None
            if el is None
            else {
                "source": self.electricity_source,
                "consumption_wh": el.consumption_wh,
                "direct_wh": el.direct_wh,
                "claimable_direct_wh": el.claimable_direct_wh,
                "contracted_wh": el.contracted_wh,
                "certificate_wh": el.certificate_wh,
                "grid_wh": el.grid_wh,
                "captive_fossil_wh": el.captive_fossil_wh,
                "claimable_green_wh": el.claimable_green_wh,
                "unclaimed_wh": el.unclaimed_wh,
                "equivalent_kgce_per_kwh": _coef(a.electricity_coefficient),
                "grid_factor": None
                if a.grid_factor is None
                else {
                    "value_kgco2_per_kwh": str(a.grid_factor.value),
                    "region": a.grid_factor.region,
                    "year": a.grid_factor.year,
                    "kind": a.grid_factor.kind,
                    "for_year": a.grid_factor.for_year,
                    "source": a.grid_factor.source,
                    "status": a.grid_factor.status,
                    "note": a.grid_factor.note,
                    "notes": list(a.grid_factor.notes),
                },
            },
            "by_enterprise": [
                {
                    "enterprise": s.enterprise or None,
                    "energy_tce": _q(s.energy_tce),
                    "emissions_t": _q(s.emissions_t),
                    "other_gases_t_co2e": _q(s.non_co2_t),
                }
                for s in a.by_enterprise
            ],
            "core": _indicator(self.core),
            "guidance": [_indicator(g) for g in self.guidance],
            "coefficients": [_coef(c) for c in a.coefficients_used],
            "unverified_inputs": list(self.unverified_inputs),
            "record_seqs": list(self.record_seqs),
        }


def _q(value: Decimal, q: Decimal = _Q3) -> str:
    return str(value.quantize(q))


def _coef(c: Coefficient) -> dict[str, Any]:
    return {
        "name": c.name,
        "value": None if c.value is None else str(c.value),
        "year": c.year,
        "source": c.source,
        "status": c.status,
        "note": c.note,
    }


def _indicator(r: IndicatorResult) -> dict[str, Any]:
    value = (
        None if r.value is None else (_q(r.value, _Q4) if r.unit in ("ratio", "tCO2/tce") else str(r.value))
    )
    return {
        "id": r.indicator_id,
        "name_zh": r.name_zh,
        "list": r.list_level,
        "value": value,
        "unit": r.unit,
        "comparison": r.comparison,
        "threshold": None if r.threshold is None else str(r.threshold),
        "verdict": r.verdict,
        "source": r.source,
        "status": r.status,
        "note": r.note,
        "details": list(r.details),
    }


def grid_factor_for(data: ParkData, factors: FactorTable | None, year: int) -> GridFactor:
    """The grid factor the data file chooses (its region; average or residual) for ``year``.

    Taken from the ledger's one factor table by the ledger's rule (``ledger.grid_factors``:
    the year's factor, else the latest published), as meter reports and footprints take theirs.
    """
    table = factors or load_factors()
    chosen = grid_factors(data.grid_factor_region, year, table=table)
    f = chosen.residual if data.grid_factor_kind == "residual" else chosen.location
    assert f.value is not None
    source = f"{f.source}: {table.citation(f.source)}"
    # Floats in the factor file are short decimals; str() gives them back exactly.
    return GridFactor(
        Decimal(str(f.value)),
        f.region,
        f.year,
        data.grid_factor_kind,
        source,
        f.status,
        f.note,
        for_year=year,
        notes=chosen.notes,
    )


def electricity_from_meter_totals(
    frame: pd.DataFrame, owners: Mapping[str, str], source: str
) -> dict[str, ElectricityYear]:
    """Per-enterprise ``ElectricityYear`` from ``ledger.attribution.totals.meter_totals`` rows (any months).

    ``owners`` maps meter id to enterprise. Attribution counts a parent net of
    its sub-meters, so every meter's row is a load of its own, counted once.
    Contracted energy counts as green only where its GEC were retired for the
    meter (``claimable_contracted_wh``); the rest was delivered through the
    grid without its green attribute and is counted with the grid energy.
    """
    out: dict[str, ElectricityYear] = {}
    if frame.empty:
        return out
    for meter_id, g in frame.groupby("meter_id"):
        claimed_contracted = int(g["claimable_contracted_wh"].sum())
        el = ElectricityYear(
            int(g["consumption_wh"].sum()),
            int(g["direct_wh"].sum()),
            int(g["claimable_direct_wh"].sum()),
            claimed_contracted,
            int(g["certificate_wh"].sum()),
            int(g["grid_wh"].sum()) + int(g["contracted_wh"].sum()) - claimed_contracted,
            0,
            source,
        )
        who = owners[str(meter_id)]
        out[who] = out[who] + el if who in out else el
    return out


def park_run_for_year(session: Session, park_id: str, year: int) -> int | None:
    """The seq of the newest ``attribution.run`` with scope ``park park_id`` covering all of ``year``,
    or None."""
    return find_park_run(session, park_id, f"{year}-01", f"{year}-12")


def electricity_from_attribution(
    session: Session, park_id: str, year: int
) -> tuple[dict[str, ElectricityYear], str] | None:
    """Per-enterprise electricity of ``year`` from the park's newest recorded attribution run, and a
    source note.

    Every meter the run attributed counts as its own load, exactly as
    attribution splits them: a parent net of its sub-meters, so nothing counts
    twice; the source note says when sub-meters are among them. None when no
    park run covers the year.
    """
    seq = park_run_for_year(session, park_id, year)
    if seq is None:
        return None
    frame = read_table(session, "meters", seq, requested_only=True)
    frame = frame[frame["month"].str.startswith(f"{year}-")]
    meters = all_meters(session)
    ids = sorted(set(frame["meter_id"]))
    notes = []
    gaps = int(frame["gap_hours"].sum())
    if gaps:
        notes.append(f"{gaps} meter-hours without readings")
    subs = [m for m in ids if m in meters and meters[m].parent_id is not None]
    if subs:
        notes.append(f"sub-meters {', '.join(subs)} counted inside their parents (parents net of them)")
    source = f"attribution.run seq {seq}" + (f" ({'; '.join(notes)})" if notes else "")
    owners = {m: meters[m].owner for m in ids}
    return electricity_from_meter_totals(frame, owners, source), source


def electricity_from_readings(session: Session, park_id: str, year: int) -> dict[str, ElectricityYear] | None:
    """Physical electricity per enterprise from the readings of the park's consumption meters.

    ``year`` is the park's local year. Sub-meters are inside their parents'
    readings, so only meters without a consumption parent count (each Wh once).
    No attribution: all of it counts as grid without a green claim, which is
    the conservative reading until attribution totals are passed in. None when
    the park has no consumption meter with readings in ``year``.
    """
    tz = require_park(session, park_id).time_zone
    start, end = month_start(f"{year:04d}-01", tz), month_end(f"{year:04d}-12", tz)
    registered = all_meters(session)
    by_owner: dict[str, list[str]] = {}
    for m in registered.values():
        parent = registered.get(m.parent_id) if m.parent_id is not None else None
        inside = parent is not None and parent.kind == "consumption" and parent.park_id == park_id
        if m.park_id == park_id and m.kind == "consumption" and not inside:
            by_owner.setdefault(m.owner, []).append(m.meter_id)
    out: dict[str, ElectricityYear] = {}
    for owner, meters in sorted(by_owner.items()):
        wh = energy_wh(session, sorted(meters), start, end)
        if wh:
            out[owner] = ElectricityYear(wh, grid_wh=wh, source="readings (no attribution: no green claims)")
    return out or None


def build_park_report(
    session: Session,
    park_id: str,
    year: int,
    *,
    electricity: Mapping[str, ElectricityYear] | None = None,
    data: ParkData | None = None,
    factors: FactorTable | None = None,
    electricity_kgce_per_kwh: Decimal | None = None,
    thresholds: Mapping[str, Decimal] | None = None,
) -> ParkReport:
    """The report of ``park_id`` for ``year``.

    ``electricity`` (enterprise id → year, ``''`` for park-level) is used as
    given; without it the park's newest recorded attribution run covering the
    year is used (``attribution.run`` with scope ``park``), else the park's
    consumption readings (physical, no green claims). ``electricity_kgce_per_kwh`` overrides the
    equivalent value; ``thresholds`` configures indicator thresholds by id
    (``carbon_per_energy`` for the core one). Raises ``RuleViolation``
    ``park.unknown`` for an unregistered park and ``NotFound``
    ``park.coefficient_missing`` when no equivalent value exists for the year.
    """
    park = require_park(session, park_id)
    data = data or load_park_data()
    records = live_records(session, park_id, year)
    source = "given by the caller"
    if electricity is None:
        attributed = electricity_from_attribution(session, park_id, year)
        if attributed is not None:
            electricity, source = attributed
        else:
            electricity = electricity_from_readings(session, park_id, year)
            source = "readings (no attribution: no green claims)" if electricity else "none"
    else:
        source = " + ".join(sorted({e.source for e in electricity.values() if e.source})) or source
    coef = None
    if electricity_kgce_per_kwh is not None:
        coef = Coefficient(
            "electricity.equivalent",
            electricity_kgce_per_kwh,
            "configured",
            "configured",
            "configured by the caller",
            year,
        )
    grid = None
    if electricity is not None and any(e.unclaimed_wh for e in electricity.values()):
        grid = grid_factor_for(data, factors, year)
    account = account_park(records, electricity, data, grid, year, electricity_coefficient=coef)
    core = core_indicator(account, park.level, data, threshold=(thresholds or {}).get("carbon_per_energy"))
    guidance = guidance_indicators(account, records, park.level, data, thresholds=thresholds)
    unverified = [
        f"{c.name}: {c.status} ({c.source})"
        for c in account.coefficients_used
        if c.status not in ("confirmed", "configured")
    ]
    if account.grid_factor is not None:
        unverified.append(
            f"electricity.grid_factor_choice: {data.grid_factor_choice.status} "
            f"({data.grid_factor_kind} {data.grid_factor_region})"
        )
        if account.grid_factor.status != "confirmed":
            unverified.append(
                f"electricity.grid_factor {account.grid_factor.region} {account.grid_factor.year}: "
                f"{account.grid_factor.status}"
            )
    for r in (core, *guidance):
        if r.threshold is not None and r.status not in ("confirmed", "configured"):
            unverified.append(f"threshold {r.indicator_id}: {r.status} ({r.source})")
    return ParkReport(
        park_id=park.park_id,
        name=park.name,
        level=park.level,
        province=park.province,
        year=year,
        account=account,
        core=core,
        guidance=guidance,
        record_seqs=tuple(r.seq for r in records),
        electricity_source=source,
        unverified_inputs=tuple(unverified),
        data_version=data.version,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


__all__ = [
    "PARK_LEVEL",
    "ParkReport",
    "build_park_report",
    "electricity_from_attribution",
    "electricity_from_meter_totals",
    "electricity_from_readings",
    "grid_factor_for",
    "park_run_for_year",
]
