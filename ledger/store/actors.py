"""The actors projection as the append path reads it: who is registered, with which key.

The ``actor.register`` / ``actor.rotate_key`` kinds that write it are in
:mod:`ledger.kinds.actors`; the append path only needs to look actors up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import BigInteger, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.errors import RuleViolation
from ledger.store.tables import Base


class ActorRow(Base):
    """Projection: registered actors and their current key."""

    __tablename__ = "actors"

    actor_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    uscc: Mapped[str | None] = mapped_column(String(18))
    public_key: Mapped[str] = mapped_column(String(64))
    registered_seq: Mapped[int] = mapped_column(BigInteger)


class ActorKeyRow(Base):
    """Projection: every key an actor has held, from the seq after the entry that set it."""

    __tablename__ = "actor_keys"

    actor_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    from_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    public_key: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class Actor:
    """An actor as the rest of the code sees it."""

    actor_id: str
    name: str
    role: str
    public_key: str
    uscc: str | None = None


_CACHE = "tanji.actors"


def actor_cache(session: Session) -> dict[str, Actor | None]:
    # Per transaction: each actor is read once (None: known to be absent), and the
    # projection steps below keep the cache current as the batch registers or rotates.
    cache: dict[str, Actor | None] = session.info.setdefault(_CACHE, {})
    return cache


def _row_actor(row: ActorRow) -> Actor:
    return Actor(row.actor_id, row.name, row.role, row.public_key, row.uscc)


def remember_actors(session: Session, actor_ids: Iterable[str], found: Mapping[str, Actor]) -> None:
    """Put ``actor_ids`` in the transaction's cache: each as ``found`` has it, or known to be absent
    (``found`` is what one read of the actors table returned for exactly those ids)."""
    cache = actor_cache(session)
    for actor_id in actor_ids:
        if actor_id not in cache:
            cache[actor_id] = found.get(actor_id)


def get_actor(session: Session, actor_id: str) -> Actor | None:
    """The registered actor ``actor_id`` or None."""
    cache = actor_cache(session)
    if actor_id not in cache:
        row = session.get(ActorRow, actor_id)
        cache[actor_id] = None if row is None else _row_actor(row)
    return cache[actor_id]


def require_actor(session: Session, actor_id: str, *, what: str = "actor") -> Actor:
    """The registered actor, or ``RuleViolation`` ``actor.unknown``."""
    actor = get_actor(session, actor_id)
    if actor is None:
        raise RuleViolation(f"{what} {actor_id!r} is not registered", code="actor.unknown", actor=actor_id)
    return actor


def signing_key(session: Session, kind: str, actor_id: str, payload: dict[str, object], seq: int) -> str:
    """The base64 public key an entry by ``actor_id`` must be signed with at ``seq``.

    Only the genesis entry is self-signed with the key it registers.
    """
    if seq == 0:
        if kind != "actor.register" or payload.get("id") != actor_id or payload.get("role") != "operator":
            raise RuleViolation(
                "the first entry must be the operator registering itself (actor.register, role operator)",
                code="ledger.genesis",
            )
        return str(payload.get("public_key"))
    return require_actor(session, actor_id).public_key


def list_actors(session: Session) -> list[Actor]:
    """Every registered actor, by id."""
    rows = session.scalars(select(ActorRow).order_by(ActorRow.actor_id))
    return [Actor(r.actor_id, r.name, r.role, r.public_key, r.uscc) for r in rows]
