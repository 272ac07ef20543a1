"""The workbook model: tabs (``_Sheet``) of cells and formats in a spreadsheet (``_Book``), the grid
limits, range lookup and clipping, and writes (``_plan_write`` checks, ``_apply`` sets)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import replace as _dc_replace
from typing import Any

from .a1 import A1Range, format_range, parse_a1, quote_sheet_name
from .cells import _DATEISH, _KEEP, _Cell, _Err, _Fmt, _format_number, _is_number, _num, _raw, _user_entered
from .errors import _ApiError, _bad
from .formula import _evaluate_formula

MAX_CELL_CHARS = 50_000
MAX_WORKBOOK_CELLS = 10_000_000
DEFAULT_ROWS = 1000
DEFAULT_COLS = 26


@dataclass
class _Sheet:
    sheet_id: int
    title: str
    rows: int = DEFAULT_ROWS
    cols: int = DEFAULT_COLS
    frozen_rows: int = 0
    frozen_cols: int = 0
    hidden: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # other properties (tabColor, ...)
    extra_grid: dict[str, Any] = field(default_factory=dict)  # other gridProperties
    cells: dict[tuple[int, int], _Cell] = field(default_factory=dict)
    fmts: dict[tuple[int, int], _Fmt] = field(default_factory=dict)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)  # CellData.note (updateCells, fields "note")
    validations: list[dict] = field(default_factory=list)
    cell_formats: list[dict] = field(default_factory=list)
    dimension_requests: list[dict] = field(default_factory=list)

    def clone(self) -> _Sheet:
        return _dc_replace(
            self,
            extra=json.loads(json.dumps(self.extra)),
            extra_grid=dict(self.extra_grid),
            cells=dict(self.cells),
            fmts=dict(self.fmts),
            notes=dict(self.notes),
            validations=list(self.validations),
            cell_formats=list(self.cell_formats),
            dimension_requests=list(self.dimension_requests),
        )

    def properties(self, index: int) -> dict[str, Any]:
        grid: dict[str, Any] = {"rowCount": self.rows, "columnCount": self.cols}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        if self.frozen_cols:
            grid["frozenColumnCount"] = self.frozen_cols
        grid.update(self.extra_grid)
        props: dict[str, Any] = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }
        if self.hidden:
            props["hidden"] = True
        props.update(self.extra)
        return props

    # -- effective values -----------------------------------------------------------------

    def effective(self, key: tuple[int, int], memo: dict, stack: set) -> Any:
        """The value a user sees for a cell (None when empty); formulas evaluated lazily."""
        cell = self.cells.get(key)
        if cell is None:
            return None
        if cell.formula is None:
            return cell.value
        if key in memo:
            return memo[key]
        if key in stack:
            return _Err("#REF!")
        stack.add(key)
        try:
            v = _evaluate_formula(cell.formula, lambda r, c: self.effective((r, c), memo, stack))
        finally:
            stack.discard(key)
        memo[key] = v
        return v

    def render(self, key: tuple[int, int], option: str, dt_option: str, memo: dict) -> Any:
        cell = self.cells.get(key)
        if cell is None:
            return None
        if option == "FORMULA" and cell.formula is not None:
            return cell.formula
        v = self.effective(key, memo, set())
        fmt = self.fmts.get(key)
        if isinstance(v, bool):
            return ("TRUE" if v else "FALSE") if option == "FORMATTED_VALUE" else v
        if _is_number(v):
            if option == "FORMATTED_VALUE" or (
                dt_option == "FORMATTED_STRING" and fmt is not None and fmt.type in _DATEISH
            ):
                return _format_number(v, fmt)
            return _num(v)
        return None if v is None else str(v)

    def user_view(self, key: tuple[int, int], memo: dict) -> Any:
        v = self.effective(key, memo, set())
        fmt = self.fmts.get(key)
        if _is_number(v) and fmt is not None and fmt.type in _DATEISH:
            return _format_number(v, fmt)
        if isinstance(v, _Err):
            return str(v)
        return _num(v)

    # -- structure --------------------------------------------------------------------------

    def shift(self, dimension: str, at: int, count: int) -> None:
        """Insert (count > 0) or delete (count < 0) rows/columns at index ``at``."""
        axis = 0 if dimension == "ROWS" else 1

        def move(d: dict) -> dict:
            out = {}
            for key, v in d.items():
                i = key[axis]
                if i >= at:
                    if count < 0 and i < at - count:
                        continue
                    key = (i + count, key[1]) if axis == 0 else (key[0], i + count)
                out[key] = v
            return out

        self.cells = move(self.cells)
        self.fmts = move(self.fmts)
        self.notes = move(self.notes)
        if axis == 0:
            self.rows += count
        else:
            self.cols += count

    def crop(self) -> None:
        self.cells = {k: v for k, v in self.cells.items() if k[0] < self.rows and k[1] < self.cols}
        self.fmts = {k: v for k, v in self.fmts.items() if k[0] < self.rows and k[1] < self.cols}
        self.notes = {k: v for k, v in self.notes.items() if k[0] < self.rows and k[1] < self.cols}


@dataclass
class _Book:
    spreadsheet_id: str
    title: str
    sheets: list[_Sheet]
    locale: str = "en_US"
    time_zone: str = "Etc/GMT"

    def clone(self) -> _Book:
        return _dc_replace(self, sheets=[s.clone() for s in self.sheets])

    def find(self, title: str) -> _Sheet | None:
        for s in self.sheets:
            if s.title == title:
                return s
        low = title.lower()
        for s in self.sheets:
            if s.title.lower() == low:
                return s
        return None

    def by_id(self, sheet_id: Any) -> _Sheet | None:
        for s in self.sheets:
            if s.sheet_id == sheet_id:
                return s
        return None

    def total_cells(self) -> int:
        return sum(s.rows * s.cols for s in self.sheets)


@dataclass
class _Write:
    """A validated write: cells to set (None clears) plus the counts the API reports."""

    sheet: _Sheet
    cells: list[tuple[tuple[int, int], _Cell | None, Any]]
    r0: int
    c0: int
    nrows: int
    ncols: int

    def stats(self) -> tuple[set[int], set[int], int]:
        rows = {k[0] for k, _, _ in self.cells}
        cols = {k[1] for k, _, _ in self.cells}
        return rows, cols, len(self.cells)

    def response(self, spreadsheet_id: str) -> dict[str, Any]:
        rows, cols, n = self.stats()
        out: dict[str, Any] = {"spreadsheetId": spreadsheet_id}
        if self.nrows and self.ncols:
            out["updatedRange"] = format_range(
                self.sheet.title, self.r0, self.c0, self.r0 + self.nrows - 1, self.c0 + self.ncols - 1
            )
        if n:
            out.update(updatedRows=len(rows), updatedColumns=len(cols), updatedCells=n)
        return out


def _new_sheet_id(book: _Book, rng: random.Random) -> int:
    """A random sheetId not yet used in ``book``."""
    while True:
        n = rng.randrange(1, 2**31 - 1)
        if book.by_id(n) is None:
            return n


def _resolve(book: _Book, text: str) -> tuple[_Sheet, A1Range]:
    """The tab and range a request's A1 text names (a whole-text tab title wins); 400 if none."""
    if "!" not in text and not text.startswith("'"):
        sheet = book.find(text)
        if sheet is not None:
            return sheet, A1Range(sheet.title)
    try:
        rng = parse_a1(text)
    except ValueError:
        raise _bad(f"Unable to parse range: {text}") from None
    sheet = book.sheets[0] if rng.sheet is None else book.find(rng.sheet)
    if sheet is None:
        raise _bad(f"Unable to parse range: {text}")
    return sheet, rng


def _grid_error(sheet: _Sheet, rng: A1Range) -> _ApiError:
    shown = quote_sheet_name(sheet.title) + (f"!{rng.cells}" if rng.cells else "")
    return _bad(f"Range ({shown}) exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}")


def _clip(sheet: _Sheet, rng: A1Range) -> tuple[int, int, int, int]:
    """Concrete bounds of a range for reading/clearing; 400 when it starts outside the grid."""
    if rng.r0 >= sheet.rows or rng.c0 >= sheet.cols:
        raise _grid_error(sheet, rng)
    r1 = sheet.rows - 1 if rng.r1 is None else min(rng.r1, sheet.rows - 1)
    c1 = sheet.cols - 1 if rng.c1 is None else min(rng.c1, sheet.cols - 1)
    return rng.r0, rng.c0, r1, c1


def _grid(
    sheet: _Sheet, r0: int, c0: int, r1: int, c1: int, value: Callable[[tuple[int, int]], Any]
) -> list:
    """Rows of rendered values in the box, Google-trimmed (trailing empties and empty rows)."""
    found: dict[int, dict[int, Any]] = {}
    for key in sheet.cells:
        r, c = key
        if r0 <= r <= r1 and c0 <= c <= c1:
            v = value(key)
            if v is not None and v != "":
                found.setdefault(r - r0, {})[c - c0] = v
    if not found:
        return []
    out = []
    for i in range(max(found) + 1):
        row = found.get(i, {})
        out.append([row.get(j, "") for j in range(max(row) + 1)] if row else [])
    return out


def _plan_write(sheet: _Sheet, r0: int, c0: int, grid: list[list[Any]], option: str) -> _Write:
    """Convert values for writing at (r0, c0); checks the cell size limit (not the grid)."""
    cells: list[tuple[tuple[int, int], _Cell | None, Any]] = []
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
                raise _bad(
                    f"Your input contains more than the maximum of {MAX_CELL_CHARS} characters in a single cell."
                )
            key = (r0 + i, c0 + j)
            if option == "RAW":
                cells.append((key, _raw(v), _KEEP))
            else:
                cell, fmt = _user_entered(v, sheet.fmts.get(key))
                cells.append((key, cell, fmt))
    ncols = max((len(r) for r in grid), default=0)
    return _Write(sheet, cells, r0, c0, len(grid) if ncols else 0, ncols)


def _apply(write: _Write) -> None:
    """Carry out a planned write (no checks left to fail)."""
    sheet = write.sheet
    for key, cell, fmt in write.cells:
        if cell is None:
            sheet.cells.pop(key, None)
        else:
            sheet.cells[key] = cell
        if fmt is not _KEEP:
            sheet.fmts[key] = fmt
