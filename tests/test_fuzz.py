"""Fuzzing every input a user (or a script) controls: channel inputs, filters, sheet targets, tab names,
service-account values and the rows piped to `push`.

Each input is either accepted or refused with a ``Y2SError`` whose message is one clear line: no
traceback, no "unexpected", no repr of a huge input. A small sample runs with the suite; the marked
run takes ``Y2S_FUZZ_EXAMPLES`` cases per test (``scripts/fuzz.sh``: at least 10,000 in all)::

    Y2S_FUZZ_EXAMPLES=1500 .venv/bin/python -m pytest -m fuzz tests/test_fuzz.py --hypothesis-show-statistics
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from y2s_core import cli
from y2s_core.channel_input import ChannelInputError
from y2s_core.channel_input import parse as parse_channels
from y2s_core.dashboard.forms import push_target
from y2s_core.errors import Y2SError
from y2s_core.filters import FilterSpec
from y2s_core.models import Video, VideoType
from y2s_core.settings import Settings, load_service_account
from y2s_core.sheets import LocalWorkbookTarget, open_target, push, workbooks_dir
from y2s_core.sheets.base import check_tab

from .conftest import video_row

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("Y2S_FUZZ_EXAMPLES") or 25)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
MAX_MESSAGE = 1500  # a filter message names each bad field (nine at most), each quoting <= 40 characters


def assert_clear(e: BaseException, given_text: str = "") -> None:
    """A refusal the contract allows: a Y2SError, one line, no traceback, not echoing a huge input."""
    assert isinstance(e, Y2SError), f"{type(e).__name__}: {e!r}"[:500]
    msg = str(e)
    assert msg.strip(), "an empty message"
    if isinstance(e, ChannelInputError) and msg.splitlines()[0].endswith("channel inputs are not valid:"):
        # several bad inputs: one line each under a count (the CLI prints one `error:` line, issue 8)
        assert all(0 < len(line) <= MAX_MESSAGE for line in msg.splitlines()), msg[:300]
        msg = msg.splitlines()[0]
    assert "\n" not in msg and "\r" not in msg, msg[:300]
    assert "Traceback" not in msg and "unexpected" not in msg.lower(), msg[:300]
    assert len(msg) <= MAX_MESSAGE, (len(msg), msg[:300])
    window = 130  # a message may quote a short input (a 120-character file name), never a huge one
    if len(given_text) > window:
        assert not any(given_text[i : i + window] in msg for i in range(0, len(given_text) - window, 20)), \
            "the message repeats a huge input"
    event(f"refused: {type(e).__name__}")


# ------------------------------------------------------------------------------------------ strategies

FRAGMENTS = st.sampled_from([
    "@", "@y2sdemo", "UC", "UCabcdefghijklmnopqrstuv", "https://", "http://", "www.youtube.com/", "youtube.com/",
    "m.youtube.com/", "youtu.be/", "/channel/", "/user/", "/c/", "/@", "/watch?v=", "/shorts/", "/live/", "?si=x",
    "&t=1", "#", "..", "/", "\\", ",", "\n", "\r\n", " ", "\t", "\u200b", "\ufeff", "\ud800", "\x00", "%2F", "%00",
    "dQw4w9WgXcQ", "abcdefghijk", "😀", "日本", "=1+1", "<a href=x>", "[x](y)", "'", '"', "*", "~", "C:\\",
    ".xlsx", ".csv", ".XLSX", ".xls", "docs.google.com/spreadsheets/d/", "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "/edit#gid=0", "~", "~root/", "../", "/dev/null", "/proc/", "Videos", "History", "Sheet1", "x" * 300,
])
ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=200)
TEXT = st.one_of(
    ANY_TEXT,
    st.lists(FRAGMENTS, max_size=12).map("".join),
    st.lists(st.one_of(FRAGMENTS, ANY_TEXT), max_size=8).map("".join),
    st.text(max_size=20).map(lambda s: s * 500),  # long inputs
)
HANDLE = st.from_regex(r"@[A-Za-z0-9_.\-]{1,32}", fullmatch=True)
CHANNEL_ID = st.from_regex(r"UC[A-Za-z0-9_\-]{20,23}", fullmatch=True)
VIDEO_ID = st.from_regex(r"[A-Za-z0-9_\-]{9,13}", fullmatch=True)
NEAR_CHANNEL = st.one_of(  # inputs close to valid ones: where a parser's edge cases are
    HANDLE, CHANNEL_ID,
    st.builds("".join, st.tuples(st.sampled_from(["", "https://", "http://", "//"]),
                                 st.sampled_from(["www.youtube.com", "youtube.com", "m.youtube.com", "youtu.be",
                                                  "music.youtube.com", "youtube.com.evil.example"]),
                                 st.sampled_from(["/", "/channel/", "/c/", "/user/", "/watch?v=", "/shorts/", "/@", "/live/"]),
                                 st.one_of(VIDEO_ID, CHANNEL_ID, HANDLE.map(lambda h: h[1:]), TEXT),
                                 st.sampled_from(["", "/videos", "/shorts", "?si=abc", "&t=42s", "#x", "/ "]))),
)
NEAR_SHEET = st.one_of(
    st.builds("".join, st.tuples(st.sampled_from(["", "https://docs.google.com/spreadsheets/d/",
                                                  "docs.google.com/spreadsheets/u/0/d/", "https://sheets.new/"]),
                                 st.one_of(st.from_regex(r"[A-Za-z0-9_\-]{25,60}", fullmatch=True), TEXT),
                                 st.sampled_from(["", "/edit", "/edit#gid=0", "/edit?usp=sharing", "/"]))),
    st.builds("".join, st.tuples(st.one_of(st.just(""), st.sampled_from(["~/", "./", "../", "sub/dir/"])),
                                 TEXT, st.sampled_from([".xlsx", ".csv", ".XLSX", ".Csv"]))),
)
FILTER_VALUE = st.one_of(st.none(), TEXT, st.integers(min_value=-(10**30), max_value=10**30),
                         st.lists(TEXT, max_size=5),
                         st.sampled_from(["0", "60", "1:30", "2m", "1h", "PT5M", "2024-01-01", "2024-13-01",
                                          "short,long", "live", "upcoming", "Shorts", "tutorial*", '"a, b"',
                                          "9" * 400, "-5", "1e9", "nan", "inf", "1:99", "P1D"]))


@contextlib.contextmanager
def scratch_dir():
    """A fresh folder as the working directory: relative paths in a fuzzed spec land there."""
    before = os.getcwd()
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)
        try:
            yield Path(d)
        finally:
            os.chdir(before)


# ------------------------------------------------------------------------------------------- targets


@FUZZ
@given(text=st.one_of(TEXT, NEAR_CHANNEL, st.lists(st.one_of(TEXT, NEAR_CHANNEL), max_size=6)))
def test_channel_inputs(text):
    try:
        refs = parse_channels(text)
    except Exception as e:  # noqa: BLE001 - asserted
        assert_clear(e, text if isinstance(text, str) else "".join(text))
    else:
        assert refs and all(r.kind in ("id", "handle", "username", "custom", "video") for r in refs)
        event("accepted")


@FUZZ
@given(values=st.fixed_dictionaries({}, optional={
    name: (st.one_of(st.booleans(), st.none()) if not rule.metavar else FILTER_VALUE)
    for name, rule in FilterSpec.rules().items()
}))
def test_filters_from_text_with_every_field(values):
    try:
        spec = FilterSpec.from_strings(**values)
    except Exception as e:  # noqa: BLE001
        assert_clear(e, json.dumps(values, default=str))
        return
    assert spec.key() and spec.describe()
    event("accepted")
    spec.apply([_video(1), _video(2, title="AI tutorial")])
    FilterSpec().widened_by(spec)
    spec.widened_by(FilterSpec())


def _video(i: int, title: str = "t") -> Video:
    return Video(id=f"vid{i:08d}", channel_id="UCabcdefghijklmnopqrstuv", channel_title="c",
                 published_at=datetime(2024, 5, 1, tzinfo=timezone.utc), title=title, duration_seconds=75,
                 type=VideoType.LONG, views=1, likes=None, comments=None, tags=("x",))


@FUZZ
@given(spec=st.one_of(TEXT, NEAR_SHEET), tab=st.one_of(TEXT, st.just("Videos")),
       kind=st.sampled_from(["google", "local"]), file_name=st.one_of(TEXT, NEAR_SHEET))
def test_sheet_targets_and_the_push_form(spec, tab, kind, file_name):
    settings_ = Settings(sheets_api_url="http://127.0.0.1:9")  # a target may be built, never reached here
    with scratch_dir() as d:
        try:
            target = open_target(spec, tab, settings_)
        except Exception as e:  # noqa: BLE001
            assert_clear(e, spec + tab)
        else:
            event(f"accepted: {type(target).__name__}")
            if isinstance(target, LocalWorkbookTarget):
                try:
                    assert target.read() == []  # nothing there: a fresh folder
                except Exception as e:  # noqa: BLE001
                    assert_clear(e, spec)
        try:
            t = push_target(kind, spec, file_name, tab, Settings(data_dir=d))
        except Exception as e:  # noqa: BLE001
            assert_clear(e, spec + file_name + tab)
        else:
            assert t.kind == kind and (not t.local or Path(t.spec).parent == workbooks_dir(Settings(data_dir=d)))


@FUZZ
@given(tab=TEXT, xlsx=st.booleans())
def test_tab_names_and_every_accepted_workbook_tab_is_writable(tab, xlsx):
    try:
        name = check_tab(tab, xlsx=xlsx)
    except Exception as e:  # noqa: BLE001
        assert_clear(e, tab)
        return
    event(f"accepted ({'xlsx, written' if xlsx else 'Google'})")
    if not xlsx:
        assert 0 < len(name) <= 100
        return
    with scratch_dir() as d:
        target = LocalWorkbookTarget(d / "v.xlsx", tab)
        assert push([video_row(1)], target).plan.new == 1
        assert push([video_row(1), video_row(2)], LocalWorkbookTarget(d / "v.xlsx", tab)).plan.new == 1


@FUZZ
@given(value=st.one_of(TEXT, st.builds(lambda d, w: w.replace("@", json.dumps(d)),
                                        st.dictionaries(st.one_of(st.just("client_email"), TEXT),
                                                        st.one_of(TEXT, st.integers()), max_size=4),
                                        st.sampled_from(["@", '"@"', "'@'", "[@]", "\ufeff@", "[@, @]", "@\n"]))))
def test_service_account_values(value):
    try:
        info = load_service_account(value)
    except Exception as e:  # noqa: BLE001
        assert_clear(e)
        msg = str(e)
        stripped = value.strip().strip("\"'")
        if len(stripped) > 40 and not stripped.lower().endswith(".json"):
            assert not any(stripped[i : i + 24] in msg for i in range(0, len(stripped) - 24, 12)), msg[:200]
    else:
        assert isinstance(info["client_email"], str)
        event("accepted")


# ------------------------------------------------------------------------------------------ stdin rows

JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**500), max_value=10**500),
                      st.floats(allow_nan=True, allow_infinity=True), TEXT)
ROW_KEYS = ["video_id", "url", "title", "channel", "channel_id", "date", "type", "duration_seconds", "duration",
            "views", "likes", "comments", "tags", "thumbnail", "extra"]
ROW = st.dictionaries(st.one_of(st.sampled_from(ROW_KEYS), TEXT),
                      st.one_of(JSON_LEAF, st.lists(JSON_LEAF, max_size=3),
                                st.dictionaries(TEXT, JSON_LEAF, max_size=2)), max_size=8)
GOOD_ROW = st.builds(lambda i, extra: {**video_row(i), **extra}, st.integers(0, 50),
                     st.dictionaries(st.sampled_from(ROW_KEYS[2:]), JSON_LEAF, max_size=4))
STDIN = st.one_of(
    st.lists(st.one_of(GOOD_ROW, ROW), max_size=6).map(lambda rows: json.dumps(rows, default=str)),
    st.lists(GOOD_ROW, min_size=1, max_size=6).map(json.dumps),
    TEXT,
    st.recursive(JSON_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(TEXT, inner, max_size=3)),
                 max_leaves=20).map(lambda v: json.dumps(v, default=str)),
    st.integers(1, 60_000).map(lambda n: "[" * n + "]" * n),
)


def _cli(args: list[str], stdin: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(args, stdin=io.StringIO(stdin), stdout=out, stderr=err,
                   env={"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"]})
    return code, out.getvalue(), err.getvalue()


@FUZZ
@given(stdin=STDIN, fmt=st.sampled_from(["csv", "xlsx"]), dry=st.booleans())
def test_stdin_rows_through_the_cli_push(stdin, fmt, dry):
    with scratch_dir() as d:
        args = ["push", "--sheet", str(d / f"v.{fmt}"), "-q"] + (["--dry-run"] if dry else [])
        code, out, err = _cli(args, stdin)
        assert code in (0, 2), (code, err[:500])
        event("refused (exit 2)" if code else "pushed" if not dry else "planned (dry run)")
        if code:
            lines = err.splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), err[:500]
            assert "unexpected" not in err and "Traceback" not in err and len(lines[0]) <= MAX_MESSAGE + 10
            return
        assert out.startswith(("pushed: ", "would write: "))
        assert all(line.startswith("warning: ") for line in err.splitlines()), err[:500]
        if not dry:
            again = _cli(args, stdin)
            assert again[0] == 0 and " 0 new," in again[1], again  # a re-push adds nothing

