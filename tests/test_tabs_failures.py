"""The tab engine when YouTube fails or the quota runs out mid-fetch: what was fetched is kept, newest first,
never with a guessed type; the breaker still stops a service that keeps failing while chains run in parallel.
"""

from __future__ import annotations

import re

import pytest

from y2s_core.breaker import BreakerOpen, CircuitBreaker
from y2s_core.emulators.transport import HttplibHttp
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.errors import QuotaExceeded, YouTubeError
from y2s_core.settings import Settings
from y2s_core.youtube import YouTubeClient


def client_for(emu: YouTubeEmulator, **kw) -> YouTubeClient:
    return YouTubeClient(Settings(youtube_api_key="k"), http_factory=lambda: HttplibHttp(emu),
                         retry_sleep=lambda s: None, **kw)


def public(emu: YouTubeEmulator, handle: str) -> list[str]:
    return [v.id for v in emu.catalog.videos(emu.catalog.channel_by_handle(handle).id)]


def left_out(warnings) -> int:
    said = " ".join(warnings)
    return sum(int(n) for n in re.findall(r"(\d+) more (?:left out|listed but not detailed)", said))


@pytest.mark.parametrize("quota", [3, 5, 9, 20, 45, 50])
def test_a_quota_stop_keeps_a_newest_first_prefix_with_no_guessed_type(quota):
    emu = YouTubeEmulator(daily_quota=quota, latency=0.002)
    partial, error = client_for(emu).fetch_kept("@bigchannel")
    assert isinstance(error, QuotaExceeded) and not partial.complete and emu.units_used <= quota
    kept = [v.id for v in partial.videos]
    assert kept == public(emu, "@bigchannel")[: len(kept)]  # a prefix: nothing newer is missing
    for v in partial.videos:
        assert v.type.value == emu.catalog.expected_type(v.id), v
    assert partial.quota == dict(emu.units_by_method)
    assert "search.list" not in emu.calls_by_method
    refused = [c for c in emu.calls if c.status == 403]
    assert 1 <= len(refused) <= 4 + 4  # at most the calls in flight (4 chains + 4 detail workers), then fail-fast
    if quota >= 45:
        assert len(kept) >= 100 and any("stopped by the quota" in w for w in partial.warnings)


def test_a_server_error_storm_on_a_tab_keeps_what_every_playlist_reached():
    emu = YouTubeEmulator(latency=0.002)
    big = emu.catalog.channel_by_handle("@bigchannel").id
    emu.fail_next("playlistItems.list", 500, "backendError", times=50, after=8, when={"playlistId": "UULF" + big[2:]})
    partial, e = client_for(emu).fetch_kept("@bigchannel")
    assert isinstance(e, YouTubeError) and not isinstance(e, QuotaExceeded) and e.exit_code == 1
    kept = [v.id for v in partial.videos]
    assert len(kept) >= 300 and kept == public(emu, "@bigchannel")[: len(kept)]
    listed = {v for v in public(emu, "@bigchannel")[:2600]}
    assert len(kept) + left_out(partial.warnings) <= len(listed)
    assert "kept" not in str(e)  # the error is YouTube's; the faces say what was kept (FetchRun.told)
    assert partial.quota == dict(emu.units_by_method)  # 500s are not billed
    failed = [c for c in emu.calls if c.status == 500]
    assert len(failed) == 5  # 1 try + 4 retries of the page, then the channel stops
    assert len([c for c in emu.calls if c.params.get("playlistId", "").startswith("UULF")]) == 8 + 5


def test_a_failing_detail_call_stops_every_chain_early():
    emu = YouTubeEmulator(latency=0.002)
    emu.fail_next("videos.batchGetStats", status=500, reason="backendError", times=100)
    with pytest.raises(YouTubeError) as info:
        client_for(emu, num_retries=1).fetch("@hugechannel")
    assert info.value.status == 500
    # not the 400 pages of the whole channel (how many pages the chains ask before the failure reaches them
    # depends on the machine's load: the bound is far from both)
    assert emu.calls_by_method["playlistItems.list"] < 100


def test_an_open_breaker_is_closed_only_by_its_trial_call():
    clock = type("Clock", (), {"now": 0.0, "__call__": lambda self: self.now})()
    b = CircuitBreaker("YouTube", threshold=2, cooldown=30, clock=clock)
    b.before_call()
    b.before_call()  # two calls in flight at once (two page chains)
    b.failure()
    b.failure()
    assert b.state == "open"
    b.success()  # a third call, sent before the breaker opened, answers late: the breaker stays open
    assert b.state == "open"
    with pytest.raises(BreakerOpen):
        b.before_call()
    clock.now += 30
    b.before_call()  # the trial
    b.success()
    assert b.state == "closed"


def test_a_service_that_keeps_failing_opens_the_breaker_despite_parallel_chains():
    from y2s_core import breaker

    emu = YouTubeEmulator(latency=0.002)
    emu.fail_next(None, 500, "backendError", times=50, after=12)
    with pytest.raises(YouTubeError):
        client_for(emu).fetch("@bigchannel")
    assert [s["state"] for s in breaker.states().values()] == ["open"]
    sent = len(emu.calls)
    with pytest.raises(YouTubeError, match="in a row"):
        client_for(emu).fetch("@bigchannel")
    assert len(emu.calls) == sent
