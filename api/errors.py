"""The one place where exceptions become HTTP responses.

Every package's exception root maps here, by class, to an RFC 9457 problem
details body (``application/problem+json`` with ``type``, ``title``,
``status``, ``detail``, ``code`` and the error's diagnostics). An unknown
exception that carries a dotted ``code`` is a 400 with that code; anything
else is a 500 that reveals nothing. Routes under ``/3/`` answer in the PACT
error format instead: ``{"code": "BadRequest", "message": …}``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger import errors as le

log = logging.getLogger("tanji.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://tanji.dev/problems/"


class ApiError(Exception):
    """An error of the service itself (authentication, authorisation, request shape)."""

    status = 400
    code = "api.bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.details = details

    def diagnostics(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {"code": self.code, "message": self.message, **self.details}


class Unauthenticated(ApiError):
    """No token, or a token that does not verify (401)."""

    status = 401
    code = "auth.invalid_token"


class TokenExpired(Unauthenticated):
    """The token verified but has expired (401)."""

    code = "auth.token_expired"


class Forbidden(ApiError):
    """Authenticated, but not allowed (403). Nothing was written."""

    status = 403
    code = "auth.forbidden"


class ResourceNotFound(ApiError):
    """The service has no such resource (404)."""

    status = 404
    code = "api.not_found"


class BadRequest(ApiError):
    """The request is malformed (400)."""

    status = 400
    code = "api.bad_request"


# (exception class, HTTP status, title), most specific first.
_STATUS: list[tuple[type[Exception], int, str]] = [
    (le.SignatureInvalid, 422, "Signature invalid"),
    (le.SchemaViolation, 422, "Schema violation"),
    (le.RuleViolation, 422, "Rule violated"),
    (le.BadEntry, 422, "Entry rejected"),
    (le.Conflict, 409, "Conflict"),
    (le.NotFound, 404, "Not found"),
    (le.IntegrityFailure, 409, "Integrity failure"),
    (le.KeyFileError, 500, "Service key unavailable"),
    (le.StorageError, 503, "Storage unavailable"),
    (le.LedgerError, 400, "Ledger error"),
]


def _register_optional() -> None:
    """Map the roots of the packages above the ledger that exist in this checkout."""
    try:
        from lca import errors as lca_errors
    except ImportError:  # pragma: no cover - lca not installed
        pass
    else:
        _STATUS.extend(
            [
                (lca_errors.MissingAttribution, 409, "Attribution missing"),
                (lca_errors.BrightwayError, 500, "Calculation failed"),
                (lca_errors.BackgroundDataError, 500, "Background data invalid"),
                (lca_errors.LcaError, 422, "Footprint model rejected"),
            ]
        )
    try:
        from traceability import errors as tr_errors
    except ImportError:  # pragma: no cover
        pass
    else:
        _STATUS.extend(
            [
                (tr_errors.UnknownReference, 404, "Unknown reference"),
                (tr_errors.TraceabilityError, 422, "Traceability input rejected"),
            ]
        )
    try:
        from certificates import errors as cert_errors
    except ImportError:  # pragma: no cover
        pass
    else:
        _STATUS.extend(
            [
                (cert_errors.CertificateNotFound, 404, "Certificate not found"),
                (cert_errors.MalformedCertificate, 422, "Certificate malformed"),
                (cert_errors.CertificateInvalid, 422, "Certificate invalid"),
                (cert_errors.NotIssuable, 409, "Certificate not issuable"),
                (cert_errors.CertificateError, 422, "Certificate error"),
            ]
        )


_register_optional()


def classify(exc: BaseException) -> tuple[int, str, str]:
    """``(status, title, code)`` for any exception, by class, then by a ``code`` attribute."""
    if isinstance(exc, ApiError):
        return exc.status, _title(exc.status), exc.code
    for cls, status, title in _STATUS:
        if isinstance(exc, cls):
            return status, title, str(getattr(exc, "code", "error"))
    code = getattr(exc, "code", None)
    if isinstance(code, str) and "." in code:
        return 400, "Request rejected", code
    return 500, "Internal error", "internal"


def _title(status: int) -> str:
    return {
        400: "Bad request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not found",
        409: "Conflict",
        413: "Content too large",
        415: "Unsupported media type",
        422: "Unprocessable content",
    }.get(status, "Error")


def _diagnostics(exc: BaseException) -> dict[str, Any]:
    diag = getattr(exc, "diagnostics", None)
    if callable(diag):
        try:
            out = diag()
            if isinstance(out, dict):
                return out
        except Exception:  # noqa: BLE001 - diagnostics must not mask the error
            pass
    return {}


def problem(exc: BaseException) -> JSONResponse:
    """RFC 9457 problem details for ``exc``."""
    status, title, code = classify(exc)
    body: dict[str, Any] = {"type": TYPE_BASE + code, "title": title, "status": status, "code": code}
    if status >= 500 and status != 503:
        log.error("unhandled error", exc_info=exc)
        body["detail"] = "internal error; see the service log"
    else:
        extra = {
            k: v
            for k, v in _diagnostics(exc).items()
            if k not in {"code", "message", "type", "title", "status"}
        }
        body["detail"] = getattr(exc, "message", None) or str(exc)
        body.update(_jsonable(extra))
    headers = dict(getattr(exc, "headers", {}) or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


PACT_CODES = {
    400: "BadRequest",
    401: "BadRequest",  # v3: an invalid or expired token
    403: "AccessDenied",
    404: "NotFound",
    500: "InternalError",
    501: "NotImplemented",
}


def pact_error(
    status: int, message: str, code: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A PACT v3 error body ``{"code", "message"}``."""
    return JSONResponse(
        {"code": code or PACT_CODES.get(status, "BadRequest"), "message": message},
        status_code=status,
        headers=dict(headers or {}),
    )


def pact_from_exception(exc: BaseException) -> JSONResponse:
    """The PACT error for ``exc`` (v3): a missing, invalid or expired token is 401 ``BadRequest``; a valid
    token without the right is 403 ``AccessDenied``."""
    status, _title_, _code = classify(exc)
    headers = dict(getattr(exc, "headers", {}) or {})
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, Unauthenticated):  # TokenExpired included
        return pact_error(401, message, "BadRequest", headers)
    if isinstance(exc, Forbidden):
        return pact_error(403, message, "AccessDenied", headers)
    if status >= 500:
        log.error("unhandled error", exc_info=exc)
        return pact_error(500, "internal error", "InternalError")
    if status == 404:
        return pact_error(404, message, "NotFound")
    return pact_error(400, message, "BadRequest")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _is_pact(request: Request) -> bool:
    return request.url.path.startswith("/3/")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        return pact_from_exception(exc) if _is_pact(request) else problem(exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        message = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
        if _is_pact(request):
            return pact_error(400, message or "malformed request")
        return problem(BadRequest(f"request invalid: {message}", code="request.invalid", errors=errors))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if _is_pact(request):
            return pact_error(exc.status_code, str(exc.detail), headers=exc.headers)
        err = ApiError(
            str(exc.detail),
            status=exc.status_code,
            code=f"http.{exc.status_code}",
            headers=dict(exc.headers or {}),
        )
        return problem(err)

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    # The known roots are handled inside the app (no traceback, no re-raise);
    # ``Exception`` is the last resort: unknown code-carrying errors and 500s.
    roots: set[type[Exception]] = {ApiError, *(c for c, _s, _t in _STATUS)}
    for cls in roots:
        app.add_exception_handler(cls, on_error)
    app.add_exception_handler(Exception, on_error)
