"""The uploads engine: one channel's uploads page chain, its detail pool and its Shorts cursor; and
``fetch_channel``, which picks it or the tab engine (``tabs``: a big channel's tab playlists in parallel).

This engine lists small channels and short windows (``engines.engine_for``), where one chain is about as quick
and spends the fewest units. The page tokens make the uploads chain sequential, so detail calls overlap it: each uploads page hands
its ids to a small thread pool (videos.list, 50 ids a call) while this thread requests the next page.
The UUSH (Shorts) listing runs on the same pool, only as deep as the oldest upload needed. Paging stops
early once ``max_videos`` or ``since`` is satisfied (uploads are newest first).

The engine calls back into the client it is given (``playlist_page``, ``video_details``: ``execute`` meters,
retries and translates errors); it never builds a transport of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from ..errors import Y2SError, YouTubeError
from ..filters import FilterSpec
from ..models import Channel, Video
from .engines import engine_for
from .outcome import (
    Accumulator,
    cut_listing_reason,
    no_shorts_warning,
    no_uploads_warning,
    skipped_warning,
    stopped_warning,
)
from .parsing import (
    TYPE_RULE_DURATION,
    TYPE_RULE_UUSH,
    classify,
    video_from_resource,
)
from .tabs import TabFetch
from .walk import Walk

if TYPE_CHECKING:
    from .client import Progress, ProgressFn, YouTubeClient


class ChannelFetch:
    """One channel's page chain, detail pool and Shorts cursor. Progress is reported from this thread only."""

    def __init__(
        self, client: YouTubeClient, channel: Channel, spec: FilterSpec, acc: Accumulator, notify: ProgressFn,
        progress: Progress,
    ) -> None:
        self.c, self.ch, self.spec, self.acc, self.notify = client, channel, spec, acc, notify
        self.shorts = Walk(client, channel.shorts_playlist_id, "Shorts")  # UUSH, listed on demand
        self.details: dict[str, tuple[dict, Video]] = {}  # video id -> (videos.list resource, parsed)
        self.missing: set[str] = set()  # listed by the playlist, omitted by videos.list
        self.order: list[str] = []  # candidate ids in uploads order (newest first)
        self.uploads = Walk(client, channel.uploads_playlist_id, f"uploads of {channel.title}")
        self.exhausted = False
        self.no_uploads = False  # the uploads playlist answered 404 (an empty channel)
        self.since_reached = False
        self.floor: datetime | None = None  # oldest videoPublishedAt among candidates
        self.kept: list[Video] = []
        self.untyped = 0  # set by _finish(partial=True): videos left out because their type was not known yet
        self.undetailed = 0  # set by _finish: listed videos whose details had not arrived
        self.p = progress  # the client's Progress for this channel; each report sends a copy
        self._lock = threading.Lock()
        self._listed: set[str] = set()
        self._dates: dict[str, datetime] = {}  # listed id -> videoPublishedAt (a detail call waits for its UUSH)
        self._arrived: list[str] = []  # detail ids in arrival order, for _enough's incremental count
        self._seen = 0
        self._unsettled: list[tuple[dict, Video]] = []
        self._passing = 0
        self._failed: list[Future] = []  # detail calls that raised, in the order they failed

    def _note_failure(self, job: Future) -> None:
        if not job.cancelled() and job.exception() is not None:
            self._failed.append(job)

    def run(self) -> None:
        spec = self.spec
        since = datetime.combine(spec.since, time(0), tzinfo=timezone.utc) if spec.since else None
        pending: list[Future] = []
        shorts_job: Future | None = None
        force = False  # after a final pass came up short: page at least once more
        with ThreadPoolExecutor(max_workers=self.c.max_workers, thread_name_prefix="y2s-fetch") as pool:
            try:
                while True:
                    while not (self.exhausted or self.since_reached) and (force or not self._enough(pending, shorts_job)):
                        ids = self._next_page(since)
                        force = False
                        if ids:
                            job = pool.submit(self._details, ids)
                            job.add_done_callback(self._note_failure)
                            pending.append(job)
                        if self._failed:  # a detail call failed: surface its error (quota) now, not at the end
                            self._failed[0].result()
                        if shorts_job is not None and shorts_job.done():
                            shorts_job.result()  # surface its error (quota) now
                            shorts_job = None
                        if shorts_job is None and self.floor is not None and not self.shorts.covers(self.floor):
                            shorts_job = pool.submit(self.shorts.ensure, self.floor)
                        self._report()
                    self.p.stage = "details"
                    for f in pending:
                        f.result()
                        self._report()
                    pending.clear()
                    if shorts_job is not None:
                        shorts_job.result()
                        shorts_job = None
                    if self.floor is not None:
                        self.shorts.ensure(self.floor)
                    self._finish()
                    done = self.exhausted or self.since_reached or not spec.max_videos
                    if done or len(self.kept) >= spec.max_videos:
                        break
                    force = True
                    self.p.stage = "listing"
            except YouTubeError as e:  # the quota, or a failure retries could not fix: keep what got through
                for f in pending:  # keep every detail call that got through
                    try:
                        f.result()
                    except Y2SError:
                        pass
                self._finish(partial=True)
                self._record_type_rule()
                self.acc.videos.extend(self.kept)
                left = [f"{self.untyped} more left out: their Short/Long type was not known yet"] if self.untyped else []
                if self.undetailed:
                    left.append(f"{self.undetailed} more listed but not detailed")
                self.acc.warnings.append(stopped_warning(self.ch.title, e, self.p.pages, len(self.kept), left))
                raise
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        self.acc.videos.extend(self.kept)
        self._record_type_rule()
        self._check_listing_complete()
        if self.missing:
            self.acc.skipped.extend(v for v in self.order if v in self.missing)
            self.acc.warnings.append(skipped_warning(self.ch.title, len(self.missing)))
        if self.shorts.exists is False:
            self.acc.warnings.append(no_shorts_warning(self.ch.title))
        self.p.stage = "done"
        self._report()

    def _next_page(self, since: datetime | None) -> list[str]:
        items = self.uploads.next_page()
        if self.uploads.exists is False:  # 404: what the real API answers for a channel with no public uploads
            self.acc.warnings.append(no_uploads_warning(self.ch.title))
            self.exhausted = self.no_uploads = True
            return []
        self.exhausted = self.uploads.exhausted
        until = self.spec.until
        # premieres can publish a little after they are listed: prune only what is clearly too new
        too_new = datetime.combine(until + timedelta(days=3), time(0), tzinfo=timezone.utc) if until else None
        ids: list[str] = []
        for vid, published in items:
            if vid in self._listed:  # offsets shift when the channel uploads mid-fetch
                continue
            self._listed.add(vid)
            if published is not None:
                self._dates[vid] = published
                if since and published < since:
                    self.since_reached = True
                    break
                if too_new and published >= too_new:
                    continue
                self.floor = published if self.floor is None else min(self.floor, published)
            ids.append(vid)  # undated items are private/deleted: videos.list decides
        with self._lock:
            self.order.extend(ids)
        self.p.pages += 1
        self.p.listed = len(self.order)
        return ids

    def _details(self, ids: Sequence[str]) -> None:
        # the UUSH listing first, down to the oldest of these: a detailed video's type is then known, so a stop
        # (the quota, a failure) keeps every video it detailed, whatever the threads' timing
        floor = min((self._dates[v] for v in ids if v in self._dates), default=None)
        if floor is not None:
            self.shorts.ensure(floor)
        items = self.c.video_details(ids, f"fetching video details of {self.ch.title}")
        # parse here, on the pool, while the page chain waits on the network; the type is provisional
        # (Shorts membership may still grow) and _finish() corrects it
        parsed = {it["id"]: (it, video_from_resource(it, self._in_shorts(it["id"]))) for it in items}
        with self._lock:
            self.details.update(parsed)
            self._arrived.extend(parsed)
            self.missing.update(v for v in ids if v not in self.details)

    def _enough(self, pending: list[Future], shorts_job: Future | None) -> bool:
        """Stop paging? Only with max_videos: counts candidates, or videos known to pass the filters.

        With detail filters (types, durations, keywords) a video counts once its details are in and its
        type is final (Shorts listed down to its date). While even every unknown passing would not reach
        max_videos, paging goes on without waiting; once it could, wait for the details and Shorts in
        flight and decide on what is known: at most one page past the last one needed.
        """
        m = self.spec.max_videos
        if not m:
            return False
        if not self.spec.needs_details:
            with self._lock:
                return len(self.order) - len(self.missing) >= m
        if self._count_passing() >= m:
            return True
        with self._lock:
            outstanding = len(self.order) - len(self.details) - len(self.missing)
        if self._passing + len(self._unsettled) + outstanding < m:
            return False
        for f in pending:
            f.result()
        if shorts_job is not None:
            shorts_job.result()
        if self.floor is not None:
            self.shorts.ensure(self.floor)
        return self._count_passing() >= m

    def _count_passing(self) -> int:
        with self._lock:
            fresh = [self.details[v] for v in self._arrived[self._seen:]]
            self._seen = len(self._arrived)
        # count a video once its type is final (Shorts listed down to its date); the rest wait
        unsettled = []
        for item, video in self._unsettled + fresh:
            if not self.shorts.covers(video.published_at):
                unsettled.append((item, video))
                continue
            kind = classify(item, self._in_shorts(video.id))
            self._passing += self.spec.matches(video if kind is video.type else replace(video, type=kind))
        self._unsettled = unsettled
        return self._passing

    def _finish(self, partial: bool = False) -> None:
        with self._lock:
            order = list(self.order)
            details = dict(self.details)
        videos = []
        self.untyped = 0
        self.undetailed = sum(1 for v in order if v not in details and v not in self.missing)
        for vid in order:
            if vid in details:
                item, video = details[vid]
                if partial and not self.shorts.covers(video.published_at):
                    self.untyped += 1  # UUSH not read that far: its type is unknown, don't write a guess
                    continue
                kind = classify(item, self._in_shorts(vid))
                videos.append(video if kind is video.type else replace(video, type=kind))
        self.kept = self.spec.apply(videos)

    def _in_shorts(self, video_id: str) -> bool | None:
        """UUSH membership, for ``classify``; None where the channel has no UUSH playlist (the duration rule)."""
        return None if self.shorts.exists is False else video_id in self.shorts.ids

    def _record_type_rule(self) -> None:
        """How this channel's Short/Long types were decided, for the resolver summary (nothing if no video
        needed it)."""
        if self.shorts.exists is not None:
            self.acc.type_rules[self.ch.id] = TYPE_RULE_UUSH if self.shorts.exists else TYPE_RULE_DURATION

    def _check_listing_complete(self) -> None:
        """An uploads playlist lists at most about 20,000 items: when the listing ran to its end yet holds
        fewer than the channel's ``statistics.videoCount``, say so with both numbers and mark it incomplete."""
        if not self.exhausted or self.no_uploads or self.since_reached or self.ch.video_count is None:
            return
        listed, count = len(self._listed), self.ch.video_count
        if listed < count:
            reason = cut_listing_reason(self.ch.title, listed, count)
            self.acc.warnings.append(reason)
            self.acc.incomplete.append(reason)

    def _report(self) -> None:
        with self._lock:
            self.p.detailed = len(self.details)
        self.p.quota_units = self.c.meter.total_units
        self.notify(replace(self.p))


def fetch_channel(client: YouTubeClient, channel: Channel, spec: FilterSpec, acc: Accumulator, notify: ProgressFn,
                  progress: Progress, checkpoint: Callable[[], None] | None = None, ordered: bool = False) -> None:
    """Fetch one resolved channel into ``acc``: through its tab playlists in parallel when its listing is long
    (``engines.engine_for``; ``checkpoint`` is called now and then once its tabs are proven), else along its uploads
    chain (this module's engine: a short listing, nothing to checkpoint, already in listing order). ``ordered``:
    the budget may not pay for the whole listing: the tab chains page strictly in listing order."""
    if engine_for(channel.video_count, spec) == "tabs":
        TabFetch(client, channel, spec, acc, notify, progress, checkpoint, ordered).run()
    else:
        ChannelFetch(client, channel, spec, acc, notify, progress).run()
