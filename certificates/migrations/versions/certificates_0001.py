"""Issued certificates and their revocations.

Revision ID: certificates_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "certificates_0001"
down_revision = None
branch_labels = ("certificates",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("certificate_id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("issuer", sa.String(128), nullable=False, index=True),
        sa.Column("footprint_id", sa.String(36), nullable=False, index=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger, nullable=False),
        sa.Column("statement_seq", sa.BigInteger, nullable=True),
        sa.Column("revoked_seq", sa.BigInteger, nullable=True),
        sa.Column("revoked_by", sa.String(128), nullable=True),
        sa.Column("revoke_reason", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("certificates")
