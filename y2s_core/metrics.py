"""Derived metrics and chart-ready DataFrames (no plotting here).

``frame(videos)`` is the one place that turns videos (``Video`` objects or ``Video.to_row()`` dicts) into
a typed DataFrame. Every other function takes that frame and returns a small, tidy frame (or a dict)
that a page hands straight to ``plotly.express`` / ``st.dataframe`` with no pandas logic of its own::

    df = metrics.frame(result.videos)
    px.scatter(metrics.views_over_time(df), x="published_at", y="views", color="type", log_y=True)
    px.imshow(metrics.cadence_heatmap(df))

Rules kept by every function: pure (no I/O, inputs never mutated), vectorized, NA-safe (a hidden like
count is ``<NA>``, never 0, and never counts as 0 views), empty input gives an empty result of the same
shape. Times are UTC. "Channel" means the channel id (falling back to the title when a row has no id).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .models import ROW_FIELDS, Video, VideoType

__all__ = [
    "FRAME_COLUMNS",
    "WEEKDAYS",
    "TYPE_ORDER",
    "frame",
    "headline",
    "views_over_time",
    "views_vs_duration",
    "type_mix",
    "engagement_distribution",
    "top_videos",
    "TOP_BY",
    "cadence_heatmap",
    "outlier_scores",
    "channel_comparison",
    "uploads_per_month",
]

WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TYPE_ORDER: tuple[str, ...] = tuple(t.value for t in VideoType)  # Short, Long, Live, Upcoming
UNKNOWN_TYPE = "Unknown"

# pandas' own string dtype: "str" under pandas 3 (missing = NaN), object under pandas 2.
_STR = pd.Series(["x"]).dtype
_NS_UTC = "datetime64[ns, UTC]"
_TS_MIN = pd.Timestamp.min.tz_localize("UTC")
_TS_MAX = pd.Timestamp.max.tz_localize("UTC")

# the row fields the frame is built from (the row schema, models.ROW_FIELDS), minus the text forms of
# what it holds typed (duration) and the tags; the row's "date" becomes the frame's "published_at"
_FIELDS = tuple(f for f in ROW_FIELDS if f.key not in ("duration", "tags"))
_COLUMN = {"date": "published_at"}

FRAME_COLUMNS: tuple[str, ...] = (
    "video_id", "channel", "channel_id", "published_at", "type", "duration_seconds",
    "duration_minutes", "title", "url", "views", "likes", "comments", "engagement_rate", "weekday",
    "weekday_name", "hour", "outlier_score", "thumbnail",
)  # fmt: skip

TOP_BY: tuple[str, ...] = (
    "views", "likes", "comments", "engagement_rate", "outlier_score",
    "duration_seconds", "duration_minutes", "published_at",
)  # fmt: skip
_TOP_COLUMNS = [
    "title",
    "channel",
    "type",
    "views",
    "likes",
    "comments",
    "engagement_rate",
    "url",
    "published_at",
]


# --------------------------------------------------------------------------------------------- frame


def frame(items: Iterable[Video | Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """One row per video, typed for analysis. Accepts ``Video`` objects, row dicts, or a rows DataFrame.

    Columns:
      video_id, channel (title), channel_id, title, url, thumbnail: strings.
      published_at: upload time (the row's ``date``), ``datetime64[ns, UTC]`` (NaT when missing/unparseable).
      type: "Short" | "Long" | "Live" | "Upcoming" (any other label kept as given; "Unknown" when missing).
      duration_seconds: ``Int64``; duration_minutes: float (NaN when unknown).
      views, likes, comments: ``Int64``; ``<NA>`` when unknown or hidden (never 0 for hidden).
      engagement_rate: (likes + comments) / views, a missing likes or comments counting as 0; NaN when
        views is 0 or unknown, or when both likes and comments are missing.
      weekday: ``Int64`` 0-6 with Monday = 0; weekday_name: "Monday".."Sunday"; hour: ``Int64`` 0-23 (UTC).
      outlier_score: ``outlier_scores(df)`` (views / the channel's recent median views).
    """
    if isinstance(items, pd.DataFrame):
        items = items.to_dict("records")
    cols = _collect(items)
    base = {_COLUMN.get(f.key, f.key): _typed(f.key, f.dtype, cols[f.key]) for f in _FIELDS}
    published, views, likes, comments = base["published_at"], base["views"], base["likes"], base["comments"]
    day = published.dt.day_of_week.astype("Int64")
    names = np.array(WEEKDAYS, dtype=object)[day.fillna(0).to_numpy(dtype="int64")]
    df = pd.DataFrame(
        {
            **base,
            "duration_minutes": _float(base["duration_seconds"]) / 60.0,
            "engagement_rate": _engagement(views, likes, comments),
            "weekday": day,
            "weekday_name": pd.Series(np.where(day.isna().to_numpy(), None, names), dtype=_STR),
            "hour": published.dt.hour.astype("Int64"),
        }
    )
    df["outlier_score"] = outlier_scores(df)
    return df[list(FRAME_COLUMNS)]


def _collect(items: Iterable[Video | Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Column lists, one per row field, from Video objects or row dicts."""
    cols: dict[str, list[Any]] = {f.key: [] for f in _FIELDS}
    for item in items:
        if isinstance(item, Video):
            for f in _FIELDS:
                cols[f.key].append(item.published_at if f.key == "date" else f.get(item))
        elif isinstance(item, Mapping):
            for f in _FIELDS:
                value = item.get(f.key)
                if f.key == "date" and value is None:
                    value = item.get("published_at")
                cols[f.key].append(value)
        else:
            raise TypeError(f"metrics.frame takes Video objects or row dicts, not {type(item).__name__}")
    return cols


def _typed(key: str, dtype: str, values: list[Any]) -> pd.Series:
    """One column of the frame, typed as the row schema says."""
    if dtype == "datetime":
        return _to_utc(values)
    if dtype == "Int64":
        return _to_int(values)
    if key == "type":
        return pd.Series(_type_labels(values), dtype=_STR)
    return pd.Series(values, dtype=_STR)


def _to_utc(values: list[Any]) -> pd.Series:
    """ISO strings / datetimes -> datetime64[ns, UTC]; unparseable or out-of-range -> NaT."""
    ts = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601", errors="coerce")
    ts = ts.where((ts >= _TS_MIN) & (ts <= _TS_MAX))
    return ts.astype(_NS_UTC)


def _to_int(values: list[Any]) -> pd.Series:
    """Numbers or numeric strings -> Int64; None, '', NaN and junk -> <NA> (never 0)."""
    num = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype("float64")
    num = num.where(np.isfinite(num))
    return num.round().astype("Int64")


def _float(s: pd.Series) -> np.ndarray:
    """A numeric (possibly nullable) Series as a float ndarray with NaN for missing."""
    return s.to_numpy(dtype="float64", na_value=np.nan)


def _type_labels(values: list[Any]) -> list[str]:
    cache: dict[Any, str] = {}

    def label(v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
            return UNKNOWN_TYPE
        if isinstance(v, VideoType):
            return v.value
        try:
            return VideoType.parse(str(v)).value
        except ValueError:
            return str(v)

    out = []
    for v in values:
        try:
            out.append(cache[v])
        except KeyError:
            out.append(cache.setdefault(v, label(v)))
        except TypeError:  # unhashable
            out.append(label(v))
    return out


def _engagement(views: pd.Series, likes: pd.Series, comments: pd.Series) -> np.ndarray:
    v, lk, cm = _float(views), _float(likes), _float(comments)
    both_missing = np.isnan(lk) & np.isnan(cm)
    total = np.nan_to_num(lk) + np.nan_to_num(cm)
    ok = (v > 0) & ~both_missing
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, total / v, np.nan)


def _channel_key(df: pd.DataFrame) -> pd.Series:
    """The grouping key for "per channel": channel_id, else the channel title, else ''."""
    return df["channel_id"].fillna(df["channel"]).fillna("").astype(_STR)


def _type_rank(t: Any) -> int:
    """Position of a type label in TYPE_ORDER; unknown labels after the known ones."""
    return TYPE_ORDER.index(t) if t in TYPE_ORDER else len(TYPE_ORDER)


def _none_if_na(x: Any) -> float | None:
    return None if pd.isna(x) else float(x)


# ------------------------------------------------------------------------------------------- metrics


def outlier_scores(df: pd.DataFrame, recent: int = 30) -> pd.Series:
    """How a video did against its channel's norm: views / median views of that channel's ``recent``
    most recent videos that have a view count (by published_at, newest first; undated ones last).

    A score of 3.0 means three times the channel's typical views. NaN when the video's views are unknown
    or the channel's median is missing or 0. Aligned to ``df.index``, named ``outlier_score``.
    """
    if recent < 1:
        raise InputError(f"recent must be at least 1 (got {recent})")
    key = _channel_key(df)
    views = _float(df["views"])
    has = ~np.isnan(views)
    known = pd.DataFrame({"key": key[has], "published_at": df["published_at"][has], "views": views[has]})
    known = known.sort_values("published_at", ascending=False, na_position="last", kind="stable")
    medians = known.groupby("key", sort=False).head(recent).groupby("key", sort=False)["views"].median()
    median = key.map(medians).to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(median > 0, views / median, np.nan)
    return pd.Series(scores, index=df.index, name="outlier_score", dtype="float64")


def headline(df: pd.DataFrame) -> dict[str, Any]:
    """Figures for the metric tiles (plain Python numbers).

    videos: row count; channels: distinct channels; total_views: sum of known views (0 when none);
    median_views: median of known views (None when none); shorts_share: fraction of videos that are
    Shorts (None when no videos); median_engagement: median engagement_rate (None when none).
    """
    n = len(df)
    return {
        "videos": n,
        "channels": int(_channel_key(df).nunique()),
        "total_views": int(df["views"].sum()),
        "median_views": _none_if_na(df["views"].median()),
        "shorts_share": float((df["type"] == VideoType.SHORT.value).mean()) if n else None,
        "median_engagement": _none_if_na(df["engagement_rate"].median()),
    }


def views_over_time(df: pd.DataFrame) -> pd.DataFrame:
    """Scatter of views against upload time (use a log y axis, colour by type).

    Columns: published_at (UTC), views (int64), type, title, channel. Only videos with both a date and a
    view count, oldest first. Videos with 0 views are kept (a log axis just doesn't draw them).
    """
    cols = ["published_at", "views", "type", "title", "channel"]
    mask = df["views"].notna() & df["published_at"].notna()
    out = df.loc[mask, cols].sort_values("published_at", kind="stable").reset_index(drop=True)
    return out.astype({"views": "int64"})


def views_vs_duration(df: pd.DataFrame) -> pd.DataFrame:
    """Scatter of views against length.

    Columns: duration_minutes (float), views (int64), type, title, channel. Only videos with both.
    """
    cols = ["duration_minutes", "views", "type", "title", "channel"]
    mask = df["views"].notna() & df["duration_minutes"].notna()
    return df.loc[mask, cols].reset_index(drop=True).astype({"views": "int64"})


def type_mix(df: pd.DataFrame) -> pd.DataFrame:
    """What each channel publishes, for a stacked bar.

    Columns: channel (title), type, videos (count), views (sum of known views, int64), share (this type's
    fraction of the channel's videos; sums to 1 per channel), channel_id. Sorted by channel, then type
    (Short, Long, Live, Upcoming, others).
    """
    work = pd.DataFrame(
        {"key": _channel_key(df), "channel": df["channel"], "channel_id": df["channel_id"],
         "type": df["type"], "views": df["views"]}
    )  # fmt: skip
    g = work.groupby(["key", "type"], sort=False)
    out = pd.DataFrame(
        {
            "channel": g["channel"].first(),
            "videos": g.size(),
            "views": g["views"].sum(),
            "channel_id": g["channel_id"].first(),
        }
    ).reset_index()
    out["share"] = out["videos"] / out.groupby("key")["videos"].transform("sum")
    out = out.assign(_rank=out["type"].map(_type_rank))
    out = out.sort_values(["channel", "key", "_rank", "type"], kind="stable")
    out = out[["channel", "type", "videos", "views", "share", "channel_id"]].reset_index(drop=True)
    return out.astype(
        {
            "channel": _STR,
            "type": _STR,
            "videos": "int64",
            "views": "int64",
            "share": "float64",
            "channel_id": _STR,
        }
    )


def engagement_distribution(df: pd.DataFrame) -> pd.DataFrame:
    """Histogram / box of engagement.

    Columns: engagement_rate (float, (likes + comments) / views), type, channel. Only videos with a rate.
    """
    cols = ["engagement_rate", "type", "channel"]
    return df.loc[df["engagement_rate"].notna(), cols].reset_index(drop=True)


def top_videos(df: pd.DataFrame, n: int = 10, by: str = "views") -> pd.DataFrame:
    """The ``n`` best videos by ``by`` (one of ``TOP_BY``), highest first; ties keep frame order.

    Columns: title, channel, type, views, likes, comments (Int64, <NA> when hidden), engagement_rate,
    url, published_at, plus the ``by`` column when it isn't one of these. Videos missing ``by`` are left out.
    """
    if by not in TOP_BY:
        raise InputError(f"cannot rank videos by {by!r}; use one of: {', '.join(TOP_BY)}")
    cols = _TOP_COLUMNS + ([by] if by not in _TOP_COLUMNS else [])
    ranked = df.loc[df[by].notna()].sort_values(by, ascending=False, kind="stable")
    return ranked.head(max(int(n), 0))[cols].reset_index(drop=True)


def cadence_heatmap(df: pd.DataFrame) -> pd.DataFrame:
    """Upload counts by weekday and hour (UTC), always 7 x 24, zeros filled.

    Index ``weekday``: "Monday".."Sunday"; columns ``hour``: 0..23; values: int64 video counts.
    Videos without a date are not counted.
    """
    mask = (df["weekday"].notna() & df["hour"].notna()).to_numpy()
    cell = df["weekday"].to_numpy(dtype="float64", na_value=np.nan)[mask] * 24
    cell = (cell + df["hour"].to_numpy(dtype="float64", na_value=np.nan)[mask]).astype("int64")
    counts = np.bincount(cell, minlength=7 * 24).reshape(7, 24)
    return pd.DataFrame(
        counts,
        index=pd.Index(list(WEEKDAYS), name="weekday", dtype=_STR),
        columns=pd.RangeIndex(24, name="hour"),
    )


def channel_comparison(df: pd.DataFrame) -> pd.DataFrame:
    """One row per channel, most viewed first.

    Columns: channel (title), channel_id, videos (count), total_views (sum of known views, int64),
    median_views, median_engagement, shorts_share (fraction of the channel's videos that are Shorts),
    uploads_per_week ((dated videos - 1) / weeks between the first and the last upload, i.e. the average
    upload rate; NaN with fewer than 2 dated videos or a zero span), median_duration_minutes. Medians
    skip unknown values and are NaN when there are none.
    """
    work = pd.DataFrame(
        {
            "key": _channel_key(df),
            "channel": df["channel"],
            "channel_id": df["channel_id"],
            "views": df["views"],
            "views_f": _float(df["views"]),
            "rate": df["engagement_rate"],
            "short": (df["type"] == VideoType.SHORT.value).astype("float64"),
            "published_at": df["published_at"],
            "minutes": df["duration_minutes"],
        }
    )
    g = work.groupby("key", sort=False)
    dated = g["published_at"].count()
    weeks = (g["published_at"].max() - g["published_at"].min()) / pd.Timedelta(weeks=1)
    weeks = weeks.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_week = ((dated - 1) / weeks).where((dated >= 2) & (weeks > 0))
    out = pd.DataFrame(
        {
            "channel": g["channel"].first(),
            "channel_id": g["channel_id"].first(),
            "videos": g.size(),
            "total_views": g["views"].sum(),
            "median_views": g["views_f"].median(),
            "median_engagement": g["rate"].median(),
            "shorts_share": g["short"].mean(),
            "uploads_per_week": per_week,
            "median_duration_minutes": g["minutes"].median(),
        }
    )
    out = out.astype(
        {
            "channel": _STR, "channel_id": _STR, "videos": "int64", "total_views": "int64",
            "median_views": "float64", "median_engagement": "float64", "shorts_share": "float64",
            "uploads_per_week": "float64", "median_duration_minutes": "float64",
        }
    )  # fmt: skip
    out = out.sort_values(["total_views", "channel"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def uploads_per_month(df: pd.DataFrame) -> pd.DataFrame:
    """Monthly upload counts per type, for a stacked bar or line chart.

    Columns: month (first day of the UTC calendar month, naive ``datetime64[ns]``), type, videos (int64).
    Every month from the first to the last upload appears for every type present (0 when none), so a
    line chart shows gaps as zeros. Sorted by month, then type. Videos without a date are not counted.
    """
    dated = df.loc[df["published_at"].notna(), ["published_at", "type"]]
    month = dated["published_at"].dt.tz_convert(None).dt.to_period("M").dt.to_timestamp()
    counts = pd.DataFrame({"month": month, "type": dated["type"]}).groupby(["month", "type"]).size()
    if counts.empty:
        return pd.DataFrame(
            {"month": pd.Series(dtype="datetime64[ns]"), "type": pd.Series(dtype=_STR),
             "videos": pd.Series(dtype="int64")}
        )  # fmt: skip
    months = pd.date_range(month.min(), month.max(), freq="MS")
    present = dated["type"].unique()
    types = sorted(present, key=lambda t: (_type_rank(t), str(t)))
    full = pd.MultiIndex.from_product([months, types], names=["month", "type"])
    out = counts.reindex(full, fill_value=0).rename("videos").reset_index()
    return out.astype({"month": "datetime64[ns]", "type": _STR, "videos": "int64"})
