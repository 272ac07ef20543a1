"""How a tab fetch ends: the videos it keeps, newest first, and what it says about them.

A mixin of ``listing.ChannelListing`` (kept apart so that module stays readable): after a full run every candidate
with details is kept; after a quota stop or a YouTube failure only a newest-first prefix is, down to where
every playlist had reached and each video's Short/Long type was known, and the rest is counted in the
warning. It also records how the channel's types were decided and says when no playlist reached a video.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import YouTubeError
from ..models import Video
from .outcome import (
    cut_listing_reason,
    no_shorts_warning,
    no_uploads_warning,
    skipped_warning,
    stopped_warning,
)
from .parsing import TYPE_RULE_DURATION, TYPE_RULE_TABS, TYPE_RULE_UUSH

if TYPE_CHECKING:
    from .listing import ChannelListing

TAB_NAMES = {"UU": "uploads", "UULF": "long-form", "UUSH": "Shorts", "UULV": "live"}


class ListingEnd:
    """The end of a ``ChannelListing``: ``_keep`` (into the accumulator), the type rule, the cut-listing check."""

    def _keep(self: ChannelListing, partial: bool, error: YouTubeError | None = None) -> None:
        with self.lock:
            order = sorted(self.cand.items(), key=lambda kv: kv[1] or "", reverse=True)  # newest first, stable
            videos: list[Video] = []
            untyped = undetailed = beyond = 0
            gap = False  # partial: keep a newest-first prefix, so nothing newer than a kept video is missing
            for vid, key in order:
                if vid in self.missing or vid in self.excluded:
                    continue
                if vid not in self.details:
                    undetailed += vid not in self.deferred  # deferred: past the window, never needed
                    gap = True
                elif partial and not self._covered(key):
                    beyond += 1  # a video of a playlist that did not get this far may be missing above it
                    gap = True
                elif partial and not self._type_final(vid):
                    untyped += 1  # UUSH not read that far: its type is unknown, don't write a guess
                    gap = True
                elif partial and gap:
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
        if not self.proof and self.shorts.exists is False:
            self.acc.warnings.append(no_shorts_warning(title))
        self.p.stage = "done"
        self._report(final=True)

    def _record_type_rule(self: ChannelListing) -> None:
        if self.proof:
            self.acc.type_rules[self.ch.id] = TYPE_RULE_TABS
        elif self.shorts.exists is not None:
            self.acc.type_rules[self.ch.id] = TYPE_RULE_UUSH if self.shorts.exists else TYPE_RULE_DURATION

    def _check_listing_complete(self: ChannelListing) -> None:
        """A whole-channel listing that holds fewer than videoCount even with every playlist: say so, with the
        numbers of each playlist, and mark the result incomplete."""
        if self.since_key or self.proof or not self.video_count or not self.uu.exists or (self.m and not (
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
