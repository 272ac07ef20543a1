"""``LocalWorkbookTarget``: the upsert into a local ``.xlsx`` or ``.csv`` file; ``workbook_bytes``."""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

from ..errors import InputError, SheetsError, Y2SError
from ..models import VIEWS_NOTE
from . import fileio
from .base import SheetTarget, check_tab
from .cells import clean_text, csv_escape, csv_unescape, is_blank, truncate_cell
from .planner import SheetPlan, apply_to_grid, plan_upsert

XLSX_MAX_CELL_CHARS = 32_767  # Excel's limit for one cell


class LocalWorkbookTarget(SheetTarget):
    """A local ``.xlsx`` workbook (tab = worksheet) or ``.csv`` file (no tabs): the same upsert.

    Writes go to a temporary file that replaces the original (``fileio.atomic_write``: through a
    symlink to its target, with the old file's permissions, synced to disk), so a failure or a kill
    leaves the old file. ``exclusive()`` (``fileio.exclusive``, a lock file beside the workbook) is held
    by ``push`` around read -> plan -> write, so concurrent pushes from processes or app sessions
    each see the rows the previous one wrote. Every string cell we write is ``clean_text``-ed first:
    a character XML or UTF-8 cannot hold would make the file unreadable.

    CSV: a cell we write whose text starts with = + - @ (or tab/CR) is stored with a leading ``'``,
    the OWASP advice against CSV injection: Excel and Google Sheets open a CSV by evaluating such text
    as a formula (``=IMPORTXML(...)`` fetches a URL, ``-20%`` becomes a number), whereas a leading
    apostrophe makes them show it as text. Other tools see the apostrophe; ``read`` removes it again
    (text that itself starts with apostrophes before such a character gets one more, so it round-trips).
    Cells already in the file are written back exactly as they were read.

    XLSX: text cells are stored as strings (never formulas). openpyxl keeps values, styles and data
    validation of an existing workbook, but not its images or charts.
    """

    def __init__(self, path: str | os.PathLike[str], tab: str = "Videos", *, lock_timeout: float | None = None) -> None:
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in os.fspath(path)):
            raise InputError("The workbook's file name contains a control character; type a plain path such as "
                             "videos.xlsx.")
        self.path = fileio.user_path(path)
        self.lock_timeout = lock_timeout
        suffix = self.path.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise InputError(f"{fileio.shown(self.path.name)}: a local workbook must be a .xlsx or .csv file.")
        self.format: Literal["xlsx", "csv"] = "xlsx" if suffix == ".xlsx" else "csv"
        self.tab = check_tab(tab, xlsx=self.format == "xlsx")
        self.name = str(self.path)
        name = fileio.shown(self.path.name)
        self.description = f"{name} (tab {self.tab})" if self.format == "xlsx" else name

    def __repr__(self) -> str:
        return f"LocalWorkbookTarget({str(self.path)!r}, tab={self.tab!r})"

    def exclusive(self, progress: Callable[[str], None] | None = None) -> contextlib.AbstractContextManager[None]:
        """The workbook's lock (cross-process, cross-thread), held by ``push`` for a whole push."""
        return fileio.exclusive(self.path, self.lock_timeout, progress)

    def read(self) -> list[list[Any]]:
        try:
            if not self.path.exists():
                return []
            if self.path.is_dir():
                raise InputError(f"{fileio.shown(self.path)} is a folder; give a .xlsx or .csv file name.")
            if self.format == "csv":
                grid = [[csv_unescape(v) for v in row] for row in self._csv_rows()]
            else:
                grid = self._read_xlsx()
        except OSError as e:
            raise fileio.os_error(e, self.path, "read") from None
        return _trim_grid(grid)

    def _csv_rows(self) -> list[list[str]]:
        """The file's cells as stored (escaping apostrophes kept)."""
        try:
            with self.path.open("r", encoding="utf-8-sig", newline="") as f:
                return list(csv.reader(f))
        except UnicodeDecodeError:
            raise SheetsError(f"{fileio.shown(self.path)} is not a UTF-8 CSV file; save it as CSV UTF-8 and "
                              "re-run.") from None
        except csv.Error as e:
            raise SheetsError(f"{fileio.shown(self.path)} is not a valid CSV file ({e}).") from None

    def _read_xlsx(self) -> list[list[Any]]:
        import openpyxl

        with self._parsing():
            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=False)
            try:
                if self.tab not in wb.sheetnames:
                    return []
                # read_only parses the sheet's XML lazily: a broken one fails here, inside _parsing
                return [["" if v is None else v for v in row] for row in wb[self.tab].iter_rows(values_only=True)]
            finally:
                wb.close()

    @contextlib.contextmanager
    def _parsing(self) -> Iterator[None]:
        """Any failure to parse the .xlsx (a broken zip, bad XML, a missing part) -> one SheetsError naming it."""
        try:
            yield
        except (OSError, Y2SError):
            raise
        except Exception as e:  # BadZipFile, InvalidFileException, KeyError, ParseError, ValueError ...
            raise SheetsError(f"{fileio.shown(self.path)} is not a valid .xlsx workbook, or it is damaged "
                              f"({type(e).__name__}); open and re-save it in Excel, or push to a new file.") from None

    def apply(self, plan: SheetPlan) -> None:
        if not plan.has_writes:
            return
        try:
            data = self._csv_apply(plan) if self.format == "csv" else self._xlsx_apply(plan)
        except OSError as e:
            raise fileio.os_error(e, self.path, "read") from None
        fileio.atomic_write(self.path, data)

    def _csv_apply(self, plan: SheetPlan) -> bytes:
        """The file with ``plan`` applied: our values escaped, the file's own cells untouched."""
        raw = self._csv_rows() if self.path.exists() else []
        raw = raw[: len(_trim_grid([[csv_unescape(v) for v in row] for row in raw]))]
        escaped = replace(
            plan,
            updates=[u._replace(value=csv_escape(u.value)) for u in plan.updates],
            appends=[[None if v is None else csv_escape(v) for v in row] for row in plan.appends],
        )
        return _csv_text(apply_to_grid(raw, escaped))

    def _xlsx_apply(self, plan: SheetPlan) -> bytes:
        import openpyxl
        from openpyxl.comments import Comment

        if self.path.exists():
            existing = self.read()  # validates the file
            with self._parsing():
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
            views = plan.column_index.get("Views")
            if views is not None and plan.appends:  # the header we write says what a Short's views count
                ws.cell(1, views + 1).comment = Comment(VIEWS_NOTE, "YouTube2Sheets")
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
        while row and is_blank(row[-1]):
            row.pop()
    while grid and not grid[-1]:
        grid.pop()
    return grid


def _xlsx_set(cell: Any, value: Any) -> None:
    if isinstance(value, str):
        cell.value = truncate_cell(clean_text(value), XLSX_MAX_CELL_CHARS)
        cell.data_type = "s"  # never a formula, whatever the text starts with
    else:
        cell.value = value


def _csv_text(grid: Sequence[Sequence[Any]]) -> bytes:
    """CSV bytes (UTF-8 with BOM, for Excel) of already-escaped cells."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in grid:
        writer.writerow(["" if v is None else clean_text(v) if isinstance(v, str) else v for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _csv_bytes(grid: Sequence[Sequence[Any]]) -> bytes:
    return _csv_text([[csv_escape(v) for v in row] for row in grid])


def _xlsx_bytes(grid: Sequence[Sequence[Any]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Videos"
    ws.freeze_panes = "A2"
    for r, row in enumerate(grid, start=1):
        for c, v in enumerate(row, start=1):
            if v is not None and v != "":
                _xlsx_set(ws.cell(r, c), v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def workbook_bytes(rows: Sequence[Mapping[str, Any]], fmt: Literal["xlsx", "csv"]) -> bytes:
    """A fresh workbook of ``rows`` (same columns and cells as a push into an empty tab)."""
    grid = apply_to_grid([], plan_upsert(rows, []))
    if fmt == "xlsx":
        return _xlsx_bytes(grid)
    if fmt == "csv":
        return _csv_bytes(grid)
    raise InputError(f"unknown workbook format {fmt!r} (use xlsx or csv)")
