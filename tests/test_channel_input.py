"""channel_input: every accepted form, every refusal, one combined error, and random text never crashes it."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from y2s_core.channel_input import (
    CHANNEL_ID_RE,
    FORMS_HINT,
    MAX_INPUT_CHARS,
    MAX_INPUTS,
    MAX_TEXT_CHARS,
    VIDEO_ID_RE,
    ChannelInputError,
    dedupe_key,
    parse,
    parse_one,
    video_id_from_url,
)
from y2s_core.errors import InputError
from y2s_core.models import ChannelRef

from .video_links import not_video_links, sheet_only_video_links, video_links

CID = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
VID = "dQw4w9WgXcQ"
HANDLE = "GoogleDevelopers"
JP = "ヒカキン"
JP_ENCODED = quote(JP)  # %E3%83%92%E3%82%AB%E3%82%AD%E3%83%B3

ACCEPTED = [
    # handles
    ("@GoogleDevelopers", "handle", HANDLE),
    ("GoogleDevelopers", "handle", HANDLE),
    ("  @GoogleDevelopers \t", "handle", HANDLE),
    ("@john.doe_99-x", "handle", "john.doe_99-x"),
    ("@abc", "handle", "abc"),
    ("@" + "a" * 30, "handle", "a" * 30),
    (f"@{JP}", "handle", JP),
    ("@हिन्दी", "handle", "हिन्दी"),  # combining marks (virama, vowel signs)
    ("UCLA", "handle", "UCLA"),  # starts with UC but nothing like an id
    ("uc_x5XG1OV2P6uZZ5FSM9Ttw", "handle", "uc_x5XG1OV2P6uZZ5FSM9Ttw"),  # ids are case-sensitive
    ("youtube.com/@GoogleDevelopers", "handle", HANDLE),
    ("https://www.youtube.com/@GoogleDevelopers", "handle", HANDLE),
    ("https://www.youtube.com/@GoogleDevelopers/", "handle", HANDLE),
    ("https://www.youtube.com/@GoogleDevelopers/videos", "handle", HANDLE),
    ("https://www.youtube.com/@GoogleDevelopers/shorts", "handle", HANDLE),
    ("https://www.youtube.com/@GoogleDevelopers/streams", "handle", HANDLE),
    ("https://www.youtube.com/@GoogleDevelopers/featured", "handle", HANDLE),
    ("https://www.youtube.com/@GoogleDevelopers/playlists", "handle", HANDLE),
    ("https://www.youtube.com/@GoogleDevelopers/about", "handle", HANDLE),
    ("https://www.youtube.com/@GoogleDevelopers/community", "handle", HANDLE),
    ("https://www.youtube.com/@GoogleDevelopers?si=AbC_123-x", "handle", HANDLE),
    ("https://www.youtube.com/@GoogleDevelopers/videos?si=AbC", "handle", HANDLE),
    ("https://www.youtube.com/@GoogleDevelopers#about", "handle", HANDLE),
    ("HTTPS://WWW.YOUTUBE.COM/@GoogleDevelopers", "handle", HANDLE),
    ("http://m.youtube.com/@GoogleDevelopers", "handle", HANDLE),
    ("m.youtube.com/@GoogleDevelopers/videos/", "handle", HANDLE),
    ("https://music.youtube.com/@GoogleDevelopers", "handle", HANDLE),
    ("www.youtube.com/@GoogleDevelopers", "handle", HANDLE),
    ("//www.youtube.com/@GoogleDevelopers", "handle", HANDLE),
    ("youtube.com:443/@GoogleDevelopers", "handle", HANDLE),
    ("youtube.com/%40GoogleDevelopers", "handle", HANDLE),
    (f"https://www.youtube.com/@{JP_ENCODED}", "handle", JP),
    (f"https://www.youtube.com/@{JP_ENCODED}/videos?si=x", "handle", JP),
    ("<https://www.youtube.com/@GoogleDevelopers>", "handle", HANDLE),
    ('"@GoogleDevelopers"', "handle", HANDLE),
    ("\ufeff@GoogleDevelopers\u200b", "handle", HANDLE),
    # channel ids
    (CID, "id", CID),
    (f"youtube.com/channel/{CID}", "id", CID),
    (f"https://www.youtube.com/channel/{CID}", "id", CID),
    (f"https://www.youtube.com/channel/{CID}/", "id", CID),
    (f"https://www.youtube.com/channel/{CID}/videos", "id", CID),
    (f"https://www.youtube.com/channel/{CID}?si=xyz", "id", CID),
    (f"HTTPS://YOUTUBE.COM/CHANNEL/{CID}", "id", CID),
    (f"https://m.youtube.com/channel/{CID}/streams", "id", CID),
    (f"https://music.youtube.com/channel/{CID}", "id", CID),
    (f"https://music.youtube.com/browse/{CID}", "id", CID),
    (f"https://studio.youtube.com/channel/{CID}/videos/upload", "id", CID),
    (f"https://www.youtube.com/feeds/videos.xml?channel_id={CID}", "id", CID),
    # legacy usernames and custom URLs
    ("youtube.com/user/GoogleDevelopers", "username", HANDLE),
    ("https://www.youtube.com/user/GoogleDevelopers/videos", "username", HANDLE),
    ("https://www.youtube.com/feeds/videos.xml?user=GoogleDevelopers", "username", HANDLE),
    ("youtube.com/c/GoogleDevelopers", "custom", HANDLE),
    ("https://www.youtube.com/c/GoogleDevelopers/featured", "custom", HANDLE),
    ("youtube.com/GoogleDevelopers", "custom", HANDLE),
    ("https://www.youtube.com/GoogleDevelopers/videos", "custom", HANDLE),
    # videos (resolved later to their channel)
    (f"https://www.youtube.com/watch?v={VID}", "video", VID),
    (f"youtube.com/watch?v={VID}", "video", VID),
    (f"https://www.youtube.com/watch?feature=share&v={VID}&t=42s", "video", VID),
    (f"https://www.youtube.com/watch?v={VID}&list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs&index=2", "video", VID),
    (f"https://m.youtube.com/watch?v={VID}", "video", VID),
    (f"https://music.youtube.com/watch?v={VID}", "video", VID),
    (f"https://youtu.be/{VID}", "video", VID),
    (f"youtu.be/{VID}?si=AbCdEf&t=10", "video", VID),
    (f"https://www.youtube.com/shorts/{VID}", "video", VID),
    (f"https://youtube.com/shorts/{VID}?feature=share", "video", VID),
    (f"https://www.youtube.com/live/{VID}?si=x", "video", VID),
    (f"https://www.youtube.com/embed/{VID}?start=3", "video", VID),
    (f"https://www.youtube-nocookie.com/embed/{VID}", "video", VID),
    (f"https://www.youtube.com/watch/{VID}", "video", VID),
    (f"https://www.youtube.com/v/{VID}", "video", VID),
]


@pytest.mark.parametrize(("text", "kind", "value"), ACCEPTED)
def test_every_accepted_form_parses(text: str, kind: str, value: str) -> None:
    ref = parse_one(text)
    assert (ref.kind, ref.value) == (kind, value)
    assert ref.raw and not ref.raw[0].isspace() and not ref.raw[-1].isspace()
    assert parse(text) == [ref]


def test_raw_keeps_what_the_user_typed_and_str_shows_it() -> None:
    ref = parse_one("  https://www.youtube.com/@GoogleDevelopers/videos  ")
    assert ref.raw == "https://www.youtube.com/@GoogleDevelopers/videos"
    assert str(ref) == ref.raw


MULTI = [
    ("@abc, @def\n@ghi", [("handle", "abc"), ("handle", "def"), ("handle", "ghi")]),
    ("@abc;@def\r\n@ghi", [("handle", "abc"), ("handle", "def"), ("handle", "ghi")]),
    (
        "https://youtube.com/@abc https://youtube.com/@def\tyoutu.be/" + VID,
        [("handle", "abc"), ("handle", "def"), ("video", VID)],
    ),
    (f"@abc @def {CID}", [("handle", "abc"), ("handle", "def"), ("id", CID)]),
    (",,@abc,,\n\n ; ", [("handle", "abc")]),
    ("@zzz, @aaa, @mmm", [("handle", "zzz"), ("handle", "aaa"), ("handle", "mmm")]),
    ("@Abc, @abc, @ABC, https://www.youtube.com/@aBc/videos", [("handle", "Abc")]),
    ("@GoogleDevelopers, GoogleDevelopers", [("handle", HANDLE)]),
    (f"{CID}, youtube.com/channel/{CID}/videos", [("id", CID)]),
    (f"{CID}, UC_X5XG1OV2P6uZZ5FSM9Ttw", [("id", CID), ("id", "UC_X5XG1OV2P6uZZ5FSM9Ttw")]),
    (f"youtu.be/{VID}, youtube.com/watch?v={VID}", [("video", VID)]),
    (f"youtu.be/{VID}, youtu.be/{VID.upper()}", [("video", VID), ("video", VID.upper())]),
    ("youtube.com/user/Foo, youtube.com/user/FOO", [("username", "Foo")]),
    ("youtube.com/c/Foo, youtube.com/foo", [("custom", "Foo")]),
    (
        "youtube.com/c/Foo, @Foo, youtube.com/user/Foo",
        [("custom", "Foo"), ("handle", "Foo"), ("username", "Foo")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), MULTI)
def test_several_inputs_split_dedupe_and_keep_order(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(r.kind, r.value) for r in parse(text)] == expected


def test_first_spelling_of_a_duplicate_is_kept() -> None:
    refs = parse("https://www.youtube.com/@GoogleDevelopers, @googledevelopers")
    assert refs == [ChannelRef("handle", HANDLE, "https://www.youtube.com/@GoogleDevelopers")]


def test_an_iterable_of_lines_is_accepted_and_each_line_may_hold_several() -> None:
    refs = parse(["@abc", "@def, @ghi", "", f"youtu.be/{VID}"])
    assert [r.value for r in refs] == ["abc", "def", "ghi", VID]
    assert [r.value for r in parse(iter(["@abc", "@abc"]))] == ["abc"]


def test_dedupe_key_ignores_case_only_for_names() -> None:
    assert dedupe_key(ChannelRef("handle", "AbC")) == dedupe_key(ChannelRef("handle", "abc"))
    assert dedupe_key(ChannelRef("id", CID)) != dedupe_key(ChannelRef("id", CID.lower()))
    assert dedupe_key(ChannelRef("handle", "abc")) != dedupe_key(ChannelRef("custom", "abc"))


HOSTILE = [
    ("https://vimeo.com/123", "(host vimeo.com; only youtube.com and youtu.be links are accepted)"),
    ("vimeo.com", "host vimeo.com"),
    ("https://youtube.com.evil.example/@abc", "host youtube.com.evil.example"),
    ("https://www.youtube.co.uk/@abc", "host www.youtube.co.uk"),
    ("http://127.0.0.1:8501/@abc", "host 127.0.0.1"),
    ("localhost:8080/@abc", "host localhost"),
    ("https://evil.example@youtube.com/@abc", "user name"),
    ("youtube.com/playlist?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs", "playlists are not channels"),
    ("https://www.youtube.com/watch?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs", "playlists are not channels"),
    (
        "https://www.youtube.com/embed/videoseries?list=PL590L5WQmH8fJ54F369BLDSqIwcs",
        "playlists are not channels",
    ),
    ("", "Enter at least one channel"),
    ("   ", "Enter at least one channel"),
    (" , ;\n,", "Enter at least one channel"),
    ("@" + "a" * MAX_INPUT_CHARS, "too long"),
    ("Google Developers", "contains a space"),
    ("@Google Developers", "contains a space"),
    ("https://youtube.com/@abc extra", "contains a space"),
    ("a\x00b", "control character"),
    ("@abc\x07def", "control character"),
    ("@ab\u200bcd", "invisible character"),
    ("javascript:alert(1)", "javascript: links are not accepted"),
    ("JavaScript:alert(document.cookie)", "javascript: links are not accepted"),
    ("data:text/html<script>alert(1)</script>", "data: links are not accepted"),
    ("file:///etc/passwd", "file: links are not accepted"),
    ("ftp://youtube.com/@abc", "ftp: links are not accepted"),
    ("mailto:someone@example.com", "mailto: links are not accepted"),
    ("https:youtube.com/@abc", "not a complete link"),
    ("UC_x5XG1OV2P6uZZ5FSM9Tt", "channel ids are 24 characters starting with UC"),
    ("UC_x5XG1OV2P6uZZ5FSM9Ttw1", "channel ids are 24 characters starting with UC"),
    ("youtube.com/channel/UC123", "channel ids are 24 characters starting with UC"),
    ("youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Tt!", "channel ids are 24 characters starting with UC"),
    ("youtube.com/channel/", "no channel id"),
    ("youtube.com/feeds/videos.xml?channel_id=UCshort", "channel ids are 24 characters starting with UC"),
    ("youtube.com/watch?v=abc", "video ids are 11 characters"),
    ("youtube.com/watch?v=dQw4w9WgXcQQ", "video ids are 11 characters"),
    ("youtu.be/dQw4w9WgXc!", "video ids are 11 characters"),
    ("youtube.com/shorts/abc", "video ids are 11 characters"),
    ("youtube.com/watch", "video ids are 11 characters"),
    ("youtu.be/", "youtu.be needs a video id"),
    ("youtube-nocookie.com/watch?v=dQw4w9WgXcQ", "youtube-nocookie.com/embed/ID"),
    ("youtube.com/results?search_query=cats", "a YouTube /results page"),
    ("youtube.com/feed/subscriptions", "a YouTube /feed page"),
    ("https://www.youtube.com/hashtag/cats", "a YouTube /hashtag page"),
    ("https://www.youtube.com/premium", "a YouTube /premium page"),
    ("https://www.youtube.com/shorts", "a YouTube /shorts page"),
    ("youtube.com", "YouTube's home page"),
    ("https://www.youtube.com/?gl=US", "YouTube's home page"),
    ("https://www.youtube.com/favicon.ico", "Not a channel"),
    ("@a", "too short: 1 character"),
    ("@ab", "too short: 2 characters"),
    ("@" + "a" * 31, "too long: 31 characters"),
    ("@abc!", "'!' is not allowed"),
    ("@...", "no letters or digits"),
    ("youtube.com/@a", "Not a valid handle"),
    ("youtube.com/@abc%2Fdef", "Not a valid handle"),
    ("youtube.com/user/bad name%21", "contains a space"),
    ("youtube.com/user/bad%21name", "Not a valid channel name"),
    ("hello?", "Not a YouTube channel: 'hello?'"),
    ("http://[::1", "not a valid link"),
    ("https://", "no host"),
]


@pytest.mark.parametrize("link", video_links(VID))
def test_every_video_link_form_is_a_video_input(link: str) -> None:
    assert video_id_from_url(link) == VID
    ref = parse_one(link)
    assert (ref.kind, ref.value) == ("video", VID)


@pytest.mark.parametrize("link", sheet_only_video_links(VID))
def test_youtube_nocookie_links_outside_embed_are_refused_as_inputs_yet_read_in_sheets(link: str) -> None:
    assert video_id_from_url(link) == VID  # a sheet's URL cell holding one still keys its row
    with pytest.raises(InputError, match="youtube-nocookie.com/embed/ID"):
        parse_one(link)


@pytest.mark.parametrize("text", not_video_links(VID))
def test_video_id_from_url_finds_nothing_in_other_text(text: str) -> None:
    assert video_id_from_url(text) is None


@pytest.mark.parametrize(("text", "phrase"), HOSTILE)
def test_hostile_inputs_raise_input_error_naming_the_problem(text: str, phrase: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(text)
    message = str(caught.value)
    assert phrase in message
    assert FORMS_HINT in message
    assert caught.value.exit_code == 2


def test_messages_name_the_input_truncated_and_repr_safe() -> None:
    long_host = "https://" + "x" * 80 + ".example/@abc"
    with pytest.raises(InputError) as caught:
        parse(long_host)
    assert "'https://xxxx" in str(caught.value)
    assert "…'" in str(caught.value)
    assert "x" * 70 not in str(caught.value)
    with pytest.raises(InputError) as caught:
        parse("a\x00b")
    assert "'a\\x00b'" in str(caught.value)
    assert "\x00" not in str(caught.value)


def test_all_bad_inputs_are_reported_in_one_error() -> None:
    text = "@good1, vimeo.com\n@x, youtube.com/playlist?list=PL1\n@good2, youtube.com/watch?v=short"
    with pytest.raises(ChannelInputError) as caught:
        parse(text)
    err = caught.value
    message = str(err)
    assert message.startswith("4 of 6 channel inputs are not valid:")
    for bad in ("'vimeo.com'", "'@x'", "'youtube.com/playlist?list=PL1'", "'youtube.com/watch?v=short'"):
        assert bad in message
    assert "good1" not in message and "good2" not in message
    assert message.count(FORMS_HINT) == 1
    assert [p.raw for p in err.problems] == [
        "vimeo.com",
        "@x",
        "youtube.com/playlist?list=PL1",
        "youtube.com/watch?v=short",
    ]
    assert isinstance(err, InputError)


def test_a_long_list_of_problems_is_capped() -> None:
    with pytest.raises(ChannelInputError) as caught:
        parse([f"bad{i}!" for i in range(30)])
    assert "… and 10 more." in str(caught.value)
    assert len(caught.value.problems) == 30


def test_at_most_max_inputs_distinct_channels() -> None:
    ok = parse([f"@chan{i:04d}" for i in range(MAX_INPUTS)])
    assert len(ok) == MAX_INPUTS
    with pytest.raises(InputError, match="Too many channels: 201"):
        parse([f"@chan{i:04d}" for i in range(MAX_INPUTS + 1)])
    assert len(parse(["@same"] * (MAX_INPUTS * 2))) == 1  # duplicates don't count


def test_absurdly_long_text_is_refused_before_splitting() -> None:
    with pytest.raises(InputError, match="Input too long"):
        parse("@abc," * (MAX_TEXT_CHARS // 5 + 1))
    with pytest.raises(InputError, match="Too many channels"):
        parse(",".join(f"@c{i:05d}" for i in range(MAX_INPUTS * 5 + 1)))


@pytest.mark.parametrize("value", [None, 123, b"@abc", [1], ["@abc", None]])
def test_non_text_is_an_input_error(value: object) -> None:
    with pytest.raises(InputError):
        parse(value)  # type: ignore[arg-type]


def test_parse_one_wants_exactly_one() -> None:
    with pytest.raises(InputError, match="not several"):
        parse_one("@abc, @def")
    with pytest.raises(InputError, match="Enter a channel"):
        parse_one(" ,, ")
    with pytest.raises(InputError, match="host vimeo.com"):
        parse_one("vimeo.com/1")
    with pytest.raises(InputError):
        parse_one(None)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------- properties


def _assert_valid(refs: list[ChannelRef]) -> None:
    assert refs
    assert len({dedupe_key(r) for r in refs}) == len(refs)
    for ref in refs:
        assert ref.raw
        assert not any(ch.isspace() for ch in ref.value)
        assert "/" not in ref.value and not ref.value.startswith("@")
        if ref.kind == "id":
            assert CHANNEL_ID_RE.fullmatch(ref.value)
        elif ref.kind == "video":
            assert VIDEO_ID_RE.fullmatch(ref.value)
        elif ref.kind == "handle":
            assert 3 <= len(ref.value) <= 30
        else:
            assert ref.kind in ("username", "custom") and 1 <= len(ref.value) <= 100


def _parse_or_input_error(text: str) -> None:
    try:
        refs = parse(text)
    except InputError as exc:
        assert str(exc).strip()
        return
    _assert_valid(refs)


FRAGMENTS = [
    "https://",
    "http://",
    "HTTPS://",
    "//",
    "www.",
    "m.",
    "music.",
    "youtube.com",
    "YOUTUBE.COM",
    "youtu.be",
    "youtube-nocookie.com",
    "vimeo.com",
    "/",
    "@",
    "%40",
    "channel/",
    "user/",
    "c/",
    "watch",
    "?v=",
    "&v=",
    "&t=1",
    "&list=PL1",
    "?si=x",
    "shorts/",
    "live/",
    "embed/",
    "playlist?list=",
    "feeds/videos.xml?channel_id=",
    CID,
    CID[:-1],
    VID,
    VID[:-1],
    "UC",
    "%E3%83%92",
    "%",
    "%ZZ",
    "%FF",
    "?",
    "#",
    ":",
    ":443",
    "[",
    "]",
    " ",
    ",",
    ";",
    "\n",
    "\t",
    "\x00",
    "\u200b",
    "\ufeff",
    "javascript:",
    "data:",
    "..",
    ".",
    "<",
    ">",
    '"',
    "ヒカキン",
    "abc",
    "Ab-c_d.e",
    "·",
]
url_ish = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_random_text_only_ever_raises_input_error(text: str) -> None:
    _parse_or_input_error(text)


@settings(max_examples=500, deadline=None)
@given(url_ish)
def test_random_url_ish_text_only_ever_raises_input_error(text: str) -> None:
    _parse_or_input_error(text)
    try:
        parse_one(text)
    except InputError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.lists(url_ish, max_size=5))
def test_random_lists_only_ever_raise_input_error(lines: list[str]) -> None:
    try:
        refs = parse(lines)
    except InputError:
        return
    _assert_valid(refs)


handles = st.text(
    alphabet=st.sampled_from(list("abcXYZ019_-.") + list("ヒカキンéßж")), min_size=3, max_size=30
).filter(lambda h: any(c.isalnum() for c in h))


@settings(max_examples=100, deadline=None)
@given(handles)
def test_any_valid_handle_round_trips_through_every_spelling(handle: str) -> None:
    for text in (f"@{handle}", f"https://www.youtube.com/@{quote(handle)}/videos", f"youtube.com/@{handle}"):
        ref = parse_one(text)
        assert (ref.kind, ref.value) == ("handle", handle)
