"""The /api/v1 routes: thin calls into the core (fetch, push), the target rule, and the answers' shapes.

Each fetch builds its own client (``service.open_client``: quota is counted per request, nothing shared
between callers) inside a fetch slot of its caller (held in the store: every API process on it counts the same
slots); its plan's units are reserved in the store before it runs (``store.budgets``: Y2S_DAILY_QUOTA for
everyone, Y2S_API_TOKEN_DAILY_UNITS per token), and its spend reaches the quota ledger as it goes, in the name
of its token's hash (``store.ledger``: an unwritable ledger is a logged warning, never lost rows).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from .. import breaker, telemetry
from ..channel_input import parse as parse_channels
from ..errors import InputError, QuotaExceeded, StoreError
from ..filters import FilterSpec
from ..models import FetchResult
from ..quota import DailyBudgets, quota_line
from ..quota_planner import QuotaPlan, WouldNotFit
from ..service import FetchRun, open_client, settle
from ..service import fetch as fetch_videos
from ..settings import Settings
from ..sheets import (
    LocalWorkbookTarget,
    PushResult,
    SheetTarget,
    local_workbook,
    open_target,
    parse_spreadsheet_key,
    push,
)
from ..sheets.planner import video_ids
from ..sheets.targets import WORKBOOK_SUFFIXES
from ..store.budgets import BudgetRefused, Hold, PlanReservation, Standing
from ..store.ledger import Ledger, spent_today, spent_today_by_bucket
from .cache import fetch_key
from .config import ApiConfig
from .errors import ApiError, error_body, retry_after_quota, y2s_error_response
from .inputs import CHANNEL, text_type
from .models import (
    ErrorBody,
    FetchBody,
    FetchOut,
    FilterQuery,
    Health,
    ProcessBody,
    ProcessOut,
    PushBody,
    PushOut,
    QuotaErrorBody,
)
from .security import require_token

_log = logging.getLogger("y2s_core.api")

VERSION = "0.1.0"
router = APIRouter(prefix="/api/v1")
Caller = Annotated[str, Depends(require_token)]
ChannelPath = text_type(CHANNEL)

_ERRORS: dict[int, str] = {
    400: "invalid input (InputError): a value this document does not admit, or one of the two rules it states in "
         "words (min_duration <= max_duration, since <= until); or a Host not allowed (HostNotAllowed)",
    401: "no or wrong bearer token (Unauthorized)",
    403: "key or service account refused (KeyInvalid, PermissionDenied), or a sheet not in Y2S_API_ALLOWED_SHEETS",
    404: "no such channel or spreadsheet (ChannelNotFound, SheetNotFound)",
    413: "request body over Y2S_API_MAX_BODY_BYTES (PayloadTooLarge)",
    429: "YouTube quota spent (QuotaExceeded: partial rows ride along; Retry-After = seconds to midnight Pacific), "
         "or a fetch refused before it started (WouldNotFit: `budget` says which, \"key\" for Y2S_DAILY_QUOTA or "
         "\"token\" for Y2S_API_TOKEN_DAILY_UNITS; `today` says \"you: N of M units today; everyone: X of Y\"; "
         "Retry-After = seconds to midnight Pacific), or this token's fetches are all running in the API's "
         "processes (TooManyRequests; Retry-After: 1)",
    500: "a bug (Error)",
    502: "Google failed; retry later (YouTubeError, SheetsError)",
    503: "Y2S_API_TOKEN_DAILY_UNITS is set and the store that counts it cannot be written (StoreUnavailable; "
         "Retry-After: 60)",
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for c in codes:
        entry: dict[str, Any] = {"model": QuotaErrorBody if c == 429 else ErrorBody, "description": _ERRORS[c]}
        if c == 429:
            entry["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}}
        out[c] = entry
    return out


# ------------------------------------------------------------------------------------------ the shapes


def result_json(result: FetchResult, budgets: DailyBudgets | None = None) -> dict[str, Any]:
    """A fetch result as the API (and the CLI's JSON rows) show it; extend here when the result grows.
    ``budgets`` (``Settings.budgets``): the quota line names each bucket with its daily budget."""
    return {
        "rows": result.rows(),
        "channels": [asdict(c) for c in result.channels],
        "resolutions": [
            {"input": str(r.ref), "channel_id": r.channel.id if r.channel else None, "error": r.error,
             "warning": r.warning}
            for r in result.resolutions
        ],
        "skipped_ids": list(result.skipped_ids),
        "warnings": list(result.warnings),
        "quota": dict(result.quota),
        "quota_units": result.quota_units,
        "search_calls": result.search_calls,
        "stats_calls": result.stats_calls,
        "quota_line": quota_line(result.quota_units, result.quota, budgets or DailyBudgets()),
        "budgets": asdict(budgets or DailyBudgets()),
        "complete": result.complete,
        "incomplete": list(result.incomplete),
        "type_rules": dict(result.type_rules),
    }


def push_json(result: PushResult, target: SheetTarget) -> dict[str, Any]:
    p = result.plan
    where = result.url or (target.path.name if isinstance(target, LocalWorkbookTarget) else result.target)
    return {"new": p.new, "updated": p.updated, "unchanged": p.unchanged, "summary": p.summary(),
            "warnings": list(p.warnings), "target": where, "url": result.url, "dry_run": result.dry_run,
            "requests": result.requests}


# ----------------------------------------------------------------------------------------- the rules


def api_target(sheet: str, tab: str, settings: Settings, config: ApiConfig) -> SheetTarget:
    """A push target for an API client: a Google sheet (allow-listed when Y2S_API_ALLOWED_SHEETS is set) or a
    workbook name confined to the workbooks folder (``sheets.local_workbook``, the app's rule too)."""
    s = (sheet or "").strip()
    try:
        key: str | None = parse_spreadsheet_key(s)
    except InputError:
        if "://" in s or s.lower().startswith("docs.google"):
            raise
        key = None
    if key is None:
        if Path(s).suffix.lower() not in WORKBOOK_SUFFIXES and not any(c in s for c in "/\\~"):
            raise InputError(f"{s[:80]!r} is neither a Google Sheets URL or key nor a workbook file name "
                             "(name.xlsx or name.csv).")
        return LocalWorkbookTarget(local_workbook(settings, s), tab)
    if config.allowed_sheets is not None and key not in config.allowed_sheets:
        raise ApiError(403, "SheetNotAllowed", f"The spreadsheet {key[:12]}… is not one this server writes to "
                       "(Y2S_API_ALLOWED_SHEETS).")
    return open_target(key, tab, settings)


def _fetch(request: Request, caller: str, hold: Hold | None, channels: Any, spec: FilterSpec,
           body: FetchBody | None = None, sheet_ids: frozenset[str] = frozenset()) -> tuple[FetchRun, dict[str, Any]]:
    """The one fetch use case (``service.fetch``: planned first; stored; the ledger written as it goes, in the
    caller's name): the run, and what the answer says beside its rows (``body.incremental``: through the store;
    its plan and per-channel reports). A fetch cut part-way is a run with an error beside the rows it kept.

    Before any call past the resolution, the plan's units are reserved in the store on the caller's slot
    (``hold``; ``store.budgets``) against Y2S_DAILY_QUOTA less what everyone spent and reserved (``force`` lifts
    that one), and against Y2S_API_TOKEN_DAILY_UNITS less what this token spent and reserved (nothing lifts
    that): ``BudgetRefused`` (429) when it does not fit, in any API process on the store."""
    settings, config = _state(request)
    said: dict[str, Any] = {}
    client = open_client(settings, who=caller)  # per request: its spend reaches the ledger as it goes
    ledger = client.meter.sink
    assert isinstance(ledger, Ledger)
    incremental = body is not None and body.incremental
    force = body is not None and body.force
    reservation = PlanReservation(request.app.state.budgets, ledger, who_daily=config.token_daily_units,
                                  who_kind="token", who_setting="Y2S_API_TOKEN_DAILY_UNITS", force=force,
                                  force_hint='"force": true', hold=hold)

    def reserve(plan: QuotaPlan) -> None:
        try:
            reservation(plan)
        except (StoreError, InputError):  # only with a token budget, which is not granted unchecked
            raise ApiError(503, "StoreUnavailable", "This token's daily budget (Y2S_API_TOKEN_DAILY_UNITS) cannot "
                           "be checked: the store could not be written. Retry in a minute.",
                           headers={"Retry-After": "60"}) from None

    try:
        run = fetch_videos(client, settings, channels, spec, incremental=incremental,
                           stats=body.stats if body is not None else "recent", sheet_ids=sheet_ids,
                           force=force, force_hint='"force": true', on_plan=reserve)
    finally:  # the last units; an unwritable ledger is a logged warning, not a lost result
        settle(client)
        client.close()
        reservation.close()  # a hold of its own (when the slots fell back to this process's count)
    if incremental:
        said.update(plan=run.plan.line(), sync=[
            {"channel_id": r.channel.id, "channel": r.channel.title, "mode": r.mode, "new": r.new,
             "refreshed": r.refreshed, "gone": r.gone, "units": r.units, "complete": r.complete, "note": r.note}
            for r in run.reports])
    today = _standing(request, caller)
    if today is not None:
        said.update(today=today.line(), standing=today.as_dict())
    return run, said


def _standing(request: Request, caller: str) -> Standing | None:
    """Where the caller and everyone stand today ("you: 120 of 500 units today; everyone: 3,400 of 10,000")."""
    settings, config = _state(request)
    try:
        return request.app.state.budgets.standing(caller, config.token_daily_units)
    except (StoreError, InputError):
        return None


def _refused(request: Request, caller: str, exc: QuotaExceeded) -> JSONResponse:
    """A fetch refused before it started (``BudgetRefused`` in the store, or the planner's ``WouldNotFit``): 429,
    Retry-After to midnight Pacific, which budget ("token" or "key") and where the caller and everyone stand."""
    settings, _ = _state(request)
    standing = exc.standing if isinstance(exc, BudgetRefused) else _standing(request, caller)
    extra: dict[str, Any] = {"budget": exc.budget if isinstance(exc, BudgetRefused) else "key", "bucket": exc.bucket}
    if standing is not None:
        extra.update(today=standing.line(), standing=standing.as_dict())
    # one kind for a fetch refused before it started, whichever budget refused it
    return JSONResponse(error_body(settings.redact(str(exc)), "WouldNotFit", **extra), status_code=429,
                        headers={"Retry-After": retry_after_quota(exc)})


def _push(rows: list[dict[str, Any]], target: SheetTarget, dry_run: bool) -> dict[str, Any]:
    result = push(rows, target, dry_run=dry_run)
    if not dry_run:
        telemetry.rows_written("local" if isinstance(target, LocalWorkbookTarget) else "google",
                               result.plan.new + result.plan.updated)
    return push_json(result, target)


def _state(request: Request) -> tuple[Settings, ApiConfig]:
    return request.app.state.settings, request.app.state.config


# ---------------------------------------------------------------------------------------------- routes


@router.get("/health", response_model=Health, responses=_errors(400, 413), summary="Liveness and configuration")
def health(request: Request) -> dict[str, Any]:
    """Alive; version; demo mode; which credentials are configured (never their values); the store; the
    circuit breakers (an upstream that kept failing is not called for a cool-down). No token."""
    settings, config = _state(request)
    return {"ok": True, "version": VERSION, "demo": settings.demo, "youtube_configured": settings.has_youtube_key,
            "sheets_configured": settings.has_sheets, "store_reachable": store_reachable(settings),
            "auth": config.requires_token, "breakers": breaker.states()}


def store_reachable(settings: Settings) -> bool:
    """Whether the local state can be read (through the quota module, whatever store backs it)."""
    return spent_today(settings) is not None


@router.get("/channels/{channel:path}/videos", response_model=FetchOut, summary="A channel's videos",
            responses=_errors(400, 401, 403, 404, 413, 429, 500, 502, 503))
async def channel_videos(
    request: Request, caller: Caller,
    channel: Annotated[ChannelPath, PathParam(
        description="one channel input: @handle, UC… id, or a youtube.com / youtu.be channel or video link "
                    "(percent-encoded in the path, e.g. https%3A%2F%2Fwww.youtube.com%2F%40oldschool)",
        openapi_examples={"handle": {"value": "@y2sdemo"},
                          "link": {"value": "https://www.youtube.com/@oldschool"}})],
    filters: Annotated[FilterQuery, Query()],
) -> Any:
    """The channel's videos as rows (the CLI's JSON), the quota spent and whether the fetch is complete.

    Answers from a fetch finished within Y2S_API_CACHE_SECONDS with the same inputs, filters and key
    (``cached``: true, no quota spent)."""
    settings, _ = _state(request)
    spec = filters.spec(settings)
    refs = parse_channels(channel)
    key = fetch_key(refs, spec, settings.account_fingerprint)
    hit = request.app.state.cache.get(key)
    if hit is not None:  # answered on the event loop: no worker thread for a cached answer
        return Response(hit, media_type="application/json")
    return await run_in_threadpool(_videos_miss, request, caller, settings, refs, spec, key)


def _videos_miss(request: Request, caller: str, settings: Settings, refs: Any, spec: FilterSpec, key: Any) -> Any:
    cache = request.app.state.cache
    try:
        with request.app.state.slots.take(caller) as hold:
            run, said = _fetch(request, caller, hold, refs, spec)
            if run.error is not None:
                return _partial_response(run, settings, said)
    except (WouldNotFit, BudgetRefused) as e:
        return _refused(request, caller, e)
    answer = {**result_json(run.result, settings.budgets), **said}
    if answer["complete"] and cache.ttl > 0:  # as a later hit answers: no quota spent then
        kept = {k: v for k, v in answer.items() if k not in ("today", "standing")}  # the caller's, not the cache's
        cache.put(key, FetchOut.model_validate({**kept, "quota": {}, "quota_units": 0, "search_calls": 0,
                                                "stats_calls": 0, "quota_line": quota_line(0, {}, settings.budgets),
                                                "cached": True}).model_dump_json().encode())
    return answer


@router.post("/fetch", response_model=FetchOut, summary="Fetch channels' videos",
             responses=_errors(400, 401, 403, 404, 413, 429, 500, 502, 503))
def fetch(request: Request, body: FetchBody, caller: Caller) -> Any:
    """Fetch one or more channels with filters: rows, channels, resolutions, warnings, quota, completeness."""
    settings, _ = _state(request)
    spec = body.filters.spec(settings)
    try:
        with request.app.state.slots.take(caller) as hold:
            run, said = _fetch(request, caller, hold, body.channels, spec, body)
    except (WouldNotFit, BudgetRefused) as e:
        return _refused(request, caller, e)
    if run.error is not None:
        return _partial_response(run, settings, said)
    return {**result_json(run.result, settings.budgets), **said}


@router.post("/push", response_model=PushOut, summary="Upsert rows into a sheet or workbook",
             responses=_errors(400, 401, 403, 404, 413, 500, 502))
def push_rows(request: Request, body: PushBody, caller: Caller) -> dict[str, Any]:
    """Upsert rows (as fetch returns them) into a Google Sheet tab or a workbook in the workbooks folder.

    Re-pushing adds no duplicate and refreshes the statistics; the plan's warnings come back."""
    settings, config = _state(request)
    target = api_target(body.sheet, body.tab, settings, config)
    return _push([r.model_dump(exclude_unset=True) for r in body.rows], target, body.dry_run)


@router.post("/process", response_model=ProcessOut, summary="Fetch, then push",
             responses=_errors(400, 401, 403, 404, 413, 429, 500, 502, 503))
def process(request: Request, body: ProcessBody, caller: Caller) -> Any:
    """Fetch channels with filters and upsert the rows into the target in one call (``dry_run``: plan only).

    The target is checked before any quota is spent. When the quota runs out part-way (429) or YouTube keeps
    failing (502), the rows fetched so far are still pushed and the answer carries ``partial`` and ``push``."""
    settings, config = _state(request)
    spec = body.filters.spec(settings)
    target = api_target(body.sheet, body.tab, settings, config)
    sheet_ids = frozenset(video_ids(target.read())) if body.incremental and body.stats == "recent" else frozenset()
    try:
        with request.app.state.slots.take(caller) as hold:
            run, said = _fetch(request, caller, hold, body.channels, spec, body, sheet_ids)
            run.raise_unless_kept()
            pushed = _push(run.result.rows(), target, body.dry_run)
    except (WouldNotFit, BudgetRefused) as e:
        return _refused(request, caller, e)
    if run.error is not None:
        return _partial_response(run, settings, said, push=pushed)
    return {"fetch": {**result_json(run.result, settings.budgets), **said}, "push": pushed}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response, responses={
    200: {"description": "Prometheus text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}},
    **_errors(400, 401, 413)})
def metrics(request: Request, caller: Caller) -> Response:
    """Requests by route and status, upstream calls by service/method/outcome, quota units spent per method and
    per bucket, each bucket's daily budget and today's spend, rows written, durations (prometheus_client's text
    format)."""
    settings, _ = _state(request)
    telemetry.quota_buckets(settings.budgets, spent_today_by_bucket(settings))
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _partial_response(run: FetchRun, settings: Settings, said: dict[str, Any], **extra: Any) -> JSONResponse:
    """A fetch stopped part-way: the error's shape and status, with the rows fetched so far in ``partial``
    (an incremental fetch's plan and per-channel reports, ``said``, with them) when it kept any (a quota stop
    always says what it kept, even none)."""
    error = run.told()
    assert error is not None
    if not run.kept:
        return y2s_error_response(error, settings, **extra)
    return y2s_error_response(error, settings, partial={**result_json(run.result, settings.budgets), **said}, **extra)


__all__ = ["VERSION", "api_target", "push_json", "result_json", "router", "store_reachable"]
