"""The sheet upsert: a pure planner and the targets it is applied to.

``plan(rows, existing)`` compares the rows to push (``Video.to_row()`` dicts) with a sheet's current
values and says what to append, which cells to update and what is unchanged. It does no I/O. A
``SheetTarget`` reads a sheet and applies a plan:

* ``GoogleSheetTarget``: one tab of a Google spreadsheet through gspread 6 (bounded retries, errors
  mapped to the tree). Requests for one push, whatever the row count (a write is split only beyond
  ``MAX_REQUEST_BYTES``)::

      read    values.get of the tab (FORMULA render: numbers as numbers, formulas as their text)
              + spreadsheets.get only when no tab answers to that name (missing, or other letter case)
      apply   spreadsheets.get (sheetId, grid size)  only when rows or columns are added to an existing tab
              spreadsheets.batchUpdate               [addSheet] [appendDimension] NotebookLM checkbox rule
                                                     on the rows about to be appended [frozen header]
              values.batchUpdate (RAW)               header additions + changed cells
              values.append (RAW, OVERWRITE)         every new row (with the header on an empty tab)

  So: nothing changed -> 1 request; only stats changed -> 2; new rows -> 4 or 5. The metadata read is
  kept (not merged into the values read) because values.get does not return the tab's numeric sheetId,
  which the checkbox rule needs, and fetching values through spreadsheets.get(includeGridData) would
  multiply the payload several times over.
* ``LocalWorkbookTarget``: a local ``.xlsx`` (openpyxl) or ``.csv`` file, same semantics.

Sheet layout (ARCHITECTURE.md): a header row (the first of the top rows naming at least two known
columns, so a title row above it is fine); columns found by header name (case/space/underscore-
insensitive); rows keyed by the Video ID column, else the id inside the URL column (plain URL or a
=HYPERLINK formula). Existing rows only get their stats refreshed (Views, Likes, Comments), a blank
Video ID / Channel ID filled in, and Type/Duration of a row still marked "Upcoming" updated once it
aired; NotebookLM and user columns are never written for them. Values are written RAW: text is never
evaluated as a formula. Dates are written as ISO ``YYYY-MM-DD`` text.

Consistency: the checkbox rule is set before the rows it covers are appended, so a push interrupted at
any point leaves a sheet that the same push, re-run, completes without duplicates (an append whose
answer was lost is reconciled against a fresh read before it is retried). If an append finally fails
after the rule was set, the empty rows under the data show unticked checkboxes until the re-run fills
them. Writes address absolute rows read a moment earlier: a user inserting or deleting rows above the
data during that second can shift a refreshed count onto a neighbouring row; the next push rewrites
every count that differs, so it repairs itself.

``push(rows, target)`` is read -> plan -> apply; ``push(..., dry_run=True)`` stops after the plan.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import os
import random
import re
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qs, urlsplit

import requests

from ..errors import InputError, PermissionDenied, SheetNotFound, SheetsError
from ..models import format_duration
from ..settings import Settings

STANDARD_COLUMNS: tuple[str, ...] = (
    "Channel", "Date", "Type", "Duration", "Title", "URL", "Views", "Likes", "NotebookLM", "Video ID",
)
EXTRA_COLUMNS: tuple[str, ...] = ("Comments", "Channel ID")  # appended after Video ID on a new sheet
STATS_COLUMNS: tuple[str, ...] = ("Views", "Likes", "Comments")  # refreshed on existing rows
FILL_COLUMNS: tuple[str, ...] = ("Video ID", "Channel ID")  # written on existing rows only when blank
AIRED_COLUMNS: tuple[str, ...] = ("Type", "Duration")  # rewritten once, when an "Upcoming" row has aired
ALL_COLUMNS: tuple[str, ...] = STANDARD_COLUMNS + EXTRA_COLUMNS

DEFAULT_WORKBOOK_NAME = "youtube2sheets.xlsx"
MAX_CELL_CHARS = 50_000  # Google Sheets' limit for one cell
XLSX_MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
TRUNCATION_MARKER = " …[truncated]"
MAX_REQUEST_BYTES = 2_000_000  # Google's recommended maximum payload; larger writes are split
SHEETS_API_PREFIX = "https://sheets.googleapis.com"
SHEETS_SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
HTTP_TIMEOUT = (15.0, 300.0)  # (connect, read) seconds: a big append can take a while to answer

_VIDEO_ID_RE = re.compile(r"[A-Za-z0-9_-]{11}")
_KEY_RE = re.compile(r"[A-Za-z0-9_-]{20,}")  # real keys are 44 characters
_QUOTED_RE = re.compile(r'"([^"]+)"')
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_SCAN_ROWS = 10  # the header row is looked for among the first rows of a tab


# --------------------------------------------------------------------------- cells


def video_id_from_url(url: str) -> str | None:
    """The 11-character video id inside a YouTube URL (watch?v=, youtu.be/, /shorts/, /live/, /embed/)."""
    if not url:
        return None
    s = str(url).strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", s, re.I):
        s = "https://" + s
    try:
        parts = urlsplit(s)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    for prefix in ("www.", "m.", "music."):
        if host.startswith(prefix):
            host = host[len(prefix):]
    candidate = ""
    if host == "youtu.be":
        candidate = parts.path.strip("/").split("/")[0]
    elif host in ("youtube.com", "youtube-nocookie.com"):
        segments = [p for p in parts.path.split("/") if p]
        if segments[:1] == ["watch"]:
            candidate = (parse_qs(parts.query).get("v") or [""])[0]
        elif len(segments) >= 2 and segments[0] in ("shorts", "live", "embed", "v", "e"):
            candidate = segments[1]
    return candidate if _VIDEO_ID_RE.fullmatch(candidate) else None


def _video_id_in(value: Any) -> str | None:
    """The video id a sheet cell points to: a URL, or a formula such as =HYPERLINK("https://youtu.be/…")."""
    text = _text(value).strip()
    if not text:
        return None
    found = video_id_from_url(text)
    if found is None and text.startswith("="):
        found = next((v for v in map(video_id_from_url, _QUOTED_RE.findall(text)) if v), None)
    return found


def _row_key(row: Sequence[Any], vid_col: int | None, url_col: int | None) -> str:
    """A sheet row's video id: the Video ID cell (an id, or a URL pasted there), else the URL cell.

    A Video ID cell holding anything else (a formula, an unusual id) is used as is when the URL
    column gives nothing."""
    own = _text(_cell(row, vid_col)).strip()
    if _VIDEO_ID_RE.fullmatch(own):
        return own
    return _video_id_in(own) or _video_id_in(_cell(row, url_col)) or own


def truncate_cell(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """``text`` cut to ``limit`` characters, ending with a marker when it was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER


def row_to_cells(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row dict (``Video.to_row()``) -> {column name: cell value} for every column we write.

    Date is the UTC date as ISO text, Duration "H:MM:SS"/"M:SS" text, counts are numbers or "" when
    unknown/hidden, NotebookLM is False (an unticked checkbox); text is truncated to the cell limit.
    """
    seconds = row.get("duration_seconds")
    duration = format_duration(seconds) if isinstance(seconds, (int, float)) else _text(row.get("duration"))
    url = _text(row.get("url"))
    return {
        "Channel": truncate_cell(_text(row.get("channel"))),
        "Date": _date_text(row.get("date")),
        "Type": _text(row.get("type")),
        "Duration": duration,
        "Title": truncate_cell(_text(row.get("title"))),
        "URL": truncate_cell(url),
        "Views": _count(row.get("views")),
        "Likes": _count(row.get("likes")),
        "NotebookLM": False,
        "Video ID": _input_key(_text(row.get("video_id")).strip(), url),
        "Comments": _count(row.get("comments")),
        "Channel ID": _text(row.get("channel_id")),
    }


def _input_key(own: str, url: str) -> str:
    """An input row's video id: its video_id (or a URL given there), else the id in its url."""
    if _VIDEO_ID_RE.fullmatch(own):
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


# --------------------------------------------------------------------------- the planner


class CellUpdate(NamedTuple):
    """One cell to write, 0-based grid coordinates (row 0 is the header row)."""

    row: int
    col: int
    value: Any


@dataclass(frozen=True)
class Plan:
    """What a push will do. ``appends`` rows are laid out by ``header`` (None = leave the cell alone).

    ``updates`` use absolute 0-based grid rows: the header sits on ``header_row`` (rows above it, such
    as a title, are left alone) and appended rows go after the last of the ``existing_rows``."""

    header: list[str]
    header_changed: bool
    appends: list[list[Any]]
    updates: list[CellUpdate]
    new: int
    updated: int
    unchanged: int
    duplicates_in_sheet: list[str] = field(default_factory=list)
    duplicates_in_input: int = 0
    skipped: int = 0  # input rows without a video id (none in video_id, none in url)
    existing_rows: int = 0  # grid rows read, header included
    header_row: int = 0

    def summary(self) -> str:
        """'12 new, 3 updated, 40 unchanged'."""
        return f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged"

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.duplicates_in_sheet:
            ids = ", ".join(self.duplicates_in_sheet[:10]) + (" …" if len(self.duplicates_in_sheet) > 10 else "")
            out.append(
                f"{len(self.duplicates_in_sheet)} video id(s) appear more than once in the sheet ({ids}); "
                "all their rows were refreshed, none added."
            )
        if self.duplicates_in_input:
            out.append(f"{self.duplicates_in_input} repeated input row(s) were pushed once.")
        if self.skipped:
            out.append(f"{self.skipped} input row(s) without a video id or YouTube URL were skipped.")
        return out

    @property
    def has_writes(self) -> bool:
        return bool(self.appends or self.updates)

    @property
    def column_index(self) -> dict[str, int]:
        """Standard/extra column name -> 0-based position in ``header``."""
        return _locate(self.header)


def _locate(header: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, name in enumerate(header):
        n = normalize_header(name)
        if n and n not in found:
            found[n] = i
    return {c: found[normalize_header(c)] for c in ALL_COLUMNS if normalize_header(c) in found}


def _cell(row: Sequence[Any], i: int | None) -> Any:
    if i is None or i >= len(row):
        return None
    return row[i]


def find_header_row(existing: Sequence[Sequence[Any]]) -> int | None:
    """The header's row index: the first of the top rows naming two or more known columns, else the
    first non-blank row; None when the tab is blank."""
    first: int | None = None
    for r, row in enumerate(existing):
        if first is None and any(not _blank(v) for v in row):
            first = r
        if r < HEADER_SCAN_ROWS and len(_locate(row)) >= 2:
            return r
        if first is not None and r >= HEADER_SCAN_ROWS:
            break
    return first


def plan(rows: Sequence[Mapping[str, Any]], existing: Sequence[Sequence[Any]]) -> Plan:
    """The upsert of ``rows`` into a sheet whose current values (from row 1) are ``existing``.

    Pure: no I/O. Keys are video ids (Video ID column, else the id in the URL column). Missing
    standard columns are added at the end of the header (on a blank sheet: every standard and extra
    column). New rows are appended; existing rows get changed stats cells and blank id cells written.
    """
    found = find_header_row(existing)
    h = 0 if found is None else found
    header = [_text(v) for v in (existing[h] if found is not None else [])]
    while header and _blank(header[-1]):
        header.pop()
    data = range(h + 1, len(existing))
    pos = _locate(header)
    width = max((len(existing[r]) for r in data), default=0)
    wanted = STANDARD_COLUMNS if header else ALL_COLUMNS
    missing = [c for c in wanted if c not in pos]
    start = max(len(header), width)
    new_header = header + [""] * (start - len(header)) + missing
    updates: list[CellUpdate] = []
    for k, name in enumerate(missing):
        pos[name] = start + k
        updates.append(CellUpdate(h, start + k, name))

    # Index the sheet's rows by video id (an existing Video ID cell wins over the URL).
    vid_col = pos.get("Video ID") if "Video ID" not in missing else None
    url_col = pos.get("URL") if "URL" not in missing else None
    index: dict[str, list[int]] = {}
    for r in data:
        key = _row_key(existing[r], vid_col, url_col)
        if key:
            index.setdefault(key, []).append(r)
    duplicates = [k for k, rs in index.items() if len(rs) > 1]

    layout = [(name, pos[name]) for name in ALL_COLUMNS if name in pos]
    refresh = [(name, pos[name]) for name in STATS_COLUMNS if name in pos]
    fill = [(name, pos[name]) for name in FILL_COLUMNS if name in pos]
    aired = [(name, pos[name]) for name in AIRED_COLUMNS if name in pos and name not in missing]
    type_col = pos.get("Type") if "Type" not in missing else None
    appends: list[list[Any]] = []
    seen: set[str] = set()
    new = updated = unchanged = dup_input = skipped = 0
    for source in rows:
        cells = row_to_cells(source)
        vid = cells["Video ID"]
        if not vid:
            skipped += 1
            continue
        if vid in seen:
            dup_input += 1
            continue
        seen.add(vid)
        targets = index.get(vid)
        if targets is None:
            out: list[Any] = [None] * len(new_header)
            for name, i in layout:
                out[i] = cells[name]
            while out and out[-1] is None:
                out.pop()
            appends.append(out)
            new += 1
            continue
        changed = False
        for r in targets:
            current = existing[r]
            for name, i in refresh:
                value = cells[name]
                if value != "" and not _same(_cell(current, i), value):  # unknown never erases a count
                    updates.append(CellUpdate(r, i, value))
                    changed = True
            for name, i in fill:
                value = cells[name]
                if value and _blank(_cell(current, i)):
                    updates.append(CellUpdate(r, i, value))
                    changed = True
            # "Upcoming" is transient: once the video aired, its type and duration are filled in.
            if normalize_header(_cell(current, type_col)) == "upcoming" and cells["Type"] not in ("", "Upcoming"):
                for name, i in aired:
                    if cells[name] != "" and not _same(_cell(current, i), cells[name]):
                        updates.append(CellUpdate(r, i, cells[name]))
                        changed = True
        if changed:
            updated += 1
        else:
            unchanged += 1
    return Plan(
        header=new_header,
        header_changed=bool(missing),
        appends=appends,
        updates=updates,
        new=new,
        updated=updated,
        unchanged=unchanged,
        duplicates_in_sheet=duplicates,
        duplicates_in_input=dup_input,
        skipped=skipped,
        existing_rows=len(existing),
        header_row=h,
    )


def cell_blocks(updates: Iterable[CellUpdate]) -> list[tuple[int, int, list[list[Any]]]]:
    """Merge cell updates into rectangles ``(row, col, values)``: adjacent cells in a row form a run,
    runs with the same columns on consecutive rows form a block. The last write to a cell wins."""
    cells: dict[tuple[int, int], Any] = {}
    for u in updates:
        cells[(u.row, u.col)] = u.value
    runs: list[tuple[int, int, list[Any]]] = []
    for (r, c) in sorted(cells):
        if runs and runs[-1][0] == r and runs[-1][1] + len(runs[-1][2]) == c:
            runs[-1][2].append(cells[(r, c)])
        else:
            runs.append((r, c, [cells[(r, c)]]))
    runs.sort(key=lambda run: (run[1], len(run[2]), run[0]))
    blocks: list[tuple[int, int, list[list[Any]]]] = []
    for r, c, values in runs:
        if blocks:
            br, bc, bvals = blocks[-1]
            if bc == c and len(bvals[0]) == len(values) and br + len(bvals) == r:
                bvals.append(values)
                continue
        blocks.append((r, c, [values]))
    blocks.sort(key=lambda b: (b[0], b[1]))
    return blocks


def apply_to_grid(grid: Sequence[Sequence[Any]], p: Plan) -> list[list[Any]]:
    """A new grid with ``p`` applied to ``grid`` (the values ``p`` was planned from)."""
    out = [list(r) for r in grid]
    while out and all(_blank(v) for v in out[-1]):
        out.pop()

    def put(r: int, c: int, v: Any) -> None:
        while len(out) <= r:
            out.append([])
        row = out[r]
        if len(row) <= c:
            row.extend([""] * (c + 1 - len(row)))
        row[c] = v

    for u in p.updates:
        put(u.row, u.col, u.value)
    base = max(len(out), 1)
    for k, row in enumerate(p.appends):
        put(base + k, 0, row[0] if row and row[0] is not None else "")
        for c, v in enumerate(row):
            if v is not None:
                put(base + k, c, v)
    return out


# --------------------------------------------------------------------------- targets


class SheetTarget(ABC):
    """Somewhere a plan can be applied: a Google Sheets tab or a local workbook."""

    name: str = ""
    description: str = ""

    @property
    def url(self) -> str | None:
        return None

    @property
    def request_count(self) -> int:
        """HTTP requests made so far (0 for local files)."""
        return 0

    @abstractmethod
    def read(self) -> list[list[Any]]:
        """The tab's values, header row first; [] when the tab (or file) does not exist yet."""

    @abstractmethod
    def apply(self, plan: Plan) -> None:
        """Write ``plan``, made from this target's latest ``read()``."""


XLSX_TAB_MAX = 31  # Excel's limit on a worksheet name
GOOGLE_TAB_MAX = 100  # Google Sheets' limit on a tab name
_XLSX_TAB_FORBIDDEN = set(":\\/?*[]")


def check_tab(tab: str, *, xlsx: bool) -> str:
    r"""The tab name to push to ('' -> 'Videos'), or InputError naming the rule it breaks.

    ``xlsx``: Excel's rules (at most 31 characters, none of : \ / ? * [ ], no leading or trailing
    apostrophe, not 'History'); otherwise Google Sheets' (at most 100 characters).
    """
    t = (tab or "").strip() or "Videos"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in t):
        raise InputError("The tab name contains a control character; type a plain name such as Videos.")
    if xlsx:
        bad = sorted(_XLSX_TAB_FORBIDDEN & set(t))
        if bad:
            raise InputError(f"Tab {t!r}: a workbook tab name cannot contain {' '.join(bad)}.")
        if len(t) > XLSX_TAB_MAX:
            raise InputError(f"Tab name {t[:40]!r}… is {len(t)} characters; a workbook tab holds at most {XLSX_TAB_MAX}.")
        if t.startswith("'") or t.endswith("'"):
            raise InputError(f"Tab {t!r}: a workbook tab name cannot start or end with an apostrophe.")
        if t.casefold() == "history":
            raise InputError("'History' is reserved by Excel; pick another tab name.")
    elif len(t) > GOOGLE_TAB_MAX:
        raise InputError(f"The tab name is {len(t)} characters; Google Sheets allows at most {GOOGLE_TAB_MAX}.")
    return t



class LocalWorkbookTarget(SheetTarget):
    """A local ``.xlsx`` workbook (tab = worksheet) or ``.csv`` file (no tabs): the same upsert.

    Writes go to a temporary file that replaces the original, so a failure leaves the old file.

    CSV: a cell we write whose text starts with = + - @ (or tab/CR) is stored with a leading ``'``,
    the OWASP advice against CSV injection: Excel and Google Sheets open a CSV by evaluating such text
    as a formula (``=IMPORTXML(...)`` fetches a URL, ``-20%`` becomes a number), whereas a leading
    apostrophe makes them show it as text. Other tools see the apostrophe; ``read`` removes it again
    (text that itself starts with apostrophes before such a character gets one more, so it round-trips).
    Cells already in the file are written back exactly as they were read.

    XLSX: text cells are stored as strings (never formulas). openpyxl keeps values, styles and data
    validation of an existing workbook, but not its images or charts.
    """

    def __init__(self, path: str | os.PathLike[str], tab: str = "Videos") -> None:
        self.path = Path(path).expanduser()
        suffix = self.path.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise InputError(f"{self.path.name}: a local workbook must be a .xlsx or .csv file.")
        self.format: Literal["xlsx", "csv"] = "xlsx" if suffix == ".xlsx" else "csv"
        self.tab = check_tab(tab, xlsx=self.format == "xlsx")
        self.name = str(self.path)
        self.description = f"{self.path.name} (tab {self.tab})" if self.format == "xlsx" else self.path.name

    def __repr__(self) -> str:
        return f"LocalWorkbookTarget({str(self.path)!r}, tab={self.tab!r})"

    def read(self) -> list[list[Any]]:
        if not self.path.exists():
            return []
        if self.path.is_dir():
            raise InputError(f"{self.path} is a folder; give a .xlsx or .csv file name.")
        try:
            if self.format == "csv":
                grid = [[_csv_unescape(v) for v in row] for row in self._csv_rows()]
            else:
                grid = self._read_xlsx()
        except OSError as e:
            raise SheetsError(f"Cannot read {self.path}: {e.strerror or e}.") from None
        return _trim_grid(grid)

    def _csv_rows(self) -> list[list[str]]:
        """The file's cells as stored (escaping apostrophes kept)."""
        try:
            with self.path.open("r", encoding="utf-8-sig", newline="") as f:
                return list(csv.reader(f))
        except UnicodeDecodeError:
            raise SheetsError(f"{self.path} is not a UTF-8 CSV file; save it as CSV UTF-8 and re-run.") from None
        except csv.Error as e:
            raise SheetsError(f"{self.path} is not a valid CSV file ({e}).") from None

    def _read_xlsx(self) -> list[list[Any]]:
        import openpyxl

        try:
            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=False)
        except OSError:
            raise
        except Exception as e:  # BadZipFile, InvalidFileException, KeyError on a broken archive ...
            raise SheetsError(f"{self.path} is not a valid .xlsx workbook ({type(e).__name__}).") from None
        try:
            if self.tab not in wb.sheetnames:
                return []
            return [["" if v is None else v for v in row] for row in wb[self.tab].iter_rows(values_only=True)]
        finally:
            wb.close()

    def apply(self, plan: Plan) -> None:
        if not plan.has_writes:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.format == "csv":
            _atomic_write(self.path, self._csv_apply(plan))
        else:
            _atomic_write(self.path, self._xlsx_apply(plan))

    def _csv_apply(self, plan: Plan) -> bytes:
        """The file with ``plan`` applied: our values escaped, the file's own cells untouched."""
        try:
            raw = self._csv_rows() if self.path.exists() else []
        except OSError as e:
            raise SheetsError(f"Cannot read {self.path}: {e.strerror or e}.") from None
        raw = raw[: len(_trim_grid([[_csv_unescape(v) for v in row] for row in raw]))]
        escaped = replace(
            plan,
            updates=[u._replace(value=_csv_escape(u.value)) for u in plan.updates],
            appends=[[None if v is None else _csv_escape(v) for v in row] for row in plan.appends],
        )
        return _csv_text(apply_to_grid(raw, escaped))

    def _xlsx_apply(self, plan: Plan) -> bytes:
        import openpyxl

        if self.path.exists():
            existing = self.read()  # validates the file
            wb = openpyxl.load_workbook(self.path)
        else:
            existing = []
            wb = openpyxl.Workbook()
            wb.active.title = self.tab
        if self.tab in wb.sheetnames:
            ws = wb[self.tab]
        else:
            ws = wb.create_sheet(self.tab)
        if not existing:
            ws.freeze_panes = "A2"
        for u in plan.updates:
            _xlsx_set(ws.cell(u.row + 1, u.col + 1), u.value)
        base = max(len(existing), 1)
        for k, row in enumerate(plan.appends):
            for c, v in enumerate(row):
                if v is not None:
                    _xlsx_set(ws.cell(base + k + 1, c + 1), v)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


def _trim_grid(grid: list[list[Any]]) -> list[list[Any]]:
    for row in grid:
        while row and _blank(row[-1]):
            row.pop()
    while grid and not grid[-1]:
        grid.pop()
    return grid


def _xlsx_set(cell: Any, value: Any) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        cell.value = truncate_cell(ILLEGAL_CHARACTERS_RE.sub("", value), XLSX_MAX_CELL_CHARS)
        cell.data_type = "s"  # never a formula, whatever the text starts with
    else:
        cell.value = value


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


def _csv_text(grid: Sequence[Sequence[Any]]) -> bytes:
    """CSV bytes (UTF-8 with BOM, for Excel) of already-escaped cells."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in grid:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _csv_bytes(grid: Sequence[Sequence[Any]]) -> bytes:
    return _csv_text([[_csv_escape(v) for v in row] for row in grid])


def _xlsx_bytes(grid: Sequence[Sequence[Any]], tab: str = "Videos") -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = tab
    ws.freeze_panes = "A2"
    for r, row in enumerate(grid, start=1):
        for c, v in enumerate(row, start=1):
            if v is not None and v != "":
                _xlsx_set(ws.cell(r, c), v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise SheetsError(f"Cannot write {path}: {e.strerror or e}.") from None


def workbook_bytes(rows: Sequence[Mapping[str, Any]], fmt: Literal["xlsx", "csv"]) -> bytes:
    """A fresh workbook of ``rows`` (same columns and cells as a push into an empty tab)."""
    grid = apply_to_grid([], plan(rows, []))
    if fmt == "xlsx":
        return _xlsx_bytes(grid)
    if fmt == "csv":
        return _csv_bytes(grid)
    raise InputError(f"unknown workbook format {fmt!r} (use xlsx or csv)")


def default_workbook_path(settings: Settings | None = None) -> Path:
    """Where the embedded default workbook lives: {Y2S_DATA_DIR}/youtube2sheets.xlsx."""
    settings = settings or Settings.from_env()
    return settings.data_dir / DEFAULT_WORKBOOK_NAME


def default_target(settings: Settings | None = None, tab: str = "Videos") -> LocalWorkbookTarget:
    """The target used when no sheet is given and no Google credentials are configured."""
    return LocalWorkbookTarget(default_workbook_path(settings), tab)


# --------------------------------------------------------------------------- Google Sheets


@dataclass
class RetryPolicy:
    """Bounded exponential backoff with jitter; honours Retry-After. ``sleep`` is injectable for tests."""

    tries: int = 5
    base: float = 0.5
    cap: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        d = min(self.cap, self.base * 2 ** (attempt - 1)) * (0.5 + 0.5 * self.jitter())
        if retry_after:
            try:
                d = max(d, min(float(retry_after), 120.0))
            except ValueError:
                pass
        return d


@functools.lru_cache(maxsize=1)
def _bounded_http_client_class() -> type:
    import gspread
    from gspread.exceptions import APIError

    class BoundedRetryHTTPClient(gspread.HTTPClient):
        """gspread's HTTPClient with a bounded retry on 429/5xx and an optional base-URL rewrite.

        A POST to ``values:append`` is not idempotent: it is retried here only on 429 (the request was
        rejected); on 5xx or a broken connection the caller reconciles against a fresh read first.
        """

        base_url: str | None = None
        retry: RetryPolicy = RetryPolicy()
        count: int = 0

        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
            if self.base_url and endpoint.startswith(SHEETS_API_PREFIX):
                endpoint = self.base_url + endpoint[len(SHEETS_API_PREFIX):]
            appending = method.lower() == "post" and endpoint.split("?")[0].endswith(":append")
            attempt = 0
            while True:
                attempt += 1
                self.count += 1
                try:
                    return super().request(method, endpoint, *args, **kwargs)
                except APIError as e:
                    status = e.response.status_code
                    if status not in RETRY_STATUSES or attempt >= self.retry.tries or (appending and status != 429):
                        raise
                    wait = self.retry.delay(attempt, e.response.headers.get("Retry-After"))
                except (requests.ConnectionError, requests.Timeout):
                    if appending or attempt >= self.retry.tries:
                        raise
                    wait = self.retry.delay(attempt)
                self.retry.sleep(wait)

    return BoundedRetryHTTPClient


def parse_spreadsheet_key(spec: str) -> str:
    """A Google Sheets URL (any docs.google.com/spreadsheets/d/ID/... form) or a bare key -> the key."""
    s = (spec or "").strip()
    if not s:
        raise InputError("No spreadsheet given: paste the Google Sheets URL or its key.")
    if "/" in s or "://" in s or s.lower().startswith("docs.google"):
        try:
            parts = urlsplit(s if "://" in s else "https://" + s)
            host = (parts.hostname or "").lower()
        except ValueError:
            host, parts = "", None
        if parts is not None and host == "docs.google.com":
            m = re.match(r"^/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)", parts.path)
            if m and m.group(1) == "e":
                raise InputError(
                    "That is a 'Publish to the web' link, which cannot be edited: open the sheet and copy the "
                    "URL from the address bar (https://docs.google.com/spreadsheets/d/<key>/edit)."
                )
            if m and _KEY_RE.fullmatch(m.group(1)):
                return m.group(1)
            key = (parse_qs(parts.query).get("key") or [""])[0]
            if _KEY_RE.fullmatch(key):
                return key
        raise InputError(
            f"{_short(s)} is not a Google Sheets URL: use https://docs.google.com/spreadsheets/d/<key>/edit, "
            "the bare key, or a .xlsx/.csv file path."
        )
    if _KEY_RE.fullmatch(s):
        return s
    raise InputError(
        f"{_short(s)} is neither a Google Sheets URL/key nor a .xlsx/.csv file path."
    )


def _short(s: str, n: int = 80) -> str:
    return repr(s if len(s) <= n else s[: n - 1] + "…")


def _a1(row: int, col: int) -> str:
    """0-based (row, col) -> 'B3'."""
    letters = ""
    c = col + 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _sheet_range(tab: str, a1: str | None = None) -> str:
    name = "'" + tab.replace("'", "''") + "'"
    return f"{name}!{a1}" if a1 else name


_UPDATED_RANGE_RE = re.compile(r"!\$?[A-Z]+\$?(\d+)(?::\$?[A-Z]+\$?(\d+))?$")


def _chunks(items: Sequence[Any], size: Callable[[Any], int], limit: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    total = 0
    for item in items:
        n = size(item)
        if chunk and total + n > limit:
            yield chunk
            chunk, total = [], 0
        chunk.append(item)
        total += n
    if chunk:
        yield chunk


def _json_size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False).encode("utf-8")) + 1


class GoogleSheetTarget(SheetTarget):
    """One tab of a Google spreadsheet, through gspread 6. The requests are listed in the module docstring."""

    def __init__(
        self,
        spreadsheet: str,
        tab: str = "Videos",
        settings: Settings | None = None,
        session: requests.Session | None = None,
        *,
        retry: RetryPolicy | None = None,
        max_request_bytes: int = MAX_REQUEST_BYTES,
    ) -> None:
        self.key = parse_spreadsheet_key(spreadsheet)
        self.tab = check_tab(tab, xlsx=False)
        self.settings = settings if settings is not None else Settings.from_env()
        self.max_request_bytes = max_request_bytes
        if session is None and not self.settings.has_sheets:
            raise PermissionDenied(_NO_CREDENTIALS, email=None, status=None)
        self._client = self._make_client(session, retry or RetryPolicy())
        self._http = self._client.http_client
        self._sheet: dict[str, Any] | None = None  # the tab's properties, once metadata was read
        self._sheet_ids: set[int] = set()  # every tab's sheetId, once metadata was read
        self._missing = False  # read() found no such tab
        self.name = f"https://docs.google.com/spreadsheets/d/{self.key}"
        self.description = f"Google Sheet {self.key[:8]}… (tab {self.tab})"

    def __repr__(self) -> str:
        return f"GoogleSheetTarget({self.key!r}, tab={self.tab!r})"

    def _make_client(self, session: requests.Session | None, retry: RetryPolicy) -> Any:
        import gspread
        from google.auth.credentials import AnonymousCredentials

        if session is not None or self.settings.sheets_api_url:
            auth: Any = AnonymousCredentials()  # emulator or injected transport: no OAuth token
        else:
            from google.oauth2.service_account import Credentials

            try:
                auth = Credentials.from_service_account_info(
                    dict(self.settings.service_account_info or {}), scopes=list(SHEETS_SCOPES)
                )
            except (ValueError, KeyError, TypeError) as e:
                raise PermissionDenied(
                    "The service-account JSON key cannot be used "
                    f"({self.settings.redact(str(e))[:200]}); download a new JSON key for the service account "
                    "and set GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON (or [gcp_service_account] in secrets).",
                    email=self.settings.service_account_email,
                    status=None,
                ) from None
        client = gspread.Client(auth, session=session, http_client=_bounded_http_client_class())
        client.http_client.retry = retry
        client.set_timeout(HTTP_TIMEOUT)
        if self.settings.sheets_api_url:
            client.http_client.base_url = self.settings.sheets_api_url.rstrip("/")
        return client

    @property
    def url(self) -> str | None:
        gid = self._sheet.get("sheetId") if self._sheet else None
        return f"{self.name}/edit" + (f"#gid={gid}" if gid is not None else "")

    @property
    def request_count(self) -> int:
        return self._http.count

    # -- calls, each mapped to the error tree

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
        from gspread.exceptions import APIError

        try:
            return fn(*args, **kwargs)
        except APIError as e:
            raise self._map_api_error(e) from None
        except (requests.ConnectionError, requests.Timeout, TransportError) as e:
            where = self.settings.sheets_api_url or SHEETS_API_PREFIX
            raise SheetsError(
                f"The Google Sheets endpoint {where} is unreachable ({type(e).__name__}); check the network "
                "(or Y2S_SHEETS_API_URL) and re-run: the push resumes without duplicates."
            ) from None
        except RefreshError as e:
            email = self.settings.service_account_email
            raise PermissionDenied(
                f"Google refused the service account {email or ''} credentials "
                f"({self.settings.redact(str(e))[:200]}); the key may be revoked: create a new JSON key.",
                email=email,
                status=401,
            ) from None
        except GoogleAuthError as e:
            raise SheetsError(f"Google authentication failed: {self.settings.redact(str(e))[:200]}") from None

    def _map_api_error(self, e: Any) -> SheetsError:
        status = e.response.status_code
        message = self.settings.redact(str((e.error or {}).get("message") or e.response.reason or ""))[:300]
        email = self.settings.service_account_email
        if status == 404:
            return SheetNotFound(
                f"No Google spreadsheet with key {self.key}: check the URL (copy it from the browser's "
                "address bar) and that the sheet was not deleted.",
                status=404,
            )
        if status in (401, 403):
            if "has not been used" in message or "is disabled" in message:
                return PermissionDenied(
                    f"The Google Sheets API is not enabled for the service account's project: {message}",
                    email=email,
                    status=status,
                )
            who = email or "the service account (client_email in its JSON key)"
            return PermissionDenied(
                f"The service account may not open or edit this spreadsheet ({status}). "
                f"Share the sheet with {who} as Editor (Share button in Google Sheets), then re-run.",
                email=email,
                status=status,
            )
        if status == 429:
            return SheetsError(
                f"Google Sheets rate limit (429) still hit after {self._http.retry.tries} tries; wait a minute "
                "and re-run: the push resumes without duplicates.",
                status=429,
            )
        if status >= 500:
            return SheetsError(
                f"Google Sheets failed ({status}: {message or 'server error'}); re-run the push later: "
                "it resumes without duplicates.",
                status=status,
            )
        return SheetsError(f"Google Sheets rejected the request ({status}): {message}", status=status)

    # -- reading

    def _load_meta(self) -> None:
        """Tab properties (sheetId, grid size); finds the tab case-insensitively like Google does."""
        params = {"includeGridData": "false",
                  "fields": "sheets.properties(sheetId,title,gridProperties(rowCount,columnCount))"}
        meta = self._call(self._http.fetch_sheet_metadata, self.key, params=params)
        sheets = [s.get("properties", {}) for s in meta.get("sheets", [])]
        self._sheet_ids = {int(p["sheetId"]) for p in sheets if "sheetId" in p}
        self._sheet = next((p for p in sheets if p.get("title") == self.tab), None)
        if self._sheet is None:  # tab titles are unique case-insensitively in Google Sheets
            self._sheet = next((p for p in sheets if str(p.get("title", "")).casefold() == self.tab.casefold()),
                               None)
        if self._sheet is not None:
            self.tab = str(self._sheet["title"])

    def read(self) -> list[list[Any]]:
        try:
            values = self._read_values()
        except _TabNotFound:
            self._load_meta()  # missing, or named with other letter case
            if self._sheet is None:
                self._missing = True
                return []
            values = self._read_values()
        self._missing = False
        return values

    def _read_values(self) -> list[list[Any]]:
        # FORMULA: numbers/booleans unformatted, a formula as its text (so =HYPERLINK("…") still gives a key)
        params = {"valueRenderOption": "FORMULA", "dateTimeRenderOption": "FORMATTED_STRING",
                  "majorDimension": "ROWS"}
        try:
            data = self._call(self._http.values_get, self.key, _sheet_range(self.tab), params=params)
        except SheetsError as e:
            if e.status == 400 and "Unable to parse range" in str(e):
                raise _TabNotFound(self.tab) from None
            raise
        return [list(r) for r in data.get("values", [])]

    # -- writing

    def apply(self, plan: Plan) -> None:
        if not plan.has_writes:
            return
        updates, rows = plan.updates, plan.appends
        if plan.existing_rows == 0 and rows:  # an empty tab: the header goes with the rows, in one append
            assert all(u.row == 0 for u in updates)
            updates, rows = [], [list(plan.header)] + rows
        first = plan.existing_rows  # 0-based row of the first appended row
        if rows or plan.header_changed:
            self._prepare(plan, first, len(rows), header_first=plan.existing_rows == 0 and bool(rows))
        self._write_cells(updates)
        self._append(rows, first, plan.column_index["Video ID"])

    def _prepare(self, plan: Plan, first: int, count: int, *, header_first: bool) -> None:
        """One spreadsheets.batchUpdate before any value is written: create or grow the tab, and set
        the NotebookLM checkbox rule on the rows about to be appended (idempotent, so a re-run after a
        failure sets it again on the same rows)."""
        reqs: list[dict[str, Any]] = []
        need_rows, need_cols = first + count, len(plan.header)
        if self._missing:
            sheet_id = self._new_sheet_id()
            self._sheet = {"sheetId": sheet_id, "title": self.tab, "gridProperties": {
                "rowCount": max(1000, need_rows), "columnCount": max(26, need_cols), "frozenRowCount": 1}}
            reqs.append({"addSheet": {"properties": self._sheet}})
        else:
            if self._sheet is None:
                self._load_meta()
                if self._sheet is None:
                    raise SheetsError(f"The tab {self.tab!r} is gone (deleted during the push?); re-run the push.")
            sheet_id = int(self._sheet.get("sheetId", 0))
            grid = self._sheet.setdefault("gridProperties", {})
            rows, cols = int(grid.get("rowCount") or 1000), int(grid.get("columnCount") or 26)
            if need_cols > cols:  # values writes beyond the grid fail ("exceeds grid limits")
                reqs.append({"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                                 "length": need_cols - cols}})
                grid["columnCount"] = need_cols
            if need_rows > rows:  # the checkbox rule and the append anchor need the rows to exist
                reqs.append({"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS",
                                                 "length": need_rows - rows}})
                grid["rowCount"] = need_rows
            if header_first:
                reqs.append({"updateSheetProperties": {
                    "properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": 1}},
                    "fields": "gridProperties.frozenRowCount"}})
        notebook = plan.column_index.get("NotebookLM")
        start = first + (1 if header_first else 0)
        if notebook is not None and need_rows > start:
            reqs.append({"setDataValidation": {
                "range": {"sheetId": sheet_id, "startRowIndex": start, "endRowIndex": need_rows,
                          "startColumnIndex": notebook, "endColumnIndex": notebook + 1},
                "rule": {"condition": {"type": "BOOLEAN"}},
            }})
        if not reqs:
            return
        try:
            self._batch_update(reqs)
        except SheetsError as e:
            if not (self._missing and e.status == 400 and "already exists" in str(e)):
                raise
            # A retried addSheet whose first attempt had landed (the batch is atomic: all of it did).
            self._load_meta()
            if self._sheet is None or int(self._sheet.get("sheetId", -1)) != sheet_id:
                raise SheetsError(f"A tab named {self.tab!r} was created by someone else during the push; "
                                  "re-run it to upsert into that tab.") from None
        self._missing = False

    def _new_sheet_id(self) -> int:
        rng = random.Random()
        while True:
            candidate = rng.randrange(1, 2**31 - 1)
            if candidate not in self._sheet_ids:
                return candidate

    def _batch_update(self, reqs: list[dict[str, Any]]) -> Any:
        return self._call(self._http.batch_update, self.key, {"requests": reqs})

    def _write_cells(self, updates: list[CellUpdate]) -> None:
        if not updates:
            return
        data = [
            {"range": _sheet_range(self.tab, f"{_a1(r, c)}:{_a1(r + len(vals) - 1, c + len(vals[0]) - 1)}"),
             "majorDimension": "ROWS", "values": vals}
            for r, c, vals in cell_blocks(updates)
        ]
        for chunk in _chunks(data, _json_size, self.max_request_bytes):
            self._call(self._http.values_batch_update, self.key, {"valueInputOption": "RAW", "data": chunk})

    def _append(self, rows: list[list[Any]], first: int, vid_col: int) -> None:
        """Append ``rows`` from 0-based row ``first`` on, in chunks of at most ``max_request_bytes``.

        The anchor is the single empty cell in column A under the data: no "table" there, so Google
        writes from exactly that row and column A. An append that failed ambiguously (5xx, broken
        connection: it may have landed) is reconciled against a fresh read before being retried."""
        anchor = first
        for chunk in _chunks(rows, _json_size, self.max_request_bytes):
            pending = chunk
            attempt = 0
            while pending:
                attempt += 1
                try:
                    reply = self._call(
                        self._http.values_append, self.key, _sheet_range(self.tab, f"A{anchor + 1}"),
                        params={"valueInputOption": "RAW", "insertDataOption": "OVERWRITE",
                                "includeValuesInResponse": "false"},
                        body={"majorDimension": "ROWS", "values": pending},
                    )
                except SheetsError as e:
                    ambiguous = e.status is None or e.status >= 500
                    if not ambiguous or attempt >= self._http.retry.tries:
                        raise
                    self._http.retry.sleep(self._http.retry.delay(attempt))
                    current = self._read_values()
                    present = {_text(_cell(r, vid_col)).strip() for r in current}
                    pending = [r for r in pending if _text(_cell(r, vid_col)).strip() not in present]
                    anchor = len(current)
                    continue
                m = _UPDATED_RANGE_RE.search(str(reply.get("updates", {}).get("updatedRange", "")))
                anchor = (int(m.group(1)) - 1 if m else anchor) + len(pending)
                pending = []


class _TabNotFound(SheetsError):
    """values.get answered 400 "Unable to parse range": no tab by that name."""

    def __init__(self, tab: str) -> None:
        super().__init__(f"The spreadsheet has no tab named {tab!r}.", status=400)


_NO_CREDENTIALS = (
    "Google Sheets is not configured: create a service account (Google Cloud console > IAM > Service "
    "accounts), enable the Google Sheets API, download a JSON key and set GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON "
    "to its path or text (in the app: [gcp_service_account] in .streamlit/secrets.toml); then share the "
    "sheet with the service account's email as Editor. Or push to a local .xlsx/.csv file instead."
)


def open_target(
    spec: str, tab: str = "Videos", settings: Settings | None = None, session: requests.Session | None = None
) -> SheetTarget:
    """A file path ending in .xlsx/.csv -> LocalWorkbookTarget; a Sheets URL or key -> GoogleSheetTarget."""
    s = (spec or "").strip()
    suffix = Path(s).suffix.lower() if "://" not in s else ""
    if suffix in (".xlsx", ".csv"):
        return LocalWorkbookTarget(s, tab)
    if suffix in (".xls", ".xlsm", ".ods", ".tsv", ".json", ".txt"):
        raise InputError(f"{Path(s).name}: only .xlsx and .csv files are supported as local workbooks.")
    return GoogleSheetTarget(s, tab, settings, session)


# --------------------------------------------------------------------------- push


@dataclass(frozen=True)
class PushResult:
    plan: Plan
    target: str
    url: str | None
    requests: int
    dry_run: bool

    def summary(self) -> str:
        verb = "would write" if self.dry_run else "wrote"
        return f"{self.plan.summary()} ({verb} to {self.target})"


def push(
    rows: Sequence[Mapping[str, Any]],
    target: SheetTarget,
    *,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> PushResult:
    """Read ``target``, plan the upsert of ``rows`` and, unless ``dry_run``, apply it."""
    say = progress or (lambda _msg: None)
    before = target.request_count
    say(f"Reading {target.description}")
    p = plan(rows, target.read())
    say(f"Plan: {p.summary()}")
    if not dry_run and p.has_writes:
        parts = []
        if p.appends:
            parts.append(f"appending {len(p.appends)} row(s)")
        if p.updates:
            parts.append(f"updating {len(p.updates)} cell(s)")
        say("Writing: " + ", ".join(parts))
        target.apply(p)
    return PushResult(plan=p, target=target.name, url=target.url, requests=target.request_count - before,
                      dry_run=dry_run)


__all__ = [
    "STANDARD_COLUMNS",
    "EXTRA_COLUMNS",
    "STATS_COLUMNS",
    "MAX_CELL_CHARS",
    "CellUpdate",
    "Plan",
    "plan",
    "find_header_row",
    "row_to_cells",
    "video_id_from_url",
    "cell_blocks",
    "apply_to_grid",
    "SheetTarget",
    "GoogleSheetTarget",
    "LocalWorkbookTarget",
    "RetryPolicy",
    "parse_spreadsheet_key",
    "open_target",
    "default_workbook_path",
    "DEFAULT_WORKBOOK_NAME",
    "default_target",
    "PushResult",
    "push",
    "workbook_bytes",
]
