"""The energy–carbon–product flow of a park (能源流－碳数据流－产品流): pure arithmetic.

:func:`build_flows` turns plain per-meter electricity splits (as attribution
reports them), an enterprise's fuel and process emissions and the Wh of each
meter that went into each product into a frozen :class:`FlowGraph`: nodes in
four columns -- sources, consumer meters, enterprises, products -- and links
carrying both Wh and g CO2e (market-based).

Rules (market-based, as :mod:`ledger.attribution.totals` and the park accounting):

- claimable green electricity (direct supply whose GEC the consumer retired,
  green-power trades, retired certificates) counts zero;
- grid electricity and direct-supply electricity whose attribute the consumer
  does not hold get the grid factor (kg CO2/kWh = g CO2/Wh);
- fuels and process emissions enter the enterprise directly (no meter); they
  are shared among the enterprise's products in proportion to the electricity
  each product took (an allocation key, stated in :data:`FUEL_ALLOCATION`);
- what a meter gave to no product goes to the enterprise's "unallocated" node.

Everything is an integer (Wh, g CO2e); splits use the largest-remainder rule
with ties broken by node id, so every meter and enterprise node conserves Wh
and g exactly, and :func:`check_conservation` proves it on the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from types import MappingProxyType
from typing import Any, Literal

from ledger import IntegrityFailure, RuleViolation, largest_remainder_split

__all__ = [
    "FUEL_ALLOCATION",
    "DirectEmission",
    "FlowGraph",
    "FlowLink",
    "FlowNode",
    "MeterFlow",
    "build_flows",
    "check_conservation",
    "largest_remainder",
]

Column = Literal[0, 1, 2, 3]
NodeKind = Literal["source", "meter", "enterprise", "product"]

#: How an enterprise's fuel and process emissions reach its products.
FUEL_ALLOCATION = "pro rata to the electricity (Wh) each product took from the enterprise's meters"

_CLASS_LABELS = {
    "direct": "直连 direct (GEC retired)",
    "direct_unclaimed": "直连 direct (GEC not held)",
    "contracted": "绿电交易 trade (PPA)",
    "certificate": "绿证 GEC retired",
}


@dataclass(frozen=True)
class MeterFlow:
    """One consumer meter's attributed electricity over the period, in Wh.

    ``direct_wh`` is physical direct supply by technology,
    ``direct_claimable_wh`` the part whose GEC the consumer retired (per
    technology ≤ the physical amount); ``product_wh`` the Wh of this meter that
    went into each product (sum ≤ consumption; the rest is unallocated).
    """

    meter_id: str
    enterprise: str
    direct_wh: Mapping[str, int] = field(default_factory=dict)
    direct_claimable_wh: Mapping[str, int] = field(default_factory=dict)
    contracted_wh: Mapping[str, int] = field(default_factory=dict)
    certificate_wh: Mapping[str, int] = field(default_factory=dict)
    grid_wh: int = 0
    product_wh: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("direct_wh", "direct_claimable_wh", "contracted_wh", "certificate_wh", "product_wh"):
            values: Mapping[str, int] = getattr(self, name)
            for key, wh in values.items():
                _check_wh(f"meter {self.meter_id}: {name}[{key!r}]", wh)
            object.__setattr__(self, name, MappingProxyType(dict(values)))
        _check_wh(f"meter {self.meter_id}: grid_wh", self.grid_wh)
        for tech, wh in self.direct_claimable_wh.items():
            if wh > self.direct_wh.get(tech, 0):
                raise ValueError(
                    f"meter {self.meter_id}: claimable direct {tech} {wh} Wh exceeds the physical "
                    f"{self.direct_wh.get(tech, 0)} Wh"
                )
        if sum(self.product_wh.values()) > self.consumption_wh:
            raise ValueError(
                f"meter {self.meter_id}: products take {sum(self.product_wh.values())} Wh of a "
                f"consumption of {self.consumption_wh} Wh"
            )

    @property
    def consumption_wh(self) -> int:
        """direct + contracted + certificate + grid (the attribution identity)."""
        return (
            sum(self.direct_wh.values())
            + sum(self.contracted_wh.values())
            + sum(self.certificate_wh.values())
            + self.grid_wh
        )


@dataclass(frozen=True)
class DirectEmission:
    """Fuel burnt (energy ``wh``, emissions ``g_co2e``) or a process emission (``wh`` 0) at an enterprise.

    ``source`` is a stable key such as ``fuel:natural_gas`` or ``process``.
    """

    enterprise: str
    source: str
    label: str
    wh: int
    g_co2e: int

    def __post_init__(self) -> None:
        _check_wh(f"{self.source} of {self.enterprise}: wh", self.wh)
        _check_wh(f"{self.source} of {self.enterprise}: g_co2e", self.g_co2e)


@dataclass(frozen=True)
class FlowNode:
    """A node: ``column`` 0 sources, 1 meters, 2 enterprises, 3 products."""

    id: str
    label: str
    kind: NodeKind
    column: Column
    enterprise: str | None = None


@dataclass(frozen=True)
class FlowLink:
    """Energy (Wh) and market-based emissions (g CO2e) from ``source`` to ``target``."""

    source: str
    target: str
    wh: int
    g_co2e: int


@dataclass(frozen=True)
class FlowGraph:
    """The flow of one park and period. Build with :func:`build_flows`."""

    nodes: tuple[FlowNode, ...]
    links: tuple[FlowLink, ...]
    grid_factor_kg_per_kwh: Decimal
    allocation: str = FUEL_ALLOCATION

    def inflow(self, node_id: str) -> tuple[int, int]:
        """(Wh, g CO2e) entering ``node_id``."""
        ins = [lk for lk in self.links if lk.target == node_id]
        return sum(lk.wh for lk in ins), sum(lk.g_co2e for lk in ins)

    def outflow(self, node_id: str) -> tuple[int, int]:
        """(Wh, g CO2e) leaving ``node_id``."""
        outs = [lk for lk in self.links if lk.source == node_id]
        return sum(lk.wh for lk in outs), sum(lk.g_co2e for lk in outs)

    @property
    def total_wh(self) -> int:
        """Everything that leaves the sources."""
        return sum(lk.wh for lk in self.links if lk.source.startswith("src:"))

    @property
    def total_g_co2e(self) -> int:
        """Market-based emissions of everything that leaves the sources."""
        return sum(lk.g_co2e for lk in self.links if lk.source.startswith("src:"))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form: MWh and t CO2e as decimal strings, plus the exact integers."""
        return {
            "format": "tanji.flows/1",
            "grid_factor_kg_per_kwh": str(self.grid_factor_kg_per_kwh),
            "allocation": self.allocation,
            "total_wh": self.total_wh,
            "total_g_co2e": self.total_g_co2e,
            "nodes": [
                {"id": n.id, "label": n.label, "kind": n.kind, "column": n.column, "enterprise": n.enterprise}
                for n in self.nodes
            ],
            "links": [
                {
                    "source": lk.source,
                    "target": lk.target,
                    "wh": lk.wh,
                    "g_co2e": lk.g_co2e,
                    "mwh": str(Decimal(lk.wh) / 1_000_000),
                    "t_co2e": str(Decimal(lk.g_co2e) / 1_000_000),
                }
                for lk in self.links
            ],
        }


def _check_wh(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, not {value!r}")


def grams(wh: int, kg_per_kwh: Decimal) -> int:
    """``wh`` × factor (kg/kWh = g/Wh) in whole grams, half to even."""
    return int((Decimal(wh) * kg_per_kwh).to_integral_value(rounding=ROUND_HALF_EVEN))


def largest_remainder(total: int, weights: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Split the integer ``total`` in proportion to integer ``weights`` (key, weight).

    Floors first, then hands the remainder out one unit at a time by the
    largest fractional part, ties by key (``ledger.largest_remainder_split``,
    the one rule). Preconditions: ``total >= 0``, weights ``>= 0`` with a
    positive sum (else ``ValueError``). The parts sum to ``total``.
    """
    if total < 0:
        raise ValueError(f"total {total} is negative")
    w_sum = sum(w for _k, w in weights)
    if w_sum <= 0 or any(w < 0 for _k, w in weights):
        raise ValueError(f"weights {list(weights)} must be non-negative with a positive sum")
    by_key = sorted(weights, key=lambda kw: kw[0])  # ledger's rule breaks ties by position: make it by key
    parts = largest_remainder_split(total, [w for _k, w in by_key])
    return dict(zip((k for k, _w in by_key), parts, strict=True))


class _Acc:
    """Mutable link accumulator local to :func:`build_flows`."""

    def __init__(self) -> None:
        self.links: dict[tuple[str, str], list[int]] = {}

    def add(self, source: str, target: str, wh: int, g: int) -> None:
        if wh == 0 and g == 0:
            return
        cell = self.links.setdefault((source, target), [0, 0])
        cell[0] += wh
        cell[1] += g


def _unallocated(enterprise: str) -> str:
    return f"prod:{enterprise}:(unallocated)"


def build_flows(
    meters: Iterable[MeterFlow],
    emissions: Iterable[DirectEmission],
    grid_factor_kg_per_kwh: Decimal,
    *,
    enterprise_labels: Mapping[str, str] | None = None,
    product_labels: Mapping[str, str] | None = None,
) -> FlowGraph:
    """The flow graph of ``meters`` and ``emissions`` (see the module docstring for the rules).

    Preconditions: meter ids are unique; the grid factor is ``>= 0``; each
    ``MeterFlow`` already checked its own splits. Raises ``RuleViolation``
    ``flows.duplicate_meter`` for a repeated meter; the result is checked with
    :func:`check_conservation` before it is returned.
    """
    if grid_factor_kg_per_kwh < 0:
        raise ValueError(f"grid factor {grid_factor_kg_per_kwh} is negative")
    meters = sorted(meters, key=lambda m: m.meter_id)
    seen = [m.meter_id for m in meters]
    dupes = sorted({m for m in seen if seen.count(m) > 1})
    if dupes:
        raise RuleViolation(f"meters {dupes} are given twice", code="flows.duplicate_meter", meters=dupes)
    ent_label = dict(enterprise_labels or {})
    prod_label = dict(product_labels or {})
    nodes: dict[str, FlowNode] = {}
    acc = _Acc()
    # Product electricity per enterprise: the allocation key for its fuels and processes.
    product_el: dict[str, dict[str, int]] = {}
    f = grid_factor_kg_per_kwh

    def node(n: FlowNode) -> str:
        nodes.setdefault(n.id, n)
        return n.id

    for m in meters:
        mid = node(FlowNode(f"meter:{m.meter_id}", m.meter_id, "meter", 1, m.enterprise))
        eid = node(
            FlowNode(
                f"ent:{m.enterprise}",
                ent_label.get(m.enterprise, m.enterprise),
                "enterprise",
                2,
                m.enterprise,
            )
        )
        parts: list[tuple[str, int, int]] = []  # (source node, Wh, g) into this meter
        for tech, wh in sorted(m.direct_wh.items()):
            claim = m.direct_claimable_wh.get(tech, 0)
            parts.append((f"src:direct:{tech}", claim, 0))
            parts.append((f"src:direct_unclaimed:{tech}", wh - claim, grams(wh - claim, f)))
        for cls, values in (("contracted", m.contracted_wh), ("certificate", m.certificate_wh)):
            for tech, wh in sorted(values.items()):
                parts.append((f"src:{cls}:{tech}", wh, 0))
        parts.append(("src:grid", m.grid_wh, grams(m.grid_wh, f)))
        meter_wh = meter_g = 0
        for src, wh, g in parts:
            if wh == 0:
                continue
            kind = src.split(":")
            label = "grid 电网" if kind[1] == "grid" else f"{kind[2]} · {_CLASS_LABELS[kind[1]]}"
            node(FlowNode(src, label, "source", 0))
            acc.add(src, mid, wh, g)
            meter_wh += wh
            meter_g += g
        acc.add(mid, eid, meter_wh, meter_g)
        # The meter's share of each product, and the rest unallocated.
        weights = [(f"prod:{p}", wh) for p, wh in sorted(m.product_wh.items()) if wh > 0]
        rest = meter_wh - sum(w for _k, w in weights)
        if rest > 0 or not weights:
            weights.append((_unallocated(m.enterprise), rest))
        g_split = largest_remainder(meter_g, weights) if meter_wh else {k: 0 for k, _w in weights}
        mine = product_el.setdefault(m.enterprise, {})
        for pid, wh in weights:
            mine[pid] = mine.get(pid, 0) + wh
            acc.add(eid, pid, wh, g_split[pid])

    by_ent: dict[str, list[DirectEmission]] = {}
    for e in emissions:
        by_ent.setdefault(e.enterprise, []).append(e)
    for ent, items in sorted(by_ent.items()):
        eid = node(FlowNode(f"ent:{ent}", ent_label.get(ent, ent), "enterprise", 2, ent))
        el = {k: w for k, w in product_el.get(ent, {}).items() if w > 0}
        weights = sorted(el.items()) or [(_unallocated(ent), 1)]
        for e in sorted(items, key=lambda x: x.source):
            src = node(FlowNode(f"src:{e.source}", e.label, "source", 0))
            acc.add(src, eid, e.wh, e.g_co2e)
            wh_split = largest_remainder(e.wh, weights)
            g_split = largest_remainder(e.g_co2e, weights)
            for pid, _w in weights:
                acc.add(eid, pid, wh_split[pid], g_split[pid])

    for _s, target in acc.links:
        if target.startswith("prod:") and target not in nodes:
            if target.endswith(":(unallocated)"):
                ent = target[len("prod:") : -len(":(unallocated)")]
                nodes[target] = FlowNode(target, f"{ent}: not allocated to a product", "product", 3, ent)
            else:
                pid = target[len("prod:") :]
                nodes[target] = FlowNode(target, prod_label.get(pid, pid), "product", 3)
    order = {"source": 0, "meter": 1, "enterprise": 2, "product": 3}
    graph = FlowGraph(
        # Meters and products grouped by enterprise: fewer crossing bands in a column layout.
        nodes=tuple(sorted(nodes.values(), key=lambda n: (order[n.kind], n.enterprise or "", n.id))),
        links=tuple(FlowLink(s, t, v[0], v[1]) for (s, t), v in sorted(acc.links.items())),
        grid_factor_kg_per_kwh=f,
    )
    check_conservation(graph)
    return graph


def check_conservation(graph: FlowGraph) -> None:
    """Every meter and enterprise node passes on exactly what enters it (Wh and g CO2e),
    and what leaves the sources reaches the products. ``IntegrityFailure``
    (``flows.not_conserved``) naming the node otherwise."""
    for n in graph.nodes:
        if n.kind in ("meter", "enterprise"):
            i, o = graph.inflow(n.id), graph.outflow(n.id)
            if i != o:
                raise IntegrityFailure(
                    f"node {n.id}: in {i[0]} Wh / {i[1]} g, out {o[0]} Wh / {o[1]} g",
                    code="flows.not_conserved",
                    node=n.id,
                )
    into_products = [lk for lk in graph.links if lk.target.startswith("prod:")]
    got = (sum(lk.wh for lk in into_products), sum(lk.g_co2e for lk in into_products))
    if got != (graph.total_wh, graph.total_g_co2e):
        raise IntegrityFailure(
            f"sources give {graph.total_wh} Wh / {graph.total_g_co2e} g, products get "
            f"{got[0]} Wh / {got[1]} g",
            code="flows.not_conserved",
            node="products",
        )
