"""PACT Technical Specification v3 for buyers: ListFootprints, GetFootprint, Events."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import EventWriter, FootprintLister, FootprintReader, ServiceDep
from api.errors import BadRequest, Forbidden, ResourceNotFound
from api.pact.events import REQUEST_CREATED, check_event
from api.pact.filters import FootprintQuery, matches, parse_datetime
from api.schemas.pact import (
    CLOUD_EVENT_SCHEMA,
    FootprintListPublic,
    FootprintPublic,
    PactErrorPublic,
)

router = APIRouter(prefix="/3", tags=["pact"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": PactErrorPublic} for code in (400, 401, 403, 404, 500)
}
DEFAULT_LIMIT = 100
Many = Annotated[list[str] | None, Query()]


def _time(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        raise BadRequest(f"{name} {value!r} is not an RFC 3339 date-time") from None


def _next_link(request: Request, offset: int, limit: int) -> str:
    """Absolute RFC 8288 next link on the request's own scheme and host, filters kept."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]
    params += [("limit", str(limit)), ("offset", str(offset))]
    return f'<{request.url.replace(query=urlencode(params))}>; rel="next"'


@router.get(
    "/footprints",
    response_model=FootprintListPublic,
    responses={
        **_ERRORS,
        202: {"model": FootprintListPublic, "description": "Incomplete result; retry later"},
    },
    summary="ListFootprints: footprints shared with the caller, filtered and paginated",
)
def list_footprints(
    request: Request,
    who: FootprintLister,
    service: ServiceDep,
    productId: Many = None,
    companyId: Many = None,
    geography: Many = None,  # noqa: N803 - PACT names
    classification: Many = None,
    status: Many = None,
    validOn: str | None = None,
    validAfter: str | None = None,
    validBefore: str | None = None,  # noqa: N803
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
    offset: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    # Values that name nothing (an unknown status, a bogus id) match nothing: 200 with an empty list.
    query = FootprintQuery(
        tuple(productId or ()),
        tuple(companyId or ()),
        tuple(geography or ()),
        tuple(classification or ()),
        tuple(status or ()),
        _time("validOn", validOn),
        _time("validAfter", validAfter),
        _time("validBefore", validBefore),
    )
    found = [f.body for f in service.visible_footprints(who) if matches(f.body, query)]
    page = limit or DEFAULT_LIMIT
    data = found[offset : offset + page]
    headers = {"Link": _next_link(request, offset + page, page)} if offset + page < len(found) else {}
    # 202: the result is incomplete for now (footprints the catalog could not assemble); a
    # later request may return them. A page of a complete result is 200 with a Link.
    code = 202 if service.catalog.skipped else 200
    return JSONResponse({"data": data}, status_code=code, headers=headers)


@router.get(
    "/footprints/{footprint_id}",
    response_model=FootprintPublic,
    responses=_ERRORS,
    summary="GetFootprint: one footprint by id (deprecated ones too)",
)
async def get_footprint(footprint_id: str, who: FootprintReader, service: ServiceDep) -> Response:
    # async and answering a ready JSONResponse: the hot read path takes no thread-pool hop
    # (the catalog is cached; the grant check is one indexed SQLite/PostgreSQL read).
    try:
        key = str(uuid.UUID(footprint_id))
    except ValueError:
        raise BadRequest(f"footprint id {footprint_id!r} is not a UUID") from None
    _, by_id = service.catalog.snapshot()
    footprint = by_id.get(key)
    if footprint is None:
        raise ResourceNotFound(f"no footprint {footprint_id}")
    if not service.may_see_footprint(who, footprint):
        raise Forbidden(f"footprint {footprint_id} is not shared with {who.actor!r}")
    return JSONResponse({"data": footprint.body})


@router.post(
    "/events",
    responses={200: {"description": "Event accepted (empty body)"}, **_ERRORS},
    summary="Events: PACT v3 CloudEvents in structured content mode",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/cloudevents+json": {"schema": CLOUD_EVENT_SCHEMA},
                "application/json": {"schema": CLOUD_EVENT_SCHEMA},
            },
        }
    },
)
async def post_event(request: Request, who: EventWriter, service: ServiceDep) -> Response:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/cloudevents+json", "application/json"):
        raise BadRequest(f"content type must be application/cloudevents+json, not {media or 'none'!r}")
    try:
        event = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the event body is not JSON") from None
    accepted = check_event(event)
    if accepted["type"] == REQUEST_CREATED:
        # Answered later by the outbox's dispatcher; refused now (400) if it could never be answered.
        await run_in_threadpool(service.accept_request, who, accepted, f"//{request.url.netloc}/3/events")
    service.events.append({"from": who.actor, "event": accepted})
    return Response(status_code=200)
