"""Explanations: short labels for nodes and one line per origin of what a node rests on."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

import networkx as nx


def kind_of(node_id: str) -> str:
    """The kind prefix of a node id (``lot`` of ``lot:L-42``)."""
    return node_id.split(":", 1)[0]


# Explanations follow structural links (a direct link, a trade, a certificate) before readings.
_EXPLAIN_ORDER = {
    "lot": 0,
    "run": 1,
    "link": 2,
    "trade": 3,
    "gec": 4,
    "meter": 5,
    "footprint": 6,
    "certificate": 7,
    "ship": 8,
    "batch": 9,
    "actor": 10,
}


def _edge_note(data: Mapping[str, Any]) -> str:
    notes = []
    if "quantity" in data:
        notes.append(f"{data['quantity']} {data.get('unit', '')}".strip())
    if "share" in data:
        notes.append(f"share {data['share']}")
    if "hours" in data:
        notes.append(f"hours {data['hours']}")
    return f" [{', '.join(notes)}]" if notes else ""


def label(g: nx.DiGraph, node_id: str) -> str:
    """A short human label: ``wind meter W-2``, ``direct link DL-1``, ``lot L-42`` …"""
    data = g.nodes[node_id]
    kind, ident = data["kind"], node_id.split(":", 1)[1]
    text: str
    if kind == "meter":
        qualifier = data.get("technology") or data.get("meter_kind")
        text = f"{qualifier} meter {ident}" if qualifier else f"meter {ident}"
    elif kind == "batch":
        text = (
            f"meter {data.get('meter', '?')} readings {data.get('start', '?')}–{data.get('end', '?')} "
            f"(entry {ident})"
        )
    elif kind == "link":
        text = f"direct link {ident}"
    elif kind == "gec":
        text = f"GEC {ident}" + (" retired" if data.get("retired") else "")
    elif kind == "trade":
        text = f"green-power trade {ident}"
    elif kind == "run":
        text = f"attribution run {ident}"
    elif kind == "shipment":
        text = f"shipment {ident} of lot {data.get('lot')} to {data.get('customer')}"
    else:
        text = f"{kind} {ident}"
    return text + (" (not recorded)" if data["placeholder"] else "")


def explain(g: nx.DiGraph, node_id: str, limit: int = 50, include_actors: bool = False) -> list[str]:
    """One line per origin of ``node_id``: the shortest path from it, newest link first.

    Origins are the ancestors with no ancestors of their own (actors only if
    ``include_actors``). Lines are sorted by path length, then origin id; at
    most ``limit`` are returned. E.g. ``lot L-42 ← attribution run 17 ← direct
    link DL-1 ← wind meter W-2``.
    """
    pred = g._pred
    parent: dict[str, str | None] = {node_id: None}
    queue = deque([node_id])
    origins: list[str] = []
    while queue:
        node = queue.popleft()
        ups = [u for u in pred[node] if include_actors or kind_of(u) != "actor"]
        if not ups and node != node_id:
            origins.append(node)
        for up in sorted(ups, key=lambda u: (_EXPLAIN_ORDER.get(kind_of(u), 9), u)):
            if up not in parent:
                parent[up] = node
                queue.append(up)
    lines = []
    for origin in origins[:limit]:
        path: list[str] = []
        cursor: str | None = origin
        while cursor is not None:
            path.append(cursor)
            cursor = parent[cursor]
        edge_notes = [_edge_note(g.edges[a, b]) for a, b in zip(path[:-1], path[1:], strict=True)]
        labels = [label(g, n) for n in reversed(path)]
        notes = list(reversed(edge_notes))
        lines.append(
            labels[0] + "".join(f" ← {label}{note}" for label, note in zip(labels[1:], notes, strict=True))
        )
    return lines
