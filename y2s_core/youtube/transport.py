"""The wire under the YouTube client: the metered http object, its factory, and Google's errors in ours.

Every request passes through ``_MeteredHttp``, which puts the key in a header (never the URL) and records
each request in a ``QuotaMeter`` (retries too), so ``FetchResult.quota`` is what Google charged, not an
estimate. ``translate_http_error`` turns an ``HttpError`` into the error tree with a message a user can
act on, built from the error body only: the request URL is never repeated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httplib2
from googleapiclient.errors import HttpError

from .. import telemetry
from ..errors import KeyInvalid, QuotaExceeded, YouTubeError
from ..quota import QuotaMeter, quota_resets_at, unit_cost
from ..settings import Settings


class _MeteredHttp:
    """Wraps an httplib2-compatible http object: sends the key as a header, records each request in a QuotaMeter."""

    def __init__(self, inner: Any, meter: QuotaMeter, key: str | None = None) -> None:
        self.inner = inner
        self.meter = meter
        self.key = key

    def request(self, uri, method="GET", body=None, headers=None, redirections=5, connection_type=None):
        headers = dict(headers or {})
        start = telemetry.started()
        if self.key:
            headers["x-goog-api-key"] = self.key  # never in the URL: URLs end up in logs and HttpError.__str__
        resp, content = self.inner.request(
            uri, method=method, body=body, headers=headers, redirections=redirections, connection_type=connection_type
        )
        path = urlsplit(uri).path.rstrip("/")
        api_method = path.rsplit("/", 1)[-1] + ".list"
        status = int(resp.status)
        charged = status in (200, 404) or (status == 400 and b"keyInvalid" not in (content or b""))
        self.meter.record(api_method, charged)
        telemetry.upstream_call("youtube", api_method, status=status, seconds=telemetry.seconds_since(start),
                                units=unit_cost(api_method) if charged else 0)
        return resp, content

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close:
            close()


def default_http_factory(settings: Settings) -> Callable[[], Any]:
    """Plain httplib2 for the real API or a served emulator; the in-process emulator in demo mode."""
    if settings.demo:
        from ..emulators.transport import HttplibHttp
        from ..emulators.youtube import YouTubeEmulator

        emulator = YouTubeEmulator()
        return lambda: HttplibHttp(emulator)
    return lambda: httplib2.Http(timeout=30)


# ------------------------------------------------------------------------------------------- errors


def _error_reason(e: HttpError) -> tuple[str, str]:
    """(reason, message) from a Google error body; never the request URL (it carries the key)."""
    try:
        err = json.loads(e.content.decode("utf-8")).get("error", {})
    except (ValueError, AttributeError, UnicodeDecodeError):
        return "", ""
    errors = err.get("errors") or [{}]
    return errors[0].get("reason", "") or err.get("status", ""), err.get("message", "")


def quota_exceeded(context: str) -> QuotaExceeded:
    """The one QuotaExceeded the client raises: what it was doing, and when the quota resets."""
    at = quota_resets_at()
    return QuotaExceeded(
        f"YouTube API quota exhausted while {context}. It resets at midnight Pacific time "
        f"({at:%Y-%m-%d %H:%M} UTC): re-run after the reset or use another key.",
        resets_at=at,
    )


def translate_http_error(e: HttpError, context: str) -> YouTubeError:
    """A Google HttpError as our error tree: QuotaExceeded, KeyInvalid, else YouTubeError with status and reason."""
    status = int(e.resp.status)
    reason, message = _error_reason(e)
    if reason in ("quotaExceeded", "dailyLimitExceeded"):
        return quota_exceeded(context)
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
