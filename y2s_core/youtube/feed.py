"""The uploads feed: a first look at a channel's newest uploads that costs no quota.

    read = read_feed(http, feed_base(settings), "UC…")   # FeedRead: its entries, or why not
    look = first_look(read, boundary_id, boundary_at)               # FeedLook: nothing new?, and the report's note

``{base}/feeds/videos.xml?channel_id=UC…`` is Atom: a channel's 15 newest public
uploads (yt:videoId, published, updated, title), no key, no quota. It is read through an http object from the
client's own factory (``YouTubeClient.read_feed``), so tests route it to the emulator like every API call,
without the API key (it is not Google's API) and without the quota meter; each answer is counted in telemetry
as method "feed", 0 units. Parsed with the standard library's ElementTree (defusedxml's when installed), a
document type refused: the feed never has one.

The feed has had outages of hours to days (404 and 500, reported in 2024 and 2026) and may lag behind an
upload, so it is only ever a first look. Its one use is proving that nothing was uploaded since the last
listing: its newest entry *is* the boundary (the top of the uploads playlist then), and the listing is
skipped (``incremental.ChannelUpdater``): an unchanged channel costs 0 units. Anything else (an error, a
timeout, XML that does not parse, no entries, a newest entry that is not the boundary: new uploads, an older
snapshot, the boundary gone) means the usual listing from the top down to the boundary, as before. A 404
is never read as "no uploads". A feed that lags behind a new upload can hide it for one run; the boundary
stays where it was, so the next listing still goes down to it and nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from .. import telemetry
from ..settings import Settings
from .parsing import parse_datetime

try:  # defusedxml when installed; else the standard library's parser (expat >= 2.4 caps entity expansion)
    from defusedxml.ElementTree import ParseError, fromstring  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - depends on the environment
    from xml.etree.ElementTree import ParseError, fromstring

DEFAULT_FEED_URL = "https://www.youtube.com"
FEED_TIMEOUT = 10.0  # seconds: a first look is not worth waiting for
FEED_PAUSE = 600.0  # seconds the client leaves the feed alone after a timeout or an unreachable host
FEED_ENTRIES = 15  # the feed lists the 15 newest uploads
MAX_FEED_BYTES = 2 * 1024 * 1024  # a real feed is ~20-60 KB
ATOM = "{http://www.w3.org/2005/Atom}"
YT = "{http://www.youtube.com/xml/schemas/2015}"
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class FeedEntry:
    video_id: str
    published: datetime | None
    updated: datetime | None
    title: str


@dataclass(frozen=True)
class FeedRead:
    """What one read of the feed gave: its entries, newest first, or ``failure`` (why it gave none)."""

    entries: tuple[FeedEntry, ...] = ()
    failure: str | None = None  # "404", "HTTP 500", "timed out", "unreachable: …", "malformed XML", "no entries"

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(frozen=True)
class FeedLook:
    """The feed's verdict for one known channel: ``unchanged`` (no listing needed) and the report's note."""

    unchanged: bool
    note: str


def feed_base(settings: Settings) -> str:
    """Where the feed is read: ``Y2S_YOUTUBE_FEED_URL``; unset, ``https://www.youtube.com``, except beside a
    ``Y2S_YOUTUBE_API_URL`` (an emulator or another stand-in for Google), whose base serves it too: a run
    against a stand-in never asks the real YouTube about its channels."""
    base = settings.youtube_feed_url or settings.youtube_api_url or DEFAULT_FEED_URL
    return base.rstrip("/")


def read_feed(http: Any, base: str, channel_id: str) -> FeedRead:
    """Read and parse the channel's feed with ``http`` (an httplib2-compatible object, its timeout already set).
    Never raises: every failure is a ``FeedRead`` with ``failure`` set."""
    uri = f"{base.rstrip('/')}/feeds/videos.xml?channel_id={quote(channel_id, safe='')}"
    start = telemetry.started()
    try:
        resp, content = http.request(uri, "GET", headers={"accept": "application/atom+xml, text/xml"})
    except TimeoutError:  # socket.timeout is TimeoutError
        return FeedRead(failure="timed out")
    except Exception as e:  # unreachable, a broken connection, a refused name: the listing takes over
        return FeedRead(failure=f"unreachable: {type(e).__name__}")
    status = int(getattr(resp, "status", 0) or 0)
    telemetry.upstream_call("youtube", "feed", status=status, seconds=telemetry.seconds_since(start), units=0)
    if status != 200:
        return FeedRead(failure=str(status) if status == 404 else f"HTTP {status}")
    try:
        entries = parse_feed(content)
    except ValueError:
        return FeedRead(failure="malformed XML")
    return FeedRead(entries) if entries else FeedRead(failure="no entries")


def parse_feed(content: bytes | str) -> tuple[FeedEntry, ...]:
    """The entries of a YouTube Atom feed, newest first. ValueError: not such a feed (not XML, cut short, another
    root, an entry without a video id, a document type)."""
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content or b"")
    if len(data) > MAX_FEED_BYTES or _DTD.search(data):
        raise ValueError("not a YouTube feed")
    try:
        root = fromstring(data)
    except (ParseError, SyntaxError) as e:
        raise ValueError(f"the feed is not XML: {e}") from None
    if root.tag != f"{ATOM}feed":
        raise ValueError("the feed is not Atom")
    out = []
    for entry in root.iter(f"{ATOM}entry"):
        vid = (entry.findtext(f"{YT}videoId") or "").strip()
        if not vid:
            own = (entry.findtext(f"{ATOM}id") or "").strip()
            vid = own[len("yt:video:"):] if own.startswith("yt:video:") else ""
        if not vid:
            raise ValueError("a feed entry has no video id")
        try:
            published = parse_datetime((entry.findtext(f"{ATOM}published") or "").strip() or None)
            updated = parse_datetime((entry.findtext(f"{ATOM}updated") or "").strip() or None)
        except ValueError:
            raise ValueError("a feed entry has an unreadable date") from None
        out.append(FeedEntry(vid, published, updated, (entry.findtext(f"{ATOM}title") or "").strip()))
    return tuple(out)


def first_look(read: FeedRead, boundary_id: str, boundary_at: datetime | None) -> FeedLook:
    """Nothing new on the channel when the feed's newest entry is the boundary; else say why the channel is
    listed (its usual playlistItems path)."""
    if not read.ok:
        what = "unreadable" if read.failure == "malformed XML" else "unavailable"
        return FeedLook(False, f"feed {what} ({read.failure}): listed")
    entries: Sequence[FeedEntry] = read.entries
    if not entries:
        return FeedLook(False, "feed unavailable (no entries): listed")
    ids = [e.video_id for e in entries]
    if ids[0] == boundary_id:
        return FeedLook(True, "feed: unchanged")
    if boundary_id in ids:
        return FeedLook(False, f"feed: {ids.index(boundary_id)} new: listed")
    at, newest = _utc(boundary_at), _utc(entries[0].published)
    if at is not None and newest is not None and newest < at:
        return FeedLook(False, "feed stale (older than the last listing): listed")
    dates = [_utc(e.published) for e in entries]
    if at is not None and len(entries) >= FEED_ENTRIES and all(d is not None and d > at for d in dates):
        return FeedLook(False, f"feed: {len(entries)}+ new: listed")  # more new uploads than the feed shows
    return FeedLook(False, "feed does not show the last listing's newest upload: listed")


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


__all__ = ["DEFAULT_FEED_URL", "FEED_PAUSE", "FEED_TIMEOUT", "FeedEntry", "FeedLook", "FeedRead", "feed_base",
           "first_look", "parse_feed", "read_feed"]
