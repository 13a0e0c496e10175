"""The projection of ``attribution.run``: results stored compactly, read back as frames.

Layout (every table keyed by the run's ``seq`` first; never one row per
meter-hour):

- ``attribution_runs`` -- one row per run: scope, months (park-local in the
  run's ``time_zone``), ``log_end``, method, ``on_missing``, period SHA-256.
- ``attribution_months`` -- run x month: the month hash and the computed
  consumer / generator ids (the scope's closure, see
  :mod:`ledger.attribution.inputs`).
- ``attribution_meters`` -- run x month x consumer meter: the additive totals
  of :func:`ledger.attribution.totals.meter_totals` plus ``hourly_z``, the hourly
  arrays ``direct, contracted, certificate, grid, gap`` as zlib-compressed
  little-endian int64 ``[5, hours]`` (consumption = the sum of the first
  four); ``requested`` marks meters of the scope (the rest were computed
  because they share a link, trade or retirement with them).
- ``attribution_generators`` -- run x month x generator: totals and
  ``hourly_z`` = ``generation, direct, contracted, gap`` ``[4, hours]``.
- ``attribution_sources`` -- run x month x meter x kind x technology: green Wh
  by technology (:func:`ledger.attribution.totals.technology_totals`; kinds
  ``direct``, ``claimable_direct``, ``contracted``, ``certificate``).
- ``attribution_links`` / ``attribution_certificates`` /
  ``attribution_trades`` -- per link, retirement and trade per month.

A year of 1,000 meters is 12,000 meter rows of a few KiB each.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sqlalchemy import BigInteger, Boolean, Index, Integer, LargeBinary, String, Table, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.attribution.records import MonthInputs
from ledger.attribution.result import MonthResult
from ledger.attribution.totals import (
    certificate_totals,
    generator_totals,
    link_totals,
    meter_totals,
    technology_totals,
)
from ledger.energy.periods import DEFAULT_TIME_ZONE, month_hours, parse_month
from ledger.store.tables import Base

__all__ = [
    "GENERATOR_HOURLY",
    "METER_HOURLY",
    "month_rows",
    "read_generator_hours",
    "read_meter_hours",
    "read_table",
]

#: Rows of the ``hourly_z`` arrays.
METER_HOURLY = ("direct", "contracted", "certificate", "grid", "gap")
GENERATOR_HOURLY = ("generation", "direct", "contracted", "gap")


def _wh() -> Mapped[int]:
    return mapped_column(BigInteger)


class AttributionRunRow(Base):
    """Projection: one row per ``attribution.run``."""

    __tablename__ = "attribution_runs"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    actor: Mapped[str] = mapped_column(String(128))
    first_month: Mapped[str] = mapped_column(String(7))
    last_month: Mapped[str] = mapped_column(String(7))
    scope: Mapped[str] = mapped_column(Text)  # canonical JSON of the scope
    log_end: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(64))
    on_missing: Mapped[str] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64))
    time_zone: Mapped[str] = mapped_column(String(64), server_default=DEFAULT_TIME_ZONE)


class AttributionMonthRow(Base):
    """Projection: one row per run and month."""

    __tablename__ = "attribution_months"

    run_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    consumer_ids: Mapped[str] = mapped_column(Text)
    generator_ids: Mapped[str] = mapped_column(Text)
    requested: Mapped[str] = mapped_column(Text)


class AttributionMeterRow(Base):
    """Projection: one row per run, month and consumer meter."""

    __tablename__ = "attribution_meters"

    run_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    meter_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    requested: Mapped[bool] = mapped_column(Boolean)
    consumption_wh: Mapped[int] = _wh()
    direct_wh: Mapped[int] = _wh()
    claimable_direct_wh: Mapped[int] = _wh()
    contracted_wh: Mapped[int] = _wh()
    claimable_contracted_wh: Mapped[int] = mapped_column(BigInteger, server_default="0")
    certificate_wh: Mapped[int] = _wh()
    grid_wh: Mapped[int] = _wh()
    hourly_matched_wh: Mapped[int] = _wh()
    unused_certificate_wh: Mapped[int] = _wh()
    gap_hours: Mapped[int] = _wh()
    hourly_z: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_attribution_meters_meter", "meter_id", "month"),)


class AttributionGeneratorRow(Base):
    """Projection: one row per run, month and generator."""

    __tablename__ = "attribution_generators"

    run_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    generator_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    technology: Mapped[str] = mapped_column(String(16))
    generation_wh: Mapped[int] = _wh()
    direct_wh: Mapped[int] = _wh()
    contracted_wh: Mapped[int] = _wh()
    surplus_wh: Mapped[int] = _wh()
    gap_hours: Mapped[int] = _wh()
    hourly_z: Mapped[bytes] = mapped_column(LargeBinary)


class AttributionSourceRow(Base):
    """Projection: green Wh per run, month, meter, kind and technology."""

    __tablename__ = "attribution_sources"

    run_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    meter_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # ``claimable_contracted`` > 16
    technology: Mapped[str] = mapped_column(String(16), primary_key=True)
    wh: Mapped[int] = _wh()


class AttributionLinkRow(Base):
    """Projection: per run, month and direct-supply link (``ledger.attribution.totals.link_totals``)."""

    __tablename__ = "attribution_links"

    run_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    link_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    hours: Mapped[int] = mapped_column(Integer)
    available_generation_wh: Mapped[int] = _wh()
    self_consumed_wh: Mapped[int] = _wh()
    grid_export_wh: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # None: not measured
    users_consumption_wh: Mapped[int] = _wh()
    generation_gap_hours: Mapped[int] = _wh()
    consumption_gap_hours: Mapped[int] = _wh()
    export_gap_hours: Mapped[int] = mapped_column(BigInteger, server_default="0")


class AttributionCertificateRow(Base):
    """Projection: per run, month and GEC retirement (``ledger.attribution.totals.certificate_totals``)."""

    __tablename__ = "attribution_certificates"

    run_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    retirement_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    beneficiary: Mapped[str] = mapped_column(String(200))
    generator_id: Mapped[str] = mapped_column(String(128))
    technology: Mapped[str] = mapped_column(String(16))
    bundled_with_trade: Mapped[str | None] = mapped_column(String(128))
    units: Mapped[int] = _wh()
    claimed_direct_wh: Mapped[int] = _wh()
    claimed_contracted_wh: Mapped[int] = mapped_column(BigInteger, server_default="0")
    covered_wh: Mapped[int] = _wh()
    unused_wh: Mapped[int] = _wh()


class AttributionTradeRow(Base):
    """Projection: per run, month and green-power trade."""

    __tablename__ = "attribution_trades"

    run_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    contract_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    volume_wh: Mapped[int] = _wh()
    delivered_wh: Mapped[int] = _wh()
    unused_wh: Mapped[int] = _wh()


TABLES: dict[str, type[Base]] = {
    "months": AttributionMonthRow,
    "meters": AttributionMeterRow,
    "generators": AttributionGeneratorRow,
    "sources": AttributionSourceRow,
    "links": AttributionLinkRow,
    "certificates": AttributionCertificateRow,
    "trades": AttributionTradeRow,
}


def _pack(arrays: list[NDArray[Any]]) -> bytes:
    stacked = np.ascontiguousarray(np.stack([np.asarray(a, dtype="<i8") for a in arrays]))
    return zlib.compress(stacked.tobytes(), 1)  # level 1: mostly zero runs; speed matters more


def unpack(blob: bytes, rows: int, hours: int) -> NDArray[np.int64]:
    """Inverse of the ``hourly_z`` encoding: int64 ``[rows, hours]``."""
    return np.frombuffer(zlib.decompress(blob), dtype="<i8").reshape(rows, hours).astype(np.int64)


def _plain(v: Any) -> Any:
    if v is pd.NA:
        return None
    return v.item() if isinstance(v, np.generic) else v


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]


def month_rows(
    run_seq: int, inputs: MonthInputs, result: MonthResult, month_hash: str, requested: frozenset[str]
) -> dict[str, list[dict[str, Any]]]:
    """The projection rows of one month, by table key of :data:`TABLES`.

    Precondition: ``result`` was computed from ``inputs``.
    """
    meters = meter_totals(result).drop(columns=["month"])
    meters_rows = _records(meters)
    for i, row in enumerate(meters_rows):
        row.update(
            run_seq=run_seq,
            month=inputs.month,
            requested=row["meter_id"] in requested,
            hourly_z=_pack(
                [result.direct[i], result.contracted[i], result.certificate[i], result.grid[i], result.gap[i]]
            ),
        )
    gens_rows = _records(generator_totals(result).drop(columns=["month"]))
    for g, row in enumerate(gens_rows):
        row.update(
            run_seq=run_seq,
            month=inputs.month,
            hourly_z=_pack(
                [
                    result.generation[g],
                    result.generator_direct[g],
                    result.generator_contracted[g],
                    result.generation_gap[g],
                ]
            ),
        )
    base = {"run_seq": run_seq}
    sources = [{**base, **r} for r in _records(technology_totals(inputs, result))]
    links = [{**base, **r} for r in _records(link_totals(inputs, result))]
    certs = [{**base, **r} for r in _records(certificate_totals(inputs, result))]
    trades = [
        {
            **base,
            "month": inputs.month,
            "contract_id": t.contract_id,
            "volume_wh": t.volume_wh,
            "delivered_wh": int(result.trade_delivered_wh[i]),
            "unused_wh": int(result.trade_unused_wh[i]),
        }
        for i, t in enumerate(inputs.trades)
    ]
    month = {
        **base,
        "month": inputs.month,
        "sha256": month_hash,
        "consumer_ids": json.dumps(list(inputs.consumer_ids)),
        "generator_ids": json.dumps(list(inputs.generator_ids)),
        "requested": json.dumps(sorted(requested)),
    }
    return {
        "months": [month],
        "meters": meters_rows,
        "generators": gens_rows,
        "sources": sources,
        "links": links,
        "certificates": certs,
        "trades": trades,
    }


# ------------------------------------------------------------------------- read


def read_table(session: Session, key: str, run_seq: int, *, requested_only: bool = False) -> pd.DataFrame:
    """Rows of one projection table of a run as a frame (without the blob columns)."""
    model = TABLES[key]
    table: Table = model.__table__  # type: ignore[assignment]
    cols = [c for c in table.columns if c.name not in ("hourly_z", "run_seq")]
    q = select(*cols).where(table.c.run_seq == run_seq).order_by(*table.primary_key.columns)
    if requested_only and key == "meters":
        q = q.where(table.c.requested.is_(True))
    rows = session.execute(q).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=[c.name for c in cols])


def run_time_zone(session: Session, run_seq: int) -> str:
    """The time zone of run ``run_seq``'s months (the default zone if there is no such run)."""
    tz = session.scalar(select(AttributionRunRow.time_zone).where(AttributionRunRow.seq == run_seq))
    return str(tz) if tz else DEFAULT_TIME_ZONE


def read_meter_hours(session: Session, run_seq: int, meter_id: str) -> pd.DataFrame:
    """Hourly split of one meter over a run: ``hour`` (aware, UTC), ``consumption`` and
    :data:`METER_HOURLY` in Wh (``gap`` 0/1). Empty if the run did not compute it."""
    q = (
        select(AttributionMeterRow.month, AttributionMeterRow.hourly_z)
        .where(AttributionMeterRow.run_seq == run_seq, AttributionMeterRow.meter_id == meter_id)
        .order_by(AttributionMeterRow.month)
    )
    return _hours(session.execute(q).all(), METER_HOURLY, run_time_zone(session, run_seq), consumption=True)


def read_generator_hours(session: Session, run_seq: int, generator_id: str) -> pd.DataFrame:
    """Hourly ``generation, direct, contracted, gap`` of one generator over a run."""
    t = AttributionGeneratorRow
    q = (
        select(t.month, t.hourly_z)
        .where(t.run_seq == run_seq, t.generator_id == generator_id)
        .order_by(t.month)
    )
    return _hours(
        session.execute(q).all(), GENERATOR_HOURLY, run_time_zone(session, run_seq), consumption=False
    )


def _hours(rows: Any, names: tuple[str, ...], tz: str, *, consumption: bool) -> pd.DataFrame:
    frames = []
    for month, blob in rows:
        n = month_hours(month, tz)
        arr = unpack(blob, len(names), n)
        start = pd.Timestamp(parse_month(month, tz)[0], unit="s", tz="UTC")
        data: dict[str, Any] = {"hour": pd.date_range(start, periods=n, freq="h")}
        if consumption:
            data["consumption"] = arr[:4].sum(axis=0)
        data.update({name: arr[i] for i, name in enumerate(names)})
        frames.append(pd.DataFrame(data))
    if not frames:
        return pd.DataFrame(columns=["hour", *(["consumption"] if consumption else []), *names])
    return pd.concat(frames, ignore_index=True)
