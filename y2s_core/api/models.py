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

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..filters import FilterSpec
from ..models import ROW_FIELDS, Channel, Video, VideoType


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(_Open):
    """Every failure: a message a person can act on, and the error's kind (a stable name to branch on)."""

    error: str = Field(description="what went wrong and what to do")
    kind: str = Field(description="InputError, Unauthorized, ChannelNotFound, QuotaExceeded, TooManyRequests, …")


# ---------------------------------------------------------------------------------------------- filters


def _filters_model() -> type[BaseModel]:
    """The filters body, one optional field per FilterSpec field (text, a number or a list, as the CLI takes)."""
    fields: dict[str, Any] = {}
    for name, rule in FilterSpec.rules().items():
        kind: Any = bool if not rule.metavar else (int | str | list[str] | None)
        fields[name] = (kind, Field(default=False if kind is bool else None, description=rule.help))
    return create_model("Filters", __config__=ConfigDict(extra="forbid"), **fields)


class Filters(_filters_model()):  # type: ignore[misc]
    def spec(self) -> FilterSpec:
        """Lists stay lists (a quoted phrase with a comma stays one keyword); text is parsed like the CLI's."""
        return FilterSpec.from_strings(**self.model_dump())


def _query_model() -> type[BaseModel]:
    """The filters as query parameters: text as the CLI takes it; a repeated keyword parameter adds keywords."""
    defaults = {f.name: f.default for f in dataclasses.fields(FilterSpec)}
    fields: dict[str, Any] = {}
    for name, rule in FilterSpec.rules().items():
        if not rule.metavar:
            fields[name] = (bool, Field(default=False, description=rule.help))
        elif isinstance(defaults.get(name), tuple):  # keywords: include=a,b&include="c, d"
            fields[name] = (list[str] | None, Field(default=None, description=rule.help + " (may repeat)"))
        else:
            fields[name] = (str | None, Field(default=None, description=f"{rule.help} ({rule.metavar})"))
    return create_model("FilterQuery", __config__=ConfigDict(extra="forbid"), **fields)


class FilterQuery(_query_model()):  # type: ignore[misc]
    def spec(self) -> FilterSpec:
        """Each value is CLI text (``"hello, world", ai`` is two keywords); repeated keyword values add up."""
        values = self.model_dump()
        for name, v in values.items():
            if isinstance(v, list):
                values[name] = ", ".join(v) if v else None
        return FilterSpec.from_strings(**values)



# ------------------------------------------------------------------------------------------------- rows

_DTYPES: dict[str, Any] = {"string": str | None, "Int64": int | None, "datetime": str, "object": list[str]}


def _row_model() -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for f in ROW_FIELDS:
        where = f"sheet column {f.header}" if f.header else "not written to sheets"
        fields[f.key] = (_DTYPES.get(f.dtype, Any), Field(description=f"{f.label} ({where})"))
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


class FetchBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"channels": "@y2sdemo", "filters": {"max_videos": 5, "types": ["short", "long"]}},
        {"channels": ["@oldschool", "https://www.youtube.com/@y2sdemo"], "filters": {"include": ["clip, 45 seconds"]}},
    ]})
    channels: str | list[str] = Field(description="channel inputs: @handle, UC… id, channel or video URLs; "
                                      "several separated by newlines or commas, or a list")
    filters: Filters = Field(default_factory=Filters)
    incremental: bool = Field(
        default=False, description="through the store, as the CLI's `fetch --new` / `sync`: a channel it knows costs "
        "its new uploads plus the statistics refreshed (`stats`), a listing cut by the quota resumes. Every fetch is "
        "planned first: the quota planner refuses (429) one that cannot fit what is left of today's budget, unless `force`")
    stats: typing.Literal["none", "recent", "all"] = Field(
        default="recent", description="with incremental: which known videos get fresh statistics (recent: published in "
        "the last 90 days, and with /process the rows already in the target)")
    force: bool = Field(default=False, description="start even when the planner says it cannot fit today's budget "
                        "(what it fetches is kept, and an incremental fetch resumes from it next time)")


class PushRow(_Open):
    """A row as ``fetch`` returns it (any extra keys are kept); it needs a video id or a YouTube URL."""

    video_id: str | None = None
    url: str | None = None
    # a row with neither is refused by the core's push (the same message as the CLI's, naming the row)


TARGET_HELP = ("a Google Sheets URL or key, or a workbook file name (name.xlsx / name.csv) written in the "
               "server's workbooks folder (no folders, '..' or '~')")


class PushBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"rows": [EXAMPLE_ROW], "sheet": "videos.xlsx", "tab": "Videos", "dry_run": True},
        {"rows": [EXAMPLE_ROW], "sheet": "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd/edit",
         "tab": "Videos"},
    ]})
    rows: list[PushRow] = Field(description="rows as returned by fetch")
    sheet: str = Field(description=TARGET_HELP)
    tab: str = Field(default="Videos", description="worksheet name (created when missing)")
    dry_run: bool = Field(default=False, description="plan only: read the target, write nothing")


class ProcessBody(FetchBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"channels": "@oldschool", "filters": {"max_videos": 3}, "sheet": "videos.xlsx", "tab": "Videos",
         "dry_run": True},
    ]})
    sheet: str = Field(description=TARGET_HELP)
    tab: str = Field(default="Videos", description="worksheet name (created when missing)")
    dry_run: bool = Field(default=False, description="fetch and plan, write nothing")


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
    quota: dict[str, int] = Field(description="YouTube units this request spent, per method")
    quota_units: int = Field(description="YouTube units this request spent (0 when answered from the cache)")
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
