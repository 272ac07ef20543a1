"""The demo catalog the YouTube emulator serves: five channels, ~22,800 uploads, fully deterministic.

Everything is generated from fixed seeds (``random.Random(str)`` hashes the seed with SHA-512, so
PYTHONHASHSEED does not matter) against a fixed clock, ``DEMO_NOW``; nothing reads the real time.
The whole catalog builds in about 0.6 s and is immutable, so ``demo_catalog()``
builds it once per process. Tests that need a channel to change between two runs change a ``copy()``
(``add_uploads``, ``set_availability``).

Statistics look like YouTube's: each video's audience (``reach``) is lognormal around its channel's median
(sigma ``LONG_SIGMA``, wider ``SHORT_SIGMA`` for Shorts, which also reach further), so a channel has a few
videos far above the rest and no two alike; likes and comments are per-view rates. Its views follow
``growth``: a launch that saturates in days (Shorts faster) and a long tail that never stops.

The demo's clock: ``Catalog.at(now)`` is the same catalog at another moment, ``demo_catalog_at(now)`` the
demo's (cached): after DEMO_NOW each demo channel keeps uploading on its cadence (``UPLOAD_CADENCE``, drawn
from its own seed, so the uploads up to one day are the first of those up to any later day) and every video's
statistics grow along its curve; before DEMO_NOW the later uploads are not there yet. The emulator serves
the day its ``demo_clock.DemoClock`` says (kept in the data directory).

Channels (title, handle, extras):

* ``Y2S Demo Lab`` @y2sdemo, username ``y2sdemolab``: 150 public uploads plus 2 private and 1 deleted
  video, which its uploads playlist leaves out (as Google's does) and its ordinary playlist "Editing basics"
  (``EDITING_BASICS_ID``, a PL… id) shows as "Private video" / "Deleted video" placeholders; a UUSH
  playlist; every edge case (``Catalog.special``).
* ``Big Channel Demo`` @bigchannel: exactly 2,600 uploads, about 25 % Shorts; UUSH and the other tab
  playlists, UULF (long-form) and UULV (live streams).
* ``Huge Channel Demo`` @hugechannel: exactly 20,000 uploads, a news channel's mix (about 5,000 live
  streams and 4,300 Shorts since 2021); UUSH, UULF and UULV.
* ``Old School Tutorials`` @oldschool, username ``oldschooltuts2009``, custom name
  ``OldSchoolTutorials`` (found by search only): no UUSH playlist, 40 videos whose durations sit on
  both sides of the Shorts duration limits before and after 2024-10-15.
* ``Empty Channel`` @emptychannel: no uploads, hidden subscriber count, no country.

``Catalog.video(id)`` returns the API resource (every part) exactly as ``videos.list`` would;
``Catalog.expected_type(id)`` says what the architecture's type rule must make of it.

Tab playlists (undocumented, "The real APIs" in ARCHITECTURE.md): a channel with ``has_tab_playlists``
has UULF (its public long-form videos), UULV (its public streams: finished, live now or upcoming) beside
UUSH (its Shorts) and UU (every upload); every public upload is in exactly one tab (``tab_of``). A tab
with nothing in it does not exist (404 playlistNotFound), as YouTube answers for an empty one.
``with_tab_channel(n)`` adds ``@tabchannel``, a channel of n uploads split exactly between the three tabs
(past the 20,000 an uploads playlist lists: the benchmark's 45,000).
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, NamedTuple

DEMO_NOW = datetime(2026, 11, 1, 12, 0, 0, tzinfo=timezone.utc)
SHORTS_CUTOFF = datetime(2024, 10, 15, tzinfo=timezone.utc)  # Shorts may be up to 180 s from here on

_NOW = int(DEMO_NOW.timestamp())
_CUTOFF = int(SHORTS_CUTOFF.timestamp())
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_VIDEO_LAST = "AEIMQUYcgkosw048"  # a real video id is 64 bits: the 11th character carries 4 of them
_CHANNEL_LAST = "AQgw"  # a channel id is "UC" + 128 bits: the 22nd character carries 2 of them
SEED = "y2s-demo-catalog-v1"

VIDEO_PARTS = frozenset(
    {"id", "snippet", "contentDetails", "fileDetails", "liveStreamingDetails", "localizations",
     "paidProductPlacementDetails", "player", "processingDetails", "recordingDetails", "statistics",
     "status", "suggestions", "topicDetails"}
)
CHANNEL_PARTS = frozenset(
    {"id", "snippet", "contentDetails", "statistics", "status", "brandingSettings", "topicDetails",
     "localizations", "contentOwnerDetails", "auditDetails"}
)
PLAYLIST_ITEM_PARTS = frozenset({"id", "snippet", "contentDetails", "status"})
PLAYLIST_PARTS = frozenset({"id", "snippet", "contentDetails", "status", "player", "localizations"})
SEARCH_PARTS = frozenset({"id", "snippet"})


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())


def _utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> int:
    return _ts(datetime(y, mo, d, h, mi, s, tzinfo=timezone.utc))


def rfc3339(epoch: int, millis: bool = False) -> str:
    """1700000000 -> '2023-11-14T22:13:20Z' (or '...20.000Z' with ``millis``), as the API writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + (".000Z" if millis else "Z")


def iso_duration(seconds: int) -> str:
    """253 -> 'PT4M13S', 93784 -> 'P1DT2H3M4S', 3600 -> 'PT1H', 0 -> 'P0D' (the API's spelling)."""
    if seconds <= 0:
        return "P0D"
    d, rem = divmod(seconds, 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    t = (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s else "")
    return "P" + (f"{d}D" if d else "") + ("T" + t if t else "")


def etag(*parts: object) -> str:
    """A stable 27-character etag (urlsafe base64 of a SHA-1), like the API's."""
    digest = hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _channel_id(rng: random.Random) -> str:
    return "UC" + "".join(rng.choice(_B64) for _ in range(21)) + rng.choice(_CHANNEL_LAST)


class DemoChannel(NamedTuple):
    id: str
    title: str
    handle: str  # "@y2sdemo": snippet.customUrl
    username: str | None  # legacy username (channels.list forUsername)
    custom_name: str | None  # legacy custom URL name (/c/Name); search finds it, forHandle does not
    description: str
    published_at: str  # snippet.publishedAt, verbatim
    country: str | None
    subscribers: int
    hidden_subscribers: bool
    has_shorts_playlist: bool
    keywords: str
    has_tab_playlists: bool = False  # UULF and UULV beside UUSH (the tabs of the channel page)

    @property
    def uploads_playlist_id(self) -> str:
        return "UU" + self.id[2:]

    @property
    def shorts_playlist_id(self) -> str:
        return "UUSH" + self.id[2:]


class DemoVideo(NamedTuple):
    """One entry of an uploads playlist. ``availability`` != "public": listed, never returned by videos.list."""

    id: str
    channel_id: str
    title: str
    published: int  # snippet.publishedAt, epoch seconds (also the playlist item's publishedAt)
    duration: int | None  # seconds; None: contentDetails.duration is absent
    live: str  # liveBroadcastContent: none | live | upcoming
    stream: tuple[int | None, int | None, int | None, int | None] | None  # scheduled, start, end, viewers
    in_shorts: bool  # listed in the channel's UUSH playlist
    views: int
    likes: int | None  # None: hidden by the creator
    comments: int | None  # None: comments are off
    tags: tuple[str, ...]
    description: str
    category: str
    language: str | None  # snippet.defaultLanguage
    audio_language: str | None  # snippet.defaultAudioLanguage
    hd: bool
    caption: bool
    licensed: bool
    maxres: bool  # thumbnails include standard and maxres
    millis: bool  # publishedAt written with ".000Z"
    availability: str = "public"  # public | private | deleted
    # how the statistics move with the clock (``Catalog.at``): views(t) ~ reach * growth(age, tau)
    reach: float = 0.0  # the video's audience scale (0: its statistics never move)
    tau: float = 3.0  # days: the launch's time constant (most of the first burst is in by 3 tau)
    like_rate: float = 0.0  # likes per view, comments per view: what new views bring
    comment_rate: float = 0.0


def _round_subscribers(n: int) -> int:
    """The API rounds subscriber counts down to three significant figures."""
    if n < 1000:
        return n
    step = 10 ** (int(math.log10(n)) - 2)
    return n // step * step


GROWTH_TAIL = 0.12  # the long tail's weight: views keep coming for years, slower and slower
DAY = 86_400


def growth(age_seconds: float, tau_days: float) -> float:
    """A video's views at this age, as a share of its ``reach``: a launch that saturates (1 - exp(-t/tau): half
    of it in 0.7 tau) plus a long tail that never quite stops (GROWTH_TAIL * ln(1 + t/30 days)). 0 before it
    is published; about 1 after a month, 1.3 after a year, 1.6 after ten."""
    days = age_seconds / DAY
    if days <= 0:
        return 0.0
    return (1.0 - math.exp(-days / tau_days)) + GROWTH_TAIL * math.log1p(days / 30.0)


def aged(v: DemoVideo, t: int, base: int) -> DemoVideo:
    """``v`` (its statistics as they stood at ``base``) as it stands at ``t``: views along ``growth``, likes and
    comments with them. Later: what the curve adds since ``base``; earlier: the same curve scaled down, so the
    value at ``base`` is exact and every value is monotonic in ``t``."""
    if t == base or v.reach <= 0:
        return v
    g = growth(t - v.published, v.tau)
    g0 = growth(base - v.published, v.tau)
    if t > base:
        views = v.views + int(v.reach * (g - g0))
        dv = views - v.views
        likes = None if v.likes is None else v.likes + int(dv * v.like_rate)
        comments = None if v.comments is None else v.comments + int(dv * v.comment_rate)
    else:
        f = g / g0 if g0 > 0 else 0.0
        views = int(v.views * f)
        likes = None if v.likes is None else int(v.likes * f)
        comments = None if v.comments is None else int(v.comments * f)
    return v._replace(views=views, likes=likes, comments=comments)


_THUMB_SIZES = (
    ("default", "default", 120, 90),
    ("medium", "mqdefault", 320, 180),
    ("high", "hqdefault", 480, 360),
    ("standard", "sddefault", 640, 480),
    ("maxres", "maxresdefault", 1280, 720),
)


def video_thumbnails(v: DemoVideo, sizes: bool = True, upto: int | None = None) -> dict[str, Any]:
    suffix = "_live" if v.live != "none" else ""
    n = upto if upto is not None else (5 if v.maxres else 3)
    out: dict[str, Any] = {}
    for name, file, w, h in _THUMB_SIZES[:n]:
        url = f"https://i.ytimg.com/vi/{v.id}/{file}{suffix}.jpg"
        out[name] = {"url": url, "width": w, "height": h} if sizes else {"url": url}
    return out


def channel_thumbnails(ch: DemoChannel, sizes: bool = True) -> dict[str, Any]:
    token = etag("avatar", ch.id)[:22]
    out: dict[str, Any] = {}
    for name, px in (("default", 88), ("medium", 240), ("high", 800)):
        url = f"https://yt3.ggpht.com/ytc/{token}=s{px}-c-k-c0x00ffffff-no-rj"
        out[name] = {"url": url, "width": px, "height": px} if sizes else {"url": url}
    return out


TAB_PREFIXES = ("UULF", "UUSH", "UULV")  # long-form, Shorts, live: the channel page's tabs as playlists
_TAB_TITLES = {"UUSH": "Shorts", "UULF": "Videos", "UULV": "Live streams"}


def tab_of(v: DemoVideo) -> str:
    """The tab playlist a public upload is listed in: UUSH (a Short), UULV (a stream that started, is live or
    is scheduled), else UULF. A premiere cannot be told from a stream in this catalog; none of the tab
    channels has one."""
    if v.in_shorts:
        return "UUSH"
    if v.live != "none" or (v.stream is not None and v.stream[1] is not None):
        return "UULV"
    return "UULF"


def playlist_item_id(playlist_id: str, video_id: str) -> str:
    """As the API builds them: base64 of '<playlistId>.<16 hex digits>'."""
    tail = hashlib.md5(f"{playlist_id}/{video_id}".encode()).hexdigest()[:16].upper()
    return base64.b64encode(f"{playlist_id}.{tail}".encode()).decode("ascii")


# Where the uploads playlist's behaviour comes from: Google's pages do not say it in so many words; the public
# record does (found with the ``search`` tool): mattwright324/youtube-metadata, PR #56 (2021-12-12): "In normal
# playlists, unavailable videos still come back from playlistItems.list and show the title as deleted/private.
# The typical channel uploads playlist does not list deleted/private video ids." ARCHITECTURE.md ("The real
# APIs") says the same. So UU… (and the tab playlists UULF/UUSH/UULV) list public videos only, while an ordinary
# playlist (PL…) keeps a "Private video" / "Deleted video" placeholder in the private or deleted video's place.
UNLISTED_IN_UPLOADS = ("private", "deleted")


class UserPlaylist(NamedTuple):
    """An ordinary playlist a channel made (PL…): its videos in the owner's order, whatever became of them."""

    id: str
    channel_id: str
    title: str
    description: str
    published_at: str
    video_ids: tuple[str, ...]


def user_playlist_id(*seed: object) -> str:
    """'PL' + 32 characters, the shape of a modern playlist id (deterministic from ``seed``)."""
    digest = hashlib.sha256("\x1f".join(map(str, seed)).encode("utf-8")).digest()
    return "PL" + base64.urlsafe_b64encode(digest[:24]).decode("ascii")


class Catalog:
    """Immutable channels and videos plus the API resources built from them."""

    def __init__(self, channels: Iterable[DemoChannel], uploads: Mapping[str, list[DemoVideo]],
                 special: Mapping[str, str] | None = None,
                 playlists: Iterable[UserPlaylist] = ()) -> None:
        self.channels: dict[str, DemoChannel] = {c.id: c for c in channels}
        self._uploads: dict[str, tuple[DemoVideo, ...]] = {cid: tuple(vs) for cid, vs in uploads.items()}
        self._records: dict[str, DemoVideo] = {v.id: v for vs in self._uploads.values() for v in vs}
        self._public: dict[str, tuple[DemoVideo, ...]] = {
            cid: tuple(v for v in vs if v.availability == "public") for cid, vs in self._uploads.items()
        }
        # The uploads playlist (UU…) lists only public uploads: private and deleted videos are left out, while an
        # ordinary playlist keeps them as "Private video" / "Deleted video" placeholders (see UNLISTED_IN_UPLOADS).
        self._upload_ids = {cid: tuple(v.id for v in vs) for cid, vs in self._public.items()}
        self._shorts_records: dict[str, tuple[DemoVideo, ...]] = {
            cid: tuple(v for v in vs if v.in_shorts)
            for cid, vs in self._public.items()
            if self.channels[cid].has_shorts_playlist
        }
        self.user_playlists: dict[str, UserPlaylist] = {p.id: p for p in playlists}
        self._shorts = {cid: tuple(v.id for v in vs) for cid, vs in self._shorts_records.items()}
        self._tab_records: dict[str, dict[str, tuple[DemoVideo, ...]]] = {}
        for cid, vs in self._uploads.items():
            if self.channels[cid].has_tab_playlists:
                tabs: dict[str, list[DemoVideo]] = {"UULF": [], "UULV": []}
                for v in vs:
                    if v.availability == "public" and not v.in_shorts:
                        tabs[tab_of(v)].append(v)
                self._tab_records[cid] = {prefix: tuple(found) for prefix, found in tabs.items()}
        self.special: dict[str, str] = dict(special or {})
        self._by_handle = {c.handle.lower(): c for c in self.channels.values()}
        self._by_username = {c.username.lower(): c for c in self.channels.values() if c.username}
        self._by_custom = {c.custom_name.lower(): c for c in self.channels.values() if c.custom_name}
        self._stats = {
            cid: (sum(v.views for v in vs), len(vs)) for cid, vs in self._public.items()
        }
        self.now: int = _NOW  # the moment the statistics stand at (``at`` moves it)
        self._origin: Catalog = self  # the catalog ``at`` starts from (the one generated at DEMO_NOW)
        self._shared = False  # a cached catalog (the demo's, or one of its days): never changed in place

    # -- the clock: the same channels at another moment ---------------------------------------------------

    def at(self, now: datetime | int) -> Catalog:
        """This catalog as it stands at ``now`` (a datetime or epoch seconds): later, each demo channel has
        uploaded on its cadence (``UPLOAD_CADENCE``, deterministic: the uploads up to a day are the first ones
        of those up to any later day) and every video's views, likes and comments grew (``growth``); earlier,
        the videos published since are not there yet and the statistics are lower. ``at(DEMO_NOW)`` is the
        catalog itself. Built from the catalog generated at DEMO_NOW, whichever catalog it is called on."""
        t = _ts(now) if isinstance(now, datetime) else int(now)
        origin = self._origin
        if t == origin.now:
            return origin
        base = origin.now
        uploads: dict[str, list[DemoVideo]] = {}
        for cid, vs in origin._uploads.items():
            fresh = origin._future(cid, t) if t > base else []
            uploads[cid] = fresh + [aged(v, t, base) for v in vs if v.published <= t]
        out = Catalog(origin.channels.values(), uploads, origin.special, origin.user_playlists.values())
        out.now, out._origin = t, origin
        return out

    def _future(self, channel_id: str, t: int) -> list[DemoVideo]:
        """The uploads the channel made after this catalog's ``now`` up to ``t``, newest first, as they stand at
        ``t``."""
        ch = self.channels[channel_id]
        cadence = UPLOAD_CADENCE.get(ch.handle)
        if cadence is None or ch.id not in _DEMO_IDS:
            return []
        every_days, short_share, live_share, median = cadence
        gen = _Gen(ch, set(self._records))
        gen.rng = random.Random(f"{SEED}:{ch.handle}:future")
        rnd = gen.rng.random
        out: list[DemoVideo] = []
        ts = self.now
        while True:
            ts += max(60, int(-math.log(1.0 - rnd()) * every_days * DAY))
            if ts > t:
                break
            v = gen.one(ts, short_share=short_share, shorts_from=0, live_share=live_share, median_views=median)
            if v.stream is not None and v.stream[2] is not None and v.stream[2] > t:  # a stream still going on
                scheduled, start, _end, _ = v.stream
                if start is not None and start <= t:
                    v = v._replace(live="live", duration=0, stream=(scheduled, start, None, 50 + int(v.reach / 200)))
                else:
                    v = v._replace(live="upcoming", duration=0, stream=(scheduled, None, None, None), reach=0.0)
            out.append(aged(v, t, ts))
        out.reverse()
        return out

    # -- test hooks: a channel that changes between two runs (on a copy; the demo catalog never changes) ---

    def copy(self) -> Catalog:
        """A copy that ``add_uploads`` and ``set_availability`` may change."""
        out = Catalog(self.channels.values(), {cid: list(vs) for cid, vs in self._uploads.items()}, self.special,
                      self.user_playlists.values())
        out.now = self.now
        return out

    def add_uploads(self, channel_id: str, n: int, *, shorts_every: int = 4, step: int = 3600) -> list[DemoVideo]:
        """``n`` new public uploads on top of the channel's uploads playlist (newest first, returned so).

        Deterministic: drawn from a generator seeded by the channel and how many were added before;
        published ``step`` seconds apart after the newest upload; every ``shorts_every``-th one is a
        Short (listed in UUSH when the channel has that playlist). The ids never collide with the catalog's.
        """
        self._check_mutable()
        ch = self.channels[channel_id]
        added = getattr(self, "_added", {}).get(channel_id, 0)
        gen = _Gen(ch, set(self._records))
        gen.rng = random.Random(f"{SEED}:{ch.handle}:added:{added}")
        top = max((v.published for v in self._uploads.get(channel_id, ())), default=_NOW)
        new = [gen.draw(top + step * (i + 1), bool(shorts_every) and (added + i) % shorts_every == shorts_every - 1,
                        8000.0) for i in range(n)]
        new.reverse()
        uploads = {cid: list(vs) for cid, vs in self._uploads.items()}
        uploads[channel_id] = new + uploads.get(channel_id, [])
        self._rebuild(uploads, {**getattr(self, "_added", {}), channel_id: added + n})
        return new

    def set_availability(self, video_id: str, availability: str) -> None:
        """Make a video private or deleted (gone from the uploads playlist and its tabs, a placeholder in an
        ordinary playlist, never returned by videos.list), or public again."""
        self._check_mutable()
        v = self._records[video_id]
        uploads = {cid: [x._replace(availability=availability) if x.id == video_id else x for x in vs]
                   for cid, vs in self._uploads.items()}
        self._rebuild(uploads, getattr(self, "_added", {}))
        assert self._records[v.id].availability == availability

    def _check_mutable(self) -> None:
        if self is _cached or self._shared:
            raise RuntimeError("the shared demo catalog never changes: change a copy() (YouTubeEmulator(catalog))")

    def _rebuild(self, uploads: Mapping[str, list[DemoVideo]], added: Mapping[str, int]) -> None:
        now = self.now
        self.__init__(self.channels.values(), uploads, self.special, self.user_playlists.values())  # type: ignore[misc]
        self._added = dict(added)
        self.now = now  # a changed catalog is its own origin: ``at`` ages it from where it stands

    # -- lookups ---------------------------------------------------------------------------------------

    def channel_by_handle(self, handle: str) -> DemoChannel | None:
        """'@y2sdemo', 'y2sdemo', '@Y2SDemo' -> the channel (case-insensitive)."""
        h = handle.strip().lower()
        return self._by_handle.get(h if h.startswith("@") else "@" + h)

    def channel_by_username(self, username: str) -> DemoChannel | None:
        return self._by_username.get(username.strip().lower())

    def channel_by_custom_name(self, name: str) -> DemoChannel | None:
        return self._by_custom.get(name.strip().lower())

    def channel_by_title(self, title: str) -> DemoChannel | None:
        t = title.strip().lower()
        return next((c for c in self.channels.values() if c.title.lower() == t), None)

    def uploads(self, channel_id: str) -> list[str]:
        """Every id the uploads playlist lists, newest first: the public uploads (private and deleted videos are
        left out, as Google's uploads playlist does)."""
        return list(self._upload_ids.get(channel_id, ()))

    def all_uploads(self, channel_id: str) -> list[str]:
        """Every upload of the channel, newest first, private and deleted ones included (what its owner sees in
        YouTube Studio; no public list shows them all)."""
        return [v.id for v in self._uploads.get(channel_id, ())]

    def playlists_of(self, channel_id: str) -> list[UserPlaylist]:
        """The channel's ordinary (user-made) playlists, as playlists.list?channelId= lists them."""
        return [p for p in self.user_playlists.values() if p.channel_id == channel_id]

    def shorts(self, channel_id: str) -> list[str] | None:
        """The UUSH playlist's ids, newest first; None when the channel has no such playlist (404)."""
        ids = self._shorts.get(channel_id)
        return None if ids is None else list(ids)

    def tabs(self, channel_id: str) -> dict[str, list[str]] | None:
        """{"UULF": ids, "UUSH": ids, "UULV": ids}, newest first; None when the channel has no tab playlists."""
        if channel_id not in self._tab_records:
            return None
        out = {prefix: [v.id for v in found] for prefix, found in self._tab_records[channel_id].items()}
        return {"UULF": out["UULF"], "UUSH": list(self._shorts.get(channel_id, ())), "UULV": out["UULV"]}

    def record(self, video_id: str) -> DemoVideo | None:
        """The raw record, private and deleted entries included."""
        return self._records.get(video_id)

    def videos(self, channel_id: str) -> list[DemoVideo]:
        """The channel's public videos (what videos.list returns), newest first."""
        return list(self._public.get(channel_id, ()))

    def playlist(self, playlist_id: str) -> tuple[DemoChannel, tuple[DemoVideo, ...]] | None:
        """(owner, entries) for an existing playlist, else None: UU…/UUSH…/UULF…/UULV… (public videos only, newest
        first) or an ordinary PL… playlist (in its own order, private and deleted entries included)."""
        user = self.user_playlists.get(playlist_id)
        if user is not None:
            return self.channels[user.channel_id], tuple(
                self._records[i] for i in user.video_ids if i in self._records)
        if playlist_id.startswith(("UULF", "UULV")) and "UC" + playlist_id[4:] in self._tab_records:
            cid = "UC" + playlist_id[4:]
            return self.channels[cid], self._tab_records[cid][playlist_id[:4]]
        if playlist_id.startswith("UUSH") and "UC" + playlist_id[4:] in self._shorts_records:
            cid = "UC" + playlist_id[4:]
            return self.channels[cid], self._shorts_records[cid]
        if playlist_id.startswith("UU") and "UC" + playlist_id[2:] in self._public:
            cid = "UC" + playlist_id[2:]
            return self.channels[cid], self._public[cid]
        return None

    def expected_type(self, video_id: str) -> str | None:
        """Short | Long | Live | Upcoming by the architecture's rule; None for private/deleted ids.

        Live-ish videos are decided first (their duration is P0D, which must not read as a Short).
        """
        v = self._records.get(video_id)
        if v is None or v.availability != "public":
            return None
        if v.live == "upcoming":
            return "Upcoming"
        if self.channels[v.channel_id].has_shorts_playlist:
            if v.in_shorts:
                return "Short"
        elif v.duration is not None and v.live == "none" and (
            v.duration <= 180 if v.published >= _CUTOFF else v.duration <= 60
        ):
            return "Short"
        if v.stream is not None and v.stream[1] is not None:
            return "Live"
        return "Long"

    # -- API resources -------------------------------------------------------------------------------

    def video(self, video_id: str) -> dict[str, Any] | None:
        """The videos.list resource with every part; None for unknown, private and deleted ids."""
        v = self._records.get(video_id)
        if v is None or v.availability != "public":
            return None
        return self.video_resource(v, ("snippet", "contentDetails", "status", "statistics", "player",
                                       "liveStreamingDetails"))

    def channel(self, channel_id: str) -> dict[str, Any] | None:
        ch = self.channels.get(channel_id)
        return None if ch is None else self.channel_resource(ch, ("snippet", "contentDetails", "statistics"))

    def channel_live_state(self, channel_id: str) -> str:
        vs = self._public.get(channel_id, ())
        if any(v.live == "live" for v in vs):
            return "live"
        if any(v.live == "upcoming" for v in vs):
            return "upcoming"
        return "none"

    def channel_resource(self, ch: DemoChannel, parts: Iterable[str]) -> dict[str, Any]:
        parts = set(parts)
        r: dict[str, Any] = {"kind": "youtube#channel", "etag": etag("channel", ch.id, *sorted(parts)),
                             "id": ch.id}
        if "snippet" in parts:
            sn: dict[str, Any] = {
                "title": ch.title,
                "description": ch.description,
                "customUrl": ch.handle.lower(),
                "publishedAt": ch.published_at,
                "thumbnails": channel_thumbnails(ch),
                "localized": {"title": ch.title, "description": ch.description},
            }
            if ch.country:
                sn["country"] = ch.country
            r["snippet"] = sn
        if "contentDetails" in parts:
            r["contentDetails"] = {"relatedPlaylists": {"likes": "", "uploads": ch.uploads_playlist_id}}
        if "statistics" in parts:
            views, count = self._stats.get(ch.id, (0, 0))
            st: dict[str, Any] = {"viewCount": str(views)}
            if not ch.hidden_subscribers:
                st["subscriberCount"] = str(_round_subscribers(ch.subscribers))
            st["hiddenSubscriberCount"] = ch.hidden_subscribers
            st["videoCount"] = str(count)
            r["statistics"] = st
        if "status" in parts:
            r["status"] = {"privacyStatus": "public", "isLinked": True, "longUploadsStatus": "longUploadsUnspecified",
                           "madeForKids": False}
        if "brandingSettings" in parts:
            bs: dict[str, Any] = {"title": ch.title, "description": ch.description, "keywords": ch.keywords}
            if ch.country:
                bs["country"] = ch.country
            r["brandingSettings"] = {"channel": bs, "image": {
                "bannerExternalUrl": f"https://yt3.googleusercontent.com/{etag('banner', ch.id)}"}}
        return r

    def video_resource(self, v: DemoVideo, parts: Iterable[str]) -> dict[str, Any]:
        parts = set(parts)
        ch = self.channels[v.channel_id]
        r: dict[str, Any] = {"kind": "youtube#video", "etag": etag("video", v.id, *sorted(parts)), "id": v.id}
        if "snippet" in parts:
            sn: dict[str, Any] = {
                "publishedAt": rfc3339(v.published, v.millis),
                "channelId": ch.id,
                "title": v.title,
                "description": v.description,
                "thumbnails": video_thumbnails(v),
                "channelTitle": ch.title,
            }
            if v.tags:
                sn["tags"] = list(v.tags)
            sn["categoryId"] = v.category
            sn["liveBroadcastContent"] = v.live
            if v.language:
                sn["defaultLanguage"] = v.language
            sn["localized"] = {"title": v.title, "description": v.description}
            if v.audio_language:
                sn["defaultAudioLanguage"] = v.audio_language
            r["snippet"] = sn
        if "contentDetails" in parts:
            cd: dict[str, Any] = {}
            if v.duration is not None:
                cd["duration"] = iso_duration(v.duration)
            cd.update(dimension="2d", definition="hd" if v.hd else "sd", caption="true" if v.caption else "false",
                      licensedContent=v.licensed, contentRating={}, projection="rectangular")
            r["contentDetails"] = cd
        if "status" in parts:
            r["status"] = {
                "uploadStatus": "processed" if v.live == "none" else "uploaded",
                "privacyStatus": "public",
                "license": "youtube",
                "embeddable": True,
                "publicStatsViewable": True,
                "madeForKids": False,
            }
        if "statistics" in parts:
            st: dict[str, Any] = {"viewCount": str(v.views)}
            if v.likes is not None:
                st["likeCount"] = str(v.likes)
            st["favoriteCount"] = "0"
            if v.comments is not None:
                st["commentCount"] = str(v.comments)
            r["statistics"] = st
        if "player" in parts:
            r["player"] = {"embedHtml": (
                f'<iframe width="480" height="270" src="//www.youtube.com/embed/{v.id}" frameborder="0" '
                'allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; '
                'picture-in-picture; web-share" referrerpolicy="strict-origin-when-cross-origin" '
                "allowfullscreen></iframe>")}
        if "liveStreamingDetails" in parts and v.stream is not None:
            scheduled, start, end, viewers = v.stream
            lsd: dict[str, Any] = {}
            if start is not None:
                lsd["actualStartTime"] = rfc3339(start)
            if end is not None:
                lsd["actualEndTime"] = rfc3339(end)
            if scheduled is not None:
                lsd["scheduledStartTime"] = rfc3339(scheduled)
            if viewers is not None:
                lsd["concurrentViewers"] = str(viewers)
            if v.live != "none":
                lsd["activeLiveChatId"] = "Cg0KC" + etag("chat", v.id)[:30]
            r["liveStreamingDetails"] = lsd
        return r

    def playlist_item_resource(self, owner: DemoChannel, playlist_id: str, position: int, v: DemoVideo,
                               parts: Iterable[str]) -> dict[str, Any]:
        parts = set(parts)
        public = v.availability == "public"
        r: dict[str, Any] = {"kind": "youtube#playlistItem",
                             "etag": etag("pli", playlist_id, v.id, position, *sorted(parts)),
                             "id": playlist_item_id(playlist_id, v.id)}
        if "snippet" in parts:
            if public:
                title, desc, thumbs = v.title, v.description, video_thumbnails(v)
            elif v.availability == "private":
                title, desc, thumbs = "Private video", "This video is private.", {}
            else:
                title, desc, thumbs = "Deleted video", "This video is unavailable.", {}
            sn: dict[str, Any] = {
                "publishedAt": rfc3339(v.published),
                "channelId": owner.id,
                "title": title,
                "description": desc,
                "thumbnails": thumbs,
                "channelTitle": owner.title,
                "playlistId": playlist_id,
                "position": position,
                "resourceId": {"kind": "youtube#video", "videoId": v.id},
            }
            if public:
                sn["videoOwnerChannelTitle"] = owner.title
                sn["videoOwnerChannelId"] = owner.id
            r["snippet"] = sn
        if "contentDetails" in parts:
            cd: dict[str, Any] = {"videoId": v.id}
            if public:
                cd["videoPublishedAt"] = rfc3339(v.published)
            r["contentDetails"] = cd
        if "status" in parts:
            r["status"] = {"privacyStatus": {"public": "public", "private": "private"}.get(
                v.availability, "privacyStatusUnspecified")}
        return r

    def playlist_resource(self, playlist_id: str, parts: Iterable[str]) -> dict[str, Any] | None:
        found = self.playlist(playlist_id)
        if found is None:
            return None
        owner, entries = found
        parts = set(parts)
        user = self.user_playlists.get(playlist_id)
        if user is not None:
            title, description, published = user.title, user.description, user.published_at
        else:
            title, description, published = (_TAB_TITLES.get(playlist_id[:4]) or f"Uploads from {owner.title}", "",
                                             owner.published_at)
        r: dict[str, Any] = {"kind": "youtube#playlist", "etag": etag("pl", playlist_id, *sorted(parts)),
                             "id": playlist_id}
        if "snippet" in parts:
            newest = next((v for v in entries if v.availability == "public"), None)
            r["snippet"] = {
                "publishedAt": published,
                "channelId": owner.id,
                "title": title,
                "description": description,
                "thumbnails": video_thumbnails(newest) if newest else {},
                "channelTitle": owner.title,
                "localized": {"title": title, "description": description},
            }
        if "status" in parts:
            r["status"] = {"privacyStatus": "public"}
        if "contentDetails" in parts:
            r["contentDetails"] = {"itemCount": len(entries)}
        if "player" in parts:
            r["player"] = {"embedHtml": (
                f'<iframe width="640" height="360" src="http://www.youtube.com/embed/videoseries?list={playlist_id}" '
                'frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; '
                'picture-in-picture; web-share" referrerpolicy="strict-origin-when-cross-origin" '
                "allowfullscreen></iframe>")}
        return r

    def search_result(self, item: DemoChannel | DemoVideo) -> dict[str, Any]:
        if isinstance(item, DemoChannel):
            return {
                "kind": "youtube#searchResult",
                "etag": etag("sr", item.id),
                "id": {"kind": "youtube#channel", "channelId": item.id},
                "snippet": {
                    "publishedAt": item.published_at,
                    "channelId": item.id,
                    "title": item.title,
                    "description": _snip(item.description),
                    "thumbnails": channel_thumbnails(item, sizes=False),
                    "channelTitle": item.title,
                    "liveBroadcastContent": self.channel_live_state(item.id),
                    "publishTime": item.published_at,
                },
            }
        ch = self.channels[item.channel_id]
        published = rfc3339(item.published)
        return {
            "kind": "youtube#searchResult",
            "etag": etag("sr", item.id),
            "id": {"kind": "youtube#video", "videoId": item.id},
            "snippet": {
                "publishedAt": published,
                "channelId": ch.id,
                "title": item.title,
                "description": _snip(item.description),
                "thumbnails": video_thumbnails(item, upto=3),
                "channelTitle": ch.title,
                "liveBroadcastContent": item.live,
                "publishTime": published,
            },
        }

    # -- search ----------------------------------------------------------------------------------------

    def search_channels(self, q: str) -> list[DemoChannel]:
        """Channels whose title, handle, username or custom name match ``q`` (case-insensitive), best first."""
        scored = []
        for ch in self.channels.values():
            names = [ch.title, ch.handle.lstrip("@"), ch.username or "", ch.custom_name or ""]
            score = max(_match_score(q, n) for n in names)
            if score > 0 or not q.strip():
                scored.append((-score, -ch.subscribers, ch.title, ch))
        scored.sort(key=lambda t: t[:3])
        return [t[3] for t in scored]

    def search_videos(self, q: str, channel_id: str | None = None, order: str = "relevance") -> list[DemoVideo]:
        """Public videos whose title contains every word of ``q``; newest first for ``order=date``."""
        words = q.lower().split()
        pool = self._public.get(channel_id, ()) if channel_id else [
            v for vs in self._public.values() for v in vs]
        hits = [v for v in pool if all(w in v.title.lower() for w in words)]
        if order == "date":
            hits.sort(key=lambda v: -v.published)
        elif order == "viewCount":
            hits.sort(key=lambda v: -v.views)
        elif words:
            hits.sort(key=lambda v: (-_match_score(q, v.title), -v.views))
        return hits


def _squash(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


def _match_score(q: str, name: str) -> int:
    """3 exact, 2 prefix, 1 substring, 0 none; ignores case, spaces and punctuation ('@', '-')."""
    a, b = _squash(q), _squash(name)
    if not a or not b:
        return 0
    if a == b:
        return 3
    if b.startswith(a):
        return 2
    return 1 if a in b else 0


def _snip(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 4].rstrip() + " ..."


# -- generation ------------------------------------------------------------------------------------------

_TOPICS = (
    "Color grading", "Audio cleanup", "Keyframes", "Timeline tricks", "Lighting", "Camera settings",
    "Export presets", "Motion tracking", "B-roll", "Thumbnails", "Sound design", "Proxy workflow", "Multicam",
    "Subtitles", "Green screen", "LUTs", "Drone footage", "Time-lapse", "Interview setup", "Gimbal moves",
    "Storyboarding", "Jump cuts", "Slow motion", "Mic placement",
)
_LONG_FORMS = (
    "{t} in 5 minutes", "{t}: the complete guide", "Why your {l} looks bad", "{t} for beginners",
    "10 {l} mistakes to avoid", "I tried {l} for 30 days", "{t}, part {n}", "Q&A: {l}",
    "{t} vs. everything else", "Fixing {l} in post", "The truth about {l}", "{t} workflow walkthrough",
)
_SHORT_FORMS = (
    "{t} in 30 seconds #shorts", "Quick tip: {l} #shorts", "{t} hack 🤯", "One {l} trick #shorts",
    "{t} before/after", "Stop doing this with {l} #shorts",
)
_TAG_POOL = (
    "editing", "tutorial", "video editing", "premiere pro", "davinci resolve", "filmmaking", "youtube tips",
    "color grading", "audio", "camera", "how to", "beginner", "workflow", "creator", "post production",
)
_CATEGORIES = ("22", "27", "28", "24", "26", "1")
_DESCRIPTIONS = (
    "{title}\n\nEverything from this video, step by step.\n\nChapters:\n0:00 Intro\n1:05 The setup\n"
    "4:30 Wrap-up\n\nGear I use → https://example.com/gear\nSubscribe → https://www.youtube.com/{handle}",
    "{title}. Project files: https://example.com/files — questions welcome in the comments!",
    "",
    "New here? Start with the playlist: https://www.youtube.com/{handle}/playlists\n\n#editing #tutorial",
    "{title}\n\nSponsored by nobody. All opinions are mine.",
)


_NORMALS = tuple(rng.gauss(0.0, 1.0) for rng in [random.Random(f"{SEED}:normals")] for _ in range(4096))
_SQRT_HALF = math.sqrt(0.5)
LONG_SIGMA = 1.2  # the spread of log(views) around a channel's median, long videos
SHORT_SIGMA = 1.5  # and Shorts (a few take off, most do not)
_TAG_SETS = tuple(
    tuple(rng.sample(_TAG_POOL, 1 + rng.randrange(7))) for rng in [random.Random(f"{SEED}:tags")] for _ in range(64)
)


class _Gen:
    """Draws one channel's videos from its own seeded generator (a fast path: ~5 µs a video)."""

    def __init__(self, channel: DemoChannel, used_ids: set[str]) -> None:
        self.ch = channel
        self.rng = random.Random(f"{SEED}:{channel.handle}")
        self.used = used_ids
        self._titles: dict[tuple[int, int, int, int], str] = {}
        self._descs: dict[tuple[int, str], str] = {}

    def new_id(self) -> str:
        while True:
            vid = base64.urlsafe_b64encode(self.rng.getrandbits(64).to_bytes(8, "big"))[:11].decode("ascii")
            if vid not in self.used:
                self.used.add(vid)
                return vid

    def times(self, n: int, start: int, end: int) -> list[int]:
        """``n`` distinct publish times in [start, end], newest first."""
        rnd = self.rng.random
        span = end - start
        out = sorted((start + int(rnd() * span) for _ in range(n)), reverse=True)
        for i in range(1, n):  # strictly decreasing
            if out[i] >= out[i - 1]:
                out[i] = out[i - 1] - 1
        return out

    def draw(self, published: int, short: bool, median_views: float) -> DemoVideo:
        """One ordinary public video (a Short in the UUSH playlist when ``short``)."""
        vid = self.new_id()
        a = self.rng.getrandbits(64)
        b = self.rng.getrandbits(64)
        key = (short, b % 24, (b >> 5) % 12, (b >> 9) % 9)
        title = self._titles.get(key)
        if title is None:
            topic = _TOPICS[key[1]]
            forms = _SHORT_FORMS if short else _LONG_FORMS
            title = forms[key[2] % len(forms)].format(t=topic, l=topic.lower(), n=key[3] + 1)
            self._titles[key] = title
        tpl = (b >> 13) % len(_DESCRIPTIONS)
        desc = self._descs.get((tpl, title))
        if desc is None:
            desc = self._descs[(tpl, title)] = _DESCRIPTIONS[tpl].format(title=title, handle=self.ch.handle)
        if short:
            d = (b >> 36) & 1023
            duration = 8 + d % 53 if (published < _CUTOFF or d < 717) else 61 + d % 120
        else:
            duration = int(min(4 * 3600, max(95, math.exp(6.4 + 0.75 * _NORMALS[(a >> 47) & 4095]))))
        # heavy-tailed, as views are: lognormal around the channel's median (a standard normal from two table
        # draws, so 20,000 videos get 20,000 different values); Shorts reach further and spread wider, and their
        # launch is quicker; likes and comments are per-view rates (Shorts: more likes, fewer comments)
        z = (_NORMALS[(a >> 35) & 4095] + _NORMALS[(b >> 46) & 4095]) * _SQRT_HALF
        spread = (0.6 + 0.8 * ((b >> 58) & 63) / 63)
        if short:
            reach, tau = median_views * 1.6 * math.exp(SHORT_SIGMA * z), 1.5 * spread
        else:
            reach, tau = median_views * math.exp(LONG_SIGMA * z), 4.0 * spread
        views = int(reach * growth(_NOW - published, tau))
        like_rate = (0.01 + 0.05 * ((b >> 16) & 1023) / 1024) * (1.3 if short else 1.0)
        comment_rate = (0.0005 + 0.004 * ((b >> 26) & 1023) / 1024) * (0.4 if short else 1.0)
        likes = None if a & 31 == 0 else int(views * like_rate)
        comments = None if (a >> 5) & 31 == 0 else int(views * comment_rate)
        tags: tuple[str, ...] = ()
        if (a >> 10) & 3:
            tags = _TAG_SETS[(a >> 12) & 63] + (("shorts",) if short else ())
        lang = (a >> 18) & 7
        return DemoVideo(
            vid, self.ch.id, title, published, duration, "none", None, short, views, likes, comments, tags, desc,
            _CATEGORIES[((a >> 59) & 31) % len(_CATEGORIES)],
            "en" if lang < 3 else None,
            None if lang == 7 else ("en-US" if lang == 6 else "en"),
            (a >> 23) & 31 < 30, bool((a >> 21) & 1), bool((a >> 22) & 1), (a >> 28) & 15 < 14,
            (a >> 32) & 7 < 2, "public", reach, tau, like_rate, comment_rate,
        )

    def video(self, *, published: int, short: bool = False, median_views: float = 8000.0,
              **overrides: Any) -> DemoVideo:
        """A drawn video with some fields fixed (title, duration, views, likes, ...). Fixed views (> 0) fix the
        video's reach too, so that it grows from there; fixed likes or comments fix their rates."""
        v = self.draw(published, short, median_views)
        if not overrides:
            return v
        v = v._replace(**overrides)
        if overrides.get("views") and "reach" not in overrides:
            g = growth(_NOW - v.published, v.tau)
            v = v._replace(reach=v.views / g if g > 0 else v.reach)
        if v.views > 0:
            if overrides.get("likes") is not None and "like_rate" not in overrides:
                v = v._replace(like_rate=v.likes / v.views)
            if overrides.get("comments") is not None and "comment_rate" not in overrides:
                v = v._replace(comment_rate=v.comments / v.views)
        return v

    def live_stream(self, published: int, duration: int, **overrides: Any) -> DemoVideo:
        """A finished live stream: liveStreamingDetails with actual start and end, a real duration."""
        start = published + 30 + int(self.rng.random() * 240)
        return self.video(published=published, duration=duration, stream=(published, start, start + duration, None),
                          **overrides)

    def bulk(self, n: int, start: int, end: int, *, short_share: float, shorts_from: int, live_share: float,
             median_views: float) -> list[DemoVideo]:
        return [self.one(ts, short_share=short_share, shorts_from=shorts_from, live_share=live_share,
                         median_views=median_views) for ts in self.times(n, start, end)]

    def one(self, ts: int, *, short_share: float, shorts_from: int, live_share: float,
            median_views: float) -> DemoVideo:
        """One upload of a channel's mix: a Short, a finished live stream, a very short non-Short or a long one."""
        rnd = self.rng.random
        roll = rnd()
        if ts >= shorts_from and roll < short_share:
            return self.draw(ts, True, median_views)
        if roll > 1 - live_share:
            dur = 3600 + int(rnd() * 3 * 3600)
            topic = _TOPICS[int(rnd() * len(_TOPICS))]
            return self.live_stream(ts, dur, title=f"LIVE: {topic} workshop", median_views=median_views)
        if roll > 1 - live_share - 0.01:  # a few very short videos that are not Shorts
            return self.draw(ts, False, median_views)._replace(duration=20 + int(rnd() * 40))
        return self.draw(ts, False, median_views)


_TITLE_100 = ("A deliberately long title that fills every one of the one hundred characters YouTube allows ok")
_TITLE_100 = _TITLE_100 + "!" * (100 - len(_TITLE_100))


def _demo_lab(g: _Gen) -> tuple[list[DemoVideo], dict[str, str]]:
    special: dict[str, str] = {}
    vs: list[DemoVideo] = []

    def add(key: str | None, v: DemoVideo) -> None:
        if key:
            special[key] = v.id
        vs.append(v)

    add("long_short", g.video(published=_utc(2025, 3, 14, 16, 0, 0), title="Three and a half minutes of Shorts #shorts",
                              duration=210, short=True, tags=("shorts", "editing")))
    add("short_58s_not_in_uush", g.video(published=_utc(2025, 6, 2, 9, 30, 0), title="58-second teaser (not a Short)",
                                         duration=58))
    add("short_before_cutoff", g.video(published=_utc(2024, 2, 10, 19, 45, 12), title="Old-style Short #shorts",
                                       duration=45, short=True))
    add("short_180_on_cutoff", g.video(published=_CUTOFF, title="Exactly three minutes #shorts", duration=180,
                                       short=True))
    add("live_past", g.live_stream(_utc(2025, 8, 20, 18, 0, 0), 5530, title="Live: editing Q&A",
                                   median_views=6000))
    add("live_marathon", g.live_stream(_utc(2024, 12, 31, 12, 0, 0), 93784, title="24h editing marathon (live)",
                                       median_views=9000))
    add("live_past_2", g.live_stream(_utc(2026, 2, 11, 20, 0, 0), 7200, title="Live from the studio"))
    add("upcoming", g.video(published=_utc(2026, 10, 28, 10, 0, 0), title="Y2S live: ask me anything (upcoming)",
                            duration=0, live="upcoming", stream=(_utc(2026, 11, 4, 18, 0, 0), None, None, None),
                            views=0, likes=0, comments=None, maxres=False, reach=0.0))
    add("live_now", g.video(published=_utc(2026, 11, 1, 11, 15, 0), title="LIVE NOW: building the demo lab",
                            duration=0, live="live",
                            stream=(_utc(2026, 11, 1, 11, 15, 0), _utc(2026, 11, 1, 11, 14, 42), None, 1234),
                            views=3456, likes=210, comments=88))
    add("premiere_no_duration", g.video(published=_utc(2026, 5, 20, 17, 0, 0), title="Premiere: the making of Y2S",
                                        duration=None,
                                        stream=(_utc(2026, 5, 20, 17, 0, 0), _utc(2026, 5, 20, 17, 0, 5),
                                                _utc(2026, 5, 20, 17, 14, 19), None)))
    add("hidden_likes", g.video(published=_utc(2025, 1, 22, 14, 3, 9), title="Likes are hidden on this one",
                                likes=None, comments=17))
    add("comments_off", g.video(published=_utc(2025, 4, 3, 8, 0, 0), title="Comments are off here",
                                comments=None, likes=321))
    add("formula", g.video(published=_utc(2024, 7, 9, 15, 30, 0), title='=IMPORTXML("http://x","//a")'))
    add("plus", g.video(published=_utc(2024, 8, 1, 12, 0, 0), title="+1 trick for faster edits"))
    add("minus", g.video(published=_utc(2024, 9, 3, 21, 10, 0), title="-20% off everything"))
    add("at", g.video(published=_utc(2025, 9, 9, 9, 9, 9), title="@home studio tour"))
    add("unicode", g.video(published=_utc(2025, 11, 3, 3, 0, 0), title="日本語のタイトル 🎬",
                           language="ja", audio_language="ja",
                           description="日本語の説明文です。\n絵文字もあります 🎬🎞️"))
    add("title_100", g.video(published=_utc(2026, 1, 5, 13, 0, 0), title=_TITLE_100))
    add("quotes_commas", g.video(published=_utc(2026, 3, 3, 17, 45, 0), title='Commas, "quotes", and; semicolons'))
    add("apostrophe", g.video(published=_utc(2026, 4, 1, 10, 0, 0), title="'Quoted' from the first character"))
    add("zero_views", g.video(published=_NOW - 300, title="Just uploaded", views=0, likes=0, comments=0))
    add("one_hour", g.video(published=_utc(2025, 2, 2, 16, 0, 0), title="Exactly one hour", duration=3600))
    add("four_minutes", g.video(published=_utc(2025, 5, 5, 16, 0, 0), title="Four minutes flat", duration=240))
    add("sd_archive", g.video(published=_utc(2023, 12, 2, 11, 0, 0), title="Archive footage (SD)", hd=False,
                              maxres=False, audio_language=None, language=None, tags=()))
    add("tagged", g.video(published=_utc(2024, 5, 17, 18, 0, 0), title="Everything about tags",
                          tags=("tags", "metadata", "seo"), language="en", audio_language="en", maxres=True))
    for i, (title, mult) in enumerate((("This one went viral", 24), ("The outlier nobody expected", 31),
                                       ("Our most watched tutorial", 40))):
        add(f"outlier_{i + 1}", g.video(published=_utc(2024, 3 + 4 * i, 12, 17, 0, 0), title=title,
                                        views=8000 * mult, likes=8000 * mult // 25, comments=8000 * mult // 400))
    add("private_1", g.video(published=_utc(2025, 7, 7, 7, 7, 7), availability="private"))
    add("private_2", g.video(published=_utc(2024, 4, 4, 4, 4, 4), availability="private"))
    add("deleted", g.video(published=_utc(2026, 6, 30, 22, 0, 0), availability="deleted"))

    public_specials = sum(1 for v in vs if v.availability == "public")
    vs += g.bulk(150 - public_specials, _utc(2023, 11, 5), _utc(2026, 10, 30), short_share=0.25,
                 shorts_from=0, live_share=0.0, median_views=8000)
    return vs, special


def _old_school(g: _Gen) -> list[DemoVideo]:
    vs: list[DemoVideo] = []
    durations = (45, 60, 61, 120, 179, 180, 181, 600)
    before = g.times(len(durations), _utc(2023, 3, 1), _utc(2024, 10, 1))
    after = g.times(len(durations), _utc(2024, 11, 1), _utc(2026, 10, 1))
    for side, times in (("before", before), ("after", after)):
        for d, ts in zip(durations, times, strict=True):
            vs.append(g.video(published=ts, duration=d, title=f"Tutorial clip, {d} seconds ({side} Oct 2024)",
                              median_views=2500))
    edge = (("Boundary: 180 s on 2024-10-15", _CUTOFF, 180), ("Boundary: 181 s on 2024-10-15", _CUTOFF + 60, 181),
            ("Boundary: 60 s the day before", _CUTOFF - 1, 60), ("Boundary: 61 s the day before", _CUTOFF - 61, 61))
    for title, ts, d in edge:
        vs.append(g.video(published=ts, duration=d, title=title, median_views=2500))
    for i, ts in enumerate(g.times(20, _utc(2009, 2, 1), _utc(2023, 1, 1))):
        vs.append(g.video(published=ts, title=f"Spreadsheet basics {i + 1:02d}: {_TOPICS[i % len(_TOPICS)]}",
                          median_views=2500, hd=i > 6, maxres=i > 9))
    vs.sort(key=lambda v: -v.published)
    return vs


_CHANNEL_SPECS: tuple[dict[str, Any], ...] = (
    dict(title="Y2S Demo Lab", handle="@y2sdemo", username="y2sdemolab", custom_name=None,
         description="Every edge case YouTube2Sheets must handle, in one channel.\n\nShorts, lives, premieres, "
                     "hidden likes, formulas in titles → https://example.com/y2s",
         published_at="2023-09-01T15:04:05Z", country="US", subscribers=12_345, hidden_subscribers=False,
         has_shorts_playlist=True, keywords="demo \"edge cases\" youtube2sheets"),
    dict(title="Big Channel Demo", handle="@bigchannel", username=None, custom_name=None,
         description="2,600 uploads to page through.", published_at="2019-05-14T09:12:45Z", country="GB",
         subscribers=1_234_567, hidden_subscribers=False, has_shorts_playlist=True, keywords="big demo",
         has_tab_playlists=True),
    dict(title="Huge Channel Demo", handle="@hugechannel", username=None, custom_name=None,
         description="20,000 uploads, a news channel's mix of daily live streams, Shorts and reports: a stress "
                     "test for quota and paging.", published_at="2012-03-07T20:00:01Z",
         country="IN", subscribers=48_765_432, hidden_subscribers=False, has_shorts_playlist=True,
         keywords="huge demo", has_tab_playlists=True),
    dict(title="Old School Tutorials", handle="@oldschool", username="oldschooltuts2009",
         custom_name="OldSchoolTutorials",
         description="Spreadsheet tutorials since 2009. Formerly youtube.com/c/OldSchoolTutorials.",
         published_at="2008-06-20T17:03:11.474541Z", country="CA", subscribers=87_654, hidden_subscribers=False,
         has_shorts_playlist=False, keywords="spreadsheets tutorials"),
    dict(title="Empty Channel", handle="@emptychannel", username=None, custom_name=None, description="",
         published_at="2024-02-29T23:59:59Z", country=None, subscribers=3, hidden_subscribers=True,
         has_shorts_playlist=False, keywords=""),
)


# How each demo channel keeps uploading after DEMO_NOW (``Catalog.at``): mean days between uploads (the gaps are
# exponential), its share of Shorts and of live streams, its median views; as its past uploads did.
UPLOAD_CADENCE: dict[str, tuple[float, float, float, float]] = {
    "@y2sdemo": (1.0, 0.25, 0.0, 8000.0),  # about one a day from now on
    "@bigchannel": (0.9, 0.3, 0.01, 90_000.0),
    "@hugechannel": (0.25, 0.5, 0.25, 400_000.0),
    "@oldschool": (21.0, 0.0, 0.0, 2500.0),
    # @emptychannel never uploads: it stays the empty channel
}


def _channels() -> list[DemoChannel]:
    out = []
    for spec in _CHANNEL_SPECS:
        cid = _channel_id(random.Random(f"{SEED}:channel:{spec['handle']}"))
        out.append(DemoChannel(id=cid, **spec))
    return out


_DEMO_CHANNELS = _channels()
DEMO_LAB_ID, BIG_CHANNEL_ID, HUGE_CHANNEL_ID, OLD_SCHOOL_ID, EMPTY_CHANNEL_ID = (c.id for c in _DEMO_CHANNELS)
EDITING_BASICS_ID = user_playlist_id(SEED, DEMO_LAB_ID, "editing-basics")  # the demo lab's ordinary playlist
_DEMO_IDS = frozenset(c.id for c in _DEMO_CHANNELS)


def build_demo_catalog() -> Catalog:
    """Generate the demo catalog (deterministic; ~0.4 s). Prefer the cached ``demo_catalog()``."""
    lab, big, huge, old, empty = _DEMO_CHANNELS
    used: set[str] = set()
    uploads: dict[str, list[DemoVideo]] = {}
    lab_videos, special = _demo_lab(_Gen(lab, used))
    shorts_era = _utc(2021, 1, 1)
    uploads[lab.id] = lab_videos
    uploads[big.id] = _Gen(big, used).bulk(2600, _utc(2020, 1, 1), _utc(2026, 10, 31), short_share=0.3,
                                           shorts_from=shorts_era, live_share=0.01, median_views=90_000)
    # a news channel (as real channels of this size are): daily live streams, and Shorts since 2021, so that
    # its long-form tab holds about half the uploads (the tab playlists list it in parallel)
    uploads[huge.id] = _Gen(huge, used).bulk(20_000, _utc(2013, 1, 1), _utc(2026, 10, 31, 23), short_share=0.5,
                                             shorts_from=shorts_era, live_share=0.25, median_views=400_000)
    uploads[old.id] = _old_school(_Gen(old, used))
    uploads[empty.id] = []
    for vs in uploads.values():
        vs.sort(key=lambda v: -v.published)
    return Catalog(_DEMO_CHANNELS, uploads, special, [_demo_lab_playlist(lab, special)])


def _demo_lab_playlist(lab: DemoChannel, special: Mapping[str, str]) -> UserPlaylist:
    """The demo lab's one ordinary playlist: a few public videos with its private and deleted ones among them."""
    keys = ("four_minutes", "private_1", "one_hour", "tagged", "deleted", "hidden_likes", "comments_off",
            "private_2", "sd_archive", "unicode", "title_100")
    return UserPlaylist(EDITING_BASICS_ID, lab.id, "Editing basics",
                        "Where to start. (Two of these went private and one was deleted since.)",
                        "2024-01-15T10:00:00Z", tuple(special[k] for k in keys))


def synthetic_catalog(sizes: list[int], *, seed: str = "bench") -> Catalog:
    """Channels of these sizes (``@{seed}01``, ...: 25 % Shorts since 2021, a few lives, all with UUSH),
    deterministic, for benchmarks that need more channels than the demo catalog has."""
    channels: list[DemoChannel] = []
    uploads: dict[str, list[DemoVideo]] = {}
    used: set[str] = set()
    for i, n in enumerate(sizes, 1):
        handle = f"@{seed}{i:02d}"
        ch = DemoChannel(_channel_id(random.Random(f"{SEED}:channel:{handle}")), f"{seed.title()} channel {i:02d}",
                         handle, None, None, f"{n:,} uploads.", "2015-01-01T00:00:00Z", "US", 1000 * n, False, True,
                         seed)
        channels.append(ch)
        vs = _Gen(ch, used).bulk(n, _utc(2016, 1, 1), _utc(2026, 10, 31), short_share=0.25,
                                 shorts_from=_utc(2021, 1, 1), live_share=0.01, median_views=20_000)
        vs.sort(key=lambda v: -v.published)
        uploads[ch.id] = vs
    return Catalog(channels, uploads)
TAB_CHANNEL_SPEC: dict[str, Any] = dict(
    title="Tab Channel Demo", handle="@tabchannel", username=None, custom_name=None,
    description="More uploads than an uploads playlist lists, each tab within reach.",
    published_at="2010-01-04T12:00:00Z", country="US", subscribers=99_900_000, hidden_subscribers=False,
    has_shorts_playlist=True, keywords="tabs demo", has_tab_playlists=True)


def with_tab_channel(videos: int = 45_000, *, shorts: int | None = None, lives: int | None = None,
                     base: Catalog | None = None) -> Catalog:
    """``base`` (the demo catalog) plus ``@tabchannel``: ``videos`` public uploads, exactly ``shorts`` of them
    Shorts and ``lives`` streams (default: 16/45 and 10/45 of them), the rest long-form, so each tab playlist
    stays within a playlist's cap while the uploads playlist cannot list them all. Deterministic."""
    base = base if base is not None else demo_catalog()
    shorts = videos * 16 // 45 if shorts is None else shorts
    lives = videos * 10 // 45 if lives is None else lives
    if shorts < 0 or lives < 0 or shorts + lives > videos:
        raise ValueError("shorts + lives must be between 0 and videos")
    ch = DemoChannel(id=_channel_id(random.Random(f"{SEED}:channel:@tabchannel")), **TAB_CHANNEL_SPEC)
    g = _Gen(ch, {v for cid in base.channels for v in base.uploads(cid)})
    kinds = ["short"] * shorts + ["live"] * lives + ["long"] * (videos - shorts - lives)
    g.rng.shuffle(kinds)
    out: list[DemoVideo] = []
    for ts, kind in zip(g.times(videos, _utc(2010, 2, 1), _utc(2026, 10, 31, 23)), kinds, strict=True):
        if kind == "live":
            out.append(g.live_stream(ts, 1800 + int(g.rng.random() * 4 * 3600), title="LIVE: the evening bulletin",
                                     median_views=50_000))
        else:
            out.append(g.draw(ts, kind == "short", 50_000))
    uploads = {cid: list(base._uploads[cid]) for cid in base.channels}
    uploads[ch.id] = out
    return Catalog([*base.channels.values(), ch], uploads, base.special, base.user_playlists.values())


_cached: Catalog | None = None
_lock = threading.Lock()


def demo_catalog() -> Catalog:
    """The demo catalog, built once per process (it is immutable)."""
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = build_demo_catalog()
                _cached._shared = True
    return _cached


_days: dict[int, Catalog] = {}
_DAYS_KEPT = 4


def demo_catalog_at(now: datetime | int | None = None) -> Catalog:
    """The demo catalog at ``now`` (``Catalog.at``; None or DEMO_NOW: ``demo_catalog()``), the last few kept."""
    base = demo_catalog()
    t = base.now if now is None else (_ts(now) if isinstance(now, datetime) else int(now))
    if t == base.now:
        return base
    with _lock:
        found = _days.get(t)
    if found is None:
        found = base.at(t)
        found._shared = True
        with _lock:
            _days[t] = found
            while len(_days) > _DAYS_KEPT:
                _days.pop(next(iter(_days)))
    return found


__all__ = [
    "DEMO_NOW",
    "SHORTS_CUTOFF",
    "DEMO_LAB_ID",
    "BIG_CHANNEL_ID",
    "HUGE_CHANNEL_ID",
    "OLD_SCHOOL_ID",
    "EMPTY_CHANNEL_ID",
    "EDITING_BASICS_ID",
    "Catalog",
    "DemoChannel",
    "UserPlaylist",
    "UNLISTED_IN_UPLOADS",
    "DemoVideo",
    "demo_catalog",
    "demo_catalog_at",
    "build_demo_catalog",
    "growth",
    "aged",
    "UPLOAD_CADENCE",
    "synthetic_catalog",
    "with_tab_channel",
    "tab_of",
    "TAB_PREFIXES",
    "iso_duration",
    "rfc3339",
    "etag",
]
