"""The registry of entry kinds.

Each kind has a pydantic payload schema, an optional rule check run inside the
append transaction, an optional preparation run before the writer lock is
taken (costly work whose result the check then only confirms), and an optional
projection step. Later packages add their
kinds by registering them here (see ``ledger.store.plugins`` for how they are found).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from ledger.errors import RuleViolation, SchemaViolation
from ledger.log.entry import Entry
from ledger.store.db import WriteSession, bulk_insert


@dataclass
class AppendContext:
    """What rules and projections see: the open transaction and where the entry lands.

    ``session`` is the append's own transaction; projections write through it,
    so a rejected batch leaves nothing behind. ``cache`` lets a kind keep
    per-batch state (e.g. loaded holdings) between entries of one batch.
    ``prepared`` is what the kind's ``prepare`` returned for this entry before
    the lock was taken (None: not prepared -- a dry run, a replay, or nothing
    to prepare -- and the check does the whole work itself).

    ``insert`` queues a projection row instead of ``session.add``-ing an ORM
    object (which costs about ten times as much per row in a big batch); the
    queue is written with one Core ``INSERT`` per table before the session runs
    any statement or flush, so every query still sees it (``watch``); what is
    still queued at the end goes with the entries' own rows (``insert_tables``).
    """

    session: Session
    seq: int
    recorded_at: datetime
    cache: dict[str, Any] = field(default_factory=dict)
    prepared: Any = None
    pending: dict[type[Any], list[dict[str, Any]]] = field(default_factory=dict)

    def insert(self, model: type[Any], **values: Any) -> None:
        """Queue one row of ``model``'s table (written in order of first use per table)."""
        self.pending.setdefault(model, []).append(values)

    def take_pending(self) -> list[tuple[type[Any], list[dict[str, Any]]]]:
        """The queued rows by table, in order of first use, leaving the queue empty (the caller writes
        them before anything else runs in the session)."""
        pending, self.pending = self.pending, {}
        return list(pending.items())

    def write_pending(self, *_: Any) -> None:
        """Write the queued rows now (each table's in one statement)."""
        if not self.pending:
            return
        pending, self.pending = self.pending, {}
        for model, rows in pending.items():
            bulk_insert(self.session, model, rows)

    def watch(self) -> None:
        """Write the queue before each statement or flush of ``session`` (a query must see the rows; an
        ORM object flushed later may reference them)."""
        self.session.info[_CONTEXT] = self
        if not isinstance(self.session, WriteSession):  # a WriteSession's class is hooked already
            event.listen(self.session, "do_orm_execute", self.write_pending)
            event.listen(self.session, "before_flush", self.write_pending)


_CONTEXT = "tanji.append_context"


def write_pending(session: Session) -> None:
    """Write the rows the append running in ``session`` has queued (for reads that bypass the ORM
    session, e.g. ``session.connection().execute``); nothing outside an append."""
    ctx = session.info.get(_CONTEXT)
    if isinstance(ctx, AppendContext):
        ctx.write_pending()


@event.listens_for(WriteSession, "do_orm_execute")
def _before_execute(state: ORMExecuteState) -> None:
    write_pending(state.session)


@event.listens_for(WriteSession, "before_flush")
def _before_flush(session: Session, *_: Any) -> None:
    write_pending(session)


Rule = Callable[[AppendContext, Entry, Any], None]
Preparer = Callable[[Session, str, Any], Any]
Projector = Callable[[AppendContext, Entry, Any], None]


@dataclass(frozen=True)
class EntryKind:
    """One kind of ledger entry.

    ``check`` raises ``RuleViolation`` (with a stable code) when the entry
    breaks a domain rule; ``apply`` updates projections. Both receive the
    validated payload model. ``roles``, when given, are the actor roles that
    may submit the kind.

    ``prepare(session, actor, payload)``, when given, runs in a read
    transaction *before* the append takes the writer lock, on the log as it
    stands without the batch; what it returns reaches ``check`` as
    ``ctx.prepared``. It is for costly re-computation from inputs that cannot
    change once written (earlier entries): under the lock ``check`` confirms
    cheaply that they are still the ones used. It returns None when it cannot
    prepare (an input is in the same batch); a ``LedgerError`` it raises is
    raised at the entry's turn in the batch, as ``check``'s would be.
    """

    name: str
    payload: type[BaseModel]
    check: Rule | None = None
    apply: Projector | None = None
    roles: frozenset[str] | None = None
    summary: str = ""
    prepare: Preparer | None = None

    def validate(self, payload: dict[str, Any]) -> BaseModel:
        """Validate a payload against the schema; ``SchemaViolation`` names every error."""
        try:
            return self.payload.model_validate(payload)
        except ValidationError as e:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(payload)'}: {err['msg']}" for err in e.errors()
            )
            raise SchemaViolation(
                f"{self.name} payload invalid: {problems}",
                code="schema.invalid",
                kind=self.name,
                errors=[{"loc": [str(p) for p in err["loc"]], "msg": err["msg"]} for err in e.errors()],
            ) from e


class KindRegistry:
    """Name → ``EntryKind``. Registering a name twice with a different kind is an error."""

    def __init__(self) -> None:
        self._kinds: dict[str, EntryKind] = {}

    def register(self, kind: EntryKind) -> EntryKind:
        """Add ``kind``; idempotent for the same object (modules may be re-imported)."""
        existing = self._kinds.get(kind.name)
        if existing is not None and existing is not kind and existing.payload is not kind.payload:
            raise ValueError(f"entry kind {kind.name!r} is registered already")
        self._kinds[kind.name] = kind
        return kind

    def get(self, name: str) -> EntryKind:
        """The kind called ``name``; ``RuleViolation`` (``kind.unknown``) if there is none."""
        try:
            return self._kinds[name]
        except KeyError:
            raise RuleViolation(
                f"unknown entry kind {name!r}; known kinds: {', '.join(sorted(self._kinds))}",
                code="kind.unknown",
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __iter__(self) -> Iterator[EntryKind]:
        return iter(sorted(self._kinds.values(), key=lambda k: k.name))

    def names(self) -> list[str]:
        """Registered kind names, sorted."""
        return sorted(self._kinds)


REGISTRY = KindRegistry()
