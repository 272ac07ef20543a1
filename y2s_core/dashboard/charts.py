"""What the Metrics page draws from: the session-cached metrics frame, the sampling of big scatters, and
the figures themselves (one builder per chart, every axis styled by ``style_axes``)."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from .. import metrics
from ..filters import FilterSpec
from ..models import FetchResult
from . import state
from .tables import View, visible_videos

MAX_CHART_POINTS = 5000  # per scatter chart: beyond this the browser slows down and points overlap anyway
TOP_PER_STRATUM = 10  # each type's own top videos by views are always among them
BIG_SET = 2000  # from this many videos the page says it is drawing them before the charts appear
# plotly express's "auto": WebGL (scattergl) from 1,000 points, SVG below. benchmarks/bench_browser.py, Metrics
# at 20,000 videos in chromium (software WebGL, 2 busy cores): every point in SVG took 4.1 s to draw with 3.6 s
# of blocked main thread, in WebGL 1.4 s; the 5,000-point sample 1.2 s in SVG, 1.1 s in WebGL
SCATTER_RENDER_MODE = "auto"


@st.cache_data(scope="session", max_entries=4, show_spinner=False)
def _frame(result_token: str, spec_key: str, view: View, approved: frozenset[str], _result: FetchResult,
           _spec: FilterSpec) -> pd.DataFrame:
    return metrics.frame(visible_videos(_result, _spec, view, approved))


def metrics_frame(result: FetchResult, spec: FilterSpec, view: View, approved: Iterable[str]) -> pd.DataFrame:
    """``metrics.frame`` of the videos the filters show, made once per (result, filters, view) in this session.

    The frame of 20,000 videos takes a while and the result is too big to hash on every rerun: the
    session's result token (new with every fetch) stands for it in the cache key.
    """
    token = st.session_state[state.RESULT_TOKEN]
    return _frame(token, spec.key(), view, frozenset(approved), _result=result, _spec=spec)


def chart_points(points: pd.DataFrame, limit: int | None = None, by: str = "views",
                 strata: str = "type") -> tuple[pd.DataFrame, int]:
    """At most ``limit`` rows of a scatter frame (the sampled first draw of a big set), and how many there were.

    Always keeps the top fifth of ``limit`` by ``by`` (the hits and outliers) and the top ``TOP_PER_STRATUM``
    of each ``strata`` value (a type's own hits: a Short's views are not a long video's), then fills the rest
    of ``limit`` with a seeded random sample of the other rows, each ``strata`` value in proportion to its
    share (and at least one row of each). Deterministic: the same frame gives the same rows on every rerun.
    The original row order is kept. ``limit`` 0 or less (or a frame within it) keeps every row.
    """
    limit = MAX_CHART_POINTS if limit is None else limit
    total = len(points)
    if limit <= 0 or total <= limit:
        return points, total
    keep = points.index[:0]
    if by in points:
        ranked = points[by].dropna()
        keep = ranked.nlargest(max(limit // 5, 1)).index
        if strata in points:
            per = ranked.groupby(points.loc[ranked.index, strata], sort=True, observed=True, dropna=False)
            keep = keep.append(per.nlargest(TOP_PER_STRATUM).index.get_level_values(-1).difference(keep, sort=False))
        keep = keep[:limit]  # a tiny limit: the overall top first, never more than limit rows
    rest = points.drop(index=keep)
    budget = limit - len(keep)
    if budget > 0 and strata in rest:
        groups = rest.groupby(strata, sort=True, observed=True, dropna=False).indices
        quotas = _allocate({k: len(v) for k, v in groups.items()}, budget)
        picked = [rest.iloc[groups[k]].sample(n=q, random_state=0).index for k, q in quotas.items() if q]
        sample = picked[0].append(picked[1:]) if picked else rest.index[:0]
    elif budget > 0:
        sample = rest.sample(n=budget, random_state=0).index
    else:
        sample = rest.index[:0]
    return points.loc[points.index.isin(keep.union(sample))], total


def _allocate(sizes: dict[object, int], budget: int) -> dict[object, int]:
    """``budget`` rows shared among groups of ``sizes`` in proportion (largest remainders), at least one each
    while the budget allows; never more than a group has."""
    total = sum(sizes.values())
    if budget >= total:
        return dict(sizes)
    exact = {k: n * budget / total for k, n in sizes.items()}
    quotas = {k: int(x) for k, x in exact.items()}
    for k in sorted(exact, key=lambda k: (quotas[k] - exact[k], str(k)))[: budget - sum(quotas.values())]:
        quotas[k] += 1
    for k in sorted((k for k in sizes if sizes[k] and not quotas[k]), key=str):  # a rare type still shows
        donor = max(quotas, key=lambda d: (quotas[d], str(d)))
        if quotas[donor] <= 1:
            break
        quotas[donor] -= 1
        quotas[k] = 1
    return quotas


PLOT_TEXT_COLUMNS = ("title", "channel")  # text from YouTube that a chart shows


def plot_frame(frame: pd.DataFrame, columns: Iterable[str] = PLOT_TEXT_COLUMNS) -> pd.DataFrame:
    """A copy of ``frame`` whose YouTube text plotly shows as text, not markup.

    plotly.js renders a subset of HTML in axis labels, legends and hovers (``<a href>``, ``<b>``,
    ``<br>``...): a channel named ``<a href="https://…">`` would become a link in the chart. ``&``,
    ``<`` and ``>`` become entities, which plotly decodes back for display.
    """
    out = frame.copy()
    for c in columns:
        if c in out.columns:
            out[c] = out[c].map(lambda v: html.escape(v, quote=False) if isinstance(v, str) else v)
    return out


def unique_labels(labels: Iterable[object]) -> list[str]:
    """Labels made distinct for a categorical axis: a repeated 'Live stream' becomes 'Live stream (2)'."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        text = str(label)
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


# ------------------------------------------------------------------------------------------ axes

DAY_MS = 86_400_000
_DATE_TICKS = "%Y-%m-%d"  # spans under a year: one label a day at most, never a time of day
_MONTH_TICKS = "%b %Y"
_COUNT_KINDS = ("count", "rate")


@dataclass(frozen=True)
class Axis:
    """How one axis reads: its title (with the unit) and the kind of values it shows.

    kind: "count" (whole numbers: views, videos: compact ticks 12k / 3.4M / 1.2B, never fractions of one),
    "rate" (like count, fractions allowed: views a day), "log" (counts on a log scale: ticks 1k, 10k, 100k),
    "date" (datetimes: dates, never times of day), "month" (first days of months), "percent" (0.05 = 5 %),
    "ratio" (× a median), "number" (plain, thousands separated), "category" (labels as they are).
    values: the values the axis spans (for a stacked bar: the stack totals), used to pick ticks and ranges.
    """

    title: str
    kind: str = "number"
    values: Sequence[object] | pd.Series | None = None


def compact(n: float) -> str:
    """12000 -> "12k", 3400000 -> "3.4M", 1200000000 -> "1.2B" (the tick labels of the log axes)."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            return f"{n / size:.3g}{suffix}"
    return f"{n:.3g}"


def _numbers(values: Sequence[object] | pd.Series | None) -> pd.Series:
    if values is None:
        return pd.Series(dtype="float64")
    return pd.to_numeric(pd.Series(list(values) if not isinstance(values, pd.Series) else values),
                         errors="coerce").dropna().astype("float64")


def _count_axis(axis: Axis) -> dict[str, object]:
    # plotly's own number formatting with "B" exponents: 12k, 3.4M, 1.2B (d3's "~s" says 1.2G and 500m),
    # precise enough to tell the ticks apart, thousands separated below 10,000
    out: dict[str, object] = {"exponentformat": "B", "separatethousands": True, "tickformat": ""}
    vals = _numbers(axis.values)
    if vals.empty:
        return out | {"rangemode": "tozero"}
    top, low = vals.abs().max(), vals.min()
    if low >= 0 and (top == 0 or (vals.max() - low) < 0.05 * top):
        out["rangemode"] = "tozero"  # a flat series: from 0, not a sliver around 2,480,669 ticked 2.48067M
    if axis.kind == "count" and vals.max() <= 8 and low >= 0:
        out |= {"tick0": 0, "dtick": 1}  # a handful of videos: ticks 0, 1, 2, not 0.5
    return out


def _log_axis(axis: Axis) -> dict[str, object]:
    vals = _numbers(axis.values)
    vals = vals[vals > 0]
    lo = math.floor(math.log10(vals.min())) if not vals.empty else 0
    hi = math.ceil(math.log10(vals.max())) if not vals.empty else 9
    steps = (1, 2, 5) if hi - lo <= 3 else (1,)  # a few decades: 1-2-5 ticks; many: one a decade
    ticks = [m * 10.0**e for e in range(lo, hi + 1) for m in steps]
    return {"type": "log", "tickmode": "array", "tickvals": ticks, "ticktext": [compact(t) for t in ticks]}


def _date_axis(axis: Axis) -> dict[str, object]:
    out: dict[str, object] = {"type": "date", "tickformat": _DATE_TICKS, "hoverformat": "%Y-%m-%d %H:%M"}
    vals = pd.to_datetime(pd.Series(list(axis.values) if axis.values is not None else [], dtype="object"),
                          utc=True, errors="coerce").dropna()
    if vals.empty:
        return out
    first, last = vals.min().tz_convert(None), vals.max().tz_convert(None)
    span = last - first
    if span >= pd.Timedelta(days=365):
        return out | {"tickformat": _MONTH_TICKS}
    if span < pd.Timedelta(days=2):
        # all on one day (or one instant): a range of days around them, not milliseconds around 09:24:06
        pad = pd.Timedelta(days=1)
        out["range"] = [(first - pad).strftime("%Y-%m-%d %H:%M:%S"), (last + pad).strftime("%Y-%m-%d %H:%M:%S")]
    if span < pd.Timedelta(days=10):
        out |= {"tick0": "2000-01-01", "dtick": DAY_MS}  # at most one tick a day: no repeated dates
    return out


def axis_layout(axis: Axis) -> dict[str, object]:
    """The plotly axis settings for ``axis`` (``fig.update_xaxes(**axis_layout(a))``)."""
    base: dict[str, object] = {"title": {"text": axis.title}, "automargin": True}
    if axis.kind in _COUNT_KINDS:
        return base | _count_axis(axis)
    if axis.kind == "log":
        return base | _log_axis(axis)
    if axis.kind == "date":
        return base | _date_axis(axis)
    if axis.kind == "month":
        months = pd.to_datetime(pd.Series(list(axis.values) if axis.values is not None else [], dtype="object"),
                                errors="coerce").dropna().nunique()
        return base | {"type": "date", "tickformat": _MONTH_TICKS, "hoverformat": _MONTH_TICKS} | (
            {"dtick": "M1"} if months <= 12 else {})
    if axis.kind == "percent":
        return base | {"tickformat": ".1%", "hoverformat": ".2%", "rangemode": "tozero"}
    if axis.kind == "ratio":
        return base | {"tickformat": "~g", "ticksuffix": "×", "rangemode": "tozero"}
    if axis.kind == "number":
        return base | {"tickformat": ",~g"}
    return base | {"type": "category"}


def style_axes(fig: go.Figure, x: Axis, y: Axis, legend: str | None = None) -> go.Figure:
    """The one place every chart's axes are styled: titles with units, compact numbers, dates as dates."""
    fig.update_xaxes(**axis_layout(x))
    fig.update_yaxes(**axis_layout(y))
    if legend is not None:
        fig.update_layout(legend_title_text=legend)
    return fig


# -------------------------------------------------------------------------------------- figures

TYPE_COLORS = {"Short": "#e62117", "Long": "#1f77b4", "Live": "#9467bd", "Upcoming": "#7f7f7f"}
ORDER = {"type": list(metrics.TYPE_ORDER)}
LOG_VIEWS = "Views (log scale)"


def _stack_totals(frame: pd.DataFrame, by: str, value: str) -> pd.Series:
    return frame.groupby(by, sort=False)[value].sum() if not frame.empty else frame[value]


def views_over_time_figure(points: pd.DataFrame) -> go.Figure:
    """Scatter of ``metrics.views_over_time`` (already through ``plot_frame``/``chart_points``)."""
    fig = px.scatter(points, x="published_at", y="views", color="type", log_y=True,
                     render_mode=SCATTER_RENDER_MODE, hover_data=["title", "channel"],
                     color_discrete_map=TYPE_COLORS, category_orders=ORDER,
                     labels={"published_at": "Published (UTC)", "views": "Views", "type": "Type"})
    return style_axes(fig, Axis("Published (UTC)", "date", points["published_at"]),
                      Axis(LOG_VIEWS, "log", points["views"]))


def views_vs_duration_figure(points: pd.DataFrame) -> go.Figure:
    fig = px.scatter(points, x="duration_minutes", y="views", color="type", log_y=True,
                     render_mode=SCATTER_RENDER_MODE, hover_data=["title", "channel"],
                     color_discrete_map=TYPE_COLORS, category_orders=ORDER,
                     labels={"duration_minutes": "Duration (minutes)", "views": "Views", "type": "Type"})
    return style_axes(fig, Axis("Duration (minutes)", "number"), Axis(LOG_VIEWS, "log", points["views"]))


def type_mix_figure(mix: pd.DataFrame) -> go.Figure:
    fig = px.bar(mix, x="channel", y="videos", color="type", hover_data=["share", "views"],
                 color_discrete_map=TYPE_COLORS, category_orders=ORDER,
                 labels={"videos": "Videos", "channel": "Channel", "type": "Type"})
    return style_axes(fig, Axis("Channel", "category"), Axis("Videos", "count", _stack_totals(mix, "channel", "videos")))


def engagement_figure(rates: pd.DataFrame) -> go.Figure:
    fig = px.histogram(rates, x="engagement_rate", color="type", nbins=40,
                       color_discrete_map=TYPE_COLORS, category_orders=ORDER,
                       labels={"engagement_rate": "Engagement", "type": "Type"})
    # the tallest bin is at most every video: a bound good enough to pick whole-number ticks
    return style_axes(fig, Axis("Engagement rate ((likes + comments) / views, %)", "percent"),
                      Axis("Videos", "count", [len(rates)]))


def uploads_per_month_figure(months: pd.DataFrame) -> go.Figure:
    fig = px.bar(months, x="month", y="videos", color="type", color_discrete_map=TYPE_COLORS,
                 category_orders=ORDER, labels={"month": "Month", "videos": "Uploads", "type": "Type"})
    return style_axes(fig, Axis("Month (UTC)", "month", months["month"]),
                      Axis("Uploads", "count", _stack_totals(months, "month", "videos")))


def cadence_figure(heatmap: pd.DataFrame) -> go.Figure:
    fig = px.imshow(heatmap, aspect="auto", color_continuous_scale="Reds",
                    labels={"x": "Hour (UTC)", "y": "Weekday", "color": "Uploads"})
    fig.update_xaxes(dtick=1)
    return style_axes(fig, Axis("Hour of the day (UTC)", "number"), Axis("Weekday", "category"))


def outliers_figure(outliers: pd.DataFrame) -> go.Figure:
    fig = px.bar(outliers, x="outlier_score", y=unique_labels(outliers["title"]), color="channel", orientation="h",
                 hover_data=["views"], labels={"outlier_score": "× channel median", "y": "Video", "channel": "Channel"})
    fig.update_layout(yaxis={"categoryorder": "total ascending"})
    return style_axes(fig, Axis("Views ÷ the channel's median views (×)", "ratio"), Axis("Video", "category"),
                      legend="Channel")


def comparison_figure(comparison: pd.DataFrame) -> go.Figure:
    fig = px.bar(comparison, x="channel", y="median_views", hover_data=["videos", "uploads_per_week"],
                 labels={"median_views": "Median views", "channel": "Channel"})
    return style_axes(fig, Axis("Channel", "category"), Axis("Median views", "count", comparison["median_views"]))


def growth_total_figure(views: pd.DataFrame) -> go.Figure:
    """``growth.channel_views``: each channel's total views at each snapshot."""
    fig = px.line(views, x="taken_at", y="views", color="channel", markers=True, hover_data=["videos"],
                  labels={"taken_at": "Snapshot", "views": "Views", "channel": "Channel"})
    return style_axes(fig, Axis("Snapshot (UTC)", "date", views["taken_at"]), Axis("Views", "count", views["views"]),
                      legend="Channel")


def growth_per_day_figure(gained: pd.DataFrame) -> go.Figure:
    """``growth.channel_gains``: views a channel gained a day since its previous snapshot."""
    fig = px.line(gained, x="taken_at", y="views_per_day", color="channel", markers=True,
                  hover_data=["views_gained", "videos"],
                  labels={"taken_at": "Snapshot", "views_per_day": "Views a day", "channel": "Channel"})
    return style_axes(fig, Axis("Snapshot (UTC)", "date", gained["taken_at"]),
                      Axis("Views a day since the previous snapshot", "rate", gained["views_per_day"]),
                      legend="Channel")


def early_views_figure(early: pd.DataFrame) -> go.Figure:
    """``growth.early_views``: views 7 and 30 days after publication, per video."""
    fig = px.bar(early, x=unique_labels(early["title"]), y="views", color="period", barmode="group",
                 hover_data=["channel", "how"], labels={"x": "Video", "views": "Views", "period": "Period"})
    return style_axes(fig, Axis("Video", "category"), Axis("Views", "count", early["views"]), legend="")
