"""``/docs`` (Swagger UI) and ``/redoc`` with every asset served here, and the charts' scripts.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, unreachable offline
and often from China. The assets come from the ``fastapi-offline`` package
(Swagger UI bundle and CSS, ReDoc standalone, a favicon) and plotly.min.js from
the ``plotly`` package; nothing is vendored in this repository. ReDoc's Google
Fonts and Swagger UI's remote validator badge are switched off, so the pages
make no request off this service.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse

from api.errors import ResourceNotFound
from api.views.plots import LOADER, LOADER_JS, SERVED_PREFIX, plotly_js_path

router = APIRouter(include_in_schema=False)

DOCS_PREFIX = "/static/docs"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
_DOCS_DIR = Path(str(files("fastapi_offline") / "static"))
_MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png"}
DOCS_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
_CACHE = {"Cache-Control": "public, max-age=86400"}


def _asset(path: Path) -> FileResponse:
    return FileResponse(path, media_type=_MEDIA[path.suffix], headers=_CACHE)


def _root(request: Request) -> str:
    return str(request.scope.get("root_path") or "")


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    root = _root(request)
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} — API (Swagger UI)",
        swagger_js_url=f"{root}{DOCS_PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{DOCS_PREFIX}/swagger-ui.css",
        swagger_favicon_url=f"{root}{DOCS_PREFIX}/favicon.png",
        oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT}",
        swagger_ui_parameters={
            "deepLinking": True,
            "showExtensions": True,
            "showCommonExtensions": True,
            "validatorUrl": None,  # no badge fetched from validator.swagger.io
        },
    )


@router.get(OAUTH2_REDIRECT)
def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    root = _root(request)
    return get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} — API (ReDoc)",
        redoc_js_url=f"{root}{DOCS_PREFIX}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{DOCS_PREFIX}/favicon.png",
        with_google_fonts=False,
    )


@router.get(DOCS_PREFIX + "/{name}")
def docs_asset(name: str) -> FileResponse:
    if name not in DOCS_ASSETS:
        raise ResourceNotFound(f"no asset {name!r}", code="asset.not_found")
    return _asset(_DOCS_DIR / name)


@router.get(SERVED_PREFIX + "/plotly.min.js")
def plotly_asset() -> FileResponse:
    return _asset(plotly_js_path())


@router.get(SERVED_PREFIX + "/" + LOADER_JS)
def charts_loader() -> FileResponse:
    return _asset(LOADER)
