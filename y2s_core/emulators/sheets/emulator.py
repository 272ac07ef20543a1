"""SheetsEmulator: the test and demo hooks, the App protocol (``handle``), the router, and the
spreadsheets.create/get handlers. The spreadsheets.values.* handlers are in ``values.py`` and
spreadsheets.batchUpdate in ``batch_update.py``; they work on a ``_Book`` (``grid.py``) that this
class looks up and, for the all-or-nothing batches, swaps for the copy they return.
"""

from __future__ import annotations

import json
import random
import re
import string
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..transport import json_response
from .a1 import A1Range, _parse_cells
from .batch_update import _batch_update
from .cells import _Err, _is_number
from .errors import OFFICE_FILE_ERROR, _ApiError, _bad, _quota_body, sheets_error_body
from .grid import (
    DEFAULT_COLS,
    DEFAULT_ROWS,
    _apply,
    _Book,
    _clip,
    _grid,
    _new_sheet_id,
    _plan_write,
    _resolve,
    _Sheet,
)
from .values import (
    _clear,
    _truthy,
    _values_append,
    _values_batch_clear,
    _values_batch_get,
    _values_batch_update,
    _values_get,
    _values_update,
)

# What spreadsheets.get reports as properties.defaultFormat and properties.spreadsheetTheme.
_DEFAULT_FORMAT = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
_THEME = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {"colorType": "TEXT", "color": {"rgbColor": {}}},
        {"colorType": "BACKGROUND", "color": {"rgbColor": {"red": 1, "green": 1, "blue": 1}}},
        {
            "colorType": "ACCENT1",
            "color": {"rgbColor": {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}},
        },
        {
            "colorType": "ACCENT2",
            "color": {"rgbColor": {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}},
        },
        {
            "colorType": "ACCENT3",
            "color": {"rgbColor": {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}},
        },
        {
            "colorType": "ACCENT4",
            "color": {"rgbColor": {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}},
        },
        {"colorType": "ACCENT5", "color": {"rgbColor": {"red": 1, "green": 0.42745098, "blue": 0.003921569}}},
        {
            "colorType": "ACCENT6",
            "color": {"rgbColor": {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}},
        },
        {"colorType": "LINK", "color": {"rgbColor": {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}}},
    ],
}


@dataclass(frozen=True)
class SheetRequest:
    """One request the emulator answered. ``params``: query values (lists where repeated; ``ranges``
    always a list); ``path``: URL path, percent-decoded; ``authorized``: an Authorization header was sent;
    ``bearer``: the access token it carried (``Authorization: Bearer <token>``), None without one."""

    method: str
    path: str
    params: dict[str, Any]
    body: Any
    status: int
    kind: str
    authorized: bool = False
    spreadsheet_id: str | None = None
    bearer: str | None = None


@dataclass
class _Failure:
    status: int
    remaining: int
    kind: str | None
    retry_after: int | None = None


class SheetsEmulator:
    """The Google Sheets API v4, in memory. Thread-safe (one lock). See the package docstring."""

    def __init__(self, autocreate: bool = False, seed: int | None = None) -> None:
        self.autocreate = autocreate
        self.requests: list[SheetRequest] = []
        self._books: dict[str, _Book] = {}
        self._denied: dict[str, str | None] = {}
        self._office: set[str] = set()  # ids of .xlsx files stored in Drive (not converted to Google Sheets)
        self._token: str | None = None  # when set, every request must carry "Authorization: Bearer <token>"
        self._expired: set[str] = set()  # bearer tokens answered 401 ACCESS_TOKEN_EXPIRED (expire_token)
        self._failures: list[_Failure] = []
        self._lock = threading.RLock()
        self._rng = random.Random(seed)

    # ---- test and demo hooks ------------------------------------------------------------------

    def create_spreadsheet(
        self,
        title: str = "Untitled spreadsheet",
        sheets: Mapping[str, Iterable[Iterable[Any]]] | None = None,
        spreadsheet_id: str | None = None,
        *,
        value_input_option: str = "USER_ENTERED",
        rows: int = DEFAULT_ROWS,
        cols: int = DEFAULT_COLS,
    ) -> str:
        """Create a spreadsheet; ``sheets`` maps tab name -> initial rows (typed in as by a user,
        i.e. USER_ENTERED unless told otherwise). Tabs grow past rows x cols to fit the data."""
        with self._lock:
            sid = spreadsheet_id or self._new_id()
            if sid in self._books:
                raise ValueError(f"spreadsheet {sid!r} already exists")
            tabs = dict(sheets) if sheets else {"Sheet1": []}
            book = _Book(sid, title, [])
            for i, (tab, data) in enumerate(tabs.items()):
                grid = [list(r) for r in data]
                height = max(rows, len(grid))
                width = max([cols] + [len(r) for r in grid])
                sheet = _Sheet(0 if i == 0 else _new_sheet_id(book, self._rng), tab, height, width)
                book.sheets.append(sheet)
                if grid:
                    try:
                        _apply(_plan_write(sheet, 0, 0, grid, value_input_option))
                    except _ApiError as e:
                        raise ValueError(e.body["error"]["message"]) from None
            self._books[sid] = book
            return sid

    def set_values(
        self,
        spreadsheet_id: str,
        tab: str,
        rows: Iterable[Iterable[Any]],
        start: str = "A1",
        value_input_option: str = "USER_ENTERED",
    ) -> None:
        """Edit cells as a user would in the browser (not recorded as an API request)."""
        with self._lock:
            sheet = self._tab(spreadsheet_id, tab)
            rng = _parse_cells(start)
            grid = [list(r) for r in rows]
            sheet.rows = max(sheet.rows, rng.r0 + len(grid))
            sheet.cols = max([sheet.cols] + [rng.c0 + len(r) for r in grid])
            try:
                _apply(_plan_write(sheet, rng.r0, rng.c0, grid, value_input_option))
            except _ApiError as e:
                raise ValueError(e.body["error"]["message"]) from None

    def values(self, spreadsheet_id: str, tab: str) -> list[list[Any]]:
        """What a user sees: effective values (numbers, bools, text; formulas evaluated; date/time
        cells as their displayed text), trailing empties trimmed."""
        with self._lock:
            sheet = self._tab(spreadsheet_id, tab)
            memo: dict = {}
            return _grid(sheet, 0, 0, sheet.rows - 1, sheet.cols - 1, lambda k: sheet.user_view(k, memo))

    def formatted_values(self, spreadsheet_id: str, tab: str) -> list[list[str]]:
        """What values.get with FORMATTED_VALUE returns for the whole tab."""
        with self._lock:
            sheet = self._tab(spreadsheet_id, tab)
            memo: dict = {}
            return _grid(
                sheet,
                0,
                0,
                sheet.rows - 1,
                sheet.cols - 1,
                lambda k: sheet.render(k, "FORMATTED_VALUE", "SERIAL_NUMBER", memo),
            )

    def formulas(self, spreadsheet_id: str, tab: str) -> dict[tuple[int, int], str]:
        """Cells holding a formula, 0-based (row, col) -> formula text."""
        with self._lock:
            sheet = self._tab(spreadsheet_id, tab)
            return {k: c.formula for k, c in sorted(sheet.cells.items()) if c.formula is not None}

    def sheet_properties(self, spreadsheet_id: str, tab: str) -> dict[str, Any]:
        with self._lock:
            book = self._book_for_hook(spreadsheet_id)
            sheet = self._tab(spreadsheet_id, tab)
            return json.loads(json.dumps(sheet.properties(book.sheets.index(sheet))))

    def data_validations(self, spreadsheet_id: str, tab: str) -> list[dict[str, Any]]:
        """Recorded setDataValidation requests, oldest first: ``{"range": GridRange, "rule": ...}``."""
        with self._lock:
            return json.loads(json.dumps(self._tab(spreadsheet_id, tab).validations))

    def cell_formats(self, spreadsheet_id: str, tab: str) -> list[dict[str, Any]]:
        """Recorded repeatCell requests, oldest first: ``{"range", "cell", "fields"}``."""
        with self._lock:
            return json.loads(json.dumps(self._tab(spreadsheet_id, tab).cell_formats))

    def tabs(self, spreadsheet_id: str) -> list[str]:
        with self._lock:
            return [s.title for s in self._book_for_hook(spreadsheet_id).sheets]

    def spreadsheet_ids(self) -> list[str]:
        with self._lock:
            return list(self._books)

    def deny(self, spreadsheet_id: str, email: str | None = None) -> None:
        """Every request to this spreadsheet answers 403 PERMISSION_DENIED (not shared with ``email``)."""
        with self._lock:
            self._denied[spreadsheet_id] = email

    def allow(self, spreadsheet_id: str) -> None:
        """Undo :meth:`deny` (the sheet was shared)."""
        with self._lock:
            self._denied.pop(spreadsheet_id, None)

    def mark_office_file(self, spreadsheet_id: str) -> None:
        """Make this id an Excel file stored in Drive: the Sheets API refuses every operation on it."""
        with self._lock:
            self._office.add(spreadsheet_id)

    def require_token(self, token: str | None) -> None:
        """Answer 401 UNAUTHENTICATED unless a request carries ``Authorization: Bearer <token>`` (None: off).
        Lets a test check that the real google-auth service-account flow put its access token on the wire."""
        with self._lock:
            self._token = token

    def expire_token(self, token: str) -> None:
        """From now on a request carrying ``Authorization: Bearer <token>`` answers what Google answers for an
        expired or revoked access token: 401 UNAUTHENTICATED, ErrorInfo reason ACCESS_TOKEN_EXPIRED, and
        ``WWW-Authenticate: Bearer ... error="invalid_token"``. Any other token is still accepted (unless
        ``require_token`` says otherwise); each request's token is in ``requests[i].bearer``."""
        with self._lock:
            self._expired.add(token)

    def fail_next(self, status: int = 503, times: int = 1, kind: str | None = None,
                  retry_after: int | None = None) -> None:
        """The next ``times`` requests (of ``kind``, or any) answer ``status`` with a Google error body
        (and a ``Retry-After: <seconds>`` header when ``retry_after`` is given)."""
        with self._lock:
            self._failures.append(_Failure(status, times, kind, retry_after))

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    @property
    def requests_by_kind(self) -> dict[str, int]:
        with self._lock:
            return dict(Counter(r.kind for r in self.requests))

    # ---- the App protocol -------------------------------------------------------------------------

    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | str | None
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        query = parse_qs(parts.query, keep_blank_values=True)
        params: dict[str, Any] = {k: (v if len(v) > 1 or k == "ranges" else v[0]) for k, v in query.items()}
        auth_header = next((v for k, v in headers.items() if k.lower() == "authorization" and v), "")
        authorized = bool(auth_header)
        bearer = auth_header[7:].strip() or None if auth_header[:7].lower() == "bearer " else None
        method = method.upper()
        kind, sid, range_text = self._route(method, parts.path)
        text = body.decode("utf-8", errors="replace") if isinstance(body, (bytes, bytearray)) else body
        body_obj: Any = None
        bad_json = False
        if text:
            try:
                body_obj = json.loads(text)
            except ValueError:
                body_obj, bad_json = text, True
        with self._lock:
            payload: Any
            extra: dict[str, str] = {}
            try:
                if bearer is not None and bearer in self._expired:
                    raise _expired_token_error(kind)
                if self._token is not None and auth_header != f"Bearer {self._token}":
                    raise _ApiError(401)
                if bad_json:
                    raise _bad("Invalid JSON payload received. Unexpected token.")
                if sid in self._office:
                    raise _ApiError(*OFFICE_FILE_ERROR)
                status, payload = self._dispatch(kind, sid, range_text, query, body_obj)
            except _ApiError as e:
                status, payload, extra = e.status, e.body, e.headers
            self.requests.append(
                SheetRequest(method, unquote(parts.path), params, body_obj, status, kind, authorized, sid, bearer)
            )
        code, headers, content = json_response(status, payload)
        return code, {**headers, **extra}, content

    # ---- routing ----------------------------------------------------------------------------------

    @staticmethod
    def _route(method: str, path: str) -> tuple[str, str | None, str | None]:
        marker = "/v4/spreadsheets"
        i = path.find(marker)
        if i < 0:
            return "unknown", None, None
        tail = path[i + len(marker) :]
        if tail in ("", "/"):
            return ("spreadsheets.create" if method == "POST" else "unknown"), None, None
        tail = tail[1:]
        m = re.match(r"[^/:]+", tail)
        if not m:
            return "unknown", None, None
        sid, rest = unquote(m.group()), tail[m.end() :]
        routes = {
            ("GET", ""): "spreadsheets.get",
            ("POST", ":batchUpdate"): "spreadsheets.batchUpdate",
            ("GET", "/values:batchGet"): "values.batchGet",
            ("POST", "/values:batchUpdate"): "values.batchUpdate",
            ("POST", "/values:batchClear"): "values.batchClear",
        }
        if (method, rest) in routes:
            return routes[(method, rest)], sid, None
        if rest.startswith("/values/"):
            enc = rest[len("/values/") :]
            for suffix, kind in ((":append", "values.append"), (":clear", "values.clear")):
                if enc.endswith(suffix):
                    return (kind if method == "POST" else "unknown"), sid, unquote(enc[: -len(suffix)])
            if method in ("GET", "PUT"):
                return ("values.get" if method == "GET" else "values.update"), sid, unquote(enc)
        if (
            rest.startswith("/values:")
            or rest.startswith("/sheets/")
            or rest.startswith("/developerMetadata")
        ):
            return "unimplemented", sid, None
        return "unknown", sid, None

    def _dispatch(
        self, kind: str, sid: str | None, range_text: str | None, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        failure = next((f for f in self._failures if f.kind is None or f.kind == kind), None)
        if failure is not None:
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.remove(failure)
            if failure.status == 429:
                err = _ApiError(429)
                err.body = _quota_body(kind)
                if failure.retry_after is not None:
                    err.headers = {"Retry-After": str(failure.retry_after)}
                raise err
            return failure.status, sheets_error_body(failure.status)
        if kind == "unknown":
            return 404, sheets_error_body(404, "Method not found.")
        if kind == "spreadsheets.create":
            return 200, self._create_from_api(body if isinstance(body, dict) else {})
        assert sid is not None
        book = self._book(sid)
        if kind == "unimplemented":
            raise _ApiError(501, "This method is not modelled by the Sheets emulator.")
        q = {k: v[-1] for k, v in query.items()}
        if kind == "spreadsheets.get":
            return 200, self._get_spreadsheet(book, q, query.get("ranges", []))
        if kind == "spreadsheets.batchUpdate":
            work, reply = _batch_update(book, body, self._rng)
            self._books[book.spreadsheet_id] = work
            return 200, reply
        if kind == "values.get":
            assert range_text is not None
            return 200, _values_get(book, range_text, q)
        if kind == "values.batchGet":
            return 200, _values_batch_get(book, query.get("ranges", []), q)
        if kind == "values.update":
            assert range_text is not None
            return 200, _values_update(book, range_text, q, body)
        if kind == "values.append":
            assert range_text is not None
            return 200, _values_append(book, range_text, q, body)
        if kind == "values.batchUpdate":
            work, reply = _values_batch_update(book, body)
            self._books[book.spreadsheet_id] = work
            return 200, reply
        if kind == "values.clear":
            assert range_text is not None
            return 200, {"spreadsheetId": book.spreadsheet_id, "clearedRange": _clear(book, range_text)}
        if kind == "values.batchClear":
            work, reply = _values_batch_clear(book, body)
            self._books[book.spreadsheet_id] = work
            return 200, reply
        return 404, sheets_error_body(404, "Method not found.")

    # ---- lookups ----------------------------------------------------------------------------------

    def _new_id(self) -> str:
        alphabet = string.ascii_letters + string.digits + "-_"
        while True:
            sid = "1" + "".join(self._rng.choice(alphabet) for _ in range(43))
            if sid not in self._books:
                return sid

    def _book(self, sid: str) -> _Book:
        if sid in self._denied:
            raise _ApiError(403)
        book = self._books.get(sid)
        if book is None:
            if not self.autocreate:
                raise _ApiError(404)
            book = self._books[sid] = _Book(sid, "Untitled spreadsheet", [_Sheet(0, "Sheet1")])
        return book

    def _book_for_hook(self, sid: str) -> _Book:
        book = self._books.get(sid)
        if book is None:
            raise KeyError(f"no spreadsheet {sid!r}")
        return book

    def _tab(self, sid: str, tab: str) -> _Sheet:
        sheet = self._book_for_hook(sid).find(tab)
        if sheet is None:
            raise KeyError(f"no tab {tab!r} in spreadsheet {sid!r}")
        return sheet

    # ---- spreadsheets.get / create ----------------------------------------------------------------

    def _create_from_api(self, body: dict) -> dict:
        props = body.get("properties") or {}
        tabs = [(s.get("properties") or {}) for s in body.get("sheets") or []] or [{"title": "Sheet1"}]
        sid = self._new_id()
        book = _Book(sid, props.get("title") or "Untitled spreadsheet", [])
        for i, p in enumerate(tabs):
            grid = p.get("gridProperties") or {}
            book.sheets.append(
                _Sheet(
                    p.get("sheetId", 0 if i == 0 else _new_sheet_id(book, self._rng)),
                    p.get("title") or f"Sheet{i + 1}",
                    int(grid.get("rowCount", DEFAULT_ROWS)),
                    int(grid.get("columnCount", DEFAULT_COLS)),
                )
            )
        self._books[sid] = book
        return self._get_spreadsheet(book, {}, [])

    def _get_spreadsheet(self, book: _Book, q: dict[str, str], ranges: list[str]) -> dict:
        # Google: includeGridData "is ignored if a field mask was set"; a mask naming sheets' data returns it
        # (gspread's get_note asks fields=sheets/data/rowData/values/note). The mask does not prune the answer here.
        fields = q.get("fields") or ""
        with_data = "data" in re.split(r"[/(),.]", fields) if fields else _truthy(q.get("includeGridData", "false"))
        wanted: dict[int, list[A1Range]] = {}
        for text in ranges:
            sheet, rng = _resolve(book, text)
            wanted.setdefault(sheet.sheet_id, []).append(rng)
        sheets_out = []
        for i, sheet in enumerate(book.sheets):
            if ranges and sheet.sheet_id not in wanted:
                continue
            entry: dict[str, Any] = {"properties": sheet.properties(i)}
            if with_data:
                entry["data"] = [
                    self._grid_data(sheet, r) for r in wanted.get(sheet.sheet_id, [A1Range(sheet.title)])
                ]
            sheets_out.append(entry)
        return {
            "spreadsheetId": book.spreadsheet_id,
            "properties": {
                "title": book.title,
                "locale": book.locale,
                "autoRecalc": "ON_CHANGE",
                "timeZone": book.time_zone,
                "defaultFormat": json.loads(json.dumps(_DEFAULT_FORMAT)),
                "spreadsheetTheme": json.loads(json.dumps(_THEME)),
            },
            "sheets": sheets_out,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
        }

    def _grid_data(self, sheet: _Sheet, rng: A1Range) -> dict:
        r0, c0, r1, c1 = _clip(sheet, rng)
        memo: dict = {}

        def ext(v: Any) -> dict:
            if isinstance(v, _Err):
                return {"errorValue": {"type": "ERROR", "message": str(v)}}
            if isinstance(v, bool):
                return {"boolValue": v}
            if _is_number(v):
                return {"numberValue": v}
            return {"stringValue": v}

        def cell_data(key: tuple[int, int]) -> dict:
            cell = sheet.cells.get(key)
            if cell is None:
                return {}
            out: dict[str, Any] = {
                "userEnteredValue": {"formulaValue": cell.formula} if cell.formula else ext(cell.value),
                "effectiveValue": ext(sheet.effective(key, memo, set())),
                "formattedValue": sheet.render(key, "FORMATTED_VALUE", "SERIAL_NUMBER", memo),
            }
            fmt = sheet.fmts.get(key)
            if fmt is not None:
                out["userEnteredFormat"] = {"numberFormat": {"type": fmt.type, "pattern": fmt.pattern}}
            if key in sheet.notes:  # (a note on an empty cell is not returned: only cells with values are modelled)
                out["note"] = sheet.notes[key]
            return out

        grid = _grid(sheet, r0, c0, r1, c1, lambda k: k)
        data: dict[str, Any] = {}
        if r0:
            data["startRow"] = r0
        if c0:
            data["startColumn"] = c0
        data["rowData"] = [
            {"values": [cell_data(k) if k != "" else {} for k in row]} if row else {} for row in grid
        ]
        return data


# Google's answer to a request whose access token expired or was revoked (the body the Google APIs give, e.g.
# quoted in burnash/gspread#686 and in Google's google.rpc.ErrorInfo docs for ACCESS_TOKEN_EXPIRED).
_EXPIRED_MESSAGE = ("Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
                    "other valid authentication credential. See "
                    "https://developers.google.com/identity/sign-in/web/devconsole-project.")
_RPC_METHODS = {"values.get": "GetValues", "values.batchGet": "BatchGetValues", "values.update": "UpdateValues",
                "values.batchUpdate": "BatchUpdateValues", "values.append": "AppendValues",
                "spreadsheets.get": "GetSpreadsheet", "spreadsheets.batchUpdate": "BatchUpdateSpreadsheet"}


def _expired_token_error(kind: str) -> _ApiError:
    method = "google.apps.sheets.v4.SpreadsheetsService." + _RPC_METHODS.get(kind, "GetSpreadsheet")
    err = _ApiError(401, _EXPIRED_MESSAGE, details=[{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_EXPIRED",
        "domain": "googleapis.com", "metadata": {"service": "sheets.googleapis.com", "method": method}}])
    err.headers["WWW-Authenticate"] = 'Bearer realm="https://accounts.google.com/", error="invalid_token"'
    return err
