"""The YouTube emulator's error bodies, each shaped like one Google sends (sources in each docstring).

Kept apart from ``youtube.py`` (the router and the list methods) so that module stays readable; the
emulator re-exports the names tests and the product's own tests import.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from .transport import json_response

Response = tuple[int, dict[str, str], bytes]

QUOTA_MESSAGE = (
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">'
    "quota</a>."
)
MISSING_KEY_MESSAGE = "The request is missing a valid API key."
KEY_NOT_VALID_MESSAGE = "API key not valid. Please pass a valid API key."
PLAYLIST_NOT_FOUND_MESSAGE = "The playlist identified with the request's <code>playlistId</code> parameter cannot be found."
# What the real API says once the search.list bucket (100 calls a day by default) is spent: the message a user
# quoted in fqscfqj/Y2A-Auto#124 (2026), "HttpError 429 ... Quota exceeded for quota metric 'Search Queries' and
# limit 'Search Queries per day' of service 'youtube.googleapis.com'". The rest of the body is the standard
# shape Google APIs give a RESOURCE_EXHAUSTED quota metric (code, errors[], status, ErrorInfo details).
SEARCH_QUOTA_MESSAGE = (
    "Quota exceeded for quota metric 'Search Queries' and limit 'Search Queries per day' of service "
    "'youtube.googleapis.com' for consumer 'project_number:000000000000'."
)

# The videos.batchGetStats bucket spent: Google's reference page names the bucket "Video Batch Get Stats" (10,000
# calls a day); no user has quoted its exhaustion yet, so the message follows the search bucket's (above), the
# form every YouTube quota metric takes ("Quota exceeded for quota metric '<name>' and limit '<name> per day'").
STATS_QUOTA_MESSAGE = (
    "Quota exceeded for quota metric 'Video Batch Get Stats' and limit 'Video Batch Get Stats per day' of service "
    "'youtube.googleapis.com' for consumer 'project_number:000000000000'."
)

GRPC_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
               429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


def error(status: int, message: str, reason: str, domain: str = "global", *, location: str | None = None,
          location_type: str = "parameter", grpc_status: str | None = None,
          details: list[dict[str, Any]] | None = None) -> Response:
    """A Google error body; ``location`` lands inside ``errors[0]`` as the API puts it."""
    detail: dict[str, Any] = {"message": message, "domain": domain, "reason": reason}
    if location is not None:
        detail.update(location=location, locationType=location_type)
    err: dict[str, Any] = {"code": status, "message": message, "errors": [detail]}
    if grpc_status:
        err["status"] = grpc_status
    if details:
        err["details"] = details
    return json_response(status, {"error": err})


def key_invalid_error() -> Response:
    """The older body Google sent for a bad key (../shared/fixtures/real-youtube/error_response.json)."""
    return json_response(400, {"error": {"errors": [{"domain": "usageLimits", "reason": "keyInvalid",
                                                     "message": "Bad Request"}],
                                         "code": 400, "message": "Bad Request"}})


def key_not_valid_error() -> Response:
    """The body Google sends for a bad key today: 400 badRequest "API key not valid. Please pass a valid API
    key." with status INVALID_ARGUMENT (quoted in trizen/youtube-viewer#308 as "Error reason: |badRequest| with
    message: |API key not valid. Please pass a valid API key.|"), plus the ErrorInfo detail every Google API
    attaches to an invalid key (reason API_KEY_INVALID)."""
    return error(400, KEY_NOT_VALID_MESSAGE, "badRequest", grpc_status="INVALID_ARGUMENT", details=[{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com",
        "metadata": {"service": "youtube.googleapis.com"},
    }])


def quota_error() -> Response:
    return error(403, QUOTA_MESSAGE, "quotaExceeded", "youtube.quota")


def search_quota_error() -> Response:
    """The search.list bucket is spent (see SEARCH_QUOTA_MESSAGE for the source)."""
    return error(429, SEARCH_QUOTA_MESSAGE, "rateLimitExceeded", grpc_status="RESOURCE_EXHAUSTED", details=[{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
        "domain": "googleapis.com",
        "metadata": {"service": "youtube.googleapis.com", "quota_metric": "youtube.googleapis.com/search_queries",
                     "quota_limit": "SearchQueriesPerDay", "quota_limit_value": "100",
                     "consumer": "projects/000000000000"},
    }])


def stats_quota_error() -> Response:
    """The videos.batchGetStats bucket is spent (see STATS_QUOTA_MESSAGE for the source): 429 RESOURCE_EXHAUSTED."""
    return _stats_exhausted(STATS_QUOTA_MESSAGE, "VideoBatchGetStatsPerDay", "10000")


def _stats_exhausted(message: str, limit: str, value: str) -> Response:
    return error(429, message, "rateLimitExceeded", grpc_status="RESOURCE_EXHAUSTED", details=[{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
        "domain": "googleapis.com",
        "metadata": {"service": "youtube.googleapis.com",
                     "quota_metric": "youtube.googleapis.com/video_batch_get_stats",
                     "quota_limit": limit, "quota_limit_value": value, "consumer": "projects/000000000000"},
    }])


def missing_key_error() -> Response:
    return error(403, MISSING_KEY_MESSAGE, "forbidden", grpc_status="PERMISSION_DENIED")


def unknown_channel_error() -> Response:
    """channels.list with an id that does not exist, since early 2026: 400 badRequest for the whole request."""
    return error(400, "Request contains an invalid argument.", "badRequest", grpc_status="INVALID_ARGUMENT")


def playlist_not_found() -> Response:
    return error(404, PLAYLIST_NOT_FOUND_MESSAGE, "playlistNotFound", "youtube.playlistItem", location="playlistId")


def bad_value(name: str, raw: str, lo: int, hi: int) -> Response:
    return error(400, f"Invalid value '{raw}'. Values must be within the range: [{lo}, {hi}]", "invalid",
                 location=name)


def too_many_ids() -> Response:
    return error(400, "The request specifies an invalid filter parameter.", "invalidFilters",
                 "youtube.parameter", location="parameters.", location_type="other")


def invalid_page_token() -> Response:
    return error(400, "The request specifies an invalid page token.", "invalidPageToken", "youtube.parameter",
                 location="pageToken")


def no_filter(expected: str) -> Response:
    return error(400, f"No filter selected. Expected one of: {expected}", "missingRequiredParameter",
                 "youtube.parameter", location="parameters.", location_type="other")


def incompatible(names: list[str]) -> Response:
    return error(400, f"Incompatible parameters specified in the request: {', '.join(names)}",
                 "incompatibleParameters", "youtube.parameter", location="parameters.", location_type="other")


def auth_required(name: str) -> Response:
    return error(401, f"The request uses the <code>{name}</code> parameter but is not properly authorized.",
                 "authorizationRequired", "youtube.parameter", location=name)


# A bucket's per-minute limit (batchGetStats: 600 calls a minute by default): Google words every quota limit alike,
# with "per minute" for the rate ("...and limit 'Video Batch Get Stats per minute' of service ..."): a wait, not a
# spent day.
STATS_RATE_MESSAGE = STATS_QUOTA_MESSAGE.replace("per day", "per minute")
SEARCH_RATE_MESSAGE = SEARCH_QUOTA_MESSAGE.replace("per day", "per minute")


def rate_error(bucket: str, limit: int) -> Response:
    """The search or stats bucket called more than its per-minute ``limit`` allows: 429 RESOURCE_EXHAUSTED, no
    Retry-After (the client waits for the minute to turn)."""
    if bucket == "stats":
        return _stats_exhausted(STATS_RATE_MESSAGE, "VideoBatchGetStatsPerMinute", str(limit))
    return error(429, SEARCH_RATE_MESSAGE, "rateLimitExceeded", grpc_status="RESOURCE_EXHAUSTED", details=[{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
        "domain": "googleapis.com",
        "metadata": {"service": "youtube.googleapis.com", "quota_metric": "youtube.googleapis.com/search_queries",
                     "quota_limit": "SearchQueriesPerMinute", "quota_limit_value": str(limit),
                     "consumer": "projects/000000000000"},
    }])


class PerMinute:
    """Each bucket's calls in the current minute of ``clock`` (epoch seconds) against its limit (``limits``: bucket ->
    calls a minute; a bucket not named has none). Thread-safe."""

    def __init__(self, limits: Mapping[str, int], clock: Callable[[], float]) -> None:
        self.limits, self.clock = dict(limits), clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._minute, self._calls = -1, {}

    def refuse(self, bucket: str) -> Response | None:
        """The 429 for one call too many this minute (not billed), else None: the call is counted."""
        limit = self.limits.get(bucket)
        if limit is None:
            return None
        with self._lock:
            minute = int(self.clock() // 60)
            if minute != self._minute:
                self._minute, self._calls = minute, {}
            if self._calls.get(bucket, 0) >= limit:
                return rate_error(bucket, limit)
            self._calls[bucket] = self._calls.get(bucket, 0) + 1
        return None


# the messages of injected faults (``YouTubeEmulator.fail_next``), as Google words them
FAULT_MESSAGES = {
    "backendError": "Backend Error",
    "internalError": "Internal error encountered.",
    "rateLimitExceeded": "Rate Limit Exceeded",
    "userRateLimitExceeded": "User Rate Limit Exceeded",
    "serviceUnavailable": "The service is currently unavailable.",
}
PER_MINUTE = {"stats": 600}  # videos.batchGetStats: "600 calls per minute" (its reference page)
