"""The YouTube emulator's uploads feed: ``/feeds/videos.xml?channel_id=UC…`` (or ``?playlist_id=…``), as Atom.

A mixin of ``YouTubeEmulator`` (like ``youtube_playlists``). The feed is not part of the Data API: no key, no
quota. The emulator counts its requests apart (``feed_calls``, ``feed_requests``), never in ``calls`` or the
quota counters.

Where the shape comes from: feeds YouTube served, as captured in public test fixtures (found with the
``search`` tool: a channel feed of DistroTube and one of AirPano VR, 2023-2025, and a playlist feed of Blender
Studio, 2026), checked against ARCHITECTURE.md ("The real APIs"): ``<feed>`` with the Atom namespace as default
and ``yt`` = http://www.youtube.com/xml/schemas/2015, ``media`` = http://search.yahoo.com/mrss/; then
``<link rel="self">``, ``<id>yt:channel:ID</id>`` and ``<yt:channelId>ID</yt:channelId>`` (a channel feed
writes the channel id *without* its "UC" there), ``<title>``, ``<link rel="alternate">``, ``<author>`` (name,
uri) and ``<published>`` (the channel's creation). A playlist feed has ``<id>yt:playlist:PL…</id>``,
``<yt:playlistId>`` and ``<yt:channelId>`` with its "UC". Each ``<entry>``: ``<id>yt:video:ID</id>``,
``<yt:videoId>``, ``<yt:channelId>`` (with "UC"), ``<title>``, ``<link rel="alternate">`` (watch?v=ID; a
Short's is /shorts/ID in the recent captures), ``<author>``, ``<published>``, ``<updated>`` and
``<media:group>`` (media:title, media:content, media:thumbnail, media:description, media:community with
media:starRating and media:statistics views). Times are written ``2025-04-10T13:00:26+00:00``. Entries: the
15 newest public uploads, newest first. An unknown channel or playlist answers 404 (an HTML page).

Outages (ARCHITECTURE.md: 404/500 for hours or days, reported in 2024 and 2026): ``feed`` switches the
answer for every feed request: "up" (default), "404", "500", "stale" (the feed as it was ``feed_lag``
uploads ago: the newest ones left out, as a cache serving an old snapshot), "slow" (answered after
``feed_delay`` seconds: a client's timeout fires first) and "malformed" (a 200 whose XML breaks off).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from .catalog import Catalog, DemoChannel, DemoVideo

if TYPE_CHECKING:
    from .youtube import Response

FEED_ENTRIES = 15  # the feed lists a channel's (or playlist's) 15 newest entries
FEED_MODES = ("up", "404", "500", "stale", "slow", "malformed")
ATOM, YT, MEDIA = "http://www.w3.org/2005/Atom", "http://www.youtube.com/xml/schemas/2015", "http://search.yahoo.com/mrss/"
_HTML = {"content-type": "text/html; charset=utf-8"}
_ATOM = {"content-type": "text/xml; charset=utf-8"}
_ERROR_PAGE = ("<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Error {code} ({phrase})!!1</title>"
               "<p><b>{code}.</b> <ins>That's an error.</ins><p>{what}  <ins>That's all we know.</ins></html>")


def _when(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(epoch))


def _page(code: int) -> Response:
    phrase, what = {404: ("Not Found", "The requested URL was not found on this server."),
                    500: ("Internal Server Error", "The server encountered an error and could not complete your "
                                                   "request.")}[code]
    return code, dict(_HTML), _ERROR_PAGE.format(code=code, phrase=phrase, what=what).encode("utf-8")


class FeedRoutes:
    """``/feeds/videos.xml`` over ``self.catalog``, with the outage switches."""

    catalog: Catalog
    _listed: Callable[[str], tuple[DemoChannel, tuple[DemoVideo, ...]] | None]  # youtube_playlists

    def _init_feed(self, feed: str = "up") -> None:
        if feed not in FEED_MODES:
            raise ValueError(f"feed takes one of {', '.join(FEED_MODES)}, not {feed!r}")
        self.feed = feed
        self.feed_lag = 1  # "stale": this many of the newest uploads are not in the feed yet
        self.feed_delay = 30.0  # "slow": seconds before the answer
        self.feed_calls = 0  # feed requests answered (never quota)
        self.feed_requests: list[dict[str, str]] = []  # their query parameters, in order
        self._feed_lock = threading.Lock()

    def _reset_feed(self) -> None:
        with self._feed_lock:
            self.feed_calls = 0
            self.feed_requests.clear()

    def _feed(self, method: str, query: dict[str, str]) -> Response:
        with self._feed_lock:
            self.feed_calls += 1
            self.feed_requests.append(dict(query))
        mode = self.feed
        if method.upper() not in ("GET", "HEAD"):
            return 405, dict(_HTML), b"<!DOCTYPE html><title>Error 405 (Method Not Allowed)!!1</title>"
        if mode == "404":
            return _page(404)
        if mode == "500":
            return _page(500)
        if mode == "slow":
            time.sleep(self.feed_delay)
        found = self._feed_source(query)
        if found is None:
            return _page(404)
        head, owner, entries = found
        public = [v for v in entries if v.availability == "public"]
        if mode == "stale":
            public = public[self.feed_lag:]
        body = self._atom(head, owner, public[:FEED_ENTRIES])
        if mode == "malformed":  # the answer breaks off inside an entry (a proxy cut it, a bad deploy)
            cut = body.find(b"<entry>")
            body = body[: (cut if cut >= 0 else len(body) // 2) + 40]
        return 200, dict(_ATOM), body

    def _feed_source(self, query: dict[str, str]) -> tuple[str, DemoChannel, tuple[DemoVideo, ...]] | None:
        """(the feed's own head elements, owner, entries newest first), or None: 404."""
        cid, pid = query.get("channel_id", "").strip(), query.get("playlist_id", "").strip()
        if cid:
            ch = self.catalog.channels.get(cid)
            if ch is None:
                return None
            listed = self._listed(ch.uploads_playlist_id)
            bare = escape(cid[2:])
            head = (f' <link rel="self" href="http://www.youtube.com/feeds/videos.xml?channel_id={escape(cid)}"/>\n'
                    f" <id>yt:channel:{bare}</id>\n <yt:channelId>{bare}</yt:channelId>\n"
                    f" <title>{escape(ch.title)}</title>\n"
                    f' <link rel="alternate" href="https://www.youtube.com/channel/{escape(cid)}"/>\n')
            return head, ch, listed[1] if listed else ()
        if pid:
            listed = self._listed(pid)
            if listed is None:
                return None
            owner, entries = listed
            res = self.catalog.playlist_resource(pid, ("snippet",)) or {}
            title = res.get("snippet", {}).get("title", "Videos")
            head = (f' <link rel="self" href="http://www.youtube.com/feeds/videos.xml?playlist_id={escape(pid)}"/>\n'
                    f" <id>yt:playlist:{escape(pid)}</id>\n <yt:playlistId>{escape(pid)}</yt:playlistId>\n"
                    f" <yt:channelId>{escape(owner.id)}</yt:channelId>\n <title>{escape(title)}</title>\n"
                    f' <link rel="alternate" href="https://www.youtube.com/playlist?list={escape(pid)}"/>\n')
            return head, owner, entries
        return None

    @staticmethod
    def _atom(head: str, owner: DemoChannel, entries: list[DemoVideo]) -> bytes:
        author = (f"<author>\n  <name>{escape(owner.title)}</name>\n"
                  f"  <uri>https://www.youtube.com/channel/{escape(owner.id)}</uri>\n </author>")
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
               f'<feed xmlns:yt="{YT}" xmlns:media="{MEDIA}" xmlns="{ATOM}">\n', head,
               f" {author}\n <published>{escape(owner.published_at.replace('Z', '+00:00'))}</published>\n"]
        for v in entries:
            link = f"https://www.youtube.com/{'shorts/' if v.in_shorts else 'watch?v='}{v.id}"
            out.append(
                f" <entry>\n  <id>yt:video:{v.id}</id>\n  <yt:videoId>{v.id}</yt:videoId>\n"
                f"  <yt:channelId>{owner.id}</yt:channelId>\n  <title>{escape(v.title)}</title>\n"
                f'  <link rel="alternate" href={quoteattr(link)}/>\n'
                f"  {author.replace(chr(10), chr(10) + ' ')}\n"
                f"  <published>{_when(v.published)}</published>\n  <updated>{_when(v.published + 3)}</updated>\n"
                f"  <media:group>\n   <media:title>{escape(v.title)}</media:title>\n"
                f'   <media:content url="https://www.youtube.com/v/{v.id}?version=3" '
                f'type="application/x-shockwave-flash" width="640" height="390"/>\n'
                f'   <media:thumbnail url="https://i1.ytimg.com/vi/{v.id}/hqdefault.jpg" width="480" height="360"/>\n'
                f"   <media:description>{escape(v.description)}</media:description>\n"
                f"   <media:community>\n"
                f'    <media:starRating count="{v.likes or 0}" average="5.00" min="1" max="5"/>\n'
                f'    <media:statistics views="{v.views}"/>\n   </media:community>\n  </media:group>\n </entry>\n')
        out.append("</feed>\n")
        return "".join(out).encode("utf-8")
