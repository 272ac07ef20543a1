"""YouTube resources as models, and the type rule (ARCHITECTURE.md: Short, Long, Live, Upcoming).

Pure functions of the JSON Google sends (tests feed them the real recordings in ../shared/fixtures),
and the request constants every call shares.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timezone
from typing import Any, NamedTuple

import isodate

from ..models import Channel, Video, VideoType

PAGE = 50  # maxResults and ids per videos.list: the API's ceiling
VIDEO_PARTS = "snippet,contentDetails,statistics,liveStreamingDetails"
STATS_PARTS = "id,statistics,contentDetails"  # videos.batchGetStats: the counts and the duration
CHANNEL_PARTS = "snippet,contentDetails,statistics"
SHORTS_CUTOFF = date(2024, 10, 15)  # Shorts may be up to 3 minutes from this day on, 60 s before
# How a channel's Short/Long types were decided (FetchResult.type_rules): membership of the channel's UUSH
# playlist (undocumented, so a user may want to know); or the tab playlists, when the fetch listed the channel
# through them. Where UUSH answers 404 but another tab playlist (UULF) answers, the channel has no Shorts: YouTube
# keeps the tab playlists of every channel that has them, and UUSH is missing only when no video is in the Shorts
# tab. Only where no tab playlist answers (UUSH and UULF both 404) does the duration rule guess, and it is an
# approximation: since 2024-10-15 a Short is up to 3 minutes *and* square or vertical, which no API field says,
# so a 2-minute 16:9 video is guessed a Short.
TYPE_RULE_UUSH = "UUSH playlist"
TYPE_RULE_NO_SHORTS = "no Shorts (no UUSH playlist)"
TYPE_RULE_DURATION = "duration rule (approximate)"
# The channel was listed through its tab playlists (UULF, UUSH, UULV), which together held every video: a Short
# is a video in UUSH, and where UUSH does not exist, a video in UULF or UULV is not a Short (its tab says so).
TYPE_RULE_TABS = "tab playlists"


def parse_datetime(text: str | None) -> datetime | None:
    """'2019-03-21T20:37:49.000Z' or '...:49Z' -> aware UTC datetime."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


# The forms videos.list writes (PT4M13S, PT1H, P1DT2H3M4S, P0D): read directly, ~10x faster than isodate,
# which parses every other ISO 8601 form (weeks, fractions, years). A fetch of 20,000 videos parses 20,000.
_API_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


def iso_seconds(text: str | None) -> int | None:
    """ISO 8601 duration (PT4M13S, P1DT2H3M4S, P0D) -> seconds; None when missing or unreadable."""
    if not text:
        return None
    m = _API_DURATION.fullmatch(text)
    if m and text != "P" and not text.endswith("T"):
        d, h, mi, s = (int(g) if g else 0 for g in m.groups())
        return ((d * 24 + h) * 60 + mi) * 60 + s
    try:
        d = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError):
        return None
    if isinstance(d, isodate.Duration):  # years/months: measure from a fixed start
        d = d.totimedelta(start=datetime(2000, 1, 1))
    return int(d.total_seconds())


class ListedItem(NamedTuple):
    """A playlist item's own words about its video (``listed_item``)."""

    title: str
    published: str | None  # contentDetails.videoPublishedAt
    channel_id: str | None  # snippet.videoOwnerChannelId
    channel_title: str | None
    thumbnail: str | None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _thumbnail(snippet: dict) -> str | None:
    thumbs = snippet.get("thumbnails") or {}
    for size in ("high", "medium", "default"):
        if size in thumbs:
            return thumbs[size].get("url")
    return None


def channel_from_resource(item: dict) -> Channel:
    """A channels.list item -> Channel; a hidden subscriber count is None, not 0."""
    snippet = item.get("snippet", {})
    stats = item.get("statistics", {})
    uploads = item.get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads")
    return Channel(
        id=item["id"],
        title=snippet.get("title", item["id"]),
        handle=snippet.get("customUrl"),
        uploads_playlist_id=uploads or ("UU" + item["id"][2:]),
        subscribers=None if stats.get("hiddenSubscriberCount") else _int(stats.get("subscriberCount")),
        video_count=_int(stats.get("videoCount")),
        view_count=_int(stats.get("viewCount")),
        thumbnail=_thumbnail(snippet),
    )


def classify(item: dict, in_shorts: bool | None) -> VideoType:
    """The type rule (ARCHITECTURE.md). ``in_shorts``: UUSH membership, or None when the channel has no UUSH."""
    snippet = item.get("snippet", {})
    live = item.get("liveStreamingDetails") or {}
    if snippet.get("liveBroadcastContent") == "upcoming":  # P0D until it airs: never a Short
        return VideoType.UPCOMING
    if in_shorts:
        return VideoType.SHORT
    if live.get("actualStartTime") or snippet.get("liveBroadcastContent") == "live":
        return VideoType.LIVE
    if in_shorts is None:
        seconds = iso_seconds(item.get("contentDetails", {}).get("duration"))
        published = parse_datetime(snippet.get("publishedAt"))
        if seconds and published:
            limit = 180 if published.date() >= SHORTS_CUTOFF else 60
            if seconds <= limit:
                return VideoType.SHORT
    return VideoType.LONG


def refreshed_from_stats(item: dict, old: Video, duration_rule: bool) -> Video:
    """A stored video with the counts (and duration) of a videos.batchGetStats item: everything else (title,
    type, tags, ...) stays as stored, since that answer has no snippet beyond the publish time. A hidden count
    is None, as in ``video_from_resource``. ``duration_rule``: the channel's Short/Long comes from the
    duration, so a Short or Long is typed again by it (what ``video_from_resource(item, None)`` would say)."""
    stats = item.get("statistics") or {}
    duration = iso_seconds((item.get("contentDetails") or {}).get("duration"))
    new = replace(old, views=_int(stats.get("viewCount")), likes=_int(stats.get("likeCount")),
                  comments=_int(stats.get("commentCount")),
                  duration_seconds=old.duration_seconds if duration is None else duration)
    if duration_rule and old.type in (VideoType.SHORT, VideoType.LONG):
        shape = {"snippet": {"publishedAt": old.published_at.isoformat()},
                 "contentDetails": {"duration": (item.get("contentDetails") or {}).get("duration")}}
        new = replace(new, type=classify(shape, None) if duration is not None else old.type)
    return new


def video_from_listing(stats_item: dict, listed: ListedItem, channel: Channel, kind: VideoType) -> Video | None:
    """A video a proven tab listing names without videos.list: its title, date and thumbnail from the playlist
    item, its counts and duration from videos.batchGetStats, its type ``kind`` from the tab that lists it (the
    type rule: the tabs decide by membership). None when the answer cannot decide it: no duration, or P0D (live
    now or upcoming: only videos.list says which). Tags are unknown (None): only videos.list has them."""
    seconds = iso_seconds((stats_item.get("contentDetails") or {}).get("duration"))
    published = parse_datetime(listed.published or (stats_item.get("snippet") or {}).get("publishTime"))
    if not seconds or published is None:
        return None
    stats = stats_item.get("statistics") or {}
    return Video(id=stats_item["id"], channel_id=listed.channel_id or channel.id,
                 channel_title=listed.channel_title or channel.title, published_at=published, title=listed.title,
                 duration_seconds=seconds, type=kind, views=_int(stats.get("viewCount")),
                 likes=_int(stats.get("likeCount")), comments=_int(stats.get("commentCount")), tags=None,
                 thumbnail=listed.thumbnail)


def listed_item(item: dict) -> ListedItem:
    """What a playlistItems item (parts snippet, contentDetails) says of its video."""
    snippet = item.get("snippet") or {}
    return ListedItem(snippet.get("title", ""), (item.get("contentDetails") or {}).get("videoPublishedAt"),
                      snippet.get("videoOwnerChannelId"), snippet.get("videoOwnerChannelTitle"), _thumbnail(snippet))


def video_from_resource(item: dict, in_shorts: bool | None) -> Video:
    """A videos.list item (VIDEO_PARTS) -> Video, typed by ``classify``; hidden likes are None."""
    snippet = item.get("snippet", {})
    stats = item.get("statistics", {})
    return Video(
        id=item["id"],
        channel_id=snippet.get("channelId", ""),
        channel_title=snippet.get("channelTitle", ""),
        published_at=parse_datetime(snippet.get("publishedAt")) or datetime(1970, 1, 1, tzinfo=timezone.utc),
        title=snippet.get("title", ""),
        duration_seconds=iso_seconds(item.get("contentDetails", {}).get("duration")),
        type=classify(item, in_shorts),
        views=_int(stats.get("viewCount")),
        likes=_int(stats.get("likeCount")),
        comments=_int(stats.get("commentCount")),
        tags=tuple(snippet.get("tags") or ()),
        thumbnail=_thumbnail(snippet),
        live_broadcast_content=snippet.get("liveBroadcastContent", "none"),
    )
