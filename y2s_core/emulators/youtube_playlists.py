"""The YouTube emulator's playlist routes: playlistItems.list and playlists.list, with the tab playlists.

A mixin of ``YouTubeEmulator`` (kept apart so the router stays readable). A channel's uploads playlist UU…
lists its public uploads only: Google's uploads playlist leaves private and deleted videos out, while an
ordinary playlist (PL…) keeps them as "Private video" / "Deleted video" placeholders (where that comes from:
``catalog.UNLISTED_IN_UPLOADS``). Beside UU… YouTube keeps undocumented per-tab
playlists, UULF… (long-form videos), UUSH… (Shorts) and UULV… (live streams), which list the public
videos of their tab and do not exist (404 playlistNotFound) when the tab is empty (ARCHITECTURE.md, "The
real APIs"). Each playlist lists at most ``playlist_cap`` items (about 20,000 on the real API).

Because those tabs are undocumented and not always there, the emulator can take them away to test a
client's fallback: ``omit_tabs`` (any of "UULF", "UUSH", "UULV": 404 for every channel) and ``lagging``
(video ids still in UU but in no tab yet, as when a tab lags behind an upload).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .catalog import TAB_PREFIXES, Catalog, DemoChannel, DemoVideo, etag
from .transport import json_response
from .youtube_errors import playlist_not_found

if TYPE_CHECKING:
    from .youtube import Response

MAX_IDS = 50


class PlaylistRoutes:
    """playlistItems.list and playlists.list over ``self.catalog``, honouring the tab switches."""

    catalog: Catalog
    playlist_cap: int
    omit_tabs: frozenset[str]
    lagging: frozenset[str]
    _tab_entries: dict[str, tuple[DemoVideo, ...]]

    # provided by YouTubeEmulator
    _max_results: Callable[..., Any]
    _split_ids: Callable[[str], list[str]]
    _page: Callable[..., Any]
    _no_filter: Callable[[str], Any]
    _incompatible: Callable[[list[str]], Any]
    _too_many_ids: Callable[[], Any]
    _auth_required: Callable[[str], Any]

    def _init_tabs(self, omit_tabs: Iterable[str], lagging: Iterable[str]) -> None:
        self.omit_tabs = frozenset(omit_tabs)
        unknown = self.omit_tabs - set(TAB_PREFIXES)
        if unknown:
            raise ValueError(f"omit_tabs takes {', '.join(TAB_PREFIXES)}, not {', '.join(sorted(unknown))}")
        self.lagging = frozenset(lagging)
        self._tab_entries = {}

    def lag(self, video_ids: Iterable[str]) -> None:
        """From now on, list these videos in the uploads playlist only: every tab playlist lags behind them."""
        self.lagging = self.lagging | frozenset(video_ids)
        self._tab_entries = {}

    def _listed(self, playlist_id: str) -> tuple[DemoChannel, tuple[DemoVideo, ...]] | None:
        """(owner, entries) as this emulator serves the playlist: None when it does not exist here."""
        prefix = playlist_id[:4]
        found = self.catalog.playlist(playlist_id)
        if found is None:
            return None
        owner, entries = found
        if prefix in TAB_PREFIXES and playlist_id != owner.uploads_playlist_id:
            if prefix in self.omit_tabs:
                return None
            if self.lagging:
                cached = self._tab_entries.get(playlist_id)
                if cached is None:
                    cached = self._tab_entries[playlist_id] = tuple(v for v in entries if v.id not in self.lagging)
                entries = cached
        return owner, entries

    # -- playlistItems.list --------------------------------------------------------------------------

    def _playlist_items(self, query: dict[str, str], parts: list[str]) -> Response:
        playlist_id = query.get("playlistId", "").strip()
        item_ids = self._split_ids(query.get("id", ""))
        if not playlist_id and not item_ids:
            return self._no_filter("id, playlistId")
        if playlist_id and item_ids:
            return self._incompatible(["id", "playlistId"])
        per_page = self._max_results(query)
        if not isinstance(per_page, int):
            return per_page
        if item_ids:
            return self._playlist_items_by_id(item_ids, parts, per_page)
        found = self._listed(playlist_id)
        if found is None or not found[1]:  # an empty channel's uploads playlist is 404 too, not 200 without items
            return playlist_not_found()
        owner, entries = found
        entries = entries[: self.playlist_cap]  # the real API stops a listing at about 20,000 items
        video_filter = query.get("videoId", "").strip()
        picked: list[tuple[int, DemoVideo]] | None = None
        if video_filter:
            picked = [(p, v) for p, v in enumerate(entries) if v.id == video_filter]
        scope = f"playlistItems:{playlist_id}:{video_filter}"

        def make(start: int, end: int) -> list[dict[str, Any]]:
            rows = picked[start:end] if picked is not None else enumerate(entries[start:end], start)
            return [self.catalog.playlist_item_resource(owner, playlist_id, pos, v, parts) for pos, v in rows]

        total = len(picked) if picked is not None else len(entries)
        return self._page("youtube#playlistItemListResponse", scope, total, query, per_page, make)

    def _playlist_items_by_id(self, item_ids: list[str], parts: list[str], per_page: int) -> Response:
        if len(item_ids) > MAX_IDS:
            return self._too_many_ids()
        items = []
        for item_id in item_ids:
            try:
                playlist_id = base64.b64decode(item_id, validate=True).decode("utf-8").rsplit(".", 1)[0]
            except (binascii.Error, UnicodeDecodeError):
                continue
            found = self._listed(playlist_id)
            if found is None:
                continue
            owner, entries = found
            for pos, v in enumerate(entries):
                res = self.catalog.playlist_item_resource(owner, playlist_id, pos, v, ("id",))
                if res["id"] == item_id:
                    items.append(self.catalog.playlist_item_resource(owner, playlist_id, pos, v, parts))
                    break
        return json_response(200, {
            "kind": "youtube#playlistItemListResponse",
            "etag": etag("pli-ids", *(i["etag"] for i in items)),
            "pageInfo": {"totalResults": len(items), "resultsPerPage": per_page},
            "items": items,
        })

    # -- playlists.list ------------------------------------------------------------------------------

    def _playlists(self, query: dict[str, str], parts: list[str]) -> Response:
        filters = [f for f in ("id", "channelId", "mine") if f in query]
        if not filters:
            return self._no_filter("channelId, id, mine")
        if len(filters) > 1:
            return self._incompatible(filters)
        if filters[0] == "mine":
            return self._auth_required("mine")
        per_page = self._max_results(query)
        if not isinstance(per_page, int):
            return per_page
        items: list[dict[str, Any]] = []
        if filters[0] == "id":
            ids = self._split_ids(query["id"])
            if len(ids) > MAX_IDS:
                return self._too_many_ids()
            for pid in ids:
                listed = self._listed(pid)
                res = self.catalog.playlist_resource(pid, parts) if listed is not None else None
                if res is not None:
                    if "contentDetails" in res:
                        res["contentDetails"] = {"itemCount": len(listed[1])}
                    items.append(res)
            return json_response(200, {
                "kind": "youtube#playlistListResponse",
                "etag": etag("playlists", *(i["etag"] for i in items)),
                "pageInfo": {"totalResults": len(items), "resultsPerPage": per_page},
                "items": items,
            })
        # channelId: the channel's ordinary playlists (UU…/UUSH… and the other tabs are never listed by channelId)
        channel_id = query["channelId"].strip()
        owned = self.catalog.playlists_of(channel_id)

        def make(start: int, end: int) -> list[dict[str, Any]]:
            return [self.catalog.playlist_resource(p.id, parts) for p in owned[start:end]]

        return self._page("youtube#playlistListResponse", f"playlists:{channel_id}", len(owned), query, per_page,
                          make)
