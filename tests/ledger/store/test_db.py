"""``ledger.store.db``: how PostgreSQL plans what it runs again and again; SQLite rows written directly."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    select,
    text,
)

from ledger.errors import StorageError
from ledger.log.entry import Submission
from ledger.log.keys import generate_key, public_key_b64
from ledger.store.append import Ledger
from ledger.store.db import Database, bulk_insert, sqlite_url
from ledger.store.tables import LedgerMetaRow

_PLANS = "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) FROM pg_prepared_statements"


@pytest.mark.postgres
def test_postgresql_statements_are_prepared_but_planned_per_execution(pg_url: str) -> None:
    """psycopg prepares a statement from its fifth run; a generic plan made then, for a log of a few
    rows, went stale as the log grew (the replay lookup scanned its bound digests linearly: three
    10,000-entry batches ran at 7,500, 1,500 and 800 entries/s). The append's statements are prepared
    (parsed once) and planned for each execution: never a generic plan."""
    operator = generate_key()
    ledger = Ledger.create(Database(pg_url), operator, origin="plans.tanji.test/log")
    key = public_key_b64(generate_key().public_key())
    for i in range(8):  # single appends run the same statements again and again
        payload = {"id": f"B-{i}", "name": f"Buyer {i}", "role": "buyer", "public_key": key}
        ledger.append([Submission.create("actor.register", "operator", payload, operator)])
    with ledger.db.read_session() as s:  # the pool's one connection, which ran the appends
        mode = s.execute(text("SHOW plan_cache_mode")).scalar()
        generic, custom = s.execute(text(_PLANS)).one()
    ledger.db.dispose()
    assert mode == "force_custom_plan"
    assert generic == 0 and custom > 0


def _columns() -> list[Column[Any]]:
    return [
        Column("n", Integer, primary_key=True),
        Column("flag", Boolean),
        Column("at", DateTime),
        Column("amount", Numeric(12, 3)),
        Column("blob", LargeBinary),
        Column("text", String),
    ]


def test_sqlite_rows_are_stored_as_a_core_insert_stores_them(tmp_path: Path) -> None:
    """``bulk_insert`` writes through the sqlite3 connection itself on SQLite; each value still goes
    through its column type's bind processor (booleans, timestamps, decimals, blobs), so the stored
    values are byte for byte what SQLAlchemy's own INSERT stores."""
    db = Database(sqlite_url(tmp_path / "t.db"))
    metadata = MetaData()
    raw, core = Table("via_driver", metadata, *_columns()), Table("via_core", metadata, *_columns())
    metadata.create_all(db.engine)
    rows: list[dict[str, Any]] = [
        {
            "n": 1,
            "flag": True,
            "at": datetime(2026, 3, 1, 8, 30, 0, 5),
            "amount": Decimal("1.5"),
            "blob": b"\x00\xff",
            "text": "绿电",
        },
        {"text": None, "blob": None, "amount": None, "at": None, "flag": False, "n": 2},  # other key order
    ]

    class ViaDriver:
        __table__ = raw

    with db.write_session() as s:
        bulk_insert(s, ViaDriver, rows)
        s.connection().execute(core.insert(), rows)
    with db.read_session() as s:
        driver = s.connection().connection.driver_connection
        assert driver is not None
        stored = [
            driver.execute(f"SELECT * FROM {t} ORDER BY n").fetchall() for t in ("via_driver", "via_core")
        ]
    db.dispose()
    assert stored[0] == stored[1] and len(stored[0]) == 2


def test_a_driver_error_on_a_direct_path_is_a_storage_error(db_url: str) -> None:
    """Rows written past SQLAlchemy (sqlite3's ``executemany``; PostgreSQL's ``COPY`` from 100 rows)
    raise the driver's own errors: the write session names them as ``StorageError`` and rolls back."""
    db = Database(db_url)
    db.migrate()
    rows = [{"key": f"k{i}", "value": "v"} for i in range(150)] + [{"key": "k0", "value": "again"}]
    with pytest.raises(StorageError, match="database error on"), db.write_session() as s:
        bulk_insert(s, LedgerMetaRow, rows)
    with db.read_session() as s:
        assert s.scalars(select(LedgerMetaRow.key)).all() == []
    db.dispose()
