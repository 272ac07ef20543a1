"""Cell conversion: a row dict (``Video.to_row()``) -> the values written to a sheet's cells.

Columns are named by ``STANDARD_COLUMNS`` (the original layout, then Video ID) and ``EXTRA_COLUMNS``, then
the ``OPTIONAL_COLUMNS`` a push chose (a row carrying their key: ``store.add_columns``);
dates become ISO ``YYYY-MM-DD`` text, durations "H:MM:SS"/"M:SS" text, counts numbers ("" when
unknown or hidden), text is truncated to a cell's limit. Also the comparisons the planner needs
(``_same``, ``normalize_header``) and the CSV escaping that keeps text from being read as a formula.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from enum import Enum
from typing import Any

from ..channel_input import VIDEO_ID_RE, video_id_from_url
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
TRUNCATION_MARKER = " …[truncated]"
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # text a spreadsheet app would evaluate


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
            cells[column] = truncate_cell(_text(value))
    seconds = row.get("duration_seconds")
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
        cells["Duration"] = format_duration(seconds)
    cells["Video ID"] = _input_key(_text(row.get("video_id")).strip(), _text(row.get("url")))
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


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _count(value: Any) -> int | float | str:
    if value is None or value == "" or isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return value
    number = _as_number(value)
    if number is None:
        return ""
    return int(number) if number.is_integer() else number


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
        f = float(value)
    else:
        s = str(value).strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
        if not s or not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", s):
            return None
        f = float(s)
    return f if math.isfinite(f) else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _same(old: Any, new: Any) -> bool:
    """Equal as a sheet shows them: 1200 == "1200" == 1200.0; blank == blank."""
    if _blank(old) or _blank(new):
        return _blank(old) and _blank(new)
    a, b = _as_number(old), _as_number(new)
    if a is not None and b is not None:
        return a == b
    return str(old).strip() == str(new).strip()


def normalize_header(name: Any) -> str:
    """'Video ID', 'video_id', ' VIDEO-ID ' -> 'videoid'."""
    return re.sub(r"[\s_\-]+", "", _text(name)).casefold()


def _csv_needs_prefix(text: str) -> bool:
    """Text a spreadsheet app would evaluate (after any leading apostrophes): = + - @ tab CR."""
    return text.lstrip("'").startswith(_CSV_FORMULA_START)


def _csv_escape(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value if _csv_needs_prefix(value) else value
    return str(value)


def _csv_unescape(value: str) -> str:
    if value.startswith("'") and _csv_needs_prefix(value[1:]):
        return value[1:]
    return value
