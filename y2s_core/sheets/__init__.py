"""The sheet upsert: a pure planner and the targets it is applied to.

Being split into modules along its seams; for now the whole upsert lives in ``google.py``.
"""

from __future__ import annotations

from .google import (
    DEFAULT_WORKBOOK_NAME,
    EXTRA_COLUMNS,
    MAX_CELL_CHARS,
    STANDARD_COLUMNS,
    STATS_COLUMNS,
    CellUpdate,
    GoogleSheetTarget,
    LocalWorkbookTarget,
    Plan,
    PushResult,
    RetryPolicy,
    SheetTarget,
    apply_to_grid,
    cell_blocks,
    default_target,
    default_workbook_path,
    find_header_row,
    open_target,
    parse_spreadsheet_key,
    plan,
    push,
    row_to_cells,
    video_id_from_url,
    workbook_bytes,
)
from .google import (
    TRUNCATION_MARKER as TRUNCATION_MARKER,
)
from .google import (
    check_tab as check_tab,
)

__all__ = [
    "STANDARD_COLUMNS",
    "EXTRA_COLUMNS",
    "STATS_COLUMNS",
    "MAX_CELL_CHARS",
    "CellUpdate",
    "Plan",
    "plan",
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
    "PushResult",
    "push",
    "workbook_bytes",
]
