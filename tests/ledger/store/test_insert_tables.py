"""``insert_tables``: several tables' rows in one transaction (one statement on PostgreSQL when small)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ledger.errors import StorageError
from ledger.store import db as db_module
from ledger.store.db import Database, insert_tables
from ledger.store.tables import CheckpointRow, LedgerMetaRow, MerkleNodeRow


@pytest.mark.parametrize("rows", [1, 3, 40])  # 40 x 3 tables: over the one-statement limit
def test_rows_of_every_table_land_once(db_url: str, rows: int) -> None:
    db = Database(db_url)
    db.migrate()
    with db.write_session() as s:
        insert_tables(
            s,
            [
                (LedgerMetaRow, [{"key": f"k{i}", "value": f"値 {i}"} for i in range(rows)]),
                (MerkleNodeRow, []),
                (MerkleNodeRow, [{"level": 1, "idx": i, "hash": bytes([i]) * 32} for i in range(rows)]),
                (
                    CheckpointRow,
                    [{"size": i + 1, "root_hash": "ab" * 32, "note": "n\n"} for i in range(rows)],
                ),
            ],
        )
    with db.read_session() as s:
        assert s.scalars(select(LedgerMetaRow.value).order_by(LedgerMetaRow.key)).all() == sorted(
            f"値 {i}" for i in range(rows)
        )
        assert s.scalars(select(MerkleNodeRow.hash).order_by(MerkleNodeRow.idx)).all() == [
            bytes([i]) * 32 for i in range(rows)
        ]
        assert s.scalars(select(CheckpointRow.size).order_by(CheckpointRow.size)).all() == list(
            range(1, rows + 1)
        )
    db.dispose()


def test_a_failing_part_writes_nothing(db_url: str) -> None:
    db = Database(db_url)
    db.migrate()
    with pytest.raises(StorageError), db.write_session() as s:
        insert_tables(
            s,
            [
                (LedgerMetaRow, [{"key": "k", "value": "v"}]),
                (
                    CheckpointRow,
                    [{"size": 1, "root_hash": "", "note": ""}, {"size": 1, "root_hash": "", "note": ""}],
                ),
            ],
        )
    with db.read_session() as s:
        assert s.scalars(select(LedgerMetaRow.key)).all() == []
    db.dispose()


def test_statements_are_kept_per_shape(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(db_url)
    db.migrate()
    monkeypatch.setattr(db_module, "_SHAPES", {})
    for i in range(3):
        with db.write_session() as s:
            insert_tables(
                s,
                [
                    (LedgerMetaRow, [{"key": f"s{i}", "value": "v"}]),
                    (CheckpointRow, [{"size": i, "root_hash": "", "note": ""}]),
                ],
            )
    assert len(db_module._SHAPES) == (1 if db.dialect == "postgresql" else 0)
    db.dispose()
