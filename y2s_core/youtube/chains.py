"""One playlist's page chain on a thread of its own: ask for a page, hand it over, ask for the next.

Each page's token comes from the previous answer, so a chain is sequential; several chains (the uploads
playlist UU… and the tab playlists UULF…, UUSH…, UULV…) run side by side. Between an answer and its next
request a chain does as little as it can: it reads the token and hands the items to its ``Listing``, which
registers the ids and queues their details on the detail pool (videos.list is sent and parsed there, never
here), then it asks for the next page, unless the listing says to wait (the chain is past the window's
cutoff, or held while another playlist decides) or to stop.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Protocol

from ..errors import YouTubeError

if TYPE_CHECKING:
    from .client import YouTubeClient


class Turn(enum.Enum):
    GO = "go"
    WAIT = "wait"
    STOP = "stop"


class Listing(Protocol):
    """What a chain reports to (the tab engine implements it)."""

    def turn(self, chain: PageChain) -> Turn: ...  # blocks while the answer is WAIT

    def page(self, chain: PageChain, response: dict, sent: str | None, token: str | None) -> None: ...

    def absent(self, chain: PageChain) -> None: ...  # the playlist answered 404 playlistNotFound


class PageChain:
    """The state of one playlist's listing. Written by its own thread under the listing's lock.

    ``oldest`` is the oldest ``videoPublishedAt`` listed, as a sortable key (``date_key``): everything newer
    than it has been listed (playlists are newest first)."""

    def __init__(self, client: YouTubeClient, playlist_id: str, role: str, context: str) -> None:
        self.client = client
        self.playlist_id = playlist_id
        self.role = role  # "UU" | "UULF" | "UUSH" | "UULV"
        self.context = context  # for error messages: "listing uploads of <title>"
        self.exists: bool | None = None  # None until the first answer; False: 404 playlistNotFound
        self.exhausted = False  # the last page came (no nextPageToken)
        self.total: int | None = None  # pageInfo.totalResults of the first page
        self.pages = 0
        self.ids: set[str] = set()
        self.first: list[str] = []  # the dated ids of the first page
        # where the listing got to, for a resume point (``listing_end``): every (id, videoPublishedAt) listed in
        # order, the first page's top item, and the last page (the token that fetched it, its raw items)
        self.listed: list[tuple[str, str | None]] = []
        self.top: tuple[str, str | None] | None = None
        self.last_page: tuple[str | None, list[tuple[str, str | None]]] | None = None
        self.shadow: list[tuple[str, str | None]] = []  # (id, date key) listed while not the listing's authority
        self.oldest: str | None = None
        self.state = "new"  # new | running | waiting | done

    def covers(self, key: str | None) -> bool:
        """True once this playlist's membership is known for a video dated ``key`` (None: undated)."""
        if self.exists is False or self.exhausted:
            return True
        return key is not None and self.oldest is not None and self.oldest < key

    def run(self, listing: Listing) -> None:
        token: str | None = None
        while listing.turn(self) is Turn.GO:
            try:
                response = self.client.playlist_page(self.playlist_id, token, self.context)
            except YouTubeError as e:
                if e.status == 404:  # playlistNotFound: an empty channel's uploads, or a tab that does not exist
                    listing.absent(self)
                    return
                raise
            sent, token = token, response.get("nextPageToken")
            listing.page(self, response, sent, token)
            if not token:
                return


def date_key(published: str | None) -> str | None:
    """'2024-05-01T12:00:00Z' or '...:00.000Z' -> '2024-05-01T12:00:00': a key that sorts as the time does.

    The API writes every videoPublishedAt in UTC with a Z: slicing is exact and costs nothing per item, where
    parsing 50 datetimes a page would sit between an answer and the next request."""
    return published[:19] if published and len(published) >= 19 else None
