"""Incremental listing: what changed on a channel the store already knows, through the one listing engine.

    update = ChannelUpdater(client, plan, notify, progress).run()

``plan`` (``ChannelState``) is what the store knows: the uploads playlist id, the stored videos and their
types, the **boundary** (the top of the uploads playlist at the last listing) and the ids whose statistics
to re-read. The run is the listing engine (``listing.ChannelListing``) with what it carries in from the store
(``walk.Carry``): the uploads playlist listed from the top down to the boundary, stored ids never detailed,
UUSH only as deep as the oldest new upload. For a channel with ``n`` new uploads and ``r`` ids to refresh:

    ceil((n + 1) / 50)   playlistItems.list on the uploads playlist, from the top down to the boundary
  + ceil(n / 50)         videos.list for the new ids only (50 a call)
  + the UUSH pages down to the oldest new upload (1 for a daily sync; none when n = 0, or when the store
                         says the channel has no UUSH playlist: the duration rule needs no call)
and, in videos.batchGetStats's own bucket (10,000 calls a day, not the main pool),

    ceil(r / 50)         videos.batchGetStats calls for the statistics of known videos (their titles and types
                         come from the store)

An id batchGetStats leaves out (and an Upcoming video, typed again) is asked once of videos.list; a known id
videos.list no longer returns either is ``gone`` (deleted or private); a new one it does not return is
``skipped``. Once the stats bucket is spent (``QuotaExceeded(bucket="stats")``), the refresh falls back to
``ceil(r / 50)`` videos.list, with one warning naming the bucket.

**The feed first.** Before that listing, a channel with a boundary is looked up in its uploads feed
(``feed``: no key, no quota). When the feed's newest entry is the boundary, nothing was uploaded since:
the listing is skipped (0 units; the boundary stays) and only the refresh is paid. Any other answer (new
uploads, an outage, a stale or unreadable feed) leaves the listing as above, so an unchanged channel costs
0 units plus its refresh while the feed answers, 1 plus its refresh when it does not.
``ChannelUpdate.feed`` says which path the run took, for the sync report.

**Resume.** A full listing cut by the quota left a ``Resume``. The run lists the top of the uploads playlist
down to the saved top first (uploads made in between), then continues the cut listing with the same engine:
its pending ids first, then each playlist from its saved page (``chains.PageChain`` verifies it, and starts
again from the top when it no longer leads back). On the uploads chain, UUSH continues from its saved page
and types what it had not reached; after a proven tab listing, the tabs continue (a video's tab is its type,
so nothing waits on UUSH). A cut window (``Resume.max_videos``) goes no deeper than its N newest (the
stored videos hold their places in it); its N-th newest date is the coverage floor. Cut again, it leaves the
next ``Resume`` (``listing_end.ListingEnd.cursor``, from the one it continued).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..errors import QuotaExceeded, YouTubeError
from ..filters import FilterSpec
from ..models import Channel, Video, VideoType
from .feed import FeedLook, first_look
from .listing import ChannelListing
from .outcome import Accumulator, stats_spent_warning
from .parsing import (
    PAGE,
    TYPE_RULE_DURATION,
    TYPE_RULE_NO_SHORTS,
    TYPE_RULE_UUSH,
    refreshed_from_stats,
    video_from_resource,
)
from .walk import Carry, Item, PagePos, Resume

if TYPE_CHECKING:
    from .client import Progress, YouTubeClient


@dataclass(frozen=True)
class ChannelState:
    """What the store knows of a channel, and what to do: list down to the boundary (or resume), refresh."""

    channel: Channel
    type_rule: str | None
    known: Mapping[str, Video]  # stored videos by id: they need no details and keep their stored type
    boundary_id: str | None = None
    boundary_at: datetime | None = None
    refresh: tuple[str, ...] = ()
    resume: Resume | None = None
    tags: bool = False  # the filters match tags: the listing asks videos.list for them (not the tabs' items)


@dataclass
class ChannelUpdate:
    """What one run found; ``stop`` is the YouTube failure that cut it (what got through is kept)."""

    new: list[Video] = field(default_factory=list)  # newest first
    refreshed: list[Video] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    top: Item | None = None  # the first item of the uploads playlist now: the next boundary
    type_rule: str | None = None
    complete: bool = False
    resume: Resume | None = None  # a resumed listing cut again: where to continue
    restarted: bool = False  # a saved position could not be used: listed again from the top
    window_floor: datetime | None = None  # a resumed max_videos window: the N-th newest video's date
    pages: int = 0
    stop: YouTubeError | None = None
    warnings: list[str] = field(default_factory=list)
    feed: str = ""  # the feed's verdict ("feed: unchanged", "feed unavailable (404): listed"); "": not read


class ChannelUpdater:
    """One known channel's incremental run (or the continuation of its cut listing)."""

    def __init__(self, client: YouTubeClient, plan: ChannelState, notify: Callable[[Progress], None],
                 progress: Progress, checkpoint: Callable[[list[Video], Resume], None] | None = None) -> None:
        """``checkpoint(videos, resume)``: called now and then while a cut listing is continued, with the videos
        it has so far (detailed and typed, not stored before) and where to resume it, so a run killed now
        resumes there (``listing.CHECKPOINT_SECONDS``, ``CHECKPOINT_VIDEOS``)."""
        self.c, self.plan, self.notify, self.p = client, plan, notify, progress
        self.checkpoint = checkpoint
        r = plan.resume
        self.stored = frozenset(plan.known)
        self.no_shorts = plan.type_rule == TYPE_RULE_NO_SHORTS
        self.absent = self.no_shorts or plan.type_rule == TYPE_RULE_DURATION or (r is not None and r.absent("UUSH"))
        self.acc = Accumulator(client.meter, client.meter.snapshot())
        self.top: ChannelListing | None = None
        self.cont: ChannelListing | None = None
        self.refreshed: dict[str, dict] = {}  # videos.list items of refreshed videos
        self.stats: dict[str, dict] = {}  # videos.batchGetStats items of refreshed videos
        self.asked_refresh: set[str] = set()
        self.stats_spent: QuotaExceeded | None = None  # the batchGetStats bucket ran out: videos.list instead
        self._lock = threading.Lock()
        self.look: FeedLook | None = None

    def run(self) -> ChannelUpdate:
        out = ChannelUpdate(type_rule=self.plan.type_rule)
        plan, r = self.plan, self.plan.resume
        try:
            if r is None and plan.boundary_id:
                self.look = first_look(self.c.read_feed(plan.channel.id), plan.boundary_id, plan.boundary_at)
            if self.look is None or not self.look.unchanged:
                boundary = r.top if r else (plan.boundary_id, plan.boundary_at)
                self.top = self._listing(FilterSpec(match_tags=plan.tags), False, Carry(
                    known=self.stored, boundary=boundary, shorts_absent=self.absent, no_shorts=self.no_shorts))
                self.top.run()
            if r is not None:
                self.cont = self._listing(FilterSpec(since=r.since, max_videos=r.max_videos, match_tags=plan.tags),
                                          r.tabs or bool({"UULF", "UULV"} & {*r.places, *r.done}), self._carry(r))
                self.cont.run()
            refresh = list(plan.refresh)
            with ThreadPoolExecutor(max_workers=self.c.max_workers, thread_name_prefix="y2s-sync") as pool:
                for job in [pool.submit(self._refresh, refresh[i:i + PAGE]) for i in range(0, len(refresh), PAGE)]:
                    job.result()
            out.complete = True
        except YouTubeError as e:
            out.stop = e
        self._collect(out)
        self.p.stage = "done" if out.stop is None else "error"
        self.p.pages = out.pages
        self.p.quota_units = self.c.meter.total_units
        self.notify(replace(self.p))
        return out

    def _listing(self, spec: FilterSpec, tabs: bool, carry: Carry) -> ChannelListing:
        """A continuation runs ``ordered`` (each page detailed before the next, the playlists merged by date): it
        resumes a listing the quota cut, so the next cut keeps what its units paid for, the same every time."""
        watch = self._watch if self.checkpoint is not None and carry.starts else None
        return ChannelListing(self.c, self.plan.channel, spec, self.acc, self.notify, self.p, watch,
                              ordered=bool(carry.starts), tabs=tabs, carry=carry)

    def _watch(self, listing: ChannelListing, final: bool) -> None:
        """A continued listing, mid-way: hand what it has and where it got to to ``checkpoint``."""
        r = self.plan.resume
        if final or r is None or self.checkpoint is None:
            return
        with listing.lock:
            videos = [*self.acc.videos, *listing.typed_so_far(self.stored | {v.id for v in self.acc.videos})]
            resume = listing.cursor(self.stored | {v.id for v in videos}, r)
        self.checkpoint(videos, resume)

    def _carry(self, r: Resume) -> Carry:
        """What the continuation of a cut listing carries in: its saved pages, its pending ids, the stored videos
        and the new ones the top listing found (a window counts them all)."""
        assert self.top is not None
        new = {v.id: v.published_at for v in self.acc.videos}
        window = tuple(v.published_at for v in self.plan.known.values()) + tuple(new.values()) \
            if r.max_videos else ()
        known = self.stored | frozenset(new)
        return Carry(known=known, starts={role: pos for role, pos in r.places.items() if role not in r.done},
                     done=r.done, pending=tuple(p for p in r.pending if p[0] not in known), shorts_absent=self.absent,
                     no_shorts=self.no_shorts, shorts_members=r.shorts_members, window=window, proven=r.tabs,
                     past_cap=r.past_cap, said=r.said)

    def _refresh(self, ids: Sequence[str]) -> None:
        """Statistics of known videos from videos.batchGetStats (its own bucket: 0 main-pool units). An id it
        leaves out (deleted, private) and an Upcoming video (to be typed again) are asked of videos.list, so
        a gone video is still reported gone; once the stats bucket is spent, videos.list for all of them."""
        context = f"refreshing statistics of {self.plan.channel.title}"
        ask = list(ids)
        if self.stats_spent is None:
            try:
                items = self.c.video_stats(ids, context)
            except QuotaExceeded as e:
                if e.bucket != "stats":
                    raise
                with self._lock:
                    self.stats_spent = self.stats_spent or e
            else:
                known = self.plan.known
                got = {it["id"]: it for it in items
                       if it.get("id") in known and known[it["id"]].type is not VideoType.UPCOMING}
                with self._lock:
                    self.stats.update(got)
                ask = [i for i in ids if i not in got]
        if ask:
            details = self.c.video_details(ask, context)
            with self._lock:
                self.refreshed.update((it["id"], it) for it in details)
        with self._lock:
            self.asked_refresh.update(ids)

    # -- the outcome ---------------------------------------------------------------------------------

    def _collect(self, out: ChannelUpdate) -> None:
        plan, ch, r = self.plan, self.plan.channel, self.plan.resume
        listings = [x for x in (self.top, self.cont) if x is not None]
        rule = plan.type_rule
        if self.no_shorts or any(x.no_shorts() for x in listings):
            rule = TYPE_RULE_NO_SHORTS
        elif self.absent or any(x.shorts.exists is False for x in listings):
            rule = TYPE_RULE_DURATION
        elif any(x.shorts.exists and not x.carry.proven for x in listings):
            rule = TYPE_RULE_UUSH
        out.type_rule = rule
        out.new = sorted(self.acc.videos, key=lambda v: v.published_at, reverse=True)
        out.skipped = list(self.acc.skipped)
        out.warnings = list(self.acc.warnings)
        for vid, item in self.refreshed.items():
            out.refreshed.append(_known_type(item, plan.known.get(vid), rule))
        for vid, item in self.stats.items():
            out.refreshed.append(refreshed_from_stats(item, plan.known[vid], rule == TYPE_RULE_DURATION))
        out.gone = sorted(self.asked_refresh - set(self.refreshed) - set(self.stats))
        if self.stats_spent is not None:  # the same words for every channel: said once (the sync dedupes)
            out.warnings.append(stats_spent_warning("Statistics"))
        top = self.top.top() if self.top is not None else (None, None)
        out.top = top if top[0] is not None else None
        if self.look is not None:
            out.feed = self.look.note
            if self.look.unchanged:  # not listed: the boundary stays the top of the uploads playlist
                out.top = (plan.boundary_id, plan.boundary_at)
        out.restarted = self.cont is not None and any(c.restarted for c in self.cont.chains.values())
        out.window_floor = self._window_floor() if out.stop is None else None
        out.pages = sum(c.pages for x in listings for c in x.chains.values())
        if out.gone:
            out.warnings.append(f"{ch.title}: {len(out.gone)} known video(s) no longer returned by YouTube (deleted "
                                f"or made private): kept in the store and in your sheet, left out of this result "
                                f"({', '.join(out.gone[:5])}{' …' if len(out.gone) > 5 else ''}).")
        if r is not None and out.stop is not None:
            out.resume = self.cont.cursor(self.stored | {v.id for v in out.new}, r) if self.cont else r
        if out.stop is not None:
            out.complete = False
            if not any("stopped by" in w for w in out.warnings):  # cut between the listings, or in the refresh
                why = "the quota" if isinstance(out.stop, QuotaExceeded) else "a YouTube failure"
                out.warnings.append(f"{ch.title}: stopped by {why}; {len(out.new)} new videos kept.")

    def _window_floor(self) -> datetime | None:
        """The date of a resumed window's N-th newest video (its coverage floor), or None: fewer than N."""
        r = self.plan.resume
        if r is None or not r.max_videos:
            return None
        listed = {vid: _at(k) for x in (self.top, self.cont) if x is not None for vid, k in x.cand.items() if k}
        listed.update({v.id: v.published_at for v in [*self.plan.known.values(), *self.acc.videos]})
        dates = sorted(listed.values(), reverse=True)
        return dates[r.max_videos - 1] if len(dates) >= r.max_videos else None


def _known_type(item: dict, old: Video | None, rule: str | None) -> Video:
    """A refreshed known video keeps its stored type (no UUSH listing for it), except an Upcoming one, which is
    typed again now that it may have aired; the duration rule is simply applied again."""
    if rule == TYPE_RULE_DURATION:
        return video_from_resource(item, None)
    if old is None or old.type is VideoType.UPCOMING:
        return video_from_resource(item, False)
    return replace(video_from_resource(item, old.type is VideoType.SHORT), type=old.type)


def _at(key: str | None) -> datetime | None:
    """A ``chains.date_key`` back to a datetime (UTC, whole seconds)."""
    return datetime.fromisoformat(key).replace(tzinfo=timezone.utc) if key else None


__all__ = ["ChannelState", "ChannelUpdate", "ChannelUpdater", "PagePos", "Resume"]
