"""The spreadsheets.batchUpdate handler and the requests it models.

The batch is atomic: requests apply in order to a copy of the spreadsheet, which is kept only when all
of them succeed. Unknown request names -> 400 like Google; formatting-only requests are accepted with
no effect; known requests not modelled here -> 501 UNIMPLEMENTED.
"""

from __future__ import annotations

import random
from typing import Any

from .cells import _Cell, _Fmt, _raw
from .errors import _ApiError, _bad
from .grid import DEFAULT_COLS, DEFAULT_ROWS, MAX_WORKBOOK_CELLS, _Book, _new_sheet_id, _Sheet

# Every Request name the real API knows (anything else is "Unknown name").
_KNOWN_REQUESTS = set(
    """updateSpreadsheetProperties updateSheetProperties updateDimensionProperties updateNamedRange repeatCell
    addNamedRange deleteNamedRange addSheet deleteSheet autoFill cutPaste copyPaste mergeCells unmergeCells
    updateBorders updateCells addFilterView appendCells clearBasicFilter deleteDimension deleteEmbeddedObject
    deleteFilterView duplicateFilterView duplicateSheet findReplace insertDimension insertRange moveDimension
    updateEmbeddedObjectPosition pasteData textToColumns updateFilterView deleteRange appendDimension
    addConditionalFormatRule updateConditionalFormatRule deleteConditionalFormatRule sortRange setDataValidation
    setBasicFilter addProtectedRange updateProtectedRange deleteProtectedRange autoResizeDimensions addChart
    updateChartSpec updateBanding addBanding deleteBanding createDeveloperMetadata updateDeveloperMetadata
    deleteDeveloperMetadata randomizeRange addDimensionGroup deleteDimensionGroup updateDimensionGroup
    trimWhitespace deleteDuplicates updateEmbeddedObjectBorder addSlicer updateSlicerSpec addDataSource
    updateDataSource deleteDataSource refreshDataSource cancelDataSourceRefresh addTable updateTable
    deleteTable""".split()
)
# Formatting-only requests: accepted and recorded, no effect on values.
_NOOP_REQUESTS = {
    "updateBorders",
    "mergeCells",
    "unmergeCells",
    "addConditionalFormatRule",
    "updateConditionalFormatRule",
    "deleteConditionalFormatRule",
    "setBasicFilter",
    "clearBasicFilter",
    "updateBanding",
    "deleteBanding",
    "deleteProtectedRange",
    "updateProtectedRange",
}


def _batch_update(book: _Book, body: Any, rng: random.Random) -> tuple[_Book, dict]:
    """Apply the batch to a copy of ``book``; returns the copy (for the caller to keep) and the answer."""
    if not isinstance(body, dict):
        raise _bad("Invalid JSON payload received. Expected an object.")
    requests = body.get("requests") or []
    if not requests:
        raise _bad("Must specify at least one request.")
    violations = []
    for i, req in enumerate(requests):
        for name in req if isinstance(req, dict) else []:
            if name not in _KNOWN_REQUESTS:
                violations.append((i, name))
    if violations:
        msgs = [
            f"Invalid JSON payload received. Unknown name \"{n}\" at 'requests[{i}]': Cannot find field."
            for i, n in violations
        ]
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [
                    {"field": f"requests[{i}]", "description": m}
                    for (i, _), m in zip(violations, msgs, strict=True)
                ],
            }
        ]
        raise _ApiError(400, "\n".join(msgs), details=details)
    work = book.clone()
    replies = []
    for i, req in enumerate(requests):
        if not isinstance(req, dict) or not req:
            raise _bad(f"Invalid requests[{i}]: No request set.")
        if len(req) > 1:
            second = list(req)[1]
            raise _bad(
                f"Invalid value at 'requests[{i}]' (oneof), oneof field 'kind' is already set. "
                f"Cannot set '{second}'"
            )
        ((name, args),) = req.items()
        try:
            replies.append(_one_request(work, name, args if isinstance(args, dict) else {}, rng))
        except _ApiError as e:
            if e.status == 400:
                raise e.prefixed(f"Invalid requests[{i}].{name}: ") from None
            raise
    return work, {"spreadsheetId": book.spreadsheet_id, "replies": replies}


def _sheet_by_id(book: _Book, sheet_id: Any) -> _Sheet:
    sheet = book.by_id(sheet_id if sheet_id is not None else 0)
    if sheet is None:
        raise _bad(f"No grid with id: {sheet_id if sheet_id is not None else 0}")
    return sheet


def _check_cells(book: _Book) -> None:
    if book.total_cells() > MAX_WORKBOOK_CELLS:
        raise _bad(
            f"This action would increase the number of cells in the workbook above the limit of "
            f"{MAX_WORKBOOK_CELLS} cells."
        )


def _check_title(book: _Book, title: str, sheet: _Sheet | None = None) -> None:
    other = book.find(title)
    if other is not None and other is not sheet and other.title.lower() == title.lower():
        raise _bad(f'A sheet with the name "{title}" already exists. Please enter another name.')


def _grid_box(book: _Book, grid_range: Any) -> tuple[_Sheet, int, int, int, int]:
    g = grid_range if isinstance(grid_range, dict) else {}
    sheet = _sheet_by_id(book, g.get("sheetId", 0))
    r0, c0 = int(g.get("startRowIndex", 0)), int(g.get("startColumnIndex", 0))
    r1 = min(int(g.get("endRowIndex", sheet.rows)), sheet.rows)
    c1 = min(int(g.get("endColumnIndex", sheet.cols)), sheet.cols)
    if r0 < 0 or c0 < 0 or r0 > r1 or c0 > c1:
        raise _bad("Invalid range.")
    return sheet, r0, c0, r1, c1  # end-exclusive


def _one_request(book: _Book, name: str, a: dict, rng: random.Random) -> dict:
    if name == "addSheet":
        return _add_sheet(book, a.get("properties") or {}, rng)
    if name == "deleteSheet":
        sheet = _sheet_by_id(book, a.get("sheetId"))
        if len(book.sheets) == 1:
            raise _bad("You can't remove all the sheets in a document.")
        book.sheets.remove(sheet)
        return {}
    if name == "updateSheetProperties":
        _update_sheet_properties(book, a.get("properties") or {}, a.get("fields"))
        return {}
    if name == "updateSpreadsheetProperties":
        props = a.get("properties") or {}
        fields = _fields(a.get("fields"))
        for key, attr in (("title", "title"), ("locale", "locale"), ("timeZone", "time_zone")):
            if ("*" in fields or key in fields) and key in props:
                setattr(book, attr, props[key])
        return {}
    if name == "setDataValidation":
        _grid_box(book, a.get("range"))
        sheet = _sheet_by_id(book, (a.get("range") or {}).get("sheetId", 0))
        sheet.validations.append({"range": a.get("range"), "rule": a.get("rule")})
        return {}
    if name == "repeatCell":
        _repeat_cell(book, a)
        return {}
    if name == "updateCells" and _fields(a.get("fields")) == {"note"}:
        _update_notes(book, a)
        return {}
    if name in ("updateDimensionProperties", "autoResizeDimensions"):
        dims = a.get("range") or a.get("dimensions") or a.get("dataSourceSheetDimensions") or {}
        sheet = _sheet_by_id(book, dims.get("sheetId", 0))
        sheet.dimension_requests.append({name: a})
        return {}
    if name == "appendDimension":
        sheet = _sheet_by_id(book, a.get("sheetId"))
        length = int(a.get("length", 0))
        if length <= 0:
            raise _bad("length must be positive.")
        if a.get("dimension") == "COLUMNS":
            sheet.cols += length
        else:
            sheet.rows += length
        _check_cells(book)
        return {}
    if name in ("insertDimension", "deleteDimension"):
        dims = a.get("range") or {}
        sheet = _sheet_by_id(book, dims.get("sheetId", 0))
        dimension = dims.get("dimension", "ROWS")
        limit = sheet.rows if dimension == "ROWS" else sheet.cols
        start, end = int(dims.get("startIndex", 0)), int(dims.get("endIndex", limit))
        if start < 0 or end <= start or (name == "deleteDimension" and end > limit) or start > limit:
            raise _bad("Invalid dimension range.")
        if name == "deleteDimension" and end - start >= limit:
            raise _bad(
                f"You can't delete all the {'rows' if dimension == 'ROWS' else 'columns'} on the sheet."
            )
        sheet.shift(dimension, start, (end - start) if name == "insertDimension" else -(end - start))
        _check_cells(book)
        return {}
    if name in _NOOP_REQUESTS:
        return {}
    raise _ApiError(501, f"The Sheets emulator does not model the '{name}' request.")


def _update_notes(book: _Book, a: dict) -> None:
    """updateCells with ``fields: "note"`` (what gspread's ``update_note`` sends): each CellData's note from
    ``start`` on, row by row; an empty or missing note clears it. Other fields of updateCells are not modelled."""
    start = a.get("start")
    if not isinstance(start, dict) or "range" in a:
        raise _ApiError(501, "The Sheets emulator models updateCells only with start and fields \"note\".")
    sheet = _sheet_by_id(book, start.get("sheetId", 0))
    r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
    for dr, row in enumerate(a.get("rows") or ()):
        for dc, cell in enumerate((row or {}).get("values") or ()):
            r, c = r0 + dr, c0 + dc
            if r >= sheet.rows or c >= sheet.cols:
                raise _bad(f"Range ({sheet.title}!{r + 1}:{c + 1}) exceeds grid limits.")
            note = (cell or {}).get("note")
            if note:
                sheet.notes[(r, c)] = str(note)
            else:
                sheet.notes.pop((r, c), None)


def _add_sheet(book: _Book, props: dict, rng: random.Random) -> dict:
    title = props.get("title")
    if not title:
        n = len(book.sheets) + 1
        while book.find(f"Sheet{n}") is not None:
            n += 1
        title = f"Sheet{n}"
    _check_title(book, title)
    if props.get("sheetType", "GRID") != "GRID":
        raise _ApiError(501, "The Sheets emulator only models GRID sheets.")
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = _new_sheet_id(book, rng)
    elif book.by_id(sheet_id) is not None:
        raise _bad(f"Sheet with id {sheet_id} already exists.")
    grid = props.get("gridProperties") or {}
    sheet = _Sheet(
        int(sheet_id),
        title,
        int(grid.get("rowCount", DEFAULT_ROWS)),
        int(grid.get("columnCount", DEFAULT_COLS)),
    )
    if sheet.rows < 1 or sheet.cols < 1:
        raise _bad("Grid must have at least one row and one column.")
    sheet.frozen_rows = int(grid.get("frozenRowCount", 0))
    sheet.frozen_cols = int(grid.get("frozenColumnCount", 0))
    sheet.hidden = bool(props.get("hidden", False))
    for key in ("tabColor", "tabColorStyle", "rightToLeft"):
        if key in props:
            sheet.extra[key] = props[key]
    index = props.get("index")
    index = len(book.sheets) if index is None else max(0, min(int(index), len(book.sheets)))
    book.sheets.insert(index, sheet)
    _check_cells(book)
    return {"addSheet": {"properties": sheet.properties(index)}}


def _fields(fields: Any) -> set[str]:
    """A FieldMask as a set of dotted paths: ``a(b,c),d/e`` -> {a.b, a.c, d.e}."""
    if not fields:
        raise _bad("At least one field must be specified.")

    def expand(text: str, prefix: str) -> set[str]:
        out, depth, start = set(), 0, 0
        parts = []
        for i, ch in enumerate(text + ","):
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append(text[start:i].strip())
                start = i + 1
        for part in filter(None, parts):
            part = part.replace("/", ".")
            if "(" in part and part.endswith(")"):
                head, _, inner = part.partition("(")
                out |= expand(inner[:-1], f"{prefix}{head.strip()}.")
            else:
                out.add(prefix + part)
        return out

    return expand(str(fields), "")


def _update_sheet_properties(book: _Book, props: dict, fields_text: Any) -> None:
    sheet = _sheet_by_id(book, props.get("sheetId", 0))
    fields = _fields(fields_text)
    every = "*" in fields

    def wanted(path: str) -> bool:
        return every or path in fields or path.split(".")[0] in fields

    grid = props.get("gridProperties") or {}
    if wanted("title") and "title" in props:
        _check_title(book, props["title"], sheet)
        sheet.title = props["title"]
    if wanted("hidden") and "hidden" in props:
        sheet.hidden = bool(props["hidden"])
    for key in ("tabColor", "tabColorStyle", "rightToLeft"):
        if wanted(key):
            if key in props:
                sheet.extra[key] = props[key]
            else:
                sheet.extra.pop(key, None)
    attrs = {
        "rowCount": "rows",
        "columnCount": "cols",
        "frozenRowCount": "frozen_rows",
        "frozenColumnCount": "frozen_cols",
    }
    for key in set(grid) | set(attrs):
        path = f"gridProperties.{key}"
        if not wanted(path):
            continue
        if key in attrs:
            setattr(sheet, attrs[key], int(grid.get(key, 0)))
        elif key in grid:
            sheet.extra_grid[key] = grid[key]
    if sheet.rows < 1:
        raise _bad("You can't delete all the rows on the sheet.")
    if sheet.cols < 1:
        raise _bad("You can't delete all the columns on the sheet.")
    if sheet.frozen_rows >= sheet.rows:
        raise _bad("You can't freeze all visible rows on the sheet.")
    if sheet.frozen_cols >= sheet.cols:
        raise _bad("You can't freeze all visible columns on the sheet.")
    sheet.crop()
    if wanted("index") and "index" in props:
        book.sheets.remove(sheet)
        book.sheets.insert(max(0, min(int(props["index"]), len(book.sheets))), sheet)
    _check_cells(book)


def _repeat_cell(book: _Book, a: dict) -> None:
    sheet, r0, c0, r1, c1 = _grid_box(book, a.get("range"))
    cell = a.get("cell") or {}
    fields = _fields(a.get("fields"))
    sheet.cell_formats.append({"range": a.get("range"), "cell": cell, "fields": a.get("fields")})
    every = "*" in fields
    if every or "userEnteredValue" in fields:
        uev = cell.get("userEnteredValue") or {}
        if "formulaValue" in uev:
            new: _Cell | None = _Cell(None, str(uev["formulaValue"]))
        elif "stringValue" in uev:
            new = _raw(str(uev["stringValue"]))
        elif "numberValue" in uev:
            new = _Cell(uev["numberValue"])
        elif "boolValue" in uev:
            new = _Cell(bool(uev["boolValue"]))
        else:
            new = None
        for r in range(r0, r1):
            for c in range(c0, c1):
                if new is None:
                    sheet.cells.pop((r, c), None)
                else:
                    sheet.cells[(r, c)] = new
    fmt_fields = {"userEnteredFormat", "userEnteredFormat.numberFormat"}
    if every or fields & fmt_fields:
        nf = (cell.get("userEnteredFormat") or {}).get("numberFormat")
        fmt = _Fmt(str(nf.get("type", "NUMBER")), str(nf.get("pattern", ""))) if nf else None
        for r in range(r0, r1):
            for c in range(c0, c1):
                if fmt is None:
                    sheet.fmts.pop((r, c), None)
                else:
                    sheet.fmts[(r, c)] = fmt
