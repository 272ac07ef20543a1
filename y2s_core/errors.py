"""The one error tree of YouTube2Sheets.

Every error a user can meet is a ``Y2SError`` whose message says what went wrong and what to do.
The faces (pages, CLI, REST API) show ``str(error)`` and, in the CLI, exit with ``error.exit_code``::

    Y2SError                      exit 1   anything else
    ├── InputError                exit 2   a channel, filter, URL or file the user gave is not valid
    ├── YouTubeError              exit 1   the YouTube Data API failed (5xx after retries, a timeout, an
    │   │                                  open circuit breaker ...)
    │   ├── QuotaExceeded         exit 3   daily quota spent
    │   ├── ChannelNotFound       exit 2   no channel for that input
    │   └── KeyInvalid            exit 4   the API key is missing, wrong or restricted
    ├── SheetsError               exit 1   the Google Sheets API (or a local workbook) failed
    │   ├── SheetNotFound         exit 2   no spreadsheet at that URL/key, or no such file
    │   └── PermissionDenied      exit 4   the service account may not open/edit the sheet
    └── StoreError                exit 1   the store (SQLite in Y2S_DATA_DIR, or Y2S_DATABASE_URL) failed

Messages never contain secrets (API keys, private keys, tokens). An error carries no result: a fetch cut
short returns its rows *beside* its error (``YouTubeClient.fetch_kept``, ``service.FetchRun``); a face that
says more than the error (the rows it kept) says it with ``with_note``, a copy.
"""

from __future__ import annotations

import copy
from datetime import datetime


class Y2SError(Exception):
    """Base of every error YouTube2Sheets raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def with_note(self, note: str) -> Y2SError:
        """A copy of this error whose message ends with ``note`` (this one is left as it is)."""
        told = copy.copy(self)
        told.message = f"{self.message} {note}" if note else self.message
        told.args = (told.message,)
        return told


class InputError(Y2SError, ValueError):
    """Something the user typed or passed is not valid. The message says what and how to fix it."""

    exit_code = 2


class YouTubeError(Y2SError):
    """The YouTube Data API answered with an error we cannot recover from."""

    def __init__(self, message: str, *, status: int | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class QuotaExceeded(YouTubeError):
    """A daily YouTube quota bucket is spent. ``bucket`` says which: "units" (the main pool), "search"
    (search.list's own bucket) or "stats" (videos.batchGetStats's own bucket)."""

    exit_code = 3

    def __init__(self, message: str, *, resets_at: datetime | None = None, bucket: str = "units") -> None:
        super().__init__(message, status=403, reason="quotaExceeded")
        self.resets_at = resets_at
        self.bucket = bucket


class ChannelNotFound(YouTubeError):
    exit_code = 2

    def __init__(self, message: str, *, query: str = "") -> None:
        super().__init__(message, reason="channelNotFound")
        self.query = query


class KeyInvalid(YouTubeError):
    exit_code = 4


class SheetsError(Y2SError):
    """The Sheets API (or the local workbook) failed."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SheetNotFound(SheetsError):
    exit_code = 2


class PermissionDenied(SheetsError):
    """The service account has no access. ``email`` is the address to share the sheet with."""

    exit_code = 4

    def __init__(self, message: str, *, email: str | None = None, status: int | None = 403) -> None:
        super().__init__(message, status=status)
        self.email = email


class StoreError(Y2SError):
    """The store could not be opened, migrated, read or written. ``where`` names it (never a password);
    ``cause`` is the underlying error's class name (e.g. "OperationalError", "FileExistsError")."""

    def __init__(self, message: str, *, where: str = "", cause: str = "") -> None:
        super().__init__(message)
        self.where = where
        self.cause = cause


__all__ = [
    "Y2SError",
    "InputError",
    "YouTubeError",
    "QuotaExceeded",
    "ChannelNotFound",
    "KeyInvalid",
    "SheetsError",
    "SheetNotFound",
    "PermissionDenied",
    "StoreError",
]
