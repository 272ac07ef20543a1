"""The Fetch page on the incremental path (AppTest, demo mode): a known channel is fetched incrementally and
says so, "Refresh everything" lists it in full, the quota plan is shown before the listing, "Estimate quota"
spends nothing on a known channel, and a fetch that cannot fit is refused with a "Fetch anyway" button."""

from __future__ import annotations

import pytest

from tests.app_helpers import fetch, set_widget, start_app, texts
from y2s_core.dashboard import fetching


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    for var in ("YOUTUBE_API_KEY", "Y2S_YOUTUBE_API_URL", "Y2S_DATABASE_URL", "Y2S_DAILY_QUOTA"):
        monkeypatch.delenv(var, raising=False)
    fetching.clear_fetch_cache()
    yield
    fetching.clear_fetch_cache()


def no_crash(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def units(at) -> int:
    return at.session_state["y2s.quota_units"]


def test_a_known_channel_is_fetched_incrementally_and_refresh_everything_lists_it_again():
    at = fetch(start_app(), "@bigchannel")
    no_crash(at)
    first = units(at)
    assert first == 55  # channels 1 + the tabs 53 + the uploads page 1; details: 52 videos.batchGetStats calls
    assert any("Planned: about 54 units (full 54) + 52 stats calls (videos.batchGetStats bucket) after 1 spent resolving" in t for t in texts(at.caption))
    set_widget(at, "fetch.stats", "none")
    at.button(key="fetch.refresh").click().run()
    no_crash(at)
    assert units(at) == first  # the uploads feed shows nothing new: no uploads page
    assert any("Big Channel Demo: incremental, 0 new, 0 refreshed, 0 units (feed: unchanged)" in t
               for t in texts(at.caption))
    assert any("Planned: about 0 units (incremental 0)" in t for t in texts(at.caption))
    assert len(at.session_state["y2s.result"].videos) == 2600  # every type (the default types, as the CLI and the API)
    fetch(at, full=True)
    no_crash(at)
    assert units(at) == 2 * first and any("Big Channel Demo: full" in t for t in texts(at.caption))


def test_estimate_quota_shows_the_plan_without_fetching():
    at = fetch(start_app(), "@oldschool")
    spent = units(at)
    at.button(key="fetch.estimate").click().run()
    no_crash(at)
    info = " ".join(texts(at.info))
    # 40 statistics (all): 1 videos.batchGetStats call, its own bucket; the feed: no page
    assert "This fetch would spend about 0 units (incremental 0) + 1 stats call (videos.batchGetStats bucket)" in info
    assert "Old School Tutorials: incremental" in info
    assert units(at) == spent  # a known channel: planned from the store, no call
    at.text_area(key="fetch.channels").input("@y2sdemo")
    at.button(key="fetch.estimate").click().run()
    assert "(full " in " ".join(texts(at.info)) and units(at) == spent + 1  # resolving an unknown channel


def test_a_fetch_that_cannot_fit_is_refused_and_fetch_anyway_runs_it(monkeypatch):
    monkeypatch.setenv("Y2S_DAILY_QUOTA", "50")
    at = fetch(start_app(), "@bigchannel")
    no_crash(at)
    [error] = [str(e.value) for e in at.error]
    assert error.startswith("Not started: this fetch needs about 54 YouTube units but only 49 of today's 50")
    assert "**Fetch anyway**" in error and "--force" not in error
    assert at.session_state["y2s.result"] is None and units(at) == 1  # resolving only
    at.button(key="fetch.force").click().run()
    no_crash(at)
    result = at.session_state["y2s.result"]
    assert not at.error and result.complete and len(result.videos) == 2600  # every type (the default types, as the CLI and the API)
    assert units(at) == 1 + 55  # the refused try resolved once; the demo emulator itself allows 10,000
