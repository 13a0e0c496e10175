"""Attribution results of method 2 (issue 13): the run's time zone, claimable
contracted energy (and its source kind ``claimable_contracted``, longer than
the 16 characters kinds had), contracted claims of retirements, and measured
650号 grid export (``NULL``: the link has no ``grid_export`` meter).

Revision ID: attribution_0002
Revises: attribution_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "attribution_0002"
down_revision = "attribution_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attribution_runs") as batch:
        batch.add_column(
            sa.Column("time_zone", sa.String(64), nullable=False, server_default="Asia/Shanghai")
        )
    with op.batch_alter_table("attribution_meters") as batch:
        batch.add_column(
            sa.Column("claimable_contracted_wh", sa.BigInteger, nullable=False, server_default="0")
        )
    with op.batch_alter_table("attribution_sources") as batch:
        batch.alter_column("kind", existing_type=sa.String(16), type_=sa.String(32), existing_nullable=False)
    with op.batch_alter_table("attribution_certificates") as batch:
        batch.add_column(
            sa.Column("claimed_contracted_wh", sa.BigInteger, nullable=False, server_default="0")
        )
    with op.batch_alter_table("attribution_links") as batch:
        batch.alter_column("grid_export_wh", existing_type=sa.BigInteger, nullable=True)
        batch.add_column(sa.Column("export_gap_hours", sa.BigInteger, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("attribution_links") as batch:
        batch.drop_column("export_gap_hours")
        batch.alter_column("grid_export_wh", existing_type=sa.BigInteger, nullable=False)
    with op.batch_alter_table("attribution_certificates") as batch:
        batch.drop_column("claimed_contracted_wh")
    with op.batch_alter_table("attribution_sources") as batch:
        batch.alter_column("kind", existing_type=sa.String(32), type_=sa.String(16), existing_nullable=False)
    with op.batch_alter_table("attribution_meters") as batch:
        batch.drop_column("claimable_contracted_wh")
    with op.batch_alter_table("attribution_runs") as batch:
        batch.drop_column("time_zone")
