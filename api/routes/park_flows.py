"""The park flow page ``/park/{park_id}/flows?period=2025-01..2025-12`` (HTML) and its JSON.

Who may read: tokens with ``park:read`` -- the operator for any park, a park
actor only for a park it administers (403 otherwise). The page is
self-contained (inline SVG and CSS, no script, no CDN).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse

from api.auth import roles
from api.auth.tokens import Principal
from api.deps import ServiceDep, scoped
from api.errors import Forbidden
from api.service import Service
from api.views.flows import render_flows_html
from ledger.energy.parks import require_park
from ledger.energy.periods import parse_period
from park.flow_inputs import ParkFlows, park_flows

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
_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _flows(service: Service, who: Principal, park_id: str, period: str) -> ParkFlows:
    months = parse_period(period)
    with service.ledger.db.read_session() as session:
        park = require_park(session, park_id)
        # A park actor sees the parks it administers; the operator sees every park.
        if who.role != "operator" and park.admin != who.actor:
            raise Forbidden(f"{who.actor!r} does not administer park {park_id!r}", code="park.not_admin")
        return park_flows(session, park_id, months[0], months[-1])


@router.get(
    "/park/{park_id}/flows",
    response_class=HTMLResponse,
    summary="Energy–carbon–product flow (Sankey) and hourly matching of a park (HTML)",
)
def flows_page(park_id: ParkId, period: Period, who: ParkReader, service: ServiceDep) -> HTMLResponse:
    flows = _flows(service, who, park_id, period)
    return HTMLResponse(
        render_flows_html(flows), headers={"Cache-Control": "no-cache", "Content-Security-Policy": _CSP}
    )


@router.get("/park/{park_id}/flows.json", summary="The park flow graph as JSON (MWh and t CO2e per link)")
def flows_json(park_id: ParkId, period: Period, who: ParkReader, service: ServiceDep) -> dict[str, Any]:
    return _flows(service, who, park_id, period).to_json()
