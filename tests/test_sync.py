"""The incremental sync (``y2s_core.sync``, ``youtube.incremental``) through the real google-api-python-client
against the YouTube emulator, the store on SQLite and PostgreSQL: what a re-sync costs per ``--stats`` mode,
new uploads, deleted videos, filters over known + new, and a listing cut by the quota then resumed.
Assertions on the emulator's counters (units per method, ids per call)."""

# ruff: noqa: F811  (the store_backends fixtures are imported, then named as arguments)
from __future__ import annotations

import math
from datetime import timedelta

import pytest

from y2s_core.emulators.catalog import BIG_CHANNEL_ID, DEMO_NOW, OLD_SCHOOL_ID, demo_catalog
from y2s_core.emulators.transport import HttplibHttp
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.filters import FilterSpec
from y2s_core.settings import Settings
from y2s_core.store import Store
from y2s_core.store.syncing import known_channels
from y2s_core.sync import Syncer, SyncOptions
from y2s_core.youtube import YouTubeClient

from .store_backends import backend_url, postgres_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.timeout(300)  # the 2,600-video listings, on a loaded machine
NOW = DEMO_NOW  # the demo catalog's "now": "recent" is the 90 days before it


def make(emu: YouTubeEmulator, url: str, tmp_path, daily_quota: int = 10_000) -> tuple[Syncer, Settings]:
    settings = Settings(youtube_api_key="k", data_dir=tmp_path, database_url=url, daily_quota=daily_quota)
    client = YouTubeClient(settings, http_factory=lambda: HttplibHttp(emu), retry_sleep=lambda s: None)
    return Syncer(client, settings), settings


def sync(emu, url, tmp_path, channels=("@bigchannel",), spec=None, daily_quota=10_000, **options):
    emu.reset()
    syncer, _ = make(emu, url, tmp_path, daily_quota)
    prep = syncer.prepare(list(channels), spec, SyncOptions(now=options.pop("now", NOW), **options))
    return prep, syncer.run(prep)


def check_types(catalog, videos) -> None:
    wrong = [(v.id, v.type.value, catalog.expected_type(v.id)) for v in videos if v.type.value != catalog.expected_type(v.id)]
    assert wrong == []


# ------------------------------------------------------------------------------- checkpoints, at every chance


@pytest.mark.parametrize("seconds", [0.0, 1e9], ids=["every chance", "by videos only"])
def test_a_listing_checkpointed_at_every_chance_stores_each_video_once(backend_url, tmp_path, monkeypatch, seconds):
    """A proven tab listing stores what it has every second or 250 videos (listing.CHECKPOINT_SECONDS,
    CHECKPOINT_VIDEOS): how many checkpoints a run takes by time depends on the machine's speed, so one run takes
    one at every chance, the other none by time: a checkpoint each time 250 more videos were detailed, however
    fast. The result is the same, each video has one snapshot, and the finished listing leaves nothing to resume."""
    import y2s_core.sync as sync_module
    from y2s_core.youtube import listing

    monkeypatch.setattr(listing, "CHECKPOINT_SECONDS", seconds)
    taken: list[int] = []
    real = sync_module.record_checkpoint

    def record_checkpoint(store, channel, **kw):
        taken.append(len(kw["seen"]))
        return real(store, channel, **kw)

    monkeypatch.setattr(sync_module, "record_checkpoint", record_checkpoint)
    _, out = sync(YouTubeEmulator(), backend_url, tmp_path)
    assert taken  # at least one checkpoint (which videos it held depends on the threads: any is fine)
    if seconds:  # by videos only: each one holds the 250 (or more) detailed since the last
        assert min(taken) >= listing.CHECKPOINT_VIDEOS, taken
    assert [r.mode for r in out.reports] == ["full"] and len(out.result.videos) == 2600 and out.result.complete
    history = Store(backend_url).history([BIG_CHANNEL_ID])
    assert len(history) == len({h.video_id for h in history}) == 2600  # checkpointed or not: one snapshot each
    assert Store(backend_url).sync_state_of(BIG_CHANNEL_ID).listing_resume is None


# ------------------------------------------------------------------------ a re-sync of an unchanged channel


def test_a_resync_of_an_unchanged_2600_video_channel_costs_per_stats_mode(backend_url, tmp_path):
    emu = YouTubeEmulator()
    prep, first = sync(emu, backend_url, tmp_path)
    assert [r.mode for r in first.reports] == ["full"] and len(first.result.videos) == 2600
    tab_pages = sum(max(1, math.ceil(len(ids) / 50)) for ids in demo_catalog().tabs(BIG_CHANNEL_ID).values())
    first_units = 1 + tab_pages + 1  # channels, UULF/UUSH/UULV, the uploads page; details: batchGetStats (issue 18)
    assert emu.units_used == first_units == 55 and prep.plan.units == first_units - 1  # the planner knew it
    assert emu.stats_calls_used == math.ceil(2600 / 50) == prep.plan.stats_calls
    n = 2600
    recent = sum(1 for v in demo_catalog().videos(BIG_CHANNEL_ID) if v.published >= (NOW - timedelta(days=90)).timestamp())
    assert 0 < recent < n
    # the uploads feed shows nothing new (its newest entry is the boundary): no uploads page, only the refresh,
    # read from videos.batchGetStats: its own bucket (calls), 0 units of the main pool
    for stats, calls in (("none", 0), ("recent", math.ceil(recent / 50)), ("all", math.ceil(n / 50))):
        prep, out = sync(emu, backend_url, tmp_path, stats=stats)
        assert [r.mode for r in out.reports] == ["incremental"], stats
        assert emu.units_used == 0, (stats, dict(emu.units_by_method))
        assert emu.stats_calls_used == calls and emu.units_by_method.get("videos.batchGetStats", 0) == calls
        assert emu.units_by_method.get("channels.list", 0) == 0  # the uploads playlist id comes from the store
        assert emu.units_by_method.get("playlistItems.list", 0) == 0 and emu.feed_calls == 1
        assert max((c.ids for c in emu.calls if c.method == "videos.batchGetStats"), default=0) <= 50
        assert prep.plan.units == 0  # the planner knew exactly
        assert sum(e.stats_calls for e in prep.plan.estimates) == calls
        assert out.reports[0].new == 0 and out.new_ids == frozenset()
        assert len(out.result.videos) == n and out.result.complete
        assert out.result.quota_units == 0 and out.result.stats_calls == calls
    assert emu.units_used == 0 and emu.stats_calls_used == 52  # --stats all: was 52 units of the main pool
    assert out.reports[0].refreshed == n
    check_types(demo_catalog(), out.result.videos)
    # one snapshot per video read: the first listing, then "recent" and "all" (not "none")
    history = Store(backend_url).history([BIG_CHANNEL_ID])
    per_video = {}
    for h in history:
        per_video[h.video_id] = per_video.get(h.video_id, 0) + 1
    assert sorted(set(per_video.values())) == [2, 3] and sum(per_video.values()) == n + recent + n


def test_five_new_uploads_cost_two_units_plus_their_details(tmp_path):
    catalog = demo_catalog().copy()
    emu = YouTubeEmulator(catalog)
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    sync(emu, url, tmp_path)
    added = catalog.add_uploads(BIG_CHANNEL_ID, 5)
    prep, out = sync(emu, url, tmp_path, stats="none")
    # 1 uploads page (the 5 new on top of the boundary) + 1 UUSH page (types of the new) + 1 videos.list
    assert emu.units_by_method == {"playlistItems.list": 2, "videos.list": 1}
    uush = [c for c in emu.calls if c.params.get("playlistId", "").startswith("UUSH")]
    assert len(uush) == 1 and "pageToken" not in uush[0].params
    assert [c.ids for c in emu.calls if c.method == "videos.list"] == [5]  # only the new ones are detailed
    assert out.new_ids == {v.id for v in added} and out.reports[0].new == 5
    assert [v.id for v in out.result.videos[:5]] == [v.id for v in added]  # newest first, then the known ones
    assert len(out.result.videos) == 2605
    check_types(catalog, out.result.videos[:5])
    assert {v.type.value for v in out.result.videos[:5]} == {"Short", "Long"}
    assert prep.plan.units == 0  # expected no new upload (the last sync was moments ago): the feed to show none
    _, again = sync(emu, url, tmp_path, stats="none")
    assert emu.units_used == 0 and again.new_ids == frozenset()  # the boundary moved to the new top: the feed's


def test_a_channel_without_a_uush_playlist_types_new_uploads_by_duration_for_no_extra_call(tmp_path):
    catalog = demo_catalog().copy()
    emu = YouTubeEmulator(catalog)
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    sync(emu, url, tmp_path, channels=["@oldschool"])
    added = catalog.add_uploads(OLD_SCHOOL_ID, 3)
    _, out = sync(emu, url, tmp_path, channels=["@oldschool"], stats="none")
    assert emu.units_by_method == {"playlistItems.list": 1, "videos.list": 1}  # the store knows: duration rule
    check_types(catalog, out.result.videos)
    assert out.new_ids == {v.id for v in added}


def test_a_known_video_youtube_stops_returning_is_reported_gone_and_kept(tmp_path):
    catalog = demo_catalog().copy()
    emu = YouTubeEmulator(catalog)
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    _, first = sync(emu, url, tmp_path, channels=["@oldschool"])
    victim = first.result.videos[3].id
    catalog.set_availability(victim, "private")
    _, out = sync(emu, url, tmp_path, channels=["@oldschool"], stats="all")
    assert out.reports[0].gone == 1 and victim not in {v.id for v in out.result.videos}
    assert any("no longer returned by YouTube" in w and victim in w for w in out.result.warnings)
    known = known_channels(Store(url), [OLD_SCHOOL_ID])[OLD_SCHOOL_ID]
    assert victim in known.missing and victim in {v.id for v in known.videos}  # kept in the store
    _, quiet = sync(emu, url, tmp_path, channels=["@oldschool"], stats="none")
    assert victim not in {v.id for v in quiet.result.videos}  # still left out, without asking again
    catalog.set_availability(victim, "public")
    _, back = sync(emu, url, tmp_path, channels=["@oldschool"], stats="all")
    assert victim in {v.id for v in back.result.videos} and back.reports[0].gone == 0
    assert victim not in known_channels(Store(url), [OLD_SCHOOL_ID])[OLD_SCHOOL_ID].missing


# ------------------------------------------------------------------------------------- the filters


def test_filters_apply_to_known_and_new_videos_as_a_whole(tmp_path):
    catalog = demo_catalog().copy()
    emu = YouTubeEmulator(catalog)
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    _, first = sync(emu, url, tmp_path, spec=FilterSpec(types=["short"]))
    assert {v.type.value for v in first.result.videos} == {"Short"}
    added = catalog.add_uploads(BIG_CHANNEL_ID, 8)  # every 4th a Short: 2 Shorts among them
    spec = FilterSpec(types=["long"], max_videos=10)  # other types than the first sync: still incremental
    _, out = sync(emu, url, tmp_path, spec=spec, stats="none")
    assert out.reports[0].mode == "incremental" and emu.units_used == 3
    longs = [v for v in added if not v.in_shorts]
    want = [v.id for v in longs] + [v.id for v in demo_catalog().videos(BIG_CHANNEL_ID)
                                    if demo_catalog().expected_type(v.id) == "Long"][: 10 - len(longs)]
    assert [v.id for v in out.result.videos] == want


def test_a_capped_first_sync_is_listed_in_full_when_the_next_one_wants_more(tmp_path):
    emu = YouTubeEmulator()
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    _, first = sync(emu, url, tmp_path, spec=FilterSpec(max_videos=60))
    assert len(first.result.videos) == 60
    _, same = sync(emu, url, tmp_path, spec=FilterSpec(max_videos=60), stats="none")
    assert same.reports[0].mode == "incremental" and emu.units_used == 0  # the feed shows nothing new
    _, fewer_since = sync(emu, url, tmp_path, spec=FilterSpec(since=first.result.videos[20].published_at.date()),
                          stats="none")
    assert fewer_since.reports[0].mode == "incremental"
    _, more = sync(emu, url, tmp_path, spec=FilterSpec(max_videos=200), stats="none")
    assert more.reports[0].mode == "full" and len(more.result.videos) == 200
    assert emu.units_by_method.get("channels.list", 0) == 0  # a stored channel needs no resolving, even listed in full


def test_full_lists_again_and_resolves_the_channel(tmp_path):
    emu = YouTubeEmulator()
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    sync(emu, url, tmp_path, channels=["@y2sdemo"])
    first_units = emu.units_used
    _, out = sync(emu, url, tmp_path, channels=["@y2sdemo"], full=True)
    assert out.reports[0].mode == "full" and emu.units_used == first_units and out.new_ids == frozenset()


# ----------------------------------------------------------------- a listing cut by the quota, resumed


def playlists_listed(emu) -> dict[str, int]:
    """playlistItems.list calls by playlist kind ("UU", "UULF", "UUSH", "UULV") in the emulator's last day."""
    calls = [c.params["playlistId"] for c in emu.calls if c.method == "playlistItems.list"]
    return {kind: sum(1 for p in calls if (p[:4] if p[:4] in ("UULF", "UUSH", "UULV") else p[:2]) == kind)
            for kind in ("UU", "UULF", "UUSH", "UULV")}


def test_a_listing_cut_by_the_quota_resumes_where_it_stopped(backend_url, tmp_path):
    emu = YouTubeEmulator(daily_quota=25)
    runs, total, notes, resumed = 0, 0, [], {"UU": 0, "UULF": 0, "UUSH": 0, "UULV": 0}
    while True:
        runs += 1
        prep, out = sync(emu, backend_url, tmp_path, stats="none")  # emu.reset(): a new quota day
        total += emu.units_used
        notes.append(out.reports[0].note)
        listed = playlists_listed(emu)
        if runs == 1:
            assert out.result.type_rules[BIG_CHANNEL_ID] == "tab playlists" and listed["UU"] == 1  # a proven tab listing
        else:  # a resume continues the tabs (those not done yet); the uploads playlist only down to the saved top
            assert out.reports[0].mode == "resume" and listed["UU"] == 1, listed
            resumed = {k: n + listed[k] for k, n in resumed.items()}
        if out.stop is None:
            break
        assert runs < 6
    assert runs <= 4
    assert resumed["UULF"] > 0 and resumed["UU"] == runs - 1, resumed  # UULF continued, never the uploads chain
    # the planner's estimate of the last (uncut) resume: the tab pages left, their saved pages, the top, the details
    [estimate] = prep.plan.estimates
    assert estimate.mode == "resume" and abs(estimate.units - emu.units_used) <= max(2, 0.1 * emu.units_used), \
        (estimate, emu.units_used)
    assert "resumed: " in notes[1] and " of 2,600 already stored" in notes[1]
    assert out.result.complete and len(out.result.videos) == 2600
    store = Store(backend_url)
    stored = store.channel_videos(BIG_CHANNEL_ID)
    assert len(stored) == len({v.id for v in stored}) == 2600  # every video exactly once
    snapshots = store.history([BIG_CHANNEL_ID])
    assert len(snapshots) == len({s.video_id for s in snapshots}) == 2600  # each detailed exactly once
    check_types(demo_catalog(), stored)
    # one uninterrupted listing costs 55 units (through the tabs; its details from videos.batchGetStats). A cut tab
    # listing resumes on its tabs (what it detailed below the prefix it kept is stored too, typed by its tab): each
    # resume asks the new top page and each unfinished tab's saved page again (at most 1 + 3); the ids listed but
    # not detailed before the cut come back with their tab items' words (``Resume.said``): batchGetStats, no unit
    assert 55 < total <= 55 + 4 * (runs - 1), total
    assert "videos.list" not in emu.calls_by_method  # the last resume's details too
    _, after = sync(emu, backend_url, tmp_path, stats="none")
    assert after.reports[0].mode == "incremental" and emu.units_used == 0  # the boundary is the feed's newest


def save_resume(store, resume) -> None:
    import json

    from sqlalchemy import text

    with store.engine.begin() as conn:
        conn.execute(text("UPDATE sync_state SET listing_resume = :r"), {"r": json.dumps(resume)})


def test_a_saved_position_that_no_longer_works_restarts_from_the_top(tmp_path):
    # without its long-form and live tabs the channel is listed along its uploads chain (the tabs are not proven)
    emu = YouTubeEmulator(daily_quota=45, omit_tabs=("UULF", "UULV"))
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    _, cut = sync(emu, url, tmp_path, stats="none")
    assert cut.stop is not None
    store = Store(url)
    resume = known_channels(store, [BIG_CHANNEL_ID])[BIG_CHANNEL_ID].resume
    assert not resume["tabs"] and set(resume["places"]) == {"UU", "UUSH"}  # the uploads chain's resume point
    stored_before = len(store.channel_videos(BIG_CHANNEL_ID))
    resume["places"]["UU"]["token"] = "expired-token"  # Google refuses it: 400 invalidPageToken
    save_resume(store, resume)
    emu.daily_quota = 10_000
    _, out = sync(emu, url, tmp_path, stats="none")
    assert out.stop is None and out.result.complete and "listed again from the top" in out.reports[0].note
    stored = store.channel_videos(BIG_CHANNEL_ID)
    assert len(stored) == len({v.id for v in stored}) == 2600
    details = sum(c.ids for c in emu.calls if c.method == "videos.list")
    assert details <= 2600 - stored_before + 200  # the stored ones were not detailed again
    check_types(demo_catalog(), stored)


def test_a_saved_item_made_private_restarts_the_chain_from_the_top_and_it_lists_to_the_end(tmp_path):
    """The saved page no longer leads back to its item (it went private): the chain lists again from the top,
    to the end (it once stopped after that page and the run said it was complete with 1,600 videos missing)."""
    catalog = demo_catalog().copy()
    emu = YouTubeEmulator(catalog, daily_quota=45, omit_tabs=("UULF", "UULV"))
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    _, cut = sync(emu, url, tmp_path, stats="none")
    assert cut.stop is not None
    store = Store(url)
    resume = known_channels(store, [BIG_CHANNEL_ID])[BIG_CHANNEL_ID].resume
    catalog.set_availability(resume["places"]["UU"]["last_id"], "private")
    emu.daily_quota = 10_000
    _, out = sync(emu, url, tmp_path, stats="none")
    assert out.stop is None and out.result.complete and "listed again from the top" in out.reports[0].note
    stored = store.channel_videos(BIG_CHANNEL_ID)
    assert {v.id for v in stored} >= set(catalog.uploads(BIG_CHANNEL_ID)) and len(stored) == len({v.id for v in stored})
    assert playlists_listed(emu)["UU"] >= math.ceil(2599 / 50)  # the uploads playlist from its top to its end
    check_types(catalog, [v for v in stored if v.id in set(catalog.uploads(BIG_CHANNEL_ID))])


def test_a_saved_tab_position_that_no_longer_works_restarts_that_tab_from_its_top(tmp_path):
    emu = YouTubeEmulator(daily_quota=45)
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    _, cut = sync(emu, url, tmp_path, stats="none")  # a proven tab listing, cut
    assert cut.stop is not None
    store = Store(url)
    resume = known_channels(store, [BIG_CHANNEL_ID])[BIG_CHANNEL_ID].resume
    assert resume["tabs"] and "UULF" not in resume["done"] and resume["places"]["UULF"]["pages"] > 1
    stored_before = {v.id for v in store.channel_videos(BIG_CHANNEL_ID)}
    resume["places"]["UULF"]["token"] = "expired-token"  # Google refuses it: 400 invalidPageToken
    save_resume(store, resume)
    emu.daily_quota = 10_000
    _, out = sync(emu, url, tmp_path, stats="none")
    assert out.stop is None and out.result.complete and "listed again from the top" in out.reports[0].note
    uulf = math.ceil(len(demo_catalog().tabs(BIG_CHANNEL_ID)["UULF"]) / 50)
    listed = playlists_listed(emu)
    assert listed["UU"] == 1 and listed["UULF"] == 1 + uulf  # the refused page, then UULF from its top
    stored = store.channel_videos(BIG_CHANNEL_ID)
    assert len(stored) == len({v.id for v in stored}) == 2600  # every video exactly once
    detailed = [i for c in emu.calls if c.method in ("videos.list", "videos.batchGetStats")
                for i in c.params["id"].split(",")]
    assert len(detailed) == len(set(detailed)) == 2600 - len(stored_before)  # the stored ones were not detailed again
    assert not set(detailed) & stored_before
    snapshots = store.history([BIG_CHANNEL_ID])
    assert len(snapshots) == len({s.video_id for s in snapshots}) == 2600
    check_types(demo_catalog(), stored)


def test_a_listing_cut_before_its_tabs_were_proven_resumes_with_every_video(tmp_path):
    """Cut while the first pages still decide whether the tabs hold every video (UULF keeps failing): the cursor
    continues along the uploads chain from the one uploads page it listed, and that page's ids, which no
    playlist will list again, are pending: the resume stores every video."""
    from y2s_core import breaker

    emu = YouTubeEmulator()
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    emu.fail_next("playlistItems.list", 500, "backendError", times=5, when={"playlistId": "UULF" + BIG_CHANNEL_ID[2:]})
    _, cut = sync(emu, url, tmp_path, stats="none")
    assert cut.stop is not None and cut.stop.status == 500
    resume = known_channels(Store(url), [BIG_CHANNEL_ID])[BIG_CHANNEL_ID].resume
    assert not resume["tabs"] and resume["places"]["UU"]["pages"] == 1
    # the uploads page it listed (and what the other tabs' first pages listed, if they answered before the failure)
    assert set(demo_catalog().uploads(BIG_CHANNEL_ID)[:50]) <= {p[0] for p in resume["pending"]}
    breaker.reset_all()  # the 5 failures opened it: the next run comes after its cooldown
    _, out = sync(emu, url, tmp_path, stats="none")
    assert out.stop is None and out.result.complete and out.reports[0].mode == "resume"
    stored = Store(url).channel_videos(BIG_CHANNEL_ID)
    assert len(stored) == len({v.id for v in stored}) == 2600
    check_types(demo_catalog(), stored)


@pytest.mark.parametrize("quota", [15, 30, 60, 80])
def test_a_listing_cut_near_the_uploads_cap_resumes_on_the_tabs_that_carry_it(tmp_path, quota):
    """The uploads playlist stops at its cap (here 1,000 items) and the tabs are not proven (the newest upload lags
    behind them): the tabs carry the listing past the cap. Cut before the cap (15, 30 units) or past it (60, 80),
    the resume keeps the tabs' places and carries it on (it once went on along the uploads chain alone, stored
    1,000-1,500 of the 1,708 listable videos and said it was complete)."""
    newest = demo_catalog().uploads(BIG_CHANNEL_ID)[0]
    url = f"sqlite:///{tmp_path / 'whole.sqlite'}"
    _, whole = sync(YouTubeEmulator(playlist_cap=1000, lagging=[newest]), url, tmp_path, stats="none")
    listable = {v.id for v in Store(url).channel_videos(BIG_CHANNEL_ID)}
    assert whole.stop is None and len(listable) > 1000  # more than the uploads playlist lists
    emu = YouTubeEmulator(daily_quota=quota, playlist_cap=1000, lagging=[newest])
    url = f"sqlite:///{tmp_path / 'cut.sqlite'}"
    _, cut = sync(emu, url, tmp_path, stats="none")
    resume = known_channels(Store(url), [BIG_CHANNEL_ID])[BIG_CHANNEL_ID].resume
    assert cut.stop is not None and "UULF" in resume["places"] and not resume["tabs"]
    assert resume["past_cap"] == ("UU" in resume["done"])  # where 30 and 60 units cut depends on the machine's load
    if quota in (15, 80):  # 15 cannot reach the cap (20 pages + their details), 80 always does
        assert resume["past_cap"] == (quota == 80)
    emu.daily_quota = 10_000
    _, out = sync(emu, url, tmp_path, stats="none")
    assert out.stop is None and out.reports[0].mode == "resume"
    stored = Store(url).channel_videos(BIG_CHANNEL_ID)
    assert len(stored) == len({v.id for v in stored}) and {v.id for v in stored} == listable
    check_types(demo_catalog(), [v for v in stored if v.id != newest])  # a video no tab lists yet: typed Long


def test_a_shorts_playlist_gone_during_a_resume_is_saved_as_absent(tmp_path):
    """UUSH had a saved place, then answers 404 during the resume, which the quota cuts again: the next cursor
    says UUSH is absent (the duration rule types from then on), not listed to its end (everything typed Long)."""
    from y2s_core.youtube.incremental import Resume

    emu = YouTubeEmulator(daily_quota=45, omit_tabs=("UULF", "UULV"))
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    _, cut = sync(emu, url, tmp_path, stats="none")
    first = known_channels(Store(url), [BIG_CHANNEL_ID])[BIG_CHANNEL_ID].resume
    assert cut.stop is not None and "UUSH" in first["places"]
    emu.omit_tabs = frozenset({"UULF", "UULV", "UUSH"})
    _, again = sync(emu, url, tmp_path, stats="none")
    second = Resume.from_json(known_channels(Store(url), [BIG_CHANNEL_ID])[BIG_CHANNEL_ID].resume)
    assert again.stop is not None and second is not None and second.absent("UUSH")


@pytest.mark.parametrize("omit", [(), ("UULF", "UULV")], ids=["tabs", "uploads chain"])
def test_a_video_youtube_left_out_is_not_pending_in_the_cursor(tmp_path, omit):
    """A listed video the details call did not return (made private meanwhile) is reported skipped, not kept
    pending: a resume does not pay to ask for it again."""
    catalog = demo_catalog().copy()
    emu = YouTubeEmulator(catalog, daily_quota=30, omit_tabs=omit)
    hidden = catalog.uploads(BIG_CHANNEL_ID)[5]  # on the first pages: detailed before the quota runs out
    real = emu.handle

    def handle(method, url, headers, body, **kw):  # private from the moment it is listed: details leave it out
        if "videos" in url and hidden in url:
            catalog.set_availability(hidden, "private")
        return real(method, url, headers, body, **kw)

    emu.handle = handle
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    _, cut = sync(emu, url, tmp_path, stats="none")
    asked = [i for c in emu.calls if c.method.startswith("videos.") and c.status == 200  # answered, not refused
             for i in c.params["id"].split(",")]
    resume = known_channels(Store(url), [BIG_CHANNEL_ID])[BIG_CHANNEL_ID].resume
    assert cut.stop is not None and hidden in asked
    assert hidden not in {p[0] for p in resume["pending"]}


def test_a_resume_point_reads_back_and_an_old_or_unreadable_one_is_safe():
    from datetime import date, datetime, timezone

    from y2s_core.youtube.incremental import PagePos, Resume

    at = datetime(2025, 5, 1, tzinfo=timezone.utc)
    tab = Resume({"UULF": PagePos("t", "v0", at, 2), "UUSH": PagePos()}, (("v1", at, "UULF"), ("v2", None, "UUSH")),
                 frozenset({"UULV"}), tabs=True, sizes={"UULF": 300, "UUSH": 40}, top=("u1", at), since=date(2024, 1, 1),
                 listed=120)
    assert Resume.from_json(json_round_trip(tab.to_json())) == tab
    assert tab.absent("UULV") and not tab.absent("UULF")
    chain = Resume({"UU": PagePos("p", "u9", at, 3), "UUSH": PagePos(None, "s1", at, 1)}, (("v1", at, "UU"),),
                   shorts_members=frozenset({"s0"}), top=("u9", at), listed=150)
    assert Resume.from_json(json_round_trip(chain.to_json())) == chain
    # the two shapes saved before the one cursor: the uploads chain's keys, and the tabs' beside them
    old_chain = {"v": 1, "uploads": PagePos("p", "u9", at, 3).to_json(), "pending": [["v1", at.isoformat()]],
                 "shorts": PagePos(None, "s1", at, 1).to_json(), "shorts_exists": True, "pending_shorts": ["s0"],
                 "top_id": "u9", "top_at": at.isoformat(), "listed": 150}
    assert Resume.from_json(json_round_trip(old_chain)) == chain
    old_tab = {"v": 1, "uploads": PagePos(None, "u1", at, 1).to_json(), "pending": [["v1", at.isoformat()], ["v2", None]],
               "tabs": {"UULF": PagePos("t", "v0", at, 2).to_json(), "UUSH": PagePos().to_json()}, "tabs_done": ["UULV"],
               "tab_sizes": {"UULF": 300, "UUSH": 40}, "tab_of": {"v1": "UULF", "v2": "UUSH"}, "top_id": "u1",
               "top_at": at.isoformat(), "since": "2024-01-01", "listed": 120}
    assert Resume.from_json(json_round_trip(old_tab)) == tab
    assert Resume.from_json({**old_chain, "shorts": None, "shorts_exists": False}).absent("UUSH")
    for bad in ({"v": 3}, {"v": 2}, {k: v for k, v in old_chain.items() if k != "uploads"},
                {**tab.to_json(), "places": ["UULF"]}, {**tab.to_json(), "places": {"UUXX": None}},
                {**tab.to_json(), "sizes": {"UULF": "many"}}, {**tab.to_json(), "pending": [["v1"]]}):
        assert Resume.from_json(bad) is None


def json_round_trip(d):
    import json

    return json.loads(json.dumps(d))


def test_uploads_made_between_a_cut_and_its_resume_are_picked_up(tmp_path):
    catalog = demo_catalog().copy()
    emu = YouTubeEmulator(catalog, daily_quota=45)
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    _, cut = sync(emu, url, tmp_path, stats="none")
    assert cut.stop is not None
    added = catalog.add_uploads(BIG_CHANNEL_ID, 7)
    emu.daily_quota = 10_000
    _, out = sync(emu, url, tmp_path, stats="none")
    assert out.stop is None and out.reports[0].mode == "resume" and out.result.complete
    assert {v.id for v in added} <= out.new_ids and len(out.result.videos) == 2607
    stored = Store(url).channel_videos(BIG_CHANNEL_ID)
    assert len(stored) == len({v.id for v in stored}) == 2607
    check_types(catalog, stored)  # 2 of the 7 new ones are Shorts (every 4th)
    snapshots = Store(url).history([BIG_CHANNEL_ID])
    assert len(snapshots) == len({s.video_id for s in snapshots}) == 2607  # each detailed exactly once
    _, after = sync(emu, url, tmp_path, stats="none")
    assert after.reports[0].mode == "incremental" and emu.units_used == 0  # the boundary is the newest upload


def test_an_incremental_run_cut_by_the_quota_keeps_what_it_got_and_the_next_one_finishes(tmp_path):
    catalog = demo_catalog().copy()
    emu = YouTubeEmulator(catalog)
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    sync(emu, url, tmp_path, stats="none")
    added = catalog.add_uploads(BIG_CHANNEL_ID, 230)  # 5 uploads pages above the boundary
    emu.daily_quota = 4
    _, cut = sync(emu, url, tmp_path, stats="none")
    assert cut.stop is not None and cut.reports[0].mode == "incremental" and not cut.result.complete
    emu.daily_quota = 10_000
    _, out = sync(emu, url, tmp_path, stats="none")
    assert out.stop is None and out.result.complete
    assert cut.new_ids | out.new_ids == {v.id for v in added} and not cut.new_ids & out.new_ids
    snaps = Store(url).history([BIG_CHANNEL_ID])
    assert len(snaps) == len({s.video_id for s in snaps}) == 2830  # each new one detailed once
    check_types(catalog, out.result.videos)


@pytest.mark.parametrize("omit", [(), ("UULF", "UULV")], ids=["tabs", "uploads chain"])
def test_a_quota_cut_max_videos_window_resumes_no_deeper_than_its_window(tmp_path, omit):
    spec = FilterSpec(max_videos=900)
    whole = YouTubeEmulator(omit_tabs=omit)
    _, uncut = sync(whole, f"sqlite:///{tmp_path / 'whole.sqlite'}", tmp_path, spec=spec, stats="none")
    emu = YouTubeEmulator(daily_quota=15, omit_tabs=omit)
    url = f"sqlite:///{tmp_path / 'y2s.sqlite'}"
    runs, total = 0, 0
    while True:
        runs += 1
        # the budget is known (Y2S_DAILY_QUOTA=15): the planner says it will not fit, so the listing spends its
        # units in listing order and each cut keeps the same rows, whatever the machine's load
        _, out = sync(emu, url, tmp_path, spec=spec, stats="none", daily_quota=15)
        total += emu.units_used
        if out.stop is None:
            break
        assert runs < 8
    assert [v.id for v in out.result.videos] == [v.id for v in uncut.result.videos]  # the same 900 newest
    check_types(demo_catalog(), out.result.videos)
    # the resumes stop at the window (they used to list the whole channel: 123 units with tabs, 148 without)
    assert total <= whole.units_used + 4 * (runs - 1), (total, whole.units_used, runs)
    stored = Store(url).channel_videos(BIG_CHANNEL_ID)
    assert len(stored) < 1100 and len(stored) == len({v.id for v in stored})
    _, again = sync(emu, url, tmp_path, spec=spec, stats="none")
    assert again.reports[0].mode == "incremental" and emu.units_used == 0  # covered, and the feed shows nothing new
    _, deeper = sync(emu, url, tmp_path, spec=FilterSpec(max_videos=2000), stats="none")
    assert deeper.reports[0].mode == "full"  # a wider window than the store covers is listed again
