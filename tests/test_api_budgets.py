"""The REST API per token: its spend in the ledger under a hash of the token, an optional daily budget of its own
(Y2S_API_TOKEN_DAILY_UNITS), the key's budget (Y2S_DAILY_QUOTA) for every fetching route, and fetch slots and
reservations kept in the store, so that two API processes on one PostgreSQL enforce the same limits.

Issue 16 measured the API before: a plain ``POST /api/v1/fetch`` spent 1,126 units against a budget of 100."""

# ruff: noqa: F811  (the store_backends fixtures are imported, then named as arguments)
from __future__ import annotations

import logging
import math
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import text

from tests.api_helpers import api_client
from y2s_core.api import ApiConfig
from y2s_core.emulators.transport import HttplibHttp, serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.quota import quota_resets_at
from y2s_core.settings import Settings
from y2s_core.store import engine
from y2s_core.store.ledger import identity, spent_today

from .conftest import REPO
from .store_backends import backend_url, drop_schema, fresh_schema_url, postgres_server  # noqa: F401 (fixtures)

V1 = "/api/v1"
TOKEN_A = "token-a-" + "a" * 32
TOKEN_B = "token-b-" + "b" * 32
FETCH = {"channels": "@oldschool", "filters": {"max_videos": 20}}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def youtube():
    emu = YouTubeEmulator()
    with serve(emu) as server:
        yield emu, server.url


def app_on(url: str, tmp_path, *, daily: int = 10_000, token_daily: int | None = None, database_url: str | None = None):
    settings = Settings(youtube_api_key="k", youtube_api_url=url, data_dir=tmp_path, daily_quota=daily,
                        database_url=database_url)
    return settings, api_client(settings, ApiConfig(tokens=(TOKEN_A, TOKEN_B), token_daily_units=token_daily),
                                raise_server_exceptions=False)


def seconds_to_reset() -> float:
    return (quota_resets_at() - datetime.now(timezone.utc)).total_seconds()


# ---------------------------------------------------------------------------------------- per token


def test_a_tokens_spend_is_in_the_ledger_under_its_hash_and_never_in_clear(youtube, backend_url, tmp_path, caplog):
    emu, url = youtube
    caplog.set_level(logging.DEBUG)
    settings, api = app_on(url, tmp_path, database_url=backend_url)
    r = api.post(f"{V1}/fetch", json=FETCH, headers=auth(TOKEN_A))
    assert r.status_code == 200, r.text
    units = r.json()["quota_units"]
    assert units > 0 and spent_today(settings, identity("token", TOKEN_A)) == units == spent_today(settings)
    assert spent_today(settings, identity("token", TOKEN_B)) == 0
    assert r.json()["today"] == f"you: {units} units today; everyone: {units} of 10,000"
    with engine.engine_for(backend_url).connect() as conn:
        stored = [str(v) for row in conn.execute(text("SELECT * FROM quota_ledger")) for v in row]
    assert identity("token", TOKEN_A) in stored
    assert not any(TOKEN_A in v or TOKEN_A[:20] in v for v in stored)
    assert not any(TOKEN_A[:20] in rec.getMessage() for rec in caplog.records)


def test_a_token_over_its_daily_units_is_refused_429_before_any_call_and_another_token_is_not(youtube, tmp_path):
    emu, url = youtube
    settings, api = app_on(url, tmp_path, token_daily=8)
    first = api.post(f"{V1}/fetch", json=FETCH, headers=auth(TOKEN_A))
    assert first.status_code == 200, first.text
    spent = first.json()["quota_units"]
    assert first.json()["today"] == f"you: {spent} of 8 units today; everyone: {spent} of 10,000"
    calls = len(emu.calls)
    for route in (lambda: api.post(f"{V1}/fetch", json=FETCH, headers=auth(TOKEN_A)),
                  lambda: api.get(f"{V1}/channels/@oldschool/videos?max_videos=30", headers=auth(TOKEN_A)),
                  lambda: api.post(f"{V1}/process", json={**FETCH, "sheet": "a.csv", "dry_run": True},
                                   headers=auth(TOKEN_A))):
        r = route()
        assert r.status_code == 429, r.text
        body = r.json()
        assert body["kind"] == "WouldNotFit" and body["budget"] == "token"
        assert "Y2S_API_TOKEN_DAILY_UNITS" in body["error"] and TOKEN_A not in r.text
        now = spent_today(settings)  # the resolution of the refused fetch is spent: it was needed to plan
        assert body["today"] == f"you: {now} of 8 units today; everyone: {now} of 10,000"
        assert abs(int(r.headers["Retry-After"]) - seconds_to_reset()) < 60
    assert len(emu.calls) - calls <= 3  # the resolution of each refused fetch, nothing past it
    assert spent_today(settings, identity("token", TOKEN_A)) == spent + (len(emu.calls) - calls)
    other = api.post(f"{V1}/fetch", json=FETCH, headers=auth(TOKEN_B))
    assert other.status_code == 200, other.text


def test_every_fetching_route_is_planned_against_the_keys_daily_quota(youtube, tmp_path):
    """Before: a plain fetch spent 1,126 units against Y2S_DAILY_QUOTA=100."""
    emu, url = youtube
    settings, api = app_on(url, tmp_path, daily=20)
    for route in (lambda: api.post(f"{V1}/fetch", json={"channels": "@bigchannel"}, headers=auth(TOKEN_A)),
                  lambda: api.get(f"{V1}/channels/@bigchannel/videos", headers=auth(TOKEN_A)),
                  lambda: api.post(f"{V1}/process", json={"channels": "@bigchannel", "sheet": "a.csv", "dry_run": True},
                                   headers=auth(TOKEN_A))):
        r = route()
        assert r.status_code == 429, r.text
        assert r.json()["kind"] == "WouldNotFit" and r.json()["budget"] == "key"
        assert "Y2S_DAILY_QUOTA" in r.json()["error"] and r.json()["today"].startswith("you: ")
        assert int(r.headers["Retry-After"]) > 0
    assert spent_today(settings) <= 3 <= 20  # resolutions only


def test_force_lifts_the_keys_budget_but_never_a_tokens(youtube, tmp_path):
    emu, url = youtube
    settings, api = app_on(url, tmp_path, daily=20, token_daily=60)
    fetch = {"channels": "@bigchannel", "filters": {"max_videos": 1000}}  # about 24 units (+ 20 stats calls)
    plain = api.post(f"{V1}/fetch", json=fetch, headers=auth(TOKEN_A))
    assert plain.status_code == 429 and plain.json()["budget"] == "key"
    forced = api.post(f"{V1}/fetch", json={**fetch, "force": True}, headers=auth(TOKEN_A))
    assert forced.status_code == 200, forced.text  # past the key's 20: the owner of the token asked for it
    assert spent_today(settings) > 20
    for _ in range(5):  # forcing again and again: the token's own 60 a day hold
        again = api.post(f"{V1}/fetch", json={**fetch, "force": True}, headers=auth(TOKEN_A))
        if again.status_code == 429:
            break
        assert again.status_code == 200, again.text
    assert again.status_code == 429 and again.json()["budget"] == "token", again.text
    assert spent_today(settings, identity("token", TOKEN_A)) <= 60 + 2  # + the resolution of the refused fetch


# ----------------------------------------------------------------------------- two API processes


class GatedYouTube:
    """The emulator, holding each uploads-listing request (playlistItems.list: past the plan and its reservation)
    until ``release``; ``listing`` is set when the first one arrives."""

    def __init__(self, emu: YouTubeEmulator) -> None:
        self.emu = emu
        self.listing = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str):
        return getattr(self.emu, name)

    def handle(self, method, url, *args, **kwargs):
        if "/playlistItems" in url:
            self.listing.set()
            self.release.wait(30)
        return self.emu.handle(method, url, *args, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_api(env: dict[str, str], log) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "y2s_core", "api", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=REPO, env=env, stdout=log, stderr=log)
    return proc, f"http://127.0.0.1:{port}"


def wait_healthy(proc: subprocess.Popen, base: str, log_path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}{V1}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()[-3000:]
        time.sleep(0.05)


@pytest.fixture
def pg_url(postgres_server):
    url, name = fresh_schema_url(postgres_server)
    yield url
    drop_schema(postgres_server, url, name)


def test_two_api_processes_on_one_postgresql_share_the_slots_and_the_budget(pg_url, tmp_path):
    """Process A runs a fetch (its slot held, its planned units reserved, its listing held by the emulator); then
    process B and A alike refuse the same token a second slot (TooManyRequests), and refuse another token the units
    A reserved (WouldNotFit, budget "key") although B's planner alone, reading only the ledger, would pass it."""
    from y2s_core.channel_input import parse
    from y2s_core.filters import FilterSpec
    from y2s_core.service import plan_fetch
    from y2s_core.youtube import YouTubeClient

    # what one fetch resolves (R) and plans (U), on an empty store like the servers'
    probe = Settings(youtube_api_key="k", data_dir=tmp_path / "probe")
    client = YouTubeClient(probe, http_factory=lambda: HttplibHttp(YouTubeEmulator()))
    resolutions = client.resolve(parse("@oldschool"))
    resolve = client.meter.total_units
    need = plan_fetch(probe, resolutions, FilterSpec(max_videos=20), resolve).units_needed
    daily = 2 * resolve + 2 * need - 1  # A fits (R + U); A's reservation and B's fetch do not (2R + 2U)
    assert need >= resolve + 1  # so that B's planner alone (ledger: at most 2R spent) would let it in
    emu = YouTubeEmulator()
    gate = GatedYouTube(emu)
    with serve(gate) as yt:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("Y2S_", "YOUTUBE_", "GOOGLE_"))}
        env.update(PYTHONPATH=str(REPO), Y2S_DATA_DIR=str(tmp_path / "data"), Y2S_DATABASE_URL=pg_url,
                   YOUTUBE_API_KEY="k", Y2S_YOUTUBE_API_URL=yt.url, Y2S_API_TOKEN=f"{TOKEN_A},{TOKEN_B}",
                   Y2S_API_MAX_CONCURRENT_FETCHES="1", Y2S_DAILY_QUOTA=str(daily), Y2S_API_CACHE_SECONDS="0",
                   Y2S_LOG_LEVEL="WARNING")
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        procs = []
        try:
            for path in logs:
                with path.open("wb") as log:
                    procs.append(start_api(env, log))
            for (proc, base), path in zip(procs, logs, strict=True):
                wait_healthy(proc, base, path)
            (_, a), (_, b) = procs
            with ThreadPoolExecutor(1) as pool:
                running = pool.submit(httpx.post, f"{a}{V1}/fetch", json=FETCH, headers=auth(TOKEN_A), timeout=60)
                assert gate.listing.wait(30), logs[0].read_text()[-3000:]  # A holds its slot and its units
                try:
                    for base in (b, a):
                        busy = httpx.post(f"{base}{V1}/fetch", json=FETCH, headers=auth(TOKEN_A), timeout=30)
                        assert busy.status_code == 429 and busy.json()["kind"] == "TooManyRequests", busy.text
                        assert busy.headers["Retry-After"] == "1"
                    for base in (b, a):
                        late = httpx.post(f"{base}{V1}/fetch", json=FETCH, headers=auth(TOKEN_B), timeout=30)
                        assert late.status_code == 429, late.text
                        body = late.json()
                        assert body["kind"] == "WouldNotFit" and body["budget"] == "key", body
                        assert body["standing"]["held"] == need and f"of {daily:,}" in body["today"]
                        assert 0 < int(late.headers["Retry-After"]) <= math.ceil(seconds_to_reset()) + 5
                finally:
                    gate.release.set()
                done = running.result()
            assert done.status_code == 200, done.text
            assert done.json()["standing"]["held"] == 0
            with engine.engine_for(pg_url).connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM fetch_slots")).scalar() == 0  # every slot released
                who = dict(conn.execute(text("SELECT who, sum(units) FROM quota_ledger GROUP BY who")).all())
            assert set(who) == {identity("token", TOKEN_A), identity("token", TOKEN_B)}
            assert sum(who.values()) == sum(emu.units_by_method.values())
        finally:
            gate.release.set()
            for proc, _ in procs:
                proc.terminate()
            for proc, _ in procs:
                proc.wait(30)
            engine.forget(pg_url)


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("500", 500), ("1_000", 1000)])
def test_the_token_budget_is_read_from_the_environment(value, expected):
    env = {} if value is None else {"Y2S_API_TOKEN_DAILY_UNITS": value}
    assert ApiConfig.from_env(env).token_daily_units == expected


@pytest.mark.parametrize("value", ["0", "-5", "lots", "1.5"])
def test_a_token_budget_that_is_no_whole_number_names_the_variable(value):
    from y2s_core.errors import InputError

    with pytest.raises(InputError, match="Y2S_API_TOKEN_DAILY_UNITS"):
        ApiConfig.from_env({"Y2S_API_TOKEN_DAILY_UNITS": value})


def test_an_unwritable_store_counts_slots_in_the_process_and_refuses_a_token_budget_it_cannot_check(youtube, tmp_path):
    emu, url = youtube
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    _, api = app_on(url, blocked)
    r = api.post(f"{V1}/fetch", json=FETCH, headers=auth(TOKEN_A))
    assert r.status_code == 200, r.text  # the fetch is served; its slot counted in this process
    assert "today" not in r.json()
    _, strict = app_on(url, blocked, token_daily=100)
    r = strict.post(f"{V1}/fetch", json=FETCH, headers=auth(TOKEN_A))
    assert r.status_code == 503 and r.json()["kind"] == "StoreUnavailable" and r.headers["Retry-After"] == "60"
    assert "Y2S_API_TOKEN_DAILY_UNITS" in r.json()["error"]
