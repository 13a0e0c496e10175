"""Export a subgraph (``EvidenceGraph.subgraph``) as node-link JSON or GraphML.

Node-link JSON (networkx ``node_link_data`` with ``edges="links"``) is what the
web view loads: ``{"directed": true, "nodes": [{"id", "kind", "seqs", "label",
…}], "links": [{"source", "target", "relation", "seq", …}]}``.

GraphML holds only strings, numbers and booleans, so lists and mappings become
JSON text, ``None`` is dropped and anything else becomes ``str``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

import networkx as nx


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_json_safe(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    return str(value)


def to_node_link(sub: nx.DiGraph) -> dict[str, Any]:
    """The subgraph as a JSON-ready node-link mapping, nodes and links sorted for stable output."""
    data: dict[str, Any] = nx.node_link_data(sub, edges="links")
    data["nodes"] = sorted((_json_safe(n) for n in data["nodes"]), key=lambda n: n["id"])
    data["links"] = sorted((_json_safe(e) for e in data["links"]), key=lambda e: (e["source"], e["target"]))
    data["graph"] = _json_safe(data.get("graph", {}))
    return data


def to_json(sub: nx.DiGraph) -> str:
    """``to_node_link`` as compact JSON text."""
    return json.dumps(to_node_link(sub), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _graphml_value(value: Any) -> bool | int | float | str | None:
    if value is None:
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset | Mapping):
        return json.dumps(_json_safe(value), ensure_ascii=False, sort_keys=True)
    return str(value)


def graphml_safe(sub: nx.DiGraph) -> nx.DiGraph:
    """A copy of ``sub`` whose attribute values GraphML can hold."""
    safe: nx.DiGraph = nx.DiGraph()
    for node, data in sub.nodes(data=True):
        safe.add_node(node, **{k: v for k, raw in data.items() if (v := _graphml_value(raw)) is not None})
    for u, v, data in sub.edges(data=True):
        safe.add_edge(u, v, **{k: w for k, raw in data.items() if (w := _graphml_value(raw)) is not None})
    return safe


def to_graphml(sub: nx.DiGraph) -> str:
    """The subgraph as GraphML text (networkx writer)."""
    buffer = io.BytesIO()
    nx.write_graphml(graphml_safe(sub), buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")
