"""Locate the shared public EPCIS 2.0 example documents (never copied into the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = (
    REPO_ROOT.parent / "shared" / "data" / "epcis-examples",  # /work/main -> /work/shared, CI ../shared
    Path("../shared/data/epcis-examples").resolve(),  # relative to the working directory (repo root)
)


def examples_dir() -> Path | None:
    for candidate in _CANDIDATES:
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def epcis_examples() -> Path:
    found = examples_dir()
    if found is None:
        pytest.skip(
            "EPCIS 2.0 examples not found at "
            + " or ".join(str(c) for c in _CANDIDATES)
            + " (shared/data/epcis-examples beside the repo checkout)"
        )
    return found
