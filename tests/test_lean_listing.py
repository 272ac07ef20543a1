"""A proven tab listing without videos.list (issue 18 item 3), through google-api-python-client against the
YouTube emulator: the tabs' items say each video's title, date and thumbnail (the same unit a page), and
videos.batchGetStats (its own bucket) its counts and duration; its tab says its type. The rows are those of a
listing through videos.list but for the tags, which only videos.list has: unknown (None) here, kept in the
store when it knows them, fetched when ``match_tags`` needs them. A spent stats bucket falls back to
videos.list with one warning; a resumed listing and the planner count the same."""
# ruff: noqa: F811  (the store_backends fixtures are imported, then named as arguments)

from __future__ import annotations

import csv
import io
import json

import pytest

from y2s_core.emulators.catalog import BIG_CHANNEL_ID, DEMO_NOW
from y2s_core.emulators.transport import HttplibHttp
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.filters import FilterSpec
from y2s_core.settings import Settings
from y2s_core.store import Store
from y2s_core.sync import Syncer, SyncOptions
from y2s_core.youtube import YouTubeClient

from .store_backends import backend_url, postgres_server  # noqa: F401 (fixtures)

UU_ONLY = ("UULF", "UULV")  # without these tabs the channel is listed along its uploads chain (videos.list)
STATS_WARNING = "videos.batchGetStats bucket"


def client(emu: YouTubeEmulator, settings: Settings | None = None) -> YouTubeClient:
    return YouTubeClient(settings or Settings(youtube_api_key="k"), http_factory=lambda: HttplibHttp(emu),
                         retry_sleep=lambda s: None)


def untagged(videos) -> list[dict]:
    return [{k: v for k, v in video.to_row().items() if k != "tags"} for video in videos]


def test_the_stats_bucket_spent_mid_listing_falls_back_to_videos_list_with_one_warning():
    emu = YouTubeEmulator(stats_quota=10)
    result = client(emu).fetch("@bigchannel")
    ref = client(YouTubeEmulator(omit_tabs=UU_ONLY)).fetch("@bigchannel")
    assert result.complete and untagged(result.videos) == untagged(ref.videos) and len(result.videos) == 2600
    stats_ok = [c for c in emu.calls if c.method == "videos.batchGetStats" and c.status == 200]
    refused = [c for c in emu.calls if c.method == "videos.batchGetStats" and c.status == 429]
    assert len(stats_ok) == emu.stats_calls_used == 10 and 1 <= len(refused) <= 4  # then fail-fast, no retries
    # every id once: 500 from batchGetStats, the other 2,100 (and any refused batch) from videos.list
    by_stats = sum(c.ids for c in stats_ok)
    by_list = sum(c.ids for c in emu.calls if c.method == "videos.list")
    assert by_stats == 500 and by_list == 2100
    assert [w for w in result.warnings if STATS_WARNING in w] == [next(w for w in result.warnings if STATS_WARNING in w)]
    tagged = {v.id for v in result.videos if v.tags is not None}
    assert len(tagged) == 2100  # what videos.list detailed has its tags; what batchGetStats did does not


@pytest.mark.parametrize("status,reason", [(400, "unsupportedPart"), (404, "notFound")])
def test_a_refused_batch_get_stats_falls_back_to_videos_list_with_one_warning(status, reason):
    emu = YouTubeEmulator()
    emu.fail_next("videos.batchGetStats", status=status, reason=reason, times=100)
    result = client(emu).fetch("@bigchannel")
    ref = client(YouTubeEmulator(omit_tabs=UU_ONLY)).fetch("@bigchannel")
    assert result.complete and untagged(result.videos) == untagged(ref.videos)
    said = [w for w in result.warnings if "batchGetStats answered" in w]
    assert len(said) == 1 and f"{status} ({reason})" in said[0]
    refused = [c for c in emu.calls if c.method == "videos.batchGetStats"]
    assert 1 <= len(refused) <= 4 and all(c.status == status for c in refused)  # then never asked again
    assert sum(c.ids for c in emu.calls if c.method == "videos.list") == 2600


def test_tags_unknown_are_stored_as_unknown_and_never_erase_known_ones(backend_url, tmp_path):
    settings = Settings(youtube_api_key="k", data_dir=tmp_path, database_url=backend_url)
    emu = YouTubeEmulator()

    def sync(spec=None, full=False):
        emu.reset()
        syncer = Syncer(client(emu, settings), settings)
        return syncer.run(syncer.prepare(["@bigchannel"], spec, SyncOptions(now=DEMO_NOW, stats="none", full=full)))

    sync()  # a lean tab listing: tags unknown
    store = Store(backend_url)
    stored = {v.id: v for v in store.channel_videos(BIG_CHANNEL_ID)}
    assert len(stored) == 2600 and all(v.tags is None for v in stored.values())
    assert "videos.list" not in emu.calls_by_method and emu.stats_calls_used == 52
    spec = FilterSpec(include=("a",), match_tags=True)
    out = sync(spec)  # tags asked: videos.list details every video of the listing
    # the stored tags are unknown, so the store cannot serve it: listed again, through videos.list
    assert out.result.complete and out.reports[0].mode == "full"
    assert emu.units_by_method["videos.list"] == 52 and emu.stats_calls_used == 0
    tags = {v.id: v.tags for v in store.channel_videos(BIG_CHANNEL_ID)}
    assert all(t is not None for t in tags.values()) and any(tags.values())
    sync(full=True)  # lean again: the tags it does not know leave the stored ones as they were
    assert {v.id: v.tags for v in store.channel_videos(BIG_CHANNEL_ID)} == tags
    assert "videos.list" not in emu.calls_by_method


def test_rows_say_unknown_tags_as_null_in_json_and_empty_in_csv(tmp_path):
    from y2s_core import cli
    from y2s_core.emulators.transport import serve

    def fetch(*extra: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        code = cli.run(["fetch", "@bigchannel", "--max-videos", "600", *extra], stdout=out, stderr=err, env=env)
        assert code == 0, err.getvalue()
        return out.getvalue()

    with serve(YouTubeEmulator()) as server:
        env = {"YOUTUBE_API_KEY": "k", "Y2S_YOUTUBE_API_URL": server.url, "Y2S_DATA_DIR": str(tmp_path)}
        rows = json.loads(fetch("--format", "json"))
        assert len(rows) == 600 and all(r["tags"] is None for r in rows)
        tagged = json.loads(fetch("--format", "json", "--match-tags"))
        assert all(isinstance(r["tags"], list) for r in tagged) and any(r["tags"] for r in tagged)
        assert [{k: v for k, v in r.items() if k != "tags"} for r in tagged] == \
            [{k: v for k, v in r.items() if k != "tags"} for r in rows]
        table = list(csv.DictReader(io.StringIO(fetch("--format", "csv"))))
        assert len(table) == 600 and {r["tags"] for r in table} == {""}


def test_a_resumed_tab_listing_is_planned_as_it_spends(tmp_path):
    settings = Settings(youtube_api_key="k", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'y2s.sqlite'}")
    emu = YouTubeEmulator(daily_quota=25)
    syncer = Syncer(client(emu, settings), settings)
    cut = syncer.run(syncer.prepare(["@bigchannel"], None, SyncOptions(now=DEMO_NOW, stats="none")))
    assert cut.stop is not None
    stored = len(Store(settings.data_dir).channel_videos(BIG_CHANNEL_ID))
    emu.reset()
    emu.daily_quota = 10_000
    syncer = Syncer(client(emu, settings), settings)
    prep = syncer.prepare(["@bigchannel"], None, SyncOptions(now=DEMO_NOW, stats="none"))
    [estimate] = prep.plan.estimates
    out = syncer.run(prep)
    assert out.stop is None and out.reports[0].mode == "resume" and estimate.mode == "resume"
    # the ids listed but not detailed before the cut come back with what their tab's item said (``Resume.said``):
    # batchGetStats details them too, and videos.list is never asked
    assert "videos.list" not in emu.calls_by_method, dict(emu.calls_by_method)
    assert abs(estimate.units - emu.units_used) <= max(2, 0.1 * emu.units_used), (estimate, emu.units_used)
    assert abs(estimate.stats_calls - emu.stats_calls_used) <= max(2, 0.1 * emu.stats_calls_used), \
        (estimate, emu.stats_calls_used)
    detailed = [i for c in emu.calls if c.method in ("videos.list", "videos.batchGetStats") and c.status == 200
                for i in c.params["id"].split(",")]
    assert 0 < stored < 2600 and len(detailed) == len(set(detailed)) == 2600 - stored  # each once, none stored


@pytest.mark.parametrize("spent", [False, True])
def test_the_planner_counts_the_details_in_the_bucket_that_pays_them(tmp_path, spent):
    """A full tab listing: its details are stats calls (or, with the stats bucket spent, main-pool units)."""
    from y2s_core.service import plan_fetch

    settings = Settings(youtube_api_key="k", data_dir=tmp_path, daily_stats_calls=0 if spent else 10_000)
    emu = YouTubeEmulator()
    resolutions = client(emu).resolve(__import__("y2s_core").parse_channels("@bigchannel"))
    plan = plan_fetch(settings, resolutions, FilterSpec(), emu.units_used)
    assert plan.stats_calls == 52 and plan.units == 54
    assert plan.units_needed == (54 + 52 if spent else 54)


def test_a_resume_keeps_what_the_tabs_said_of_its_pending_ids():
    from y2s_core.youtube.parsing import ListedItem
    from y2s_core.youtube.walk import PagePos, Resume

    item = ListedItem("Title", "2025-05-01T12:00:00Z", "UCx", "Chan", "https://i.ytimg.com/vi/a/hqdefault.jpg")
    r = Resume({"UULF": PagePos("t", "a")}, pending=(("a", None, "UULF"), ("b", None, "UULF")), tabs=True,
               said={"a": item})
    back = Resume.from_json(json.loads(json.dumps(r.to_json())))
    assert back == r and back.said == {"a": item}
    broken = {**r.to_json(), "said": {"a": ["too", "short"], "b": list(item)}}
    assert Resume.from_json(broken).said == {"b": item}  # an entry of another shape is dropped, not fatal
    old = {"v": 1, "uploads": {}, "tabs": {"UULF": {"token": "t", "last_id": "a"}}, "pending": ["a", "b"],
           "said": {"a": list(item)}}
    assert Resume.from_json(old) == r  # a resume saved before the one cursor shape keeps its tab items' words
