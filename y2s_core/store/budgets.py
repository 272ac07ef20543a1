"""Budgets and fetch slots in the store: limits every process on one database enforces alike.

Two REST API processes (or two app replicas) on one PostgreSQL, or the app and the API on one SQLite file,
share the key's daily budget, each person's or token's budget, and each caller's fetch slots. Memory of one
process cannot hold those; the store's ``fetch_slots`` table does, one row (a *hold*) per running fetch:

    holder      whose slot it is (a hashed identity, ``ledger.identity``); "" for a reservation without a slot
    who         whose budget its units count against; account / day: the key and the Pacific day
    units       main-pool units its plan reserved and has not spent yet (search: search.list calls)
    taken_at, expires_at   a hold lapses HOLD_SECONDS after it was taken or last renewed: while the fetch
                runs a thread renews it every RENEW_SECONDS, so a killed process (kill -9, a lost container)
                frees its slot and its reservation within HOLD_SECONDS

    budgets = Budgets(settings)
    with budgets.slot("token:3f2a…", limit=2) as hold:         # SlotsBusy when the holder runs 2 already
        budgets.reserve(plan.units_needed, plan.search_calls, who="token:3f2a…", who_daily=500, hold=hold)
        ...                                                    # BudgetRefused when it does not fit
    # the hold is deleted: its reservation is gone, the ledger has the real spend

Taking a slot and reserving are each one transaction that runs alone (``Store.serialized``: SQLite ``BEGIN
IMMEDIATE``, PostgreSQL an advisory lock), reading what is spent (the ledger) and what is held (the other holds)
in one statement, so two processes cannot both pass for the last slot or the last units. What a fetch spends is
taken off its hold as the ledger writes it (``Store.record_quota(hold=...)``, the same transaction): spent and
reserved units are never counted twice, and a fetch that spends more than it planned is counted by the ledger.

A store that cannot be written refuses nothing here (StoreError for the caller to decide: the REST API falls back
to its in-process slots and the planner's own check, and refuses a per-token budget it cannot check).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from ..errors import InputError, QuotaExceeded, StoreError, Y2SError
from ..quota import SEARCH, SEARCH_BUCKET, STATS_BUCKET, UNITS, pacific_day, quota_resets_at
from ..words import plural
from .db import Store
from .schema import fetch_slots, quota_ledger

if TYPE_CHECKING:
    from ..quota_planner import QuotaPlan
    from ..settings import Settings
    from .ledger import Ledger

_log = logging.getLogger("y2s_core.budgets")

HOLD_SECONDS = 90.0  # a hold not renewed for this long is a dead process's: its slot and units are free again
RENEW_SECONDS = 20.0  # a running fetch renews its hold this often
LOCK_KEY = 0x59325332  # "Y2S2": serializes slot takes and reservations on one PostgreSQL database
PROCESS = f"{socket.gethostname()[:40]}:{os.getpid()}"


class SlotsBusy(Y2SError):
    """The holder already runs ``limit`` fetches (in any process on this store)."""

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(frozen=True)
class Standing:
    """Today's spend (Pacific, main-pool units) of one identity and of everyone with the key, and their budgets;
    ``held``: units reserved by fetches still running (everyone's)."""

    you: int
    you_daily: int | None  # None: no budget of one's own
    everyone: int
    everyone_daily: int
    held: int = 0

    def line(self) -> str:
        """'you: 120 of 500 units today; everyone: 3,400 of 10,000' (without a budget of one's own: 'you: 120
        units today; ...'); with units reserved by running fetches: '; 57 reserved by running fetches'."""
        mine = f"you: {self.you:,} of {self.you_daily:,} units today" if self.you_daily is not None \
            else f"you: {plural(self.you, 'unit')} today"
        text = f"{mine}; everyone: {self.everyone:,} of {self.everyone_daily:,}"
        return text + (f"; {plural(self.held, 'unit')} reserved by running fetches" if self.held else "")

    def as_dict(self) -> dict[str, int | None]:
        return {"you": self.you, "you_daily": self.you_daily, "everyone": self.everyone,
                "everyone_daily": self.everyone_daily, "held": self.held}


class BudgetRefused(QuotaExceeded):
    """A fetch refused before it started, in the store's one transaction: it needs more than what is left of
    ``budget`` ("key": Y2S_DAILY_QUOTA or Y2S_DAILY_SEARCH_CALLS, spent and reserved by everyone; or the
    caller's own, e.g. "token": its daily units, spent and reserved by it). ``standing`` says where both are."""

    def __init__(self, message: str, *, budget: str, bucket: str, needed: int, standing: Standing) -> None:
        super().__init__(message, resets_at=quota_resets_at(), bucket=bucket)
        self.budget, self.needed, self.standing = budget, needed, standing


@dataclass(frozen=True)
class _Figures:
    key_units: int  # spent today with the key (main pool), by everyone
    key_search: int
    key_held_units: int  # reserved by the other holds
    key_held_search: int
    who_units: int  # spent today by ``who``
    who_held_units: int  # reserved by the other holds of ``who``


class Hold:
    """One row of ``fetch_slots`` held by this process: renewed by a thread until ``close`` deletes it."""

    def __init__(self, budgets: Budgets, hold_id: str, renew_every: float) -> None:
        self.budgets, self.id = budgets, hold_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, args=(renew_every,), name="y2s-hold", daemon=True)
        self._thread.start()

    def _renew(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.budgets.renew(self.id)
            except StoreError as e:  # the next renewal may get through; the hold lapses if none does
                _log.warning("fetch slot not renewed in %s (%s)", e.where, e.cause)

    def close(self) -> None:
        """Stop renewing and delete the hold (its slot and what it still reserved are free)."""
        if self._stop.is_set():
            return
        self._stop.set()
        try:
            self.budgets.release(self.id)
        except StoreError as e:  # it lapses by itself
            _log.warning("fetch slot not released in %s (%s): it lapses within %.0f s", e.where, e.cause,
                         self.budgets.hold_seconds)

    def __enter__(self) -> Hold:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Budgets:
    """The fetch slots and reservations of one key (``settings.account_fingerprint``) on the settings' store."""

    def __init__(self, settings: Settings, *, store: Store | None = None, hold_seconds: float = HOLD_SECONDS,
                 renew_seconds: float = RENEW_SECONDS) -> None:
        self.settings = settings
        self.account = settings.account_fingerprint
        self.store = store or Store.for_settings(settings)
        self.hold_seconds, self.renew_seconds = hold_seconds, renew_seconds

    # -- slots -------------------------------------------------------------------------------------

    def take(self, holder: str, limit: int, *, who: str | None = None, now: datetime | None = None) -> str:
        """A new hold for ``holder`` unless it already holds ``limit`` live ones (SlotsBusy); its id. No renewal:
        ``slot`` is the context manager that renews and releases."""
        now = now or datetime.now(timezone.utc)
        with self.store.serialized("written (fetch slots)", LOCK_KEY) as conn:
            self._drop_lapsed(conn, now)
            running = conn.execute(select(func.count()).select_from(fetch_slots)
                                   .where(fetch_slots.c.holder == holder)).scalar() or 0
            if running >= limit:
                raise SlotsBusy(f"{plural(limit, 'fetch')} already running for this caller (in any "
                                "process on this store): retry when one has finished.", limit=limit)
            return self._insert(conn, holder, holder if who is None else who, now)

    @contextmanager
    def slot(self, holder: str, limit: int, *, who: str | None = None) -> Iterator[Hold]:
        """Hold one of ``holder``'s ``limit`` slots while the block runs (SlotsBusy at once when all are held)."""
        with Hold(self, self.take(holder, limit, who=who), self.renew_seconds) as hold:
            yield hold

    def running(self, holder: str, now: datetime | None = None) -> int:
        """Live holds of ``holder`` in every process on this store."""
        now = now or datetime.now(timezone.utc)
        with self.store.serialized("read (fetch slots)", LOCK_KEY) as conn:
            return int(conn.execute(select(func.count()).select_from(fetch_slots).where(
                fetch_slots.c.holder == holder, fetch_slots.c.expires_at > now)).scalar() or 0)

    def renew(self, hold_id: str, now: datetime | None = None) -> None:
        now = now or datetime.now(timezone.utc)
        with self.store.serialized("written (fetch slots)", LOCK_KEY) as conn:
            conn.execute(update(fetch_slots).where(fetch_slots.c.id == hold_id)
                         .values(expires_at=now + timedelta(seconds=self.hold_seconds)))

    def release(self, hold_id: str) -> None:
        with self.store.serialized("written (fetch slots)", LOCK_KEY) as conn:
            conn.execute(delete(fetch_slots).where(fetch_slots.c.id == hold_id))

    # -- reservations ------------------------------------------------------------------------------

    def reserve(self, units: int, search: int = 0, *, who: str, who_daily: int | None = None, who_kind: str = "you",
                who_setting: str = "", force: bool = False, force_hint: str = "", hold: Hold | str | None = None,
                now: datetime | None = None) -> Hold | None:
        """Reserve a planned fetch's ``units`` (main pool) and ``search`` calls on ``hold`` (its slot) in one
        transaction, after checking them against what is left today:

        * the key: Y2S_DAILY_QUOTA (and Y2S_DAILY_SEARCH_CALLS) less what everyone spent (the ledger) and what the
          other holds reserve; ``force`` lifts this one (an owner's "fetch anyway");
        * ``who_daily`` (None: none): ``who``'s own units a day less what it spent and its other holds reserve;
          ``force`` does not lift it. ``who_kind`` names it in the refusal ("token", "member"), ``who_setting``
          says where it is set; ``force_hint`` how the face forces past the key's budget (said in that refusal).

        BudgetRefused when it does not fit. With no ``hold``, a hold without a slot is made and returned (renewed
        until its ``close``); else None."""
        now = now or datetime.now(timezone.utc)
        hold_id = hold.id if isinstance(hold, Hold) else hold
        budgets = self.settings.budgets
        with self.store.serialized("written (fetch reservations)", LOCK_KEY) as conn:
            self._drop_lapsed(conn, now)
            f = self._figures(conn, who, hold_id, now)
            standing = Standing(f.who_units, who_daily, f.key_units, budgets.units, f.key_held_units)
            if who_daily is not None and f.who_units + f.who_held_units + units > who_daily:
                left = max(who_daily - f.who_units - f.who_held_units, 0)
                owner = "you have" if who_kind == "you" else f"this {who_kind} has"
                raise BudgetRefused(
                    f"Not started: this fetch needs about {plural(units, 'YouTube unit')} but {owner} only {left:,} "
                    f"of {who_daily:,} units a day left{f' ({who_setting})' if who_setting else ''}, counting fetches "
                    f"still running; {standing.line()}. Fetch fewer videos or channels, or wait for the reset at "
                    f"midnight Pacific ({quota_resets_at(now):%Y-%m-%d %H:%M} UTC).",
                    budget=who_kind, bucket=UNITS, needed=units, standing=standing)
            if not force:
                short = None
                if f.key_units + f.key_held_units + units > budgets.units:
                    short = (UNITS, units, budgets.units - f.key_units - f.key_held_units, budgets.units,
                             "Y2S_DAILY_QUOTA", "YouTube unit")
                elif search and f.key_search + f.key_held_search + search > budgets.search:
                    short = (SEARCH, search, budgets.search - f.key_search - f.key_held_search, budgets.search,
                             "Y2S_DAILY_SEARCH_CALLS", "search.list call")
                if short is not None:
                    bucket, need, left, daily, setting, what = short
                    raise BudgetRefused(
                        f"Not started: this fetch needs about {plural(need, what)} but only {max(left, 0):,} of "
                        f"today's {daily:,} are left for this key ({setting}, less what every caller spent today and "
                        f"what fetches still running have reserved); {standing.line()}. Fetch fewer videos or "
                        f"channels, wait for the reset at midnight Pacific ({quota_resets_at(now):%Y-%m-%d %H:%M} UTC)"
                        + (f", or force it ({force_hint}; what it fetches is kept)." if force_hint else "."),
                        budget="key", bucket=bucket, needed=need, standing=standing)
            if hold_id is None:
                made = self._insert(conn, "", who, now, units=units, search=search)
            else:
                conn.execute(update(fetch_slots).where(fetch_slots.c.id == hold_id).values(
                    who=who, day=pacific_day(now), units=max(units, 0), search=max(search, 0),
                    expires_at=now + timedelta(seconds=self.hold_seconds)))
                return None
        return Hold(self, made, self.renew_seconds)

    def standing(self, who: str, who_daily: int | None = None, now: datetime | None = None) -> Standing:
        """Where ``who`` and everyone stand today (spent; units reserved by running fetches)."""
        now = now or datetime.now(timezone.utc)
        with self.store.serialized("read (quota ledger)", LOCK_KEY) as conn:
            f = self._figures(conn, who, None, now, live_only=True)
        return Standing(f.who_units, who_daily, f.key_units, self.settings.budgets.units, f.key_held_units)

    # -- plumbing ----------------------------------------------------------------------------------

    def _insert(self, conn: Connection, holder: str, who: str, now: datetime, *, units: int = 0,
                search: int = 0) -> str:
        hold_id = uuid.uuid4().hex
        conn.execute(insert(fetch_slots).values(
            id=hold_id, holder=holder, who=who, account=self.account, day=pacific_day(now), units=max(units, 0),
            search=max(search, 0), process=PROCESS[:64], taken_at=now,
            expires_at=now + timedelta(seconds=self.hold_seconds)))
        return hold_id

    @staticmethod
    def _drop_lapsed(conn: Connection, now: datetime) -> None:
        conn.execute(delete(fetch_slots).where(fetch_slots.c.expires_at <= now))

    def _figures(self, conn: Connection, who: str, mine: str | None, now: datetime, *,
                 live_only: bool = False) -> _Figures:
        """Everything the checks need in ONE statement (one snapshot: a ledger write that takes units off a hold
        commits both at once, and no read here can see one half of it)."""
        day = pacific_day(now)
        led = quota_ledger.c
        main = and_(led.day == day, led.account == self.account, led.method.not_in([SEARCH_BUCKET, STATS_BUCKET]))
        held = and_(fetch_slots.c.account == self.account, fetch_slots.c.day == day)
        if mine is not None:
            held = and_(held, fetch_slots.c.id != mine)
        if live_only:
            held = and_(held, fetch_slots.c.expires_at > now)

        def total(column: object, where: object) -> object:
            return select(func.coalesce(func.sum(column), 0)).where(where).scalar_subquery()

        row = conn.execute(select(
            total(led.units, main),
            total(led.units, and_(led.day == day, led.account == self.account, led.method == SEARCH_BUCKET)),
            total(fetch_slots.c.units, held),
            total(fetch_slots.c.search, held),
            total(led.units, and_(main, led.who == who)),
            total(fetch_slots.c.units, and_(held, fetch_slots.c.who == who)),
        )).one()
        return _Figures(*(int(v) for v in row))


class PlanReservation:
    """``service.fetch``'s ``on_plan`` for a face that reserves: the plan's units reserved in the store (on the
    caller's slot ``hold``, else on a hold of its own) before the fetch spends past its resolution, and the
    client's ``ledger`` pointed at that hold so what it spends replaces the reservation. ``close`` (at the end
    of the fetch) releases a hold of its own; the slot's is released with the slot.

        with Budgets(settings).slot(who, 2) as hold, PlanReservation(budgets, ledger, who_daily=500, hold=hold) as r:
            run = service.fetch(client, settings, inputs, spec, on_plan=r, force=forced)

    A plan the planner itself refuses (and ``force`` does not lift) is left for it to refuse in its own words.
    A store that cannot be written: with ``who_daily`` the StoreError is raised (a budget that cannot be
    checked is not granted), else one warning and the planner's own check stands."""

    def __init__(self, budgets: Budgets, ledger: Ledger | None, *, who_daily: int | None = None,
                 who_kind: str = "you", who_setting: str = "", force: bool = False, force_hint: str = "",
                 hold: Hold | str | None = None) -> None:
        self.budgets, self.ledger, self.hold = budgets, ledger, hold
        self.who_daily, self.who_kind, self.who_setting = who_daily, who_kind, who_setting
        self.force, self.force_hint = force, force_hint
        self.who = ledger.who if ledger is not None else ""
        self.own: Hold | None = None

    def __call__(self, plan: QuotaPlan) -> None:
        if not plan.fits and not self.force:
            return  # the planner refuses it next (the key's budget), in its own words
        if self.ledger is not None:
            self.ledger.flush()  # what the resolution spent is in the ledger before the budgets are read
        try:
            self.own = self.budgets.reserve(
                plan.units_needed, plan.search_calls, who=self.who, who_daily=self.who_daily, who_kind=self.who_kind,
                who_setting=self.who_setting, force=self.force, force_hint=self.force_hint, hold=self.hold)
        except (StoreError, InputError) as e:
            if self.who_daily is not None:
                raise
            _log.warning("fetch not reserved in the store (%s): the planner's own check stands",
                         getattr(e, "cause", "") or type(e).__name__)
            return
        if self.ledger is not None:
            held = self.own if self.own is not None else self.hold
            self.ledger.hold = held.id if isinstance(held, Hold) else held

    def close(self) -> None:
        if self.own is not None:
            self.own.close()
            self.own = None

    def __enter__(self) -> PlanReservation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def standing(settings: Settings, who: str, who_daily: int | None = None) -> Standing | None:
    """Where ``who`` and everyone with the settings' key stand today; None when the store cannot be read."""
    try:
        return Budgets(settings).standing(who, who_daily)
    except (StoreError, InputError):
        return None


__all__ = ["HOLD_SECONDS", "LOCK_KEY", "RENEW_SECONDS", "BudgetRefused", "Budgets", "Hold", "PlanReservation",
           "SlotsBusy", "Standing", "standing"]
