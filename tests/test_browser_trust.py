"""In a real browser: no secret in any page's HTML, and a crafted channel renders no link or image.

The app runs under `streamlit run` with a service-account value that is a bare private key (refused)
or quoted JSON (read), and fetches a crafted channel from the YouTube emulator served on 127.0.0.1.
Chromium's DOM and network log are checked: no fragment of the key anywhere, no <a>/<img> pointing at
the crafted host and no request to it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from contextlib import contextmanager

import pytest

from tests.test_browser import (  # noqa: F401 - fixtures
    ARTIFACTS,
    _free_port,
    _goto_page,
    _idle,
    _wait_healthy,
    chromium_path,
    page,
)
from tests.test_markdown_injection import EVIL_HANDLE, evil_catalog
from tests.test_secret_shapes import EMAIL, SHAPES, leaks
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator

from .conftest import REPO

pytestmark = pytest.mark.browser

BAD_LINKS_JS = """() => {
  const bad = [];
  for (const a of document.querySelectorAll('a')) {
    const h = a.getAttribute('href') || a.getAttribute('xlink:href') || '';
    if (h.includes('evil')) bad.push(h);
  }
  for (const i of document.querySelectorAll('img, image, iframe, source')) {
    const s = i.getAttribute('src') || i.getAttribute('href') || i.getAttribute('xlink:href') || '';
    if (s.includes('evil')) bad.push(s);
  }
  return bad;
}"""


@contextmanager
def streamlit_app(tmp_path, env_extra: dict[str, str], address: str = "127.0.0.1"):
    """The app under ``streamlit run`` listening on ``address``; yields (its loopback URL, its log file)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YOUTUBE_", "Y2S_YOUTUBE", "Y2S_SHEETS", "GOOGLE_"))}
    env.update(Y2S_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(REPO), **env_extra)
    log = tmp_path / "streamlit.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", address, "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false", "--logger.level", "debug"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
        )
        try:
            _wait_healthy(f"http://127.0.0.1:{port}", proc)
            yield f"http://127.0.0.1:{port}", log
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def check_page(pg, where: str) -> None:
    _idle(pg)
    pg.screenshot(path=str(ARTIFACTS / f"trust-{re.sub(r'[^a-z]+', '-', where)}.png"), full_page=True)
    html = pg.content()
    assert leaks(html) == [], (where, leaks(html))
    assert pg.evaluate(BAD_LINKS_JS) == [], where


def test_a_refused_key_and_a_crafted_channel_in_a_real_browser(tmp_path, page):  # noqa: F811
    pg = page
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    emu = YouTubeEmulator(catalog=evil_catalog())
    with serve(emu) as yt, streamlit_app(tmp_path, {
        "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON": SHAPES["bare-pem"][0], "Y2S_YOUTUBE_API_URL": yt.url,
        "YOUTUBE_API_KEY": "test-key",
    }) as (url, log):
        pg.goto(url)
        pg.get_by_text("that is a private key, not the service-account JSON").first.wait_for()
        check_page(pg, "fetch")

        pg.get_by_role("textbox", name="Channels").fill(f"{EVIL_HANDLE}\n[x](https://evil.example/in)")
        pg.get_by_role("button", name="Fetch", exact=True).click()
        pg.get_by_text(re.compile(r"Not a YouTube channel")).first.wait_for()
        check_page(pg, "fetch, refused input")

        pg.get_by_role("textbox", name="Channels").fill(EVIL_HANDLE)
        pg.get_by_role("button", name="Fetch", exact=True).click()
        pg.get_by_text(re.compile(r"^Fetched 8 videos")).first.wait_for()
        assert pg.get_by_text("[click](https:", exact=False).count() > 0, "shown as text"
        check_page(pg, "fetch, result")

        _goto_page(pg, "Review and approve")
        _idle(pg)
        pg.get_by_text("One table per channel").click()
        expander = pg.locator('[data-testid="stExpander"] summary').first
        expander.wait_for()
        assert "Evil [click](https:" in expander.inner_text(), "the channel's name, shown as text"
        check_page(pg, "review")
        pg.get_by_role("button", name=re.compile(r"^Approve all")).click()
        _idle(pg)

        _goto_page(pg, "Metrics")
        pg.locator(".js-plotly-plot .main-svg").first.wait_for()
        check_page(pg, "metrics")

        _goto_page(pg, "Push")
        check_page(pg, "push")
        _goto_page(pg, "Settings")
        check_page(pg, "settings")
        server_log = log.read_text()
    assert leaks(server_log) == [], "nor in the server's log"
    assert [u for u in requests if "evil" in u] == [], "nothing was loaded from the crafted host"


def test_an_accepted_quoted_key_is_used_and_never_shown_in_a_real_browser(tmp_path, page):  # noqa: F811
    pg = page
    with streamlit_app(tmp_path, {"GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON": SHAPES["docker-env-file-quotes"][0]}) as (
        url, log
    ):
        pg.goto(url)
        pg.get_by_text("Demo mode").first.wait_for()
        check_page(pg, "fetch")
        _goto_page(pg, "Settings")
        pg.get_by_text(EMAIL).first.wait_for()
        check_page(pg, "settings")
        _goto_page(pg, "Push")
        check_page(pg, "push")
        server_log = log.read_text()
    assert leaks(server_log) == []
