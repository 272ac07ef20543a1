"""The same upsert behaviour on every target: Google Sheets (real gspread against the emulator), .xlsx, .csv."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from y2s_core.errors import InputError, SheetsError
from y2s_core.settings import Settings
from y2s_core.sheets import (
    EXTRA_COLUMNS,
    MAX_CELL_CHARS,
    STANDARD_COLUMNS,
    GoogleSheetTarget,
    LocalWorkbookTarget,
    RetryPolicy,
    SheetTarget,
    push,
    workbook_bytes,
)
from y2s_core.sheets.cells import TRUNCATION_MARKER

from .conftest import video_row

ORIGINAL = ["Channel", "Date", "Type", "Duration", "Title", "URL", "Views", "Likes", "NotebookLM"]
FULL = list(STANDARD_COLUMNS + EXTRA_COLUMNS)
TRICKY_TITLES = ["=IMPORTXML(\"https://x\",\"//a\")", "+1 trick", "-20%", "@home", "=1+1"]




def norm(v: Any) -> str:
    """One spelling for a cell whatever the target stores (bool/number/text)."""
    if v is True:
        return "TRUE"
    if v is False:
        return "FALSE"
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def norm_grid(grid: list[list[Any]]) -> list[list[str]]:
    out = [[norm(v) for v in row] for row in grid]
    for row in out:
        while row and row[-1] == "":
            row.pop()
    while out and not out[-1]:
        out.pop()
    return out


def as_records(grid: list[list[str]]) -> list[dict[str, str]]:
    header = grid[0]
    return [dict(zip(header, row + [""] * (len(header) - len(row)), strict=False)) for row in grid[1:]]


# ----------------------------------------------------------------- harnesses


class Harness:
    kind = ""

    def seed(self, grid: list[list[Any]]) -> None:
        raise NotImplementedError

    def target(self) -> SheetTarget:
        """A fresh target, as a new run of the app/CLI would make."""
        raise NotImplementedError

    def grid(self) -> list[list[str]]:
        raise NotImplementedError


class XlsxHarness(Harness):
    kind = "xlsx"

    def __init__(self, tmp: Path) -> None:
        self.path = tmp / "videos.xlsx"

    def seed(self, grid):
        wb = openpyxl.Workbook()
        wb.active.title = "Other"
        wb.active["A1"] = "keep me"
        ws = wb.create_sheet("Videos")
        for row in grid:
            ws.append(row)
        wb.save(self.path)

    def target(self):
        return LocalWorkbookTarget(self.path, "Videos")

    def grid(self):
        wb = openpyxl.load_workbook(self.path)
        return norm_grid([list(r) for r in wb["Videos"].iter_rows(values_only=True)])


class CsvHarness(Harness):
    kind = "csv"

    def __init__(self, tmp: Path) -> None:
        self.path = tmp / "videos.csv"

    def seed(self, grid):
        with self.path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([[norm(v) for v in row] for row in grid])

    def target(self):
        return LocalWorkbookTarget(self.path)

    def grid(self):
        with self.path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        # a CSV keeps formula-looking text as text by a leading ' (see LocalWorkbookTarget)
        return norm_grid([[c[1:] if c[:2] in ("'=", "'+", "'-", "'@") else c for c in r] for r in rows])


class GoogleHarness(Harness):
    kind = "google-emulator"

    def __init__(self) -> None:
        from y2s_core.emulators.sheets import SheetsEmulator

        self.emu = SheetsEmulator(autocreate=False)
        self.sid: str | None = None

    def seed(self, grid):
        self.sid = self.emu.create_spreadsheet(title="T", sheets={"Videos": grid})

    def target(self):
        from y2s_core.emulators.transport import requests_session

        if self.sid is None:
            self.sid = self.emu.create_spreadsheet(title="T", sheets={"Sheet1": []})
        return GoogleSheetTarget(self.sid, "Videos", settings=Settings(), session=requests_session(self.emu),
                                 retry=RetryPolicy(sleep=lambda s: None))

    def grid(self):
        return norm_grid(self.emu.values(self.sid, "Videos"))


@pytest.fixture(params=["google-emulator", "xlsx", "csv"])
def harness(request, tmp_path) -> Harness:
    if request.param == "xlsx":
        return XlsxHarness(tmp_path)
    if request.param == "csv":
        return CsvHarness(tmp_path)
    return GoogleHarness()


# ----------------------------------------------------------------- shared upsert behaviour


def test_first_push_creates_the_tab_with_header_and_rows(harness):
    result = push([video_row(i) for i in range(3)], harness.target())
    assert result.plan.summary() == "3 new, 0 updated, 0 unchanged"
    grid = harness.grid()
    assert grid[0] == FULL
    recs = as_records(grid)
    assert [r["Video ID"] for r in recs] == ["vid00000000", "vid00000001", "vid00000002"]
    assert recs[0]["NotebookLM"] == "FALSE" and recs[0]["Views"] == "100" and recs[0]["Date"] == "2024-05-01"
    assert recs[0]["Duration"] == "1:15" and recs[0]["URL"] == "https://www.youtube.com/watch?v=vid00000000"


def test_push_twice_adds_no_duplicates_and_refreshes_only_changed_stats(harness):
    rows = [video_row(i) for i in range(6)]
    push(rows, harness.target())
    before = harness.grid()
    rows[1] = video_row(1, views=5000)
    rows[4] = video_row(4, likes=77)
    rows.append(video_row(6))
    second = push(rows, harness.target())
    p = second.plan
    assert (p.new, p.updated, p.unchanged) == (1, 2, 4)
    assert sorted((p.header[u.col], u.value) for u in p.updates) == [("Likes", 77), ("Views", 5000)]
    after = harness.grid()
    ids = [r["Video ID"] for r in as_records(after)]
    assert ids == [f"vid{i:08d}" for i in range(7)]
    assert as_records(after)[1]["Views"] == "5000" and as_records(after)[4]["Likes"] == "77"
    assert after[:2] == before[:2] and after[3:5] == before[3:5]  # untouched rows identical
    third = push(rows, harness.target())
    assert third.plan.summary() == "0 new, 0 updated, 7 unchanged"
    assert harness.grid() == after


def test_original_layout_keeps_ticks_and_notes_and_refreshes_stats(harness):
    harness.seed([
        ORIGINAL + ["Notes"],
        ["Chan", "2024-05-01", "Long", "1:15", "My own title", "https://www.youtube.com/watch?v=vid00000001", 5, 1,
         True, "watch later"],
        ["Chan", "2024-05-01", "Long", "1:15", "Another", "https://youtu.be/vid00000002", 7, 2, False, "skip"],
    ])
    push([video_row(1, views=50, likes=3), video_row(2, views=7, likes=2), video_row(3)], harness.target())
    grid = harness.grid()
    assert grid[0] == ORIGINAL + ["Notes", "Video ID"]
    recs = as_records(grid)
    assert [r["NotebookLM"] for r in recs] == ["TRUE", "FALSE", "FALSE"]
    assert [r["Notes"] for r in recs] == ["watch later", "skip", ""]
    assert recs[0]["Title"] == "My own title"
    assert (recs[0]["Views"], recs[0]["Likes"]) == ("50", "3")
    assert [r["Video ID"] for r in recs] == ["vid00000001", "vid00000002", "vid00000003"]
    again = push([video_row(1, views=50, likes=3), video_row(2, views=7, likes=2), video_row(3)], harness.target())
    assert again.plan.summary() == "0 new, 0 updated, 3 unchanged"


def test_reordered_columns_are_respected(harness):
    header = ["Video ID", "Likes", "Notes", "Views", "Title", "URL", "NotebookLM", "Date", "Channel", "Type",
              "Duration"]
    harness.seed([header, ["vid00000001", 1, "mine", 2, "t", "https://youtu.be/vid00000001", True, "2024-05-01",
                           "Chan", "Long", "1:15"]])
    push([video_row(1, views=20, likes=4), video_row(2, views=30, likes=5)], harness.target())
    grid = harness.grid()
    assert grid[0] == header  # nothing missing, nothing moved
    recs = as_records(grid)
    assert recs[0] == {**recs[0], "Views": "20", "Likes": "4", "Notes": "mine", "NotebookLM": "TRUE"}
    assert recs[1]["Video ID"] == "vid00000002" and recs[1]["Views"] == "30" and recs[1]["Likes"] == "5"
    assert recs[1]["NotebookLM"] == "FALSE" and recs[1]["Notes"] == "" and recs[1]["Channel"] == "Chan"


def test_formula_looking_titles_stay_literal_text(harness):
    rows = [video_row(i, title=t) for i, t in enumerate(TRICKY_TITLES)]
    push(rows, harness.target())
    assert [r["Title"] for r in as_records(harness.grid())] == TRICKY_TITLES


def test_long_cells_are_truncated_with_a_marker(harness):
    push([video_row(1, title="y" * (MAX_CELL_CHARS + 100))], harness.target())
    title = as_records(harness.grid())[0]["Title"]
    assert title.endswith(TRUNCATION_MARKER)
    assert len(title) <= MAX_CELL_CHARS


def test_duplicates_already_in_the_sheet_are_reported_not_multiplied(harness):
    row = ["Chan", "2024-05-01", "Long", "1:15", "t", "https://youtu.be/vid00000001", 1, 1, False, "vid00000001"]
    harness.seed([list(STANDARD_COLUMNS), row, list(row)])
    result = push([video_row(1, views=9), video_row(2)], harness.target())
    assert result.plan.duplicates_in_sheet == ["vid00000001"]
    recs = as_records(harness.grid())
    assert [r["Video ID"] for r in recs] == ["vid00000001", "vid00000001", "vid00000002"]
    assert [r["Views"] for r in recs] == ["9", "9", "100"]


def test_dry_run_plans_without_writing(harness):
    harness.seed([list(STANDARD_COLUMNS), ["Chan", "2024-05-01", "Long", "1:15", "t", "https://youtu.be/vid00000001",
                                           1, 1, True, "vid00000001"]])
    before = harness.grid()
    result = push([video_row(1, views=9), video_row(2)], harness.target(), dry_run=True)
    assert result.dry_run and result.plan.summary() == "1 new, 1 updated, 0 unchanged"
    assert harness.grid() == before


def test_a_title_row_blank_rows_and_a_header_only_tab(harness):
    harness.seed([["My list"], [], ORIGINAL + ["Video ID"]])  # header only, under a title and a blank row
    push([video_row(1), video_row(2)], harness.target())
    grid = harness.grid()
    assert grid[:3] == [["My list"], [], ORIGINAL + ["Video ID"]]
    assert [r[9] for r in grid[3:]] == ["vid00000001", "vid00000002"]
    harness.seed(grid[:4] + [[], []] + grid[4:])  # the user leaves blank rows between data rows
    second = push([video_row(1, views=3), video_row(2), video_row(3)], harness.target())
    assert second.plan.summary() == "1 new, 1 updated, 1 unchanged"
    grid = harness.grid()
    assert grid[4:6] == [[], []] and [r[9] for r in grid[3:] if r] == ["vid00000001", "vid00000002", "vid00000003"]
    assert grid[3][6] == "3"


def test_a_hyperlink_formula_url_keys_the_row(harness):
    link = '=HYPERLINK("https://youtu.be/vid00000001","watch")'
    harness.seed([ORIGINAL, ["Chan", "2024-05-01", "Long", "1:15", "t", link, 1, 1, True]])
    result = push([video_row(1, views=6)], harness.target())
    assert result.plan.summary() == "0 new, 1 updated, 0 unchanged"
    recs = as_records(harness.grid())
    assert len(recs) == 1 and recs[0]["Views"] == "6" and recs[0]["Video ID"] == "vid00000001"
    assert recs[0]["NotebookLM"] == "TRUE"


# ----------------------------------------------------------------- local specifics


def test_xlsx_keeps_other_tabs_and_stores_formula_text_as_strings(tmp_path):
    h = XlsxHarness(tmp_path)
    h.seed([])
    push([video_row(1, title="=HYPERLINK(\"x\")")], h.target())
    wb = openpyxl.load_workbook(h.path)
    assert wb["Other"]["A1"].value == "keep me"
    title = wb["Videos"]["E2"]
    assert title.value == "=HYPERLINK(\"x\")" and title.data_type == "s"
    sheet_xml = zipfile.ZipFile(h.path).read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in sheet_xml  # no formula stored anywhere


def test_xlsx_new_file_gets_the_requested_tab(tmp_path):
    target = LocalWorkbookTarget(tmp_path / "sub" / "out.xlsx", "My videos")
    assert target.read() == []
    push([video_row(1)], target)
    wb = openpyxl.load_workbook(tmp_path / "sub" / "out.xlsx")
    assert wb.sheetnames == ["My videos"]
    assert wb["My videos"].freeze_panes == "A2"


@pytest.mark.parametrize(
    "title, stored",
    [("=1+1", "'=1+1"), ("-20%", "'-20%"), ("@home", "'@home"), ("+1 trick", "'+1 trick"), ("'quoted'", "'quoted'"),
     ("'=x", "''=x"), ("''@y", "'''@y"), ("plain", "plain")],
)
def test_csv_prefixes_formula_looking_text_and_reads_it_back(tmp_path, title, stored):
    target = LocalWorkbookTarget(tmp_path / "v.csv")
    push([video_row(1, title=title)], target)
    rows = list(csv.reader(io.StringIO((tmp_path / "v.csv").read_text(encoding="utf-8-sig"))))
    assert rows[1][4] == stored
    assert target.read()[1][4] == title
    assert push([video_row(1, title=title)], target).plan.summary() == "0 new, 0 updated, 1 unchanged"


def test_csv_cells_already_in_the_file_are_written_back_as_they_were(tmp_path):
    path = tmp_path / "v.csv"
    lines = [",".join(ORIGINAL + ["Notes"]),
             "Chan,2024-05-01,Long,1:15,t,https://youtu.be/vid00000001,1,1,TRUE,=SUM(1;2)",
             "Chan,2024-05-01,Long,1:15,'-x,https://youtu.be/vid00000002,1,1,FALSE,'=kept"]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    push([video_row(1, views=1, likes=1), video_row(2, views=1, likes=1), video_row(3, title="=evil()")],
         LocalWorkbookTarget(path))
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[1][:10] == lines[1].split(",") and rows[2][:10] == lines[2].split(",")
    assert rows[3][4] == "'=evil()" and rows[0][-1] == "Video ID"


def test_broken_xlsx_is_a_sheets_error(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(SheetsError, match="not a valid .xlsx"):
        push([video_row(1)], LocalWorkbookTarget(bad))
    assert bad.read_bytes() == b"not a zip"


def test_local_target_rejects_other_extensions_and_folders(tmp_path):
    with pytest.raises(InputError):
        LocalWorkbookTarget(tmp_path / "v.ods")
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(InputError, match="folder"):
        LocalWorkbookTarget(folder).read()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_workbook_bytes_match_a_fresh_push(tmp_path, fmt):
    rows = [video_row(i, title=t) for i, t in enumerate(TRICKY_TITLES)]
    data = workbook_bytes(rows, fmt)
    pushed = tmp_path / f"p.{fmt}"
    push(rows, LocalWorkbookTarget(pushed))
    downloaded = tmp_path / f"d.{fmt}"
    downloaded.write_bytes(data)
    assert LocalWorkbookTarget(downloaded).read() == LocalWorkbookTarget(pushed).read()
    assert LocalWorkbookTarget(downloaded).read()[0] == FULL
    if fmt == "xlsx":
        assert openpyxl.load_workbook(io.BytesIO(data))["Videos"]["E2"].data_type == "s"


def test_default_target_is_a_workbook_in_the_data_dir(tmp_path):
    from y2s_core.sheets import default_target

    target = default_target(Settings(data_dir=tmp_path / "data"))
    push([video_row(1)], target)
    assert target.path == tmp_path / "data" / "workbooks" / "youtube2sheets.xlsx" and target.path.is_file()
    assert push([video_row(1)], default_target(Settings(data_dir=tmp_path / "data"))).plan.unchanged == 1


@pytest.mark.parametrize("spec", ["~.XLSX", "~nosuchuser/videos.csv"])
def test_a_tilde_name_without_a_home_folder_is_a_clear_input_error(spec):
    # pathlib raises RuntimeError for ~name when no user has that name (found by the fuzz run: "~.XLSX")
    from y2s_core import schedule
    from y2s_core.sheets import open_target

    with pytest.raises(InputError, match="no such home folder"):
        open_target(spec, "Videos", Settings(sheets_api_url="http://127.0.0.1:9"))
    with pytest.raises(InputError, match="no such home folder"):
        schedule.load(spec)
