"""The park pages: flows ``/park/{park_id}/flows?period=2025-01..2025-12`` and the zero-carbon park
report ``/park/{park_id}/report?year=2025`` (HTML, zh or en), and their JSON.

Who may read: tokens with ``park:read`` -- the operator for any park, a park
actor only for a park it administers (403 otherwise). Pages are Chinese or
English (``?lang=zh|en``, else ``Accept-Language``); their charts are Plotly,
its JavaScript served by this service (``/static/charts/``), so they work
offline and the ``Content-Security-Policy`` admits scripts from here only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.auth import roles
from api.auth.tokens import Principal
from api.deps import ServiceDep, scoped
from api.errors import Forbidden
from api.service import Service
from api.views.flows import render_flows_html
from api.views.i18n import Lang, choose_lang, page_headers, switch_href
from api.views.park import render_park_report
from api.views.plots import served
from ledger.energy.parks import require_park
from ledger.energy.periods import parse_period
from park.flow_inputs import ParkFlows, park_flows
from park.report import ParkReport, build_park_report

router = APIRouter(tags=["park"])
ParkReader = Annotated[Principal, Depends(scoped(roles.PARK_READ))]
ParkId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]
Period = Annotated[
    str,
    Query(
        pattern=r"^\d{4}-\d{2}(\.\.\d{4}-\d{2})?$",
        description="first..last month (UTC calendar months), e.g. 2025-01..2025-12",
    ),
]
Year = Annotated[int, Query(ge=2000, le=2100, description="accounting year (park-local)")]
# Charts: Plotly's script and the loader from this service; figures are JSON data blocks, never inline code.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; img-src 'self' data:"


def _lang(request: Request) -> Lang:
    return choose_lang(request.query_params.get("lang"), request.headers.get("accept-language"))


def _switch(request: Request, lang: Lang) -> str:
    other: Lang = "en" if lang == "zh" else "zh"
    return switch_href(request.url.path, request.query_params.multi_items(), other)


def _headers(lang: Lang) -> dict[str, str]:
    return {"Cache-Control": "no-cache", "Content-Security-Policy": _CSP, **page_headers(lang)}


def _require_reader(session: Session, who: Principal, park_id: str) -> None:
    park = require_park(session, park_id)
    # A park actor sees the parks it administers; the operator sees every park.
    if who.role != "operator" and park.admin != who.actor:
        raise Forbidden(f"{who.actor!r} does not administer park {park_id!r}", code="park.not_admin")


def _flows(service: Service, who: Principal, park_id: str, period: str) -> ParkFlows:
    months = parse_period(period)
    with service.ledger.db.read_session() as session:
        _require_reader(session, who, park_id)
        return park_flows(session, park_id, months[0], months[-1])


@router.get(
    "/park/{park_id}/flows",
    response_class=HTMLResponse,
    summary="Energy–carbon–product flow (Sankey) and hourly matching of a park (HTML)",
)
def flows_page(
    request: Request, park_id: ParkId, period: Period, who: ParkReader, service: ServiceDep
) -> HTMLResponse:
    flows = _flows(service, who, park_id, period)
    lang = _lang(request)
    page = render_flows_html(flows, lang, assets=served(), switch_href=_switch(request, lang))
    return HTMLResponse(page, headers=_headers(lang))


def _report(service: Service, who: Principal, park_id: str, year: int) -> ParkReport:
    with service.ledger.db.read_session() as session:
        _require_reader(session, who, park_id)
        return build_park_report(session, park_id, year)


@router.get(
    "/park/{park_id}/report",
    response_class=HTMLResponse,
    summary="Zero-carbon park report: energy, emissions and indicators against thresholds (HTML)",
)
def report_page(
    request: Request, park_id: ParkId, year: Year, who: ParkReader, service: ServiceDep
) -> HTMLResponse:
    report = _report(service, who, park_id, year)
    lang = _lang(request)
    page = render_park_report(report, lang, assets=served(), switch_href=_switch(request, lang))
    return HTMLResponse(page, headers=_headers(lang))


@router.get("/park/{park_id}/report.json", summary="The zero-carbon park report as JSON")
def report_json(park_id: ParkId, year: Year, who: ParkReader, service: ServiceDep) -> dict[str, Any]:
    return _report(service, who, park_id, year).to_json()


@router.get("/park/{park_id}/flows.json", summary="The park flow graph as JSON (MWh and t CO2e per link)")
def flows_json(park_id: ParkId, period: Period, who: ParkReader, service: ServiceDep) -> dict[str, Any]:
    return _flows(service, who, park_id, period).to_json()
