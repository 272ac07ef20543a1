"""What the REST API takes, said by its OpenAPI document and enforced by exactly what the document says.

Each text field has a grammar: a regular expression (and lengths) that the JSON Schema states as ``pattern``
(anchored: ``^(?:...)$``) and that the API enforces with ``re.fullmatch``: a value the document admits is
never refused with 400, a value it does not admit always is (with the core's own message when the core
would refuse it too). Every grammar is a subset of what the core's parser takes (``filters``, ``channel_input``,
``sheets``): the API names the forms it promises, the CLI may take more. tests/test_api_inputs.py proves both
directions with hypothesis, against the core's parsers.

The patterns are read by three engines that must agree: ECMA-262 (JSON Schema's dialect), Rust's regex
(jsonschema-rs, which schemathesis and many validators use) and Python's re (here). So: explicit character
classes only (never ``\\s``, ``\\d`` or ``\\w``, whose meaning differs between them), ``\\uXXXX`` escapes, no
lookaround, no flags.

Two rules span two fields and no JSON Schema can state them: ``min_duration`` <= ``max_duration`` and
``since`` <= ``until`` (the core refuses the reverse with 400, naming both).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, NoReturn

from pydantic import AfterValidator, BeforeValidator, PlainValidator, StrictStr, WithJsonSchema
from pydantic_core import PydanticCustomError

from ..channel_input import parse as parse_channels
from ..errors import InputError
from ..filters import MAX_DURATION_SECONDS, FilterSpec
from ..sheets.base import XLSX_TAB_MAX, check_tab

# ------------------------------------------------------------------------------------- the alphabets

WS = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"  # str.isspace()
LATIN = r"\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # accented Latin letters (every one a letter)
SCRIPTS = r"\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff\uac00-\ud7a3"  # kana, CJK ideographs, Hangul syllables
ALNUM = "A-Za-z0-9" + LATIN + SCRIPTS
FILE_CHARS = "A-Za-z0-9" + LATIN  # a workbook's or a tab's letters (at most 2 UTF-8 bytes each)


def _quoted(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def refuse(message: str) -> NoReturn:
    """A 400 naming the problem (pydantic's error, shown by ``errors.validation_message`` with where it is)."""
    raise PydanticCustomError("api_input", "{message}", {"message": message.rstrip(".")})


@dataclass(frozen=True)
class Grammar:
    """A JSON string the API takes when ``pattern`` matches it whole and its length is within bounds.

    ``core``: the core's own check of the value; its InputError is the message when it refuses the value
    too, else the message says which forms the API takes (``hint``)."""

    name: str
    pattern: str
    hint: str
    max_length: int | None = None
    min_length: int = 0
    core: Callable[[str], object] | None = None
    description: str | None = None
    exclude: str | None = None  # a pattern the value must not match whole (JSON Schema's "not")

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string", "pattern": f"^(?:{self.pattern})$"}
        if self.exclude is not None:
            out["not"] = {"pattern": f"^(?:{self.exclude})$"}
        if self.max_length is not None:
            out["maxLength"] = self.max_length
        if self.min_length:
            out["minLength"] = self.min_length
        if self.description:
            out["description"] = self.description
        return out

    def admits(self, value: str) -> bool:
        top = self.max_length if self.max_length is not None else len(value)
        return (self.min_length <= len(value) <= top and _compiled(self.pattern).fullmatch(value) is not None
                and (self.exclude is None or _compiled(self.exclude).fullmatch(value) is None))

    def check(self, value: str) -> str:
        if self.admits(value):
            return value
        message = None
        if self.core is not None and (self.max_length is None or len(value) <= 4 * self.max_length):
            try:
                self.core(value)
            except InputError as exc:
                message = str(exc).split("\n")[0][:300]
        if message is None:
            long = self.max_length is not None and len(value) > self.max_length
            size = f" ({len(value):,} characters; at most {self.max_length})" if long else ""
            message = f"{self.name} {_quoted(value)}{size} is not a form the API takes: {self.hint}"
        refuse(message)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def text_type(grammar: Grammar) -> Any:
    """A string field of this grammar (the schema states it; the validator enforces exactly it)."""
    return Annotated[StrictStr, AfterValidator(grammar.check), WithJsonSchema(grammar.schema())]


def _whole(value: Any) -> int | None:
    """A JSON integer (5 or 5.0: JSON Schema's "integer"), else None; never a boolean."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def any_of(name: str, hint: str, *, integer: tuple[int, int | None] | None = None, text: Grammar | None = None,
           items: tuple[dict[str, Any], Callable[[Any], Any], int, int] | None = None,
           nullable: bool = True, description: str | None = None) -> Any:
    """A JSON value of one of these shapes: an integer within (minimum, maximum), a string of ``text``'s
    grammar, an array of ``items`` (item schema, item check, min and max items), or null when ``nullable``.
    One validator, so a refusal is one message naming the field (never one per shape tried)."""
    shapes: list[dict[str, Any]] = []
    if integer is not None:
        low, high = integer
        shapes.append({"type": "integer", "minimum": low, **({"maximum": high} if high is not None else {})})
    if text is not None:
        shapes.append(text.schema())
    if items is not None:
        item_schema, _, fewest, most = items
        shapes.append({"type": "array", "items": item_schema, "minItems": fewest, "maxItems": most})
    if nullable:
        shapes.append({"type": "null"})

    def validate(value: Any) -> Any:
        if value is None and nullable:
            return None
        number = _whole(value) if integer is not None else None
        if number is not None and integer is not None:
            low, high = integer
            if number < low or (high is not None and number > high):
                refuse(f"{name} {number} is out of range: {hint}")
            return number
        if text is not None and isinstance(value, str):
            return text.check(value)
        if items is not None and isinstance(value, list):
            _, check, fewest, most = items
            if not fewest <= len(value) <= most:
                refuse(f"{name} has {len(value)} items; it takes {fewest} to {most}: {hint}")
            return [check(item) for item in value]
        refuse(f"{name} cannot be {type(value).__name__ if value is not None else 'null'}: {hint}")

    schema: dict[str, Any] = {"anyOf": shapes}
    if description:
        schema["description"] = description
    return Annotated[Any, PlainValidator(validate), WithJsonSchema(schema)]


def _query_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    refuse(f"{_quoted(str(value), 20)} is not true or false")


QueryBool = Annotated[bool, BeforeValidator(_query_bool), WithJsonSchema({"type": "boolean"})]
"""A yes/no query parameter: ``true`` or ``false`` only (a JSON body's booleans are StrictBool)."""


# ------------------------------------------------------------------------------------------ filters


def _filter(field: str) -> Callable[[str], object]:
    return lambda value: FilterSpec.from_strings(**{field: value})


def _int_range(top: int) -> str:
    """A decimal 0..top without leading zeros (e.g. 8640000 -> 0|[1-9][0-9]{0,5}|[1-7][0-9]{6}|...|8640000)."""
    digits = str(top)
    alternatives = ["0", f"[1-9][0-9]{{0,{len(digits) - 2}}}"]
    for i, d in enumerate(digits):  # numbers of len(digits) digits, below top first at position i
        low = 1 if i == 0 else 0
        if int(d) > low:
            alternatives.append(f"{digits[:i]}[{low}-{int(d) - 1}][0-9]{{{len(digits) - i - 1}}}")
    return "|".join([*alternatives, digits])


MAX_VIDEOS = Grammar("max_videos", "|[Aa][Ll][Ll]|[Nn][Oo][Nn][Ee]|[Uu][Nn][Ll][Ii][Mm][Ii][Tt][Ee][Dd]|[1-9][0-9]{0,8}",
                     "a whole number from 1, or all / none / unlimited (no limit), or empty", max_length=9,
                     core=_filter("max_videos"))

_SIXTY = "[0-5]?[0-9]"
_HOURS = "[Hh](?:[Oo][Uu][Rr][Ss]?|[Rr][Ss]?)?"
_MINUTES = "[Mm](?:[Ii][Nn](?:[Uu][Tt][Ee][Ss]?|[Ss])?)?"
_SECONDS = "[Ss](?:[Ee][Cc](?:[Oo][Nn][Dd][Ss]?|[Ss])?)?"
_UNIT_H, _UNIT_M, _UNIT_S = f"[0-9]{{1,3}} ?{_HOURS}", f"[0-9]{{1,4}} ?{_MINUTES}", f"[0-9]{{1,5}} ?{_SECONDS}"
_ISO_TIME = ("[Tt](?:[0-9]{1,2}[Hh](?:[0-9]{1,3}[Mm])?(?:[0-9]{1,4}[Ss])?|[0-9]{1,3}[Mm](?:[0-9]{1,4}[Ss])?"
             "|[0-9]{1,4}[Ss])")
DURATION_PATTERN = "|".join([
    "",
    _int_range(MAX_DURATION_SECONDS),  # seconds
    f"[0-9]{{1,5}}:{_SIXTY}",  # M:SS
    f"[0-9]{{1,3}}:{_SIXTY}:{_SIXTY}",  # H:MM:SS
    f"[Pp](?:[0-8]?[0-9][Dd](?:{_ISO_TIME})?|{_ISO_TIME})",  # ISO 8601: P1D, PT2M, P1DT1H30M
    f"{_UNIT_H}(?: ?{_UNIT_M})?(?: ?{_UNIT_S})?|{_UNIT_M}(?: ?{_UNIT_S})?|{_UNIT_S}",  # 1h30m, 2m, 45s, 1 hour
])
DURATION_HINT = ("seconds (90), M:SS (1:30), H:MM:SS (1:02:03), units (2m, 1h30m, 45s, 1 hour) or ISO 8601 "
                 "(PT2M, P1DT2H), up to 100 days, or empty")


def duration(field: str) -> Grammar:
    return Grammar(field, DURATION_PATTERN, DURATION_HINT, max_length=40, core=_filter(field))


_YEAR = "[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000"  # 0001-9999
_LEAP = "[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00"
_MONTH_DAY = "(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31"
DATE_PATTERN = f"|(?:{_YEAR})-(?:{_MONTH_DAY})|(?:{_LEAP})-02-29"


def date(field: str) -> Grammar:
    return Grammar(field, DATE_PATTERN, "a real date as YYYY-MM-DD (2025-01-31), or empty", max_length=10,
                   core=_filter(field))


TYPE_NAMES = ("short", "long", "live", "upcoming")
_TYPE_WORD = ("[Ss][Hh][Oo][Rr][Tt][Ss]?|[Ll][Oo][Nn][Gg][Ss]?|[Ll][Ii][Vv][Ee][Ss]?|[Uu][Pp][Cc][Oo][Mm][Ii][Nn][Gg]"
              "|[Aa][Ll][Ll]")
TYPES = Grammar("types", f"[ ,;+|/]*(?:(?:{_TYPE_WORD})(?:[ ,;+|/]+(?:{_TYPE_WORD}))*)?[ ,;+|/]*",
                "short, long, live, upcoming or all, separated by commas, spaces, + or |", max_length=100,
                core=_filter("types"))

# Keyword text, as the CLI reads it (``filters.parse_keywords``): commas, semicolons and line breaks separate;
# a keyword starting with a quote ("…", “…”, „…“, ”…”) runs to the closing quote, separators included. The
# pattern is that reader's automaton (outside a keyword, inside one, inside quotes: blank so far or not), so it
# takes exactly what the reader takes but a quote left open. 200 characters hold at most 100 keywords of at most
# 200 characters: the core's limits.
_SEP = r",;\n\r"
_OPENERS = (('"', '"'), ("“", "”"), ("”", "”"), ("„", "“"))  # opening quote, its closing quote
_BLANK_QUOTED = "|".join(f"{o}[{WS}]*{c}" for o, c in _OPENERS)
_TEXT_QUOTED = "|".join(f"{o}[{WS}]*[^{WS}{c}][^{c}]*{c}" for o, c in _OPENERS)
_OUTSIDE = f"(?:[{WS},;]|{_BLANK_QUOTED})*"  # between keywords: blanks, separators, empty quotes
_KEYWORD = f"(?:[^{WS},;\"“”„]|{_TEXT_QUOTED})[^{_SEP}]*"  # a plain character or a quoted phrase, then any
KEYWORDS_PATTERN = f"{_OUTSIDE}(?:{_KEYWORD}[{_SEP}]{_OUTSIDE})*(?:{_KEYWORD})?"
KEYWORDS_HINT = 'words or "quoted phrases" separated by commas, every quote closed'
KEYWORD_MAX_CHARS, MAX_KEYWORDS = 200, 100  # a JSON list: 100 keywords of 200 characters (filters' limits)
QUERY_KEYWORD_VALUES, QUERY_KEYWORD_CHARS = 4, 49  # a repeated query parameter: 4 x 25 keywords at most


def keywords(field: str, max_length: int) -> Grammar:
    """Keyword text of at most ``max_length`` characters (200: the core's 100 keywords at most)."""
    return Grammar(field, KEYWORDS_PATTERN, f"{KEYWORDS_HINT}, at most {max_length} characters", max_length=max_length,
                   core=_filter(field))


# -------------------------------------------------------------------------------------- channel inputs

_HANDLE = f"[{ALNUM}][{ALNUM}._-]{{2,29}}"  # 3-30 characters, the first a letter or digit
_CHANNEL_ID = "UC[A-Za-z0-9_-]{22}"
_VIDEO_ID = "[A-Za-z0-9_-]{11}"
_YOUTUBE = r"(?:https?://)?(?:www\.|m\.)?youtube\.com/"
_TAB = "(?:/(?:videos|shorts|streams|featured|playlists|about))?/?"
_NAME = "[A-Za-z0-9][A-Za-z0-9_.-]{0,99}"
CHANNEL_PATTERN = "|".join([
    f"@{_HANDLE}", _CHANNEL_ID,
    f"{_YOUTUBE}(?:@{_HANDLE}|channel/{_CHANNEL_ID}|(?:user|c)/{_NAME}){_TAB}",
    rf"{_YOUTUBE}(?:watch\?v={_VIDEO_ID}|(?:shorts|live|embed)/{_VIDEO_ID})|(?:https?://)?youtu\.be/{_VIDEO_ID}",
])
CHANNEL_HINT = ("@handle, a UC… channel id, or a youtube.com link to a channel (/@handle, /channel/UC…, "
                "/user/NAME, /c/NAME) or a video (watch?v=ID, /shorts/ID, youtu.be/ID)")
CHANNEL = Grammar("channel", CHANNEL_PATTERN, CHANNEL_HINT, max_length=200, core=parse_channels,
                  description="@handle, UC… id, or a youtube.com / youtu.be channel or video link")
MAX_CHANNELS = 200  # channels a fetch takes (channel_input.MAX_INPUTS): a JSON list of them
TEXT_CHANNELS = 50  # channels in one text (more: a list; a bound of 200 in the pattern is too big for Rust's regex)
CHANNELS = Grammar("channels", rf"(?:{CHANNEL_PATTERN})(?:[,;\n] ?(?:{CHANNEL_PATTERN})){{0,{TEXT_CHANNELS - 1}}}",
                   CHANNEL_HINT + f"; up to {TEXT_CHANNELS} separated by commas, semicolons or line breaks (more: a "
                   "list)", core=parse_channels)


# ------------------------------------------------------------------------------------------- targets

_KEY = "[A-Za-z0-9_-]{20,100}"
# a workbook file name: no folder, no drive, not hidden, no control character, at most 85 characters (of at most
# 2 UTF-8 bytes: every file system holds it); dots inside are fine, but not "docs.google" first (read as a URL)
WORKBOOK_PATTERN = (rf"[{FILE_CHARS}_()+,=@!#$%&'-][{FILE_CHARS} _()+,=@!#$%&'.-]{{0,79}}"
                    r"\.(?:[Xx][Ll][Ss][Xx]|[Cc][Ss][Vv])")
SHEET = Grammar("sheet", "|".join([
    _KEY, rf"https://docs\.google\.com/spreadsheets/d/{_KEY}(?:/edit(?:#gid=[0-9]{{1,10}})?)?", WORKBOOK_PATTERN]),
    "a Google Sheets URL (https://docs.google.com/spreadsheets/d/KEY[/edit]) or key (20-100 letters, digits, _ or "
    "-), or a workbook file name in the server's workbooks folder: up to 80 letters, digits, spaces and "
    "_()+,=@!#$%&'.- (no folder; not starting with a dot, a space or docs.google), then .xlsx or .csv",
    max_length=200, exclude=r"[Dd][Oo][Cc][Ss]\.[Gg][Oo][Oo][Gg][Ll][Ee].*")


_TAB_MIDDLE = f"[{FILE_CHARS} _()+,=@!#$%&'.-]"
_TAB_EDGE = _TAB_MIDDLE.replace(" ", "").replace("'", "")


def _history() -> str:
    """History in any case: each letter as every character of the tab alphabet that casefolds to it (ſ is an s)."""
    alphabet = [chr(c) for c in range(0x20, 0x250) if re.fullmatch(_TAB_MIDDLE, chr(c))]
    return "".join("[" + "".join(ch for ch in alphabet if ch.casefold() == letter) + "]" for letter in "history")


# A tab name every target takes (Excel's rules are the strictest: Google's allow 100 characters, any but control
# ones): 1-31 characters, none of : \ / ? * [ ], no apostrophe or space at either end, and not History in any case
# (Excel keeps it); or empty (the default tab, Videos).
TAB = Grammar("tab", f"|{_TAB_EDGE}(?:{_TAB_MIDDLE}{{0,{XLSX_TAB_MAX - 2}}}{_TAB_EDGE})?",
              "1-31 letters, digits, spaces and _()+,=@!#$%&'.- (no apostrophe or space at either end, not History), "
              "or empty for Videos", max_length=XLSX_TAB_MAX, core=lambda v: check_tab(v, xlsx=True),
              exclude=_history())


# ---------------------------------------------------------------------------------------------- rows

VIDEO_ID_PRESENT = "[A-Za-z0-9]"  # a row's video_id: any text with a letter or digit (an id, a link, …)
VIDEO_URL_PATTERN = (rf"(?:https?://)?(?:www\.|m\.)?youtube\.com/(?:watch\?v=|shorts/|live/|embed/){_VIDEO_ID}"
                     rf"|(?:https?://)?youtu\.be/{_VIDEO_ID}")
ROW_ID_RULE = ("give every row a video_id or a YouTube url, as `fetch --format json` prints them (video_id: text "
               "with a letter or digit; url: youtube.com/watch?v=ID, /shorts/ID or youtu.be/ID)")


def row_has_video_id(row: dict[str, Any]) -> bool:
    """The push rule the API states (``ROW_ID_SCHEMA``): every row it admits has a video id for the core."""
    vid, url = row.get("video_id"), row.get("url")
    return (isinstance(vid, str) and re.search(VIDEO_ID_PRESENT, vid) is not None) or (
        isinstance(url, str) and _compiled(VIDEO_URL_PATTERN).fullmatch(url) is not None)


ROW_ID_SCHEMA: dict[str, Any] = {"anyOf": [
    {"required": ["video_id"], "properties": {"video_id": {"type": "string", "pattern": VIDEO_ID_PRESENT}}},
    {"required": ["url"], "properties": {"url": {"type": "string", "pattern": f"^(?:{VIDEO_URL_PATTERN})$"}}},
]}


__all__ = ["CHANNEL", "CHANNELS", "Grammar", "KEYWORD_MAX_CHARS", "MAX_CHANNELS", "MAX_KEYWORDS", "MAX_VIDEOS",
           "QUERY_KEYWORD_CHARS", "QUERY_KEYWORD_VALUES", "QueryBool", "ROW_ID_RULE", "ROW_ID_SCHEMA", "SHEET", "TAB",
           "TYPES", "TYPE_NAMES", "any_of", "date", "duration", "keywords", "refuse", "row_has_video_id", "text_type"]
