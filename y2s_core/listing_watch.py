"""What a full listing received, kept by the client's observer hook so a cut listing can leave a resume point.

``Syncer`` (``y2s_core.sync``) hangs a ``ListingWatch`` on the client for each channel it lists in full: it keeps
the pages of the uploads playlist and of the tab playlists (UULF, UUSH, UULV), and the videos.list resources,
without the engine knowing. When the quota cuts the listing, ``resume`` builds the ``Resume`` the next run
continues from: on the uploads chain (its last uploads and UUSH pages), or, after a proven tab listing (type
rule ``TYPE_RULE_TABS``), on each tab's chain; ``tab_typed`` gives the videos such a listing detailed below the
newest-first prefix it kept, typed by their tab, so they are stored and not detailed again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .filters import FilterSpec
from .models import Channel, Video
from .youtube.engines import TABS
from .youtube.incremental import PagePos, Resume
from .youtube.parsing import TYPE_RULE_DURATION, TYPE_RULE_TABS, parse_datetime, video_from_resource
from .youtube.walk import tab_playlist


class ListingWatch:
    """The client observer that keeps the uploads, UUSH, UULF and UULV pages one channel's full listing
    received, so a listing cut by the quota can leave a resume point (``Resume``) without the engine knowing:
    on the uploads chain, or on each tab's chain after a proven tab listing (type rule ``TYPE_RULE_TABS``)."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self._pages: dict[str, list[tuple[str | None, list[tuple[str, datetime | None]]]]] = {}
        self._ended: set[str] = set()  # playlists whose last page came (no nextPageToken)
        self._sizes: dict[str, int] = {}  # pageInfo.totalResults of each playlist's first page
        self._details: dict[str, dict] = {}  # videos.list resources received, by id
        self._watched = {channel.uploads_playlist_id, channel.shorts_playlist_id,
                         *(tab_playlist(channel.id, role, channel.shorts_playlist_id) for role in TABS)}
        self._lock = threading.Lock()

    def __call__(self, request: Any, response: dict) -> None:
        method = getattr(request, "methodId", "")
        if method == "youtube.videos.list":
            with self._lock:
                self._details.update((it["id"], it) for it in response.get("items", ()) if it.get("id"))
            return
        if method != "youtube.playlistItems.list":
            return
        query = parse_qs(urlsplit(getattr(request, "uri", "")).query)
        playlist = (query.get("playlistId") or [""])[0]
        if playlist not in self._watched:
            return
        token = (query.get("pageToken") or [None])[0]
        items = [(cd["videoId"], parse_datetime(cd.get("videoPublishedAt")))
                 for cd in (it.get("contentDetails", {}) for it in response.get("items", [])) if cd.get("videoId")]
        total = (response.get("pageInfo") or {}).get("totalResults")
        with self._lock:
            self._pages.setdefault(playlist, []).append((token, items))
            if not response.get("nextPageToken"):
                self._ended.add(playlist)
            if token is None and isinstance(total, int):
                self._sizes[playlist] = total

    def pages(self, playlist: str | None) -> list[tuple[str | None, list[tuple[str, datetime | None]]]]:
        with self._lock:
            return list(self._pages.get(playlist or "", []))

    def ids(self, playlist: str | None) -> list[str]:
        return [vid for _, items in self.pages(playlist) for vid, _ in items]

    def top(self, playlist: str | None) -> tuple[str | None, datetime | None]:
        first = next((items for token, items in self.pages(playlist) if token is None and items), None)
        if not first:
            return None, None
        return first[0][0], next((at for _, at in first if at), None)

    def _pos(self, playlist: str | None) -> PagePos | None:
        got = self.pages(playlist)
        if not got:
            return None
        token, items = got[-1]
        last_at = next((at for _, at in reversed(items) if at), None)
        return PagePos(token, items[-1][0] if items else None, last_at, len(got))

    def resume(self, ch: Channel, kept: Sequence[Video], listing: FilterSpec, rule: str | None,
               stored: set[str]) -> Resume | None:
        uploads = self._pos(ch.uploads_playlist_id)
        if uploads is None or uploads.last_id is None:
            return None
        have = stored | {v.id for v in kept}
        if rule == TYPE_RULE_TABS:
            return self._tab_resume(ch, uploads, have, listing)
        listed = self.ids(ch.uploads_playlist_id)
        dates = {v: at for _, items in self.pages(ch.uploads_playlist_id) for v, at in items}
        shorts = self._pos(ch.shorts_playlist_id)
        short_items = [(v, at) for _, items in self.pages(ch.shorts_playlist_id) for v, at in items]
        top_id, top_at = self.top(ch.uploads_playlist_id)
        return Resume(
            uploads=uploads, pending=tuple((v, dates.get(v)) for v in dict.fromkeys(listed) if v not in have),
            shorts=shorts,
            shorts_exists=False if rule == TYPE_RULE_DURATION else (True if shorts else None),
            shorts_oldest=min((at for _, at in short_items if at), default=None),
            pending_shorts=tuple(sorted({v for v, _ in short_items} - have)), top_id=top_id, top_at=top_at,
            since=listing.since, listed=len(set(listed)), max_videos=listing.max_videos)

    def tab_typed(self, ch: Channel, kept: set[str]) -> list[Video]:
        """A proven tab listing cut short keeps a newest-first prefix; the videos it detailed below it are typed
        by their tab all the same (UUSH: a Short; UULF, UULV: not): stored too, they need no details again."""
        tab_of: dict[str, str] = {}
        for role in TABS:
            for _, items in self.pages(tab_playlist(ch.id, role, ch.shorts_playlist_id)):
                for vid, _ in items:
                    tab_of.setdefault(vid, role)
        with self._lock:
            details = dict(self._details)
        return [video_from_resource(item, tab_of[vid] == "UUSH") for vid, item in details.items()
                if vid in tab_of and vid not in kept and item.get("snippet", {}).get("channelId", ch.id) == ch.id]

    def _tab_resume(self, ch: Channel, uploads: PagePos, have: set[str], listing: FilterSpec) -> Resume:
        """A proven tab listing cut short: each tab continues from its last page (every tab answered its first
        page or a 404 before the proof: one without a page here is absent). The uploads playlist listed only
        its first page, which the tabs held; pending ids are what the tabs listed that is not stored."""
        tabs: dict[str, PagePos] = {}
        done: set[str] = set()
        sizes: dict[str, int] = {}
        dates: dict[str, datetime | None] = {}
        tab_of: dict[str, str] = {}
        for role in TABS:
            playlist = tab_playlist(ch.id, role, ch.shorts_playlist_id)
            pos = self._pos(playlist)
            with self._lock:
                ended, size = playlist in self._ended, self._sizes.get(playlist)
            if pos is None or ended:
                done.add(role)
            if pos is not None:
                tabs[role] = pos
            if size is not None:
                sizes[role] = size
            for _, items in self.pages(playlist):
                for vid, at in items:
                    dates.setdefault(vid, at)
                    tab_of.setdefault(vid, role)
        pending = sorted(((v, at) for v, at in dates.items() if v not in have),
                         key=lambda p: p[1] or datetime.min.replace(tzinfo=timezone.utc), reverse=True)
        shorts = tabs.get("UUSH")
        top_id, top_at = self.top(ch.uploads_playlist_id)
        return Resume(
            uploads=uploads, pending=tuple(pending), shorts=shorts, shorts_exists=shorts is not None,
            shorts_oldest=min((at for v, at in dates.items() if at and tab_of[v] == "UUSH"), default=None),
            pending_shorts=tuple(sorted(v for v, _ in pending if tab_of[v] == "UUSH")), top_id=top_id, top_at=top_at,
            since=listing.since, listed=len(dates), tabs=tabs, tabs_done=frozenset(done), tab_sizes=sizes,
            tab_of={v: tab_of[v] for v, _ in pending}, max_videos=listing.max_videos)


__all__ = ["ListingWatch"]
