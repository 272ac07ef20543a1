"""The tab engine: a big channel listed through its tab playlists (UULF, UUSH, UULV) in parallel.

Through the real google-api-python-client against the YouTube emulator; assertions on its counters (calls per
playlist, units, ids per call) and on rows compared with a listing of the uploads playlist (UU) alone.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, timezone

import pytest

from y2s_core.emulators.catalog import TAB_PREFIXES, Catalog, with_tab_channel
from y2s_core.emulators.transport import HttplibHttp
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.filters import FilterSpec
from y2s_core.models import VideoType
from y2s_core.quota_planner import full_listing
from y2s_core.settings import Settings
from y2s_core.youtube import YouTubeClient
from y2s_core.youtube.engines import TABS_FROM_PAGES, engine_for

UU_ONLY = ("UULF", "UULV")  # an emulator without these lists the channel along its uploads playlist (UUSH kept)


def client_for(emu: YouTubeEmulator) -> YouTubeClient:
    return YouTubeClient(Settings(youtube_api_key="k"), http_factory=lambda: HttplibHttp(emu), retry_sleep=lambda s: None)


def pages(emu: YouTubeEmulator) -> Counter:
    """playlistItems.list calls per playlist kind: UU, UULF, UUSH, UULV."""
    out: Counter = Counter()
    for c in emu.calls:
        if c.method == "playlistItems.list":
            pid = c.params["playlistId"]
            out[pid[:4] if pid[:4] in TAB_PREFIXES else "UU"] += 1
    return out


def rows(result) -> list[dict]:
    """The rows but their tags: a proven tab listing spares videos.list, so its tags are unknown (None; no sheet
    column holds them); ``test_match_tags_details_with_videos_list`` checks they come back when asked."""
    return [{k: v for k, v in r.items() if k != "tags"} for r in (v.to_row() for v in result.videos)]


def undecided_bound(emu: YouTubeEmulator, n: int) -> int:
    """Issue 18 item 3: main-pool units <= 1 + the tab pages + ceil(undecided/50) + 1, where the undecided are
    the videos the tabs' items and batchGetStats cannot type (asked of videos.list)."""
    p = pages(emu)
    undecided = sum(c.ids for c in emu.calls if c.method == "videos.list")
    return 1 + sum(p[t] for t in TAB_PREFIXES) + math.ceil(undecided / 50) + 1


def issue_bound(emu: YouTubeEmulator, n: int) -> int:
    """The issue's quota bound: 1 + the tab pages + ceil(N/50) + 2."""
    p = pages(emu)
    return 1 + sum(p[t] for t in TAB_PREFIXES) + math.ceil(n / 50) + 2


def tab_catalog(videos: int = 1200, shorts: int = 420, lives: int = 300, hidden: int = 0,
                on_air: bool = False) -> Catalog:
    """@tabchannel with exact tab sizes; ``hidden`` of its uploads made private/deleted (listed by no public
    playlist: the uploads playlist leaves them out too, issue 18); ``on_air``: its two newest streams one live
    now and one upcoming (duration P0D, as the catalog's own streams that have not ended)."""
    cat = with_tab_channel(videos, shorts=shorts, lives=lives)
    if not hidden and not on_air:
        return cat
    cid = cat.channel_by_handle("@tabchannel").id
    ups = [cat.record(v) for v in cat.uploads(cid)]
    if on_air:
        now, soon = [i for i, v in enumerate(ups) if v.stream is not None][:2]
        scheduled, start, _, _ = ups[now].stream
        ups[now] = ups[now]._replace(live="live", duration=0, stream=(scheduled, start, None, 120))
        ups[soon] = ups[soon]._replace(live="upcoming", duration=0, stream=(ups[soon].stream[0], None, None, None),
                                       reach=0.0)
    longs = [i for i, v in enumerate(ups) if not v.in_shorts and v.stream is None]
    step = len(longs) // (hidden + 1)
    for k in range(1, hidden + 1):
        i = longs[k * step]
        ups[i] = ups[i]._replace(availability="deleted" if k % 2 else "private")
    uploads = {c: [cat.record(v) for v in cat.all_uploads(c)] for c in cat.channels}
    uploads[cid] = ups
    return Catalog(cat.channels.values(), uploads, cat.special)


@pytest.fixture(scope="module")
def tabcat() -> Catalog:
    return tab_catalog()


# --------------------------------------------------------------------------------------------- the emulator


def test_the_big_demo_channels_have_three_tabs_that_partition_their_public_uploads(yt_emu):
    cat = yt_emu.catalog
    for handle in ("@bigchannel", "@hugechannel"):
        cid = cat.channel_by_handle(handle).id
        tabs = cat.tabs(cid)
        listed = [v for ids in tabs.values() for v in ids]
        assert len(listed) == len(set(listed)) and set(listed) == {v.id for v in cat.videos(cid)}
        assert tabs["UUSH"] == cat.shorts(cid)  # adding tabs left UU and UUSH as they were
        for prefix, ids in tabs.items():
            assert ids and all(cat.record(v).in_shorts == (prefix == "UUSH") for v in ids)
    assert cat.tabs(cat.channel_by_handle("@y2sdemo").id) is None


def test_the_emulator_serves_omits_and_lags_the_tabs(yt_emu):
    cat = yt_emu.catalog
    big = cat.channel_by_handle("@bigchannel").id
    yt = client_for(yt_emu).service
    lf = yt.playlistItems().list(part="contentDetails", playlistId="UULF" + big[2:], maxResults=50).execute()
    assert lf["pageInfo"]["totalResults"] == len(cat.tabs(big)["UULF"])
    assert [i["contentDetails"]["videoId"] for i in lf["items"]] == cat.tabs(big)["UULF"][:50]
    newest = cat.tabs(big)["UULF"][0]
    emu = YouTubeEmulator(omit_tabs=["UULV"])
    emu.lag([newest])
    yt = client_for(emu).service
    with pytest.raises(Exception) as gone:
        yt.playlistItems().list(part="id", playlistId="UULV" + big[2:]).execute()
    assert gone.value.status_code == 404 and emu.calls[-1].reason == "playlistNotFound"
    lagging = yt.playlistItems().list(part="contentDetails", playlistId="UULF" + big[2:], maxResults=50).execute()
    assert newest not in [i["contentDetails"]["videoId"] for i in lagging["items"]]
    assert lagging["pageInfo"]["totalResults"] == len(cat.tabs(big)["UULF"]) - 1
    uploads = yt.playlistItems().list(part="contentDetails", playlistId="UU" + big[2:], maxResults=50).execute()
    assert newest in [i["contentDetails"]["videoId"] for i in uploads["items"]]  # still in UU
    with pytest.raises(ValueError):
        YouTubeEmulator(omit_tabs=["UUXX"])


# ------------------------------------------------------------------------------------------ full listings


def test_a_big_channel_is_listed_through_its_tabs_with_the_rows_of_an_uploads_listing(yt_emu):
    cat = yt_emu.catalog
    big = cat.channel_by_handle("@bigchannel").id
    n = len(cat.videos(big))
    result = client_for(yt_emu).fetch("@bigchannel")
    ref_emu = YouTubeEmulator(omit_tabs=UU_ONLY)
    ref = client_for(ref_emu).fetch("@bigchannel")
    assert rows(result) == rows(ref) and len(result.videos) == n and result.complete
    assert all(v.type.value == cat.expected_type(v.id) for v in result.videos)
    assert result.type_rules == {big: "tab playlists"} and ref.type_rules == {big: "UUSH playlist"}
    p = pages(yt_emu)
    assert p == {"UU": 1, "UULF": math.ceil(len(cat.tabs(big)["UULF"]) / 50),
                 "UUSH": math.ceil(len(cat.tabs(big)["UUSH"]) / 50), "UULV": 1}  # UU: its first page only
    assert pages(ref_emu)["UU"] == math.ceil(2600 / 50)
    stats = [c for c in yt_emu.calls if c.method == "videos.batchGetStats"]
    assert all(0 < c.ids <= 50 for c in stats) and sum(c.ids for c in stats) == n  # each id asked once
    assert "videos.list" not in yt_emu.calls_by_method  # the tabs' items and batchGetStats say it all
    assert yt_emu.units_used <= undecided_bound(yt_emu, n) and yt_emu.units_used * 2 < ref_emu.units_used
    assert yt_emu.units_used == 1 + sum(p.values()) == 55 == result.quota_units
    assert yt_emu.stats_calls_used == math.ceil(n / 50) == 52
    assert "search.list" not in yt_emu.calls_by_method
    assert all(v.tags is None for v in result.videos) and all(v.tags is not None for v in ref.videos)


def test_match_tags_details_with_videos_list_and_lives_and_upcoming_are_asked_of_it():
    spec = FilterSpec(include=("a",), match_tags=True)
    emu = YouTubeEmulator()
    result = client_for(emu).fetch("@bigchannel", spec)
    ref = client_for(YouTubeEmulator(omit_tabs=UU_ONLY)).fetch("@bigchannel", spec)
    assert [v.to_row() for v in result.videos] == [v.to_row() for v in ref.videos] and result.videos
    assert "videos.batchGetStats" not in emu.calls_by_method
    assert sum(c.ids for c in emu.calls if c.method == "videos.list") == 2600
    # a tab channel with a stream live now and one upcoming: their duration is P0D, so videos.list types them
    cat = tab_catalog(on_air=True)
    cid = cat.channel_by_handle("@tabchannel").id
    emu, ref_emu = YouTubeEmulator(cat), YouTubeEmulator(cat, omit_tabs=UU_ONLY)
    result, ref = client_for(emu).fetch("@tabchannel"), client_for(ref_emu).fetch("@tabchannel")
    assert rows(result) == rows(ref) and len(result.videos) == len(cat.videos(cid))
    undecided = {v.id for v in cat.videos(cid) if v.live != "none"}
    asked = {i for c in emu.calls if c.method == "videos.list" for i in c.params["id"].split(",")}
    assert undecided and asked == undecided
    assert {v.type.value for v in result.videos if v.id in undecided} <= {"Live", "Upcoming"}
    assert emu.units_used <= undecided_bound(emu, len(result.videos))


def test_past_the_uploads_cap_the_tabs_list_every_video(tabcat):
    emu = YouTubeEmulator(tabcat, playlist_cap=500)  # 1,200 videos; each tab holds at most 480
    result = client_for(emu).fetch("@tabchannel")
    cid = tabcat.channel_by_handle("@tabchannel").id
    assert {v.id for v in result.videos} == {v.id for v in tabcat.videos(cid)} and len(result.videos) == 1200
    assert result.complete and result.incomplete == () and not result.warnings
    assert pages(emu) == {"UU": 1, "UULF": 10, "UUSH": 9, "UULV": 6}
    assert emu.units_used <= issue_bound(emu, 1200)
    assert [v.id for v in result.videos] == [v.id for v in tabcat.videos(cid)]  # newest first


def test_what_no_playlist_reaches_is_reported_with_numbers():
    cat = tab_catalog(shorts=300, lives=200)  # 700 long-form videos: UULF stops at 500 as UU does
    emu = YouTubeEmulator(cat, playlist_cap=500)
    result = client_for(emu).fetch("@tabchannel")
    assert not result.complete and len(result.videos) == 1000  # 500 long + 300 Shorts + 200 lives
    [reason] = result.incomplete
    assert "listed only 1,000 of the channel's 1,200 videos" in reason
    assert "uploads 500, long-form 500, Shorts 300, live 200" in reason and reason in result.warnings
    assert pages(emu)["UU"] == 10  # the counts differ: the uploads playlist is listed, then the tabs go past it


# ------------------------------------------------------------------------------------ trust, never blindly


@pytest.mark.parametrize("where", [0, 1500])
def test_a_video_in_no_tab_is_caught_and_the_uploads_playlist_lists_it(where):
    cat = YouTubeEmulator().catalog
    big = cat.channel_by_handle("@bigchannel").id
    lagging = next(v for v in cat.uploads(big)[where:] if v in cat.tabs(big)["UULF"])
    emu = YouTubeEmulator(lagging=[lagging], latency=0.005)  # round trips: the first pages answer together
    result = client_for(emu).fetch("@bigchannel")
    assert lagging in {v.id for v in result.videos} and len(result.videos) == 2600 and result.complete
    ref = client_for(YouTubeEmulator(omit_tabs=UU_ONLY, lagging=[lagging])).fetch("@bigchannel")
    assert rows(result) == rows(ref)
    p = pages(emu)
    assert p["UU"] == 52 and p["UULF"] <= 3 and p["UULV"] == 1  # UULF waits once UU is the authority
    assert result.type_rules == {big: "UUSH playlist"}


@pytest.mark.parametrize("omit", [("UULV",), ("UULF", "UULV"), ("UULF",)])
def test_a_missing_tab_falls_back_to_the_uploads_playlist(omit):
    emu = YouTubeEmulator(omit_tabs=omit)
    result = client_for(emu).fetch("@bigchannel")
    ref = client_for(YouTubeEmulator(omit_tabs=UU_ONLY)).fetch("@bigchannel")
    assert rows(result) == rows(ref) and result.complete
    assert pages(emu)["UU"] == 52 and all(pages(emu)[t] >= 1 for t in omit)  # each asked once: a 404


def test_without_any_tab_the_duration_rule_types_and_says_so():
    emu = YouTubeEmulator(omit_tabs=TAB_PREFIXES)
    result = client_for(emu).fetch("@bigchannel")
    big = emu.catalog.channel_by_handle("@bigchannel").id
    assert len(result.videos) == 2600 and result.type_rules == {big: "duration rule (approximate)"}
    assert any("no Shorts playlist" in w for w in result.warnings)
    assert pages(emu) == {"UU": 52, "UULF": 1, "UUSH": 1, "UULV": 1}


def test_without_shorts_the_tabs_type_and_the_duration_rule_is_not_used():
    cat = tab_catalog(shorts=0)  # no Shorts: UUSH is empty, so it does not exist (404)
    emu = YouTubeEmulator(cat)
    result = client_for(emu).fetch("@tabchannel")
    cid = cat.channel_by_handle("@tabchannel").id
    assert result.type_rules == {cid: "tab playlists"} and not result.warnings and len(result.videos) == 1200
    assert all(v.type.value == cat.expected_type(v.id) for v in result.videos)
    assert pages(emu)["UU"] == 1 and pages(emu)["UUSH"] == 1


def test_deleted_and_private_uploads_do_not_break_the_count():
    cat = tab_catalog(hidden=6)  # 1,200 uploads, 1,194 of them public: UU lists those, videoCount says 1,194
    cid = cat.channel_by_handle("@tabchannel").id
    emu = YouTubeEmulator(cat)
    result = client_for(emu).fetch("@tabchannel")
    assert len(result.videos) == 1194 and result.complete and pages(emu)["UU"] == 1
    ref = client_for(YouTubeEmulator(cat, omit_tabs=UU_ONLY)).fetch("@tabchannel")
    assert rows(result) == rows(ref) and ref.skipped_ids == ()  # UU leaves private and deleted out (issue 18)
    assert result.type_rules == {cid: "tab playlists"}


# ------------------------------------------------------------------------------------------------ windows


@pytest.mark.parametrize("spec", [
    FilterSpec(max_videos=1000),
    FilterSpec(max_videos=600, until=date(2024, 1, 1)),
    FilterSpec(since=date(2025, 6, 1)),
    FilterSpec(since=date(2023, 1, 1), until=date(2024, 6, 30)),
    FilterSpec(max_videos=500, types=frozenset({VideoType.LONG})),
    FilterSpec(max_videos=450, min_duration=600),
], ids=lambda s: s.key()[:60])
def test_windows_stop_early_with_the_rows_of_an_uploads_listing(spec):
    emu = YouTubeEmulator(latency=0.003)  # round trips: chains page side by side, as on the real API
    result = client_for(emu).fetch("@bigchannel", spec)
    ref = client_for(YouTubeEmulator(omit_tabs=UU_ONLY)).fetch("@bigchannel", spec)
    assert rows(result) == rows(ref) and result.videos and result.complete
    p = pages(emu)
    assert p["UU"] == 1 and p["UULF"] < math.ceil(1892 / 50)  # stopped early, no uploads listing
    if not spec.needs_details:
        assert emu.units_used <= issue_bound(emu, len(result.videos))
    assert emu.units_used <= ref_units(spec) + 2  # never much more than the uploads chain


def ref_units(spec: FilterSpec) -> int:
    emu = YouTubeEmulator(omit_tabs=UU_ONLY)
    client_for(emu).fetch("@bigchannel", spec)
    return emu.units_used - 2  # the two 404s of the missing tabs


def test_a_lagging_tab_inside_a_window_is_caught():
    cat = YouTubeEmulator().catalog
    big = cat.channel_by_handle("@bigchannel").id
    lagging = cat.tabs(big)["UULF"][300]  # inside the newest 600, past the uploads playlist's first page
    emu = YouTubeEmulator(lagging=[lagging], latency=0.003)
    result = client_for(emu).fetch("@bigchannel", FilterSpec(max_videos=600))
    ref = client_for(YouTubeEmulator(omit_tabs=UU_ONLY, lagging=[lagging])).fetch("@bigchannel", FilterSpec(max_videos=600))
    assert lagging in {v.id for v in result.videos} and rows(result) == rows(ref)
    assert pages(emu)["UU"] == 12  # the counts differ by one: the uploads playlist lists the window


def test_the_newest_n_are_exact_with_deleted_videos_inside_the_window():
    cat = tab_catalog(hidden=20)
    cid = cat.channel_by_handle("@tabchannel").id
    public = [v.id for v in cat.videos(cid)]
    for n in (400, 401, 650):
        result = client_for(YouTubeEmulator(cat)).fetch("@tabchannel", FilterSpec(max_videos=n))
        assert [v.id for v in result.videos] == public[:n]


def test_only_shorts_asked_lists_uush_and_details_only_shorts():
    yt_emu = YouTubeEmulator(latency=0.003)  # round trips: the first pages answer together
    big = yt_emu.catalog.channel_by_handle("@bigchannel").id
    shorts = yt_emu.catalog.shorts(big)
    result = client_for(yt_emu).fetch("@bigchannel", FilterSpec(max_videos=400, types=frozenset({VideoType.SHORT})))
    assert [v.id for v in result.videos] == shorts[:400]
    p = pages(yt_emu)
    assert p["UULF"] <= 2 and p["UULV"] == 1 and p["UUSH"] <= 9  # long-form and live tabs hold no Short
    assert sum(c.ids for c in yt_emu.calls if c.method == "videos.list") <= 400 + 50  # + the one page past the window


# ----------------------------------------------------------------------------------------- plan and quota


def test_small_channels_and_windows_keep_the_uploads_engine(yt_emu):
    assert engine_for(150, FilterSpec()) == engine_for(2600, FilterSpec(max_videos=50 * (TABS_FROM_PAGES - 1))) == "uploads"
    assert engine_for(2600, FilterSpec()) == "tabs" and engine_for(None, FilterSpec()) == "uploads"
    client_for(yt_emu).fetch("@y2sdemo")
    assert set(pages(yt_emu)) == {"UU", "UUSH"}  # 150 videos: one chain, as before


def test_the_planner_expects_what_either_engine_spends(yt_emu):
    cat = yt_emu.catalog
    big = cat.channel_by_handle("@bigchannel").id
    sizes = {k: len(v) for k, v in cat.tabs(big).items()}
    client_for(yt_emu).fetch("@bigchannel")
    est = full_listing("big", 2600, FilterSpec(), shorts_share=sizes["UUSH"] / 2600, lives_share=sizes["UULV"] / 2600,
                       has_uush=True)
    assert "UULF" in est.how and est.units + 1 == yt_emu.units_used  # + the channels.list of the resolution
    assert est.stats_calls == yt_emu.stats_calls_used == 52
    tagged = full_listing("big", 2600, FilterSpec(match_tags=True), shorts_share=sizes["UUSH"] / 2600,
                          lives_share=sizes["UULV"] / 2600, has_uush=True)
    assert tagged.units == est.units + 52 and tagged.stats_calls == 0
    yt_emu.reset()
    client_for(yt_emu).fetch("@y2sdemo")
    demo = cat.channel_by_handle("@y2sdemo").id
    est = full_listing("demo", 150, FilterSpec(), shorts_share=len(cat.shorts(demo)) / 150, has_uush=True)
    assert "uploads pages" in est.how and est.units + 1 == yt_emu.units_used
    assert full_listing("e", 0, FilterSpec(), shorts_share=None, has_uush=None).units == 1
    assert full_listing("c", 10_000, FilterSpec(max_videos=1000), shorts_share=None, has_uush=None).units < \
        full_listing("c", 10_000, FilterSpec(), shorts_share=None, has_uush=None).units


def test_progress_reports_listing_details_and_done():
    seen = []
    client_for(YouTubeEmulator()).fetch("@bigchannel", progress=seen.append)
    mine = [p for p in seen if p.channel == "Big Channel Demo"]
    assert {p.stage for p in mine} >= {"listing", "done"}
    assert mine[-1].stage == "done" and mine[-1].detailed == 2600 and mine[-1].listed == 2600
    assert mine[-1].pages == 54 and mine[-1].quota_units > 0
    assert [p.pages for p in mine] == sorted(p.pages for p in mine)


def test_the_dates_of_a_window_come_from_the_listing_not_the_clock(yt_emu):
    big = yt_emu.catalog.channel_by_handle("@bigchannel").id
    since = date(2026, 1, 1)
    expected = {v.id for v in yt_emu.catalog.videos(big)
                if datetime.fromtimestamp(v.published, timezone.utc).date() >= since}
    result = client_for(yt_emu).fetch("@bigchannel", FilterSpec(since=since))
    assert {v.id for v in result.videos} == expected
