"""Growth from stat snapshots: chart-ready DataFrames (no plotting, no I/O).

Every fetch appends one snapshot per video to the store (``store.Store.history`` reads them back).
``snapshot_frame(records)`` types them once; every other function takes that frame and returns a small
tidy frame that a page hands to ``plotly.express`` / ``st.dataframe`` as is::

    snaps = growth.snapshot_frame(store.history([channel_id]))
    px.line(growth.channel_views(snaps), x="taken_at", y="views", color="channel")
    growth.top_risers(snaps, n=10)

Rules (as in ``metrics``): pure, inputs never mutated, NA-safe (an unknown count is ``<NA>`` and never
counts as 0), empty input gives an empty frame of the same columns, times are UTC. A view count can go
down (YouTube removes spam views): a gain may be negative, and is shown as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "SNAPSHOT_COLUMNS",
    "snapshot_frame",
    "gains",
    "channel_gains",
    "top_risers",
    "channel_views",
    "early_views",
    "views_gained",
]

SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "video_id", "channel_id", "channel", "title", "published_at", "taken_at", "views", "likes", "comments",
)  # fmt: skip
_COUNTS = ("views", "likes", "comments")
_TIMES = ("published_at", "taken_at")
_DAY = pd.Timedelta(days=1)
_STR = pd.Series(["x"]).dtype  # pandas' own string dtype (as in metrics)


def _days(delta: pd.Series) -> pd.Series:
    return delta / _DAY


def snapshot_frame(records: Iterable[Any] | Mapping[str, Sequence[Any]] | pd.DataFrame) -> pd.DataFrame:
    """Snapshots -> a typed frame: ``store.SnapshotRecord`` objects, dicts with ``SNAPSHOT_COLUMNS``, or
    columns (``Store.history_columns``: column -> list; times as datetimes or ISO text, naive = UTC).

    Strings for ids and titles, UTC timestamps for published_at and taken_at, ``Int64`` counts; sorted by
    taken_at then video_id. Duplicate (video_id, taken_at) pairs are kept once (the last).
    """
    if isinstance(records, pd.DataFrame):
        cols: Mapping[str, Sequence[Any]] = {c: records[c].tolist() for c in SNAPSHOT_COLUMNS}
    elif isinstance(records, Mapping):
        cols = records
    else:
        items = list(records)
        get = (lambda r, c: r.get(c)) if items and isinstance(items[0], Mapping) else getattr
        cols = {c: [get(r, c) for r in items] for c in SNAPSHOT_COLUMNS}
    df = pd.DataFrame({
        **{c: pd.Series(list(cols[c]), dtype=_STR) for c in ("video_id", "channel_id", "channel", "title")},
        **{c: pd.to_datetime(pd.Series(list(cols[c]), dtype=object), utc=True, format="ISO8601") for c in _TIMES},
        **{c: pd.Series(pd.array(list(cols[c]), dtype="Int64")) for c in _COUNTS},
    })
    df = df.drop_duplicates(["video_id", "taken_at"], keep="last")
    return df.sort_values(["taken_at", "video_id"], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------------------- gains

_GAIN_COLUMNS = ["video_id", "channel_id", "channel", "title", "previous_at", "taken_at", "days", "views",
                 "views_gained", "views_per_day"]


def gains(snaps: pd.DataFrame) -> pd.DataFrame:
    """Views gained per day since the previous snapshot: one row per snapshot that has a previous one.

    days: time between the two snapshots; views_gained: views now minus views then; views_per_day:
    views_gained / days. Pairs with an unknown view count, or taken at the same moment, are left out.
    """
    df = snaps.sort_values(["video_id", "taken_at"], kind="stable")
    prev = df.groupby("video_id", sort=False)[["taken_at", "views"]].shift()
    out = df.assign(previous_at=prev["taken_at"], previous_views=prev["views"])
    out = out[out["previous_at"].notna() & out["views"].notna() & out["previous_views"].notna()]
    out = out.assign(days=_days(out["taken_at"] - out["previous_at"]))
    out = out[out["days"] > 0]
    gained = (out["views"] - out["previous_views"]).astype("Int64")
    out = out.assign(views_gained=gained, views_per_day=gained.astype("float64") / out["days"])
    return out[_GAIN_COLUMNS].sort_values(["taken_at", "video_id"], kind="stable").reset_index(drop=True)


def channel_gains(snaps: pd.DataFrame) -> pd.DataFrame:
    """Per channel and snapshot moment: the views its videos gained a day since their previous snapshot.

    Columns: channel_id, channel, taken_at, videos (with a previous snapshot), views_gained (sum),
    views_per_day (sum of each video's rate: the channel's daily gain over that interval).
    """
    g = gains(snaps)
    cols = ["channel_id", "channel", "taken_at", "videos", "views_gained", "views_per_day"]
    if g.empty:
        return _empty(cols)
    out = (g.groupby(["channel_id", "taken_at"], sort=True)
           .agg(channel=("channel", "last"), videos=("video_id", "size"), views_gained=("views_gained", "sum"),
                views_per_day=("views_per_day", "sum"))
           .reset_index())
    out["views_gained"] = out["views_gained"].astype("Int64")
    return out[cols]


def top_risers(snaps: pd.DataFrame, n: int = 10, days: float = 7) -> pd.DataFrame:
    """The ``n`` videos that gained the most views a day over (about) the last ``days`` of snapshots.

    For each video: its latest snapshot against the latest one taken at least ``days`` before it, or,
    with no snapshot that old, its earliest one (so a week-old store still ranks). Columns: video_id,
    channel, title, published_at, views, views_gained, days, views_per_day; best first.
    """
    cols = ["video_id", "channel_id", "channel", "title", "published_at", "views", "views_gained", "days",
            "views_per_day"]
    known = snaps[snaps["views"].notna()].sort_values(["taken_at", "video_id"], kind="stable")
    if known.empty:
        return _empty(cols)
    latest = known.groupby("video_id", sort=False).tail(1)
    first = known.groupby("video_id", sort=False).head(1).set_index("video_id")
    targets = latest.assign(target=latest["taken_at"] - pd.Timedelta(days=days)).sort_values("target")
    right = known[["video_id", "taken_at", "views"]].rename(columns={"taken_at": "base_at", "views": "base_views"})
    base = pd.merge_asof(targets, right.sort_values("base_at"), left_on="target", right_on="base_at",
                         by="video_id", direction="backward")
    base["base_at"] = base["base_at"].fillna(base["video_id"].map(first["taken_at"]))  # none that old: the first
    base["base_views"] = base["base_views"].fillna(base["video_id"].map(first["views"]))
    base = base.assign(days=_days(base["taken_at"] - base["base_at"]))
    base = base[base["days"] > 0]
    gained = (base["views"] - base["base_views"]).astype("Int64")
    base = base.assign(views_gained=gained, views_per_day=gained.astype("float64") / base["days"])
    base = base.sort_values(["views_per_day", "views"], ascending=False, kind="stable")
    return base[cols].head(n).reset_index(drop=True)


def channel_views(snaps: pd.DataFrame) -> pd.DataFrame:
    """A channel's total views over time: at each snapshot moment, the sum of its videos' latest known views.

    A video missing from a fetch (a filtered or partial fetch) counts with its last known views; a video
    not seen yet counts nothing (so a jump can mean newly seen videos: ``videos`` says how many count).
    Columns: channel_id, channel, taken_at, views, videos.
    """
    cols = ["channel_id", "channel", "taken_at", "views", "videos"]
    known = snaps[snaps["views"].notna()].sort_values(["video_id", "taken_at"], kind="stable")
    if known.empty:
        return _empty(cols)
    # each snapshot adds its change since the video's previous one (a first snapshot: all its views);
    # a channel's running sum of those changes is the sum of its videos' latest known views
    previous = known.groupby("video_id", sort=False)["views"].shift()
    firsts = previous.isna()
    steps = known.assign(delta=(known["views"] - previous.fillna(0)).astype("int64"), new=firsts.astype("int64"))
    per = (steps.groupby(["channel_id", "taken_at"], sort=True)
           .agg(channel=("channel", "last"), delta=("delta", "sum"), new=("new", "sum")).reset_index())
    by_channel = per.groupby("channel_id", sort=False)
    out = per.assign(views=by_channel["delta"].cumsum().astype("Int64"), videos=by_channel["new"].cumsum().astype("int64"))
    out["channel"] = out.groupby("channel_id", sort=False)["channel"].transform("last")
    return out[cols].reset_index(drop=True)


# ----------------------------------------------------------------------------------- early views

_EARLY_COLUMNS = ["video_id", "channel", "title", "published_at", "days", "period", "views", "how"]


def early_views(snaps: pd.DataFrame, days: Sequence[int] = (7, 30), limit: int | None = None) -> pd.DataFrame:
    """Each video's views ``d`` days after publication, for each ``d`` in ``days``, from the snapshots.

    How it is approximated (``how``): "interpolated" linearly in time between the last snapshot before
    publication + d and the first after it, when those two are at most d days apart (an exact hit is the
    snapshot itself); else "nearest": the snapshot closest to publication + d when within max(1 day,
    15% of d) of it. Otherwise the video has no figure for d (too little history) and no row. ``limit``:
    keep the most recently published videos that have a figure. Long form: video_id, channel, title,
    published_at, days, period ("first 7 days"), views, how.
    """
    known = snaps[snaps["views"].notna() & snaps["published_at"].notna()]
    found = []
    for d in days:
        if known.empty:
            break
        span = pd.Timedelta(days=d)
        tolerance = max(_DAY, span * 0.15)
        per_video = known.groupby("video_id", sort=False).tail(1)[["video_id", "channel", "title", "published_at"]]
        per_video = per_video.assign(target=per_video["published_at"] + span).sort_values("target")
        right = known[["video_id", "taken_at", "views"]].sort_values("taken_at")
        before = pd.merge_asof(per_video, right, left_on="target", right_on="taken_at", by="video_id",
                               direction="backward")
        after = pd.merge_asof(per_video, right, left_on="target", right_on="taken_at", by="video_id",
                              direction="forward")  # same rows in the same order as ``before``
        tb, vb = before["taken_at"], before["views"].astype("float64")
        ta, va = after["taken_at"], after["views"].astype("float64")
        target = before["target"]
        both = tb.notna() & ta.notna() & ((ta - tb) <= span)
        width = _days(ta - tb).where(both & (ta > tb))
        frac = (_days(target - tb) / width).fillna(0.0)
        interpolated = vb + (va - vb) * frac
        gap_b, gap_a = (target - tb).abs(), (ta - target).abs()
        take_before = tb.notna() & (ta.isna() | (gap_b <= gap_a))
        nearest_views = vb.where(take_before, va)
        nearest_gap = gap_b.where(take_before, gap_a)
        near = ~both & nearest_gap.notna() & (nearest_gap <= tolerance)
        views = interpolated.where(both, nearest_views.where(near))
        how = pd.Series(np.where(both, "interpolated", np.where(near, "nearest", "")), index=before.index)
        rows = before.assign(days=int(d), period=f"first {int(d)} days", views=views.round(), how=how)
        found.append(rows[views.notna()])
    if not found or all(f.empty for f in found):
        return _empty(_EARLY_COLUMNS, days="int64")
    out = pd.concat([f for f in found if not f.empty], ignore_index=True)
    out = out.assign(views=out["views"].astype("int64").astype("Int64"), how=out["how"].astype(_STR),
                     period=out["period"].astype(_STR))
    if limit is not None:
        newest = (out.drop_duplicates("video_id").sort_values("published_at", ascending=False)["video_id"]
                  .head(limit))
        out = out[out["video_id"].isin(set(newest))]
    out = out.sort_values(["published_at", "days"], ascending=[False, True], kind="stable")
    return out[_EARLY_COLUMNS].reset_index(drop=True)


# ------------------------------------------------------------------------------------- sheet column


def views_gained(snaps: pd.DataFrame, days: float = 7) -> dict[str, int]:
    """The "Views gained (7 d)" sheet column: per video id, the views gained over the ``days`` before its
    latest snapshot.

    A video published within those days: all its views. Otherwise the snapshot closest to ``days``
    before the latest (within max(1 day, 2/7 of ``days``) of that moment) is the baseline, and the gain is
    scaled to exactly ``days`` (a baseline 8 days old: gain x 7/8), rounded. No such snapshot: no value
    (the video is left out), never a guess.
    """
    known = snaps[snaps["views"].notna()].sort_values(["taken_at", "video_id"], kind="stable")
    if known.empty:
        return {}
    span = pd.Timedelta(days=days)
    tolerance = max(_DAY, span * 2 / 7)
    latest = known.groupby("video_id", sort=False).tail(1)
    targets = latest.assign(target=latest["taken_at"] - span).sort_values("target")
    right = known[["video_id", "taken_at", "views"]].rename(columns={"taken_at": "base_at", "views": "base_views"})
    base = pd.merge_asof(targets, right.sort_values("base_at"), left_on="target", right_on="base_at", by="video_id",
                         direction="nearest", tolerance=tolerance)
    out: dict[str, int] = {}
    for row in base.itertuples(index=False):
        if pd.notna(row.published_at) and row.published_at >= row.target:
            out[row.video_id] = int(row.views)
        elif pd.notna(row.base_at) and row.base_at < row.taken_at:
            elapsed = (row.taken_at - row.base_at) / _DAY
            out[row.video_id] = int(round((int(row.views) - int(row.base_views)) * days / elapsed))
    return out


_DTYPES = {"taken_at": "datetime64[ns, UTC]", "published_at": "datetime64[ns, UTC]",
           "previous_at": "datetime64[ns, UTC]", "views": "Int64", "views_gained": "Int64", "likes": "Int64",
           "comments": "Int64", "videos": "int64", "days": "float64", "views_per_day": "float64"}


def _empty(columns: Sequence[str], **dtypes: str) -> pd.DataFrame:
    """An empty frame with these columns, typed as the filled one would be."""
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, _DTYPES.get(c, _STR))) for c in columns})
