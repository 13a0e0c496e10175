"""Verification statements: the ``verification.statement`` entry kind.

A third-party verifier that was granted an enterprise's trail signs what it
checked into the ledger: the subject enterprise, the tree size and root it
verified against, its scope, its opinion and the standard.
A ``tanji.plugins`` entry point (``certificates.statements``).

**Scope** (issue 14): a statement names what it covers, either

- ``footprints``: the ids of footprints of the subject it verified (each
  published inside the verified tree: ``verification.footprint_unknown``,
  ``verification.footprint_other_subject``, ``verification.footprint_outside_tree``), or
- the subject's **trail** up to ``tree_size`` (no ``footprints``): every entry
  the subject signed before ``tree_size``, or only ``seqs`` when it lists them.

:func:`statement_covers` is the one rule for whether a statement covers a
footprint; a certificate may cite a statement only if it covers the certified
footprint (``certificate.statement_not_covering``), and offline verify checks
the same from the entries in the evidence. A statement older than a footprint
does not cover it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lca.kinds import get_footprint
from ledger import (
    REGISTRY,
    ActorId,
    AppendContext,
    Entry,
    EntryKind,
    Ledger,
    RuleViolation,
    SchemaViolation,
    checkpoint_root,
    has_trail_grant,
    parse_note,
)

MAX_SEQS = 100_000
_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_HEX_ROOT = re.compile(r"^[0-9a-fA-F]{64}$")


class VerificationStatement(BaseModel):
    """Payload of ``verification.statement``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    subject: ActorId
    tree_size: int = Field(ge=1)
    root_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    seqs: list[int] = Field(default_factory=list, max_length=MAX_SEQS)
    opinion: Literal["reasonable", "limited", "qualified", "adverse"]
    standard: str = Field(min_length=1, max_length=200)
    statement: str = Field(default="", max_length=20_000)
    footprints: list[Annotated[str, Field(pattern=_UUID)]] | None = Field(
        default=None, min_length=1, max_length=10_000
    )


def statement_covers(
    statement: Mapping[str, Any], footprint_id: str, footprint_seq: int, publisher: str
) -> tuple[bool, str]:
    """Whether the ``verification.statement`` payload ``statement`` covers the footprint
    ``footprint_id`` published by ``publisher`` at ``footprint_seq``, and why not (pure: the ledger's
    rule, the issuer's precondition and offline verify use it alike)."""
    if statement.get("subject") != publisher:
        return False, f"the statement is about {statement.get('subject')!r}, not the publisher {publisher!r}"
    footprints = statement.get("footprints")
    if footprints is not None:
        if footprint_id in footprints:
            return True, ""
        return (
            False,
            f"the statement's scope is footprints {', '.join(map(str, footprints[:5]))}, not {footprint_id}",
        )
    size = statement.get("tree_size")
    if not isinstance(size, int) or footprint_seq >= size:
        return False, (
            f"the statement covers {publisher!r}'s trail up to tree size {size}; the footprint is at seq "
            f"{footprint_seq}, after it"
        )
    seqs = statement.get("seqs") or []
    if seqs and footprint_seq not in seqs:
        return (
            False,
            f"the footprint's seq {footprint_seq} is not among the {len(seqs)} entries the statement lists",
        )
    return True, ""


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
    for footprint_id in p.footprints or []:
        fp = get_footprint(ctx.session, footprint_id)
        if fp is None:
            raise RuleViolation(
                f"footprint {footprint_id} in the statement's scope is not published",
                code="verification.footprint_unknown",
            )
        if fp.actor != p.subject:
            raise RuleViolation(
                f"footprint {footprint_id} is {fp.actor!r}'s, not the subject {p.subject!r}'s",
                code="verification.footprint_other_subject",
            )
        if fp.seq >= p.tree_size:
            raise RuleViolation(
                f"footprint {footprint_id} (seq {fp.seq}) is outside the verified tree of {p.tree_size}",
                code="verification.footprint_outside_tree",
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


def root_hex(root: str) -> str:
    """A tree root as the statement carries it (64 lower-case hex digits), from hex or from the base64
    a checkpoint prints; ``SchemaViolation`` (``verification.bad_root``) otherwise."""
    text = root.strip()
    if _HEX_ROOT.match(text):
        return text.lower()
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise SchemaViolation(
            f"root {root!r} is neither 64 hex digits nor the base64 of 32 bytes", code="verification.bad_root"
        )
    return raw.hex()


def statement_payload(
    ledger: Ledger,
    subject: str,
    *,
    opinion: str,
    standard: str,
    statement: str = "",
    checkpoint: str | None = None,
    tree_size: int | None = None,
    root: str | None = None,
    seqs: list[int] | None = None,
    footprints: list[str] | None = None,
) -> dict[str, Any]:
    """The ``verification.statement`` payload of a verifier's opinion on ``subject``'s trail.

    The tree verified is ``checkpoint`` (a note as ``tanji ledger checkpoint`` prints it, cosignature
    lines allowed), else ``tree_size`` with ``root`` (hex or base64; default the ledger's root of that
    size), else the newest checkpoint. ``seqs`` default to every entry ``subject`` signed inside that
    tree (at most :data:`MAX_SEQS`); ``footprints``, when given, scope the statement to those
    footprints instead of the trail. The ledger checks the rest when the entry is appended.
    """
    if checkpoint is not None:
        cp, _sigs = parse_note(checkpoint)
        size, root_text = cp.size, cp.root_hash.hex()
    elif tree_size is not None:
        size = tree_size
        root_text = root_hex(root) if root is not None else ledger.root(tree_size).hex()
    else:
        cp, _sigs = parse_note(ledger.latest_checkpoint())
        size, root_text = cp.size, cp.root_hash.hex()
    if seqs is None:
        seqs = []
        start = 0
        while start < size:
            page = [e.seq for e in ledger.entries_by_actor(subject, start, 1000) if e.seq < size]
            seqs += page
            if len(page) < 1000:
                break
            start = page[-1] + 1
    if len(seqs) > MAX_SEQS:
        raise SchemaViolation(
            f"{len(seqs)} entries in scope; a statement names at most {MAX_SEQS}: pass --seq explicitly",
            code="verification.too_many_seqs",
        )
    return {
        "subject": subject,
        "tree_size": size,
        "root_hash": root_text,
        "seqs": seqs,
        "opinion": opinion,
        "standard": standard,
        "statement": statement,
        **({} if footprints is None else {"footprints": list(footprints)}),
    }
