"""PACT v3 requests answered asynchronously: Tanji POSTs RequestFulfilledEvent / RequestRejectedEvent to
the requester's ``/3/events`` (a real local HTTP server here), from a durable outbox, with back-off.

Mirrors the conformance suite's tests 12-14.B: a request for an existing product id is fulfilled with
its footprints, one for ``urn:pact:null`` rejected with ``NotFound``; both answers arrive at
``{source}/3/events`` with a bearer token from the requester's token endpoint.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from api.pact.delivery import EventDispatcher, HttpSender, RetryPolicy, SendFailed, TokenCache
from api.pact.outbox import claim_due, enqueue, get_item, list_items, record_attempt
from api.pact.requesters import Requester, RequesterAuth, Requesters, RequestersError
from api.pact.requests import answer_request, callback_url, request_query
from tests.api.conftest import BUYER, E1, E2, Env, RecordingSender, pact_fields
from tests.conftest import Park
from tests.shared_data import shared_json


def _validator(name: str) -> Draft202012Validator:
    """A validator for one event of the PACT v3 schema in ``../shared/data/pact`` (skips when absent)."""
    schema = shared_json("pact", "pact-v3.0.3-ProductFootprint.schema.json")
    return Draft202012Validator(
        {"$ref": f"#/$defs/{name}", "$defs": schema["$defs"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


CE = {"Content-Type": "application/cloudevents+json; charset=UTF-8"}
CREATED = "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3"


# ------------------------------------------------------------------------ a requester's server


@dataclass
class Requests:
    """What the requester's server received and how it answers (statuses popped per path)."""

    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    answers: dict[str, list[int]] = field(default_factory=dict)
    tokens_issued: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def events(self) -> list[tuple[dict[str, str], dict[str, Any]]]:
        with self.lock:
            return [(h, json.loads(b)) for p, h, b in self.received if p == "/3/events"]


@dataclass
class RequesterServer:
    base: str
    state: Requests

    def wait_for_events(self, n: int, timeout: float = 15.0) -> list[tuple[dict[str, str], dict[str, Any]]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.state.events()
            if len(got) >= n:
                return got
            time.sleep(0.05)
        raise AssertionError(f"expected {n} events, got {self.state.events()}")


@pytest.fixture
def requester() -> Iterator[RequesterServer]:
    """A buyer's PACT endpoint on 127.0.0.1: ``/auth/token`` (client credentials) and ``/3/events``."""
    state = Requests()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.lock:
                state.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                queued = state.answers.get(self.path) or []
                status = queued.pop(0) if queued else 200
            if self.path == "/auth/token" and status == 200:
                with state.lock:
                    state.tokens_issued += 1
                    token = f"tok-{state.tokens_issued}"
                out = json.dumps({"access_token": token, "token_type": "Bearer", "expires_in": 3600}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
                return
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RequesterServer(f"http://127.0.0.1:{server.server_address[1]}", state)
    finally:
        server.shutdown()
        server.server_close()


def _registered(base: str) -> Requesters:
    auth = RequesterAuth(f"{base}/auth/token", "tanji-at-buyer", "s3cret")
    return Requesters({BUYER: Requester(BUYER, (base,), auth)})


FAST = RetryPolicy(base=0.05, max_delay=0.2, abandon_after=3600, lease=5, timeout=5, poll=0.2)


def _request(env: Env, event_id: str, source: str, data: dict[str, Any]) -> Any:
    event = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "time": "2026-03-01T00:00:00Z",
        "type": CREATED,
        "data": data,
    }
    return env.client.post("/3/events", content=json.dumps(event), headers={**env.auth(BUYER), **CE})


# ------------------------------------------------------------------------------ end to end


def test_requests_are_answered_with_fulfilled_and_rejected_events(
    make_env: Callable[..., Env], requester: RequesterServer
) -> None:
    env = make_env(pact_requesters=_registered(requester.base), pact_sender=None, pact_retry=FAST)
    env.book.add(E1, pact_fields("AL99.70"))
    env.book.add(E1, pact_fields("AL99.85"))
    env.book.add(E2, pact_fields("AL99.70"))  # not shared with the buyer: never sent
    # Conformance tests 12 and 14.A: the source is the requester's base URL.
    ok = _request(env, "run-1/12", requester.base, {"productId": ["urn:pact:tanji:product:AL99.70"]})
    assert ok.status_code == 200 and ok.content == b""
    no = _request(env, "run-1/14.A", requester.base, {"productId": ["urn:pact:null"], "comment": "?"})
    assert no.status_code == 200

    got = requester.wait_for_events(2)
    by_request = {e["data"]["requestEventId"]: (h, e) for h, e in got}
    headers, fulfilled = by_request["run-1/12"]
    assert headers["content-type"] == "application/cloudevents+json; charset=UTF-8"
    assert headers["authorization"] == "Bearer tok-1"  # from the requester's token endpoint
    _validator("RequestFulfilledEvent").validate(fulfilled)
    assert fulfilled["type"] == "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3"
    assert [pf["productNameCompany"] for pf in fulfilled["data"]["pfs"]] == ["AL99.70"]
    assert fulfilled["data"]["pfs"][0]["companyIds"] == ["urn:uscc:91150000MA0N000001"]
    assert fulfilled["source"] == "//testserver/3/events"
    _h, rejected = by_request["run-1/14.A"]
    _validator("RequestRejectedEvent").validate(rejected)
    assert rejected["data"]["error"]["code"] == "NotFound"
    assert "urn:pact:null" in rejected["data"]["error"]["message"]
    token_calls = [(p, h) for p, h, _b in requester.state.received if p == "/auth/token"]
    assert len(token_calls) == 1 and token_calls[0][1]["authorization"].startswith("Basic ")

    # The record of what was sent: each answer, its destination and its one successful attempt.
    deadline = time.monotonic() + 5
    while (
        any(i.status != "delivered" for i in list_items(env.park.ledger.db)) and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    items = {i.request_id: i for i in list_items(env.park.ledger.db, requester=BUYER)}
    assert set(items) == {"run-1/12", "run-1/14.A"}
    for item in items.values():
        assert item.status == "delivered" and item.destination == f"{requester.base}/3/events"
        assert [(a.outcome, a.http_status) for a in item.history] == [("delivered", 200)]
    assert items["run-1/12"].event == fulfilled  # exactly what the requester received


def test_a_request_sent_twice_is_answered_once(make_env: Callable[..., Env]) -> None:
    sender = RecordingSender()
    env = make_env(pact_sender=sender)
    env.book.add(E1, pact_fields("A"))
    for _ in range(2):
        r = _request(env, "same", "//buyer.example/3/events", {"productId": ["urn:pact:tanji:product:A"]})
        assert r.status_code == 200
    assert len(list_items(env.park.ledger.db)) == 1


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("https://evil.example", "not among the endpoints"),
        ("https://buyer.example.evil.example", "not among the endpoints"),
        ("http://buyer.example", "not among the endpoints"),
        ("ftp://buyer.example", "not an http(s) URL"),
    ],
)
def test_unregistered_destinations_are_refused_at_once(env: Env, source: str, fragment: str) -> None:
    r = _request(env, "x", source, {"productId": ["urn:pact:tanji:product:A"]})
    assert r.status_code == 400 and r.json()["code"] == "BadRequest" and fragment in r.json()["message"]
    assert list_items(env.park.ledger.db) == []


def test_a_requester_without_an_endpoint_is_refused(make_env: Callable[..., Env]) -> None:
    env = make_env(pact_requesters=Requesters())
    r = _request(env, "x", "https://buyer.example", {})
    assert r.status_code == 400 and "no callback endpoint is registered" in r.json()["message"]
    assert not env.app.state.service.events and list_items(env.park.ledger.db) == []


def test_pending_answers_are_sent_after_a_restart(
    make_env: Callable[..., Env], requester: RequesterServer
) -> None:
    down = RecordingSender(status=503)
    env = make_env(pact_requesters=_registered(requester.base), pact_sender=down, pact_retry=FAST)
    env.book.add(E1, pact_fields("A"))
    assert _request(env, "r1", requester.base, {"productId": ["urn:pact:tanji:product:A"]}).status_code == 200
    env.app.state.service.dispatcher.close()
    item = list_items(env.park.ledger.db)[0]
    assert item.status == "pending"
    # A new service process on the same database sends what was left, at start-up.
    from api.app import create_app
    from api.settings import Settings

    settings = Settings(
        db_url=env.park.ledger.db.url,
        service_key=env.service_key,
        operator_key=None,
        footprints=env.book,
        footprints_version=env.book.version,
        pact_requesters=_registered(requester.base),
        pact_retry=FAST,
    )
    with TestClient(create_app(settings)):
        got = requester.wait_for_events(1)
    assert got[0][1]["data"]["requestEventId"] == "r1"
    assert get_item(env.park.ledger.db, item.id) is not None


# ------------------------------------------------------------------- the dispatcher, one step at a time


class Clock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _queued(park: Park, base: str, event_id: str = "e1", created_s: float = 1_800_000_000.0) -> str:
    item, new = enqueue(
        park.ledger.db,
        requester=BUYER,
        request={"id": "req-" + event_id, "source": base, "type": CREATED, "data": {}},
        destination=f"{base}/3/events",
        event={"id": event_id, "type": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3", "data": {}},
        now_ms=int(created_s * 1000),
    )
    assert new
    return item.id


def test_retries_back_off_exponentially_then_deliver(
    make_park: Callable[[], Park], requester: RequesterServer
) -> None:
    park = make_park()
    outbox_id = _queued(park, requester.base)
    requester.state.answers["/3/events"] = [503, 503, 429, 200]
    clock = Clock()
    policy = RetryPolicy(base=10, max_delay=25, abandon_after=3600, lease=60, timeout=5)
    d = EventDispatcher(park.ledger.db, _registered(requester.base), policy, HttpSender(), clock)
    waits = []
    for _ in range(4):
        (item,) = d.run_once()
        assert d.run_once() == []  # not due again until its back-off has passed
        if item.status == "pending":
            waits.append(item.next_attempt_ms / 1000 - clock.t)
            clock.t = item.next_attempt_ms / 1000
    assert waits == [10, 20, 25]  # base · 2^(n-1), capped at max_delay
    final = get_item(park.ledger.db, outbox_id)
    assert final is not None and final.status == "delivered" and final.attempts == 4
    assert [(a.outcome, a.http_status) for a in final.history] == [
        ("retry", 503),
        ("retry", 503),
        ("retry", 429),
        ("delivered", 200),
    ]
    assert requester.state.tokens_issued == 1  # one token serves every attempt


def test_a_refusal_fails_and_an_unreachable_requester_is_abandoned_after_the_limit(
    make_park: Callable[[], Park], requester: RequesterServer
) -> None:
    park = make_park()
    refused = _queued(park, requester.base, "refused")
    requester.state.answers["/3/events"] = [400]
    clock = Clock()
    d = EventDispatcher(park.ledger.db, _registered(requester.base), RetryPolicy(), HttpSender(), clock)
    (item,) = d.run_once()
    assert item.id == refused and item.status == "failed" and (item.last_error or "").startswith("HTTP 400")
    assert d.run_once() == []

    gone = "http://127.0.0.1:9"  # discard port: connection refused
    lost = _queued(park, gone, "lost")
    policy = RetryPolicy(base=3600, max_delay=6 * 3600, abandon_after=72 * 3600, timeout=2)
    d = EventDispatcher(
        park.ledger.db, Requesters({BUYER: Requester(BUYER, (gone,))}), policy, HttpSender(), clock
    )
    while True:
        (item,) = d.run_once()
        if item.status != "pending":
            break
        clock.t = item.next_attempt_ms / 1000
    final = get_item(park.ledger.db, lost)
    assert final is not None and final.status == "abandoned"
    outcomes = [a.outcome for a in final.history]
    # Tries at 0, 1, 3, 7, 13, 19, …, 67 h (back-off 1, 2, 4, then 6 h); the next would be at 73 h > 72 h.
    assert outcomes == ["retry"] * 13 + ["abandoned"]
    assert all(a.http_status is None for a in final.history)
    assert "POST http://127.0.0.1:9/3/events" in (item.last_error or "")


def test_a_401_drops_the_token_and_the_next_attempt_signs_in_again(
    make_park: Callable[[], Park], requester: RequesterServer
) -> None:
    park = make_park()
    _queued(park, requester.base)
    requester.state.answers["/3/events"] = [401, 200]
    clock = Clock()
    d = EventDispatcher(park.ledger.db, _registered(requester.base), FAST, HttpSender(), clock)
    (first,) = d.run_once()
    assert first.status == "pending" and first.last_error is not None and "401" in first.last_error
    clock.t = first.next_attempt_ms / 1000
    (second,) = d.run_once()
    assert second.status == "delivered"
    auths = [h["authorization"] for h, _e in requester.state.events()]
    assert auths == ["Bearer tok-1", "Bearer tok-2"]


def test_two_dispatchers_never_send_one_answer_twice(make_park: Callable[[], Park]) -> None:
    park = make_park()
    _queued(park, "https://buyer.example")
    now = 1_800_000_000_000
    first = claim_due(park.ledger.db, now_ms=now, lease_ms=60_000)
    second = claim_due(park.ledger.db, now_ms=now, lease_ms=60_000)
    assert len(first) == 1 and second == []
    # The lease runs out (a process died mid-send): another dispatcher may take it.
    assert len(claim_due(park.ledger.db, now_ms=now + 60_000, lease_ms=60_000)) == 1
    record_attempt(park.ledger.db, first[0].id, at_ms=now, outcome="delivered", http_status=200)
    assert claim_due(park.ledger.db, now_ms=now + 10**9, lease_ms=1) == []
    with pytest.raises(ValueError, match="retry_at_ms"):
        record_attempt(park.ledger.db, first[0].id, at_ms=now, outcome="retry")


def test_a_requester_no_longer_registered_is_not_sent_to(make_park: Callable[[], Park]) -> None:
    park = make_park()
    _queued(park, "https://buyer.example")
    sender = RecordingSender()
    d = EventDispatcher(park.ledger.db, Requesters(), FAST, sender, Clock())
    (item,) = d.run_once()
    assert (
        item.status == "failed" and "no longer registered" in (item.last_error or "") and sender.posts == []
    )


def test_token_endpoint_refusal_is_retried(make_park: Callable[[], Park], requester: RequesterServer) -> None:
    park = make_park()
    _queued(park, requester.base)
    requester.state.answers["/auth/token"] = [401]
    clock = Clock()
    d = EventDispatcher(park.ledger.db, _registered(requester.base), FAST, HttpSender(), clock)
    (item,) = d.run_once()
    assert item.status == "pending" and "token endpoint" in (item.last_error or "")
    clock.t = item.next_attempt_ms / 1000
    (item,) = d.run_once()
    assert item.status == "delivered"
    with pytest.raises(SendFailed, match="no access_token"):
        bad = RecordingSender(status=200)
        TokenCache(bad).get(
            Requester(BUYER, ("https://b.example",), RequesterAuth("https://b.example/t", "i", "s")), 1
        )


# ------------------------------------------------------------------------------ pure parts


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("//api.example.com/3/events", "https://api.example.com/3/events"),
        ("https://conformance.example", "https://conformance.example/3/events"),
        ("https://conformance.example/", "https://conformance.example/3/events"),
        ("http://127.0.0.1:8090", "http://127.0.0.1:8090/3/events"),
        ("https://x.example/pact/3/events/", "https://x.example/pact/3/events"),
    ],
)
def test_callback_url(source: str, url: str) -> None:
    assert callback_url(source) == url


@pytest.mark.parametrize(
    "source", ["buyer", "mailto:a@b", "https://x.example/?q=1", "//", "file:///etc/passwd"]
)
def test_callback_url_refuses(source: str) -> None:
    with pytest.raises(ValueError):
        callback_url(source)


def test_answers_choose_active_footprints_unless_a_status_is_named() -> None:
    from datetime import UTC, datetime

    active = {"id": "a", "status": "Active", "productIds": ["urn:p:1"], "pcf": {}}
    old = {"id": "d", "status": "Deprecated", "productIds": ["urn:p:1"], "pcf": {}}
    request = {"id": "r", "source": "//b/3/events", "data": {"productId": ["URN:P:1"]}}
    now = datetime(2026, 3, 1, tzinfo=UTC)
    a = answer_request(request, [active, old], event_id="e", source="//me/3/events", now=now)
    assert a.fulfilled and [p["id"] for p in a.event["data"]["pfs"]] == ["a"]
    assert a.event["time"] == "2026-03-01T00:00:00Z" and a.event["data"]["requestEventId"] == "r"
    both = {**request, "data": {"productId": ["urn:p:1"], "status": "deprecated"}}
    assert [
        p["id"]
        for p in answer_request(both, [active, old], event_id="e", source="s", now=now).event["data"]["pfs"]
    ] == ["d"]
    none = answer_request(
        {**request, "data": {"status": "Bogus"}}, [active], event_id="e", source="s", now=now
    )
    assert not none.fulfilled and none.type.endswith("RequestRejectedEvent.3")
    assert request_query({}).status == ("Active",)
    with pytest.raises(ValueError, match="timezone"):
        answer_request(request, [], event_id="e", source="s", now=datetime(2026, 1, 1))


def test_retry_policy() -> None:
    p = RetryPolicy(base=5, max_delay=3600)
    assert [p.delay(n) for n in (1, 2, 3, 10, 100)] == [5, 10, 20, 2560, 3600]
    with pytest.raises(ValueError):
        p.delay(0)
    with pytest.raises(ValueError):
        RetryPolicy(base=0)


def test_requesters_file(tmp_path: Path) -> None:
    f = tmp_path / "pact-requesters.json"
    f.write_text(
        json.dumps(
            {
                "requesters": {
                    BUYER: {
                        "sources": ["https://pact.buyer.example/"],
                        "auth": {
                            "token_url": "https://pact.buyer.example/auth/token",
                            "client_id": "c",
                            "client_secret": "s3cret-value",
                        },
                        "ca_file": "buyer-ca.pem",
                    }
                }
            }
        )
    )
    r = Requesters.from_file(f)
    assert r.destination(BUYER, "//pact.buyer.example/3/events") == "https://pact.buyer.example/3/events"
    assert r.by_actor[BUYER].ca_file == tmp_path / "buyer-ca.pem"
    assert "s3cret-value" not in repr(r.by_actor[BUYER])
    for bad, fragment in [
        ({}, "requesters"),
        ({"requesters": {"B": []}}, "must be an object"),
        ({"requesters": {"B": {"sources": []}}}, "sources"),
        ({"requesters": {"B": {"sources": ["ftp://x"]}}}, "not an http(s) URL"),
        ({"requesters": {"B": {"sources": ["https://x"], "auth": {"token_url": "u"}}}}, "client_id"),
    ]:
        with pytest.raises(RequestersError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
            Requesters.from_json(bad)
    f.write_text("{nope")
    with pytest.raises(RequestersError):
        Requesters.from_file(f)


def test_settings_read_the_requesters_file(tmp_path: Path) -> None:
    from api.settings import Settings

    home = tmp_path / "home"
    home.mkdir()
    (home / "pact-requesters.json").write_text(
        json.dumps({"requesters": {BUYER: {"sources": ["https://b.example"]}}})
    )
    settings = Settings.from_home(home, "sqlite:///" + str(tmp_path / "t.db"))
    assert settings.pact_requesters.destination(BUYER, "https://b.example") == "https://b.example/3/events"
