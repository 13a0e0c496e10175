"""EU CBAM installation data for exporters: specific direct and indirect embedded emissions per CN
code and year.

Pure core: :func:`cbam_record` turns one good's figures (:class:`CbamGoods`:
net mass, direct emissions at the installation, electricity by CBAM source)
and the rules of ``lca/data/cbam_rules.json`` (:class:`CbamRules`) into a
frozen, rounded :class:`CbamRecord`. :func:`goods_from_footprint` takes the
per-tonne figures from a footprint's breakdown. The ledger-reading shell is
:mod:`lca.cbam.ledger`.

Definitions (Regulation (EU) 2023/956 Annex IV, Implementing Regulation (EU)
2023/1773 Annex I, as cited in the data file):

- specific direct embedded emissions (t CO2e / t) = the installation's direct
  emissions attributed to the good (process emissions and fuel combustion of
  the product model's processes) ÷ net mass produced -- not the
  cradle-to-gate footprint (purchased materials and precursors are left out);
- electricity per tonne (MWh/t) by source: ``grid_default`` (grid and
  unbundled certificates: a GEC does not change the CBAM factor),
  ``direct_technical_link`` (physical direct supply, hour-matched by the
  attribution), ``ppa`` (绿电交易 contracted energy, hour-matched);
- specific indirect embedded emissions = Σ MWh/t × factor of its source;
- which of them is declared follows the rule for the CN code and year.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from lca.background import Background
from lca.errors import LcaError
from lca.footprint import FootprintResult
from lca.system import BACKGROUND_PREFIX

__all__ = [
    "NUMERIC_FIELDS",
    "CbamError",
    "CbamGoods",
    "CbamRecord",
    "CbamRule",
    "CbamRules",
    "ElectricitySource",
    "GridDefault",
    "cbam_record",
    "goods_from_footprint",
    "load_cbam_rules",
]

Declare = Literal["direct", "direct_and_indirect"]
SourceKind = Literal["grid_default", "direct_technical_link", "ppa"]
RULES_FILE = Path(__file__).parent.parent / "data" / "cbam_rules.json"
_ROUNDING = {"ROUND_HALF_UP": ROUND_HALF_UP, "ROUND_HALF_EVEN": ROUND_HALF_EVEN}


class CbamError(LcaError):
    """A CBAM export cannot be made as asked (no rule, no mass, no factor ...)."""

    code = "cbam.error"


@dataclass(frozen=True)
class CbamRule:
    """Which emissions goods of ``cn_prefix`` declare in ``[from_year, to_year]`` (None: open-ended)."""

    cn_prefix: str
    sector: str
    from_year: int
    to_year: int | None
    declare: Declare
    route: str | None
    sources: tuple[str, ...]
    status: str
    note: str

    def covers(self, cn: str, year: int) -> bool:
        """True when ``cn`` starts with the prefix and ``year`` is in range."""
        return (
            cn.startswith(self.cn_prefix)
            and self.from_year <= year
            and (self.to_year is None or year <= self.to_year)
        )


@dataclass(frozen=True)
class GridDefault:
    """The grid default factor (t CO2/MWh) used for ``grid_default`` electricity and where it comes from."""

    value: Decimal
    source: str
    status: str


@dataclass(frozen=True)
class CbamRules:
    """The parsed rules file. Build with :func:`load_cbam_rules`."""

    version: str
    sources: Mapping[str, Mapping[str, Any]]
    rules: tuple[CbamRule, ...]
    grid_default_value: Decimal | None
    grid_default_status: str
    grid_default_note: str
    rounding_mode: str
    decimals: Mapping[str, int]
    rounding_status: str
    actual_factors: Mapping[str, Decimal]

    def rule(self, cn: str, year: int) -> CbamRule:
        """The rule with the longest CN prefix covering ``cn`` in ``year``; ``CbamError`` if none."""
        found = [r for r in self.rules if r.covers(cn, year)]
        if not found:
            raise CbamError(f"no CBAM rule covers CN {cn} in {year}", code="cbam.no_rule", cn=cn, year=year)
        return max(found, key=lambda r: len(r.cn_prefix))

    def round(self, value: Decimal, what: str) -> Decimal:
        """``value`` rounded to the places configured for ``what``."""
        return value.quantize(Decimal(1).scaleb(-self.decimals[what]), rounding=_ROUNDING[self.rounding_mode])

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> CbamRules:
        """Parse the rules document; ``CbamError`` (``cbam.bad_rules``) names a missing or bad field."""
        try:
            rules = tuple(
                CbamRule(
                    str(r["cn_prefix"]),
                    str(r["sector"]),
                    int(r["from_year"]),
                    None if r["to_year"] is None else int(r["to_year"]),
                    r["declare"],
                    r.get("route"),
                    tuple(r["sources"]),
                    str(r["status"]),
                    str(r.get("note", "")),
                )
                for r in doc["rules"]
            )
            bad = [r.cn_prefix for r in rules if r.declare not in ("direct", "direct_and_indirect")]
            if bad:
                raise ValueError(f"declare must be direct or direct_and_indirect (prefixes {bad})")
            unknown = sorted({s for r in rules for s in r.sources if s not in doc["sources"]})
            if unknown:
                raise ValueError(f"rules cite unknown sources {unknown}")
            grid = doc["grid_default"]
            rounding = doc["rounding"]
            if rounding["mode"] not in _ROUNDING:
                raise ValueError(f"rounding mode {rounding['mode']!r}")
            return cls(
                version=str(doc["version"]),
                sources=doc["sources"],
                rules=rules,
                grid_default_value=None
                if grid["value_t_per_mwh"] is None
                else Decimal(str(grid["value_t_per_mwh"])),
                grid_default_status=str(grid["status"]),
                grid_default_note=str(grid["note"]),
                rounding_mode=str(rounding["mode"]),
                decimals={k: int(v) for k, v in rounding["decimals"].items()},
                rounding_status=str(rounding["status"]),
                actual_factors={
                    k: Decimal(str(v["value_t_per_mwh"])) for k, v in doc["actual_factors"].items()
                },
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as e:
            raise CbamError(f"CBAM rules file is malformed: {e}", code="cbam.bad_rules") from e


def load_cbam_rules(path: Path | None = None) -> CbamRules:
    """The shipped rules, or those of ``path``."""
    p = path or RULES_FILE
    try:
        return CbamRules.from_json(json.loads(p.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as e:
        raise CbamError(f"cannot read CBAM rules {p}: {e}", code="cbam.bad_rules") from e


@dataclass(frozen=True)
class ElectricitySource:
    """Electricity of one CBAM source for the goods over the period (MWh, exact) and its factor (t CO2/MWh).

    ``factor`` None means "the grid default" (filled in by :func:`cbam_record`).
    ``evidence`` says why an actual factor may be used (hourly matching).
    """

    kind: SourceKind
    mwh: Decimal
    factor: Decimal | None = None
    factor_source: str = ""
    evidence: str = ""


@dataclass(frozen=True)
class CbamGoods:
    """One good of one installation over one period: what :func:`cbam_record` needs.

    ``direct_t`` is the installation's direct emissions attributed to the
    ``net_mass_t`` produced (both totals over the period).
    """

    installation_id: str
    installation_name: str
    operator_id: str
    operator_name: str
    country: str
    cn_code: str
    product: str
    period_start: str
    period_end: str
    production_route: str | None
    net_mass_t: Decimal
    direct_t: Decimal
    electricity: tuple[ElectricitySource, ...]
    notes: tuple[str, ...] = ()


# Fields of the installation and electricity rows that are numbers (decimal text in CSV and JSON,
# numbers in XLSX).
NUMERIC_FIELDS = frozenset(
    {
        "net_mass_t",
        "specific_direct_embedded_emissions_tco2e_per_t",
        "electricity_consumed_mwh_per_t",
        "electricity_emission_factor_tco2_per_mwh",
        "specific_indirect_embedded_emissions_tco2e_per_t",
        "specific_embedded_emissions_declared_tco2e_per_t",
        "mwh",
        "mwh_per_t",
        "emission_factor_tco2_per_mwh",
        "indirect_tco2e_per_t",
    }
)


@dataclass(frozen=True)
class CbamRecord:
    """One row of the export (rounded as the rules file says) plus its electricity rows and provenance."""

    goods: CbamGoods
    year: int
    rule: CbamRule
    declare: Declare
    net_mass_t: Decimal
    see_direct: Decimal
    electricity_mwh_per_t: Decimal
    electricity_factor: Decimal | None
    electricity_factor_source: str
    see_indirect: Decimal | None
    see_indirect_computed: Decimal
    see_declared: Decimal
    electricity_rows: tuple[dict[str, Any], ...]
    unverified: tuple[str, ...] = field(default=())

    def row(self) -> dict[str, Any]:
        """The flat row written to CSV and XLSX (decimals as strings, None as empty)."""
        g = self.goods
        return {
            "installation_id": g.installation_id,
            "installation_name": g.installation_name,
            "operator_id": g.operator_id,
            "operator_name": g.operator_name,
            "country": g.country,
            "cn_code": g.cn_code,
            "product": g.product,
            "year": self.year,
            "period_start": g.period_start,
            "period_end": g.period_end,
            "production_route": g.production_route or "",
            "emissions_declared": self.declare,
            "net_mass_t": str(self.net_mass_t),
            "specific_direct_embedded_emissions_tco2e_per_t": str(self.see_direct),
            "electricity_consumed_mwh_per_t": str(self.electricity_mwh_per_t),
            "electricity_emission_factor_tco2_per_mwh": ""
            if self.electricity_factor is None
            else str(self.electricity_factor),
            "electricity_emission_factor_source": self.electricity_factor_source,
            "specific_indirect_embedded_emissions_tco2e_per_t": ""
            if self.see_indirect is None
            else str(self.see_indirect),
            "specific_embedded_emissions_declared_tco2e_per_t": str(self.see_declared),
            "rule": f"CN {self.rule.cn_prefix or '*'} {self.rule.from_year}-{self.rule.to_year or ''}: "
            f"{self.rule.declare} ({self.rule.status})",
            "notes": "; ".join((*g.notes, *self.unverified)),
        }


def cbam_record(goods: CbamGoods, year: int, rules: CbamRules, grid: GridDefault) -> CbamRecord:
    """The export record of ``goods`` in ``year``.

    Preconditions (``CbamError``): ``net_mass_t > 0``; ``direct_t >= 0``;
    every electricity amount ``>= 0``; a rule covers the CN code and year.
    Sources without a factor take ``grid``. Indirect emissions are computed
    always, declared only where the rule says ``direct_and_indirect``.
    """
    if goods.net_mass_t <= 0:
        raise CbamError(
            f"net mass {goods.net_mass_t} t of {goods.product} must be positive", code="cbam.no_mass"
        )
    if goods.direct_t < 0 or any(e.mwh < 0 for e in goods.electricity):
        raise CbamError(f"negative emissions or electricity for {goods.product}", code="cbam.negative")
    rule = rules.rule(goods.cn_code, year)
    mass = goods.net_mass_t
    rows: list[dict[str, Any]] = []
    total_mwh = indirect_t = Decimal(0)
    used: list[str] = []
    unverified: list[str] = []
    for e in goods.electricity:
        if e.mwh == 0:
            continue
        factor = grid.value if e.factor is None else e.factor
        source = grid.source if e.factor is None else e.factor_source
        if e.factor is None and grid.status != "confirmed":
            unverified.append(f"grid default factor: {grid.status} ({grid.source})")
        total_mwh += e.mwh
        indirect_t += e.mwh * factor
        used.append(e.kind)
        rows.append(
            {
                "installation_id": goods.installation_id,
                "cn_code": goods.cn_code,
                "year": year,
                "source": e.kind,
                "mwh": str(rules.round(e.mwh, "total_t")),
                "mwh_per_t": str(rules.round(e.mwh / mass, "mwh_per_t")),
                "emission_factor_tco2_per_mwh": str(rules.round(factor, "factor_t_per_mwh")),
                "factor_source": source,
                "evidence": e.evidence,
                "indirect_tco2e_per_t": str(rules.round(e.mwh * factor / mass, "specific_t_per_t")),
            }
        )
    see_direct = rules.round(goods.direct_t / mass, "specific_t_per_t")
    see_indirect_exact = indirect_t / mass
    factor_avg = None if total_mwh == 0 else rules.round(indirect_t / total_mwh, "factor_t_per_mwh")
    kinds = sorted(set(used))
    source = kinds[0] if len(kinds) == 1 else ("mixed: " + ", ".join(kinds) if kinds else "")
    see_indirect = (
        rules.round(see_indirect_exact, "specific_t_per_t") if rule.declare == "direct_and_indirect" else None
    )
    declared = see_direct + (see_indirect or Decimal(0))
    if rule.status != "confirmed":
        unverified.append(f"rule CN {rule.cn_prefix or '*'} {year}: {rule.status}")
    if rules.rounding_status != "confirmed":
        unverified.append(f"rounding: {rules.rounding_status}")
    return CbamRecord(
        goods=goods,
        year=year,
        rule=rule,
        declare=rule.declare,
        net_mass_t=rules.round(mass, "net_mass_t"),
        see_direct=see_direct,
        electricity_mwh_per_t=rules.round(total_mwh / mass, "mwh_per_t"),
        electricity_factor=factor_avg,
        electricity_factor_source=source,
        see_indirect=see_indirect,
        see_indirect_computed=see_indirect_exact,
        see_declared=declared,
        electricity_rows=tuple(rows),
        unverified=tuple(dict.fromkeys(unverified)),
    )


def direct_kg_per_declared_unit(result: FootprintResult, background: Background) -> Decimal:
    """Direct emissions of the model's processes per declared unit, kg CO2e: its process emissions and
    the fuels it burns (background factors of kind ``fuel``), not materials, suppliers or electricity."""
    total = Decimal(0)
    for i in result.by_input:
        fuel = False
        if i.kind == "input" and i.target.startswith(BACKGROUND_PREFIX):
            f = background.factors.get(i.target[len(BACKGROUND_PREFIX) :])
            fuel = f is not None and f.kind == "fuel"
        if i.kind == "emission" or fuel:
            total += Decimal(repr(i.market.total))
    return total


def goods_from_footprint(
    result: FootprintResult,
    background: Background,
    *,
    net_mass_t: Decimal,
    evidence: Mapping[str, str] | None = None,
) -> tuple[Decimal, tuple[ElectricitySource, ...]]:
    """Direct emissions (t, over ``net_mass_t``) and electricity by CBAM source (MWh) from a footprint.

    Per declared unit figures are scaled by ``net_mass_t`` ÷ the declared
    unit's mass. ``evidence`` maps ``direct_technical_link`` / ``ppa`` to the
    hourly-matching evidence text. Actual factors of direct and PPA energy are
    zero (wind and solar generation burn no fuel; see the rules file).
    """
    if result.mass_per_declared_unit_kg <= 0:
        raise CbamError(f"{result.product_id}: mass per declared unit must be positive", code="cbam.no_mass")
    units = net_mass_t * Decimal(1000) / Decimal(repr(result.mass_per_declared_unit_kg))
    direct_t = direct_kg_per_declared_unit(result, background) * units / Decimal(1000)
    e = result.electricity
    ev = evidence or {}

    def mwh(kwh: float) -> Decimal:
        return Decimal(repr(kwh)) * units / Decimal(1000)

    zero = "actual: wind/solar generation, no fuel burnt (0 t CO2/MWh)"
    sources = (
        ElectricitySource("grid_default", mwh(e.grid_kwh + e.certificate_kwh)),
        ElectricitySource(
            "direct_technical_link",
            mwh(e.direct_physical_kwh),
            Decimal(0),
            zero,
            ev.get("direct_technical_link", ""),
        ),
        ElectricitySource("ppa", mwh(e.contracted_kwh), Decimal(0), zero, ev.get("ppa", "")),
    )
    return direct_t, sources


def records_json(records: Sequence[CbamRecord], rules: CbamRules) -> dict[str, Any]:
    """The export as one JSON document (rows, electricity rows, unrounded indirect figures, sources)."""
    return {
        "format": "tanji.cbam/1",
        "rules_version": rules.version,
        "installations": [
            r.row() | {"specific_indirect_embedded_emissions_unrounded": str(r.see_indirect_computed)}
            for r in records
        ],
        "electricity": [row for r in records for row in r.electricity_rows],
        "sources": {k: dict(v) for k, v in rules.sources.items()},
    }
