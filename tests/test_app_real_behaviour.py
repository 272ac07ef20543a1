"""The Fetch page and the REST /fetch result against what the real YouTube API does (issue 8): a capped
uploads listing, a spent search bucket, how types were decided. The app runs in AppTest against a served
YouTubeEmulator; assertions on what a user sees and on the emulator's counters."""

from __future__ import annotations

import pytest

from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.settings import Settings

from .api_helpers import AUTH, api_client
from .app_helpers import fetch, start_app, texts

pytestmark = pytest.mark.usefixtures("fresh_app_env")


def resolutions(at):
    return next(df.value for df in at.dataframe if "Types by" in df.value.columns)


def test_a_capped_listing_is_a_partial_result_with_both_numbers(youtube_api):
    youtube_api(playlist_cap=120)
    at = fetch(start_app(), "@bigchannel")
    assert not at.exception and not at.error
    warnings = texts(at.warning)
    partial = [w for w in warnings if w.startswith("Partial result")]
    # each playlist stops at the cap: the uploads playlist at 120, the tab playlists past it at 120 each
    assert partial and "of the channel's 2,600 videos" in partial[0] and "uploads 120, long-form 120" in partial[0]
    assert not at.session_state["y2s.result"].complete


def test_the_resolver_summary_says_how_types_were_decided(youtube_api):
    youtube_api()
    at = fetch(start_app(), "@y2sdemo, @oldschool", max_videos=3)
    frame = resolutions(at)
    assert dict(zip(frame["Channel"], frame["Types by"], strict=True)) == {"Y2S Demo Lab": "UUSH playlist",
                                                             "Old School Tutorials": "duration rule (approximate)"}


def test_a_spent_search_bucket_names_the_bucket_and_the_other_channels_come_back(youtube_api):
    emu = youtube_api(search_daily_calls=0)
    at = fetch(start_app(), "youtube.com/c/OldSchoolTutorials, @y2sdemo", max_videos=3)
    assert not at.exception and not at.error
    assert len(at.session_state["y2s.result"].videos) == 3
    [note] = [w for w in texts(at.warning) if w.startswith("Not fetched")]
    assert "search quota exhausted" in note and "100 calls a day" in note and "@handle" in note
    assert emu.search_calls_used == 0 and emu.units_used > 0


def test_the_rest_fetch_result_carries_type_rules_and_why_it_is_incomplete(tmp_path):
    emu = YouTubeEmulator(playlist_cap=120)
    with serve(emu) as server:
        api = api_client(Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path))
        body = api.post("/api/v1/fetch", headers=AUTH, json={"channels": "@bigchannel, @oldschool"}).json()
    big, old = (emu.catalog.channel_by_handle(h).id for h in ("@bigchannel", "@oldschool"))
    assert body["type_rules"] == {big: "UUSH playlist", old: "duration rule (approximate)"}
    assert body["complete"] is False and len(body["incomplete"]) == 1
    assert "273 of the channel's 2,600 videos" in body["incomplete"][0] and "uploads 120" in body["incomplete"][0]
    assert body["search_calls"] == 0 and body["quota_units"] == emu.units_used
