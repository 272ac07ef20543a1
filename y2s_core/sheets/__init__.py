"""The sheet upsert: a pure planner and the targets it is applied to.

``push(rows, target)`` is read -> plan -> apply; ``push(..., dry_run=True)`` stops after the plan.
``open_target(spec, tab)`` turns a user's sheet spec (a .xlsx/.csv path, a Google Sheets URL or key)
into a target. The pieces, each documented in its module:

* ``cells``: a row dict -> cell values (dates, durations, counts, truncation, CSV escaping).
* ``planner``: ``plan_upsert(rows, existing)``, pure: what to append, which cells to update, what is
  unchanged; the sheet layout it reads and writes (header row, columns by name, rows by video id).
* ``targets``: ``SheetTarget`` and ``check_tab`` (defined in ``base``, which ``local`` and ``google``
  subclass without an import cycle); ``open_target``, the default local workbook, and ``confined_path``, the one rule for a local workbook
  named by the app's visitors or the REST API's clients (a plain name inside ``workbooks_dir``).
* ``local``: ``LocalWorkbookTarget``, a local .xlsx or .csv file; ``workbook_bytes`` for downloads.
* ``google``: ``GoogleSheetTarget`` through gspread: the requests made per push (1 when nothing
  changed, 2 for refreshed stats, 4 or 5 with new rows) and why an interrupted push is safe to re-run.
* ``own_account``: pushing with a signed-in person's own access token (``credentials``, ``refusal``,
  ``SignInExpired``).
* ``push``: ``push`` and ``PushResult``.

A row's video id is read with ``channel_input.video_id_from_url``, the project's one video-link parser.
"""

from __future__ import annotations

from ..channel_input import video_id_from_url
from .cells import EXTRA_COLUMNS, MAX_CELL_CHARS, STANDARD_COLUMNS, STATS_COLUMNS, row_to_cells
from .google import GoogleSheetTarget, RetryPolicy, parse_spreadsheet_key
from .local import LocalWorkbookTarget, workbook_bytes
from .planner import CellUpdate, SheetPlan, apply_to_grid, cell_blocks, find_header_row, plan_upsert
from .push import PushResult, push
from .targets import (
    DEFAULT_WORKBOOK_NAME,
    SheetTarget,
    confined_path,
    default_target,
    default_workbook_path,
    local_workbook,
    open_target,
    workbooks_dir,
)
from .targets import check_tab as check_tab  # not in __all__ (never was); y2s_core.ui imports it from here

__all__ = [
    "STANDARD_COLUMNS",
    "EXTRA_COLUMNS",
    "STATS_COLUMNS",
    "MAX_CELL_CHARS",
    "CellUpdate",
    "SheetPlan",
    "plan_upsert",
    "find_header_row",
    "row_to_cells",
    "video_id_from_url",
    "cell_blocks",
    "apply_to_grid",
    "SheetTarget",
    "GoogleSheetTarget",
    "LocalWorkbookTarget",
    "RetryPolicy",
    "parse_spreadsheet_key",
    "open_target",
    "default_workbook_path",
    "DEFAULT_WORKBOOK_NAME",
    "default_target",
    "confined_path",
    "local_workbook",
    "workbooks_dir",
    "PushResult",
    "push",
    "workbook_bytes",
]
