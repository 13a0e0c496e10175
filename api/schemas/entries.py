"""Entry submissions in, placements and stored entries out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SubmissionCreate(BaseModel):
    """A signed entry as its actor submits it (see ``ledger.log.entry.Submission``)."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=64, examples=["meter.register"])
    actor: str = Field(min_length=1, max_length=128)
    payload: dict[str, Any]
    sig: str = Field(
        min_length=1, max_length=200, description="base64 Ed25519 signature of the canonical body"
    )
    client_id: str | None = Field(default=None, min_length=1, max_length=200)
    v: int = 1


class BatchCreate(BaseModel):
    """Up to 1000 submissions appended atomically: all land or none."""

    model_config = ConfigDict(extra="forbid")

    entries: list[SubmissionCreate] = Field(min_length=1, max_length=1000)


class AppendedPublic(BaseModel):
    """Where a submission landed; ``duplicate`` when a retry returned the original."""

    seq: int
    hash: str
    duplicate: bool


class BatchPublic(BaseModel):
    """Placements, in submission order."""

    appended: list[AppendedPublic]


class EntryPublic(BaseModel):
    """A stored entry: its canonical body exactly as hashed, and its leaf hash."""

    seq: int
    kind: str
    actor: str
    recorded_at: str
    payload: dict[str, Any]
    prev: str
    sig: str
    client_id: str | None
    hash: str
    body: str
