"""OAuth2 client credentials: tokens, expiry, scopes, discovery, hashed secrets."""

from __future__ import annotations

import time
from typing import cast

import httpx
import jwt
import pytest
from sqlalchemy import select

from api.auth.clients import ApiClientRow, Client, check_secret, create_client, hash_secret
from api.auth.tokens import TokenService
from ledger.errors import NotFound, RuleViolation
from ledger.log.keys import generate_key
from tests.api.conftest import BUYER, E1, Env, basic


def _token(env: Env, cid: str, secret: str, **form: str) -> httpx.Response:
    # TestClient derives from httpx2.Client, which mypy does not see: its methods return Any.
    return cast(
        httpx.Response,
        env.client.post(
            "/auth/token",
            data={"grant_type": "client_credentials", **form},
            headers={"Authorization": basic(cid, secret)},
        ),
    )


def test_token_carries_actor_role_scopes_and_expiry(env: Env) -> None:
    cid, secret = env.credentials(BUYER, "buyer")
    r = _token(env, cid, secret)
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    claims = jwt.decode(
        body["access_token"], env.service_key.public_key(), algorithms=["EdDSA"], audience="tanji-api"
    )
    assert claims["actor"] == BUYER and claims["role"] == "buyer" and claims["sub"] == cid
    assert set(claims["scope"].split()) == {"footprint:list", "footprint:read", "events:write"}
    assert claims["exp"] - claims["iat"] == 3600


def test_scope_can_be_narrowed_not_widened(env: Env) -> None:
    cid, secret = env.credentials(BUYER, "buyer")
    assert _token(env, cid, secret, scope="footprint:read").json()["scope"] == "footprint:read"
    r = _token(env, cid, secret, scope="footprint:read entries:write")
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"


@pytest.mark.parametrize("case", ["wrong secret", "unknown client", "no basic", "bad base64"])
def test_bad_client_credentials_are_401_invalid_client(env: Env, case: str) -> None:
    cid, secret = env.credentials(BUYER, "buyer")
    headers = {
        "wrong secret": {"Authorization": basic(cid, secret + "x")},
        "unknown client": {"Authorization": basic("tj_nobody", secret)},
        "no basic": {},
        "bad base64": {"Authorization": "Basic %%%"},
    }[case]
    r = env.client.post("/auth/token", data={"grant_type": "client_credentials"}, headers=headers)
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"
    assert r.headers["www-authenticate"].startswith("Basic")


def test_other_grant_types_are_refused(env: Env) -> None:
    cid, secret = env.credentials(BUYER, "buyer")
    r = env.client.post(
        "/auth/token", data={"grant_type": "password"}, headers={"Authorization": basic(cid, secret)}
    )
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


def test_expired_token_is_401_native_and_pact(env: Env) -> None:
    tokens = TokenService(env.service_key, "tanji", 60)
    old = tokens.issue(Client("tj_x", E1, "enterprise"), now=time.time() - 3600).access_token
    r = env.client.get("/ledger/checkpoint", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "auth.token_expired"
    # PACT v3: an invalid or expired token is 401 with the code BadRequest (conformance tests 6, 7, 16).
    r = env.client.get("/3/footprints", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401 and r.json()["code"] == "BadRequest"
    assert "expired" in r.json()["message"]


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c"])
def test_invalid_tokens(env: Env, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    r = env.client.get("/ledger/checkpoint", headers=headers)
    assert r.status_code == 401 and r.json()["status"] == 401
    r = env.client.get("/3/footprints", headers=headers)
    assert r.status_code == 401 and r.json() == {"code": "BadRequest", "message": r.json()["message"]}


def test_token_of_another_service_key_is_rejected(env: Env) -> None:
    forged = TokenService(generate_key(), "tanji", 60).issue(Client("tj_x", E1, "operator")).access_token
    r = env.client.get("/ledger/export", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


def test_discovery_document_and_jwks(env: Env) -> None:
    doc = env.client.get("/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == "http://testserver/auth/token"
    assert doc["grant_types_supported"] == ["client_credentials"]
    assert "footprint:list" in doc["scopes_supported"]
    jwks = env.client.get("/.well-known/jwks.json").json()
    key = jwt.PyJWK(jwks["keys"][0])
    token = env.token(BUYER)
    assert jwt.decode(token, key.key, algorithms=["EdDSA"], audience="tanji-api")["actor"] == BUYER


def test_secrets_are_stored_hashed(env: Env) -> None:
    cid, secret = env.credentials(E1, "enterprise")
    with env.park.ledger.db.read_session() as s:
        stored = s.scalar(select(ApiClientRow.secret_hash).where(ApiClientRow.client_id == cid))
    assert stored is not None and secret not in stored and stored.startswith("scrypt$")
    assert check_secret(secret, stored) and not check_secret(secret + "!", stored)
    assert not check_secret(secret, "plain")
    assert hash_secret("x") != hash_secret("x")  # salted


def test_clients_only_for_registered_actors_in_their_own_role(env: Env) -> None:
    db = env.park.ledger.db
    with pytest.raises(NotFound):
        create_client(db, "nobody", "buyer")
    with pytest.raises(RuleViolation, match="not a buyer"):
        create_client(db, E1, "buyer")
    with pytest.raises(RuleViolation, match="unknown role"):
        create_client(db, E1, "admin")
    assert create_client(db, "operator", "park").client.role == "park"


def test_cached_token_still_expires(env: Env) -> None:
    tokens = TokenService(env.service_key, "tanji", 1)
    token = tokens.issue(Client("tj_x", E1, "enterprise"), now=time.time() - 30).access_token
    with pytest.raises(Exception, match="expired"):
        tokens.principal(token)
    fresh = tokens.issue(Client("tj_x", E1, "enterprise")).access_token
    assert tokens.principal(fresh) is tokens.principal(fresh)  # checked once, then cached
    time.sleep(1.1 + 5)  # past exp and the leeway: the cached principal is not returned any more
    with pytest.raises(Exception, match="expired"):
        tokens.principal(fresh)


def test_disabled_client_gets_no_token(env: Env) -> None:
    from api.auth.clients import disable_client, list_clients

    cid, secret = env.credentials(BUYER, "buyer")
    assert cid in {c.client_id for c in list_clients(env.park.ledger.db)}
    disable_client(env.park.ledger.db, cid)
    assert _token(env, cid, secret).status_code == 401
    assert cid not in {c.client_id for c in list_clients(env.park.ledger.db)}
    with pytest.raises(NotFound):
        disable_client(env.park.ledger.db, "tj_none")
