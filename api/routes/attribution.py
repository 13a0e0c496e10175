"""Hourly green-power attribution: run and record it (as the operator), re-run a recorded one.

``POST /attribution/runs`` records an ``attribution.run`` signed by the
token's own actor, so it is open only to the ledger operator's clients: the
service holds the operator key and no other actor's. Enterprises, verifiers
and parks record their runs with ``tanji attribute`` (their key) and submit
them like any entry. ``GET /attribution/runs/{seq}/verify`` re-runs a recorded
attribution from the log and compares every month's hash (a verifier's check).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import EntriesWriter, LedgerDep, ServiceDep, TrailReader
from api.errors import Forbidden
from api.routes.entries import may_read_trail
from ledger.attribution.runner import run_attribution, run_payload, verify_run

router = APIRouter(prefix="/attribution", tags=["attribution"])


class RunCreate(BaseModel):
    """What to attribute: a period and exactly one scope."""

    model_config = ConfigDict(extra="forbid")

    period: str = Field(pattern=r"^\d{4}-\d{2}(\.\.\d{4}-\d{2})?$", examples=["2026-01..2026-03"])
    meters: list[str] | None = Field(default=None, min_length=1, max_length=10_000)
    park: str | None = Field(default=None, max_length=128)
    enterprise: str | None = Field(default=None, max_length=128)
    on_missing: Literal["raise", "gap"] = "raise"
    client_id: str | None = Field(default=None, min_length=1, max_length=200)


@router.post(
    "/runs", status_code=status.HTTP_201_CREATED, summary="Attribute a period and record the run (operator)"
)
async def create_run(
    body: RunCreate, who: EntriesWriter, service: ServiceDep, ledger: LedgerDep
) -> dict[str, Any]:
    operator = ledger.info().operator_id
    if who.actor != operator or service.settings.operator_key is None:
        raise Forbidden(
            "the service signs attribution runs only as the ledger operator; record yours with "
            "`tanji attribute` and submit the entry",
            code="auth.actor_mismatch",
        )
    key = service.settings.operator_key
    summary = await run_in_threadpool(
        run_attribution,
        ledger,
        operator,
        key,
        body.period,
        body.meters,
        park=body.park,
        enterprise=body.enterprise,
        on_missing=body.on_missing,
        client_id=body.client_id,
    )
    return summary.to_json()


@router.get("/runs/{seq}/verify", summary="Re-run a recorded attribution from the log and compare its hashes")
async def verify(
    seq: Annotated[int, Path(ge=0, le=2**62)], who: TrailReader, service: ServiceDep, ledger: LedgerDep
) -> dict[str, Any]:
    entry = ledger.entry(seq)
    run_payload(ledger, seq)  # NotFound unless it is an attribution.run
    if not may_read_trail(service, who, entry.actor):
        raise Forbidden(f"{who.actor!r} holds no grant to read entries of {entry.actor!r}")
    report = await run_in_threadpool(verify_run, ledger, seq)
    return report.to_json()
