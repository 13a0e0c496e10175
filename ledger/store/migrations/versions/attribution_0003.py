"""Committed result rows of attribution runs (issue 14, ``ledger.attribution.row_store``).

One row per run, month and consumer meter: its canonical JSON and its leaf
index under the run's ``rows_root``.

Revision ID: attribution_0003
Revises: attribution_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "attribution_0003"
down_revision = "attribution_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attribution_rows",
        sa.Column("run_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("meter_id", sa.String(128), primary_key=True),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("attribution_rows")
