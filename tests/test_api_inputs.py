"""The REST API's input grammars (y2s_core/api/inputs.py): what the OpenAPI document states is what the API
enforces, and nothing it admits is refused by the core.

* Every value a grammar admits passes the core's own parser (filters, channel inputs, the target rule, the tab
  rule, the push's row rule): hypothesis draws from the very pattern the document states.
* Python's re (which enforces it) and jsonschema-rs (Rust's regex: schemathesis and many validators) read every
  pattern alike, on values drawn from it, near it and anywhere.
* The alphabets hold only what they say (letters; whitespace as Python reads it).
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from y2s_core.api import ApiConfig
from y2s_core.api import inputs as I
from y2s_core.api.routes import api_target
from y2s_core.channel_input import parse as parse_channels
from y2s_core.errors import InputError, Y2SError
from y2s_core.filters import FilterSpec
from y2s_core.settings import Settings
from y2s_core.sheets.base import check_tab
from y2s_core.sheets.push import check_rows

# the suite's sample of each grammar (a few seconds a test on 2 busy cores); scripts/fuzz.sh draws 500
EXAMPLES = int(os.environ.get("Y2S_API_EXAMPLES", "40"))


def _drawn(grammar: I.Grammar) -> st.SearchStrategy[str]:
    values = st.from_regex(re.compile(grammar.pattern), fullmatch=True)
    return values.filter(grammar.admits)


def _filter(name: str):
    return lambda value: FilterSpec.from_strings(**{name: value})


GRAMMARS = {
    "max_videos": (I.MAX_VIDEOS, _filter("max_videos")),
    "min_duration": (I.duration("min_duration"), _filter("min_duration")),
    "since": (I.date("since"), _filter("since")),
    "types": (I.TYPES, _filter("types")),
    "include (body text)": (I.keywords("include", 200), _filter("include")),
    "exclude (query value)": (I.keywords("exclude", I.QUERY_KEYWORD_CHARS), _filter("exclude")),
    "channel": (I.CHANNEL, parse_channels),
    "channels": (I.CHANNELS, parse_channels),
    "tab": (I.TAB, lambda v: (check_tab(v, xlsx=True), check_tab(v, xlsx=False))),
}


@pytest.mark.parametrize("name", list(GRAMMARS))
def test_everything_a_grammar_admits_the_core_takes(name):
    grammar, core = GRAMMARS[name]

    @given(_drawn(grammar))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(value):
        try:
            core(value)
        except InputError as exc:
            raise AssertionError(f"{name} admits {value!r}, the core refuses it: {exc}") from None

    check()


def test_every_sheet_the_grammar_admits_is_a_target_the_api_opens(tmp_path):
    settings_ = Settings(data_dir=tmp_path)

    @given(_drawn(I.SHEET))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(value):
        try:  # a confined workbook, or a Google key/URL (no service account here: PermissionDenied, a 403)
            api_target(value, "Videos", settings_, ApiConfig())
        except InputError as exc:
            raise AssertionError(f"sheet {value!r} is admitted, the API refuses it: {exc}") from None
        except Y2SError:
            pass

    check()


def test_a_row_the_schema_admits_has_a_video_id_for_the_push():
    ids = st.one_of(st.text(max_size=20).filter(lambda v: re.search(I.VIDEO_ID_PRESENT, v) is not None),
                    st.from_regex(re.compile(I.VIDEO_URL_PATTERN), fullmatch=True))

    @given(ids, st.booleans())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(value, as_url):
        row = {"url": value} if as_url and re.fullmatch(I.VIDEO_URL_PATTERN, value) else {"video_id": value}
        assert I.row_has_video_id(row)
        check_rows([row])  # the core's rule: no InputError

    check()
    assert not I.row_has_video_id({"video_id": " - ", "url": "https://vimeo.com/1"})


def _near(grammar: I.Grammar) -> st.SearchStrategy[str]:
    """A drawn value with a few characters inserted or removed: the edges of the grammar."""
    def edit(value: str, at: int, cut: int, extra: str) -> str:
        at = min(at, len(value))
        return value[:at] + extra + value[at + cut:]
    return st.builds(edit, st.from_regex(re.compile(grammar.pattern), fullmatch=True), st.integers(0, 60),
                     st.integers(0, 2), st.text(max_size=2))


@pytest.mark.parametrize("grammar", [I.MAX_VIDEOS, I.duration("min_duration"), I.date("since"), I.TYPES,
                                     I.keywords("include", 200), I.CHANNEL, I.CHANNELS, I.SHEET, I.TAB],
                         ids=lambda g: g.name)
def test_python_and_rusts_regex_read_each_pattern_alike(grammar):
    schema = grammar.schema()
    rust = jsonschema_rs.validator_for(schema)

    @given(st.one_of(_drawn(grammar), _near(grammar), st.text(max_size=40)))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(value):
        assert grammar.admits(value) == rust.is_valid(value), value

    check()


@pytest.mark.parametrize(("pattern", "anchored"), [(I.VIDEO_URL_PATTERN, True), (I.VIDEO_ID_PRESENT, False)],
                         ids=["url", "video_id"])
def test_the_row_patterns_read_alike_too(pattern, anchored):
    rust = jsonschema_rs.validator_for({"type": "string", "pattern": f"^(?:{pattern})$" if anchored else pattern})

    @given(st.one_of(st.from_regex(re.compile(pattern), fullmatch=anchored), st.text(max_size=40)))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(value):
        python = re.fullmatch(pattern, value) if anchored else re.search(pattern, value)
        assert (python is not None) == rust.is_valid(value), value

    check()


def test_the_alphabets_hold_what_they_say():
    letters = [chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(f"[{I.LATIN}{I.SCRIPTS}]", chr(c))]
    assert letters and all(unicodedata.category(ch)[0] == "L" and unicodedata.normalize("NFC", ch) == ch
                           for ch in letters)
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(f"[{I.WS}]", chr(c))}
    assert spaces == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


@pytest.mark.parametrize(("grammar", "refused"), [
    (I.MAX_VIDEOS, ["0", "many", " 5", "-1", "1234567890"]),
    (I.duration("min_duration"), ["-5", "1:60", "8640001", "2 weeks", "PT"]),
    (I.date("since"), ["2023-02-29", "2024-13-01", "yesterday", "0000-01-01"]),
    (I.TYPES, ["x", "shorts videos"]),
    (I.keywords("include", 200), ['"open', "a" * 201]),
    (I.CHANNEL, ["0", "abc", "https://vimeo.com/1", "@a b", ""]),
    (I.SHEET, ["", "../x.xlsx", ".x.csv", "a.txt", "docs.google.xlsx", "x" * 19]),
    (I.TAB, ["History", "HISTORY", "hiſtory", "a/b", "'x", " x", "x" * 32]),
])
def test_what_a_grammar_refuses(grammar, refused):
    for value in refused:
        assert not grammar.admits(value), value
        assert not jsonschema_rs.validator_for(grammar.schema()).is_valid(value), value
