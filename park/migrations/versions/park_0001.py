"""Park energy and emissions records (``park.records``).

A branch of its own so it never clashes with the ledger's main line.

Revision ID: park_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "park_0001"
down_revision = None
branch_labels = ("park",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "park_records",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("park_id", sa.String(128), nullable=False),
        sa.Column("enterprise", sa.String(128), nullable=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("month", sa.Integer, nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("superseded_by", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_park_records_park_year", "park_records", ["park_id", "year"])


def downgrade() -> None:
    op.drop_index("ix_park_records_park_year", table_name="park_records")
    op.drop_table("park_records")
