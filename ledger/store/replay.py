"""Projections are derived: rebuild them from the log and compare with the live ones.

``replay_check`` reads every entry in ``seq`` order, runs its kind's rule
check and projection step against a scratch database (SQLite in memory) that
holds empty copies of every table registered on ``ledger.store.tables.Base``, then
compares each projection table (every table that is not part of the log
itself) row by row, keyed by primary key, with the live database. It is
generic over the kind registry, so the projections of every package are
covered as soon as their plugin modules are loaded.

Signatures are not re-checked here (``Ledger.verify`` does that); the rules
are, so a log that breaks a rule of the current code shows up as a failure
at its ``seq``. The scratch database receives each entry's log row too
(before the next entry is checked), as an append writes it: rules that read
an earlier entry of the log (a footprint naming its ``attribution.run``, a
certificate naming a verifier's statement) find it there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Table, create_engine, insert, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from ledger.errors import LedgerError
from ledger.log.entry import Entry
from ledger.store.append import Ledger
from ledger.store.plugins import load_plugins
from ledger.store.registry import REGISTRY, AppendContext
from ledger.store.tables import CORE_TABLES, Base, LedgerEntryRow

_SAMPLE = 5


@dataclass(frozen=True)
class TableDiff:
    """How one projection table differs; keys are primary-key tuples rendered as text."""

    table: str
    live_rows: int
    replayed_rows: int
    only_live: list[str] = field(default_factory=list)
    only_replayed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    n_only_live: int = 0
    n_only_replayed: int = 0
    n_changed: int = 0

    @property
    def ok(self) -> bool:
        """No row differs."""
        return not (self.n_only_live or self.n_only_replayed or self.n_changed)


@dataclass(frozen=True)
class ReplayReport:
    """Outcome of ``replay_check``: ``ok`` when every table matches and every entry replayed."""

    ok: bool
    entries: int
    tables: tuple[TableDiff, ...]
    skipped: tuple[str, ...] = ()
    failed_seq: int | None = None
    failure: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``--json``)."""
        out = asdict(self)
        out["tables"] = [{**asdict(t), "ok": t.ok} for t in self.tables]
        return out


def projection_tables() -> list[Table]:
    """Every registered table that is not part of the log itself, by name."""
    load_plugins()
    return [t for name, t in sorted(Base.metadata.tables.items()) if name not in CORE_TABLES]


def scratch_engine() -> Engine:
    """An in-memory SQLite database with every table of ``Base`` (projections empty)."""
    load_plugins()
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine)
    return engine


def replay_entries(entries: Iterable[Entry], session: Session, *, chunk: int = 2000) -> int:
    """Check and project ``entries`` (in seq order) through ``session``; returns how many.

    One cache per ``chunk`` entries, as in an append batch; each entry's log
    row is written to ``session`` after its projection step. Raises the rule's
    ``LedgerError`` with ``details['seq']`` at the first entry that fails.
    """
    n = 0
    ctx = AppendContext(session=session, seq=0, recorded_at=datetime.now(UTC))
    ctx.watch()
    for entry in entries:
        if n % chunk == 0:
            ctx.cache = {}
            session.flush()
        kind = REGISTRY.get(entry.kind)
        ctx.seq, ctx.recorded_at, ctx.prepared = entry.seq, entry.recorded_datetime(), None
        try:
            model = kind.validate(entry.payload)
            if kind.check is not None:
                kind.check(ctx, entry, model)
            if kind.apply is not None:
                kind.apply(ctx, entry, model)
        except LedgerError as e:
            e.details.setdefault("seq", entry.seq)
            raise
        session.execute(
            insert(LedgerEntryRow),
            [
                {
                    "seq": entry.seq,
                    "kind": entry.kind,
                    "actor": entry.actor,
                    "client_id": entry.client_id,
                    "body": entry.body,
                    "hash": entry.hash,
                    "signed_digest": entry.submission().signed_digest(),
                }
            ],
        )
        n += 1
    ctx.write_pending()
    session.flush()
    return n


def _norm(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, float):
        return repr(value)
    return value


def _rows(session: Session, table: Table) -> Iterator[tuple[tuple[Any, ...], bytes]]:
    pk = [c.name for c in table.primary_key.columns] or [c.name for c in table.columns]
    cols = [c.name for c in table.columns]
    for row in session.execute(select(table).execution_options(yield_per=5000)).mappings():
        values = tuple(_norm(row[c]) for c in cols)
        digest = hashlib.sha256(repr(values).encode()).digest()
        yield tuple(_norm(row[c]) for c in pk), digest


def _compare(table: Table, live: Session, scratch: Session) -> TableDiff:
    replayed = dict(_rows(scratch, table))
    n_replayed = len(replayed)
    only_live: list[str] = []
    changed: list[str] = []
    n_live = n_only_live = n_changed = 0
    for key, digest in _rows(live, table):
        n_live += 1
        other = replayed.pop(key, None)
        if other is None:
            n_only_live += 1
            if len(only_live) < _SAMPLE:
                only_live.append(repr(key))
        elif other != digest:
            n_changed += 1
            if len(changed) < _SAMPLE:
                changed.append(repr(key))
    only_replayed = [repr(k) for k in sorted(replayed, key=repr)[:_SAMPLE]]
    return TableDiff(
        table.name,
        n_live,
        n_replayed,
        only_live,
        only_replayed,
        changed,
        n_only_live,
        len(replayed),
        n_changed,
    )


def replay_check(ledger: Ledger, *, chunk: int = 2000) -> ReplayReport:
    """Rebuild every projection from ``ledger``'s log in a scratch database and compare with the live tables.

    Precondition: the live database is migrated. Tables registered in code but
    absent from the live database are reported as ``skipped``.
    """
    engine = scratch_engine()
    tables = projection_tables()
    live_names = set(inspect(ledger.db.engine).get_table_names())
    skipped = tuple(t.name for t in tables if t.name not in live_names)
    try:
        with ledger.db.read_session() as live:
            end = ledger.size()
            with Session(engine) as scratch:
                try:
                    # committed like an append, so kinds that defer writes to commit time flush them
                    with scratch.begin():
                        count = replay_entries(ledger.entries(0, end), scratch, chunk=chunk)
                except LedgerError as e:
                    return ReplayReport(
                        False,
                        int(e.details.get("seq", -1)),
                        (),
                        skipped,
                        failed_seq=e.details.get("seq"),
                        failure=str(e),
                    )
                with scratch.begin():
                    diffs = tuple(_compare(t, live, scratch) for t in tables if t.name in live_names)
    finally:
        engine.dispose()
    return ReplayReport(all(d.ok for d in diffs), count, diffs, skipped)
