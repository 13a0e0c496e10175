"""Actors and their keys: the ``actor.register`` and ``actor.rotate_key`` kinds.

Every entry is signed by its actor; the ledger checks the signature against
the key the actor holds at that point in the log. The first entry of a log
(seq 0) is the operator registering itself; after that the operator registers
anyone and a park registers the enterprises, generators, verifiers, buyers and
gateways of its park.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import BigInteger, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.entry import Entry
from ledger.errors import LedgerError, RuleViolation
from ledger.keys import public_key_from_b64
from ledger.kinds import REGISTRY, AppendContext, EntryKind
from ledger.tables import Base

Role = Literal["operator", "park", "enterprise", "generator", "registry", "verifier", "buyer", "gateway"]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
# Who may register whom (apart from the genesis self-registration).
_REGISTRARS: dict[str, frozenset[str]] = {
    "operator": frozenset(ROLES),
    "park": frozenset({"enterprise", "generator", "verifier", "buyer", "gateway"}),
}

ActorId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @field_validator("public_key", check_fields=False)
    @classmethod
    def _key(cls, v: str) -> str:
        try:
            public_key_from_b64(v)
        except LedgerError as e:
            raise ValueError(e.message) from e
        return v


class ActorRegister(_Payload):
    """Payload of ``actor.register``."""

    id: ActorId
    name: str = Field(min_length=1, max_length=200)
    role: Role
    uscc: str | None = Field(default=None, pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
    public_key: str


class ActorRotateKey(_Payload):
    """Payload of ``actor.rotate_key``: the actor's new public key."""

    actor_id: ActorId
    public_key: str


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
_IN_CHUNK = 500


def _cache(session: Session) -> dict[str, Actor | None]:
    # Per transaction: each actor is read once (None: known to be absent), and the
    # projection steps below keep the cache current as the batch registers or rotates.
    cache: dict[str, Actor | None] = session.info.setdefault(_CACHE, {})
    return cache


def _row_actor(row: ActorRow) -> Actor:
    return Actor(row.actor_id, row.name, row.role, row.public_key, row.uscc)


def prefetch_actors(session: Session, actor_ids: Iterable[str]) -> None:
    """Load the actors named (present or absent) into the transaction's cache in few queries."""
    cache = _cache(session)
    wanted = sorted({a for a in actor_ids if a not in cache})
    for i in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[i : i + _IN_CHUNK]
        found = {r.actor_id: _row_actor(r) for r in session.scalars(select(ActorRow).where(ActorRow.actor_id.in_(chunk)))}
        for actor_id in chunk:
            cache[actor_id] = found.get(actor_id)


def get_actor(session: Session, actor_id: str) -> Actor | None:
    """The registered actor ``actor_id`` or None."""
    cache = _cache(session)
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


def _check_register(ctx: AppendContext, entry: Entry, p: ActorRegister) -> None:
    if ctx.seq == 0:
        return  # genesis: checked by signing_key
    registrar = require_actor(ctx.session, entry.actor, what="registrar")
    allowed = _REGISTRARS.get(registrar.role, frozenset())
    if p.role not in allowed:
        raise RuleViolation(
            f"actor {registrar.actor_id!r} with role {registrar.role!r} may not register a {p.role!r}",
            code="actor.not_authorised",
        )
    if get_actor(ctx.session, p.id) is not None:
        raise RuleViolation(f"actor {p.id!r} is registered already", code="actor.exists")


def _apply_register(ctx: AppendContext, entry: Entry, p: ActorRegister) -> None:
    ctx.session.add(ActorRow(actor_id=p.id, name=p.name, role=p.role, uscc=p.uscc,
                             public_key=p.public_key, registered_seq=entry.seq))
    ctx.session.add(ActorKeyRow(actor_id=p.id, from_seq=entry.seq + 1, public_key=p.public_key))
    _cache(ctx.session)[p.id] = Actor(p.id, p.name, p.role, p.public_key, p.uscc)


def _check_rotate(ctx: AppendContext, entry: Entry, p: ActorRotateKey) -> None:
    target = require_actor(ctx.session, p.actor_id)
    if entry.actor != target.actor_id:
        signer = require_actor(ctx.session, entry.actor)
        if signer.role != "operator":
            raise RuleViolation(
                f"only {p.actor_id!r} itself or the operator may rotate its key, not {entry.actor!r}",
                code="actor.not_authorised",
            )
    if p.public_key == target.public_key:
        raise RuleViolation(f"actor {p.actor_id!r} holds that key already", code="actor.key_unchanged")


def _apply_rotate(ctx: AppendContext, entry: Entry, p: ActorRotateKey) -> None:
    row = ctx.session.get(ActorRow, p.actor_id)
    assert row is not None  # checked by _check_rotate
    row.public_key = p.public_key
    ctx.session.add(ActorKeyRow(actor_id=p.actor_id, from_seq=entry.seq + 1, public_key=p.public_key))
    _cache(ctx.session)[p.actor_id] = Actor(row.actor_id, row.name, row.role, row.public_key, row.uscc)


REGISTER = REGISTRY.register(EntryKind(
    "actor.register", ActorRegister, _check_register, _apply_register,
    summary="Register an actor with its role and Ed25519 public key.",
))
ROTATE_KEY = REGISTRY.register(EntryKind(
    "actor.rotate_key", ActorRotateKey, _check_rotate, _apply_rotate,
    summary="Replace an actor's public key; later entries must use the new key.",
))


@dataclass
class KeyHistory:
    """Pure replay of actor keys, for verifying a log without its projections."""

    keys: dict[str, str] = field(default_factory=dict)

    def key_for(self, entry: Entry) -> str | None:
        """The key ``entry`` must be signed with, or None when its actor is unknown."""
        if entry.seq == 0 and entry.kind == "actor.register":
            return str(entry.payload.get("public_key"))
        return self.keys.get(entry.actor)

    def apply(self, entry: Entry) -> None:
        """Update keys after ``entry`` (only actor kinds change them)."""
        if entry.kind == "actor.register":
            self.keys.setdefault(str(entry.payload.get("id")), str(entry.payload.get("public_key")))
        elif entry.kind == "actor.rotate_key":
            self.keys[str(entry.payload.get("actor_id"))] = str(entry.payload.get("public_key"))


def list_actors(session: Session) -> list[Actor]:
    """Every registered actor, by id."""
    rows = session.scalars(select(ActorRow).order_by(ActorRow.actor_id))
    return [Actor(r.actor_id, r.name, r.role, r.public_key, r.uscc) for r in rows]
