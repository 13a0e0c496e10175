"""Database access: engines, the single-writer transaction, and migrations.

SQLite (embedded default, WAL) and PostgreSQL (psycopg 3) run the same code.
Exactly one writer extends the log at a time: on SQLite a write transaction
starts with ``BEGIN IMMEDIATE``; on PostgreSQL it takes a transaction-scoped
advisory lock. Readers never take the writer lock.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import psycopg
from sqlalchemy import (
    BindParameter,
    Connection,
    Engine,
    Table,
    TextClause,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from ledger.errors import StorageError

# Any constant works; it names "the Tanji log writer" among advisory locks.
_PG_WRITER_LOCK = 0x7A4E_6A69
DEFAULT_HOME = Path("~/.local/share/tanji")


_COPY_MIN = 100  # rows from which PostgreSQL's COPY beats a pipelined executemany
_COPY_MAX_BLOB = 1024  # bytes: a bigger binary value goes faster as a bound parameter


def bulk_insert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table in ``session``'s transaction.

    On PostgreSQL a large batch goes through ``COPY ... FROM STDIN`` (psycopg writes each row; one
    round trip instead of one per row, about 4x fewer client CPU-seconds for 10,000 entries); on
    SQLite through the sqlite3 connection's ``executemany``; else (rows a plain ``INSERT`` would not
    write as Core does) one Core ``executemany``.
    """
    if not rows:
        return
    table = cast(Table, model.__table__)
    connection = session.connection()
    first = rows[0].keys()
    columns = list(first)
    plain = _plain_rows(table, rows)  # COPY and the sqlite3 path skip Python-side defaults
    if (
        plain
        and connection.dialect.name == "postgresql"
        and len(rows) >= _COPY_MIN
        # text COPY writes bytea as hex, in Python: slower than binary parameters for big blobs (readings)
        and not any(isinstance(v, bytes) and len(v) > _COPY_MAX_BLOB for v in rows[0].values())
    ):
        quote = connection.dialect.identifier_preparer
        sql = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(c) for c in columns)}) FROM STDIN"
        driver = connection.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    if plain and connection.dialect.name == "sqlite":
        _sqlite_executemany(connection, table, tuple(columns), rows)
        return
    connection.execute(table.insert(), rows)


# The INSERT of each (table, columns) on SQLite and each column's bind processor (None: value as is).
_SQLITE_INSERTS: dict[tuple[Table, tuple[str, ...]], tuple[str, list[Callable[[Any], Any] | None]]] = {}


def _sqlite_executemany(
    connection: Connection, table: Table, columns: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    """``INSERT`` ``rows`` through the sqlite3 connection itself, in the transaction SQLAlchemy began on
    it. A single append's five statements spent more in SQLAlchemy's per-statement layer (compiling,
    caching, result set-up) than in SQLite; each value still goes through its column type's bind
    processor, as a Core insert's would. Driver errors are translated by ``Database._translate``."""
    plan = _SQLITE_INSERTS.get((table, columns))
    if plan is None:
        dialect = connection.dialect
        quote = dialect.identifier_preparer
        sql = (
            f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.quote(c) for c in columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        processors: list[Callable[[Any], Any] | None] = [
            table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns
        ]
        plan = _SQLITE_INSERTS.setdefault((table, columns), (sql, processors))
    sql, processors = plan
    if any(processors):
        params = [
            tuple(row[c] if p is None else p(row[c]) for c, p in zip(columns, processors, strict=True))
            for row in rows
        ]
    else:
        params = [tuple(row[c] for c in columns) for row in rows]
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.executemany(sql, params)


_ONE_STATEMENT_MAX = 50  # rows: up to this many, PostgreSQL gets the tables' inserts as one statement
_SHAPES: dict[tuple[tuple[str, tuple[str, ...], int], ...], TextClause] = {}  # the statement of each shape
_SHAPES_MAX = 512


def insert_tables(session: Session, batches: Sequence[tuple[type[Any], list[dict[str, Any]]]]) -> None:
    """Insert each ``(model, rows)`` batch (a batch's rows have the same keys) in ``session``'s
    transaction, in order.

    On PostgreSQL a small write (a single append's entry, projection rows, Merkle nodes and checkpoint)
    goes as one statement, each table's ``INSERT`` in a ``WITH`` clause of the last: one round trip
    instead of one per table. Its parts see the same snapshot, and constraints are checked as before
    (foreign keys at the end of the statement). Else ``bulk_insert`` per batch.
    """
    batches = [(model, rows) for model, rows in batches if rows]
    tables = [cast(Table, model.__table__) for model, _ in batches]
    if (
        session.connection().dialect.name != "postgresql"
        or len(batches) < 2
        or sum(len(rows) for _, rows in batches) > _ONE_STATEMENT_MAX
        or not all(_plain_rows(table, rows) for table, (_, rows) in zip(tables, batches, strict=True))
    ):
        for model, rows in batches:
            bulk_insert(session, model, rows)
        return
    shape = tuple((t.name, tuple(rows[0]), len(rows)) for t, (_, rows) in zip(tables, batches, strict=True))
    statement = _SHAPES.get(shape)
    if statement is None:
        statement = _one_statement(session.connection().dialect.identifier_preparer, tables, shape)
        if len(_SHAPES) < _SHAPES_MAX:
            _SHAPES[shape] = statement
    params = {
        f"t{t}r{r}c{c}": row[column]
        for t, (_, rows) in enumerate(batches)
        for r, row in enumerate(rows)
        for c, column in enumerate(shape[t][1])
    }
    session.connection().execute(statement, params)


def _plain_rows(table: Table, rows: list[dict[str, Any]]) -> bool:
    """Rows a plain ``INSERT`` of their keys writes as Core would: the same keys in every row, and no
    Python-side default for a column they leave out."""
    first = rows[0].keys()
    return all(r.keys() == first for r in rows) and all(
        c.name in first or c.default is None for c in table.columns
    )


def _one_statement(
    quote: Any, tables: list[Table], shape: tuple[tuple[str, tuple[str, ...], int], ...]
) -> TextClause:
    # ``quote``: the dialect's identifier preparer. Typed bind parameters, so each column's bind
    # processing is SQLAlchemy's as in a Core insert.
    parts: list[str] = []
    binds: list[BindParameter[Any]] = []
    for t, (table, (_name, columns, count)) in enumerate(zip(tables, shape, strict=True)):
        rows = []
        for r in range(count):
            names = [f"t{t}r{r}c{c}" for c in range(len(columns))]
            binds += [bindparam(n, type_=table.c[col].type) for n, col in zip(names, columns, strict=True)]
            rows.append(f"({', '.join(':' + n for n in names)})")
        parts.append(
            f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.quote(c) for c in columns)}) "
            f"VALUES {', '.join(rows)}"
        )
    ctes = ", ".join(f"tanji_w{i} AS ({part})" for i, part in enumerate(parts[:-1]))
    return text(f"WITH {ctes} {parts[-1]}").bindparams(*binds)


def tanji_home() -> Path:
    """The data directory: ``$TANJI_HOME`` or ``~/.local/share/tanji``."""
    return Path(os.environ.get("TANJI_HOME") or DEFAULT_HOME).expanduser()


def default_url(home: Path | None = None) -> str:
    """``$TANJI_DB`` or the embedded SQLite file under the data directory."""
    env = os.environ.get("TANJI_DB")
    if env:
        return env
    return sqlite_url((home or tanji_home()) / "tanji.db")


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path).expanduser().resolve()}"


class WriteSession(Session):
    """The session of a ``Database.write_session`` transaction: ``ledger.store.registry`` hooks the
    append queue to this class's events once, instead of to each session's (which costs more than a
    small append's statements)."""


# What the drivers raise themselves on the paths that bypass SQLAlchemy (COPY, sqlite3's executemany).
_DRIVER_ERRORS = (sqlite3.Error, psycopg.Error)


class Database:
    """An engine plus the two kinds of transaction Tanji uses."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.dialect = url.split(":", 1)[0].split("+", 1)[0]
        if self.dialect == "sqlite":
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                url, echo=echo, connect_args={"timeout": 120, "check_same_thread": False}
            )
            _configure_sqlite(self.engine)
        elif self.dialect == "postgresql":
            self.engine = create_engine(url, echo=echo, pool_pre_ping=True)
            _configure_postgresql(self.engine)
        else:
            raise StorageError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql+psycopg://")
        self._writer = self.engine.execution_options(tanji_write=True)

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A transaction that holds the single-writer lock; commits on success, rolls back on error."""
        with (
            self._translate(),
            WriteSession(self._writer, expire_on_commit=False) as session,
            session.begin(),
        ):
            if self.dialect == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITER_LOCK})
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A read transaction (no writer lock); rolled back at the end."""
        with self._translate(), Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session
            session.rollback()

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except (DBAPIError, SQLAlchemyError, *_DRIVER_ERRORS) as e:
            # the driver's own message, without the SQL statement SQLAlchemy appends (it stays chained)
            cause = e.orig if isinstance(e, DBAPIError) and e.orig is not None else e
            detail = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
            raise StorageError(f"database error on {self.dialect}: {type(cause).__name__}: {detail}") from e

    def migrate(self) -> None:
        """Bring the schema to the newest revision of every registered migration branch."""
        from ledger.store.migrate import upgrade

        with self._translate():
            upgrade(self.engine)

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # psycopg prepares a statement run five times; PostgreSQL then keeps a generic plan, made once
        # for any parameters and for the table's size at that moment. For the log's tables, which grow
        # from nothing, that plan goes stale: the replay lookup's generic plan scanned its 500 bound
        # digests linearly for every row (three 10,000-entry batches: 7,500 -> 1,500 -> 800/s). Each
        # execution is planned for its parameters and today's table; statements stay prepared (parsed
        # once). Set here, not in the URL's options, which a caller's own ``options`` would replace.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.commit()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so writers can say IMMEDIATE.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("tanji_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
