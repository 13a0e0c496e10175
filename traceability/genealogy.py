"""Lot genealogy: ancestry and descent of a lot through production inputs, with quantities."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx


@dataclass(frozen=True)
class LotLink:
    """``quantity`` of lot ``source`` (in ``unit``) went into lot ``target``; ``depth`` from the query lot."""

    source: str
    target: str
    quantity: int
    unit: str
    depth: int


@dataclass(frozen=True)
class LotSummary:
    lot_id: str
    product: str | None
    unit: str | None
    produced: int
    received: int
    consumed: int
    shipped: int
    supplier: str | None


@dataclass(frozen=True)
class Shipment:
    node_id: str
    lot_id: str
    quantity: int
    unit: str
    customer: str


@dataclass(frozen=True)
class Genealogy:
    """A lot's ancestry and descent through ``lot.produce`` inputs, with quantities and shipments."""

    lot: LotSummary
    ancestors: tuple[LotLink, ...]
    descendants: tuple[LotLink, ...]
    shipments: tuple[Shipment, ...]
    lots: Mapping[str, LotSummary]


def _lot_summary(g: nx.DiGraph, node_id: str) -> LotSummary:
    data = g.nodes[node_id]
    consumed = shipped = 0
    for _, data_out in g._succ[node_id].items():
        if data_out["relation"] == "input":
            consumed += data_out["quantity"]
        elif data_out["relation"] == "shipped":
            shipped += data_out["quantity"]
    return LotSummary(
        node_id.split(":", 1)[1],
        data.get("product"),
        data.get("unit"),
        data.get("produced", 0),
        data.get("received", 0),
        consumed,
        shipped,
        data.get("supplier"),
    )


def _lot_links(g: nx.DiGraph, start: str, up: bool) -> list[LotLink]:
    adjacency = g._pred if up else g._succ
    depth = {start: 0}
    queue = deque([start])
    links = []
    while queue:
        node = queue.popleft()
        for other, data in adjacency[node].items():
            if data["relation"] != "input":
                continue
            source, target = (other, node) if up else (node, other)
            links.append(
                LotLink(
                    source.split(":", 1)[1],
                    target.split(":", 1)[1],
                    data["quantity"],
                    data["unit"],
                    depth[node] + 1,
                )
            )
            if other not in depth:
                depth[other] = depth[node] + 1
                queue.append(other)
    links.sort(key=lambda link: (link.depth, link.source, link.target))
    return links


def lot_genealogy(g: nx.DiGraph, node_id: str) -> Genealogy:
    """Ancestors and descendants of lot node ``node_id`` through production inputs.

    ``node_id`` must be a lot node of ``g``. Shipments are those of the lot and
    of its descendants. ``lots`` summarises every lot named.
    """
    ancestors = _lot_links(g, node_id, True)
    descendants = _lot_links(g, node_id, False)
    names = {node_id} | {
        f"lot:{x}" for link in (*ancestors, *descendants) for x in (link.source, link.target)
    }
    shipments = []
    for name in {node_id} | {f"lot:{link.target}" for link in descendants}:
        for other, data in g._succ[name].items():
            if data["relation"] == "shipped":
                s = g.nodes[other]
                shipments.append(Shipment(other, s["lot"], s["quantity"], s["unit"], s["customer"]))
    shipments.sort(key=lambda s: s.node_id)
    summaries = {n.split(":", 1)[1]: _lot_summary(g, n) for n in sorted(names)}
    return Genealogy(
        summaries[node_id.split(":", 1)[1]],
        tuple(ancestors),
        tuple(descendants),
        tuple(shipments),
        summaries,
    )
