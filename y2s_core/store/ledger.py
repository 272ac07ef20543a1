"""The quota ledger: what this machine spent per Pacific day, key and API method, written as it is spent.

Every face (the app, the CLI, the REST API) reaches YouTube through a client whose meter feeds a
``Ledger`` (``service.open_client``): each charged call is added to a small buffer that is written to the
store once it holds ``FLUSH_UNITS`` units or is ``FLUSH_SECONDS`` old, and at the end of a run. A process
killed mid-fetch (kill -9, a closed terminal, a page change in the app) has therefore left all but the
last few units in the ledger, so the quota planner's "spent today" stays true.

One error policy: a ledger that cannot be written (a read-only or misplaced ``Y2S_DATA_DIR``, an
unreachable ``Y2S_DATABASE_URL``) is one logged warning naming the store, and the ledger stops trying for
a while (an unreachable server would otherwise cost a connect timeout per call), keeping the units to write
later; the fetch goes on and keeps its rows. This module is the only writer of the ledger (``Store.record_quota``).

Who: each row names who spent it (``who``: a hashed identity made by ``identity``, e.g. "token:3f2a…" for a
REST API token, "user:9b1c…" for a signed-in person, "cli", "local"; "" unknown), never an email or a token in
clear. ``spent_today_by_bucket(settings)`` is the key's spend by everyone (the planner's input);
``spent_today_by_bucket(settings, who)`` one person's or token's. A ledger whose fetch holds a reservation
(``hold``: a ``fetch_slots`` row, ``budgets``) takes what it writes off that reservation in the same transaction.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..errors import InputError, StoreError
from ..quota import by_bucket, main_units
from .db import Store

if TYPE_CHECKING:
    from ..settings import Settings

_log = logging.getLogger("y2s_core.quota")

FLUSH_UNITS = 5  # at most this many units (of either bucket) wait in memory
FLUSH_SECONDS = 1.0  # ... and for at most this long once a call has been charged after them


class Ledger:
    """The ledger of one run or session for one key: ``ledger(method, units)`` is the meter's sink.

    Thread-safe: the tab chains and the detail pool charge from their own threads. A failed write keeps its
    units pending and is tried again no sooner than ``RETRY_SECONDS`` later (and at ``today``)."""

    RETRY_SECONDS = 60.0

    def __init__(self, settings: Settings, *, store: Store | None = None, who: str = "") -> None:
        self.settings = settings
        self.account = settings.account_fingerprint
        self.who = who  # a hashed identity (``identity``), "" unknown
        self.hold: str | None = None  # the reservation (``budgets``) this ledger's spend replaces, if any
        self._store = store
        self._pending: dict[str, int] = {}
        self._since: float | None = None  # when the oldest pending unit was charged
        self._retry_at = 0.0  # after a failed write: not before this (time.monotonic)
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one write at a time
        self.problem: str | None = None  # the last write failed (said once, as a warning)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.for_settings(self.settings)
        return self._store

    def __call__(self, method: str, units: int) -> None:
        """One charged call (the meter calls this); written at once when the buffer is full or old."""
        with self._lock:
            self._pending[method] = self._pending.get(method, 0) + units
            now = time.monotonic()
            if self._since is None:
                self._since = now
            due = (sum(self._pending.values()) >= FLUSH_UNITS or now - self._since >= FLUSH_SECONDS) \
                and now >= self._retry_at
        if due:
            self.flush()

    def flush(self) -> bool:
        """Write what waits; False when the ledger could not be written (the units stay pending)."""
        with self._write_lock:
            with self._lock:
                batch, self._pending, self._since = self._pending, {}, None
            if not batch:
                return self.problem is None
            try:
                self.store.record_quota(self.account, batch, who=self.who, hold=self.hold)
            except (StoreError, InputError) as e:
                with self._lock:
                    for m, u in batch.items():
                        self._pending[m] = self._pending.get(m, 0) + u
                    self._since = self._since or time.monotonic()
                    self._retry_at = time.monotonic() + self.RETRY_SECONDS
                self._failed(e)
                return False
            self.problem = None
            return True

    def today(self) -> int | None:
        """Main-pool units spent today with this key on this machine, everything pending written first;
        None when the ledger cannot be written or read."""
        if not self.flush():
            return None
        try:
            return main_units(self.store.quota_today(self.account))
        except (StoreError, InputError) as e:
            self._failed(e)
            return None

    def today_by_bucket(self) -> dict[str, int] | None:
        """Today's spend with this key on this machine per bucket ({"units", "search", "stats"}: ``quota.by_bucket``),
        everything pending written first; None when the ledger cannot be written or read."""
        if not self.flush():
            return None
        try:
            return by_bucket(self.store.quota_today(self.account))
        except (StoreError, InputError) as e:
            self._failed(e)
            return None

    def _failed(self, e: StoreError | InputError) -> None:
        if self.problem is None:
            cause = e.cause if isinstance(e, StoreError) else type(e).__name__
            self.problem = f"quota ledger not updated in {self.store.where} ({cause})"
            _log.warning("%s", self.problem)


def identity(kind: str, secret: str) -> str:
    """A hashed identity for the ledger: ``kind`` ("token", "user") and the first 16 hex digits of the SHA-256 of
    ``secret`` (a token, an email: lower-cased and stripped first), e.g. "user:9b1c0e4d2f6a8b3c". Neither the
    email nor the token can be read back from it."""
    material = secret.strip().lower() if kind == "user" else secret
    return f"{kind}:{hashlib.sha256(material.encode('utf-8')).hexdigest()[:16]}"


def spent_today(settings: Settings, who: str | None = None) -> int | None:
    """Main-pool units spent today (Pacific) with this key on this machine, by every face (``who``: by that one
    identity only); None if unreadable."""
    today = spent_today_by_method(settings, who)
    return None if today is None else main_units(today)


def spent_today_by_method(settings: Settings, who: str | None = None) -> dict[str, int] | None:
    """Today's ledger for this key, per method (search.list in calls of its bucket), by everyone or by ``who``;
    None if unreadable."""
    try:
        return dict(Store.for_settings(settings).quota_today(settings.account_fingerprint, who=who))
    except (StoreError, InputError):
        return None


def spent_today_by_bucket(settings: Settings, who: str | None = None) -> dict[str, int] | None:
    """Today's spend (Pacific) with this key on this machine per bucket: {"units": main-pool units, "search":
    search.list calls, "stats": videos.batchGetStats calls}, by everyone (``who`` None: the quota planner's input)
    or by one identity; None if unreadable."""
    today = spent_today_by_method(settings, who)
    return None if today is None else by_bucket(today)


def record_spend(settings: Settings, units_by_method: Mapping[str, int], who: str = "") -> int | None:
    """Add a spend counted elsewhere (a run whose client had no ledger) in one write; today's main-pool
    units, or None (one warning) when the ledger cannot be written."""
    ledger = Ledger(settings, who=who)
    ledger._pending = {m: int(u) for m, u in units_by_method.items() if u}  # a new ledger: no other thread
    return ledger.today()


__all__ = ["FLUSH_SECONDS", "FLUSH_UNITS", "Ledger", "identity", "record_spend", "spent_today", "spent_today_by_bucket",
           "spent_today_by_method"]
