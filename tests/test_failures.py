"""When YouTube keeps failing mid-fetch (a 5xx storm, timeouts, a dead server): nothing fetched is lost,
the ledger counts every unit, and a circuit breaker stops calling a service that keeps failing.

Through the real google-api-python-client against the YouTube emulator (in-process, or served on
127.0.0.1 where a client timeout has to fire), and the CLI and the app on top of it.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import threading
from urllib.parse import urlsplit

import httplib2
import pytest

from tests.app_helpers import fetch as app_fetch
from tests.app_helpers import start_app, texts
from y2s_core import breaker, cli, service
from y2s_core.breaker import BreakerOpen, CircuitBreaker
from y2s_core.emulators.transport import HttplibHttp, serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.errors import QuotaExceeded, YouTubeError
from y2s_core.settings import Settings
from y2s_core.store.ledger import spent_today
from y2s_core.youtube import YouTubeClient

NO_SLEEP = functools.partial(YouTubeClient, retry_sleep=lambda s: None)


def client_for(emu: YouTubeEmulator, **kw) -> YouTubeClient:
    return YouTubeClient(Settings(youtube_api_key="k"), http_factory=lambda: HttplibHttp(emu),
                         retry_sleep=lambda s: None, **kw)


# ------------------------------------------------------------------------------------------- the core


def uploads_of(emu: YouTubeEmulator, handle: str) -> dict[str, str]:
    """The page chain a fetch of ``handle`` waits on most: for a big channel listed through its tab playlists
    (youtube.tabs), the long-form tab UULF; else the uploads playlist UU."""
    ch = emu.catalog.channel_by_handle(handle)
    return {"playlistId": ("UULF" if emu.catalog.tabs(ch.id) else "UU") + ch.id[2:]}


def test_a_server_error_storm_mid_fetch_keeps_the_pages_fetched():
    emu = YouTubeEmulator()
    emu.fail_next("playlistItems.list", 500, "backendError", times=50, after=8, when=uploads_of(emu, "@bigchannel"))
    # ordered, as a forced run the planner knows is short: what a stop keeps does not depend on the threads' timing
    partial, e = client_for(emu).fetch_kept("@bigchannel", ordered=True)
    assert isinstance(e, YouTubeError) and not isinstance(e, QuotaExceeded) and e.exit_code == 1
    assert not partial.complete and partial.incomplete
    public = [v.id for v in emu.catalog.videos(emu.catalog.channel_by_handle("@bigchannel").id)]
    kept = [v.id for v in partial.videos]
    # the pages listed before the storm are kept, newest first, down to where every playlist had reached and
    # the Short/Long type and details were known: the rest is left out, and said so
    assert len(kept) >= 100 and kept == public[: len(kept)]
    said = " ".join(partial.warnings)
    left = sum(int(n) for n in re.findall(r"(\d+) more (?:left out|listed but not detailed)", said))
    assert left > 0 and len(kept) + left < len(public), said
    assert len({v.id for v in partial.videos}) == len(partial.videos)
    assert "kept" not in str(e)  # the error is YouTube's; the faces say what was kept (FetchRun.told)
    assert partial.quota == dict(emu.units_by_method)  # what Google billed: 500s are not billed
    failed = [c for c in emu.calls if c.status == 500]
    assert len(failed) == 5  # 1 try + 4 retries of the page, then the channel stops: no more calls to it


def test_one_failing_channel_does_not_lose_the_others(monkeypatch):
    emu = YouTubeEmulator()
    demo = emu.catalog.channel_by_handle("@y2sdemo")
    # the storm hits only @y2sdemo's uploads; the breaker must not open, so only 2 failures in a row
    emu.fail_next("playlistItems.list", 503, "backendError", times=2)
    partial, e = client_for(emu, num_retries=1).fetch_kept("@y2sdemo @oldschool")
    assert isinstance(e, YouTubeError)
    assert {v.channel_id for v in partial.videos} == {emu.catalog.channel_by_handle("@oldschool").id}
    assert any(demo.title in why for why in partial.incomplete)
    assert partial.quota == dict(emu.units_by_method)


def test_an_open_breaker_stops_the_fetch_without_more_calls():
    emu = YouTubeEmulator()
    emu.fail_next("playlistItems.list", 500, "backendError", times=5)  # exactly one request's tries
    with pytest.raises(YouTubeError) as info:
        client_for(emu).fetch("@y2sdemo @oldschool @bigchannel")
    calls = len(emu.calls)
    assert [c.method for c in emu.calls].count("playlistItems.list") == 5
    assert "in a row" not in str(info.value)  # the first failure is what is said
    # the next fetch, right away: the breaker is open, nothing is sent
    with pytest.raises(YouTubeError, match="5 times in a row") as again:
        client_for(emu).fetch("@oldschool")
    assert len(emu.calls) == calls
    assert again.value.reason == "circuitOpen" and again.value.status == 503


class SlowDetails:
    """The emulator behind a backend too slow for the client: every detail call (videos.list, or
    videos.batchGetStats for a tab listing) after the first two is
    held until ``release`` (the client times out meanwhile), then answered and billed as Google would. It
    counts the requests it has finished answering, so a test can wait for the last one instead of sleeping."""

    def __init__(self, emu: YouTubeEmulator) -> None:
        self.emu = emu
        self.release = threading.Event()
        self.details = self.held = self.answered = 0
        self._done = threading.Condition()

    def __getattr__(self, name: str):  # takes_started and the rest: the emulator's own
        return getattr(self.emu, name)

    def handle(self, method, url, headers, body, **kw):
        with self._done:
            detail = urlsplit(url).path.endswith(("/videos", "/videos:batchGetStats"))
            self.details += detail
            hold = detail and self.details > 2
            self.held += hold
        try:
            if hold:
                self.release.wait(120)
            return self.emu.handle(method, url, headers, body, **kw)
        finally:
            with self._done:
                self.answered += 1
                self._done.notify_all()

    def wait_answered(self, n: int, timeout: float) -> bool:
        with self._done:
            return self._done.wait_for(lambda: self.answered >= n, timeout)


def test_timed_out_calls_are_counted_as_spent():
    emu = YouTubeEmulator()
    slow = SlowDetails(emu)
    sent, counting = [0], threading.Lock()

    class Http(httplib2.Http):  # 1 s: the held calls time out, the others are answered long before
        def __init__(self) -> None:
            super().__init__(timeout=1)

        def request(self, *args, **kwargs):  # every try the client sends (the fetch's threads each have one)
            with counting:
                sent[0] += 1
            return super().request(*args, **kwargs)

    with serve(slow) as server:
        client = YouTubeClient(Settings(youtube_api_key="k", youtube_api_url=server.url), http_factory=Http,
                               retry_sleep=lambda s: None)
        try:
            partial, error = client.fetch_kept("@bigchannel")
            assert isinstance(error, YouTubeError)
        finally:
            slow.release.set()  # the held calls are answered (and billed) after the client gave up on them
        assert slow.wait_answered(sent[0], 120), (slow.answered, sent)
    billed = emu.units_by_method.get("videos.list", 0) + emu.units_by_method.get("videos.batchGetStats", 0)
    assert slow.held >= 1 and billed == slow.details  # each detail call billed
    assert not partial.complete
    assert client.meter.snapshot() == dict(emu.units_by_method)


def test_a_dead_server_is_a_clear_error_and_nothing_is_billed():
    emu = YouTubeEmulator()
    with serve(emu) as server:
        url = server.url
    client = YouTubeClient(Settings(youtube_api_key="k", youtube_api_url=url),
                           http_factory=lambda: httplib2.Http(timeout=2), retry_sleep=lambda s: None)
    partial, error = client.fetch_kept("@y2sdemo")
    assert isinstance(error, YouTubeError) and "Could not reach the YouTube API" in str(error)
    assert not partial.videos and not partial.complete
    assert client.meter.snapshot() == {}  # refused connections never reached Google


# -------------------------------------------------------------------------------------------- the CLI


def test_the_cli_prints_what_was_fetched_exits_1_and_records_every_unit(monkeypatch, tmp_path):
    monkeypatch.setattr(service, "YouTubeClient", NO_SLEEP)
    emu = YouTubeEmulator()
    emu.fail_next("playlistItems.list", 500, "backendError", times=50, after=6, when=uploads_of(emu, "@bigchannel"))
    with serve(emu) as server:
        env = {"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"], "YOUTUBE_API_KEY": "k", "Y2S_YOUTUBE_API_URL": server.url}
        out, err = io.StringIO(), io.StringIO()
        code = cli.run(["fetch", "@bigchannel", "--format", "json"], stdout=out, stderr=err, env=env)
    assert code == 1
    rows = json.loads(out.getvalue())
    assert 50 <= len(rows) < 2600  # of the 6 long-form pages listed, the newest videos whose type was known
    lines = err.getvalue().strip().splitlines()
    assert lines[-1].startswith("error: ") and "fetched before it failed are kept" in lines[-1]
    assert sum(1 for line in lines if line.startswith("error:")) == 1
    settings = Settings.from_env(env)
    assert spent_today(settings) == emu.units_used  # the main pool (batchGetStats calls: their own bucket)


def test_the_app_keeps_and_shows_what_was_fetched(monkeypatch):
    from y2s_core.dashboard import state

    monkeypatch.setattr(service, "YouTubeClient", NO_SLEEP)
    emu = YouTubeEmulator()
    emu.fail_next("playlistItems.list", 500, "backendError", times=50, after=4, when=uploads_of(emu, "@bigchannel"))
    with serve(emu) as server:
        monkeypatch.setenv("YOUTUBE_API_KEY", "k")
        monkeypatch.setenv("Y2S_YOUTUBE_API_URL", server.url)
        at = app_fetch(start_app(), "@bigchannel", types=["Short", "Long", "Live", "Upcoming"])
    assert not at.exception
    errors = " ".join(texts(at.error))
    assert "fetched before it failed are kept" in errors and "Review, measure and push them now" in errors
    result = at.session_state[state.RESULT]
    assert result is not None and 50 <= len(result.videos) < 2600 and not result.complete
    assert any("Partial result" in t for t in texts(at.warning))


# ----------------------------------------------------------------------------------------- the breaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_n_failures_in_a_row_and_half_opens_after_the_cool_down():
    clock = Clock()
    b = CircuitBreaker("YouTube", threshold=3, cooldown=30, clock=clock)
    for _ in range(2):
        b.before_call()
        b.failure()
    b.before_call()
    b.success()  # a success in between: the count starts again
    for _ in range(3):
        b.before_call()
        b.failure()
    assert b.state == "open"
    with pytest.raises(BreakerOpen) as info:
        b.before_call()
    assert info.value.retry_in == pytest.approx(30) and info.value.failures == 3
    clock.now += 30
    assert b.state == "half-open"
    b.before_call()  # one trial call goes through ...
    with pytest.raises(BreakerOpen):
        b.before_call()  # ... and only one
    b.failure()  # the trial failed: open again, for a full cool-down
    assert b.state == "open"
    clock.now += 30
    b.before_call()
    b.success()
    assert b.state == "closed" and b.describe()["consecutive_failures"] == 0


@pytest.mark.parametrize(("status", "counts"), [(500, True), (503, True), (429, False), (403, False), (404, False)])
def test_only_server_errors_count_against_the_breaker(status, counts):
    assert breaker.is_failure_status(status) is counts


def test_quota_and_client_errors_never_open_the_breaker():
    emu = YouTubeEmulator(daily_quota=3)
    for _ in range(6):
        with pytest.raises(QuotaExceeded):
            client_for(emu).fetch("@bigchannel")
    assert all(s["state"] == "closed" for s in breaker.states().values())


# -------------------------------------------------------------------------------------------- the API


def test_the_api_answers_502_with_the_rows_fetched_and_health_shows_the_open_breaker(monkeypatch, tmp_path):
    from tests.api_helpers import AUTH, api_client

    monkeypatch.setattr(service, "YouTubeClient", NO_SLEEP)
    emu = YouTubeEmulator()
    emu.fail_next(None, 500, "backendError", times=50, after=12)  # YouTube goes down after 12 calls
    with serve(emu) as server:  # a budget the plan does not fit, forced: the units go in listing order, so what
        # the stop keeps does not depend on the threads' timing (free chains may spend all 12 on pages)
        client = api_client(Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path,
                                     daily_quota=40))
        r = client.post("/api/v1/fetch", headers=AUTH, json={"channels": "@bigchannel", "force": True})
        health = client.get("/api/v1/health").json()
    assert r.status_code == 502 and r.json()["kind"] == "YouTubeError"
    partial = r.json()["partial"]
    assert 1 <= len(partial["rows"]) <= 300 and partial["complete"] is False and partial["incomplete"]
    assert spent_today(Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path)) == \
        emu.units_used  # the main pool (batchGetStats calls: their own bucket)
    youtube = [b for name, b in health["breakers"].items() if name.startswith("YouTube")]
    assert youtube and youtube[0]["state"] == "open" and youtube[0]["consecutive_failures"] >= 5
