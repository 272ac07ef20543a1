"""Charts people can read and a review table that uses the window (issue 19, items 2 and 3).

Every figure is built by the same ``charts.*_figure`` function the Metrics page calls, and the figure
object is checked: axis titles with units, compact number ticks (12k, 3.4M, 1.2B; never 2.48067M, 500m or
1.2G), dates as dates (never 09:24:06.2835), the log axes labelled "Views (log scale)". The pages are then
run (AppTest) to check that each chart they send carries those settings, that a big set says it is
drawing, and that the review table's height follows its rows.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from streamlit.testing.v1 import local_script_runner

from tests.app_helpers import fetch, goto, start_app, texts
from y2s_core import growth, metrics
from y2s_core.dashboard import charts, tables
from y2s_core.dashboard.charts import Axis, axis_layout
from y2s_core.settings import Settings
from y2s_core.store import Store
from y2s_core.youtube import YouTubeClient

pytestmark = pytest.mark.usefixtures("fresh_app_env")

T = datetime(2026, 12, 7, 9, 24, 6, 283500, tzinfo=timezone.utc)
D = timedelta(days=1)
COUNT_AXES = ("count", "rate")


def snap(video: str, at: datetime, views: int, channel: str = "UCa", published: datetime = T - 400 * D) -> dict:
    return {"video_id": video, "channel_id": channel, "channel": f"Chan {channel}", "title": f"T {video}",
            "published_at": published, "taken_at": at, "views": views, "likes": None, "comments": None}


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    videos = []
    for channel in ("@y2sdemo", "@oldschool"):
        videos += YouTubeClient(Settings.from_env()).fetch(channel).videos
    return metrics.frame(videos)


def snaps_over(days: int) -> pd.DataFrame:
    """Two channels, three videos published just before the first of a snapshot a day for ``days`` days."""
    rows = [snap(v, T - (days - i) * D, 2_480_669 + 1000 * i + k, channel=c, published=T - (days + 1) * D)
            for i in range(days + 1) for k, (v, c) in enumerate((("a", "UCa"), ("b", "UCa"), ("c", "UCb")))]
    return growth.snapshot_frame(rows)


def figures(df: pd.DataFrame, snaps: pd.DataFrame) -> dict[str, object]:
    """Every chart of the Metrics page, built as the page builds it."""
    points, _ = charts.chart_points(charts.plot_frame(metrics.views_over_time(df)))
    durations, _ = charts.chart_points(charts.plot_frame(metrics.views_vs_duration(df)))
    early = growth.early_views(snaps, (7, 30), limit=15)
    assert not early.empty
    return {
        "views_over_time": charts.views_over_time_figure(points),
        "views_vs_duration": charts.views_vs_duration_figure(durations),
        "type_mix": charts.type_mix_figure(charts.plot_frame(metrics.type_mix(df))),
        "engagement": charts.engagement_figure(metrics.engagement_distribution(df)),
        "uploads_per_month": charts.uploads_per_month_figure(metrics.uploads_per_month(df)),
        "cadence": charts.cadence_figure(metrics.cadence_heatmap(df)),
        "outliers": charts.outliers_figure(charts.plot_frame(metrics.top_videos(df, 15, "outlier_score"))),
        "comparison_chart": charts.comparison_figure(charts.plot_frame(metrics.channel_comparison(df))),
        "growth_total": charts.growth_total_figure(growth.channel_views(snaps)),
        "growth_per_day": charts.growth_per_day_figure(growth.channel_gains(snaps)),
        "early_views": charts.early_views_figure(early),
    }


# what each chart's axes say and how they are ticked: (x title, x kind, y title, y kind)
EXPECTED = {
    "views_over_time": ("Published (UTC)", "date", "Views (log scale)", "log"),
    "views_vs_duration": ("Duration (minutes)", "number", "Views (log scale)", "log"),
    "type_mix": ("Channel", "category", "Videos", "count"),
    "engagement": ("Engagement rate ((likes + comments) / views, %)", "percent", "Videos", "count"),
    "uploads_per_month": ("Month (UTC)", "month", "Uploads", "count"),
    "cadence": ("Hour of the day (UTC)", "number", "Weekday", "category"),
    "outliers": ("Views ÷ the channel's median views (×)", "ratio", "Video", "category"),
    "comparison_chart": ("Channel", "category", "Median views", "count"),
    "growth_total": ("Snapshot (UTC)", "date", "Views", "count"),
    "growth_per_day": ("Snapshot (UTC)", "date", "Views a day since the previous snapshot", "rate"),
    "early_views": ("Video", "category", "Views", "count"),
}


def check_axis(ax: dict, title: str, kind: str) -> None:
    """``ax``: a figure's layout axis as a plain dict (from ``fig.to_plotly_json()`` or a page's chart spec)."""
    assert ax["title"]["text"] == title
    fmt = ax.get("tickformat", "")
    assert "s" not in fmt, "d3's SI format says 1.2G and 500m"
    if kind in COUNT_AXES:
        assert ax["exponentformat"] == "B" and ax["separatethousands"] is True  # 12k, 3.4M, 1.2B
        assert fmt == ""  # plotly picks the digits the ticks need: never 2.48067M over a real range
    elif kind == "log":
        assert ax["type"] == "log" and ax["tickmode"] == "array"
        assert ax["ticktext"] == [charts.compact(v) for v in ax["tickvals"]]
        assert not {"2", "3", "4"} & set(ax["ticktext"]) or "1" in ax["ticktext"]  # a 2 only beside a 1 and a 5
    elif kind == "date":
        assert ax["type"] == "date" and fmt in ("%Y-%m-%d", "%b %Y")
        assert "%H" not in fmt and "%S" not in fmt
    elif kind == "month":
        assert ax["type"] == "date" and fmt == "%b %Y"
    elif kind == "percent":
        assert fmt.endswith("%")
    elif kind == "ratio":
        assert ax["ticksuffix"] == "×"


def test_every_chart_has_titled_axes_with_units_and_readable_ticks(df):
    figs = figures(df, snaps_over(40))
    assert set(figs) == set(EXPECTED)
    for name, fig in figs.items():
        layout = fig.to_plotly_json()["layout"]
        x_title, x_kind, y_title, y_kind = EXPECTED[name]
        check_axis(layout["xaxis"], x_title, x_kind)
        check_axis(layout["yaxis"], y_title, y_kind)


def test_the_log_axes_say_views_with_compact_ticks(df):
    points, _ = charts.chart_points(charts.plot_frame(metrics.views_over_time(df)))
    y = charts.views_over_time_figure(points).layout.yaxis
    assert y.type == "log" and y.title.text == "Views (log scale)"
    top = points["views"].max()
    assert max(y.tickvals) >= top  # the top band is ticked, in thousands/millions
    assert all(t[-1] in "kMB" or float(t) < 1000 for t in y.ticktext)
    # one decade of data (a huge channel's top videos): 1-2-5 ticks, so it is never a lone tick or "2, 3, 4"
    narrow = axis_layout(Axis("Views (log scale)", "log", [2_100_000, 5_120_000]))
    assert narrow["ticktext"][:3] == ["1M", "2M", "5M"]
    wide = axis_layout(Axis("Views (log scale)", "log", [3, 1_200_000_000]))
    assert wide["ticktext"] == ["1", "10", "100", "1k", "10k", "100k", "1M", "10M", "100M", "1B", "10B"]


@pytest.mark.parametrize(("n", "text"), [(0, "0"), (999, "999"), (12_000, "12k"), (3_400_000, "3.4M"),
                                         (2_480_669, "2.48M"), (1_200_000_000, "1.2B"), (0.5, "0.5")])
def test_compact_numbers(n, text):
    assert charts.compact(n) == text


def test_a_flat_count_axis_starts_at_zero_and_few_videos_tick_whole_numbers():
    flat = axis_layout(Axis("Views", "count", [2_480_669, 2_480_669, 2_480_670]))
    assert flat["rangemode"] == "tozero"  # not a sliver ticked 2.48067M / 2.4806695M
    real = axis_layout(Axis("Views", "count", [1_000_000, 2_480_669]))
    assert "rangemode" not in real and "dtick" not in real
    few = axis_layout(Axis("Uploads", "count", [0, 1, 3]))
    assert few["dtick"] == 1 and few["tick0"] == 0  # 0, 1, 2, 3: not 0.5
    assert "dtick" not in axis_layout(Axis("Views a day", "rate", [0.2, 0.7]))  # a rate may be a fraction


def test_growth_on_one_day_shows_dates_not_times():
    # two fetches minutes apart (the demo's first visit): the x axis spans days and ticks once a day
    same_day = growth.snapshot_frame([snap(v, t, 2_480_669) for v in ("a", "b") for t in (T, T + timedelta(minutes=3))])
    for fig in (charts.growth_total_figure(growth.channel_views(same_day)),
                charts.growth_per_day_figure(growth.channel_gains(same_day))):
        x = fig.layout.xaxis
        assert x.type == "date" and x.tickformat == "%Y-%m-%d" and x.dtick == charts.DAY_MS
        first, last = (pd.Timestamp(r) for r in x.range)
        assert first <= pd.Timestamp("2026-12-07") and last >= pd.Timestamp("2026-12-08")
    total = charts.growth_total_figure(growth.channel_views(same_day)).layout.yaxis
    assert total.rangemode == "tozero" and total.exponentformat == "B"
    one_instant = axis_layout(Axis("Snapshot (UTC)", "date", [T]))
    assert one_instant["range"] == ["2026-12-06 09:24:06", "2026-12-08 09:24:06"]


def test_date_axes_pick_days_or_months_by_span():
    month = axis_layout(Axis("Snapshot (UTC)", "date", [T - 30 * D, T]))
    assert month["tickformat"] == "%Y-%m-%d" and "range" not in month and "dtick" not in month
    years = axis_layout(Axis("Published (UTC)", "date", pd.Series([T - 900 * D, T])))
    assert years["tickformat"] == "%b %Y"
    week = axis_layout(Axis("Snapshot (UTC)", "date", [T - 5 * D, T]))
    assert week["dtick"] == charts.DAY_MS  # a tick a day at most: no date twice


def test_review_table_height_follows_the_rows_up_to_a_window():
    assert tables.table_height(1) == 73
    assert tables.table_height(10) == 388
    assert tables.table_height(0) == tables.table_height(1)
    assert tables.table_height(24) == 878
    assert tables.table_height(2_567) == tables.MAX_TABLE_PX == 900
    heights = [tables.table_height(n) for n in range(1, 40)]
    assert heights == sorted(heights)


# ---------------------------------------------------------------------------------------- the pages


@pytest.fixture
def sent(monkeypatch):
    """The elements the last AppTest run sent (the test tree leaves out a dataframe's height)."""
    messages: list = []
    parse = local_script_runner.parse_tree_from_messages

    def keep(msgs):
        messages[:] = list(msgs)
        return parse(msgs)

    monkeypatch.setattr(local_script_runner, "parse_tree_from_messages", keep)

    def elements(kind: str) -> list:
        return [m.delta.new_element for m in messages if m.HasField("delta")
                and m.delta.WhichOneof("type") == "new_element" and m.delta.new_element.WhichOneof("type") == kind]

    return elements


def test_the_review_table_grows_with_its_rows(sent):
    at = goto(fetch(start_app(), "@oldschool"), "pages/review.py")
    assert not at.exception
    [table] = sent("arrow_data_frame") or sent("dataframe")
    rows = len(at.data_editor[0].value)
    assert rows > 24
    assert table.height_config.pixel_height == tables.table_height(rows) == 900
    at.text_input(key="review.search").input(at.data_editor[0].value["Title"].iloc[0]).run()
    few = len(at.data_editor[0].value)
    assert few < 5
    [table] = sent("arrow_data_frame") or sent("dataframe")
    assert table.height_config.pixel_height == tables.table_height(few) < 300  # no empty grid below the rows


def test_the_metrics_page_sends_every_chart_with_these_axes(monkeypatch):
    monkeypatch.setattr(charts, "BIG_SET", 10)
    at = fetch(start_app(), "@oldschool")
    result = at.session_state["y2s.result"]
    for days, lower in ((9, 300), (2, 100)):  # two earlier fetches with fewer views: Growth draws
        earlier = tuple(replace(v, views=max((v.views or 0) - lower, 0)) for v in result.videos)
        Store.for_settings(Settings.from_env()).record_fetch(replace(result, videos=earlier),
                                                             now=datetime.now(timezone.utc) - days * D)
    at.button(key="fetch.refresh").click().run()
    at = goto(at, "pages/metrics.py")
    assert not at.exception, [e.value for e in at.exception]
    n = len(result.videos)
    assert any(f"Drawing {n:,} videos" in t for t in texts(at.caption)), texts(at.caption)
    specs = {c.key.removeprefix("metrics."): json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    assert {"views_over_time", "views_vs_duration", "type_mix", "engagement", "uploads_per_month", "cadence",
            "outliers", "growth_total", "growth_per_day"} <= set(specs)
    for name, spec in specs.items():
        x_title, x_kind, y_title, y_kind = EXPECTED[name]
        check_axis(spec["layout"]["xaxis"], x_title, x_kind)
        check_axis(spec["layout"]["yaxis"], y_title, y_kind)


def test_a_small_set_draws_without_the_note():
    at = goto(fetch(start_app(), "@oldschool"), "pages/metrics.py")
    assert not any("Drawing" in t for t in texts(at.caption))
