"""The canonical table and byte encoding of attribution results, and their hashes.

:func:`result_table` is one row per meter-hour; :func:`result_hash` is the
SHA-256 of the canonical encoding of a month (format :data:`HASH_FORMAT`),
:func:`period_hash` the hash over the month hashes of a multi-month run. The
hashes are recorded in ``attribution.run`` entries, so the encoding is pinned:
changing it needs a new :data:`HASH_FORMAT`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import rfc8785
from numpy.typing import NDArray

from ledger.attribution.records import positions
from ledger.attribution.result import METHOD_VERSION, MonthResult
from ledger.energy.periods import format_instant, parse_month

__all__ = [
    "HASH_FORMAT",
    "TABLE_COLUMNS",
    "canonical_header",
    "period_hash",
    "result_hash",
    "result_table",
]

#: Version of the canonical byte encoding hashed by :func:`result_hash` (2: the month's time zone
#: in the header, claimable contracted energy and its column in the certificate uses).
HASH_FORMAT = "tanji.attribution.result/2"

#: ``[m, h]`` columns of the canonical table, in order.
TABLE_COLUMNS = ("consumption", "direct", "contracted", "certificate", "grid", "gap")


def result_table(result: MonthResult) -> pd.DataFrame:
    """The canonical result table: one row per meter-hour, sorted by meter id, hour.

    Columns: ``meter_id``, ``hour`` (UTC start of the hour; the month is the
    park-local one of ``result.time_zone``), then the int64 Wh columns of
    :data:`TABLE_COLUMNS` (``gap`` is 1 where consumption was missing, else 0).
    """
    n_m, n_h = result.consumption.shape
    start = pd.Timestamp(parse_month(result.month, result.time_zone)[0], unit="s", tz="UTC")
    hours = pd.date_range(start, periods=n_h, freq="h")
    data: dict[str, object] = {
        "meter_id": np.repeat(np.array(result.consumer_ids, dtype=object), n_h),
        "hour": np.tile(hours.to_numpy(), n_m),
    }
    for name in TABLE_COLUMNS:
        data[name] = np.asarray(getattr(result, name), dtype=np.int64).reshape(-1)
    return pd.DataFrame(data)


def _sections(result: MonthResult) -> list[tuple[str, NDArray[np.int64]]]:
    uses = result.certificate_uses
    r_index, m_index = positions(result.retirement_ids), positions(result.consumer_ids)
    use_table = np.array(
        [
            [
                r_index[u.retirement_id],
                m_index[u.meter_id],
                u.units,
                u.claimed_direct_wh,
                u.claimed_contracted_wh,
                u.covered_wh,
            ]
            for u in uses
        ],
        dtype=np.int64,
    ).reshape(len(uses), 6)
    return [
        *((name, np.asarray(getattr(result, name), dtype=np.int64)) for name in TABLE_COLUMNS),
        ("generation", result.generation),
        ("generator_direct", result.generator_direct),
        ("generator_contracted", result.generator_contracted),
        ("generation_gap", result.generation_gap.astype(np.int64)),
        ("direct_by_generator", result.direct_by_generator),
        ("contracted_by_generator", result.contracted_by_generator),
        ("claimable_direct_by_generator", result.claimable_direct_by_generator),
        ("claimable_contracted_by_generator", result.claimable_contracted_by_generator),
        ("trade_delivered_wh", result.trade_delivered_wh),
        ("trade_unused_wh", result.trade_unused_wh),
        ("retirement_unused_wh", result.retirement_unused_wh),
        ("certificate_uses", use_table),
        ("link_export_wh", _links(result.link_export_wh, result, -1)),
        ("link_export_gap_hours", _links(result.link_export_gap_hours, result, 0)),
    ]


def _links(array: NDArray[np.int64] | None, result: MonthResult, fill: int) -> NDArray[np.int64]:
    """A per-link section (``fill`` for a result built without it)."""
    return np.full(len(result.link_ids), fill, np.int64) if array is None else np.asarray(array, np.int64)


def canonical_header(result: MonthResult) -> bytes:
    """The RFC 8785 JSON header of the canonical encoding (see :func:`result_hash`)."""
    sections = _sections(result)
    header: dict[str, Any] = {
        "format": HASH_FORMAT,
        "method": METHOD_VERSION,
        "month": result.month,
        "time_zone": result.time_zone,
        "start": format_instant(parse_month(result.month, result.time_zone)[0]),
        "hours": int(result.consumption.shape[1]),
        "meters": list(result.consumer_ids),
        "generators": list(result.generator_ids),
        "technologies": list(result.technologies),
        "trades": list(result.trade_ids),
        "retirements": list(result.retirement_ids),
        "links": list(result.link_ids),
        "certificate_uses_columns": [
            "retirement_index",
            "meter_index",
            "units",
            "claimed_direct_wh",
            "claimed_contracted_wh",
            "covered_wh",
        ],
        "dtype": "int64",
        "byte_order": "little",
        "sections": [{"name": n, "shape": list(a.shape)} for n, a in sections],
    }
    return rfc8785.dumps(header)


def result_hash(result: MonthResult) -> str:
    """SHA-256 hex of the canonical byte encoding of one month's result.

    Encoding (``tanji.attribution.result/1``)::

        u64le(len(H)) || H || S_1 || S_2 || ... || S_n

    where ``H`` is the RFC 8785 (JCS) JSON header from
    :func:`canonical_header` (format, method version, month, start, hour
    count, time zone, sorted meter / generator / trade / retirement ids, and the name and
    shape of every section in order), and each ``S_i`` is that section's array
    as little-endian int64 in C (row-major) order: the ``[m, h]`` table
    columns ``consumption, direct, contracted, certificate, grid, gap``
    (meter-major, so rows are sorted by meter id then hour), then the
    generator, per-generator, trade, retirement and certificate-use arrays.
    Booleans are 0/1. Equal results give equal hashes whatever the input order.
    """
    digest = hashlib.sha256()
    header = canonical_header(result)
    digest.update(len(header).to_bytes(8, "little"))
    digest.update(header)
    for _name, array in _sections(result):
        digest.update(np.ascontiguousarray(array, dtype="<i8").data)
    return digest.hexdigest()


def period_hash(month_hashes: Sequence[tuple[str, str]]) -> str:
    """SHA-256 hex over the RFC 8785 JSON ``{"format", "method", "months":
    [{"month", "sha256"}, ...]}`` of a multi-month run (months in order)."""
    doc: dict[str, Any] = {
        "format": "tanji.attribution.period/1",
        "method": METHOD_VERSION,
        "months": [{"month": m, "sha256": h} for m, h in month_hashes],
    }
    return hashlib.sha256(rfc8785.dumps(doc)).hexdigest()
