"""A1 notation: parse a range without knowing the tabs, and write one the way Google does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import replace as _dc_replace

MAX_COLUMNS = 18_278  # ZZZ


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
