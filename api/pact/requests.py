"""Answering a buyer's ``RequestCreatedEvent``: the criteria, the answer event, where it goes. Pure.

PACT v3: a data owner that accepts a ``RequestCreatedEvent`` (200) "MUST send a
follow-up event back to the data recipient": a ``RequestFulfilledEvent`` with
the footprints that meet the request's criteria, or a ``RequestRejectedEvent``
with a PACT error. The criteria are the ListFootprints filters
(``api.pact.filters``); only the footprints the requester may see are
candidates, and only ``Active`` ones unless the request names a status.

Where the answer goes: the requester's Action Events endpoint, derived from the
request's ``source`` (``//host/3/events`` as in the spec's examples, or a base
URL to which ``/3/events`` is added, as the conformance service sends).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from api.pact.events import REQUEST_FULFILLED, REQUEST_REJECTED
from api.pact.filters import FootprintQuery, matches, parse_datetime

__all__ = ["Answer", "answer_request", "callback_url", "request_query"]

EVENTS_PATH = "/3/events"


@dataclass(frozen=True)
class Answer:
    """The follow-up event to send and whether it fulfils the request."""

    event: Mapping[str, Any]
    fulfilled: bool

    @property
    def type(self) -> str:
        """The CloudEvent type."""
        return str(self.event["type"])


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


def _time(data: Mapping[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    return parse_datetime(str(value)) if value else None


def request_query(data: Mapping[str, Any]) -> FootprintQuery:
    """The filters a ``RequestCreatedEvent``'s ``data`` names (precondition: the event was checked)."""
    status = _strings(data, "status") or ("Active",)
    return FootprintQuery(
        _strings(data, "productId"),
        _strings(data, "companyId"),
        _strings(data, "geography"),
        _strings(data, "classification"),
        status,
        _time(data, "validOn"),
        _time(data, "validAfter"),
        _time(data, "validBefore"),
    )


def callback_url(source: str) -> str:
    """The Action Events URL of the requester whose events carry ``source``; ``ValueError`` if none.

    ``//host/3/events`` (the spec's examples) is taken over https; a URL that
    does not end in ``/3/events`` is a base URL and gets it appended.
    """
    text = source.strip()
    if text.startswith("//"):
        text = "https:" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"event source {source!r} is not an http(s) URL or //host path")
    if parts.query or parts.fragment:
        raise ValueError(f"event source {source!r} carries a query or fragment")
    path = parts.path.rstrip("/")
    if not path.endswith(EVENTS_PATH):
        path += EVENTS_PATH
    return f"{parts.scheme}://{parts.netloc}{path}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def answer_request(
    request: Mapping[str, Any],
    visible: Iterable[Mapping[str, Any]],
    *,
    event_id: str,
    source: str,
    now: datetime,
) -> Answer:
    """The follow-up event for the checked ``RequestCreatedEvent`` ``request``.

    ``visible``: the ProductFootprint bodies the requester may read. Fulfilled
    with every one that meets the criteria, in the order given; rejected with
    ``NotFound`` when none does.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    data = request.get("data") or {}
    query = request_query(data)
    pfs = [dict(body) for body in visible if matches(body, query)]
    base = {"specversion": "1.0", "id": event_id, "source": source, "time": _stamp(now)}
    if pfs:
        event = {**base, "type": REQUEST_FULFILLED, "data": {"requestEventId": request["id"], "pfs": pfs}}
        return Answer(event, True)
    criteria = ", ".join(f"{k}={v}" for k, v in sorted(data.items()) if k != "comment") or "no criteria"
    message = f"no footprint shared with the requester meets the request ({criteria})"
    error = {"code": "NotFound", "message": message}
    event = {**base, "type": REQUEST_REJECTED, "data": {"requestEventId": request["id"], "error": error}}
    return Answer(event, False)
