"""One named verification check (``Check``): shared by every verifier of the package."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Check"]


@dataclass(frozen=True)
class Check:
    """One verification check: its stable name, whether it passed, and why not."""

    name: str
    ok: bool
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}
