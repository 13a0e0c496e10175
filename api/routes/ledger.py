"""The log's evidence: info, checkpoints, inclusion and consistency proofs, export, verify."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, StreamingResponse

from api.deps import LedgerDep, LedgerExporter, LedgerReader, LedgerVerifier
from api.schemas.ledger import (
    ConsistencyProofPublic,
    InclusionProofPublic,
    LedgerInfoPublic,
    VerifyReportPublic,
)
from ledger.store.append import Ledger

router = APIRouter(prefix="/ledger", tags=["ledger"])
Size = Annotated[int, Query(ge=0, le=2**62)]


@router.get(
    "/info", response_model=LedgerInfoPublic, summary="Origin, operator verifier key and size (public)"
)
def info(ledger: LedgerDep) -> LedgerInfoPublic:
    i = ledger.info()
    return LedgerInfoPublic(
        origin=i.origin, operator_id=i.operator_id, operator_key=i.operator_key, size=ledger.size()
    )


@router.get(
    "/checkpoint", response_class=PlainTextResponse, summary="Latest signed checkpoint (C2SP signed note)"
)
def latest_checkpoint(_who: LedgerReader, ledger: LedgerDep) -> str:
    return ledger.latest_checkpoint()


@router.get(
    "/checkpoints/{size}", response_class=PlainTextResponse, summary="The checkpoint of one tree size"
)
def checkpoint(size: Annotated[int, Path(ge=0, le=2**62)], _who: LedgerReader, ledger: LedgerDep) -> str:
    return ledger.checkpoint(size)


@router.get("/proofs/inclusion", response_model=InclusionProofPublic, summary="RFC 9162 inclusion proof")
def inclusion(
    _who: LedgerReader, ledger: LedgerDep, seq: Size, size: Size | None = None
) -> InclusionProofPublic:
    return InclusionProofPublic.model_validate(ledger.inclusion_proof(seq, size).to_json())


@router.get(
    "/proofs/consistency", response_model=ConsistencyProofPublic, summary="RFC 9162 consistency proof"
)
def consistency(
    _who: LedgerReader, ledger: LedgerDep, old: Size, new: Size | None = None
) -> ConsistencyProofPublic:
    return ConsistencyProofPublic.model_validate(ledger.consistency_proof(old, new).to_json())


def export_lines(ledger: Ledger) -> Iterator[bytes]:
    """``log.jsonl`` of ``tanji ledger export``, one stored row a line, read in chunks."""
    for row in ledger.stored_rows():
        line = {"seq": row.seq, "kind": row.kind, "body": row.body, "hash": row.hash}
        yield (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")


@router.get(
    "/export",
    summary="The whole log as JSON Lines (streamed; the format of `tanji ledger export`)",
    responses={200: {"content": {"application/jsonl": {}}}},
)
def export(_who: LedgerExporter, ledger: LedgerDep) -> StreamingResponse:
    return StreamingResponse(
        export_lines(ledger),
        media_type="application/jsonl",
        headers={"Content-Disposition": 'attachment; filename="log.jsonl"'},
    )


@router.post(
    "/verify", response_model=VerifyReportPublic, summary="Recompute every hash, link, signature, checkpoint"
)
async def verify(_who: LedgerVerifier, ledger: LedgerDep) -> VerifyReportPublic:
    report = await run_in_threadpool(ledger.verify)
    return VerifyReportPublic.model_validate(report.to_json())
