"""Ledger evidence out: info, proofs, verification reports."""

from __future__ import annotations

from pydantic import BaseModel


class LedgerInfoPublic(BaseModel):
    """What a client needs to check checkpoints: origin and the operator's verifier key."""

    origin: str
    operator_id: str
    operator_key: str
    size: int


class InclusionProofPublic(BaseModel):
    """RFC 9162 inclusion proof, hex."""

    seq: int
    size: int
    leaf_hash: str
    path: list[str]
    root: str


class ConsistencyProofPublic(BaseModel):
    """RFC 9162 consistency proof, hex."""

    old_size: int
    new_size: int
    old_root: str
    new_root: str
    path: list[str]


class VerifyReportPublic(BaseModel):
    """Outcome of a full verification."""

    ok: bool
    size: int
    checkpoints_checked: int
    first_bad_seq: int | None = None
    bad_checkpoint_size: int | None = None
    reason: str | None = None
    code: str | None = None
