"""Where a listing stands: the one cursor shape, serialized here and nowhere else.

``PagePos`` is a page of a playlist (the pageToken that fetched it and its last item); ``Resume`` is where a
full listing cut by the quota stopped, saved as JSON in ``sync_state.listing_resume``: on the uploads chain,
its uploads and UUSH pages; after a proven tab listing, each tab playlist's page (UULF, UUSH, UULV) and the
tab of every id listed but not stored. ``Carry`` is what a listing brings in from the store to continue
one: the ids stored, the boundary of an incremental run, the saved pages to start from (``chains.PageChain``
verifies them), the ids listed before and not stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .engines import TABS
from .parsing import ListedItem

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
    # what a tab's item said of each pending id (title, date, channel, thumbnail): batchGetStats details it then
    said: Mapping[str, ListedItem] = field(default_factory=dict)

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
        if self.said:
            out["said"] = {v: list(item) for v, item in self.said.items()}
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
                       int(d["max_videos"]) if d.get("max_videos") else None,
                       {str(v): ListedItem(*(None if x is None else str(x) for x in item))
                        for v, item in (d.get("said") or {}).items() if len(item) == len(ListedItem._fields)})
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            return None


@dataclass(frozen=True)
class Carry:
    """What a listing carries in from the store: it continues what was listed before (``incremental``)."""

    known: frozenset[str] = frozenset()  # stored ids: listed before, never candidates (their details are stored)
    boundary: tuple[str | None, datetime | None] | None = None  # the uploads playlist ends at this item, or older
    starts: Mapping[str, PagePos] = field(default_factory=dict)  # role -> its saved page, continued (verified)
    done: frozenset[str] = frozenset()  # roles listed to their end before: not asked again
    pending: tuple[tuple[str, datetime | None, str], ...] = ()  # listed before, not stored: (id, date, role)
    shorts_absent: bool = False  # the channel has no UUSH playlist: never asked
    no_shorts: bool = False  # ... and a tab playlist answered: no Shorts at all (else the duration rule guesses)
    shorts_oldest: datetime | None = None  # UUSH was listed before from its top down to here ...
    shorts_members: frozenset[str] = frozenset()  # ... and held these
    window: tuple[datetime, ...] = ()  # a max_videos window: the stored videos' dates (they hold places in it)
    proven: bool = False  # a proven tab listing continues: the tabs list and type, the uploads playlist rests
    said: Mapping[str, ListedItem] = field(default_factory=dict)  # pending ids' tab items (``Resume.said``)


def tab_playlist(channel_id: str, role: str, shorts_playlist_id: str | None = None) -> str:
    """A channel's tab playlist id: "UULF" + the channel id without its "UC" (UUSH: the channel's own id)."""
    return shorts_playlist_id if role == "UUSH" and shorts_playlist_id else role + channel_id[2:]


__all__ = ["Carry", "Item", "PagePos", "Resume", "tab_playlist"]
