"""Access tokens: OAuth2 client credentials, JWTs signed by the service key (EdDSA).

``POST /auth/token`` checks a client's id and secret (HTTP Basic) and returns
a JWT with the client's actor, role and scopes and an expiry; every other
route turns the bearer token back into a ``Principal``. The public half of the
service key is published as a JWK Set, so anyone can check a token offline.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass

import jwt

from api.auth.clients import Client
from api.auth.roles import ROLE_SCOPES
from api.errors import Forbidden, TokenExpired, Unauthenticated
from ledger.log.keys import Ed25519PrivateKey, raw_public_key

ALGORITHM = "EdDSA"
AUDIENCE = "tanji-api"
_LEEWAY_SECONDS = 5
_CACHE_MAX = 10_000


@dataclass(frozen=True)
class Principal:
    """Who is calling: the client, the ledger actor it acts for, its role and scopes."""

    client_id: str
    actor: str
    role: str
    scopes: frozenset[str]

    def require(self, scope: str) -> None:
        """``Forbidden`` unless the token carries ``scope``."""
        if scope not in self.scopes:
            raise Forbidden(
                f"a {self.role} token lacks scope {scope!r}", code="auth.scope_missing", scope=scope
            )


@dataclass(frozen=True)
class IssuedToken:
    """A token response (RFC 6749 section 5.1)."""

    access_token: str
    expires_in: int
    scope: str
    token_type: str = "Bearer"


class TokenService:
    """Issues and checks tokens with one Ed25519 key."""

    def __init__(self, key: Ed25519PrivateKey, issuer: str, ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds {ttl_seconds} must be positive")
        self._key = key
        self._public = key.public_key()
        self.issuer = issuer
        self.ttl = ttl_seconds
        self.kid = base64.urlsafe_b64encode(raw_public_key(self._public)[:8]).decode().rstrip("=")
        # token -> (principal, exp): a token is immutable, so its signature is checked once;
        # expiry is still checked on every use. Bounded; cleared when full.
        self._seen: dict[str, tuple[Principal, float]] = {}

    def issue(self, client: Client, requested: str | None = None, *, now: float | None = None) -> IssuedToken:
        """A token for ``client``; ``requested`` (space-separated) narrows the role's scopes.

        Asking for a scope the role does not have is ``Forbidden`` (RFC 6749
        ``invalid_scope``), not a silent drop.
        """
        allowed = ROLE_SCOPES.get(client.role, frozenset())
        if requested:
            wanted = frozenset(requested.split())
            extra = wanted - allowed
            if extra:
                raise Forbidden(
                    f"role {client.role!r} may not have scopes {sorted(extra)}", code="auth.invalid_scope"
                )
            scopes = wanted
        else:
            scopes = allowed
        issued_at = int(now if now is not None else time.time())
        scope = " ".join(sorted(scopes))
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": client.client_id,
            "actor": client.actor_id,
            "role": client.role,
            "scope": scope,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + self.ttl,
            "jti": secrets.token_hex(8),
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})
        return IssuedToken(token, self.ttl, scope)

    def principal(self, token: str) -> Principal:
        """The caller behind a bearer token; ``TokenExpired`` or ``Unauthenticated`` if it fails."""
        seen = self._seen.get(token)
        if seen is not None:
            if time.time() <= seen[1] + _LEEWAY_SECONDS:
                return seen[0]
            self._seen.pop(token, None)
        who, exp = self._check(token)
        if len(self._seen) >= _CACHE_MAX:
            self._seen.clear()
        self._seen[token] = (who, exp)
        return who

    def _check(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=self.issuer,
                leeway=_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as e:
            raise TokenExpired(
                "the access token has expired; request a new one at /auth/token",
                headers=_challenge("invalid_token"),
            ) from e
        except jwt.PyJWTError as e:
            raise Unauthenticated(
                f"the access token is invalid: {e}", headers=_challenge("invalid_token")
            ) from e
        role = claims.get("role")
        actor = claims.get("actor")
        if not isinstance(role, str) or not isinstance(actor, str) or role not in ROLE_SCOPES:
            raise Unauthenticated(
                "the access token lacks a known role and actor", headers=_challenge("invalid_token")
            )
        scopes = frozenset(str(claims.get("scope", "")).split()) & ROLE_SCOPES[role]
        return Principal(str(claims["sub"]), actor, role, scopes), float(claims["exp"])

    def jwks(self) -> dict[str, object]:
        """The public key as a JWK Set (RFC 8037 OKP)."""
        x = base64.urlsafe_b64encode(raw_public_key(self._public)).decode().rstrip("=")
        return {
            "keys": [
                {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}
            ]
        }


def _challenge(error: str) -> dict[str, str]:
    return {"WWW-Authenticate": f'Bearer error="{error}"'}


def missing_token() -> Unauthenticated:
    """The error for a request without a bearer token."""
    return Unauthenticated(
        "this endpoint needs a bearer token from /auth/token",
        code="auth.token_missing",
        headers={"WWW-Authenticate": "Bearer"},
    )
