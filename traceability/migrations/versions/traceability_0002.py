"""Meter shares of lots with their periods (the over-allocation rule).

Revision ID: traceability_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "traceability_0002"
down_revision = "traceability_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trace_lot_meters",
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("meter_id", sa.String(256), primary_key=True, index=True),
        sa.Column("lot_id", sa.String(256), nullable=False),
        sa.Column("share", sa.String(64), nullable=False),
        sa.Column("start_us", sa.BigInteger, nullable=False),
        sa.Column("end_us", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("trace_lot_meters")
