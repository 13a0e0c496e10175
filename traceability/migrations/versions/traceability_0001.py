"""Lots, holdings, lot inputs and shipments (the lot.* kinds' projection).

Revision ID: traceability_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "traceability_0001"
down_revision = None
branch_labels = ("traceability",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "trace_lots",
        sa.Column("lot_id", sa.String(256), primary_key=True),
        sa.Column("unit", sa.String(8), nullable=False),
        sa.Column("product", sa.String(256), nullable=True),
        sa.Column("owner", sa.String(128), nullable=False, index=True),
        sa.Column("supplier", sa.String(256), nullable=True),
        sa.Column("produced", sa.BigInteger, nullable=False),
        sa.Column("received", sa.BigInteger, nullable=False),
        sa.Column("shipped", sa.BigInteger, nullable=False),
        sa.Column("consumed", sa.BigInteger, nullable=False),
        sa.Column("first_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "trace_lot_holdings",
        sa.Column("lot_id", sa.String(256), primary_key=True),
        sa.Column("holder", sa.String(128), primary_key=True),
        sa.Column("produced", sa.BigInteger, nullable=False),
        sa.Column("received", sa.BigInteger, nullable=False),
        sa.Column("shipped", sa.BigInteger, nullable=False),
        sa.Column("consumed", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "trace_lot_inputs",
        sa.Column("lot_id", sa.String(256), primary_key=True),
        sa.Column("input_lot_id", sa.String(256), primary_key=True, index=True),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("first_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "trace_shipments",
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("lot_id", sa.String(256), nullable=False, index=True),
        sa.Column("shipper", sa.String(128), nullable=False),
        sa.Column("customer", sa.String(256), nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("unit", sa.String(8), nullable=False),
    )


def downgrade() -> None:
    for table in ("trace_shipments", "trace_lot_inputs", "trace_lot_holdings", "trace_lots"):
        op.drop_table(table)
