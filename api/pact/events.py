"""Validating PACT v3 CloudEvents (structured content mode, CloudEvents 1.0 JSON).

A pure check returning the problems found, beside a raising wrapper; the route
turns problems into a PACT ``BadRequest``.
"""

from __future__ import annotations

import uuid
from typing import Any

from api.errors import BadRequest
from api.pact.filters import parse_datetime
from api.schemas.pact import EVENT_TYPES

PUBLISHED, REQUEST_CREATED, REQUEST_FULFILLED, REQUEST_REJECTED = EVENT_TYPES
_FILTER_LISTS = ("productId", "companyId", "geography", "classification")
_FILTER_TIMES = ("validOn", "validAfter", "validBefore")
PACT_ERROR_CODES = (
    "BadRequest",
    "AccessDenied",
    "TokenExpired",
    "NotFound",
    "InternalError",
    "NotImplemented",
)


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_time(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse_datetime(value)
    except ValueError:
        return False
    return True


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def event_problems(event: Any) -> list[str]:
    """Everything wrong with ``event`` as a v3 PACT CloudEvent; empty when it is valid."""
    if not isinstance(event, dict):
        return ["the event must be a JSON object"]
    problems = [
        f"{k} is required" for k in ("type", "specversion", "id", "source", "time", "data") if k not in event
    ]
    if problems:
        return problems
    if event["specversion"] != "1.0":
        problems.append(f'specversion must be "1.0", not {event["specversion"]!r}')
    if event["type"] not in EVENT_TYPES:
        problems.append(f"type {event['type']!r} is not a PACT v3 event type")
    for key in ("id", "source"):
        if not _nonempty_str(event[key]):
            problems.append(f"{key} must be a non-empty string")
    if not _is_time(event["time"]):
        problems.append("time must be an RFC 3339 date-time")
    data = event["data"]
    if not isinstance(data, dict):
        return [*problems, "data must be an object"]
    return problems + _data_problems(event["type"], data)


def _data_problems(kind: Any, data: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if kind == PUBLISHED:
        ids = data.get("pfIds")
        if not isinstance(ids, list) or not ids or not all(_is_uuid(i) for i in ids):
            out.append("data.pfIds must be a non-empty list of footprint ids (UUIDs)")
    elif kind == REQUEST_CREATED:
        unknown = set(data) - {*_FILTER_LISTS, *_FILTER_TIMES, "status", "comment"}
        if unknown:
            out.append(f"data has unknown criteria {sorted(unknown)}")
        for key in _FILTER_LISTS:
            if key in data and not (isinstance(data[key], list) and all(_nonempty_str(v) for v in data[key])):
                out.append(f"data.{key} must be a list of strings")
        out += [
            f"data.{k} must be an RFC 3339 date-time"
            for k in _FILTER_TIMES
            if k in data and not _is_time(data[k])
        ]
        # An unknown status is a criterion nothing meets (answered with a RequestRejectedEvent), as
        # ListFootprints answers it with an empty list.
        if "status" in data and not _nonempty_str(data["status"]):
            out.append("data.status must be a string")
        if "comment" in data and not isinstance(data["comment"], str):
            out.append("data.comment must be a string")
    elif kind in (REQUEST_FULFILLED, REQUEST_REJECTED):
        if not _nonempty_str(data.get("requestEventId")):
            out.append("data.requestEventId must be a non-empty string")
        if kind == REQUEST_FULFILLED:
            pfs = data.get("pfs")
            if not isinstance(pfs, list) or not pfs or not all(isinstance(p, dict) for p in pfs):
                out.append("data.pfs must be a non-empty list of ProductFootprints")
        else:
            err = data.get("error")
            if not (
                isinstance(err, dict)
                and err.get("code") in PACT_ERROR_CODES
                and isinstance(err.get("message"), str)
            ):
                out.append("data.error must be {code, message} with a PACT error code")
    return out


def check_event(event: Any) -> dict[str, Any]:
    """``event`` if valid, else ``BadRequest`` listing every problem."""
    problems = event_problems(event)
    if problems:
        raise BadRequest(
            "invalid event: " + "; ".join(problems), code="pact.event_invalid", problems=problems
        )
    assert isinstance(event, dict)
    return event
