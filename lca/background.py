"""The shipped background data: cited cradle-to-gate and combustion factors.

``lca/data/background.yaml`` is parsed once, through pydantic at the boundary,
into frozen :class:`Factor` values. Every factor carries its source, year and
status (``published``, ``unverified`` or ``missing``); a ``missing`` factor has
no number and using it is an error, never a silent zero.
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

BACKGROUND_FILE = Path(__file__).parent / "data" / "background.yaml"

FactorKind = Literal["electricity_grid", "electricity_technology", "fuel", "process", "material"]
Status = Literal["published", "unverified", "missing"]


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
class Background:
    """All factors of one version of the background data, by key."""

    version: str
    factors: Mapping[str, Factor]

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


def parse_background(text: str) -> Background:
    """Parse background YAML text; BackgroundDataError names what is wrong."""
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
    return Background(version=parsed.version, factors=MappingProxyType(factors))


@lru_cache(maxsize=1)
def load_background() -> Background:
    """The background data shipped with Tanji (parsed once per process)."""
    return parse_background(BACKGROUND_FILE.read_text(encoding="utf-8"))
