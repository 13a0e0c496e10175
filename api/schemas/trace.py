"""Trace answers out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class NodePublic(BaseModel):
    """A node of the evidence graph and the seqs behind it."""

    id: str
    kind: str
    seqs: list[int]
    placeholder: bool
    attrs: dict[str, Any]


class ReachedPublic(BaseModel):
    """A node found by a traversal, ``distance`` edges from the start."""

    id: str
    kind: str
    seqs: list[int]
    distance: int


class ImpactPublic(BaseModel):
    """What rests on a node or entry, by kind (node ids)."""

    footprints: list[str]
    certificates: list[str]
    lots: list[str]
    shipments: list[str]
