"""Assemble a park's energy–carbon–product flow and hourly matching from the ledger.

:func:`park_flows` reads, in one read session, the park's consumer meters,
their electricity split from the newest recorded ``attribution.run`` covering
the period (per meter, as
:func:`ledger.attribution.reports.meter_electricity_for_period` chooses it),
the hourly split of each meter from the same run, the park's fuel and process
records, and what each meter gave to each product -- from ``lot.produce``
entries (share × the meter's consumption in the lot's period, hour by hour)
or, for meters no lot names, from product models' meter shares -- and hands
plain values to the pure :func:`park.flows.build_flows`.

It lives in ``api`` because it joins ledger, traceability and LCA records;
the arithmetic is in ``park.flows``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from lca.model import ProductModel
from ledger import (
    FactorTable,
    NotFound,
    RuleViolation,
    entries_of_kind,
    get_actor,
    hourly_matched_share,
    hourly_matched_wh,
    ratio,
)
from ledger.attribution.reports import MeterElectricityRecord, find_run, meter_electricity
from ledger.attribution.store import read_meter_hours
from ledger.energy.meters import all_meters
from ledger.energy.parks import require_park
from ledger.energy.periods import month_end, month_start, months_between
from park.accounting import fuel_amounts
from park.coefficients import ParkData, load_park_data
from park.flows import DirectEmission, FlowGraph, MeterFlow, build_flows, largest_remainder
from park.records import FuelUse, ProcessEmission, live_records
from park.report import grid_factor_for

__all__ = ["EnterpriseHours", "ParkFlows", "park_flows"]

_MILLION = Decimal(1_000_000)


@dataclass(frozen=True, eq=False)
class EnterpriseHours:
    """An enterprise's consumer meters summed hour by hour (UTC hours, Wh)."""

    enterprise: str
    label: str
    hours: pd.DatetimeIndex
    consumption: NDArray[np.int64]
    direct: NDArray[np.int64]
    contracted: NDArray[np.int64]
    certificate: NDArray[np.int64]

    @property
    def hourly_matched_share(self) -> float | None:
        """Σ_h min(C_h, direct_h + contracted_h) / Σ_h C_h (certificates are monthly, not hourly evidence)."""
        matched = int(hourly_matched_wh(self.consumption, self.direct, self.contracted))
        return hourly_matched_share(matched, int(self.consumption.sum()))

    @property
    def green_share(self) -> float | None:
        """All attributed green (direct + contracted + certificate) over consumption."""
        return ratio(
            int((self.direct + self.contracted + self.certificate).sum()), int(self.consumption.sum())
        )


@dataclass(frozen=True, eq=False)
class ParkFlows:
    """A park's flow graph over ``first_month..last_month`` and the hourly series per enterprise."""

    park_id: str
    park_name: str
    first_month: str
    last_month: str
    graph: FlowGraph
    hours: tuple[EnterpriseHours, ...]
    run_seqs: tuple[int, ...]
    grid_factor_source: str
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (without the hourly series; their shares per enterprise)."""
        return {
            "park": {"id": self.park_id, "name": self.park_name},
            "period": f"{self.first_month}..{self.last_month}",
            "attribution_run_seqs": list(self.run_seqs),
            "grid_factor_source": self.grid_factor_source,
            "notes": list(self.notes),
            "enterprises": [
                {
                    "enterprise": h.enterprise,
                    "consumption_wh": int(h.consumption.sum()),
                    "green_share": h.green_share,
                    "hourly_matched_share": h.hourly_matched_share,
                }
                for h in self.hours
            ],
            **self.graph.to_json(),
        }


def _label(session: Session, actor_id: str) -> str:
    actor = get_actor(session, actor_id)
    return actor_id if actor is None or actor.name == actor_id else f"{actor.name} ({actor_id})"


def _utc(d: dt.date | dt.datetime | str, tz: str) -> pd.Timestamp:
    """``d`` as a UTC timestamp; a date or naive time is the park's local one (time zone ``tz``)."""
    ts = pd.Timestamp(d)
    return (ts.tz_localize(tz) if ts.tzinfo is None else ts).tz_convert("UTC")


@dataclass(frozen=True)
class _LotUse:
    """What the flows need of a ``lot.produce`` entry: its product, period and meter shares.

    Read as plain data from the entry's payload (the ledger checked it against the kind's
    schema on append), so ``park`` does not import ``traceability`` (DESIGN.md section 2).
    """

    product: str
    period_start: str
    period_end: str
    meters: tuple[tuple[str, str], ...]  # (meter id, share as written)


def _lots(session: Session) -> list[_LotUse]:
    return [
        _LotUse(
            str(p["product"]),
            str(p["period_start"]),
            str(p["period_end"]),
            tuple((str(m["meter_id"]), str(m["share"])) for m in p.get("meters", ())),
        )
        for p in (e.payload for e in entries_of_kind(session, "lot.produce"))
    ]


def _product_wh(
    session: Session,
    hours: dict[str, pd.DataFrame],
    models: Sequence[ProductModel],
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    consumption: dict[str, int],
    notes: list[str],
    tz: str,
) -> tuple[dict[str, dict[str, int]], dict[str, str]]:
    """Wh of each meter that went into each product, and product labels."""
    out: dict[str, dict[str, int]] = {}
    labels: dict[str, str] = {}
    for lot in _lots(session):
        start, end = max(_utc(lot.period_start, tz), lo), min(_utc(lot.period_end, tz), hi)
        for meter_id, share in lot.meters:
            frame = hours.get(meter_id)
            if frame is None or start >= end:
                continue
            inside = frame[(frame["hour"] >= start) & (frame["hour"] < end)]
            # Exact: the share as written in the entry, not a float.
            wh = int(
                (Decimal(int(inside["consumption"].sum())) * Decimal(share)).to_integral_value(
                    rounding=ROUND_HALF_EVEN
                )
            )
            bucket = out.setdefault(meter_id, {})
            bucket[lot.product] = bucket.get(lot.product, 0) + wh
    from_lots = set(out)
    for model in models:
        m_lo = max(_utc(model.reference_period.start, tz), lo)
        m_hi = min(_utc(model.reference_period.end, tz), hi)
        if m_lo >= m_hi:
            continue
        for process in model.processes:
            if process.electricity is None:
                continue
            for ms in process.electricity.meters:
                frame = hours.get(ms.meter)
                if frame is None or ms.meter in from_lots:
                    continue
                inside = frame[(frame["hour"] >= m_lo) & (frame["hour"] < m_hi)]
                wh = int(
                    (Decimal(int(inside["consumption"].sum())) * Decimal(str(ms.share))).to_integral_value(
                        rounding=ROUND_HALF_EVEN
                    )
                )
                bucket = out.setdefault(ms.meter, {})
                bucket[model.id] = bucket.get(model.id, 0) + wh
                labels[model.id] = model.product.name
    for meter, products in out.items():
        total = sum(products.values())
        if total > consumption.get(meter, 0):
            # Overlapping lots can name more than the meter used; scale down and say so.
            scaled = largest_remainder(consumption.get(meter, 0), sorted(products.items()))
            out[meter] = scaled
            notes.append(
                f"meter {meter}: products named {total} Wh of {consumption.get(meter, 0)} Wh; "
                "scaled down pro rata"
            )
    return out, labels


def _emissions(
    session: Session, park_id: str, months: tuple[str, ...], data: ParkData, notes: list[str]
) -> list[DirectEmission]:
    by_year: dict[int, set[int]] = {}
    for m in months:
        by_year.setdefault(int(m[:4]), set()).add(int(m[5:]))
    acc: dict[tuple[str, str], list[Any]] = {}
    for year, in_period in sorted(by_year.items()):
        for r in live_records(session, park_id, year):
            p = r.payload
            if p.month is not None and p.month not in in_period:
                continue
            # A yearly record counts in proportion to the months of its year inside the period.
            k = Decimal(1) if p.month is not None else Decimal(len(in_period)) / Decimal(12)
            if p.month is None and len(in_period) < 12:
                notes.append(
                    f"record {r.seq} ({r.kind}, {year}) is yearly: {len(in_period)}/12 of it counted"
                )
            who = r.enterprise or ""
            if isinstance(p, FuelUse):
                fuel = data.fuels[p.fuel]
                amounts = fuel_amounts(p, data, k)
                wh, g = amounts.energy_wh, amounts.t_co2 * _MILLION
                key, label = f"fuel:{p.fuel}", f"{p.fuel} · {fuel.name_zh}"
            elif isinstance(p, ProcessEmission):
                wh, g = Decimal(0), Decimal(p.tco2e) * _MILLION * k
                key, label = "process", "process emissions 工业过程"
            else:
                continue
            cell = acc.setdefault((who, key), [label, Decimal(0), Decimal(0)])
            cell[1] += wh
            cell[2] += g
    return [
        DirectEmission(who or "(park)", key, label, _round(wh), _round(g))
        for (who, key), (label, wh, g) in sorted(acc.items())
    ]


def _round(x: Decimal) -> int:
    return int(x.to_integral_value(rounding=ROUND_HALF_EVEN))


def _meter_flow(rec: MeterElectricityRecord, owner: str, product_wh: dict[str, int]) -> MeterFlow:
    # contracted energy is a green claim only where its GEC were retired for the meter; the rest was
    # delivered through the grid without its attribute and flows with the grid energy
    return MeterFlow(
        rec.meter_id,
        owner,
        dict(rec.direct_wh),
        dict(rec.direct_claimable_wh),
        dict(rec.contracted_claimable_wh),
        dict(rec.certificate_wh),
        rec.grid_wh + rec.contracted_unclaimed_wh,
        product_wh,
    )


def park_flows(
    session: Session,
    park_id: str,
    first_month: str,
    last_month: str,
    *,
    models: Sequence[ProductModel] = (),
    data: ParkData | None = None,
    factors: FactorTable | None = None,
) -> ParkFlows:
    """The flow graph and hourly series of ``park_id`` over ``first_month..last_month``.

    Preconditions: the park is registered (``park.unknown``) and a recorded
    attribution run covers the period for at least one of its consumer meters
    (else ``attribution.no_run``). Meters no run covers are left out and named
    in ``notes``, as are hours without readings.
    """
    park = require_park(session, park_id)
    months = months_between(first_month, last_month)
    data = data or load_park_data()
    meters = {
        m.meter_id: m
        for m in all_meters(session).values()
        if m.park_id == park_id and m.kind == "consumption"
    }
    if not meters:
        raise NotFound(f"park {park_id} has no consumer meters", code="flows.no_meters", park=park_id)
    # One read per run, not per meter (meter_electricity_for_period reads the run's table per meter).
    by_run: dict[int, list[str]] = {}
    unattributed: list[str] = []
    first_error: NotFound | None = None
    for m in sorted(meters):
        try:
            by_run.setdefault(find_run(session, first_month, last_month, meter=m), []).append(m)
        except NotFound as e:
            unattributed.append(m)
            first_error = first_error or e
    if not by_run:
        assert first_error is not None
        raise first_error
    notes: list[str] = []
    if unattributed:
        notes.append(
            f"meters {', '.join(unattributed)} have no attribution run covering the period: left out"
        )
    records = sorted(
        (
            r
            for seq, ids in by_run.items()
            for r in meter_electricity(session, seq, ids, months=(first_month, last_month), allow_gaps=True)
        ),
        key=lambda r: r.meter_id,
    )
    lo = _utc(month_start(first_month, park.time_zone), park.time_zone)
    hi = _utc(month_end(last_month, park.time_zone), park.time_zone)
    hours: dict[str, pd.DataFrame] = {}
    for rec in records:
        frame = read_meter_hours(session, rec.attribution_seq, rec.meter_id)
        frame = frame[(frame["hour"] >= lo) & (frame["hour"] < hi)].reset_index(drop=True)
        gaps = int(frame["gap"].sum()) if len(frame) else 0
        if gaps:
            notes.append(f"meter {rec.meter_id}: {gaps} hours without readings left out")
        hours[rec.meter_id] = frame
    consumption = {r.meter_id: r.consumption_wh for r in records}
    product_wh, product_labels = _product_wh(
        session, hours, models, lo, hi, consumption, notes, park.time_zone
    )
    subs = sorted(m for m in meters if meters[m].parent_id is not None)
    if subs:
        notes.append(f"sub-meters {', '.join(subs)} are counted inside their parents (parents net of them)")
    flows = [_meter_flow(r, meters[r.meter_id].owner, product_wh.get(r.meter_id, {})) for r in records]
    grid = grid_factor_for(data, factors, int(last_month[:4]))
    emissions = _emissions(session, park_id, months, data, notes)
    owners = sorted({m.owner for m in meters.values()} | {e.enterprise for e in emissions})
    labels = {o: _label(session, o) for o in owners}
    graph = build_flows(flows, emissions, grid.value, enterprise_labels=labels, product_labels=product_labels)
    series = []
    index = pd.date_range(lo, hi, freq="h", inclusive="left")
    for owner in owners:
        own = [hours[m] for m in sorted(hours) if meters[m].owner == owner]
        if not own:
            continue
        sums = {
            c: np.zeros(len(index), dtype=np.int64)
            for c in ("consumption", "direct", "contracted", "certificate")
        }
        for frame in own:
            pos = index.get_indexer(pd.DatetimeIndex(frame["hour"]))
            if (pos < 0).any():
                raise RuleViolation("hourly rows outside the period", code="flows.bad_hours")
            for c in sums:
                np.add.at(sums[c], pos, frame[c].to_numpy(dtype=np.int64))
        series.append(
            EnterpriseHours(
                owner,
                labels[owner],
                index,
                sums["consumption"],
                sums["direct"],
                sums["contracted"],
                sums["certificate"],
            )
        )
    source = f"{grid.kind} {grid.region} {grid.year}: {grid.source} ({grid.status})"
    return ParkFlows(
        park.park_id,
        park.name,
        first_month,
        last_month,
        graph,
        tuple(series),
        tuple(sorted({r.attribution_seq for r in records})),
        source,
        tuple(notes),
    )
