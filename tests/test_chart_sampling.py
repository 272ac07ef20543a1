"""The sampled first draw of big sets on the Metrics page (issue 19, item 2).

``charts.chart_points`` is the pure sampling: deterministic, never more than its limit, always the top
videos by views and each type's own top, the rest sampled in proportion to each type (and at least one of
a rare type). The page (AppTest, with the limit lowered so a demo channel counts as big) says it shows a
sample, offers "Draw all", draws every point once it is on, and remembers it across pages. Timings are in
benchmarks/bench_browser.py, not here.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.app_helpers import fetch, goto, start_app, texts
from y2s_core.dashboard import charts

TYPES = {"Long": 6000, "Short": 3000, "Live": 950, "Upcoming": 50}


def points(seed: int = 1) -> pd.DataFrame:
    """10,000 scatter rows as metrics.views_over_time gives them: heavy-tailed views, four types, shuffled."""
    rng = np.random.default_rng(seed)
    types = np.repeat(list(TYPES), list(TYPES.values()))
    n = len(types)
    frame = pd.DataFrame({"published_at": pd.date_range("2020-01-01", periods=n, freq="h", tz="UTC"),
                          "views": (rng.pareto(1.2, n) * 1000).astype("int64"),
                          "type": rng.permutation(types), "title": [f"t{i}" for i in range(n)], "channel": "C"})
    return frame


def test_a_small_frame_is_drawn_whole():
    frame = points().head(300)
    few, total = charts.chart_points(frame, limit=300)
    assert total == 300 and few.equals(frame)
    assert charts.chart_points(frame, limit=0)[0].equals(frame), "limit 0: draw all"


@pytest.mark.parametrize("limit", [1, 2, 7, 50, 999, 5000, 9999])
def test_never_more_than_the_limit(limit):
    few, total = charts.chart_points(points(), limit=limit)
    assert total == 10_000
    assert len(few) == limit
    assert few.index.is_unique


def test_the_same_frame_gives_the_same_sample_in_the_same_order():
    frame = points()
    few, _ = charts.chart_points(frame, limit=1000)
    again, _ = charts.chart_points(frame.copy(), limit=1000)
    assert few.equals(again)
    assert list(few.index) == [i for i in frame.index if i in set(few.index)], "the original order is kept"


def test_the_top_videos_are_always_drawn():
    frame = points()
    few, _ = charts.chart_points(frame, limit=1000)
    top = frame["views"].nlargest(200).index  # the top fifth of the limit
    assert set(top) <= set(few.index)
    for kind, rows in frame.groupby("type"):  # each type's own hits too: a Short is not a long video
        assert set(rows["views"].nlargest(charts.TOP_PER_STRATUM).index) <= set(few.index), kind


def test_the_rest_is_sampled_in_proportion_to_each_type():
    frame = points()
    few, _ = charts.chart_points(frame, limit=2000)
    shares = few["type"].value_counts(normalize=True)
    for kind, n in TYPES.items():
        assert shares[kind] == pytest.approx(n / len(frame), abs=0.03), (kind, shares.to_dict())


def test_a_rare_type_still_shows():
    frame = points()
    frame.loc[frame["type"] == "Upcoming", "views"] = 0  # never among the top by views
    frame = pd.concat([frame, frame.head(1).assign(type="Premiere", views=0)], ignore_index=True)
    few, _ = charts.chart_points(frame, limit=60)
    assert {"Upcoming", "Premiere"} <= set(few["type"])
    assert len(few) == 60


def test_the_sample_is_shared_in_proportion_with_one_for_a_rare_group():
    assert charts._allocate({"a": 600, "b": 300, "c": 100}, 100) == {"a": 60, "b": 30, "c": 10}
    assert charts._allocate({"a": 5000, "b": 1}, 10) == {"a": 9, "b": 1}
    assert charts._allocate({"a": 3, "b": 2}, 10) == {"a": 3, "b": 2}
    shares = charts._allocate({"a": 7, "b": 7, "c": 7}, 10)
    assert sum(shares.values()) == 10 and max(shares.values()) - min(shares.values()) <= 1


def test_a_frame_without_views_or_types_is_still_bounded():
    frame = points().drop(columns=["type"])
    few, _ = charts.chart_points(frame, limit=500)
    assert len(few) == 500 and set(frame["views"].nlargest(100).index) <= set(few.index)
    bare = points()[["published_at", "title"]]
    assert len(charts.chart_points(bare, limit=500)[0]) == 500


def test_missing_views_never_count_as_top():
    frame = points().astype({"views": "Int64"})
    frame.loc[frame.index[:5000], "views"] = pd.NA
    few, _ = charts.chart_points(frame, limit=1000)
    assert len(few) == 1000
    assert set(frame["views"].dropna().astype("int64").nlargest(200).index) <= set(few.index)


# ------------------------------------------------------------------------------ the Metrics page


def scatter_points(at, key: str) -> int:
    chart = next(c for c in at.get("plotly_chart") if c.key == f"metrics.{key}")
    data = json.loads(chart.proto.spec)["data"]
    return sum(len(trace["x"]) if isinstance(trace["x"], list) else len(trace["y"]["bdata"]) for trace in data)


@pytest.mark.usefixtures("fresh_app_env")
def test_the_page_says_it_shows_a_sample_and_draws_all_on_request(monkeypatch):
    monkeypatch.setattr(charts, "MAX_CHART_POINTS", 50)
    at = goto(fetch(start_app(), "@y2sdemo"), "pages/metrics.py")
    assert not at.exception, [e.value for e in at.exception]
    n = len(at.session_state["y2s.result"].videos)
    assert n > 50
    notes = texts(at.caption)
    assert any("Showing a sample" in t and f"draw 50 of {n:,} videos" in t for t in notes), notes
    toggle = at.toggle(key="metrics.draw_all")
    assert toggle.value is False and toggle.label == f"Draw all {n:,} videos"
    assert scatter_points(at, "views_over_time") == 50
    assert {m.label: m.value for m in at.metric}["Videos"] == f"{n:,}", "the figures use every video"

    toggle.set_value(True).run()
    assert not at.exception
    assert scatter_points(at, "views_over_time") == n
    assert any(f"draw all {n:,} videos" in t for t in texts(at.caption))
    assert not any("Showing a sample" in t for t in texts(at.caption))

    goto(at, "pages/review.py")
    goto(at, "pages/metrics.py")
    assert at.toggle(key="metrics.draw_all").value is True, "remembered across pages"
    assert scatter_points(at, "views_over_time") == n


@pytest.mark.usefixtures("fresh_app_env")
def test_a_set_within_the_limit_has_no_sample_note_nor_toggle():
    at = goto(fetch(start_app(), "@oldschool"), "pages/metrics.py")
    assert not at.exception
    assert not any("Showing a sample" in t for t in texts(at.caption))
    with pytest.raises(KeyError):
        at.toggle(key="metrics.draw_all")
