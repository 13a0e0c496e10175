"""Reports over recorded attribution runs: indicators, LCA electricity, compliance, CBAM evidence.

Every number here is read from the projection of an ``attribution.run``
(:mod:`ledger.attribution.store`), so a report names the run (its ``seq``) it
rests on and anyone can re-run that run from the log. Definitions of the
shares and emissions are those of :mod:`ledger.attribution.totals`; the region
factor for park meters is Inner Mongolia's (``CN-NM``) unless told otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.attribution.compliance import LinkCompliance, link_compliance
from ledger.attribution.store import (
    AttributionLinkRow,
    AttributionMeterRow,
    AttributionRunRow,
    AttributionSourceRow,
    read_generator_hours,
    read_meter_hours,
    read_table,
    run_time_zone,
)
from ledger.attribution.totals import add_emissions, by_enterprise, summarise
from ledger.energy.factors import FactorTable, load_factors
from ledger.energy.links import DirectLinkRow
from ledger.energy.meters import MeterRow
from ledger.energy.periods import month_first_day, next_month, parse_month
from ledger.energy.trades import TradeRow
from ledger.errors import NotFound, RuleViolation

__all__ = [
    "DEFAULT_REGION",
    "DirectLinkReport",
    "GreenReport",
    "MeterElectricityRecord",
    "direct_link_report",
    "enterprise_indicators",
    "find_park_run",
    "find_run",
    "green_report",
    "hourly_matching_evidence",
    "link_indicators",
    "meter_electricity",
    "meter_electricity_for_period",
    "meter_indicators",
]

#: Grid region of the park meters (Inner Mongolia, MEE/NBS provincial factor).
DEFAULT_REGION = "CN-NM"


@dataclass(frozen=True)
class MeterElectricityRecord:
    """One consumer meter's attributed electricity over a run's period, Wh by technology.

    The LCA package's ``MeterElectricity`` (``lca.electricity``) plus the
    claimable part of the contracted energy: ``period_start``/``period_end``
    are the local first days of the first month and of the month after the
    last (attribution months are the park's local months); ``direct_wh`` and
    ``contracted_wh`` are the physical (hour-matched) energy, of which
    ``direct_claimable_wh`` and ``contracted_claimable_wh`` is backed by GEC
    of the same generator and month retired for the meter;
    ``attribution_seq`` is the run's ``seq``.
    """

    meter_id: str
    period_start: dt.date
    period_end: dt.date
    direct_wh: Mapping[str, int]
    direct_claimable_wh: Mapping[str, int]
    contracted_wh: Mapping[str, int]
    certificate_wh: Mapping[str, int]
    grid_wh: int
    attribution_seq: int
    contracted_claimable_wh: Mapping[str, int] = field(default_factory=dict)

    @property
    def contracted_unclaimed_wh(self) -> int:
        """Contracted energy delivered but not claimable (its GEC were not retired for the meter)."""
        return sum(self.contracted_wh.values()) - sum(self.contracted_claimable_wh.values())

    @property
    def consumption_wh(self) -> int:
        return (
            sum(self.direct_wh.values())
            + sum(self.contracted_wh.values())
            + sum(self.certificate_wh.values())
            + self.grid_wh
        )


def _run_row(session: Session, run_seq: int) -> AttributionRunRow:
    row = session.get(AttributionRunRow, run_seq)
    if row is None:
        raise NotFound(f"no attribution run at seq {run_seq}", code="attribution.run_not_found", seq=run_seq)
    return row


def find_run(
    session: Session, first_month: str, last_month: str, *, meter: str | None = None, link: str | None = None
) -> int:
    """The newest run whose period covers ``first_month..last_month`` and that
    computed ``meter`` (or ``link``). ``NotFound`` (``attribution.no_run``) if none."""
    q = (
        select(AttributionRunRow.seq)
        .where(AttributionRunRow.first_month <= first_month, AttributionRunRow.last_month >= last_month)
        .order_by(AttributionRunRow.seq.desc())
    )
    if meter is not None:
        q = q.where(
            select(AttributionMeterRow.run_seq)
            .where(
                AttributionMeterRow.run_seq == AttributionRunRow.seq, AttributionMeterRow.meter_id == meter
            )
            .exists()
        )
    if link is not None:
        q = q.where(
            select(AttributionLinkRow.run_seq)
            .where(AttributionLinkRow.run_seq == AttributionRunRow.seq, AttributionLinkRow.link_id == link)
            .exists()
        )
    seq = session.scalar(q.limit(1))
    if seq is None:
        what = f" for meter {meter}" if meter else f" for link {link}" if link else ""
        raise NotFound(
            f"no attribution run covers {first_month}..{last_month}{what}; run `tanji attribute`",
            code="attribution.no_run",
            first_month=first_month,
            last_month=last_month,
        )
    return int(seq)


def find_park_run(session: Session, park_id: str, first_month: str, last_month: str) -> int | None:
    """The newest run with scope ``park park_id`` whose period covers ``first_month..last_month``, or None."""
    q = (
        select(AttributionRunRow.seq, AttributionRunRow.scope)
        .where(AttributionRunRow.first_month <= first_month, AttributionRunRow.last_month >= last_month)
        .order_by(AttributionRunRow.seq.desc())
    )
    for seq, scope in session.execute(q):
        if json.loads(scope).get("park") == park_id:
            return int(seq)
    return None


def meter_electricity(
    session: Session,
    run_seq: int,
    meters: Sequence[str] | None = None,
    *,
    months: tuple[str, str] | None = None,
    allow_gaps: bool = False,
) -> tuple[MeterElectricityRecord, ...]:
    """Per-meter electricity split of a run (default: its requested meters), sorted by meter.

    Sums over the run's months, or over ``months = (first, last)`` inside
    them. Raises ``NotFound`` for an unknown run or a meter the run did not
    compute (``attribution.meter_not_in_run``), ``attribution.outside_run``
    for months outside the run, and -- unless ``allow_gaps`` -- a
    ``RuleViolation`` ``attribution.gaps`` when a meter had hours without
    readings (their consumption is not in the split: never a silent zero).
    """
    run = _run_row(session, run_seq)
    first, last = months or (run.first_month, run.last_month)
    if first > last or first < run.first_month or last > run.last_month:
        raise NotFound(
            f"months {first}..{last} are not inside run {run_seq} ({run.first_month}..{run.last_month})",
            code="attribution.outside_run",
            seq=run_seq,
        )
    totals = read_table(session, "meters", run_seq, requested_only=meters is None)
    totals = totals[(totals["month"] >= first) & (totals["month"] <= last)]
    wanted = sorted(set(totals["meter_id"])) if meters is None else sorted(set(meters))
    missing = sorted(set(wanted) - set(totals["meter_id"]))
    if missing:
        raise NotFound(
            f"run {run_seq} did not attribute meter {', '.join(missing)}",
            code="attribution.meter_not_in_run",
            meters=missing,
        )
    gaps = totals[totals["meter_id"].isin(wanted)].groupby("meter_id")["gap_hours"].sum()
    if not allow_gaps and int(gaps.sum()):
        bad = sorted(str(m) for m in gaps[gaps > 0].index)
        raise RuleViolation(
            f"run {run_seq} has hours without readings for meter {', '.join(bad)} in "
            f"{first}..{last}; pass allow_gaps (CLI: --allow-gaps) to use the split without them",
            code="attribution.gaps",
            meters=bad,
            hours=int(gaps.sum()),
        )
    t = AttributionSourceRow
    src = session.execute(
        select(t.meter_id, t.kind, t.technology, t.wh).where(
            t.run_seq == run_seq, t.month >= first, t.month <= last
        )
    ).all()
    by: dict[tuple[str, str], dict[str, int]] = {}
    for meter_id, kind, tech, wh in src:
        bucket = by.setdefault((meter_id, kind), {})
        bucket[tech] = bucket.get(tech, 0) + int(wh)
    grid = totals.groupby("meter_id")["grid_wh"].sum()
    start, end = month_first_day(first), month_first_day(next_month(last))
    return tuple(
        MeterElectricityRecord(
            meter_id=m,
            period_start=start,
            period_end=end,
            direct_wh=by.get((m, "direct"), {}),
            direct_claimable_wh=by.get((m, "claimable_direct"), {}),
            contracted_wh=by.get((m, "contracted"), {}),
            certificate_wh=by.get((m, "certificate"), {}),
            grid_wh=int(grid[m]),
            attribution_seq=run_seq,
            contracted_claimable_wh=by.get((m, "claimable_contracted"), {}),
        )
        for m in wanted
    )


def meter_electricity_for_period(
    session: Session, first_month: str, last_month: str, meters: Sequence[str], *, allow_gaps: bool = False
) -> tuple[MeterElectricityRecord, ...]:
    """The split of each of ``meters`` over ``first_month..last_month``, each
    from the newest run covering the period that computed it (see
    :func:`find_run`; ``attribution.no_run`` if a meter has none)."""
    out: list[MeterElectricityRecord] = []
    for m in sorted(set(meters)):
        seq = find_run(session, first_month, last_month, meter=m)
        out.extend(
            meter_electricity(session, seq, [m], months=(first_month, last_month), allow_gaps=allow_gaps)
        )
    return tuple(out)


def link_indicators(session: Session, run_seq: int) -> pd.DataFrame:
    """Per link over the run's months: the monthly link rows summed, with
    ``self_use_of_generation``, ``self_use_of_consumption`` and
    ``grid_export_of_generation`` ratios (NaN on a zero denominator; ``grid_export_wh``
    and its ratio are NaN -- not measured -- for a link without ``grid_export`` meters)."""
    _run_row(session, run_seq)
    rows = read_table(session, "links", run_seq)
    export = pd.to_numeric(rows["grid_export_wh"], errors="coerce")
    rows = rows.drop(columns=["month", "grid_export_wh"])
    sums = rows.groupby("link_id", sort=True).sum()
    measured = export.notna().groupby(rows["link_id"]).all()
    sums["grid_export_wh"] = export.groupby(rows["link_id"]).sum().where(measured)
    sums = sums.reset_index()
    gen = sums["available_generation_wh"].astype(float).replace(0.0, np.nan)
    users = sums["users_consumption_wh"].astype(float).replace(0.0, np.nan)
    sums["self_use_of_generation"] = sums["self_consumed_wh"] / gen
    sums["self_use_of_consumption"] = sums["self_consumed_wh"] / users
    sums["grid_export_of_generation"] = sums["grid_export_wh"] / gen
    return sums


def _owners(session: Session, ids: Sequence[str]) -> dict[str, str]:
    if not len(ids):
        return {}
    q = select(MeterRow.meter_id, MeterRow.owner).where(MeterRow.meter_id.in_(list(ids)))
    return {str(m): str(o) for m, o in session.execute(q)}


def meter_indicators(
    session: Session,
    run_seq: int,
    *,
    region: str = DEFAULT_REGION,
    factors: FactorTable | None = None,
    requested_only: bool = True,
) -> pd.DataFrame:
    """Monthly meter rows of a run with ``enterprise``, ``location_kg`` and ``market_kg``.

    Group them with :func:`ledger.attribution.totals.summarise` (by ``meter_id``,
    ``enterprise``, ``month`` ...) for shares over any part of the period.
    """
    _run_row(session, run_seq)
    frame = read_table(session, "meters", run_seq, requested_only=requested_only)
    frame = add_emissions(frame, factors or load_factors(), region)
    return by_enterprise(frame, _owners(session, list(frame["meter_id"])))


def enterprise_indicators(session: Session, run_seq: int, *, region: str = DEFAULT_REGION) -> pd.DataFrame:
    """Per enterprise over the run: the meter indicators summed, plus
    ``surplus_exported_wh`` of the generators it owns (generation neither
    supplied directly nor sold by trade)."""
    meters = summarise(meter_indicators(session, run_seq, region=region), "enterprise")
    gens = read_table(session, "generators", run_seq)
    surplus = (
        by_enterprise(gens, _owners(session, list(gens["generator_id"])), id_column="generator_id")
        .groupby("enterprise")["surplus_wh"]
        .sum()
        if len(gens)
        else pd.Series(dtype="int64")
    )
    out = (
        meters.set_index("enterprise").join(surplus.rename("surplus_exported_wh"), how="outer").reset_index()
    )
    for c in out.columns:  # an enterprise with generators only has no consumption rows
        if c.endswith(("_wh", "_hours")):
            out[c] = out[c].fillna(0).astype("int64")
    return out


@dataclass(frozen=True)
class GreenReport:
    """A meter's green-power report over a run: totals (with shares and
    emissions) and the hourly split (``hour`` aware, in the park's time zone;
    Wh columns; the months are the park's local ones)."""

    run_seq: int
    meter_id: str
    months: tuple[str, ...]
    region: str
    totals: Mapping[str, Any]
    hourly: pd.DataFrame = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form without the hourly table."""
        return {
            "run_seq": self.run_seq,
            "meter_id": self.meter_id,
            "months": list(self.months),
            "region": self.region,
            "totals": dict(self.totals),
        }


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def green_report(
    session: Session,
    meter: str,
    first_month: str,
    last_month: str,
    *,
    run_seq: int | None = None,
    region: str = DEFAULT_REGION,
) -> GreenReport:
    """Green-power report of ``meter`` over ``first_month..last_month`` from
    ``run_seq`` (default: the newest run covering it)."""
    seq = run_seq if run_seq is not None else find_run(session, first_month, last_month, meter=meter)
    rows = meter_indicators(session, seq, region=region, requested_only=False)
    rows = rows[(rows["meter_id"] == meter) & (rows["month"] >= first_month) & (rows["month"] <= last_month)]
    if rows.empty:
        raise NotFound(
            f"run {seq} has no rows for meter {meter} in {first_month}..{last_month}",
            code="attribution.meter_not_in_run",
            meters=[meter],
        )
    total = summarise(rows, "meter_id").iloc[0].to_dict()
    hourly = read_meter_hours(session, seq, meter)
    tz = run_time_zone(session, seq)
    lo = pd.Timestamp(parse_month(first_month, tz)[0], unit="s", tz="UTC")
    hi = pd.Timestamp(parse_month(last_month, tz)[1], unit="s", tz="UTC")
    hourly = hourly[(hourly["hour"] >= lo) & (hourly["hour"] < hi)].reset_index(drop=True)
    hourly["hour"] = hourly["hour"].dt.tz_convert(tz)  # displayed in the park's time, with its offset
    return GreenReport(
        seq,
        meter,
        tuple(sorted(set(rows["month"]))),
        region,
        {str(k): _plain(v) for k, v in total.items()},
        hourly,
    )


@dataclass(frozen=True)
class DirectLinkReport:
    """A link's year: monthly totals and the 650号 compliance checks."""

    link_id: str
    year: int
    run_seq: int
    months: pd.DataFrame = field(repr=False)
    compliance: LinkCompliance

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        c = self.compliance
        return {
            "link_id": self.link_id,
            "year": self.year,
            "run_seq": self.run_seq,
            "complete": c.complete,
            "passed": c.passed,
            "gap_hours": c.gap_hours,
            "months": list(c.months),
            "checks": [
                {
                    "id": k.threshold.id,
                    "metric": k.threshold.metric,
                    "comparison": k.threshold.comparison,
                    "threshold": k.threshold.value,
                    "source": k.threshold.source,
                    "numerator_wh": k.numerator_wh,
                    "denominator_wh": k.denominator_wh,
                    "ratio": k.ratio,
                    "passed": k.passed,
                    "measured": k.measured,
                    **({} if k.measured else {"note": "not measured: the link has no grid_export meter"}),
                }
                for k in c.checks
            ],
            "monthly": [
                {str(k): _plain(v) for k, v in r.items()} for r in self.months.to_dict(orient="records")
            ],
        }


def direct_link_report(
    session: Session,
    link_id: str,
    year: int,
    *,
    run_seq: int | None = None,
    factors: FactorTable | None = None,
    overrides: Mapping[str, float] | None = None,
) -> DirectLinkReport:
    """Direct-supply compliance of ``link_id`` in ``year`` from ``run_seq``
    (default: the newest run covering the year's first to last month that
    computed the link; a run of part of the year gives an incomplete report)."""
    if session.get(DirectLinkRow, link_id) is None:
        raise NotFound(f"direct link {link_id!r} is not recorded", code="link.unknown", link=link_id)
    if run_seq is None:
        try:
            run_seq = find_run(session, f"{year:04d}-01", f"{year:04d}-12", link=link_id)
        except NotFound:
            q = (
                select(AttributionLinkRow.run_seq)
                .where(AttributionLinkRow.link_id == link_id, AttributionLinkRow.month.like(f"{year:04d}-%"))
                .order_by(AttributionLinkRow.run_seq.desc())
                .limit(1)
            )
            found = session.scalar(q)
            if found is None:
                raise
            run_seq = int(found)
    links = read_table(session, "links", run_seq)
    links = links[links["link_id"] == link_id].reset_index(drop=True)
    (comp,) = link_compliance(links, year, factors or load_factors(), overrides=overrides)
    return DirectLinkReport(
        link_id, year, run_seq, links[links["month"].str.startswith(f"{year:04d}-")], comp
    )


def hourly_matching_evidence(
    session: Session, run_seq: int, *, link: str | None = None, contract: str | None = None
) -> pd.DataFrame:
    """CBAM evidence: hour by hour, metered production of a link's (or a PPA's)
    generators beside what they delivered to its consumers.

    Columns: ``hour`` (UTC), ``production_wh``, ``delivered_wh`` (direct supply
    for a link, contracted delivery for a trade -- all trades of those
    generators together), ``consumption_wh`` of the consumers,
    ``matched_wh = min(consumption, delivered)``, ``generation_gap`` /
    ``consumption_gap`` (1 where readings were missing). The matched share is
    ``matched_wh.sum() / consumption_wh.sum()``. Exactly one of ``link`` and
    ``contract``.
    """
    if (link is None) == (contract is None):
        raise ValueError("give exactly one of link and contract")
    _run_row(session, run_seq)
    if link is not None:
        row = session.get(DirectLinkRow, link)
        if row is None:
            raise NotFound(f"direct link {link!r} is not recorded", code="link.unknown", link=link)
        gens, cons, column = json.loads(row.generation_meters), json.loads(row.consumer_meters), "direct"
    else:
        trade = session.get(TradeRow, contract)
        if trade is None:
            raise NotFound(f"trade {contract!r} is not recorded", code="trade.unknown", contract=contract)
        gens, cons, column = json.loads(trade.seller_meters), json.loads(trade.buyer_meters), "contracted"
    out: pd.DataFrame | None = None
    for g in gens:
        h = read_generator_hours(session, run_seq, g)
        part = pd.DataFrame(
            {
                "hour": h["hour"],
                "production_wh": h["generation"],
                "delivered_wh": h[column],
                "generation_gap": h["gap"],
            }
        )
        out = part if out is None else _add(out, part)
    for m in cons:
        h = read_meter_hours(session, run_seq, m)
        part = pd.DataFrame(
            {"hour": h["hour"], "consumption_wh": h["consumption"], "consumption_gap": h["gap"]}
        )
        out = part if out is None else _add(out, part)
    if out is None or out.empty:
        raise NotFound(
            f"run {run_seq} did not compute {'link ' + str(link) if link else 'trade ' + str(contract)}",
            code="attribution.not_in_run",
        )
    for c in ("production_wh", "delivered_wh", "consumption_wh", "generation_gap", "consumption_gap"):
        out[c] = out[c].fillna(0).astype("int64") if c in out else 0
    out["generation_gap"] = out["generation_gap"].clip(upper=1)
    out["consumption_gap"] = out["consumption_gap"].clip(upper=1)
    out["matched_wh"] = np.minimum(out["consumption_wh"], out["delivered_wh"])
    cols = [
        "hour",
        "production_wh",
        "delivered_wh",
        "consumption_wh",
        "matched_wh",
        "generation_gap",
        "consumption_gap",
    ]
    return out[cols].sort_values("hour").reset_index(drop=True)


def _add(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    return a.set_index("hour").add(b.set_index("hour"), fill_value=0).reset_index()
