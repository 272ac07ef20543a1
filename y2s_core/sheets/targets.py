"""Targets: the interface (``SheetTarget``, ``check_tab``, from ``base``) and THE one place that turns
a user's sheet spec into a target (``open_target``), plus the default local workbook."""

from __future__ import annotations

from pathlib import Path

import requests

from ..errors import InputError
from ..settings import Settings
from .base import SheetTarget, check_tab
from .fileio import shown
from .google import GoogleSheetTarget
from .local import LocalWorkbookTarget

DEFAULT_WORKBOOK_NAME = "youtube2sheets.xlsx"


def open_target(
    spec: str, tab: str = "Videos", settings: Settings | None = None, session: requests.Session | None = None
) -> SheetTarget:
    """A file path ending in .xlsx/.csv -> LocalWorkbookTarget; a Sheets URL or key -> GoogleSheetTarget."""
    s = (spec or "").strip()
    suffix = Path(s).suffix.lower() if "://" not in s else ""
    if suffix in (".xlsx", ".csv"):
        return LocalWorkbookTarget(s, tab)
    if suffix in (".xls", ".xlsm", ".ods", ".tsv", ".json", ".txt"):
        raise InputError(f"{shown(Path(s).name)}: only .xlsx and .csv files are supported as local workbooks.")
    return GoogleSheetTarget(s, tab, settings, session)


def default_workbook_path(settings: Settings | None = None) -> Path:
    """Where the embedded default workbook lives: {Y2S_DATA_DIR}/youtube2sheets.xlsx."""
    settings = settings or Settings.from_env()
    return settings.data_dir / DEFAULT_WORKBOOK_NAME


def default_target(settings: Settings | None = None, tab: str = "Videos") -> LocalWorkbookTarget:
    """The target used when no sheet is given and no Google credentials are configured."""
    return LocalWorkbookTarget(default_workbook_path(settings), tab)


__all__ = [
    "SheetTarget",
    "check_tab",
    "open_target",
    "default_workbook_path",
    "default_target",
    "DEFAULT_WORKBOOK_NAME",
]
