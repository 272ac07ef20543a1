"""The REST API's request and response models (pydantic), generated from the core's declarations.

* the fetch filters (``Filters`` in bodies, ``FilterQuery`` in a query string) from ``FilterSpec.rules()``:
  a new filter is declared once, in ``filters.py``;
* a row (``Row``) from ``models.ROW_FIELDS``, a channel (``ChannelOut``) from the ``Channel`` dataclass.

Response models allow extra keys, so a field the core adds to a result (e.g. per channel) is passed on
without a change here; it is documented once it is declared here.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, create_model, model_validator

from ..errors import InputError
from ..filters import MAX_DURATION_SECONDS, FilterSpec
from ..models import ROW_FIELDS, Channel, Video, VideoType
from ..settings import Settings
from ..sheets.push import check_rows
from . import inputs
from .inputs import (
    CHANNEL,
    CHANNELS,
    MAX_CHANNELS,
    ROW_ID_RULE,
    ROW_ID_SCHEMA,
    SHEET,
    TAB,
    QueryBool,
    any_of,
    refuse,
    row_has_video_id,
    text_type,
)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(_Open):
    """Every failure: a message a person can act on, and the error's kind (a stable name to branch on)."""

    error: str = Field(description="what went wrong and what to do")
    kind: str = Field(description="InputError, Unauthorized, ChannelNotFound, QuotaExceeded, TooManyRequests, …")


# ---------------------------------------------------------------------------------------------- filters


def _body_filter(name: str, metavar: str) -> Any:
    """A filter in a JSON body: its text form (as the CLI takes it, in the grammar ``inputs`` states), or the
    JSON shape it also takes (a number, a list)."""
    hint = {"N": "a whole number from 1, or all / none / unlimited", "S": inputs.DURATION_HINT,
            "WORDS": f"a list of at most {inputs.MAX_KEYWORDS} words or phrases of at most "
                     f"{inputs.KEYWORD_MAX_CHARS} characters, or {inputs.KEYWORDS_HINT}",
            "YYYY-MM-DD": "a real date as YYYY-MM-DD, or empty",
            "short,long,live,upcoming": "a list of short, long, live, upcoming (at least one), or that text"}[metavar]
    if metavar == "N":
        return any_of(name, hint, integer=(1, None), text=inputs.MAX_VIDEOS)
    if metavar == "S":
        return any_of(name, hint, integer=(0, MAX_DURATION_SECONDS), text=inputs.duration(name))
    if metavar == "WORDS":
        return any_of(name, hint, text=inputs.keywords(name, 200), items=(
            {"type": "string", "maxLength": inputs.KEYWORD_MAX_CHARS}, _string_item(name, inputs.KEYWORD_MAX_CHARS),
            0, inputs.MAX_KEYWORDS))
    if metavar == "YYYY-MM-DD":
        return any_of(name, hint, text=inputs.date(name))
    return any_of(name, hint, text=inputs.TYPES, items=(
        {"type": "string", "enum": list(inputs.TYPE_NAMES)}, _type_item, 1, 2 * len(inputs.TYPE_NAMES)))


def _string_item(name: str, limit: int) -> Any:
    def check(item: Any) -> str:
        if not isinstance(item, str):
            refuse(f"{name} takes text items, not {type(item).__name__}")
        if len(item) > limit:
            refuse(f"{name}: an item of {len(item):,} characters (at most {limit})")
        return item
    return check


def _type_item(item: Any) -> str:
    if item not in inputs.TYPE_NAMES:
        shown = repr(item)[:40] if isinstance(item, str) else type(item).__name__
        refuse(f"types: {shown} is not one of {', '.join(inputs.TYPE_NAMES)}")
    return str(item)


def _query_filter(name: str, metavar: str) -> Any:
    """A filter as a query parameter: CLI text in the grammar ``inputs`` states (keywords may repeat)."""
    if metavar == "WORDS":
        return list[text_type(inputs.keywords(name, inputs.QUERY_KEYWORD_CHARS))]  # type: ignore[misc]
    grammars = {"N": inputs.MAX_VIDEOS, "S": inputs.duration(name), "YYYY-MM-DD": inputs.date(name),
                "short,long,live,upcoming": inputs.TYPES}
    return text_type(grammars[metavar])


_FILTER_FORMS = ("N", "S", "WORDS", "YYYY-MM-DD", "short,long,live,upcoming", "")


def _rules() -> dict[str, Any]:
    """The filters (FilterSpec.rules()); each value form must have its API grammar here (a new form fails loudly)."""
    rules = FilterSpec.rules()
    unknown = {name: rule.metavar for name, rule in rules.items() if rule.metavar not in _FILTER_FORMS}
    if unknown:
        raise RuntimeError(f"the REST API has no grammar for these filters' values yet (api/models.py): {unknown}")
    return rules


def _filters_model() -> type[BaseModel]:
    """The filters body, one optional field per FilterSpec field (text as the CLI takes it, a number or a list)."""
    fields: dict[str, Any] = {}
    for name, rule in _rules().items():
        if not rule.metavar:
            fields[name] = (StrictBool, Field(default=False, description=rule.help))
        else:
            fields[name] = (_body_filter(name, rule.metavar), Field(default=None, description=rule.help))
    return create_model("Filters", __config__=ConfigDict(extra="forbid"), **fields)


class Filters(_filters_model()):  # type: ignore[misc]
    def spec(self, settings: Settings | None = None) -> FilterSpec:
        """Lists stay lists (a quoted phrase with a comma stays one keyword); text is parsed like the CLI's;
        ``settings``: MAX_VIDEOS for a max_videos left unset."""
        values = self.model_dump()
        return FilterSpec.from_strings(**(settings.filter_defaults(values) if settings else values))


def _query_model() -> type[BaseModel]:
    """The filters as query parameters: text as the CLI takes it; a repeated keyword parameter adds keywords."""
    fields: dict[str, Any] = {}
    for name, rule in _rules().items():
        if not rule.metavar:
            fields[name] = (QueryBool, Field(default=False, description=rule.help + " (true or false)"))
        elif rule.metavar == "WORDS":  # keywords: include=a,b&include="c, d"
            fields[name] = (_query_filter(name, rule.metavar), Field(
                default=None, max_length=inputs.QUERY_KEYWORD_VALUES,
                description=f"{rule.help} (may repeat, up to {inputs.QUERY_KEYWORD_VALUES} times; more keywords: "
                            "POST /fetch with a list)"))
        else:
            fields[name] = (_query_filter(name, rule.metavar), Field(default=None, description=f"{rule.help} "
                                                                     f"({rule.metavar})"))
    return create_model("FilterQuery", __config__=ConfigDict(extra="forbid"), **fields)


class FilterQuery(_query_model()):  # type: ignore[misc]
    def spec(self, settings: Settings | None = None) -> FilterSpec:
        """Each value is CLI text (``"hello, world", ai`` is two keywords); repeated keyword values add up;
        ``settings``: MAX_VIDEOS for a max_videos left unset."""
        values = self.model_dump()
        for name, v in values.items():
            if isinstance(v, list):
                values[name] = ", ".join(v) if v else None
        return FilterSpec.from_strings(**(settings.filter_defaults(values) if settings else values))


# ------------------------------------------------------------------------------------------------- rows

_DTYPES: dict[str, Any] = {"string": str | None, "Int64": int | None, "datetime": str, "object": list[str] | None}
_UNKNOWN = {"object": "; null: not asked of YouTube (a tab listing spares videos.list unless match_tags is set)"}


def _row_model() -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for f in ROW_FIELDS:
        where = f"sheet column {f.header}" if f.header else "not written to sheets"
        fields[f.key] = (_DTYPES.get(f.dtype, Any), Field(description=f"{f.label} ({where}{_UNKNOWN.get(f.dtype, '')})"))
    return create_model("Row", __base__=_Open, **fields)


Row = _row_model()


def _channel_model() -> type[BaseModel]:
    hints = typing.get_type_hints(Channel)
    fields: dict[str, Any] = {
        f.name: (hints[f.name], Field(default=None) if f.default is None else ...) for f in dataclasses.fields(Channel)
    }
    return create_model("ChannelOut", __base__=_Open, **fields)


ChannelOut = _channel_model()


class ResolutionOut(_Open):
    input: str = Field(description="the channel input as sent")
    channel_id: str | None = Field(description="the channel it resolved to (UC…), or null")
    error: str | None = Field(description="why it did not resolve")
    warning: str | None = None


# ---------------------------------------------------------------------------------------------- bodies


# a row as `fetch` gives it, made by the one row schema (models.ROW_FIELDS), its core keys shown
EXAMPLE_ROW = {k: v for k, v in Video(
    id="dQw4w9WgXcQ", channel_id="UCexampleexampleexample1", channel_title="Y2S Demo Lab",
    published_at=datetime(2024, 5, 1, 12, tzinfo=timezone.utc), title="An example", duration_seconds=212,
    type=VideoType.LONG, views=1200, likes=30).to_row().items()
    if k in ("video_id", "channel", "date", "type", "duration_seconds", "title", "url", "views", "likes")}


def _channel_item(item: Any) -> str:
    if not isinstance(item, str):
        refuse(f"channels takes text items, not {type(item).__name__}")
    return CHANNEL.check(item)


Channels = any_of("channels", CHANNELS.hint, text=CHANNELS, items=(CHANNEL.schema(), _channel_item, 1, MAX_CHANNELS),
                  nullable=False, description="channel inputs: @handle, UC… id, channel or video links; several "
                  "separated by commas, semicolons or line breaks, or a list (one input an item)")


class FetchBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"channels": "@y2sdemo", "filters": {"max_videos": 5, "types": ["short", "long"]}},
        {"channels": ["@oldschool", "https://www.youtube.com/@y2sdemo"], "filters": {"include": ["clip, 45 seconds"]}},
    ]})
    channels: Channels = Field(description="channel inputs: @handle, UC… id, channel or video links; several "
                               "separated by commas, semicolons or line breaks, or a list (one input an item)")
    filters: Filters = Field(default_factory=Filters, description="the filters (their text forms as the CLI takes "
                             "them; min_duration <= max_duration and since <= until, else 400)")
    incremental: StrictBool = Field(
        default=False, description="through the store, as the CLI's `fetch --new` / `sync`: a channel it knows costs "
        "its new uploads plus the statistics refreshed (`stats`), a listing cut by the quota resumes. Every fetch is "
        "planned first: the quota planner refuses (429) one that cannot fit what is left of today's budget, unless `force`")
    stats: typing.Literal["none", "recent", "all"] = Field(
        default="recent", description="with incremental: which known videos get fresh statistics (recent: published in "
        "the last 90 days, and with /process the rows already in the target)")
    force: StrictBool = Field(default=False, description="start even when the planner says it cannot fit today's "
                              "budget (what it fetches is kept, and an incremental fetch resumes from it next time)")


def _count(name: str) -> Any:
    return any_of(name, "views, likes and comments are whole numbers from 0, or null", integer=(0, None))


class PushRow(_Open):
    """A row as ``fetch`` returns it (any extra keys are kept); it needs a video id or a YouTube video link."""

    model_config = ConfigDict(extra="allow", json_schema_extra=ROW_ID_SCHEMA)  # the rule PushBody enforces
    video_id: StrictStr | None = None
    url: StrictStr | None = None
    views: _count("views") = None  # type: ignore[valid-type]
    likes: _count("likes") = None  # type: ignore[valid-type]
    comments: _count("comments") = None  # type: ignore[valid-type]


def _rows_have_ids(rows: list[PushRow]) -> None:
    """PushRow's documented rule (``inputs.ROW_ID_SCHEMA``), said with the row numbers, in the core's words when
    the core's push refuses the rows too."""
    bad = [i for i, row in enumerate(rows, 1) if not row_has_video_id(row.model_dump(include={"video_id", "url"}))]
    if not bad:
        return
    try:
        check_rows([row.model_dump(exclude_unset=True) for row in rows])
    except InputError as exc:
        refuse(str(exc))
    where = ", ".join(f"row {i}" for i in bad[:5]) + (", …" if len(bad) > 5 else "")
    refuse(f"{len(bad):,} row(s) without a video id the API takes ({where}): {ROW_ID_RULE}")


TARGET_HELP = ("a Google Sheets URL or key, or a workbook file name (name.xlsx / name.csv) written in the "
               "server's workbooks folder (no folders, '..' or '~')")
TAB_HELP = "worksheet name (created when missing); empty: Videos"
Sheet = text_type(SHEET)
Tab = text_type(TAB)


class PushBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"rows": [EXAMPLE_ROW], "sheet": "videos.xlsx", "tab": "Videos", "dry_run": True},
        {"rows": [EXAMPLE_ROW], "sheet": "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd/edit",
         "tab": "Videos"},
    ]})
    rows: list[PushRow] = Field(description="rows as returned by fetch")
    sheet: Sheet = Field(description=TARGET_HELP)
    tab: Tab = Field(default="Videos", description=TAB_HELP)
    dry_run: StrictBool = Field(default=False, description="plan only: read the target, write nothing")

    @model_validator(mode="after")
    def _rows_need_ids(self) -> PushBody:
        _rows_have_ids(self.rows)
        return self


class ProcessBody(FetchBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"channels": "@oldschool", "filters": {"max_videos": 3}, "sheet": "videos.xlsx", "tab": "Videos",
         "dry_run": True},
    ]})
    sheet: Sheet = Field(description=TARGET_HELP)
    tab: Tab = Field(default="Videos", description=TAB_HELP)
    dry_run: StrictBool = Field(default=False, description="fetch and plan, write nothing")


# ------------------------------------------------------------------------------------------- responses


class Health(_Open):
    ok: bool
    version: str
    demo: bool = Field(description="no YouTube key: fetches use the built-in demo catalog")
    youtube_configured: bool = Field(description="a YouTube key is set (never its value)")
    sheets_configured: bool = Field(description="a service account or a Sheets endpoint is set (never its value)")
    store_reachable: bool = Field(description="the local state (quota ledger) can be read")
    auth: bool = Field(description="whether the other routes need a bearer token")
    breakers: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="the circuit breaker of each upstream this process called ('<service> <endpoint>'): state "
                    "(closed, open, half-open), consecutive failures, seconds until a trial call")


class SyncReportOut(_Open):
    channel_id: str
    channel: str = Field(description="the channel's title")
    mode: str = Field(description="incremental (down to the last listing), resume (a cut listing continued) or full")
    new: int = Field(description="videos stored for the first time")
    refreshed: int = Field(description="known videos whose statistics were read again")
    gone: int = Field(description="known videos YouTube no longer returns (deleted or private)")
    units: int = Field(description="YouTube units this channel cost")
    complete: bool
    note: str


class FetchOut(_Open):
    rows: list[Row]  # type: ignore[valid-type]
    channels: list[ChannelOut]  # type: ignore[valid-type]
    resolutions: list[ResolutionOut]
    skipped_ids: list[str] = Field(description="listed by the playlist, omitted by videos.list (deleted/private)")
    warnings: list[str]
    quota: dict[str, int] = Field(description="YouTube quota this request spent, per method (search.list and "
                                  "videos.batchGetStats in calls of their own buckets)")
    quota_units: int = Field(description="YouTube units this request spent (0 when answered from the cache)")
    search_calls: int = Field(default=0, description="search.list calls this request spent (their own bucket)")
    stats_calls: int = Field(default=0, description="videos.batchGetStats calls this request spent (their own bucket)")
    quota_line: str | None = Field(default=None, description="the three buckets this request spent, each with its "
                                   "daily budget (the CLI's quota line)")
    budgets: dict[str, int] | None = Field(default=None, description="each bucket's daily budget: units (main pool, "
                                           "Y2S_DAILY_QUOTA), search (Y2S_DAILY_SEARCH_CALLS), stats "
                                           "(Y2S_DAILY_STATS_CALLS)")
    complete: bool = Field(description="false when the quota ran out part-way")
    cached: bool = Field(default=False, description="answered from a fetch finished moments ago (GET only)")
    plan: str | None = Field(default=None, description="with incremental: the quota planner's estimate and today's "
                             "budget")
    sync: list[SyncReportOut] | None = Field(default=None, description="with incremental: how each channel was fetched")


class PushOut(_Open):
    new: int
    updated: int
    unchanged: int
    summary: str
    warnings: list[str] = Field(description="duplicates in the sheet or the input, rows skipped, …")
    target: str = Field(description="the sheet URL or the workbook's file name")
    url: str | None
    dry_run: bool
    requests: int = Field(description="Google Sheets requests made (0 for a workbook)")


class ProcessOut(_Open):
    fetch: FetchOut
    push: PushOut


class QuotaErrorBody(ErrorBody):
    partial: FetchOut | None = Field(default=None, description="what was fetched before the quota ran out")
    push: PushOut | None = Field(default=None, description="/process: the push of the partial rows")


__all__ = ["ChannelOut", "ErrorBody", "FetchBody", "FetchOut", "FilterQuery", "Filters", "Health", "ProcessBody",
           "ProcessOut", "PushBody", "PushOut", "PushRow", "QuotaErrorBody", "ResolutionOut", "Row", "SyncReportOut"]
