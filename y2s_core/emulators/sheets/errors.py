"""Error bodies shaped like Google's, and ``_ApiError``, which a request handler raises to answer with one
(``_bad`` and ``_enum`` build the 400s for bad arguments)."""

from __future__ import annotations

from typing import Any

_STATUS = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: (
        "UNAUTHENTICATED",
        "Request is missing required authentication credential. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential. "
        "See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    ),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    409: ("ABORTED", "The operation was aborted."),
    429: ("RESOURCE_EXHAUSTED", "Quota exceeded."),
    500: ("INTERNAL", "Internal error encountered."),
    501: ("UNIMPLEMENTED", "Operation is not implemented, or supported, or enabled."),
    502: ("UNAVAILABLE", "The service is currently unavailable."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
    504: ("DEADLINE_EXCEEDED", "The request timed out."),
}

_READ_KINDS = {"spreadsheets.get", "values.get", "values.batchGet"}

# An .xlsx stored in Drive and opened by its URL: every Sheets API call answers this (the body quoted in
# googleworkspace/php-samples#65; tidyverse/googlesheets4#275 and theoephraim/node-google-spreadsheet#651
# tell the fix: File > Save as Google Sheets).
OFFICE_FILE_ERROR = (400, "This operation is not supported for this document", "FAILED_PRECONDITION",
                     "failedPrecondition")


def sheets_error_body(status: int, message: str | None = None, details: list[dict] | None = None,
                      grpc_status: str | None = None, reason: str | None = None) -> dict:
    """A Sheets-shaped error body: ``{"error": {"code", "message", "status"}}``; with ``reason``, also the
    ``errors`` list some answers carry (e.g. FAILED_PRECONDITION for an Office file)."""
    name, default = _STATUS.get(status, ("UNKNOWN", "Unknown error."))
    err: dict[str, Any] = {"code": status, "message": message or default}
    if reason:
        err["errors"] = [{"message": message or default, "domain": "global", "reason": reason}]
    err["status"] = grpc_status or name
    if details:
        err["details"] = details
    return {"error": err}


def _quota_body(kind: str) -> dict:
    what = "Read" if kind in _READ_KINDS else "Write"
    metric = f"sheets.googleapis.com/{what.lower()}_requests"
    msg = (
        f"Quota exceeded for quota metric '{what} requests' and limit '{what} requests per minute per user' "
        "of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'."
    )
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_metric": metric,
                "quota_limit": f"{what}RequestsPerMinutePerUser",
                "quota_limit_value": "60",
                "service": "sheets.googleapis.com",
                "consumer": "projects/000000000000",
                "quota_location": "global",
            },
        }
    ]
    return sheets_error_body(429, msg, details)


class _ApiError(Exception):
    """Raised by a request handler; the emulator answers with ``status`` and the Google-shaped ``body``."""

    def __init__(self, status: int, message: str | None = None, grpc_status: str | None = None,
                 reason: str | None = None, *, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = sheets_error_body(status, message, details, grpc_status, reason)
        self.headers: dict[str, str] = {}

    def prefixed(self, prefix: str) -> _ApiError:
        err = self.body["error"]
        return _ApiError(self.status, prefix + err["message"], details=err.get("details"))


def _bad(message: str) -> _ApiError:
    return _ApiError(400, message)


def _enum(name: str, proto: str, value: Any, allowed: tuple[str, ...], default: str) -> str:
    """A request's enum argument (``default`` when absent); a value Google does not know -> 400."""
    if value is None or value == "":
        return default
    if value not in allowed:
        raise _bad(
            f"Invalid value at '{name}' (type.googleapis.com/google.apps.sheets.v4.{proto}), \"{value}\""
        )
    return str(value)
