"""PostgreSQL: the large columns (entry bodies, packed readings) compressed with LZ4, not pglz.

A meter-month ``readings.batch`` body is about 25 kB and its packed values 24 kB;
PostgreSQL compresses values above 2 kB when it moves them to TOAST, with pglz by
default. Measured in ``bench/bench_readings.py`` (300 meters x 31 days, PostgreSQL 15):
pglz 223,000 values/s, no compression 519,000, LZ4 776,000. LZ4 applies to rows
written from now on; older rows stay as they are and read the same. SQLite: nothing.

Revision ID: scale_0001
"""

from __future__ import annotations

from alembic import op

revision = "scale_0001"
down_revision = None
branch_labels = ("scale",)
depends_on = "0002_energy"

_COLUMNS = (("ledger_entries", "body"), ("reading_batches", "wh_le64"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION pglz")
