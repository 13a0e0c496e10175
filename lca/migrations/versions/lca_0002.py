"""Product models on the ledger (issue 14, ``lca.model_kind``).

Revision ID: lca_0002
Revises: lca_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "lca_0002"
down_revision = "lca_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "footprint_models",
        sa.Column("actor", sa.String(128), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("product_id", sa.String(200), nullable=False, index=True),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("footprint_models")
