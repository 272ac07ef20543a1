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

Modules: ``a1`` (A1 notation), ``cells`` (value input, number formats, rendering), ``formula`` (the
formula language), ``grid`` (the workbook model and writes), ``errors`` (Google-shaped error bodies),
``emulator`` (SheetsEmulator: hooks, router, spreadsheets.create/get), ``values`` (spreadsheets.values.*)
and ``batch_update`` (spreadsheets.batchUpdate).
"""

from __future__ import annotations

from .a1 import A1Range, col_index, col_letter, format_range, parse_a1, quote_sheet_name
from .emulator import SheetRequest, SheetsEmulator
from .errors import sheets_error_body

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
