"""Actors and their keys: the ``actor.register`` and ``actor.rotate_key`` kinds.

Every entry is signed by its actor; the ledger checks the signature against
the key the actor holds at that point in the log. The first entry of a log
(seq 0) is the operator registering itself; after that the operator registers
anyone and a park registers the enterprises, generators, verifiers, buyers and
gateways of its park.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledger.errors import LedgerError, RuleViolation
from ledger.log.entry import Entry
from ledger.log.keys import public_key_from_b64
from ledger.store.actors import Actor, ActorKeyRow, ActorRow, actor_cache, get_actor, require_actor
from ledger.store.registry import REGISTRY, AppendContext, EntryKind

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
    ctx.insert(
        ActorRow,
        actor_id=p.id,
        name=p.name,
        role=p.role,
        uscc=p.uscc,
        public_key=p.public_key,
        registered_seq=entry.seq,
    )
    ctx.insert(ActorKeyRow, actor_id=p.id, from_seq=entry.seq + 1, public_key=p.public_key)
    actor_cache(ctx.session)[p.id] = Actor(p.id, p.name, p.role, p.public_key, p.uscc)


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
    ctx.insert(ActorKeyRow, actor_id=p.actor_id, from_seq=entry.seq + 1, public_key=p.public_key)
    actor_cache(ctx.session)[p.actor_id] = Actor(row.actor_id, row.name, row.role, row.public_key, row.uscc)


REGISTER = REGISTRY.register(
    EntryKind(
        "actor.register",
        ActorRegister,
        _check_register,
        _apply_register,
        summary="Register an actor with its role and Ed25519 public key.",
    )
)
ROTATE_KEY = REGISTRY.register(
    EntryKind(
        "actor.rotate_key",
        ActorRotateKey,
        _check_rotate,
        _apply_rotate,
        summary="Replace an actor's public key; later entries must use the new key.",
    )
)
