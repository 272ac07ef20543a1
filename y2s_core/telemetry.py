"""Logs and metrics, the same for every face (CLI, REST API, app): stdlib logging plus prometheus_client.

Logging is configured once per process by ``configure_logging`` from two variables:

    Y2S_LOG_LEVEL    DEBUG | INFO | WARNING | ERROR (default: each face's own; the CLI leaves logging
                     alone unless one of the two is set, so its stderr stays the documented lines)
    Y2S_LOG_FORMAT   text (default) | json (one JSON object a line: time, level, logger, message, fields)

Every record is redacted on the way out: the secrets handed to ``configure_logging`` (the YouTube key,
the service account's private key and its id, the API tokens) never reach a log line, whatever logged
them (a library's message, a traceback).

``upstream_call`` is THE hook for a call to Google: the transports call it once per HTTP answer
(YouTube: ``youtube.transport.MeteredHttp.request``; Sheets: a response hook ``observe_session`` puts
on gspread's session, so every retry counts). It writes one record on the ``y2s_core.upstream`` logger
(service, method, status, units, duration, outcome; DEBUG when it went as expected, INFO for another
4xx, WARNING for 429 and 5xx) and feeds the Prometheus counters the REST API
serves at ``/api/v1/metrics``. Metrics live in prometheus_client's default registry: per process, like
the process metrics it already holds.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from prometheus_client import REGISTRY, Counter, Gauge, Histogram

from .quota import BUCKETS, bucket_of

LEVEL_ENV, FORMAT_ENV = "Y2S_LOG_LEVEL", "Y2S_LOG_FORMAT"
FORMATS = ("text", "json")
UPSTREAM_LOGGER = "y2s_core.upstream"

def _metric(kind: Any, name: str, doc: str, labels: list[str]) -> Any:
    """The process's collector of that name: made once, found again when this module is imported anew (Streamlit's
    file watcher re-imports a changed module; registering the same name twice raises Duplicated timeseries).
    prometheus_client has no public "get or create": its registry's name index is read for that one case."""
    try:
        return kind(name, doc, labels)
    except ValueError:
        found = REGISTRY._names_to_collectors.get(name)  # noqa: SLF001 - see the docstring
        if found is None:
            raise
        return found


UPSTREAM_CALLS = _metric(Counter, "y2s_upstream_calls", "HTTP calls to Google APIs, by service, method and outcome",
                         ["service", "method", "outcome"])
UPSTREAM_SECONDS = _metric(Histogram, "y2s_upstream_call_duration_seconds", "Duration of one call to a Google API",
                             ["service", "method"])
QUOTA_UNITS = _metric(Counter, "y2s_youtube_quota_units", "YouTube Data API quota units spent (as Google charges them)",
                      ["method"])
QUOTA_SPENT = _metric(Counter, "y2s_youtube_quota_spent", "YouTube quota spent per bucket: units of the main pool, calls of "
                      "the search.list and videos.batchGetStats buckets", ["bucket"])
QUOTA_BUDGET = _metric(Gauge, "y2s_youtube_quota_daily_budget", "Each YouTube quota bucket's daily budget (Y2S_DAILY_QUOTA, "
                     "Y2S_DAILY_SEARCH_CALLS, Y2S_DAILY_STATS_CALLS)", ["bucket"])
QUOTA_TODAY = _metric(Gauge, "y2s_youtube_quota_spent_today", "YouTube quota spent today (Pacific) per bucket with this key "
                    "on this machine, every face (the quota ledger; absent when it cannot be read)", ["bucket"])
ROWS_WRITTEN = _metric(Counter, "y2s_rows_written", "Rows appended or updated in a sheet or workbook", ["target"])

_log = logging.getLogger(UPSTREAM_LOGGER)


# ------------------------------------------------------------------------------------- upstream calls


def outcome(status: int) -> str:
    """An HTTP status as a small set of outcomes (a bounded Prometheus label)."""
    if status < 400:
        return "ok"
    if status == 404:
        return "not_found"  # an expected answer too: a channel without a Shorts playlist
    if status == 429:
        return "rate_limited"
    return "client_error" if status < 500 else "server_error"


def upstream_call(service: str, method: str, *, status: int, seconds: float, units: int = 0) -> None:
    """One HTTP answer from Google: one log record and the upstream metrics. Never raises.

    ``units``: YouTube quota units Google charged for it (0 for Sheets, which counts requests, not units).
    """
    try:
        result = outcome(status)
        UPSTREAM_CALLS.labels(service, method, result).inc()
        UPSTREAM_SECONDS.labels(service, method).observe(max(seconds, 0.0))
        if units:
            QUOTA_UNITS.labels(method).inc(units)
            QUOTA_SPENT.labels(bucket_of(method)).inc(units)
        # expected answers (a Shorts playlist that does not exist, a tab not there yet) are not worth a warning
        level = {"ok": logging.DEBUG, "not_found": logging.DEBUG, "client_error": logging.INFO}.get(result,
                                                                                                    logging.WARNING)
        if _log.isEnabledFor(level):
            fields = {"service": service, "method": method, "status": status, "units": units,
                      "duration_ms": round(seconds * 1000, 1), "outcome": result}
            _log.log(level, "%s %s %s (%s, %.0f ms, %d units)", service, method, status, result,
                     seconds * 1000, units, extra={"fields": fields})
    except Exception:  # telemetry must never break a fetch or a push
        pass


_VALUES_VERBS = frozenset({"append", "clear", "batchGet", "batchUpdate", "batchClear", "batchGetByDataFilter",
                           "batchUpdateByDataFilter", "batchClearByDataFilter"})


def sheets_method(http_method: str, url: str) -> str:
    """'GET .../v4/spreadsheets/ID/values/A1' -> 'values.get'; '.../ID:batchUpdate' -> 'spreadsheets.batchUpdate'."""
    path = unquote(urlsplit(url).path)
    if "/spreadsheets/" not in path:
        return "other"
    rest = path.split("/spreadsheets/", 1)[1].split("/")
    verb = http_method.lower()
    if len(rest) == 1:  # ID or ID:batchUpdate
        custom = rest[0].partition(":")[2]
        return f"spreadsheets.{custom or ('get' if verb == 'get' else verb)}"
    custom = rest[-1].partition(":")[2]
    if custom in _VALUES_VERBS:  # values:batchUpdate, values/A1:append (a range's own colon, A1:Z, is no verb)
        return f"values.{custom}"
    return {"get": "values.get", "put": "values.update", "post": "values.post"}.get(verb, f"values.{verb}")


def _sheets_response_hook(response: Any, *args: Any, **kwargs: Any) -> Any:
    req = response.request
    upstream_call("sheets", sheets_method(req.method or "GET", req.url or ""), status=int(response.status_code),
                  seconds=response.elapsed.total_seconds())
    return response


def observe_session(session: Any, service: str = "sheets") -> None:
    """Record every answer a ``requests.Session`` gets (retries included) through ``upstream_call``; idempotent."""
    hooks = session.hooks.setdefault("response", [])
    if _sheets_response_hook not in hooks:
        hooks.append(_sheets_response_hook)


def quota_buckets(budgets: Any, today: Mapping[str, int] | None) -> None:
    """Each bucket's daily budget (``Settings.budgets``) and today's spend (``ledger.spent_today_by_bucket``; None:
    unreadable, the today series are removed rather than left stale) as gauges; the API sets them at each scrape."""
    for name in BUCKETS:
        QUOTA_BUDGET.labels(name).set(budgets.of(name))
        if today is None:
            try:
                QUOTA_TODAY.remove(name)
            except KeyError:
                pass
        else:
            QUOTA_TODAY.labels(name).set(int(today.get(name, 0)))


def rows_written(target: str, count: int) -> None:
    """Rows a push appended or updated (``target``: "local" or "google")."""
    if count:
        ROWS_WRITTEN.labels(target).inc(count)


def started() -> float:
    """A start time for ``seconds_since`` (monotonic)."""
    return time.monotonic()


def seconds_since(start: float) -> float:
    return time.monotonic() - start


# -------------------------------------------------------------------------------------------- logging


class _Redactor:
    """Removes known secret strings (and each long line of a PEM key) from a formatted record."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        parts: set[str] = set()
        for s in secrets:
            if not s or len(s) < 6:
                continue
            parts.add(s)
            if "-----BEGIN" in s:  # a PEM key: also any one of its base64 lines, should a message cut it
                parts.update(line.strip() for line in s.replace("\\n", "\n").splitlines() if len(line.strip()) >= 16)
        self.parts = sorted(parts, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for p in self.parts:
            if p in text:
                text = text.replace(p, "[redacted]")
        return text


class TextFormatter(logging.Formatter):
    """'2025-01-31T12:00:00.123Z INFO y2s_core.api message key=value ...', redacted."""

    def __init__(self, redact: _Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        fields: Mapping[str, Any] = getattr(record, "fields", None) or {}
        line = f"{_timestamp(record)} {record.levelname} {record.name} {record.getMessage()}"
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return self.redact(line)


class JsonFormatter(logging.Formatter):
    """One JSON object a record: time, level, logger, message, the record's ``fields``, exception text."""

    def __init__(self, redact: _Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"time": _timestamp(record), "level": record.levelname, "logger": record.name,
                               "message": record.getMessage()}
        out.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(out, ensure_ascii=False, default=str))


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Y2SHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``configure_logging`` installs (a second call replaces it). Without a stream of its own
    it writes to whatever ``sys.stderr`` is when a record comes (test runners and servers swap it)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream or sys.stderr)
        self._follow = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        if self._follow:
            self.stream = sys.stderr
        super().emit(record)


def log_settings(env: Mapping[str, str] | None = None, default_level: str | None = "WARNING") -> tuple[str, str] | None:
    """(level, format) from the environment, or None when neither variable is set and there is no default.

    Raises ``InputError`` naming the variable when a value is not one of the accepted ones.
    """
    from .errors import InputError

    env = os.environ if env is None else env
    level = (env.get(LEVEL_ENV) or "").strip().upper()
    fmt = (env.get(FORMAT_ENV) or "").strip().lower()
    if not level and not fmt and default_level is None:
        return None
    level = level or default_level or "WARNING"
    if level == "WARN":
        level = "WARNING"
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise InputError(f"{LEVEL_ENV}={level[:20]!r} is not a level: use DEBUG, INFO, WARNING or ERROR.")
    fmt = fmt or "text"
    if fmt not in FORMATS:
        raise InputError(f"{FORMAT_ENV}={fmt[:20]!r} is not a format: use text or json.")
    return level, fmt


def configure_logging(
    env: Mapping[str, str] | None = None, *, default_level: str | None = "WARNING",
    secrets: Iterable[str | None] = (), stream: TextIO | None = None,
) -> logging.Handler | None:
    """Install one handler on the root logger, as ``Y2S_LOG_LEVEL`` / ``Y2S_LOG_FORMAT`` say; redact ``secrets``.

    Idempotent: a second call replaces the handler it installed. ``default_level=None`` leaves logging
    untouched (returns None) unless a variable is set: the CLI's stderr is its documented output.
    """
    chosen = log_settings(env, default_level)
    if chosen is None:
        return None
    level, fmt = chosen
    redact = _Redactor(secrets)
    handler = _Y2SHandler(stream)
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else TextFormatter(redact))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Y2SHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def settings_secrets(settings: Any) -> list[str | None]:
    """The secrets a ``Settings`` holds, for ``configure_logging(secrets=...)``."""
    from .settings import url_passwords

    info = getattr(settings, "service_account_info", None) or {}
    return [getattr(settings, "youtube_api_key", None), info.get("private_key"), info.get("private_key_id"),
            *url_passwords(getattr(settings, "database_url", None) or "")]  # the store's database password


__all__ = [
    "configure_logging",
    "log_settings",
    "observe_session",
    "outcome",
    "quota_buckets",
    "rows_written",
    "settings_secrets",
    "sheets_method",
    "upstream_call",
]
