"""Trace queries over the evidence graph: node, upstream, downstream, evidence, impact, genealogy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.auth.tokens import Principal
from api.deps import ServiceDep, TrailReader
from api.errors import BadRequest, Forbidden
from api.schemas.trace import ImpactPublic, NodePublic, ReachedPublic
from api.service import Service
from api.trace import Visibility
from traceability.graph import EvidenceGraph, Reached
from traceability.ledger_graph import with_graph

router = APIRouter(prefix="/trace", tags=["trace"])
NodeId = Annotated[
    str, Query(min_length=3, max_length=300, description="e.g. meter:C-1, lot:L-42, footprint:<uuid>")
]
Depth = Annotated[int | None, Query(ge=1, le=10_000)]
AsOf = Annotated[int | None, Query(ge=0, le=2**62)]


def _start(graph: EvidenceGraph, service: Service, who: Principal, node: str) -> Visibility:
    info = graph.node(node)
    vis = Visibility(service.ledger, who)
    if not vis.owns(info, vis.authors(info.seqs)):
        raise Forbidden(f"{who.actor!r} holds no grant over {node!r}")
    return vis


def _visible(graph: EvidenceGraph, vis: Visibility, ids: Iterable[str]) -> set[str]:
    infos = [graph.node(i) for i in ids]
    authors = vis.authors(s for info in infos for s in info.seqs)
    return {info.id for info in infos if vis.may_read(info, authors)}


def _reached(graph: EvidenceGraph, items: list[Reached], vis: Visibility) -> list[ReachedPublic]:
    keep = _visible(graph, vis, (r.id for r in items))
    return [
        ReachedPublic(id=r.id, kind=r.kind, seqs=list(r.seqs), distance=r.distance)
        for r in items
        if r.id in keep
    ]


@router.get("/node", response_model=NodePublic, summary="One node of the evidence graph")
def node(node: NodeId, who: TrailReader, service: ServiceDep) -> NodePublic:
    def read(graph: EvidenceGraph) -> NodePublic:
        _start(graph, service, who, node)
        info = graph.node(node)
        return NodePublic(
            id=info.id,
            kind=info.kind,
            seqs=list(info.seqs),
            placeholder=info.placeholder,
            attrs={k: v for k, v in info.attrs.items()},
        )

    return with_graph(service.ledger, read)


@router.get("/upstream", response_model=list[ReachedPublic], summary="Everything a node rests on")
def upstream(
    node: NodeId, who: TrailReader, service: ServiceDep, depth: Depth = None, as_of: AsOf = None
) -> list[ReachedPublic]:
    def read(graph: EvidenceGraph) -> list[ReachedPublic]:
        vis = _start(graph, service, who, node)
        return _reached(graph, graph.upstream(node, depth, as_of), vis)

    return with_graph(service.ledger, read)


@router.get("/downstream", response_model=list[ReachedPublic], summary="Everything resting on a node")
def downstream(
    node: NodeId, who: TrailReader, service: ServiceDep, depth: Depth = None, as_of: AsOf = None
) -> list[ReachedPublic]:
    def read(graph: EvidenceGraph) -> list[ReachedPublic]:
        vis = _start(graph, service, who, node)
        return _reached(graph, graph.downstream(node, depth, as_of), vis)

    return with_graph(service.ledger, read)


@router.get("/evidence", response_model=list[int], summary="The sorted seqs a node rests on")
def evidence(node: NodeId, who: TrailReader, service: ServiceDep, as_of: AsOf = None) -> list[int]:
    def read(graph: EvidenceGraph) -> list[int]:
        vis = _start(graph, service, who, node)
        seqs = graph.evidence(node, as_of)
        authors = vis.authors(seqs)
        return [s for s in seqs if vis.all or authors.get(s) in vis.readable]

    return with_graph(service.ledger, read)


@router.get(
    "/impact",
    response_model=ImpactPublic,
    summary="Footprints, certificates, lots, shipments resting on a node or an entry",
)
def impact(
    who: TrailReader, service: ServiceDep, node: str | None = Query(None, max_length=300), seq: AsOf = None
) -> ImpactPublic:
    if (node is None) == (seq is None):
        raise BadRequest("give exactly one of node and seq", code="trace.target")

    def read(graph: EvidenceGraph) -> ImpactPublic:
        vis = Visibility(service.ledger, who)
        starts = (
            [graph.node(node)]
            if node is not None
            else [graph.node(n) for n in graph.nodes_of_seq(int(seq or 0))]
        )
        if not any(vis.owns(info, vis.authors(info.seqs)) for info in starts):
            raise Forbidden(f"{who.actor!r} holds no grant over {node or seq!r}")
        found = graph.impact(node if node is not None else int(seq or 0))
        visible = _visible(graph, vis, (n for group in asdict(found).values() for n in group))

        def keep(ids: tuple[str, ...]) -> list[str]:
            return [n for n in ids if n in visible]

        return ImpactPublic(
            footprints=keep(found.footprints),
            certificates=keep(found.certificates),
            lots=keep(found.lots),
            shipments=keep(found.shipments),
        )

    return with_graph(service.ledger, read)


@router.get("/genealogy", summary="A lot's ancestors and descendants with quantities and shipments")
def genealogy(
    lot: Annotated[str, Query(min_length=1, max_length=300)], who: TrailReader, service: ServiceDep
) -> dict[str, Any]:
    node_id = lot if lot.startswith("lot:") else f"lot:{lot}"

    def read(graph: EvidenceGraph) -> dict[str, Any]:
        _start(graph, service, who, node_id)
        return asdict(graph.genealogy(lot))

    return with_graph(service.ledger, read)
