"""Statistics refreshes from videos.batchGetStats (issue 18 item 2), through google-api-python-client against the
YouTube emulator: its own bucket (calls, not main-pool units), the same rows as videos.list, a deleted video
still reported gone, a spent bucket falling back to videos.list with one warning, and the bucket kept apart
by the meter, the ledger and the quota line."""

from __future__ import annotations

import math

import pytest

from y2s_core.emulators.catalog import BIG_CHANNEL_ID, DEMO_LAB_ID, DEMO_NOW, OLD_SCHOOL_ID, demo_catalog
from y2s_core.emulators.transport import HttplibHttp
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.errors import QuotaExceeded
from y2s_core.models import VideoType
from y2s_core.quota import QuotaMeter, main_units, quota_line, stats_calls
from y2s_core.settings import Settings
from y2s_core.store.ledger import record_spend, spent_today, spent_today_by_method
from y2s_core.sync import Syncer, SyncOptions
from y2s_core.youtube import YouTubeClient

pytestmark = pytest.mark.timeout(300)
STATS_WARNING = "videos.batchGetStats bucket"


def make(emu: YouTubeEmulator, tmp_path) -> Syncer:
    s = Settings(youtube_api_key="k", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'y2s.sqlite'}")
    return Syncer(YouTubeClient(s, http_factory=lambda: HttplibHttp(emu), retry_sleep=lambda s: None), s)


def sync(emu, tmp_path, channels, stats="all"):
    emu.reset()
    syncer = make(emu, tmp_path)
    prep = syncer.prepare(list(channels), None, SyncOptions(now=DEMO_NOW, stats=stats))
    return prep, syncer.run(prep)


def rows(out, tags: bool = True) -> list[dict]:
    """The rows by id; ``tags`` False: without them (a tab listing leaves them unknown, videos.list fills them)."""
    return sorted(({k: v for k, v in r.items() if tags or k != "tags"} for r in (v.to_row() for v in out.result.videos)),
                  key=lambda r: r["video_id"])


def client(emu) -> YouTubeClient:
    return YouTubeClient(Settings(youtube_api_key="k"), http_factory=lambda: HttplibHttp(emu),
                         retry_sleep=lambda s: None)


# ----------------------------------------------------------------------------------- the emulator, the client


def test_batch_get_stats_answers_only_public_ids_in_its_own_bucket():
    catalog = demo_catalog().copy()
    emu = YouTubeEmulator(catalog)
    ids = [v.id for v in catalog.videos(OLD_SCHOOL_ID)][:4]
    catalog.set_availability(ids[1], "private")
    c = client(emu)
    items = c.video_stats([*ids, "nOsUchVideo"], "a test")
    assert [i["id"] for i in items] == [ids[0], *ids[2:]]  # not atomic: private and unknown ids left out
    assert set(items[0]) == {"kind", "etag", "id", "statistics", "contentDetails"}
    assert set(items[0]["contentDetails"]) == {"duration"} and items[0]["kind"] == "youtube#videoStats"
    assert all(isinstance(x, str) for x in items[0]["statistics"].values())
    assert emu.units_used == 0 and emu.stats_calls_used == 1 and emu.units_by_method == {"videos.batchGetStats": 1}
    assert c.meter.snapshot() == {"videos.batchGetStats": 1} and c.meter.total_units == 0 and c.meter.stats_calls == 1


def test_a_spent_stats_bucket_is_its_own_quota_error_and_leaves_the_main_pool():
    emu = YouTubeEmulator(stats_quota=1)
    ids = [v.id for v in demo_catalog().videos(OLD_SCHOOL_ID)][:3]
    c = client(emu)
    c.video_stats(ids, "a test")
    with pytest.raises(QuotaExceeded) as spent:
        c.video_stats(ids, "refreshing statistics")
    assert spent.value.bucket == "stats" and "videos.batchGetStats" in str(spent.value)
    refused = emu.calls[-1]
    assert (refused.method, refused.status, refused.units) == ("videos.batchGetStats", 429, 0)  # not billed
    with pytest.raises(QuotaExceeded):  # fails fast until the reset: no call sent
        c.video_stats(ids, "refreshing statistics")
    assert emu.calls_by_method["videos.batchGetStats"] == 2
    assert len(c.video_details(ids, "details")) == 3 and emu.units_used == 1  # the main pool is untouched


# -------------------------------------------------------------------------------------------- the refresh


def test_a_stats_refresh_costs_no_main_units_and_gives_the_rows_videos_list_gives(tmp_path):
    """@y2sdemo (UUSH types, 1 Upcoming, 5 Live) and @oldschool (the duration rule): ``--stats all`` through
    batchGetStats, then the same with its bucket spent (the videos.list path): identical rows and counts."""
    channels = ["@y2sdemo", "@oldschool"]
    emu = YouTubeEmulator()
    _, first = sync(emu, tmp_path / "a", channels)
    upcoming = sum(1 for v in first.result.videos if v.type is VideoType.UPCOMING)
    assert upcoming == 1
    n = {ch: len(demo_catalog().videos(ch)) for ch in (DEMO_LAB_ID, OLD_SCHOOL_ID)}
    prep, out = sync(emu, tmp_path / "a", channels)
    assert [r.mode for r in out.reports] == ["incremental", "incremental"]
    assert emu.stats_calls_used == sum(math.ceil(x / 50) for x in n.values()) == 4
    # only the Upcoming video is asked of videos.list (to be typed again: it may have aired)
    assert emu.units_by_method == {"videos.batchGetStats": 4, "videos.list": 1}
    assert [c.ids for c in emu.calls if c.method == "videos.list"] == [upcoming]
    assert prep.plan.units == 0 and prep.plan.stats_calls == 4 and "stats call" in prep.plan.line()
    assert sum(r.refreshed for r in out.reports) == sum(n.values()) and out.result.warnings == ()
    assert [(r.units, r.stats_calls) for r in out.reports] == [(1, 3), (0, 1)]  # each bucket per channel
    assert out.reports[1].line().endswith("40 refreshed, 0 units, 1 stats call (feed: unchanged)")

    spent = YouTubeEmulator(stats_quota=0)
    sync(spent, tmp_path / "b", channels)
    _, fallback = sync(spent, tmp_path / "b", channels)
    assert spent.stats_calls_used == 0 and spent.units_by_method == {"videos.list": 4}
    assert rows(out) == rows(fallback) == rows(first)  # the same rows, views/likes/comments included
    assert {v.id: (v.views, v.likes, v.comments) for v in out.result.videos} == \
        {v.id: (v.views, v.likes, v.comments) for v in fallback.result.videos}


def test_a_deleted_video_is_still_reported_gone_after_one_videos_list_call(tmp_path):
    catalog = demo_catalog().copy()
    emu = YouTubeEmulator(catalog)
    _, first = sync(emu, tmp_path, ["@oldschool"])
    victims = [first.result.videos[3].id, first.result.videos[7].id]
    catalog.set_availability(victims[0], "private")
    catalog.set_availability(victims[1], "deleted")
    _, out = sync(emu, tmp_path, ["@oldschool"])
    assert emu.units_by_method == {"videos.batchGetStats": 1, "videos.list": 1}
    assert [c.ids for c in emu.calls if c.method == "videos.list"] == [2]  # the missing ids only, once
    assert out.reports[0].gone == 2 and not set(victims) & {v.id for v in out.result.videos}
    assert any("no longer returned by YouTube" in w and all(v in w for v in victims) for w in out.result.warnings)
    assert out.result.quota_units == 1 and out.result.stats_calls == 1


def test_a_spent_stats_bucket_falls_back_to_videos_list_with_one_warning(tmp_path):
    emu = YouTubeEmulator(stats_quota=1)
    _, first = sync(emu, tmp_path, ["@bigchannel", "@oldschool"])
    _, out = sync(emu, tmp_path, ["@bigchannel", "@oldschool"])  # 52 + 1 batches; the bucket allows 1 call
    n = len(demo_catalog().videos(BIG_CHANNEL_ID)) + len(demo_catalog().videos(OLD_SCHOOL_ID))
    batches = math.ceil(2600 / 50) + 1
    assert emu.stats_calls_used == 1 and emu.units_by_method["videos.list"] == batches - 1
    assert sum(r.refreshed for r in out.reports) == n and sum(r.gone for r in out.reports) == 0
    said = [w for w in out.result.warnings if STATS_WARNING in w]
    assert len(said) == 1 and "videos.list" in said[0]  # one warning naming the bucket, for both channels
    assert out.result.complete and rows(out, tags=False) == rows(first, tags=False)
    # the first listing's one stats call left its videos' tags unknown; the refresh's videos.list said them: only
    # the videos the refresh's one stats call read may still have none
    by_stats = {i for c in emu.calls if c.method == "videos.batchGetStats" and c.status == 200
                for i in c.params["id"].split(",")}
    assert len(by_stats) <= 50 and all(v.tags is not None for v in out.result.videos if v.id not in by_stats)


# ------------------------------------------------------------------------------- the meter, ledger, quota line


def test_the_ledger_and_the_quota_line_keep_the_stats_bucket_apart(tmp_path):
    spend = {"videos.list": 1, "videos.batchGetStats": 52, "search.list": 1}
    assert main_units(spend) == 1 and stats_calls(spend) == 52
    assert quota_line(1, spend) == ("1 quota unit (videos.list 1); 1 search call (search.list bucket, 100 a day); "
                                    "52 stats calls (videos.batchGetStats bucket, 10,000 a day)")
    meter = QuotaMeter()
    meter.record("videos.batchGetStats", True)
    assert meter.total_units == 0 and meter.stats_calls == 1
    settings = Settings(youtube_api_key="k", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'y2s.sqlite'}")
    assert record_spend(settings, spend) == 1  # today's main-pool units
    assert spent_today(settings) == 1 and spent_today_by_method(settings)["videos.batchGetStats"] == 52
