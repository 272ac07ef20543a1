"""filters: predicates at their boundaries, per-channel newest-N, text parsing and validation messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from y2s_core.errors import InputError
from y2s_core.filters import FilterSpec, format_keywords, parse_keywords, parse_user_duration
from y2s_core.models import Video, VideoType

UTC = timezone.utc
BASE = Video(
    id="aaaaaaaaaaa",
    channel_id="UCaaaaaaaaaaaaaaaaaaaaaa",
    channel_title="Channel A",
    published_at=datetime(2025, 1, 15, 12, 0, tzinfo=UTC),
    title="Plain title",
    duration_seconds=300,
    type=VideoType.LONG,
    tags=(),
)


def video(**changes: Any) -> Video:
    return replace(BASE, **changes)


def at(*args: int, tz: timezone = UTC) -> datetime:
    return datetime(*args, tzinfo=tz)


PREDICATES = [
    # durations, inclusive; unknown duration fails any bound
    ({"min_duration": 60}, {"duration_seconds": 60}, True),
    ({"min_duration": 60}, {"duration_seconds": 59}, False),
    ({"min_duration": 60}, {"duration_seconds": None}, False),
    ({"max_duration": 60}, {"duration_seconds": 60}, True),
    ({"max_duration": 60}, {"duration_seconds": 61}, False),
    ({"max_duration": 60}, {"duration_seconds": 0}, True),
    ({"min_duration": 60, "max_duration": 60}, {"duration_seconds": 60}, True),
    ({}, {"duration_seconds": None}, True),
    # dates: the UTC calendar date, inclusive
    ({"since": date(2025, 1, 1)}, {"published_at": at(2025, 1, 1, 0, 0)}, True),
    ({"since": date(2025, 1, 1)}, {"published_at": at(2024, 12, 31, 23, 59, 59)}, False),
    (
        {"since": date(2025, 1, 1)},
        {"published_at": at(2025, 1, 1, 1, 0, tz=timezone(timedelta(hours=5)))},
        False,
    ),
    ({"until": date(2025, 1, 31)}, {"published_at": at(2025, 1, 31, 23, 59, 59)}, True),
    ({"until": date(2025, 1, 31)}, {"published_at": at(2025, 2, 1, 0, 0)}, False),
    (
        {"until": date(2025, 1, 31)},
        {"published_at": at(2025, 1, 31, 22, 0, tz=timezone(timedelta(hours=-5)))},
        False,
    ),
    ({"since": date(2025, 1, 15), "until": date(2025, 1, 15)}, {}, True),
    ({"since": datetime(2025, 1, 15, 23, 0, tzinfo=UTC)}, {}, True),  # a datetime bound means its date
    # keywords: case-insensitive whole words/phrases in the title
    ({"include": ("ai",)}, {"title": "AI News this week"}, True),
    ({"include": ("ai",)}, {"title": "She said nothing"}, False),
    ({"include": ("ai",)}, {"title": "AI革命"}, True),
    ({"include": ("machine learning",)}, {"title": "Machine   LEARNING 101"}, True),
    ({"include": ("tutorial",)}, {"title": "Python tutorials"}, False),
    ({"include": ("tutorial*",)}, {"title": "Python Tutorials"}, True),
    ({"include": ("c++",)}, {"title": "C++ in 100 seconds"}, True),
    ({"include": ("#shorts",)}, {"title": "Wow #Shorts"}, True),
    ({"include": ("東京",)}, {"title": "東京タワーに行った"}, True),
    ({"include": ("straße",)}, {"title": "STRASSE of dreams"}, True),
    ({"include": ("cats", "dogs")}, {"title": "All about dogs"}, True),
    ({"include": ("cats", "dogs")}, {"title": "All about birds"}, False),
    ({"exclude": ("live",)}, {"title": "Live Q&A"}, False),
    ({"exclude": ("live",)}, {"title": "Same-day delivery"}, True),
    ({"include": ("ai",), "exclude": ("podcast",)}, {"title": "AI podcast"}, False),
    # tags only count with match_tags
    ({"include": ("ai",)}, {"title": "Episode 4", "tags": ("AI", "tech")}, False),
    ({"include": ("ai",), "match_tags": True}, {"title": "Episode 4", "tags": ("AI", "tech")}, True),
    ({"exclude": ("sponsored",)}, {"tags": ("Sponsored",)}, True),
    ({"exclude": ("sponsored",), "match_tags": True}, {"tags": ("Sponsored",)}, False),
    # types
    ({"types": frozenset({VideoType.SHORT})}, {"type": VideoType.SHORT}, True),
    ({"types": frozenset({VideoType.SHORT})}, {"type": VideoType.LONG}, False),
    ({"types": frozenset({VideoType.LIVE, VideoType.UPCOMING})}, {"type": VideoType.UPCOMING}, True),
    ({}, {"type": VideoType.UPCOMING}, True),
]


@pytest.mark.parametrize(("spec", "changes", "expected"), PREDICATES)
def test_predicates(spec: dict[str, Any], changes: dict[str, Any], expected: bool) -> None:
    assert FilterSpec(**spec).matches(video(**changes)) is expected


def test_naive_published_at_is_taken_as_utc() -> None:
    spec = FilterSpec(since=date(2025, 1, 1))
    assert spec.matches(video(published_at=datetime(2025, 1, 1, 0, 0)))
    assert not spec.matches(video(published_at=datetime(2024, 12, 31, 23, 59)))


def test_matches_published_bounds_are_inclusive_utc_dates() -> None:
    spec = FilterSpec(since=date(2025, 1, 10), until=date(2025, 1, 20))
    assert spec.matches_published(at(2025, 1, 10, 0, 0))
    assert spec.matches_published(at(2025, 1, 20, 23, 59))
    assert not spec.matches_published(at(2025, 1, 21, 0, 0))
    assert not spec.matches_published(at(2025, 1, 9, 23, 59))
    assert FilterSpec().matches_published(at(1990, 1, 1, 0, 0))


def _v(vid: str, channel: str, day: int, **changes: Any) -> Video:
    return video(id=vid, channel_id=channel, published_at=at(2025, 1, day, 12, 0), **changes)


def test_apply_keeps_newest_n_per_channel_channels_in_first_seen_order() -> None:
    videos = [
        _v("a1", "A", 1),
        _v("b5", "B", 25),
        _v("a3", "A", 3),
        _v("a2", "A", 2),
        _v("b4", "B", 24),
        _v("b6", "B", 26),
        _v("c1", "C", 30),
    ]
    kept = FilterSpec(max_videos=2).apply(videos)
    assert [v.id for v in kept] == ["a3", "a2", "b6", "b5", "c1"]
    assert [v.id for v in FilterSpec().apply(videos)] == ["a3", "a2", "a1", "b6", "b5", "b4", "c1"]
    assert [v.id for v in FilterSpec(max_videos=1).apply(iter(videos))] == ["a3", "b6", "c1"]


def test_apply_filters_before_counting_max_videos() -> None:
    videos = [
        _v("a3", "A", 3, type=VideoType.SHORT),
        _v("a2", "A", 2),
        _v("a1", "A", 1),
        _v("b1", "B", 1, type=VideoType.SHORT),
    ]
    kept = FilterSpec(max_videos=1, types=frozenset({VideoType.LONG})).apply(videos)
    assert [v.id for v in kept] == ["a2"]
    assert FilterSpec(include=("nothing-matches",)).apply(videos) == []


def test_apply_keeps_input_order_for_equal_times() -> None:
    videos = [_v("x1", "A", 5), _v("x2", "A", 5), _v("x3", "A", 5)]
    assert [v.id for v in FilterSpec(max_videos=2).apply(videos)] == ["x1", "x2"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, False),
        ({"max_videos": 5, "since": date(2025, 1, 1), "until": date(2025, 2, 1)}, False),
        ({"match_tags": True}, False),
        ({"types": frozenset({VideoType.SHORT})}, True),
        ({"min_duration": 0}, True),
        ({"max_duration": 600}, True),
        ({"include": ("ai",)}, True),
        ({"exclude": ("ai",)}, True),
    ],
)
def test_needs_details(spec: dict[str, Any], expected: bool) -> None:
    assert FilterSpec(**spec).needs_details is expected


def test_spec_is_a_hashable_value_with_normalized_fields() -> None:
    a = FilterSpec(include=["AI", " machine   learning ", "ai", ""], types=["short", VideoType.LONG])
    b = FilterSpec(include=("AI", "machine learning"), types=frozenset({VideoType.SHORT, VideoType.LONG}))
    assert a == b and hash(a) == hash(b)
    assert a.include == ("AI", "machine learning")
    assert FilterSpec(include="two words").include == ("two words",)
    assert FilterSpec().is_empty and FilterSpec(match_tags=True).is_empty
    assert not FilterSpec(max_videos=3).is_empty


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"max_videos": 0}, "Max videos must be at least 1 (got 0)"),
        ({"max_videos": -3}, "at least 1"),
        ({"max_videos": True}, "whole number"),
        ({"max_videos": 2.5}, "whole number"),
        ({"min_duration": -1}, "Minimum duration must be at least 0"),
        ({"max_duration": -1}, "Maximum duration must be at least 0"),
        (
            {"min_duration": 600, "max_duration": 60},
            "Minimum duration 10:00 is longer than maximum duration 1:00",
        ),
        (
            {"since": date(2025, 2, 1), "until": date(2025, 1, 1)},
            "'Since' date 2025-02-01 is after 'until' date 2025-01-01",
        ),
        ({"since": "2025-01-01"}, "Since must be a date"),
        ({"types": frozenset()}, "Pick at least one video type"),
        ({"types": ["shrt"]}, "Unknown video type 'shrt'"),
        ({"include": [1]}, "keywords must be text"),
        ({"include": ("x" * 201,)}, "keyword too long"),
        ({"exclude": tuple(f"w{i}" for i in range(101))}, "Too many Exclude keywords"),
    ],
)
def test_validation_errors_are_input_errors_with_actionable_messages(
    kwargs: dict[str, Any], phrase: str
) -> None:
    with pytest.raises(InputError) as caught:
        FilterSpec(**kwargs)
    assert phrase in str(caught.value)


DURATIONS = [
    ("90", 90),
    (" 90 ", 90),
    ("0", 0),
    ("1:30", 90),
    ("0:45", 45),
    ("75:00", 4500),
    ("1:02:03", 3723),
    ("2m", 120),
    ("45s", 45),
    ("1h30m", 5400),
    ("1h 30m 5s", 5405),
    ("1H30M", 5400),
    ("2 min", 120),
    ("90 seconds", 90),
    ("3 hours", 10800),
    ("PT2M", 120),
    ("pt1h2m3s", 3723),
    ("PT45S", 45),
    ("P1DT1H", 90000),
    ("PT1.4S", 1),
    (600, 600),
]


@pytest.mark.parametrize(("text", "seconds"), DURATIONS)
def test_parse_duration(text: str | int, seconds: int) -> None:
    assert parse_user_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("", "Empty duration"),
        ("abc", "Not a duration: 'abc'"),
        ("-5", "can't be negative"),
        ("1:75", "60 or more"),
        ("1:60:00", "60 or more"),
        ("1:2:3:4", "Not a duration"),
        ("1.5m", "Not a duration"),
        ("1m1h", "misorders units"),
        ("2m2m", "repeats"),
        ("2x", "Not a duration"),
        ("2mins5", "Not a duration"),
        ("P1M", "months or years"),
        ("P1Y", "months or years"),
        ("P", "Not a duration"),
        ("PT", "Not a duration"),
        ("9999999999", "Not a duration"),
        ("999999999", "too long"),
        (-1, "can't be negative"),
        (1.5, "not float"),
        (None, "not NoneType"),
    ],
)
def test_parse_duration_refuses_garbage(text: Any, phrase: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_user_duration(text)
    assert phrase in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ai", ("ai",)),
        ("ai, ml", ("ai", "ml")),
        ('foo, "bar baz"', ("foo", "bar baz")),
        ('"a, b", c', ("a, b", "c")),
        ("“smart, quotes”, x", ("smart, quotes", "x")),
        ("machine learning,  deep   learning ,", ("machine learning", "deep learning")),
        ("one\ntwo;three", ("one", "two", "three")),
        (" , ,", ()),
        ("don't, rock'n'roll", ("don't", "rock'n'roll")),
    ],
)
def test_parse_keywords(text: str, expected: tuple[str, ...]) -> None:
    assert parse_keywords(text) == expected


def test_keywords_round_trip_through_format_keywords() -> None:
    words = ("ai", "a, b", "x y")
    assert parse_keywords(format_keywords(words)) == words


def test_unclosed_quote_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Unclosed quote"):
        parse_keywords('foo, "bar')


FROM_STRINGS = [
    ({}, FilterSpec()),
    (
        {"max_videos": "", "min_duration": " ", "include": "", "since": "", "types": "", "match_tags": ""},
        FilterSpec(),
    ),
    ({"max_videos": "10"}, FilterSpec(max_videos=10)),
    ({"max_videos": 10}, FilterSpec(max_videos=10)),
    ({"max_videos": "all"}, FilterSpec()),
    ({"min_duration": "1:00", "max_duration": "10m"}, FilterSpec(min_duration=60, max_duration=600)),
    ({"min_duration": "PT2M", "max_duration": 900}, FilterSpec(min_duration=120, max_duration=900)),
    (
        {"include": 'ai, "machine learning"', "exclude": "live"},
        FilterSpec(include=("ai", "machine learning"), exclude=("live",)),
    ),
    ({"include": ["a, b", "c"]}, FilterSpec(include=("a, b", "c"))),
    (
        {"since": "2025-01-01", "until": "2025-12-31"},
        FilterSpec(since=date(2025, 1, 1), until=date(2025, 12, 31)),
    ),
    ({"since": date(2025, 1, 1)}, FilterSpec(since=date(2025, 1, 1))),
    ({"types": "short,long"}, FilterSpec(types=frozenset({VideoType.SHORT, VideoType.LONG}))),
    ({"types": "Shorts LIVE"}, FilterSpec(types=frozenset({VideoType.SHORT, VideoType.LIVE}))),
    ({"types": "all"}, FilterSpec()),
    ({"types": ["upcoming"]}, FilterSpec(types=frozenset({VideoType.UPCOMING}))),
    ({"match_tags": "yes"}, FilterSpec(match_tags=True)),
    ({"match_tags": True}, FilterSpec(match_tags=True)),
]


@pytest.mark.parametrize(("kwargs", "expected"), FROM_STRINGS)
def test_from_strings(kwargs: dict[str, Any], expected: FilterSpec) -> None:
    assert FilterSpec.from_strings(**kwargs) == expected


@pytest.mark.parametrize(
    ("kwargs", "phrases"),
    [
        ({"max_videos": "ten"}, ["Max videos must be a whole number like 10 (got 'ten')"]),
        ({"max_videos": "0"}, ["Max videos must be at least 1"]),
        ({"max_videos": "-2"}, ["whole number"]),
        ({"min_duration": "soon"}, ["Minimum duration: Not a duration: 'soon'", "1:30"]),
        ({"max_duration": "-1m"}, ["Maximum duration: A duration can't be negative"]),
        (
            {"min_duration": "10m", "max_duration": "1m"},
            ["Minimum duration 10:00 is longer than maximum duration 1:00"],
        ),
        ({"since": "2025/01/01"}, ["Since date must look like 2025-01-31 (YYYY-MM-DD), not '2025/01/01'"]),
        ({"until": "2025-02-30"}, ["Until date '2025-02-30' does not exist"]),
        ({"since": "2025-03-01", "until": "2025-02-01"}, ["is after 'until' date"]),
        ({"types": "short,reels"}, ["Unknown video type 'reels'", "short, long, live or upcoming"]),
        ({"include": 'a, "b'}, ["Include: Unclosed quote"]),
        ({"match_tags": "maybe"}, ["Match tags must be yes or no"]),
        (
            {"max_videos": "x", "since": "yesterday", "types": "clips"},
            ["Max videos must be a whole number", "Since date must look like", "Unknown video type 'clips'"],
        ),
    ],
)
def test_from_strings_bad_text_raises_one_input_error(kwargs: dict[str, Any], phrases: list[str]) -> None:
    with pytest.raises(InputError) as caught:
        FilterSpec.from_strings(**kwargs)
    for phrase in phrases:
        assert phrase in str(caught.value)


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (FilterSpec(), "All videos"),
        (
            FilterSpec(
                max_videos=10,
                min_duration=60,
                max_duration=600,
                types=frozenset({VideoType.LONG, VideoType.SHORT}),
                since=date(2025, 1, 1),
                include=("ai",),
            ),
            "≤ 10 per channel · 1:00–10:00 · Shorts, Long · since 2025-01-01 · include: ai",
        ),
        (FilterSpec(min_duration=3723), "≥ 1:02:03"),
        (FilterSpec(max_duration=59), "≤ 0:59"),
        (FilterSpec(until=date(2025, 3, 1)), "until 2025-03-01"),
        (FilterSpec(since=date(2025, 1, 1), until=date(2025, 3, 1)), "2025-01-01 to 2025-03-01"),
        (
            FilterSpec(include=("a, b", "c"), exclude=("live",), match_tags=True),
            'include: "a, b", c (title or tags) · exclude: live (title or tags)',
        ),
    ],
)
def test_describe(spec: FilterSpec, text: str) -> None:
    assert spec.describe() == text
