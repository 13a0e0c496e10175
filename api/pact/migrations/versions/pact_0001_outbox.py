"""The PACT outbox: answers to buyers' requests waiting to be sent, and every delivery attempt.

Service tables (not projections of the log), on their own branch ``pact``.

Revision ID: pact_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "pact_0001"
down_revision = None
branch_labels = ("pact",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "pact_outbox",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("requester", sa.String(128), nullable=False),
        sa.Column("request_id", sa.String(512), nullable=False),
        sa.Column("request_source", sa.String(2048), nullable=False),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("destination", sa.String(2048), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("next_attempt_ms", sa.BigInteger, nullable=False),
        sa.Column("lease_until_ms", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("finished_ms", sa.BigInteger, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.UniqueConstraint("requester", "request_source", "request_id", name="uq_pact_outbox_request"),
    )
    op.create_index("ix_pact_outbox_requester", "pact_outbox", ["requester"])
    op.create_index("ix_pact_outbox_status", "pact_outbox", ["status"])
    op.create_index("ix_pact_outbox_next_attempt_ms", "pact_outbox", ["next_attempt_ms"])
    op.create_table(
        "pact_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("outbox_id", sa.String(64), sa.ForeignKey("pact_outbox.id"), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at_ms", sa.BigInteger, nullable=False),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
    )
    op.create_index("ix_pact_deliveries_outbox_id", "pact_deliveries", ["outbox_id"])


def downgrade() -> None:
    op.drop_table("pact_deliveries")
    op.drop_table("pact_outbox")
