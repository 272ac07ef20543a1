"""The wire under the YouTube client: the metered http object, its factory, and Google's errors in ours.

Every request passes through ``MeteredHttp``, which puts the key in a header (never the URL) and records
each request in a ``QuotaMeter`` (retries too), so ``FetchResult.quota`` is what Google charged, not an
estimate. With ``RATE_LIMIT_DELAY`` set it first waits its turn at ``PACER``: one per process, so the
parallel chains of a fetch, every client and every session share the pace. ``translate_http_error`` turns an ``HttpError`` into the error tree with a message a user can
act on, built from the error body only: the request URL is never repeated.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httplib2
from googleapiclient.errors import HttpError

from .. import telemetry
from ..breaker import CircuitBreaker, is_failure_status
from ..errors import KeyInvalid, QuotaExceeded, YouTubeError
from ..quota import DAILY_UNITS, SEARCH_DAILY_CALLS, STATS_DAILY_CALLS, QuotaMeter, quota_resets_at, unit_cost
from ..settings import Settings

# a request that never reached Google (nothing to bill): refused, or the host name did not resolve
_NEVER_SENT = (ConnectionRefusedError, socket.gaierror, httplib2.ServerNotFoundError)


class Pacer:
    """At least ``delay`` seconds between the starts of any two requests paced here, across threads.

    A request may start once ``last_start + delay`` has passed; it then records its own start, under the lock,
    as the next one's ``last_start``. One that must wait sleeps outside the lock and asks again (another
    may have started meanwhile). A delay of 0 returns at once, without the lock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._lock = threading.Lock()
        self._last: float | None = None
        self._clock = clock
        self._sleep = sleep

    def wait(self, delay: float) -> float:
        """Block until this request may start; returns the seconds waited."""
        if delay <= 0:
            return 0.0
        asked = self._clock()
        while True:
            with self._lock:
                now = self._clock()
                if self._last is None or now >= self._last + delay:
                    self._last = now
                    return now - asked
                left = self._last + delay - now
            self._sleep(left)


PACER = Pacer()  # the process's one pace for YouTube requests (RATE_LIMIT_DELAY)


class MeteredHttp:
    """Wraps an httplib2-compatible http object: sends the key as a header, records each request in a
    QuotaMeter, and reports each outcome to the upstream's circuit breaker (``BreakerOpen`` while open).

    Metering is what Google bills: 200, 404 and a 400 that does not refuse the key. A request that failed
    after it was sent (a timeout, a dropped connection) may have been served and billed, so it is counted
    too: the ledger would rather over- than under-count a day's units.

    ``delay`` (``Settings.rate_limit_delay``): each request first waits its turn at ``pacer`` (the process's
    ``PACER``), retries too."""

    def __init__(self, inner: Any, meter: QuotaMeter, key: str | None = None,
                 breaker: CircuitBreaker | None = None, delay: float = 0.0, pacer: Pacer | None = None) -> None:
        self.inner = inner
        self.meter = meter
        self.key = key
        self.breaker = breaker
        self.delay = delay
        self.pacer = pacer or PACER

    def request(self, uri, method="GET", body=None, headers=None, redirections=5, connection_type=None):
        headers = dict(headers or {})
        if self.key:
            headers["x-goog-api-key"] = self.key  # never in the URL: URLs end up in logs and HttpError.__str__
        api_method = method_of(uri)
        if self.breaker is not None:
            self.breaker.before_call()
        if self.delay > 0:
            self.pacer.wait(self.delay)
        start = telemetry.started()
        try:
            resp, content = self.inner.request(
                uri, method=method, body=body, headers=headers, redirections=redirections,
                connection_type=connection_type,
            )
        except Exception as e:
            if not isinstance(e, _NEVER_SENT):
                self.meter.record(api_method, True)
            if self.breaker is not None:
                self.breaker.failure()
            raise
        status = int(resp.status)
        charged = status in (200, 404) or (status == 400 and not key_rejected(content))
        self.meter.record(api_method, charged)
        if self.breaker is not None:
            (self.breaker.failure if is_failure_status(status) else self.breaker.success)()
        telemetry.upstream_call("youtube", api_method, status=status, seconds=telemetry.seconds_since(start),
                                units=unit_cost(api_method) if charged else 0)
        return resp, content

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close:
            close()


def method_of(uri: str) -> str:
    """The API method a request URL calls: ".../youtube/v3/videos" -> "videos.list", a custom method
    ".../youtube/v3/videos:batchGetStats" -> "videos.batchGetStats" (the meter's and the ledger's key)."""
    last = urlsplit(uri).path.rstrip("/").rsplit("/", 1)[-1]
    resource, _, custom = last.partition(":")
    return f"{resource}.{custom or 'list'}"


def default_http_factory(settings: Settings) -> Callable[[], Any]:
    """Plain httplib2 for the real API or a served emulator; the in-process emulator in demo mode."""
    if settings.demo:
        from ..emulators.demo_clock import DemoClock
        from ..emulators.transport import HttplibHttp
        from ..emulators.youtube import YouTubeEmulator

        emulator = YouTubeEmulator(clock=DemoClock(settings.data_dir))  # the demo's day in this data folder
        return lambda: HttplibHttp(emulator)
    return lambda: httplib2.Http(timeout=30)


# ------------------------------------------------------------------------------------------- errors

_KEY_REJECTED = (b"keyInvalid", b"API_KEY_INVALID", b"API key not valid")


def key_rejected(content: bytes | None) -> bool:
    """A 400 that refuses the key itself, which Google does not bill (no project to bill it to): the older
    body (reason keyInvalid) or the newer one (reason badRequest, "API key not valid. Please pass a valid
    API key.", ErrorInfo API_KEY_INVALID)."""
    return any(marker in (content or b"") for marker in _KEY_REJECTED)



def _error_reason(e: HttpError) -> tuple[str, str]:
    """(reason, message) from a Google error body; never the request URL (it carries the key)."""
    try:
        err = json.loads(e.content.decode("utf-8")).get("error", {})
    except (ValueError, AttributeError, UnicodeDecodeError):
        return "", ""
    errors = err.get("errors") or [{}]
    return errors[0].get("reason", "") or err.get("status", ""), err.get("message", "")


def quota_exceeded(context: str, bucket: str = "units") -> QuotaExceeded:
    """The one QuotaExceeded the client raises: which bucket ran out, what it was doing, when it resets.

    ``bucket``: "units" (the 10,000-unit daily pool of every list method) or "search" (search.list's own
    bucket of 100 calls a day, which only legacy /c/ names need) or "stats" (videos.batchGetStats's own bucket
    of 10,000 calls a day, which statistics refreshes use)."""
    at = quota_resets_at()
    when = f"It resets at midnight Pacific time ({at:%Y-%m-%d %H:%M} UTC)"
    if bucket == "stats":
        return QuotaExceeded(
            f"YouTube statistics quota exhausted (videos.batchGetStats has its own bucket of {STATS_DAILY_CALLS:,} "
            f"calls a day) while {context}. {when}.",
            resets_at=at, bucket="stats",
        )
    if bucket == "search":
        return QuotaExceeded(
            f"YouTube search quota exhausted (search.list has its own bucket of {SEARCH_DAILY_CALLS} calls a day) "
            f"while {context}. {when}: paste the channel's @handle or /channel/UC… URL instead, which needs no "
            "search, or re-run after the reset.",
            resets_at=at, bucket="search",
        )
    return QuotaExceeded(
        f"YouTube API quota exhausted (the daily pool of {DAILY_UNITS:,} units) while {context}. {when}: "
        "re-run after the reset or use another key.",
        resets_at=at,
    )


def per_minute_wait(e: HttpError, now: float | None = None) -> float | None:
    """Seconds to wait before asking again when ``e`` is a *per-minute* limit (videos.batchGetStats allows 600 calls
    a minute: a 429 RESOURCE_EXHAUSTED naming a "per minute" limit, not a spent day), else None: its Retry-After,
    or the rest of the current minute."""
    if int(e.resp.status) != 429:
        return None
    _, message = _error_reason(e)
    if "per minute" not in message:
        return None
    retry_after = (e.resp.get("retry-after") if hasattr(e.resp, "get") else None) or ""
    if retry_after.strip().isdigit():
        return float(retry_after.strip())
    now = time.time() if now is None else now
    return 60.0 - now % 60.0 + 0.5


def translate_http_error(e: HttpError, context: str) -> YouTubeError:
    """A Google HttpError as our error tree: QuotaExceeded, KeyInvalid, else YouTubeError with status and reason."""
    status = int(e.resp.status)
    reason, message = _error_reason(e)
    if reason in ("quotaExceeded", "dailyLimitExceeded"):
        return quota_exceeded(context)
    if status == 429 and "per day" in message:  # a daily quota metric spent: RESOURCE_EXHAUSTED, not a rate
        bucket = "search" if "Search" in message else "stats" if "Batch Get Stats" in message else "units"
        return quota_exceeded(context, bucket)
    if reason in ("keyInvalid", "keyExpired") or (status == 400 and "API key" in message):
        return KeyInvalid("The YouTube API key was rejected (invalid or expired). Check YOUTUBE_API_KEY.", status=status, reason=reason)
    if status == 403 and reason in ("forbidden", "accessNotConfigured", "ipRefererBlocked", "PERMISSION_DENIED", "keyInvalid"):
        return KeyInvalid(
            "The YouTube API refused the key (missing, restricted, or YouTube Data API v3 not enabled for its "
            f"project): {_plain(message)}. Check YOUTUBE_API_KEY and the key's API restrictions.",
            status=status,
            reason=reason,
        )
    return YouTubeError(
        f"YouTube API error {status} ({reason or 'unknown'}) while {context}: {_plain(message)}", status=status, reason=reason
    )


def _plain(message: str) -> str:
    """Google's message without its HTML tags (the quota message links its docs) or final period."""
    return re.sub(r"<[^>]+>", "", message or "").strip().rstrip(".")
