"""Keeping a sheet current: fetch through the store, incrementally where it knows the channel.

    syncer = Syncer(client, settings)
    prepared = syncer.prepare(["@a", "@b"], spec, SyncOptions(stats="recent", sheet_ids=ids))
    print(prepared.plan.line())                     # the quota planner's estimate and today's budget
    outcome = syncer.run(prepared)                  # outcome.result: a FetchResult, as a full fetch gives

``prepare`` finds each input in the store first (no YouTube call for a known channel: the uploads playlist
id is stored), resolves the others through YouTube (their videoCount feeds the plan), and picks a mode
per channel:

* **incremental** (``youtube.incremental``): the store's coverage serves the filters; the uploads feed first
  (no quota: its newest entry is the boundary, nothing to list), else list down to the
  boundary, detail the new uploads; refresh statistics per ``stats`` ("none", "recent": published in the
  last 90 days plus the rows already in the target sheet, "all");
* **resume**: a full listing was cut by the quota: continue it from where it stopped;
* **full**: unknown channel, ``full=True``, or coverage that does not serve: the listing engine lists the
  channel with the filters that decide its depth only (``listing_spec``), so every video it details is
  stored and the next run can be incremental. A listing cut short leaves a resume point, read from the
  listing's own chains (``youtube.listing_end``): on the uploads chain, or on each tab's chain after a proven
  tab listing, whose videos detailed below the prefix it kept are stored too (their tab gives their type).

``run`` does each channel in turn and stores it in its own transaction at once (a later failure never
loses it); the result applies the caller's FilterSpec to known + new videos as a whole. A quota stop
ends the run (``outcome.stop``; what got through is in the result and the store); another YouTube
failure skips to the next channel. A store that fails is a warning: the rows are still returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from . import quota_planner as qp
from .channel_input import as_refs
from .errors import KeyInvalid, QuotaExceeded, YouTubeError
from .filters import FilterSpec
from .models import Channel, ChannelRef, FetchResult, Resolution, Video, VideoType
from .settings import Settings
from .store import Store
from .store.ledger import spent_today_by_bucket
from .store.syncing import (
    KEEP,
    Coverage,
    KnownChannel,
    detail_part,
    known_channels,
    midnight,
    record_checkpoint,
    record_sync,
)
from .words import plural
from .youtube.client import Progress, YouTubeClient
from .youtube.incremental import ChannelState, ChannelUpdate, ChannelUpdater, Resume
from .youtube.listing import ChannelListing
from .youtube.parsing import TYPE_RULE_DURATION, TYPE_RULE_NO_SHORTS, TYPE_RULE_TABS, TYPE_RULE_UUSH

_log = logging.getLogger("y2s_core.sync")
STATS_MODES = ("none", "recent", "all")
BUCKET_WORDS = {"search": "search.list calls", "stats": "videos.batchGetStats calls"}
RECENT_DAYS = 90


@dataclass(frozen=True)
class SyncOptions:
    stats: str = "recent"  # which known videos get fresh statistics: none | recent | all
    full: bool = False  # list every channel in full again (fresh channel metadata too)
    sheet_ids: frozenset[str] = frozenset()  # ids already in the target sheet ("recent" refreshes them)
    now: datetime | None = None

    def __post_init__(self) -> None:
        if self.stats not in STATS_MODES:
            from .errors import InputError

            raise InputError(f"--stats must be one of {', '.join(STATS_MODES)}, not {self.stats!r}.")


@dataclass(frozen=True)
class ChannelReport:
    """One channel's line of a sync: how it was fetched, what changed, what it cost."""

    channel: Channel
    mode: str  # incremental | resume | full | skipped
    new: int = 0  # videos stored for the first time by this run
    refreshed: int = 0  # known videos re-read (statistics)
    gone: int = 0  # known videos YouTube no longer returns
    units: int = 0
    stats_calls: int = 0  # videos.batchGetStats calls (statistics): their own bucket, not in ``units``
    stored_before: int = 0
    complete: bool = True
    note: str = ""

    def line(self) -> str:
        text = f"{self.channel.title}: {self.mode}, {self.new:,} new, {self.refreshed:,} refreshed"
        if self.gone:
            text += f", {self.gone:,} gone"
        text += f", {plural(self.units, 'unit')}" + self.stats_note()
        return text + (f" ({self.note})" if self.note else "")

    def stats_note(self) -> str:
        """', 52 stats calls' when the refresh used videos.batchGetStats, else ''."""
        return f", {plural(self.stats_calls, 'stats call')}" if self.stats_calls else ""


@dataclass
class _Job:
    resolution: Resolution
    mode: str
    known: KnownChannel | None
    refresh: tuple[str, ...] = ()
    estimate: qp.ChannelEstimate | None = None

    @property
    def channel(self) -> Channel:
        assert self.resolution.channel is not None
        return self.resolution.channel


@dataclass
class _Done:
    """One channel's part of a run."""

    videos: list[Video]  # the caller's filters applied to known + new
    report: ChannelReport
    stop: YouTubeError | None
    type_rule: str | None
    skipped: list[str]
    warnings: list[str]
    store_problem: str | None
    new_ids: list[str]


@dataclass
class SyncPlan:
    refs: list[ChannelRef]
    spec: FilterSpec
    options: SyncOptions
    resolutions: list[Resolution]
    jobs: list[_Job]
    plan: qp.QuotaPlan
    before: dict[str, int]  # the client's meter before prepare: the run reports its own units
    warnings: list[str] = field(default_factory=list)
    store_problem: str | None = None


@dataclass(frozen=True)
class SyncOutcome:
    result: FetchResult
    reports: tuple[ChannelReport, ...]
    plan: qp.QuotaPlan
    new_ids: frozenset[str]
    stop: YouTubeError | None = None
    store_problem: str | None = None


def listing_spec(spec: FilterSpec) -> FilterSpec:
    """The filters a full listing runs with so that everything it details can be stored: only those that
    decide how deep it goes (since; max_videos when nothing else decides what counts), and match_tags (the tags
    only videos.list says: a tab listing leaves them unknown without it). With max_videos
    and per-video filters the engine must count passing videos: the spec itself (coverage: those filters)."""
    if spec.max_videos and (spec.needs_details or spec.until):
        return spec
    return FilterSpec(since=spec.since, max_videos=spec.max_videos, match_tags=spec.match_tags)  # tags: videos.list


class Syncer:
    """Runs syncs for one client (one session or one CLI run); the store named by ``settings``."""

    def __init__(self, client: YouTubeClient, settings: Settings, *, store: Store | None = None,
                 progress: Callable[[Progress], None] | None = None) -> None:
        self.c, self.settings = client, settings
        self.store = store or Store.for_settings(settings)
        self.notify = progress or (lambda p: None)

    # -- prepare -------------------------------------------------------------------------------------

    def prepare(self, inputs: str | Sequence[str] | Sequence[ChannelRef], spec: FilterSpec | None = None,
                options: SyncOptions | None = None) -> SyncPlan:
        spec, options = spec or FilterSpec(), options or SyncOptions()
        refs = as_refs(inputs)
        before = self.c.meter.snapshot()
        problem = None
        found: dict[int, Channel] = {}
        if not options.full:
            try:
                for i, r in enumerate(refs):
                    ch = self.store.find_channel(r)
                    if ch is not None and ch.uploads_playlist_id:
                        found[i] = ch
            except Exception as e:  # the policy: a store that cannot be read means a plain full fetch
                problem = self._problem(e, "the store could not be read: every channel is listed in full")
                found = {}
        resolutions = self.c.resolve_inputs(refs, self.notify, {i: Resolution(refs[i], channel=ch)
                                                                for i, ch in found.items()})
        warnings = [res.warning for res in resolutions if res.warning]
        ids = list(dict.fromkeys(res.channel.id for res in resolutions if res.channel))
        known: dict[str, KnownChannel] = {}
        if problem is None:
            try:
                known = known_channels(self.store, ids)
            except Exception as e:
                problem = self._problem(e, "the store could not be read: every channel is listed in full")
        jobs: list[_Job] = []
        seen: set[str] = set()
        for res in resolutions:
            if res.channel is None or res.channel.id in seen:
                continue
            seen.add(res.channel.id)
            jobs.append(self._job(res, known.get(res.channel.id), spec, options))
        spent = self.c.meter.snapshot()
        resolve_units = sum(u - before.get(m, 0) for m, u in spent.items() if m != "search.list")
        plan = qp.QuotaPlan.today(tuple(j.estimate for j in jobs if j.estimate), resolve_units, self.settings.budgets,
                                  spent_today_by_bucket(self.settings),
                                  resolve_search=spent.get("search.list", 0) - before.get("search.list", 0))
        return SyncPlan(refs, spec, options, resolutions, jobs, plan, before, warnings, problem)

    def _job(self, res: Resolution, known: KnownChannel | None, spec: FilterSpec, options: SyncOptions) -> _Job:
        ch = res.channel
        assert ch is not None
        if known is not None and not options.full:
            ch = known.channel
            present = known.present
            resume = Resume.from_json(known.resume)
            refresh = self._refresh_ids(known.videos, options)  # missing ones too: they may be back
            shorts = _shorts_share(present, known.type_rule)
            uush = None if known.type_rule is None else known.type_rule == TYPE_RULE_UUSH
            if resume is not None and Coverage(FilterSpec(), midnight(resume.since) if resume.since else None) \
                    .serves(spec, present):
                est = qp.resume(ch.title, video_count=ch.video_count, stored=len(present), listed=resume.listed,
                                refresh=len(refresh), shorts_share=shorts, has_uush=uush, tab_pages=_tab_pages(resume),
                                window=resume.max_videos, tags=spec.match_tags,
                                pending=sum(1 for v, _, _ in resume.pending if v not in resume.said))
                return _Job(res, "resume", known, refresh, est)
            if known.coverage is not None and known.coverage.serves(spec, present):
                est = qp.incremental(ch.title, refresh=len(refresh), has_uush=uush, expected_new=qp.expected_new(
                    [v.published_at for v in present], known.last_sync_at, options.now),
                    feed=known.boundary_id is not None)
                return _Job(res, "incremental", known, refresh, est)
        listing = listing_spec(spec)
        stored = known.present if known else []
        since_count = None
        if listing.since is not None and known is not None and known.coverage is not None \
                and known.coverage.floor is None:
            since_count = sum(1 for v in stored if v.published_at >= midnight(listing.since))
        rule = known.type_rule if known else None
        est = qp.full_listing(ch.title, ch.video_count, listing, shorts_share=_shorts_share(stored, rule) if stored else None,
                              has_uush=None if rule is None else rule == TYPE_RULE_UUSH, since_count=since_count,
                              lives_share=_lives_share(stored))
        return _Job(res, "full", known, (), est)

    def _refresh_ids(self, present: Sequence[Video], options: SyncOptions) -> tuple[str, ...]:
        if options.stats == "none":
            return ()
        if options.stats == "all":
            return tuple(v.id for v in present)
        cut = (options.now or datetime.now(timezone.utc)) - timedelta(days=RECENT_DAYS)
        return tuple(v.id for v in present if v.published_at >= cut or v.id in options.sheet_ids)

    # -- run -----------------------------------------------------------------------------------------

    def run(self, prep: SyncPlan) -> SyncOutcome:
        videos: list[Video] = []
        reports: list[ChannelReport] = []
        warnings, incomplete = list(prep.warnings), []
        skipped: list[str] = []
        type_rules: dict[str, str] = {}
        new_ids: set[str] = set()
        problem = prep.store_problem
        stop: YouTubeError | None = None
        failure: YouTubeError | None = None
        for job in prep.jobs:
            ch = job.channel
            if stop is not None:
                reports.append(ChannelReport(ch, "skipped", complete=False, note="not run: " + _short(stop)))
                incomplete.append(f"{ch.title}: not fetched ({_short(stop)}).")
                continue
            start, start_stats = self.c.meter.total_units, self.c.meter.stats_calls
            done = (self._full if job.mode == "full" else self._incremental)(job, prep)
            report = replace(done.report, units=self.c.meter.total_units - start,
                             stats_calls=self.c.meter.stats_calls - start_stats)
            videos.extend(done.videos)
            reports.append(report)
            warnings.extend(done.warnings)
            skipped.extend(done.skipped)
            new_ids.update(done.new_ids)
            if done.type_rule:
                type_rules[ch.id] = done.type_rule
            problem = problem or done.store_problem
            if not report.complete:
                incomplete.append(f"{ch.title}: {report.note or 'cut short'}.")
            err = done.stop
            if err is not None:
                if isinstance(err, (QuotaExceeded, KeyInvalid)) or err.reason == "circuitOpen":
                    stop = err
                else:
                    failure = failure or err
        if stop is not None and isinstance(stop, QuotaExceeded):
            incomplete.append(f"stopped by the YouTube quota ({BUCKET_WORDS.get(stop.bucket, 'daily units')}).")
        quota = {m: u - prep.before.get(m, 0) for m, u in self.c.meter.snapshot().items() if u - prep.before.get(m, 0)}
        result = FetchResult(
            videos=tuple(videos), channels=tuple(j.channel for j in prep.jobs), resolutions=tuple(prep.resolutions),
            skipped_ids=tuple(skipped), warnings=tuple(dict.fromkeys(warnings)), quota=quota,
            complete=not incomplete and stop is None and failure is None, incomplete=tuple(incomplete),
            type_rules=type_rules)
        return SyncOutcome(result, tuple(reports), prep.plan, frozenset(new_ids), stop or failure, problem)

    def _incremental(self, job: _Job, prep: SyncPlan) -> _Done:
        known = job.known
        assert known is not None
        ch = known.channel
        resume = Resume.from_json(known.resume) if job.mode == "resume" else None
        plan = ChannelState(ch, known.type_rule, {v.id: v for v in known.videos}, known.boundary_id,
                           known.boundary_at, job.refresh, resume, tags=prep.spec.match_tags)
        progress = Progress(ch.title, "listing")
        saved: set[str] = set()  # stored by this run's checkpoints (with their snapshot)

        def checkpoint(videos: list[Video], next_resume: Resume) -> None:
            fresh = [v for v in videos if v.id not in saved]
            try:
                record_checkpoint(self.store, ch, type_rule=known.type_rule, seen=fresh,
                                  resume=next_resume.to_json(), now=prep.options.now)
            except Exception as e:  # the policy: a store that fails is a warning, said at the run's end
                _log.debug("checkpoint not stored: %s", type(e).__name__)
                return
            saved.update(v.id for v in fresh)

        update = ChannelUpdater(self.c, plan, self.notify, progress, checkpoint if resume else None).run()
        store_err = None
        try:
            self._store_update(job, update, resume, prep.options, saved)
        except Exception as e:
            store_err = self._problem(e, "fetch history not saved")
        fresh = {v.id: v for v in update.refreshed}
        gone = set(update.gone)
        back = {v.id for v in known.videos if v.id in known.missing and v.id in fresh}  # public again
        pool = [fresh.get(v.id, v) for v in known.videos
                if v.id not in gone and (v.id not in known.missing or v.id in back)] + update.new
        note = update.feed  # which path: "feed: unchanged" (not listed), "feed unavailable (404): listed", ...
        if resume is not None:
            note = f"resumed: {len(known.present):,} of {ch.video_count or 0:,} already stored"
            if update.restarted:
                note += "; the saved position had moved, listed again from the top"
        if update.stop is not None:
            note = (note + "; " if note else "") + f"cut short: {_short(update.stop)}"
        report = ChannelReport(ch, job.mode, new=len(update.new), refreshed=len(update.refreshed), gone=len(gone),
                               stored_before=len(known.present), complete=update.stop is None and update.complete,
                               note=note)
        return _Done(prep.spec.apply(pool), report, update.stop, update.type_rule, update.skipped, update.warnings,
                     store_err, [v.id for v in update.new])

    def _store_update(self, job: _Job, update: ChannelUpdate, resume: Resume | None, options: SyncOptions,
                      saved: set[str]) -> None:
        known = job.known
        assert known is not None
        done = update.stop is None and update.complete
        boundary: Any = KEEP
        coverage: Any = KEEP
        next_resume: Any = KEEP
        if done:
            boundary = update.top if update.top is not None else (None, None)
            if resume is not None:  # the window of the cut listing is complete: its since, its N newest
                floors = [f for f in (midnight(resume.since) if resume.since else None, update.window_floor) if f]
                coverage = Coverage(FilterSpec(), max(floors) if floors else None)
                next_resume = None
        elif resume is not None and update.resume is not None:
            next_resume = update.resume.to_json()
        record_sync(self.store, known.channel, type_rule=update.type_rule, seen=[*update.new, *update.refreshed],
                    gone=update.gone, boundary=boundary, coverage=coverage, resume=next_resume,
                    full_listing=done and resume is not None and resume.since is None and not resume.max_videos,
                    now=options.now, snapshotted=saved)

    def _full(self, job: _Job, prep: SyncPlan) -> _Done:
        ch = job.channel
        listing = listing_spec(prep.spec)
        saved: set[str] = set()  # stored by this run's checkpoints (with their snapshot)
        stored = {v.id for v in job.known.videos} if job.known else set()
        checkpoints = detail_part(listing).is_empty  # what it details can all be stored, and a cut resumed
        ended: list[ChannelListing] = []

        def watch(engine: ChannelListing, final: bool) -> None:
            if final:
                ended.append(engine)
            elif checkpoints:
                saved.update(self._checkpoint(ch, engine, stored | saved, prep.options))

        result, err = self.c.fetch_kept([job.resolution.ref], listing, resolved=[job.resolution], watch=watch,
                                        ordered=not prep.plan.fits,
                                        progress=lambda p: None if p.stage == "resolving" else self.notify(p))
        engine = ended[0] if ended else None
        vids = [v for v in result.videos if v.channel_id == ch.id]
        rule = result.type_rules.get(ch.id)
        store_err = None
        extra: list[Video] = []  # stored beside the result: detailed by a cut tab listing below what it kept
        try:
            extra = self._store_full(job, listing, result, vids, engine, err, rule, prep.options, saved)
        except Exception as e:
            store_err = self._problem(e, "fetch history not saved")
        stored_ids = {v.id for v in job.known.present} if job.known else set()
        note = "" if err is None else f"cut short: {_short(err)}" + (
            "; the next run resumes" if not detail_part(listing).needs_details and engine and engine.uu.pages else "")
        if err is None and not result.complete:
            note = " ".join(result.incomplete)
        report = ChannelReport(ch, "full", new=len({v.id for v in [*vids, *extra]} - stored_ids),
                               refreshed=len(stored_ids & {v.id for v in vids}),
                               complete=err is None and result.complete, note=note)
        return _Done(prep.spec.apply(vids), report, err, rule, list(result.skipped_ids), list(result.warnings),
                     store_err, [v.id for v in vids if v.id not in stored_ids])

    def _checkpoint(self, ch: Channel, engine: ChannelListing, have: set[str], options: SyncOptions) -> set[str]:
        """A proven tab listing, mid-way: store the videos it detailed (typed by their tab) and where to resume
        it, so a run killed now is resumed, not listed again. The ids stored; none when the store fails (the
        listing goes on: its end stores everything, or says why not)."""
        typed = engine.tab_typed(have)
        resume = engine.cursor(have | {v.id for v in typed})
        try:
            record_checkpoint(self.store, ch, type_rule=TYPE_RULE_TABS, seen=typed,
                              resume=resume.to_json() if resume else None, now=options.now)
        except Exception as e:  # the policy: a store that fails is a warning, said at the listing's end
            _log.debug("checkpoint not stored: %s", type(e).__name__)
            return set()
        return {v.id for v in typed}

    def _store_full(self, job: _Job, listing: FilterSpec, result: FetchResult, vids: list[Video],
                    engine: ChannelListing | None, err: YouTubeError | None, rule: str | None,
                    options: SyncOptions, saved: set[str]) -> list[Video]:
        """Store a full listing; a cut one leaves its resume point. Returns the videos stored beyond ``vids``."""
        ch = job.channel
        known = job.known
        k = detail_part(listing)
        if err is None:
            floor = None
            oldest = min((v.published_at for v in vids), default=None)
            if listing.max_videos and len(vids) >= listing.max_videos:
                floor = oldest
            elif listing.since is not None:
                floor = midnight(listing.since)
            elif not result.complete:  # the uploads playlist stops at ~20,000: covered down to what it lists
                floor = oldest
            gone: list[str] = []
            if known is not None and k.is_empty and engine is not None:
                listed = engine.uploads_listed() - set(result.skipped_ids)
                gone = [v.id for v in known.present if v.id not in listed and (floor is None or v.published_at >= floor)]
            record_sync(self.store, ch, type_rule=rule, seen=vids, gone=gone,
                        boundary=engine.top() if engine is not None else (None, None),
                        coverage=Coverage(k, floor), resume=None, full_listing=floor is None, now=options.now,
                        snapshotted=saved)
            return []
        extra = engine.tab_typed({v.id for v in vids}) if engine is not None and k.is_empty else []
        resume = engine.cursor({v.id for v in [*(known.videos if known else ()), *vids, *extra]}) \
            if engine is not None and k.is_empty else None
        record_sync(self.store, ch, type_rule=rule, seen=[*vids, *extra], resume=resume.to_json() if resume else KEEP,
                    now=options.now, snapshotted=saved)
        return extra

    def _problem(self, e: Exception, what: str) -> str:
        from .store.faces import describe_problem

        problem = describe_problem(e, self.settings, what)
        _log.warning("%s", problem)
        return problem


def _tab_pages(resume: Resume) -> list[int] | None:
    """A tab resume: the pages each unfinished tab has left below its saved one (None: the uploads chain)."""
    if not resume.tabs:
        return None
    return [max(0, qp.pages(resume.sizes.get(role, 0)) - pos.pages)
            for role, pos in resume.places.items() if role not in resume.done]


def _shorts_share(videos: Sequence[Video], rule: str | None) -> float | None:
    if rule in (TYPE_RULE_DURATION, TYPE_RULE_NO_SHORTS):
        return 0.0
    if not videos:
        return None
    return sum(1 for v in videos if v.type is VideoType.SHORT) / len(videos)


def _lives_share(videos: Sequence[Video]) -> float | None:
    return sum(1 for v in videos if v.type is VideoType.LIVE) / len(videos) if videos else None


def _short(e: Exception) -> str:
    if isinstance(e, QuotaExceeded):
        return {"search": "the search quota is spent", "stats": "the statistics quota (videos.batchGetStats) is spent"
                }.get(e.bucket, "the YouTube quota is spent")
    return str(e).split(". ")[0][:160]


__all__ = ["STATS_MODES", "ChannelReport", "SyncPlan", "SyncOptions", "SyncOutcome", "Syncer", "listing_spec"]
