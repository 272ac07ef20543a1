"""A faithful fake of the Google Sheets API v4 (the part gspread 6 and the product use).

Shapes, status codes and error bodies follow recorded exchanges (../shared/fixtures/real-sheets).
Serve it in-process (``transport.requests_session(emu)``) or on 127.0.0.1 (``transport.serve``).

Modelled, because the product can trip on it:

* A1 ranges: ``Sheet1``, ``'My Tab'!A1:C5`` (``''`` escapes), ``Videos!A:J``, ``A2:B``, ``A1:1``,
  ``1:3``, ``$A$1``, a bare ``A1:B2`` (first tab). Unknown tab -> 400 ``Unable to parse range: ...``.
  Responses name ranges the way Google does: quotes only where needed, open ends clipped to the grid.
* Value input: RAW stores exactly; USER_ENTERED parses like Sheets: numbers (``"007"`` -> 7,
  ``"1,234"``, ``"-20%"``, ``"$5"``), ``TRUE``/``FALSE`` (any case), dates (``2024-01-15``,
  ``1/15/2024``), times and durations (``4:13`` is 4 h 13 min), a leading apostrophe forces text,
  ``=`` starts a formula, and text starting with ``+``/``-`` that is not a number becomes a formula
  too (so a title like ``"- my vlog"`` turns into ``#ERROR!``). Number formats stick to cells.
* Formulas: arithmetic, comparisons, ``&``, same-tab cell refs/ranges and a few functions (SUM, MIN,
  MAX, AVERAGE, ROUND, ABS, LEN, UPPER, LOWER, CONCATENATE, IF, HYPERLINK). Other functions give
  ``#NAME?``, IMPORT*/GOOGLEFINANCE ``#N/A``, a syntax error ``#ERROR!``, a cycle ``#REF!``.
* Grid limits (``exceeds grid limits``), the 50,000-character cell limit, the 10M-cell workbook
  limit, ``Requested writing within range [...]``, append's "table" detection (including Google's
  quirk with gaps, see the WorksheetTest.test_append_row_with_empty_value cassette) and growth.
* spreadsheets.batchUpdate is atomic; unknown request names -> 400 like Google; known requests the
  emulator does not model -> 501 UNIMPLEMENTED (loud, never silently wrong).

Test hooks: ``requests`` (every call as a :class:`SheetRequest`), ``fail_next`` (429/503...),
``deny`` (403 like a sheet not shared with the service account), ``values``/``formulas``/...
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import random
import re
import string
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from dataclasses import replace as _dc_replace
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..transport import json_response

__all__ = [
    "A1Range",
    "SheetRequest",
    "SheetsEmulator",
    "col_index",
    "col_letter",
    "format_range",
    "parse_a1",
    "quote_sheet_name",
    "sheets_error_body",
]

MAX_CELL_CHARS = 50_000
MAX_WORKBOOK_CELLS = 10_000_000
MAX_COLUMNS = 18_278  # ZZZ
DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
_EPOCH = _dt.date(1899, 12, 30)  # Sheets' serial day 0

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

_STATUS = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: (
        "UNAUTHENTICATED",
        "Request is missing required authentication credential. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential. "
        "See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    ),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    409: ("ABORTED", "The operation was aborted."),
    429: ("RESOURCE_EXHAUSTED", "Quota exceeded."),
    500: ("INTERNAL", "Internal error encountered."),
    501: ("UNIMPLEMENTED", "Operation is not implemented, or supported, or enabled."),
    502: ("UNAVAILABLE", "The service is currently unavailable."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
    504: ("DEADLINE_EXCEEDED", "The request timed out."),
}

_READ_KINDS = {"spreadsheets.get", "values.get", "values.batchGet"}


def sheets_error_body(status: int, message: str | None = None, details: list[dict] | None = None) -> dict:
    """A Sheets-shaped error body: ``{"error": {"code", "message", "status"}}`` (no ``errors`` list)."""
    name, default = _STATUS.get(status, ("UNKNOWN", "Unknown error."))
    err: dict[str, Any] = {"code": status, "message": message or default, "status": name}
    if details:
        err["details"] = details
    return {"error": err}


def _quota_body(kind: str) -> dict:
    what = "Read" if kind in _READ_KINDS else "Write"
    metric = f"sheets.googleapis.com/{what.lower()}_requests"
    msg = (
        f"Quota exceeded for quota metric '{what} requests' and limit '{what} requests per minute per user' "
        "of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'."
    )
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_metric": metric,
                "quota_limit": f"{what}RequestsPerMinutePerUser",
                "quota_limit_value": "60",
                "service": "sheets.googleapis.com",
                "consumer": "projects/000000000000",
                "quota_location": "global",
            },
        }
    ]
    return sheets_error_body(429, msg, details)


class _ApiError(Exception):
    def __init__(self, status: int, message: str | None = None, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = sheets_error_body(status, message, details)

    def prefixed(self, prefix: str) -> _ApiError:
        err = self.body["error"]
        return _ApiError(self.status, prefix + err["message"], err.get("details"))


def _bad(message: str) -> _ApiError:
    return _ApiError(400, message)


# ---------------------------------------------------------------------------------------------
# A1 notation
# ---------------------------------------------------------------------------------------------


def col_letter(index: int) -> str:
    """0 -> ``A``, 25 -> ``Z``, 26 -> ``AA``."""
    s = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


def col_index(letters: str) -> int:
    """``A`` -> 0, ``AA`` -> 26 (case-insensitive)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELLISH = re.compile(r"[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*")


def quote_sheet_name(title: str) -> str:
    """The sheet name as Google writes it in a range: quoted (``'`` doubled) only where needed."""
    if _PLAIN_NAME.fullmatch(title) and not _CELLISH.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _cell(r: int, c: int) -> str:
    return f"{col_letter(c)}{r + 1}"


def format_range(title: str, r0: int, c0: int, r1: int, c1: int) -> str:
    """``Sheet1!A1:B2`` (0-based inclusive bounds); a single cell is written ``Sheet1!A1``."""
    cells = _cell(r0, c0) if (r0, c0) == (r1, c1) else f"{_cell(r0, c0)}:{_cell(r1, c1)}"
    return f"{quote_sheet_name(title)}!{cells}"


@dataclass(frozen=True)
class A1Range:
    """A parsed A1 range. Rows/columns are 0-based and inclusive; ``None`` ends are open.

    ``sheet`` is None when no sheet was named (the first tab is meant). ``anchor`` marks a single
    cell given alone (``A1``): writes start there and are not bounded by it. ``cells`` is the cell
    part as written (None for a whole sheet).
    """

    sheet: str | None
    r0: int = 0
    c0: int = 0
    r1: int | None = None
    c1: int | None = None
    anchor: bool = False
    cells: str | None = None

    @property
    def whole_sheet(self) -> bool:
        return self.cells is None


_ENDPOINT = re.compile(r"\$?([A-Za-z]{1,3})?\$?([0-9]+)?")


def _endpoint(text: str) -> tuple[int | None, int | None]:
    m = _ENDPOINT.fullmatch(text)
    if not m or (m.group(1) is None and m.group(2) is None):
        raise ValueError(text)
    col = col_index(m.group(1)) if m.group(1) else None
    row = int(m.group(2)) - 1 if m.group(2) else None
    if row is not None and row < 0:
        raise ValueError(text)
    if col is not None and col >= MAX_COLUMNS:
        raise ValueError(text)
    return col, row


def _parse_cells(text: str) -> A1Range:
    parts = text.split(":")
    if len(parts) == 1:
        c, r = _endpoint(parts[0])
        if c is None or r is None:
            raise ValueError(text)
        return A1Range(None, r, c, r, c, anchor=True, cells=text)
    if len(parts) != 2:
        raise ValueError(text)
    (ca, ra), (cb, rb) = _endpoint(parts[0]), _endpoint(parts[1])
    a_cell, b_cell = ca is not None and ra is not None, cb is not None and rb is not None
    if a_cell and b_cell:
        r0, r1, c0, c1 = min(ra, rb), max(ra, rb), min(ca, cb), max(ca, cb)  # type: ignore[type-var]
    elif a_cell and rb is None:  # A2:B  (open rows)
        r0, r1, c0, c1 = ra, None, min(ca, cb), max(ca, cb)  # type: ignore[type-var]
    elif a_cell and cb is None:  # A1:1  (open columns)
        r0, r1, c0, c1 = min(ra, rb), max(ra, rb), ca, None  # type: ignore[type-var]
    elif ra is None and rb is None:  # A:B
        r0, r1, c0, c1 = 0, None, min(ca, cb), max(ca, cb)  # type: ignore[type-var]
    elif ca is None and cb is None:  # 1:3
        r0, r1, c0, c1 = min(ra, rb), max(ra, rb), 0, None  # type: ignore[type-var]
    elif ra is None and b_cell:  # A:B5
        r0, r1, c0, c1 = 0, rb, min(ca, cb), max(ca, cb)  # type: ignore[type-var]
    else:
        raise ValueError(text)
    return A1Range(None, r0, c0, r1, c1, cells=text)  # type: ignore[arg-type]


def parse_a1(a1: str) -> A1Range:
    """Parse A1 notation without knowing the tabs. Raises ValueError.

    Without ``!`` the text is a cell range if it parses as one, else a sheet name (so callers that
    know the tabs should look the whole text up as a title first, as Sheets does).
    """
    if a1.startswith("'"):
        i, name = 1, []
        while True:
            j = a1.find("'", i)
            if j < 0:
                raise ValueError(a1)
            name.append(a1[i:j])
            if a1[j + 1 : j + 2] == "'":
                name.append("'")
                i = j + 2
                continue
            rest = a1[j + 1 :]
            break
        sheet = "".join(name)
        if not sheet:
            raise ValueError(a1)
        if rest == "":
            return A1Range(sheet)
        if not rest.startswith("!") or len(rest) == 1:
            raise ValueError(a1)
        return _dc_replace(_parse_cells(rest[1:]), sheet=sheet)
    if "!" in a1:
        sheet, _, cells = a1.rpartition("!")
        if not sheet or not cells:
            raise ValueError(a1)
        return _dc_replace(_parse_cells(cells), sheet=sheet)
    if not a1:
        raise ValueError(a1)
    try:
        return _parse_cells(a1)
    except ValueError:
        return A1Range(a1)


# ---------------------------------------------------------------------------------------------
# Cells, number formats, value input and rendering
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cell:
    value: Any  # str | int | float | bool for literals; None for formulas
    formula: str | None = None


@dataclass(frozen=True, slots=True)
class _Fmt:
    """A cell's number format (``type`` and ``pattern`` as in the API's NumberFormat)."""

    type: str
    pattern: str = ""


_TEXT_FMT = _Fmt("TEXT", "@")
_DATEISH = {"DATE", "TIME", "DATE_TIME"}


class _Err(str):
    """A formula error value such as ``#DIV/0!`` (renders as its code)."""


def _num(x: Any) -> Any:
    """Integral floats as ints, the way the API's JSON prints doubles."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


_NUMBER_RE = re.compile(
    r"(?P<sign>[+-]?)(?P<cur>\$?)(?P<int>\d{1,3}(?:,\d{3})+|\d*)(?P<frac>\.\d*)?(?P<exp>[eE][+-]?\d+)?(?P<pct>%?)"
)
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_TIME = re.compile(r"(\d{1,4}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?")


def _parse_number(s: str) -> tuple[float, _Fmt | None] | None:
    m = _NUMBER_RE.fullmatch(s)
    if not m:
        return None
    digits = m.group("int") + (m.group("frac") or "")
    if not any(ch.isdigit() for ch in digits):
        return None
    if m.group("cur") and m.group("pct"):
        return None
    text = (m.group("sign") or "") + digits.replace(",", "") + (m.group("exp") or "")
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    frac = m.group("frac") or ""
    decimals = "0.00" if len(frac) > 1 else "0"
    fmt: _Fmt | None = None
    if m.group("pct"):
        value /= 100
        fmt = _Fmt("PERCENT", decimals + "%")
    elif m.group("cur"):
        fmt = _Fmt("CURRENCY", '"$"#,##0.00')
    elif "," in m.group("int"):
        fmt = _Fmt("NUMBER", "#,##0" + (".00" if len(frac) > 1 else ""))
    elif m.group("exp"):
        fmt = _Fmt("SCIENTIFIC", "0.00E+00")
    return value, fmt


def _date_serial(y: int, mo: int, d: int) -> int | None:
    try:
        return (_dt.date(y, mo, d) - _EPOCH).days
    except ValueError:
        return None


def _time_fraction(m: re.Match[str]) -> tuple[float, bool] | None:
    h, mi, se, ampm = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), m.group(4)
    if mi > 59 or se > 59:
        return None
    if ampm:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ampm.lower() == "pm" else 0)
    return (h * 3600 + mi * 60 + se) / 86400, bool(ampm)


def _parse_datetime(s: str) -> tuple[float, _Fmt] | None:
    date_part, _, time_part = s.partition(" ")
    for rx, order, pattern in ((_ISO_DATE, "ymd", "yyyy-mm-dd"), (_US_DATE, "mdy", "m/d/yyyy")):
        m = rx.fullmatch(date_part)
        if not m:
            continue
        a, b, c = (int(g) for g in m.groups())
        y, mo, d = (a, b, c) if order == "ymd" else (c, a, b)
        serial = _date_serial(y, mo, d)
        if serial is None:
            return None
        if not time_part.strip():
            return float(serial), _Fmt("DATE", pattern)
        t = _TIME.fullmatch(time_part.strip())
        tf = _time_fraction(t) if t else None
        if tf is None or tf[0] >= 1:
            return None
        return serial + tf[0], _Fmt("DATE_TIME", pattern + (" h:mm:ss am/pm" if tf[1] else " h:mm:ss"))
    m = _TIME.fullmatch(s)
    if m:
        tf = _time_fraction(m)
        if tf is None:
            return None
        if tf[1]:
            return tf[0], _Fmt("TIME", "h:mm:ss am/pm")
        return tf[0], _Fmt("TIME", "[h]:mm:ss" if tf[0] >= 1 else "h:mm:ss")
    return None


_KEEP = object()  # "leave the cell's number format as it is"


def _user_entered(value: Any, fmt: _Fmt | None) -> tuple[_Cell | None, Any]:
    """What typing ``value`` into a cell stores: (cell or None for empty, new format or _KEEP)."""
    if isinstance(value, bool) or _is_number(value):
        return _Cell(value), _KEEP
    s = str(value)
    if s == "":
        return None, _KEEP
    if s.startswith("'"):
        return (_Cell(s[1:]) if len(s) > 1 else None), _KEEP
    if fmt is not None and fmt.type == "TEXT":
        return _Cell(s), _KEEP
    if s.startswith("=") and len(s) > 1:
        return _Cell(None, s), _KEEP
    t = s.strip()
    parsed = _parse_number(t)
    if parsed is not None:
        number, nfmt = parsed
        return _Cell(_num(number)), (nfmt if nfmt is not None else _KEEP)
    if t.upper() in ("TRUE", "FALSE"):
        return _Cell(t.upper() == "TRUE"), _KEEP
    dt = _parse_datetime(t)
    if dt is not None:
        return _Cell(_num(dt[0])), dt[1]
    if s[0] in "+-" and len(s) > 1:
        return _Cell(None, "=" + s), _KEEP
    return _Cell(s), _KEEP


def _raw(value: Any) -> _Cell | None:
    if isinstance(value, bool) or _is_number(value):
        return _Cell(value)
    s = str(value)
    return _Cell(s) if s != "" else None


def _auto_number(x: float) -> str:
    """Sheets' "Automatic" number format (en_US)."""
    if x == 0:
        return "0"
    ax = abs(x)
    if ax >= 1e15 or ax < 1e-10:
        mant, exp = f"{x:.5E}".split("E")
        mant = mant.rstrip("0").rstrip(".")
        e = int(exp)
        return f"{mant}E{'+' if e >= 0 else '-'}{abs(e):02d}"
    if float(x).is_integer():
        return str(int(x))
    before = len(str(int(ax))) if ax >= 1 else 0
    s = f"{x:.{max(0, 10 - before)}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _pattern_number(x: float, pattern: str) -> str:
    section = pattern.split(";")[0]
    pct = "%" in section
    value = x * 100 if pct else x
    _, _, frac = section.partition(".")
    decimals = sum(1 for ch in frac if ch in "0#")
    body = f"{abs(value):,.{decimals}f}" if "," in section else f"{abs(value):.{decimals}f}"
    cur = "$" if "$" in section else ""
    neg = "-" if value < 0 and float(body.replace(",", "")) != 0 else ""
    return f"{neg}{cur}{body}{'%' if pct else ''}"


def _date_text(serial: float, pattern: str) -> str:
    d = _EPOCH + _dt.timedelta(days=math.floor(serial))
    return f"{d.month}/{d.day}/{d.year}" if "/" in pattern else d.isoformat()


def _time_text(serial: float, pattern: str, duration: bool) -> str:
    secs = round((serial if duration else serial - math.floor(serial)) * 86400)
    h, rem = divmod(secs, 3600)
    mi, se = divmod(rem, 60)
    if "am/pm" in pattern.lower():
        h24 = h % 24
        return f"{(h24 % 12) or 12}:{mi:02d}:{se:02d} {'PM' if h24 >= 12 else 'AM'}"
    if not duration:
        h %= 24
    return f"{h}:{mi:02d}:{se:02d}"


def _format_number(x: float, fmt: _Fmt | None) -> str:
    if fmt is None or fmt.type == "TEXT" or (fmt.type == "NUMBER" and not fmt.pattern):
        return _auto_number(x)
    if fmt.type == "DATE":
        return _date_text(x, fmt.pattern)
    if fmt.type == "TIME":
        return _time_text(x, fmt.pattern, "[h]" in fmt.pattern)
    if fmt.type == "DATE_TIME":
        return f"{_date_text(x, fmt.pattern)} {_time_text(x, fmt.pattern, False)}"
    if fmt.type == "SCIENTIFIC":
        mant, exp = f"{x:.2E}".split("E")
        return f"{mant}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
    if fmt.type in ("NUMBER", "PERCENT", "CURRENCY"):
        pattern = fmt.pattern or {"PERCENT": "0.00%", "CURRENCY": '"$"#,##0.00'}.get(fmt.type, "0.00")
        return _pattern_number(x, pattern)
    return _auto_number(x)


# ---------------------------------------------------------------------------------------------
# Formulas: a small evaluator (enough for arithmetic, refs and a few functions)
# ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<str>"(?:[^"]|"")*")
    |(?P<ref>\$?[A-Za-z]{1,3}\$?\d+(?![A-Za-z0-9_(]))
    |(?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    |(?P<op><=|>=|<>|[-+*/^&=<>(),:%])""",
    re.X,
)
_NETWORK_FUNCS = {
    "IMPORTXML",
    "IMPORTHTML",
    "IMPORTDATA",
    "IMPORTFEED",
    "IMPORTRANGE",
    "GOOGLEFINANCE",
    "IMAGE",
}


class _ParseError(Exception):
    pass


class _FErr(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _tokenize(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise _ParseError(text[pos:])
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
        pos = m.end()
    return out


class _FormulaParser:
    """Recursive descent over tokens, producing a tuple AST."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.t = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (op is not None and tok != ("op", op)):
            raise _ParseError(op or "end")
        self.i += 1
        return tok

    def at(self, *ops: str) -> str | None:
        tok = self.peek()
        return tok[1] if tok and tok[0] == "op" and tok[1] in ops else None

    def parse(self) -> tuple:
        node = self.comparison()
        if self.peek() is not None:
            raise _ParseError("trailing")
        return node

    def _binary(self, ops: tuple[str, ...], sub: Callable[[], tuple]) -> tuple:
        node = sub()
        while (op := self.at(*ops)) is not None:
            self.i += 1
            node = ("bin", op, node, sub())
        return node

    def comparison(self) -> tuple:
        return self._binary(("=", "<>", "<", ">", "<=", ">="), self.concat)

    def concat(self) -> tuple:
        return self._binary(("&",), self.additive)

    def additive(self) -> tuple:
        return self._binary(("+", "-"), self.term)

    def term(self) -> tuple:
        return self._binary(("*", "/"), self.power)

    def power(self) -> tuple:
        return self._binary(("^",), self.unary)

    def unary(self) -> tuple:
        if (op := self.at("+", "-")) is not None:
            self.i += 1
            return ("neg", self.unary()) if op == "-" else ("pos", self.unary())
        node = self.primary()
        while self.at("%"):
            self.i += 1
            node = ("pct", node)
        return node

    def primary(self) -> tuple:
        kind, text = self.take()
        if kind == "num":
            return ("lit", float(text))
        if kind == "str":
            return ("lit", text[1:-1].replace('""', '"'))
        if kind == "ref":
            c, r = _endpoint(text)
            if self.at(":"):
                self.i += 1
                k2, t2 = self.take()
                if k2 != "ref":
                    raise _ParseError(t2)
                c2, r2 = _endpoint(t2)
                return ("range", min(r, r2), min(c, c2), max(r, r2), max(c, c2))  # type: ignore[type-var]
            return ("ref", r, c)
        if kind == "name":
            if self.at("("):
                self.i += 1
                args: list[tuple] = []
                if not self.at(")"):
                    args.append(self.comparison())
                    while self.at(","):
                        self.i += 1
                        args.append(self.comparison())
                self.take(")")
                return ("call", text.upper(), args)
            if text.upper() in ("TRUE", "FALSE"):
                return ("lit", text.upper() == "TRUE")
            return ("name", text)
        if (kind, text) == ("op", "("):
            node = self.comparison()
            self.take(")")
            return node
        raise _ParseError(text)


def _to_number(v: Any) -> float:
    if isinstance(v, _Err):
        raise _FErr(v)
    if v is None or v == "":
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if _is_number(v):
        return float(v)
    parsed = _parse_number(str(v).strip())
    if parsed is None:
        raise _FErr("#VALUE!")
    return parsed[0]


def _to_text(v: Any) -> str:
    if isinstance(v, _Err):
        raise _FErr(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if _is_number(v):
        return _auto_number(v)
    return str(v)


def _to_bool(v: Any) -> bool:
    if isinstance(v, str) and not isinstance(v, _Err):
        if v.upper() in ("TRUE", "FALSE"):
            return v.upper() == "TRUE"
        raise _FErr("#VALUE!")
    return _to_number(v) != 0


class _Evaluator:
    def __init__(self, ref: Callable[[int, int], Any]) -> None:
        self.ref = ref

    def scalar(self, node: tuple) -> Any:
        v = self.eval(node)
        if isinstance(v, list):
            raise _FErr("#VALUE!")
        if isinstance(v, _Err):
            raise _FErr(v)
        return v

    def eval(self, node: tuple) -> Any:
        tag = node[0]
        if tag == "lit":
            return node[1]
        if tag == "ref":
            return self.ref(node[1], node[2])
        if tag == "range":
            _, r0, c0, r1, c1 = node
            return [self.ref(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
        if tag == "name":
            raise _FErr("#NAME?")
        if tag == "neg":
            return -_to_number(self.scalar(node[1]))
        if tag == "pos":
            return self.scalar(node[1])
        if tag == "pct":
            return _to_number(self.scalar(node[1])) / 100
        if tag == "bin":
            return self.binary(node[1], self.scalar(node[2]), self.scalar(node[3]))
        if tag == "call":
            return self.call(node[1], node[2])
        raise _FErr("#ERROR!")

    def binary(self, op: str, a: Any, b: Any) -> Any:
        if op == "&":
            return _to_text(a) + _to_text(b)
        if op in ("=", "<>", "<", ">", "<=", ">="):
            if isinstance(a, str) and isinstance(b, str):
                x, y = a.lower(), b.lower()
            elif isinstance(a, str) != isinstance(b, str):
                x, y = (1, 0) if isinstance(a, str) else (0, 1)  # text sorts after numbers
            else:
                x, y = _to_number(a), _to_number(b)
            return {"=": x == y, "<>": x != y, "<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]
        x, y = _to_number(a), _to_number(b)
        try:
            if op == "+":
                return x + y
            if op == "-":
                return x - y
            if op == "*":
                return x * y
            if op == "/":
                if y == 0:
                    raise _FErr("#DIV/0!")
                return x / y
            return x**y
        except (OverflowError, ZeroDivisionError, ValueError):
            raise _FErr("#NUM!") from None

    def _numbers(self, args: list[tuple]) -> list[float]:
        out: list[float] = []
        for a in args:
            v = self.eval(a)
            if isinstance(v, list):
                for item in v:
                    if isinstance(item, _Err):
                        raise _FErr(item)
                    if _is_number(item):
                        out.append(float(item))
            else:
                out.append(_to_number(v))
        return out

    def call(self, name: str, args: list[tuple]) -> Any:
        n = len(args)
        if name == "SUM":
            return sum(self._numbers(args))
        if name in ("MIN", "MAX"):
            nums = self._numbers(args)
            return (min if name == "MIN" else max)(nums) if nums else 0.0
        if name == "AVERAGE":
            nums = self._numbers(args)
            if not nums:
                raise _FErr("#DIV/0!")
            return sum(nums) / len(nums)
        if name == "ROUND" and n in (1, 2):
            x = _to_number(self.scalar(args[0]))
            digits = int(_to_number(self.scalar(args[1]))) if n == 2 else 0
            scaled = abs(x) * 10**digits
            return math.copysign(math.floor(scaled + 0.5) / 10**digits, x)
        if name == "ABS" and n == 1:
            return abs(_to_number(self.scalar(args[0])))
        if name == "LEN" and n == 1:
            return float(len(_to_text(self.scalar(args[0]))))
        if name in ("UPPER", "LOWER") and n == 1:
            s = _to_text(self.scalar(args[0]))
            return s.upper() if name == "UPPER" else s.lower()
        if name == "CONCATENATE":
            return "".join(_to_text(self.scalar(a)) for a in args)
        if name == "IF" and n in (2, 3):
            if _to_bool(self.scalar(args[0])):
                return self.scalar(args[1])
            return self.scalar(args[2]) if n == 3 else False
        if name == "HYPERLINK" and n in (1, 2):
            return _to_text(self.scalar(args[1] if n == 2 else args[0]))
        if name in _NETWORK_FUNCS:
            raise _FErr("#N/A")
        raise _FErr("#NAME?")


def _evaluate_formula(formula: str, ref: Callable[[int, int], Any]) -> Any:
    try:
        ast = _FormulaParser(_tokenize(formula[1:])).parse()
    except (_ParseError, ValueError):
        return _Err("#ERROR!")
    try:
        v = _Evaluator(ref).eval(ast)
        if isinstance(v, list):
            v = v[0] if len(v) == 1 else _Err("#VALUE!")
    except _FErr as e:
        return _Err(e.code)
    except RecursionError:
        return _Err("#REF!")
    if v is None:
        return 0
    if isinstance(v, float):
        if not math.isfinite(v):
            return _Err("#NUM!")
        return _num(v)
    return v


# ---------------------------------------------------------------------------------------------
# Workbook model
# ---------------------------------------------------------------------------------------------


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
        if axis == 0:
            self.rows += count
        else:
            self.cols += count

    def crop(self) -> None:
        self.cells = {k: v for k, v in self.cells.items() if k[0] < self.rows and k[1] < self.cols}
        self.fmts = {k: v for k, v in self.fmts.items() if k[0] < self.rows and k[1] < self.cols}


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

_VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
_DATETIME_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")
_DIMENSIONS = ("ROWS", "COLUMNS")
_INPUT_OPTIONS = ("RAW", "USER_ENTERED")
_INSERT_OPTIONS = ("OVERWRITE", "INSERT_ROWS")


@dataclass(frozen=True)
class SheetRequest:
    """One request the emulator answered. ``params``: query values (lists where repeated; ``ranges``
    always a list); ``path``: URL path, percent-decoded; ``authorized``: an Authorization header was sent."""

    method: str
    path: str
    params: dict[str, Any]
    body: Any
    status: int
    kind: str
    authorized: bool = False
    spreadsheet_id: str | None = None


@dataclass
class _Failure:
    status: int
    remaining: int
    kind: str | None


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


def _truthy(v: Any) -> bool:
    return str(v).lower() in ("true", "1")


def _enum(name: str, proto: str, value: Any, allowed: tuple[str, ...], default: str) -> str:
    if value is None or value == "":
        return default
    if value not in allowed:
        raise _bad(
            f"Invalid value at '{name}' (type.googleapis.com/google.apps.sheets.v4.{proto}), \"{value}\""
        )
    return str(value)


class SheetsEmulator:
    """The Google Sheets API v4, in memory. Thread-safe (one lock). See the module docstring."""

    def __init__(self, autocreate: bool = False, seed: int | None = None) -> None:
        self.autocreate = autocreate
        self.requests: list[SheetRequest] = []
        self._books: dict[str, _Book] = {}
        self._denied: dict[str, str | None] = {}
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
                sheet = _Sheet(0 if i == 0 else self._new_sheet_id(book), tab, height, width)
                book.sheets.append(sheet)
                if grid:
                    try:
                        self._apply(self._plan_write(sheet, 0, 0, grid, value_input_option))
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
                self._apply(self._plan_write(sheet, rng.r0, rng.c0, grid, value_input_option))
            except _ApiError as e:
                raise ValueError(e.body["error"]["message"]) from None

    def values(self, spreadsheet_id: str, tab: str) -> list[list[Any]]:
        """What a user sees: effective values (numbers, bools, text; formulas evaluated; date/time
        cells as their displayed text), trailing empties trimmed."""
        with self._lock:
            sheet = self._tab(spreadsheet_id, tab)
            memo: dict = {}
            return self._grid(sheet, 0, 0, sheet.rows - 1, sheet.cols - 1, lambda k: sheet.user_view(k, memo))

    def formatted_values(self, spreadsheet_id: str, tab: str) -> list[list[str]]:
        """What values.get with FORMATTED_VALUE returns for the whole tab."""
        with self._lock:
            sheet = self._tab(spreadsheet_id, tab)
            memo: dict = {}
            return self._grid(
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

    def fail_next(self, status: int = 503, times: int = 1, kind: str | None = None) -> None:
        """The next ``times`` requests (of ``kind``, or any) answer ``status`` with a Google error body."""
        with self._lock:
            self._failures.append(_Failure(status, times, kind))

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
        authorized = any(k.lower() == "authorization" and v for k, v in headers.items())
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
            try:
                if bad_json:
                    raise _bad("Invalid JSON payload received. Unexpected token.")
                status, payload = self._dispatch(kind, sid, range_text, query, body_obj)
            except _ApiError as e:
                status, payload = e.status, e.body
            self.requests.append(
                SheetRequest(method, unquote(parts.path), params, body_obj, status, kind, authorized, sid)
            )
        return json_response(status, payload)

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
                return 429, _quota_body(kind)
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
            return 200, self._batch_update(book, body)
        if kind == "values.get":
            assert range_text is not None
            return 200, self._values_get(book, range_text, q)
        if kind == "values.batchGet":
            ranges = query.get("ranges", [])
            return 200, {
                "spreadsheetId": book.spreadsheet_id,
                **({"valueRanges": [self._values_get(book, r, q) for r in ranges]} if ranges else {}),
            }
        if kind == "values.update":
            assert range_text is not None
            return 200, self._values_update(book, range_text, q, body)
        if kind == "values.append":
            assert range_text is not None
            return 200, self._values_append(book, range_text, q, body)
        if kind == "values.batchUpdate":
            return 200, self._values_batch_update(book, body)
        if kind == "values.clear":
            assert range_text is not None
            return 200, {"spreadsheetId": book.spreadsheet_id, "clearedRange": self._clear(book, range_text)}
        if kind == "values.batchClear":
            ranges = body.get("ranges") or [] if isinstance(body, dict) else []
            work = book.clone()
            cleared = [self._clear(work, r) for r in ranges]
            self._books[book.spreadsheet_id] = work
            return 200, {"spreadsheetId": book.spreadsheet_id, "clearedRanges": cleared}
        return 404, sheets_error_body(404, "Method not found.")

    # ---- lookups ----------------------------------------------------------------------------------

    def _new_id(self) -> str:
        alphabet = string.ascii_letters + string.digits + "-_"
        while True:
            sid = "1" + "".join(self._rng.choice(alphabet) for _ in range(43))
            if sid not in self._books:
                return sid

    def _new_sheet_id(self, book: _Book) -> int:
        while True:
            n = self._rng.randrange(1, 2**31 - 1)
            if book.by_id(n) is None:
                return n

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

    def _resolve(self, book: _Book, text: str) -> tuple[_Sheet, A1Range]:
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

    @staticmethod
    def _grid_error(sheet: _Sheet, rng: A1Range) -> _ApiError:
        shown = quote_sheet_name(sheet.title) + (f"!{rng.cells}" if rng.cells else "")
        return _bad(f"Range ({shown}) exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}")

    def _clip(self, sheet: _Sheet, rng: A1Range) -> tuple[int, int, int, int]:
        """Concrete bounds of a range for reading/clearing; 400 when it starts outside the grid."""
        if rng.r0 >= sheet.rows or rng.c0 >= sheet.cols:
            raise self._grid_error(sheet, rng)
        r1 = sheet.rows - 1 if rng.r1 is None else min(rng.r1, sheet.rows - 1)
        c1 = sheet.cols - 1 if rng.c1 is None else min(rng.c1, sheet.cols - 1)
        return rng.r0, rng.c0, r1, c1

    @staticmethod
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
                    p.get("sheetId", 0 if i == 0 else self._new_sheet_id(book)),
                    p.get("title") or f"Sheet{i + 1}",
                    int(grid.get("rowCount", DEFAULT_ROWS)),
                    int(grid.get("columnCount", DEFAULT_COLS)),
                )
            )
        self._books[sid] = book
        return self._get_spreadsheet(book, {}, [])

    def _get_spreadsheet(self, book: _Book, q: dict[str, str], ranges: list[str]) -> dict:
        with_data = _truthy(q.get("includeGridData", "false"))
        wanted: dict[int, list[A1Range]] = {}
        for text in ranges:
            sheet, rng = self._resolve(book, text)
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
        r0, c0, r1, c1 = self._clip(sheet, rng)
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
            return out

        grid = self._grid(sheet, r0, c0, r1, c1, lambda k: k)
        data: dict[str, Any] = {}
        if r0:
            data["startRow"] = r0
        if c0:
            data["startColumn"] = c0
        data["rowData"] = [
            {"values": [cell_data(k) if k != "" else {} for k in row]} if row else {} for row in grid
        ]
        return data

    # ---- values.* -----------------------------------------------------------------------------------

    def _values_get(self, book: _Book, text: str, q: dict[str, str]) -> dict:
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
        sheet, rng = self._resolve(book, text)
        return self._render_range(sheet, self._clip(sheet, rng), option, dt_option, major, whole_sheet=rng.cells is None)

    def _render_range(
        self, sheet: _Sheet, box: tuple[int, int, int, int], option: str, dt_option: str, major: str,
        whole_sheet: bool = False,
    ) -> dict:
        r0, c0, r1, c1 = box
        memo: dict = {}
        values = self._grid(sheet, r0, c0, r1, c1, lambda k: sheet.render(k, option, dt_option, memo))
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
        if whole_sheet and values:  # Google reports a whole-tab read as the used area (Sheet1!A1:D4), not the grid
            r1 = r0 + (len(values) if major == "ROWS" else max(len(v) for v in values)) - 1
            c1 = c0 + (max(len(v) for v in values) if major == "ROWS" else len(values)) - 1
        out: dict[str, Any] = {"range": format_range(sheet.title, r0, c0, r1, c1), "majorDimension": major}
        if values:
            out["values"] = values
        return out

    def _rows_of(self, body: Any, where: str = "") -> tuple[list[list[Any]], str]:
        if not isinstance(body, dict):
            raise _bad("Invalid JSON payload received. Expected an object.")
        major = _enum(f"{where}major_dimension", "Dimension", body.get("majorDimension"), _DIMENSIONS, "ROWS")
        values = body.get("values") or []
        if not isinstance(values, list):
            raise _bad(f"Invalid value at '{where}values' (type.googleapis.com/google.protobuf.ListValue)")
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
        return grid, major

    def _plan_write(self, sheet: _Sheet, r0: int, c0: int, grid: list[list[Any]], option: str) -> _Write:
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

    @staticmethod
    def _apply(write: _Write) -> None:
        sheet = write.sheet
        for key, cell, fmt in write.cells:
            if cell is None:
                sheet.cells.pop(key, None)
            else:
                sheet.cells[key] = cell
            if fmt is not _KEEP:
                sheet.fmts[key] = fmt

    def _bounded_write(self, book: _Book, text: str, grid: list[list[Any]], option: str) -> _Write:
        sheet, rng = self._resolve(book, text)
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
            raise self._grid_error(sheet, rng)
        return self._plan_write(sheet, rng.r0, rng.c0, grid, option)

    def _input_option(self, value: Any) -> str:
        if value is None or value == "":
            raise _bad("'valueInputOption' is required but not specified")
        return _enum("value_input_option", "ValueInputOption", value, _INPUT_OPTIONS, "RAW")

    def _updated_data(self, write: _Write, flag: Any, option: Any, dt_option: Any) -> dict | None:
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
        return self._render_range(write.sheet, box, opt, dt, "ROWS")

    def _values_update(self, book: _Book, text: str, q: dict[str, str], body: Any) -> dict:
        option = self._input_option(q.get("valueInputOption"))
        grid, _ = self._rows_of(body)
        write = self._bounded_write(book, text, grid, option)
        self._apply(write)
        out = self._write_response(book, write, q)
        if not write.nrows:
            out["updatedRange"] = self._echo_range(write.sheet, text, book)
        return out

    def _echo_range(self, sheet: _Sheet, text: str, book: _Book) -> str:
        _, rng = self._resolve(book, text)
        r0, c0, r1, c1 = self._clip(sheet, rng)
        return format_range(sheet.title, r0, c0, r1, c1)

    def _values_batch_update(self, book: _Book, body: Any) -> dict:
        if not isinstance(body, dict):
            raise _bad("Invalid JSON payload received. Expected an object.")
        option = self._input_option(body.get("valueInputOption"))
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
                grid, _ = self._rows_of(item)
                write = self._bounded_write(work, str(item["range"]), grid, option)
            except _ApiError as e:
                raise e.prefixed(f"Invalid data[{i}]: ") from None
            self._apply(write)
            responses.append(self._write_response(book, write, body))
            sid = write.sheet.sheet_id
            for (r, c), _, _ in write.cells:
                rows.add((sid, r))
                cols.add((sid, c))
                cells.add((sid, r, c))
                sheets.add(sid)
        self._books[book.spreadsheet_id] = work
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
        return out

    def _clear(self, book: _Book, text: str) -> str:
        sheet, rng = self._resolve(book, text)
        r0, c0, r1, c1 = self._clip(sheet, rng)
        for key in [k for k in sheet.cells if r0 <= k[0] <= r1 and c0 <= k[1] <= c1]:
            del sheet.cells[key]
        return format_range(sheet.title, r0, c0, r1, c1)

    @staticmethod
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

    def _values_append(self, book: _Book, text: str, q: dict[str, str], body: Any) -> dict:
        option = self._input_option(q.get("valueInputOption"))
        insert = _enum(
            "insert_data_option", "InsertDataOption", q.get("insertDataOption"), _INSERT_OPTIONS, "OVERWRITE"
        )
        grid, _ = self._rows_of(body)
        sheet, rng = self._resolve(book, text)
        box = self._clip(sheet, rng)
        table = self._find_table(sheet, rng, box)
        start_r, start_c = (table[2] + 1, table[1]) if table else (box[0], box[1])
        nrows = len(grid)
        ncols = max((len(r) for r in grid), default=0)
        write = self._plan_write(sheet, start_r, start_c, grid, option)  # validates before growing
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
            write = self._plan_write(sheet, start_r, start_c, grid, option)
            self._apply(write)
        out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        if table:
            out["tableRange"] = format_range(sheet.title, *table)
        out["updates"] = self._write_response(book, write, q)
        return out

    def _write_response(self, book: _Book, write: Any, opts: Mapping[str, Any]) -> dict:
        """A write's UpdateValuesResponse, with updatedData when includeValuesInResponse asks for it."""
        resp = write.response(book.spreadsheet_id)
        data = self._updated_data(
            write,
            opts.get("includeValuesInResponse"),
            opts.get("responseValueRenderOption"),
            opts.get("responseDateTimeRenderOption"),
        )
        if data is not None:
            resp["updatedData"] = data
        return resp

    # ---- spreadsheets.batchUpdate -------------------------------------------------------------------

    def _batch_update(self, book: _Book, body: Any) -> dict:
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
            raise _ApiError(400, "\n".join(msgs), details)
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
                replies.append(self._one_request(work, name, args if isinstance(args, dict) else {}))
            except _ApiError as e:
                if e.status == 400:
                    raise e.prefixed(f"Invalid requests[{i}].{name}: ") from None
                raise
        self._books[book.spreadsheet_id] = work
        return {"spreadsheetId": book.spreadsheet_id, "replies": replies}

    def _sheet_by_id(self, book: _Book, sheet_id: Any) -> _Sheet:
        sheet = book.by_id(sheet_id if sheet_id is not None else 0)
        if sheet is None:
            raise _bad(f"No grid with id: {sheet_id if sheet_id is not None else 0}")
        return sheet

    @staticmethod
    def _check_cells(book: _Book) -> None:
        if book.total_cells() > MAX_WORKBOOK_CELLS:
            raise _bad(
                f"This action would increase the number of cells in the workbook above the limit of "
                f"{MAX_WORKBOOK_CELLS} cells."
            )

    @staticmethod
    def _check_title(book: _Book, title: str, sheet: _Sheet | None = None) -> None:
        other = book.find(title)
        if other is not None and other is not sheet and other.title.lower() == title.lower():
            raise _bad(f'A sheet with the name "{title}" already exists. Please enter another name.')

    def _grid_box(self, book: _Book, grid_range: Any) -> tuple[_Sheet, int, int, int, int]:
        g = grid_range if isinstance(grid_range, dict) else {}
        sheet = self._sheet_by_id(book, g.get("sheetId", 0))
        r0, c0 = int(g.get("startRowIndex", 0)), int(g.get("startColumnIndex", 0))
        r1 = min(int(g.get("endRowIndex", sheet.rows)), sheet.rows)
        c1 = min(int(g.get("endColumnIndex", sheet.cols)), sheet.cols)
        if r0 < 0 or c0 < 0 or r0 > r1 or c0 > c1:
            raise _bad("Invalid range.")
        return sheet, r0, c0, r1, c1  # end-exclusive

    def _one_request(self, book: _Book, name: str, a: dict) -> dict:
        if name == "addSheet":
            return self._add_sheet(book, a.get("properties") or {})
        if name == "deleteSheet":
            sheet = self._sheet_by_id(book, a.get("sheetId"))
            if len(book.sheets) == 1:
                raise _bad("You can't remove all the sheets in a document.")
            book.sheets.remove(sheet)
            return {}
        if name == "updateSheetProperties":
            self._update_sheet_properties(book, a.get("properties") or {}, a.get("fields"))
            return {}
        if name == "updateSpreadsheetProperties":
            props = a.get("properties") or {}
            fields = self._fields(a.get("fields"))
            for key, attr in (("title", "title"), ("locale", "locale"), ("timeZone", "time_zone")):
                if ("*" in fields or key in fields) and key in props:
                    setattr(book, attr, props[key])
            return {}
        if name == "setDataValidation":
            self._grid_box(book, a.get("range"))
            sheet = self._sheet_by_id(book, (a.get("range") or {}).get("sheetId", 0))
            sheet.validations.append({"range": a.get("range"), "rule": a.get("rule")})
            return {}
        if name == "repeatCell":
            self._repeat_cell(book, a)
            return {}
        if name in ("updateDimensionProperties", "autoResizeDimensions"):
            dims = a.get("range") or a.get("dimensions") or a.get("dataSourceSheetDimensions") or {}
            sheet = self._sheet_by_id(book, dims.get("sheetId", 0))
            sheet.dimension_requests.append({name: a})
            return {}
        if name == "appendDimension":
            sheet = self._sheet_by_id(book, a.get("sheetId"))
            length = int(a.get("length", 0))
            if length <= 0:
                raise _bad("length must be positive.")
            if a.get("dimension") == "COLUMNS":
                sheet.cols += length
            else:
                sheet.rows += length
            self._check_cells(book)
            return {}
        if name in ("insertDimension", "deleteDimension"):
            dims = a.get("range") or {}
            sheet = self._sheet_by_id(book, dims.get("sheetId", 0))
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
            self._check_cells(book)
            return {}
        if name in _NOOP_REQUESTS:
            return {}
        raise _ApiError(501, f"The Sheets emulator does not model the '{name}' request.")

    def _add_sheet(self, book: _Book, props: dict) -> dict:
        title = props.get("title")
        if not title:
            n = len(book.sheets) + 1
            while book.find(f"Sheet{n}") is not None:
                n += 1
            title = f"Sheet{n}"
        self._check_title(book, title)
        if props.get("sheetType", "GRID") != "GRID":
            raise _ApiError(501, "The Sheets emulator only models GRID sheets.")
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = self._new_sheet_id(book)
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
        self._check_cells(book)
        return {"addSheet": {"properties": sheet.properties(index)}}

    @staticmethod
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

    def _update_sheet_properties(self, book: _Book, props: dict, fields_text: Any) -> None:
        sheet = self._sheet_by_id(book, props.get("sheetId", 0))
        fields = self._fields(fields_text)
        every = "*" in fields

        def wanted(path: str) -> bool:
            return every or path in fields or path.split(".")[0] in fields

        grid = props.get("gridProperties") or {}
        if wanted("title") and "title" in props:
            self._check_title(book, props["title"], sheet)
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
        self._check_cells(book)

    def _repeat_cell(self, book: _Book, a: dict) -> None:
        sheet, r0, c0, r1, c1 = self._grid_box(book, a.get("range"))
        cell = a.get("cell") or {}
        fields = self._fields(a.get("fields"))
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
