"""The YouTube client: resolve channel inputs, then fetch each channel's videos through the listing engine.

``YouTubeClient`` owns the transport (one metered http object per thread, since httplib2 is not
thread-safe), ``execute`` (retries, error translation, fail-fast once the quota is spent) and the
resolution of every input form; ``listing.fetch_channel`` does the per-channel work (the uploads playlist, or
the tab playlists in parallel for a big channel) and calls back into ``execute``.
"""

from __future__ import annotations

import copy
import http.client
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import httplib2
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from ..breaker import BreakerOpen, CircuitBreaker, breaker_for
from ..channel_input import as_refs
from ..errors import ChannelNotFound, KeyInvalid, QuotaExceeded, YouTubeError
from ..filters import FilterSpec
from ..models import Channel, ChannelRef, FetchResult, Resolution
from ..quota import SEARCH_DAILY_CALLS, QuotaMeter, quota_resets_at
from ..settings import DEMO_API_KEY, Settings, shown_url
from .feed import FEED_PAUSE, FEED_TIMEOUT, FeedRead, feed_base, read_feed
from .listing import Watch, fetch_channel
from .outcome import Accumulator
from .parsing import CHANNEL_PARTS, PAGE, STATS_PARTS, VIDEO_PARTS, channel_from_resource
from .transport import (
    MeteredHttp,
    default_http_factory,
    per_minute_wait,
    quota_exceeded,
    translate_http_error,
)

# ------------------------------------------------------------------------------------------ progress


@dataclass
class Progress:
    """Progress of one channel, passed to the ``progress`` callback after every step."""

    channel: str
    stage: str = "resolving"  # resolving | listing | details | done | error
    pages: int = 0
    listed: int = 0
    detailed: int = 0
    quota_units: int = 0
    message: str = ""


ProgressFn = Callable[[Progress], None]
MINUTE_WAITS = 3  # a per-minute limit still refusing after this many waits is an error


# ------------------------------------------------------------------------------------------- client


class YouTubeClient:
    """Resolves channel inputs and fetches their videos. One instance per user/session; not a global.

    ``http_factory`` makes one httplib2-compatible http object per thread (tests pass the emulator's).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        http_factory: Callable[[], Any] | None = None,
        max_workers: int = 4,
        num_retries: int = 4,
        retry_sleep: Callable[[float], None] | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        self.meter = QuotaMeter()
        # one breaker per endpoint and process: an outage is the same for every session and request
        self.breaker = breaker or breaker_for("YouTube", self.settings.youtube_api_url or (
            "demo" if self.settings.demo else "https://youtube.googleapis.com"))
        self._factory = http_factory or default_http_factory(self.settings)
        self._local = threading.local()
        self.max_workers = max_workers
        self.feed_timeout = FEED_TIMEOUT  # seconds a read of the uploads feed may take (read_feed)
        self._feed_off: tuple[float, str] | None = None  # (monotonic time, why): the feed is not read until then
        self.num_retries = num_retries
        self._retry_sleep = retry_sleep
        self._exhausted_until: datetime | None = None  # the main pool is spent until then
        self._search_exhausted_until: datetime | None = None  # search.list's own bucket is spent until then
        self._stats_exhausted_until: datetime | None = None  # videos.batchGetStats's own bucket is spent until then
        self._paused: dict[str, float] = {}  # bucket -> (monotonic) its calls wait until then: a per-minute 429
        options = {"api_endpoint": self.settings.youtube_api_url} if self.settings.youtube_api_url else None
        self.service = build(
            "youtube", "v3", developerKey=None, http=self._http(), client_options=options,
            static_discovery=True, cache_discovery=False,
        )
        # building a discovery Resource costs ~4 ms: make each once (their .list() is safe across threads)
        self.channels = self.service.channels()
        self.playlist_items = self.service.playlistItems()
        self.videos = self.service.videos()
        self.search = self.service.search()
        self._first_pages: dict[tuple[str, str], Any] = {}  # (playlist id, parts) -> its first request (playlist_page)

    # -- transport
    def _http(self) -> MeteredHttp:
        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = MeteredHttp(self._factory(), self.meter,
                                                   self.settings.youtube_api_key or DEMO_API_KEY, self.breaker,
                                                   delay=self.settings.rate_limit_delay)
        return http

    def read_feed(self, channel_id: str) -> FeedRead:
        """The channel's uploads feed (``feed``): no key, no quota, never raises. Read with an http object of the
        client's own factory (tests: the emulator), kept apart from the metered one: no key header, no meter,
        no circuit breaker (a feed outage says nothing of the API), a short timeout."""
        off = self._feed_off
        if off is not None and time.monotonic() < off[0]:  # it just timed out or was unreachable: not again yet
            return FeedRead(failure=f"{off[1]}, not asked again")
        http = getattr(self._local, "feed_http", None)
        if http is None:
            http = self._local.feed_http = self._factory()
            if hasattr(http, "timeout"):
                http.timeout = self.feed_timeout
        read = read_feed(http, feed_base(self.settings), channel_id)
        if read.failure and read.failure.startswith(("timed out", "unreachable")):
            # a feed that hangs would cost every channel its timeout: the listing alone for FEED_PAUSE seconds
            self._feed_off = (time.monotonic() + FEED_PAUSE, read.failure)
            self._local.feed_http = None  # its connection may hold a half-read answer
            close = getattr(http, "close", None)
            if close:
                close()
        return read

    def execute(self, request: Any, context: str, *, search: bool = False, stats: bool = False) -> dict:
        """Send ``request`` (retried by googleapiclient) and translate its errors.

        ``search``: a search.list call, ``stats``: a videos.batchGetStats call, each charged to its own bucket.
        Once a bucket answers that it is spent, calls to *that* bucket fail fast until the reset; the other
        buckets are untouched. Neither is retried: a spent bucket is a 429 that googleapiclient would retry in vain.
        """
        bucket = "search" if search else "stats" if stats else "units"
        until = {"search": self._search_exhausted_until, "stats": self._stats_exhausted_until}.get(
            bucket, self._exhausted_until)
        if until and datetime.now(timezone.utc) < until:
            # the bucket is spent until the reset: fail fast instead of sending calls Google will refuse
            raise quota_exceeded(context, bucket)
        if self._retry_sleep is not None:
            request._sleep = self._retry_sleep  # googleapiclient's backoff hook; tests make it instant
        try:
            return self._send(request, bucket)
        except HttpError as e:
            err = translate_http_error(e, context)
            if isinstance(err, QuotaExceeded):
                if bucket != "units":  # never the main pool: whatever the body, its own bucket ran out
                    err = quota_exceeded(context, bucket)
                if bucket == "search":
                    self._search_exhausted_until = err.resets_at
                elif bucket == "stats":
                    self._stats_exhausted_until = err.resets_at
                else:
                    self._exhausted_until = err.resets_at
            raise err from None
        except BreakerOpen as e:
            raise YouTubeError(
                f"YouTube failed {e.failures} times in a row (server errors or timeouts) while {context}: not "
                f"calling it again for {e.retry_in:.0f} s. Re-run in a minute.", status=503, reason="circuitOpen",
            ) from None
        except (httplib2.HttpLib2Error, http.client.HTTPException, OSError) as e:
            where = shown_url(self.settings.youtube_api_url) or "https://youtube.googleapis.com"
            raise YouTubeError(f"Could not reach the YouTube API at {where} while {context}: {type(e).__name__}.",
                               status=None, reason="unreachable") from None
        except ValueError:  # a 200 whose body is not JSON: a proxy or captive portal answered
            where = shown_url(self.settings.youtube_api_url) or "https://youtube.googleapis.com"
            raise YouTubeError(f"The YouTube API at {where} answered with something that is not JSON while {context}.") from None

    def _send(self, request: Any, bucket: str) -> dict:
        """One request; a per-minute limit of the search or stats bucket (videos.batchGetStats: 600 calls a
        minute) is a wait, not a failure: every thread holds that bucket's calls until the minute turns, then asks
        again (at most ``MINUTE_WAITS`` times). A server error (5xx) of those buckets is retried as googleapiclient
        retries the main pool's (``num_retries``, its backoff), which cannot be asked to: it would retry their 429
        "bucket spent" too. Other errors are raised as googleapiclient raises them."""
        waits = tries = 0
        sleep = self._retry_sleep or time.sleep
        while True:
            pause = self._paused.get(bucket, 0.0) - time.monotonic()
            if pause > 0:
                sleep(pause)
            try:
                return request.execute(http=self._http(), num_retries=0 if bucket != "units" else self.num_retries)
            except HttpError as e:
                if bucket != "units" and e.resp.status >= 500 and tries < self.num_retries:
                    tries += 1
                    sleep(random.random() * 2 ** tries)  # googleapiclient's backoff
                    continue
                wait = per_minute_wait(e) if bucket != "units" and waits < MINUTE_WAITS else None
                if wait is None:
                    raise
                waits += 1
                self._paused[bucket] = max(self._paused.get(bucket, 0.0), time.monotonic() + wait)

    # -- the calls the listing engines make (they never build a request or send one themselves)
    def playlist_page(self, playlist_id: str, token: str | None, context: str, parts: str = "contentDetails") -> dict:
        """One page of a playlist (50 items, ``parts``), from its top (``token`` None) or at ``token``.
        A YouTubeError as ``execute`` raises it (status 404: playlistNotFound).

        The request is the playlist's first request plus the token (what googleapiclient's list_next does,
        without parsing and rebuilding the URL: a discovery method call costs ~0.1 ms a page)."""
        first = self._first_pages.get((playlist_id, parts))
        if first is None:
            first = self._first_pages[(playlist_id, parts)] = self.playlist_items.list(
                part=parts, playlistId=playlist_id, maxResults=PAGE)
        request = copy.copy(first)  # each send gets its own request object (several threads may page)
        if token:
            request.uri = f"{first.uri}&pageToken={quote(token, safe='')}"
        return self.execute(request, context)

    def video_details(self, ids: Sequence[str], context: str) -> list[dict]:
        """videos.list (``VIDEO_PARTS``) for at most 50 ids: their resources; an id YouTube did not return
        (deleted, private) is simply absent."""
        resp = self.execute(self.videos.list(part=VIDEO_PARTS, id=",".join(ids), maxResults=PAGE), context)
        return list(resp.get("items") or ())

    def video_stats(self, ids: Sequence[str], context: str) -> list[dict]:
        """videos.batchGetStats (``STATS_PARTS``) for at most 50 ids: statistics and duration, charged to its
        own bucket (10,000 calls a day), not the main pool. Not atomic: an id YouTube did not return (deleted,
        private, mistyped) is simply absent. ``QuotaExceeded(bucket="stats")`` once that bucket is spent."""
        resp = self.execute(self.videos.batchGetStats(part=STATS_PARTS, id=",".join(ids)), context, stats=True)
        return list(resp.get("items") or ())

    # -- resolution
    def resolve(self, refs: Sequence[ChannelRef]) -> list[Resolution]:
        """One Resolution per ref, in order. Ids and video-derived ids are batched 50 a call."""
        out: dict[int, Resolution] = {}
        channel_ids: dict[int, str] = {}
        videos = [(i, r) for i, r in enumerate(refs) if r.kind == "video"]
        for chunk in _chunks(videos, PAGE):
            resp = self.execute(
                self.videos.list(part="snippet", id=",".join(r.value for _, r in chunk), maxResults=PAGE),
                "looking up video links",
            )
            owner = {it["id"]: it["snippet"]["channelId"] for it in resp.get("items", [])}
            for i, r in chunk:
                if r.value in owner:
                    channel_ids[i] = owner[r.value]
                else:
                    out[i] = Resolution(r, error=f"{r}: no public video with id {r.value} (deleted, private or mistyped).")
        for i, r in enumerate(refs):
            if r.kind == "id":
                channel_ids[i] = r.value
        wanted = list(dict.fromkeys(channel_ids.values()))
        found: dict[str, Channel] = {}
        for chunk in _chunks(wanted, PAGE):
            for cid, item in self._channels_by_id(list(chunk)).items():
                found[cid] = channel_from_resource(item)
        for i, cid in channel_ids.items():
            r = refs[i]
            out[i] = Resolution(r, channel=found[cid]) if cid in found else Resolution(
                r, error=f"{r}: no channel with id {cid} (mistyped, or the channel was deleted).")
        searches = []  # legacy /c/ names no handle or username matched: searched last, so a search bucket that
        for i, r in enumerate(refs):  # is slow (its per-minute limit) or spent delays only them
            if i not in out:
                found = self._resolve_name(r)
                if found is None:
                    searches.append(i)
                else:
                    out[i] = found
        for i in searches:
            out[i] = self._resolve_by_search(refs[i])
        return [out[i] for i in range(len(refs))]

    def resolve_inputs(self, refs: Sequence[ChannelRef], notify: ProgressFn,
                       known: Mapping[int, Resolution] | None = None) -> list[Resolution]:
        """``resolve``, each input reported to ``notify``; ``known``: the resolutions the caller has, by index (not
        asked again). Raises ChannelNotFound when none resolves (QuotaExceeded when the search bucket is why)."""
        known = known or {}
        for r in refs:
            notify(Progress(str(r), "resolving", quota_units=self.meter.total_units))
        rest = [i for i in range(len(refs)) if i not in known]
        fresh = dict(zip(rest, self.resolve([refs[i] for i in rest]), strict=True)) if rest else {}
        out = [known[i] if i in known else fresh[i] for i in range(len(refs))]
        for res in out:
            if res.error:
                notify(Progress(str(res.ref), "error", message=res.error, quota_units=self.meter.total_units))
        if not any(res.channel for res in out):
            errors = " ".join(res.error or "" for res in out)
            if any(res.exhausted for res in out):  # nothing resolved, and a quota bucket is why
                raise QuotaExceeded(errors, resets_at=quota_resets_at(), bucket="search")
            raise ChannelNotFound(errors, query=", ".join(map(str, refs)))
        return out

    def _channels_by_id(self, ids: list[str]) -> dict[str, dict]:
        """channels.list resources by id for ``ids`` (at most 50); an unknown id is simply absent.

        Since early 2026 one unknown id makes Google answer 400 badRequest for the whole request, good ids
        included. A refused batch is split in halves, recursively, until each bad id stands alone: one bad
        id among 50 costs 1 + 2*ceil(log2(50)) = 13 calls instead of 50 one-id calls, and every good
        channel still comes back. (Before 2026 the answer was 200 without the unknown ids: no split.)
        """
        if not ids:
            return {}
        try:
            resp = self.execute(
                self.channels.list(part=CHANNEL_PARTS, maxResults=PAGE, id=",".join(ids)), "resolving channels"
            )
        except YouTubeError as e:
            if e.status != 400 or isinstance(e, KeyInvalid):
                raise
            if len(ids) == 1:
                return {}
            half = (len(ids) + 1) // 2
            return {**self._channels_by_id(ids[:half]), **self._channels_by_id(ids[half:])}
        return {item["id"]: item for item in resp.get("items", [])}

    def _channels_list(self, **params: str) -> dict:
        try:
            return self.execute(self.channels.list(part=CHANNEL_PARTS, maxResults=PAGE, **params), "resolving channels")
        except YouTubeError as e:
            if e.status == 400 and not isinstance(e, KeyInvalid):  # Google's newer answer for an unknown channel
                return {}
            raise

    def _resolve_name(self, ref: ChannelRef) -> Resolution | None:
        """By handle or username; None: a legacy custom name neither matched (``_resolve_by_search`` next)."""
        name = ref.value
        order = {"handle": ["forHandle"], "username": ["forUsername", "forHandle"], "custom": ["forHandle", "forUsername"]}[ref.kind]
        for param in order:
            items = self._channels_list(**{param: name}).get("items", [])
            if items:
                return Resolution(ref, channel=channel_from_resource(items[0]))
        if ref.kind != "custom":
            what = "handle @" if ref.kind == "handle" else "username "
            return Resolution(ref, error=f"{ref}: no channel with the {what}{name}. Check the spelling or paste the channel URL.")
        return None

    def _resolve_by_search(self, ref: ChannelRef) -> Resolution:
        """Legacy /c/NAME (no handle of that name): search.list, matched on customUrl or title.

        A search costs 1 call of search.list's own bucket (100 a day), not the main pool. When that bucket
        is spent, only this input fails (``exhausted="search"``); the rest of the fetch goes on.
        """
        warning = (
            f"{ref}: legacy custom URL resolved through search.list, whose own bucket allows {SEARCH_DAILY_CALLS} "
            "calls a day. Paste the channel's @handle or /channel/UC… URL next time."
        )
        try:
            resp = self.execute(
                self.search.list(part="snippet", q=ref.value, type="channel", maxResults=5),
                f"searching for the legacy name /c/{ref.value}", search=True,
            )
        except QuotaExceeded as e:
            return Resolution(ref, error=f"{ref}: not resolved: {e}", exhausted="search")
        except YouTubeError as e:
            if e.status != 429:
                raise
            return Resolution(ref, error=f"{ref}: not resolved: search.list kept answering that its per-minute limit "
                                         "was reached; re-run in a minute or paste the channel's @handle.")
        ids = [it["id"]["channelId"] for it in resp.get("items", []) if it.get("id", {}).get("channelId")]
        by_id = self._channels_by_id(list(dict.fromkeys(ids))[:PAGE])
        items = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
        key = _norm(ref.value)
        for item in items:
            sn = item.get("snippet", {})
            if key in (_norm(sn.get("customUrl", "")), _norm(sn.get("title", ""))):
                return Resolution(ref, channel=channel_from_resource(item), warning=warning)
        near = ", ".join(f"{it['snippet'].get('title')} ({it['snippet'].get('customUrl') or it['id']})" for it in items[:3])
        hint = f" Search found {near}: paste the right one's URL." if near else ""
        return Resolution(ref, error=f"{ref}: no channel with the custom URL /c/{ref.value}.{hint}", warning=warning)

    # -- fetching
    def fetch(self, inputs: str | Sequence[str] | Sequence[ChannelRef], spec: FilterSpec | None = None,
              progress: ProgressFn | None = None, **options: Any) -> FetchResult:
        """``fetch_kept``'s result, or its error (the rows it kept are then lost: the faces use ``fetch_kept``
        through ``service.fetch``)."""
        result, error = self.fetch_kept(inputs, spec, progress, **options)
        if error is not None:
            raise error
        return result

    def fetch_kept(
        self,
        inputs: str | Sequence[str] | Sequence[ChannelRef],
        spec: FilterSpec | None = None,
        progress: ProgressFn | None = None,
        *,
        resolved: Sequence[Resolution] | None = None,
        watch: Watch | None = None,
        ordered: bool = False,
    ) -> tuple[FetchResult, YouTubeError | None]:
        """Resolve ``inputs`` and fetch their videos filtered by ``spec``.

        ``watch(listing, final)``: called from the fetching thread now and then (every
        ``listing.CHECKPOINT_SECONDS`` or ``CHECKPOINT_VIDEOS`` detailed) while a proven tab listing runs, and once each channel's listing ended, so a
        caller can store what it has and where to resume (``sync``: written as it goes).
        ``ordered``: the budget may not pay for it all (a forced plan): every unit in listing order, so a quota
        cut keeps the newest videos its units paid for, the same every time (a little slower).

        ``resolved``: the inputs' Resolutions when the caller already has them (the quota planner resolves
        first to read each channel's videoCount; the sync finds known channels in the store): no call again.

        Returns (result, error): ``error`` is what stopped the fetch, beside the rows it kept (``result``,
        complete=False): QuotaExceeded when the quota runs out mid-way, YouTubeError when YouTube keeps failing
        (5xx after retries, timeouts, an open circuit breaker; the other channels are still fetched unless the
        breaker opened), ChannelNotFound when no input resolves (with an empty result). Raises InputError for
        unparsable input.
        """
        spec = spec or FilterSpec()
        refs = as_refs(inputs)
        acc = Accumulator(self.meter, self.meter.snapshot())
        notify = progress or (lambda p: None)
        try:
            acc.resolutions = self.resolve_inputs(refs, notify, dict(enumerate(resolved or ())))
            resolved = [res for res in acc.resolutions if res.channel]
            acc.warnings.extend(res.warning for res in acc.resolutions if res.warning)
            seen: set[str] = set()
            failure: YouTubeError | None = None
            for res in resolved:
                ch = res.channel
                if ch.id in seen:
                    continue
                seen.add(ch.id)
                acc.channels.append(ch)
                try:
                    fetch_channel(self, ch, spec, acc, notify, Progress(ch.title, "listing"), watch, ordered)
                except (QuotaExceeded, KeyInvalid):
                    raise  # nothing more can be fetched today / with this key
                except YouTubeError as e:  # a 5xx storm, a timeout, an open breaker: keep going elsewhere
                    failure = failure or e
                    acc.incomplete.append(f"{ch.title}: {e}")
                    if e.reason == "circuitOpen":
                        break
            if failure is not None:
                raise failure
        except YouTubeError as e:
            if isinstance(e, QuotaExceeded):
                acc.incomplete.append(
                    f"stopped by the YouTube quota ({'search bucket' if e.bucket == 'search' else 'daily units'}).")
            return acc.result(complete=False), e
        return acc.result(complete=True), None

    def close(self) -> None:
        for name in ("http", "feed_http"):
            http = getattr(self._local, name, None)
            close = getattr(http, "close", None)
            if close:
                close()


def fetch(inputs, spec: FilterSpec | None = None, settings: Settings | None = None, progress: ProgressFn | None = None) -> FetchResult:
    """Convenience: ``YouTubeClient(settings).fetch(inputs, spec, progress)``."""
    return YouTubeClient(settings).fetch(inputs, spec, progress)


# ----------------------------------------------------------------------------------------- internals


def _chunks(seq: Sequence, n: int) -> Iterable[Sequence]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _norm(s: str) -> str:
    return "".join(ch for ch in s.lower().lstrip("@") if ch.isalnum())
