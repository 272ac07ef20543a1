"""A faithful fake of the Google Sheets API v4; the code and its documentation are in ``emulator``."""

from __future__ import annotations

from .emulator import (
    A1Range,
    SheetRequest,
    SheetsEmulator,
    col_index,
    col_letter,
    format_range,
    parse_a1,
    quote_sheet_name,
    sheets_error_body,
)

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
