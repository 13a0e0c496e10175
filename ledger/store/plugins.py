"""Finding every package's entry kinds and migrations.

``ledger`` may not import the packages above it (DESIGN.md section 2), yet the
log must know every kind to check and replay it. Each package names its
plugin modules under the ``tanji.plugins`` entry-point group in
``pyproject.toml``; importing such a module registers its kinds in
``ledger.store.registry.REGISTRY``, and a module-level ``MIGRATIONS`` path adds an Alembic
versions folder.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

GROUP = "tanji.plugins"
# The ledger's own kinds are always loaded, installed entry points or not.
_BUILTIN = (
    "ledger.kinds.actors",
    "ledger.energy.parks",
    "ledger.energy.meters",
    "ledger.energy.readings",
    "ledger.energy.links",
    "ledger.energy.gec",
    "ledger.energy.trades",
    "ledger.kinds.access",
    "ledger.attribution.kind",
)

_loaded: dict[str, ModuleType] = {}


def load_plugins() -> list[ModuleType]:
    """Import every plugin module once; returns them in a stable order."""
    names = list(_BUILTIN) + sorted({ep.value for ep in entry_points(group=GROUP)} - set(_BUILTIN))
    for name in names:
        if name not in _loaded:
            _loaded[name] = importlib.import_module(name)
    return [_loaded[n] for n in names]


def migration_locations() -> list[Path]:
    """The ledger's versions folder plus every plugin's ``MIGRATIONS`` folder."""
    locations = [Path(__file__).parent / "migrations" / "versions"]
    for module in load_plugins():
        extra = getattr(module, "MIGRATIONS", None)
        if extra is not None and Path(extra) not in locations:
            locations.append(Path(extra))
    return locations
