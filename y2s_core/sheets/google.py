"""``GoogleSheetTarget``: one tab of a Google spreadsheet through gspread 6 (bounded retries, errors
mapped to the tree).

Requests for one push, whatever the row count (a write is split only beyond ``MAX_REQUEST_BYTES``)::

    read    values.get of the tab (FORMULA render: numbers as numbers, formulas as their text)
            + spreadsheets.get only when no tab answers to that name (missing, or other letter case)
    apply   spreadsheets.get (sheetId, grid size)  only when rows or columns are added to an existing tab
            spreadsheets.batchUpdate               [addSheet] [appendDimension] NotebookLM checkbox rule
                                                   on the rows about to be appended [frozen header]
            values.batchUpdate (RAW)               header additions + changed cells
            values.append (RAW, OVERWRITE)         every new row (with the header on an empty tab)

So: nothing changed -> 1 request; only stats changed -> 2; new rows -> 4 or 5. The metadata read is
kept (not merged into the values read) because values.get does not return the tab's numeric sheetId,
which the checkbox rule needs, and fetching values through spreadsheets.get(includeGridData) would
multiply the payload several times over.

Consistency: the checkbox rule is set before the rows it covers are appended, so a push interrupted at
any point leaves a sheet that the same push, re-run, completes without duplicates (an append whose
answer was lost is reconciled against a fresh read before it is retried). If an append finally fails
after the rule was set, the empty rows under the data show unticked checkboxes until the re-run fills
them. Writes address absolute rows read a moment earlier: a user inserting or deleting rows above the
data during that second can shift a refreshed count onto a neighbouring row; the next push rewrites
every count that differs, so it repairs itself.
"""

from __future__ import annotations

import functools
import json
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from .. import telemetry
from ..breaker import BreakerOpen, CircuitBreaker, breaker_for, is_failure_status
from ..errors import InputError, PermissionDenied, SheetNotFound, SheetsError
from ..models import VIEWS_NOTE
from ..settings import Settings, shown_url
from ..words import plural
from . import own_account
from .base import SheetTarget, check_tab
from .cells import cell_text
from .planner import CellUpdate, SheetPlan, cell_at, cell_blocks

MAX_REQUEST_BYTES = 2_000_000  # Google's recommended maximum payload; larger writes are split
SHEETS_API_PREFIX = "https://sheets.googleapis.com"
SHEETS_SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # a service-account key's token_uri, when it has none
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
HTTP_TIMEOUT = (15.0, 300.0)  # (connect, read) seconds: a big append can take a while to answer
_KEY_RE = re.compile(r"[A-Za-z0-9_-]{20,}")  # real keys are 44 characters


@dataclass
class RetryPolicy:
    """Bounded exponential backoff with jitter; honours Retry-After. ``sleep`` is injectable for tests.

    5xx and broken connections: ``tries`` attempts. 429 is Sheets' per-minute quota (60 reads and 60 writes a
    minute per user; every user of one service account shares it), so a request that meets it keeps waiting,
    from ``rate_limit_base`` seconds doubling up to ``cap``, until ``rate_limit_budget`` seconds were waited
    in all during the push: long enough for the minute to roll over, short enough for a scheduled run.
    """

    tries: int = 5
    base: float = 0.5
    cap: float = 30.0
    rate_limit_base: float = 5.0
    rate_limit_budget: float = 90.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def delay(self, attempt: int, retry_after: str | None = None, *, base: float | None = None) -> float:
        d = min(self.cap, (self.base if base is None else base) * 2 ** (attempt - 1)) * (0.5 + 0.5 * self.jitter())
        if retry_after:
            try:
                d = max(d, min(float(retry_after), 120.0))
            except ValueError:
                pass
        return d


@functools.lru_cache(maxsize=1)
def _bounded_http_client_class() -> type:
    import gspread
    from gspread.exceptions import APIError

    class BoundedRetryHTTPClient(gspread.HTTPClient):
        """gspread's HTTPClient with bounded retries (``RetryPolicy``) and an optional base-URL rewrite.

        A POST to ``values:append`` is not idempotent: it is retried here only on 429 (the request was
        rejected); on 5xx or a broken connection the caller reconciles against a fresh read first.
        ``on_wait`` hears each wait for the rate limit (the push says it is waiting, not hung);
        ``rate_waited`` / ``rate_tries`` add up the 429 waits since the push began (``new_push`` resets them).
        """

        base_url: str | None = None
        retry: RetryPolicy = RetryPolicy()
        breaker: CircuitBreaker | None = None  # the Sheets endpoint's: each attempt's outcome is reported
        count: int = 0
        on_wait: Callable[[str], None] | None = None
        rate_waited: float = 0.0
        rate_tries: int = 0

        def new_push(self) -> None:
            self.rate_waited, self.rate_tries = 0.0, 0

        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
            if self.base_url and endpoint.startswith(SHEETS_API_PREFIX):
                endpoint = self.base_url + endpoint[len(SHEETS_API_PREFIX):]
            appending = method.lower() == "post" and endpoint.split("?")[0].endswith(":append")
            attempt = limited = 0
            while True:
                attempt += 1
                if self.breaker is not None:
                    self.breaker.before_call()  # BreakerOpen: the target says so, nothing is sent
                self.count += 1
                try:
                    response = super().request(method, endpoint, *args, **kwargs)
                except APIError as e:
                    status = e.response.status_code
                    if self.breaker is not None:
                        (self.breaker.failure if is_failure_status(status) else self.breaker.success)()
                    if status == 429:
                        limited += 1
                        self.rate_tries += 1
                        wait = self._rate_limit_wait(limited, e.response.headers.get("Retry-After"))
                        if wait <= 0:
                            raise
                    elif status not in RETRY_STATUSES or attempt >= self.retry.tries or appending:
                        raise
                    else:
                        wait = self.retry.delay(attempt, e.response.headers.get("Retry-After"))
                except (requests.ConnectionError, requests.Timeout):
                    if self.breaker is not None:
                        self.breaker.failure()
                    if appending or attempt >= self.retry.tries:
                        raise
                    wait = self.retry.delay(attempt)
                else:
                    if self.breaker is not None:
                        self.breaker.success()
                    return response
                self.retry.sleep(wait)

        def _rate_limit_wait(self, limited: int, retry_after: str | None) -> float:
            """How long to wait out a 429 (0: the push's budget is spent, give up), said to ``on_wait``."""
            budget = self.retry.rate_limit_budget
            wait = min(self.retry.delay(limited, retry_after, base=self.retry.rate_limit_base),
                       budget - self.rate_waited)
            if wait <= 0:
                return 0.0
            self.rate_waited += wait
            if self.on_wait is not None:
                self.on_wait(f"Google Sheets rate limit (60 requests a minute per user): waiting {wait:.0f} s, "
                             f"then retrying ({self.rate_waited:.0f} of at most {budget:.0f} s)")
            return wait

    return BoundedRetryHTTPClient


def parse_spreadsheet_key(spec: str) -> str:
    """A Google Sheets URL (any docs.google.com/spreadsheets/d/ID/... form) or a bare key -> the key."""
    s = (spec or "").strip()
    if not s:
        raise InputError("No spreadsheet given: paste the Google Sheets URL or its key.")
    if "/" in s or "://" in s or s.lower().startswith("docs.google"):
        try:
            parts = urlsplit(s if "://" in s else "https://" + s)
            host = (parts.hostname or "").lower()
        except ValueError:
            host, parts = "", None
        if parts is not None and host == "docs.google.com":
            m = re.match(r"^/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)", parts.path)
            if m and m.group(1) == "e":
                raise InputError(
                    "That is a 'Publish to the web' link, which cannot be edited: open the sheet and copy the "
                    "URL from the address bar (https://docs.google.com/spreadsheets/d/<key>/edit)."
                )
            if m and _KEY_RE.fullmatch(m.group(1)):
                return m.group(1)
            key = (parse_qs(parts.query).get("key") or [""])[0]
            if _KEY_RE.fullmatch(key):
                return key
        raise InputError(
            f"{_short(s)} is not a Google Sheets URL: use https://docs.google.com/spreadsheets/d/<key>/edit, "
            "the bare key, or a .xlsx/.csv file path."
        )
    if _KEY_RE.fullmatch(s):
        return s
    raise InputError(
        f"{_short(s)} is neither a Google Sheets URL/key nor a .xlsx/.csv file path."
    )


def _short(s: str, n: int = 80) -> str:
    return repr(s if len(s) <= n else s[: n - 1] + "…")


def _cause_name(e: BaseException) -> str:
    """The class of what is inside google-auth's TransportError (requests' ConnectionError, Timeout...)."""
    inner = e.args[0] if e.args and isinstance(e.args[0], BaseException) else (e.__cause__ or e)
    return type(inner).__name__


def _sheet_range(tab: str, a1: str | None = None) -> str:
    name = "'" + tab.replace("'", "''") + "'"
    return f"{name}!{a1}" if a1 else name


_UPDATED_RANGE_RE = re.compile(r"!\$?[A-Z]+\$?(\d+)(?::\$?[A-Z]+\$?(\d+))?$")


def _chunks(items: Sequence[Any], size: Callable[[Any], int], limit: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    total = 0
    for item in items:
        n = size(item)
        if chunk and total + n > limit:
            yield chunk
            chunk, total = [], 0
        chunk.append(item)
        total += n
    if chunk:
        yield chunk


def _json_size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False).encode("utf-8")) + 1


class GoogleSheetTarget(SheetTarget):
    """One tab of a Google spreadsheet, through gspread 6. The requests are listed in the module docstring."""

    def __init__(
        self,
        spreadsheet: str,
        tab: str = "Videos",
        settings: Settings | None = None,
        session: requests.Session | None = None,
        *,
        retry: RetryPolicy | None = None,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        transport: requests.adapters.BaseAdapter | None = None,
        user_token: str | None = None,  # a signed-in person's own Google access token (user_email: theirs)
        user_email: str | None = None,
    ) -> None:
        self.key = parse_spreadsheet_key(spreadsheet)
        self.tab = check_tab(tab, xlsx=False)
        self.settings = settings if settings is not None else Settings.from_env()
        self.max_request_bytes = max_request_bytes
        self.user_token, self.user_email = user_token or None, user_email or None
        if session is None and self.user_token is None and not self.settings.has_sheets:
            raise PermissionDenied(_NO_CREDENTIALS, email=None, status=None)
        self._client = self._make_client(session, retry or RetryPolicy(), transport)
        self._http = self._client.http_client
        self._sheet: dict[str, Any] | None = None  # the tab's properties, once metadata was read
        self._sheet_ids: set[int] = set()  # every tab's sheetId, once metadata was read
        self._missing = False  # read() found no such tab
        self.name = f"https://docs.google.com/spreadsheets/d/{self.key}"
        self.description = f"Google Sheet {self.key[:8]}… (tab {self.tab})"

    def __repr__(self) -> str:
        return f"GoogleSheetTarget({self.key!r}, tab={self.tab!r})"

    def _make_client(self, session: requests.Session | None, retry: RetryPolicy,
                     transport: requests.adapters.BaseAdapter | None = None) -> Any:
        """gspread's client: anonymous for an injected ``session`` or ``Y2S_SHEETS_API_URL`` (the contract: no
        token is fetched then), else the service account's credentials (JWT exchanged for an access token).

        With ``user_token``: that person's own token, whatever the endpoint, never the service account (own_account).

        ``transport``, when given, is mounted on the session for Sheets API URLs: the requests still go out
        with the real credentials (Bearer token) but through that adapter (a test's local Sheets API, a proxy).
        """
        import gspread
        from google.auth.credentials import AnonymousCredentials

        if self.user_token is not None and session is None:
            auth, session = own_account.credentials(self.user_token, SHEETS_SCOPES)
        elif session is not None or self.settings.sheets_api_url:
            auth = AnonymousCredentials()  # emulator or injected transport: no OAuth token
        else:
            from google.oauth2.service_account import Credentials

            try:
                auth = Credentials.from_service_account_info(
                    dict(self.settings.service_account_info or {}), scopes=list(SHEETS_SCOPES)
                )
            except (ValueError, KeyError, TypeError) as e:
                raise PermissionDenied(
                    "The service-account JSON key cannot be used "
                    f"({self.settings.redact(str(e))[:200]}); download a new JSON key for the service account "
                    "and set GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON (or [gcp_service_account] in secrets).",
                    email=self.settings.service_account_email,
                    status=None,
                ) from None
        client = gspread.Client(auth, session=session, http_client=_bounded_http_client_class())
        if transport is not None:
            client.http_client.session.mount(SHEETS_API_PREFIX + "/", transport)
        telemetry.observe_session(client.http_client.session)  # one record + metrics per answer, retries too
        client.http_client.retry = retry
        client.http_client.breaker = breaker_for("Google Sheets", self.settings.sheets_api_url or SHEETS_API_PREFIX)
        client.set_timeout(HTTP_TIMEOUT)
        if self.settings.sheets_api_url:
            client.http_client.base_url = self.settings.sheets_api_url.rstrip("/")
        return client

    @property
    def url(self) -> str | None:
        gid = self._sheet.get("sheetId") if self._sheet else None
        return f"{self.name}/edit" + (f"#gid={gid}" if gid is not None else "")

    @property
    def request_count(self) -> int:
        return self._http.count

    # -- calls, each mapped to the error tree

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
        from gspread.exceptions import APIError

        try:
            return fn(*args, **kwargs)
        except APIError as e:
            raise self._map_api_error(e) from None
        except BreakerOpen as e:
            raise SheetsError(
                f"Google Sheets failed {e.failures} times in a row (server errors or timeouts): not calling it "
                f"again for {e.retry_in:.0f} s. Re-run the push in a minute: it resumes without duplicates.",
                status=503,
            ) from None
        except TransportError as e:  # google-auth's: only its token exchange (the Sheets calls are requests')
            token_uri = str((self.settings.service_account_info or {}).get("token_uri") or GOOGLE_TOKEN_URI)
            raise SheetsError(
                f"The Google OAuth token endpoint {shown_url(token_uri) or GOOGLE_TOKEN_URI} is unreachable "
                f"({_cause_name(e)}): the service account could not get an access token, so Google Sheets was "
                "not called. Check the network (or token_uri in the service-account JSON) and re-run: the push "
                "resumes without duplicates."
            ) from None
        except (requests.ConnectionError, requests.Timeout) as e:
            where = shown_url(self.settings.sheets_api_url) or SHEETS_API_PREFIX
            raise SheetsError(
                f"The Google Sheets endpoint {where} is unreachable ({type(e).__name__}); check the network "
                "(or Y2S_SHEETS_API_URL) and re-run: the push resumes without duplicates."
            ) from None
        except RefreshError as e:
            if self.user_token is not None:  # a person's token cannot be refreshed here: they sign in again
                raise own_account.SignInExpired() from None
            email = self.settings.service_account_email
            raise PermissionDenied(
                f"Google refused the service account {email or ''} credentials "
                f"({self.settings.redact(str(e))[:200]}); the key may be revoked: create a new JSON key.",
                email=email,
                status=401,
            ) from None
        except GoogleAuthError as e:
            raise SheetsError(f"Google authentication failed: {self.settings.redact(str(e))[:200]}") from None

    def _map_api_error(self, e: Any) -> SheetsError:
        status = e.response.status_code
        message = self.settings.redact(str((e.error or {}).get("message") or e.response.reason or ""))[:300]
        email = self.settings.service_account_email
        if status == 404:
            return SheetNotFound(
                f"No Google spreadsheet with key {self.key}: check the URL (copy it from the browser's "
                "address bar) and that the sheet was not deleted.",
                status=404,
            )
        if status in (401, 403) and self.user_token is not None:
            return own_account.refusal(status, message, self.user_email)
        if status in (401, 403):
            if "has not been used" in message or "is disabled" in message:
                return PermissionDenied(f"The Google Sheets API is not enabled for the service account's project: "
                                        f"{message}", email=email, status=status)
            who = email or "the service account (client_email in its JSON key)"
            return PermissionDenied(f"The service account may not open or edit this spreadsheet ({status}). "
                                    f"Share the sheet with {who} as Editor (Share button in Google Sheets), then "
                                    "re-run.", email=email, status=status)
        if status == 429:
            return SheetsError(
                f"Google Sheets rate limit (429) still hit after {plural(max(self._http.rate_tries, 1), 'try')} over "
                f"{self._http.rate_waited:.0f} s; wait a minute and re-run: the push resumes without duplicates.",
                status=429,
            )
        if status == 400 and ("FAILED_PRECONDITION" in str((e.error or {}).get("status", ""))
                              or "not supported for this document" in message):
            return SheetNotFound(  # an .xlsx stored in Drive: the Sheets API cannot touch it
                f"Google Sheets cannot work on {self.key}: this is an Excel file in Drive: File > Save as Google "
                "Sheets, then use the new URL.",
                status=400,
            )
        if status >= 500:
            return SheetsError(
                f"Google Sheets failed ({status}: {message or 'server error'}); re-run the push later: "
                "it resumes without duplicates.",
                status=status,
            )
        return SheetsError(f"Google Sheets rejected the request ({status}): {message}", status=status)

    # -- reading

    def _load_meta(self) -> None:
        """Tab properties (sheetId, grid size); finds the tab case-insensitively like Google does."""
        params = {"includeGridData": "false",
                  "fields": "sheets.properties(sheetId,title,gridProperties(rowCount,columnCount))"}
        meta = self._call(self._http.fetch_sheet_metadata, self.key, params=params)
        sheets = [s.get("properties", {}) for s in meta.get("sheets", [])]
        self._sheet_ids = {int(p["sheetId"]) for p in sheets if "sheetId" in p}
        self._sheet = next((p for p in sheets if p.get("title") == self.tab), None)
        if self._sheet is None:  # tab titles are unique case-insensitively in Google Sheets
            self._sheet = next((p for p in sheets if str(p.get("title", "")).casefold() == self.tab.casefold()),
                               None)
        if self._sheet is not None:
            self.tab = str(self._sheet["title"])

    def set_progress(self, say: Callable[[str], None] | None) -> None:
        """Where to say that the push is waiting out the rate limit (the app's status box, the CLI's stderr)."""
        self._http.on_wait = say

    def read(self) -> list[list[Any]]:
        self._http.new_push()  # a push begins with a read: its rate-limit budget starts afresh
        try:
            values = self._read_values()
        except _TabNotFound:
            self._load_meta()  # missing, or named with other letter case
            if self._sheet is None:
                self._missing = True
                return []
            values = self._read_values()
        self._missing = False
        return values

    def _read_values(self) -> list[list[Any]]:
        # FORMULA: numbers/booleans unformatted, a formula as its text (so =HYPERLINK("…") still gives a key)
        params = {"valueRenderOption": "FORMULA", "dateTimeRenderOption": "FORMATTED_STRING",
                  "majorDimension": "ROWS"}
        try:
            data = self._call(self._http.values_get, self.key, _sheet_range(self.tab), params=params)
        except SheetsError as e:
            if e.status == 400 and "Unable to parse range" in str(e):
                raise _TabNotFound(self.tab) from None
            raise
        return [list(r) for r in data.get("values", [])]

    # -- writing

    def apply(self, plan: SheetPlan) -> None:
        if not plan.has_writes:
            return
        updates, rows = plan.updates, plan.appends
        if plan.existing_rows == 0 and rows:  # an empty tab: the header goes with the rows, in one append
            assert all(u.row == 0 for u in updates)
            updates, rows = [], [list(plan.header)] + rows
        first = plan.existing_rows  # 0-based row of the first appended row
        if rows or plan.header_changed:
            self._prepare(plan, first, len(rows), header_first=plan.existing_rows == 0 and bool(rows))
        self._write_cells(updates)
        self._append(rows, first, plan.column_index["Video ID"])

    def _prepare(self, plan: SheetPlan, first: int, count: int, *, header_first: bool) -> None:
        """One spreadsheets.batchUpdate before any value is written: create or grow the tab, and set
        the NotebookLM checkbox rule on the rows about to be appended (idempotent, so a re-run after a
        failure sets it again on the same rows)."""
        reqs: list[dict[str, Any]] = []
        need_rows, need_cols = first + count, len(plan.header)
        if self._missing:
            sheet_id = self._new_sheet_id()
            self._sheet = {"sheetId": sheet_id, "title": self.tab, "gridProperties": {
                "rowCount": max(1000, need_rows), "columnCount": max(26, need_cols), "frozenRowCount": 1}}
            reqs.append({"addSheet": {"properties": self._sheet}})
        else:
            if self._sheet is None:
                self._load_meta()
                if self._sheet is None:
                    raise SheetsError(f"The tab {self.tab!r} is gone (deleted during the push?); re-run the push.")
            sheet_id = int(self._sheet.get("sheetId", 0))
            grid = self._sheet.setdefault("gridProperties", {})
            rows, cols = int(grid.get("rowCount") or 1000), int(grid.get("columnCount") or 26)
            if need_cols > cols:  # values writes beyond the grid fail ("exceeds grid limits")
                reqs.append({"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                                 "length": need_cols - cols}})
                grid["columnCount"] = need_cols
            if need_rows > rows:  # the checkbox rule and the append anchor need the rows to exist
                reqs.append({"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS",
                                                 "length": need_rows - rows}})
                grid["rowCount"] = need_rows
            if header_first:
                reqs.append({"updateSheetProperties": {
                    "properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": 1}},
                    "fields": "gridProperties.frozenRowCount"}})
        views = plan.column_index.get("Views")
        if header_first and views is not None:  # the header we write says what a Short's views count
            reqs.append({"updateCells": {"rows": [{"values": [{"note": VIEWS_NOTE}]}], "fields": "note",
                                         "start": {"sheetId": sheet_id, "rowIndex": first, "columnIndex": views}}})
        notebook = plan.column_index.get("NotebookLM")
        start = first + (1 if header_first else 0)
        if notebook is not None and need_rows > start:
            reqs.append({"setDataValidation": {
                "range": {"sheetId": sheet_id, "startRowIndex": start, "endRowIndex": need_rows,
                          "startColumnIndex": notebook, "endColumnIndex": notebook + 1},
                "rule": {"condition": {"type": "BOOLEAN"}},
            }})
        if not reqs:
            return
        try:
            self._batch_update(reqs)
        except SheetsError as e:
            if not (self._missing and e.status == 400 and "already exists" in str(e)):
                raise
            # A retried addSheet whose first attempt had landed (the batch is atomic: all of it did).
            self._load_meta()
            if self._sheet is None or int(self._sheet.get("sheetId", -1)) != sheet_id:
                raise SheetsError(f"A tab named {self.tab!r} was created by someone else during the push; "
                                  "re-run it to upsert into that tab.") from None
        self._missing = False

    def _new_sheet_id(self) -> int:
        rng = random.Random()
        while True:
            candidate = rng.randrange(1, 2**31 - 1)
            if candidate not in self._sheet_ids:
                return candidate

    def _batch_update(self, reqs: list[dict[str, Any]]) -> Any:
        return self._call(self._http.batch_update, self.key, {"requests": reqs})

    def _write_cells(self, updates: list[CellUpdate]) -> None:
        from gspread.utils import rowcol_to_a1  # 1-based (row, col) -> 'B3'

        if not updates:
            return
        data = [
            {"range": _sheet_range(self.tab, f"{rowcol_to_a1(r + 1, c + 1)}:{rowcol_to_a1(r + len(vals), c + len(vals[0]))}"),
             "majorDimension": "ROWS", "values": vals}
            for r, c, vals in cell_blocks(updates)
        ]
        for chunk in _chunks(data, _json_size, self.max_request_bytes):
            self._call(self._http.values_batch_update, self.key, {"valueInputOption": "RAW", "data": chunk})

    def _append(self, rows: list[list[Any]], first: int, vid_col: int) -> None:
        """Append ``rows`` from 0-based row ``first`` on, in chunks of at most ``max_request_bytes``.

        The anchor is the single empty cell in column A under the data: no "table" there, so Google
        writes from exactly that row and column A. An append that failed ambiguously (5xx, broken
        connection: it may have landed) is reconciled against a fresh read before being retried."""
        anchor = first
        for chunk in _chunks(rows, _json_size, self.max_request_bytes):
            pending = chunk
            attempt = 0
            while pending:
                attempt += 1
                try:
                    reply = self._call(
                        self._http.values_append, self.key, _sheet_range(self.tab, f"A{anchor + 1}"),
                        params={"valueInputOption": "RAW", "insertDataOption": "OVERWRITE",
                                "includeValuesInResponse": "false"},
                        body={"majorDimension": "ROWS", "values": pending},
                    )
                except SheetsError as e:
                    ambiguous = e.status is None or e.status >= 500
                    if not ambiguous or attempt >= self._http.retry.tries:
                        raise
                    self._http.retry.sleep(self._http.retry.delay(attempt))
                    current = self._read_values()
                    present = {cell_text(cell_at(r, vid_col)).strip() for r in current}
                    pending = [r for r in pending if cell_text(cell_at(r, vid_col)).strip() not in present]
                    anchor = len(current)
                    continue
                m = _UPDATED_RANGE_RE.search(str(reply.get("updates", {}).get("updatedRange", "")))
                anchor = (int(m.group(1)) - 1 if m else anchor) + len(pending)
                pending = []


class _TabNotFound(SheetsError):
    """values.get answered 400 "Unable to parse range": no tab by that name."""

    def __init__(self, tab: str) -> None:
        super().__init__(f"The spreadsheet has no tab named {tab!r}.", status=400)


_NO_CREDENTIALS = (
    "Google Sheets is not configured: create a service account (Google Cloud console > IAM > Service "
    "accounts), enable the Google Sheets API, download a JSON key and set GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON "
    "to its path or text (in the app: [gcp_service_account] in .streamlit/secrets.toml); then share the "
    "sheet with the service account's email as Editor. Or push to a local .xlsx/.csv file instead."
)
