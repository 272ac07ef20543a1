"""Real-browser end to end: Playwright drives Debian's chromium against `streamlit run app.py`.

The app runs in demo mode (no YouTube key: the built-in emulator's catalog) and pushes to the Sheets
emulator served on 127.0.0.1 (Y2S_SHEETS_API_URL). The test enters a demo channel, fetches, sees the
charts render, approves the rows, pushes them to a Google Sheet URL, and asserts the rows arrived in
the emulator. Screenshots of every page land in test-artifacts/ (scripts/test.sh installs chromium).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from y2s_core.emulators.sheets import SheetsEmulator
from y2s_core.emulators.transport import serve
from y2s_core.sheets import STANDARD_COLUMNS

from .conftest import REPO

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("Y2S_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [  # no background traffic: this machine's network is closed
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer on {url} within {timeout:.0f} s")


@pytest.fixture(scope="module")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") or os.environ.get("Y2S_CHROMIUM"):
            pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not found: run the README's test command (scripts/test.sh), which installs it")
    return CHROMIUM


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    sheets = SheetsEmulator()
    sid = sheets.create_spreadsheet(title="Browser test", sheets={"Sheet1": []})
    data_dir = tmp_path_factory.mktemp("browser-data")
    with serve(sheets) as sheets_server:
        port = _free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("YOUTUBE_", "Y2S_YOUTUBE", "GOOGLE_SHEETS"))}
        env.update(Y2S_SHEETS_API_URL=sheets_server.url, Y2S_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO))
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield {"url": url, "sheets": sheets, "sid": sid}
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def page(chromium_path):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(60_000)
        try:
            yield pg
        finally:
            browser.close()


def _shot(pg, name: str) -> None:
    pg.wait_for_timeout(400)  # let the last rerun settle
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _goto_page(pg, title: str) -> None:
    pg.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    pg.get_by_role("heading", name=re.compile(title, re.I)).first.wait_for()


IDLE_JS = """() => !document.querySelector('[data-testid="stStatusWidget"]')
  && document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state') === 'notRunning'"""


def _idle(pg) -> None:
    """Wait until the script run ends: the app says it is not running (its status widget only shows after a
    moment, so its absence alone passes while a short run, or the rerun a first visit's navigation asks for,
    is still going) and the status widget has left."""
    pg.wait_for_function(IDLE_JS, timeout=120_000)


def enter_text(pg, box, text: str) -> None:
    """Type ``text`` into a Streamlit text box on an idle app, and wait until the run it starts (if any) ended: an
    action right after typing, while a run is still going, can be ended by the next rerun (a fetch lost without
    a word, seen under load)."""
    _idle(pg)
    box.fill(text)
    _idle(pg)


def test_fetch_explore_approve_and_push_in_a_real_browser(app, page):
    pg = page
    pg.goto(app["url"])
    pg.get_by_text("Demo mode").first.wait_for()

    # Fetch: a demo channel typed as a URL, the default filters
    enter_text(pg, pg.get_by_role("textbox", name="Channels"), "https://www.youtube.com/@oldschool/videos")
    pg.get_by_role("button", name="Fetch", exact=True).click()
    pg.get_by_text("Old School Tutorials").first.wait_for()
    _idle(pg)
    assert pg.get_by_text(re.compile(r"units")).count() > 0  # the quota spent is shown
    _shot(pg, "1-fetch")

    # Metrics: plotly charts render (real SVG drawn by plotly.js in the browser)
    _goto_page(pg, "Metrics")
    pg.locator(".js-plotly-plot .main-svg").first.wait_for()
    pg.locator(".js-plotly-plot").nth(3).wait_for()  # every chart drawn (under load they come one by one)
    _idle(pg)
    assert pg.locator(".js-plotly-plot").count() >= 4
    _shot(pg, "3-metrics")

    # Review: approve every shown row
    _goto_page(pg, "Review and approve")
    approve = pg.get_by_role("button", name=re.compile(r"^Approve all [\d,]+ shown"))
    shown = int(re.search(r"([\d,]+)", approve.inner_text()).group(1).replace(",", ""))
    assert shown > 0
    approve.click()
    _idle(pg)
    _shot(pg, "2-review")

    # Push: to a Google Sheet URL (the Sheets emulator behind Y2S_SHEETS_API_URL)
    _goto_page(pg, "Push")
    pg.get_by_text("Google Sheet", exact=True).click()
    url = f"https://docs.google.com/spreadsheets/d/{app['sid']}/edit#gid=0"
    pg.get_by_label("Google Sheet URL or key").fill(url)
    pg.get_by_label("Google Sheet URL or key").press("Enter")
    _idle(pg)
    pg.get_by_role("button", name="Preview changes").click()
    pg.get_by_text("New rows").first.wait_for()
    _idle(pg)
    assert pg.get_by_test_id("stMetricValue").first.inner_text().strip() == str(shown)  # the dry-run plan
    assert app["sheets"].requests_by_kind.get("values.append", 0) == 0  # a preview writes nothing
    push = pg.get_by_role("button", name=f"Push {shown:,} approved rows")
    push.click()
    pg.get_by_text(re.compile(r"^Pushed:")).first.wait_for()
    _idle(pg)
    _shot(pg, "4-push")

    values = app["sheets"].values(app["sid"], "Videos")
    assert values[0][: len(STANDARD_COLUMNS)] == list(STANDARD_COLUMNS)
    assert len(values) == 1 + shown
    ids = [row[STANDARD_COLUMNS.index("Video ID")] for row in values[1:]]
    assert len(set(ids)) == shown
    assert all(row[STANDARD_COLUMNS.index("NotebookLM")] is False for row in values[1:])

    _goto_page(pg, "Settings")
    _idle(pg)
    _shot(pg, "5-settings")
