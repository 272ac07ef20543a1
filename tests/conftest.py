"""Shared fixtures: the emulators (in-process and served on 127.0.0.1) and the real recorded fixtures."""

from __future__ import annotations

import ipaddress
import os
import socket
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests import regex_memo
from y2s_core.emulators.transport import HttplibHttp, serve
from y2s_core.models import Video, VideoType
from y2s_core.settings import Settings


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session):
    # speed only: hypothesis turns each (pattern, alphabet) into a strategy once (tests/regex_memo.py); here, not
    # at import, as hypothesis asks plugins and conftests not to load its Unicode tables while pytest starts
    regex_memo.install()


REPO = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = Path(os.environ.get("Y2S_SHARED_FIXTURES", REPO.parent / "shared" / "fixtures"))

# Never let a test pick up a developer's real credentials or state.
for var in ("YOUTUBE_API_KEY", "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON", "Y2S_YOUTUBE_API_URL", "Y2S_SHEETS_API_URL"):
    os.environ.pop(var, None)


# No test reaches the network: every Google URL in the tests is served by the emulators in-process or on
# 127.0.0.1. This guard makes that a rule of the test process: a name other than a loopback one, or a
# non-loopback address, is refused before any packet leaves (subprocesses the tests start are pointed at
# loopback URLs by their environment).
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "testserver"}


class NetworkRefused(OSError):
    """A test tried to reach a host other than this machine."""


def _loopback(host: object) -> bool:
    if host is None:
        return True  # a wildcard bind
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text in LOOPBACK_NAMES or text == "":
        return True
    try:
        address = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        raise NetworkRefused(f"tests do not reach the network: {host!r} is not this machine")
    return _real_getaddrinfo(host, *args, **kwargs)


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        raise NetworkRefused(f"tests do not reach the network: {address[0]!r} is not this machine")
    return _real_connect(self, address)


socket.getaddrinfo = _guarded_getaddrinfo
socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


def video_row(i: int, views: int | None = 100, likes: int | None = 10, title: str | None = None) -> dict:
    """A row as fetch produces it (Video.to_row()), for the sheet tests."""
    return Video(
        id=f"vid{i:08d}",
        channel_id="UCabcdefghijklmnopqrstuv",
        channel_title="Chan",
        published_at=datetime(2024, 5, 1, 12, tzinfo=timezone.utc),
        title=title if title is not None else f"Video {i}",
        duration_seconds=75,
        type=VideoType.LONG,
        views=views,
        likes=likes,
        comments=2,
    ).to_row()


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("Y2S_DATA_DIR", str(tmp_path / "y2s-data"))
    # the demo's first run seeds 90 days of history (~2 s, and a first fetch of @y2sdemo is then incremental):
    # off for every test but those that opt in (tests/test_demo_clock.py, the newcomer's browser walk)
    monkeypatch.setenv("Y2S_DEMO_HISTORY", "0")


@pytest.fixture(autouse=True)
def _closed_breakers():
    """Circuit breakers are per process: a test that opens one must not fail the next."""
    from y2s_core import breaker

    breaker.reset_all()
    yield
    breaker.reset_all()


@pytest.fixture
def real_fixtures() -> Path:
    """../shared/fixtures (real recorded Google responses); absent in a user's fresh clone."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"real recorded fixtures not found at {SHARED_FIXTURES} (they live in ../shared, beside the checkout)")
    return SHARED_FIXTURES


@pytest.fixture
def yt_emu():
    from y2s_core.emulators.youtube import YouTubeEmulator

    return YouTubeEmulator()


@pytest.fixture
def yt_client(yt_emu):
    """The real google-api-python-client, in-process against the emulator, with instant retry backoff."""
    from y2s_core.youtube import YouTubeClient

    return YouTubeClient(
        Settings(youtube_api_key="test-key"), http_factory=lambda: HttplibHttp(yt_emu), retry_sleep=lambda s: None
    )


@pytest.fixture
def yt_server(yt_emu):
    with serve(yt_emu) as server:
        yield server


@pytest.fixture
def sheets_emu():
    from y2s_core.emulators.sheets import SheetsEmulator

    return SheetsEmulator()


@pytest.fixture
def sheets_server(sheets_emu):
    with serve(sheets_emu) as server:
        yield server


@pytest.fixture
def fresh_app_env(monkeypatch):
    """For AppTest modules (``pytestmark = pytest.mark.usefixtures("fresh_app_env")``): no credentials from
    the environment, and an empty fetch cache (shared by the process, like a deployed app's)."""
    from y2s_core.dashboard import fetching

    for var in ("YOUTUBE_API_KEY", "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON", "Y2S_YOUTUBE_API_URL", "Y2S_SHEETS_API_URL"):
        monkeypatch.delenv(var, raising=False)
    fetching.clear_fetch_cache()
    yield
    fetching.clear_fetch_cache()


@pytest.fixture
def youtube_api(monkeypatch):
    """Start a served YouTubeEmulator (kwargs: daily_quota, ...) and point the app (env) at it."""
    from y2s_core.emulators.youtube import YouTubeEmulator

    servers = []

    def start(**kwargs):
        emu = YouTubeEmulator(**kwargs)
        server = serve(emu).start()
        servers.append(server)
        monkeypatch.setenv("Y2S_YOUTUBE_API_URL", server.url)
        monkeypatch.setenv("YOUTUBE_API_KEY", "test-key")
        return emu

    yield start
    for s in servers:
        s.close()


# ---- parallel runs (pytest-xdist: scripts/test.sh runs `-n auto --dist loadgroup`) ----------------------
# Each worker is a process of its own (its tmp_path, Y2S_DATA_DIR, breakers, fetch cache); the PostgreSQL
# cases share the one server with a schema per test (tests/store_backends.py). Tests that must not run beside
# each other form a group: one worker runs a group's tests one after another while the others run the rest.
#   "servers": the tests that start a real server process (`streamlit run`, with chromium for the browser
#       tests; the Docker entry script): two of those at once on a 2-core machine starve each other's start.
#   "architecture-guards": its session fixtures copy the repository and run every guard once; split over
#       two workers they would do it twice.
# The groups are read from the test's file name by the scheduler below, on the controlling process. (xdist's
# own `@pytest.mark.xdist_group` does nothing with pytest 9.2: xdist marks a group by rewriting the test's
# node id, which pytest's structured node ids no longer allow, pytest-xdist issue #1386. A mark such a fixed
# xdist honours again is still taken as its group.)
XDIST_GROUPS = {"test_docker.py": "servers", "test_architecture_guards.py": "architecture-guards"}


def xdist_group_of(nodeid: str) -> str | None:
    """The group of the test ``nodeid`` (tests/<file>::...), or None: it may run on any worker."""
    name = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    return "servers" if name.startswith("test_browser") else XDIST_GROUPS.get(name)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent (and unused) without xdist
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class FileGroups(LoadGroupScheduling):
        """--dist loadgroup: each test its own unit, except the groups above (and xdist_group marks)."""

        def _split_scope(self, nodeid: str) -> str:
            return xdist_group_of(nodeid) or super()._split_scope(nodeid)

    return FileGroups(config, log)
