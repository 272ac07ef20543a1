"""A bucket's per-minute limit is a wait, not a failure (issue 18, items 1 and 6): videos.batchGetStats allows 600
calls a minute, search.list has its own per-minute limit. Through the real google-api-python-client against the
YouTube emulator, whose minute is a clock the test moves (the client's sleep moves it: no real waiting)."""

from __future__ import annotations

from y2s_core.channel_input import as_refs
from y2s_core.emulators.transport import HttplibHttp
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.settings import Settings
from y2s_core.sync import Syncer, SyncOptions
from y2s_core.youtube import YouTubeClient
from y2s_core.youtube.client import MINUTE_WAITS


class Minute:
    """The emulator's wall clock, moved only by the client's sleeps (recorded)."""

    def __init__(self) -> None:
        # a quarter second before a minute turns: the client's wait (the rest of the *real* minute, at least 0.5 s)
        # always reaches the next one, whatever second the test runs at
        self.now, self.slept = 60 * 16_667 - 0.25, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def setup(tmp_path, per_minute, moving=True):
    minute = Minute()
    emu = YouTubeEmulator(per_minute=per_minute, minute_clock=minute)
    settings = Settings(youtube_api_key="k", data_dir=tmp_path)
    sleep = minute.sleep if moving else minute.slept.append
    client = YouTubeClient(settings, http_factory=lambda: HttplibHttp(emu), retry_sleep=sleep)
    return emu, settings, client, minute


def sync(client, settings, channels, stats):
    syncer = Syncer(client, settings)
    return syncer.run(syncer.prepare(channels, None, SyncOptions(stats=stats)))


def rate_refusals(emu, method):
    return sum(1 for c in emu.calls if c.method == method and c.status == 429)


def test_a_statistics_refresh_past_the_per_minute_limit_waits_for_the_next_minute(tmp_path):
    emu, settings, client, minute = setup(tmp_path, {"stats": 2})
    assert sync(client, settings, ["@y2sdemo"], "none").stop is None  # the channel in the store
    emu.reset()
    out = sync(client, settings, ["@y2sdemo"], "all")  # 150 known videos: 3 batchGetStats calls, 2 a minute
    assert out.stop is None and out.result.complete
    assert emu.stats_calls_used == 3 and rate_refusals(emu, "videos.batchGetStats") == 1
    # a wait, never the videos.list fallback of a spent day (its only videos.list: the Upcoming ones, typed again)
    assert all(c.ids < 50 for c in emu.calls if c.method == "videos.list")
    assert len(minute.slept) == 1 and 0 < minute.slept[0] <= 60.5  # to the turn of the minute, not a day
    assert len(out.result.videos) == 150 and out.reports[0].refreshed == 150


def test_a_limit_that_never_lifts_ends_that_refresh_with_an_error_after_a_few_waits(tmp_path):
    emu, settings, client, minute = setup(tmp_path, {"stats": 1}, moving=False)  # the minute never turns
    sync(client, settings, ["@y2sdemo"], "none")
    emu.reset()
    out = sync(client, settings, ["@y2sdemo"], "all")
    assert out.stop is not None and out.stop.status == 429 and "per minute" in str(out.stop)
    assert len(minute.slept) >= MINUTE_WAITS and all(c.ids < 50 for c in emu.calls if c.method == "videos.list")
    assert len(out.result.videos) == 150  # what the store holds is still the result


def test_a_per_minute_search_limit_delays_only_the_legacy_name(tmp_path):
    emu, settings, client, minute = setup(tmp_path, {"search": 0}, moving=False)  # search.list always refused
    resolved = client.resolve(as_refs(["youtube.com/c/OldSchoolTutorials", "@y2sdemo", "@bigchannel"]))
    assert resolved[0].channel is None and "per-minute" in (resolved[0].error or "")
    assert [r.channel.handle for r in resolved[1:]] == ["@y2sdemo", "@bigchannel"]
    calls = [c.method for c in emu.calls]
    # the two handles resolved before the search was tried (and waited on): nothing waited for it
    assert calls.index("search.list") > max(i for i, c in enumerate(emu.calls) if c.status == 200)
    assert rate_refusals(emu, "search.list") == MINUTE_WAITS + 1 and emu.search_calls_used == 0
