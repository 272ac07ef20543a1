"""The listing engine: one channel's playlists paged side by side, merged newest first, detailed as they come.

Every fetch of a channel goes through ``ChannelListing``, with one of two sets of playlists
(``engines.engine_for``):

* **uploads**: ``[UU]`` (+ ``UUSH`` for the Short/Long type, paged no deeper than UU went). A short listing:
  N videos cost 1 + ceil(N/50) + ceil(N/50) + the UUSH pages down to the oldest upload needed.
* **tabs**: ``[UU, UULF, UUSH, UULV]`` for a big channel. The uploads playlist is one page chain (ceil(N/50)
  round trips, capped at about 20,000 items); YouTube also keeps one playlist per channel-page tab (UULF
  long-form, UUSH Shorts, UULV live), undocumented and not always there. The tabs are trusted (``proof``)
  once every first page answered, when their ``pageInfo.totalResults`` add up to ``statistics.videoCount``
  and every dated video of the uploads playlist's first page is in some tab. Proven, the uploads chain
  stops after that page, and a full listing that ends below videoCount lists the uploads after all
  (``late``). Not proven, the uploads chain is the authority (as in the uploads set), UUSH types it, and
  UULF/UULV wait, to carry the listing past the uploads playlist's end if that stops short (``uu_short``).

Each playlist is a ``chains.PageChain`` on its own thread; each page hands its ids to a detail pool
(videos.list, 50 ids a call). Where UU is the authority, ids are detailed only once UUSH has listed down to
them, so a stop keeps every video it detailed, typed. Windows stop early: with ``since`` every chain stops
past the day; with ``max_videos`` N, the cutoff is the date of the N-th newest candidate not known to fail,
and a chain waits once past it; chains are then merged by date. ``ordered`` (the budget may not pay for the
whole listing): chains are merged by date and each page is detailed before the next, so a quota cut keeps
the same newest rows every time.

Types follow ``parsing.classify``: Upcoming from the resource, then UUSH membership -> Short, then
liveStreamingDetails -> Live; a video's UUSH membership counts once UUSH has listed down to its date. Where
UUSH does not exist, a video UULF or UULV lists is not a Short; one no tab lists falls to the duration rule.

Details of a proven tab listing spare videos.list (``_lean_details``): the tabs' items (part snippet, the same
unit a page) say title, date and thumbnail, videos.batchGetStats (its own bucket) counts and duration, the tab
the type; videos.list only for a P0D (live now, upcoming), an id batchGetStats leaves out, tags (match_tags),
and everything once the stats bucket is spent. Quota, for a proven full tab listing of N videos: 1
(channels.list) + the tabs' pages + 1 (the uploads page) units, + ceil(N/50) stats calls. Never a search.
"""

from __future__ import annotations

import queue
import threading
import time
from bisect import insort
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from ..errors import KeyInvalid, QuotaExceeded, Y2SError, YouTubeError
from ..filters import FilterSpec
from ..models import Channel, Video, VideoType
from .chains import Page, PageChain, Turn, date_key
from .engines import TABS, engine_for
from .listing_end import TAB_NAMES, ListingEnd
from .listing_state import NOT_IN_SHORTS, ListingState
from .outcome import Accumulator, stats_spent_warning
from .parsing import PAGE, ListedItem, video_from_listing, video_from_resource
from .walk import Carry

if TYPE_CHECKING:
    from .client import Progress, ProgressFn, YouTubeClient

Watch = Callable[["ChannelListing", bool], None]  # (the listing, whether it ended): see ``fetch_channel``
CHECKPOINT_SECONDS = 1.0  # a proven tab listing lets its caller store what it has this often (``watch``) ...
CHECKPOINT_VIDEOS = 5 * PAGE  # ... or once it detailed this many videos more: a kill loses little, at any speed
TAB_TYPES = {"UULF": VideoType.LONG, "UUSH": VideoType.SHORT, "UULV": VideoType.LIVE}  # the type rule by tab
REPORT_EVERY = 0.1  # seconds between progress reports: a page's work must not wait on a progress callback


class ChannelListing(ListingState, ListingEnd):
    """One channel's listing: its uploads playlist (+ UUSH), or its tab playlists too (``tabs``); the
    ``chains.Listing`` its chains report to.

    Chains and detail workers write the shared state under ``lock``; this object's ``run`` (the caller's
    thread) waits for their events, decides when the listing is done, and is the only one to report progress.
    """

    def __init__(self, client: YouTubeClient, channel: Channel, spec: FilterSpec, acc: Accumulator,
                 notify: ProgressFn, progress: Progress, watch: Watch | None = None,
                 ordered: bool = False, tabs: bool = True, carry: Carry | None = None) -> None:
        self.c, self.ch, self.spec, self.acc, self.notify, self.p = client, channel, spec, acc, notify, progress
        self.continues = carry is not None  # an incremental run or a resume: it continues what was listed
        self.carry = carry = carry or Carry()
        self.watch = watch
        self.ordered = ordered  # the budget is short: no chain pages ahead of the others (see _verdict)
        self.unsent = 0  # batches of ids taken from the buffer, not yet on the detail pool (ordered: wait for them)
        self._checkpointed = (time.monotonic(), 0)  # (when, videos detailed then)
        self.video_count = channel.video_count or 0
        tail = channel.id[2:]
        before = carry.known | {vid for vid, _, _ in carry.pending}
        # a proven tab listing details what its tabs list without videos.list (``_details``): the tabs' pages carry
        # each item's title and date (the same unit), videos.batchGetStats the rest; tags need videos.list
        self.lean = tabs and not spec.match_tags
        self.said: dict[str, tuple[str, ListedItem]] = {}  # id -> (the tab that listed it, what its item said)
        self.chains = {role: PageChain(client, role + tail if role != "UU" else channel.uploads_playlist_id, role,
                                       f"listing {TAB_NAMES[role]} of {channel.title}", carry.starts.get(role), before,
                                       snippets=self.lean and role in TABS)
                       for role in (("UU", *TABS) if tabs else ("UU", "UUSH"))}
        self.uu, self.shorts = self.chains["UU"], self.chains["UUSH"]
        self.tabs = [self.chains[r] for r in TABS] if tabs else []  # none: UU is the authority, UUSH types it
        for role in carry.done | ({"UU"} if carry.proven else set()):
            self.chains[role].exhausted = True  # listed to its end before (a proven listing: UU is not asked)
        if carry.shorts_absent:
            self.shorts.exists, self.shorts.exhausted = False, True
        self.tabs_answer = carry.no_shorts  # UUSH 404 while a tab playlist answers: the channel has no Shorts
        self.shorts.ids.update(carry.shorts_members)
        self.boundary = (carry.boundary[0], _key(carry.boundary[1])) if carry.boundary else None
        self.tab_of: dict[str, str] = {}  # a proven listing continued: the tab of each id listed before
        self.oldest_open: str | None = None  # the oldest candidate whose type UUSH must still say
        self.lock = threading.RLock()
        self.waits = {role: threading.Condition(self.lock) for role in self.chains}  # one per chain: wake only it
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.m = spec.max_videos
        self.since_key = f"{spec.since.isoformat()}T00:00:00" if spec.since else None
        # premieres can publish a little after they are listed: prune only what is clearly too new
        self.too_new_key = f"{(spec.until + timedelta(days=3)).isoformat()}T00:00:00" if spec.until else None
        self.needs_type = spec.types is not None
        self.shorts_only = self.needs_type and not (spec.types & NOT_IN_SHORTS)
        self.cand: dict[str, str | None] = {}  # candidate id -> its listing date key (None: undated), in arrival order
        self.details: dict[str, tuple[dict | None, Video]] = {}  # item None: told without videos.list
        self.typed_with: dict[str, bool | None] = {}  # the UUSH membership each video was classified with
        self.missing: set[str] = set()  # listed, omitted by videos.list (deleted or private)
        self.live: list[str] = []  # with max_videos: sorted date keys of candidates not known to fail
        self.live_ids: set[str] = set()
        self.unsettled: set[str] = set()  # detailed, but their type (needed by the filter) is not final yet
        self.buffer: list[str] = []  # ids waiting for a detail call of 50
        self.deferred: set[str] = set()  # with max_videos: listed past the cutoff, detailed only if it comes back
        self.deferred_newest = ""
        self.excluded: set[str] = set()  # ruled out by their tab before any detail call (see _ruled_out)
        self.pending: set[Future] = set()
        self.cutoff: str | None = self.since_key
        # trust the tabs? (None: not yet; a continued listing that did not prove them: no, UU lists, they carry it on)
        self.proof: bool | None = True if carry.proven else None if tabs and not self.continues else False
        self.late = False  # a proven full listing fell short of videoCount at its end: the uploads chain resumed
        self.uu_short = carry.past_cap  # the uploads chain ended below videoCount (its cap): the tabs carry on past it
        self.stop = False
        self.failure: BaseException | None = None  # the first error of a chain or a detail call
        self.pool: ThreadPoolExecutor | None = None
        self._reported = 0.0
        if self.m:
            for at in carry.window:
                insort(self.live, _key(at) or "")
        for vid, at, role in carry.pending:  # listed before, not stored: candidates first
            chain, published = self.chains.get(role, self.uu), _iso_z(at)
            chain.ids.add(vid)
            chain.listed.append((vid, published))
            if carry.proven:
                self.tab_of[vid] = role
                if self.lean and vid in carry.said and role in TABS:
                    self.said[vid] = (role, carry.said[vid])  # what its tab's item said: no videos.list
            self._register(vid, date_key(published))
        self._recut()

    # ------------------------------------------------------------------------------------ the Listing

    def turn(self, chain: PageChain) -> Turn:
        with self.lock:
            while True:
                verdict = self._verdict(chain)
                if verdict is not Turn.WAIT:
                    chain.state = "running" if verdict is Turn.GO else "done"
                    return verdict
                if chain.state != "waiting":
                    chain.state = "waiting"
                    self.events.put(("idle", chain.role))
                self.waits[chain.role].wait()

    def _wake(self) -> None:
        """Wake the waiting chains whose answer changed (under the lock): no thread is woken for nothing."""
        for chain in self.chains.values():
            if chain.state == "waiting" and self._verdict(chain) is not Turn.WAIT:
                self.waits[chain.role].notify()

    def _verdict(self, chain: PageChain, *, details_first: bool = True) -> Turn:
        verdict = self._exact(chain)
        # a window, or a listing the budget may not pay for (``ordered``), pages merged by date; the second also
        # details what it listed before it pages on (``details_first``): every unit in listing order
        if verdict is Turn.GO and (self.m or self.ordered) and self._ahead(chain):
            return Turn.WAIT
        if details_first and verdict is Turn.GO and self._details_due():
            return Turn.WAIT
        return verdict

    def _details_due(self) -> bool:
        """An ordered listing's chains wait for the details of what they listed (under the lock), so a stop (the
        quota, a YouTube failure) keeps what it listed. A chain that waits only for them is still paging, for
        ``_active`` and the last partial batch: they are not due yet."""
        return self.ordered and self.proof is not None and bool(self.pending or self.unsent)

    def _ahead(self, chain: PageChain) -> bool:
        """Merge the chains by date: a chain waits while another one that still has to page is behind it in time
        (has listed less far back). A window (max_videos) so never sends a sparse chain (Shorts, lives) years
        past it; a listing the budget may not pay for (``ordered``) so spends its units in listing order, and a
        quota cut keeps the newest videos they paid for, the same ones every time (``tests/test_cut_keeps.py``).
        A listing the budget pays for lets its chains run free: they overlap, and it takes less time."""
        oldest = chain.oldest
        return oldest is not None and any(
            other is not chain and other.oldest is not None and other.oldest > oldest and self._exact(other) is Turn.GO
            for other in self.chains.values())

    def _exact(self, chain: PageChain) -> Turn:
        if self.stop or chain.exhausted or chain.exists is False:
            return Turn.STOP
        if self.proof and self.shorts_only and chain.role in ("UULF", "UULV"):
            return Turn.STOP  # only Shorts asked: UUSH lists them all, a long-form or live tab holds none
        if self.proof is None and chain.pages:
            return Turn.WAIT  # one page each until the first pages decide whom to trust
        if self.carry.proven and not self.m and chain in self.tabs and any(
                self._exact(other) is Turn.GO for other in self.tabs[:self.tabs.index(chain)]):
            return Turn.WAIT  # a cut tab listing continued: one tab after another, so a cut leaves one unfinished
        if chain is self.uu:
            if chain.pages and self.proof:  # its first page only: the tabs hold every video
                return Turn.WAIT
        elif self.proof is False and not self.uu_short:  # the uploads chain is the authority
            if chain is not self.shorts:
                return Turn.WAIT  # UULF / UULV: only needed past the uploads playlist's end
            if self.oldest_open is None:  # UUSH types what UU lists: nothing to type yet (or at all)
                return Turn.STOP if self.uu.exhausted or self.uu.exists is False else Turn.WAIT
            if chain.oldest is not None and chain.oldest < self.oldest_open:
                return Turn.WAIT  # no deeper than the oldest candidate
        cut, oldest = self.cutoff, chain.oldest
        if cut is not None and oldest is not None and (oldest < cut or (
                oldest == cut and cut != self.since_key and chain is not self.shorts)):
            return Turn.WAIT  # past the window (the N-th newest itself is enough; UUSH must pass it for its type)
        return Turn.GO

    def page(self, chain: PageChain, page: Page) -> None:
        with self.lock:
            chain.last_page = None if page.restart else (page.sent, page.raw)
            chain.pos_pages = 0 if page.restart else chain.pos_pages + 1
            if page.sent is None and page.raw and chain.top is None:  # a private first item has no date: the next
                chain.top = (page.raw[0][0], next((at for _, at in page.raw if at), None))
            first = not chain.pages
            chain.pages += 1
            chain.exists = True
            if first and page.total is not None:
                chain.total = page.total
            # the listing's authority registers candidates: the tabs once proven, else the uploads playlist, and
            # the tabs past its end; until the proof is decided, and otherwise, a page only says who is in it
            authority = (self.proof is False) if chain is self.uu else chain in self._proven_tabs() or self.uu_short
            ended = False
            for vid, published in page.fresh:
                if chain is self.uu and self._at_boundary(vid, published):
                    ended = True  # an incremental run: the uploads playlist is listed down to where it was
                    break
                if vid in chain.ids:  # offsets shift when the channel uploads mid-fetch
                    continue
                chain.ids.add(vid)
                chain.listed.append((vid, published))
                if page.said and vid in page.said:
                    self.said[vid] = (chain.role, page.said[vid])
                key = date_key(published)
                if key is not None:
                    if chain.oldest is None or key < chain.oldest:
                        chain.oldest = key
                    if first:
                        chain.first.append(vid)
                if authority:
                    self._register(vid, key)
                else:
                    chain.shadow.append((vid, key))
            chain.exhausted = ended or not (page.token or page.restart)  # restart: the top next
            # continued, it lists only what is new since its saved page: count its pages (all runs) instead
            listed = chain.pos_pages * PAGE if self.continues else len(chain.ids)
            if chain is self.uu and chain.exhausted and listed < self.video_count and self.tabs and not self.uu_short:
                self.uu_short = True  # the uploads playlist stopped short (its cap): the tabs go past it
                self._unshadow(self.tabs)
            if chain is self.shorts and self.unsettled:
                self._settle()
            self._decide()
            self._recut()
            batches = self._batches()
            if chain.exhausted and self.buffer and self.proof is not None and not any(
                    c is not chain and (c.state in ("new", "running")
                                        or self._verdict(c, details_first=False) is Turn.GO)
                    for c in self.chains.values() if c.state != "done"):
                batches.append(self.buffer)  # the last page of the last chain: its details now, not after a hop
                self.unsent += 1
                self.buffer = []
            self._wake()  # a waiting chain may go on: the cutoff, the proof or another chain's depth moved
        self._submit(batches)

    def absent(self, chain: PageChain) -> None:
        if chain is self.shorts and not self.tabs:
            # no UUSH: no Shorts, if the channel has tab playlists at all (its long-form tab answers); else guess
            self.tabs_answer = self._tab_answers("UULF")
        with self.lock:
            chain.exists = False
            chain.exhausted = True
            if chain is self.shorts:
                self._settle()
            self._decide()
            self._recut()
            batches = self._batches()
            self._wake()
        self._submit(batches)

    def _tab_answers(self, role: str) -> bool:
        """Whether the channel's tab playlist of ``role`` exists (1 unit: its first page; 404: it does not)."""
        try:
            self.c.playlist_page(role + self.ch.id[2:], None, f"listing {TAB_NAMES[role]} of {self.ch.title}")
        except YouTubeError as e:
            if e.status == 404:
                return False
            raise
        return True

    # ----------------------------------------------------------------------------------- details

    def _submit(self, batches: list[list[str]]) -> None:
        for k, ids in enumerate(batches):
            with self.lock:
                if self.stop or self.pool is None:
                    self.unsent -= len(batches) - k
                    return
                self.unsent -= 1
                job = self.pool.submit(self._details, ids)
                self.pending.add(job)
            job.add_done_callback(self._detail_done)

    def _detail_done(self, job: Future) -> None:
        error = None if job.cancelled() else job.exception()
        with self.lock:
            self.pending.discard(job)
            self.failure = _first_cause(self.failure, error)  # recorded with the discard: run() never misses it
            if error is not None:  # the fetch ends with it: no chain asks another page
                self.stop = True
                self._wake()
            if self.ordered:
                self._wake()  # a chain waits for the details of what it listed
        self.events.put(("details", None))  # run() checks whether the listing is done, or a checkpoint due

    def _details(self, ids: list[str]) -> None:
        context = f"fetching video details of {self.ch.title}"
        with self.lock:
            said = {vid: self.said[vid] for vid in ids if vid in self.said} if self.lean and self.proof else {}
        lean = self._lean_details(said, context) if said else {}
        rest = [vid for vid in ids if vid not in lean]
        items = self.c.video_details(rest, context) if rest else []
        # parse here, on the pool, while the chains wait on the network; the type is provisional (Shorts
        # membership may still grow) and _typed() settles it
        member = self.in_shorts
        parsed = [(it["id"], it, m, video_from_resource(it, m)) for it in items for m in [member(it["id"])]]
        with self.lock:
            for vid, video in lean.items():
                self.details[vid] = (None, video)  # typed by its tab: final
            for vid, item, m, video in parsed:
                self.details[vid] = (item, video)
                self.typed_with[vid] = m
            for vid in ids:
                if vid not in self.details:
                    self.missing.add(vid)
                    self._drop(vid)
            batches: list[list[str]] = []
            if self.m:
                for vid in ids:
                    if vid in self.details:
                        self._judge(vid)
                self._recut()
                batches = self._batches()
                self._wake()
        self._submit(batches)

    def _lean_details(self, said: dict[str, tuple[str, ListedItem]], context: str) -> dict[str, Video]:
        """The videos a proven tab listing can tell from its tabs' items and videos.batchGetStats (its own
        bucket: no main-pool unit). Left to videos.list: an id the answer leaves out (deleted, private), one
        with no duration yet (P0D: live now or upcoming), and all of them once the stats bucket is spent or the
        method is refused (a 4xx other than the key's: not offered to this project, say), said once."""
        try:
            items = self.c.video_stats(list(said), context)
        except YouTubeError as e:
            if isinstance(e, QuotaExceeded) and e.bucket == "stats":
                why = stats_spent_warning("Video details")
            elif not isinstance(e, (QuotaExceeded, KeyInvalid)) and e.status in (400, 403, 404):
                why = (f"Video details read with videos.list (the main pool) instead: videos.batchGetStats answered "
                       f"{e.status} ({e.reason}).")
            else:
                raise
            with self.lock:
                if self.lean:
                    self.lean = False
                    self.acc.warnings.append(why)
            return {}
        out = {}
        for item in items:
            role, listed = said.get(item.get("id"), ("", None))
            video = video_from_listing(item, listed, self.ch, TAB_TYPES[role]) if listed else None
            if video is not None:
                out[video.id] = video
        return out

    # ---------------------------------------------------------------------------------------- run

    def _run_chain(self, chain: PageChain) -> None:
        error = None
        try:
            chain.run(self)
        except BaseException as e:  # noqa: BLE001 - handed to run(), which raises it on the caller's thread
            error = e
        finally:
            with self.lock:
                chain.state = "done"
                self.failure = _first_cause(self.failure, error)
                self.stop = self.stop or error is not None
                self._wake()
            self.events.put(("done", chain.role))

    def _active(self) -> bool:
        """A chain is paging, or about to (woken, not yet running): the listing is not done (under the lock)."""
        return any(c.state in ("new", "running")
                   or (c.state == "waiting" and self._verdict(c, details_first=False) is Turn.GO)
                   for c in self.chains.values())

    def _step(self) -> tuple[bool, list[list[str]]]:
        """After an event (under the lock): (done, the last batches of ids to detail now)."""
        if any(c.state == "waiting" and self._verdict(c) is Turn.GO for c in self.chains.values()):
            self._wake()  # a chain may go on: make sure it hears it
            return False, []
        if self._active():
            return False, []
        if self.buffer:  # every chain waits or ended: the rest of the buffer (a continued listing's pending ids)
            batches = self._batches()
            while self.buffer:
                batches.append(self.buffer[:PAGE])
                del self.buffer[:PAGE]
                self.unsent += 1
            if batches:
                return False, batches
        if self.pending:
            return False, []
        full = not self.m and not self.since_key and not self.shorts_only and not self.continues
        if full and self.proof and len(self.details) + len(self.excluded) < self.video_count and not self.late:
            self.late = True  # the tabs said they hold every video, but fewer came: list the uploads after all
            self.proof = False
            self._unshadow([self.uu])
            self._wake()
            return False, []
        return True, []

    def run(self) -> None:
        try:
            # ordered: one detail call at a time, in the order the batches were made (newest first), so a quota cut
            # refuses the oldest of them and the kept prefix does not depend on which worker ran first
            workers = 1 if self.ordered else self.c.max_workers
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="y2s-fetch") as pool, \
                    ThreadPoolExecutor(max_workers=len(self.chains), thread_name_prefix="y2s-chain") as chains:
                self.pool = pool
                for chain in self.chains.values():
                    chains.submit(self._run_chain, chain)
                try:
                    while True:
                        try:  # chains post when they wait or end, detail calls when they end
                            self.events.get(timeout=REPORT_EVERY)
                        except queue.Empty:
                            pass
                        with self.lock:
                            if self.failure is not None:
                                raise self.failure
                            finished, batches = self._step()
                            listing = self._active()
                        self._submit(batches)
                        self.p.stage = "listing" if listing else "details"
                        self._report()
                        if finished:
                            break
                        self._maybe_checkpoint()
                except BaseException:
                    with self.lock:
                        jobs = list(self.pending)
                    for job in jobs:
                        job.cancel()  # not started yet: not sent (the ones in flight are kept)
                    raise
                finally:
                    with self.lock:
                        self.stop = True
                        self._wake()
        except YouTubeError as e:  # the quota, or a failure retries could not fix: keep what got through
            self._wait_pending()
            # every chain and detail call has ended: the error that says most, whichever was recorded first
            # (a breaker opened by the others' failures is not what to tell)
            best = self.failure if isinstance(self.failure, YouTubeError) else e
            self._keep(partial=True, error=best)
            if best is e:
                raise
            raise best from None
        self._keep(partial=False)

    def _maybe_checkpoint(self) -> None:
        """Let the caller store what it has (``watch``) every ``CHECKPOINT_SECONDS`` or ``CHECKPOINT_VIDEOS``,
        once the tabs are proven: every video detailed is then typed by its tab, and each tab's page is a place to
        resume."""
        now = time.monotonic()
        if self.watch is None or not (self.proof or self.continues) or (
                now - self._checkpointed[0] < CHECKPOINT_SECONDS
                and len(self.details) - self._checkpointed[1] < CHECKPOINT_VIDEOS):
            return
        self.watch(self, False)
        self._checkpointed = (now, len(self.details))  # counted after: the watch stored at most these

    def _wait_pending(self) -> None:
        with self.lock:
            jobs = list(self.pending)
        for job in jobs:  # keep every detail call that got through
            try:
                job.result()
            except Y2SError:
                pass

    def _report(self, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._reported < REPORT_EVERY:
            return
        self._reported = now
        with self.lock:
            self.p.pages = sum(c.pages for c in self.chains.values())
            self.p.listed = len(self.cand)
            self.p.detailed = len(self.details)
        self.p.quota_units = self.c.meter.total_units
        self.notify(replace(self.p))


def fetch_channel(client: YouTubeClient, channel: Channel, spec: FilterSpec, acc: Accumulator, notify: ProgressFn,
                  progress: Progress, watch: Watch | None = None, ordered: bool = False) -> None:
    """Fetch one resolved channel into ``acc``: through its tab playlists too when its listing is long
    (``engines.engine_for``), else along its uploads playlist. ``watch(listing, final)``: called now and then
    (final False) once its tabs are proven, and once it ended, done or cut (final True), so a caller can store
    what it has and where to resume (``listing_end``). ``ordered``: the budget may not pay for the whole
    listing: every unit in listing order."""
    listing = ChannelListing(client, channel, spec, acc, notify, progress, watch, ordered,
                             engine_for(channel.video_count, spec) == "tabs")
    try:
        listing.run()
    finally:
        if watch is not None:
            watch(listing, True)


def _key(moment: datetime | None) -> str | None:
    """A datetime as a ``chains.date_key`` (UTC seconds)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") if moment else None


def _iso_z(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _first_cause(current: BaseException | None, new: BaseException | None) -> BaseException | None:
    """The error a fetch ends with when several chains fail at once: the first, unless it is only the breaker
    opening on failures another call will report (or a later one is the quota or a bug, which say more)."""
    if new is None or current is None:
        return current or new
    rank = lambda e: (0 if not isinstance(e, YouTubeError) else 1 if isinstance(e, (QuotaExceeded, KeyInvalid))  # noqa: E731
                      else 3 if e.reason == "circuitOpen" else 2)
    return new if rank(new) < rank(current) else current

