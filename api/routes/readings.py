"""Readings upload: a CSV or Parquet file, streamed to a temporary file, validated by the
same code as ``tanji readings import`` (``ledger.energy.readings_import``).

The service never holds an enterprise's private key, so it cannot sign the
``readings.batch`` entries itself: the upload validates the whole file
against the ledger (meters, ownership, gaps, overlaps, rounding) and answers
with the unsigned entries and the exact bytes to sign; the client signs them
and appends them with ``POST /entries/batch``. A rejected file is a 422
problem listing every problem with its file row, as the CLI reports them
(``readings.not_a_number``, ``readings.out_of_range``,
``readings.duplicate_column``, …); a file that cannot be read at all is a 422
``import.unreadable`` / ``import.encoding``. Every refusal is an RFC 9457
problem (``api/errors.py``), never a 500.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.deps import LedgerDep, ReadingsWriter, ServiceDep
from api.errors import ApiError, BadRequest
from ledger.energy.readings_import import ImportRejected, batch_payloads, plan_import, read_table
from ledger.log.entry import signed_bytes as entry_signed_bytes
from ledger.store.append import Ledger

router = APIRouter(prefix="/readings", tags=["readings"])
_CHUNK = 1 << 20
_SUFFIXES = (".csv", ".parquet", ".pq")


class UnsignedEntry(BaseModel):
    """An entry to sign: ``signed_bytes`` (base64) are the exact canonical bytes for Ed25519."""

    kind: str
    actor: str
    payload: dict[str, Any]
    signed_bytes: str


class UploadPublic(BaseModel):
    """Validation summary and the ``readings.batch`` entries to sign and submit."""

    meters: int
    batches: int
    values: int
    total_wh: int
    entries: list[UnsignedEntry]


def _plan(ledger: Ledger, path: Path, actor: str, unit: str | None, resolution: str | None) -> UploadPublic:
    table, offset = read_table(path)
    with ledger.db.read_session() as s:
        plan = plan_import(table, offset, s, actor, unit=unit, resolution=resolution)
    if plan.problem_count:
        raise ImportRejected(plan.problems, plan.problem_count)
    # the service holds no key of the actor: it answers the payloads and the exact bytes to sign
    entries = [
        UnsignedEntry(
            kind="readings.batch",
            actor=actor,
            payload=payload,
            signed_bytes=base64.b64encode(
                entry_signed_bytes("readings.batch", actor, payload, None)
            ).decode(),
        )
        for payload in batch_payloads(plan, path.name)
    ]
    return UploadPublic(
        meters=len(plan.series),
        batches=plan.batches,
        values=plan.values,
        total_wh=plan.total_wh,
        entries=entries,
    )


@router.post(
    "/upload",
    response_model=UploadPublic,
    summary="Validate a readings file (CSV or Parquet); returns the readings.batch entries to sign",
)
async def upload(
    who: ReadingsWriter,
    service: ServiceDep,
    ledger: LedgerDep,
    file: Annotated[UploadFile, File(description="CSV or Parquet, long or wide layout")],
    unit: Annotated[str | None, Form(pattern="^(wh|kwh|mwh)$")] = None,
    resolution: Annotated[str | None, Form(max_length=8)] = None,
) -> UploadPublic:
    name = Path(file.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in _SUFFIXES:
        raise ApiError(f"file {name!r}: use .csv or .parquet", status=415, code="import.media_type")
    limit = service.settings.max_upload_bytes
    with tempfile.TemporaryDirectory(prefix="tanji-upload-", dir=service.settings.upload_dir) as tmp:
        path = Path(tmp) / name
        size = 0
        with path.open("wb") as out:
            while chunk := await file.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ApiError(f"file larger than {limit} bytes", status=413, code="import.too_large")
                out.write(chunk)
        if size == 0:
            raise BadRequest(f"file {name!r} is empty", code="import.empty")
        return await run_in_threadpool(_plan, ledger, path, who.actor, unit, resolution)
