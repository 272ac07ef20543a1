"""How a listing ends: the videos it keeps, newest first, what it says about them, and where it got to.

A mixin of ``listing.ChannelListing`` (kept apart so that module stays readable): after a full run every
candidate with details is kept; after a quota stop or a YouTube failure only a newest-first prefix is, down
to where every playlist had reached and each video's Short/Long type was known, and the rest is counted in
the warning. It also records how the channel's types were decided and says when no playlist reached a video.

Where it got to, read from its own chains: ``cursor`` (the one cursor shape, ``walk.Resume``, serialized
there: a cut listing, new or itself continued, continues from it), ``tab_typed`` (videos a proven listing
detailed below the prefix it kept: their tab gives their type, so they are stored too), ``top`` (the uploads playlist's first item: the next sync's boundary)
and ``uploads_listed`` (what the uploads playlist listed: a stored video it no longer lists is gone).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..errors import YouTubeError
from ..models import Video
from .engines import TABS
from .outcome import (
    cut_listing_reason,
    no_shorts_warning,
    no_uploads_warning,
    skipped_warning,
    stopped_warning,
)
from .parsing import (
    TYPE_RULE_DURATION,
    TYPE_RULE_NO_SHORTS,
    TYPE_RULE_TABS,
    TYPE_RULE_UUSH,
    parse_datetime,
    video_from_resource,
)
from .walk import PagePos, Resume

_EPOCH = datetime.min.replace(tzinfo=timezone.utc)  # an undated id sorts last

if TYPE_CHECKING:
    from .chains import PageChain
    from .listing import ChannelListing

TAB_NAMES = {"UU": "uploads", "UULF": "long-form", "UUSH": "Shorts", "UULV": "live"}


class ListingEnd:
    """The end of a ``ChannelListing``: ``_keep`` (into the accumulator), the type rule, the cut-listing check."""

    def _keep(self: ChannelListing, partial: bool, error: YouTubeError | None = None) -> None:
        with self.lock:
            order = sorted(self.cand.items(), key=lambda kv: kv[1] or "", reverse=True)  # newest first, stable
            videos: list[Video] = []
            untyped = undetailed = beyond = 0
            # partial: keep a newest-first prefix, so nothing newer than a kept video is missing; a listing that
            # continues the store's keeps every video it detailed and typed (the store holds what is above it)
            prefix = partial and not self.continues
            gap = False
            for vid, key in order:
                if vid in self.missing or vid in self.excluded:
                    continue
                if vid not in self.details:
                    undetailed += vid not in self.deferred  # deferred: past the window, never needed
                    gap = True
                elif prefix and not self._covered(key):
                    beyond += 1  # a video of a playlist that did not get this far may be missing above it
                    gap = True
                elif partial and not self._type_final(vid):
                    untyped += 1  # UUSH not read that far: its type is unknown, don't write a guess
                    gap = True
                elif prefix and gap:
                    beyond += 1  # detailed, but a video above it is not: not a prefix any more
                else:
                    videos.append(self._typed(vid))
            kept = self.spec.apply(videos)
            missing = [v for v, _ in order if v in self.missing]
        self.acc.videos.extend(kept)
        self._record_type_rule()
        title = self.ch.title
        if partial:
            left = [f"{untyped} more left out: their Short/Long type was not known yet"] if untyped else []
            if beyond:
                left.append(f"{beyond} more left out: listed past where every playlist had reached")
            if undetailed:
                left.append(f"{undetailed} more listed but not detailed")
            pages = sum(c.pages for c in self.chains.values())
            self.acc.warnings.append(stopped_warning(title, error, pages, len(kept), left))
            return
        if self.uu.exists is False:  # 404: what the real API answers for a channel with no public uploads
            self.acc.warnings.append(no_uploads_warning(title))
        self._check_listing_complete()
        if missing:
            self.acc.skipped.extend(missing)
            self.acc.warnings.append(skipped_warning(title, len(missing)))
        if not self.proof and self.shorts.exists is False and not self.no_shorts() and not self.continues:
            self.acc.warnings.append(no_shorts_warning(title))
        self.p.stage = "done"
        self._report(final=True)

    def _record_type_rule(self: ChannelListing) -> None:
        if self.proof:
            self.acc.type_rules[self.ch.id] = TYPE_RULE_TABS
        elif self.shorts.exists is not None:
            self.acc.type_rules[self.ch.id] = TYPE_RULE_UUSH if self.shorts.exists else \
                TYPE_RULE_NO_SHORTS if self.no_shorts() else TYPE_RULE_DURATION

    def _check_listing_complete(self: ChannelListing) -> None:
        """A whole-channel listing that holds fewer than videoCount even with every playlist: say so, with the
        numbers of each playlist, and mark the result incomplete."""
        if self.continues or self.since_key or self.proof or not self.video_count or not self.uu.exists or (self.m and not (
                self.uu.exhausted and not self.tabs)):
            return
        listed = len(set().union(*(c.ids for c in self.chains.values())))
        if listed >= self.video_count:
            return
        each = ", ".join(f"{TAB_NAMES[r]} {len(c.ids):,}" for r, c in self.chains.items() if c.exists)
        reason = cut_listing_reason(self.ch.title, listed, self.video_count, *(
            [f"a playlist lists at most about 20,000 items; listed by playlist: {each}"] if self.tabs else []))
        self.acc.warnings.append(reason)
        self.acc.incomplete.append(reason)

    # ------------------------------------------------------------------------------ where it got to

    def top(self: ChannelListing) -> tuple[str | None, datetime | None]:
        """The uploads playlist's first item (id, first dated videoPublishedAt): the next sync's boundary."""
        with self.lock:
            top = self.uu.top
        return (top[0], parse_datetime(top[1])) if top else (None, None)

    def uploads_listed(self: ChannelListing) -> set[str]:
        with self.lock:
            return set(self.uu.ids)

    def tab_typed(self: ChannelListing, kept: set[str]) -> list[Video]:
        """A proven tab listing cut short keeps a newest-first prefix; the videos it detailed below it are typed
        by their tab all the same (UUSH: a Short; UULF, UULV: not): stored too, they need no details again."""
        if not self.proof:
            return []
        with self.lock:
            tab_of: dict[str, str] = {}
            for role in TABS:
                for vid, _ in self.chains[role].listed:
                    tab_of.setdefault(vid, role)
            details = dict(self.details)
        return [video if item is None else video_from_resource(item, tab_of[vid] == "UUSH")
                for vid, (item, video) in details.items()
                if vid in tab_of and vid not in kept and video.channel_id in (self.ch.id, "")]

    def typed_so_far(self: ChannelListing, exclude: set[str]) -> list[Video]:
        """The videos detailed so far whose type is known (a listing that continues the store's keeps them all):
        stored by a checkpoint, they need no details again."""
        with self.lock:
            return [self._typed(vid) for vid in self.details if vid not in exclude and self._type_final(vid)]

    def cursor(self: ChannelListing, have: set[str], before: Resume | None = None) -> Resume | None:
        """Where this listing, cut short, continues: each playlist's last page (one this run did not ask keeps its
        place in ``before``, the cursor it continued) and the ids listed that are not in ``have`` (stored, before
        or by it). None: a new listing that got no uploads page to continue from."""
        with self.lock:
            if before is None and not (self.uu.last_page and self.uu.last_page[1]):
                return None
            roles = TABS if self.proof else ("UU", *TABS) if self.tabs else ("UU", "UUSH")
            places = dict(before.places) if before else {}
            done = set(before.done) if before else set()
            for role in roles:
                chain = self.chains[role]
                if chain.pages or chain.restarted:
                    places[role] = _pos(chain) or PagePos()
                if chain.exists is False or (chain.pages and chain.exhausted):
                    done.add(role)
                if chain.exists is False:
                    places.pop(role, None)  # absent (404): no place
            dates = {vid: at for chain in self.chains.values() for vid, at in chain.listed}
            # the candidates; along the uploads chain, all it and the waiting tabs listed too (cut before the proof,
            # or before the tabs carry it past its cap): no playlist lists again what is above its saved place
            listed = self.cand if self.proof else {**self.cand, **dict.fromkeys(
                vid for chain in (self.uu, *self.tabs) for vid, _ in chain.listed)}
            pending = sorted(((vid, parse_datetime(dates.get(vid)), self._role(vid)) for vid in listed
                              if vid not in have and vid not in self.missing),  # missing: YouTube left it out
                             key=lambda p: p[1] or _EPOCH, reverse=True)
            carried = {vid for vid, _, _ in self.carry.pending}
            walked = {vid for role in (roles if self.proof else ("UU",)) for vid in self.chains[role].ids} - carried
            said = {**(before.said if before else {}), **{vid: item for vid, (_, item) in self.said.items()}}
            return Resume(
                places, tuple(pending), frozenset(done), bool(self.proof), self.uu_short and not self.proof,
                {**(before.sizes if before else {}), **{role: self.chains[role].total for role in roles
                                                         if self.proof and self.chains[role].total is not None}},
                frozenset() if self.proof else frozenset(self.shorts.ids - have),
                {vid: said[vid] for vid, _, _ in pending if vid in said}, before.top if before else self.top(),
                self.spec.since, self.spec.max_videos, (before.listed if before else 0) + len(walked))

    def _role(self: ChannelListing, vid: str) -> str:
        """The playlist a pending id continues in: its tab after a proven tab listing, else the uploads."""
        if not self.proof:
            return "UU"
        return next((role for role in TABS if vid in self.chains[role].ids), self.tab_of.get(vid, "UULF"))


def _pos(chain: PageChain) -> PagePos | None:
    """A chain's last page as a place to resume (None: it listed no page)."""
    if chain.last_page is None:
        return None
    token, items = chain.last_page
    last_at = next((parse_datetime(at) for _, at in reversed(items) if at), None)
    return PagePos(token, items[-1][0] if items else None, last_at, chain.pos_pages)
