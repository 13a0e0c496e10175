"""The shipped background data: cited cradle-to-gate and combustion factors.

``lca/data/background.yaml`` is parsed once, through pydantic at the boundary,
into frozen :class:`Factor` values. Every factor carries its source, year and
status (``published``, ``derived``, ``unverified`` or ``missing``); a
``missing`` factor has no number and using it is an error, never a silent zero.

**Grid electricity is not in the YAML.** Its factors come from the ledger's one
factor table (``ledger.load_factors`` / ``ledger.grid_factors``, the table the
attribution reports and the park accounting use): every usable grid average
and residual factor of that table becomes a background factor keyed
``electricity/grid/<region>/<year>`` (average, location-based) and
``electricity/grid/<region>/<year>/residual`` (market-based). Which of them a
model's electricity gets is the ledger's rule too (:meth:`Background.grid_factors`):
the model's grid region and its period's year, else the latest published year.
So the same kWh gets the same factor in a meter report, a footprint and the
park accounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lca.errors import BackgroundDataError, UnknownMaterial, UnknownTechnology
from lca.gases import GAS_BY_CODE
from ledger import EmissionFactor, FactorTable, GridFactors, LedgerError, load_factors

BACKGROUND_FILE = Path(__file__).parent / "data" / "background.yaml"

FactorKind = Literal["electricity_grid", "electricity_technology", "fuel", "process", "material"]
Status = Literal["published", "derived", "unverified", "missing"]
#: Status of a ledger factor as a background status.
_LEDGER_STATUS: dict[str, Status] = {
    "confirmed": "published",
    "derived": "derived",
    "unverified": "unverified",
}


class _FactorIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9/._-]*$")
    name: str
    kind: FactorKind
    unit: str
    emissions: dict[str, float]
    source: str = Field(min_length=5)
    year: int = Field(ge=1990, le=2100)
    status: Status
    gwp_basis: str
    technology: str | None = None
    note: str | None = None

    @field_validator("emissions")
    @classmethod
    def _known_gases(cls, value: dict[str, float]) -> dict[str, float]:
        for code, amount in value.items():
            if code not in GAS_BY_CODE:
                raise ValueError(f"unknown gas {code!r}")
            if amount < 0:
                raise ValueError(f"negative emission {amount} for {code!r}")
        return value


class _BackgroundIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: Literal["tanji.background/1"] = Field(alias="schema")
    version: str
    factors: list[_FactorIn]


@dataclass(frozen=True, slots=True)
class Factor:
    """One background factor: kg of each gas per ``unit``, with its citation."""

    key: str
    name: str
    kind: FactorKind
    unit: str
    emissions: Mapping[str, float]
    source: str
    year: int
    status: Status
    gwp_basis: str
    technology: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class GridChoice:
    """The grid factors a model's metered electricity gets (from the ledger's table) and why.

    ``region`` and ``year`` are what was asked (the model's grid region, its period's year);
    ``location`` and ``market_unclaimed`` are the background factors used, ``ledger_choice``
    the ledger's answer they come from (the region and year actually used, sources, notes
    saying when an older year stands in or a factor is derived).
    """

    region: str
    year: int
    location: Factor
    market_unclaimed: Factor
    ledger_choice: GridFactors

    @property
    def notes(self) -> tuple[str, ...]:
        return self.ledger_choice.notes

    def describe(self) -> str:
        """One line for reports."""
        loc, mkt = self.location, self.market_unclaimed
        return (
            f"grid {self.region} for {self.year}: location-based {loc.key} "
            f"({loc.emissions.get('co2_fossil')} kgCO2/kWh, {loc.status}), market-based {mkt.key} "
            f"({mkt.emissions.get('co2_fossil')} kgCO2/kWh, {mkt.status})"
        )


def grid_key(region: str, year: int, role: Literal["average", "residual"]) -> str:
    """The background key of a ledger grid factor."""
    base = f"electricity/grid/{region.lower()}/{year}"
    return base if role == "average" else f"{base}/residual"


@dataclass(frozen=True, slots=True)
class Background:
    """All factors of one version of the background data, by key, and the ledger's grid table.

    ``version`` names both: ``<background.yaml version>+factors.<emission_factors.json version>``.
    """

    version: str
    factors: Mapping[str, Factor]
    grid: FactorTable | None = None

    def grid_factors(self, region: str, year: int) -> GridChoice:
        """The grid factors of electricity used in ``region`` in ``year``, by the ledger's rule.

        Raises UnknownMaterial (``lca.factor_unavailable``) when the ledger's table has no
        usable factor for the region in or before the year, BackgroundDataError when this
        background was built without the table.
        """
        if self.grid is None:
            raise BackgroundDataError(f"background {self.version} has no grid factor table")
        try:
            chosen = self.grid.grid_factors(region, year)
        except LedgerError as e:
            raise UnknownMaterial(
                f"no grid factor for region {region!r} in or before {year}: {e.message}",
                code="lca.factor_unavailable",
                region=region,
                year=year,
                background_version=self.version,
            ) from None
        loc = self.factor(grid_key(chosen.location.region, chosen.location.year, "average"))
        mkt = self.factor(grid_key(chosen.residual.region, chosen.residual.year, "residual"))
        for ours, theirs in ((loc, chosen.location), (mkt, chosen.residual)):
            if ours.emissions.get("co2_fossil") != theirs.value:
                raise BackgroundDataError(
                    f"background factor {ours.key} differs from the ledger's table ({theirs.value})"
                )
        return GridChoice(region, year, loc, mkt, chosen)

    def factor(self, key: str) -> Factor:
        """The factor ``key``; UnknownMaterial if absent or shipped without a number."""
        found = self.factors.get(key)
        if found is None:
            raise UnknownMaterial(
                f"unknown background factor {key!r} (background data {self.version})",
                key=key,
                background_version=self.version,
            )
        if found.status == "missing":
            raise UnknownMaterial(
                f"background factor {key!r} has no shipped value ({found.note or found.source})",
                code="lca.factor_unavailable",
                key=key,
                background_version=self.version,
            )
        return found

    def technology_factor(self, technology: str) -> Factor:
        """The life-cycle electricity factor of ``technology`` (wind, solar, hydro, ...)."""
        for f in self.factors.values():
            if f.kind == "electricity_technology" and f.technology == technology:
                return f
        known = sorted(f.technology for f in self.factors.values() if f.technology is not None)
        raise UnknownTechnology(
            f"no life-cycle electricity factor for technology {technology!r}; known: {known}",
            technology=technology,
        )


def _grid_factor(f: EmissionFactor, table: FactorTable, role: Literal["average", "residual"]) -> Factor:
    assert f.value is not None
    what = "average CO2 emission factor" if role == "average" else "residual (market-based) CO2 factor"
    return Factor(
        key=grid_key(f.region, f.year, role),
        name=f"{f.name_zh or f.region} ({f.region}) grid, {what} of electricity consumption, {f.year}",
        kind="electricity_grid",
        unit="kWh",
        emissions=MappingProxyType({"co2_fossil": f.value}),
        source=f"{table.citation(f.source)}; Tanji emission_factors.json {table.version}",
        year=f.year,
        status=_LEDGER_STATUS[f.status],
        gwp_basis="CO2 only",
        note=f.note or None,
    )


def grid_background_factors(table: FactorTable) -> dict[str, Factor]:
    """Every usable grid factor of the ledger's table as a background factor, by key.

    Averages as published; residuals as :meth:`FactorTable.residual_factor` gives them for
    each region and year with an average (published, else derived). Unverified values are
    left out, as the ledger's own look-ups leave them out.
    """
    out: dict[str, Factor] = {}
    for f in table.grid_average:
        if f.value is None or f.status == "unverified":
            continue
        avg = _grid_factor(f, table, "average")
        out[avg.key] = avg
        try:
            r = table.residual_factor(f.region, f.year, latest_before=False)
        except LedgerError:
            continue
        res = _grid_factor(r, table, "residual")
        out.setdefault(res.key, res)
    return out


def parse_background(text: str, grid: FactorTable | None = None) -> Background:
    """Parse background YAML text and add the grid factors of ``grid`` (default: the ledger's table).

    BackgroundDataError names what is wrong, including a YAML factor of kind
    ``electricity_grid`` (grid factors are defined once, in the ledger's table).
    """
    try:
        raw = yaml.safe_load(text)
        parsed = _BackgroundIn.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as e:
        raise BackgroundDataError(f"background data is malformed: {e}") from e
    factors: dict[str, Factor] = {}
    for f in parsed.factors:
        if f.key in factors:
            raise BackgroundDataError(f"duplicate background factor {f.key!r}", key=f.key)
        if f.kind == "electricity_technology" and f.technology is None:
            raise BackgroundDataError(f"factor {f.key!r} needs a technology", key=f.key)
        if f.status != "missing" and not f.emissions:
            raise BackgroundDataError(f"factor {f.key!r} is {f.status} but has no emissions", key=f.key)
        if f.kind == "electricity_grid":
            raise BackgroundDataError(
                f"factor {f.key!r}: grid factors come from the ledger's emission factor table, "
                "not from the background file",
                key=f.key,
            )
        factors[f.key] = Factor(
            key=f.key,
            name=f.name,
            kind=f.kind,
            unit=f.unit,
            emissions=MappingProxyType(dict(f.emissions)),
            source=" ".join(f.source.split()),
            year=f.year,
            status=f.status,
            gwp_basis=f.gwp_basis,
            technology=f.technology,
            note=f.note,
        )
    table = grid if grid is not None else load_factors()
    for key, gf in grid_background_factors(table).items():
        if key in factors:
            raise BackgroundDataError(f"duplicate background factor {key!r}", key=key)
        factors[key] = gf
    return Background(
        version=f"{parsed.version}+factors.{table.version}", factors=MappingProxyType(factors), grid=table
    )


@lru_cache(maxsize=1)
def load_background() -> Background:
    """The background data shipped with Tanji (parsed once per process)."""
    return parse_background(BACKGROUND_FILE.read_text(encoding="utf-8"))
