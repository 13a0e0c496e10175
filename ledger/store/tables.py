"""SQLAlchemy 2 tables of the log itself.

``Base`` is shared by every projection table of every package, so that one
Alembic history and one ``replay --check`` cover them all. Rows never leave the
storage layer: ``ledger.store.append`` turns them into ``Entry`` values.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base for every Tanji table."""


class LedgerEntryRow(Base):
    """One log entry. ``body`` is the canonical JSON exactly as hashed."""

    __tablename__ = "ledger_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(128))
    client_id: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the signed part; unique, so a replayed signature cannot land twice.
    signed_digest: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_ledger_entries_actor_client", "actor", "client_id"),)


class MerkleNodeRow(Base):
    """Hash of a complete aligned subtree: leaves [idx·2^level, (idx+1)·2^level), level ≥ 1."""

    __tablename__ = "merkle_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class CheckpointRow(Base):
    """A signed checkpoint (C2SP tlog-checkpoint note) for one tree size."""

    __tablename__ = "checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)


class LedgerMetaRow(Base):
    """Ledger-wide settings: origin, operator id and verifier key, format version."""

    __tablename__ = "ledger_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


CORE_TABLES = frozenset({"ledger_entries", "merkle_nodes", "checkpoints", "ledger_meta", "alembic_version"})
