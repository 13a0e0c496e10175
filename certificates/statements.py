"""Verification statements: the ``verification.statement`` entry kind.

A third-party verifier that was granted an enterprise's trail signs what it
checked into the ledger: the subject enterprise, the tree size and root it
verified against, the entries (seqs) in scope, its opinion and the standard.
A ``tanji.plugins`` entry point (``certificates.statements``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ledger import (
    REGISTRY,
    ActorId,
    AppendContext,
    Entry,
    EntryKind,
    RuleViolation,
    checkpoint_root,
    has_trail_grant,
)


class VerificationStatement(BaseModel):
    """Payload of ``verification.statement``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    subject: ActorId
    tree_size: int = Field(ge=1)
    root_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    seqs: list[int] = Field(default_factory=list, max_length=100_000)
    opinion: Literal["reasonable", "limited", "qualified", "adverse"]
    standard: str = Field(min_length=1, max_length=200)
    statement: str = Field(default="", max_length=20_000)


def _check(ctx: AppendContext, entry: Entry, p: VerificationStatement) -> None:
    if not has_trail_grant(ctx.session, p.subject, entry.actor):
        raise RuleViolation(
            f"verifier {entry.actor!r} holds no trail grant from {p.subject!r}",
            code="verification.not_granted",
        )
    if p.tree_size > ctx.seq:
        raise RuleViolation(
            f"tree size {p.tree_size} is beyond the log ({ctx.seq} entries before this one)",
            code="verification.future_tree",
        )
    root = checkpoint_root(ctx.session, p.tree_size)
    if root is not None and root != p.root_hash:
        raise RuleViolation(
            f"root {p.root_hash} is not the checkpointed root {root} of the tree of {p.tree_size}",
            code="verification.root_mismatch",
        )
    beyond = [s for s in p.seqs if not 0 <= s < p.tree_size]
    if beyond:
        raise RuleViolation(
            f"seqs {beyond[:5]} are outside the verified tree of {p.tree_size}",
            code="verification.seq_out_of_tree",
        )


STATEMENT = REGISTRY.register(
    EntryKind(
        "verification.statement",
        VerificationStatement,
        _check,
        None,
        roles=frozenset({"verifier"}),
        summary="A verifier's signed statement on an enterprise's trail.",
    )
)
