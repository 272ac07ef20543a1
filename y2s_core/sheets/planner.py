"""The pure planner: what a push will write, from the rows to push and the sheet's current values.

``plan_upsert(rows, existing)`` compares the rows to push (``Video.to_row()`` dicts) with a sheet's current
values and says what to append, which cells to update and what is unchanged. It does no I/O; a
``SheetTarget`` reads the values and applies the plan.

Sheet layout (ARCHITECTURE.md): a header row (the first of the top rows naming at least two known
columns, so a title row above it is fine); columns found by header name (case/space/underscore-
insensitive); rows keyed by the Video ID column, else the id inside the URL column (plain URL or a
=HYPERLINK formula). Existing rows only get their stats refreshed (Views, Likes, Comments), a blank
Video ID / Channel ID filled in, and Type/Duration of a row still marked "Upcoming" updated once it
aired; NotebookLM and user columns are never written for them. Optional columns (``cells.OPTIONAL_COLUMNS``)
take part only in a push whose rows carry them: Views gained (7 d) is refreshed like the stats, First
seen written once (when blank). Every target writes text as text,
never evaluated as a formula (RAW to Google, string cells in .xlsx, an escaping apostrophe in .csv).
Dates are written as ISO ``YYYY-MM-DD`` text (``cells``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..channel_input import VIDEO_ID_RE, video_id_from_url
from .cells import (
    AIRED_COLUMNS,
    ALL_COLUMNS,
    FILL_COLUMNS,
    OPTIONAL_COLUMNS,
    STANDARD_COLUMNS,
    STATS_COLUMNS,
    cell_text,
    is_blank,
    normalize_header,
    optional_columns,
    row_to_cells,
    same_value,
)

HEADER_SCAN_ROWS = 10  # the header row is looked for among the first rows of a tab
_QUOTED_RE = re.compile(r'"([^"]+)"')


class CellUpdate(NamedTuple):
    """One cell to write, 0-based grid coordinates (row 0 is the header row)."""

    row: int
    col: int
    value: Any


@dataclass(frozen=True)
class SheetPlan:
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
    new_ids: tuple[str, ...] = ()  # the input rows' video ids appended / updated (a sync counts them per channel)
    updated_ids: tuple[str, ...] = ()

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
    return {c: found[normalize_header(c)] for c in (*ALL_COLUMNS, *OPTIONAL_COLUMNS) if normalize_header(c) in found}


def cell_at(row: Sequence[Any], i: int | None) -> Any:
    if i is None or i >= len(row):
        return None
    return row[i]


def _video_id_in(value: Any) -> str | None:
    """The video id a sheet cell points to: a URL, or a formula such as =HYPERLINK("https://youtu.be/…")."""
    text = cell_text(value).strip()
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
    own = cell_text(cell_at(row, vid_col)).strip()
    if VIDEO_ID_RE.fullmatch(own):
        return own
    return _video_id_in(own) or _video_id_in(cell_at(row, url_col)) or own


def find_header_row(existing: Sequence[Sequence[Any]]) -> int | None:
    """The header's row index: the first of the top rows naming two or more known columns, else the
    first non-blank row; None when the tab is blank."""
    first: int | None = None
    for r, row in enumerate(existing):
        if first is None and any(not is_blank(v) for v in row):
            first = r
        if r < HEADER_SCAN_ROWS and len(_locate(row)) >= 2:
            return r
        if first is not None and r >= HEADER_SCAN_ROWS:
            break
    return first


def video_ids(existing: Sequence[Sequence[Any]]) -> set[str]:
    """The video ids a sheet's rows hold, keyed as ``plan`` keys them (the sync refreshes their statistics)."""
    found = find_header_row(existing)
    if found is None:
        return set()
    pos = _locate([cell_text(v) for v in existing[found]])
    keys = (_row_key(existing[r], pos.get("Video ID"), pos.get("URL")) for r in range(found + 1, len(existing)))
    return {k for k in keys if k}


def plan_upsert(rows: Sequence[Mapping[str, Any]], existing: Sequence[Sequence[Any]]) -> SheetPlan:
    """The upsert of ``rows`` into a sheet whose current values (from row 1) are ``existing``.

    Pure: no I/O. Keys are video ids (Video ID column, else the id in the URL column). Missing
    standard columns are added at the end of the header (on a blank sheet: every standard and extra
    column). New rows are appended; existing rows get changed stats cells and blank id cells written.
    """
    found = find_header_row(existing)
    h = 0 if found is None else found
    header = [cell_text(v) for v in (existing[h] if found is not None else [])]
    while header and is_blank(header[-1]):
        header.pop()
    data = range(h + 1, len(existing))
    pos = _locate(header)
    width = max((len(existing[r]) for r in data), default=0)
    wanted = STANDARD_COLUMNS if header else ALL_COLUMNS
    wanted += optional_columns(rows)  # chosen for this push (models.OPTIONAL_FIELDS): after the others
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

    layout = [(name, pos[name]) for name in (*ALL_COLUMNS, *OPTIONAL_COLUMNS) if name in pos]
    refresh = [(name, pos[name]) for name in STATS_COLUMNS if name in pos]
    fill = [(name, pos[name]) for name in FILL_COLUMNS if name in pos]
    aired = [(name, pos[name]) for name in AIRED_COLUMNS if name in pos and name not in missing]
    type_col = pos.get("Type") if "Type" not in missing else None
    appends: list[list[Any]] = []
    new_ids: list[str] = []
    updated_ids: list[str] = []
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
                out[i] = cells.get(name)  # an optional column this push did not choose: left alone
            while out and out[-1] is None:
                out.pop()
            appends.append(out)
            new_ids.append(vid)
            new += 1
            continue
        changed = False
        for r in targets:
            current = existing[r]
            for name, i in refresh:
                value = cells.get(name, "")
                if value != "" and not same_value(cell_at(current, i), value):  # unknown never erases a count
                    updates.append(CellUpdate(r, i, value))
                    changed = True
            for name, i in fill:
                value = cells.get(name)
                if value and is_blank(cell_at(current, i)):
                    updates.append(CellUpdate(r, i, value))
                    changed = True
            # "Upcoming" is transient: once the video aired, its type and duration are filled in.
            if normalize_header(cell_at(current, type_col)) == "upcoming" and cells["Type"] not in ("", "Upcoming"):
                for name, i in aired:
                    if cells[name] != "" and not same_value(cell_at(current, i), cells[name]):
                        updates.append(CellUpdate(r, i, cells[name]))
                        changed = True
        if changed:
            updated_ids.append(vid)
            updated += 1
        else:
            unchanged += 1
    return SheetPlan(
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
        new_ids=tuple(new_ids),
        updated_ids=tuple(updated_ids),
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


def apply_to_grid(grid: Sequence[Sequence[Any]], p: SheetPlan) -> list[list[Any]]:
    """A new grid with ``p`` applied to ``grid`` (the values ``p`` was planned from)."""
    out = [list(r) for r in grid]
    while out and all(is_blank(v) for v in out[-1]):
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
