"""Who may call the REST API and how much: token, bind address, Host header, body size, concurrent fetches.

Issue 10 measured the old API: 50 parallel unauthenticated fetches drained 10,000 units in 32 s; a page
could reach it through DNS rebinding (any Host was served); a 300 MB body was read whole. Each test
below fails on that API.
"""

from __future__ import annotations

import io
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api_helpers import AUTH, TOKEN, api_client, served
from y2s_core import cli
from y2s_core.api import ApiConfig, check_bind, create_app
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.errors import InputError
from y2s_core.settings import Settings
from y2s_core.store import Store

V1 = "/api/v1"
ROUTES = [("GET", f"{V1}/channels/@y2sdemo/videos?max_videos=1", None),
          ("POST", f"{V1}/fetch", {"channels": "@y2sdemo", "filters": {"max_videos": 1}}),
          ("POST", f"{V1}/push", {"rows": [], "sheet": "a.csv", "dry_run": True}),
          ("POST", f"{V1}/process", {"channels": "@oldschool", "filters": {"max_videos": 1}, "sheet": "a.csv",
                                     "dry_run": True}),
          ("GET", f"{V1}/metrics", None)]


@pytest.fixture
def api(tmp_path):
    return api_client(Settings(data_dir=tmp_path))


# -------------------------------------------------------------------------------------------- token


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[r[1].split("?")[0] for r in ROUTES])
def test_every_route_but_health_needs_the_token(api, method, path, body):
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": f"Bearer {TOKEN}x"}):
        r = api.request(method, path, json=body, headers=headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.json()["kind"] == "Unauthorized" and r.headers["WWW-Authenticate"] == "Bearer"
        assert TOKEN not in r.text
    r = api.request(method, path, json=body, headers=AUTH)
    assert r.status_code == 200, r.text
    assert api.get(f"{V1}/health").status_code == 200  # no token needed


def test_a_refused_fetch_spends_no_quota(tmp_path):
    emu = YouTubeEmulator()
    with serve(emu) as server:
        client = api_client(Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path))
        r = client.post(f"{V1}/fetch", json={"channels": "@bigchannel"}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and emu.calls == []


def test_the_token_is_compared_in_constant_time(api, monkeypatch):
    import hmac

    from y2s_core.api import security

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(security.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    assert api.get(f"{V1}/metrics", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert calls == [(b"guess", TOKEN.encode())]


def test_several_tokens_each_open_the_api(tmp_path):
    client = api_client(Settings(data_dir=tmp_path), ApiConfig.from_env({"Y2S_API_TOKEN": "alpha-token, beta-token"}))
    for token in ("alpha-token", "beta-token"):
        assert client.get(f"{V1}/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get(f"{V1}/metrics", headers={"Authorization": "Bearer alpha-token,beta-token"}).status_code == 401


def test_without_a_token_configured_the_routes_are_open_on_loopback(tmp_path):
    client = api_client(Settings(data_dir=tmp_path), ApiConfig())
    assert client.get(f"{V1}/channels/@y2sdemo/videos", params={"max_videos": 1}).status_code == 200
    assert client.get(f"{V1}/health").json()["auth"] is False


# ---------------------------------------------------------------------------------------- bind address


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.com", ""])
def test_serving_beyond_loopback_without_a_token_is_refused_with_exit_2(host, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["api", "--host", host, "--port", "0"], stdout=out, stderr=err,
                   env={"Y2S_DATA_DIR": str(tmp_path)})
    assert code == 2
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Refusing to serve the API on") and "Y2S_API_TOKEN" in lines[0]
    assert "Traceback" not in err.getvalue()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost", "[::1]"])
def test_loopback_needs_no_token(host):
    check_bind(host, ApiConfig())  # no error


def test_a_token_allows_any_bind_address():
    check_bind("0.0.0.0", ApiConfig(tokens=("t0k3n-value-" + "x" * 20,)))  # beyond loopback: 32 characters at least
    with pytest.raises(InputError):
        check_bind("0.0.0.0", ApiConfig())


@pytest.mark.parametrize(("name", "value"), [("Y2S_API_MAX_BODY_BYTES", "5MB"), ("Y2S_API_MAX_CONCURRENT_FETCHES", "0"),
                                             ("Y2S_API_CACHE_SECONDS", "-1")])
def test_a_bad_limit_setting_is_one_error_line_and_exit_2(name, value, tmp_path):
    err = io.StringIO()
    code = cli.run(["api"], stdout=io.StringIO(), stderr=err, env={"Y2S_DATA_DIR": str(tmp_path), name: value})
    assert code == 2 and err.getvalue().startswith(f"error: {name}=") and len(err.getvalue().splitlines()) == 1


# ------------------------------------------------------------------------------------------ Host header


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", "localhost.evil.example",
                                  "[::2]:8000", ""])
def test_a_foreign_host_header_is_refused(api, host):
    for path in (f"{V1}/health", f"{V1}/metrics"):
        r = api.get(path, headers={**AUTH, "host": host})
        assert r.status_code == 400 and r.json()["kind"] == "HostNotAllowed", (host, r.text)
        assert "Y2S_API_ALLOWED_HOSTS" in r.json()["error"]


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:9", "[::1]:8000", "LOCALHOST"])
def test_loopback_host_headers_are_served(api, host):
    assert api.get(f"{V1}/health", headers={"host": host}).status_code == 200


def test_allowed_hosts_add_names_and_wildcards(tmp_path):
    config = ApiConfig.from_env({"Y2S_API_TOKEN": TOKEN, "Y2S_API_ALLOWED_HOSTS": "api.team.example, *.corp.example"})
    client = api_client(Settings(data_dir=tmp_path), config)
    for host, status in [("api.team.example", 200), ("API.team.example:443", 200), ("x.corp.example", 200),
                         ("corp.example", 400), ("evil.example", 400), ("team.example", 400)]:
        assert client.get(f"{V1}/health", headers={"host": host}).status_code == status, host


# ----------------------------------------------------------------------------------------- body limit


def test_a_body_over_the_limit_is_413(tmp_path):
    client = api_client(Settings(data_dir=tmp_path), ApiConfig(tokens=(TOKEN,), max_body_bytes=1000))
    big = {"channels": "@y2sdemo", "filters": {"include": ["x" * 50] * 30}}
    r = client.post(f"{V1}/fetch", json=big, headers=AUTH)
    assert r.status_code == 413 and r.json()["kind"] == "PayloadTooLarge" and "1,000 bytes" in r.json()["error"]
    small = client.post(f"{V1}/fetch", json={"channels": "@y2sdemo", "filters": {"max_videos": 1}}, headers=AUTH)
    assert small.status_code == 200


def test_a_chunked_body_without_a_length_is_counted(tmp_path):
    client = api_client(Settings(data_dir=tmp_path), ApiConfig(tokens=(TOKEN,), max_body_bytes=1000))

    def chunks():
        yield b'{"channels": "@y2sdemo", "pad": "'
        for _ in range(100):
            yield b"x" * 100
        yield b'"}'

    r = client.post(f"{V1}/fetch", content=chunks(), headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 413 and r.json()["kind"] == "PayloadTooLarge"


def test_the_default_limit_is_5_mib_and_a_300_mb_declared_body_is_refused_unread(tmp_path):
    assert ApiConfig().max_body_bytes == 5 * 1024 * 1024
    app = create_app(Settings(data_dir=tmp_path), ApiConfig(tokens=(TOKEN,)))
    with served(app) as url:
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
            s.sendall(f"POST {V1}/fetch HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {TOKEN}\r\n"
                      "Content-Type: application/json\r\nContent-Length: 300000000\r\n\r\n{\"channels\": ".encode())
            answer = b""
            while b'"}' not in answer:  # answered at once: the 300 MB are never awaited
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
            answer = answer.decode("latin-1")
        assert answer.startswith("HTTP/1.1 413") and '"kind":"PayloadTooLarge"' in answer
        lying = httpx.post(f"{url}{V1}/fetch", headers={**AUTH, "content-type": "application/json"},
                           content=b'{"channels": "@y2sdemo", "pad": "' + b"x" * 6_000_000 + b'"}')
        assert lying.status_code == 413


# ------------------------------------------------------------------------------------ concurrent fetches


class HeldYouTube:
    """The emulator, holding every request until ``release``: the fetches let in are certainly still running
    while the other requests arrive, however the threads are scheduled (no latency to count on)."""

    def __init__(self, emu: YouTubeEmulator) -> None:
        self.emu = emu
        self.release = threading.Event()

    def __getattr__(self, name: str):
        return getattr(self.emu, name)

    def handle(self, *args, **kwargs):
        self.release.wait(60)  # set once every request beyond the limit was refused (60 s: a broken limit)
        return self.emu.handle(*args, **kwargs)


def test_50_parallel_fetches_with_a_limit_of_2_get_429_beyond_it_and_the_ledger_matches_the_emulator(tmp_path):
    emu = YouTubeEmulator()
    held = HeldYouTube(emu)
    with serve(held) as yt:
        settings = Settings(youtube_api_key="k", youtube_api_url=yt.url, data_dir=tmp_path)
        app = create_app(settings, ApiConfig(tokens=(TOKEN,), max_concurrent_fetches=2))
        running: list[int] = []
        original = app.state.slots.take

        @contextmanager
        def take(caller):  # watch how many fetches run at once, from inside a slot
            with original(caller):
                running.append(app.state.slots.running(caller))
                yield

        app.state.slots.take = take
        with served(app) as url:
            barrier = threading.Barrier(50)
            refused, counting = [0], threading.Lock()

            def one(_):
                with httpx.Client(base_url=url, headers=AUTH, timeout=120) as c:
                    barrier.wait()
                    r = c.post(f"{V1}/fetch", json={"channels": "@oldschool", "filters": {"max_videos": 20}})
                if r.status_code == 429:
                    with counting:
                        refused[0] += 1
                        if refused[0] == 48:  # the two fetches let in still wait on YouTube: let them finish
                            held.release.set()
                return r

            try:
                with ThreadPoolExecutor(50) as pool:
                    answers = list(pool.map(one, range(50)))
            finally:
                held.release.set()
    codes = [r.status_code for r in answers]
    assert codes.count(200) == 2 and codes.count(429) == 48, codes
    for r in answers:
        if r.status_code == 429:
            assert r.json()["kind"] == "TooManyRequests" and r.headers["Retry-After"] == "1"
    assert max(running) == 2 and len(running) == 2  # never more than 2 at once
    ledger = Store(tmp_path).quota_today(settings.account_fingerprint)
    assert ledger == emu.units_by_method and sum(ledger.values()) == 2 * answers[codes.index(200)].json()["quota_units"]


def test_the_limit_is_per_token(tmp_path):
    from y2s_core.api.security import FetchSlots

    slots = FetchSlots(2)
    with slots.take("a"), slots.take("a"), slots.take("b"):
        with pytest.raises(Exception) as e:
            with slots.take("a"):
                pass
        assert getattr(e.value, "status", None) == 429
    assert slots.running("a") == 0 == slots.running("b")
