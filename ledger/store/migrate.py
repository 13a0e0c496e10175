"""Alembic migrations, run programmatically.

The ledger's migrations live in ``ledger/migrations/versions``; a package that
adds tables (``lca``, ``certificates``, …) ships its own versions folder as a
branch and names it in its plugin module's ``MIGRATIONS`` (see
``ledger.store.plugins``). ``upgrade`` applies every head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from ledger.store.plugins import migration_locations

SCRIPT_LOCATION = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine`` with every registered versions folder."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.set_main_option("version_locations", " ".join(str(p) for p in migration_locations()))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Apply all migrations up to every head."""
    command.upgrade(alembic_config(engine), "heads")
