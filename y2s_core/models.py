"""Frozen data models shared by every layer, and the ONE row schema every table derives from.

A ``Video`` turns into a *row* (a plain dict, ``Video.to_row()``): the JSON the CLI prints, its CSV, the
input of ``sheets.plan_upsert`` and of the REST API. ``ROW_FIELDS`` declares each field of a row once: its key,
the sheet column it fills, its DataFrame dtype (``metrics.frame``), its label in the app's tables, how it
is read from a ``Video`` and its plain text (CSV). Row keys: video_id, channel, channel_id, date,
type (Short|Long|Live|Upcoming), duration_seconds, duration (H:MM:SS), title, url, views, likes,
comments (None when hidden), tags, thumbnail.

One meaning of "date" per layer: in a row, ``date`` is the upload moment as ISO 8601 UTC text
(``2024-05-01T12:00:00Z``); in a sheet, the Date column is the UTC calendar day (``2024-05-01``); in a
DataFrame, ``published_at`` is a UTC timestamp.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Literal


class VideoType(str, Enum):
    SHORT = "Short"
    LONG = "Long"
    LIVE = "Live"
    UPCOMING = "Upcoming"

    @classmethod
    def parse(cls, text: str) -> VideoType:
        """'short', 'Shorts', 'LONG' ... -> VideoType; ValueError if unknown."""
        t = text.strip().lower().rstrip("s") if text.strip().lower() != "upcoming" else "upcoming"
        for member in cls:
            if member.value.lower() == t:
                return member
        raise ValueError(f"unknown video type {text!r} (use short, long, live, upcoming)")

    def __str__(self) -> str:  # so f-strings and csv show "Short", not "VideoType.SHORT"
        return self.value


RefKind = Literal["id", "handle", "username", "custom", "video"]


@dataclass(frozen=True)
class ChannelRef:
    """One parsed channel input. ``kind`` says how to resolve ``value``; ``raw`` is what the user typed."""

    kind: RefKind
    value: str
    raw: str = ""

    def __str__(self) -> str:
        return self.raw or self.value


@dataclass(frozen=True)
class Channel:
    id: str
    title: str
    handle: str | None = None  # snippet.customUrl, e.g. "@googledevelopers"
    uploads_playlist_id: str | None = None
    subscribers: int | None = None  # None when hidden
    video_count: int | None = None
    view_count: int | None = None
    thumbnail: str | None = None

    @property
    def url(self) -> str:
        return f"https://www.youtube.com/channel/{self.id}"

    @property
    def shorts_playlist_id(self) -> str:
        return "UUSH" + self.id[2:]


@dataclass(frozen=True)
class Video:
    id: str
    channel_id: str
    channel_title: str
    published_at: datetime  # timezone-aware, UTC
    title: str
    duration_seconds: int | None
    type: VideoType
    views: int | None = None
    likes: int | None = None  # None when the creator hides likes; never 0 for hidden
    comments: int | None = None  # None when comments are off
    tags: tuple[str, ...] | None = ()  # None: not asked (a tab listing that spared videos.list)
    thumbnail: str | None = None
    live_broadcast_content: str = "none"

    @property
    def url(self) -> str:
        if self.type is VideoType.SHORT:
            return f"https://www.youtube.com/shorts/{self.id}"
        return f"https://www.youtube.com/watch?v={self.id}"

    def to_row(self) -> dict[str, Any]:
        """This video as a row: one key per ``ROW_FIELDS`` entry, in order."""
        return {f.key: f.get(self) for f in ROW_FIELDS}


def format_duration(seconds: int | None) -> str:
    """3723 -> '1:02:03', 75 -> '1:15', None -> ''."""
    if seconds is None:
        return ""
    h, rem = divmod(int(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_timestamp(moment: datetime) -> str:
    """An aware datetime -> ISO 8601 UTC text, '2024-05-01T12:00:00Z' (a row's ``date``)."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _plain_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "|".join(map(str, value))
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


# The note on a new sheet's Views header (and the Metrics page's words): Google's revision history, 2025-03-26.
VIEWS_NOTE = ("Shorts: since 2025-03-31 a Short's view count counts every play and replay; engaged views are only "
              "in YouTube Analytics. Compare Shorts with Shorts.")


@dataclass(frozen=True)
class RowField:
    """One field of a video row.

    key: the row dict's key (JSON, CSV header, DataFrame column); header: the sheet column it fills
    (None: not written to sheets); dtype: its DataFrame dtype in ``metrics.frame`` ("string", "Int64",
    "datetime": UTC timestamps, "object"); label: its name in the app's tables; get: its value from a
    ``Video``; text: its plain text (CSV cells; None -> '', tags joined with '|')."""

    key: str
    header: str | None
    dtype: str
    label: str
    get: Callable[[Video], Any]
    text: Callable[[Any], str] = _plain_text


ROW_FIELDS: tuple[RowField, ...] = (
    RowField("video_id", "Video ID", "string", "Video ID", lambda v: v.id),
    RowField("channel", "Channel", "string", "Channel", lambda v: v.channel_title),
    RowField("channel_id", "Channel ID", "string", "Channel ID", lambda v: v.channel_id),
    RowField("date", "Date", "datetime", "Published", lambda v: format_timestamp(v.published_at)),
    RowField("type", "Type", "string", "Type", lambda v: v.type.value),
    RowField("duration_seconds", None, "Int64", "Seconds", lambda v: v.duration_seconds),
    RowField("duration", "Duration", "string", "Duration", lambda v: format_duration(v.duration_seconds)),
    RowField("title", "Title", "string", "Title", lambda v: v.title),
    RowField("url", "URL", "string", "URL", lambda v: v.url),
    RowField("views", "Views", "Int64", "Views", lambda v: v.views),
    RowField("likes", "Likes", "Int64", "Likes", lambda v: v.likes),
    RowField("comments", "Comments", "Int64", "Comments", lambda v: v.comments),
    RowField("tags", None, "object", "Tags", lambda v: None if v.tags is None else list(v.tags)),
    RowField("thumbnail", None, "string", "Thumbnail", lambda v: v.thumbnail),
)
# Optional sheet columns (off by default; chosen per push): not in ``Video.to_row()`` but added from the
# store (``y2s_core.store.add_columns``); a row carrying the key gets the column, after the standard ones.
OPTIONAL_FIELDS: tuple[RowField, ...] = (
    RowField("views_gained_7d", "Views gained (7 d)", "Int64", "Views gained (7 d)", lambda v: None),
    RowField("first_seen", "First seen", "datetime", "First seen", lambda v: None),
)
ROW_KEYS: tuple[str, ...] = tuple(f.key for f in ROW_FIELDS)
FIELD_BY_KEY: Mapping[str, RowField] = {f.key: f for f in ROW_FIELDS}
FIELD_BY_HEADER: Mapping[str, RowField] = {f.header: f for f in ROW_FIELDS if f.header}


@dataclass(frozen=True)
class Resolution:
    """What one channel input resolved to (``channel``) or why not (``error``). ``exhausted`` names the quota
    bucket that ran out before this input could resolve ("search": a legacy /c/ name needed search.list)."""

    ref: ChannelRef
    channel: Channel | None = None
    error: str | None = None
    warning: str | None = None
    exhausted: str | None = None


@dataclass(frozen=True)
class FetchResult:
    videos: tuple[Video, ...] = ()
    channels: tuple[Channel, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    skipped_ids: tuple[str, ...] = ()  # listed by the playlist, omitted by videos.list (deleted/private)
    warnings: tuple[str, ...] = ()
    quota: Mapping[str, int] = field(default_factory=dict)  # per API method, e.g. {"videos.list": 3}: see quota
    complete: bool = True  # False when the fetch was cut short: the quota, or a listing capped by YouTube
    incomplete: tuple[str, ...] = ()  # why it is not complete, one sentence per cause
    # how each channel's Short/Long types were decided, by channel id: "UUSH playlist" or "duration rule"
    type_rules: Mapping[str, str] = field(default_factory=dict)

    @property
    def quota_units(self) -> int:
        """Units of the main pool (search.list and videos.batchGetStats calls are their own buckets:
        ``search_calls``, ``stats_calls``)."""
        from .quota import main_units

        return main_units(self.quota)

    @property
    def search_calls(self) -> int:
        from .quota import search_calls

        return search_calls(self.quota)

    @property
    def stats_calls(self) -> int:
        from .quota import stats_calls

        return stats_calls(self.quota)

    def rows(self) -> list[dict[str, Any]]:
        return [v.to_row() for v in self.videos]


__all__ = [
    "VideoType",
    "ChannelRef",
    "Channel",
    "Video",
    "Resolution",
    "FetchResult",
    "RowField",
    "ROW_FIELDS",
    "OPTIONAL_FIELDS",
    "ROW_KEYS",
    "FIELD_BY_KEY",
    "FIELD_BY_HEADER",
    "format_duration",
    "format_timestamp",
]
