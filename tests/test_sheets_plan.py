"""The pure upsert planner and its helpers (no I/O)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from y2s_core import channel_input
from y2s_core.errors import InputError, PermissionDenied
from y2s_core.models import Video, VideoType
from y2s_core.settings import Settings
from y2s_core.sheets import (
    EXTRA_COLUMNS,
    MAX_CELL_CHARS,
    STANDARD_COLUMNS,
    CellUpdate,
    GoogleSheetTarget,
    LocalWorkbookTarget,
    RetryPolicy,
    apply_to_grid,
    cell_blocks,
    find_header_row,
    open_target,
    parse_spreadsheet_key,
    plan_upsert,
    row_to_cells,
    video_id_from_url,
)
from y2s_core.sheets.cells import TRUNCATION_MARKER

from .video_links import sheet_only_video_links, video_links

ORIGINAL = ["Channel", "Date", "Type", "Duration", "Title", "URL", "Views", "Likes", "NotebookLM"]


def video_row(i: int, views: int | None = 100, likes: int | None = 10, **kw) -> dict:
    vid = f"vid{i:08d}"
    v = Video(
        id=vid,
        channel_id="UCabcdefghijklmnopqrstuv",
        channel_title="Chan",
        published_at=datetime(2024, 5, 1, 12, tzinfo=timezone.utc),
        title=kw.pop("title", f"Video {i}"),
        duration_seconds=kw.pop("duration_seconds", 75),
        type=kw.pop("type", VideoType.LONG),
        views=views,
        likes=likes,
        comments=kw.pop("comments", 1),
    )
    return v.to_row()


# ----------------------------------------------------------------- cells


def test_row_to_cells_formats_every_column():
    row = video_row(1, views=1200, likes=None, duration_seconds=3723)
    row["date"] = "2024-03-01T23:30:00-05:00"  # 04:30 UTC the next day
    cells = row_to_cells(row)
    assert set(cells) == set(STANDARD_COLUMNS + EXTRA_COLUMNS)
    assert cells["Date"] == "2024-03-02"
    assert cells["Duration"] == "1:02:03"
    assert cells["Views"] == 1200 and cells["Likes"] == ""
    assert cells["NotebookLM"] is False
    assert cells["Video ID"] == "vid00000001"
    assert cells["URL"] == "https://www.youtube.com/watch?v=vid00000001"
    assert cells["Type"] == "Long" and cells["Channel ID"] == "UCabcdefghijklmnopqrstuv"


def test_row_to_cells_short_duration_and_id_from_url():
    cells = row_to_cells({"url": "https://youtu.be/dQw4w9WgXcQ", "duration_seconds": 75, "type": VideoType.SHORT,
                          "views": "3,400"})
    assert cells["Video ID"] == "dQw4w9WgXcQ"
    assert cells["Duration"] == "1:15"
    assert cells["Type"] == "Short"
    assert cells["Views"] == 3400


@pytest.mark.parametrize(
    "row",
    [{"video_id": "dQw4w9WgXcQ"}, {"video_id": " https://youtu.be/dQw4w9WgXcQ "},
     {"url": "https://www.youtube.com/shorts/dQw4w9WgXcQ"}, {"video_id": "", "url": "youtu.be/dQw4w9WgXcQ"}],
)
def test_input_rows_are_keyed_by_id_or_url(row):
    assert row_to_cells(row)["Video ID"] == "dQw4w9WgXcQ"


def test_long_text_is_truncated_with_a_marker():
    cells = row_to_cells({"video_id": "dQw4w9WgXcQ", "title": "x" * (MAX_CELL_CHARS + 10)})
    assert len(cells["Title"]) == MAX_CELL_CHARS
    assert cells["Title"].endswith(TRUNCATION_MARKER)
    assert row_to_cells({"video_id": "dQw4w9WgXcQ", "title": "short"})["Title"] == "short"


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=10", "dQw4w9WgXcQ"),
        ("http://m.youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ?si=abc", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/live/dQw4w9WgXcQ?feature=share", "dQw4w9WgXcQ"),
        ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://music.youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/watch?v=short", None),
        ("https://www.youtube.com/@handle", None),
        ("https://example.com/watch?v=dQw4w9WgXcQ", None),
        ("", None),
        ("not a url", None),
    ],
)
def test_video_id_from_url(url, expected):
    assert video_id_from_url(url) == expected


def test_sheets_reads_video_links_with_the_channel_input_parser():
    assert video_id_from_url is channel_input.video_id_from_url


# ----------------------------------------------------------------- plan


def test_plan_on_an_empty_sheet_writes_the_full_header_and_appends_everything():
    rows = [video_row(i) for i in range(3)]
    p = plan_upsert(rows, [])
    assert p.header == list(STANDARD_COLUMNS + EXTRA_COLUMNS)
    assert p.header_changed
    assert [u for u in p.updates if u.row != 0] == []
    assert [u.value for u in p.updates] == p.header
    assert (p.new, p.updated, p.unchanged) == (3, 0, 0)
    assert p.summary() == "3 new, 0 updated, 0 unchanged"
    first = dict(zip(p.header, p.appends[0], strict=False))
    assert first["NotebookLM"] is False and first["Video ID"] == "vid00000000" and first["Views"] == 100


def test_plan_against_its_own_result_changes_nothing():
    rows = [video_row(i) for i in range(5)]
    grid = apply_to_grid([], plan_upsert(rows, []))
    again = plan_upsert(rows, grid)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 5)
    assert again.appends == [] and again.updates == [] and not again.header_changed
    assert not again.has_writes


@pytest.mark.parametrize("stored", ["1200", 1200, 1200.0, " 1200 ", "1,200"])
def test_numbers_stored_as_text_or_float_do_not_count_as_changes(stored):
    rows = [video_row(1, views=1200, likes=5)]
    grid = apply_to_grid([], plan_upsert(rows, []))
    grid[1][6] = stored
    p = plan_upsert(rows, grid)
    assert p.updates == [] and p.unchanged == 1


def test_only_changed_stats_cells_are_updated():
    rows = [video_row(i) for i in range(4)]
    grid = apply_to_grid([], plan_upsert(rows, []))
    rows[2] = video_row(2, views=999)
    p = plan_upsert(rows, grid)
    assert p.updates == [CellUpdate(3, 6, 999)]
    assert (p.new, p.updated, p.unchanged) == (0, 1, 3)


def test_hidden_likes_never_erase_a_stored_count():
    rows = [video_row(1, likes=50)]
    grid = apply_to_grid([], plan_upsert(rows, []))
    p = plan_upsert([video_row(1, likes=None)], grid)
    assert p.updates == [] and p.unchanged == 1


def test_original_layout_keeps_ticks_and_user_columns_and_keys_by_url():
    header = ORIGINAL + ["Notes"]
    existing = [
        header,
        ["Chan", "2024-05-01", "Long", "1:15", "Old title", "https://www.youtube.com/watch?v=vid00000001", 5, 1,
         True, "watch later"],
        ["Chan", "2024-05-01", "Short", "0:30", "Other", "https://youtube.com/shorts/vid00000002", 7, 2, False, ""],
    ]
    rows = [video_row(1, views=50, likes=1), video_row(2, views=7, likes=2), video_row(3)]
    p = plan_upsert(rows, existing)
    assert p.header == header + ["Video ID"]  # missing standard column added after the user's column
    assert p.header_changed
    touched_cols = {u.col for u in p.updates if u.row > 0}
    assert touched_cols == {6, 10}  # Views and the new Video ID; never NotebookLM (8) or Notes (9)
    assert CellUpdate(1, 6, 50) in p.updates
    assert CellUpdate(1, 10, "vid00000001") in p.updates and CellUpdate(2, 10, "vid00000002") in p.updates
    assert (p.new, p.updated, p.unchanged) == (1, 2, 0)  # row 2 only gets its id filled in
    new_row = p.appends[0]
    assert new_row[8] is False and new_row[9] is None and new_row[10] == "vid00000003"
    assert "Title" not in {p.header[u.col] for u in p.updates}  # user-edited titles are kept


def test_reordered_and_renamed_headers_are_found_by_name():
    header = ["video id", " VIEWS ", "Title", "My notes", "url", "likes", "notebook_lm"]
    existing = [header, ["vid00000001", 1, "t", "n", "", 1, True]]
    p = plan_upsert([video_row(1, views=500, likes=1), video_row(2, views=9, likes=3)], existing)
    assert CellUpdate(1, 1, 500) in p.updates
    assert all(u.col not in (2, 3, 6) for u in p.updates if u.row > 0)
    added = p.header[len(header):]
    assert added == ["Channel", "Date", "Type", "Duration"]  # missing standard columns, in order
    new = p.appends[0]
    assert new[0] == "vid00000002" and new[1] == 9 and new[5] == 3 and new[6] is False and new[3] is None
    assert new[p.header.index("Channel")] == "Chan"


def test_new_columns_go_after_unlabelled_user_data():
    existing = [ORIGINAL, ["c", "", "", "", "", "https://youtu.be/vid00000001", 1, 1, False, "", "", "stray"]]
    p = plan_upsert([video_row(1)], existing)
    assert p.header.index("Video ID") == 12


def test_duplicates_in_the_sheet_are_reported_and_refreshed_not_multiplied():
    rows = [video_row(1), video_row(2)]
    grid = apply_to_grid([], plan_upsert(rows, []))
    grid.append(list(grid[1]))  # vid00000001 twice
    p = plan_upsert([video_row(1, views=7), video_row(2)], grid)
    assert p.duplicates_in_sheet == ["vid00000001"]
    assert p.appends == []
    assert {u.row for u in p.updates} == {1, 3}
    assert (p.new, p.updated, p.unchanged) == (0, 1, 1)
    assert any("more than once" in w for w in p.warnings)


def test_duplicate_and_idless_input_rows():
    p = plan_upsert([video_row(1), video_row(1), {"title": "no id", "url": "https://example.com"}], [])
    assert p.new == 1 and p.duplicates_in_input == 1 and p.skipped == 1
    assert len(p.appends) == 1 and len(p.warnings) == 2


@settings(max_examples=60, deadline=None)
@given(
    first=st.lists(st.integers(0, 30), max_size=15),
    second=st.lists(st.tuples(st.integers(0, 30), st.one_of(st.none(), st.integers(0, 10**6))), max_size=15),
)
def test_push_twice_converges(first, second):
    """After applying any plan, re-planning the same rows writes nothing and adds no duplicate."""
    grid = apply_to_grid([], plan_upsert([video_row(i) for i in first], []))
    rows = [video_row(i, views=v) for i, v in second]
    grid2 = apply_to_grid(grid, plan_upsert(rows, grid))
    again = plan_upsert(rows, grid2)
    assert not again.has_writes
    ids = [r[9] for r in grid2[1:]]
    assert len(ids) == len(set(ids)) == len({i for i in first} | {i for i, _ in second})


@pytest.mark.parametrize(
    "grid, expected",
    [
        ([], None),
        ([[], ["", " "]], None),
        ([ORIGINAL, ["Chan"]], 0),
        ([["My YouTube list"], [], ORIGINAL, ["Chan"]], 2),  # a title row and a blank row above the header
        ([[], ["Notes", "Views"], ["x", 1]], 1),
        ([["Notes", "Stuff"], ["a", "b"]], 0),  # no known column anywhere: the first non-blank row
        ([["title"]] + [["x"]] * 12 + [ORIGINAL], 0),  # only the top rows are searched
    ],
)
def test_find_header_row(grid, expected):
    assert find_header_row(grid) == expected


def test_a_title_row_above_the_header_is_left_alone():
    existing = [["My YouTube list"], [], ORIGINAL,
                ["Chan", "2024-05-01", "Long", "1:15", "t", "https://youtu.be/vid00000001", 1, 1, True]]
    p = plan_upsert([video_row(1, views=2), video_row(2)], existing)
    assert p.header_row == 2 and p.header == ORIGINAL + ["Video ID"]
    assert CellUpdate(2, 9, "Video ID") in p.updates and CellUpdate(3, 6, 2) in p.updates
    assert all(u.row >= 2 for u in p.updates) and p.new == 1
    grid = apply_to_grid(existing, p)
    assert grid[0] == ["My YouTube list"] and grid[4][9] == "vid00000002"
    assert not plan_upsert([video_row(1, views=2), video_row(2)], grid).has_writes


def test_blank_rows_in_the_middle_are_skipped_and_new_rows_go_after_the_last():
    rows = [video_row(i) for i in range(3)]
    grid = apply_to_grid([], plan_upsert(rows, []))
    grid.insert(2, [])  # a blank row between data rows
    grid.insert(3, ["", "", ""])
    p = plan_upsert(rows + [video_row(3)], grid)
    assert (p.new, p.unchanged, p.existing_rows) == (1, 3, 6)
    out = apply_to_grid(grid, p)
    assert out[6][9] == "vid00000003" and out[2] == [] and len(out) == 7


def test_a_header_only_sheet_gets_rows_under_the_header():
    p = plan_upsert([video_row(1)], [list(STANDARD_COLUMNS)])
    assert p.updates == [] and p.new == 1 and p.existing_rows == 1
    assert apply_to_grid([list(STANDARD_COLUMNS)], p)[1][9] == "vid00000001"


@pytest.mark.parametrize(
    "vid_cell, url_cell",
    [
        ("vid00000001", ""),
        ("", "https://www.youtube.com/shorts/vid00000001?feature=share"),
        ("", "youtu.be/vid00000001?t=42"),
        ("https://www.youtube.com/watch?v=vid00000001", ""),  # a URL pasted into the Video ID column
        ("", '=HYPERLINK("https://www.youtube.com/watch?v=vid00000001","Watch")'),
        ("=MID(F2,18,11)", "https://youtu.be/vid00000001"),  # a formula id falls back to the URL
        (" vid00000001 ", "https://youtu.be/someOtherId"),  # the Video ID cell wins
    ],
)
def test_sheet_rows_are_keyed_by_any_form_of_id_or_url(vid_cell, url_cell):
    header = ["Channel", "Date", "Type", "Duration", "Title", "URL", "Views", "Likes", "NotebookLM", "Video ID"]
    existing = [header, ["Chan", "2024-05-01", "Long", "1:15", "t", url_cell, 100, 10, False, vid_cell]]
    p = plan_upsert([video_row(1, views=100, likes=10)], existing)
    assert p.new == 0 and p.appends == []
    fills = [CellUpdate(1, 9, "vid00000001")] if not vid_cell.strip() else []  # never overwritten, only filled
    assert p.updates == fills


@pytest.mark.parametrize("link", video_links("vid00000001") + sheet_only_video_links("vid00000001"))
@pytest.mark.parametrize("formula", [False, True])
def test_sheet_rows_are_keyed_by_every_video_link_form(link, formula):
    url_cell = f'=HYPERLINK("{link}","Watch")' if formula else link
    existing = [list(STANDARD_COLUMNS), ["Chan", "2024-05-01", "Long", "1:15", "t", url_cell, 100, 10, False, ""]]
    p = plan_upsert([video_row(1, views=100, likes=10)], existing)
    assert p.new == 0 and p.appends == []
    assert p.updates == [CellUpdate(1, 9, "vid00000001")]  # the blank Video ID filled in


def test_an_upcoming_row_gets_its_type_and_duration_once_it_aired():
    rows = [video_row(1, type=VideoType.UPCOMING, duration_seconds=0)]
    grid = apply_to_grid([], plan_upsert(rows, []))
    assert grid[1][2:4] == ["Upcoming", "0:00"]
    aired = [video_row(1, type=VideoType.LIVE, duration_seconds=3725)]
    p = plan_upsert(aired, grid)
    assert sorted(p.updates) == [CellUpdate(1, 2, "Live"), CellUpdate(1, 3, "1:02:05")]
    grid = apply_to_grid(grid, p)
    assert not plan_upsert(aired, grid).has_writes
    grid[1][2] = "Long (edited)"  # a type the user typed is never overwritten
    assert not plan_upsert([video_row(1, type=VideoType.LIVE, duration_seconds=10)], grid).has_writes


# ----------------------------------------------------------------- blocks


def test_cell_blocks_merge_rows_and_columns_last_write_wins():
    ups = [CellUpdate(1, 6, 1), CellUpdate(1, 7, 2), CellUpdate(2, 6, 3), CellUpdate(2, 7, 4),
           CellUpdate(4, 6, 5), CellUpdate(4, 6, 6), CellUpdate(0, 10, "Video ID")]
    assert cell_blocks(ups) == [(0, 10, [["Video ID"]]), (1, 6, [[1, 2], [3, 4]]), (4, 6, [[6]])]


def test_cell_blocks_of_a_column_refresh_is_one_range():
    ups = [CellUpdate(r, 6, r) for r in range(1, 1001)]
    assert len(cell_blocks(ups)) == 1


# ----------------------------------------------------------------- spreadsheet specs


KEY = "1Mt7PAP53WxrZzHTL49wbg_EOQy18omB4PD2aJLMBs2o"


@pytest.mark.parametrize(
    "spec",
    [
        f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0",
        f"https://docs.google.com/spreadsheets/d/{KEY}/edit?usp=sharing",
        f"https://docs.google.com/spreadsheets/u/1/d/{KEY}/edit#gid=1877059582",
        f"docs.google.com/spreadsheets/d/{KEY}",
        f"https://docs.google.com/spreadsheet/ccc?key={KEY}&hl=en",
        f"  {KEY}  ",
    ],
)
def test_spreadsheet_key_from_any_url_form(spec):
    assert parse_spreadsheet_key(spec) == KEY


@pytest.mark.parametrize(
    "spec, words",
    [
        ("https://docs.google.com/spreadsheets/d/e/2PACX-1vQabc/pubhtml", "Publish to the web"),
        ("https://example.com/spreadsheets/d/abc", "not a Google Sheets URL"),
        ("https://docs.google.com/document/d/1abcdefghijklmnop/edit", "not a Google Sheets URL"),
        ("my sheet", "neither"),
        ("", "No spreadsheet"),
    ],
)
def test_bad_spreadsheet_specs_are_input_errors(spec, words):
    with pytest.raises(InputError, match=words) as info:
        parse_spreadsheet_key(spec)
    assert info.value.exit_code == 2


def test_open_target_picks_local_files_by_extension(tmp_path):
    assert isinstance(open_target(str(tmp_path / "v.xlsx")), LocalWorkbookTarget)
    assert open_target(str(tmp_path / "v.CSV")).format == "csv"
    with pytest.raises(InputError, match="only .xlsx and .csv"):
        open_target(str(tmp_path / "v.xls"))


def test_google_target_without_credentials_says_how_to_configure():
    with pytest.raises(PermissionDenied) as info:
        open_target(KEY, settings=Settings())
    assert info.value.exit_code == 4
    assert "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON" in str(info.value) and "share" in str(info.value).lower()


def test_google_target_rejects_a_broken_key_without_echoing_it():
    info = {"client_email": "bot@p.iam.gserviceaccount.com", "private_key": "-----BEGIN SECRET-----zzzz",
            "private_key_id": "secretid123"}
    with pytest.raises(PermissionDenied) as err:
        GoogleSheetTarget(KEY, settings=Settings(service_account_info=info))
    assert "zzzz" not in str(err.value) and "secretid123" not in str(err.value)


def test_retry_delay_is_bounded_and_honours_retry_after():
    policy = RetryPolicy(base=0.5, cap=4.0, jitter=lambda: 1.0)
    assert [policy.delay(a) for a in (1, 2, 3, 4, 5, 9)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert policy.delay(1, retry_after="7") == 7.0
    assert policy.delay(1, retry_after="Wed, 21 Oct 2015 07:28:00 GMT") == 0.5
    assert RetryPolicy(jitter=lambda: 0.0).delay(1) == 0.25
