"""Growth frames from stat snapshots: hand-built snapshot sequences with known answers, and the same frames
from snapshots the store recorded (SQLite and PostgreSQL)."""

# ruff: noqa: F811  (the store_backends fixtures are imported, then named as arguments)
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from y2s_core import growth
from y2s_core.models import Channel, FetchResult, Video, VideoType
from y2s_core.store import Store

from .store_backends import backend_url, postgres_server  # noqa: F401 (fixtures)

T = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
D = timedelta(days=1)
LONG_AGO = T - 400 * D


def snap(video: str, at: datetime, views: int | None, *, channel: str = "UCx", published: datetime = LONG_AGO,
         title: str | None = None) -> dict:
    return {"video_id": video, "channel_id": channel, "channel": f"Chan {channel}", "title": title or f"T {video}",
            "published_at": published, "taken_at": at, "views": views, "likes": None, "comments": 1}


def test_the_snapshot_frame_is_typed_sorted_and_deduplicated():
    df = growth.snapshot_frame([snap("b", T, 5), snap("a", T, None), snap("a", T - D, 3), snap("a", T, 4)])
    assert list(df.columns) == list(growth.SNAPSHOT_COLUMNS)
    assert [(r.video_id, r.views) for r in df.itertuples()] == [("a", 3), ("a", 4), ("b", 5)]  # last of a dup
    assert str(df["views"].dtype) == "Int64" and str(df["taken_at"].dt.tz) == "UTC"
    assert df["likes"].isna().all()  # unknown stays unknown, never 0


def test_views_gained_per_day_since_the_previous_snapshot():
    s = growth.snapshot_frame([snap("a", T, 100), snap("a", T + D, 300), snap("a", T + 3 * D, 700),
                               snap("b", T, 50), snap("b", T + D, None), snap("b", T + 3 * D, 80)])
    g = growth.gains(s)
    assert [(r.video_id, r.taken_at, r.views_gained, r.days, r.views_per_day) for r in g.itertuples()] == [
        ("a", T + D, 200, 1.0, 200.0), ("a", T + 3 * D, 400, 2.0, 200.0),
    ]  # b's pairs each have an unknown count: no gain is made up
    c = growth.channel_gains(s)
    assert [(r.taken_at, r.videos, r.views_gained, r.views_per_day) for r in c.itertuples()] == [
        (T + D, 1, 200, 200.0), (T + 3 * D, 1, 400, 200.0)]


def test_a_channels_daily_gain_sums_its_videos_rates_and_a_drop_stays_negative():
    s = growth.snapshot_frame([snap("a", T, 100), snap("a", T + 2 * D, 300), snap("b", T, 1000),
                               snap("b", T + 2 * D, 990), snap("c", T, 5, channel="UCy"), snap("c", T + D, 6, channel="UCy")])
    c = growth.channel_gains(s)
    assert [(r.channel_id, r.videos, r.views_gained, r.views_per_day) for r in c.itertuples()] == [
        ("UCx", 2, 190, 95.0), ("UCy", 1, 1, 1.0)]  # YouTube removing spam views: b lost 10


def test_top_risers_rank_by_views_a_day_over_the_last_week():
    s = growth.snapshot_frame([
        snap("a", T, 1000), snap("a", T + 7 * D, 1700), snap("a", T + 10 * D, 2000),  # vs day 0: 100 a day
        snap("b", T + 9 * D, 50), snap("b", T + 10 * D, 250),  # only a day of history: its first, 200 a day
        snap("c", T + 10 * D, 10**6),  # one snapshot: no rate
    ])
    r = growth.top_risers(s, n=5, days=7)
    assert [(x.video_id, x.views_gained, x.days, x.views_per_day) for x in r.itertuples()] == [
        ("b", 200, 1.0, 200.0), ("a", 1000, 10.0, 100.0)]
    assert list(growth.top_risers(s, n=1)["video_id"]) == ["b"]


def test_a_channels_total_views_carry_a_video_missing_from_a_fetch():
    s = growth.snapshot_frame([snap("a", T, 100), snap("a", T + D, 150), snap("b", T + D, 10), snap("b", T + 2 * D, 20),
                               snap("z", T, 7, channel="UCy")])
    v = growth.channel_views(s)
    assert [(r.channel_id, r.taken_at, r.views, r.videos) for r in v.itertuples()] == [
        ("UCx", T, 100, 1), ("UCx", T + D, 160, 2), ("UCx", T + 2 * D, 170, 2),  # a: its last known 150
        ("UCy", T, 7, 1)]


def test_first_7_and_30_day_views_are_interpolated_or_taken_from_a_near_snapshot():
    p = T - 60 * D
    s = growth.snapshot_frame([
        snap("a", p + 5 * D, 500, published=p), snap("a", p + 9 * D, 900, published=p),  # 7 d: 700, interpolated
        snap("a", p + 29 * D, 2000, published=p),  # 30 d: 1 day away (within 4.5 d): nearest
        snap("b", p + 2 * D, 10, published=p), snap("b", p + 20 * D, 90, published=p),  # too far apart / away
        snap("c", p + 7 * D, 42, published=p + D), snap("c", p + 8 * D, 43, published=p + D),  # 7 d: exactly 43
    ])
    e = growth.early_views(s)
    got = {(r.video_id, r.days): (r.views, r.how) for r in e.itertuples()}
    assert got == {("a", 7): (700, "interpolated"), ("a", 30): (2000, "nearest"), ("c", 7): (43, "interpolated")}
    assert set(e["period"]) == {"first 7 days", "first 30 days"}
    assert list(growth.early_views(s, limit=1)["video_id"].unique()) == ["c"]  # the newest video with a figure


def test_views_gained_over_7_days_for_the_sheet_column():
    s = growth.snapshot_frame([
        snap("a", T - 8 * D, 1000), snap("a", T - D, 1500), snap("a", T, 1800),  # base 8 d old: 800 x 7/8
        snap("b", T, 400, published=T - 3 * D),  # published within the week: all its views
        snap("c", T - 2 * D, 5), snap("c", T, 9),  # no snapshot about a week old: no value, not a guess
        snap("d", T - 6 * D, 100), snap("d", T, 170),  # base 6 d old: 70 x 7/6
        snap("e", T - 7 * D, None), snap("e", T, 50),  # an unknown count is no base
    ])
    assert growth.views_gained(s) == {"a": 700, "b": 400, "d": 82}


@pytest.mark.parametrize("fn", [growth.gains, growth.channel_gains, growth.top_risers, growth.channel_views,
                                growth.early_views])
def test_no_snapshots_give_empty_frames_of_the_same_columns(fn):
    empty = fn(growth.snapshot_frame([]))
    one = fn(growth.snapshot_frame([snap("a", T, 1)]))
    assert empty.empty and list(empty.columns) == list(one.columns)
    assert growth.views_gained(growth.snapshot_frame([])) == {}


def test_the_stored_snapshots_give_the_same_frames(backend_url):
    store = Store(backend_url)
    ch = Channel(id="UCx", title="Chan UCx", handle="@x", uploads_playlist_id="UUx")

    def fetch(at: datetime, views: dict[str, int]) -> None:
        videos = tuple(Video(id=v, channel_id="UCx", channel_title="Chan UCx", published_at=LONG_AGO, title=f"T {v}",
                             duration_seconds=60, type=VideoType.LONG, views=n) for v, n in views.items())
        store.record_fetch(FetchResult(videos=videos, channels=(ch,)), now=at)

    fetch(T, {"a": 100, "b": 1000})
    fetch(T + D, {"a": 300, "b": 1010})
    fetch(T + 3 * D, {"a": 700})
    s = growth.snapshot_frame(store.history(["UCx"]))
    assert [(r.video_id, r.views_gained, r.views_per_day) for r in growth.gains(s).itertuples()] == [
        ("a", 200, 200.0), ("b", 10, 10.0), ("a", 400, 200.0)]
    assert list(growth.channel_views(s)["views"]) == [1100, 1310, 1710]
    assert list(growth.top_risers(s)["video_id"]) == ["a", "b"]
    pd.testing.assert_frame_equal(s, growth.snapshot_frame(s))  # a typed frame goes through unchanged
    # the columnar read (what the app draws from) gives the very same frame
    pd.testing.assert_frame_equal(s, growth.snapshot_frame(store.history_columns(["UCx"])))
    one = growth.snapshot_frame(store.history_columns(["UCx"], video_id="b"))
    assert list(one["views"]) == [1000, 1010] and str(one["taken_at"].dt.tz) == "UTC"
