"""The PACT outbox: follow-up events waiting to be POSTed, and a record of every attempt.

A buyer's ``RequestCreatedEvent`` is answered asynchronously (PACT v3): the
answer is built when the request is accepted and stored here, in the ledger's
database, in the same request that answers 200; a dispatcher
(``api.pact.delivery``) sends it later, with retries. The tables are the
service's own (``ServiceBase``, Alembic branch ``pact``), not projections of
the log: events are not ledger entries, so ``replay --check`` does not expect
to rebuild them.

- ``pact_outbox``: one row per answer; ``event`` is the exact JSON sent.
  ``(requester, request_source, request_id)`` is unique, so a buyer that
  re-sends its request (CloudEvents identify an event by source and id) gets
  one answer, not two.
- ``pact_deliveries``: one row per attempt (when, HTTP status or transport
  error, outcome).

Claiming is optimistic: a row is taken by an ``UPDATE … WHERE status =
'pending' AND lease_until <= now``, so several service processes can run
dispatchers on one database and a row is sent by one of them at a time. Times
are integer milliseconds since the epoch (portable between SQLite and
PostgreSQL, and comparable in SQL).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from api.auth.clients import ServiceBase
from ledger import Database, StorageError

__all__ = [
    "MIGRATIONS",
    "Attempt",
    "OutboxItem",
    "claim_due",
    "enqueue",
    "get_item",
    "list_items",
    "next_due",
    "record_attempt",
]

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"

Status = Literal["pending", "delivered", "failed", "abandoned"]
Outcome = Literal["delivered", "retry", "failed", "abandoned"]


class OutboxRow(ServiceBase):
    """A follow-up event to deliver."""

    __tablename__ = "pact_outbox"
    __table_args__ = (
        UniqueConstraint("requester", "request_source", "request_id", name="uq_pact_outbox_request"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    requester: Mapped[str] = mapped_column(String(128), index=True)
    request_id: Mapped[str] = mapped_column(String(512))
    request_source: Mapped[str] = mapped_column(String(2048))
    request: Mapped[str] = mapped_column(Text)
    destination: Mapped[str] = mapped_column(String(2048))
    event_type: Mapped[str] = mapped_column(String(128))
    event: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    next_attempt_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    lease_until_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    finished_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class DeliveryRow(ServiceBase):
    """One attempt to deliver an outbox row."""

    __tablename__ = "pact_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outbox_id: Mapped[str] = mapped_column(ForeignKey("pact_outbox.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at_ms: Mapped[int] = mapped_column(BigInteger)
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))


@dataclass(frozen=True)
class Attempt:
    """One recorded delivery attempt."""

    attempt: int
    at_ms: int
    http_status: int | None
    error: str | None
    outcome: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "attempt": self.attempt,
            "atMs": self.at_ms,
            "httpStatus": self.http_status,
            "error": self.error,
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class OutboxItem:
    """An outbox row as the rest of the service sees it (never the ORM row)."""

    id: str
    requester: str
    request_id: str
    request_source: str
    destination: str
    event_type: str
    event: Mapping[str, Any]
    status: str
    attempts: int
    created_ms: int
    next_attempt_ms: int
    finished_ms: int | None
    last_error: str | None
    history: tuple[Attempt, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (the record of what was sent and how it went)."""
        return {
            "id": self.id,
            "requester": self.requester,
            "requestEventId": self.request_id,
            "requestSource": self.request_source,
            "destination": self.destination,
            "type": self.event_type,
            "status": self.status,
            "attempts": self.attempts,
            "createdMs": self.created_ms,
            "nextAttemptMs": self.next_attempt_ms,
            "finishedMs": self.finished_ms,
            "lastError": self.last_error,
            "event": dict(self.event),
            "history": [a.to_json() for a in self.history],
        }


def _item(row: OutboxRow, history: tuple[Attempt, ...] = ()) -> OutboxItem:
    return OutboxItem(
        row.id,
        row.requester,
        row.request_id,
        row.request_source,
        row.destination,
        row.event_type,
        json.loads(row.event),
        row.status,
        row.attempts,
        row.created_ms,
        row.next_attempt_ms,
        row.finished_ms,
        row.last_error,
        history,
    )


def enqueue(
    db: Database,
    *,
    requester: str,
    request: Mapping[str, Any],
    destination: str,
    event: Mapping[str, Any],
    now_ms: int,
) -> tuple[OutboxItem, bool]:
    """Store the answer ``event`` to ``request``; ``(item, True)`` if new, the earlier answer and False if
    the requester sent this request (same source and id) before."""
    row = OutboxRow(
        id=str(event["id"]),
        requester=requester,
        request_id=str(request["id"]),
        request_source=str(request["source"]),
        request=json.dumps(request, ensure_ascii=False, sort_keys=True),
        destination=destination,
        event_type=str(event["type"]),
        event=json.dumps(event, ensure_ascii=False, sort_keys=True),
        status="pending",
        attempts=0,
        created_ms=now_ms,
        next_attempt_ms=now_ms,
        lease_until_ms=0,
    )
    try:
        with db.write_session() as s:
            s.add(row)
        return _item(row), True
    except StorageError as e:  # the write session translates driver errors: is it the unique key?
        if not isinstance(e.__cause__, IntegrityError):
            raise
    with db.read_session() as s:
        earlier = s.scalars(
            select(OutboxRow).where(
                OutboxRow.requester == requester,
                OutboxRow.request_source == str(request["source"]),
                OutboxRow.request_id == str(request["id"]),
            )
        ).one()
        return _item(earlier), False


def claim_due(db: Database, *, now_ms: int, lease_ms: int, limit: int = 10) -> list[OutboxItem]:
    """Pending rows due by ``now_ms``, each leased to the caller for ``lease_ms``; oldest first."""
    with db.read_session() as s:
        ids = list(
            s.scalars(
                select(OutboxRow.id)
                .where(
                    OutboxRow.status == "pending",
                    OutboxRow.next_attempt_ms <= now_ms,
                    OutboxRow.lease_until_ms <= now_ms,
                )
                .order_by(OutboxRow.next_attempt_ms, OutboxRow.id)
                .limit(limit)
            )
        )
    claimed: list[OutboxItem] = []
    for outbox_id in ids:
        with db.write_session() as s:
            taken = s.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.id == outbox_id,
                    OutboxRow.status == "pending",
                    OutboxRow.lease_until_ms <= now_ms,
                )
                .values(lease_until_ms=now_ms + lease_ms)
            )
            if getattr(taken, "rowcount", 0) == 1:
                row = s.get(OutboxRow, outbox_id)
                if row is not None:
                    claimed.append(_item(row))
    return claimed


def record_attempt(
    db: Database,
    outbox_id: str,
    *,
    at_ms: int,
    outcome: Outcome,
    http_status: int | None = None,
    error: str | None = None,
    retry_at_ms: int | None = None,
) -> OutboxItem:
    """Record one attempt and move the row on: delivered, failed, abandoned, or pending until ``retry_at_ms``.

    Precondition: ``retry_at_ms`` is given exactly when ``outcome`` is ``retry``.
    """
    if (outcome == "retry") != (retry_at_ms is not None):
        raise ValueError(f"retry_at_ms {retry_at_ms} goes with outcome 'retry' only, not {outcome!r}")
    with db.write_session() as s:
        row = s.get(OutboxRow, outbox_id)
        if row is None:
            raise KeyError(f"no outbox item {outbox_id!r}")
        row.attempts += 1
        s.add(
            DeliveryRow(
                outbox_id=outbox_id,
                attempt=row.attempts,
                at_ms=at_ms,
                http_status=http_status,
                error=error,
                outcome=outcome,
            )
        )
        row.last_error = error
        row.lease_until_ms = 0
        if outcome == "retry":
            assert retry_at_ms is not None
            row.next_attempt_ms = retry_at_ms
        else:
            row.status = outcome
            row.finished_ms = at_ms
        return _item(row)


def _history(s: Any, outbox_id: str) -> tuple[Attempt, ...]:
    rows = s.scalars(
        select(DeliveryRow).where(DeliveryRow.outbox_id == outbox_id).order_by(DeliveryRow.attempt)
    )
    return tuple(Attempt(r.attempt, r.at_ms, r.http_status, r.error, r.outcome) for r in rows)


def get_item(db: Database, outbox_id: str) -> OutboxItem | None:
    """One outbox item with its attempts, or None."""
    with db.read_session() as s:
        row = s.get(OutboxRow, outbox_id)
        return None if row is None else _item(row, _history(s, outbox_id))


def list_items(db: Database, *, requester: str | None = None, limit: int = 100) -> list[OutboxItem]:
    """The newest outbox items (of ``requester`` when given), each with its attempts."""
    with db.read_session() as s:
        query = select(OutboxRow).order_by(OutboxRow.created_ms.desc(), OutboxRow.id).limit(limit)
        if requester is not None:
            query = query.where(OutboxRow.requester == requester)
        return [_item(r, _history(s, r.id)) for r in s.scalars(query)]


def next_due(db: Database) -> int | None:
    """The earliest ``next_attempt_ms`` of a pending row, or None when nothing is pending."""
    with db.read_session() as s:
        value = s.scalar(select(func.min(OutboxRow.next_attempt_ms)).where(OutboxRow.status == "pending"))
        return None if value is None else int(value)
