"""Direct-supply (绿电直连) compliance per link and year, 发改能源〔2025〕650号.

For a grid-connected project the notice sets, on annual totals of the whole
project (thresholds and sources in ``ledger/data/emission_factors.json``):

- ``self_use_of_generation``: self-consumed green / available green
  generation ``>= 60 %``;
- ``self_use_of_consumption``: self-consumed green / the users' total
  consumption ``>= 30 %`` (``>= 35 %`` for years from 2030);
- ``grid_export_of_generation``: grid export / available generation
  ``<= 20 %`` unless the province sets another cap (pass ``overrides``).

The numbers come from the same attribution results (:func:`ledger.attribution.totals.
link_totals`): self-consumed = what the link's generators gave its consumers
in step 1; grid export = what the link's ``grid_export`` meters measured
(curtailed energy is not export). A link without such a meter in some month
of the year has its grid export **not measured**: that check has no ratio and
no verdict (``measured`` false), never a guess from available minus self-use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ledger.energy.factors import FactorTable, Threshold
from ledger.errors import RuleViolation

__all__ = ["ComplianceCheck", "LinkCompliance", "link_compliance"]

_RATIOS = {
    "self_use_of_generation": ("self_consumed_wh", "available_generation_wh"),
    "self_use_of_consumption": ("self_consumed_wh", "users_consumption_wh"),
    "grid_export_of_generation": ("grid_export_wh", "available_generation_wh"),
}


@dataclass(frozen=True)
class ComplianceCheck:
    """One ratio against its threshold. ``passed`` is ``None`` when the ratio
    is undefined (zero denominator, or a numerator that was not measured:
    ``measured`` false, ``numerator_wh`` 0)."""

    threshold: Threshold
    numerator_wh: int
    denominator_wh: int
    ratio: float | None
    passed: bool | None
    measured: bool = True


@dataclass(frozen=True)
class LinkCompliance:
    """A link's year: the checks, the months covered and any data gaps.

    ``complete`` is true when all 12 months were attributed without gaps in
    the link's meters; a report on an incomplete year must say so.
    """

    link_id: str
    year: int
    months: tuple[str, ...]
    checks: tuple[ComplianceCheck, ...]
    gap_hours: int

    @property
    def complete(self) -> bool:
        return len(self.months) == 12 and self.gap_hours == 0

    @property
    def passed(self) -> bool | None:
        """All checks pass (``None`` if any is undefined)."""
        results = [c.passed for c in self.checks]
        if any(r is None for r in results):
            return None
        return all(results)


def link_compliance(
    links: pd.DataFrame,
    year: int,
    table: FactorTable,
    *,
    overrides: Mapping[str, float] | None = None,
) -> tuple[LinkCompliance, ...]:
    """Compliance of every link in ``links`` for ``year``, sorted by link id.

    Preconditions: ``links`` has the columns of
    :func:`ledger.attribution.totals.link_totals` (any months; only ``year``'s are
    used); ``overrides`` maps a threshold id to a provincial value.
    Raises ``compliance.no_data`` if no row is in ``year``.
    """
    rows = links[links["month"].str.startswith(f"{year:04d}-")]
    if rows.empty:
        raise RuleViolation(f"no link totals for {year}", code="compliance.no_data", year=year)
    thresholds = table.thresholds_for(year, overrides)
    out = []
    for link_id, group in rows.groupby("link_id", sort=True):
        unmeasured = {c for c in group.columns if c.endswith("_wh") and bool(group[c].isna().any())}
        sums = {c: int(group[c].fillna(0).sum()) for c in group.columns if c.endswith(("_wh", "_hours"))}
        checks = []
        for tid, (num_col, den_col) in _RATIOS.items():
            if tid not in thresholds:
                continue
            num, den = sums[num_col], sums[den_col]
            measured = num_col not in unmeasured
            ratio = num / den if den and measured else None
            passed = None if ratio is None or math.isnan(ratio) else thresholds[tid].passes(ratio)
            checks.append(
                ComplianceCheck(thresholds[tid], num if measured else 0, den, ratio, passed, measured)
            )
        out.append(
            LinkCompliance(
                link_id=str(link_id),
                year=year,
                months=tuple(sorted(set(group["month"]))),
                checks=tuple(checks),
                gap_hours=sums["generation_gap_hours"]
                + sums["consumption_gap_hours"]
                + sums.get("export_gap_hours", 0),
            )
        )
    return tuple(out)
