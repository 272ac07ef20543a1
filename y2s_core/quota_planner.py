"""The quota planner: what a fetch will spend, before it starts, against what is left of today's budget.

Every list call costs 1 unit (``quota``), so a fetch's cost follows from counts the product already has:

* a **full listing** of a channel of N uploads (statistics.videoCount from the channels.list answer the
  resolution needed anyway, or the store's count), S of them Shorts and L live streams, by the engine the
  client picks (``youtube.engines.engine_for``): on the uploads chain ``ceil(N/50)`` uploads pages +
  ``ceil(N/50)`` videos.list + ``max(1, ceil(S/50))`` UUSH pages (1 for the 404 of a channel without one);
  through the tabs (8 pages or more) one chain per tab, ``max(1, ceil(T/50))`` pages each for its T
  videos, + 1 uploads page, and ``ceil(N/50)`` videos.batchGetStats calls in that method's own bucket (the tabs'
  items say title and date, batchGetStats the rest: 0 details units; ``--match-tags`` needs videos.list, so
  ``ceil(N/50)`` units instead). An empty channel costs 1 (its uploads 404). ``--max-videos M``
  puts ``min(N, M)`` for N; ``--since`` counts the stored videos after that date when the store has the
  channel, else takes all N (an upper bound, said as "at most"). S is the store's share of Shorts for a
  channel it has, else ``DEFAULT_SHORTS_SHARE`` of N (the one guess: see the stated tolerance in the README);
* an **incremental** run of a known channel (``youtube.incremental``): 1 uploads page, plus for the new
  uploads expected from the channel's pace over the last 90 days and the time since its last sync their
  pages, details and 1 UUSH page; the R known videos whose statistics are refreshed cost ``ceil(R/50)``
  videos.batchGetStats calls (exact: the store has them), in that method's own bucket, not in the units
  (``ChannelEstimate.stats_calls``). With no new upload expected and a boundary to
  compare the uploads feed with, the feed is expected to show nothing new: 0 uploads pages (1 more if the
  feed is down or an upload came after all: the estimate is "about", not a ceiling);
* a **resumed** listing: the saved pages asked again (2), the new top page (1), the uploads pages below
  what was listed, and details for the uploads not stored yet; a cut tab listing resumes on its tabs: the
  new top page (1), each unfinished tab's saved page again (1 a tab) and the pages it has left (from its
  size, pageInfo.totalResults), and details for the videos not stored yet (its refresh as above: stats calls).

The budget is ``Y2S_DAILY_QUOTA`` (default 10,000, Google's default) minus what the ledger says this key
spent today (every face writes it), minus what this run already spent resolving its inputs. A ledger
that cannot be read leaves the budget unknown: nothing is refused then, and the plan says so. The two
other buckets have their own budgets, checked apart (``QuotaPlan.today``): ``Y2S_DAILY_SEARCH_CALLS``
(default 100 search.list calls) and ``Y2S_DAILY_STATS_CALLS`` (default 10,000 videos.batchGetStats calls),
each less today's calls in the ledger; statistics the stats bucket has no room for fall back to videos.list
(the main pool), so they are counted there instead of refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .errors import QuotaExceeded
from .filters import FilterSpec
from .quota import (
    BUCKETS,
    SEARCH,
    SEARCH_BUCKET,
    SEARCH_DAILY_CALLS,
    STATS,
    STATS_BUCKET,
    STATS_DAILY_CALLS,
    UNITS,
    DailyBudgets,
    quota_resets_at,
)
from .words import plural
from .youtube.engines import PLAYLIST_CAP, engine_for

DEFAULT_SHORTS_SHARE = 0.25  # share of Shorts assumed for a channel the store has never seen
PAGE = 50
PACE_DAYS = 90  # the upload pace is measured over this many days


def pages(n: float) -> int:
    return math.ceil(n / PAGE) if n > 0 else 0


@dataclass(frozen=True)
class ChannelEstimate:
    """The units one channel's part of a fetch should cost, and how that number was made."""

    channel: str
    mode: str  # "incremental" | "resume" | "full"
    units: int
    how: str  # e.g. "52 uploads pages + 52 videos.list + 14 UUSH pages"
    upper_bound: bool = False  # the count is a ceiling (unknown how far --since reaches)
    stats_calls: int = 0  # videos.batchGetStats calls for the refresh: their own bucket, not in ``units``
    search_calls: int = 0  # search.list calls still to make: their own bucket, not in ``units``


@dataclass(frozen=True)
class QuotaPlan:
    """A fetch's estimate against what is left of each bucket today.

    Positional (as ever): ``estimates``, ``resolve_units``, ``daily`` (the main pool's budget), ``spent_today``
    (main-pool units the ledger says this key spent today; None: unreadable). The other two buckets by keyword
    (``QuotaPlan.today`` fills every bucket from ``Settings.budgets`` and ``ledger.spent_today_by_bucket``):
    ``search_daily`` / ``stats_daily`` their budgets, ``search_spent`` / ``stats_spent`` today's calls (None:
    unknown, so that bucket refuses nothing), ``resolve_search`` the search calls this run spent resolving.

    Each bucket is checked against its own budget: main-pool units against ``daily``, search calls against
    ``search_daily``, stats calls against ``stats_daily``. Statistics the stats bucket has no room for are not
    a refusal: the refresh falls back to videos.list (1 unit per 50 ids, as a stats call), so they are counted
    in the main pool instead (``stats_fallback``)."""

    estimates: tuple[ChannelEstimate, ...]
    resolve_units: int  # already spent by this run resolving its inputs
    daily: int
    spent_today: int | None  # the ledger's figure for this key (None: unreadable)
    search_daily: int = SEARCH_DAILY_CALLS
    stats_daily: int = STATS_DAILY_CALLS
    search_spent: int | None = None  # today's search.list calls in the ledger (None: unknown)
    stats_spent: int | None = None  # today's videos.batchGetStats calls in the ledger (None: unknown)
    resolve_search: int = 0  # search calls this run already spent resolving

    @classmethod
    def today(cls, estimates: Sequence[ChannelEstimate], resolve_units: int, budgets: DailyBudgets,
              spent: Mapping[str, int] | None, *, resolve_search: int = 0) -> QuotaPlan:
        """The plan against every bucket: ``budgets`` (``Settings.budgets``), ``spent`` today's ledger by bucket
        (``store.ledger.spent_today_by_bucket``; None: unreadable, nothing is refused)."""
        def got(bucket: str) -> int | None:
            return None if spent is None else int(spent.get(bucket, 0))

        return cls(tuple(estimates), resolve_units, budgets.units, got(UNITS), search_daily=budgets.search,
                   stats_daily=budgets.stats, search_spent=got(SEARCH), stats_spent=got(STATS),
                   resolve_search=resolve_search)

    @property
    def budgets(self) -> DailyBudgets:
        return DailyBudgets(self.daily, self.search_daily, self.stats_daily)

    @property
    def units(self) -> int:
        """What the fetch will still spend (resolution already spent is not in it)."""
        return sum(e.units for e in self.estimates)

    @property
    def stats_calls(self) -> int:
        """videos.batchGetStats calls the refreshes will make (their own bucket, not in ``units``)."""
        return sum(e.stats_calls for e in self.estimates)

    @property
    def search_calls(self) -> int:
        """search.list calls the fetch will still make (their own bucket; resolution's are already spent)."""
        return sum(e.search_calls for e in self.estimates)

    @property
    def remaining(self) -> int | None:
        """Main-pool units left today (None: unknown)."""
        if self.spent_today is None:
            return None
        return self.daily - self.spent_today - self.resolve_units

    @property
    def search_remaining(self) -> int | None:
        """search.list calls left today (None: unknown)."""
        if self.search_spent is None:
            return None
        return self.search_daily - self.search_spent - self.resolve_search

    @property
    def stats_remaining(self) -> int | None:
        """videos.batchGetStats calls left today (None: unknown)."""
        if self.stats_spent is None:
            return None
        return self.stats_daily - self.stats_spent

    @property
    def stats_fallback(self) -> int:
        """Stats calls the stats bucket has no room for: their refresh falls back to videos.list (main pool)."""
        left = self.stats_remaining
        return 0 if left is None else max(0, self.stats_calls - max(left, 0))

    @property
    def units_needed(self) -> int:
        """Main-pool units the fetch needs: its own, and the videos.list fallback of statistics (``stats_fallback``)."""
        return self.units + self.stats_fallback

    @property
    def short(self) -> tuple[str, ...]:
        """The buckets that cannot take what the fetch needs ("units", "search"), in that order; () when it fits.
        The stats bucket is never among them: what it cannot take falls back to the main pool."""
        out = []
        if self.remaining is not None and self.units_needed > self.remaining:
            out.append(UNITS)
        if self.search_remaining is not None and self.search_calls > self.search_remaining:
            out.append(SEARCH)
        return tuple(out)

    @property
    def fits(self) -> bool:
        return not self.short

    def line(self) -> str:
        """'plan: about 57 units (incremental 3, full 1); today 1,234 of 10,000 units spent, 8,766 left', then
        the search and stats buckets when the fetch uses them and today's spend there is known, and which bucket
        would not fit ('; does not fit the main pool')."""
        by: dict[str, int] = {}
        for e in self.estimates:
            by[e.mode] = by.get(e.mode, 0) + e.units
        parts = ", ".join(f"{m} {u:,}" for m, u in by.items())
        bound = "at most" if any(e.upper_bound for e in self.estimates) else "about"
        text = f"plan: {bound} {plural(self.units, 'unit')}" + (f" ({parts})" if parts else "")
        if self.stats_calls:
            text += f" + {plural(self.stats_calls, 'stats call')} (videos.batchGetStats bucket)"
        if self.search_calls:
            text += f" + {plural(self.search_calls, 'search call')} (search.list bucket)"
        if self.resolve_units:
            text += f" after {self.resolve_units:,} spent resolving"
        if self.remaining is None:
            text += f"; today's spend unknown (the store could not be read), daily budget {self.daily:,}"
        else:
            text += (f"; today {self.spent_today + self.resolve_units:,} of {self.daily:,} units spent, "
                     f"{max(self.remaining, 0):,} left")
        if self.stats_calls and self.stats_remaining is not None:
            text += (f"; {STATS_BUCKET} bucket today {self.stats_spent:,} of {self.stats_daily:,} calls spent, "
                     f"{max(self.stats_remaining, 0):,} left")
            if self.stats_fallback:
                text += (f" ({plural(self.stats_fallback, 'call')} over it fall back to videos.list: "
                         f"{plural(self.stats_fallback, 'unit')} more)")
        if (self.search_calls or self.resolve_search) and self.search_remaining is not None:
            text += (f"; {SEARCH_BUCKET} bucket today {self.search_spent + self.resolve_search:,} of "
                     f"{self.search_daily:,} calls spent, {max(self.search_remaining, 0):,} left")
        if self.short:
            text += "; does not fit the " + " nor the ".join(BUCKETS[b].label for b in self.short)
        return text

    def details(self) -> list[str]:
        return [f"{e.channel}: {e.mode}, {'at most' if e.upper_bound else 'about'} {plural(e.units, 'unit')} ({e.how})"
                for e in self.estimates]

    def refusal(self, force: str = "--force") -> WouldNotFit:
        """The error of a fetch that cannot fit (exit 3): which bucket, what it needs, what is left, what to do
        (``force``: how this face overrides it)."""
        return WouldNotFit(self, force)


class WouldNotFit(QuotaExceeded):
    """A fetch refused before it started: the plan needs more than today's budget has left in a bucket (exit 3,
    like a spent quota). ``plan`` is the QuotaPlan, ``bucket`` the first bucket that cannot take it ("units":
    the main pool, "search": search.list's own bucket); each bucket says it in its own words."""

    def __init__(self, plan: QuotaPlan, force: str = "--force") -> None:
        at = quota_resets_at()
        bucket = (plan.short or (UNITS,))[0]
        wait = f"wait for the reset at midnight Pacific ({at:%Y-%m-%d %H:%M} UTC)"
        forced = f"or force it ({force}; what it fetches is kept and the next run resumes)."
        if bucket == SEARCH:
            message = (
                f"Not started: this fetch needs {plural(plan.search_calls, 'search.list call')} but only "
                f"{max(plan.search_remaining or 0, 0):,} of today's {plan.search_daily:,} are left (search.list has "
                f"its own bucket: Y2S_DAILY_SEARCH_CALLS, minus today's spend in the ledger). Give those channels as "
                f"an @handle or a /channel/UC… link, which needs no search, {wait}, {forced}")
        else:
            fallback = ""
            if plan.stats_fallback:
                fallback = (f", {plural(plan.stats_fallback, 'videos.list call')} of them for statistics the "
                            f"videos.batchGetStats bucket has no room for ({max(plan.stats_remaining or 0, 0):,} of its "
                            f"{plan.stats_daily:,} calls left today, Y2S_DAILY_STATS_CALLS)")
            message = (
                f"Not started: this fetch needs about {plural(plan.units_needed, 'YouTube unit')}{fallback} but only "
                f"{max(plan.remaining or 0, 0):,} of today's {plan.daily:,} are left (Y2S_DAILY_QUOTA, minus today's "
                f"spend in the ledger); it would stop half-way. Fetch fewer videos (max videos, since) or fewer "
                f"channels, {wait}, {forced}")
        super().__init__(message, resets_at=at, bucket=bucket)
        self.plan = plan


def full_listing(channel: str, video_count: int | None, listing: FilterSpec, *, shorts_share: float | None,
                 has_uush: bool | None, since_count: int | None = None, lives_share: float | None = None) -> ChannelEstimate:
    """A full listing with ``listing`` (the filters that stop it early), by the engine the client will pick
    (``youtube.engines.engine_for``): the uploads chain, or the tab playlists for a long listing."""
    count = video_count or 0
    tabs = engine_for(count, listing) == "tabs"
    n = count if tabs else min(count, PLAYLIST_CAP)  # the tab chains carry a listing past the uploads cap
    bound = False
    if listing.since is not None:
        if since_count is not None:
            n = min(n, since_count)
        else:
            bound = True
    if listing.max_videos:
        if listing.needs_details or listing.until:
            bound = True  # how many pass the filters is unknown: as deep as the whole channel
        else:
            n = min(n, listing.max_videos)
    if min(count, PLAYLIST_CAP) <= 0:
        return ChannelEstimate(channel, "full", 1, "1 uploads call (no public uploads)")
    share = DEFAULT_SHORTS_SHARE if shorts_share is None else shorts_share
    det = pages(n)
    if tabs:  # one chain per tab (an absent or empty tab: its one answer), the uploads page that proves them
        sh = 0.0 if has_uush is False else share * n
        lv = (lives_share or 0.0) * n
        per_tab = [max(1, pages(x)) for x in (n - sh - lv, sh, lv)]
        how = f"{per_tab[0]} UULF + {per_tab[1]} UUSH + {per_tab[2]} UULV pages + 1 uploads page"
        if listing.match_tags:  # tags: only videos.list has them
            return ChannelEstimate(channel, "full", sum(per_tab) + 1 + det, f"{how} + {det} videos.list",
                                   upper_bound=bound)
        return ChannelEstimate(channel, "full", sum(per_tab) + 1, how + _stats_note(det, "details"),
                               upper_bound=bound, stats_calls=det)
    # no UUSH (404): one page of UULF says whether the channel has no Shorts or the duration rule guesses; a channel
    # not listed before may be such a one (at most 2 units), else UUSH is paged as deep as its Shorts go
    shorts = 2 if has_uush is False else max(1 if has_uush else 2, pages(share * n + (1 if listing.max_videos else 0)))
    up = max(1, pages(n))
    what = "1 UUSH 404 + 1 UULF page" if has_uush is False else plural(shorts, "UUSH page")
    return ChannelEstimate(channel, "full", up + det + shorts, f"{plural(up, 'uploads page')} + {det} videos.list + {what}",
                           upper_bound=bound)


def incremental(channel: str, *, refresh: int, expected_new: int, has_uush: bool | None,
                feed: bool = False) -> ChannelEstimate:
    """``feed``: the run reads the uploads feed first (a boundary to compare it with); with no new upload
    expected, the feed proves it and the uploads page is not asked."""
    up = 0 if feed and expected_new == 0 else max(1, pages(expected_new + 1))
    det = pages(expected_new)
    shorts = 0 if expected_new == 0 or has_uush is False else max(1, pages(expected_new * DEFAULT_SHORTS_SHARE))
    stats = pages(refresh)
    how = plural(up, "uploads page") + (" (the feed shows nothing new)" if up == 0 else "")
    if expected_new:
        how += f" + {det} videos.list and {shorts} UUSH for ~{expected_new} new"
    if stats:
        how += f"; {plural(stats, 'videos.batchGetStats call')} for {refresh:,} statistics (their own bucket)"
    return ChannelEstimate(channel, "incremental", up + det + shorts, how, stats_calls=stats)


def resume(channel: str, *, video_count: int | None, stored: int, listed: int, refresh: int,
           shorts_share: float | None, has_uush: bool | None,
           tab_pages: Sequence[int] | None = None, window: int | None = None, pending: int = 0,
           tags: bool = False) -> ChannelEstimate:
    """A resumed listing (``youtube.incremental``): the saved uploads page and the new top asked again, the
    uploads pages below what was ``listed``, details for every video not ``stored`` yet. A cut tab listing
    (``tab_pages``: the pages each unfinished tab has left below its saved one) continues on its tabs: the
    new top page, each tab's saved page again and the pages it has left, details for what is not stored.
    ``window``: the listing is the newest N (max_videos), so it goes no deeper than N. A tab listing details what
    its tabs list now, and the ids listed before whose tab items were kept, with videos.batchGetStats (unless
    ``tags``: videos.list), and the ``pending`` ids listed before without them with videos.list."""
    count = min(video_count or 0, window or PLAYLIST_CAP, PLAYLIST_CAP)
    det = pages(max(0, count - stored))
    stats = pages(refresh)
    if tab_pages is not None:
        if window:  # the tabs merged by date: together about as many pages as the window has left
            left = max(1, pages(max(0, count - stored)))
            tab_pages = [min(n, left) for n in tab_pages]
        listing = 1 + sum(1 + n for n in tab_pages)
        how = f"1 uploads page + {plural(listing - 1, 'tab page')} ({plural(len(tab_pages), 'tab')})"
        if not tags:
            new = pages(max(0, count - stored - pending))
            det = pages(min(pending, max(0, count - stored)))
            how += _stats_note(new, "details")
            stats += new
        return ChannelEstimate(channel, "resume", listing + det, f"{how} + {det} videos.list" + _stats_note(stats),
                               stats_calls=stats)
    rest = max(0, count - listed)
    share = DEFAULT_SHORTS_SHARE if shorts_share is None else shorts_share
    up = 2 + pages(rest)
    shorts = 0 if has_uush is False else 1 + pages(share * rest)
    return ChannelEstimate(channel, "resume", up + det + shorts,
                           f"{plural(up, 'uploads page')} + {det} videos.list + {plural(shorts, 'UUSH page')}"
                           + _stats_note(stats), stats_calls=stats)


def _stats_note(stats: int, what: str = "statistics") -> str:
    return f"; {plural(stats, 'videos.batchGetStats call')} for {what} (their own bucket)" if stats else ""


def expected_new(published: Sequence[datetime], last_sync: datetime | None, now: datetime | None = None) -> int:
    """New uploads to expect since ``last_sync``, at the pace of the 90 days before the newest one."""
    if not published or last_sync is None:
        return 0
    now = now or datetime.now(timezone.utc)
    newest = max(published)
    recent = sum(1 for p in published if p > newest - timedelta(days=PACE_DAYS))
    days = max(0.0, (now - last_sync).total_seconds() / 86400)
    return round(recent / PACE_DAYS * days)


__all__ = ["DEFAULT_SHORTS_SHARE", "ChannelEstimate", "QuotaPlan", "WouldNotFit", "expected_new", "full_listing", "incremental",
           "resume"]
