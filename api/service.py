"""The running service's parts, built once per app: ledger, tokens, footprint catalog."""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates

from api.auth.tokens import Principal, TokenService
from api.errors import BadRequest
from api.pact.delivery import EventDispatcher
from api.pact.footprints import (
    DEFAULT_SCHEMA_BASE,
    Footprint,
    FootprintRecord,
    SourceResult,
    assemble,
)
from api.pact.outbox import OutboxItem, enqueue
from api.pact.requests import answer_request
from api.pact.source import ledger_records, ledger_version
from api.settings import Settings
from api.views.certificate_lookup import ledger_certificate_lookup
from api.witness.client import CosignCollector
from ledger.kinds.access import Grant, grants_to
from ledger.store.append import Ledger
from ledger.store.db import Database

TEMPLATES = Path(__file__).parent / "templates"


class FootprintCatalog:
    """Assembled ProductFootprints, rebuilt only when the source's version changes."""

    def __init__(
        self,
        source: Callable[[], Iterable[FootprintRecord] | SourceResult],
        version: Callable[[], object],
        origin: Callable[[], str],
        schema_base: str = DEFAULT_SCHEMA_BASE,
        max_age: float = 0.0,
    ) -> None:
        self._source = source
        self._max_age = max_age
        self._checked = 0.0
        self._version = version
        self._origin = origin
        self._schema_base = schema_base
        self._lock = threading.Lock()
        self._cached: tuple[object, list[Footprint], dict[str, Footprint]] | None = None
        self.skipped = 0  # footprints the source could not provide at the last rebuild

    def snapshot(self) -> tuple[list[Footprint], dict[str, Footprint]]:
        """All footprints in seq order and by id; the source's version is looked at most every
        ``max_age`` s."""
        cached = self._cached
        now = time.monotonic()
        if cached is not None and now - self._checked < self._max_age:
            return cached[1], cached[2]
        version = self._version()
        self._checked = now
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
        with self._lock:
            got = self._source()
            result = got if isinstance(got, SourceResult) else SourceResult(list(got))
            self.skipped = result.skipped
            footprints = assemble(result.records, origin=self._origin(), schema_base=self._schema_base)
            by_id = {f.id: f for f in footprints}
            self._cached = (version, footprints, by_id)
        return footprints, by_id


def ttl_cached(fn: Callable[[str], Any], seconds: float, size: int = 4096) -> Callable[[str], Any]:
    """``fn`` with its answers kept ``seconds`` (0: no cache); the cache is cleared when full."""
    if seconds <= 0:
        return fn
    kept: dict[str, tuple[float, Any]] = {}

    def cached(key: str) -> Any:
        now = time.monotonic()
        hit = kept.get(key)
        if hit is not None and now - hit[0] < seconds:
            return hit[1]
        value = fn(key)
        if len(kept) >= size:
            kept.clear()
        kept[key] = (now, value)
        return value

    return cached


@dataclass
class Service:
    """Everything a route needs, built by ``api.app.create_app``."""

    settings: Settings
    db: Database
    ledger: Ledger
    tokens: TokenService
    catalog: FootprintCatalog
    templates: Jinja2Templates
    dispatcher: EventDispatcher
    events: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=1000))
    collector: CosignCollector | None = None
    _grants: dict[str, tuple[float, list[Grant]]] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings) -> Service:
        db = Database(settings.db_url)
        ledger = Ledger(db, settings.operator_key)
        source = settings.footprints or (lambda: ledger_records(ledger))
        version = settings.footprints_version or (lambda: ledger_version(ledger))
        schema_base = str(settings.extra.get("schema_base", DEFAULT_SCHEMA_BASE))
        catalog = FootprintCatalog(
            source, version, lambda: ledger.info().origin, schema_base, settings.read_cache_seconds
        )
        tokens = TokenService(settings.service_key, settings.issuer, settings.token_ttl_seconds)
        if settings.certificates is None:
            lookup = ledger_certificate_lookup(ledger, settings.certificate_documents)
            settings = replace(settings, certificates=ttl_cached(lookup, settings.read_cache_seconds))
        templates = Jinja2Templates(directory=str(TEMPLATES))
        collector = None
        policy = settings.witness_policy
        if policy is not None and policy.urls() and settings.operator_key is not None:
            collector = CosignCollector(ledger, policy)
            ledger.add_append_listener(collector.notify)
        dispatcher = EventDispatcher(db, settings.pact_requesters, settings.pact_retry, settings.pact_sender)
        return cls(settings, db, ledger, tokens, catalog, templates, dispatcher, collector=collector)

    def grants(self, grantee: str) -> list[Grant]:
        """Grants in force to ``grantee``, cached for ``settings.access_cache_seconds``.

        A grant or revocation appended by any process takes effect within that time.
        """
        ttl = self.settings.access_cache_seconds
        now = time.monotonic()
        hit = self._grants.get(grantee)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
        with self.db.read_session() as s:
            found = grants_to(s, grantee)
        if ttl > 0:
            if len(self._grants) > 10_000:
                self._grants.clear()
            self._grants[grantee] = (now, found)
        return found

    def visible_footprints(self, who: Principal) -> list[Footprint]:
        """The footprints ``who`` may see: its own, its grantors' (trail), those shared with it."""
        footprints, _ = self.catalog.snapshot()
        grants = self.grants(who.actor)
        trail = {g.grantor for g in grants if g.scope == "trail"}
        shares = [g for g in grants if g.scope == "footprints"]
        return [
            f
            for f in footprints
            if f.owner == who.actor
            or f.owner in trail
            or any(g.grantor == f.owner and g.covers(list(f.product_ids)) for g in shares)
        ]

    def may_see_footprint(self, who: Principal, footprint: Footprint) -> bool:
        """True when ``who`` may read ``footprint``."""
        if footprint.owner == who.actor:
            return True
        grants = self.grants(who.actor)
        return any(
            g.grantor == footprint.owner and (g.scope == "trail" or g.covers(list(footprint.product_ids)))
            for g in grants
        )

    def accept_request(self, who: Principal, event: dict[str, Any], answer_source: str) -> OutboxItem:
        """Answer ``who``'s checked ``RequestCreatedEvent``: build the follow-up event now, store it in
        the outbox and wake the dispatcher (PACT: the answer is sent asynchronously).

        ``BadRequest`` when no endpoint of ``who`` may receive the answer (nothing is stored). A request
        sent again (same source and id) keeps its first answer.
        """
        try:
            destination = self.settings.pact_requesters.destination(who.actor, str(event["source"]))
        except ValueError as e:
            raise BadRequest(f"cannot answer this request: {e}", code="pact.callback_unregistered") from None
        now = datetime.now(UTC)
        answer = answer_request(
            event,
            [f.body for f in self.visible_footprints(who)],
            event_id=str(uuid.uuid4()),
            source=answer_source,
            now=now,
        )
        item, _new = enqueue(
            self.db,
            requester=who.actor,
            request=event,
            destination=destination,
            event=answer.event,
            now_ms=int(now.timestamp() * 1000),
        )
        self.dispatcher.wake()
        return item
