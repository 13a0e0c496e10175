"""Queries over a ledger's evidence graph, one function per question (what the CLI and API call).

Each function takes the ledger and an id as a user types it: a node id
(``lot:AL-1``), or a bare id (``AL-1``, ``M-7``, a footprint UUID, a batch or
run seq) resolved against the node prefixes; an id that matches nodes of
several kinds is an error listing them. The graph comes from
:func:`traceability.ledger_graph.with_graph` (cached, caught up, and not
extended by another thread while a query reads it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx

from ledger.store.append import Ledger
from traceability.errors import UnknownReference
from traceability.export import to_graphml, to_json
from traceability.genealogy import Genealogy
from traceability.graph import Direction, EvidenceGraph, Impact, Reached
from traceability.ledger_graph import with_graph
from traceability.plan import PREFIX_KIND

__all__ = [
    "Traced",
    "evidence_of",
    "explain_node",
    "export_subgraph",
    "genealogy_of",
    "impact_of",
    "resolve_node",
    "trace",
]

ExportFormat = Literal["json", "graphml"]


def resolve_node(graph: EvidenceGraph, ident: str) -> str:
    """The node id ``ident`` names: itself if it is a node, else the one ``<prefix>:<ident>`` that is.

    Raises ``UnknownReference`` when none or several match.
    """
    if ident in graph:
        return ident
    found = sorted(f"{p}:{ident}" for p in PREFIX_KIND if f"{p}:{ident}" in graph)
    if len(found) == 1:
        return found[0]
    if found:
        raise UnknownReference(f"{ident!r} is ambiguous: {', '.join(found)}", node_id=ident, candidates=found)
    raise UnknownReference(
        f"no node {ident!r} in the evidence graph (read up to seq {graph.last_seq}); "
        "ids look like lot:L-42, meter:M-7, footprint:<uuid>",
        node_id=ident,
    )


@dataclass(frozen=True)
class Traced:
    """The resolved node id and what a traversal reached from it."""

    node_id: str
    reached: tuple[Reached, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node_id,
            "reached": [
                {"id": r.id, "kind": r.kind, "seqs": list(r.seqs), "distance": r.distance}
                for r in self.reached
            ],
        }


def trace(ledger: Ledger, direction: Literal["up", "down"], ident: str, depth: int | None = None) -> Traced:
    """Upstream (what ``ident`` rests on) or downstream (what rests on it), nearest first."""

    def read(graph: EvidenceGraph) -> Traced:
        node = resolve_node(graph, ident)
        walk = graph.upstream if direction == "up" else graph.downstream
        return Traced(node, tuple(walk(node, depth)))

    return with_graph(ledger, read)


def evidence_of(ledger: Ledger, ident: str, depth: int | None = None) -> tuple[str, list[int]]:
    """The resolved node id and the sorted seqs it rests on (footprints/certificates as recorded).

    ``depth`` keeps only the ancestors at most that many edges away (``None``: all).
    """

    def read(graph: EvidenceGraph) -> tuple[str, list[int]]:
        node = resolve_node(graph, ident)
        if depth is None:
            return node, graph.evidence(node)
        as_of = graph.default_as_of(node)
        seqs = {s for s in graph.node(node).seqs if as_of is None or s <= as_of}
        for reached in graph.upstream(node, depth, as_of):
            seqs.update(reached.seqs)
        return node, sorted(seqs)

    return with_graph(ledger, read)


def impact_of(ledger: Ledger, ident: str, depth: int | None = None) -> tuple[str | int, Impact]:
    """What rests on a node, or on entry ``seq`` when ``ident`` is all digits and names no node.

    ``depth`` keeps only what lies at most that many edges downstream (``None``: all).
    """

    def read(graph: EvidenceGraph) -> tuple[str | int, Impact]:
        target: str | int
        if ident.isdigit() and ident not in graph:
            target = int(ident)
            starts = list(graph.nodes_of_seq(target))
        else:
            target = resolve_node(graph, ident)
            starts = [target]
        found = graph.impact(target)
        if depth is None:
            return target, found
        near = set(starts) | {r.id for s in starts for r in graph.downstream(s, depth)}
        return target, Impact(
            *(
                tuple(n for n in group if n in near)
                for group in (found.footprints, found.certificates, found.lots, found.shipments)
            )
        )

    return with_graph(ledger, read)


def genealogy_of(ledger: Ledger, lot_id: str) -> Genealogy:
    """A lot's ancestors and descendants through production inputs, with quantities and shipments."""
    return with_graph(ledger, lambda graph: graph.genealogy(lot_id))


def explain_node(ledger: Ledger, ident: str, limit: int = 50) -> tuple[str, list[str]]:
    """One line per origin of ``ident`` (``lot L-42 ← attribution run 17 ← …``)."""

    def read(graph: EvidenceGraph) -> tuple[str, list[str]]:
        node = resolve_node(graph, ident)
        return node, graph.explain(node, limit=limit)

    return with_graph(ledger, read)


def export_subgraph(
    ledger: Ledger,
    ident: str,
    fmt: ExportFormat,
    direction: Direction = "up",
    depth: int | None = None,
) -> tuple[str, str]:
    """The resolved node id and its subgraph as node-link JSON or GraphML text."""
    if fmt not in ("json", "graphml"):
        raise ValueError(f"format {fmt!r} is not json or graphml")

    def read(graph: EvidenceGraph) -> tuple[str, nx.DiGraph]:
        node = resolve_node(graph, ident)
        return node, graph.subgraph(node, direction, depth)  # a copy: rendered outside the lock

    node, sub = with_graph(ledger, read)
    return node, to_json(sub) if fmt == "json" else to_graphml(sub)
