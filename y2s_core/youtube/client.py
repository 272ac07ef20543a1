"""The YouTube client: resolve channels, list uploads, fetch video details, classify, at the least quota.

Quota per channel of N uploads (every list call costs 1 unit; search.list 100):

    1 (channels.list) + ceil(N/50) (playlistItems.list, uploads) + ceil(N/50) (videos.list, 50 ids a call)
      + ceil(S/50) (playlistItems.list on the UUSH playlist, S Shorts, stopped early at the oldest upload needed)

Detail calls overlap the page chain: each uploads page hands its ids to a small thread pool while the
main thread requests the next page (the page tokens make the chain sequential). httplib2 is not
thread-safe, so every thread gets its own http object from ``http_factory``. The UUSH listing runs on
the same pool. Paging stops early once ``max_videos`` or ``since`` is satisfied (uploads are newest first).

Every request passes through ``_MeteredHttp``, which counts calls and units per method (retries too),
so ``FetchResult.quota`` is what Google charged, not an estimate.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httplib2
import isodate
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from ..channel_input import parse as parse_channels
from ..errors import ChannelNotFound, KeyInvalid, QuotaExceeded, Y2SError, YouTubeError
from ..filters import FilterSpec
from ..models import Channel, ChannelRef, FetchResult, Resolution, Video, VideoType
from ..settings import DEMO_API_KEY, Settings

PAGE = 50  # maxResults and ids per videos.list: the API's ceiling
VIDEO_PARTS = "snippet,contentDetails,statistics,liveStreamingDetails"
CHANNEL_PARTS = "snippet,contentDetails,statistics"
UNIT_COST = {"search.list": 100}  # every other list method: 1
SHORTS_CUTOFF = date(2024, 10, 15)  # Shorts may be up to 3 minutes from this day on, 60 s before
PACIFIC = ZoneInfo("America/Los_Angeles")


# --------------------------------------------------------------------------------------------- quota


class QuotaMeter:
    """Thread-safe count of calls and units per API method (e.g. "videos.list")."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: dict[str, int] = defaultdict(int)
        self.units: dict[str, int] = defaultdict(int)

    def record(self, method: str, charged: bool) -> None:
        with self._lock:
            self.calls[method] += 1
            if charged:
                self.units[method] += UNIT_COST.get(method, 1)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.units)

    @property
    def total_units(self) -> int:
        with self._lock:
            return sum(self.units.values())


class _MeteredHttp:
    """Wraps an httplib2-compatible http object and records each request in a QuotaMeter."""

    def __init__(self, inner: Any, meter: QuotaMeter, key: str | None = None) -> None:
        self.inner = inner
        self.meter = meter
        self.key = key

    def request(self, uri, method="GET", body=None, headers=None, redirections=5, connection_type=None):
        headers = dict(headers or {})
        if self.key:
            headers["x-goog-api-key"] = self.key  # never in the URL: URLs end up in logs and HttpError.__str__
        resp, content = self.inner.request(
            uri, method=method, body=body, headers=headers, redirections=redirections, connection_type=connection_type
        )
        path = urlsplit(uri).path.rstrip("/")
        api_method = path.rsplit("/", 1)[-1] + ".list"
        status = int(resp.status)
        charged = status in (200, 404) or (status == 400 and b"keyInvalid" not in (content or b""))
        self.meter.record(api_method, charged)
        return resp, content

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close:
            close()


def quota_resets_at(now: datetime | None = None) -> datetime:
    """The next midnight in America/Los_Angeles, when YouTube resets the daily quota (aware, UTC)."""
    now = (now or datetime.now(timezone.utc)).astimezone(PACIFIC)
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return midnight.astimezone(timezone.utc)


# ------------------------------------------------------------------------------------------ parsing


def parse_datetime(text: str | None) -> datetime | None:
    """'2019-03-21T20:37:49.000Z' or '...:49Z' -> aware UTC datetime."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def parse_duration(text: str | None) -> int | None:
    """ISO 8601 duration (PT4M13S, P1DT2H3M4S, P0D) -> seconds; None when missing or unreadable."""
    if not text:
        return None
    try:
        d = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError):
        return None
    if isinstance(d, isodate.Duration):  # years/months: measure from a fixed start
        d = d.totimedelta(start=datetime(2000, 1, 1))
    return int(d.total_seconds())


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _thumbnail(snippet: dict) -> str | None:
    thumbs = snippet.get("thumbnails") or {}
    for size in ("high", "medium", "default"):
        if size in thumbs:
            return thumbs[size].get("url")
    return None


def channel_from_resource(item: dict) -> Channel:
    snippet = item.get("snippet", {})
    stats = item.get("statistics", {})
    uploads = item.get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads")
    return Channel(
        id=item["id"],
        title=snippet.get("title", item["id"]),
        handle=snippet.get("customUrl"),
        uploads_playlist_id=uploads or ("UU" + item["id"][2:]),
        subscribers=None if stats.get("hiddenSubscriberCount") else _int(stats.get("subscriberCount")),
        video_count=_int(stats.get("videoCount")),
        view_count=_int(stats.get("viewCount")),
        thumbnail=_thumbnail(snippet),
    )


def classify(item: dict, in_shorts: bool | None) -> VideoType:
    """The type rule (ARCHITECTURE.md). ``in_shorts``: UUSH membership, or None when the channel has no UUSH."""
    snippet = item.get("snippet", {})
    live = item.get("liveStreamingDetails") or {}
    if snippet.get("liveBroadcastContent") == "upcoming":  # P0D until it airs: never a Short
        return VideoType.UPCOMING
    if in_shorts:
        return VideoType.SHORT
    if live.get("actualStartTime") or snippet.get("liveBroadcastContent") == "live":
        return VideoType.LIVE
    if in_shorts is None:
        seconds = parse_duration(item.get("contentDetails", {}).get("duration"))
        published = parse_datetime(snippet.get("publishedAt"))
        if seconds and published:
            limit = 180 if published.date() >= SHORTS_CUTOFF else 60
            if seconds <= limit:
                return VideoType.SHORT
    return VideoType.LONG


def video_from_resource(item: dict, in_shorts: bool | None) -> Video:
    snippet = item.get("snippet", {})
    stats = item.get("statistics", {})
    return Video(
        id=item["id"],
        channel_id=snippet.get("channelId", ""),
        channel_title=snippet.get("channelTitle", ""),
        published_at=parse_datetime(snippet.get("publishedAt")) or datetime(1970, 1, 1, tzinfo=timezone.utc),
        title=snippet.get("title", ""),
        duration_seconds=parse_duration(item.get("contentDetails", {}).get("duration")),
        type=classify(item, in_shorts),
        views=_int(stats.get("viewCount")),
        likes=_int(stats.get("likeCount")),
        comments=_int(stats.get("commentCount")),
        tags=tuple(snippet.get("tags") or ()),
        thumbnail=_thumbnail(snippet),
        live_broadcast_content=snippet.get("liveBroadcastContent", "none"),
    )


# ------------------------------------------------------------------------------------------- errors


def _error_reason(e: HttpError) -> tuple[str, str]:
    """(reason, message) from a Google error body; never the request URL (it carries the key)."""
    try:
        err = json.loads(e.content.decode("utf-8")).get("error", {})
    except (ValueError, AttributeError, UnicodeDecodeError):
        return "", ""
    errors = err.get("errors") or [{}]
    return errors[0].get("reason", "") or err.get("status", ""), err.get("message", "")


def quota_exceeded(context: str) -> QuotaExceeded:
    at = quota_resets_at()
    return QuotaExceeded(
        f"YouTube API quota exhausted while {context}. It resets at midnight Pacific time "
        f"({at:%Y-%m-%d %H:%M} UTC): re-run after the reset or use another key.",
        resets_at=at,
    )


def translate_http_error(e: HttpError, context: str) -> YouTubeError:
    status = int(e.resp.status)
    reason, message = _error_reason(e)
    if reason in ("quotaExceeded", "dailyLimitExceeded"):
        return quota_exceeded(context)
    if reason in ("keyInvalid", "keyExpired") or (status == 400 and "API key" in message):
        return KeyInvalid("The YouTube API key was rejected (invalid or expired). Check YOUTUBE_API_KEY.", status=status, reason=reason)
    if status == 403 and reason in ("forbidden", "accessNotConfigured", "ipRefererBlocked", "PERMISSION_DENIED", "keyInvalid"):
        return KeyInvalid(
            "The YouTube API refused the key (missing, restricted, or YouTube Data API v3 not enabled for its "
            f"project): {_plain(message)}. Check YOUTUBE_API_KEY and the key's API restrictions.",
            status=status,
            reason=reason,
        )
    return YouTubeError(
        f"YouTube API error {status} ({reason or 'unknown'}) while {context}: {_plain(message)}", status=status, reason=reason
    )


def _plain(message: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", message or "").strip().rstrip(".")




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


# ------------------------------------------------------------------------------------------- client


def default_http_factory(settings: Settings) -> Callable[[], Any]:
    """Plain httplib2 for the real API or a served emulator; the in-process emulator in demo mode."""
    if settings.demo:
        from ..emulators.transport import HttplibHttp
        from ..emulators.youtube import YouTubeEmulator

        emulator = YouTubeEmulator()
        return lambda: HttplibHttp(emulator)
    return lambda: httplib2.Http(timeout=30)


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
    ) -> None:
        self.settings = settings or Settings.from_env()
        self.meter = QuotaMeter()
        self._factory = http_factory or default_http_factory(self.settings)
        self._local = threading.local()
        self.max_workers = max_workers
        self.num_retries = num_retries
        self._retry_sleep = retry_sleep
        self._exhausted_until: datetime | None = None
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

    # -- transport
    def _http(self) -> _MeteredHttp:
        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = _MeteredHttp(self._factory(), self.meter, self.settings.youtube_api_key or DEMO_API_KEY)
        return http

    def _execute(self, request: Any, context: str) -> dict:
        if self._exhausted_until and datetime.now(timezone.utc) < self._exhausted_until:
            # quota is spent until the reset: fail fast instead of sending calls Google will refuse
            raise quota_exceeded(context)
        if self._retry_sleep is not None:
            request._sleep = self._retry_sleep  # googleapiclient's backoff hook; tests make it instant
        try:
            return request.execute(http=self._http(), num_retries=self.num_retries)
        except HttpError as e:
            err = translate_http_error(e, context)
            if isinstance(err, QuotaExceeded):
                self._exhausted_until = err.resets_at
            raise err from None
        except (httplib2.HttpLib2Error, http.client.HTTPException, OSError) as e:
            where = self.settings.youtube_api_url or "https://youtube.googleapis.com"
            raise YouTubeError(f"Could not reach the YouTube API at {where} while {context}: {type(e).__name__}.") from None
        except ValueError:  # a 200 whose body is not JSON: a proxy or captive portal answered
            where = self.settings.youtube_api_url or "https://youtube.googleapis.com"
            raise YouTubeError(f"The YouTube API at {where} answered with something that is not JSON while {context}.") from None

    # -- resolution
    def resolve(self, refs: Sequence[ChannelRef]) -> list[Resolution]:
        """One Resolution per ref, in order. Ids and video-derived ids are batched 50 a call."""
        out: dict[int, Resolution] = {}
        channel_ids: dict[int, str] = {}
        videos = [(i, r) for i, r in enumerate(refs) if r.kind == "video"]
        for chunk in _chunks(videos, PAGE):
            resp = self._execute(
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
            resp = self._channels_list(id=",".join(chunk))
            for item in resp.get("items", []):
                found[item["id"]] = channel_from_resource(item)
        for i, cid in channel_ids.items():
            r = refs[i]
            out[i] = Resolution(r, channel=found[cid]) if cid in found else Resolution(r, error=f"{r}: no channel with id {cid}.")
        for i, r in enumerate(refs):
            if i not in out:
                out[i] = self._resolve_name(r)
        return [out[i] for i in range(len(refs))]

    def _channels_list(self, **params: str) -> dict:
        try:
            return self._execute(self.channels.list(part=CHANNEL_PARTS, maxResults=PAGE, **params), "resolving channels")
        except YouTubeError as e:
            if e.status == 400 and not isinstance(e, KeyInvalid):  # Google's newer answer for an unknown channel
                return {}
            raise

    def _resolve_name(self, ref: ChannelRef) -> Resolution:
        name = ref.value
        order = {"handle": ["forHandle"], "username": ["forUsername", "forHandle"], "custom": ["forHandle", "forUsername"]}[ref.kind]
        for param in order:
            items = self._channels_list(**{param: name}).get("items", [])
            if items:
                return Resolution(ref, channel=channel_from_resource(items[0]))
        if ref.kind != "custom":
            what = "handle @" if ref.kind == "handle" else "username "
            return Resolution(ref, error=f"{ref}: no channel with the {what}{name}. Check the spelling or paste the channel URL.")
        return self._resolve_by_search(ref)

    def _resolve_by_search(self, ref: ChannelRef) -> Resolution:
        """Legacy /c/NAME: search.list (100 units, its own small daily bucket), matched on customUrl or title."""
        warning = (
            f"{ref}: legacy custom URL resolved through search.list, which costs 100 units from a small daily "
            "search bucket. Paste the channel's @handle or /channel/UC… URL next time."
        )
        resp = self._execute(
            self.search.list(part="snippet", q=ref.value, type="channel", maxResults=5), "searching for a channel"
        )
        ids = [it["id"]["channelId"] for it in resp.get("items", []) if it.get("id", {}).get("channelId")]
        items = self._channels_list(id=",".join(ids)).get("items", []) if ids else []
        key = _norm(ref.value)
        for item in items:
            sn = item.get("snippet", {})
            if key in (_norm(sn.get("customUrl", "")), _norm(sn.get("title", ""))):
                return Resolution(ref, channel=channel_from_resource(item), warning=warning)
        near = ", ".join(f"{it['snippet'].get('title')} ({it['snippet'].get('customUrl') or it['id']})" for it in items[:3])
        hint = f" Search found {near}: paste the right one's URL." if near else ""
        return Resolution(ref, error=f"{ref}: no channel with the custom URL /c/{ref.value}.{hint}", warning=warning)

    # -- fetching
    def fetch(
        self,
        inputs: str | Sequence[str] | Sequence[ChannelRef],
        spec: FilterSpec | None = None,
        progress: ProgressFn | None = None,
    ) -> FetchResult:
        """Resolve ``inputs`` and fetch their videos filtered by ``spec``.

        Raises InputError for unparsable input, ChannelNotFound when no input resolves, QuotaExceeded
        (with ``.partial``, a FetchResult of what was fetched) when the quota runs out mid-way.
        """
        spec = spec or FilterSpec()
        refs = _as_refs(inputs)
        acc = _Accumulator(self.meter, self.meter.snapshot())
        notify = progress or (lambda p: None)
        try:
            for r in refs:
                notify(Progress(str(r), "resolving", quota_units=self.meter.total_units))
            acc.resolutions = self.resolve(refs)
            resolved = [res for res in acc.resolutions if res.channel]
            for res in acc.resolutions:
                if res.warning:
                    acc.warnings.append(res.warning)
                if res.error:
                    notify(Progress(str(res.ref), "error", message=res.error, quota_units=self.meter.total_units))
            if not resolved:
                raise ChannelNotFound(" ".join(res.error or "" for res in acc.resolutions), query=", ".join(map(str, refs)))
            seen: set[str] = set()
            for res in resolved:
                ch = res.channel
                if ch.id in seen:
                    continue
                seen.add(ch.id)
                acc.channels.append(ch)
                _ChannelFetch(self, ch, spec, acc, notify).run()
        except QuotaExceeded as e:
            e.partial = acc.result(complete=False)
            if e.partial.videos:
                e.message += f" The {len(e.partial.videos):,} videos fetched before it ran out are kept."
            raise
        return acc.result(complete=True)

    def close(self) -> None:
        http = getattr(self._local, "http", None)
        if http:
            http.close()


def fetch(inputs, spec: FilterSpec | None = None, settings: Settings | None = None, progress: ProgressFn | None = None) -> FetchResult:
    """Convenience: ``YouTubeClient(settings).fetch(inputs, spec, progress)``."""
    return YouTubeClient(settings).fetch(inputs, spec, progress)


# ----------------------------------------------------------------------------------------- internals


def _as_refs(inputs: str | Sequence[str] | Sequence[ChannelRef]) -> list[ChannelRef]:
    if isinstance(inputs, str):
        return parse_channels(inputs)
    items = list(inputs)
    if items and all(isinstance(x, ChannelRef) for x in items):
        return list(dict.fromkeys(items))
    return parse_channels([str(x) for x in items])


def _chunks(seq: Sequence, n: int) -> Iterable[Sequence]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _norm(s: str) -> str:
    return "".join(ch for ch in s.lower().lstrip("@") if ch.isalnum())


@dataclass
class _Accumulator:
    meter: QuotaMeter
    before: dict[str, int]  # the client's meter when this fetch began: a result reports its own units
    videos: list[Video] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def result(self, complete: bool) -> FetchResult:
        return FetchResult(
            videos=tuple(self.videos),
            channels=tuple(self.channels),
            resolutions=tuple(self.resolutions),
            skipped_ids=tuple(self.skipped),
            warnings=tuple(self.warnings),
            quota={m: u - self.before.get(m, 0) for m, u in self.meter.snapshot().items() if u - self.before.get(m, 0)},
            complete=complete,
        )


class _ShortsCursor:
    """Pages through a channel's UUSH playlist on demand, newest first; resumable and thread-safe."""

    def __init__(self, client: YouTubeClient, channel: Channel) -> None:
        self.client = client
        self.playlist = channel.shorts_playlist_id
        self.ids: set[str] = set()
        self.exists: bool | None = None  # None until the first page answers
        self.exhausted = False
        self.oldest: datetime | None = None  # videoPublishedAt of the last item seen
        self._token: str | None = None
        self._lock = threading.Lock()

    def covers(self, floor: datetime | None) -> bool:
        """True once membership is known for every video published at or after ``floor`` (None: all)."""
        if self.exhausted or self.exists is False:
            return True
        return floor is not None and self.oldest is not None and self.oldest < floor

    def ensure_covered(self, floor: datetime | None) -> None:
        with self._lock:
            while not self.covers(floor):
                req = self.client.playlist_items.list(
                    part="contentDetails", playlistId=self.playlist, maxResults=PAGE, pageToken=self._token
                )
                try:
                    resp = self.client._execute(req, "listing Shorts")
                except YouTubeError as e:
                    if e.status == 404:  # playlistNotFound: no UUSH for this channel -> duration rule
                        self.exists = False
                        return
                    raise
                self.exists = True
                for item in resp.get("items", []):
                    cd = item.get("contentDetails", {})
                    self.ids.add(cd.get("videoId"))
                    published = parse_datetime(cd.get("videoPublishedAt"))
                    if published:
                        self.oldest = published if self.oldest is None else min(self.oldest, published)
                self._token = resp.get("nextPageToken")
                if not self._token:
                    self.exhausted = True

    def membership(self, video_id: str) -> bool | None:
        if self.exists is False:
            return None
        return video_id in self.ids


class _ChannelFetch:
    """One channel's page chain, detail pool and Shorts cursor. Progress is reported from this thread only."""

    def __init__(self, client: YouTubeClient, channel: Channel, spec: FilterSpec, acc: _Accumulator, notify: ProgressFn):
        self.c, self.ch, self.spec, self.acc, self.notify = client, channel, spec, acc, notify
        self.shorts = _ShortsCursor(client, channel)
        self.details: dict[str, tuple[dict, Video]] = {}  # video id -> (videos.list resource, parsed)
        self.missing: set[str] = set()  # listed by the playlist, omitted by videos.list
        self.order: list[str] = []  # candidate ids in uploads order (newest first)
        self.token: str | None = None
        self.exhausted = False
        self.since_reached = False
        self.floor: datetime | None = None  # oldest videoPublishedAt among candidates
        self.kept: list[Video] = []
        self.p = Progress(channel.title, "listing")
        self._lock = threading.Lock()
        self._listed: set[str] = set()
        self._arrived: list[str] = []  # detail ids in arrival order, for _enough's incremental count
        self._seen = 0
        self._unsettled: list[tuple[dict, Video]] = []
        self._passing = 0

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
                            pending.append(pool.submit(self._details, ids))
                        for f in pending:
                            if f.done() and f.exception() is not None:
                                f.result()
                        if shorts_job is not None and shorts_job.done():
                            shorts_job.result()  # surface its error (quota) now
                            shorts_job = None
                        if shorts_job is None and self.floor is not None and not self.shorts.covers(self.floor):
                            shorts_job = pool.submit(self.shorts.ensure_covered, self.floor)
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
                        self.shorts.ensure_covered(self.floor)
                    self._finish()
                    done = self.exhausted or self.since_reached or not spec.max_videos
                    if done or len(self.kept) >= spec.max_videos:
                        break
                    force = True
                    self.p.stage = "listing"
            except QuotaExceeded:
                for f in pending:  # keep every detail call that got through
                    try:
                        f.result()
                    except Y2SError:
                        pass
                self._finish(partial=True)
                self.acc.videos.extend(self.kept)
                dropped = f" ({self.untyped} more left out: their Short/Long type was not known yet)" if self.untyped else ""
                self.acc.warnings.append(
                    f"{self.ch.title}: stopped by the quota after {self.p.pages} pages; {len(self.kept)} videos kept{dropped}."
                )
                raise
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        self.acc.videos.extend(self.kept)
        if self.missing:
            self.acc.skipped.extend(v for v in self.order if v in self.missing)
            self.acc.warnings.append(
                f"{self.ch.title}: skipped {len(self.missing)} listed videos that YouTube did not return (deleted or private)."
            )
        if self.shorts.exists is False:
            self.acc.warnings.append(
                f"{self.ch.title}: no Shorts playlist; Shorts were told by duration (<= 3 min from 2024-10-15, <= 60 s before)."
            )
        self.p.stage = "done"
        self._report()

    def _next_page(self, since: datetime | None) -> list[str]:
        req = self.c.playlist_items.list(
            part="contentDetails", playlistId=self.ch.uploads_playlist_id, maxResults=PAGE, pageToken=self.token
        )
        try:
            resp = self.c._execute(req, f"listing uploads of {self.ch.title}")
        except YouTubeError as e:
            if e.status == 404:
                self.acc.warnings.append(f"{self.ch.title}: the channel has no public uploads playlist; no videos listed.")
                self.exhausted = True
                return []
            raise
        self.token = resp.get("nextPageToken")
        self.exhausted = not self.token
        until = self.spec.until
        # premieres can publish a little after they are listed: prune only what is clearly too new
        too_new = datetime.combine(until + timedelta(days=3), time(0), tzinfo=timezone.utc) if until else None
        ids: list[str] = []
        for item in resp.get("items", []):
            cd = item.get("contentDetails", {})
            vid = cd.get("videoId")
            if not vid or vid in self._listed:  # offsets shift when the channel uploads mid-fetch
                continue
            self._listed.add(vid)
            published = parse_datetime(cd.get("videoPublishedAt"))
            if published is not None:
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
        resp = self.c._execute(
            self.c.videos.list(part=VIDEO_PARTS, id=",".join(ids), maxResults=PAGE),
            f"fetching video details of {self.ch.title}",
        )
        # parse here, on the pool, while the page chain waits on the network; the type is provisional
        # (Shorts membership may still grow) and _finish() corrects it
        parsed = {it["id"]: (it, video_from_resource(it, self.shorts.membership(it["id"]))) for it in resp.get("items", [])}
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
            self.shorts.ensure_covered(self.floor)
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
            kind = classify(item, self.shorts.membership(video.id))
            self._passing += self.spec.matches(video if kind is video.type else replace(video, type=kind))
        self._unsettled = unsettled
        return self._passing

    def _finish(self, partial: bool = False) -> None:
        with self._lock:
            order = list(self.order)
            details = dict(self.details)
        videos = []
        self.untyped = 0
        for vid in order:
            if vid in details:
                item, video = details[vid]
                if partial and not self.shorts.covers(video.published_at):
                    self.untyped += 1  # UUSH not read that far: its type is unknown, don't write a guess
                    continue
                kind = classify(item, self.shorts.membership(vid))
                videos.append(video if kind is video.type else replace(video, type=kind))
        self.kept = self.spec.apply(videos)

    def _report(self) -> None:
        with self._lock:
            self.p.detailed = len(self.details)
        self.p.quota_units = self.c.meter.total_units
        self.notify(Progress(**vars(self.p)))


__all__ = [
    "YouTubeClient",
    "QuotaMeter",
    "Progress",
    "fetch",
    "classify",
    "video_from_resource",
    "channel_from_resource",
    "parse_duration",
    "parse_datetime",
    "quota_resets_at",
    "translate_http_error",
    "quota_exceeded",
]
