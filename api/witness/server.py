"""``tanji witness serve``: the C2SP ``tlog-witness`` ``add-checkpoint`` endpoint over a ``WitnessHome``.

HTTP statuses as the spec asks: 404 unknown origin, 403 no trusted signature,
400 malformed or old size above the checkpoint size, 409 with a
``text/x.tlog.size`` body when the old size is not the witness's (also for a
rollback, so the log learns what the witness holds), 409 for a fork at the same
size, 422 when the consistency proof does not verify, 200 with the cosignature
lines. Every refusal is also named by its ``code`` in an RFC 9457 body
(except the size bodies the spec prescribes), and changes no state.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from ledger.errors import CodedError, WitnessRefused
from ledger.log.witness import AddCheckpoint
from ledger.store.witness_home import WitnessHome

__all__ = ["MAX_REQUEST", "SIZE_MEDIA_TYPE", "create_witness_app", "status_for"]

log = logging.getLogger("tanji.witness")

SIZE_MEDIA_TYPE = "text/x.tlog.size"
MAX_REQUEST = 64 * 1024  # 63 proof lines and a checkpoint with 100 signatures fit many times over

_STATUS = {
    "witness.malformed": 400,
    "witness.unknown_origin": 404,
    "witness.untrusted": 403,
    "witness.old_size_too_large": 400,
    "witness.old_size_mismatch": 409,
    "witness.fork": 409,
    "witness.inconsistent": 422,
}


def status_for(error: WitnessRefused, request: AddCheckpoint | None) -> tuple[int, int | None]:
    """(HTTP status, latest size to send as a ``text/x.tlog.size`` body or None) for a refusal."""
    latest = error.details.get("latest_size")
    if error.code == "witness.rollback":
        size = error.details.get("size")
        if request is not None and isinstance(size, int) and request.old_size > size:
            return 400, None
        return 409, latest if isinstance(latest, int) else None
    if error.code == "witness.old_size_mismatch":
        return 409, latest if isinstance(latest, int) else None
    return _STATUS.get(error.code, 400), None


def _problem(status: int, error: CodedError) -> JSONResponse:
    body = {
        "type": f"https://tanji.dev/problems/{error.code}",
        "title": "Witness refused",
        "status": status,
        "code": error.code,
        "detail": error.message,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def create_witness_app(home: WitnessHome) -> FastAPI:
    """The witness service for ``home``."""
    app = FastAPI(
        title=f"Tanji witness {home.name}", version="0.1.0", docs_url=None, redoc_url=None, openapi_url=None
    )

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        raw = await request.body()
        parsed: AddCheckpoint | None = None
        try:
            if len(raw) > MAX_REQUEST:
                raise WitnessRefused(
                    f"request of {len(raw)} bytes, at most {MAX_REQUEST}", code="witness.malformed"
                )
            parsed = AddCheckpoint.from_text(raw)
            lines = await run_in_threadpool(home.add_checkpoint, parsed)
        except WitnessRefused as e:
            status, size = status_for(e, parsed)
            if size is not None:
                return PlainTextResponse(f"{size}\n", status_code=status, media_type=SIZE_MEDIA_TYPE)
            return _problem(status, e)
        except CodedError as e:  # the witness's own state or key is broken: say so, reveal nothing more
            log.error("witness cannot answer: %s", e)
            return _problem(500, e)
        return PlainTextResponse("".join(c.line() for c in lines), media_type="text/plain")

    @app.get("/vkey", response_class=PlainTextResponse)
    def vkey() -> str:
        """The witness's ``cosignature/v1`` verifier key."""
        return home.witness_key.vkey() + "\n"

    return app
