"""Who may call the API and how much: Host check, body limit, bearer token, fetch slots; and the request log.

The ASGI middlewares run outermost first, each before FastAPI has read a byte of the body:

    RequestLog   one log record and the request metrics per request (route template, status, duration)
    HostCheck    400 HostNotAllowed unless the Host header names loopback or Y2S_API_ALLOWED_HOSTS
                 (a web page reaching 127.0.0.1 through DNS rebinding sends its own name)
    BodyLimit    413 when Content-Length says the body is too big, or once the bytes actually received pass
                 the limit (a chunked or lying request is counted, never trusted): at most the limit is held

``require_token`` (a FastAPI dependency, so OpenAPI documents the bearer scheme) compares the token in
constant time and names the caller by a hash of its token ("token:" + 16 hex digits of its SHA-256, the
ledger's ``who``); ``StoreSlots`` answers 429 when a token already runs its allowed number of fetches in any
API process on the store (``store.budgets``), ``FetchSlots`` the same within one process (its fallback when
the store cannot be written).
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import InputError, StoreError
from ..store.budgets import Budgets, Hold, SlotsBusy
from ..store.ledger import identity
from .config import ApiConfig
from .errors import ApiError, error_body

_log = logging.getLogger("y2s_core.api")

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
REQUESTS = Counter("y2s_api_requests", "REST API requests by route, method and status", ["route", "method", "status"])
REQUEST_SECONDS = Histogram("y2s_api_request_duration_seconds", "REST API request duration", ["route", "method"])


async def send_error(send: Send, status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps(error_body(message, kind), separators=(",", ":")).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k.lower() == name:
            return v.decode("latin-1")
    return None


class RequestLog:
    """Outermost: one INFO record and the request metrics per request, whatever answered it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:  # a bug: Starlette's outer ServerErrorMiddleware answers 500 through our handler
            status["code"] = 500
            raise
        finally:
            matched = scope.get("route")
            route = getattr(matched, "path_format", None) or getattr(matched, "path", None) or "unmatched"
            seconds = time.perf_counter() - start
            # labels from closed sets: a method name is any token a client sends (each one a new series)
            method = scope["method"] if scope["method"] in HTTP_METHODS else "other"
            REQUESTS.labels(route, method, str(status["code"]) if 100 <= status["code"] <= 599 else "other").inc()
            REQUEST_SECONDS.labels(route, method).observe(seconds)
            fields = {"method": scope["method"][:20], "path": scope["path"][:200], "route": route,
                      "status": status["code"], "duration_ms": round(seconds * 1000, 1)}
            _log.info("%s %s %s %.1f ms", scope["method"][:20], scope["path"][:200], status["code"], seconds * 1000,
                      extra={"fields": fields})


class HostCheck:
    def __init__(self, app: ASGIApp, config: ApiConfig) -> None:
        self.app, self.config = app, config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = host_name(_header(scope, b"host") or "")
            if not host or not self.config.host_allowed(host):
                shown = host[:100] or "(none)"
                await send_error(send, 400, "HostNotAllowed",
                                 f"Host {shown!r} is not allowed: call the API by a loopback name, or add the name to "
                                 "Y2S_API_ALLOWED_HOSTS on the server.")
                return
        await self.app(scope, receive, send)


def host_name(header: str) -> str:
    """'example.com:8000' -> 'example.com'; '[::1]:8000' -> '::1'."""
    h = header.strip()
    if h.startswith("["):
        return h[1:h.find("]")] if "]" in h else ""
    name, _, port = h.rpartition(":")
    return name if name and port.isdigit() else h


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > self.limit):
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:  # read (and count) the body before the app sees it
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await self._too_large(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        await send_error(send, 413, "PayloadTooLarge",
                         f"The request body is over {self.limit:,} bytes (Y2S_API_MAX_BODY_BYTES): send fewer rows "
                         "per request.", headers={"connection": "close"})


# ------------------------------------------------------------------------------------------------ auth

bearer = HTTPBearer(auto_error=False, description="Y2S_API_TOKEN (required when the server has one set)")


def caller_id(token: str) -> str:
    """Names a token in limits, logs and the quota ledger without holding it: "token:" + 16 hex digits of its
    SHA-256 (``store.ledger.identity``)."""
    return identity("token", token)


def require_token(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    """The caller's id (``caller_id``: a hash of its token; "local" when the server has no token); 401 otherwise."""
    config: ApiConfig = request.app.state.config
    if not config.requires_token:
        return "local"
    sent = (credentials.credentials if credentials else "").encode()
    match = None
    for token in config.tokens:  # every token is compared, in constant time each
        if hmac.compare_digest(sent, token.encode()) and match is None:
            match = token
    if match is None:
        raise ApiError(401, "Unauthorized", "Send the API token: Authorization: Bearer <Y2S_API_TOKEN>."
                       if credentials is None else "The API token is wrong.", headers={"WWW-Authenticate": "Bearer"})
    return caller_id(match)


class FetchSlots:
    """At most ``limit`` fetches at a time per caller; one more is refused at once (429), never queued."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._running: dict[str, int] = defaultdict(int)

    @contextmanager
    def take(self, caller: str) -> Iterator[None]:
        with self._lock:
            if self._running[caller] >= self.limit:
                raise ApiError(429, "TooManyRequests",
                               f"This token already runs {self.limit} fetch(es) (Y2S_API_MAX_CONCURRENT_FETCHES): "
                               "retry when one has finished.", headers={"Retry-After": "1"})
            self._running[caller] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[caller] -= 1

    def running(self, caller: str) -> int:
        with self._lock:
            return self._running[caller]


def _busy(limit: int) -> ApiError:
    return ApiError(429, "TooManyRequests",
                    f"This token already runs {limit} fetch(es) (Y2S_API_MAX_CONCURRENT_FETCHES, counted across every "
                    "API process on this store): retry when one has finished.", headers={"Retry-After": "1"})


class StoreSlots:
    """At most ``limit`` fetches at a time per caller in every process on the settings' store (``store.budgets``:
    a row per running fetch, renewed while it runs, lapsing when its process dies); one more is refused at once
    (429), never queued. ``take`` yields the fetch's ``Hold`` (its reservation goes on it). A store that cannot be
    written is one warning, and this process's own count (``FetchSlots``) stands in until it can."""

    def __init__(self, settings: Any, limit: int) -> None:
        self.limit = limit
        self.budgets = Budgets(settings)
        self.local = FetchSlots(limit)  # the fallback
        self._warned = False

    @contextmanager
    def take(self, caller: str) -> Iterator[Hold | None]:
        hold_id: str | None = None
        try:
            hold_id = self.budgets.take(caller, self.limit)
        except SlotsBusy:
            raise _busy(self.limit) from None
        except (StoreError, InputError) as e:
            if not self._warned:
                self._warned = True
                _log.warning("fetch slots counted in this process only: the store could not be written (%s)",
                             getattr(e, "cause", "") or type(e).__name__)
        if hold_id is None:
            with self.local.take(caller):
                yield None
            return
        self._warned = False
        with Hold(self.budgets, hold_id, self.budgets.renew_seconds) as hold:
            yield hold

    def running(self, caller: str) -> int:
        try:
            return self.budgets.running(caller)
        except (StoreError, InputError):
            return self.local.running(caller)


def install_middleware(app: Any, config: ApiConfig) -> None:
    """Outermost first: RequestLog, HostCheck, BodyLimit (add_middleware puts the last added outside)."""
    app.add_middleware(BodyLimit, limit=config.max_body_bytes)
    app.add_middleware(HostCheck, config=config)
    app.add_middleware(RequestLog)


__all__ = ["BodyLimit", "FetchSlots", "HostCheck", "StoreSlots", "RequestLog", "bearer", "caller_id", "host_name",
           "install_middleware", "require_token"]
