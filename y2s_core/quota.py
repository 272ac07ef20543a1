"""YouTube quota: the Pacific day, the per-method meter, the one quota line, and the local ledger.

YouTube's daily quota has three buckets (Google's quota-cost page, 2026): search.list has its own, 100 calls
a day by default at 1 per call; videos.batchGetStats has its own, 10,000 calls a day (and 600 a minute) at 1
per call (its reference page: "a dedicated Video Batch Get Stats quota bucket"); every other list method
costs 1 unit of the main pool, 10,000 units a day. Exhausting one leaves the others. All reset at midnight
America/Los_Angeles and are shared by every run that uses the same key: scheduled CLI runs, the app, the REST
API. So:

* ``QuotaMeter`` counts what one client spent, per method, as Google charged it: units of the main pool,
  and calls of the search and stats buckets under their methods (``SEARCH_BUCKET``, ``STATS_BUCKET``);
* ``bucket_of`` / ``by_bucket`` / ``main_units`` / ``search_calls`` / ``stats_calls`` split such a mapping
  into its three buckets (the one place that knows);
* ``DailyBudgets`` is each bucket's daily budget (``Settings.budgets``: Y2S_DAILY_QUOTA,
  Y2S_DAILY_SEARCH_CALLS, Y2S_DAILY_STATS_CALLS), ``BUCKETS`` names them for every face;
* ``quota_line`` is the one way to say it ("12 quota units (channels.list 1, videos.list 5, ...); 1 search
  call (search.list bucket, 100 a day)"; with ``budgets``, every bucket and its budget);
* a meter's ``sink`` (``store.ledger.Ledger``) writes each charged call to the machine's ledger as it is
  spent: the ledger's I/O lives with the store, this module is pure arithmetic.

A leaf (it imports nothing of y2s_core but ``words``), so the models, the client, the store and every face may use it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .words import plural

PACIFIC = ZoneInfo("America/Los_Angeles")
DAILY_UNITS = 10_000  # the main pool's default
SEARCH_BUCKET = "search.list"  # the method whose calls count against their own bucket, not the main pool
SEARCH_DAILY_CALLS = 100  # that bucket's default
STATS_BUCKET = "videos.batchGetStats"  # statistics in bulk: its own bucket of calls, not the main pool
STATS_DAILY_CALLS = 10_000  # that bucket's default (and 600 a minute)
_OWN_BUCKETS = (SEARCH_BUCKET, STATS_BUCKET)

UNITS, SEARCH, STATS = "units", "search", "stats"  # the buckets' names (``QuotaExceeded.bucket``, the planner)


@dataclass(frozen=True)
class Bucket:
    """How a face names one bucket: ``label`` in a sentence, ``measure`` of what it counts, ``setting`` its budget."""

    name: str  # "units" | "search" | "stats"
    label: str  # "main pool" | "search.list bucket" | "videos.batchGetStats bucket"
    measure: str  # "unit" | "search call" | "stats call" (singular; ``words.plural`` makes the plural)
    setting: str  # the variable that sets its daily budget


BUCKETS = {
    UNITS: Bucket(UNITS, "main pool", "unit", "Y2S_DAILY_QUOTA"),
    SEARCH: Bucket(SEARCH, f"{SEARCH_BUCKET} bucket", "search call", "Y2S_DAILY_SEARCH_CALLS"),
    STATS: Bucket(STATS, f"{STATS_BUCKET} bucket", "stats call", "Y2S_DAILY_STATS_CALLS"),
}


@dataclass(frozen=True)
class DailyBudgets:
    """Each bucket's daily budget for one key (Google's defaults unless the settings say otherwise)."""

    units: int = DAILY_UNITS
    search: int = SEARCH_DAILY_CALLS
    stats: int = STATS_DAILY_CALLS

    def of(self, bucket: str) -> int:
        return {UNITS: self.units, SEARCH: self.search, STATS: self.stats}[bucket]


def pacific_day(now: datetime | None = None) -> date:
    """The Pacific date ``now`` (default: this instant) counts against: YouTube's quota day."""
    return (now or datetime.now(timezone.utc)).astimezone(PACIFIC).date()


def quota_resets_at(now: datetime | None = None) -> datetime:
    """The next midnight in America/Los_Angeles, when YouTube resets the daily quota (aware, UTC)."""
    now = (now or datetime.now(timezone.utc)).astimezone(PACIFIC)
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return midnight.astimezone(timezone.utc)


def bucket_of(method: str) -> str:
    """The bucket a call to ``method`` is charged to: "search", "stats" or "units" (the main pool)."""
    return SEARCH if method == SEARCH_BUCKET else STATS if method == STATS_BUCKET else UNITS


def by_bucket(by_method: Mapping[str, int]) -> dict[str, int]:
    """A per-method count as its three buckets: {"units": main-pool units, "search": calls, "stats": calls}."""
    return {UNITS: main_units(by_method), SEARCH: search_calls(by_method), STATS: stats_calls(by_method)}


def main_units(by_method: Mapping[str, int]) -> int:
    """Units of the 10,000-unit main pool in a per-method count (search.list and batchGetStats calls left out)."""
    return sum(int(u) for m, u in by_method.items() if m not in _OWN_BUCKETS)


def search_calls(by_method: Mapping[str, int]) -> int:
    """Calls of the search.list bucket in a per-method count."""
    return int(by_method.get(SEARCH_BUCKET, 0))


def stats_calls(by_method: Mapping[str, int]) -> int:
    """Calls of the videos.batchGetStats bucket in a per-method count."""
    return int(by_method.get(STATS_BUCKET, 0))


def unit_cost(method: str) -> int:
    """What one charged call to ``method`` costs in its bucket: 1 (a unit of the main pool; for search.list,
    one call of its own bucket; for videos.batchGetStats, one call of its bucket). Google's quota-cost page, 2026."""
    return 1


class QuotaMeter:
    """Thread-safe count per API method (e.g. "videos.list"), as Google charges them: every list call costs
    1 in its bucket (units of the main pool; for search.list, one call of the search bucket).

    ``sink``: called as ``sink(method, units)`` after each charged call (the ledger, written as it goes)."""

    def __init__(self, sink: Callable[[str, int], None] | None = None) -> None:
        self._lock = threading.Lock()
        self.units: dict[str, int] = defaultdict(int)
        self.sink = sink

    def record(self, method: str, charged: bool) -> None:
        """One request to ``method``; ``charged``: whether Google bills it (the transport decides)."""
        if not charged:
            return
        cost = unit_cost(method)
        with self._lock:
            self.units[method] += cost
        if self.sink is not None:
            self.sink(method, cost)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.units)

    @property
    def total_units(self) -> int:
        """Units of the main pool (search calls are another bucket: ``search_calls``)."""
        with self._lock:
            return main_units(self.units)

    @property
    def search_calls(self) -> int:
        with self._lock:
            return search_calls(self.units)

    @property
    def stats_calls(self) -> int:
        with self._lock:
            return stats_calls(self.units)


def spent_since(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """Per method, what was spent between two meter snapshots (methods with nothing spent left out)."""
    out = {m: int(u) - int(before.get(m, 0)) for m, u in after.items()}
    return {m: u for m, u in out.items() if u > 0}


def quota_line(units: int, by_method: Mapping[str, int] | None = None, budgets: DailyBudgets | None = None) -> str:
    """'12 quota units (channels.list 1, playlistItems.list 6, videos.list 5); 1 search call (search.list
    bucket, 100 a day); 52 stats calls (videos.batchGetStats bucket, 10,000 a day)'. ``units``: of the main
    pool; methods with 0 left out; the search and stats parts only if any.

    ``budgets`` (``Settings.budgets``): every bucket, 0 included, each with its configured daily budget:
    '12 quota units (channels.list 1, videos.list 11; main pool, 10,000 a day); 0 search calls (search.list
    bucket, 100 a day); 52 stats calls (videos.batchGetStats bucket, 10,000 a day)'."""
    by_method = by_method or {}
    per = ", ".join(f"{m} {u}" for m, u in sorted(by_method.items()) if u and m not in _OWN_BUCKETS)
    if budgets is not None:
        pool = f"{BUCKETS[UNITS].label}, {budgets.units:,} a day"
        line = plural(units, "quota unit") + (f" ({per}; {pool})" if per else f" ({pool})")
    else:
        line = plural(units, "quota unit") + (f" ({per})" if per else "")
    calls = search_calls(by_method)
    if calls or budgets is not None:
        daily = budgets.search if budgets is not None else SEARCH_DAILY_CALLS
        line += f"; {plural(calls, 'search call')} (search.list bucket, {daily:,} a day)"
    stats = stats_calls(by_method)
    if stats or budgets is not None:
        daily = budgets.stats if budgets is not None else STATS_DAILY_CALLS
        line += f"; {plural(stats, 'stats call')} ({STATS_BUCKET} bucket, {daily:,} a day)"
    return line


def today_line(spent: Mapping[str, int], budgets: DailyBudgets) -> str:
    """Today's spend per bucket against its budget ('today 12 units of 10,000, 1 search call of 100, 52 stats calls
    of 10,000'). ``spent``: by bucket (``by_bucket``)."""
    return "today " + ", ".join(f"{plural(int(spent.get(name, 0)), b.measure)} of {budgets.of(name):,}"
                                for name, b in BUCKETS.items())


__all__ = [
    "BUCKETS",
    "SEARCH",
    "STATS",
    "UNITS",
    "Bucket",
    "DailyBudgets",
    "bucket_of",
    "by_bucket",
    "today_line",
    "PACIFIC",
    "DAILY_UNITS",
    "SEARCH_BUCKET",
    "SEARCH_DAILY_CALLS",
    "STATS_BUCKET",
    "STATS_DAILY_CALLS",
    "QuotaMeter",
    "main_units",
    "search_calls",
    "stats_calls",
    "spent_since",
    "pacific_day",
    "quota_line",
    "quota_resets_at",
    "unit_cost",
]
