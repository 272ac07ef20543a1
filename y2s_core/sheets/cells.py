"""Cell conversion: a row dict (``Video.to_row()``) -> the values written to a sheet's cells.

Columns are named by ``STANDARD_COLUMNS`` (the original layout, then Video ID) and ``EXTRA_COLUMNS``, then
the ``OPTIONAL_COLUMNS`` a push chose (a row carrying their key: ``store.add_columns``);
dates become ISO ``YYYY-MM-DD`` text, durations "H:MM:SS"/"M:SS" text, counts numbers ("" when
unknown or hidden), text is truncated to a cell's limit. Also the comparisons the planner needs
(``same_value``, ``normalize_header``) and the CSV escaping that keeps text from being read as a formula.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from enum import Enum
from typing import Any

from ..channel_input import VIDEO_ID_RE, video_id_from_url
from ..filters import MAX_DURATION_SECONDS  # a longer "duration" is no video's (filters call it a typo)
from ..models import FIELD_BY_HEADER, OPTIONAL_FIELDS, format_duration

STANDARD_COLUMNS: tuple[str, ...] = (
    "Channel", "Date", "Type", "Duration", "Title", "URL", "Views", "Likes", "NotebookLM", "Video ID",
)
EXTRA_COLUMNS: tuple[str, ...] = ("Comments", "Channel ID")  # appended after Video ID on a new sheet
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(f.header or f.key for f in OPTIONAL_FIELDS)  # off unless chosen
STATS_COLUMNS: tuple[str, ...] = ("Views", "Likes", "Comments", "Views gained (7 d)")  # refreshed on existing rows
FILL_COLUMNS: tuple[str, ...] = ("Video ID", "Channel ID", "First seen")  # written on existing rows only when blank
AIRED_COLUMNS: tuple[str, ...] = ("Type", "Duration")  # rewritten once, when an "Upcoming" row has aired
ALL_COLUMNS: tuple[str, ...] = STANDARD_COLUMNS + EXTRA_COLUMNS

MAX_CELL_CHARS = 50_000  # Google Sheets' limit for one cell
MAX_COUNT = 2**63 - 1  # a count beyond this is no count (YouTube's are uint64; Sheets' numbers are doubles)
TRUNCATION_MARKER = " …[truncated]"
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")  # text a spreadsheet app would evaluate
# (OWASP lists = + - @ tab CR; clean_text turns a CR into a line feed, which a line-based reader also
# splits on, so it is escaped too)
_FORMULA_SIGNS = frozenset("=+-@")  # what a formula starts with once NFKC-folded: ＝ ﹦ ＋ ﹢ － ﹣ ＠ ﹫ too
# What may stand before the sign unseen: Unicode's default-ignorable code points (zero-width space and
# joiners, word joiner, BOM, bidi marks, soft hyphen, variation selectors, Hangul fillers...) and the
# braille blank; whitespace (NBSP, ideographic space...) is ``str.isspace``. An importer that trims
# spaces (LibreOffice's "Trim spaces", converters) or an app that folds fullwidth forms (Excel with an
# East Asian IME) would otherwise see a formula.
_INVISIBLE_RE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]"
)
_XML_CONTROLS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # C0 controls but tab, LF, CR
_NOT_XML_RE = re.compile("[\ud800-\udfff\ufffe\uffff]")  # lone surrogates and the two non-characters


def clean_text(text: str) -> str:
    """``text`` as every file format can hold it: what XML 1.0 forbids (so openpyxl, Excel and Sheets'
    .xlsx import too) and what UTF-8 cannot encode is gone.

    C0 control characters other than tab, line feed and carriage return are dropped (a CR becomes a
    line feed, as an XML parser reads it); a surrogate
    pair split in two (JSON's ``"\\ud83c\\udfac"``) is joined again, and a lone surrogate, U+FFFE and
    U+FFFF become U+FFFD (the replacement character), so a title keeps its length and shows where
    something was lost. One lone surrogate in a title once made a user's .xlsx unreadable.
    """
    if _XML_CONTROLS_RE.search(text):
        text = _XML_CONTROLS_RE.sub("", text)
    if "\r" in text:  # XML reads a CR as LF anyway: one line break for every format
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii() and _NOT_XML_RE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        text = _NOT_XML_RE.sub("\ufffd", text)
    return text


def truncate_cell(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """``text`` cut to ``limit`` characters, ending with a marker when it was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER


def row_to_cells(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row dict (``Video.to_row()``) -> {column name: cell value} for every column we write.

    Each column is the row field whose header it is (``models.ROW_FIELDS``), converted by the field's
    dtype: a date becomes the UTC day as ISO text, a count a number ("" when unknown or hidden), text
    is truncated to the cell limit. Duration is "H:MM:SS"/"M:SS" from duration_seconds when the row
    has it, the Video ID is the row's id or the one inside its URL, NotebookLM is False (an unticked
    checkbox).
    """
    cells: dict[str, Any] = {}
    chosen = [f.header for f in OPTIONAL_FIELDS if f.key in row and f.header]
    for column in (*ALL_COLUMNS, *chosen):
        if column == "NotebookLM":
            cells[column] = False
            continue
        f = FIELD_BY_HEADER.get(column) or _OPTIONAL[column]
        value = row.get(f.key)
        if f.dtype == "datetime":
            cells[column] = _date_text(value)
        elif f.dtype == "Int64":
            cells[column] = _count(value)
        else:
            cells[column] = truncate_cell(clean_text(cell_text(value)))
    seconds = row.get("duration_seconds")
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and 0 <= seconds <= MAX_DURATION_SECONDS:
        cells["Duration"] = format_duration(seconds)  # (NaN fails the comparison; anything else is no duration)
    cells["Video ID"] = clean_text(_input_key(cell_text(row.get("video_id")).strip(), cell_text(row.get("url"))))
    return cells


_OPTIONAL = {f.header: f for f in OPTIONAL_FIELDS}


def optional_columns(rows: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The optional columns (``OPTIONAL_COLUMNS``) a push of ``rows`` writes: those whose key a row carries."""
    keys = {f.key for f in OPTIONAL_FIELDS}
    present = {k for r in rows for k in keys if k in r}
    return tuple(f.header or f.key for f in OPTIONAL_FIELDS if f.key in present)


def _input_key(own: str, url: str) -> str:
    """An input row's video id: its video_id (or a URL given there), else the id in its url."""
    if VIDEO_ID_RE.fullmatch(own):
        return own
    return video_id_from_url(own) or video_id_from_url(url) or own


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _count(value: Any) -> int | float | str:
    """A count cell: the number, or "" when unknown, hidden, not a number or beyond any real count."""
    if value is None or value == "" or isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return value if abs(value) <= MAX_COUNT else ""
    number = _as_number(value)
    if number is None or abs(number) > MAX_COUNT:
        return ""
    return int(number) if number.is_integer() else number


COUNT_KEYS: tuple[str, ...] = ("views", "likes", "comments")  # never below 0 (a gain may be: not here)


def negative_counts(row: Mapping[str, Any]) -> list[str]:
    """The counts of ``row`` that are below zero, as "views -5" (YouTube never answers one: a hand-made or
    edited row)."""
    found = []
    for key in COUNT_KEYS:
        value = _count(row.get(key))
        if isinstance(value, (int, float)) and value < 0:
            found.append(f"{key} {value:g}" if isinstance(value, float) else f"{key} {value}")
    return found


def _date_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    s = str(value).strip()
    try:
        parsed = datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        m = re.match(r"\d{4}-\d{2}-\d{2}", s)
        return m.group(0) if m else s
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc)
    return parsed.date().isoformat()


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            f = float(value)
        except OverflowError:  # an int beyond a double (10**400)
            return None
    else:
        s = str(value).strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
        if not s or not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", s):
            return None
        f = float(s)
    return f if math.isfinite(f) else None


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def same_value(old: Any, new: Any) -> bool:
    """Equal as a sheet shows them: 1200 == "1200" == 1200.0; blank == blank."""
    if is_blank(old) or is_blank(new):
        return is_blank(old) and is_blank(new)
    a, b = _as_number(old), _as_number(new)
    if a is not None and b is not None:
        return a == b
    return str(old).strip() == str(new).strip()


def normalize_header(name: Any) -> str:
    """'Video ID', 'video_id', ' VIDEO-ID ' -> 'videoid'."""
    return re.sub(r"[\s_\-]+", "", cell_text(name)).casefold()


def _csv_needs_prefix(text: str) -> bool:
    """Text a spreadsheet app would evaluate (after any leading apostrophes): = + - @ tab CR LF, or a
    sign that is one of = + - @ once folded (NFKC: fullwidth ＝ ＋ － ＠, small ﹦ ﹢ ﹣ ﹫) after any
    whitespace (space, NBSP, ideographic space) and invisible characters (zero-width space, BOM...)."""
    text = text.lstrip("'")
    if text.startswith(_CSV_FORMULA_START):
        return True
    for ch in text:
        if ch.isspace() or _INVISIBLE_RE.match(ch) or unicodedata.category(ch) == "Cf":
            continue
        folded = unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch
        return folded[:1] in _FORMULA_SIGNS
    return False


def csv_escape(value: Any) -> str:
    """A cell's CSV text that no spreadsheet app evaluates: text starting with = + - @ tab or CR (after
    any apostrophes), or with = + - @ or a fullwidth/small form of them after spaces or invisible
    characters, gets a leading apostrophe, the OWASP advice against CSV injection. Every CSV the project
    writes (local targets, downloads, ``fetch --format csv``, ``history --format csv``) goes through here."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value if _csv_needs_prefix(value) else value
    return str(value)


def csv_unescape(value: str) -> str:
    if value.startswith("'") and _csv_needs_prefix(value[1:]):
        return value[1:]
    return value
