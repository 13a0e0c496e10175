"""Grants and shares as ledger entries: ``access.grant`` and ``access.revoke``.

Who may read what is evidence like everything else (DESIGN.md section 3), so
an enterprise grants a verifier read access to its trail, or shares its
footprints with a buyer, by signing an entry; the ``access_grants`` table is
the projection the service consults, rebuildable by replaying the log.

- ``access.grant`` ``{"grantee", "scope", "product_ids"}`` by an enterprise:
  ``scope`` ``trail`` (a verifier reads the grantor's entries and footprints)
  or ``footprints`` (a buyer reads the grantor's footprints, all of them or
  only those carrying one of ``product_ids``).
- ``access.revoke`` ``{"grant_seq"}`` by the grantor of that grant.

The projection lives on the Alembic branch ``access``
(``ledger/migrations/versions/access_0001.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.errors import RuleViolation
from ledger.kinds.actors import ActorId
from ledger.log.entry import Entry
from ledger.store.actors import require_actor
from ledger.store.registry import REGISTRY, AppendContext, EntryKind
from ledger.store.tables import Base

Scope = Literal["trail", "footprints"]
# The role a grantee of each scope must have.
GRANTEE_ROLE: dict[str, str] = {"trail": "verifier", "footprints": "buyer"}
Urn = Annotated[str, Field(pattern=r"^[uU][rR][nN]:", max_length=500)]


class AccessGrant(BaseModel):
    """Payload of ``access.grant``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    grantee: ActorId
    scope: Scope
    product_ids: list[Urn] = Field(default_factory=list, max_length=1000)


class AccessRevoke(BaseModel):
    """Payload of ``access.revoke``: the seq of the grant to end."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    grant_seq: int = Field(ge=0)


class AccessGrantRow(Base):
    """Projection: grants in force or revoked (``revoked_seq`` set)."""

    __tablename__ = "access_grants"

    grant_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    grantor: Mapped[str] = mapped_column(String(128), index=True)
    grantee: Mapped[str] = mapped_column(String(128), index=True)
    scope: Mapped[str] = mapped_column(String(32))
    product_ids: Mapped[str] = mapped_column(Text)  # newline-separated, lower case; empty: all
    revoked_seq: Mapped[int | None] = mapped_column(BigInteger)


@dataclass(frozen=True)
class Grant:
    """A grant in force: ``product_ids`` empty means every product of the grantor."""

    seq: int
    grantor: str
    grantee: str
    scope: str
    product_ids: frozenset[str]

    def covers(self, product_ids: list[str]) -> bool:
        """True when the grant reaches a footprint carrying ``product_ids``."""
        return not self.product_ids or any(p.lower() in self.product_ids for p in product_ids)


def _check_grant(ctx: AppendContext, entry: Entry, p: AccessGrant) -> None:
    grantee = require_actor(ctx.session, p.grantee, what="grantee")
    if p.grantee == entry.actor:
        raise RuleViolation(f"actor {entry.actor!r} cannot grant access to itself", code="access.self_grant")
    wanted = GRANTEE_ROLE[p.scope]
    if grantee.role != wanted:
        raise RuleViolation(
            f"scope {p.scope!r} is granted to a {wanted}, but {p.grantee!r} is a {grantee.role}",
            code="access.grantee_role",
        )


def _apply_grant(ctx: AppendContext, entry: Entry, p: AccessGrant) -> None:
    ctx.session.add(
        AccessGrantRow(
            grant_seq=entry.seq,
            grantor=entry.actor,
            grantee=p.grantee,
            scope=p.scope,
            product_ids="\n".join(sorted({x.lower() for x in p.product_ids})),
            revoked_seq=None,
        )
    )


def _check_revoke(ctx: AppendContext, entry: Entry, p: AccessRevoke) -> None:
    row = ctx.session.get(AccessGrantRow, p.grant_seq)
    if row is None:
        raise RuleViolation(f"no grant at seq {p.grant_seq}", code="access.unknown_grant")
    if row.grantor != entry.actor:
        raise RuleViolation(
            f"grant {p.grant_seq} was made by {row.grantor!r}; {entry.actor!r} cannot revoke it",
            code="access.not_grantor",
        )
    if row.revoked_seq is not None:
        raise RuleViolation(
            f"grant {p.grant_seq} was revoked at seq {row.revoked_seq}", code="access.revoked"
        )


def _apply_revoke(ctx: AppendContext, entry: Entry, p: AccessRevoke) -> None:
    row = ctx.session.get(AccessGrantRow, p.grant_seq)
    assert row is not None  # checked by _check_revoke
    row.revoked_seq = entry.seq


GRANT = REGISTRY.register(
    EntryKind(
        "access.grant",
        AccessGrant,
        _check_grant,
        _apply_grant,
        roles=frozenset({"enterprise"}),
        summary="An enterprise grants a verifier its trail, or shares footprints with a buyer.",
    )
)
REVOKE = REGISTRY.register(
    EntryKind(
        "access.revoke",
        AccessRevoke,
        _check_revoke,
        _apply_revoke,
        roles=frozenset({"enterprise"}),
        summary="The grantor ends a grant.",
    )
)


def grants_to(session: Session, grantee: str, scope: str | None = None) -> list[Grant]:
    """Grants in force to ``grantee`` (of ``scope`` when given), by seq."""
    q = select(AccessGrantRow).where(AccessGrantRow.grantee == grantee, AccessGrantRow.revoked_seq.is_(None))
    if scope is not None:
        q = q.where(AccessGrantRow.scope == scope)
    return [
        Grant(
            r.grant_seq, r.grantor, r.grantee, r.scope, frozenset(x for x in r.product_ids.split("\n") if x)
        )
        for r in session.scalars(q.order_by(AccessGrantRow.grant_seq))
    ]


def has_trail_grant(session: Session, grantor: str, grantee: str) -> bool:
    """True when ``grantor`` granted ``grantee`` its trail and has not revoked it."""
    return any(g.grantor == grantor for g in grants_to(session, grantee, "trail"))
