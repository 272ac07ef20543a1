"""Where a playlist listing stands, and one playlist walked from the top or from there.

``PagePos`` is a page of a listing (the pageToken that fetched it and its last item); ``Resume`` is where a
full listing cut by the quota stopped, saved as JSON in ``sync_state.listing_resume``: on the uploads chain,
its uploads and UUSH pages; after a proven tab listing (``tabs``), each tab playlist's page (UULF, UUSH, UULV)
and the tab of every id listed but not stored. ``Walk`` lists one playlist newest first, from the top or
from a saved page it *verifies* (``youtube.incremental`` says how, and when it starts again from the top).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..errors import KeyInvalid, YouTubeError
from .engines import TABS
from .parsing import parse_datetime

if TYPE_CHECKING:
    from .client import YouTubeClient


Item = tuple[str, "datetime | None"]  # (video id, videoPublishedAt) as a playlist lists it


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class PagePos:
    """A page of a playlist listing: the pageToken that fetched it (None: the first page), its last item."""

    token: str | None = None
    last_id: str | None = None
    last_at: datetime | None = None
    pages: int = 0  # pages listed down to here

    def to_json(self) -> dict[str, Any]:
        return {"token": self.token, "last_id": self.last_id, "last_at": _iso(self.last_at), "pages": self.pages}

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> PagePos | None:
        if not d:
            return None
        return cls(d.get("token"), d.get("last_id"), _at(d.get("last_at")), int(d.get("pages") or 0))


@dataclass(frozen=True)
class Resume:
    """Where a full listing cut short stopped (``sync_state.listing_resume``, as JSON)."""

    uploads: PagePos
    pending: tuple[Item, ...] = ()  # listed, not stored (no details yet, or no type yet), with their dates
    shorts: PagePos | None = None  # the UUSH listing's last page (None: not begun)
    shorts_exists: bool | None = None  # False: the channel has no UUSH playlist (duration rule)
    shorts_oldest: datetime | None = None  # UUSH listed from the top down to here
    pending_shorts: tuple[str, ...] = ()  # UUSH ids listed that are not stored videos
    top_id: str | None = None  # the top of the uploads playlist when the listing began
    top_at: datetime | None = None
    since: date | None = None  # the listing stops at this date (FilterSpec.since)
    listed: int = 0  # uploads listed so far (a tab listing: ids its tabs listed)
    # a proven tab listing (``tabs``): each tab's last page listed (role -> position; PagePos(): from its top),
    # the tabs listed to their end or absent (404), their sizes (pageInfo.totalResults) and each pending id's tab.
    # None: the listing went along the uploads chain (``uploads``, ``shorts``), as every Resume saved before these
    tabs: Mapping[str, PagePos] | None = None
    tabs_done: frozenset[str] = frozenset()
    tab_sizes: Mapping[str, int] = field(default_factory=dict)
    tab_of: Mapping[str, str] = field(default_factory=dict)
    max_videos: int | None = None  # the listing is the N newest uploads (FilterSpec.max_videos): it stops there

    def to_json(self) -> dict[str, Any]:
        out = {"v": 1, "uploads": self.uploads.to_json(), "pending": [[v, _iso(at)] for v, at in self.pending],
               "shorts": self.shorts.to_json() if self.shorts else None, "shorts_exists": self.shorts_exists,
               "shorts_oldest": _iso(self.shorts_oldest), "pending_shorts": list(self.pending_shorts),
               "top_id": self.top_id, "top_at": _iso(self.top_at),
               "since": self.since.isoformat() if self.since else None, "listed": self.listed}
        if self.tabs is not None:  # new keys only: a reader that does not know them resumes on the uploads chain
            out.update(tabs={role: pos.to_json() for role, pos in self.tabs.items()}, tabs_done=sorted(self.tabs_done),
                       tab_sizes=dict(self.tab_sizes), tab_of=dict(self.tab_of))
        if self.max_videos:
            out["max_videos"] = self.max_videos
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> Resume | None:
        """None for anything unreadable (a listing then starts over, which is always correct)."""
        if not d or d.get("v") != 1:
            return None
        try:
            pending = tuple((p, None) if isinstance(p, str) else (p[0], _at(p[1])) for p in d.get("pending") or ())
            tabs = None
            if d.get("tabs") is not None:
                tabs = {str(role): PagePos.from_json(pos) or PagePos() for role, pos in d["tabs"].items()}
                if not set(tabs) <= set(TABS):
                    return None
            return cls(PagePos.from_json(d["uploads"]) or PagePos(), pending,
                       PagePos.from_json(d.get("shorts")), d.get("shorts_exists"), _at(d.get("shorts_oldest")),
                       tuple(d.get("pending_shorts") or ()), d.get("top_id"), _at(d.get("top_at")),
                       date.fromisoformat(d["since"]) if d.get("since") else None, int(d.get("listed") or 0),
                       tabs, frozenset(map(str, d.get("tabs_done") or ())),
                       {str(k): int(n) for k, n in (d.get("tab_sizes") or {}).items()},
                       {str(k): str(t) for k, t in (d.get("tab_of") or {}).items()},
                       int(d["max_videos"]) if d.get("max_videos") else None)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            return None


class Walk:
    """One playlist, newest first, from the top or from a saved page. Thread-safe (``ensure`` runs on the pool)."""

    def __init__(self, client: YouTubeClient, playlist_id: str, what: str, start: PagePos | None = None,
                 listed: Collection[str] = ()) -> None:
        self.c, self.playlist, self.what = client, playlist_id, what
        self.token = start.token if start else None
        self._saved = start if start and start.last_id else None
        self._listed = listed
        self.pos = start or PagePos()
        self.pages = 0
        self.exists: bool | None = None
        self.exhausted = False
        self.restarted = False
        self.oldest: datetime | None = None
        self.ids: set[str] = set()
        self.first: Item | None = None  # the top of the playlist: its first id and first publication date
        self.lock = threading.Lock()

    def next_page(self) -> list[Item]:
        """The next page's items past the saved position ([] while re-finding it, and at the end)."""
        sent = self.token
        try:
            resp = self.c.playlist_page(self.playlist, sent, f"listing {self.what}")
        except YouTubeError as e:
            if e.status == 404:  # playlistNotFound: an empty channel's uploads, or no UUSH playlist
                self.exists, self.exhausted = False, True
                return []
            if e.status == 400 and self._saved is not None and not isinstance(e, KeyInvalid):
                self._restart()  # the saved token is refused (expired, or not this playlist's any more)
                return []
            raise
        self.pages += 1
        self.exists = True
        items: list[Item] = [(cd["videoId"], parse_datetime(cd.get("videoPublishedAt")))
                             for cd in (it.get("contentDetails", {}) for it in resp.get("items", []))
                             if cd.get("videoId")]
        self.token = resp.get("nextPageToken")
        self.exhausted = not self.token
        if items:
            last = next((at for _, at in reversed(items) if at), None)
            self.pos = PagePos(sent, items[-1][0], last or self.pos.last_at, self.pos.pages + 1)
            if sent is None and self.first is None:  # a private first item has no date: take the next one's
                self.first = (items[0][0], next((at for _, at in items if at), None))
        if self._saved is not None:
            items = self._past_saved(items)
        for vid, at in items:
            self.ids.add(vid)
            if at is not None and (self.oldest is None or at < self.oldest):
                self.oldest = at
        return items

    def _past_saved(self, items: list[Item]) -> list[Item]:
        """Skip what sorts above the saved item; restart from the top when the page does not lead to it."""
        saved = self._saved
        assert saved is not None
        for i, (vid, at) in enumerate(items):
            if vid == saved.last_id:
                self._saved = None
                return items[i + 1:]
            above = vid in self._listed or at is None or saved.last_at is None or at >= saved.last_at
            if not above:  # an older video before the saved one: the saved page no longer leads back to it
                self._restart()
                return []
        if self.exhausted:
            self._restart()
        return []

    def _restart(self) -> None:
        self.token, self._saved, self.restarted, self.exhausted = None, None, True, False
        self.pos = PagePos()

    def covers(self, floor: datetime | None) -> bool:
        """Membership is known for everything published at/after ``floor`` (from where this walk began)."""
        if self.exhausted or self.exists is False:
            return True
        return floor is not None and self.oldest is not None and self.oldest < floor

    def ensure(self, floor: datetime | None) -> None:
        with self.lock:
            while not self.covers(floor):
                self.next_page()


def tab_playlist(channel_id: str, role: str, shorts_playlist_id: str | None = None) -> str:
    """A channel's tab playlist id: "UULF" + the channel id without its "UC" (UUSH: the channel's own id)."""
    return shorts_playlist_id if role == "UUSH" and shorts_playlist_id else role + channel_id[2:]


__all__ = ["Item", "PagePos", "Resume", "tab_playlist"]
