"""The green-electricity figures of a certificate, re-derived from committed attribution rows.

A certificate's ``green_electricity`` says how much of the electricity behind the certified lot
was green. One pure function, :func:`derive_green`, makes it twice: the issuer from the ledger,
the verifier from the certificate's own evidence — the ``lot.produce`` entry's meter shares and
the issuer's committed result rows (one per meter and park-local month, each proven into the
``attribution.run``'s ``rows_root``):

- for each class ``c`` (consumption, direct, claimable direct, contracted, claimable contracted,
  certificate, grid, hourly-matched, GEC-backed): ``Σ_meter share × Σ_month Wh_c(meter, month)``,
  meters in id order, shown in kWh to 3 decimals (whole Wh);
- the three shares with their one definition (:mod:`ledger.attribution.shares`): physical =
  direct / consumption, claimable = GEC-backed / consumption, hourly-matched = hourly-matched /
  consumption, from the unrounded sums, to 6 decimals.

The lot's meter shares are ledger facts (``lot.meter_overallocated`` keeps one kWh out of two
lots), so the figures are the lot's electricity, not a model's. A footprint without a lot (or
whose lot names no meters) has no such basis: its ``green_electricity`` is ``basis``
``declared_unit`` — the shares of the per-declared-unit electricity the ledger re-computed for
the ``footprint.publish`` entry (:func:`declared_unit_green`), re-derived from those kWh.

:func:`explain` prints the derivation a buyer can follow.

**Rows on the wire.** A certificate carries each committed row as a list
(:func:`row_to_wire`): the fields of :data:`WIRE_FIELDS` in that order, then ``by_technology`` as
committed, then each GEC range as ``[first, last, retire_seq, generator, technology, vintage]``.
The verifier rebuilds the row (:func:`row_from_wire`, which checks the row's invariants) and
hashes its canonical JSON (``ResultRow.canonical_bytes``) — the leaf that was committed — so the
compact form is transport only; it halves the bytes of a year of rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from ledger import ResultRow, green_shares
from ledger.attribution.rows import GecRange

__all__ = [
    "CLASSES",
    "WIRE_FIELDS",
    "LotBasis",
    "declared_unit_green",
    "derive_green",
    "explain",
    "missing_rows",
    "period_months",
    "row_from_wire",
    "row_to_wire",
]

#: The energy classes of ``green_electricity.kwh``, each with the row field(s) it sums.
CLASSES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("consumption", ("consumption_wh",)),
    ("direct", ("direct_wh",)),
    ("claimable_direct", ("claimable_direct_wh",)),
    ("contracted", ("contracted_wh",)),
    ("claimable_contracted", ("claimable_contracted_wh",)),
    ("certificate", ("certificate_wh",)),
    ("grid", ("grid_wh",)),
    ("hourly_matched", ("hourly_matched_wh",)),
    ("gec_backed", ("claimable_direct_wh", "claimable_contracted_wh", "certificate_wh")),
)


_ROW_FIELDS: Final = tuple((f, f) for f in sorted({f for _, fields in CLASSES for f in fields}))


#: The scalar fields of a row on the wire, in order (then ``by_technology``, then the GEC ranges).
WIRE_FIELDS: Final = (
    "month",
    "meter_id",
    "consumption_wh",
    "direct_wh",
    "claimable_direct_wh",
    "contracted_wh",
    "claimable_contracted_wh",
    "certificate_wh",
    "grid_wh",
    "hourly_matched_wh",
    "gap_hours",
)
_GEC_FIELDS: Final = ("first", "last", "retire_seq", "generator", "technology", "vintage")


def row_to_wire(row: ResultRow) -> list[Any]:
    """``row`` as a certificate carries it (module docstring)."""
    return [
        *(getattr(row, f) for f in WIRE_FIELDS),
        {k: dict(v) for k, v in row.by_technology.items()},
        [[getattr(g, f) for f in _GEC_FIELDS] for g in row.gec],
    ]


def row_from_wire(data: Any) -> ResultRow:
    """The committed row a wire list holds; ``ValueError`` when it is not one."""
    if not isinstance(data, list) or len(data) != len(WIRE_FIELDS) + 2:
        raise ValueError(f"a row on the wire is a list of {len(WIRE_FIELDS) + 2} items")
    *scalars, by_technology, gec = data
    if not isinstance(by_technology, dict) or not isinstance(gec, list):
        raise ValueError("by_technology must be an object and the GEC ranges a list")
    try:
        ranges = tuple(GecRange(**dict(zip(_GEC_FIELDS, g, strict=True))) for g in gec)
        return ResultRow(
            **dict(zip(WIRE_FIELDS, scalars, strict=True)),
            by_technology={str(k): dict(v) for k, v in by_technology.items()},
            gec=ranges,
        )
    except TypeError as e:
        raise ValueError(f"not a committed row: {e}") from e


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def period_months(start: str, end: str) -> list[str]:
    """The park-local months ``YYYY-MM`` of the half-open period ``[start, end)`` (ISO dates)."""
    first, after = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    months: list[str] = []
    y, m = first.year, first.month
    while date(y, m, 1) < after:
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


@dataclass(frozen=True)
class LotBasis:
    """What the lot's green electricity is derived over: its meters and shares, the months."""

    lot: str
    meters: tuple[tuple[str, float], ...]  # (meter id, share), by meter id
    months: tuple[str, ...]

    @classmethod
    def of(cls, lot: str, lot_meters: Sequence[Mapping[str, Any]], months: Sequence[str]) -> LotBasis:
        """From a ``lot.produce`` payload's ``meters`` (``meter_id``, ``share``)."""
        meters = sorted((str(m["meter_id"]), float(m["share"])) for m in lot_meters)
        return cls(lot, tuple(meters), tuple(months))


def missing_rows(basis: LotBasis, rows: Sequence[ResultRow]) -> tuple[list[str], list[str], list[str]]:
    """(meter-months without a row, meter-months with more than one, rows outside the basis) —
    each ``"<meter> <month>"``."""
    want = {(m, mo) for m, _ in basis.meters for mo in basis.months}
    seen: dict[tuple[str, str], int] = {}
    for r in rows:
        seen[(r.meter_id, r.month)] = seen.get((r.meter_id, r.month), 0) + 1
    missing = sorted(f"{m} {mo}" for m, mo in want - seen.keys())
    twice = sorted(f"{m} {mo}" for (m, mo), n in seen.items() if n > 1)
    outside = sorted(f"{m} {mo}" for m, mo in seen.keys() - want)
    return missing, twice, outside


def derive_green(basis: LotBasis, rows: Sequence[ResultRow]) -> dict[str, Any]:
    """The ``green_electricity`` of a certificate on ``basis``, from the rows (pure).

    Preconditions: ``rows`` hold exactly one row per meter and month of ``basis``
    (:func:`missing_rows`); rows outside the basis are ignored.
    """
    share = dict(basis.meters)
    months = set(basis.months)
    per_meter: dict[str, dict[str, int]] = {m: {f: 0 for f, _ in _ROW_FIELDS} for m, _ in basis.meters}
    for r in rows:
        sums = per_meter.get(r.meter_id)
        if sums is not None and r.month in months:
            for f, attr in _ROW_FIELDS:
                sums[f] += getattr(r, attr)
    wh: dict[str, float] = {}
    for name, fields in CLASSES:
        total = 0.0
        for meter, s in basis.meters:  # meters in id order: one order of float additions
            total += s * sum(per_meter[meter][f] for f in fields)
        wh[name] = total
    shares = green_shares(
        total=wh["consumption"],
        direct=wh["direct"],
        gec_backed=wh["gec_backed"],
        hourly_matched=wh["hourly_matched"],
    )
    return {
        "basis": "lot",
        "lot": basis.lot,
        "meters": [{"meter": m, "share": share[m]} for m, _ in basis.meters],
        "months": [basis.months[0], basis.months[-1]] if basis.months else [],
        "kwh": {name: round(value / 1000, 3) for name, value in wh.items()},
        "physical_share": _share(shares.physical),
        "claimable_share": _share(shares.claimable),
        "hourly_matched_share": _share(shares.hourly_matched),
    }


def declared_unit_green(electricity: Mapping[str, Any]) -> dict[str, Any]:
    """``green_electricity`` of a footprint without a lot: the shares of its per-declared-unit
    electricity (a ``footprint.publish`` payload's ``results.electricity``)."""

    def kwh(name: str) -> float:
        return float(electricity.get(name) or 0)

    matched = electricity.get("hourly_matched_kwh")
    shares = green_shares(
        total=kwh("total_kwh"),
        direct=kwh("direct_physical_kwh"),
        gec_backed=kwh("claimable_green_kwh"),
        hourly_matched=None if matched is None else float(matched),
    )
    return {
        "basis": "declared_unit",
        "physical_share": _share(shares.physical),
        "claimable_share": _share(shares.claimable),
        "hourly_matched_share": _share(shares.hourly_matched),
    }


def _mwh(wh: float) -> str:
    return f"{wh / 1e6:,.3f} MWh"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.4f} %"


def explain(green: Mapping[str, Any], rows: Sequence[ResultRow]) -> list[str]:
    """The derivation of ``green`` (a ``lot`` basis) from ``rows``, line by line, as a buyer re-does it."""
    if green.get("basis") != "lot":
        return [
            "green electricity: the footprint names no lot with meters, so the shares are those of the "
            "electricity per declared unit the ledger re-computed for the footprint.publish entry"
        ]
    basis = LotBasis.of(
        str(green["lot"]),
        [{"meter_id": m["meter"], "share": m["share"]} for m in green["meters"]],
        period_months_between(*green["months"]) if green.get("months") else [],
    )
    lines = [
        f"green electricity of lot {basis.lot}: Σ over its meters of share × the meter's committed "
        f"attribution rows, months {', '.join(basis.months[:1] + basis.months[-1:])}",
    ]
    for meter, s in basis.meters:
        mine = [r for r in rows if r.meter_id == meter and r.month in basis.months]
        c = sum(r.consumption_wh for r in mine)
        d = sum(r.direct_wh for r in mine)
        g = sum(r.gec_backed_wh for r in mine)
        h = sum(r.hourly_matched_wh for r in mine)
        lines.append(
            f"  {meter} × {s:g}: {len(mine)} rows, consumption {_mwh(c)}, direct {_mwh(d)}, "
            f"GEC-backed {_mwh(g)}, hourly-matched {_mwh(h)}"
        )
        for r in mine:
            for gec in r.gec:
                lines.append(
                    f"    {r.month}: GEC {gec.first}–{gec.last} ({gec.units} MWh, {gec.technology} "
                    f"{gec.generator}, vintage {gec.vintage}) retired at seq {gec.retire_seq}"
                )
    k = green["kwh"]
    lines += [
        "  sums (kWh): " + ", ".join(f"{name} {k[name]:,.3f}" for name, _ in CLASSES),
        f"  physical share = direct / consumption = {_pct(green['physical_share'])}",
        "  claimable share = GEC-backed (claimable direct + claimable contracted + certificate) "
        f"/ consumption = {_pct(green['claimable_share'])}",
        "  hourly-matched share = Σ_h min(consumption, direct + contracted) / consumption "
        f"= {_pct(green['hourly_matched_share'])}",
    ]
    return lines


def period_months_between(first: str, last: str) -> list[str]:
    """The months ``first``..``last`` (``YYYY-MM``, both included)."""
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
