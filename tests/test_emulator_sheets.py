"""The Sheets API v4 emulator, driven through real gspread 6 (in-process and over HTTP).

Fidelity is checked against the recorded real exchanges in ../shared/fixtures/real-sheets: every
recorded Sheets request is replayed and the emulator's status and JSON body must equal Google's.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import gspread
import pytest
import requests
from google.auth.credentials import AnonymousCredentials
from gspread.exceptions import APIError, SpreadsheetNotFound
from gspread.utils import ValidationConditionType

from tests.conftest import SHARED_FIXTURES
from y2s_core.emulators.sheets import (
    A1Range,
    SheetRequest,
    SheetsEmulator,
    col_index,
    col_letter,
    format_range,
    parse_a1,
    quote_sheet_name,
)
from y2s_core.emulators.transport import requests_session, serve

FIXTURES = SHARED_FIXTURES / "real-sheets"  # honours Y2S_SHARED_FIXTURES, like every test module
HEADER = ["Channel", "Date", "Type", "Duration", "Title", "URL", "Views", "Likes", "NotebookLM", "Video ID"]


def _need_fixtures() -> None:
    if not FIXTURES.is_dir():
        pytest.skip(f"recorded Sheets fixtures not found at {FIXTURES} (../shared/fixtures is optional)")


def _cassette(name: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / name).read_text())["interactions"]


def _body(part: dict[str, Any]) -> str | None:
    body = part.get("body")
    return body.get("string") if isinstance(body, dict) else body


@pytest.fixture
def emu() -> SheetsEmulator:
    return SheetsEmulator(seed=7)


@pytest.fixture
def gc(emu: SheetsEmulator) -> gspread.Client:
    return gspread.Client(auth=AnonymousCredentials(), session=requests_session(emu))


def _call(emu: SheetsEmulator, method: str, path: str, body: Any = None, headers: dict | None = None):
    raw = json.dumps(body).encode() if body is not None else None
    status, _, content = emu.handle(method, "https://sheets.googleapis.com" + path, headers or {}, raw)
    return status, json.loads(content)


# ---------------------------------------------------------------------------------------------
# Fidelity against the recorded exchanges
# ---------------------------------------------------------------------------------------------

CASSETTES = sorted(p.name for p in FIXTURES.glob("*.json")) if FIXTURES.is_dir() else ["(fixtures absent)"]


@pytest.mark.parametrize("name", CASSETTES)
def test_replaying_a_recorded_cassette_gives_googles_exact_responses(name: str) -> None:
    _need_fixtures()
    emu = SheetsEmulator(seed=1)
    our_to_theirs: dict[int, int] = {}
    replayed = 0
    for it in _cassette(name):
        req, resp = it["request"], it["response"]
        uri, status = req["uri"], resp["status"]["code"]
        if uri.startswith("https://www.googleapis.com/drive/v3/files?") and req["method"] == "POST":
            created = json.loads(_body(resp))
            emu.create_spreadsheet(title=created["name"], spreadsheet_id=created["id"])
            continue
        if "sheets.googleapis.com" not in uri:
            continue
        if status == 403:  # a spreadsheet nobody shared with the recording account
            emu.deny(uri.split("/spreadsheets/")[1].split("?")[0])
        body = _body(req)
        if body:  # the recorded deleteSheet ids are Google's; point them at ours
            theirs_to_ours = {v: k for k, v in our_to_theirs.items()}
            obj = json.loads(body)
            for r in obj.get("requests", []):
                if "deleteSheet" in r:
                    r["deleteSheet"]["sheetId"] = theirs_to_ours[r["deleteSheet"]["sheetId"]]
            body = json.dumps(obj)
        got_status, _, content = emu.handle(req["method"], uri, {}, body.encode() if body else None)
        got = json.loads(content)
        for reply in got.get("replies", []):  # new sheet ids are random in Google too: map ours to theirs
            if "addSheet" in reply:
                our_id = reply["addSheet"]["properties"]["sheetId"]
                their_id = json.loads(_body(resp))["replies"][0]["addSheet"]["properties"]["sheetId"]
                our_to_theirs[our_id] = their_id
        for sheet in got.get("sheets", []):
            sheet["properties"]["sheetId"] = our_to_theirs.get(sheet["properties"]["sheetId"], 0)
        for reply in got.get("replies", []):
            if "addSheet" in reply:
                reply["addSheet"]["properties"]["sheetId"] = our_to_theirs[
                    reply["addSheet"]["properties"]["sheetId"]
                ]
        assert (got_status, got) == (status, json.loads(_body(resp))), f"{req['method']} {uri}"
        replayed += 1
    assert replayed >= 1


@pytest.mark.parametrize(
    ("cassette", "status"),
    [
        ("ClientTest.test_access_non_existing_spreadsheet.json", 404),
        ("ClientTest.test_access_private_spreadsheet.json", 403),
    ],
)
def test_error_bodies_equal_the_recorded_ones(emu: SheetsEmulator, cassette: str, status: int) -> None:
    _need_fixtures()
    recorded = next(
        json.loads(_body(i["response"]))
        for i in _cassette(cassette)
        if i["response"]["status"]["code"] == status
    )
    sid = emu.create_spreadsheet()
    if status == 403:
        emu.deny(sid, email="robot@project.iam.gserviceaccount.com")
        target = sid
    else:
        target = "test"
    got_status, body = _call(emu, "GET", f"/v4/spreadsheets/{target}?includeGridData=false")
    assert (got_status, body) == (status, recorded)
    got_status, body = _call(emu, "GET", f"/v4/spreadsheets/{target}/values/A1")
    assert (got_status, body) == (status, recorded)


# ---------------------------------------------------------------------------------------------
# Through gspread, in-process
# ---------------------------------------------------------------------------------------------


def test_open_by_key_returns_metadata_like_google(emu: SheetsEmulator, gc: gspread.Client) -> None:
    sid = emu.create_spreadsheet("My videos", {"Videos": [HEADER], "Notes": []})
    assert len(sid) == 44
    sh = gc.open_by_key(sid)
    assert sh.title == "My videos" and sh.locale == "en_US" and sh.timezone == "Etc/GMT"
    assert [(w.title, w.index, w.row_count, w.col_count) for w in sh.worksheets()] == [
        ("Videos", 0, 1000, 26),
        ("Notes", 1, 1000, 26),
    ]
    meta = sh.fetch_sheet_metadata()
    assert meta["spreadsheetUrl"] == f"https://docs.google.com/spreadsheets/d/{sid}/edit"
    assert meta["sheets"][0]["properties"] == {
        "sheetId": 0,
        "title": "Videos",
        "index": 0,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": 1000, "columnCount": 26},
    }
    assert "data" not in meta["sheets"][0]


def test_get_all_values_pads_and_trims_like_google(emu: SheetsEmulator, gc: gspread.Client) -> None:
    sid = emu.create_spreadsheet(  # a 4x4 grid, as the recorded test_get_all_values resized it
        sheets={"Sheet1": [["A1", "B1", "", "D1"], ["", "b2"], [], ["A4", "", "", ""]]}, rows=4, cols=4
    )
    ws = gc.open_by_key(sid).sheet1
    assert ws.get_all_values() == [
        ["A1", "B1", "", "D1"],
        ["", "b2", "", ""],
        ["", "", "", ""],
        ["A4", "", "", ""],
    ]
    raw = ws.client.values_get(sid, "'Sheet1'")
    assert raw == {
        "range": "Sheet1!A1:D4",  # the grid, as in the recorded test_get_all_values exchange
        "majorDimension": "ROWS",
        "values": [["A1", "B1", "", "D1"], ["", "b2"], [], ["A4"]],
    }
    assert ws.col_values(2) == ["B1", "b2"]
    assert ws.row_values(1) == ["A1", "B1", "", "D1"]


def test_a_whole_tab_read_names_the_grid_not_the_used_area(emu: SheetsEmulator, gc: gspread.Client) -> None:
    sid = emu.create_spreadsheet(sheets={"Videos": [["Channel", "Date"], ["a", "b"]]})
    assert gc.http_client.values_get(sid, "Videos") == {
        "range": "Videos!A1:Z1000", "majorDimension": "ROWS", "values": [["Channel", "Date"], ["a", "b"]]}
    assert gc.http_client.values_get(sid, "'Videos'!E1:F2") == {"range": "Videos!E1:F2", "majorDimension": "ROWS"}
    emu.create_spreadsheet(sheets={"Empty": []}, spreadsheet_id="1" + "e" * 43)
    assert gc.http_client.values_get("1" + "e" * 43, "Empty") == {"range": "Empty!A1:Z1000", "majorDimension": "ROWS"}


@pytest.mark.parametrize(
    ("typed", "raw_value", "user_value", "formatted", "is_formula"),
    [
        ("=1+2", "=1+2", 3, "3", True),
        ('=IMPORTXML("https://x", "//a")', '=IMPORTXML("https://x", "//a")', "#N/A", "#N/A", True),
        ("=FOO(1)", "=FOO(1)", "#NAME?", "#NAME?", True),
        (
            '=HYPERLINK("https://youtu.be/x", "watch")',
            '=HYPERLINK("https://youtu.be/x", "watch")',
            "watch",
            "watch",
            True,
        ),
        ("123", "123", 123, "123", False),
        ("007", "007", 7, "7", False),
        ("1.5", "1.5", 1.5, "1.5", False),
        ("1,234", "1,234", 1234, "1,234", False),
        ("-20%", "-20%", -0.2, "-20%", False),
        ("TRUE", "TRUE", True, "TRUE", False),
        ("false", "false", False, "FALSE", False),
        ("'0123", "'0123", "0123", "0123", False),
        ("'=1+2", "'=1+2", "=1+2", "=1+2", False),
        ("+ watch this", "+ watch this", "#ERROR!", "#ERROR!", True),
        ("- my vlog", "- my vlog", "#ERROR!", "#ERROR!", True),
        ("2024-01-15", "2024-01-15", "2024-01-15", "2024-01-15", False),
        ("4:13", "4:13", "4:13:00", "4:13:00", False),
        ("dQw4w9WgXcQ", "dQw4w9WgXcQ", "dQw4w9WgXcQ", "dQw4w9WgXcQ", False),
    ],
)
def test_raw_stores_exactly_and_user_entered_parses_like_sheets(
    emu: SheetsEmulator,
    gc: gspread.Client,
    typed: str,
    raw_value: Any,
    user_value: Any,
    formatted: str,
    is_formula: bool,
) -> None:
    sid = emu.create_spreadsheet(sheets={"Sheet1": []})
    ws = gc.open_by_key(sid).sheet1
    ws.update([[typed]], "A1", value_input_option="RAW")
    ws.update([[typed]], "B1", value_input_option="USER_ENTERED")
    assert emu.values(sid, "Sheet1") == [[raw_value, user_value]]
    assert ws.acell("A1").value == raw_value
    assert ws.acell("B1").value == formatted
    assert emu.formulas(sid, "Sheet1") == (
        {(0, 1): typed if typed.startswith("=") else "=" + typed} if is_formula else {}
    )


def test_render_options_and_number_types(emu: SheetsEmulator, gc: gspread.Client) -> None:
    sid = emu.create_spreadsheet(sheets={"Sheet1": []})
    ws = gc.open_by_key(sid).sheet1
    ws.update([[1234567, 0.1, True, "=A1*2", "2024-01-15", "x"]], "A1", value_input_option="USER_ENTERED")
    ws.update([[1.0, 12345678901234567]], "A2", value_input_option="RAW")
    assert ws.get("A1:F2") == [["1234567", "0.1", "TRUE", "2469134", "2024-01-15", "x"], ["1", "1.23457E+16"]]
    assert ws.get("A1:F1", value_render_option="UNFORMATTED_VALUE") == [
        [1234567, 0.1, True, 2469134, 45306, "x"]
    ]
    assert ws.get("A1:F1", value_render_option="FORMULA") == [[1234567, 0.1, True, "=A1*2", 45306, "x"]]
    assert ws.get(
        "E1", value_render_option="UNFORMATTED_VALUE", date_time_render_option="FORMATTED_STRING"
    ) == [["2024-01-15"]]
    assert ws.get("A1:B2", major_dimension="COLUMNS") == [["1234567", "1"], ["0.1", "1.23457E+16"]]
    # a number format sticks to the cell: a later plain number is still shown as a date
    ws.update([[45307]], "E1", value_input_option="RAW")
    assert ws.acell("E1").value == "2024-01-16"


def test_formulas_evaluate_references_and_report_errors(emu: SheetsEmulator) -> None:
    sid = emu.create_spreadsheet(
        sheets={"S": [[10, 4, "=A1/B1", "=A1/0", '=C1&" views"', "=SUM(A1:B1)", "=F1+G1", "=G1+F1", "=1+"]]}
    )
    assert emu.values(sid, "S") == [[10, 4, 2.5, "#DIV/0!", "2.5 views", 14, "#REF!", "#REF!", "#ERROR!"]]


def test_append_rows_goes_after_the_table_and_grows_the_grid(emu: SheetsEmulator, gc: gspread.Client) -> None:
    sid = emu.create_spreadsheet(sheets={"Videos": [HEADER, ["A", "2024-01-01"]]}, rows=3, cols=10)
    ws = gc.open_by_key(sid).worksheet("Videos")
    res = ws.append_rows([["B", "2024-01-02"], ["C", "2024-01-03"]], value_input_option="RAW")
    assert res["tableRange"] == "Videos!A1:J2"
    assert res["updates"]["updatedRange"] == "Videos!A3:B4"
    assert emu.sheet_properties(sid, "Videos")["gridProperties"]["rowCount"] == 4
    assert [r[:2] for r in emu.values(sid, "Videos")] == [
        HEADER[:2],
        ["A", "2024-01-01"],
        ["B", "2024-01-02"],
        ["C", "2024-01-03"],
    ]
    # RAW keeps the date text as text; a second append lands after the new last row
    ws.append_row(["D"], table_range="A1")
    assert emu.values(sid, "Videos")[-1] == ["D"]
    assert emu.requests_by_kind["values.append"] == 2


def test_append_insert_rows_shifts_rows_below_and_missing_option_is_400(emu: SheetsEmulator) -> None:
    sid = emu.create_spreadsheet(sheets={"S": [["h"], ["a"], [], ["below"]]}, rows=4, cols=2)
    status, body = _call(
        emu,
        "POST",
        f"/v4/spreadsheets/{sid}/values/S!A1:A2:append?valueInputOption=RAW&insertDataOption=INSERT_ROWS",
        {"values": [["new"]]},
    )
    assert status == 200 and body["updates"]["updatedRange"] == "S!A3"
    assert emu.values(sid, "S") == [["h"], ["a"], ["new"], [], ["below"]]
    assert emu.sheet_properties(sid, "S")["gridProperties"]["rowCount"] == 5
    status, body = _call(emu, "POST", f"/v4/spreadsheets/{sid}/values/S:append", {"values": [["x"]]})
    assert (status, body["error"]["message"]) == (400, "'valueInputOption' is required but not specified")


def test_insert_rows_through_gspread_writes_at_the_inserted_row(
    emu: SheetsEmulator, gc: gspread.Client
) -> None:
    sid = emu.create_spreadsheet(sheets={"S": [["h1", "h2"], ["a", "b"]]})
    ws = gc.open_by_key(sid).sheet1
    ws.insert_rows([["x", "y"]], row=2)
    assert emu.values(sid, "S") == [["h1", "h2"], ["x", "y"], ["a", "b"]]


def test_values_batch_update_reports_totals_and_is_atomic(emu: SheetsEmulator, gc: gspread.Client) -> None:
    sid = emu.create_spreadsheet(sheets={"Sheet1": []})
    ws = gc.open_by_key(sid).sheet1
    res = ws.batch_update(
        [
            {"range": "A1:D1", "values": [["A1", "B1", "", "D1"]]},
            {"range": "A4:D4", "values": [["A4", "B4", "", "D4"]]},
        ]
    )
    assert {k: v for k, v in res.items() if k.startswith("total")} == {
        "totalUpdatedRows": 2,
        "totalUpdatedColumns": 4,
        "totalUpdatedCells": 8,
        "totalUpdatedSheets": 1,
    }
    assert [r["updatedRange"] for r in res["responses"]] == ["Sheet1!A1:D1", "Sheet1!A4:D4"]
    with pytest.raises(APIError) as err:
        ws.batch_update([{"range": "A2", "values": [["kept?"]]}, {"range": "A3:B3", "values": [[1, 2, 3]]}])
    assert err.value.code == 400
    assert err.value.error["message"] == (
        "Invalid data[1]: Requested writing within range ['Sheet1'!A3:B3], but tried writing to column [C]"
    )
    assert emu.values(sid, "Sheet1") == [["A1", "B1", "", "D1"], [], [], ["A4", "B4", "", "D4"]]


def test_add_worksheet_rejects_duplicate_titles_and_deletes(emu: SheetsEmulator, gc: gspread.Client) -> None:
    sid = emu.create_spreadsheet(sheets={"Sheet1": []})
    sh = gc.open_by_key(sid)
    ws = sh.add_worksheet("Videos", rows=5, cols=12)
    assert (ws.title, ws.index, ws.row_count, ws.col_count) == ("Videos", 1, 5, 12)
    assert emu.tabs(sid) == ["Sheet1", "Videos"]
    with pytest.raises(APIError) as err:
        sh.add_worksheet("videos", rows=1, cols=1)
    assert err.value.error == {
        "code": 400,
        "message": 'Invalid requests[0].addSheet: A sheet with the name "videos" already exists. Please enter another name.',
        "status": "INVALID_ARGUMENT",
    }
    sh.del_worksheet(ws)
    assert emu.tabs(sid) == ["Sheet1"]
    with pytest.raises(APIError, match="You can't remove all the sheets in a document."):
        sh.del_worksheet(sh.sheet1)


def test_spreadsheet_batch_update_records_checkbox_rule_format_and_freeze(
    emu: SheetsEmulator, gc: gspread.Client
) -> None:
    sid = emu.create_spreadsheet(sheets={"Videos": [HEADER]})
    ws = gc.open_by_key(sid).sheet1
    ws.freeze(rows=1)
    ws.add_validation("I2:I1000", ValidationConditionType.boolean, [])
    ws.format("A1:J1", {"textFormat": {"bold": True}})
    ws.columns_auto_resize(0, 10)
    assert emu.sheet_properties(sid, "Videos")["gridProperties"] == {
        "rowCount": 1000,
        "columnCount": 26,
        "frozenRowCount": 1,
    }
    (rule,) = emu.data_validations(sid, "Videos")
    assert rule["range"] == {
        "sheetId": 0,
        "startRowIndex": 1,
        "endRowIndex": 1000,
        "startColumnIndex": 8,
        "endColumnIndex": 9,
    }
    assert rule["rule"]["condition"]["type"] == "BOOLEAN"
    assert emu.cell_formats(sid, "Videos")[0]["fields"] == "userEnteredFormat(textFormat)"
    assert emu.values(sid, "Videos") == [HEADER]


def test_spreadsheet_batch_update_unknown_names_400_unmodelled_501_and_atomic(emu: SheetsEmulator) -> None:
    sid = emu.create_spreadsheet(sheets={"S": []})
    status, body = _call(
        emu,
        "POST",
        f"/v4/spreadsheets/{sid}:batchUpdate",
        {"requests": [{"addSheet": {}}, {"frobnicate": {}}]},
    )
    assert status == 400
    assert (
        body["error"]["message"]
        == "Invalid JSON payload received. Unknown name \"frobnicate\" at 'requests[1]': Cannot find field."
    )
    assert body["error"]["status"] == "INVALID_ARGUMENT" and "errors" not in body["error"]
    status, body = _call(
        emu,
        "POST",
        f"/v4/spreadsheets/{sid}:batchUpdate",
        {"requests": [{"addSheet": {"properties": {"title": "T"}}}, {"sortRange": {}}]},
    )
    assert (status, body["error"]["status"]) == (501, "UNIMPLEMENTED")
    status, body = _call(
        emu,
        "POST",
        f"/v4/spreadsheets/{sid}:batchUpdate",
        {"requests": [{"addSheet": {"properties": {"title": "T"}}}, {"deleteSheet": {"sheetId": 999}}]},
    )
    assert (status, body["error"]["message"]) == (
        400,
        "Invalid requests[1].deleteSheet: No grid with id: 999",
    )
    assert emu.tabs(sid) == ["S"]  # nothing applied
    status, body = _call(
        emu,
        "POST",
        f"/v4/spreadsheets/{sid}:batchUpdate",
        {
            "requests": [
                {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 4}},
                {
                    "insertDimension": {
                        "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 2}
                    }
                },
            ]
        },
    )
    assert (status, body["replies"]) == (200, [{}, {}])
    assert emu.sheet_properties(sid, "S")["gridProperties"] == {"rowCount": 1002, "columnCount": 30}


def test_missing_spreadsheet_is_404_and_autocreate_makes_one(emu: SheetsEmulator, gc: gspread.Client) -> None:
    with pytest.raises(SpreadsheetNotFound):
        gc.open_by_key("test")
    with pytest.raises(APIError) as err:
        gc.http_client.values_get("test", "A1")
    assert err.value.code == 404 and err.value.error["status"] == "NOT_FOUND"
    auto = SheetsEmulator(autocreate=True)
    sh = gspread.Client(auth=AnonymousCredentials(), session=requests_session(auto)).open_by_key("any-id")
    assert (sh.title, sh.sheet1.title) == ("Untitled spreadsheet", "Sheet1")


def test_denied_spreadsheet_answers_403_until_allowed(emu: SheetsEmulator, gc: gspread.Client) -> None:
    sid = emu.create_spreadsheet()
    emu.deny(sid, email="y2s@demo.iam.gserviceaccount.com")
    with pytest.raises(PermissionError) as err:
        gc.open_by_key(sid)
    cause = err.value.__cause__
    assert isinstance(cause, APIError) and cause.code == 403
    assert cause.error == {
        "code": 403,
        "message": "The caller does not have permission",
        "status": "PERMISSION_DENIED",
    }
    assert (
        _call(emu, "PUT", f"/v4/spreadsheets/{sid}/values/A1?valueInputOption=RAW", {"values": [["x"]]})[0]
        == 403
    )
    emu.allow(sid)
    assert gc.open_by_key(sid).title == "Untitled spreadsheet"


def test_injected_503_then_success_and_429_quota_body(emu: SheetsEmulator, gc: gspread.Client) -> None:
    sid = emu.create_spreadsheet(sheets={"Sheet1": [["a"]]})
    ws = gc.open_by_key(sid).sheet1
    emu.fail_next(503)
    with pytest.raises(APIError) as err:
        ws.get_all_values()
    assert err.value.code == 503 and err.value.error["status"] == "UNAVAILABLE"
    assert ws.get_all_values() == [["a"]]
    emu.fail_next(429, times=2, kind="values.update")
    assert ws.get_all_values() == [["a"]]  # other kinds pass
    for _ in range(2):
        with pytest.raises(APIError) as err:
            ws.update([["b"]], "A1")
        assert err.value.error["status"] == "RESOURCE_EXHAUSTED"
        assert "Write requests" in err.value.error["message"]
    ws.update([["b"]], "A1")
    assert emu.values(sid, "Sheet1") == [["b"]]
    statuses = [(r.kind, r.status) for r in emu.requests if r.kind == "values.update"]
    assert statuses == [("values.update", 429), ("values.update", 429), ("values.update", 200)]


def test_unknown_tab_grid_limits_and_cell_size(emu: SheetsEmulator, gc: gspread.Client) -> None:
    sid = emu.create_spreadsheet(sheets={"Lighthouse Results": []}, rows=3, cols=2)
    hc = gc.http_client
    with pytest.raises(APIError, match=r"Unable to parse range: Novice!C3:C14"):
        hc.values_get(sid, "Novice!C3:C14")
    with pytest.raises(APIError) as err:
        hc.values_update(
            sid, "'Lighthouse Results'!A4", params={"valueInputOption": "RAW"}, body={"values": [["x"]]}
        )
    assert err.value.error["message"] == (
        "Range ('Lighthouse Results'!A4) exceeds grid limits. Max rows: 3, max columns: 2"
    )
    with pytest.raises(APIError, match="exceeds grid limits"):
        hc.values_update(
            sid, "'Lighthouse Results'!A1", params={"valueInputOption": "RAW"}, body={"values": [[1, 2, 3]]}
        )
    # reads that overlap the grid are clipped; reads entirely outside it are errors
    assert hc.values_get(sid, "'Lighthouse Results'!A1:ZZ1")["range"] == "'Lighthouse Results'!A1:B1"
    with pytest.raises(APIError, match="exceeds grid limits"):
        hc.values_get(sid, "'Lighthouse Results'!A10:B12")
    with pytest.raises(APIError) as err:
        hc.values_update(
            sid,
            "'Lighthouse Results'!A1",
            params={"valueInputOption": "RAW"},
            body={"values": [["x" * 50_001]]},
        )
    assert (
        err.value.error["message"]
        == "Your input contains more than the maximum of 50000 characters in a single cell."
    )
    hc.values_update(
        sid, "'Lighthouse Results'!A1", params={"valueInputOption": "RAW"}, body={"values": [["x" * 50_000]]}
    )
    assert len(emu.values(sid, "Lighthouse Results")[0][0]) == 50_000


def test_requests_are_recorded_with_kind_params_and_auth(emu: SheetsEmulator, gc: gspread.Client) -> None:
    sid = emu.create_spreadsheet(sheets={"Sheet1": []})
    ws = gc.open_by_key(sid).sheet1
    emu.reset_requests()
    ws.update([["x"]], "A1")
    gc.http_client.values_batch_get(sid, ["'Sheet1'!A1", "'Sheet1'!B1"])
    first, second = emu.requests
    assert first == SheetRequest(
        "PUT",
        f"/v4/spreadsheets/{sid}/values/'Sheet1'!A1",
        {"valueInputOption": "RAW"},
        {"values": [["x"]], "majorDimension": None},
        200,
        "values.update",
        False,
        sid,
    )
    assert second.kind == "values.batchGet" and second.params["ranges"] == ["'Sheet1'!A1", "'Sheet1'!B1"]
    _call(emu, "GET", f"/v4/spreadsheets/{sid}", headers={"Authorization": "Bearer t"})
    assert emu.requests[-1].authorized is True
    assert emu.requests_by_kind == {"values.update": 1, "values.batchGet": 1, "spreadsheets.get": 1}


def test_concurrent_appends_lose_no_rows(emu: SheetsEmulator) -> None:
    sid = emu.create_spreadsheet(sheets={"S": [["h"]]})

    def worker(n: int) -> None:
        for i in range(10):
            _call(
                emu,
                "POST",
                f"/v4/spreadsheets/{sid}/values/S!A1:append?valueInputOption=RAW",
                {"values": [[f"{n}-{i}"]]},
            )

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = [r[0] for r in emu.values(sid, "S")[1:]]
    assert sorted(rows) == sorted(f"{n}-{i}" for n in range(8) for i in range(10))


def test_gspread_over_http_on_localhost(emu: SheetsEmulator) -> None:
    sid = emu.create_spreadsheet("Served", {"Videos": [HEADER]})
    with serve(emu) as server:

        class LocalHTTPClient(gspread.HTTPClient):
            def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
                endpoint = endpoint.replace("https://sheets.googleapis.com", server.url)
                return super().request(method, endpoint, *args, **kwargs)

        gc = gspread.Client(
            auth=AnonymousCredentials(), session=requests.Session(), http_client=LocalHTTPClient
        )
        ws = gc.open_by_key(sid).worksheet("Videos")
        ws.append_row(
            ["Chan", "2024-01-15", "Long", 61, "It's 'quoted'", "https://youtu.be/x", 10, "", "", "x"]
        )
        assert ws.get_all_values()[1][:5] == ["Chan", "2024-01-15", "Long", "61", "It's 'quoted'"]
        with pytest.raises(SpreadsheetNotFound):
            gc.open_by_key("nope")
    assert emu.requests[0].path == f"/v4/spreadsheets/{sid}"
    assert emu.values(sid, "Videos")[1][3] == 61


# ---------------------------------------------------------------------------------------------
# A1 notation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A1", A1Range(None, 0, 0, 0, 0, anchor=True, cells="A1")),
        ("A1:C5", A1Range(None, 0, 0, 4, 2, cells="A1:C5")),
        ("c5:a1", A1Range(None, 0, 0, 4, 2, cells="c5:a1")),
        ("$B$2", A1Range(None, 1, 1, 1, 1, anchor=True, cells="$B$2")),
        ("Sheet1", A1Range("Sheet1")),
        ("My Tab", A1Range("My Tab")),
        ("'My Tab'", A1Range("My Tab")),
        ("'My Tab'!A1:C5", A1Range("My Tab", 0, 0, 4, 2, cells="A1:C5")),
        ("'It''s'!B2", A1Range("It's", 1, 1, 1, 1, anchor=True, cells="B2")),
        ("'a!b'!A1", A1Range("a!b", 0, 0, 0, 0, anchor=True, cells="A1")),
        ("Class Data!A2:E", A1Range("Class Data", 1, 0, None, 4, cells="A2:E")),
        ("Videos!A:J", A1Range("Videos", 0, 0, None, 9, cells="A:J")),
        ("Videos!A2:B", A1Range("Videos", 1, 0, None, 1, cells="A2:B")),
        ("Sheet1!A1:1", A1Range("Sheet1", 0, 0, 0, None, cells="A1:1")),
        ("Sheet1!2:3", A1Range("Sheet1", 1, 0, 2, None, cells="2:3")),
        ("Sheet1!A:B5", A1Range("Sheet1", 0, 0, 4, 1, cells="A:B5")),
        ("AA10:AB11", A1Range(None, 9, 26, 10, 27, cells="AA10:AB11")),
    ],
)
def test_parse_a1(text: str, expected: A1Range) -> None:
    assert parse_a1(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "'unterminated",
        "'x'A1",
        "Sheet1!",
        "!A1",
        "Sheet1!A0",
        "Sheet1!A",
        "Sheet1!1",
        "Sheet1!A1:B2:C3",
        "'x'!A1:[5",
        "Sheet1!2:B",
    ],
)
def test_parse_a1_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_a1(text)


@pytest.mark.parametrize(
    ("text", "status", "shown"),
    [
        ("Sheet1", 200, "Sheet1!A1:Z1000"),
        ("sheet1!b2", 200, "Sheet1!B2"),
        ("A1:B2", 200, "Sheet1!A1:B2"),
        ("'My Tab'!A:B", 200, "'My Tab'!A1:B1000"),
        ("My Tab!A2:C", 200, "'My Tab'!A2:C1000"),
        ("'It''s'!1:2", 200, "'It''s'!A1:Z2"),
        ("Nope!A1", 400, "Unable to parse range: Nope!A1"),
        ("Sheet1!A1:Q", 200, "Sheet1!A1:Q1000"),
    ],
)
def test_ranges_resolve_against_tabs_and_are_named_like_google(
    emu: SheetsEmulator, text: str, status: int, shown: str
) -> None:
    sid = emu.create_spreadsheet(sheets={"Sheet1": [], "My Tab": [], "It's": []})
    got_status, body = _call(
        emu, "GET", f"/v4/spreadsheets/{sid}/values/{requests.utils.quote(text, safe='')}"
    )
    assert got_status == status
    assert (body["range"] if status == 200 else body["error"]["message"]) == shown


@pytest.mark.parametrize(
    ("title", "quoted"),
    [
        ("Sheet1", "Sheet1"),
        ("My Tab", "'My Tab'"),
        ("It's", "'It''s'"),
        ("A1", "'A1'"),
        ("R1C1", "'R1C1'"),
        ("2024", "'2024'"),
        ("data_v2", "data_v2"),
    ],
)
def test_quote_sheet_name(title: str, quoted: str) -> None:
    assert quote_sheet_name(title) == quoted


def test_column_letters_round_trip() -> None:
    assert [col_letter(i) for i in (0, 25, 26, 701, 702, 18277)] == ["A", "Z", "AA", "ZZ", "AAA", "ZZZ"]
    assert all(col_index(col_letter(i)) == i for i in range(0, 20000, 37))
    assert format_range("My Tab", 0, 0, 0, 0) == "'My Tab'!A1"
    assert format_range("S", 1, 2, 3, 4) == "S!C2:E4"
