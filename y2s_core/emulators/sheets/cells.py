"""Cells and their values: USER_ENTERED and RAW input, number formats, and the text Sheets shows."""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from typing import Any

_EPOCH = _dt.date(1899, 12, 30)  # Sheets' serial day 0


@dataclass(frozen=True, slots=True)
class _Cell:
    value: Any  # str | int | float | bool for literals; None for formulas
    formula: str | None = None


@dataclass(frozen=True, slots=True)
class _Fmt:
    """A cell's number format (``type`` and ``pattern`` as in the API's NumberFormat)."""

    type: str
    pattern: str = ""


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
