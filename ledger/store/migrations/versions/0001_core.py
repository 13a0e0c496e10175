"""The log, Merkle nodes, checkpoints, ledger metadata, actors.

Revision ID: 0001_core
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = ("ledger",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("client_id", sa.String(200), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("signed_digest", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_ledger_entries_kind", "ledger_entries", ["kind"])
    op.create_index("ix_ledger_entries_actor_client", "ledger_entries", ["actor", "client_id"])
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "ledger_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "actors",
        sa.Column("actor_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("registered_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "actor_keys",
        sa.Column("actor_id", sa.String(128), primary_key=True),
        sa.Column("from_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("public_key", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in ("actor_keys", "actors", "ledger_meta", "checkpoints", "merkle_nodes", "ledger_entries"):
        op.drop_table(table)
