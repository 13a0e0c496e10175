"""Electricity follows the ledger: split a model's metered electricity by attribution.

The ledger's attribution engine reports, per consumer meter and period, how its
consumption splits into direct-supply green (physical, and the claimable part
whose GECs were retired for the consumer), contracted green (green-power
trades, GECs bundled), certificate green (retired GECs) and grid. The lead
fills :class:`MeterElectricity` from those results; this module is pure.

Rules (documented choices):

- **Market-based**: claimable green (direct claimable + contracted +
  certificate) takes the life-cycle factor of its technology; everything else
  (grid, and direct-supply electricity whose attribute was not claimed) takes
  the model's ``market_unclaimed`` grid factor (in China: the MEE national
  factor *excluding market-traded non-fossil electricity*, the closest
  published analogue of a residual mix).
- **Location-based**: all consumption takes the model's ``location_based``
  grid average factor, as the issue asks. (The GHG Protocol Scope 2 Guidance
  lets a direct line use its generator's factor even location-based; Tanji
  reports that physical share apart instead.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from lca.errors import InvalidAttribution, MissingAttribution
from ledger import claimable_share, physical_share


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open period ``[start, end)`` of calendar days (Asia/Shanghai)."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidAttribution(
                f"period end {self.end} is not after start {self.start}",
                start=str(self.start),
                end=str(self.end),
            )

    def __str__(self) -> str:
        return f"[{self.start.isoformat()}, {self.end.isoformat()})"


def _frozen_wh(name: str, meter_id: str, values: Mapping[str, int]) -> Mapping[str, int]:
    for tech, wh in values.items():
        if not isinstance(wh, int) or isinstance(wh, bool) or wh < 0:
            raise InvalidAttribution(
                f"meter {meter_id!r}: {name}[{tech!r}] = {wh!r} is not a non-negative int of Wh",
                meter_id=meter_id,
            )
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class MeterElectricity:
    """One consumer meter's attributed consumption over one period, in Wh.

    ``direct_wh`` is physical direct-supply green by technology;
    ``direct_claimable_wh`` the part of it whose GECs were retired for this
    consumer (each ≤ the physical amount of its technology); ``contracted_wh``
    green-power trades; ``certificate_wh`` retired certificates; ``grid_wh``
    the rest. Consumption is the sum of direct, contracted, certificate and grid.
    """

    meter_id: str
    period: Period
    direct_wh: Mapping[str, int] = field(default_factory=dict)
    direct_claimable_wh: Mapping[str, int] = field(default_factory=dict)
    contracted_wh: Mapping[str, int] = field(default_factory=dict)
    certificate_wh: Mapping[str, int] = field(default_factory=dict)
    grid_wh: int = 0
    attribution_seq: int | None = None

    def __post_init__(self) -> None:
        m = self.meter_id
        for name in ("direct_wh", "direct_claimable_wh", "contracted_wh", "certificate_wh"):
            object.__setattr__(self, name, _frozen_wh(name, m, getattr(self, name)))
        if not isinstance(self.grid_wh, int) or self.grid_wh < 0:
            raise InvalidAttribution(
                f"meter {m!r}: grid_wh = {self.grid_wh!r} is not a non-negative int", meter_id=m
            )
        for tech, wh in self.direct_claimable_wh.items():
            physical = self.direct_wh.get(tech, 0)
            if wh > physical:
                raise InvalidAttribution(
                    f"meter {m!r}: claimable direct {tech} {wh} Wh exceeds physical {physical} Wh",
                    meter_id=m,
                    technology=tech,
                )

    @property
    def consumption_wh(self) -> int:
        return (
            sum(self.direct_wh.values())
            + sum(self.contracted_wh.values())
            + sum(self.certificate_wh.values())
            + self.grid_wh
        )


@dataclass(frozen=True, slots=True)
class ElectricitySplit:
    """Electricity of one process over the period, kWh, after applying meter shares.

    ``claimable_kwh`` by technology gets the technology factor market-based;
    ``unclaimed_kwh`` (grid + unclaimed direct) gets the market grid factor.
    """

    total_kwh: float
    claimable_kwh: Mapping[str, float]
    unclaimed_kwh: float
    direct_physical_kwh: float
    direct_claimable_kwh: float
    contracted_kwh: float
    certificate_kwh: float
    grid_kwh: float
    attribution_seqs: tuple[int, ...] = ()

    @property
    def claimable_share(self) -> float:
        """Claimable share (``ledger.claimable_share``); 0 without electricity."""
        share = claimable_share(sum(self.claimable_kwh.values()), self.total_kwh)
        return 0.0 if share is None else share

    @property
    def physical_green_share(self) -> float:
        """Physical share: direct-supply kWh / total (``ledger.physical_share``); 0 without electricity."""
        share = physical_share(self.direct_physical_kwh, self.total_kwh)
        return 0.0 if share is None else share


def index_attribution(
    records: Iterable[MeterElectricity],
) -> dict[tuple[str, Period], MeterElectricity]:
    """Index records by (meter, period); a duplicate is an InvalidAttribution."""
    out: dict[tuple[str, Period], MeterElectricity] = {}
    for r in records:
        key = (r.meter_id, r.period)
        if key in out:
            raise InvalidAttribution(
                f"two attribution records for meter {r.meter_id!r} over {r.period}",
                meter_id=r.meter_id,
            )
        out[key] = r
    return out


def split_electricity(
    meters: Iterable[tuple[str, float]],
    period: Period,
    attribution: Mapping[tuple[str, Period], MeterElectricity],
    *,
    model_id: str = "",
) -> ElectricitySplit:
    """Split the electricity of ``meters`` (meter id, share) over ``period``.

    Preconditions: each meter has a record for exactly ``period`` (else
    MissingAttribution naming meter, period and model); 0 < share ≤ 1.
    """
    claimable: dict[str, float] = {}
    total = unclaimed = direct = direct_claim = contracted = certificate = grid = 0.0
    seqs: set[int] = set()
    for meter_id, share in meters:
        if not 0 < share <= 1:
            raise InvalidAttribution(f"share {share} of meter {meter_id!r} is not in (0, 1]")
        rec = attribution.get((meter_id, period))
        if rec is None:
            raise MissingAttribution(
                f"meter {meter_id!r} has no attribution for {period}"
                + (f" (model {model_id!r})" if model_id else ""),
                meter_id=meter_id,
                period=str(period),
                model_id=model_id,
            )
        if rec.attribution_seq is not None:
            seqs.add(rec.attribution_seq)
        k = share / 1000.0
        for group in (rec.direct_claimable_wh, rec.contracted_wh, rec.certificate_wh):
            for tech, wh in group.items():
                claimable[tech] = claimable.get(tech, 0.0) + wh * k
        d = sum(rec.direct_wh.values()) * k
        dc = sum(rec.direct_claimable_wh.values()) * k
        c = sum(rec.contracted_wh.values()) * k
        ce = sum(rec.certificate_wh.values()) * k
        g = rec.grid_wh * k
        direct += d
        direct_claim += dc
        contracted += c
        certificate += ce
        grid += g
        unclaimed += g + (d - dc)
        total += rec.consumption_wh * k
    return ElectricitySplit(
        total_kwh=total,
        claimable_kwh=MappingProxyType({t: v for t, v in sorted(claimable.items()) if v}),
        unclaimed_kwh=unclaimed,
        direct_physical_kwh=direct,
        direct_claimable_kwh=direct_claim,
        contracted_kwh=contracted,
        certificate_kwh=certificate,
        grid_kwh=grid,
        attribution_seqs=tuple(sorted(seqs)),
    )


GREEN_KINDS = ("direct", "claimable_direct", "contracted", "certificate")


def from_technology_rows(
    period: Period,
    rows: Iterable[tuple[str, str, str, int]],
    grid_wh: Mapping[str, int],
    *,
    attribution_seq: int | None = None,
) -> list[MeterElectricity]:
    """Build records from long-format attribution totals of one period.

    ``rows`` are ``(meter_id, kind, technology, wh)`` with ``kind`` one of
    ``direct``, ``claimable_direct``, ``contracted``, ``certificate`` (the shape
    of the ledger's ``technology_totals`` summed over the period's months);
    ``grid_wh`` gives every meter's grid Wh (a meter with no green rows is
    grid only). A meter with green rows but no grid entry is an
    InvalidAttribution, so nothing is silently dropped.
    """
    green: dict[str, dict[str, dict[str, int]]] = {}
    for meter_id, kind, tech, wh in rows:
        if kind not in GREEN_KINDS:
            raise InvalidAttribution(
                f"meter {meter_id!r}: unknown attribution kind {kind!r}; expected {GREEN_KINDS}",
                meter_id=meter_id,
            )
        per_kind = green.setdefault(meter_id, {k: {} for k in GREEN_KINDS})
        per_kind[kind][tech] = per_kind[kind].get(tech, 0) + int(wh)
    missing = sorted(set(green) - set(grid_wh))
    if missing:
        raise InvalidAttribution(f"meters {missing} have green rows but no grid_wh entry")
    out = []
    for meter_id in sorted(grid_wh):
        g = green.get(meter_id, {k: {} for k in GREEN_KINDS})
        out.append(
            MeterElectricity(
                meter_id=meter_id,
                period=period,
                direct_wh=g["direct"],
                direct_claimable_wh=g["claimable_direct"],
                contracted_wh=g["contracted"],
                certificate_wh=g["certificate"],
                grid_wh=int(grid_wh[meter_id]),
                attribution_seq=attribution_seq,
            )
        )
    return out
