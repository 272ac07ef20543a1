"""A fetch the user leaves mid-way (opens another page) in a real browser: its units are in the ledger, and the
Fetch page says it was stopped when the user comes back.

The app talks to a YouTube emulator served on 127.0.0.1 behind a gate: after ``OPEN_FOR`` answered calls it holds
every request, so the fetch is certainly still running when the test clicks another page (no timing). The gate
is released once the click is made; the script run then stops at its next progress report.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from y2s_core.emulators.transport import serve
from y2s_core.quota import main_units
from y2s_core.settings import Settings
from y2s_core.store import Store
from y2s_core.store.ledger import FLUSH_UNITS

from .conftest import REPO
from .test_browser import _free_port, _wait_healthy, chromium_path, page  # noqa: F401
from .test_written_as_it_goes import GatedEmulator, _wait

pytestmark = pytest.mark.browser
OPEN_FOR = 30
KEY = "AIzaBROWSERPAGECHANGE"


@pytest.fixture
def gated_app(tmp_path):
    gate = GatedEmulator(open_for=OPEN_FOR)
    with serve(gate) as yt:
        port = _free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("YOUTUBE_", "Y2S_YOUTUBE", "GOOGLE_SHEETS", "Y2S_DATABASE"))}
        env.update(YOUTUBE_API_KEY=KEY, Y2S_YOUTUBE_API_URL=yt.url, Y2S_DATA_DIR=str(tmp_path),
                   PYTHONPATH=str(REPO))
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield {"url": url, "gate": gate, "data": tmp_path, "yt": yt.url}
        finally:
            gate.release.set()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_leaving_the_fetch_page_mid_fetch_keeps_its_units_and_says_so_on_return(gated_app, page):  # noqa: F811
    pg, gate = page, gated_app["gate"]
    pg.goto(gated_app["url"])
    pg.get_by_role("heading", name=re.compile("Fetch videos", re.I)).first.wait_for()
    channels = pg.get_by_label("Channels")
    channels.fill("@bigchannel")
    pg.get_by_role("button", name="Fetch", exact=True).click()
    assert gate.wait_stuck(), "the fetch never reached the gate"  # the fetch is stuck mid-listing now
    charged = sum(gate.emu.units_by_method.values())  # main-pool units and (a tab listing's details) stats calls
    assert charged == OPEN_FOR and main_units(gate.emu.units_by_method) > 0
    pg.locator('[data-testid="stSidebarNav"]').get_by_text("Review and approve", exact=True).click()  # leaves
    gate.release.set()  # the held requests fail now (503, not billed); the stopped run ends at its next report
    pg.get_by_role("heading", name=re.compile("Review and approve", re.I)).first.wait_for()
    fp = Settings(youtube_api_key=KEY, youtube_api_url=gated_app["yt"], data_dir=gated_app["data"]).account_fingerprint
    store = Store.in_dir(gated_app["data"])
    assert _wait(lambda: sum(store.quota_today(fp).values()) >= charged - (FLUSH_UNITS - 1), 60), \
        store.quota_today(fp)
    assert sum(store.quota_today(fp).values()) <= sum(gate.emu.units_by_method.values()) == charged
    for method, spent in store.quota_today(fp).items():  # per method too, never more than the emulator charged
        assert spent <= gate.emu.units_by_method.get(method, 0), (method, store.quota_today(fp))
    pg.locator('[data-testid="stSidebarNav"]').get_by_text("Fetch", exact=True).click()
    pg.get_by_text(re.compile("was stopped when you opened another page")).first.wait_for()
