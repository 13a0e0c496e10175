"""Electricity emission factors and 绿电直连 thresholds, from a shipped data file.

This is Tanji's one factor table (DESIGN.md section 5): attribution reports,
product footprints (``lca``) and park accounting (``park``) all take the grid
factors of their electricity from :func:`grid_factors` (exported by
``ledger``), so the same electricity gets the same factor everywhere, and
every output can say which region and year it used.

The file ``ledger/energy/data/emission_factors.json`` carries a version string and,
on every value, its year, source and status:

- ``confirmed``: checked against a reproduction of the publication;
- ``derived``: computed here by the documented residual method;
- ``unverified``: not confirmed; never returned unless the caller asks with
  ``allow_unverified=True`` (and a ``null`` value is never returned at all).

Grid average factors are the MEE/NBS 电力二氧化碳排放因子 (national, regional,
provincial). Residual (market-based) factors follow the method in the file:
a published residual mix first (nationally, MEE/NBS's average "excluding
market-traded non-fossil electricity"), else the regional average scaled by
the national residual / average ratio of the same year (status ``derived``).

Units: kgCO2/kWh, which is also tCO2/MWh and gCO2/Wh.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from ledger.errors import NotFound, RuleViolation

__all__ = [
    "Factor",
    "FactorTable",
    "GridFactors",
    "Threshold",
    "grid_factors",
    "load_factors",
]

Status = Literal["confirmed", "derived", "unverified"]
_STATUSES = ("confirmed", "derived", "unverified")


@dataclass(frozen=True)
class Factor:
    """One emission factor in kgCO2/kWh with its provenance."""

    scope: str
    region: str
    year: int
    value: float | None
    source: str
    status: Status
    note: str = ""
    name_zh: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (``value`` in kgCO2/kWh)."""
        return {
            "region": self.region,
            "year": self.year,
            "kg_co2_per_kwh": self.value,
            "scope": self.scope,
            "source": self.source,
            "status": self.status,
            "note": self.note,
        }


@dataclass(frozen=True)
class GridFactors:
    """The grid factors of electricity consumed in ``region`` in ``year``; build with :func:`grid_factors`.

    ``location`` is the grid average (location-based results); ``residual`` the factor of
    electricity without a green claim in market-based results (a published residual mix,
    else one derived by the file's method: status ``derived``). Each factor's own ``year``
    is the year used: ``year`` itself when published, else the latest published before it.
    ``notes`` say when an older year stands in and when a newer value exists but is not
    shipped (unverified).
    """

    region: str
    year: int
    location: Factor
    residual: Factor
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for reports: region, the years used and the values."""
        loc, res = self.location, self.residual
        return (
            f"{self.region} for {self.year}: location-based {loc.value} kgCO2/kWh ({loc.region} {loc.year}, "
            f"{loc.status}); market-based residual {res.value} ({res.region} {res.year}, {res.status})"
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "region": self.region,
            "year": self.year,
            "location": self.location.to_json(),
            "residual": self.residual.to_json(),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Threshold:
    """One 绿电直连 threshold: ``metric comparison value`` in ``[from_year, to_year]``."""

    id: str
    metric: str
    comparison: Literal[">=", "<="]
    value: float
    from_year: int | None
    to_year: int | None
    source: str
    status: Status
    note: str = ""

    def applies(self, year: int) -> bool:
        """True if the threshold is in force in ``year``."""
        return (self.from_year is None or year >= self.from_year) and (
            self.to_year is None or year <= self.to_year
        )

    def passes(self, ratio: float) -> bool:
        """True if ``ratio`` meets the threshold."""
        return ratio >= self.value if self.comparison == ">=" else ratio <= self.value


def _factor(raw: Mapping[str, Any], sources: Mapping[str, Any]) -> Factor:
    if raw["source"] not in sources:
        raise RuleViolation(
            f"factor {raw.get('region')}/{raw.get('year')} cites unknown source {raw['source']}",
            code="factors.bad_file",
        )
    if raw["status"] not in _STATUSES:
        raise RuleViolation(f"bad status {raw['status']!r}", code="factors.bad_file")
    if raw["value"] is None and raw["status"] != "unverified":
        raise RuleViolation("a null value must be 'unverified'", code="factors.bad_file")
    return Factor(
        scope=raw["scope"],
        region=raw["region"],
        year=int(raw["year"]),
        value=None if raw["value"] is None else float(raw["value"]),
        source=raw["source"],
        status=raw["status"],
        note=raw.get("note", ""),
        name_zh=raw.get("name_zh", ""),
    )


@dataclass(frozen=True)
class FactorTable:
    """The parsed data file. Build with :func:`load_factors`."""

    version: str
    sources: Mapping[str, Mapping[str, str]]
    grid_average: tuple[Factor, ...]
    residual_published: tuple[Factor, ...]
    fossil: tuple[Factor, ...]
    thresholds: tuple[Threshold, ...]
    residual_method: str

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> FactorTable:
        """Parse and check the data file; ``factors.bad_file`` on any defect."""
        try:
            sources = doc["sources"]
            table = cls(
                version=str(doc["version"]),
                sources=sources,
                grid_average=tuple(_factor(f, sources) for f in doc["grid_average"]),
                residual_published=tuple(_factor(f, sources) for f in doc["residual"]["published"]),
                fossil=tuple(_factor(f, sources) for f in doc.get("fossil", [])),
                thresholds=tuple(
                    Threshold(
                        id=t["id"],
                        metric=t["metric"],
                        comparison=t["comparison"],
                        value=float(t["value"]),
                        from_year=t["from_year"],
                        to_year=t["to_year"],
                        source=t["source"],
                        status=t["status"],
                        note=t.get("note", ""),
                    )
                    for t in doc["direct_supply_thresholds"]
                ),
                residual_method=str(doc["residual"]["method"]),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise RuleViolation(f"emission factor file is malformed: {e!r}", code="factors.bad_file") from e
        for t in table.thresholds:
            if t.source not in sources or t.comparison not in (">=", "<=") or t.status not in _STATUSES:
                raise RuleViolation(f"threshold {t.id} is malformed", code="factors.bad_file")
        return table

    @staticmethod
    def _pick(
        candidates: tuple[Factor, ...],
        region: str,
        year: int,
        allow_unverified: bool,
        latest_before: bool,
    ) -> Factor | None:
        usable = [
            f
            for f in candidates
            if f.region == region
            and f.value is not None
            and (allow_unverified or f.status != "unverified")
            and (f.year == year or (latest_before and f.year < year))
        ]
        return max(usable, key=lambda f: f.year, default=None)

    def grid_factor(
        self,
        region: str,
        year: int,
        *,
        allow_unverified: bool = False,
        latest_before: bool = True,
    ) -> Factor:
        """The grid average factor of ``region`` for ``year``.

        With ``latest_before`` (default) the latest year ``<= year`` is used when
        ``year`` itself is not published yet (check ``Factor.year``). Raises
        :class:`NotFound` (``factors.not_found``) when nothing usable exists.
        """
        found = self._pick(self.grid_average, region, year, allow_unverified, latest_before)
        if found is None:
            raise NotFound(
                f"no usable grid average factor for {region} in or before {year}",
                code="factors.not_found",
                region=region,
                year=year,
            )
        return found

    def residual_factor(
        self,
        region: str,
        year: int,
        *,
        allow_unverified: bool = False,
        latest_before: bool = True,
    ) -> Factor:
        """The market-based residual factor of ``region`` for ``year``.

        A published residual mix wins; otherwise the derived one
        ``EF_avg(region) * EF_res(CN) / EF_avg(CN)`` of the year of the
        region's average factor (status ``derived``, with the formula in
        ``note``). Raises :class:`NotFound` when neither can be formed.
        """
        published = self._pick(self.residual_published, region, year, allow_unverified, latest_before)
        average = self._pick(self.grid_average, region, year, allow_unverified, latest_before)
        if published is not None and (average is None or published.year >= average.year):
            return published
        if average is None or average.value is None:
            raise NotFound(
                f"no residual or average factor for {region} in or before {year}",
                code="factors.not_found",
            )
        nat_res = self._pick(self.residual_published, "CN", average.year, allow_unverified, False)
        nat_avg = self._pick(self.grid_average, "CN", average.year, allow_unverified, False)
        if nat_res is None or nat_avg is None or not nat_avg.value or nat_res.value is None:
            raise NotFound(
                f"no national residual/average pair for {average.year} to derive {region}",
                code="factors.not_found",
            )
        value = round(average.value * nat_res.value / nat_avg.value, 4)
        return Factor(
            scope=average.scope,
            region=region,
            year=average.year,
            value=value,
            source=average.source,
            status="derived",
            note=(
                f"derived: {average.value} x {nat_res.value} / {nat_avg.value} "
                f"(regional average x national residual / national average, {average.year})"
            ),
            name_zh=average.name_zh,
        )

    def _title(self, source: str) -> str:
        return str(self.sources.get(source, {}).get("title", source))

    def citation(self, source: str) -> str:
        """The publication behind a source key, for outputs: publisher, title, date."""
        src = self.sources.get(source)
        if src is None:
            return source
        return f"{src.get('publisher', '')}: {src.get('title', source)} ({src.get('date', 'n.d.')})"

    def grid_factors(self, region: str, year: int, *, allow_unverified: bool = False) -> GridFactors:
        """Location-based and market-based factors of ``region`` for ``year`` (see :func:`grid_factors`)."""
        if not isinstance(region, str) or not region:
            raise RuleViolation(f"grid region {region!r} is not a region code", code="factors.bad_region")
        if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
            raise RuleViolation(f"year {year!r} is not in 1990..2100", code="factors.bad_year")
        location = self.grid_factor(region, year, allow_unverified=allow_unverified)
        residual = self.residual_factor(region, year, allow_unverified=allow_unverified)
        notes: list[str] = []
        if location.year < year:
            notes.append(
                f"no {region} grid factor for {year} is published (or shipped): {location.year}'s is used"
            )
        for f in self.grid_average:
            newer = location.year < f.year <= year
            if f.region == region and newer and (f.value is None or f.status == "unverified"):
                notes.append(
                    f"{region} {f.year} is published ({self._title(f.source)}) but not shipped "
                    f"({f.status}): {location.year}'s is used"
                )
        if residual.status == "derived":
            notes.append(f"market-based residual {residual.note}")
        return GridFactors(region, year, location, residual, tuple(notes))

    def thresholds_for(self, year: int, overrides: Mapping[str, float] | None = None) -> dict[str, Threshold]:
        """Thresholds in force in ``year``, by id.

        ``overrides`` maps a threshold id to a provincial value (e.g.
        ``{"grid_export_of_generation": 0.3}``); the returned threshold then
        notes the override.
        """
        active = {t.id: t for t in self.thresholds if t.applies(year)}
        for key, value in (overrides or {}).items():
            if key not in active:
                raise NotFound(f"no threshold {key} in force in {year}", code="factors.not_found")
            base = active[key]
            active[key] = Threshold(
                id=base.id,
                metric=base.metric,
                comparison=base.comparison,
                value=float(value),
                from_year=base.from_year,
                to_year=base.to_year,
                source=base.source,
                status=base.status,
                note=f"provincial override of {base.value}: {value}",
            )
        return active


_DEFAULT = "emission_factors.json"


@lru_cache(maxsize=1)
def _shipped() -> FactorTable:
    return _parse(resources.files("ledger.energy").joinpath("data", _DEFAULT).read_text(encoding="utf-8"))


def load_factors(path: str | Path | None = None) -> FactorTable:
    """The shipped factor file (parsed once per process), or the file at ``path``, checked."""
    if path is None:
        return _shipped()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise NotFound(f"emission factor file {path} cannot be read: {e}", code="factors.file_missing") from e
    return _parse(text)


def grid_factors(
    region: str, year: int, *, table: FactorTable | None = None, allow_unverified: bool = False
) -> GridFactors:
    """The grid factors of electricity used in ``region`` (``CN``, ``CN-R-NORTH``, ``CN-NM`` …) in ``year``.

    The one rule every output follows (DESIGN.md section 5): the year is the period's, else
    the latest published before it; the factors come from ``table`` (default: the shipped
    file). Preconditions: ``region`` a non-empty code (``factors.bad_region``), ``year`` in
    1990..2100 (``factors.bad_year``). Raises :class:`NotFound` (``factors.not_found``) when
    the region has no usable factor in or before ``year``.
    """
    return (table or load_factors()).grid_factors(region, year, allow_unverified=allow_unverified)


def _parse(text: str) -> FactorTable:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise RuleViolation(f"emission factor file is not JSON: {e}", code="factors.bad_file") from e
    return FactorTable.from_json(doc)
