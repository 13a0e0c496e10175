"""Public, read-only evidence for witnesses and monitors: the cosigned checkpoint, consistency proofs.

No token: these are hashes and signatures only, the same for everyone (which
is the point). ``/transparency/checkpoint`` is the stable URL of the newest
checkpoint that meets the service's witness policy (without a policy: the
newest checkpoint, with whatever cosignatures it has).
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse

from api.deps import LedgerDep, ServiceDep

router = APIRouter(prefix="/transparency", tags=["transparency"])
Size = Annotated[int, Query(ge=0, le=2**62)]


@router.get(
    "/checkpoint",
    response_class=PlainTextResponse,
    summary="Newest checkpoint with its witness cosignatures (C2SP signed note; public)",
)
async def checkpoint(service: ServiceDep) -> str:
    policy = service.settings.witness_policy
    if policy is None:
        return await run_in_threadpool(service.ledger.latest_checkpoint)
    return await run_in_threadpool(service.ledger.witnessed_checkpoint, policy)


@router.get(
    "/consistency",
    response_class=PlainTextResponse,
    summary="RFC 9162 consistency proof, one base64 hash a line (public)",
)
async def consistency(ledger: LedgerDep, old: Size, new: Size) -> str:
    proof = await run_in_threadpool(ledger.consistency_proof, old, new)
    return "".join(base64.b64encode(h).decode("ascii") + "\n" for h in proof.path)
