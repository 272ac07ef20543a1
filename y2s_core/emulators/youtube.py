"""A faithful fake of the YouTube Data API v3 (the read-only list methods), served from a catalog.

    emu = YouTubeEmulator()                      # the demo catalog (catalog.demo_catalog())
    yt = build("youtube", "v3", developerKey="k", http=HttplibHttp(emu), static_discovery=True)
    yt.channels().list(part="contentDetails", forHandle="@y2sdemo").execute()

Routes (any base URL, GET only): ``.../youtube/v3/{channels,playlistItems,videos,playlists,search}``,
``.../youtube/v3/videos:batchGetStats``, and
``.../feeds/videos.xml`` (the uploads feed, outside the API: ``youtube_feed``).
Responses follow the real API and the recorded fixtures: ``kind``/``etag``/``pageInfo``, only the
requested ``part``s, string statistics, absent keys where YouTube omits them, Google error bodies.

Quota, as Google's quota-cost page says (2026): three buckets. search.list has its own, ``search_daily_calls``
(100) calls a day at 1 per call; videos.batchGetStats has its own, ``stats_quota`` (10,000) calls a day at 1
per call (its reference page, developers.google.com/youtube/v3/docs/videos/batchGetStats: "a dedicated
Video Batch Get Stats quota bucket (1 unit per call, default limit of 10,000 calls per project per day, 600
calls per minute)"; ``per_minute``, a wait for the client, not a spent day); every other list method costs 1 unit of the main
pool, ``daily_quota`` (10,000 units). Exhausting one leaves the others. Charged for answers 200/400/404 (what Google bills), not
for a missing or invalid key, an exhausted bucket or an injected fault. A spent main pool answers 403
quotaExceeded; a spent search or stats bucket 429 RESOURCE_EXHAUSTED (see ``youtube_errors``). Counters:
``units_used`` (main pool), ``search_calls_used`` (search bucket), ``stats_calls_used`` (stats bucket);
``units_by_method`` has them all, each in its bucket's measure. Counters and faults are guarded by a lock, so one emulator can serve many threads;
``latency`` (the time each answer takes) is slept outside it, so concurrent requests overlap.

The real API's answers modelled as of 2026 (ARCHITECTURE.md, "The real APIs, as they behave now"):
channels.list with an ``id`` that does not exist is 400 badRequest for the whole request
(``unknown_channel="400"``, the default; ``"empty"``: the older 200 without ``items``); forHandle and
forUsername with an unknown name stay 200 without ``items``. A playlist lists at most ``playlist_cap``
(20,000) items, whatever it holds. An empty channel's uploads playlist is 404 playlistNotFound. A bad key
gets the newer 400 badRequest "API key not valid" body (``invalid_key="old"``: the recorded keyInvalid one).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .catalog import (
    CHANNEL_PARTS,
    PLAYLIST_ITEM_PARTS,
    PLAYLIST_PARTS,
    SEARCH_PARTS,
    VIDEO_PARTS,
    Catalog,
    DemoChannel,
    DemoVideo,
    etag,
)
from .demo_clock import CatalogAtClock, DemoClock
from .transport import json_response
from .youtube_errors import (
    FAULT_MESSAGES,
    GRPC_STATUS,
    MISSING_KEY_MESSAGE,
    PER_MINUTE,
    QUOTA_MESSAGE,
    SEARCH_QUOTA_MESSAGE,
    STATS_QUOTA_MESSAGE,
    PerMinute,
    auth_required,
    bad_value,
    error,
    incompatible,
    invalid_page_token,
    key_invalid_error,
    key_not_valid_error,
    missing_key_error,
    no_filter,
    quota_error,
    search_quota_error,
    stats_quota_error,
    too_many_ids,
    unknown_channel_error,
)
from .youtube_feed import FeedRoutes
from .youtube_playlists import PlaylistRoutes

Response = tuple[int, dict[str, str], bytes]

MAX_IDS = 50
MAX_RESULTS = 50
PLAYLIST_CAP = 20_000  # the real API stops listing a playlist at about 20,000 items (ARCHITECTURE.md, "The real APIs")
SEARCH_DAILY_CALLS = 100  # search.list's own bucket (Google's quota-cost page, 2026)
STATS_DAILY_CALLS = 10_000  # videos.batchGetStats's own bucket (its reference page, 2026)
# videos.batchGetStats's parts (its reference page and the discovery document's VideoStat schema)
STATS_PARTS = frozenset({"id", "snippet", "statistics", "contentDetails"})

_METHODS = {
    "channels": "channels.list",
    "playlistItems": "playlistItems.list",
    "videos": "videos.list",
    "playlists": "playlists.list",
    "search": "search.list",
    "videos:batchGetStats": "videos.batchGetStats",
}
# methods charged to a bucket of their own (calls) instead of the main pool (units)
_BUCKET_OF = {"search.list": "search", "videos.batchGetStats": "stats"}
_BILLED = (200, 400, 404)


@dataclass(frozen=True)
class Call:
    """One request the emulator answered. ``params`` are the query parameters without ``key``; ``units`` is
    what it cost in its bucket (main-pool units, or one call of the search bucket for search.list)."""

    method: str
    params: dict[str, str] = field(default_factory=dict)
    units: int = 0
    ids: int = 0
    status: int = 200
    reason: str = ""  # the error reason, "" on success


class _Counts(dict):
    """A dict snapshot that may also be called (``emu.units_by_method`` or ``emu.units_by_method()``)."""

    def __call__(self) -> dict[str, int]:
        return dict(self)


@dataclass
class _Fault:
    method: str | None
    status: int
    reason: str
    times: int
    after: int = 0  # let this many matching requests through first
    stall: float = 0.0  # > 0: not an error: answer normally after this many seconds (a slow, billed call)
    when: tuple[tuple[str, str], ...] = ()  # only requests with these query parameters match


def _page_token(scope: str, offset: int) -> str:
    raw = json.dumps([scope, offset], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _read_page_token(token: str, scope: str) -> int | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        got_scope, offset = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        return None
    if got_scope != scope or not isinstance(offset, int) or offset < 0:
        return None
    return offset


class YouTubeEmulator(CatalogAtClock, PlaylistRoutes, FeedRoutes):
    """The YouTube Data API v3 list methods over a ``Catalog``; an App for ``transport``.

    ``omit_tabs`` / ``lagging`` (and ``lag()``) take the undocumented tab playlists away, or hold videos back
    from them, to test a client's fallback (see ``youtube_playlists``). The uploads feed (``/feeds/videos.xml``,
    no key, no quota) is served beside the API; ``feed`` ("up", "404", "500", "stale", "slow", "malformed")
    switches its outages and ``feed_calls`` counts its requests (see ``youtube_feed``).

    The demo's clock: without a ``catalog`` the emulator serves the demo catalog at the demo clock's day
    (``demo_clock.DemoClock``: ``$Y2S_DATA_DIR/demo-clock.json``; no file, the fixed DEMO_NOW), re-read as it
    moves, so "Advance the demo a day" reaches an emulator already running. A given ``catalog`` stands still
    unless a ``clock`` is passed too (then it is served ``catalog.at(clock's now)``); ``clock=False``: never
    follow a clock."""

    def __init__(self, catalog: Catalog | None = None, daily_quota: int = 10_000, latency: float = 0.0,
                 unknown_channel: str = "400", *, search_daily_calls: int = SEARCH_DAILY_CALLS,
                 playlist_cap: int = PLAYLIST_CAP, invalid_key: str = "new", omit_tabs: Iterable[str] = (),
                 lagging: Iterable[str] = (), feed: str = "up", stats_quota: int = STATS_DAILY_CALLS,
                 clock: DemoClock | bool | None = None, per_minute: Mapping[str, int] | None = None,
                 minute_clock: Callable[[], float] = time.time) -> None:
        if unknown_channel not in ("empty", "400"):
            raise ValueError("unknown_channel must be 'empty' or '400'")
        if invalid_key not in ("new", "old"):
            raise ValueError("invalid_key must be 'new' (400 badRequest) or 'old' (400 keyInvalid)")
        self._init_catalog(catalog, clock)
        self.daily_quota = daily_quota
        self.search_daily_calls = search_daily_calls
        self.stats_quota = stats_quota  # videos.batchGetStats calls a day (0: spent from the start)
        # calls a minute per bucket (batchGetStats: 600, its reference page); a bucket not named has no such limit
        self.per_minute = PerMinute(PER_MINUTE if per_minute is None else per_minute, minute_clock)
        self.playlist_cap = playlist_cap
        self.latency = latency
        self.unknown_channel = unknown_channel
        self.invalid_key = invalid_key
        self._init_tabs(omit_tabs, lagging)
        self._init_feed(feed)
        self.calls: list[Call] = []
        self.units_used = 0  # the main pool
        self.search_calls_used = 0  # the search.list bucket
        self.stats_calls_used = 0  # the videos.batchGetStats bucket
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._routes: dict[str, Callable[[dict[str, str], list[str]], Response]] = {
            "channels.list": self._channels,
            "playlistItems.list": self._playlist_items,
            "videos.list": self._videos,
            "playlists.list": self._playlists,
            "search.list": self._search,
            "videos.batchGetStats": self._batch_get_stats,
        }

    # -- bookkeeping ---------------------------------------------------------------------------------

    @property
    def units_by_method(self) -> _Counts:
        """What each method was charged in its bucket, e.g. {"videos.list": 3, "search.list": 1}: units of the
        main pool, calls of the search bucket for search.list."""
        out = _Counts()
        with self._lock:
            for c in self.calls:
                if c.units:
                    out[c.method] = out.get(c.method, 0) + c.units
        return out

    @property
    def calls_by_method(self) -> _Counts:
        """Requests answered per method (errors included)."""
        out = _Counts()
        with self._lock:
            for c in self.calls:
                out[c.method] = out.get(c.method, 0) + 1
        return out

    def reset(self) -> None:
        """Forget the calls, the units used (a new quota day, so a new minute too) and the feed's count. Pending
        faults and the feed's switch stay."""
        with self._lock:
            self.calls.clear()
            self.units_used = 0
            self.search_calls_used = 0
            self.stats_calls_used = 0
            self.per_minute.reset()
        self._reset_feed()

    def fail_next(self, method: str | None, status: int = 503, reason: str = "backendError", times: int = 1,
                  *, after: int = 0, stall: float = 0.0, when: Mapping[str, str] | None = None) -> None:
        """Answer the next ``times`` requests for ``method`` ("videos.list"; None = any) with an error, once
        ``after`` more of them went through; ``when`` narrows it to requests with those query parameters
        (e.g. one playlistId). ``stall`` > 0 makes them slow instead: each is answered normally (and
        billed) after that many seconds, so a client's timeout fires first."""
        if method is not None and method not in self._routes:
            raise ValueError(f"unknown method {method!r}; use one of {sorted(self._routes)}")
        with self._lock:
            self._faults.append(_Fault(method, status, reason, times, after, stall, tuple((when or {}).items())))

    # -- the App protocol ----------------------------------------------------------------------------

    takes_started = True  # served: the transport passes when the request arrived (see handle)

    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes | str | None, *,
               started: float | None = None) -> Response:
        """Answer one request. ``latency`` is the time each answer takes, this emulator's own work included
        (a remote API's round trip), so a benchmark measures the client, not the emulator's JSON building.
        ``started`` (perf_counter): when the request arrived, if earlier than this call (the served transport
        reads and parses the HTTP request first: that is the emulator's work too)."""
        started = time.perf_counter() if started is None else started
        try:
            return self._handle(method, url, headers, body)
        finally:
            left = self.latency - (time.perf_counter() - started)
            if left > 0:
                time.sleep(left)

    def _handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes | str | None) -> Response:
        parts = urlsplit(url)
        path = parts.path.rstrip("/")
        marker = "/youtube/v3/"
        resource = path[path.rfind(marker) + len(marker):] if marker in path else ""
        if path.endswith("/_emulator/stats"):  # counters for a test or benchmark in another process
            return self._stats(reset=method.upper() == "POST")
        query = {k: ",".join(v) for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if path.endswith("/feeds/videos.xml"):  # the uploads feed (www.youtube.com): no key, no quota
            return self._feed(method, query)
        api_method = _METHODS.get(resource)
        if api_method is None:
            return error(404, "Not Found", "notFound")
        params = {k: v for k, v in query.items() if k != "key"}
        ids = len([i for i in query.get("id", "").split(",") if i.strip()])
        if method.upper() != "GET":
            return self._record(api_method, params, ids, 0,
                                error(405, "Method Not Allowed", "httpMethodNotAllowed"), "httpMethodNotAllowed")

        with self._lock:
            fault = next((f for f in self._faults if f.method in (None, api_method)
                          and all(query.get(k) == v for k, v in f.when)), None)
            if fault is not None and fault.after > 0:
                fault.after -= 1
                fault = None
            elif fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
        if fault is not None and fault.stall > 0:
            time.sleep(fault.stall)  # then answered as usual: Google served (and billed) it, the client gave up
        elif fault is not None:
            return self._record(api_method, params, ids, 0, self._fault_response(fault), fault.reason)

        key = query.get("key", "").strip() or next(
            (v.strip() for k, v in headers.items() if k.lower() == "x-goog-api-key"), "")
        if not key:
            return self._record(api_method, params, ids, 0, missing_key_error(), "forbidden")
        if key.startswith("bad") or key == "invalid":
            return self._record(api_method, params, ids, 0, self._bad_key(), "keyInvalid")

        bucket = _BUCKET_OF.get(api_method, "units")
        refused = self.per_minute.refuse(bucket)
        if refused is not None:
            return self._record(api_method, params, ids, 0, refused, "rateLimitExceeded")
        with self._lock:  # reserve the call in its bucket atomically, so concurrent callers cannot overshoot
            over = self._used(bucket) + 1 > self._limit(bucket)
            self._charge(bucket, 0 if over else 1)
        if over:
            spent = {"search": search_quota_error, "stats": stats_quota_error}.get(bucket, quota_error)()
            return self._record(api_method, params, ids, 0, spent,
                                "quotaExceeded" if bucket == "units" else "rateLimitExceeded")

        try:
            resp = self._dispatch(api_method, query)
        except Exception:
            self._refund(bucket)
            raise
        units = 1 if resp[0] in _BILLED else 0
        if not units:
            self._refund(bucket)
        reason = ""
        if resp[0] >= 400:
            try:
                reason = json.loads(resp[2])["error"]["errors"][0]["reason"]
            except (ValueError, KeyError, IndexError):
                reason = "unknown"
        return self._record(api_method, params, ids, units, resp, reason)

    def _used(self, bucket: str) -> int:
        return {"search": self.search_calls_used, "stats": self.stats_calls_used}.get(bucket, self.units_used)

    def _limit(self, bucket: str) -> int:
        return {"search": self.search_daily_calls, "stats": self.stats_quota}.get(bucket, self.daily_quota)

    def _charge(self, bucket: str, n: int) -> None:
        """Add ``n`` to ``bucket``'s counter (the caller holds the lock)."""
        if bucket == "search":
            self.search_calls_used += n
        elif bucket == "stats":
            self.stats_calls_used += n
        else:
            self.units_used += n

    def _refund(self, bucket: str) -> None:
        with self._lock:
            self._charge(bucket, -1)

    def _bad_key(self) -> Response:
        return key_not_valid_error() if self.invalid_key == "new" else key_invalid_error()

    def _stats(self, reset: bool) -> Response:
        with self._lock:
            body = {"units_used": self.units_used, "search_calls_used": self.search_calls_used,
                    "stats_calls_used": self.stats_calls_used, "calls": len(self.calls), "feed_calls": self.feed_calls}
        body.update(units_by_method=dict(self.units_by_method), calls_by_method=dict(self.calls_by_method),
                    max_ids_per_call=max((c.ids for c in self.calls if c.method == "videos.list"), default=0))
        if reset:
            self.reset()
        return json_response(200, body)

    def _record(self, method: str, params: dict[str, str], ids: int, units: int, resp: Response,
                reason: str) -> Response:
        with self._lock:
            self.calls.append(Call(method, params, units, ids, resp[0], reason))
        return resp

    def _fault_response(self, f: _Fault) -> Response:
        if f.reason == "quotaExceeded":
            return quota_error() if f.status == 403 else error(f.status, QUOTA_MESSAGE, f.reason, "youtube.quota")
        if f.reason == "keyInvalid":
            return self._bad_key()
        if f.method == "search.list" and f.status == 429:
            return search_quota_error()
        if f.method == "videos.batchGetStats" and f.status == 429:
            return stats_quota_error()
        message = FAULT_MESSAGES.get(f.reason, f"Injected {f.reason}")
        domain = "usageLimits" if "RateLimit" in f.reason or f.reason.startswith("rateLimit") else "global"
        return error(f.status, message, f.reason, domain,
                      grpc_status=GRPC_STATUS.get(f.status) if f.status >= 500 else None)

    def _dispatch(self, api_method: str, query: dict[str, str]) -> Response:
        valid = {"channels.list": CHANNEL_PARTS, "playlistItems.list": PLAYLIST_ITEM_PARTS,
                 "videos.list": VIDEO_PARTS, "playlists.list": PLAYLIST_PARTS, "search.list": SEARCH_PARTS,
                 "videos.batchGetStats": STATS_PARTS}[api_method]
        parts = [p.strip() for p in query.get("part", "").split(",") if p.strip()]
        if not parts:
            return error(400, "Required parameter: part", "required", location="part")
        for p in parts:
            if p not in valid:
                return error(400, f"'{p}'", "unknownPart", "youtube.part", location="part")
        return self._routes[api_method](query, parts)

    # -- shared pieces -------------------------------------------------------------------------------

    @staticmethod
    def _max_results(query: dict[str, str], default: int = 5, lo: int = 0) -> int | Response:
        raw = query.get("maxResults")
        if raw is None or raw == "":
            return default
        try:
            n = int(raw)
        except ValueError:
            return error(400, f"Invalid value '{raw}'. Values must be integers.", "invalid", location="maxResults")
        if not lo <= n <= MAX_RESULTS:
            return bad_value("maxResults", raw, lo, MAX_RESULTS)
        return n

    @staticmethod
    def _split_ids(raw: str) -> list[str]:
        seen: dict[str, None] = {}
        for i in raw.split(","):
            if i.strip():
                seen.setdefault(i.strip(), None)
        return list(seen)

    _too_many_ids = staticmethod(too_many_ids)
    _invalid_page_token = staticmethod(invalid_page_token)
    _no_filter = staticmethod(no_filter)
    _incompatible = staticmethod(incompatible)
    _auth_required = staticmethod(auth_required)

    def _page(self, kind: str, scope: str, total: int, query: dict[str, str], per_page: int,
              make: Callable[[int, int], list[dict[str, Any]]], extra: Mapping[str, Any] | None = None) -> Response:
        """A paged list response: items [offset, offset+per_page) with next/prev tokens bound to ``scope``."""
        offset = 0
        token = query.get("pageToken", "")
        if token:
            got = _read_page_token(token, scope)
            if got is None or (got >= total and not (got == 0 and total == 0)):
                return self._invalid_page_token()
            offset = got
        end = min(total, offset + per_page)
        items = make(offset, end)
        body: dict[str, Any] = {"kind": kind, "etag": etag(kind, scope, offset, per_page, len(items))}
        if end < total and per_page > 0:
            body["nextPageToken"] = _page_token(scope, end)
        if offset > 0:
            body["prevPageToken"] = _page_token(scope, max(0, offset - per_page))
        if extra:
            body.update(extra)
        body["pageInfo"] = {"totalResults": total, "resultsPerPage": per_page}
        body["items"] = items
        return json_response(200, body)

    # -- channels.list -------------------------------------------------------------------------------

    def _channels(self, query: dict[str, str], parts: list[str]) -> Response:
        filters = [f for f in ("forHandle", "forUsername", "id", "mine", "managedByMe", "mySubscribers", "categoryId")
                   if f in query]
        if not filters:
            return self._no_filter("forHandle, forUsername, id, idParam, managedByMe, mine, mySubscribers, categoryId")
        if len(filters) > 1:
            return self._incompatible(filters)
        f = filters[0]
        if f in ("mine", "managedByMe", "mySubscribers"):
            return self._auth_required(f)
        per_page = self._max_results(query)
        if not isinstance(per_page, int):
            return per_page
        cat = self.catalog
        found: list[DemoChannel] = []
        if f == "id":
            ids = self._split_ids(query["id"])
            if len(ids) > MAX_IDS:
                return self._too_many_ids()
            found = [cat.channels[i] for i in ids if i in cat.channels]
            if len(found) < len(ids) and self.unknown_channel == "400":
                return unknown_channel_error()  # one unknown id fails the whole request, good ids with it
        elif f == "forHandle":
            ch = cat.channel_by_handle(query["forHandle"]) if query["forHandle"].strip() else None
            found = [ch] if ch else []
        elif f == "forUsername":
            ch = cat.channel_by_username(query["forUsername"]) if query["forUsername"].strip() else None
            found = [ch] if ch else []
        # forHandle / forUsername with an unknown name: still 200 without items (no report of a 400 for those)
        items = [cat.channel_resource(ch, parts) for ch in found]
        body: dict[str, Any] = {
            "kind": "youtube#channelListResponse",
            "etag": etag("channels", *(i["etag"] for i in items), per_page),
            "pageInfo": {"totalResults": len(items), "resultsPerPage": per_page},
        }
        if items:  # the real API leaves "items" out when nothing matched
            body["items"] = items
        return json_response(200, body)

    # -- videos.list ---------------------------------------------------------------------------------

    def _videos(self, query: dict[str, str], parts: list[str]) -> Response:
        filters = [f for f in ("id", "chart", "myRating") if f in query]
        if not filters:
            return self._no_filter("chart, id, idParam, myRating")
        if len(filters) > 1:
            return self._incompatible(filters)
        if filters[0] == "myRating":
            return self._auth_required("myRating")
        if filters[0] == "chart":
            return self._chart(query, parts)
        ids = self._split_ids(query["id"])
        if len(ids) > MAX_IDS:
            return self._too_many_ids()
        items = [self.catalog.video_resource(v, parts) for v in self._public(ids)]
        return json_response(200, {
            "kind": "youtube#videoListResponse",
            "etag": etag("videos", *(i["etag"] for i in items)),
            "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
            "items": items,
        })

    def _public(self, ids: list[str]) -> list[Any]:
        """The catalog records of ``ids`` that are public, in order (the rest is left out, as Google does)."""
        return [v for v in map(self.catalog.record, ids) if v is not None and v.availability == "public"]

    def _chart(self, query: dict[str, str], parts: list[str]) -> Response:
        """chart=mostPopular: the catalog's most viewed public videos (a plausible stand-in)."""
        if query["chart"] not in ("mostPopular", "chartUnspecified"):
            return error(400, f"Invalid value '{query['chart']}'.", "invalid", location="chart")
        per_page = self._max_results(query, lo=1)
        if not isinstance(per_page, int):
            return per_page
        pool = sorted((v for cid in self.catalog.channels for v in self.catalog.videos(cid)),
                      key=lambda v: (-v.views, v.id))[:200]

        def make(start: int, end: int) -> list[dict[str, Any]]:
            return [self.catalog.video_resource(v, parts) for v in pool[start:end]]

        return self._page("youtube#videoListResponse", "chart:mostPopular", len(pool), query, per_page, make)

    # -- videos.batchGetStats ------------------------------------------------------------------------

    def _batch_get_stats(self, query: dict[str, str], parts: list[str]) -> Response:
        """Statistics of up to 50 videos, as the reference page's response shows (developers.google.com/youtube/
        v3/docs/videos/batchGetStats, 2026): ``youtube#batchGetStatsResponse`` with ``items`` of
        ``youtube#videoStats`` (id, snippet.publishTime, statistics as strings, contentDetails.duration);
        not atomic: an invalid, missing or private id is simply left out of ``items`` (no pageInfo)."""
        if "id" not in query:
            return error(400, "Required parameter: id", "required", location="id")
        ids = self._split_ids(query["id"])
        if len(ids) > MAX_IDS:
            return self._too_many_ids()
        items = []
        for v in self._public(ids):
            vid = v.id
            full = self.catalog.video_resource(v, ("snippet", "statistics", "contentDetails"))
            item: dict[str, Any] = {"kind": "youtube#videoStats", "etag": etag("videoStats", vid, *sorted(parts)),
                                    "id": vid}
            if "snippet" in parts:
                item["snippet"] = {"publishTime": full["snippet"]["publishedAt"]}
            if "statistics" in parts:
                item["statistics"] = {k: v for k, v in full["statistics"].items() if k != "favoriteCount"}
            if "contentDetails" in parts:
                item["contentDetails"] = {k: v for k, v in full["contentDetails"].items() if k == "duration"}
            items.append(item)
        return json_response(200, {"kind": "youtube#batchGetStatsResponse",
                                   "etag": etag("batchGetStats", *(i["etag"] for i in items)), "items": items})

    # -- search.list ---------------------------------------------------------------------------------

    def _search(self, query: dict[str, str], parts: list[str]) -> Response:
        per_page = self._max_results(query)
        if not isinstance(per_page, int):
            return per_page
        q = query.get("q", "")
        types = {t.strip() for t in query.get("type", "").split(",") if t.strip()} or {"channel", "video", "playlist"}
        bad = types - {"channel", "video", "playlist"}
        if bad:
            return error(400, f"Invalid value '{sorted(bad)[0]}'.", "invalid", location="type")
        channel_id = query.get("channelId", "").strip() or None
        order = query.get("order", "relevance")
        if channel_id is not None and channel_id not in self.catalog.channels:
            found: list[DemoChannel | DemoVideo] = []
        else:
            found = []
            if "channel" in types:
                chans = self.catalog.search_channels(q)
                found += [c for c in chans if channel_id in (None, c.id)]
            if "video" in types and (q.strip() or channel_id):
                found += self.catalog.search_videos(q, channel_id, order)
        scope = "search:" + etag(q, sorted(types), channel_id, order)

        def make(start: int, end: int) -> list[dict[str, Any]]:
            return [self.catalog.search_result(item) for item in found[start:end]]

        return self._page("youtube#searchListResponse", scope, len(found), query, per_page, make,
                          extra={"regionCode": query.get("regionCode") or "US"})


__all__ = ["YouTubeEmulator", "Call", "QUOTA_MESSAGE", "MISSING_KEY_MESSAGE", "SEARCH_QUOTA_MESSAGE", "PLAYLIST_CAP",
           "SEARCH_DAILY_CALLS", "STATS_DAILY_CALLS", "STATS_QUOTA_MESSAGE", "key_invalid_error",
           "key_not_valid_error"]
