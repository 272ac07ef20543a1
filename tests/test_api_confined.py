"""Confined writes: a local target through the REST API (and the app) stays inside $Y2S_DATA_DIR/workbooks.

Issue 10: the old API wrote wherever it was told (`"sheet": "~/x.csv"`, `"../../.."`, absolute paths).
Each escape form below is refused with 400 by /push and /process, and nothing appears outside the
folder; a symlink planted in the folder cannot lead a write (or a read) out of it. Google targets can
be restricted to Y2S_API_ALLOWED_SHEETS. The rule is the core's ``sheets.confined_path``, the one the
app's Push page uses too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.api_helpers import AUTH, TOKEN, api_client
from tests.conftest import video_row
from y2s_core import sheets
from y2s_core.api import ApiConfig
from y2s_core.dashboard import forms
from y2s_core.errors import InputError
from y2s_core.settings import Settings

V1 = "/api/v1"
SHEET_KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"") for p in root.rglob("*")
            if not p.is_symlink()}


@pytest.fixture
def box(tmp_path, monkeypatch):
    """A sandbox: HOME and the working directory inside it, the data dir two levels down."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "cwd" / "deep"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    data = tmp_path / "srv" / "data"
    return tmp_path, data


ESCAPES = [
    "{abs}/evil.csv", "{abs}/evil.xlsx", "../evil.csv", "../../evil.csv", "../../../../../../tmp/evil.csv",
    "workbooks/../../evil.csv", "sub/evil.csv", "./evil.csv", "~/evil.csv", "~root/evil.csv", "~evil.csv",
    "..\\evil.csv", "C:\\evil.csv", "C:evil.csv", "\\\\server\\share\\evil.csv", "file:///{abs}/evil.csv",
    "evil.csv\x00.txt", "evil\n.csv", ".evil.csv", "..", "evil.csv/", " ../evil.csv ",
]


@pytest.mark.parametrize("route", ["push", "process"])
@pytest.mark.parametrize("form", ESCAPES)
def test_every_path_escape_is_refused_and_nothing_is_written_outside(box, form, route):
    root, data = box
    client = api_client(Settings(data_dir=data))
    sheet = form.format(abs=root)
    before = _tree(root)
    body = {"sheet": sheet, "tab": "Videos"}
    if route == "push":
        body["rows"] = [video_row(1), video_row(2)]
    else:
        body.update(channels="@oldschool", filters={"max_videos": 2})
    r = client.post(f"{V1}/{route}", headers=AUTH, json=body)
    assert r.status_code == 400, (sheet, r.text)
    assert r.json()["kind"] == "InputError" and set(r.json()) == {"error", "kind"}
    after = _tree(root)
    assert {k for k in after if k not in before} <= {"srv", "srv/data", "srv/data/y2s.sqlite"}, sheet
    assert all(after[k] == v for k, v in before.items())


def test_a_symlink_in_the_workbooks_folder_cannot_lead_a_write_or_a_read_out(box):
    root, data = box
    client = api_client(Settings(data_dir=data))
    folder = data / "workbooks"
    folder.mkdir(parents=True)
    outside = root / "secret.csv"
    outside.write_text("Video ID,Title\nabc,private\n", encoding="utf-8")
    (folder / "link.csv").symlink_to(outside)
    (folder / "dangling.csv").symlink_to(root / "created-outside.csv")
    (folder / "dir").symlink_to(root, target_is_directory=True)
    for name in ("link.csv", "dangling.csv"):
        for dry_run in (True, False):
            r = client.post(f"{V1}/push", headers=AUTH, json={"rows": [video_row(1)], "sheet": name, "dry_run": dry_run})
            assert r.status_code == 400 and "outside the workbooks folder" in r.json()["error"], r.text
    assert outside.read_text(encoding="utf-8") == "Video ID,Title\nabc,private\n"
    assert not (root / "created-outside.csv").exists()
    r = client.post(f"{V1}/push", headers=AUTH, json={"rows": [video_row(1)], "sheet": "dir/x.csv"})
    assert r.status_code == 400 and not (root / "x.csv").exists()


def test_a_symlinked_data_dir_is_fine(box):
    root, data = box
    real = root / "volume"
    real.mkdir()
    data.parent.mkdir(parents=True)
    data.symlink_to(real, target_is_directory=True)  # e.g. a mounted volume
    client = api_client(Settings(data_dir=data))
    r = client.post(f"{V1}/push", headers=AUTH, json={"rows": [video_row(1)], "sheet": "ok.csv"})
    assert r.status_code == 200 and (real / "workbooks" / "ok.csv").is_file()


@pytest.mark.parametrize("name", ["videos.xlsx", "Team Videos 2025.csv", "résumé.xlsx", "a..b.csv", "x.CSV",
                                  "%2e%2e%2fevil.csv"])  # JSON text is not URL-decoded: a literal (odd) name
def test_plain_names_are_written_inside_the_workbooks_folder(box, name):
    _, data = box
    client = api_client(Settings(data_dir=data))
    r = client.post(f"{V1}/push", headers=AUTH, json={"rows": [video_row(1)], "sheet": name})
    assert r.status_code == 200, r.text
    assert r.json()["target"] == name and (data / "workbooks" / name).is_file()


def test_the_app_and_the_api_share_one_rule_and_one_folder(box):
    _, data = box
    settings = Settings(data_dir=data)
    app_target = forms.push_target(forms.LOCAL, "", "shared.xlsx", "Videos", settings)
    assert app_target.path == sheets.local_workbook(settings, "shared.xlsx") == (data / "workbooks" / "shared.xlsx")
    for name in ("../x.xlsx", "~/x.xlsx", "/tmp/x.xlsx"):
        with pytest.raises(InputError) as app_error:
            forms.push_target(forms.LOCAL, "", name, "Videos", settings)
        with pytest.raises(InputError) as core_error:
            sheets.confined_path(sheets.workbooks_dir(settings), name)
        assert str(app_error.value) == str(core_error.value)
    client = api_client(settings)
    client.post(f"{V1}/push", headers=AUTH, json={"rows": [video_row(1)], "sheet": "shared.xlsx"})
    assert sheets.push([video_row(1)], app_target.open(settings), dry_run=True).plan.unchanged == 1  # the app sees it


def test_a_workbook_at_the_old_place_moves_into_the_workbooks_folder(box):
    _, data = box
    settings = Settings(data_dir=data)
    data.mkdir(parents=True)
    old = data / sheets.DEFAULT_WORKBOOK_NAME
    sheets.push([video_row(1), video_row(2)], sheets.LocalWorkbookTarget(old))  # written by an older app
    target = sheets.default_target(settings)
    assert target.path == data / "workbooks" / sheets.DEFAULT_WORKBOOK_NAME and not old.exists()
    assert sheets.push([video_row(1), video_row(2)], target, dry_run=True).plan.unchanged == 2  # nothing lost


def test_an_old_place_symlink_is_not_adopted(box):
    root, data = box
    data.mkdir(parents=True)
    elsewhere = root / "elsewhere.xlsx"
    sheets.push([video_row(1)], sheets.LocalWorkbookTarget(elsewhere))
    os.symlink(elsewhere, data / "linked.xlsx")
    path = sheets.local_workbook(Settings(data_dir=data), "linked.xlsx")
    assert not path.exists() and (data / "linked.xlsx").is_symlink() and elsewhere.is_file()


# ------------------------------------------------------------------------------------- Google targets


def test_google_targets_can_be_restricted_to_allowed_sheets(tmp_path, sheets_emu, sheets_server):
    sheets_emu.create_spreadsheet("allowed", spreadsheet_id=SHEET_KEY)
    other = "9ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210_-zyxw"
    sheets_emu.create_spreadsheet("other", spreadsheet_id=other)
    settings = Settings(sheets_api_url=sheets_server.url, data_dir=tmp_path)
    config = ApiConfig.from_env({"Y2S_API_TOKEN": TOKEN, "Y2S_API_ALLOWED_SHEETS": f"{SHEET_KEY}, someotherkey"})
    client = api_client(settings, config)
    sheets_emu.reset_requests()
    for spec in (other, f"https://docs.google.com/spreadsheets/d/{other}/edit#gid=0"):
        for route, extra in (("push", {"rows": [video_row(1)]}), ("process", {"channels": "@oldschool"})):
            r = client.post(f"{V1}/{route}", headers=AUTH, json={"sheet": spec, **extra})
            assert r.status_code == 403 and r.json()["kind"] == "SheetNotAllowed", r.text
    assert sheets_emu.requests_by_kind == {}  # refused before any Sheets request
    ok = client.post(f"{V1}/push", headers=AUTH, json={"rows": [video_row(1)], "sheet": SHEET_KEY})
    assert ok.status_code == 200 and ok.json()["new"] == 1 and ok.json()["url"].startswith("https://docs.google.com/")
    assert len(sheets_emu.values(SHEET_KEY, "Videos")) == 2 and sheets_emu.values(other, "Sheet1") == []


def test_without_an_allow_list_any_shared_sheet_is_a_target(tmp_path, sheets_emu, sheets_server):
    sheets_emu.create_spreadsheet("any", spreadsheet_id=SHEET_KEY)
    client = api_client(Settings(sheets_api_url=sheets_server.url, data_dir=tmp_path))
    r = client.post(f"{V1}/push", headers=AUTH, json={"rows": [video_row(1)],
                                                      "sheet": f"https://docs.google.com/spreadsheets/d/{SHEET_KEY}/edit"})
    assert r.status_code == 200 and r.json()["new"] == 1 and r.json()["requests"] >= 2


@pytest.mark.parametrize("spec", ["hello", "https://docs.google.com/spreadsheets/d/short/edit", "notes.txt", ""])
def test_a_target_that_is_neither_a_sheet_nor_a_workbook_is_a_400(tmp_path, spec):
    client = api_client(Settings(data_dir=tmp_path))
    r = client.post(f"{V1}/push", headers=AUTH, json={"rows": [video_row(1)], "sheet": spec})
    assert r.status_code == 400 and r.json()["kind"] == "InputError", r.text
