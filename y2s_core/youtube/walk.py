"""Where a listing stands: the one cursor shape, serialized here and nowhere else.

``PagePos`` is a page of a playlist (the pageToken that fetched it and its last item); ``Resume`` is where a
full listing cut by the quota stopped, saved as JSON in ``sync_state.listing_resume``: each playlist's place
(role -> page: UU and UUSH along the uploads chain, UULF, UUSH and UULV after a proven tab listing), the ones
done, and the ids listed but not stored; ``listing_end.ListingEnd.cursor`` reads it off a listing's chains.
``Carry`` is what a listing brings in from the store to continue one: the ids stored, the boundary of an
incremental run, the saved pages to start from (``chains.PageChain`` verifies them), the ids listed before
and not stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .engines import TABS
from .parsing import ListedItem

Item = tuple[str, "datetime | None"]  # (video id, videoPublishedAt) as a playlist lists it
Pending = tuple[str, "datetime | None", str]  # (video id, videoPublishedAt, the role of the playlist that listed it)


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
    """Where a full listing cut short stopped (``sync_state.listing_resume``, as JSON): the one cursor shape.

    ``places``: each playlist the listing continues on, by role, at the last page it listed (``PagePos()``: from
    its top): "UU" and "UUSH" along the uploads chain, "UULF", "UUSH" and "UULV" after a proven tab listing
    (``tabs``), all four after tabs that were not proven (UU lists; the tabs carry it past its cap). ``done``: the roles listed to their end, or absent (404: then without a place); not asked again.
    ``pending``: the ids listed and not stored, newest first, each with its date and the role that listed it."""

    places: Mapping[str, PagePos]
    pending: tuple[Pending, ...] = ()
    done: frozenset[str] = frozenset()
    tabs: bool = False  # a proven tab listing: a video's tab is its type
    past_cap: bool = False  # the uploads playlist ended below videoCount (its cap): its tabs carry the listing on
    sizes: Mapping[str, int] = field(default_factory=dict)  # each tab's pageInfo.totalResults (the quota planner)
    shorts_members: frozenset[str] = frozenset()  # along the uploads chain: UUSH ids listed, not stored
    said: Mapping[str, ListedItem] = field(default_factory=dict)  # a pending id's tab item: batchGetStats details it
    top: tuple[str | None, datetime | None] = (None, None)  # the uploads playlist's top when the listing began
    since: date | None = None  # the listing stops at this date (FilterSpec.since)
    max_videos: int | None = None  # the listing is the N newest uploads (FilterSpec.max_videos)
    listed: int = 0  # ids its candidates' playlists listed, all runs (the quota planner)

    def absent(self, role: str) -> bool:
        """The playlist of ``role`` answered 404 (playlistNotFound)."""
        return role in self.done and role not in self.places

    def to_json(self) -> dict[str, Any]:
        return {"v": 2, "places": {role: pos.to_json() for role, pos in self.places.items()},
                "pending": [[v, _iso(at), role] for v, at, role in self.pending], "done": sorted(self.done),
                "tabs": self.tabs, "past_cap": self.past_cap, "sizes": dict(self.sizes), "shorts_members": sorted(self.shorts_members),
                "said": {v: list(item) for v, item in self.said.items()}, "top": [self.top[0], _iso(self.top[1])],
                "since": self.since.isoformat() if self.since else None, "max_videos": self.max_videos,
                "listed": self.listed}

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> Resume | None:
        """None for anything unreadable (a listing then starts over, which is always correct)."""
        try:
            d = _v1(d) if d and d.get("v") == 1 else d
            if not d or d.get("v") != 2:
                return None
            places = {str(role): PagePos.from_json(pos) or PagePos() for role, pos in d["places"].items()}
            if not set(places) <= {"UU", *TABS}:
                return None
            top_id, top_at = d.get("top") or (None, None)
            return cls(places, tuple((str(v), _at(at), str(role)) for v, at, role in d.get("pending") or ()),
                       frozenset(map(str, d.get("done") or ())), bool(d.get("tabs")), bool(d.get("past_cap")),
                       {str(k): int(n) for k, n in (d.get("sizes") or {}).items()},
                       frozenset(map(str, d.get("shorts_members") or ())),
                       {str(v): ListedItem(*(None if x is None else str(x) for x in item))
                        for v, item in (d.get("said") or {}).items() if len(item) == len(ListedItem._fields)},
                       (top_id, _at(top_at)), date.fromisoformat(d["since"]) if d.get("since") else None,
                       int(d["max_videos"]) if d.get("max_videos") else None, int(d.get("listed") or 0))
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            return None


def _v1(d: Mapping[str, Any]) -> dict[str, Any]:
    """A resume saved before the one cursor shape (the uploads chain's keys, the tabs' beside them) as the one."""
    tabs = d.get("tabs") is not None
    pending = [(p, None) if isinstance(p, str) else p for p in d.get("pending") or ()]
    if tabs:
        places, done = d["tabs"], d.get("tabs_done")
        roles = d.get("tab_of") or {}
    else:
        places = {"UU": d["uploads"], **({"UUSH": d["shorts"]} if d.get("shorts") else {})}
        done, roles = ["UUSH"] if d.get("shorts_exists") is False else [], {}
    return {"v": 2, "places": places, "done": done, "tabs": tabs, "sizes": d.get("tab_sizes"),
            "pending": [[v, at, roles.get(v, "UULF" if tabs else "UU")] for v, at in pending],
            "shorts_members": [] if tabs else d.get("pending_shorts"), "said": d.get("said"),
            "top": [d.get("top_id"), d.get("top_at")], "since": d.get("since"), "max_videos": d.get("max_videos"),
            "listed": d.get("listed")}


@dataclass(frozen=True)
class Carry:
    """What a listing carries in from the store: it continues what was listed before (``incremental``)."""

    known: frozenset[str] = frozenset()  # stored ids: listed before, never candidates (their details are stored)
    boundary: tuple[str | None, datetime | None] | None = None  # the uploads playlist ends at this item, or older
    starts: Mapping[str, PagePos] = field(default_factory=dict)  # role -> its saved page, continued (verified)
    done: frozenset[str] = frozenset()  # roles listed to their end before: not asked again
    pending: tuple[Pending, ...] = ()  # listed before, not stored
    shorts_absent: bool = False  # the channel has no UUSH playlist: never asked
    no_shorts: bool = False  # ... and a tab playlist answered: no Shorts at all (else the duration rule guesses)
    shorts_members: frozenset[str] = frozenset()  # UUSH listed these before (down to its saved page)
    window: tuple[datetime, ...] = ()  # a max_videos window: the stored videos' dates (they hold places in it)
    proven: bool = False  # a proven tab listing continues: the tabs list and type, the uploads playlist rests
    past_cap: bool = False  # ... or one past the uploads playlist's cap: the tabs list, UU and UUSH type
    said: Mapping[str, ListedItem] = field(default_factory=dict)  # pending ids' tab items (``Resume.said``)


def tab_playlist(channel_id: str, role: str, shorts_playlist_id: str | None = None) -> str:
    """A channel's tab playlist id: "UULF" + the channel id without its "UC" (UUSH: the channel's own id)."""
    return shorts_playlist_id if role == "UUSH" and shorts_playlist_id else role + channel_id[2:]


__all__ = ["Carry", "Item", "PagePos", "Pending", "Resume", "tab_playlist"]
