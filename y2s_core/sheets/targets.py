"""Targets: the interface (``SheetTarget``, ``check_tab``, from ``base``) and THE one place that turns
a user's sheet spec into a target (``open_target``), plus the default local workbook."""

from __future__ import annotations

import os
from pathlib import Path

import requests

from ..errors import InputError
from ..settings import Settings
from .base import SheetTarget, check_tab
from .google import GoogleSheetTarget
from .local import LocalWorkbookTarget

DEFAULT_WORKBOOK_NAME = "youtube2sheets.xlsx"


def open_target(
    spec: str, tab: str = "Videos", settings: Settings | None = None, session: requests.Session | None = None
) -> SheetTarget:
    """A file path ending in .xlsx/.csv -> LocalWorkbookTarget; a Sheets URL or key -> GoogleSheetTarget.

    Everything that can be checked without a request is checked here (URL form, file suffix, a folder the
    file can be written into), so the CLI's ``sync`` can open the target before it spends any YouTube quota.
    """
    s = (spec or "").strip()
    suffix = Path(s).suffix.lower() if "://" not in s else ""
    if suffix in (".xlsx", ".csv"):
        check_writable(Path(s).expanduser())
        return LocalWorkbookTarget(s, tab)
    if suffix in (".xls", ".xlsm", ".ods", ".tsv", ".json", ".txt"):
        raise InputError(f"{Path(s).name}: only .xlsx and .csv files are supported as local workbooks.")
    return GoogleSheetTarget(s, tab, settings, session)


def check_writable(path: Path) -> None:
    """InputError unless ``path`` can be written: not a folder, and its nearest existing ancestor is a folder
    we may write into (missing folders below it are created by the push)."""
    if path.is_dir():
        raise InputError(f"{path} is a folder: give a file name ending in .xlsx or .csv.")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise InputError(f"{path} is not writable: check its permissions or pick another file.")
        return
    folder = path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise InputError(f"Cannot create {path}: {folder} is a file, not a folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"Cannot write {path}: the folder {folder} is not writable; pick another folder.")


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
    "check_writable",
    "open_target",
    "default_workbook_path",
    "default_target",
    "DEFAULT_WORKBOOK_NAME",
]
