"""Dashboard benchmark (demo mode, built-in emulator, no latency injected).

    .venv/bin/python benchmarks/bench_app.py [--repeat 3]

1. Metrics page AppTest run time with 20,000 demo videos loaded (@hugechannel): the time of one
   AppTest run of the Metrics page (all frames from y2s_core.metrics + every plotly figure built).
2. In a real browser (Playwright + Debian chromium against `streamlit run app.py`): time from the
   Fetch click to the rendered result table for the 2,600-video @bigchannel, then to the Review
   page's video table, and the same Fetch again served from st.cache_data.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.app_helpers import fetch, goto, start_app  # noqa: E402
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _free_port, _wait_healthy  # noqa: E402

IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def bench_metrics_apptest(repeat: int) -> None:
    t0 = time.perf_counter()
    at = fetch(start_app(), "@hugechannel", types=["Short", "Long", "Live", "Upcoming"])
    at.default_timeout = 600
    load = time.perf_counter() - t0
    assert not at.exception, at.exception
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        goto(at, "pages/metrics.py")
        times.append(time.perf_counter() - t0)
        assert not at.exception and at.get("plotly_chart"), "the Metrics page must render its charts"
        goto(at, "pages/settings.py")
    n_charts = len(goto(at, "pages/metrics.py").get("plotly_chart"))
    print(f"AppTest: fetch of @hugechannel (20,000 videos) {load:.2f} s")
    print(f"AppTest: Metrics page run with 20,000 videos: median {statistics.median(times):.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in times)}), {n_charts} plotly charts")


def bench_browser(repeat: int) -> None:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YOUTUBE_", "Y2S_YOUTUBE", "GOOGLE_SHEETS"))}
    env.update(Y2S_DATA_DIR=tempfile.mkdtemp(prefix="y2s-bench-"), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            cold, review, warm = [], [], []
            for i in range(repeat):
                pg = browser.new_page(viewport={"width": 1400, "height": 1000})
                pg.set_default_timeout(300_000)
                pg.goto(url)
                pg.get_by_role("textbox", name="Channels").fill("@bigchannel")
                button = "Refresh (skip cache)" if i else "Fetch"  # a cold fetch every time
                t0 = time.perf_counter()
                pg.get_by_role("button", name=button, exact=True).click()
                pg.locator('[data-testid="stDataFrame"]').first.wait_for()
                pg.wait_for_function(IDLE)
                cold.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                pg.locator('[data-testid="stSidebarNav"]').get_by_text("Review and approve", exact=True).click()
                pg.locator('[data-testid="stDataFrame"]').first.wait_for()
                pg.wait_for_function(IDLE)
                review.append(time.perf_counter() - t0)
                pg.locator('[data-testid="stSidebarNav"]').get_by_text("Fetch", exact=True).click()
                pg.get_by_role("textbox", name="Channels").wait_for()
                pg.wait_for_function(IDLE)
                t0 = time.perf_counter()
                pg.get_by_role("button", name="Fetch", exact=True).click()
                pg.get_by_text("from the cache").first.wait_for()
                pg.wait_for_function(IDLE)
                warm.append(time.perf_counter() - t0)
                pg.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait()

    def fmt(xs):
        return f"median {statistics.median(xs):.2f} s ({', '.join(f'{x:.2f}' for x in xs)})"

    print(f"browser: Fetch click -> rendered result table, @bigchannel (2,600 videos), cold: {fmt(cold)}")
    print(f"browser: then Review page -> rendered video table: {fmt(review)}")
    print(f"browser: Fetch again, served from st.cache_data: {fmt(warm)}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    bench_metrics_apptest(a.repeat)
    bench_browser(a.repeat)


if __name__ == "__main__":
    main()
