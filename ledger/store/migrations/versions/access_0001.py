"""Access grants: the projection of ``access.grant`` / ``access.revoke``.

Revision ID: access_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "access_0001"
down_revision = None
branch_labels = ("access",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "access_grants",
        sa.Column("grant_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("grantor", sa.String(128), nullable=False),
        sa.Column("grantee", sa.String(128), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("product_ids", sa.Text, nullable=False),
        sa.Column("revoked_seq", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_access_grants_grantor", "access_grants", ["grantor"])
    op.create_index("ix_access_grants_grantee", "access_grants", ["grantee"])


def downgrade() -> None:
    op.drop_table("access_grants")
