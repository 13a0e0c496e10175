"""Attribution runs and their stored results (``ledger.attribution.store``).

A branch of its own so it never clashes with the ledger's main line.

Revision ID: attribution_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "attribution_0001"
down_revision = None
branch_labels = ("attribution",)
depends_on = "0002_energy"


def _wh(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, nullable=False)


def _key() -> list[sa.Column[object]]:
    return [
        sa.Column("run_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("month", sa.String(7), primary_key=True),
    ]


def upgrade() -> None:
    op.create_table(
        "attribution_runs",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("first_month", sa.String(7), nullable=False),
        sa.Column("last_month", sa.String(7), nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("log_end", sa.BigInteger, nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("on_missing", sa.String(8), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "attribution_months",
        *_key(),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("consumer_ids", sa.Text, nullable=False),
        sa.Column("generator_ids", sa.Text, nullable=False),
        sa.Column("requested", sa.Text, nullable=False),
    )
    op.create_table(
        "attribution_meters",
        *_key(),
        sa.Column("meter_id", sa.String(128), primary_key=True),
        sa.Column("requested", sa.Boolean, nullable=False),
        *(
            _wh(c)
            for c in (
                "consumption_wh",
                "direct_wh",
                "claimable_direct_wh",
                "contracted_wh",
                "certificate_wh",
                "grid_wh",
                "hourly_matched_wh",
                "unused_certificate_wh",
                "gap_hours",
            )
        ),
        sa.Column("hourly_z", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_attribution_meters_meter", "attribution_meters", ["meter_id", "month"])
    op.create_table(
        "attribution_generators",
        *_key(),
        sa.Column("generator_id", sa.String(128), primary_key=True),
        sa.Column("technology", sa.String(16), nullable=False),
        *(_wh(c) for c in ("generation_wh", "direct_wh", "contracted_wh", "surplus_wh", "gap_hours")),
        sa.Column("hourly_z", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "attribution_sources",
        *_key(),
        sa.Column("meter_id", sa.String(128), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("technology", sa.String(16), primary_key=True),
        _wh("wh"),
    )
    op.create_table(
        "attribution_links",
        *_key(),
        sa.Column("link_id", sa.String(128), primary_key=True),
        sa.Column("hours", sa.Integer, nullable=False),
        *(
            _wh(c)
            for c in (
                "available_generation_wh",
                "self_consumed_wh",
                "grid_export_wh",
                "users_consumption_wh",
                "generation_gap_hours",
                "consumption_gap_hours",
            )
        ),
    )
    op.create_table(
        "attribution_certificates",
        *_key(),
        sa.Column("retirement_id", sa.String(300), primary_key=True),
        sa.Column("beneficiary", sa.String(200), nullable=False),
        sa.Column("generator_id", sa.String(128), nullable=False),
        sa.Column("technology", sa.String(16), nullable=False),
        sa.Column("bundled_with_trade", sa.String(128), nullable=True),
        *(_wh(c) for c in ("units", "claimed_direct_wh", "covered_wh", "unused_wh")),
    )
    op.create_table(
        "attribution_trades",
        *_key(),
        sa.Column("contract_id", sa.String(128), primary_key=True),
        *(_wh(c) for c in ("volume_wh", "delivered_wh", "unused_wh")),
    )


def downgrade() -> None:
    op.drop_index("ix_attribution_meters_meter", table_name="attribution_meters")
    for name in (
        "attribution_trades",
        "attribution_certificates",
        "attribution_links",
        "attribution_sources",
        "attribution_generators",
        "attribution_meters",
        "attribution_months",
        "attribution_runs",
    ):
        op.drop_table(name)
