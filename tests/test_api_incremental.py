"""The REST API's incremental fetch (``"incremental": true`` on /api/v1/fetch and /process): the sync through
the store, planned first, as the CLI's ``fetch --new`` / ``sync``. FastAPI's TestClient against the app, the
real google-api-python-client against the YouTube emulator served on 127.0.0.1, whose counters the tests read."""

from __future__ import annotations

import math

import pytest

from tests.api_helpers import AUTH, api_client
from y2s_core.emulators.catalog import BIG_CHANNEL_ID
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.quota import main_units, stats_calls
from y2s_core.settings import Settings
from y2s_core.store import Store

V1 = "/api/v1"


@pytest.fixture
def served(tmp_path):
    emu = YouTubeEmulator()
    with serve(emu) as server:
        settings = Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path)
        yield emu, settings


def test_a_known_channel_costs_only_its_statistics_when_the_feed_shows_nothing_new(served):
    emu, settings = served
    api = api_client(settings)
    first = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@bigchannel", "incremental": True})
    assert first.status_code == 200, first.text
    body = first.json()
    assert [(s["mode"], s["new"]) for s in body["sync"]] == [("full", 2600)] and body["complete"] is True
    assert body["plan"].startswith("plan: about 54 units (full 54) + 52 stats calls") and len(body["rows"]) == 2600
    assert body["quota_units"] == emu.units_used
    emu.reset()
    again = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@bigchannel", "incremental": True,
                                                        "stats": "none"}).json()
    assert [(s["mode"], s["new"], s["units"], s["note"]) for s in again["sync"]] == \
        [("incremental", 0, 0, "feed: unchanged")]
    assert emu.units_used == 0 and emu.feed_calls == 1  # the uploads feed, no playlistItems.list, no channels.list
    assert again["rows"] == body["rows"] and again["quota_units"] == 0
    emu.reset()
    every = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@bigchannel", "incremental": True,
                                                        "stats": "all"}).json()
    # the statistics from videos.batchGetStats: its own bucket (52 calls), 0 units of the main pool
    assert every["sync"][0]["refreshed"] == 2600 and emu.units_used == 0 == every["quota_units"]
    assert emu.stats_calls_used == math.ceil(2600 / 50) and every["quota"] == {"videos.batchGetStats": 52}
    assert max(c.ids for c in emu.calls if c.method == "videos.batchGetStats") <= 50
    # every fetch through the API appends snapshots: the first listing, then "all" (not "none")
    assert len(Store(settings.data_dir).history([BIG_CHANNEL_ID])) == 2 * 2600
    ledger = Store(settings.data_dir).quota_today(settings.account_fingerprint)
    assert main_units(ledger) == body["quota_units"] + 0 + every["quota_units"]  # the buckets kept apart
    assert stats_calls(ledger) == 52 + 52  # the first listing's details, then the refresh


def test_a_fetch_that_cannot_fit_is_refused_with_retry_after_and_force_runs_it(served, tmp_path):
    emu, settings = served
    api = api_client(Settings(**{**settings.__dict__, "daily_quota": 50}))
    r = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@bigchannel", "incremental": True})
    assert r.status_code == 429 and r.json()["kind"] == "WouldNotFit" and int(r.headers["Retry-After"]) > 0
    assert r.json()["error"].startswith("Not started: this fetch needs about 54 YouTube units but only 49")
    assert '"force": true' in r.json()["error"] and "--force" not in r.json()["error"]
    assert emu.units_by_method == {"channels.list": 1}  # resolving only
    forced = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@bigchannel", "incremental": True, "force": True})
    assert forced.status_code == 200 and forced.json()["sync"][0]["mode"] == "full"


@pytest.mark.parametrize("how", ["post", "get"])
def test_a_plain_fetch_is_planned_too_and_refused_when_it_cannot_fit(served, how):
    """The one use case for every face: a plain fetch (no ``incremental``) is planned against Y2S_DAILY_QUOTA as
    the CLI's is, refused with 429 before any listing (was: 1,126 units spent against a budget of 100)."""
    emu, settings = served
    api = api_client(Settings(**{**settings.__dict__, "daily_quota": 50}))
    if how == "post":
        r = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@bigchannel"})
    else:
        r = api.get(f"{V1}/channels/@bigchannel/videos", headers=AUTH)
    assert r.status_code == 429 and r.json()["kind"] == "WouldNotFit", r.text
    assert emu.units_by_method == {"channels.list": 1}  # resolving only: nothing listed
    if how == "post":
        forced = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@bigchannel", "force": True})
        assert forced.status_code == 200 and len(forced.json()["rows"]) == 2600


def test_a_quota_cut_incremental_fetch_keeps_its_rows_and_the_next_one_resumes(tmp_path):
    emu = YouTubeEmulator(daily_quota=45)
    with serve(emu) as server:
        api = api_client(Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path))
        cut = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@bigchannel", "incremental": True, "stats": "none"})
        assert cut.status_code == 429 and cut.json()["kind"] == "QuotaExceeded"
        partial = cut.json()["partial"]
        assert partial["rows"] and partial["complete"] is False and partial["sync"][0]["mode"] == "full"
        emu.reset()  # a new quota day
        emu.daily_quota = 10_000
        resumed = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@bigchannel", "incremental": True,
                                                              "stats": "none"})
    assert resumed.status_code == 200, resumed.text
    report = resumed.json()["sync"][0]
    assert report["mode"] == "resume" and "resumed: " in report["note"] and resumed.json()["complete"] is True
    stored = Store(tmp_path).channel_videos(BIG_CHANNEL_ID)
    assert len(stored) == len({v.id for v in stored}) == 2600


def test_process_refreshes_the_rows_already_in_the_target(served):
    emu, settings = served
    api = api_client(settings)
    body = {"channels": "@oldschool", "sheet": "old.csv", "incremental": True, "stats": "none"}
    first = api.post(f"{V1}/process", headers=AUTH, json=body).json()
    assert first["push"]["new"] == len(first["fetch"]["rows"]) > 0 and first["fetch"]["sync"][0]["mode"] == "full"
    emu.reset()
    again = api.post(f"{V1}/process", headers=AUTH, json={**body, "stats": "recent"}).json()
    in_sheet = len(first["fetch"]["rows"])
    # no uploads page (the feed shows nothing new), then the statistics of every row already in the sheet (50 ids a call)
    assert again["fetch"]["sync"][0]["mode"] == "incremental" and again["fetch"]["sync"][0]["refreshed"] == in_sheet
    assert emu.units_by_method == {"videos.batchGetStats": math.ceil(in_sheet / 50)}  # its own bucket: 0 units
    assert again["push"]["new"] == 0


@pytest.mark.parametrize("stats", ["some", "", 3])
def test_a_bad_stats_mode_is_the_error_shape(served, stats):
    _, settings = served
    r = api_client(settings).post(f"{V1}/fetch", headers=AUTH, json={"channels": "@oldschool", "incremental": True,
                                                                     "stats": stats})
    assert r.status_code == 400 and set(r.json()) == {"error", "kind"} and "stats" in r.json()["error"]
