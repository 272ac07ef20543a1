"""Three quota buckets, each with its own daily budget (issue 18 item 1): main-pool units (Y2S_DAILY_QUOTA),
search.list calls (Y2S_DAILY_SEARCH_CALLS, default 100) and videos.batchGetStats calls (Y2S_DAILY_STATS_CALLS,
default 10,000). The settings read them (env and st.secrets), the ledger keeps them apart, the planner checks
each against its own budget and today's spend there, each bucket's exhaustion is its own error, and the quota
line (CLI, REST API, /metrics) shows all three with their budgets. Through google-api-python-client against
the YouTube emulator, asserting on the emulator's own counters."""

from __future__ import annotations

import io
import math
import os
import re

import pytest

from tests.api_helpers import AUTH, api_client
from y2s_core import cli
from y2s_core.emulators.catalog import BIG_CHANNEL_ID, DEMO_NOW, demo_catalog
from y2s_core.emulators.transport import HttplibHttp, serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.errors import InputError, QuotaExceeded
from y2s_core.quota import DailyBudgets, by_bucket, quota_line, today_line
from y2s_core.quota_planner import ChannelEstimate, QuotaPlan, WouldNotFit
from y2s_core.service import fetch, open_client, settle
from y2s_core.settings import Settings
from y2s_core.store.ledger import spent_today_by_bucket
from y2s_core.sync import Syncer, SyncOptions
from y2s_core.youtube import YouTubeClient

pytestmark = pytest.mark.timeout(300)
LEGACY = "youtube.com/c/OldSchoolTutorials"  # a /c/ name neither forHandle nor forUsername knows: 1 search call
V1 = "/api/v1"


def settings_for(tmp_path, **kw) -> Settings:
    return Settings(youtube_api_key="k", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'y2s.sqlite'}", **kw)


def counters(emu: YouTubeEmulator) -> dict[str, int]:
    return {"units": emu.units_used, "search": emu.search_calls_used, "stats": emu.stats_calls_used}


# ------------------------------------------------------------------------------------------------ settings


@pytest.mark.parametrize("env, secrets, budgets", [
    ({}, {}, DailyBudgets(10_000, 100, 10_000)),
    ({"Y2S_DAILY_SEARCH_CALLS": "250", "Y2S_DAILY_STATS_CALLS": "20,000"}, {}, DailyBudgets(10_000, 250, 20_000)),
    ({"Y2S_DAILY_STATS_CALLS": "5"}, {"Y2S_DAILY_STATS_CALLS": "7", "Y2S_DAILY_SEARCH_CALLS": 3},
     DailyBudgets(10_000, 3, 7)),  # st.secrets wins where it carries a value (a TOML number too)
    ({"Y2S_DAILY_QUOTA": "50_000", "Y2S_DAILY_SEARCH_CALLS": " "}, {}, DailyBudgets(50_000, 100, 10_000)),
])
def test_each_bucket_has_its_own_daily_budget_from_env_or_secrets(env, secrets, budgets):
    settings = Settings.from_env(env, secrets)
    assert settings.budgets == budgets
    assert (settings.daily_quota, settings.daily_search_calls, settings.daily_stats_calls) == \
        (budgets.units, budgets.search, budgets.stats)


@pytest.mark.parametrize("name", ["Y2S_DAILY_QUOTA", "Y2S_DAILY_SEARCH_CALLS", "Y2S_DAILY_STATS_CALLS"])
@pytest.mark.parametrize("text", ["abc", "0", "-5", "1.5", "100 calls", "١٠٠"])
def test_a_bad_budget_is_one_clear_input_error_naming_it(name, text):
    with pytest.raises(InputError) as e:
        Settings.from_env({name: text})
    message = str(e.value)
    assert message.startswith(f"{name} must be a whole number of ") and repr(text) in message and "\n" not in message


def test_a_bad_budget_is_exit_2_with_one_error_line():
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["fetch", "@y2sdemo"], stdout=out, stderr=err,
                   env={"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"], "Y2S_DAILY_STATS_CALLS": "abc"})
    assert code == 2 and out.getvalue() == ""
    assert err.getvalue() == ("error: Y2S_DAILY_STATS_CALLS must be a whole number of videos.batchGetStats calls "
                              "like 10000, not 'abc'.\n")


# ------------------------------------------------------------------------- each bucket's exhausted error


@pytest.mark.parametrize("bucket, emulator, call, words", [
    ("units", {"daily_quota": 0}, lambda c: c.video_details(["x"], "a test"), "daily pool of 10,000 units"),
    ("search", {"search_daily_calls": 0}, lambda c: c.resolve(cli_refs(LEGACY)), "search.list has its own bucket"),
    ("stats", {"stats_quota": 0}, lambda c: c.video_stats(["x"], "a test"), "videos.batchGetStats has its own bucket"),
])
def test_each_spent_bucket_is_its_own_quota_error_and_leaves_the_others(bucket, emulator, call, words):
    emu = YouTubeEmulator(**emulator)
    client = YouTubeClient(Settings(youtube_api_key="k"), http_factory=lambda: HttplibHttp(emu),
                           retry_sleep=lambda s: None)
    if bucket == "search":  # resolution keeps going: the input says why it failed, the run raises on it
        [res] = call(client)
        assert res.exhausted and "search" in res.error
    else:
        with pytest.raises(QuotaExceeded) as spent:
            call(client)
        assert spent.value.bucket == bucket and spent.value.exit_code == 3 and words in str(spent.value)
    assert counters(emu)[bucket] == 0  # a refused call is not billed
    after = counters(emu)
    others = {"units": lambda: client.video_details(["x"], "t"), "stats": lambda: client.video_stats(["x"], "t")}
    for name, other in others.items():
        if name != bucket:
            other()  # the other buckets still answer, each charged in its own
            assert counters(emu)[name] == after[name] + 1
    assert counters(emu)[bucket] == 0


def cli_refs(text: str):
    from y2s_core.channel_input import as_refs

    return as_refs(text)


# ------------------------------------------------------------------------- the ledger and the quota line


def test_the_ledger_keeps_the_three_buckets_as_the_emulator_counted_them(tmp_path):
    emu = YouTubeEmulator()
    settings = settings_for(tmp_path, daily_search_calls=50, daily_stats_calls=5_000)
    results = []
    for _ in range(2):  # a first listing, then a --stats all re-sync (each resolves the /c/ name: 1 search call)
        client = open_client(settings, http_factory=lambda: HttplibHttp(emu), retry_sleep=lambda s: None)
        run = fetch(client, settings, [LEGACY], incremental=True, stats="all")
        settle(client)
        client.close()
        assert run.error is None
        results.append(run.result)
    assert emu.search_calls_used == 2 and emu.stats_calls_used == 1 and emu.units_used > 0  # 40 videos: 1 stats call
    assert spent_today_by_bucket(settings) == counters(emu) == \
        {k: sum(by_bucket(r.quota)[k] for r in results) for k in ("units", "search", "stats")}
    again = results[1]
    assert again.quota == {"channels.list": 3, "search.list": 1, "videos.batchGetStats": 1}  # handle, user, /c/ id
    assert quota_line(again.quota_units, again.quota, settings.budgets) == (
        "3 quota units (channels.list 3; main pool, 10,000 a day); 1 search call (search.list bucket, 50 a day); "
        "1 stats call (videos.batchGetStats bucket, 5,000 a day)")
    assert today_line(counters(emu), settings.budgets) == (
        f"today {emu.units_used} units of 10,000, 2 search calls of 50, 1 stats call of 5,000")


def test_the_quota_line_without_budgets_is_unchanged():
    spend = {"videos.list": 1, "videos.batchGetStats": 52, "search.list": 1}
    assert quota_line(1, spend) == ("1 quota unit (videos.list 1); 1 search call (search.list bucket, 100 a day); "
                                    "52 stats calls (videos.batchGetStats bucket, 10,000 a day)")
    assert quota_line(0, {}, DailyBudgets(12, 3, 40)) == ("0 quota units (main pool, 12 a day); 0 search calls "
                                                          "(search.list bucket, 3 a day); 0 stats calls "
                                                          "(videos.batchGetStats bucket, 40 a day)")


def test_the_cli_quota_line_shows_each_bucket_with_its_budget(youtube_api):
    emu = youtube_api()
    env = {"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"], "Y2S_YOUTUBE_API_URL": os.environ["Y2S_YOUTUBE_API_URL"],
           "YOUTUBE_API_KEY": "test-key", "Y2S_DAILY_SEARCH_CALLS": "50", "Y2S_DAILY_STATS_CALLS": "5,000"}
    for _ in range(2):
        out, err = io.StringIO(), io.StringIO()
        code = cli.run(["fetch", LEGACY, "--new", "--stats", "all", "--progress"], stdout=out, stderr=err, env=env)
        assert code == 0, err.getvalue()
    said = err.getvalue()
    quota = re.search(r"^quota: .*$", said, re.M).group(0)
    assert "; main pool, 10,000 a day); 1 search call (search.list bucket, 50 a day); 1 stats call " \
           "(videos.batchGetStats bucket, 5,000 a day)" in quota, said
    assert emu.search_calls_used == 2 and emu.stats_calls_used == 1
    assert quota.endswith(f"; today {emu.units_used} units of 10,000, 2 search calls of 50, 1 stats call of 5,000 "
                          "on this machine (resets midnight Pacific)"), quota


def metric(text: str, name: str, bucket: str) -> float:
    found = re.search(rf'^{name}\{{bucket="{bucket}"\}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def test_the_api_answer_and_metrics_show_the_three_buckets_and_their_budgets(tmp_path):
    emu = YouTubeEmulator()
    with serve(emu) as server:
        settings = Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path,
                            daily_quota=9_000, daily_search_calls=60, daily_stats_calls=4_000)
        api = api_client(settings)
        before = api.get(f"{V1}/metrics", headers=AUTH).text
        for _ in range(2):
            r = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": LEGACY, "incremental": True, "stats": "all"})
            assert r.status_code == 200, r.text
        body = r.json()
        assert body["budgets"] == {"units": 9_000, "search": 60, "stats": 4_000}
        assert body["stats_calls"] == 1 and body["search_calls"] == 1
        assert body["quota_line"].endswith("1 search call (search.list bucket, 60 a day); 1 stats call "
                                           "(videos.batchGetStats bucket, 4,000 a day)")
        text = api.get(f"{V1}/metrics", headers=AUTH).text
    for bucket, daily in (("units", 9_000), ("search", 60), ("stats", 4_000)):
        assert metric(text, "y2s_youtube_quota_daily_budget", bucket) == daily
        assert metric(text, "y2s_youtube_quota_spent_today", bucket) == counters(emu)[bucket]
        spent = metric(text, "y2s_youtube_quota_spent_total", bucket) - metric(before, "y2s_youtube_quota_spent_total",
                                                                               bucket)
        assert spent == counters(emu)[bucket], bucket


# -------------------------------------------------------------------------------------------- the planner


BUDGETS = DailyBudgets(1_000, 100, 10_000)


def plan(units=10, stats=0, search=0, *, budgets=BUDGETS, spent=None, resolve=0):
    est = (ChannelEstimate("a", "incremental", units, "", stats_calls=stats, search_calls=search),)
    return QuotaPlan.today(est, resolve, budgets, spent)


def test_the_positional_plan_still_checks_the_main_pool_alone():
    old = QuotaPlan((ChannelEstimate("a", "incremental", 3, "", stats_calls=99),), 2, 1000, 900)
    assert old.fits and old.stats_remaining is None and old.stats_fallback == 0
    assert old.line() == ("plan: about 3 units (incremental 3) + 99 stats calls (videos.batchGetStats bucket) after 2 "
                          "spent resolving; today 902 of 1,000 units spent, 98 left")
    assert old == QuotaPlan(old.estimates, 2, 1000, 900, search_daily=100, stats_daily=10_000)


def test_each_bucket_is_checked_against_its_own_budget_and_todays_spend():
    spent = {"units": 900, "search": 99, "stats": 9_990}
    fits = plan(10, stats=4, spent=spent)
    assert fits.fits and fits.short == () and fits.stats_remaining == 10 and fits.search_remaining == 1
    assert fits.line() == ("plan: about 10 units (incremental 10) + 4 stats calls (videos.batchGetStats bucket); "
                           "today 900 of 1,000 units spent, 100 left; videos.batchGetStats bucket today 9,990 of "
                           "10,000 calls spent, 10 left")
    # statistics the stats bucket has no room for fall back to videos.list: counted in the main pool, not refused
    over = plan(10, stats=52, spent=spent)
    assert over.fits and over.stats_fallback == 42 and over.units_needed == 52
    assert "10 left (42 calls over it fall back to videos.list: 42 units more)" in over.line()
    # ... unless the main pool cannot take them: refused, naming both buckets
    tight = plan(60, stats=52, spent=spent)
    assert not tight.fits and tight.short == ("units",) and tight.line().endswith("; does not fit the main pool")
    refusal = tight.refusal()
    assert isinstance(refusal, WouldNotFit) and isinstance(refusal, QuotaExceeded)
    assert refusal.bucket == "units" and refusal.exit_code == 3
    assert "needs about 102 YouTube units, 42 videos.list calls of them for statistics the videos.batchGetStats " \
           "bucket has no room for (10 of its 10,000 calls left today, Y2S_DAILY_STATS_CALLS) but only 100 of " \
           "today's 1,000 are left (Y2S_DAILY_QUOTA" in str(refusal)
    # the search bucket: its own refusal, its own words
    search = plan(1, search=2, spent=spent)
    assert search.short == ("search",) and search.refusal().bucket == "search"
    assert "needs 2 search.list calls but only 1 of today's 100 are left (search.list has its own bucket: " \
           "Y2S_DAILY_SEARCH_CALLS" in str(search.refusal())
    assert search.line().endswith("search.list bucket today 99 of 100 calls spent, 1 left; does not fit the "
                                  "search.list bucket")
    both = plan(200, search=5, spent=spent)
    assert both.short == ("units", "search") and both.refusal().bucket == "units"
    assert both.line().endswith("does not fit the main pool nor the search.list bucket")


def test_an_unreadable_ledger_refuses_nothing_in_any_bucket():
    blind = plan(5_000, stats=20_000, search=500, spent=None)
    assert blind.fits and blind.remaining is None and blind.stats_remaining is None and blind.search_remaining is None
    assert "today's spend unknown" in blind.line()


def test_the_plan_from_the_ledger_of_real_runs_matches_what_the_emulator_spends(tmp_path):
    """A --stats all re-sync of @bigchannel (52 stats calls) when the stats bucket has 2 calls left (the first
    listing's details took 52 of 54): the plan, from the ledger of the real first run, says 50 fall back to
    videos.list, and the run spends just that."""
    emu = YouTubeEmulator(stats_quota=54)
    settings = settings_for(tmp_path, daily_stats_calls=54)
    client = open_client(settings, http_factory=lambda: HttplibHttp(emu), retry_sleep=lambda s: None)
    syncer = Syncer(client, settings)
    syncer.run(syncer.prepare(["@bigchannel"], None, SyncOptions(now=DEMO_NOW, stats="none")))
    settle(client)
    first = counters(emu)
    assert spent_today_by_bucket(settings) == first and first["stats"] == 52
    prep = syncer.prepare(["@bigchannel"], None, SyncOptions(now=DEMO_NOW, stats="all"))
    n = len(demo_catalog().videos(BIG_CHANNEL_ID))
    assert prep.plan.stats_calls == math.ceil(n / 50) == 52
    today = QuotaPlan.today(prep.plan.estimates, prep.plan.resolve_units, settings.budgets,
                            spent_today_by_bucket(settings))
    assert today.fits and today.stats_fallback == 50 and today.units_needed == prep.plan.units + 50
    out = syncer.run(prep)
    settle(client)
    spent = {k: counters(emu)[k] - first[k] for k in first}
    assert out.stop is None and spent == {"units": today.units_needed, "search": 0, "stats": 2}
    assert spent_today_by_bucket(settings) == counters(emu)
    assert prep.plan == today  # sync.py plans against every bucket


def test_the_sync_plan_checks_every_bucket(tmp_path):
    emu = YouTubeEmulator()
    settings = settings_for(tmp_path, daily_stats_calls=3)
    client = open_client(settings, http_factory=lambda: HttplibHttp(emu), retry_sleep=lambda s: None)
    prep = Syncer(client, settings).prepare(["@oldschool"], None, SyncOptions(now=DEMO_NOW, stats="all"))
    assert prep.plan.budgets == settings.budgets and prep.plan.stats_remaining == 3


def test_a_config_run_goes_on_after_a_refusal_and_stops_after_a_spent_main_pool(youtube_api, tmp_path):
    """``sync --config``: an entry the planner refuses (exit 3, naming the main pool) leaves the next entry to run;
    a main pool YouTube answers spent skips the rest."""
    emu = youtube_api()
    env = {"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"], "Y2S_YOUTUBE_API_URL": os.environ["Y2S_YOUTUBE_API_URL"],
           "YOUTUBE_API_KEY": "test-key", "Y2S_DAILY_QUOTA": "40"}
    config = tmp_path / "c.toml"
    config.write_text(f'sheet = "{tmp_path / "v.csv"}"\n[[sync]]\nname = "big"\nchannels = ["@bigchannel"]\n'
                      '[[sync]]\nname = "small"\nchannels = ["@oldschool"]\n', encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["sync", "--config", str(config)], stdout=out, stderr=err, env=env)
    assert code == 3, err.getvalue()
    [refused] = [ln for ln in err.getvalue().splitlines() if ln.startswith("error:")]
    assert refused.startswith("error: [big] Not started: this fetch needs about 54") and "Y2S_DAILY_QUOTA" in refused
    assert "[small] Old School Tutorials: full, 40 new" in out.getvalue() and "skipped" not in out.getvalue()
    assert emu.calls_by_method.get("playlistItems.list", 0) > 0 and emu.units_used < 40
    emu.daily_quota = emu.units_used  # the main pool YouTube-side is spent now: the first entry hits it
    config.write_text(config.read_text(encoding="utf-8").replace("@bigchannel", "@y2sdemo"), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["sync", "--config", str(config)], stdout=out, stderr=err, env={**env, "Y2S_DAILY_QUOTA": "10000"})
    assert code == 3 and "[small] skipped: the YouTube quota is spent" in out.getvalue(), out.getvalue()
