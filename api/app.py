"""The FastAPI application factory. No import-time globals: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.limits import BodyLimit
from api.routes import (
    attribution,
    auth,
    certificates,
    docs,
    entries,
    identity,
    ledger,
    pact,
    readings,
    schemas,
    trace,
    transparency,
    verify_page,
)
from api.service import Service
from api.settings import Settings
from lca.warm import warm_background

DESCRIPTION = """Tanji (碳迹): product carbon footprints and green-power traceability on a verifiable ledger.

- **Native API**: signed entries, checkpoints, Merkle proofs, export, verification.
- **PACT v3** (`/3/…`) for buyers, with Tanji's green-electricity evidence as a data-model extension.
- **Public verification page** `/verify/{certificate_id}`.

Authenticate with OAuth2 client credentials at `/auth/token`. Errors are RFC 9457 problem details,
except under `/3/`, which answers with PACT error bodies.
"""


def create_app(settings: Settings) -> FastAPI:
    """A service for ``settings``: the database is opened here and closed on shutdown."""
    service = Service.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service.dispatcher.start_if_pending()  # PACT answers left unsent by an earlier run
        if settings.operator_key is not None:
            # the ledger re-computes every footprint.publish it accepts: Brightway's background is set
            # up once here, so a publish costs milliseconds (lca.warm)
            warm_background()
        yield
        service.dispatcher.close()
        if service.collector is not None:
            service.collector.close()
        service.db.dispose()

    app = FastAPI(
        title="Tanji",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # /docs and /redoc with local assets: api.routes.docs
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = service
    errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, exempt=("/readings/upload",))
    for module in (
        auth,
        entries,
        ledger,
        readings,
        attribution,
        trace,
        certificates,
        pact,
        verify_page,
        schemas,
        transparency,
        identity,
        docs,
    ):
        app.include_router(module.router)
    app.include_router(
        __import__("api.routes.park_flows", fromlist=["router"]).router
    )  # park flows (issue 8)
    return app
