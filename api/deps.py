"""Route dependencies as ``Annotated`` aliases: the service, the caller, scopes.

They are ``async``: none blocks (a token check is one Ed25519 verification),
and FastAPI would otherwise run each sync dependency in the thread pool.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2

from api.auth import roles
from api.auth.tokens import Principal, missing_token
from api.service import Service
from ledger.store.append import Ledger

_oauth2 = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(tokenUrl="/auth/token", scopes=roles.ALL_SCOPES)
    ),
    scheme_name="OAuth2ClientCredentials",
    auto_error=False,
)


async def get_service(request: Request) -> Service:
    """The service the app was built with."""
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_ledger(service: ServiceDep) -> Ledger:
    """The service's ledger."""
    return service.ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


async def get_principal(
    service: ServiceDep, authorization: Annotated[str | None, Depends(_oauth2)]
) -> Principal:
    """The caller behind the bearer token; 401 without a valid one."""
    if not authorization:
        raise missing_token()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise missing_token()
    return service.tokens.principal(token.strip())


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def scoped(scope: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency that admits only tokens carrying ``scope`` (403 otherwise)."""

    async def require(who: PrincipalDep) -> Principal:
        who.require(scope)
        return who

    require.__name__ = f"require_{scope.replace(':', '_')}"
    return require


EntriesWriter = Annotated[Principal, Depends(scoped(roles.ENTRIES_WRITE))]
LedgerReader = Annotated[Principal, Depends(scoped(roles.LEDGER_READ))]
LedgerVerifier = Annotated[Principal, Depends(scoped(roles.LEDGER_VERIFY))]
LedgerExporter = Annotated[Principal, Depends(scoped(roles.LEDGER_EXPORT))]
TrailReader = Annotated[Principal, Depends(scoped(roles.TRAIL_READ))]
FootprintLister = Annotated[Principal, Depends(scoped(roles.FOOTPRINT_LIST))]
FootprintReader = Annotated[Principal, Depends(scoped(roles.FOOTPRINT_READ))]
EventWriter = Annotated[Principal, Depends(scoped(roles.EVENTS_WRITE))]
ReadingsWriter = Annotated[Principal, Depends(scoped(roles.READINGS_WRITE))]
