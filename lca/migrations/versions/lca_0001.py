"""Published footprints.

Revision ID: lca_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "lca_0001"
down_revision = None
branch_labels = ("lca",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "footprints",
        sa.Column("footprint_id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("actor", sa.String(128), nullable=False, index=True),
        sa.Column("product_id", sa.String(200), nullable=False, index=True),
        sa.Column("lot", sa.String(200), nullable=True),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("pcf_market", sa.Float, nullable=False),
        sa.Column("pcf_location", sa.Float, nullable=False),
        sa.Column("attribution_run_seq", sa.BigInteger, nullable=True),
        sa.Column("supersedes", sa.Text, nullable=False),
        sa.Column("superseded_by", sa.String(36), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("footprints")
