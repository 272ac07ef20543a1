"""The optional sheet columns (Views gained (7 d), First seen): chosen per push, after the standard columns,
Views gained refreshed like the stats, First seen written once; and how --columns / the store fill them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from y2s_core.errors import InputError
from y2s_core.settings import Settings
from y2s_core.sheets import apply_to_grid, plan_upsert, row_to_cells
from y2s_core.sheets.cells import ALL_COLUMNS, OPTIONAL_COLUMNS
from y2s_core.store import Store, add_columns, parse_columns

from .conftest import video_row

GAINED, FIRST = "Views gained (7 d)", "First seen"


def with_columns(row: dict, gained: int | None = None, first: str | None = None) -> dict:
    return {**row, "views_gained_7d": gained, "first_seen": first}


def test_rows_without_the_keys_write_no_optional_column():
    p = plan_upsert([video_row(1)], [])
    assert p.header == list(ALL_COLUMNS) and not set(OPTIONAL_COLUMNS) & set(row_to_cells(video_row(1)))


def test_chosen_columns_go_after_the_standard_ones_on_a_new_and_an_existing_sheet():
    row = with_columns(video_row(1), 40, "2026-11-30T08:00:00Z")
    p = plan_upsert([row], [])
    assert p.header == [*ALL_COLUMNS, GAINED, FIRST]
    assert p.appends[0][-2:] == [40, "2026-11-30"]  # a count, and the UTC day as text
    user = [["Channel", "Title", "URL", "My notes"], ["c", "t", "https://youtu.be/vid00000001", "keep"]]
    p = plan_upsert([row], user)
    assert p.header[:4] == user[0] and p.header[-2:] == [GAINED, FIRST]
    grid = apply_to_grid(user, p)
    cells = dict(zip(grid[0], grid[1], strict=False))
    assert cells["My notes"] == "keep" and cells[GAINED] == 40 and cells[FIRST] == "2026-11-30"


def test_a_repush_refreshes_views_gained_and_writes_first_seen_only_once():
    grid = apply_to_grid([], plan_upsert([with_columns(video_row(1), 40, "2026-11-30T08:00:00Z"),
                                   with_columns(video_row(2), None, None)], []))
    later = [with_columns(video_row(1), 55, "2026-12-01T08:00:00Z"), with_columns(video_row(2), 9, "2026-12-01T08:00:00Z")]
    p = plan_upsert(later, grid)
    after = apply_to_grid(grid, p)
    col = {name: i for i, name in enumerate(after[0])}
    assert after[1][col[GAINED]] == 55 and after[1][col[FIRST]] == "2026-11-30"  # first seen kept
    assert after[2][col[GAINED]] == 9 and after[2][col[FIRST]] == "2026-12-01"  # a blank one filled
    assert p.updated == 2 and p.new == 0
    unknown = plan_upsert([with_columns(video_row(1), None, None)], after)  # unknown never erases a value
    assert unknown.updates == [] and unknown.unchanged == 1
    unchosen = plan_upsert([video_row(1), video_row(2)], after)  # a push without the columns leaves them alone
    assert unchosen.updates == [] and unchosen.header == after[0]


@pytest.mark.parametrize("text, keys", [
    ("views_gained_7d,first_seen", ("views_gained_7d", "first_seen")),
    ("First seen, Views gained (7 d)", ("views_gained_7d", "first_seen")),
    ("first-seen", ("first_seen",)), ("views-gained", ("views_gained_7d",)), ("", ()), (None, ()),
])
def test_columns_are_named_by_key_or_header_in_any_case(text, keys):
    assert parse_columns(text) == keys


def test_an_unknown_column_names_the_choices():
    with pytest.raises(InputError, match="Unknown optional column 'likes'.*views_gained_7d, first_seen"):
        parse_columns("first_seen,likes")


def test_add_columns_reads_the_store_and_an_unreadable_store_leaves_the_rows_as_they_were(tmp_path, caplog):
    from y2s_core.models import FetchResult, Video, VideoType

    now = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    v = Video(id="vid00000001", channel_id="UCabcdefghijklmnopqrstuv", channel_title="Chan",
              published_at=now - timedelta(days=100), title="t", duration_seconds=75, type=VideoType.LONG, views=1000)
    store = Store.in_dir(tmp_path)
    store.record_fetch(FetchResult(videos=(v,)), now=now - timedelta(days=7))
    store.record_fetch(FetchResult(videos=(replace(v, views=1300),)), now=now)
    rows = [{"url": "https://www.youtube.com/watch?v=vid00000001"}, {"video_id": "vid00000002"}]  # by url, unknown
    out, problem = add_columns(rows, ["views_gained_7d", "first_seen"], Settings(data_dir=tmp_path), now=now)
    assert problem is None
    assert out[0] == {**rows[0], "views_gained_7d": 300, "first_seen": "2026-11-24T12:00:00Z"}
    assert out[1] == {**rows[1], "views_gained_7d": None, "first_seen": None}
    blocked = tmp_path / "file"
    blocked.write_text("")
    out, problem = add_columns(rows, ["first_seen"], Settings(data_dir=blocked))
    assert out == rows and "FileExistsError" in problem and str(blocked) in problem
