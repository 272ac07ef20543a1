"""Every failure as one JSON shape, ``{"error": message, "kind": name}``, with its HTTP status.

    400 InputError          a channel, filter, body or target the caller sent is not valid (validation and
                            unparseable bodies included; the core's InputError subclasses answer as InputError),
                            or a request that is not valid HTTP/1.1 (a repeated Host, a malformed or
                            conflicting Content-Length); HostNotAllowed: a Host header not on the list
    401 Unauthorized        no or wrong ``Authorization: Bearer`` token
    403 KeyInvalid / PermissionDenied / SheetNotAllowed   the YouTube key, the service account, the allow-list
    404 ChannelNotFound / SheetNotFound / NotFound
    405 MethodNotAllowed
    408 RequestTimeout      the request header (Y2S_API_HEADER_TIMEOUT) or the body (Y2S_API_BODY_TIMEOUT) did
                            not arrive in time; the connection is closed
    413 PayloadTooLarge     the body is over Y2S_API_MAX_BODY_BYTES
    429 QuotaExceeded       YouTube's daily quota is spent (Retry-After: seconds to midnight Pacific; the
                            rows fetched so far ride along in ``partial``)
        TooManyRequests     this token already runs its allowed number of fetches (Retry-After: 1)
    500 Error               a bug (the message is redacted; the log has the traceback)
    502 YouTubeError / SheetsError   Google failed in a way a retry later may fix
    503 TooManyConnections  Y2S_API_MAX_CONNECTIONS connections are open and none is waiting on its client
                            (or this one was closed to make room: it had waited longest); Retry-After: 1
        Unavailable         only from the reverse proxy in deploy/nginx.conf: the API is not answering

The 400/408/503 answers about the connection itself come from the HTTP layer (``server.py``), before the app.

Messages never hold a secret: they go through ``Settings.redact`` (the core's messages never carry one).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    ChannelNotFound,
    InputError,
    KeyInvalid,
    PermissionDenied,
    QuotaExceeded,
    SheetNotFound,
    Y2SError,
)
from ..quota import quota_resets_at
from ..settings import Settings

_log = logging.getLogger("y2s_core.api")

STATUS: tuple[tuple[type[Y2SError], int], ...] = (
    (InputError, 400), (ChannelNotFound, 404), (SheetNotFound, 404), (KeyInvalid, 403), (PermissionDenied, 403),
    (QuotaExceeded, 429),
)
_HTTP_KINDS = {400: "InputError", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
               413: "PayloadTooLarge", 429: "TooManyRequests"}


class ApiError(Exception):
    """An HTTP-level refusal (auth, limits, allow-lists): status, kind, message and extra headers."""

    def __init__(self, status: int, kind: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message
        self.headers = dict(headers or {})


def error_body(message: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"error": message, "kind": kind, **extra}


def status_of(exc: Y2SError) -> int:
    return next((code for cls, code in STATUS if isinstance(exc, cls)), 502)


def retry_after_quota(exc: QuotaExceeded, now: datetime | None = None) -> str:
    """Seconds until YouTube's quota resets (next midnight Pacific), as a Retry-After value."""
    now = now or datetime.now(timezone.utc)
    at = exc.resets_at or quota_resets_at(now)
    return str(max(1, math.ceil((at - now).total_seconds())))


def y2s_error_response(exc: Y2SError, settings: Settings, **extra: Any) -> JSONResponse:
    """The core's error as the API's shape; QuotaExceeded gets Retry-After."""
    headers = {"Retry-After": retry_after_quota(exc)} if isinstance(exc, QuotaExceeded) else None
    return JSONResponse(error_body(settings.redact(str(exc)), kind_of(exc), **extra),
                        status_code=status_of(exc), headers=headers)


def kind_of(exc: Y2SError) -> str:
    """The documented kind: every 400 is "InputError" (never a subclass's name, e.g. ChannelInputError)."""
    return "InputError" if isinstance(exc, InputError) else type(exc).__name__


def validation_message(errors: list[Any]) -> str:
    """Pydantic's first error as one sentence naming where it is (``body.filters.since`` -> ``filters.since``)."""
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    where = ".".join(loc)
    if first.get("type") == "json_invalid":
        return "The request body is not valid JSON: send a JSON object (Content-Type: application/json)."
    msg = str(first.get("msg", "invalid")).rstrip(".")
    return f"Invalid request at {where or 'the body'}: {msg}."


def install_error_handlers(app: FastAPI, settings: Settings) -> None:
    """Every exception FastAPI can see -> the one shape."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.message, exc.kind), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(Y2SError)
    async def y2s_error(request: Request, exc: Y2SError) -> JSONResponse:
        return y2s_error_response(exc, settings)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body(validation_message(list(exc.errors())), "InputError"), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's own "There was an error parsing the body" (e.g. nested too deep)
            message = ("The request body could not be parsed (not JSON, or nested too deeply): send one JSON "
                       "object as documented at /api/v1/docs.")
        elif exc.status_code == 404:
            message = f"No such endpoint: {request.url.path[:200]}. The routes are under /api/v1 (see /api/v1/docs)."
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path[:200]} (see /api/v1/docs)."
        else:
            message = str(exc.detail)
        kind = _HTTP_KINDS.get(exc.status_code, "Error")
        return JSONResponse(error_body(message, kind), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        text = settings.redact(str(exc)).strip().splitlines()
        detail = f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__
        _log.error("unexpected error on %s %s: %s", request.method, request.url.path[:200], detail,
                   exc_info=(type(exc), exc, exc.__traceback__))
        return JSONResponse(error_body(f"Unexpected error ({detail}). This is a bug: please report it.", "Error"),
                            status_code=500)


__all__ = ["ApiError", "STATUS", "error_body", "install_error_handlers", "kind_of", "retry_after_quota", "status_of",
           "validation_message", "y2s_error_response"]
