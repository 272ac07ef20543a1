"""What a listing knows, decided under its lock: the candidates, the window's cutoff, each video's type.

A mixin of ``listing.ChannelListing`` (kept apart so that module stays readable): which ids are candidates
(``_register``: not stored, inside the dates asked), which ids to detail now (``_batches``: 50 a call; with
the uploads playlist as the authority, only once UUSH says their type; a window defers what lies past its
cutoff), whether the tabs are trusted (``_decide``), where a ``max_videos`` window ends (``_recut``: the
N-th newest candidate not known to fail), and each video's Short/Long membership (``in_shorts``,
``_type_final``, ``_typed``).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import replace
from typing import TYPE_CHECKING

from ..models import Video, VideoType
from .chains import PageChain, date_key
from .parsing import PAGE, classify

if TYPE_CHECKING:
    from .listing import ChannelListing

IN_SHORTS = frozenset({VideoType.SHORT, VideoType.UPCOMING})  # what classify can make of a UUSH member
NOT_IN_SHORTS = frozenset({VideoType.LONG, VideoType.LIVE, VideoType.UPCOMING})


class ListingState:
    """The listing's shared state and its rules (every method runs under the listing's lock)."""

    def _at_boundary(self: ChannelListing, vid: str, published: str | None) -> bool:
        """An incremental run's uploads playlist reached the item it was listed down to before (or older)."""
        if self.boundary is None:
            return False
        key = date_key(published)
        return vid == self.boundary[0] or (key is not None and self.boundary[1] is not None and key < self.boundary[1])

    def _register(self: ChannelListing, vid: str, key: str | None) -> None:
        """A candidate for the result (under the lock), unless outside the dates asked, stored or already one."""
        if vid in self.cand or vid in self.carry.known:
            return
        if key is not None and ((self.since_key and key < self.since_key) or
                                (self.too_new_key and key >= self.too_new_key)):
            return
        self.cand[vid] = key  # undated: private or deleted; videos.list decides
        self.buffer.append(vid)
        if key is not None and (self.oldest_open is None or key < self.oldest_open) and not self._type_final(vid):
            self.oldest_open = key
        if self.m and key is not None:
            insort(self.live, key)
            self.live_ids.add(vid)

    def _unshadow(self: ChannelListing, chains: list[PageChain]) -> None:
        """These chains became the listing's authority: register what they listed so far."""
        for chain in chains:
            for vid, key in chain.shadow:
                self._register(vid, key)
            chain.shadow.clear()

    def _batches(self: ChannelListing) -> list[list[str]]:
        """Full batches of 50 ids to detail now (under the lock). A candidate its tab rules out is never asked
        for (``_ruled_out``); with max_videos, one listed past the cutoff waits (``deferred``) and is asked for
        only if the cutoff comes back down to it."""
        if self.needs_type and self.shorts.exists:
            out_now = [v for v in (*self.buffer, *self.deferred) if self._ruled_out(v)]
            if out_now:
                self.excluded.update(out_now)
                self.buffer = [v for v in self.buffer if v not in self.excluded]
                self.deferred.difference_update(out_now)
                for vid in out_now:
                    self._drop(vid)
                self._recut()
        if self.m:
            cut = self.cutoff
            if self.deferred and (cut is None or self.deferred_newest >= cut):
                back = [v for v in self.deferred if cut is None or self.cand[v] >= cut]
                self.deferred.difference_update(back)
                self.deferred_newest = max((self.cand[v] for v in self.deferred), default="")
                self.buffer.extend(back)
            if cut is not None:
                keep = []
                for vid in self.buffer:
                    key = self.cand[vid]
                    if key is not None and key < cut:
                        self.deferred.add(vid)
                        self.deferred_newest = max(self.deferred_newest, key)
                    else:
                        keep.append(vid)
                self.buffer = keep
        # the uploads chain as the authority: an id is detailed once UUSH has listed down to it (its type is
        # then known), so a stop keeps every video it detailed
        typed = len(self.buffer)
        if self.proof is False and not self.uu_short:
            typed = next((i for i, v in enumerate(self.buffer) if not self._type_final(v)), typed)
        out = []
        while typed >= PAGE:
            typed -= PAGE
            out.append(self.buffer[:PAGE])
            del self.buffer[:PAGE]
        self.unsent += len(out)
        return out

    def _decide(self: ChannelListing) -> None:
        """Trust the tabs? Once every tab and the uploads playlist answered their first page (under the lock)."""
        if self.proof is not None or any(t.exists is None for t in self.tabs) or self.uu.exists is None:
            return
        counted = sum(t.total or 0 for t in self.tabs if t.exists)
        newest_in_tabs = all(any(v in t.ids for t in self.tabs) for v in self.uu.first)
        self.proof = counted == self.video_count and newest_in_tabs and any(t.exists for t in self.tabs)
        self._unshadow(self._proven_tabs() if self.proof else [self.uu])

    def _proven_tabs(self: ChannelListing) -> list[PageChain]:
        """The tabs that list the candidates once proven: all three, or UUSH alone when only Shorts are asked."""
        if not self.proof:
            return []
        return [self.shorts] if self.shorts_only else self.tabs

    def _recut(self: ChannelListing) -> None:
        cut = self.since_key
        if self.m and len(self.live) >= self.m:
            nth = self.live[-self.m]
            cut = nth if cut is None or nth > cut else cut
        self.cutoff = cut

    def _drop(self: ChannelListing, vid: str) -> None:
        """A candidate known to fail (deleted, or filtered out) no longer holds a place in the window."""
        if vid in self.live_ids:
            self.live_ids.discard(vid)
            del self.live[bisect_left(self.live, self.cand[vid])]

    def _judge(self: ChannelListing, vid: str) -> None:
        if vid not in self.live_ids:
            return
        if self.needs_type and not self._type_final(vid):
            self.unsettled.add(vid)
            return
        self.unsettled.discard(vid)
        if not self.spec.matches(self._typed(vid)):
            self._drop(vid)

    def _ruled_out(self: ChannelListing, vid: str) -> bool:
        """The types asked cannot include this video, whatever its details say: in UUSH it is a Short (or an
        upcoming stream), out of it never a Short. Saves the detail calls of a tab the filter excludes."""
        if not self._type_final(vid):
            return False
        possible = IN_SHORTS if vid in self.shorts.ids else NOT_IN_SHORTS
        return not (self.spec.types & possible)

    def _settle(self: ChannelListing) -> None:
        for vid in list(self.unsettled):
            self._judge(vid)
        self._recut()

    def in_shorts(self: ChannelListing, vid: str) -> bool | None:
        """UUSH membership, for ``classify``. Where UUSH does not exist but another tab playlist does, the channel
        has no Shorts; where no tab playlist answers, the duration rule guesses (None)."""
        if vid in self.shorts.ids or self.tab_of.get(vid) == "UUSH":
            return True
        if self.shorts.exists is False:
            return False if self.no_shorts() or vid in self.tab_of else None
        return False

    def no_shorts(self: ChannelListing) -> bool:
        """UUSH answered 404 while a tab playlist (UULF, UULV) answered: the channel has no Shorts."""
        return self.shorts.exists is False and (self.tabs_answer or any(
            t.exists for t in self.tabs if t is not self.shorts))

    def _type_final(self: ChannelListing, vid: str) -> bool:
        if vid in self.shorts.ids or vid in self.tab_of:
            return True
        if self.carry.proven and any(vid in t.ids for t in self.tabs):
            return True  # a proven listing continued: a video's tab is its type
        return self.shorts.covers(self.cand.get(vid))

    def _typed(self: ChannelListing, vid: str) -> Video:
        item, video = self.details[vid]
        if item is None:  # typed by the tab that listed it (``listing._lean_details``): final
            return video
        in_shorts = self.in_shorts(vid)
        if in_shorts is self.typed_with.get(vid):  # classified with the same membership when parsed
            return video
        kind = classify(item, in_shorts)
        return video if kind is video.type else replace(video, type=kind)

    def _covered(self: ChannelListing, key: str | None) -> bool:
        """Every video dated ``key`` has been listed: by the uploads playlist, or by every tab once proven."""
        uu = self.uu
        if uu.exists and (uu.exhausted or (key is not None and uu.oldest is not None and uu.oldest < key)):
            return True
        return bool(self.proof) and all(t.covers(key) for t in self.tabs)
