"""Supplier footprints on lots (``lot.footprint`` and footprint references of ``lot.receive``).

Revision ID: traceability_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "traceability_0003"
down_revision = "traceability_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trace_lot_footprints",
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("lot_id", sa.String(256), nullable=False, index=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("supplier", sa.String(256), nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(512), nullable=True),
        sa.Column("source_event", sa.Text, nullable=True),
        sa.Column("declared", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("trace_lot_footprints")
