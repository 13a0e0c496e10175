"""A request-body size limit, as pure ASGI middleware (JSON bodies; uploads have their own).

A declared ``Content-Length`` over the limit is refused before the body is
read; an undeclared (chunked) body is read up to the limit, then replayed to
the app (JSON bodies are small; uploads are exempt and stream).
Either way the answer is a 413 problem and the route never runs.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY = 16 * 1024 * 1024


class BodyLimit:
    """Refuse bodies over ``max_bytes``, except under the ``exempt`` path prefixes."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY, exempt: tuple[str, ...] = ()) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes {max_bytes} must be positive")
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        if declared is not None or scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        # No declared length (chunked): read the body up to the limit first, then replay it.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        pact = str(scope.get("path", "")).startswith("/3/")
        body: dict[str, Any] = (
            {"code": "BadRequest", "message": f"request body over {self.max_bytes} bytes"}
            if pact
            else {
                "type": "https://tanji.dev/problems/request.too_large",
                "title": "Content too large",
                "status": 413,
                "code": "request.too_large",
                "detail": f"request body over {self.max_bytes} bytes",
            }
        )
        raw = json.dumps(body).encode()
        media = b"application/json" if pact else b"application/problem+json"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", media), (b"content-length", str(len(raw)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": raw})
