"""The Brightway project inside the Tanji data directory (the thin shell).

Fully offline: nothing is downloaded (no ``bw2io.bw2setup``, no remote
biosphere). On first use Tanji writes its own greenhouse-gas biosphere, the
"IPCC AR6 GWP100" method and the background database into a Brightway project
under ``<data_dir>/brightway``; later uses find them and only rewrite the
background when its version changed.

``BRIGHTWAY2_DIR`` is set before ``bw2data`` is first imported (it is imported
lazily, here only); when a process works with several data directories the
project manager is pointed at the new directory.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from lca.background import Background, load_background
from lca.errors import BrightwayError
from lca.gases import BIOSPHERE_DATABASE, GASES, GWP_SOURCE, METHOD, METHOD_NAME
from lca.library_output import brightway_output
from lca.system import BackgroundSystem, background_system

PROJECT = "tanji"
BACKGROUND_DATABASE = "tanji-background"
FOREGROUND_DATABASE = "tanji-foreground"
VERSION_KEY = "tanji_background_version"


def brightway_dir(data_dir: Path) -> Path:
    return data_dir / "brightway"


def open_project(data_dir: Path) -> ModuleType:
    """``bw2data`` with Tanji's project of ``data_dir`` current (created if needed)."""
    base = brightway_dir(data_dir).absolute()
    base.mkdir(parents=True, exist_ok=True)
    (base / "logs").mkdir(exist_ok=True)
    if "bw2data" not in sys.modules:
        os.environ["BRIGHTWAY2_DIR"] = str(base)
    # Brightway's feedback, bars and warnings go to its log file (lca.library_output);
    # its loggers bind their stream when bw2data is first imported, so import it here.
    try:
        with brightway_output(base):
            import bw2data as bd

            if Path(bd.projects._base_data_dir).absolute() != base:
                bd.projects.change_base_directories(base, base_logs_dir=base / "logs", project_name=PROJECT)
            if bd.projects.current != PROJECT:
                bd.projects.set_current(PROJECT)
    except Exception as e:  # bw2data raises many kinds; translate where they enter
        raise BrightwayError(f"cannot open Brightway project in {str(base)!r}: {e}") from e
    module: ModuleType = bd
    return module


@dataclass(frozen=True, slots=True)
class SetupReport:
    data_dir: Path
    created_biosphere: bool
    created_method: bool
    wrote_background: bool
    background_version: str
    seconds: float


def _write_biosphere(bd: ModuleType) -> None:
    db = bd.Database(BIOSPHERE_DATABASE)
    db.register(description="Tanji greenhouse-gas biosphere (offline, written by Tanji)")
    db.write(
        {
            (BIOSPHERE_DATABASE, g.code): {
                "name": g.name,
                "formula": g.formula,
                "categories": ("air",),
                "type": "emission",
                "unit": "kilogram",
                "tanji_origin": g.origin,
            }
            for g in GASES
        }
    )


def _write_method(bd: ModuleType) -> None:
    m = bd.Method(METHOD)
    m.register(unit="kg CO2e", description=f"{METHOD_NAME}: {GWP_SOURCE}", name=METHOD_NAME)
    m.write([((BIOSPHERE_DATABASE, g.code), g.gwp100) for g in GASES if g.in_total and g.gwp100])


def _write_background(bd: ModuleType, system: BackgroundSystem, version: str) -> None:
    bio: dict[str, list[tuple[str, float]]] = {}
    for ex in system.biosphere:
        bio.setdefault(ex.activity, []).append((ex.gas, ex.amount))
    data = {
        (BACKGROUND_DATABASE, a.code): {
            "name": a.name,
            "unit": a.unit,
            "location": "CN",
            "type": "process",
            "exchanges": [{"input": (BACKGROUND_DATABASE, a.code), "amount": 1.0, "type": "production"}]
            + [
                {"input": (BIOSPHERE_DATABASE, gas), "amount": amount, "type": "biosphere"}
                for gas, amount in bio.get(a.code, [])
            ],
        }
        for a in system.activities
    }
    db = bd.Database(BACKGROUND_DATABASE)
    db.register(description=f"Tanji background data {version}")
    db.write(data)
    bd.databases[BACKGROUND_DATABASE][VERSION_KEY] = version
    bd.databases.flush()


def setup_project(data_dir: Path, background: Background | None = None) -> SetupReport:
    """Create (or check) the offline project; idempotent and fast on later calls."""
    started = time.perf_counter()
    bg = background or load_background()
    with _setup_lock(data_dir):
        return _setup_locked(data_dir, bg, started)


@contextmanager
def _setup_lock(data_dir: Path) -> Iterator[None]:
    # Several service workers start at once; Brightway's SQLite project takes one writer.
    lock_dir = brightway_dir(data_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / ".setup.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _setup_locked(data_dir: Path, bg: Background, started: float) -> SetupReport:
    bd = open_project(data_dir)
    with brightway_output(brightway_dir(data_dir).absolute()):
        try:
            created_bio = BIOSPHERE_DATABASE not in bd.databases
            if created_bio:
                _write_biosphere(bd)
            created_method = METHOD not in bd.methods
            if created_method:
                _write_method(bd)
            current = (
                bd.databases[BACKGROUND_DATABASE].get(VERSION_KEY)
                if (BACKGROUND_DATABASE in bd.databases)
                else None
            )
            wrote = current != bg.version
            if wrote:
                # a foreground written against another background version may point at
                # factors that no longer exist; it is rebuilt on the next computation
                if FOREGROUND_DATABASE in bd.databases:
                    del bd.databases[FOREGROUND_DATABASE]
                _write_background(bd, background_system(bg), bg.version)
        except BrightwayError:
            raise
        except Exception as e:
            raise BrightwayError(f"Brightway set-up failed in {str(data_dir)!r}: {e}") from e
    return SetupReport(
        data_dir=data_dir,
        created_biosphere=created_bio,
        created_method=created_method,
        wrote_background=wrote,
        background_version=bg.version,
        seconds=time.perf_counter() - started,
    )
