"""Parks keep their time zone and GEC vintage policy (issue 13).

Parks registered before carry the defaults: Asia/Shanghai and China's GEC
rules, as a ``park.register`` without those fields means.

Revision ID: 0003_park_time
Revises: 0002_energy
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_park_time"
down_revision = "0002_energy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("parks") as batch:
        batch.add_column(
            sa.Column("time_zone", sa.String(64), nullable=False, server_default="Asia/Shanghai")
        )
        batch.add_column(sa.Column("vintage_policy", sa.String(32), nullable=False, server_default="china"))


def downgrade() -> None:
    with op.batch_alter_table("parks") as batch:
        batch.drop_column("vintage_policy")
        batch.drop_column("time_zone")
