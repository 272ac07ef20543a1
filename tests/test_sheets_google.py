"""GoogleSheetTarget: real gspread 6 against the Sheets emulator (in-process, and served on 127.0.0.1).

Request counts, RAW writes, faults and their recovery, error mapping, endpoint override.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from y2s_core import breaker
from y2s_core.emulators.sheets import SheetsEmulator
from y2s_core.emulators.transport import requests_session
from y2s_core.errors import InputError, PermissionDenied, SheetNotFound, SheetsError
from y2s_core.models import VIEWS_NOTE
from y2s_core.settings import Settings
from y2s_core.sheets import (
    EXTRA_COLUMNS,
    STANDARD_COLUMNS,
    GoogleSheetTarget,
    RetryPolicy,
    open_target,
    push,
)

from .conftest import video_row

FULL = list(STANDARD_COLUMNS + EXTRA_COLUMNS)
EMAIL = "y2s-bot@my-project.iam.gserviceaccount.com"
WRITE_KINDS = ("values.append", "values.batchUpdate", "spreadsheets.batchUpdate")




def rows(n: int, views: int = 100) -> list[dict]:
    return [video_row(i, views=views) for i in range(n)]


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def emu() -> SheetsEmulator:
    return SheetsEmulator(autocreate=False)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_target(emu: SheetsEmulator, spec: str, sleeps: Sleeps | None = None, *, settings: Settings | None = None,
                **kw: Any) -> GoogleSheetTarget:
    return GoogleSheetTarget(spec, kw.pop("tab", "Videos"), settings=settings or Settings(),
                             session=requests_session(emu), retry=RetryPolicy(sleep=sleeps if sleeps is not None else (lambda s: None)), **kw)


def kinds(emu: SheetsEmulator) -> Counter:
    return Counter(r.kind for r in emu.requests)


def video_ids(emu: SheetsEmulator, sid: str, tab: str = "Videos") -> list[str]:
    grid = emu.values(sid, tab)
    col = grid[0].index("Video ID")
    return [r[col] for r in grid[1:]]


def checkbox_rows(emu: SheetsEmulator, sid: str, tab: str = "Videos") -> set[int]:
    """0-based rows of the NotebookLM column covered by a checkbox (BOOLEAN) rule."""
    col = emu.values(sid, tab)[0].index("NotebookLM")
    out: set[int] = set()
    for v in emu.data_validations(sid, tab):
        rng = v["range"]
        if v["rule"]["condition"]["type"] == "BOOLEAN" and rng["startColumnIndex"] <= col < rng["endColumnIndex"]:
            out |= set(range(rng["startRowIndex"], rng["endRowIndex"]))
    return out


# ----------------------------------------------------------------- request counts


def test_request_count_does_not_grow_with_rows(emu):
    counts = {}
    for n in (10, 1000):
        sid = emu.create_spreadsheet(title=f"n{n}", sheets={"Videos": []})
        emu.reset_requests()
        push(rows(n), make_target(emu, sid))
        first = kinds(emu)
        emu.reset_requests()
        changed = rows(n)
        for i in range(0, n, 2):
            changed[i] = video_row(i, views=5)
        push(changed + [video_row(n)], make_target(emu, sid))
        counts[n] = (first, kinds(emu))
        assert video_ids(emu, sid) == [f"vid{i:08d}" for i in range(n + 1)]
    assert counts[10] == counts[1000]
    first, second = counts[10]
    # empty tab: the header travels with the rows in the one append
    assert first == Counter({"values.get": 1, "spreadsheets.get": 1, "spreadsheets.batchUpdate": 1, "values.append": 1})
    assert second == first + Counter({"values.batchUpdate": 1})


def test_second_push_writes_only_the_changed_stats(emu):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    push(rows(50), make_target(emu, sid))
    emu.reset_requests()
    changed = rows(50)
    changed[7] = video_row(7, views=4242)
    changed[8] = video_row(8, views=4343)
    result = push(changed, make_target(emu, sid))
    assert result.plan.summary() == "0 new, 2 updated, 48 unchanged"
    writes = [r for r in emu.requests if r.kind in WRITE_KINDS]
    assert [r.kind for r in writes] == ["values.batchUpdate"]
    data = writes[0].body["data"]
    assert [(d["range"], d["values"]) for d in data] == [("'Videos'!G9:G10", [[4242], [4343]])]
    assert result.requests == len(emu.requests) == 2  # one read, one write: no metadata needed


def test_unchanged_push_only_reads(emu):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    push(rows(20), make_target(emu, sid))
    emu.reset_requests()
    result = push(rows(20), make_target(emu, sid))
    assert result.plan.summary() == "0 new, 0 updated, 20 unchanged"
    assert kinds(emu) == Counter({"values.get": 1})


def test_reads_unformatted_values_and_writes_raw(emu):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    tricky = ["=IMPORTXML(\"https://example.com\",\"//title\")", "+1 trick", "-20%", "@home", "=SUM(1,2)"]
    push([video_row(i, title=t) for i, t in enumerate(tricky)], make_target(emu, sid))
    push([video_row(i, views=1, title=t) for i, t in enumerate(tricky)], make_target(emu, sid))
    gets = [r for r in emu.requests if r.kind == "values.get"]
    assert gets and all(r.params.get("valueRenderOption") == "FORMULA" for r in gets)
    appends = [r for r in emu.requests if r.kind == "values.append"]
    assert appends and all(r.params.get("valueInputOption") == "RAW" for r in appends)
    assert all(r.params.get("insertDataOption") == "OVERWRITE" for r in appends)
    updates = [r for r in emu.requests if r.kind == "values.batchUpdate"]
    assert len(updates) == 1 and all(r.body["valueInputOption"] == "RAW" for r in updates)
    assert emu.formulas(sid, "Videos") == {}
    grid = emu.values(sid, "Videos")
    assert [r[4] for r in grid[1:]] == tricky
    assert all(isinstance(r[6], int) for r in grid[1:])  # numbers stay numbers
    assert all(r[1] == "2024-05-01" for r in grid[1:])


def test_missing_tab_is_created_with_header_frozen_and_checkboxes(emu):
    sid = emu.create_spreadsheet(title="t", sheets={"Sheet1": [["other data"]]})
    result = push(rows(3), make_target(emu, sid))
    assert emu.values(sid, "Sheet1") == [["other data"]]
    grid = emu.values(sid, "Videos")
    assert grid[0] == FULL and len(grid) == 4
    assert kinds(emu) == Counter({"values.get": 1, "spreadsheets.get": 1, "spreadsheets.batchUpdate": 1,
                                  "values.append": 1})
    (batch,) = [r for r in emu.requests if r.kind == "spreadsheets.batchUpdate"]
    add, note, rule = batch.body["requests"]  # the tab, the Views note and the checkbox rule: one atomic request
    props = add["addSheet"]["properties"]
    assert note["updateCells"]["fields"] == "note" and note["updateCells"]["start"] == {
        "sheetId": props["sheetId"], "rowIndex": 0, "columnIndex": FULL.index("Views")}
    assert props["title"] == "Videos" and props["gridProperties"]["frozenRowCount"] == 1
    validation = rule["setDataValidation"]
    assert validation["range"]["sheetId"] == props["sheetId"] == emu.sheet_properties(sid, "Videos")["sheetId"]
    assert validation["rule"]["condition"]["type"] == "BOOLEAN"
    assert (validation["range"]["startRowIndex"], validation["range"]["endRowIndex"]) == (1, 4)
    assert validation["range"]["startColumnIndex"] == FULL.index("NotebookLM")
    assert checkbox_rows(emu, sid) == {1, 2, 3}
    assert emu.sheet_properties(sid, "Videos")["gridProperties"]["frozenRowCount"] == 1
    assert result.url == f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid={props['sheetId']}"


def test_a_new_header_says_what_a_short_s_views_count_and_a_user_s_header_is_left_alone(emu):
    import gspread

    sid = emu.create_spreadsheet(title="t", sheets={"Sheet1": [["other data"]]})
    push(rows(2), make_target(emu, sid))
    sheet = gspread.Client(None, session=requests_session(emu)).open_by_key(sid).worksheet("Videos")
    col = FULL.index("Views") + 1
    assert sheet.get_note(gspread.utils.rowcol_to_a1(1, col)) == VIEWS_NOTE  # read back through gspread
    assert "2025-03-31" in VIEWS_NOTE and sheet.get_note(gspread.utils.rowcol_to_a1(1, col - 1)) == ""
    user = emu.create_spreadsheet(title="u", sheets={"Videos": [["Title", "Views", "Video ID"]]})
    push(rows(2), make_target(emu, user))  # the user's own header: no note added to it
    assert not any("updateCells" in req for r in emu.requests if r.kind == "spreadsheets.batchUpdate"
                   and r.spreadsheet_id == user for req in r.body["requests"])


def test_dry_run_reads_but_never_writes_nor_creates_the_tab(emu):
    sid = emu.create_spreadsheet(title="t", sheets={"Sheet1": []})
    result = push(rows(5), make_target(emu, sid), dry_run=True)
    assert result.dry_run and result.plan.summary() == "5 new, 0 updated, 0 unchanged"
    assert set(kinds(emu)) <= {"spreadsheets.get", "values.get"}
    with pytest.raises(Exception):  # noqa: B017 - the tab must still not exist
        emu.values(sid, "Videos")


def test_large_payloads_are_split_and_land_once(emu):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    result = push(rows(300), make_target(emu, sid, max_request_bytes=20_000))
    appends = [r for r in emu.requests if r.kind == "values.append"]
    assert len(appends) > 1
    assert video_ids(emu, sid) == [f"vid{i:08d}" for i in range(300)]
    (batch,) = [r for r in emu.requests if r.kind == "spreadsheets.batchUpdate"]
    rules = [q for q in batch.body["requests"] if "setDataValidation" in q]
    assert len(rules) == 1  # one range for every appended row, whatever the number of chunks
    assert checkbox_rows(emu, sid) == set(range(1, 301))
    assert result.plan.new == 300


# ----------------------------------------------------------------- opening


def test_open_by_url_forms_and_key(emu):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": [FULL]})
    for spec in (sid, f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0",
                 f"https://docs.google.com/spreadsheets/d/{sid}/edit?usp=sharing"):
        assert push(rows(1), open_target(spec, "Videos", Settings(), requests_session(emu))).plan.new in (0, 1)
    assert video_ids(emu, sid) == ["vid00000000"]


def test_tab_name_match_is_case_insensitive(emu):
    sid = emu.create_spreadsheet(title="t", sheets={"videos": []})
    push(rows(2), make_target(emu, sid, tab="VIDEOS"))
    assert len(emu.values(sid, "videos")) == 3


# ----------------------------------------------------------------- faults


def test_a_503_on_append_is_retried_without_duplicating(emu, sleeps):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    emu.fail_next(status=503, times=1, kind="values.append")
    push(rows(30), make_target(emu, sid, sleeps))
    assert video_ids(emu, sid) == [f"vid{i:08d}" for i in range(30)]
    assert len(sleeps) == 1


@pytest.mark.parametrize("kind", ["values.append", "values.batchUpdate", "spreadsheets.batchUpdate"])
def test_failure_mid_push_then_rerun_gives_every_row_once(emu, sleeps, kind):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    push(rows(10), make_target(emu, sid))
    more = rows(25, views=7)
    tries = RetryPolicy().tries
    emu.reset_requests()
    emu.fail_next(status=503, times=tries, kind=kind)  # every try of that request fails
    with pytest.raises(SheetsError, match="re-run") as info:
        push(more, make_target(emu, sid, sleeps))
    assert info.value.status == 503 and info.value.exit_code == 1
    assert emu.requests_by_kind[kind] == tries and len(sleeps) == tries - 1  # bounded
    if kind != "values.append":  # an append's failures alternate with successful re-reads: no storm
        sent = sum(emu.requests_by_kind.values())
        with pytest.raises(SheetsError, match="in a row"):  # Sheets' circuit breaker is open: nothing is sent
            push(more, make_target(emu, sid))
        assert sum(emu.requests_by_kind.values()) == sent
        breaker.reset_all()  # ... until its cool-down is over
    result = push(more, make_target(emu, sid))
    assert video_ids(emu, sid) == [f"vid{i:08d}" for i in range(25)]
    grid = emu.values(sid, "Videos")
    assert all(r[6] == 7 for r in grid[1:])
    assert grid[0] == FULL
    assert push(more, make_target(emu, sid)).plan.summary() == "0 new, 0 updated, 25 unchanged"
    assert result.plan.new + result.plan.updated + result.plan.unchanged == 25
    assert checkbox_rows(emu, sid) == set(range(1, 26))  # the rule reached the rows the re-run added


def test_429_is_retried_with_backoff_then_succeeds(emu, sleeps):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    emu.fail_next(status=429, times=2, kind="values.get")
    push(rows(3), make_target(emu, sid, sleeps))
    assert len(sleeps) == 2 and sleeps[0] <= sleeps[1] * 2
    assert len(emu.values(sid, "Videos")) == 4


def test_retries_are_bounded(emu, sleeps):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    emu.fail_next(status=500, times=100, kind="values.get")
    with pytest.raises(SheetsError) as info:
        push(rows(3), make_target(emu, sid, sleeps))
    assert info.value.status == 500
    assert kinds(emu)["values.get"] == 5 and len(sleeps) == 4


def test_404_is_sheet_not_found(emu):
    with pytest.raises(SheetNotFound) as info:
        push(rows(1), make_target(emu, "1NoSuchSpreadsheetKeyAtAll0123456789abcdefg"))
    assert info.value.exit_code == 2 and "1NoSuchSpreadsheetKeyAtAll0123456789abcdefg" in str(info.value)


def test_403_names_the_service_account_to_share_with(emu):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    emu.deny(sid)
    secret = {"client_email": EMAIL, "private_key": "-----BEGIN PRIVATE KEY-----SECRETSECRET", "private_key_id": "k1d2"}
    with pytest.raises(PermissionDenied) as info:
        push(rows(1), make_target(emu, sid, settings=Settings(service_account_info=secret)))
    msg = str(info.value)
    assert EMAIL in msg and "Share the sheet with" in msg and "Editor" in msg
    assert "SECRETSECRET" not in msg and info.value.email == EMAIL and info.value.exit_code == 4


def test_400_is_a_sheets_error_with_googles_message_and_no_retry(emu, sleeps):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    emu.fail_next(status=400, times=1, kind="values.append")
    with pytest.raises(SheetsError) as info:
        push(rows(1), make_target(emu, sid, sleeps))
    assert info.value.status == 400 and "rejected" in str(info.value) and sleeps == []


def test_bad_url_is_an_input_error(emu):
    with pytest.raises(InputError):
        make_target(emu, "https://example.com/not-a-sheet")


def test_unreachable_endpoint_is_a_clear_sheets_error(sleeps):
    target = GoogleSheetTarget("1abcdefghijklmnopqrstuvwxyz", settings=Settings(sheets_api_url="http://127.0.0.1:9"),
                               retry=RetryPolicy(sleep=sleeps))
    with pytest.raises(SheetsError, match="unreachable"):
        push(rows(1), target)
    assert len(sleeps) == 4


# ----------------------------------------------------------------- endpoint override, over real HTTP


def test_sheets_api_url_points_gspread_at_the_served_emulator_without_a_token(sheets_server):
    emu = sheets_server.app
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    target = open_target(f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0", "Videos",
                         Settings.from_env({"Y2S_SHEETS_API_URL": sheets_server.url}))
    push(rows(4), target)
    assert video_ids(emu, sid) == [f"vid{i:08d}" for i in range(4)]
    assert emu.requests and not any(r.authorized for r in emu.requests)
    assert all(r.path.startswith("/v4/spreadsheets/") for r in emu.requests)


class LostResponse:
    """Wraps the emulator: the first ``times`` appends are applied, then answered 503 (response lost)."""

    def __init__(self, emu: SheetsEmulator, times: int = 1) -> None:
        self.emu, self.times = emu, times

    def handle(self, method, url, headers, body):
        status, hdrs, content = self.emu.handle(method, url, headers, body)
        if self.times and ":append" in url and status == 200:
            self.times -= 1
            return 503, {"content-type": "application/json"}, b'{"error": {"code": 503, "message": "lost", ' \
                b'"status": "UNAVAILABLE"}}'
        return status, hdrs, content


def test_an_append_that_landed_but_answered_503_is_not_repeated(emu, sleeps):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    push(rows(5), make_target(emu, sid))
    target = GoogleSheetTarget(sid, "Videos", settings=Settings(), session=requests_session(LostResponse(emu)),
                               retry=RetryPolicy(sleep=sleeps))
    result = push(rows(12), target)
    assert result.plan.new == 7
    assert video_ids(emu, sid) == [f"vid{i:08d}" for i in range(12)]
    assert len(sleeps) == 1
    validations = emu.data_validations(sid, "Videos")
    assert validations[-1]["range"]["startRowIndex"] == 6 and validations[-1]["range"]["endRowIndex"] == 13


def test_a_tightly_sized_tab_grows_before_writing(emu):
    original = [["Channel", "Date", "Type", "Duration", "Title", "URL", "Views", "Likes", "NotebookLM"],
                ["Chan", "2024-05-01", "Long", "1:15", "t", "https://youtu.be/vid00000001", 1, 1, True]]
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": original}, rows=2, cols=9)
    push([video_row(1, views=3), video_row(2)], make_target(emu, sid))
    grid = emu.values(sid, "Videos")
    assert grid[0][-1] == "Video ID" and [r[9] for r in grid[1:]] == ["vid00000001", "vid00000002"]
    assert grid[1][6] == 3 and grid[1][8] is True and grid[2][8] is False
    props = emu.sheet_properties(sid, "Videos")["gridProperties"]
    assert props["columnCount"] >= 10 and props["rowCount"] >= 3


def _service_account_info() -> dict:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"type": "service_account", "client_email": EMAIL, "private_key": pem, "private_key_id": "kid123",
            "token_uri": "https://oauth2.googleapis.com/token"}


def test_a_service_account_key_gives_scoped_credentials_without_any_request():
    from google.auth.transport.requests import AuthorizedSession
    from google.oauth2.service_account import Credentials

    target = GoogleSheetTarget(f"https://docs.google.com/spreadsheets/d/{'1' * 44}/edit",
                               settings=Settings(service_account_info=_service_account_info()))
    http = target._client.http_client
    assert isinstance(http.auth, Credentials) and isinstance(http.session, AuthorizedSession)
    assert http.auth.service_account_email == EMAIL
    assert list(http.auth.scopes) == ["https://www.googleapis.com/auth/spreadsheets"]
    assert http.auth.token is None and target.request_count == 0
    assert "PRIVATE KEY" not in repr(target)


def test_an_endpoint_override_wins_over_the_service_account():
    from google.auth.credentials import AnonymousCredentials

    target = GoogleSheetTarget("1" * 44, settings=Settings(service_account_info=_service_account_info(),
                                                           sheets_api_url="http://127.0.0.1:1/"))
    assert isinstance(target._client.http_client.auth, AnonymousCredentials)
    assert target._client.http_client.base_url == "http://127.0.0.1:1"


def test_progress_messages_and_result(emu):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    said: list[str] = []
    result = push(rows(3), make_target(emu, sid), progress=said.append)
    assert said[0].startswith("Reading Google Sheet") and said[1] == "Plan: 3 new, 0 updated, 0 unchanged"
    assert said[2] == "Writing: appending 3 row(s), updating 12 cell(s)"
    assert result.target == f"https://docs.google.com/spreadsheets/d/{sid}" and not result.dry_run
    assert result.requests == 4


class Replay:
    """Answers every request with one real recorded response from ../shared/fixtures/real-sheets."""

    def __init__(self, interaction: dict) -> None:
        self.response = interaction["response"]

    def handle(self, method, url, headers, body):
        hdrs = {k: v[0] for k, v in self.response["headers"].items() if k.lower() != "content-length"}
        return self.response["status"]["code"], hdrs, self.response["body"]["string"].encode()


def _recorded(real_fixtures, cassette: str, status: int) -> dict:
    import json

    data = json.loads((real_fixtures / "real-sheets" / cassette).read_text())
    return next(i for i in data["interactions"] if i["response"]["status"]["code"] == status)


@pytest.mark.parametrize(
    "cassette, status, error, words",
    [
        ("ClientTest.test_access_private_spreadsheet.json", 403, PermissionDenied, f"Share the sheet with {EMAIL}"),
        ("ClientTest.test_access_non_existing_spreadsheet.json", 404, SheetNotFound, "No Google spreadsheet"),
    ],
)
def test_real_recorded_errors_map_to_the_error_tree(real_fixtures, cassette, status, error, words):
    app = Replay(_recorded(real_fixtures, cassette, status))
    target = GoogleSheetTarget("1jIKzPs8LsiZZdLdeMEP-5ZIHw6RkjiOmj1LrJN706Yc",
                               settings=Settings(service_account_info={"client_email": EMAIL}),
                               session=requests_session(app), retry=RetryPolicy(sleep=lambda s: None))
    with pytest.raises(error, match=words) as info:
        push(rows(1), target)
    assert info.value.status == status and target.request_count == 1  # not retried


# ----------------------------------------------------------------- shape changes, ordering, odd tabs


def test_checkbox_rule_is_set_before_any_value_is_written(emu, sleeps):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": [list(STANDARD_COLUMNS[:9])]})  # no Video ID yet
    emu.fail_next(status=503, times=RetryPolicy().tries, kind="values.append")
    with pytest.raises(SheetsError, match="re-run"):
        push(rows(4), make_target(emu, sid, sleeps))
    order = [r.kind for r in emu.requests]
    assert order.index("spreadsheets.batchUpdate") < order.index("values.batchUpdate") < order.index("values.append")
    assert checkbox_rows(emu, sid) == {1, 2, 3, 4} and len(emu.values(sid, "Videos")) == 1  # rule, no rows yet
    assert emu.values(sid, "Videos")[0] == list(STANDARD_COLUMNS)  # the Video ID header landed first
    push(rows(4), make_target(emu, sid))
    assert video_ids(emu, sid) == [f"vid{i:08d}" for i in range(4)]
    assert checkbox_rows(emu, sid) == {1, 2, 3, 4}


@pytest.mark.parametrize("tab", ["Vidéos 🎬", "Bob's list", "A1", "Sheet 1!x:y"])
def test_tab_names_needing_quotes_work(emu, tab):
    sid = emu.create_spreadsheet(title="t", sheets={"Sheet1": [["keep"]]})
    push(rows(3), make_target(emu, sid, tab=tab))
    second = push(rows(3, views=9), make_target(emu, sid, tab=tab))
    assert second.plan.summary() == "0 new, 3 updated, 0 unchanged"
    assert video_ids(emu, sid, tab) == [f"vid{i:08d}" for i in range(3)]
    assert [r[6] for r in emu.values(sid, tab)[1:]] == [9, 9, 9]
    assert emu.values(sid, "Sheet1") == [["keep"]]


def test_a_wide_sheet_grows_past_column_z(emu):
    header = list(STANDARD_COLUMNS[:9]) + [f"Mine {i}" for i in range(30)]  # 39 columns, no Video ID
    row = ["Chan", "2024-05-01", "Long", "1:15", "t", "https://youtu.be/vid00000001", 1, 1, True] + ["x"] * 30
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": [header, row]}, cols=39)
    push([video_row(1, views=5), video_row(2)], make_target(emu, sid))
    grid = emu.values(sid, "Videos")
    assert grid[0][39] == "Video ID" and grid[0][:39] == header  # column AN, after the user's columns
    assert [r[39] for r in grid[1:]] == ["vid00000001", "vid00000002"]
    assert grid[1][6] == 5 and grid[1][9:39] == ["x"] * 30
    assert emu.sheet_properties(sid, "Videos")["gridProperties"]["columnCount"] >= 40


class LostBatchAnswer:
    """The first spreadsheets.batchUpdate is applied, then answered 503 (the answer was lost)."""

    def __init__(self, emu: SheetsEmulator) -> None:
        self.emu, self.lost = emu, False

    def handle(self, method, url, headers, body):
        status, hdrs, content = self.emu.handle(method, url, headers, body)
        if not self.lost and url.split("?")[0].endswith(":batchUpdate") and "/values:" not in url and status == 200:
            self.lost = True
            return 503, {"content-type": "application/json"}, b'{"error": {"code": 503, "message": "lost"}}'
        return status, hdrs, content


def test_a_lost_addsheet_answer_is_retried_safely(emu, sleeps):
    sid = emu.create_spreadsheet(title="t", sheets={"Sheet1": []})
    target = GoogleSheetTarget(sid, "Videos", settings=Settings(), session=requests_session(LostBatchAnswer(emu)),
                               retry=RetryPolicy(sleep=sleeps))
    push(rows(3), target)
    assert emu.tabs(sid) == ["Sheet1", "Videos"] and video_ids(emu, sid) == [f"vid{i:08d}" for i in range(3)]
    assert checkbox_rows(emu, sid) == {1, 2, 3} and len(sleeps) == 1


def test_a_429_on_append_is_retried_because_it_was_not_applied(emu, sleeps):
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": []})
    emu.fail_next(status=429, times=2, kind="values.append")
    push(rows(6), make_target(emu, sid, sleeps))
    assert video_ids(emu, sid) == [f"vid{i:08d}" for i in range(6)]
    assert kinds(emu)["values.append"] == 3 and len(sleeps) == 2


def test_a_hyperlink_formula_in_the_url_column_still_keys_the_row(emu):
    original = [["Channel", "Date", "Type", "Duration", "Title", "URL", "Views", "Likes", "NotebookLM"],
                ["Chan", "2024-05-01", "Long", "1:15", "t", '=HYPERLINK("https://youtu.be/vid00000001","watch")',
                 1, 1, True]]
    sid = emu.create_spreadsheet(title="t", sheets={"Videos": original})
    result = push([video_row(1, views=8)], make_target(emu, sid))
    assert result.plan.summary() == "0 new, 1 updated, 0 unchanged"
    assert emu.formulas(sid, "Videos") == {(1, 5): '=HYPERLINK("https://youtu.be/vid00000001","watch")'}
    grid = emu.values(sid, "Videos")
    assert len(grid) == 2 and grid[1][6] == 8 and grid[1][9] == "vid00000001"
