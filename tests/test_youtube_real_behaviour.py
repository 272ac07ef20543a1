"""The YouTube client against what the real API does as of 2026 (issue 8), through google-api-python-client.

Each behaviour is the emulator's default (or an option that the real API has, such as a smaller search
bucket) and each test asserts on the emulator's counters: calls, statuses, units per bucket.
"""

from __future__ import annotations

import math

import pytest

from y2s_core.channel_input import parse
from y2s_core.emulators.catalog import Catalog, demo_catalog
from y2s_core.emulators.transport import HttplibHttp
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.errors import KeyInvalid, QuotaExceeded
from y2s_core.filters import FilterSpec
from y2s_core.quota import QuotaMeter, main_units, quota_line, search_calls
from y2s_core.settings import Settings
from y2s_core.youtube import YouTubeClient


def client_for(emu, key="test-key", **kw):
    return YouTubeClient(Settings(youtube_api_key=key), http_factory=lambda: HttplibHttp(emu),
                         retry_sleep=lambda s: None, **kw)


def ch(emu, handle):
    return emu.catalog.channel_by_handle(handle)


# -------------------------------------------------------------------------- 1. search has its own bucket


def test_the_meter_counts_search_calls_apart_from_the_main_pool():
    meter = QuotaMeter()
    for method in ("channels.list", "search.list", "videos.list", "search.list"):
        meter.record(method, charged=True)
    assert meter.snapshot() == {"channels.list": 1, "search.list": 2, "videos.list": 1}
    assert meter.total_units == 2 and meter.search_calls == 2
    by = meter.snapshot()
    assert main_units(by) == 2 and search_calls(by) == 2
    assert quota_line(2, by) == ("2 quota units (channels.list 1, videos.list 1); 2 search calls "
                                 "(search.list bucket, 100 a day)")


def test_a_legacy_name_that_is_also_a_handle_spends_no_search(yt_emu, yt_client):
    [res] = yt_client.resolve(parse("https://www.youtube.com/c/y2sdemo"))
    assert res.channel.id == ch(yt_emu, "@y2sdemo").id
    assert [(c.method, tuple(k for k in c.params if k.startswith("for"))) for c in yt_emu.calls] == [
        ("channels.list", ("forHandle",))]
    assert yt_emu.search_calls_used == 0


def test_a_spent_search_bucket_fails_only_the_legacy_names_and_the_rest_comes_back():
    emu = YouTubeEmulator(search_daily_calls=0)
    client = client_for(emu)
    result = client.fetch("youtube.com/c/OldSchoolTutorials, youtube.com/c/SomeOtherName, @y2sdemo",
                          FilterSpec(max_videos=5))
    legacy = [r for r in result.resolutions if r.error]
    assert [r.exhausted for r in legacy] == ["search", "search"]
    assert all("search quota exhausted" in r.error and "100 calls a day" in r.error for r in legacy)
    assert len(result.videos) == 5 and {v.channel_id for v in result.videos} == {ch(emu, "@y2sdemo").id}
    # one refused search (429, not billed, not retried), then the client fails fast for that bucket only
    searches = [c for c in emu.calls if c.method == "search.list"]
    assert [(c.status, c.units) for c in searches] == [(429, 0)]
    assert "search.list" not in result.quota and result.quota_units == emu.units_used
    # the main pool is not marked spent: the same client fetches another channel afterwards
    assert len(client.fetch("@oldschool", FilterSpec(max_videos=2)).videos) == 2


def test_only_legacy_names_with_the_search_bucket_spent_is_a_search_quota_error():
    emu = YouTubeEmulator(search_daily_calls=0)
    with pytest.raises(QuotaExceeded) as ei:
        client_for(emu).fetch("youtube.com/c/OldSchoolTutorials")
    assert ei.value.bucket == "search" and ei.value.exit_code == 3
    assert "search quota exhausted" in str(ei.value) and "@handle" in str(ei.value)
    assert emu.units_used == 2  # forHandle then forUsername tried first, from the main pool


def test_a_spent_main_pool_is_reported_as_the_units_bucket():
    emu = YouTubeEmulator(daily_quota=0)
    with pytest.raises(QuotaExceeded) as ei:
        client_for(emu).fetch("@y2sdemo")
    assert ei.value.bucket == "units" and "10,000 units" in str(ei.value)


# ------------------------------------------------------------------ 2. channels.list 400 for an unknown id


def _catalog_with(n: int) -> Catalog:
    """The demo catalog plus ``n`` more (empty) channels, so one request can carry 50 real ids."""
    cat = demo_catalog()
    empty = ch(YouTubeEmulator(cat), "@emptychannel")
    extra = [empty._replace(id=f"UC{i:022d}", handle=f"@extra{i}", title=f"Extra {i}") for i in range(n)]
    uploads = {cid: list(cat.videos(cid)) for cid in cat.channels}
    uploads.update({c.id: [] for c in extra})
    return Catalog([*cat.channels.values(), *extra], uploads, cat.special)


def test_one_mistyped_id_among_fifty_is_found_by_halving_and_the_others_resolve():
    emu = YouTubeEmulator(_catalog_with(49))
    good = [cid for cid in emu.catalog.channels if cid != ch(emu, "@hugechannel").id][:49]
    bad = "UC" + "Z" * 22
    refs = parse(good[:30] + [bad] + good[30:])
    results = client_for(emu).resolve(refs)
    assert [r.channel.id for r in results if r.channel] == good
    [miss] = [r for r in results if r.error]
    assert bad in miss.error and str(miss.ref) == bad
    calls = [c for c in emu.calls if c.method == "channels.list"]
    assert calls[0].ids == 50 and calls[0].status == 400
    # halving: 1 + 2 per level down to the bad id, <= 1 + 2*ceil(log2(50)) = 13 calls, not 50 one-id calls
    assert len(calls) <= 1 + 2 * math.ceil(math.log2(50))
    assert emu.units_used == len(calls)  # every 400 is billed, like Google bills it
    assert sum(c.ids for c in calls if c.status == 200) == 49


def test_a_batch_of_only_good_ids_is_one_call(yt_emu, yt_client):
    ids = [ch(yt_emu, h).id for h in ("@y2sdemo", "@oldschool", "@bigchannel")]
    assert all(r.channel for r in yt_client.resolve(parse(ids)))
    assert [(c.method, c.status, c.ids) for c in yt_emu.calls] == [("channels.list", 200, 3)]


# ------------------------------------------------------------------ 3. uploads listings stop at ~20,000


def test_a_listing_cut_short_by_the_cap_is_said_with_both_numbers_and_marked_incomplete():
    emu = YouTubeEmulator(playlist_cap=120)
    result = client_for(emu).fetch("@bigchannel")
    big = ch(emu, "@bigchannel")
    assert not result.complete
    [reason] = result.incomplete
    # every playlist stops at the cap: the uploads playlist, then the tab playlists (UULF, UUSH, UULV) past it
    tabs = emu.catalog.tabs(big.id)
    reached = set(emu.catalog.uploads(big.id)[:120]) | {v for ids in tabs.values() for v in ids[:120]}
    assert f"listed only {len(reached):,} of the channel's 2,600 videos" in reason and reason in result.warnings
    assert "uploads 120, long-form 120, Shorts 120, live 33" in reason
    uploads = [c for c in emu.calls if c.method == "playlistItems.list" and c.params["playlistId"] == "UU" + big.id[2:]]
    assert len(uploads) == 3 and {v.id for v in result.videos} == reached


def test_a_listing_that_reaches_the_video_count_is_complete():
    emu = YouTubeEmulator(playlist_cap=2600)  # exactly the channel's size, as @hugechannel's 20,000 is the default cap
    result = client_for(emu).fetch("@bigchannel")
    assert result.complete and result.incomplete == () and len(result.videos) == 2600


def test_max_videos_stopping_early_is_not_a_cut_listing():
    emu = YouTubeEmulator(playlist_cap=120)
    result = client_for(emu).fetch("@bigchannel", FilterSpec(max_videos=10))
    assert result.complete and len(result.videos) == 10


# --------------------------------------------------------------------------- 5. invalid key, newer body


@pytest.mark.parametrize("body", ["new", "old"])
def test_an_invalid_key_is_key_invalid_and_never_metered(body):
    emu = YouTubeEmulator(invalid_key=body)
    client = client_for(emu, key="bad-key-123")
    with pytest.raises(KeyInvalid) as ei:
        client.fetch("@y2sdemo")
    assert ei.value.exit_code == 4 and "bad-key-123" not in str(ei.value)
    assert emu.calls[0].status == 400 and len(emu.calls) == 1
    assert client.meter.snapshot() == {}  # what the ledger and FetchResult.quota are built from


# --------------------------------------------------------------------- 6. how types were decided


def test_the_result_records_how_each_channel_s_types_were_decided(yt_emu, yt_client):
    result = yt_client.fetch("@y2sdemo, @oldschool, @emptychannel", FilterSpec(max_videos=3))
    assert result.type_rules == {ch(yt_emu, "@y2sdemo").id: "UUSH playlist",
                                 ch(yt_emu, "@oldschool").id: "duration rule (approximate)"}


def test_the_huge_demo_channel_of_20000_videos_stays_complete_under_the_default_cap(yt_emu, yt_client):
    result = yt_client.fetch("@hugechannel")
    assert result.complete and len(result.videos) == 20_000 and yt_emu.playlist_cap == 20_000
