"""Alembic environment: uses the engine handed over by ``ledger.store.migrate``."""

from __future__ import annotations

from alembic import context

from ledger.store.tables import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
