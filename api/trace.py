"""The evidence graph behind the trace endpoints: built once, caught up with the log.

The graph itself is traceability's cached one (``traceability.ledger_graph``):
routes read it inside ``with_graph``, so no request sees it half caught up.

Who sees what: the graph spans every actor, so answers are cut to what the
caller may read — entries of its own, of actors that granted it their trail,
and of the park's infrastructure actors (operator, park, registry: the
registrations and certificate issues every trail rests on). The operator and
the park see everything.
"""

from __future__ import annotations

from collections.abc import Iterable

from api.auth.tokens import Principal
from ledger import Ledger, authors, grants_to, list_actors
from traceability.graph import NodeInfo

INFRASTRUCTURE_ROLES = frozenset({"operator", "park", "registry"})
SEES_ALL = frozenset({"operator", "park"})


class Visibility:
    """Which entry authors a caller may see, and the authors of seqs."""

    def __init__(self, ledger: Ledger, who: Principal) -> None:
        self._ledger = ledger
        self.all = who.role in SEES_ALL
        with ledger.db.read_session() as s:
            granted = {g.grantor for g in grants_to(s, who.actor, "trail")}
            infra = {a.actor_id for a in list_actors(s) if a.role in INFRASTRUCTURE_ROLES}
        self.own = {who.actor} | granted
        self.readable = self.own | infra

    def authors(self, seqs: Iterable[int]) -> dict[int, str]:
        """seq -> actor for ``seqs``."""
        return authors(self._ledger, seqs)

    def owns(self, info: NodeInfo, authors: dict[int, str]) -> bool:
        """True for a node of the caller or a grantor: recorded by one, owned by one, or one itself."""
        return (
            self.all
            or any(authors.get(s) in self.own for s in info.seqs)
            or info.attrs.get("owner") in self.own
            or info.id in {f"actor:{a}" for a in self.own}
        )

    def may_read(self, info: NodeInfo, authors: dict[int, str]) -> bool:
        """True when a node found by a query may be shown: the caller's, or resting on readable entries."""
        return (
            self.owns(info, authors)
            or not info.seqs
            or any(authors.get(s) in self.readable for s in info.seqs)
        )
