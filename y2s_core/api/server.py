"""The HTTP edge under uvicorn: read timeouts, a connection cap, JSON for malformed HTTP, bounded logs.

uvicorn 0.55 (h11) has a keep-alive timeout but none for a request's header or body, and its
``limit_concurrency`` answers 503 to every *request* once the open connections (half-sent ones included)
reach it: 1,100 clients that each sent half a header held the API until the open-file limit was hit, and
then Python 3.11's accept loop logged an ERROR with a traceback for every retry (608,255 in 166 s).
``GuardedH11Protocol`` is uvicorn's own H11Protocol with three additions, configured by ``ApiConfig``:

* a header timeout (Y2S_API_HEADER_TIMEOUT: the whole header, from the connection or the previous answer)
  and a body timeout (Y2S_API_BODY_TIMEOUT: the longest pause between two reads) -> 408, closed;
* a cap on open connections (Y2S_API_MAX_CONNECTIONS, lowered to fit the open-file limit so accept()
  never fails): at the cap a new connection closes the one that has waited longest on its client
  (a half-sent header or a stalled body), so slow clients can never keep a quick one out; when every
  connection is busy in the app instead, the new one is answered 503 TooManyConnections;
* a request h11 refuses (a repeated Host, a malformed Content-Length, ...) answers the documented JSON
  shape, 400 InputError, instead of uvicorn's text/plain "Invalid HTTP request received.".

``quiet_connection_logs`` lets through at most one line per kind of connection event (its logger and
message template) a minute, with no traceback, on the loggers that log per connection (asyncio,
uvicorn.error and this module's).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .config import ApiConfig
from .errors import error_body

_log = logging.getLogger("y2s_core.api.server")

RESERVED_FILES = 64  # the app's own files (database, logs, imports) besides the connections
ACCEPT_TURNS = 4  # accept bursts that can land before the cap closes the surplus
CONNECTION_LOGGERS = ("asyncio", "uvicorn.error", _log.name)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's H11Protocol with read timeouts, a connection cap and JSON errors (one subclass per server)."""

    limits: ApiConfig
    max_connections: int
    waiting: dict[GuardedH11Protocol, None]  # connections waiting on their client, longest-waiting first

    _phase: str | None = None  # "header" or "body" while waiting on the client, else None
    _timer: Any = None

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            if not self.waiting:
                _log.warning("refused a connection: all %d connections are busy (Y2S_API_MAX_CONNECTIONS)",
                             self.max_connections)
                self._drop(503, "TooManyConnections", "The server is at its connection limit: retry in a moment.",
                           answer=True)
                return
            oldest = next(iter(self.waiting))
            _log.warning("closed the connection that had waited longest on its client: %d connections open "
                         "(Y2S_API_MAX_CONNECTIONS)", self.max_connections)
            oldest._drop(503, "TooManyConnections", "The server is at its connection limit and this connection "
                         "had waited longest for its request: retry in a moment.")
        self._track()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._track(received=True)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._track()

    def connection_lost(self, exc: Exception | None) -> None:
        self._set_phase(None)
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """h11 refused the request (uvicorn calls this in its ``except h11.RemoteProtocolError``)."""
        error = sys.exc_info()[1]
        reason = str(error)[:100] if isinstance(error, h11.RemoteProtocolError) else "malformed"
        self._drop(400, "InputError", f"The request is not valid HTTP/1.1 ({reason}): check its request line and "
                   "headers (one Host header; at most one Content-Length, a whole number).")

    # ------------------------------------------------------------------------------------------ internals

    def _track(self, received: bool = False) -> None:
        """Arm the timer for what the connection now waits on: a header, a body, or nothing (the app's turn)."""
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        phase = "header" if state is h11.IDLE else "body" if state is h11.SEND_BODY else None
        if phase != self._phase or (phase == "body" and received):  # the body timeout is per read
            self._set_phase(phase)

    def _set_phase(self, phase: str | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if phase != self._phase:
            self.waiting.pop(self, None)
            if phase is not None:
                self.waiting[self] = None
            self._phase = phase
        if phase is not None:
            seconds = self.limits.header_timeout if phase == "header" else self.limits.body_timeout
            self._timer = self.loop.call_later(seconds, self._timed_out)

    def _timed_out(self) -> None:
        self._timer = None
        phase = self._phase
        if phase == "body" and self.flow.read_paused:  # the app has not read what came: not the client's fault
            self._set_phase(phase)
            return
        if phase == "header":
            _log.warning("closed a connection whose request header took over %g s (Y2S_API_HEADER_TIMEOUT)",
                         self.limits.header_timeout)
            message = (f"The request header did not arrive within {self.limits.header_timeout:g} s "
                       "(Y2S_API_HEADER_TIMEOUT).")
        else:
            _log.warning("closed a connection whose request body paused over %g s (Y2S_API_BODY_TIMEOUT)",
                         self.limits.body_timeout)
            message = f"The request body paused for over {self.limits.body_timeout:g} s (Y2S_API_BODY_TIMEOUT)."
        self._drop(408, "RequestTimeout", message)

    def _drop(self, status: int, kind: str, message: str, answer: bool = False) -> None:
        """Answer ``status`` in the one error shape (if a request was begun or ``answer``, and no answer has
        begun; an idle keep-alive connection is closed silently, as uvicorn's keep-alive timeout does) and close."""
        self._set_phase(None)
        self.connections.discard(self)  # counted out now: connection_lost comes a loop turn later
        if self.transport.is_closing():
            return
        answer = answer or self.conn.their_state is not h11.IDLE or bool(self.conn.trailing_data[0])
        if answer and self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):  # no answer begun
            body = json.dumps(error_body(message, kind), separators=(",", ":")).encode()
            retry = b"retry-after: 1\r\n" if status == 503 else b""
            self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                                 b"connection: close\r\n%s\r\n%s" % (status, HTTPStatus(status).phrase.encode(),
                                                                     len(body), retry, body))
        self.transport.close()


def open_file_limit() -> int | None:
    """The soft limit on open files, raised to the hard limit first (None where there is no such limit)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return None if soft == resource.RLIM_INFINITY else soft


def server_options(config: ApiConfig, file_limit: int | None = None) -> dict[str, Any]:
    """uvicorn.Config / uvicorn.run keywords for ``config``: the guarded protocol, and the connection cap and
    accept backlog sized so that the connections plus the sockets accepted before the cap sees them (asyncio
    accepts up to ``backlog`` per loop turn; a few turns pass before ``connection_made``) stay under
    ``file_limit``: accept() never fails with EMFILE."""
    backlog, cap = 2048, config.max_connections
    if file_limit is not None:
        backlog = max(16, min(backlog, file_limit // 16))
        cap = max(1, min(cap, file_limit - ACCEPT_TURNS * backlog - RESERVED_FILES))
        if cap < config.max_connections:
            _log.warning("serving at most %d connections (Y2S_API_MAX_CONNECTIONS=%d): the open-file limit is %d",
                         cap, config.max_connections, file_limit)
    protocol = type("GuardedH11Protocol", (GuardedH11Protocol,),
                    {"limits": config, "max_connections": cap, "waiting": {}})
    return {"http": protocol, "ws": "none", "backlog": backlog, "log_config": None, "access_log": False,
            "server_header": False}


class ConnectionLogLimit(logging.Filter):
    """At most one record per kind (logger and message template, numbers and addresses ignored) every
    ``interval`` seconds, as one line without a traceback; the next one says how many were left out."""

    def __init__(self, interval: float = 60.0, max_kinds: int = 200,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval, self.max_kinds, self.clock = interval, max_kinds, clock
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._skipped: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        first = str(record.msg).split("\n", 1)[0]
        kind = f"{record.name}:{re.sub(r'0x[0-9a-fA-F]+|[0-9]+', '#', first)[:120]}"
        now = self.clock()
        with self._lock:
            if kind not in self._last and len(self._last) >= self.max_kinds:
                kind = f"{record.name}:other"
            last = self._last.get(kind)
            if last is not None and now - last < self.interval:
                self._skipped[kind] = self._skipped.get(kind, 0) + 1
                return False
            self._last[kind] = now
            skipped = self._skipped.pop(kind, 0)
        text = record.getMessage().split("\n", 1)[0][:500]
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            text += f" ({type(exc).__name__}: {str(exc)[:200]})"
        if skipped:
            text += f" [{skipped} more like this in the last {self.interval:g} s]"
        record.msg, record.args, record.exc_info, record.exc_text, record.stack_info = text, None, None, None, None
        return True


def quiet_connection_logs(interval: float = 60.0) -> ConnectionLogLimit:
    """Put one ConnectionLogLimit on CONNECTION_LOGGERS (replacing any earlier one); returns it."""
    limit = ConnectionLogLimit(interval)
    for name in CONNECTION_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, ConnectionLogLimit)]:
            logger.removeFilter(old)
        logger.addFilter(limit)
    return limit


__all__ = ["ConnectionLogLimit", "GuardedH11Protocol", "open_file_limit", "quiet_connection_logs", "server_options"]
