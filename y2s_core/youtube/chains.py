"""One playlist's page chain on a thread of its own: ask for a page, hand it over, ask for the next.

Each page's token comes from the previous answer, so a chain is sequential; several chains (the uploads
playlist UU… and the tab playlists UULF…, UUSH…, UULV…) run side by side. Between an answer and its next
request a chain does as little as it can: it reads the token and hands the items to its ``Listing``, which
registers the ids and queues their details on the detail pool (videos.list is sent and parsed there, never
here), then it asks for the next page, unless the listing says to wait (the chain is past the window's
cutoff, or held while another playlist decides) or to stop.

A chain may start from a saved page (``walk.PagePos``: a listing cut short continues there). Page tokens
cannot be trusted to mean the same thing later (Google documents them as opaque; uploads in between shift
offset-based ones), so the saved page is asked again and *verified*: the chain skips what sorts above the
saved item until it meets it, and goes on after it. When the token is refused (400) or the page does not lead
back to the saved item (something above it was deleted, or it was), the chain starts again from the top
(``restarted``), where every id listed before needs no details: only its pages are paid twice.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..errors import KeyInvalid, YouTubeError
from .parsing import ListedItem, listed_item

if TYPE_CHECKING:
    from .client import YouTubeClient
    from .walk import PagePos

Raw = list[tuple[str, "str | None"]]  # (video id, videoPublishedAt as the API writes it), in playlist order


class Turn(enum.Enum):
    GO = "go"
    WAIT = "wait"
    STOP = "stop"


@dataclass(frozen=True)
class Page:
    """One answer of a chain: the token that asked for it, the next one, its items, the items past a saved
    start (``fresh``: all of them once the start was found) and the playlist's size (its first page)."""

    sent: str | None
    token: str | None
    raw: Raw
    fresh: Raw
    total: int | None
    restart: bool = False  # the page did not lead back to the saved item: the chain lists from the top next
    said: dict[str, ListedItem] | None = None  # each item's own words (a chain that asks for snippets)


class Listing(Protocol):
    """What a chain reports to (``listing.ChannelListing`` implements it)."""

    def turn(self, chain: PageChain) -> Turn: ...  # blocks while the answer is WAIT

    def page(self, chain: PageChain, page: Page) -> None: ...

    def absent(self, chain: PageChain) -> None: ...  # the playlist answered 404 playlistNotFound


class PageChain:
    """The state of one playlist's listing. Written by its own thread under the listing's lock.

    ``oldest`` is the oldest ``videoPublishedAt`` listed, as a sortable key (``date_key``): everything newer
    than it has been listed (playlists are newest first)."""

    def __init__(self, client: YouTubeClient, playlist_id: str, role: str, context: str,
                 start: PagePos | None = None, listed_before: Collection[str] = (), snippets: bool = False) -> None:
        self.client = client
        self.parts = "snippet,contentDetails" if snippets else "contentDetails"  # the same unit either way
        self.playlist_id = playlist_id
        self.role = role  # "UU" | "UULF" | "UUSH" | "UULV"
        self.context = context  # for error messages: "listing uploads of <title>"
        self.exists: bool | None = None  # None until the first answer; False: 404 playlistNotFound
        self.exhausted = False  # the last page came (no nextPageToken), or the listing ends this chain here
        self.total: int | None = None  # pageInfo.totalResults of the first page
        self.pages = 0
        self.ids: set[str] = set()
        self.first: list[str] = []  # the dated ids of the first page
        # where the listing got to, for a resume point (``listing_end``): every (id, videoPublishedAt) listed in
        # order, the first page's top item, and the last page (the token that fetched it, its raw items)
        self.listed: Raw = []
        self.top: tuple[str, str | None] | None = None
        self.last_page: tuple[str | None, Raw] | None = None
        self.shadow: list[tuple[str, str | None]] = []  # (id, date key) listed while not the listing's authority
        self.state = "new"  # new | running | waiting | done
        self.start = start  # a saved page to continue from (verified), else the top
        self.saved = start if start is not None and start.last_id else None  # still looking for its item
        self.saved_key = date_key(start.last_at.strftime("%Y-%m-%dT%H:%M:%SZ")) if self.saved and start.last_at \
            else None
        self.start_key = self.saved_key
        self.oldest: str | None = self.saved_key  # a chain continued has listed down to its saved page before
        self.pos_pages = start.pages if start is not None else 0  # pages listed down to the last one, all runs
        self.listed_before = listed_before  # ids that sort above the saved item when met before it
        self.restarted = False

    def covers(self, key: str | None) -> bool:
        """True once this playlist's membership is known for a video dated ``key`` (None: undated)."""
        if self.exists is False or self.exhausted:
            return True
        if key is not None and self.start_key is not None and key >= self.start_key:
            return True  # listed before the saved page this chain continues from
        return key is not None and self.oldest is not None and self.oldest < key

    def run(self, listing: Listing) -> None:
        token: str | None = self.start.token if self.start is not None else None
        while not self.exhausted and listing.turn(self) is Turn.GO:
            try:
                response = self.client.playlist_page(self.playlist_id, token, self.context, self.parts)
            except YouTubeError as e:
                if e.status == 404:  # playlistNotFound: an empty channel's uploads, or a tab that does not exist
                    listing.absent(self)
                    return
                if e.status == 400 and self.saved is not None and not isinstance(e, KeyInvalid):
                    token = self._restart()  # the saved token is refused (expired, or not this playlist's any more)
                    continue
                raise
            sent, token = token, response.get("nextPageToken")
            raw = [(cd["videoId"], cd.get("videoPublishedAt")) for cd in
                   (it.get("contentDetails") or {} for it in response.get("items") or ()) if cd.get("videoId")]
            fresh, restart = (raw, False) if self.saved is None else self._past_saved(raw, last=not token)
            if restart:
                token = self._restart()
            total = _int((response.get("pageInfo") or {}).get("totalResults")) if sent is None else None
            said = {it["contentDetails"]["videoId"]: listed_item(it) for it in response.get("items") or ()
                    if (it.get("contentDetails") or {}).get("videoId")} if self.parts != "contentDetails" else None
            listing.page(self, Page(sent, token, raw, fresh, total, restart, said))

    def _past_saved(self, raw: Raw, last: bool) -> tuple[Raw, bool]:
        """(the items past the saved one, whether to restart from the top: the page does not lead to it)."""
        saved = self.saved
        assert saved is not None
        for i, (vid, at) in enumerate(raw):
            if vid == saved.last_id:
                self.saved = None
                return raw[i + 1:], False
            key = date_key(at)
            above = vid in self.listed_before or key is None or self.saved_key is None or key >= self.saved_key
            if not above:  # an older video before the saved one: the saved page no longer leads back to it
                return [], True
        return [], last  # the playlist ended without the saved item

    def _restart(self) -> None:
        """List from the top from now on: the token to ask next (None)."""
        self.saved, self.start, self.restarted, self.exhausted, self.pos_pages = None, None, True, False, 0
        self.oldest = None


def date_key(published: str | None) -> str | None:
    """'2024-05-01T12:00:00Z' or '...:00.000Z' -> '2024-05-01T12:00:00': a key that sorts as the time does.

    The API writes every videoPublishedAt in UTC with a Z: slicing is exact and costs nothing per item, where
    parsing 50 datetimes a page would sit between an answer and the next request."""
    return published[:19] if published and len(published) >= 19 else None


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
