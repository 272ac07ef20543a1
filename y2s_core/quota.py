"""YouTube quota: the Pacific day, the per-method meter, the one quota line, and the local ledger.

YouTube's daily quota (10,000 units by default; search.list 100 units a call from its own bucket, every
other list method 1) resets at midnight America/Los_Angeles and is shared by every run that uses the same
key: scheduled CLI runs, the app, the REST API. So:

* ``QuotaMeter`` counts what one client spent, per method, as Google charged it;
* ``quota_line`` is the one way to say it ("12 quota units (channels.list 1, videos.list 5, ...)");
* ``record_spend`` / ``spent_today`` are the one way to write and read the machine's ledger
  (``Store`` in ``Settings.data_dir``), with one error policy: a ledger that cannot be written or read
  is a logged warning and ``None``, never an exception that would throw away fetched rows.

This module knows nothing of the Google client; the client, the store and every face use it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from .settings import Settings

PACIFIC = ZoneInfo("America/Los_Angeles")
UNIT_COST = {"search.list": 100}  # every other list method: 1

_log = logging.getLogger(__name__)


def pacific_day(now: datetime | None = None) -> date:
    """The Pacific date ``now`` (default: this instant) counts against: YouTube's quota day."""
    return (now or datetime.now(timezone.utc)).astimezone(PACIFIC).date()


def quota_resets_at(now: datetime | None = None) -> datetime:
    """The next midnight in America/Los_Angeles, when YouTube resets the daily quota (aware, UTC)."""
    now = (now or datetime.now(timezone.utc)).astimezone(PACIFIC)
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return midnight.astimezone(timezone.utc)


def unit_cost(method: str) -> int:
    """Units one charged call to ``method`` costs (Google's quota-cost page: search.list 100, the rest 1)."""
    return UNIT_COST.get(method, 1)


class QuotaMeter:
    """Thread-safe count of units per API method (e.g. "videos.list"), as Google charges them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.units: dict[str, int] = defaultdict(int)

    def record(self, method: str, charged: bool) -> None:
        """One request to ``method``; ``charged``: whether Google bills it (the transport decides)."""
        if not charged:
            return
        with self._lock:
            self.units[method] += unit_cost(method)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.units)

    @property
    def total_units(self) -> int:
        with self._lock:
            return sum(self.units.values())


def quota_line(units: int, by_method: Mapping[str, int] | None = None) -> str:
    """'12 quota units (channels.list 1, playlistItems.list 6, videos.list 5)'; methods with 0 left out."""
    per = ", ".join(f"{m} {u}" for m, u in sorted((by_method or {}).items()) if u)
    return f"{units:,} quota units" + (f" ({per})" if per else "")


def record_spend(settings: Settings, units_by_method: Mapping[str, int]) -> int | None:
    """Add the units to this machine's ledger under the key's fingerprint; today's total for that key.

    ``None`` (and a warning on the ``y2s_core.quota`` logger naming the data dir and the error class)
    when the ledger cannot be written, e.g. a read-only or misplaced ``Y2S_DATA_DIR``: the ledger is
    advisory, so a fetch that already spent the quota keeps its rows. Never raises for that.
    """
    from .store import Store  # the store imports pacific_day from here

    try:
        store = Store(settings.data_dir)
        store.record_quota(settings.account_fingerprint, units_by_method)
        return sum(store.quota_today(settings.account_fingerprint).values())
    except (sqlite3.Error, OSError) as e:
        _log.warning("quota ledger not updated in %s (%s)", settings.data_dir, type(e).__name__)
        return None


def spent_today(settings: Settings) -> int | None:
    """Units spent today (Pacific) with this key on this machine, by every face; None if unreadable."""
    from .store import Store

    try:
        return sum(Store(settings.data_dir).quota_today(settings.account_fingerprint).values())
    except (sqlite3.Error, OSError):
        return None


__all__ = [
    "PACIFIC",
    "UNIT_COST",
    "QuotaMeter",
    "pacific_day",
    "quota_line",
    "quota_resets_at",
    "record_spend",
    "spent_today",
    "unit_cost",
]
