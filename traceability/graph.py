"""``EvidenceGraph``: a networkx ``DiGraph`` over ledger entries, and its queries.

Build it from plain entry records (see :mod:`traceability.mapping` for the
table of kinds, payload fields, nodes and edges) and keep it current with
``apply``: it skips entries at or below ``last_seq`` and applies the rest in
order, so catching up incrementally gives exactly the graph a full rebuild
gives. Each entry is applied atomically: its plan is computed first and
checked for cycles, then committed; an entry that raises changes nothing.

Queries name nodes by id (``lot:L-42``, ``meter:M-7`` …); an id not in the
graph raises :class:`UnknownReference`. Edges carry the ``seq`` of the entry
that created them, so a query can be asked *as of* a seq: ``evidence`` of a
footprint or certificate is taken as of the entry that recorded it, and stays
the same however the log grows.
"""

from __future__ import annotations

import heapq
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx

from traceability.errors import CycleDetected, MalformedEntry, SequenceError, UnknownReference
from traceability.explain import explain, kind_of, label
from traceability.genealogy import Genealogy, lot_genealogy
from traceability.mapping import plan_entry
from traceability.plan import PRODUCT_PREFIXES, EntryLike, Plan, State

Direction = Literal["up", "down", "both"]
CERTIFYING_KINDS = frozenset({"footprint", "certificate"})


@dataclass(frozen=True)
class NodeInfo:
    """A node: its id, kind, the seqs behind it, whether it is a placeholder, its attributes."""

    id: str
    kind: str
    seqs: tuple[int, ...]
    placeholder: bool
    attrs: Mapping[str, Any]


@dataclass(frozen=True)
class Reached:
    """A node found by a traversal, ``distance`` edges away from the start."""

    id: str
    kind: str
    seqs: tuple[int, ...]
    distance: int


@dataclass(frozen=True)
class Impact:
    """What rests on an entity or entry: sorted node ids by kind."""

    footprints: tuple[str, ...]
    certificates: tuple[str, ...]
    lots: tuple[str, ...]
    shipments: tuple[str, ...]


@dataclass(frozen=True)
class BuildStats:
    """Counts: applied entries, skipped (already read), ignored by kind, rejected (seq, code, message)."""

    applied: int
    skipped: int
    ignored: Mapping[str, int]
    rejected: tuple[tuple[int, str, str], ...]
    placeholders: int
    nodes: int
    edges: int


class EvidenceGraph:
    """The evidence graph. Mutated only through ``apply``; everything else reads."""

    def __init__(self) -> None:
        self._g: nx.DiGraph = nx.DiGraph()
        self._state = State()
        self._last_seq: int | None = None
        self._applied = 0
        self._skipped = 0
        self._ignored: Counter[str] = Counter()
        self._rejected: list[tuple[int, str, str]] = []
        self._nodes_by_seq: dict[int, list[str]] = {}

    @classmethod
    def from_entries(cls, entries: Iterable[EntryLike]) -> EvidenceGraph:
        graph = cls()
        graph.apply(entries)
        return graph

    # -- building ---------------------------------------------------------------

    @property
    def last_seq(self) -> int | None:
        """The seq of the last entry read (applied or ignored), ``None`` before any."""
        return self._last_seq

    @property
    def graph(self) -> nx.DiGraph:
        """A read-only view of the underlying networkx graph."""
        view: nx.DiGraph = self._g.copy(as_view=True)
        return view

    def stats(self) -> BuildStats:
        placeholders = sum(1 for _, d in self._g.nodes(data="placeholder") if d)
        return BuildStats(
            self._applied,
            self._skipped,
            dict(self._ignored),
            tuple(self._rejected),
            placeholders,
            self._g.number_of_nodes(),
            self._g.number_of_edges(),
        )

    def apply(self, entries: Iterable[EntryLike], *, strict: bool = True) -> int:
        """Apply the entries after ``last_seq`` in order; returns how many were read.

        Entries at or below ``last_seq`` are skipped (catch-up from a full log);
        the rest must come in increasing seq order (``SequenceError`` otherwise).
        An entry of an unknown kind is counted in ``stats().ignored``. An entry
        the graph cannot take (``MalformedEntry``, ``CycleDetected``) changes
        nothing: with ``strict`` it raises (the entries before it stay applied and
        ``last_seq`` stays before it); otherwise it is listed in
        ``stats().rejected`` and reading goes on.
        """
        read = 0
        previous: int | None = None
        for entry in entries:
            seq = entry.seq
            if isinstance(seq, bool) or not isinstance(seq, int):
                raise SequenceError(f"entry seq {seq!r} is not an integer", seq=repr(seq))
            if self._last_seq is not None and seq <= self._last_seq:
                if previous is not None:
                    raise SequenceError(
                        f"entry seq {seq} comes after seq {previous}; entries must increase",
                        seq=seq,
                        previous=previous,
                    )
                self._skipped += 1
                continue
            try:
                plan = plan_entry(entry, self._g, self._state)
                if plan is not None:
                    self._check_cycles(plan)
            except (MalformedEntry, CycleDetected) as e:
                if strict:
                    raise
                self._rejected.append((seq, e.code, e.message))
            else:
                if plan is None:
                    self._ignored[entry.kind] += 1
                else:
                    self._commit(plan)
                    self._applied += 1
            self._last_seq = previous = seq
            read += 1
        return read

    def _check_cycles(self, plan: Plan) -> None:
        g = self._g
        for u, v, relation, _ in plan.edges:
            if u == v:
                raise CycleDetected(
                    f"entry {plan.entry.seq} ({plan.entry.kind}) makes {u} rest on itself",
                    seq=plan.entry.seq,
                    path=[u, u],
                )
            if (
                kind_of(u) in PRODUCT_PREFIXES
                and kind_of(v) in PRODUCT_PREFIXES
                and u in g
                and v in g
                and g.succ[v]
                and nx.has_path(g, v, u)
            ):
                path = [u, *nx.shortest_path(g, v, u)]
                raise CycleDetected(
                    f"entry {plan.entry.seq} ({plan.entry.kind}) adds {u} -> {v} ({relation}) but "
                    f"{v} already supports {u}: cycle {' -> '.join(path)}",
                    seq=plan.entry.seq,
                    path=path,
                )

    def _commit(self, plan: Plan) -> None:
        g, seq = self._g, plan.entry.seq
        touched = self._nodes_by_seq.setdefault(seq, [])
        for node_id, (kind, attrs, records) in plan.nodes.items():
            if node_id not in g:
                g.add_node(node_id, kind=kind, seqs=[], placeholder=True)
            data = g.nodes[node_id]
            data.update(attrs)
            if records:
                data["placeholder"] = False
                if not data["seqs"] or data["seqs"][-1] != seq:
                    data["seqs"].append(seq)
                    touched.append(node_id)
        for node_id, attr, amount in plan.adds:
            data = g.nodes[node_id]
            data[attr] = data.get(attr, 0) + amount
        for u, v, relation, attrs in plan.edges:
            if g.has_edge(u, v):
                data = g.edges[u, v]
                if "quantity" in attrs and "quantity" in data:
                    data["quantity"] += attrs["quantity"]
            else:
                g.add_edge(u, v, relation=relation, seq=seq, **attrs)
        for step in plan.later:
            step()
        if not touched:
            del self._nodes_by_seq[seq]

    # -- lookups ----------------------------------------------------------------

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._g

    def __len__(self) -> int:
        return int(self._g.number_of_nodes())

    def _require(self, node_id: str) -> None:
        if node_id not in self._g:
            hint = "" if ":" in node_id else " (ids look like lot:L-42, meter:M-7)"
            raise UnknownReference(
                f"no node {node_id!r} in the evidence graph (read up to seq {self._last_seq}){hint}",
                node_id=node_id,
            )

    def node(self, node_id: str) -> NodeInfo:
        self._require(node_id)
        data = dict(self._g.nodes[node_id])
        kind, seqs, placeholder = data.pop("kind"), data.pop("seqs"), data.pop("placeholder")
        return NodeInfo(node_id, kind, tuple(seqs), bool(placeholder), data)

    def nodes_of_seq(self, seq: int) -> tuple[str, ...]:
        """The nodes entry ``seq`` created or changed; ``UnknownReference`` if none."""
        if seq not in self._nodes_by_seq:
            raise UnknownReference(
                f"no node rests on entry seq {seq} (read up to seq {self._last_seq})", seq=seq
            )
        return tuple(self._nodes_by_seq[seq])

    # -- traversals -------------------------------------------------------------

    def _walk(self, start: str, up: bool, depth: int | None, as_of: int | None) -> dict[str, int]:
        if depth is not None and depth < 0:
            raise ValueError(f"depth {depth} must be >= 0")
        adjacency = self._g._pred if up else self._g._succ
        seen = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            d = seen[node]
            if depth is not None and d >= depth:
                continue
            for other, data in adjacency[node].items():
                if other in seen or (as_of is not None and data["seq"] > as_of):
                    continue
                seen[other] = d + 1
                queue.append(other)
        return seen

    def _reached(self, seen: dict[str, int], start: str, as_of: int | None) -> list[Reached]:
        nodes = self._g.nodes
        out = []
        for node_id, distance in seen.items():
            if node_id == start:
                continue
            data = nodes[node_id]
            seqs = data["seqs"] if as_of is None else [s for s in data["seqs"] if s <= as_of]
            out.append(Reached(node_id, data["kind"], tuple(seqs), distance))
        out.sort(key=lambda r: (r.distance, r.id))
        return out

    def upstream(self, node_id: str, depth: int | None = None, as_of: int | None = None) -> list[Reached]:
        """Everything ``node_id`` rests on (its ancestors), nearest first, then by id.

        ``depth`` limits the number of edges followed; ``as_of`` follows only
        edges created at or before that seq and keeps only seqs up to it.
        """
        self._require(node_id)
        return self._reached(self._walk(node_id, True, depth, as_of), node_id, as_of)

    def downstream(self, node_id: str, depth: int | None = None, as_of: int | None = None) -> list[Reached]:
        """Everything that rests on ``node_id`` (its descendants), nearest first, then by id."""
        self._require(node_id)
        return self._reached(self._walk(node_id, False, depth, as_of), node_id, as_of)

    def default_as_of(self, node_id: str) -> int | None:
        """For a footprint or certificate, the seq that recorded it; otherwise ``None`` (now)."""
        data = self._g.nodes[node_id]
        if data["kind"] in CERTIFYING_KINDS and data["seqs"]:
            first: int = data["seqs"][0]
            return first
        return None

    def evidence(self, node_id: str, as_of: int | None = None) -> list[int]:
        """The sorted seqs ``node_id`` rests on: its own and those of every ancestor.

        Footprints and certificates are taken as of the entry that recorded them
        (a later revocation or a late batch is not part of what they rest on);
        pass ``as_of`` to choose another point. Includes the ``actor.register``
        entries of the actors involved (actors submitting or named in entries).
        """
        self._require(node_id)
        if as_of is None:
            as_of = self.default_as_of(node_id)
        nodes = self._g.nodes
        seqs: set[int] = set()
        for other in self._walk(node_id, True, None, as_of):
            seqs.update(nodes[other]["seqs"])
        return sorted(s for s in seqs if as_of is None or s <= as_of)

    def impact(self, target: str | int) -> Impact:
        """Footprints, certificates, lots and shipments resting on a node id or an entry seq.

        A footprint or certificate counts only if it rested on ``target`` when it
        was recorded (the exact converse of ``evidence``): a path whose every edge,
        and for an entry seq the entry itself, is no later than the footprint or
        certificate. Lots and shipments count whenever a path exists.
        """
        if isinstance(target, int) and not isinstance(target, bool):
            starts = [(target, n) for n in self.nodes_of_seq(target)]
        else:
            self._require(str(target))
            starts = [(0, str(target))]
        best: dict[str, int] = {}
        heap = [(bound, node) for bound, node in starts]
        heapq.heapify(heap)
        succ = self._g._succ
        while heap:
            bound, node = heapq.heappop(heap)
            if node in best:
                continue
            best[node] = bound
            for other, data in succ[node].items():
                if other not in best:
                    heapq.heappush(heap, (max(bound, data["seq"]), other))
        nodes = self._g.nodes
        found: dict[str, list[str]] = {
            "footprint": [],
            "certificate": [],
            "lot": [],
            "shipment": [],
        }
        start_ids = {n for _, n in starts}
        for node, bound in best.items():
            data = nodes[node]
            kind = data["kind"]
            if kind not in found:
                continue
            if kind in CERTIFYING_KINDS:
                if node in start_ids and isinstance(target, str):
                    continue
                recorded = data["seqs"][0] if data["seqs"] else None
                if recorded is not None and bound > recorded:
                    continue
            elif node in start_ids and isinstance(target, str):
                continue
            found[kind].append(node)
        return Impact(*(tuple(sorted(found[k])) for k in ("footprint", "certificate", "lot", "shipment")))

    # -- lots -------------------------------------------------------------------

    def genealogy(self, lot_id: str) -> Genealogy:
        """Ancestors and descendants of a lot (``L-42`` or ``lot:L-42``); see :func:`lot_genealogy`."""
        node_id = lot_id if lot_id.startswith("lot:") else f"lot:{lot_id}"
        self._require(node_id)
        return lot_genealogy(self._g, node_id)

    # -- explanations -----------------------------------------------------------

    def label(self, node_id: str) -> str:
        """A short human label: ``wind meter W-2``, ``direct link DL-1``, ``lot L-42`` …"""
        self._require(node_id)
        return label(self._g, node_id)

    def explain(self, node_id: str, limit: int = 50, include_actors: bool = False) -> list[str]:
        """One line per origin of ``node_id`` (see :func:`traceability.explain.explain`)."""
        self._require(node_id)
        return explain(self._g, node_id, limit, include_actors)

    # -- subgraphs --------------------------------------------------------------

    def subgraph(self, node_id: str, direction: Direction = "up", depth: int | None = None) -> nx.DiGraph:
        """A copy of the subgraph induced by ``node_id`` and its ancestors/descendants/both."""
        self._require(node_id)
        keep = {node_id}
        if direction in ("up", "both"):
            keep |= set(self._walk(node_id, True, depth, None))
        if direction in ("down", "both"):
            keep |= set(self._walk(node_id, False, depth, None))
        sub: nx.DiGraph = self._g.subgraph(keep).copy()
        for n in sub.nodes:
            sub.nodes[n]["seqs"] = list(sub.nodes[n]["seqs"])
            sub.nodes[n]["label"] = self.label(n)
        return sub
