"""``POST /auth/token`` (OAuth2 client credentials) and the discovery documents."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.auth.clients import authenticate
from api.auth.roles import ALL_SCOPES
from api.deps import ServiceDep
from api.errors import Forbidden
from api.schemas.auth import OAuthErrorPublic, TokenPublic

router = APIRouter(tags=["auth"])


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="tanji"'} if status == 401 else {}
    headers["Cache-Control"] = "no-store"
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (unquote(user), unquote(password)) if sep else None


@router.post(
    "/auth/token",
    response_model=TokenPublic,
    responses={400: {"model": OAuthErrorPublic}, 401: {"model": OAuthErrorPublic}},
    summary="Issue an access token (client credentials; client id and secret by HTTP Basic)",
)
async def token(
    request: Request,
    service: ServiceDep,
    grant_type: Annotated[str, Form()],
    scope: Annotated[str | None, Form()] = None,
) -> Any:
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "only grant_type=client_credentials is supported")
    creds = _basic(request)
    if creds is None:
        return _oauth_error(
            401, "invalid_client", "send the client id and secret by HTTP Basic authentication"
        )
    client = await run_in_threadpool(authenticate, service.db, *creds)
    if client is None:
        return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
    try:
        issued = service.tokens.issue(client, scope)
    except Forbidden as e:
        return _oauth_error(400, "invalid_scope", e.message)
    body = TokenPublic(
        access_token=issued.access_token,
        token_type=issued.token_type,
        expires_in=issued.expires_in,
        scope=issued.scope,
    )
    return JSONResponse(body.model_dump(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.get("/.well-known/openid-configuration", summary="OAuth2 / OpenID discovery document")
def openid_configuration(request: Request, service: ServiceDep) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {
        "issuer": service.tokens.issuer,
        "token_endpoint": f"{base}/auth/token",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "response_types_supported": ["token"],
        "scopes_supported": sorted(ALL_SCOPES),
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "token_endpoint_auth_signing_alg_values_supported": ["EdDSA"],
        "subject_types_supported": ["public"],
    }


@router.get("/.well-known/jwks.json", summary="The service's token-signing public key (JWK Set)")
def jwks(service: ServiceDep) -> dict[str, Any]:
    return service.tokens.jwks()
