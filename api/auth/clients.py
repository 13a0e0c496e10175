"""OAuth2 clients of the service: one per actor and role, secrets stored hashed.

A client is service configuration, not evidence, so it lives in the service
table ``api_clients`` (Alembic branch ``api``), not in the log. The secret is
shown once at creation and stored as an scrypt hash (RFC 7914) with a random
salt; checking uses a constant-time comparison.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Boolean, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.auth.roles import ROLE_SCOPES
from ledger import Conflict, Database, NotFound, RuleViolation, get_actor

# scrypt cost: 2^14 · 8 · 128 B = 16 MiB and ~50 ms a check; tokens are cached
# by clients for their lifetime, so the token endpoint is not a hot path.
_N, _R, _P = 2**14, 8, 1


# The service table lives on its own Alembic branch ``api`` (a ``tanji.plugins`` entry point).
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


class ServiceBase(DeclarativeBase):
    """Tables of the service that are not projections of the log (kept off ``ledger.ProjectionBase``,
    so ``replay --check`` does not expect to rebuild them)."""


class ApiClientRow(ServiceBase):
    """A registered client. ``secret_hash`` is ``scrypt$N$r$p$salt$hash`` (base64)."""

    __tablename__ = "api_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(256))
    actor_id: Mapped[str] = mapped_column(String(128), index=True)
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[str] = mapped_column(String(32))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(frozen=True)
class Client:
    """A client as the service sees it (never the hash)."""

    client_id: str
    actor_id: str
    role: str


@dataclass(frozen=True)
class NewClient:
    """A freshly created client with its secret, to show once."""

    client: Client
    secret: str


def hash_secret(secret: str, *, n: int = _N, r: int = _R, p: int = _P) -> str:
    """scrypt hash of ``secret`` with a fresh 16-byte salt, self-describing."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def check_secret(secret: str, stored: str) -> bool:
    """True when ``secret`` matches the stored scrypt hash (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(
            secret.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(want)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def create_client(db: Database, actor_id: str, role: str) -> NewClient:
    """Register a client for the registered actor ``actor_id`` acting as ``role``.

    The role must be one the service knows and the actor's own ledger role
    (the operator may also act as ``park``): a client cannot claim more than
    its actor is.
    """
    if role not in ROLE_SCOPES:
        raise RuleViolation(
            f"unknown role {role!r}; known: {', '.join(sorted(ROLE_SCOPES))}", code="client.role_unknown"
        )
    with db.write_session() as s:
        actor = get_actor(s, actor_id)
        if actor is None:
            raise NotFound(f"actor {actor_id!r} is not registered in the ledger", code="actor.unknown")
        if role != actor.role and not (actor.role == "operator" and role == "park"):
            raise RuleViolation(
                f"actor {actor_id!r} is a {actor.role}, not a {role}", code="client.role_mismatch"
            )
        client_id = f"tj_{secrets.token_hex(12)}"
        if s.get(ApiClientRow, client_id) is not None:  # pragma: no cover - 96 random bits
            raise Conflict("client id collision; retry", code="client.exists")
        secret = secrets.token_urlsafe(32)
        s.add(
            ApiClientRow(
                client_id=client_id,
                secret_hash=hash_secret(secret),
                actor_id=actor_id,
                role=role,
                created_at=datetime.now(UTC).isoformat(),
                disabled=False,
            )
        )
    return NewClient(Client(client_id, actor_id, role), secret)


def authenticate(db: Database, client_id: str, secret: str) -> Client | None:
    """The enabled client with this id and secret, or None (no hint which part was wrong)."""
    with db.read_session() as s:
        row = s.get(ApiClientRow, client_id)
        found = (
            None
            if row is None
            else (row.secret_hash, row.disabled, Client(row.client_id, row.actor_id, row.role))
        )
    if found is None:
        hashlib.scrypt(secret.encode("utf-8"), salt=bytes(16), n=_N, r=_R, p=_P, dklen=32)  # same cost
        return None
    stored, disabled, client = found
    if not check_secret(secret, stored) or disabled:
        return None
    return client


def disable_client(db: Database, client_id: str) -> Client:
    """Stop ``client_id`` from getting new tokens; ``NotFound`` if there is no such client.

    Tokens already issued stay valid until they expire (``Settings.token_ttl_seconds``).
    """
    with db.write_session() as s:
        row = s.get(ApiClientRow, client_id)
        if row is None:
            raise NotFound(f"no client {client_id!r}", code="client.unknown")
        row.disabled = True
        return Client(row.client_id, row.actor_id, row.role)


def list_clients(db: Database) -> list[Client]:
    """Every enabled client, by id."""
    with db.read_session() as s:
        rows = s.scalars(
            select(ApiClientRow).where(ApiClientRow.disabled.is_(False)).order_by(ApiClientRow.client_id)
        )
        return [Client(r.client_id, r.actor_id, r.role) for r in rows]
