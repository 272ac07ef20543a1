"""metrics: exact numbers from small hand-computed sets (values, not pictures)."""

from __future__ import annotations

import copy
import math
import random
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

from y2s_core import metrics
from y2s_core.errors import InputError
from y2s_core.models import Video, VideoType

UTC = timezone.utc


def video(
    vid: str,
    when: str,
    vtype: VideoType,
    duration: int | None,
    views: int | None,
    likes: int | None,
    comments: int | None,
    channel: tuple[str, str] = ("UC_A", "Alpha"),
) -> Video:
    return Video(
        id=vid,
        channel_id=channel[0],
        channel_title=channel[1],
        published_at=datetime.fromisoformat(when.replace("Z", "+00:00")),
        title=f"title {vid}",
        duration_seconds=duration,
        type=vtype,
        views=views,
        likes=likes,
        comments=comments,
    )


def row(vid: str, when: str, vtype: str, duration, views, likes, comments, channel=("UC_B", "Beta")) -> dict:
    return {
        "video_id": vid,
        "channel": channel[1],
        "channel_id": channel[0],
        "date": when,
        "type": vtype,
        "duration_seconds": duration,
        "title": f"title {vid}",
        "url": f"https://www.youtube.com/watch?v={vid}",
        "views": views,
        "likes": likes,
        "comments": comments,
        "tags": [],
        "thumbnail": None,
    }


# Alpha (Video objects). 2024-01-01 is a Monday. Span a1 -> a6 is exactly 4 weeks.
ALPHA = [
    video("a1", "2024-01-01T10:00:00Z", VideoType.LONG, 600, 1000, 100, 10),  # Mon 10h, eng 0.11
    video("a2", "2024-01-03T10:30:00Z", VideoType.SHORT, 30, 3000, None, 30),  # Wed 10h, hidden likes: 0.01
    video("a3", "2024-01-06T23:59:59Z", VideoType.LONG, None, 0, 0, 0),  # Sat 23h, zero views: NaN
    video("a4", "2024-01-07T00:00:00Z", VideoType.SHORT, 45, 5000, None, None),  # Sun 0h, both hidden: NaN
    video("a5", "2024-01-15T10:00:00Z", VideoType.LIVE, 3600, 2000, 50, None),  # Mon 10h, eng 0.025
    video("a6", "2024-01-29T10:00:00Z", VideoType.SHORT, 20, None, None, None),  # Mon 10h, views unknown
]
# Beta and Gamma (row dicts, as Video.to_row() / the CLI JSON give them).
BETA = [
    row("b1", "2024-02-05T08:15:00Z", "Short", 50, 100, 10, 0),  # Mon 8h, eng 0.1
    row("b2", "2024-02-12T08:15:00Z", "Long", 900, 300, None, 3),  # Mon 8h, eng 0.01; one week later
]
GAMMA = [row("c1", "2024-03-10T12:00:00+00:00", "Long", 120, None, None, None, channel=("UC_C", "Gamma"))]

ALL = [*ALPHA, *BETA, *GAMMA]


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return metrics.frame(ALL)


def by_id(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("video_id")


def nan(x) -> bool:
    return x is None or pd.isna(x)


# ----------------------------------------------------------------------------------------------- frame


def test_frame_has_documented_columns_and_dtypes(df):
    assert tuple(df.columns) == metrics.FRAME_COLUMNS
    assert str(df["published_at"].dtype) == "datetime64[ns, UTC]"
    for col in ("duration_seconds", "views", "likes", "comments", "weekday", "hour"):
        assert str(df[col].dtype) == "Int64", col
    for col in ("duration_minutes", "engagement_rate", "outlier_score"):
        assert df[col].dtype == "float64", col
    assert len(df) == 9


def test_frame_from_videos_equals_frame_from_their_rows():
    from_videos = metrics.frame(ALPHA)
    from_rows = metrics.frame([v.to_row() for v in ALPHA])
    pd.testing.assert_frame_equal(from_videos, from_rows)


def test_frame_accepts_a_rows_dataframe():
    rows = [v.to_row() for v in ALPHA] + BETA
    pd.testing.assert_frame_equal(metrics.frame(pd.DataFrame(rows)), metrics.frame(rows))


def test_frame_time_fields_are_utc(df):
    d = by_id(df)
    assert d.loc["a1", "published_at"] == pd.Timestamp("2024-01-01T10:00:00Z")
    assert d.loc["a1", "published_at"].date() == date(2024, 1, 1)
    assert (d.loc["a1", "weekday"], d.loc["a1", "weekday_name"], d.loc["a1", "hour"]) == (0, "Monday", 10)
    assert (d.loc["a3", "weekday"], d.loc["a3", "weekday_name"], d.loc["a3", "hour"]) == (5, "Saturday", 23)
    assert (d.loc["c1", "weekday"], d.loc["c1", "weekday_name"], d.loc["c1", "hour"]) == (6, "Sunday", 12)


def test_frame_converts_offsets_to_utc_and_tolerates_bad_dates():
    out = metrics.frame(
        [
            row("x", "2024-01-01T01:30:00+02:00", "Long", 60, 1, 1, 1),  # = Sunday 2023-12-31 23:30 UTC
            row("y", "not a date", "Long", 60, 1, 1, 1),
            row("z", None, "Long", 60, 1, 1, 1),
        ]
    )
    d = by_id(out)
    assert d.loc["x", "published_at"] == pd.Timestamp("2023-12-31T23:30:00Z")
    assert (d.loc["x", "published_at"].date(), d.loc["x", "weekday"], d.loc["x", "hour"]) == (date(2023, 12, 31), 6, 23)
    for vid in ("y", "z"):
        assert pd.isna(d.loc[vid, "published_at"])
        assert pd.isna(d.loc[vid, "weekday"]) and pd.isna(d.loc[vid, "hour"])
    assert int(metrics.cadence_heatmap(out).to_numpy().sum()) == 1


def test_frame_numbers_from_strings_and_blanks():
    out = by_id(metrics.frame([row("s", "2024-01-01T00:00:00Z", "Long", "90", "42", "", None)]))
    assert out.loc["s", "views"] == 42
    assert out.loc["s", "duration_seconds"] == 90
    assert out.loc["s", "duration_minutes"] == 1.5
    assert pd.isna(out.loc["s", "likes"]) and pd.isna(out.loc["s", "comments"])


@pytest.mark.parametrize(
    ("given", "expected"),
    [("Short", "Short"), ("short", "Short"), ("LONG", "Long"), (VideoType.LIVE, "Live"),
     ("upcoming", "Upcoming"), (None, "Unknown"), ("Premiere", "Premiere")],
)  # fmt: skip
def test_frame_normalises_type_labels(given, expected):
    assert metrics.frame([row("t", "2024-01-01T00:00:00Z", given, 1, 1, 1, 1)])["type"][0] == expected


def test_frame_rejects_things_that_are_not_videos():
    with pytest.raises(TypeError, match="Video objects or row dicts"):
        metrics.frame(["a1"])


def test_hidden_likes_stay_missing_never_zero(df):
    d = by_id(df)
    assert d.loc["a2", "likes"] is pd.NA
    assert d.loc["a3", "likes"] == 0  # a real zero stays zero
    assert int(df["likes"].isna().sum()) == 5  # a2, a4, a6, b2, c1


@pytest.mark.parametrize(
    ("views", "likes", "comments", "expected"),
    [
        (1000, 100, 10, 0.11),
        (3000, None, 30, 0.01),  # hidden likes count as 0 ...
        (100, 7, None, 0.07),  # ... and so do comments turned off
        (200, None, 0, 0.0),  # hidden likes, zero comments: a real 0.0
        (0, 0, 0, math.nan),  # zero views
        (0, 5, 5, math.nan),
        (None, 5, 5, math.nan),  # unknown views
        (5000, None, None, math.nan),  # nothing to count
    ],
)
def test_engagement_rate(views, likes, comments, expected):
    rate = metrics.frame([row("e", "2024-01-01T00:00:00Z", "Long", 60, views, likes, comments)])
    got = rate["engagement_rate"][0]
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected)


# --------------------------------------------------------------------------------------------- outlier


def test_outlier_scores_against_channel_median(df):
    # Alpha views with a count: 1000, 3000, 0, 5000, 2000 -> median 2000. Beta: 100, 300 -> 200.
    d = by_id(df)
    expected = {"a1": 0.5, "a2": 1.5, "a3": 0.0, "a4": 2.5, "a5": 1.0, "b1": 0.5, "b2": 1.5}
    for vid, score in expected.items():
        assert d.loc[vid, "outlier_score"] == pytest.approx(score), vid
    assert math.isnan(d.loc["a6", "outlier_score"])  # views unknown
    assert math.isnan(d.loc["c1", "outlier_score"])  # channel has no views at all
    pd.testing.assert_series_equal(metrics.outlier_scores(df), df["outlier_score"])


@pytest.mark.parametrize(
    ("recent", "median"),
    [
        (1, 2000.0),  # a5 (a6 is newer but has no views, so it is skipped)
        (2, 3500.0),  # a5, a4
        (3, 2000.0),  # a5, a4, a3 -> 2000, 5000, 0
        (4, 2500.0),  # + a2 -> 0, 2000, 3000, 5000
        (30, 2000.0),
    ],
)
def test_outlier_scores_use_the_recent_window(df, recent, median):
    scores = metrics.outlier_scores(df, recent=recent)
    alpha = df["channel_id"] == "UC_A"
    known = alpha & df["views"].notna()
    expected = df.loc[known, "views"].astype(float) / median
    pd.testing.assert_series_equal(scores[known], expected, check_names=False)
    assert scores.index.equals(df.index)


def test_outlier_score_is_nan_when_median_is_zero():
    out = metrics.frame(
        [row(f"z{i}", f"2024-01-0{i + 1}T00:00:00Z", "Long", 60, v, 0, 0) for i, v in enumerate([0, 0, 7])]
    )
    assert out["outlier_score"].isna().all()  # median of 0, 0, 7 is 0


def test_outlier_scores_rejects_empty_window(df):
    with pytest.raises(InputError):
        metrics.outlier_scores(df, recent=0)


# ---------------------------------------------------------------------------------------------- charts


def test_headline(df):
    assert metrics.headline(df) == {
        "videos": 9,
        "channels": 3,
        "total_views": 11400,
        "median_views": 1000.0,  # of 0, 100, 300, 1000, 2000, 3000, 5000
        "shorts_share": pytest.approx(4 / 9),  # a2, a4, a6, b1
        "median_engagement": pytest.approx(0.025),  # of 0.01, 0.01, 0.025, 0.1, 0.11
    }


def test_views_over_time(df):
    out = metrics.views_over_time(df)
    assert list(out.columns) == ["published_at", "views", "type", "title", "channel"]
    assert list(out["title"]) == [f"title {v}" for v in ("a1", "a2", "a3", "a4", "a5", "b1", "b2")]
    assert list(out["views"]) == [1000, 3000, 0, 5000, 2000, 100, 300]
    assert out["views"].dtype == "int64"
    assert out["published_at"].is_monotonic_increasing


def test_views_vs_duration(df):
    out = metrics.views_vs_duration(df)
    assert list(out.columns) == ["duration_minutes", "views", "type", "title", "channel"]
    # a3 has no duration, a6 and c1 no views
    assert list(out["title"]) == [f"title {v}" for v in ("a1", "a2", "a4", "a5", "b1", "b2")]
    assert list(out["duration_minutes"]) == pytest.approx([10.0, 0.5, 0.75, 60.0, 50 / 60, 15.0])


def test_type_mix(df):
    out = metrics.type_mix(df)
    assert list(out.columns)[:5] == ["channel", "type", "videos", "views", "share"]
    got = [(r.channel, r.type, r.videos, r.views, round(r.share, 9)) for r in out.itertuples()]
    assert got == [
        ("Alpha", "Short", 3, 8000, 0.5),
        ("Alpha", "Long", 2, 1000, round(1 / 3, 9)),
        ("Alpha", "Live", 1, 2000, round(1 / 6, 9)),
        ("Beta", "Short", 1, 100, 0.5),
        ("Beta", "Long", 1, 300, 0.5),
        ("Gamma", "Long", 1, 0, 1.0),
    ]
    assert out.groupby("channel")["share"].sum().tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_engagement_distribution(df):
    out = metrics.engagement_distribution(df)
    assert list(out.columns) == ["engagement_rate", "type", "channel"]
    assert sorted(out["engagement_rate"]) == pytest.approx([0.01, 0.01, 0.025, 0.1, 0.11])
    assert out["engagement_rate"].notna().all()


def test_top_videos_by_views(df):
    out = metrics.top_videos(df, n=3)
    assert list(out.columns) == [
        "title", "channel", "type", "views", "likes", "comments", "engagement_rate", "url", "published_at",
    ]  # fmt: skip
    assert list(out["title"]) == ["title a4", "title a2", "title a5"]
    assert list(out["views"]) == [5000, 3000, 2000]
    assert out["likes"].isna().tolist() == [True, True, False]  # hidden likes stay <NA>


def test_top_videos_other_rankings(df):
    assert list(metrics.top_videos(df, n=2, by="likes")["title"]) == ["title a1", "title a5"]
    assert list(metrics.top_videos(df, n=2, by="engagement_rate")["title"]) == ["title a1", "title b1"]
    by_score = metrics.top_videos(df, n=1, by="outlier_score")
    assert by_score["title"][0] == "title a4" and by_score["outlier_score"][0] == pytest.approx(2.5)
    assert len(metrics.top_videos(df, n=100)) == 7  # only videos with views
    assert metrics.top_videos(df, n=0).empty
    with pytest.raises(InputError, match="cannot rank"):
        metrics.top_videos(df, by="title")


def test_cadence_heatmap_shape_and_counts(df):
    out = metrics.cadence_heatmap(df)
    assert out.shape == (7, 24)
    assert list(out.index) == list(metrics.WEEKDAYS)
    assert list(out.columns) == list(range(24))
    assert out.loc["Monday", 10] == 3  # a1, a5, a6
    assert out.loc["Monday", 8] == 2  # b1, b2
    assert out.loc["Wednesday", 10] == 1
    assert out.loc["Saturday", 23] == 1
    assert out.loc["Sunday", 0] == 1
    assert out.loc["Sunday", 12] == 1
    assert int(out.to_numpy().sum()) == 9
    assert (out >= 0).all().all()


def test_channel_comparison(df):
    out = metrics.channel_comparison(df).set_index("channel")
    assert list(out.index) == ["Alpha", "Beta", "Gamma"]  # most viewed first
    alpha, beta, gamma = out.loc["Alpha"], out.loc["Beta"], out.loc["Gamma"]
    assert (alpha["videos"], alpha["total_views"], alpha["median_views"]) == (6, 11000, 2000.0)
    assert alpha["median_engagement"] == pytest.approx(0.025)  # of 0.11, 0.01, 0.025
    assert alpha["shorts_share"] == pytest.approx(0.5)
    assert alpha["uploads_per_week"] == pytest.approx(1.25)  # 5 gaps over 4 weeks
    assert alpha["median_duration_minutes"] == pytest.approx(0.75)  # of 1/3, 0.5, 0.75, 10, 60
    assert (beta["videos"], beta["total_views"], beta["median_views"]) == (2, 400, 200.0)
    assert beta["median_engagement"] == pytest.approx(0.055)
    assert beta["uploads_per_week"] == pytest.approx(1.0)
    assert beta["median_duration_minutes"] == pytest.approx((50 / 60 + 15) / 2)
    assert (gamma["videos"], gamma["total_views"], gamma["shorts_share"]) == (1, 0, 0.0)
    assert all(nan(gamma[c]) for c in ("median_views", "median_engagement", "uploads_per_week"))
    assert gamma["median_duration_minutes"] == pytest.approx(2.0)


def test_uploads_per_month_fills_months_and_types(df):
    out = metrics.uploads_per_month(df)
    assert list(out.columns) == ["month", "type", "videos"]
    got = [(r.month.strftime("%Y-%m-%d"), r.type, r.videos) for r in out.itertuples()]
    assert got == [
        ("2024-01-01", "Short", 3), ("2024-01-01", "Long", 2), ("2024-01-01", "Live", 1),
        ("2024-02-01", "Short", 1), ("2024-02-01", "Long", 1), ("2024-02-01", "Live", 0),
        ("2024-03-01", "Short", 0), ("2024-03-01", "Long", 1), ("2024-03-01", "Live", 0),
    ]  # fmt: skip


def test_uploads_per_month_uses_utc_months():
    # 2024-02-01T00:30+01:00 is still January in UTC.
    out = metrics.uploads_per_month(
        metrics.frame([row("m", "2024-02-01T00:30:00+01:00", "Long", 1, 1, 1, 1)])
    )
    assert [(r.month, r.videos) for r in out.itertuples()] == [(pd.Timestamp("2024-01-01"), 1)]


# -------------------------------------------------------------------------------------- empty, purity


def test_empty_frame_has_every_column_and_dtype(df):
    empty = metrics.frame([])
    assert empty.empty and tuple(empty.columns) == metrics.FRAME_COLUMNS
    assert empty.dtypes.to_dict() == df.dtypes.to_dict()


@pytest.mark.parametrize(
    ("func", "columns"),
    [
        (metrics.views_over_time, ["published_at", "views", "type", "title", "channel"]),
        (metrics.views_vs_duration, ["duration_minutes", "views", "type", "title", "channel"]),
        (metrics.type_mix, ["channel", "type", "videos", "views", "share", "channel_id"]),
        (metrics.engagement_distribution, ["engagement_rate", "type", "channel"]),
        (metrics.top_videos, metrics._TOP_COLUMNS),
        (metrics.channel_comparison, [
            "channel", "channel_id", "videos", "total_views", "median_views", "median_engagement",
            "shorts_share", "uploads_per_week", "median_duration_minutes",
        ]),
        (metrics.uploads_per_month, ["month", "type", "videos"]),
    ],
)  # fmt: skip
def test_every_chart_frame_handles_empty_input(df, func, columns):
    out = func(metrics.frame([]))
    assert out.empty and list(out.columns) == columns
    assert out.dtypes.to_dict() == func(df).dtypes.to_dict()  # same dtypes as when filled


def test_empty_headline_heatmap_and_scores():
    empty = metrics.frame([])
    assert metrics.headline(empty) == {
        "videos": 0, "channels": 0, "total_views": 0,
        "median_views": None, "shorts_share": None, "median_engagement": None,
    }  # fmt: skip
    heat = metrics.cadence_heatmap(empty)
    assert heat.shape == (7, 24) and int(heat.to_numpy().sum()) == 0
    assert metrics.outlier_scores(empty).empty


def test_functions_do_not_mutate_inputs(df):
    rows_before = copy.deepcopy(BETA)
    metrics.frame(BETA)
    assert rows_before == BETA
    before = df.copy(deep=True)
    metrics.headline(df)
    for func in (
        metrics.views_over_time, metrics.views_vs_duration, metrics.type_mix, metrics.engagement_distribution,
        metrics.top_videos, metrics.cadence_heatmap, metrics.outlier_scores, metrics.channel_comparison,
        metrics.uploads_per_month,
    ):  # fmt: skip
        func(df)
    pd.testing.assert_frame_equal(df, before)


# ------------------------------------------------------------------------------------------ 20,000 rows


def test_twenty_thousand_videos():
    rng = random.Random(7)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    types = list(VideoType)
    videos = [
        Video(
            id=f"v{i}",
            channel_id=f"UC{i % 5}",
            channel_title=f"Channel {i % 5}",
            published_at=start + timedelta(minutes=rng.randrange(0, 5 * 365 * 24 * 60)),
            title=f"video {i}",
            duration_seconds=rng.randrange(5, 7200),
            type=types[i % 4],
            views=None if i % 10 == 0 else rng.randrange(0, 10**7),
            likes=None if i % 3 == 0 else rng.randrange(0, 10**5),
            comments=rng.randrange(0, 1000),
        )
        for i in range(20_000)
    ]
    big = metrics.frame(videos)
    assert len(big) == 20_000
    assert metrics.headline(big)["videos"] == 20_000
    assert metrics.headline(big)["shorts_share"] == pytest.approx(0.25)
    assert int(metrics.cadence_heatmap(big).to_numpy().sum()) == 20_000
    assert len(metrics.views_over_time(big)) == 18_000
    assert metrics.type_mix(big).groupby("channel")["share"].sum().tolist() == pytest.approx([1.0] * 5)
    assert metrics.channel_comparison(big)["videos"].sum() == 20_000
    assert metrics.uploads_per_month(big)["videos"].sum() == 20_000
    assert len(metrics.top_videos(big, n=10)) == 10
    assert len(metrics.engagement_distribution(big)) == 18_000
    assert big["outlier_score"].notna().sum() == 18_000
