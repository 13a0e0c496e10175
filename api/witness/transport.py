"""The HTTP the witness client and monitors need: GET and POST of text, over ``urllib``.

Bad transport is kept apart from bad evidence (python-tuf): a refused or
unreachable request is a ``TransportError``; what comes back is checked by the
pure code and fails with its own errors.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from ledger.errors import CodedError

__all__ = ["HttpResponse", "Transport", "TransportError", "UrllibTransport"]

MAX_RESPONSE = 1 << 20


class TransportError(CodedError):
    """A request could not be made or answered (``transport.unreachable``, ``transport.status``)."""

    code = "transport.failed"


@dataclass(frozen=True)
class HttpResponse:
    """Status, media type (without parameters) and UTF-8 text of a response."""

    status: int
    content_type: str
    text: str


class Transport(Protocol):
    """What the client and the monitor call; tests pass one backed by a TestClient."""

    def get(self, url: str) -> HttpResponse:
        """GET ``url``."""
        ...

    def post(self, url: str, body: str, content_type: str = "text/plain") -> HttpResponse:
        """POST ``body`` (UTF-8) to ``url``."""
        ...


class UrllibTransport:
    """``Transport`` over the standard library, with a timeout and a response size cap."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def _send(self, request: urllib.request.Request) -> HttpResponse:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as r:  # noqa: S310 - URLs are configured
                return HttpResponse(
                    r.status, r.headers.get_content_type(), r.read(MAX_RESPONSE).decode("utf-8")
                )
        except urllib.error.HTTPError as e:
            body = e.read(MAX_RESPONSE).decode("utf-8", "replace")
            return HttpResponse(e.code, e.headers.get_content_type() if e.headers else "", body)
        except (urllib.error.URLError, OSError, ValueError, UnicodeDecodeError) as e:
            raise TransportError(
                f"{request.get_method()} {request.full_url} failed: {e}",
                code="transport.unreachable",
                url=request.full_url,
            ) from e

    def get(self, url: str) -> HttpResponse:
        """GET ``url``; HTTP errors come back as responses, network errors raise."""
        return self._send(urllib.request.Request(url, method="GET"))

    def post(self, url: str, body: str, content_type: str = "text/plain") -> HttpResponse:
        """POST ``body``; HTTP errors come back as responses, network errors raise."""
        return self._send(
            urllib.request.Request(
                url, data=body.encode("utf-8"), method="POST", headers={"Content-Type": content_type}
            )
        )
