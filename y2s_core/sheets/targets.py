"""Targets: the interface (``SheetTarget``, ``check_tab``, from ``base``) and THE one place that turns
a user's sheet spec into a target (``open_target``); the default local workbook; and THE rule for a
local workbook named by someone who may not write just anywhere (``confined_path``: the app's visitors,
the REST API's clients), with the folder those workbooks live in (``workbooks_dir``).

The CLI writes where its user says (it runs with the user's own rights); the app and the REST API write
only plain file names inside ``$Y2S_DATA_DIR/workbooks``. A signed-in member of the app writes only inside a
folder of their own, ``$Y2S_DATA_DIR/workbooks/<person key>/`` (``workbooks_dir(settings, person)``: the key is
a hash of their address, never the address), and never another person's.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import requests

from ..errors import InputError
from ..settings import Settings
from .base import SheetTarget, check_tab
from .fileio import check_path_text, os_error, shown, user_path
from .google import GoogleSheetTarget
from .local import LocalWorkbookTarget

DEFAULT_WORKBOOK_NAME = "youtube2sheets.xlsx"
WORKBOOKS_DIR = "workbooks"  # under Settings.data_dir
WORKBOOK_SUFFIXES = (".xlsx", ".csv")
MAX_FILE_NAME = 120
PERSON_KEY_RE = re.compile(r"^[0-9a-f]{16,64}$")  # a person's folder: a hex hash, so never a path or an address

_log = logging.getLogger(__name__)


def open_target(
    spec: str, tab: str = "Videos", settings: Settings | None = None, session: requests.Session | None = None,
    *, user_token: str | None = None, user_email: str | None = None,
) -> SheetTarget:
    """A file path ending in .xlsx/.csv -> LocalWorkbookTarget; a Sheets URL or key -> GoogleSheetTarget.

    Everything that can be checked without a request is checked here (URL form, file suffix, a folder the
    file can be written into), so the CLI's ``sync`` can open the target before it spends any YouTube quota.
    ``user_token``: a signed-in person's own Google access token; a Google target then goes with it, never with
    the service account (``GoogleSheetTarget``); ``user_email`` only names that account in messages.
    """
    s = (spec or "").strip()
    suffix = Path(s).suffix.lower() if "://" not in s else ""
    if suffix in (".xlsx", ".csv"):
        check_writable(user_path(s))
        return LocalWorkbookTarget(s, tab)
    if suffix in (".xls", ".xlsm", ".ods", ".tsv", ".json", ".txt"):
        raise InputError(f"{shown(Path(s).name)}: only .xlsx and .csv files are supported as local workbooks.")
    return GoogleSheetTarget(s, tab, settings, session, user_token=user_token, user_email=user_email)


def check_writable(path: Path) -> None:
    """Before anything is fetched: InputError (exit 2) unless ``path`` can be a workbook we write: not a
    folder, not under a file, a name the system can hold, and its nearest existing folder writable by us
    (missing folders below it are created by the push). Failures met later, while writing, are the push's
    own errors (fileio.os_error)."""
    where = shown(path)
    try:
        if path.is_dir():
            raise InputError(f"Cannot write {where}: it is a folder; give a file name ending in .xlsx or .csv.")
        if path.exists():
            if not os.access(path, os.W_OK):
                raise InputError(f"Cannot write {where}: the file is not writable; check its permissions or pick "
                                 "another file.")
            return
        folder = path.absolute().parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    except OSError as e:  # ENAMETOOLONG and the like
        err = os_error(e, path, "write")
        raise err if isinstance(err, InputError) else InputError(str(err)) from None
    if not folder.is_dir():
        raise InputError(f"Cannot write {where}: {shown(folder)} is a file, not a folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"Cannot write {where}: the folder {shown(folder)} is not writable; pick another folder.")


def workbooks_dir(settings: Settings | None = None, person: str | None = None) -> Path:
    """The one folder the app and the REST API write local workbooks to: {Y2S_DATA_DIR}/workbooks; with
    ``person`` (a signed-in member's key, ``access.person_key``: a hex hash), that person's own folder in it,
    {Y2S_DATA_DIR}/workbooks/<person>. A key that is not a hex hash is refused (InputError), never a path."""
    settings = settings or Settings.from_env()
    root = settings.data_dir / WORKBOOKS_DIR
    if person is None:
        return root
    if not isinstance(person, str) or not PERSON_KEY_RE.match(person):
        raise InputError("A person's workbook folder is named by a hash of their sign-in, not by a name or a path.")
    return root / person


def confined_path(root: str | os.PathLike[str], name: str) -> Path:
    """A workbook file name (``youtube2sheets.xlsx``, ``export.csv``) -> its real path directly inside ``root``.

    THE rule for names from the app's visitors and the REST API's clients: a plain name ending in .xlsx
    or .csv; no folder (``/``, ``\\``), no ``..``, no leading ``.`` or ``~``, no drive (``:``), no control
    character, nothing that is not text (``check_path_text``); and the name, once resolved (symlinks
    followed), must still sit directly in ``root``. ``InputError`` says what to fix otherwise.
    """
    n = (name or "").strip()
    if not n:
        raise InputError("Give the local workbook a file name ending in .xlsx or .csv, e.g. youtube2sheets.xlsx.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in n):
        raise InputError("The workbook file name contains a control character; type a plain name such as "
                         "youtube2sheets.xlsx.")
    check_path_text(n)  # a lone surrogate (JSON "\ud800") or a non-UTF-8 byte: no file system call sees it
    if any(ch in n for ch in "/\\:") or n.startswith((".", "~")):
        raise InputError(f"{n[:80]!r}: give a plain file name (e.g. youtube2sheets.xlsx), no folder, '..', '~' or "
                         "drive: workbooks are written only inside the workbooks folder.")
    if len(n) > MAX_FILE_NAME:
        raise InputError(f"The workbook file name is {len(n)} characters long; keep it under {MAX_FILE_NAME}.")
    if Path(n).suffix.lower() not in WORKBOOK_SUFFIXES:
        raise InputError(f"{n!r}: a local workbook must end in .xlsx or .csv.")
    base = Path(root).resolve()
    real = (base / n).resolve()
    if real.parent != base:  # a symlink (the file, or a dangling one) pointing out of the folder
        raise InputError(f"{n!r} points outside the workbooks folder; give another file name.")
    return real


def local_workbook(settings: Settings, name: str, person: str | None = None) -> Path:
    """``confined_path(workbooks_dir(settings), name)``, adopting a workbook left at the old place.

    Before the workbooks folder existed, the app wrote ``{Y2S_DATA_DIR}/NAME``; such a file (a regular
    file, not a link) is moved into the folder the first time its name is used, so nothing is lost.
    With ``person`` (a signed-in member's key): ``confined_path(workbooks_dir(settings, person), name)``, in that
    person's own folder; nothing is adopted there (an old shared file stays the owners').
    """
    if person is not None:
        return confined_path(workbooks_dir(settings, person), name)
    root = workbooks_dir(settings)
    path = confined_path(root, name)
    legacy = Path(settings.data_dir) / path.name
    if not path.exists() and legacy.is_file() and not legacy.is_symlink():
        root.mkdir(parents=True, exist_ok=True)
        os.replace(legacy, path)
        _log.info("moved the workbook %s into %s", legacy.name, root)
    return path


def default_workbook_path(settings: Settings | None = None) -> Path:
    """Where the default workbook lives: {Y2S_DATA_DIR}/workbooks/youtube2sheets.xlsx."""
    return workbooks_dir(settings) / DEFAULT_WORKBOOK_NAME


def default_target(settings: Settings | None = None, tab: str = "Videos") -> LocalWorkbookTarget:
    """The target used when no sheet is given and no Google credentials are configured."""
    return LocalWorkbookTarget(local_workbook(settings or Settings.from_env(), DEFAULT_WORKBOOK_NAME), tab)


__all__ = [
    "SheetTarget",
    "check_path_text",
    "check_tab",
    "check_writable",
    "open_target",
    "default_workbook_path",
    "default_target",
    "DEFAULT_WORKBOOK_NAME",
    "confined_path",
    "local_workbook",
    "workbooks_dir",
]
