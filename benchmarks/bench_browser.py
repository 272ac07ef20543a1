"""Browser timings of issue 19: cold start to the Fetch heading (item 6) and the Metrics page at 20,000
videos (item 2), in Debian's chromium driven by Playwright against `streamlit run app.py` in demo mode.

    .venv/bin/python benchmarks/bench_browser.py [--repeat 3] [--only cold|metrics]

Cold start: a fresh server each time (new process, new empty Y2S_DATA_DIR; the OS file cache is warm), with
the arguments of scripts/app.sh. Timed from the Popen of `streamlit run` to the "Fetch videos" heading
visible in the first visit (the browser is already running and loads the page as soon as the server's
health check answers), split into server start -> health and first visit -> heading; then a second
visit to the same server, for contrast.

Metrics at 20,000 videos: the demo emulator's @hugechannel has exactly 20,000 uploads and the Fetch
form's default types are all four, so a normal Fetch of "@hugechannel" in the browser loads 20,000
videos (nothing is injected). Then, from the Fetch page, a click on "Metrics" in the sidebar is timed
until the page is drawn: the script run over (no status widget, no spinner) and every plotly chart on
the page drawn by plotly.js (each [data-testid=stPlotlyChart] holds a .js-plotly-plot with its
.main-svg). First the sampled first draw (the default), then with the page's "Draw all 20,000 videos"
toggle on (the draw before sampling), alternating; the main thread's long tasks in that window are
summed too (what keeps the page from answering clicks).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _free_port, _goto_page, _idle, _wait_healthy  # noqa: E402

FETCH_HEADING = "Fetch videos"
CHANNEL = "@hugechannel"  # the demo emulator: exactly 20,000 uploads

# performance.now() of each long task (> 50 ms on the main thread), kept from the page's first load
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
}).observe({type: 'longtask', buffered: true});
"""

# The page is streamed top to bottom: the Growth heading (its last section) is sent after every chart
# above it; ``n`` (the number of charts the page settles on, counted after the first visit) covers the
# Growth charts below it. The status widget alone is not enough: it shows only after a short delay.
METRICS_DRAWN = """n => {
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;   // the script still runs
  if (document.querySelector('[data-testid="stSpinner"]')) return false;
  const heads = [...document.querySelectorAll('h1, h2, h3')].map(h => h.textContent.trim());
  if (!heads.some(h => h.startsWith('Metrics')) || !heads.some(h => h.startsWith('Growth'))) return false;
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  return charts.length >= n && charts.every(c => c.querySelector('.js-plotly-plot .main-svg'));
}"""

FIRST_CHART = """() => [...document.querySelectorAll('h1')].some(h => h.textContent.trim().startsWith('Metrics'))
  && !!document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg')"""

POINTS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(g => ({
  types: [...new Set((g._fullData || []).map(t => t.type))].join('+'),
  points: (g._fullData || []).reduce((n, t) => n + (t._length || 0), 0)}))"""

WEBGL = "() => { const c = document.createElement('canvas'); return !!(c.getContext('webgl') || c.getContext('experimental-webgl')); }"


def app_env(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YOUTUBE_", "Y2S_YOUTUBE", "Y2S_SHEETS", "GOOGLE_"))}
    return env | {"Y2S_DATA_DIR": data_dir, "PYTHONPATH": str(ROOT)}


def start_app(port: int, watch: bool = False) -> subprocess.Popen:
    """`streamlit run app.py` as scripts/app.sh starts it (loopback, headless, no usage stats); without
    ``watch`` no file watcher (as the browser tests: an edit of a source file elsewhere would rerun the app)."""
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1", "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         *(() if watch else ("--server.fileWatcherType", "none"))],
        cwd=ROOT, env=app_env(tempfile.mkdtemp(prefix="y2s-bench-browser-")),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_health_closely(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    """The health check polled every 20 ms (``_wait_healthy`` waits 0.3 s between tries: too coarse here)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"streamlit did not answer on {url} within {timeout:.0f} s")


def fmt(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.2f} s (runs {', '.join(f'{x:.2f}' for x in xs)})"


def bench_cold_start(browser, repeat: int, watch: bool) -> None:
    up, visit, total, second = [], [], [], []
    for _ in range(repeat):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(120_000)
        t0 = time.perf_counter()
        proc = start_app(port, watch)
        try:
            wait_health_closely(url, proc)
            t1 = time.perf_counter()
            pg.goto(url)
            pg.get_by_role("heading", name=FETCH_HEADING).wait_for()
            t2 = time.perf_counter()
            up.append(t1 - t0)
            visit.append(t2 - t1)
            total.append(t2 - t0)
            _idle(pg)
            pg.close()
            pg = browser.new_page(viewport={"width": 1400, "height": 1000})
            t3 = time.perf_counter()
            pg.goto(url)
            pg.get_by_role("heading", name=FETCH_HEADING).wait_for()
            second.append(time.perf_counter() - t3)
        finally:
            pg.close()
            stop(proc)
    print(f"cold start ({'with' if watch else 'without'} the file watcher):")
    print(f"  server start -> heading '{FETCH_HEADING}' visible (first visit): {fmt(total)}")
    print(f"  of which server start -> health check ok: {fmt(up)}")
    print(f"  of which first visit -> heading visible: {fmt(visit)}")
    print(f"  a second visit to the same server -> heading visible: {fmt(second)}")


def _set_draw_all(pg, on: bool) -> None:
    toggle = pg.get_by_role("switch", name="Draw all")
    if toggle.is_checked(timeout=30_000) != on:
        toggle.click(force=True)  # the toggle's input is hidden under its drawn switch
        _idle(pg)


def _to_metrics(pg, n: int = 1) -> tuple[float, float, float, list[dict]]:
    """Fetch page -> Metrics: (first chart drawn, every chart drawn, long tasks) in seconds, and the charts."""
    _goto_page(pg, "Fetch")
    _idle(pg)
    pg.wait_for_timeout(500)  # let the Fetch page's table settle: its drawing is not the Metrics page's
    start = pg.evaluate("() => performance.now()")
    t0 = time.perf_counter()
    pg.locator('[data-testid="stSidebarNav"]').get_by_text("Metrics", exact=True).click()
    pg.wait_for_function(FIRST_CHART, timeout=120_000)
    first = time.perf_counter() - t0
    pg.wait_for_function(METRICS_DRAWN, arg=n, timeout=120_000)
    drawn = time.perf_counter() - t0
    blocked = pg.evaluate(f"() => window.__longTasks.filter(([s, d]) => s >= {start}).reduce((n, [s, d]) => n + d, 0)")
    return first, drawn, blocked / 1000, pg.evaluate(POINTS)


def bench_metrics(browser, repeat: int) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_app(port)
    try:
        _wait_healthy(url, proc)
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        ctx.add_init_script(LONG_TASKS)
        pg = ctx.new_page()
        pg.set_default_timeout(120_000)
        pg.goto(url)
        pg.get_by_role("heading", name=FETCH_HEADING).wait_for()
        print(f"browser WebGL available: {pg.evaluate(WEBGL)}")
        pg.get_by_role("textbox", name="Channels").fill(CHANNEL)
        t0 = time.perf_counter()
        pg.get_by_role("button", name="Fetch", exact=True).click()
        pg.locator('[data-testid="stDataFrame"]').first.wait_for()
        _idle(pg)
        print(f"fetch of {CHANNEL} in the browser (demo emulator): {time.perf_counter() - t0:.2f} s")

        first_visit = _to_metrics(pg)  # the metrics frame is computed (then session-cached) in this one
        _idle(pg)
        pg.wait_for_timeout(2000)  # settled: every chart of the page is there
        n = pg.locator('[data-testid="stPlotlyChart"]').count()
        videos = pg.get_by_test_id("stMetricValue").first.inner_text().strip()
        times: dict[bool, list[tuple[float, float, float]]] = {False: [], True: []}
        charts: dict[bool, list[dict]] = {}
        for _ in range(repeat):
            for draw_all in (False, True):
                _set_draw_all(pg, draw_all)
                *t, charts[draw_all] = _to_metrics(pg, n)
                times[draw_all].append(tuple(t))
        _set_draw_all(pg, False)
        ctx.close()
    finally:
        stop(proc)

    print(f"Metrics page with {videos} videos, Fetch page -> Metrics click until drawn:")
    print(f"  first visit (sampled; computes the metrics frame): first chart {first_visit[0]:.2f} s, every chart "
          f"{first_visit[1]:.2f} s, main thread in long tasks {first_visit[2]:.2f} s")
    for draw_all, label in ((True, "before: every point (Draw all on)"), (False, "after: sampled first draw")):
        rows = times[draw_all]
        print(f"  {label}: {len(charts[draw_all])} charts, scatter points drawn "
              f"{', '.join(str(c['points']) for c in charts[draw_all][:2])} ({charts[draw_all][0]['types']})")
        print(f"    first chart drawn: {fmt([r[0] for r in rows])}")
        print(f"    every chart drawn: {fmt([r[1] for r in rows])}")
        print(f"    main thread in long tasks: {fmt([r[2] for r in rows])}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--only", choices=("cold", "metrics"))
    a = p.parse_args()
    from playwright.sync_api import sync_playwright

    with open("/proc/loadavg") as f:
        print(f"load average at start: {' '.join(f.read().split()[:3])} on {os.cpu_count()} cores")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            if a.only in (None, "cold"):
                bench_cold_start(browser, a.repeat, watch=True)  # as scripts/app.sh runs it
                bench_cold_start(browser, a.repeat, watch=False)
            if a.only in (None, "metrics"):
                bench_metrics(browser, a.repeat)
        finally:
            browser.close()
    with open("/proc/loadavg") as f:
        print(f"load average at end: {' '.join(f.read().split()[:3])}")


if __name__ == "__main__":
    main()
