"""Green-power indicators per meter, enterprise, link, generator and period.

Everything is built from additive monthly totals (integer Wh), so a period of
any length is the sum of its months and memory stays bounded: collect one
month at a time (``PeriodTotals.add`` fits ``attribute_period(sink=...)``),
then group and form ratios.

Definitions (per meter, summed over the group and period; ``C`` consumption;
the three shares are :mod:`ledger.attribution.shares`'s, defined there once):

- ``physical_green_share = direct / C`` -- energy delivered over the 绿电直连
  line;
- ``claimable_green_share = (claimable_direct + claimable_contracted +
  certificate) / C`` -- green claims backed by retired GEC (direct and
  contracted energy only where GEC of the same generator and month were
  retired for the meter);
- ``green_share = (direct + contracted + certificate) / C`` -- everything
  attributed as green, physical or not;
- ``hourly_matched_share = sum_h min(C_h, green_h) / sum_h C`` with
  ``green_h = direct_h + contracted_h``, the energy matched hour by hour
  against metered generation. Certificates are spread monthly, not matched
  hourly, so they are left out (a 24/7 score gives no credit for them); surplus
  in one hour is never banked into another.
- ``unused_certificate_wh`` -- Wh of whole units a retirement gave a meter but
  the meter could not use (units never assigned to any meter appear only in
  the certificate table);
- ``location_kg = C * EF_avg`` (grid average factor);
  ``market_kg = (grid + direct - claimable_direct + contracted -
  claimable_contracted) * EF_residual``: claimed green counts zero;
  **unclaimable physical direct and contracted energy gets the residual
  factor**, because its green attribute was not retired for the consumer and
  may be claimed by someone else (GEC sold or transferred separately).

Wh x kgCO2/kWh / 1000 = kgCO2. Ratios are floats (reports, not conservation);
a zero denominator gives NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ledger.attribution.allocation import Int64Array
from ledger.attribution.records import MonthInputs
from ledger.attribution.result import MonthResult
from ledger.attribution.shares import (
    claimable_share,
    gec_backed_wh,
    hourly_matched_share,
    hourly_matched_wh,
    physical_share,
    ratio,
)
from ledger.energy.factors import FactorTable
from ledger.energy.units import WH_PER_GEC
from ledger.errors import NotFound, RuleViolation

__all__ = [
    "METER_WH_COLUMNS",
    "PeriodTotals",
    "add_emissions",
    "by_enterprise",
    "certificate_totals",
    "generator_totals",
    "link_totals",
    "meter_totals",
    "summarise",
    "technology_totals",
]

#: Additive columns of :func:`meter_totals` (Wh, except ``gap_hours``).
METER_WH_COLUMNS = (
    "consumption_wh",
    "direct_wh",
    "claimable_direct_wh",
    "contracted_wh",
    "claimable_contracted_wh",
    "certificate_wh",
    "grid_wh",
    "hourly_matched_wh",
    "unused_certificate_wh",
    "gap_hours",
)


def meter_totals(result: MonthResult) -> pd.DataFrame:
    """One row per consumer meter for the result's month (columns ``month``,
    ``meter_id`` and :data:`METER_WH_COLUMNS`, int64)."""
    unused = dict.fromkeys(result.consumer_ids, 0)
    for use in result.certificate_uses:
        unused[use.meter_id] += use.units * WH_PER_GEC - use.used_wh
    return pd.DataFrame(
        {
            "month": result.month,
            "meter_id": list(result.consumer_ids),
            "consumption_wh": result.consumption.sum(axis=1),
            "direct_wh": result.direct.sum(axis=1),
            "claimable_direct_wh": result.claimable_direct,
            "contracted_wh": result.contracted.sum(axis=1),
            "claimable_contracted_wh": result.claimable_contracted,
            "certificate_wh": result.certificate.sum(axis=1),
            "grid_wh": result.grid.sum(axis=1),
            "hourly_matched_wh": hourly_matched_wh(result.consumption, result.direct, result.contracted),
            "unused_certificate_wh": np.array([unused[m] for m in result.consumer_ids], dtype=np.int64),
            "gap_hours": result.gap.sum(axis=1).astype(np.int64),
        }
    )


def generator_totals(result: MonthResult) -> pd.DataFrame:
    """One row per generator: generation, direct, contracted and surplus
    (exported to the grid without a buyer in the attribution) in Wh."""
    return pd.DataFrame(
        {
            "month": result.month,
            "generator_id": list(result.generator_ids),
            "technology": list(result.technologies),
            "generation_wh": result.generation.sum(axis=1),
            "direct_wh": result.generator_direct.sum(axis=1),
            "contracted_wh": result.generator_contracted.sum(axis=1),
            "surplus_wh": result.surplus.sum(axis=1),
            "gap_hours": result.generation_gap.sum(axis=1).astype(np.int64),
        }
    )


def link_totals(inputs: MonthInputs, result: MonthResult) -> pd.DataFrame:
    """One row per direct-supply link, over the hours the link is valid.

    ``available_generation_wh`` is the link generators' metered output,
    ``self_consumed_wh`` what they gave the link's consumers,
    ``grid_export_wh`` what the link's ``grid_export`` meters measured (650号:
    curtailed energy is not export; ``<NA>`` -- not measured -- when the link
    has no such meter; hours without their readings count 0 and are in
    ``export_gap_hours``), ``users_consumption_wh`` the link consumers' total
    consumption. Precondition: ``result`` was computed from ``inputs``.
    """
    g_index = {g: i for i, g in enumerate(result.generator_ids)}
    m_index = {m: i for i, m in enumerate(result.consumer_ids)}
    export = dict(zip(result.link_ids, _per_link(result.link_export_wh, result, -1), strict=True))
    export_gaps = dict(zip(result.link_ids, _per_link(result.link_export_gap_hours, result, 0), strict=True))
    rows = []
    for link in inputs.links:
        lo, hi = link.hour_range(inputs.month, inputs.time_zone)
        gis = [g_index[g] for g in link.generator_ids]
        mis = [m_index[m] for m in link.consumer_ids]
        available = int(result.generation[gis, lo:hi].sum())
        self_used = int(result.generator_direct[gis, lo:hi].sum())
        exported = int(export[link.link_id])
        rows.append(
            {
                "month": inputs.month,
                "link_id": link.link_id,
                "hours": hi - lo,
                "available_generation_wh": available,
                "self_consumed_wh": self_used,
                "grid_export_wh": None if exported < 0 else exported,
                "users_consumption_wh": int(result.consumption[mis, lo:hi].sum()),
                "generation_gap_hours": int(result.generation_gap[gis, lo:hi].sum()),
                "consumption_gap_hours": int(result.gap[mis, lo:hi].sum()),
                "export_gap_hours": int(export_gaps[link.link_id]),
            }
        )
    columns = [
        "month",
        "link_id",
        "hours",
        "available_generation_wh",
        "self_consumed_wh",
        "grid_export_wh",
        "users_consumption_wh",
        "generation_gap_hours",
        "consumption_gap_hours",
        "export_gap_hours",
    ]
    out = pd.DataFrame(rows, columns=columns)
    out["grid_export_wh"] = out["grid_export_wh"].astype("Int64")  # <NA>: not measured
    return out


def _per_link(array: Int64Array | None, result: MonthResult, fill: int) -> Int64Array:
    return np.full(len(result.link_ids), fill, dtype=np.int64) if array is None else array


def certificate_totals(inputs: MonthInputs, result: MonthResult) -> pd.DataFrame:
    """One row per retirement: units, Wh claimed on direct and on contracted energy, Wh covered, Wh
    unused."""
    claimed = dict.fromkeys(result.retirement_ids, 0)
    claimed_c = dict.fromkeys(result.retirement_ids, 0)
    covered = dict.fromkeys(result.retirement_ids, 0)
    for use in result.certificate_uses:
        claimed[use.retirement_id] += use.claimed_direct_wh
        claimed_c[use.retirement_id] += use.claimed_contracted_wh
        covered[use.retirement_id] += use.covered_wh
    return pd.DataFrame(
        {
            "month": inputs.month,
            "retirement_id": [r.retirement_id for r in inputs.retirements],
            "beneficiary": [r.beneficiary for r in inputs.retirements],
            "generator_id": [r.generator_id for r in inputs.retirements],
            "technology": [r.technology for r in inputs.retirements],
            "bundled_with_trade": [r.bundled_with_trade for r in inputs.retirements],
            "units": np.array([r.units for r in inputs.retirements], dtype=np.int64),
            "claimed_direct_wh": np.array(list(claimed.values()), dtype=np.int64),
            "claimed_contracted_wh": np.array(list(claimed_c.values()), dtype=np.int64),
            "covered_wh": np.array(list(covered.values()), dtype=np.int64),
            "unused_wh": np.asarray(result.retirement_unused_wh, dtype=np.int64),
        }
    )


@dataclass
class PeriodTotals:
    """Collects monthly totals; pass ``totals.add`` as ``attribute_period``'s sink.

    Mutable by design (it is a collector); its frames are plain data.
    """

    meters: list[pd.DataFrame] = field(default_factory=list)
    generators: list[pd.DataFrame] = field(default_factory=list)
    links: list[pd.DataFrame] = field(default_factory=list)
    certificates: list[pd.DataFrame] = field(default_factory=list)

    def add(self, inputs: MonthInputs, result: MonthResult) -> None:
        """Add one month's totals."""
        self.meters.append(meter_totals(result))
        self.generators.append(generator_totals(result))
        self.links.append(link_totals(inputs, result))
        self.certificates.append(certificate_totals(inputs, result))

    @staticmethod
    def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def meter_frame(self) -> pd.DataFrame:
        return self._concat(self.meters)

    def generator_frame(self) -> pd.DataFrame:
        return self._concat(self.generators)

    def link_frame(self) -> pd.DataFrame:
        return self._concat(self.links)

    def certificate_frame(self) -> pd.DataFrame:
        return self._concat(self.certificates)


def add_emissions(
    meters: pd.DataFrame,
    table: FactorTable,
    region: str,
    *,
    allow_unverified: bool = False,
) -> pd.DataFrame:
    """Add ``location_kg`` and ``market_kg`` (additive) to monthly meter rows.

    Each month uses the grid average and residual factors of its year for
    ``region`` (the latest published year before it when its own is not out:
    the years used are in ``location_factor_year`` / ``residual_factor_year``).
    Precondition: ``meters`` has the columns of :func:`meter_totals`.
    """
    out = meters.copy()
    years = out["month"].str.slice(0, 4).astype(int)
    loc = np.empty(len(out))
    res = np.empty(len(out))
    loc_year = np.empty(len(out), dtype=np.int64)
    res_year = np.empty(len(out), dtype=np.int64)
    for year in sorted(set(years)):
        mask = (years == year).to_numpy()
        avg = table.grid_factor(region, year, allow_unverified=allow_unverified)
        resid = table.residual_factor(region, year, allow_unverified=allow_unverified)
        assert avg.value is not None and resid.value is not None
        loc[mask], loc_year[mask] = avg.value, avg.year
        res[mask], res_year[mask] = resid.value, resid.year
    out["location_factor_year"] = loc_year
    out["residual_factor_year"] = res_year
    out["location_kg"] = out["consumption_wh"].to_numpy() / 1000.0 * loc
    unclaimed = (
        out["grid_wh"]
        + out["direct_wh"]
        - out["claimable_direct_wh"]
        + out["contracted_wh"]
        - out["claimable_contracted_wh"]
    )
    out["market_kg"] = unclaimed.to_numpy() / 1000.0 * res
    return out


def by_enterprise(
    frame: pd.DataFrame, owners: Mapping[str, str], *, id_column: str = "meter_id"
) -> pd.DataFrame:
    """``frame`` with an ``enterprise`` column from ``owners`` (id -> owner).

    ``id_column`` is ``"meter_id"`` for meter rows, ``"generator_id"`` for
    generator rows (surplus exported per enterprise). Raises
    :class:`NotFound` (``indicators.unknown_owner``) naming ids without owner.
    """
    missing = sorted(set(frame[id_column]) - set(owners))
    if missing:
        raise NotFound(
            f"no owner for {id_column} {', '.join(missing)}",
            code="indicators.unknown_owner",
            ids=missing,
        )
    out = frame.copy()
    out["enterprise"] = out[id_column].map(owners)
    return out


def technology_totals(inputs: MonthInputs, result: MonthResult) -> pd.DataFrame:
    """Green Wh per meter, technology and kind, for product footprints (LCA).

    Kinds: ``direct`` and ``claimable_direct`` (from the link generators'
    technology), ``contracted`` and ``claimable_contracted`` (the sellers'
    technology) and ``certificate`` (the technology of the retired GEC). Rows with 0 Wh are left out; sorted
    by meter id, kind, technology.
    """
    frames = []
    techs = np.array(result.technologies, dtype=object)
    for kind, per_mg in (
        ("direct", result.direct_by_generator),
        ("claimable_direct", result.claimable_direct_by_generator),
        ("contracted", result.contracted_by_generator),
        ("claimable_contracted", result.claimable_contracted_by_generator),
    ):
        m, g = np.nonzero(per_mg)
        frames.append(
            pd.DataFrame(
                {
                    "meter_id": np.array(result.consumer_ids, dtype=object)[m],
                    "kind": kind,
                    "technology": techs[g],
                    "wh": per_mg[m, g],
                }
            )
        )
    tech_of = {r.retirement_id: r.technology for r in inputs.retirements}
    frames.append(
        pd.DataFrame(
            {
                "meter_id": [u.meter_id for u in result.certificate_uses],
                "kind": "certificate",
                "technology": [tech_of[u.retirement_id] for u in result.certificate_uses],
                "wh": np.array([u.covered_wh for u in result.certificate_uses], dtype=np.int64),
            }
        )
    )
    out = pd.concat(frames, ignore_index=True)
    out = out[out["wh"] > 0]
    out = out.groupby(["meter_id", "kind", "technology"], sort=True)["wh"].sum().reset_index()
    out.insert(0, "month", result.month)
    return out


def summarise(
    meters: pd.DataFrame,
    by: str | Sequence[str],
    *,
    months: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Sum additive columns over ``months`` (all if ``None``) grouped by ``by``
    (e.g. ``"meter_id"``, ``"enterprise"``, ``["enterprise", "month"]``) and add
    the shares defined in the module docstring."""
    keys = [by] if isinstance(by, str) else list(by)
    unknown = [k for k in keys if k not in meters.columns]
    if unknown:
        raise RuleViolation(f"cannot group by {unknown}", code="indicators.bad_group")
    frame = meters if months is None else meters[meters["month"].isin(list(months))]
    additive = [
        c for c in (*METER_WH_COLUMNS, "location_kg", "market_kg") if c in frame.columns and c not in keys
    ]
    out = frame.groupby(keys, sort=True)[additive].sum().reset_index()
    c = out["consumption_wh"]
    out["physical_green_share"] = physical_share(out["direct_wh"], c)
    out["claimable_green_share"] = claimable_share(
        gec_backed_wh(out["claimable_direct_wh"], out["claimable_contracted_wh"], out["certificate_wh"]), c
    )
    out["green_share"] = ratio(out["direct_wh"] + out["contracted_wh"] + out["certificate_wh"], c)
    out["hourly_matched_share"] = hourly_matched_share(out["hourly_matched_wh"], c)
    return out
