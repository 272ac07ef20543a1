"""Incremental listing: what changed on a channel the store already knows, at the least quota.

    update = ChannelUpdater(client, plan, notify).run()

``plan`` (``ChannelState``) is what the store knows: the uploads playlist id, the stored videos and their
types, the **boundary** (the top of the uploads playlist at the last listing) and the ids whose statistics
to re-read. The updater then spends, for a channel with ``n`` new uploads and ``r`` ids to refresh:

    ceil((n + 1) / 50)   playlistItems.list on the uploads playlist, from the top down to the boundary
  + ceil(n / 50)         videos.list for the new ids only (50 a call, on a small pool)
  + the UUSH pages down to the oldest new upload (1 for a daily sync; none when n = 0, or when the store
                         says the channel has no UUSH playlist: the duration rule needs no call)
  + ceil(r / 50)         videos.list for the statistics of known videos (their types come from the store)

so an unchanged channel costs 1 unit plus its refresh. A known id videos.list no longer returns is
``gone`` (deleted or private); a new one it does not return is ``skipped``.

**Resume.** A full listing cut by the quota leaves a ``Resume``: the page token of the last uploads page
it listed and that page's last item, the same for the UUSH playlist, the ids listed but not stored
(``pending``), the UUSH ids not stored (``pending_shorts``) and the top of the playlist when it began.
Page tokens cannot be trusted to mean the same thing later (Google documents them as opaque; uploads in
between shift offset-based ones), so the saved page is asked again and *verified*: the walk skips what
sorts above the saved item until it meets it and continues after it. When the token is refused (400) or
the page does not lead back to the saved item (something above it was deleted, or it was), the walk
starts again from the top, where every stored id needs no details: only its pages are paid twice. Before
continuing, the top of the playlist is listed down to the saved top (uploads made in between).
A new id is detailed only once the UUSH listing has reached its date (``_typed_details``), so a cut wastes
no details but those in flight. Cost over one uninterrupted listing: the saved uploads and UUSH pages asked
again (2 units), the new top page (1), and what the cut made useless (the first listing
details ahead of its UUSH listing and keeps no video whose type it does not know yet).

A cut **tab listing** (``tabs``, proven: its Resume has ``tabs``) had listed the uploads playlist one page
only; it resumes on its tab chains instead (``_walk_tabs``): the top of the uploads playlist down to the saved
top as above, the pending ids, then each tab not done (UULF, UUSH, UULV, one after the other) from its saved
page, verified and restarted from that tab's top by the same rules. A video's tab is its type (UUSH: a
Short; UULF, UULV: not), so its details are asked at once, 50 a call, and nothing waits on a UUSH listing.
Cost over one uninterrupted listing: the new top page (1) and each unfinished tab's saved page (1 a tab).
Cut again, it leaves the next tab Resume (``_next_tab_resume``). Positions and the walk are in ``walk``.

A cut **window** (``Resume.max_videos``: the N newest uploads) goes no deeper than N: the uploads chain stops
once N uploads are listed from the top; the tabs are merged by date (the tab least deep in time pages next)
and stop once N videos newer than every tab's frontier are known. The N-th newest date is the coverage floor.

Like the listing engine, this module calls back into the client (its discovery resources and
``playlist_page``, ``video_details``) and never builds a request of its own. It reuses ``parsing`` for every resource.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timezone
from typing import TYPE_CHECKING

from ..errors import QuotaExceeded, Y2SError, YouTubeError
from ..models import Channel, Video, VideoType
from .engines import TABS
from .listing_end import TAB_NAMES
from .parsing import (
    PAGE,
    TYPE_RULE_DURATION,
    TYPE_RULE_UUSH,
    parse_datetime,
    video_from_resource,
)
from .walk import Item, PagePos, Resume, Walk, tab_playlist

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


class ChannelUpdater:
    """One known channel's incremental run (or the continuation of its cut listing)."""

    def __init__(self, client: YouTubeClient, plan: ChannelState, notify: Callable[[Progress], None],
                 progress: Progress) -> None:
        self.c, self.plan, self.notify, self.p = client, plan, notify, progress
        ch = plan.channel
        self.uploads = ch.uploads_playlist_id or "UU" + ch.id[2:]
        r = plan.resume
        self.top = Walk(client, self.uploads, f"uploads of {ch.title}")
        self.cont: Walk | None = None
        self.shorts_top = Walk(client, ch.shorts_playlist_id, f"Shorts of {ch.title}")
        self.shorts_cont: Walk | None = None
        self.tabbed = r is not None and r.tabs is not None  # a cut tab listing: continue each tab
        self.tab_walks: dict[str, Walk] = {}
        self.tab_of: dict[str, str] = {}  # new id -> the tab that listed it (its type: UUSH -> a Short)
        self.tabs_done: set[str] = set()
        if r is not None and r.tabs is not None:
            listed = set(plan.known) | {v for v, _ in r.pending}
            for role in TABS:
                if role not in r.tabs_done:
                    self.tab_walks[role] = Walk(client, tab_playlist(ch.id, role, ch.shorts_playlist_id),
                                                 f"{TAB_NAMES[role]} of {ch.title}", r.tabs.get(role) or PagePos(),
                                                 listed=listed)
        elif r is not None:
            self.cont = Walk(client, self.uploads, f"uploads of {ch.title}", r.uploads,
                              listed=set(plan.known) | {v for v, _ in r.pending})
            self.shorts_cont = Walk(client, ch.shorts_playlist_id, f"Shorts of {ch.title}", r.shorts)
        self.top_new: list[Item] = []  # new items above the boundary (or the saved top)
        self.cont_new: list[Item] = []  # items past the saved position, or pending
        self.dates: dict[str, datetime | None] = {}
        self.items: dict[str, dict] = {}  # videos.list resources of new ids
        self.refreshed_items: dict[str, dict] = {}
        self.asked: set[str] = set()  # new ids sent to videos.list
        self.asked_refresh: set[str] = set()  # known ids videos.list answered for
        self._lock = threading.Lock()
        self.reached_end = r is None

    # -- the run ------------------------------------------------------------------------------------

    def run(self) -> ChannelUpdate:
        out = ChannelUpdate(type_rule=self.plan.type_rule)
        pending: list[Future] = []
        with ThreadPoolExecutor(max_workers=self.c.max_workers, thread_name_prefix="y2s-sync") as pool:
            try:
                buffer: list[str] = []
                self._walk_top(buffer, pending, pool)
                if self.tabbed:
                    self._walk_tabs(buffer, pending, pool)
                elif self.cont is not None:
                    self._walk_cont(buffer, pending, pool)
                refresh = [v for v in self.plan.refresh if v not in self.dates]
                for i in range(0, len(refresh), PAGE):
                    pending.append(pool.submit(self._refresh, refresh[i:i + PAGE]))
                self.p.stage = "details"
                for f in pending:
                    f.result()
                self._type_walks()
                out.complete = self.reached_end
            except YouTubeError as e:
                out.stop = e
                for f in pending:
                    try:
                        f.result()
                    except Y2SError:
                        pass
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        self._collect(out)
        self.p.stage = "done" if out.stop is None else "error"
        self._report()
        return out

    def _walk_top(self, buffer: list[str], pending: list[Future], pool: ThreadPoolExecutor) -> None:
        """The uploads playlist from the top down to the boundary (a resume: down to the saved top)."""
        r = self.plan.resume
        stop_id, stop_at = (r.top_id, r.top_at) if r else (self.plan.boundary_id, self.plan.boundary_at)
        while not self.top.exhausted:
            reached = False
            for vid, at in self.top.next_page():
                if vid == stop_id or (at is not None and stop_at is not None and at < stop_at):
                    reached = True
                    break
                self._candidate(vid, at, self.top_new, buffer)
            self._flush(buffer, pending, pool, self.shorts_top)
            self._report()
            if reached:
                break
        self._flush(buffer, pending, pool, self.shorts_top, force=True)

    def _walk_cont(self, buffer: list[str], pending: list[Future], pool: ThreadPoolExecutor) -> None:
        """A resume: the pending ids, then the cut listing from its saved page to the end (or ``since``)."""
        r = self.plan.resume
        assert r is not None and self.cont is not None and self.shorts_cont is not None
        since = datetime.combine(r.since, time(0), tzinfo=timezone.utc) if r.since else None
        for vid, at in r.pending:
            self._candidate(vid, at, self.cont_new, buffer)
        self.reached_end = False
        while not self.cont.exhausted and not self._uploads_window_listed():
            for vid, at in self.cont.next_page():
                if since is not None and at is not None and at < since:
                    self.reached_end = True
                    break
                self._candidate(vid, at, self.cont_new, buffer)
            self._flush(buffer, pending, pool, self.shorts_cont)
            self._report()
            if self.reached_end:
                break
        self._flush(buffer, pending, pool, self.shorts_cont, force=True)
        self.reached_end = True

    def _walk_tabs(self, buffer: list[str], pending: list[Future], pool: ThreadPoolExecutor) -> None:
        """A cut tab listing: the pending ids, then each tab from its saved page to its end (or ``since``).
        A video's tab gives its type, so its details are asked at once (no UUSH listing to wait for).

        A ``max_videos`` window merges the tabs by date instead: the tab least deep in time pages next, and the
        walk stops once the N newest videos are known (``_tabs_window_known``), as the tab engine's cutoff does."""
        r = self.plan.resume
        assert r is not None
        since = datetime.combine(r.since, time(0), tzinfo=timezone.utc) if r.since else None
        for vid, at in r.pending:
            if self._candidate(vid, at, self.cont_new, buffer):
                self.tab_of[vid] = r.tab_of.get(vid, "UULF")
        self.reached_end = False
        active = dict(self.tab_walks)
        while active and not (r.max_videos and self._tabs_window_known(active, r.max_videos)):
            role = max(active, key=lambda t: _frontier(active[t])) if r.max_videos else next(iter(active))
            walk = active[role]
            past = False
            for vid, at in walk.next_page():
                if since is not None and at is not None and at < since:
                    past = True
                    break
                if self._candidate(vid, at, self.cont_new, buffer):
                    self.tab_of[vid] = role
            self._flush(buffer, pending, pool, None)
            self._report()
            if past or walk.exhausted:
                self.tabs_done.add(role)
                del active[role]
        self._flush(buffer, pending, pool, None, force=True)
        self.reached_end = True

    def _uploads_window_listed(self) -> bool:
        """A resumed max_videos window on the uploads chain: its N newest uploads are listed (from the top)."""
        r = self.plan.resume
        assert r is not None and self.cont is not None
        if not r.max_videos:
            return False
        listed = len(self.cont.ids) if self.cont.restarted else r.listed + len(self.cont.ids)
        return listed >= r.max_videos

    def _tabs_window_known(self, active: Mapping[str, Walk], n: int) -> bool:
        """Every video newer than the deepest-lagging tab's frontier is known (each tab listed everything newer
        than its own): are there ``n`` of them? Then the window's N newest are all stored or listed."""
        floor = max(_frontier(w) for w in active.values())
        return floor is not None and self._known_newer(floor) >= n

    def _known_newer(self, floor: datetime) -> int:
        return (sum(1 for v in self.plan.known.values() if v.published_at > floor)
                + sum(1 for at in self.dates.values() if at is not None and at > floor))

    def _window_floor(self) -> datetime | None:
        """The date of the window's N-th newest known video (its coverage floor), or None: fewer than N."""
        r = self.plan.resume
        if r is None or not r.max_videos:
            return None
        dates = sorted([v.published_at for v in self.plan.known.values()] +
                       [at for at in self.dates.values() if at is not None], reverse=True)
        return dates[r.max_videos - 1] if len(dates) >= r.max_videos else None

    def _candidate(self, vid: str, at: datetime | None, into: list[Item], buffer: list[str]) -> bool:
        if vid in self.plan.known or vid in self.dates:
            return False
        self.dates[vid] = at
        into.append((vid, at))
        buffer.append(vid)
        self.p.listed += 1
        return True

    def _flush(self, buffer: list[str], pending: list[Future], pool: ThreadPoolExecutor, shorts: Walk | None,
               force: bool = False) -> None:
        """Detail the buffered ids 50 a call, each call on the pool once the UUSH listing (``shorts``; None: a
        tab resume, whose tabs type every id) reaches the oldest of them: a video is detailed only when its
        type can be known, so a quota cut wastes no details."""
        while len(buffer) >= PAGE or (force and buffer):
            ids, buffer[:] = buffer[:PAGE], buffer[PAGE:]
            with self._lock:
                self.asked.update(ids)
            pending.append(pool.submit(self._typed_details, ids, shorts))

    def _typed_details(self, ids: Sequence[str], shorts: Walk | None) -> None:
        if shorts is not None and self._needs_shorts():
            r = self.plan.resume
            dates = [self.dates.get(v) for v in ids]
            if shorts is self.shorts_cont and r is not None and r.shorts_oldest is not None:
                dates = [d for d in dates if d is not None and d < r.shorts_oldest]  # the rest: listed before
            floor = min((d for d in dates if d is not None), default=None)
            if floor is not None:
                shorts.ensure(floor)
        self._details(ids)

    def _details(self, ids: Sequence[str]) -> None:
        items = self.c.video_details(ids, f"fetching video details of {self.plan.channel.title}")
        with self._lock:
            for it in items:
                self.items[it["id"]] = it
            self.p.detailed = len(self.items)

    def _refresh(self, ids: Sequence[str]) -> None:
        items = self.c.video_details(ids, f"refreshing statistics of {self.plan.channel.title}")
        with self._lock:
            for it in items:
                self.refreshed_items[it["id"]] = it
            self.asked_refresh.update(ids)

    # -- types ---------------------------------------------------------------------------------------

    def _needs_shorts(self) -> bool:
        r = self.plan.resume
        return self.plan.type_rule != TYPE_RULE_DURATION and not (r and r.shorts_exists is False) \
            and self.shorts_top.exists is not False

    def _floor(self, items: Sequence[Item]) -> datetime | None:
        dates = [self._published(v) for v, _ in items]
        known = [d for d in dates if d is not None]
        return min(known) if known else None

    def _published(self, vid: str) -> datetime | None:
        item = self.items.get(vid)
        if item is not None:
            return parse_datetime(item.get("snippet", {}).get("publishedAt")) or self.dates.get(vid)
        return self.dates.get(vid)

    def _type_walks(self) -> None:
        """UUSH membership for the new videos, listed only as deep as the oldest of them."""
        if not self._needs_shorts():
            return
        top_floor = self._floor([(v, a) for v, a in self.top_new if v in self.items])
        if top_floor is not None:
            self.shorts_top.ensure(top_floor)
        if self.shorts_cont is not None and self._needs_shorts():
            r = self.plan.resume
            assert r is not None
            older = [(v, a) for v, a in self.cont_new if v in self.items and not self._covered_before(v, r)]
            floor = self._floor(older)
            if floor is not None:
                self.shorts_cont.ensure(floor)

    def _covered_before(self, vid: str, r: Resume) -> bool:
        at = self._published(vid)
        return r.shorts_oldest is not None and at is not None and at >= r.shorts_oldest

    def _membership(self, vid: str, from_top: bool) -> tuple[bool, bool | None]:
        """(type known?, in UUSH) for a new video; in UUSH is None when the channel has no UUSH playlist."""
        r = self.plan.resume
        if self.tabbed and not from_top:
            return True, self.tab_of.get(vid) == "UUSH"  # its tab says (UULF, UULV: not a Short)
        if not self._needs_shorts():
            return True, None
        at = self._published(vid)
        if from_top:
            return self.shorts_top.covers(at), vid in self.shorts_top.ids
        assert r is not None and self.shorts_cont is not None
        if self._covered_before(vid, r):
            return True, vid in r.pending_shorts or vid in self.shorts_cont.ids
        return self.shorts_cont.covers(at), vid in self.shorts_cont.ids

    # -- the outcome ---------------------------------------------------------------------------------

    def _collect(self, out: ChannelUpdate) -> None:
        plan, ch = self.plan, self.plan.channel
        no_uush = self.shorts_top.exists is False or (self.shorts_cont is not None and self.shorts_cont.exists is False)
        rule = plan.type_rule
        if no_uush or (plan.resume and plan.resume.shorts_exists is False):
            rule = TYPE_RULE_DURATION
        elif self.shorts_top.exists or (self.shorts_cont is not None and self.shorts_cont.exists):
            rule = TYPE_RULE_UUSH
        out.type_rule = rule
        untyped: list[str] = []
        with self._lock:
            items, refreshed = dict(self.items), dict(self.refreshed_items)
            asked = set(self.asked)
        for group, from_top in ((self.top_new, True), (self.cont_new, False)):
            for vid, _ in group:
                if vid not in items:
                    if vid in asked and out.stop is None:
                        out.skipped.append(vid)
                    continue
                known, in_shorts = self._membership(vid, from_top)
                if not known:
                    untyped.append(vid)
                    continue
                out.new.append(video_from_resource(items[vid], in_shorts))
        out.new.sort(key=lambda v: v.published_at, reverse=True)
        for vid, item in refreshed.items():
            out.refreshed.append(self._known_type(item, plan.known.get(vid), rule))
        out.gone = sorted(self.asked_refresh - set(refreshed))
        out.top = self.top.first
        out.restarted = bool(self.cont and self.cont.restarted) or any(w.restarted for w in self.tab_walks.values())
        out.window_floor = self._window_floor() if out.stop is None and self.reached_end else None
        out.pages = self._pages()
        if out.skipped:
            out.warnings.append(f"{ch.title}: skipped {len(out.skipped)} listed videos that YouTube did not return "
                                "(deleted or private).")
        if out.gone:
            out.warnings.append(f"{ch.title}: {len(out.gone)} known video(s) no longer returned by YouTube (deleted "
                                f"or made private): kept in the store and in your sheet, left out of this result "
                                f"({', '.join(out.gone[:5])}{' …' if len(out.gone) > 5 else ''}).")
        if plan.resume is not None and (out.stop is not None or not out.complete):
            out.resume = self._next_resume(out, untyped)
        if out.stop is not None:
            why = "the quota" if isinstance(out.stop, QuotaExceeded) else "a YouTube failure"
            left = f" ({len(untyped)} more left out: their Short/Long type was not known yet)" if untyped else ""
            out.warnings.append(f"{ch.title}: stopped by {why}; {len(out.new)} new videos kept{left}.")
            out.complete = False

    @staticmethod
    def _known_type(item: dict, old: Video | None, rule: str | None) -> Video:
        """A refreshed known video keeps its stored type (no UUSH listing for it), except an Upcoming one,
        which is typed again now that it may have aired; the duration rule is simply applied again."""
        if rule == TYPE_RULE_DURATION:
            return video_from_resource(item, None)
        if old is None or old.type is VideoType.UPCOMING:
            return video_from_resource(item, False)
        return replace(video_from_resource(item, old.type is VideoType.SHORT), type=old.type)

    def _next_resume(self, out: ChannelUpdate, untyped: Sequence[str]) -> Resume:
        r = self.plan.resume
        assert r is not None
        if self.tabbed:
            return self._next_tab_resume(out)
        assert self.cont is not None and self.shorts_cont is not None
        kept = {v.id for v in out.new}
        stored = set(self.plan.known) | kept
        pending = [(v, self._published(v)) for v, _ in self.cont_new if v not in kept]
        began = self.cont.pages > 0 or self.cont.restarted
        shorts_began = self.shorts_cont.pages > 0
        oldest = self.shorts_cont.oldest if shorts_began else None
        if not self.shorts_cont.restarted and r.shorts_oldest is not None and oldest is not None:
            oldest = min(oldest, r.shorts_oldest)
        elif oldest is None and not self.shorts_cont.restarted:
            oldest = r.shorts_oldest
        return Resume(
            uploads=self.cont.pos if began else r.uploads, pending=tuple(pending),
            shorts=self.shorts_cont.pos if shorts_began else r.shorts,
            shorts_exists=False if self.shorts_cont.exists is False else r.shorts_exists if not shorts_began else True,
            shorts_oldest=oldest,
            pending_shorts=tuple(sorted((set(r.pending_shorts) | self.shorts_cont.ids) - stored)),
            top_id=r.top_id, top_at=r.top_at, since=r.since, listed=r.listed + len(self.cont.ids),
            max_videos=r.max_videos,
        )

    def _next_tab_resume(self, out: ChannelUpdate) -> Resume:
        """A tab resume cut again: each tab's page now (a tab restarted and not listed yet: from its top)."""
        r = self.plan.resume
        assert r is not None and r.tabs is not None
        kept = {v.id for v in out.new}
        pending = [(v, self._published(v)) for v, _ in self.cont_new if v not in kept]
        tabs = dict(r.tabs)
        for role, walk in self.tab_walks.items():
            if walk.pages or walk.restarted:
                tabs[role] = walk.pos
        done = set(r.tabs_done) | self.tabs_done | {role for role, w in self.tab_walks.items() if w.exists is False}
        return replace(r, pending=tuple(pending), tabs=tabs, tabs_done=frozenset(done),
                       tab_of={v: self.tab_of[v] for v, _ in pending if v in self.tab_of},
                       listed=r.listed + len(set().union(*(w.ids for w in self.tab_walks.values()))))

    def _pages(self) -> int:
        return self.top.pages + (self.cont.pages if self.cont else 0) + sum(w.pages for w in self.tab_walks.values())

    def _report(self) -> None:
        self.p.pages = self._pages()
        self.p.quota_units = self.c.meter.total_units
        self.notify(replace(self.p))


def _frontier(walk: Walk) -> datetime | None:
    """How deep in time a tab has been listed: its oldest date, or its saved page's (None: not at all yet,
    which sorts as the least deep: ``max`` picks it, and no window can be known past it)."""
    at = walk.oldest or walk.pos.last_at
    return at if at is not None else datetime.max.replace(tzinfo=timezone.utc)


__all__ = ["ChannelState", "ChannelUpdate", "ChannelUpdater", "PagePos", "Resume"]
