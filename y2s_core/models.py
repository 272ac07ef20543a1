"""Frozen data models shared by every layer.

A ``Video`` turns into a *row* (a plain dict, ``Video.to_row()``): the JSON the CLI prints, the input of
``sheets.plan`` and of the REST API. Row keys: video_id, channel, channel_id, date (ISO 8601 UTC),
type (Short|Long|Live|Upcoming), duration_seconds, duration (H:MM:SS), title, url, views, likes,
comments (None when hidden), tags, thumbnail.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    tags: tuple[str, ...] = ()
    thumbnail: str | None = None
    live_broadcast_content: str = "none"

    @property
    def url(self) -> str:
        if self.type is VideoType.SHORT:
            return f"https://www.youtube.com/shorts/{self.id}"
        return f"https://www.youtube.com/watch?v={self.id}"

    @property
    def duration_text(self) -> str:
        return format_duration(self.duration_seconds)

    def to_row(self) -> dict[str, Any]:
        return {
            "video_id": self.id,
            "channel": self.channel_title,
            "channel_id": self.channel_id,
            "date": self.published_at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
            "type": self.type.value,
            "duration_seconds": self.duration_seconds,
            "duration": self.duration_text,
            "title": self.title,
            "url": self.url,
            "views": self.views,
            "likes": self.likes,
            "comments": self.comments,
            "tags": list(self.tags),
            "thumbnail": self.thumbnail,
        }


def format_duration(seconds: int | None) -> str:
    """3723 -> '1:02:03', 75 -> '1:15', None -> ''."""
    if seconds is None:
        return ""
    h, rem = divmod(int(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass(frozen=True)
class Resolution:
    """What one channel input resolved to (``channel``) or why not (``error``)."""

    ref: ChannelRef
    channel: Channel | None = None
    error: str | None = None
    warning: str | None = None


@dataclass(frozen=True)
class FetchResult:
    videos: tuple[Video, ...] = ()
    channels: tuple[Channel, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    skipped_ids: tuple[str, ...] = ()  # listed by the playlist, omitted by videos.list (deleted/private)
    warnings: tuple[str, ...] = ()
    quota: Mapping[str, int] = field(default_factory=dict)  # units per API method, e.g. {"videos.list": 3}
    complete: bool = True  # False when a QuotaExceeded cut the fetch short

    @property
    def quota_units(self) -> int:
        return sum(self.quota.values())

    def rows(self) -> list[dict[str, Any]]:
        return [v.to_row() for v in self.videos]


__all__ = [
    "VideoType",
    "ChannelRef",
    "Channel",
    "Video",
    "Resolution",
    "FetchResult",
    "format_duration",
]
