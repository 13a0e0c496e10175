"""Coefficients and thresholds of park accounting, from ``ledger/data/park_indicators.json``.

Every value carries its source id and a status: ``confirmed``, ``unverified``
(used, and listed by the report as an unverified input) or ``not_published``
(null; the park must configure it). Numbers are parsed as exact ``Decimal``.
Grid electricity emission factors are not here: they come from
``ledger.energy.factors`` (``emission_factors.json``) so they are kept in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from ledger.errors import NotFound, RuleViolation

Status = Literal["confirmed", "unverified", "not_published", "configured"]
_STATUSES = ("confirmed", "unverified", "not_published")  # "configured" is set by callers, never by the file


@dataclass(frozen=True)
class Coefficient:
    """One value with its provenance; ``value`` is None only when ``not_published``."""

    name: str
    value: Decimal | None
    source: str
    status: Status
    note: str = ""
    year: int | None = None


@dataclass(frozen=True)
class Fuel:
    """A fuel: its measuring unit, standard-coal coefficient and CO2 parameters (per ``unit``)."""

    fuel_id: str
    name_zh: str
    unit: str
    tce_per_unit: Decimal
    ncv_gj_per_unit: Decimal
    carbon_tc_per_gj: Decimal
    oxidation: Decimal
    clean: bool
    source_tce: str
    source_co2: str
    status: Status
    note: str = ""

    @property
    def tco2_per_unit(self) -> Decimal:
        """NCV × carbon content × oxidation × 44/12 (GB/T 32151 style), in t CO2 per ``unit``."""
        return self.ncv_gj_per_unit * self.carbon_tc_per_gj * self.oxidation * Decimal(44) / Decimal(12)


@dataclass(frozen=True)
class CoreClass:
    """A park energy class ``[min_tce, max_tce)`` and its core-indicator ceiling (tCO2/tce)."""

    min_tce: Decimal
    max_tce: Decimal | None
    max_value: Decimal

    def contains(self, tce: Decimal) -> bool:
        """True if ``tce`` falls in the class (lower bound in, upper bound out)."""
        return tce >= self.min_tce and (self.max_tce is None or tce < self.max_tce)


@dataclass(frozen=True)
class CoreRule:
    """The core indicator's thresholds for one park level."""

    level: str
    name_zh: str
    classes: tuple[CoreClass, ...]
    source: str
    status: Status
    note: str = ""

    def threshold(self, tce: Decimal) -> CoreClass | None:
        """The class of a park consuming ``tce`` a year, or None when it is in no class."""
        return next((c for c in self.classes if c.contains(tce)), None)


@dataclass(frozen=True)
class Guidance:
    """A guidance indicator: ``comparison`` is ``>=`` (ratio) or ``grade<=`` (product grade)."""

    indicator_id: str
    level: str
    name_zh: str
    comparison: str
    value: Decimal | None
    source: str
    status: Status
    note: str = ""


@dataclass(frozen=True)
class ParkData:
    """The parsed data file. Build with :func:`load_park_data` or :meth:`from_json`."""

    version: str
    sources: Mapping[str, Mapping[str, str]]
    calorific_kgce_per_kwh: Coefficient
    equivalent_kgce_per_kwh: tuple[Coefficient, ...]
    grid_factor_region: str
    grid_factor_kind: str
    grid_factor_choice: Coefficient
    heat_tce_per_gj: Coefficient
    heat_tco2_per_gj: Coefficient
    fuels: Mapping[str, Fuel]
    unit_scale: Mapping[str, Mapping[str, Decimal]]
    flags: Mapping[str, Coefficient]
    core: Mapping[str, CoreRule]
    guidance: Mapping[str, tuple[Guidance, ...]]

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ParkData:
        """Parse and check the file; ``park.bad_data_file`` on any defect (unknown source, bad status, …)."""
        try:
            sources = doc["sources"]

            def coef(name: str, raw: Mapping[str, Any], year: int | None = None) -> Coefficient:
                if raw["source"] not in sources or raw["status"] not in _STATUSES:
                    raise ValueError(f"{name}: unknown source {raw['source']!r} or status {raw['status']!r}")
                value = raw["value"]
                if value is None and raw["status"] != "not_published":
                    raise ValueError(f"{name}: a null value must be 'not_published'")
                parsed = (
                    None
                    if value is None
                    else (Decimal(1 if value else 0) if isinstance(value, bool) else Decimal(str(value)))
                )
                return Coefficient(name, parsed, raw["source"], raw["status"], raw.get("note", ""), year)

            el = doc["electricity"]
            fuels = {
                fid: Fuel(
                    fid,
                    f["name_zh"],
                    f["unit"],
                    Decimal(f["tce_per_unit"]),
                    Decimal(f["ncv_gj_per_unit"]),
                    Decimal(f["carbon_tc_per_gj"]),
                    Decimal(f["oxidation"]),
                    bool(f["clean"]),
                    f["source_tce"],
                    f["source_co2"],
                    f["status"],
                    f.get("note", ""),
                )
                for fid, f in doc["fuels"].items()
            }
            for f in fuels.values():
                if f.source_tce not in sources or f.source_co2 not in sources or f.status not in _STATUSES:
                    raise ValueError(f"fuel {f.fuel_id}: unknown source or status")
            core = {
                level: CoreRule(
                    level,
                    c["name_zh"],
                    tuple(
                        CoreClass(
                            Decimal(k["min_tce"]),
                            None if k["max_tce"] is None else Decimal(k["max_tce"]),
                            Decimal(k["max_value"]),
                        )
                        for k in c["classes"]
                    ),
                    c["source"],
                    c["status"],
                    c.get("note", ""),
                )
                for level, c in doc["core"].items()
            }
            guidance = {
                level: tuple(
                    Guidance(
                        g["id"],
                        level,
                        g["name_zh"],
                        g["comparison"],
                        None if g["value"] is None else Decimal(g["value"]),
                        g["source"],
                        g["status"],
                        g.get("note", ""),
                    )
                    for g in items
                )
                for level, items in doc["guidance"].items()
                if isinstance(items, list)
            }
            grid = el["grid_factor"]
            return cls(
                version=str(doc["version"]),
                sources=sources,
                calorific_kgce_per_kwh=coef("electricity.calorific", el["calorific_kgce_per_kwh"]),
                equivalent_kgce_per_kwh=tuple(
                    coef("electricity.equivalent", v, int(v["year"]))
                    for v in el["equivalent_kgce_per_kwh"]["values"]
                ),
                grid_factor_region=str(grid["region"]),
                grid_factor_kind=str(grid["kind"]),
                grid_factor_choice=Coefficient(
                    "electricity.grid_factor_choice",
                    None,
                    grid["source"],
                    grid["status"],
                    grid.get("note", ""),
                ),
                heat_tce_per_gj=coef("heat.tce_per_gj", doc["heat"]["tce_per_gj"]),
                heat_tco2_per_gj=coef("heat.tco2_per_gj", doc["heat"]["tco2_per_gj"]),
                fuels=fuels,
                unit_scale={u: {k: Decimal(v) for k, v in m.items()} for u, m in doc["unit_scale"].items()},
                flags={k: coef(f"accounting.{k}", v) for k, v in doc["accounting"].items()},
                core=core,
                guidance=guidance,
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as e:
            raise RuleViolation(f"park indicator file is malformed: {e!r}", code="park.bad_data_file") from e

    def equivalent_coefficient(self, year: int) -> Coefficient:
        """The electricity equivalent value (kgce/kWh) for ``year``: that year's, else the latest earlier one.

        Raises ``NotFound`` (``park.coefficient_missing``) when no year ``<= year`` has a value.
        """
        usable = [
            c
            for c in self.equivalent_kgce_per_kwh
            if c.value is not None and c.year is not None and c.year <= year
        ]
        if not usable:
            raise NotFound(
                f"no electricity equivalent-value coefficient for {year} or earlier; configure one",
                code="park.coefficient_missing",
                year=year,
            )
        return max(usable, key=lambda c: c.year or 0)

    def flag(self, name: str) -> bool:
        """A yes/no accounting choice of the file."""
        return bool(self.flags[name].value)


def parse_park_data(text: str) -> ParkData:
    """Parse the JSON text of a park indicator file."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise RuleViolation(f"park indicator file is not JSON: {e}", code="park.bad_data_file") from e
    return ParkData.from_json(doc)


@lru_cache(maxsize=1)
def _shipped() -> ParkData:
    return parse_park_data(
        resources.files("park").joinpath("data", "park_indicators.json").read_text("utf-8")
    )


def load_park_data(path: str | Path | None = None) -> ParkData:
    """The shipped file (cached; it is immutable) or the file at ``path``."""
    if path is None:
        return _shipped()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise NotFound(
            f"park indicator file {path} cannot be read: {e}", code="park.data_file_missing"
        ) from e
    return parse_park_data(text)
