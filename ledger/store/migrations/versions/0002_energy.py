"""Energy records: parks, meters, reading batches, direct links, GEC, trades.

Revision ID: 0002_energy
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_energy"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parks",
        sa.Column("park_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("province", sa.String(64), nullable=True),
        sa.Column("admin", sa.String(128), nullable=True),
        sa.Column("registered_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "meters",
        sa.Column("meter_id", sa.String(128), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("park_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("technology", sa.String(16), nullable=True),
        sa.Column("parent_id", sa.String(128), nullable=True),
        sa.Column("gateway", sa.String(128), nullable=True),
        sa.Column("boundary", sa.Boolean, nullable=False),
        sa.Column("capacity_kw", sa.BigInteger, nullable=True),
        sa.Column("registered_seq", sa.BigInteger, nullable=False),
        sa.Column("retired_at", sa.BigInteger, nullable=True),
        sa.Column("retired_seq", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_meters_owner", "meters", ["owner"])
    op.create_table(
        "reading_batches",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("meter_id", sa.String(128), nullable=False),
        sa.Column("start_ts", sa.BigInteger, nullable=False),
        sa.Column("end_ts", sa.BigInteger, nullable=False),
        sa.Column("step_s", sa.Integer, nullable=False),
        sa.Column("total_wh", sa.BigInteger, nullable=False),
        sa.Column("wh_le64", sa.LargeBinary, nullable=False),
        sa.Column("superseded_by", sa.BigInteger, nullable=True),
        sa.Column("actor", sa.String(128), nullable=False),
    )
    op.create_index("ix_reading_batches_meter_start", "reading_batches", ["meter_id", "start_ts"])
    op.create_table(
        "direct_links",
        sa.Column("link_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("park_id", sa.String(128), nullable=False),
        sa.Column("generation_meters", sa.Text, nullable=False),
        sa.Column("consumer_meters", sa.Text, nullable=False),
        sa.Column("grid_meters", sa.Text, nullable=False),
        sa.Column("valid_from", sa.BigInteger, nullable=False),
        sa.Column("valid_to", sa.BigInteger, nullable=True),
        sa.Column("key", sa.String(16), nullable=False),
        sa.Column("shares", sa.Text, nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
    )
    op.create_table(
        "gec_ranges",
        sa.Column("first", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("last", sa.BigInteger, nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("issue_seq", sa.BigInteger, nullable=False),
        sa.Column("changed_seq", sa.BigInteger, nullable=False),
        sa.Column("via_trade", sa.String(128), nullable=True),
    )
    op.create_index("ix_gec_ranges_holder", "gec_ranges", ["holder"])
    op.create_table(
        "gec_issues",
        sa.Column("issue_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("first", sa.BigInteger, nullable=False),
        sa.Column("last", sa.BigInteger, nullable=False),
        sa.Column("issuer", sa.String(128), nullable=False),
        sa.Column("generator_meter", sa.String(128), nullable=False),
        sa.Column("technology", sa.String(16), nullable=False),
        sa.Column("vintage", sa.String(7), nullable=False),
        sa.Column("project", sa.String(200), nullable=True),
    )
    op.create_index("ix_gec_issues_vintage", "gec_issues", ["vintage"])
    op.create_table(
        "gec_retirements",
        sa.Column("retire_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("first", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("last", sa.BigInteger, nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("beneficiary", sa.String(200), nullable=False),
        sa.Column("consumer_meters", sa.Text, nullable=False),
        sa.Column("period_start", sa.BigInteger, nullable=False),
        sa.Column("period_end", sa.BigInteger, nullable=False),
        sa.Column("issue_seq", sa.BigInteger, nullable=False),
        sa.Column("via_trade", sa.String(128), nullable=True),
    )
    op.create_index("ix_gec_retirements_issue", "gec_retirements", ["issue_seq"])
    op.create_table(
        "trades",
        sa.Column("contract_id", sa.String(128), primary_key=True),
        sa.Column("seller", sa.String(128), nullable=False),
        sa.Column("buyer", sa.String(128), nullable=False),
        sa.Column("seller_meters", sa.Text, nullable=False),
        sa.Column("buyer_meters", sa.Text, nullable=False),
        sa.Column("first_month", sa.String(7), nullable=False),
        sa.Column("last_month", sa.String(7), nullable=False),
        sa.Column("contracted_wh", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "trade_settlements",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("contract_id", sa.String(128), nullable=False),
        sa.Column("seller", sa.String(128), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("wh", sa.BigInteger, nullable=False),
        sa.Column("gec_first", sa.BigInteger, nullable=True),
        sa.Column("gec_last", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_trade_settlements_contract_id", "trade_settlements", ["contract_id"])
    op.create_index("ix_trade_settlements_month", "trade_settlements", ["month"])


def downgrade() -> None:
    for table in (
        "trade_settlements",
        "trades",
        "gec_retirements",
        "gec_issues",
        "gec_ranges",
        "direct_links",
        "reading_batches",
        "meters",
        "parks",
    ):
        op.drop_table(table)
