"""Reference data shared beside the repository (``../shared/data``), read in place, never copied.

The UNTP schemas there are GPL-3.0 and the W3C test vectors carry their own
licence: tests read them from the shared directory and skip when it is absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
_ROOTS = (REPO_ROOT.parent / "shared" / "data", Path("../shared/data").resolve())


def shared_path(*parts: str) -> Path:
    """``shared/data/<parts>``; skips the test when it is not there."""
    for root in _ROOTS:
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    pytest.skip(f"shared reference data {'/'.join(parts)} not found under {' or '.join(map(str, _ROOTS))}")


def shared_json(*parts: str) -> Any:
    """The parsed JSON file ``shared/data/<parts>`` (skips when absent)."""
    return json.loads(shared_path(*parts).read_text(encoding="utf-8"))
