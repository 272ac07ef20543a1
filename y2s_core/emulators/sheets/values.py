"""The spreadsheets.values.* handlers: get/batchGet, update/batchUpdate, append, clear/batchClear.

Each takes the spreadsheet (``_Book``) it works on and raises ``_ApiError`` for a 4xx answer; the
batch writes and clears are all or nothing: they work on a copy and return it for the caller to keep.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .a1 import A1Range, col_letter, format_range
from .errors import _ApiError, _bad, _enum
from .grid import (
    MAX_WORKBOOK_CELLS,
    _apply,
    _Book,
    _clip,
    _grid,
    _grid_error,
    _plan_write,
    _resolve,
    _Sheet,
    _Write,
)

_VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
_DATETIME_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")
_DIMENSIONS = ("ROWS", "COLUMNS")
_INPUT_OPTIONS = ("RAW", "USER_ENTERED")
_INSERT_OPTIONS = ("OVERWRITE", "INSERT_ROWS")


def _truthy(v: Any) -> bool:
    return str(v).lower() in ("true", "1")


def _values_get(book: _Book, text: str, q: dict[str, str]) -> dict:
    option = _enum(
        "value_render_option",
        "ValueRenderOption",
        q.get("valueRenderOption"),
        _VALUE_RENDER,
        "FORMATTED_VALUE",
    )
    dt_option = _enum(
        "date_time_render_option",
        "DateTimeRenderOption",
        q.get("dateTimeRenderOption"),
        _DATETIME_RENDER,
        "SERIAL_NUMBER",
    )
    major = _enum("major_dimension", "Dimension", q.get("majorDimension"), _DIMENSIONS, "ROWS")
    sheet, rng = _resolve(book, text)
    return _render_range(sheet, _clip(sheet, rng), option, dt_option, major, whole_sheet=rng.cells is None)


def _values_batch_get(book: _Book, ranges: list[str], q: dict[str, str]) -> dict:
    return {
        "spreadsheetId": book.spreadsheet_id,
        **({"valueRanges": [_values_get(book, r, q) for r in ranges]} if ranges else {}),
    }


def _render_range(
    sheet: _Sheet,
    box: tuple[int, int, int, int],
    option: str,
    dt_option: str,
    major: str,
    whole_sheet: bool = False,
) -> dict:
    r0, c0, r1, c1 = box
    memo: dict = {}
    values = _grid(sheet, r0, c0, r1, c1, lambda k: sheet.render(k, option, dt_option, memo))
    if major == "COLUMNS" and values:
        width = max(len(r) for r in values)
        cols = [[row[j] if j < len(row) else "" for row in values] for j in range(width)]
        values = []
        for col in cols:
            while col and col[-1] == "":
                col.pop()
            values.append(col)
        while values and not values[-1]:
            values.pop()
    # A whole-tab read names the tab's grid (Videos!A1:Z1000), not the used area: Google's docs say the range
    # "indicates the entire requested range, even though the values will exclude trailing rows and columns",
    # and the recorded exchanges agree (test_get_all_values reads 'Sheet1' of a grid resized to 4x4 and gets
    # Sheet1!A1:D4; a clear of 'Sheet1' on a new sheet answers Sheet1!A1:Z1000).
    out: dict[str, Any] = {"range": format_range(sheet.title, r0, c0, r1, c1), "majorDimension": major}
    if values:
        out["values"] = values
    return out


def _rows_of(body: Any) -> list[list[Any]]:
    """A ValueRange body's values as rows (transposed when majorDimension is COLUMNS); 400 if malformed."""
    if not isinstance(body, dict):
        raise _bad("Invalid JSON payload received. Expected an object.")
    major = _enum("major_dimension", "Dimension", body.get("majorDimension"), _DIMENSIONS, "ROWS")
    values = body.get("values") or []
    if not isinstance(values, list):
        raise _bad("Invalid value at 'values' (type.googleapis.com/google.protobuf.ListValue)")
    grid: list[list[Any]] = []
    for i, row in enumerate(values):
        if not isinstance(row, list):
            raise _bad(f"Invalid values[{i}]: {json.dumps(row)[:60]}")
        for j, v in enumerate(row):
            if v is not None and not isinstance(v, (str, int, float, bool)):
                raise _bad(
                    f"Invalid values[{i}][{j}]: {'list_value' if isinstance(v, list) else 'struct_value'}"
                )
        grid.append(row)
    if major == "COLUMNS" and grid:
        height = max(len(c) for c in grid)
        grid = [[col[i] if i < len(col) else None for col in grid] for i in range(height)]
    return grid


def _bounded_write(book: _Book, text: str, grid: list[list[Any]], option: str) -> _Write:
    sheet, rng = _resolve(book, text)
    nrows = len(grid)
    ncols = max((len(r) for r in grid), default=0)
    if nrows and ncols and not rng.anchor and not rng.whole_sheet:
        if rng.r1 is not None and rng.r0 + nrows - 1 > rng.r1:
            raise _bad(
                f"Requested writing within range [{text}], but tried writing to row [{rng.r1 + 2}]"
            )
        if rng.c1 is not None and rng.c0 + ncols - 1 > rng.c1:
            raise _bad(
                f"Requested writing within range [{text}], but tried writing to column [{col_letter(rng.c1 + 1)}]"
            )
    if (
        rng.r0 >= sheet.rows
        or rng.c0 >= sheet.cols
        or rng.r0 + nrows > sheet.rows
        or rng.c0 + ncols > sheet.cols
    ):
        raise _grid_error(sheet, rng)
    return _plan_write(sheet, rng.r0, rng.c0, grid, option)


def _input_option(value: Any) -> str:
    if value is None or value == "":
        raise _bad("'valueInputOption' is required but not specified")
    return _enum("value_input_option", "ValueInputOption", value, _INPUT_OPTIONS, "RAW")


def _updated_data(write: _Write, flag: Any, option: Any, dt_option: Any) -> dict | None:
    if not _truthy(flag) or not write.nrows:
        return None
    opt = _enum(
        "response_value_render_option", "ValueRenderOption", option, _VALUE_RENDER, "FORMATTED_VALUE"
    )
    dt = _enum(
        "response_date_time_render_option",
        "DateTimeRenderOption",
        dt_option,
        _DATETIME_RENDER,
        "SERIAL_NUMBER",
    )
    box = (write.r0, write.c0, write.r0 + write.nrows - 1, write.c0 + write.ncols - 1)
    return _render_range(write.sheet, box, opt, dt, "ROWS")


def _values_update(book: _Book, text: str, q: dict[str, str], body: Any) -> dict:
    option = _input_option(q.get("valueInputOption"))
    grid = _rows_of(body)
    write = _bounded_write(book, text, grid, option)
    _apply(write)
    out = _write_response(book, write, q)
    if not write.nrows:
        out["updatedRange"] = _echo_range(write.sheet, text, book)
    return out


def _echo_range(sheet: _Sheet, text: str, book: _Book) -> str:
    _, rng = _resolve(book, text)
    r0, c0, r1, c1 = _clip(sheet, rng)
    return format_range(sheet.title, r0, c0, r1, c1)


def _values_batch_update(book: _Book, body: Any) -> tuple[_Book, dict]:
    """All or nothing: the writes go to a copy of ``book``, returned with the answer for the caller to keep."""
    if not isinstance(body, dict):
        raise _bad("Invalid JSON payload received. Expected an object.")
    option = _input_option(body.get("valueInputOption"))
    data = body.get("data") or []
    work = book.clone()
    responses: list[dict] = []
    rows: set[tuple[int, int]] = set()
    cols: set[tuple[int, int]] = set()
    cells: set[tuple[int, int, int]] = set()
    sheets: set[int] = set()
    for i, item in enumerate(data):
        try:
            if not isinstance(item, dict) or not item.get("range"):
                raise _bad("Missing range.")
            grid = _rows_of(item)
            write = _bounded_write(work, str(item["range"]), grid, option)
        except _ApiError as e:
            raise e.prefixed(f"Invalid data[{i}]: ") from None
        _apply(write)
        responses.append(_write_response(book, write, body))
        sid = write.sheet.sheet_id
        for (r, c), _, _ in write.cells:
            rows.add((sid, r))
            cols.add((sid, c))
            cells.add((sid, r, c))
            sheets.add(sid)
    out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if cells:
        out.update(
            totalUpdatedRows=len(rows),
            totalUpdatedColumns=len(cols),
            totalUpdatedCells=len(cells),
            totalUpdatedSheets=len(sheets),
        )
    if responses:
        out["responses"] = responses
    return work, out


def _clear(book: _Book, text: str) -> str:
    sheet, rng = _resolve(book, text)
    r0, c0, r1, c1 = _clip(sheet, rng)
    for key in [k for k in sheet.cells if r0 <= k[0] <= r1 and c0 <= k[1] <= c1]:
        del sheet.cells[key]
    return format_range(sheet.title, r0, c0, r1, c1)


def _values_batch_clear(book: _Book, body: Any) -> tuple[_Book, dict]:
    """All or nothing, like :func:`_values_batch_update`."""
    ranges = body.get("ranges") or [] if isinstance(body, dict) else []
    work = book.clone()
    cleared = [_clear(work, r) for r in ranges]
    return work, {"spreadsheetId": book.spreadsheet_id, "clearedRanges": cleared}


def _find_table(
    sheet: _Sheet, rng: A1Range, box: tuple[int, int, int, int]
) -> tuple[int, int, int, int] | None:
    """Google's "logical table" for append: 4-connected non-empty cells seeded inside the range.

    A single-cell range picks the table holding that cell (none if it is empty); a larger range
    picks the last table in reading order, which reproduces Google's drift with gappy rows."""
    r0, c0, r1, c1 = box
    filled = {k for k, cell in sheet.cells.items() if not (cell.formula is None and cell.value == "")}
    if rng.anchor:
        seeds = [(rng.r0, rng.c0)] if (rng.r0, rng.c0) in filled else []
        r0, c0, c1 = 0, 0, sheet.cols - 1  # the table holding the cell, wherever it extends
    else:
        seeds = sorted(k for k in filled if r0 <= k[0] <= r1 and c0 <= k[1] <= c1)
    if not seeds:
        return None
    seen: dict[tuple[int, int], int] = {}
    comps: list[list[tuple[int, int]]] = []
    for seed in seeds:
        if seed in seen:
            continue
        comp, todo = [], [seed]
        seen[seed] = len(comps)
        while todo:
            r, c = todo.pop()
            comp.append((r, c))
            for nb in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if nb in filled and nb not in seen and nb[0] >= r0 and c0 <= nb[1] <= c1:
                    seen[nb] = len(comps)
                    todo.append(nb)
        comps.append(comp)
    last = comps[-1]
    rows = [k[0] for k in last]
    cols = [k[1] for k in last]
    return min(rows), min(cols), max(rows), max(cols)


def _values_append(book: _Book, text: str, q: dict[str, str], body: Any) -> dict:
    option = _input_option(q.get("valueInputOption"))
    insert = _enum(
        "insert_data_option", "InsertDataOption", q.get("insertDataOption"), _INSERT_OPTIONS, "OVERWRITE"
    )
    grid = _rows_of(body)
    sheet, rng = _resolve(book, text)
    box = _clip(sheet, rng)
    table = _find_table(sheet, rng, box)
    start_r, start_c = (table[2] + 1, table[1]) if table else (box[0], box[1])
    nrows = len(grid)
    ncols = max((len(r) for r in grid), default=0)
    write = _plan_write(sheet, start_r, start_c, grid, option)  # validates before growing
    if nrows and ncols:
        need_rows = (sheet.rows + nrows) if insert == "INSERT_ROWS" else max(sheet.rows, start_r + nrows)
        need_cols = max(sheet.cols, start_c + ncols)
        growth = (need_rows * need_cols) - sheet.rows * sheet.cols
        if book.total_cells() + growth > MAX_WORKBOOK_CELLS:
            raise _bad(
                f"This action would increase the number of cells in the workbook above the limit of "
                f"{MAX_WORKBOOK_CELLS} cells."
            )
        if insert == "INSERT_ROWS":
            sheet.shift("ROWS", min(start_r, sheet.rows), nrows)
        sheet.rows = max(sheet.rows, need_rows)
        sheet.cols = need_cols
        # formats at the target move with INSERT_ROWS; re-plan so USER_ENTERED sees the right cells
        write = _plan_write(sheet, start_r, start_c, grid, option)
        _apply(write)
    out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if table:
        out["tableRange"] = format_range(sheet.title, *table)
    out["updates"] = _write_response(book, write, q)
    return out


def _write_response(book: _Book, write: _Write, opts: Mapping[str, Any]) -> dict:
    """A write's UpdateValuesResponse, with updatedData when includeValuesInResponse asks for it."""
    resp = write.response(book.spreadsheet_id)
    data = _updated_data(
        write,
        opts.get("includeValuesInResponse"),
        opts.get("responseValueRenderOption"),
        opts.get("responseDateTimeRenderOption"),
    )
    if data is not None:
        resp["updatedData"] = data
    return resp
