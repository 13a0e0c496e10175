"""Electricity emission factors and 绿电直连 thresholds, from a shipped data file.

The file ``ledger/data/emission_factors.json`` carries a version string and,
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
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from ledger.errors import NotFound, RuleViolation

__all__ = [
    "Factor",
    "FactorTable",
    "Threshold",
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


def load_factors(path: str | Path | None = None) -> FactorTable:
    """Load the shipped factor file (or ``path``) and check it."""
    if path is None:
        text = resources.files("ledger.energy").joinpath("data", _DEFAULT).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise RuleViolation(f"emission factor file is not JSON: {e}", code="factors.bad_file") from e
    return FactorTable.from_json(doc)
