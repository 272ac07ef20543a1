"""``LocalWorkbookTarget``: the upsert into a local ``.xlsx`` or ``.csv`` file; ``workbook_bytes``."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError, SheetsError
from .base import SheetTarget, check_tab
from .cells import _blank, _csv_escape, _csv_unescape, truncate_cell
from .planner import Plan, apply_to_grid, plan

XLSX_MAX_CELL_CHARS = 32_767  # Excel's limit for one cell


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


def _csv_text(grid: Sequence[Sequence[Any]]) -> bytes:
    """CSV bytes (UTF-8 with BOM, for Excel) of already-escaped cells."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in grid:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _csv_bytes(grid: Sequence[Sequence[Any]]) -> bytes:
    return _csv_text([[_csv_escape(v) for v in row] for row in grid])


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
