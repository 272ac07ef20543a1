"""Who spent the quota (the ledger's ``who``), and the budgets and fetch slots kept in the store
(``store.budgets``): on SQLite and PostgreSQL, across connections as across processes."""

# ruff: noqa: F811  (the store_backends fixtures are imported, then named as arguments)
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, inspect, text

from y2s_core.settings import Settings
from y2s_core.store import SCHEMA_VERSION, Store, engine, migrations
from y2s_core.store.budgets import HOLD_SECONDS, BudgetRefused, Budgets, PlanReservation, SlotsBusy, Standing
from y2s_core.store.ledger import Ledger, identity, record_spend, spent_today, spent_today_by_bucket

from .store_backends import backend_url, postgres_server  # noqa: F401 (fixtures)

NOON = datetime(2026, 7, 1, 19, 0, tzinfo=timezone.utc)  # noon in Pacific time


def settings_on(url: str, **kw) -> Settings:
    return Settings(database_url=url, youtube_api_key="k" * 20, **kw)


# ------------------------------------------------------------------------------------------- who


def test_an_identity_is_a_hash_that_holds_no_email_or_token():
    user = identity("user", "Ada.Lovelace@Example.com ")
    assert user == identity("user", "ada.lovelace@example.com") and user.startswith("user:") and len(user) == 21
    assert "ada" not in user.lower() and "example" not in user
    token = identity("token", "s3cret-token-0123456789")
    assert token.startswith("token:") and "s3cret" not in token and token != identity("token", "S3cret-token-0123456789")


def test_the_ledger_counts_each_identity_and_everyone(backend_url):
    settings = settings_on(backend_url)
    alice, bob = identity("user", "alice@example.com"), identity("token", "t" * 32)
    for who, units in ((alice, {"videos.list": 3, "search.list": 1}), (bob, {"videos.list": 5}), ("cli", {"channels.list": 2})):
        ledger = Ledger(settings, who=who)
        for method, n in units.items():
            for _ in range(n):
                ledger(method, 1)
        assert ledger.flush()
    assert spent_today_by_bucket(settings) == {"units": 10, "search": 1, "stats": 0}  # positional: everyone, as ever
    assert spent_today_by_bucket(settings, alice) == {"units": 3, "search": 1, "stats": 0}
    assert spent_today_by_bucket(settings, who=bob)["units"] == 5
    assert spent_today(settings) == 10 and spent_today(settings, "cli") == 2 and spent_today(settings, "nobody") == 0
    assert record_spend(settings, {"videos.list": 4}) == 14  # unknown ("") counts for everyone only
    assert spent_today(settings, "") == 4
    with engine.engine_for(backend_url).connect() as conn:
        rows = conn.execute(text("SELECT who FROM quota_ledger")).scalars().all()
    assert set(rows) == {alice, bob, "cli", ""} and not any("@" in w for w in rows)


def test_version_5_keeps_a_version_4_ledger_as_spent_by_nobody_known(backend_url):
    eng = engine.engine_for(backend_url)
    assert migrations.migrate(eng, "test", upto=4) == 4
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO quota_ledger (day, account, method, units) VALUES (:d, 'abc', 'videos.list', 40)"),
                     {"d": NOON.date()})
    store = Store(backend_url)
    assert store.quota_on("abc", NOON.date()) == {"videos.list": 40}  # opening migrated to the latest
    store.record_quota("abc", {"videos.list": 2}, now=NOON, who="cli")
    store.record_quota("abc", {"videos.list": 1}, now=NOON)  # '' adds to the old rows
    assert store.quota_on("abc", NOON.date()) == {"videos.list": 43}
    assert store.quota_on("abc", NOON.date(), who="") == {"videos.list": 41}
    assert store.quota_on("abc", NOON.date(), who="cli") == {"videos.list": 2}
    with eng.connect() as conn:
        assert migrations.current_version(conn) == SCHEMA_VERSION == 5
    look = create_engine(engine.normalize_url(backend_url))
    try:
        found = inspect(look)
        assert found.get_pk_constraint("quota_ledger")["constrained_columns"] == ["day", "account", "who", "method"]
        assert "fetch_slots" in found.get_table_names()
    finally:
        look.dispose()


# ----------------------------------------------------------------------------------------- slots


def test_slots_are_per_holder_and_shared_by_every_budgets_object_on_the_store(backend_url):
    one, two = Budgets(settings_on(backend_url)), Budgets(settings_on(backend_url))  # two processes' worth
    a = one.take("token:a", 2)
    two.take("token:a", 2)
    with pytest.raises(SlotsBusy):
        one.take("token:a", 2)
    with pytest.raises(SlotsBusy):
        two.take("token:a", 2)
    two.take("token:b", 2)  # another caller has its own
    assert one.running("token:a") == 2 == two.running("token:a") and one.running("token:b") == 1
    two.release(a)
    assert one.running("token:a") == 1
    one.take("token:a", 2)


def test_a_killed_processes_slot_lapses_and_a_renewed_one_does_not(backend_url):
    budgets = Budgets(settings_on(backend_url))
    now = datetime.now(timezone.utc)
    dead = budgets.take("token:a", 2, now=now)  # never renewed: its process died
    alive = budgets.take("token:a", 2, now=now)
    with pytest.raises(SlotsBusy):
        budgets.take("token:a", 2, now=now + timedelta(seconds=HOLD_SECONDS / 2))
    budgets.renew(alive, now=now + timedelta(seconds=HOLD_SECONDS / 2))
    later = now + timedelta(seconds=HOLD_SECONDS + 1)
    assert budgets.running("token:a", now=later) == 1
    budgets.take("token:a", 2, now=later)  # the dead one's slot, taken again
    with pytest.raises(SlotsBusy):
        budgets.take("token:a", 2, now=later)
    del dead


def test_a_slot_is_released_when_its_block_ends_even_by_an_error(backend_url):
    budgets = Budgets(settings_on(backend_url))
    with pytest.raises(RuntimeError):
        with budgets.slot("token:a", 1):
            assert budgets.running("token:a") == 1
            raise RuntimeError("the fetch failed")
    assert budgets.running("token:a") == 0


# ---------------------------------------------------------------------------------- reservations


def test_a_reservation_counts_until_spent_then_the_ledger_counts_it(backend_url):
    settings = settings_on(backend_url, daily_quota=100)
    budgets = Budgets(settings)
    me = identity("token", "m" * 32)
    with budgets.slot(me, 2) as hold:
        budgets.reserve(60, who=me, hold=hold)
        with pytest.raises(BudgetRefused) as refused:  # 60 held + 41 > 100
            budgets.reserve(41, who="cli")
        assert refused.value.budget == "key" and refused.value.standing.held == 60
        assert "only 40 of today's 100 are left" in str(refused.value)
        ledger = Ledger(settings, who=me)
        ledger.hold = hold.id
        for _ in range(25):
            ledger("videos.list", 1)
        assert ledger.flush()
        assert budgets.standing(me).held == 35 and spent_today(settings, me) == 25  # 25 moved from held to spent
        extra = budgets.reserve(40, who="cli")  # 25 + 35 + 40 = 100: fits exactly
        assert extra is not None
        with pytest.raises(BudgetRefused):
            budgets.reserve(1, who="cli")
        extra.close()
    assert budgets.standing(me) == Standing(you=25, you_daily=None, everyone=25, everyone_daily=100, held=0)


def test_spending_past_the_reservation_is_counted_by_the_ledger_alone(backend_url):
    settings = settings_on(backend_url, daily_quota=100)
    budgets = Budgets(settings)
    with budgets.slot("token:a", 1) as hold:
        budgets.reserve(5, who="token:a", hold=hold)
        ledger = Ledger(settings, who="token:a")
        ledger.hold = hold.id
        for _ in range(9):
            ledger("videos.list", 1)
        ledger.flush()
        assert budgets.standing("token:a").held == 0 and spent_today(settings) == 9


def test_a_budget_of_ones_own_holds_against_force_and_the_keys_does_not(backend_url):
    settings = settings_on(backend_url, daily_quota=50)
    budgets = Budgets(settings)
    record_spend(settings, {"videos.list": 45}, who="token:a")
    with pytest.raises(BudgetRefused) as key:
        budgets.reserve(10, who="token:b")
    assert key.value.budget == "key" and key.value.bucket == "units"
    forced = budgets.reserve(10, who="token:b", force=True)  # "fetch anyway" lifts the key's budget ...
    forced.close()
    with pytest.raises(BudgetRefused) as own:  # ... never a token's own
        budgets.reserve(10, who="token:a", who_daily=50, who_kind="token", who_setting="Y2S_API_TOKEN_DAILY_UNITS",
                        force=True)
    assert own.value.budget == "token" and "this token has only 5 of 50 units a day left" in str(own.value)
    assert own.value.standing.line() == "you: 45 of 50 units today; everyone: 45 of 50"
    assert own.value.resets_at is not None and own.value.resets_at > datetime.now(timezone.utc)


def test_the_search_bucket_is_reserved_too(backend_url):
    settings = settings_on(backend_url, daily_search_calls=10)
    budgets = Budgets(settings)
    held = budgets.reserve(0, 8, who="a")
    with pytest.raises(BudgetRefused) as refused:
        budgets.reserve(0, 3, who="b")
    assert refused.value.bucket == "search" and "Y2S_DAILY_SEARCH_CALLS" in str(refused.value)
    held.close()
    budgets.reserve(0, 3, who="b").close()


@pytest.mark.parametrize("takers", [8])
def test_racing_for_the_last_units_lets_exactly_as_many_in_as_fit(backend_url, takers):
    """Eight connections at once (each its own Budgets, as two processes would be), each wanting 30 of 100 units:
    whatever the interleaving, exactly 3 get in, because each check and reservation is one serialized transaction."""
    settings = settings_on(backend_url, daily_quota=100)
    Budgets(settings).standing("x")  # migrated before the race
    start = threading.Barrier(takers)

    def one(i: int):
        budgets = Budgets(settings)
        start.wait(30)
        try:
            return budgets.reserve(30, who=f"token:{i}")
        except BudgetRefused:
            return None

    with ThreadPoolExecutor(takers) as pool:
        holds = list(pool.map(one, range(takers)))
    granted = [h for h in holds if h is not None]
    assert len(granted) == 3
    assert Budgets(settings).standing("x").held == 90
    for h in granted:
        h.close()
    assert Budgets(settings).standing("x").held == 0


class Plan:  # what PlanReservation reads of a quota_planner.QuotaPlan
    def __init__(self, units: int, fits: bool = True, search: int = 0) -> None:
        self.units_needed, self.fits, self.search_calls = units, fits, search


def test_a_plan_reservation_points_the_ledger_at_its_hold_and_releases_it(backend_url):
    settings = settings_on(backend_url, daily_quota=100)
    budgets = Budgets(settings)
    ledger = Ledger(settings, who="user:0123456789abcdef")
    with PlanReservation(budgets, ledger) as reservation:
        reservation(Plan(30))
        assert ledger.hold is not None and budgets.standing("x").held == 30
        ledger("videos.list", 10)
        ledger.flush()
        assert budgets.standing("user:0123456789abcdef") == Standing(10, None, 10, 100, 20)
    assert budgets.standing("x").held == 0
    skipped = PlanReservation(budgets, Ledger(settings))
    skipped(Plan(500, fits=False))  # the planner refuses it itself
    assert skipped.own is None and budgets.standing("x").held == 0
    with PlanReservation(budgets, Ledger(settings), who_daily=5, who_kind="member") as strict:
        with pytest.raises(BudgetRefused, match="this member has only 5 of 5"):
            strict(Plan(6))
