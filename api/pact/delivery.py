"""Sending the outbox: POST each follow-up event to its requester, retry with back-off, record every try.

``EventDispatcher`` runs in one background thread per service process (started
on the first request it must answer, or at start-up when rows are pending) and
never on a request's path. Per attempt:

- 2xx: ``delivered``;
- a transport error, 408, 425, 429 or 5xx: ``retry`` after
  ``base · 2^(attempt-1)`` seconds, at most ``max_delay``; a 401 also drops the
  cached access token first;
- any other 4xx: ``failed`` (the requester refused the event; sending it again
  would not change that);
- past ``abandon_after`` since the request (72 h, the spec's "SHOULD abandon
  sending the event after 72 hours"): ``abandoned``.

Tokens for requesters that ask for them come from their token endpoint by
OAuth2 client credentials (HTTP Basic) and are kept until shortly before they
expire. HTTP is the standard library's ``urllib``; a ``Sender`` seam lets tests
count calls without a network.
"""

from __future__ import annotations

import base64
import json
import logging
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from api.pact.outbox import OutboxItem, claim_due, next_due, record_attempt
from api.pact.requesters import Requester, RequesterAuth, Requesters
from ledger import Database

__all__ = ["EventDispatcher", "HttpSender", "RetryPolicy", "Sender", "SendFailed", "TokenCache"]

log = logging.getLogger("tanji.pact")
CLOUDEVENTS_JSON = "application/cloudevents+json; charset=UTF-8"
_MAX_BODY = 1 << 16
_RETRY_STATUSES = frozenset({408, 425, 429})


class SendFailed(Exception):
    """The request could not be made or answered (network, TLS, timeout, a token endpoint refusing)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off and limits of deliveries (seconds)."""

    base: float = 5.0
    max_delay: float = 3600.0
    abandon_after: float = 72 * 3600.0
    lease: float = 60.0
    timeout: float = 10.0
    poll: float = 30.0

    def __post_init__(self) -> None:
        if min(self.base, self.max_delay, self.abandon_after, self.lease, self.timeout, self.poll) <= 0:
            raise ValueError(f"every duration of {self} must be positive")

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if attempt < 1:
            raise ValueError(f"attempt {attempt} must be at least 1")
        return float(min(self.max_delay, self.base * 2.0 ** min(attempt - 1, 62)))


class Sender(Protocol):
    """POSTs bytes; returns ``(status, body text)``; raises ``SendFailed`` when there is no answer."""

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float, requester: Requester
    ) -> tuple[int, str]:
        """POST ``body`` to ``url``."""
        ...


class HttpSender:
    """``Sender`` over ``urllib``; trusts the system's CAs, or the requester's ``ca_file``."""

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float, requester: Requester
    ) -> tuple[int, str]:
        """POST ``body``; HTTP errors come back as statuses, network errors raise ``SendFailed``."""
        context = ssl.create_default_context(cafile=str(requester.ca_file) if requester.ca_file else None)
        request = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))
        try:
            # The URL is the requester's registered endpoint (api.pact.requesters), never an arbitrary one.
            with urllib.request.urlopen(request, timeout=timeout, context=context) as r:  # noqa: S310
                return int(r.status), r.read(_MAX_BODY).decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return int(e.code), e.read(_MAX_BODY).decode("utf-8", "replace")
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise SendFailed(f"POST {url}: {getattr(e, 'reason', e)}") from e


class TokenCache:
    """Access tokens per requester, fetched by client credentials and kept until 30 s before expiry."""

    def __init__(self, sender: Sender, clock: Callable[[], float] = time.time) -> None:
        self._sender = sender
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, requester: Requester, timeout: float) -> str | None:
        """A bearer token for ``requester`` (None when it asks for none); ``SendFailed`` if refused."""
        auth = requester.auth
        if auth is None:
            return None
        with self._lock:
            hit = self._tokens.get(requester.actor)
        if hit is not None and hit[1] > self._clock():
            return hit[0]
        token, lifetime = self._fetch(auth, requester, timeout)
        with self._lock:
            self._tokens[requester.actor] = (token, self._clock() + max(0.0, lifetime - 30.0))
        return token

    def drop(self, requester: Requester) -> None:
        """Forget ``requester``'s token (after a 401)."""
        with self._lock:
            self._tokens.pop(requester.actor, None)

    def _fetch(self, auth: RequesterAuth, requester: Requester, timeout: float) -> tuple[str, float]:
        form = {"grant_type": "client_credentials", **({"scope": auth.scope} if auth.scope else {})}
        basic = base64.b64encode(
            f"{urllib.parse.quote(auth.client_id)}:{urllib.parse.quote(auth.client_secret)}".encode()
        ).decode("ascii")
        status, text = self._sender.post(
            auth.token_url,
            urllib.parse.urlencode(form).encode("ascii"),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "Authorization": f"Basic {basic}",
            },
            timeout=timeout,
            requester=requester,
        )
        if status != 200:
            raise SendFailed(f"token endpoint {auth.token_url} answered {status}: {text[:200]}")
        try:
            doc = json.loads(text)
            token = str(doc["access_token"])
            lifetime = float(doc.get("expires_in") or 300)
        except (ValueError, KeyError, TypeError) as e:
            raise SendFailed(f"token endpoint {auth.token_url} sent no access_token: {text[:200]}") from e
        return token, lifetime


def _ms(seconds: float) -> int:
    return int(round(seconds * 1000))


class EventDispatcher:
    """Delivers due outbox rows; ``run_once`` is the whole algorithm, the thread only repeats it."""

    def __init__(
        self,
        db: Database,
        requesters: Requesters,
        policy: RetryPolicy | None = None,
        sender: Sender | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.requesters = requesters
        self.policy = policy or RetryPolicy()
        self.sender: Sender = sender or HttpSender()
        self.clock = clock
        self.tokens = TokenCache(self.sender, clock)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    # -- the algorithm ----------------------------------------------------------------------

    def run_once(self) -> list[OutboxItem]:
        """Try every due row once; returns the rows as they stand after the attempt."""
        now = self.clock()
        due = claim_due(self.db, now_ms=_ms(now), lease_ms=_ms(self.policy.lease))
        return [self.deliver(item) for item in due]

    def deliver(self, item: OutboxItem) -> OutboxItem:
        """One attempt at ``item`` (leased to this dispatcher), recorded."""
        now = self.clock()
        at = _ms(now)
        requester = self.requesters.by_actor.get(item.requester)
        if requester is None or not requester.allows(item.destination):
            reason = f"{item.destination} is no longer registered for {item.requester!r}"
            return record_attempt(self.db, item.id, at_ms=at, outcome="failed", error=reason)
        status: int | None = None
        try:
            token = self.tokens.get(requester, self.policy.timeout)
            headers = {
                "Content-Type": CLOUDEVENTS_JSON,
                **({"Authorization": f"Bearer {token}"} if token else {}),
            }
            body = json.dumps(item.event, ensure_ascii=False, sort_keys=True).encode("utf-8")
            status, text = self.sender.post(
                item.destination, body, headers, timeout=self.policy.timeout, requester=requester
            )
        except SendFailed as e:
            error: str | None = str(e)
        else:
            error = None if 200 <= status < 300 else f"HTTP {status}: {text[:300]}"
        if status is not None and 200 <= status < 300:
            log.info("PACT %s %s delivered to %s", item.event_type.split(".")[-2], item.id, item.destination)
            return record_attempt(self.db, item.id, at_ms=at, outcome="delivered", http_status=status)
        if status == 401:
            self.tokens.drop(requester)
        retriable = status is None or status == 401 or status in _RETRY_STATUSES or status >= 500
        if not retriable:
            log.warning("PACT event %s refused by %s: %s", item.id, item.destination, error)
            return record_attempt(
                self.db, item.id, at_ms=at, outcome="failed", http_status=status, error=error
            )
        retry_at = now + self.policy.delay(item.attempts + 1)
        if retry_at - item.created_ms / 1000 > self.policy.abandon_after:
            log.warning("PACT event %s abandoned after %d attempts: %s", item.id, item.attempts + 1, error)
            return record_attempt(
                self.db, item.id, at_ms=at, outcome="abandoned", http_status=status, error=error
            )
        return record_attempt(
            self.db,
            item.id,
            at_ms=at,
            outcome="retry",
            http_status=status,
            error=error,
            retry_at_ms=_ms(retry_at),
        )

    # -- the thread -------------------------------------------------------------------------

    def wake(self) -> None:
        """Deliver soon: starts the thread on first use, and interrupts its wait."""
        with self._start_lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._loop, name="tanji-pact-outbox", daemon=True)
                self._thread.start()
        self._wake.set()

    def start_if_pending(self) -> None:
        """Start the thread when rows wait from an earlier run of the service."""
        if next_due(self.db) is not None:
            self.wake()

    def _wait_seconds(self) -> float:
        due = next_due(self.db)
        if due is None:
            return self.policy.poll
        # A row leased by another process looks due: wait at least a second before looking again.
        return max(1.0, min(self.policy.poll, due / 1000 - self.clock()))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_once()
                wait = self._wait_seconds()
            except Exception:  # noqa: BLE001 - the thread must survive a database hiccup
                log.exception("PACT outbox dispatch failed; retrying")
                wait = self.policy.poll
            self._wake.wait(wait)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread (rows still pending are sent by the next start)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
