"""Issue 19's "first five minutes", walked in a real browser as a newcomer would: `streamlit run app.py` in demo
mode on a fresh data directory with the demo's first run on (``Y2S_DEMO_HISTORY``: the tests' default is 0),
Playwright driving Debian's chromium.

1. First visit: the first run starts the demo clock and seeds the store with the demo's last days in the
   background; the Fetch form's default (@y2sdemo) fetched as it is, incrementally over that history.
2. Metrics: Growth shows gains (views gained per day above zero, a total that grows).
3. Review: the table's height follows its rows, up to about a window (``tables.table_height``).
4. Settings: "Advance the demo a day"; a second fetch lists the day's new upload; Review shows the New column
   with that upload marked (read from the table's own "Download as CSV"); Growth reads the demo's day as a day
   (no day gains more views than the channel has; the risers' gains span days), though in real time the two
   fetches were seconds apart (asserted at the end, so the rest of the walk runs whatever it says).
5. @hugechannel (20,000 uploads): the Metrics page draws every chart and says how many videos it draws. How
   fast is measured by benchmarks/bench_browser.py, not here.

A screenshot of every page lands in test-artifacts/newcomer-*.png; with ``Y2S_DOCS_SCREENSHOTS=1`` they are also
copied to docs/screenshot-*.png (the README shows two of them), so a plain test run leaves the repository as it
was.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from tests.test_browser import ARTIFACTS, _goto_page, _idle, chromium_path, enter_text, page  # noqa: F401 - fixtures
from tests.test_browser_trust import streamlit_app
from tests.test_written_as_it_goes import _wait
from y2s_core.dashboard.tables import table_height
from y2s_core.emulators.catalog import DEMO_LAB_ID
from y2s_core.store import Store
from y2s_core.store.syncing import known_channels

from .conftest import REPO

pytestmark = pytest.mark.browser

HISTORY_DAYS = 90  # what a newcomer's first run seeds (the default of Y2S_DEMO_HISTORY)
DOCS = REPO / "docs"
DEMO_LAB = "Y2S Demo Lab"  # @y2sdemo, the Fetch form's default in demo mode
HUGE = "Huge Channel Demo"  # @hugechannel: 20,000 uploads
NO_GROWTH = "Growth shows after a second fetch"  # the Growth section of channels the store knows one fetch of

# Every plotly chart on the page drawn by plotly.js and the script run over (benchmarks/bench_browser.py waits
# on the same; the Growth heading is the page's last section, streamed after every chart above it).
CHARTS_DRAWN = """() => {
  if (document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSpinner"]')) return false;
  const heads = [...document.querySelectorAll('h1, h2, h3')].map(h => h.textContent.trim());
  if (!heads.some(h => h.startsWith('Metrics')) || !heads.some(h => h.startsWith('Growth'))) return false;
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  return charts.length > 0 && charts.every(c => c.querySelector('.js-plotly-plot .main-svg'));
}"""

# the traces of one keyed chart (st.plotly_chart(key="metrics.x") is in the element of class st-key-metrics-x)
TRACES = """key => {
  const g = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  return g ? (g._fullData || []).map(t => ({name: t.name || '', x: Array.from(t.x || []), y: Array.from(t.y || [])}))
           : null;
}"""

# points each drawn chart holds (what plotly.js drew: a sampled scatter holds fewer than the page's videos)
POINTS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
  .map(g => (g._fullData || []).reduce((n, t) => n + (t._length || 0), 0))"""

# the review table (a data grid drawn on a canvas) is as tall as ``px`` (give or take its border)
HEIGHT = """px => {
  const grids = [...document.querySelectorAll('[data-testid="stDataFrame"]')];
  return grids.length === 1 && Math.abs(grids[0].getBoundingClientRect().height - px) <= 2;
}"""

REPORT = re.compile(r"{}: (\w+), ([\d,]+) new")  # a fetch's per-channel line ("Y2S Demo Lab: incremental, 1 new, ...")


def _seeded(data_dir, since: datetime) -> bool:
    """The first run's history is written: its last snapshot (a day before the seeding started) is in."""
    try:
        known = known_channels(Store.in_dir(data_dir), [DEMO_LAB_ID]).get(DEMO_LAB_ID)
    except Exception:  # the store is being created by the app
        return False
    last = known.last_sync_at if known else None
    if last is None:
        return False
    last = last if last.tzinfo else last.replace(tzinfo=timezone.utc)
    return last >= since - timedelta(days=1)


def _drawn(pg, last) -> None:
    """The Metrics page is drawn: ``last`` (what its Growth section ends with) is there, then every chart above
    it is drawn and the script run is over."""
    last.first.wait_for(timeout=120_000)
    pg.wait_for_function(CHARTS_DRAWN, timeout=120_000)


def _fetch(pg, channel_title: str) -> tuple[str, int]:
    """Press Fetch with what the form holds; wait for the run's per-channel line (shown only by a run that
    fetched, never on a later visit); returns its mode and its count of new uploads."""
    pg.get_by_role("button", name="Fetch", exact=True).click()
    line = pg.get_by_text(re.compile(REPORT.pattern.format(re.escape(channel_title)))).first
    line.wait_for(timeout=120_000)
    _idle(pg)
    m = re.search(REPORT.pattern.format(re.escape(channel_title)), line.inner_text())
    return m.group(1), int(m.group(2).replace(",", ""))


def _shot(pg, name: str, top=None) -> None:
    """A screenshot of the window (the page is settled: callers wait on what it shows first), from ``top`` (a
    locator) down when given: scrolled to it, and cut above it where the page ends before it reaches the top."""
    ARTIFACTS.mkdir(exist_ok=True)
    clip = None
    if top is not None:
        top.first.evaluate("e => e.scrollIntoView({block: 'start'})")
        y = max(0, top.first.bounding_box()["y"] - 24)
        size = pg.viewport_size
        clip = {"x": 0, "y": y, "width": size["width"], "height": size["height"] - y} if y > 40 else None
    path = ARTIFACTS / f"newcomer-{name}.png"
    pg.screenshot(path=str(path), clip=clip)
    if os.environ.get("Y2S_DOCS_SCREENSHOTS") == "1":
        shutil.copy(path, DOCS / f"screenshot-{name}.png")


def _shown(pg) -> int:
    """The Review page's count of rows shown ("0 of 151 videos approved · 151 shown")."""
    text = pg.get_by_text(re.compile(r"videos approved · [\d,]+ shown")).first.inner_text()
    return int(re.search(r"· ([\d,]+) shown", text).group(1).replace(",", ""))


def _table_csv(pg, table) -> list[dict[str, str]]:
    """The rows of a data grid as its toolbar's "Download as CSV" gives them (the grid itself is a canvas)."""
    table.hover()
    with pg.expect_download() as got:
        table.get_by_role("button", name="Download as CSV").click()
    text = open(got.value.path(), encoding="utf-8-sig").read()
    return list(csv.DictReader(io.StringIO(text)))


def test_a_newcomer_walks_the_demo(tmp_path, page):  # noqa: F811
    pg = page
    pg.add_init_script("delete window.showSaveFilePicker")  # "Download as CSV" downloads (no native file picker)
    started = datetime.now(timezone.utc)
    with streamlit_app(tmp_path, {"Y2S_DEMO_HISTORY": str(HISTORY_DAYS)}) as (url, _):
        data_dir = tmp_path / "data"

        # 1. the first visit: the Fetch page; its first run seeds the history in the background
        pg.goto(url)
        pg.get_by_role("heading", name="Fetch videos").wait_for()
        _idle(pg)  # the first run over: the box holds the demo's channel (the heading is drawn before the box's value)
        pg.wait_for_function("() => [...document.querySelectorAll('textarea')].some(t => t.value === '@y2sdemo')")
        assert pg.get_by_role("textbox", name="Channels").input_value() == "@y2sdemo"
        # the Fetch button does not wait for the first run: a fetch pressed before it ends is a full first fetch
        # (no New marks), so the walk waits for the history as a newcomer reading the page for a second would
        assert _wait(lambda: _seeded(data_dir, started), 60), "the demo's first run wrote no history"
        mode, new = _fetch(pg, DEMO_LAB)
        assert mode == "incremental", "the seeded history made @y2sdemo a known channel"
        first_new = new

        # 2. Metrics: Growth shows gains on the first visit
        _goto_page(pg, "Metrics")
        _drawn(pg, pg.locator(".st-key-metrics-growth_per_day .js-plotly-plot .main-svg"))
        assert pg.get_by_text(NO_GROWTH).count() == 0
        per_day = pg.evaluate(TRACES, "metrics-growth_per_day")
        total = pg.evaluate(TRACES, "metrics-growth_total")
        assert per_day and total, "no Growth charts"
        gains = [y for t in per_day for y in t["y"] if y is not None]
        assert len(gains) >= 7 and sum(gains) > 0 and all(g >= 0 for g in gains), per_day
        views = [y for y in total[0]["y"] if y is not None]
        assert len(views) >= HISTORY_DAYS // 7 and views[-1] > views[0], total
        _shot(pg, "growth", top=pg.get_by_role("heading", name="Growth"))

        # 3. Review: the table is as tall as its rows, up to about a window
        _goto_page(pg, "Review and approve")
        grid = pg.get_by_test_id("stDataFrame").first
        grid.wait_for()
        _idle(pg)
        rows = _shown(pg)
        if first_new:  # the uploads of the demo's last day, after the seeded history's last snapshot
            assert pg.get_by_text(f"{first_new} new since the last sync").count() == 1
        pg.wait_for_function(HEIGHT, arg=table_height(rows))
        assert grid.bounding_box()["height"] > 560  # issue 19: it was fixed at 560 px, about 15 rows

        # 4. Settings: advance the demo a day, fetch again: the day's upload is new
        _goto_page(pg, "Settings")
        pg.get_by_role("button", name="Advance the demo a day").click()
        pg.get_by_text(re.compile(r"The demo moved to \d{4}-\d\d-\d\d")).wait_for()
        _idle(pg)
        _shot(pg, "settings", top=pg.get_by_role("heading", name="Quota"))
        _goto_page(pg, "Fetch")
        mode, new = _fetch(pg, DEMO_LAB)
        assert (mode, new) == ("incremental", 1), "a demo day of @y2sdemo is one upload"
        _shot(pg, "fetch", top=pg.get_by_text("Fetching from the demo emulator"))

        _goto_page(pg, "Review and approve")
        pg.get_by_text(re.compile(r"\b1 new since the last sync")).first.wait_for()
        grid.wait_for()
        _idle(pg)
        _shot(pg, "review", top=pg.get_by_role("heading", name="Review and approve"))
        table = _table_csv(pg, grid)
        assert "New" in table[0], table[0]
        marked = [r for r in table if r["New"] == "new"]
        assert len(marked) == 1 and table[0]["New"] == "new", marked  # the newest first
        assert len(table) == _shown(pg) == rows + 1

        # the table's height follows its rows: narrowed to a few, it shrinks to them
        pg.get_by_role("textbox", name="Search titles").fill(marked[0]["Title"])
        pg.get_by_role("textbox", name="Search titles").press("Enter")
        pg.get_by_text(re.compile(r"· [1-9]\d? shown")).first.wait_for()
        _idle(pg)
        few = _shown(pg)
        pg.wait_for_function(HEIGHT, arg=table_height(few))  # the grid of the narrowed table replaces the other
        pg.get_by_role("textbox", name="Search titles").fill("")
        pg.get_by_role("textbox", name="Search titles").press("Enter")
        everything = len(table)
        pg.get_by_role("button", name=f"Approve all {everything:,} shown").click()
        pg.get_by_text(f"{everything:,} of {everything:,} videos approved").first.wait_for()
        _idle(pg)

        _goto_page(pg, "Metrics")
        _drawn(pg, pg.locator(".st-key-metrics-growth_per_day .js-plotly-plot .main-svg"))
        _shot(pg, "metrics")
        # a demo day later the gains are still a day's: no day gains more views than the channel has in all, and
        # the risers' gains span days (the demo's day, though the two fetches were seconds apart in real time);
        # asserted at the end, so the rest of the walk runs whatever they say
        per_day = [y for t in pg.evaluate(TRACES, "metrics-growth_per_day") for y in t["y"] if y is not None]
        channel_views = max(y for y in pg.evaluate(TRACES, "metrics-growth_total")[0]["y"] if y is not None)
        risers = _table_csv(pg, pg.get_by_text("Top risers").first.locator(
            "xpath=following::*[@data-testid='stDataFrame'][1]"))
        spans = [float(r["days"]) for r in risers]  # the CSV has the frame's own column names
        _goto_page(pg, "Push")
        pg.get_by_text(re.compile(r"approved videos ready to push")).first.wait_for()
        _idle(pg)
        _shot(pg, "push")

        # 5. @hugechannel: 20,000 videos; the Metrics page draws every chart and says how many videos
        _goto_page(pg, "Fetch")
        enter_text(pg, pg.get_by_role("textbox", name="Channels"), "@hugechannel")
        _fetch(pg, HUGE)
        fetched = pg.get_by_text(re.compile(r"^Fetched [\d,]+ videos from 1 channel")).first.inner_text()
        videos = re.search(r"Fetched ([\d,]+) videos", fetched).group(1)
        assert int(videos.replace(",", "")) >= 20_000, fetched  # 20,000 at the demo's start, and a day's uploads
        _goto_page(pg, "Metrics")
        _drawn(pg, pg.get_by_text(NO_GROWTH))  # its first fetch: no history yet
        assert pg.get_by_text(re.compile(rf"\b{videos} videos\b")).count() >= 1, "it says how many it draws"
        points = pg.evaluate(POINTS)
        # the two scatters, type mix, engagement, uploads per month, cadence, outliers (Growth: after a second fetch)
        assert len(points) >= 7, points

        # Growth after "Advance the demo a day" (step 4)
        assert max(per_day) <= channel_views, \
            f"{max(per_day):,.0f} views gained in a day by a channel of {channel_views:,.0f} views"
        assert min(spans) >= 0.5, f"Top risers' gains span {sorted(spans)[:3]} days"
        print(f"\n@hugechannel Metrics: {len(points)} charts drawn, points per chart {points}; "
              f"first fetch of @y2sdemo: {first_new} new")
