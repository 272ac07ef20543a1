"""The store through the faces: every CLI fetch appends snapshots, `history` prints them (subprocess against the
served YouTube emulator, view counts changed between two fetches), `--columns` adds the optional sheet
columns, the REST API's fetch route appends snapshots too."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from y2s_core import cli
from y2s_core.emulators.catalog import Catalog
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.models import FetchResult
from y2s_core.settings import Settings
from y2s_core.store import Store
from y2s_core.youtube.parsing import TYPE_RULE_DURATION

from .conftest import REPO

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("YOUTUBE_", "Y2S_", "GOOGLE_"))}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "y2s_core", *args], cwd=REPO, env=full, capture_output=True,
                          text=True, timeout=120)


def run_inproc(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(args), stdin=io.StringIO(stdin), stdout=out, stderr=err,
                   env={"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"], **(env or {})})
    return code, out.getvalue(), err.getvalue()


def bump_views(emu: YouTubeEmulator, by: int) -> None:
    """The channel's audience grew: every video's view count + ``by`` (the catalog is immutable: a new one)."""
    cat = emu.catalog
    uploads = {cid: [cat.record(v)._replace(views=cat.record(v).views + by) for v in cat.uploads(cid)]
               for cid in cat.channels}
    emu.catalog = Catalog(cat.channels.values(), uploads, cat.special)


@pytest.fixture
def served(tmp_path):
    emu = YouTubeEmulator()
    with serve(emu) as server:
        env = {"Y2S_YOUTUBE_API_URL": server.url, "YOUTUBE_API_KEY": "cli-key", "Y2S_DATA_DIR": str(tmp_path / "data")}
        yield emu, env


def test_history_prints_both_fetches_oldest_first_in_json_and_csv(served):
    emu, env = served
    first = run_cli("fetch", "@y2sdemo", "--max-videos", "4", "-q", env=env)
    assert first.returncode == 0, first.stderr
    bump_views(emu, 1000)
    second = run_cli("fetch", "@y2sdemo", "--max-videos", "4", "-q", env=env)
    assert second.returncode == 0, second.stderr
    ids = [r["video_id"] for r in json.loads(second.stdout)]
    calls = dict(emu.calls_by_method)

    p = run_cli("history", "@y2sdemo", "--format", "json", env=env)
    assert p.returncode == 0, p.stderr
    records = json.loads(p.stdout)
    assert dict(emu.calls_by_method) == calls  # a known channel needs no YouTube call
    assert len(records) == 2 * len(ids) and {r["video_id"] for r in records} == set(ids)
    times = [r["taken_at"] for r in records]
    assert all(RFC3339_UTC.match(t) for t in times) and times == sorted(times)
    for vid in ids:  # one record per video per snapshot, the second 1,000 views up
        mine = [r for r in records if r["video_id"] == vid]
        assert len(mine) == 2 and mine[1]["views"] - mine[0]["views"] == 1000, mine
        assert {"likes", "comments"} <= set(mine[0])
    assert [r["video_id"] for r in records[: len(ids)]] == ids  # first fetch first, newest video first

    c = run_cli("history", "https://www.youtube.com/@y2sdemo", "--format", "csv", env=env)
    assert c.returncode == 0, c.stderr
    rows = list(csv.DictReader(io.StringIO(c.stdout)))
    assert [(r["video_id"], r["taken_at"], int(r["views"])) for r in rows] == \
        [(r["video_id"], r["taken_at"], r["views"]) for r in records]
    assert {"video_id", "taken_at", "views", "likes", "comments"} <= set(rows[0])

    one = run_cli("history", records[0]["channel_id"], "--video", f"https://youtu.be/{ids[0]}", env=env)
    assert one.returncode == 0 and [r["video_id"] for r in json.loads(one.stdout)] == [ids[0]] * 2


@pytest.mark.parametrize("args, phrase", [
    (["history", "@nosuchchannel42"], "The store has nothing for @nosuchchannel42: fetch it first"),
    (["history", "@oldschool", "--video", "dQw4w9WgXcQ"], "no snapshots of video dQw4w9WgXcQ"),
    (["history", "@oldschool", "@y2sdemo"], "unrecognized arguments"),
    (["history", "@oldschool", "--format", "table"], "table"),
])
def test_history_of_what_the_store_does_not_have_is_exit_2(served, args, phrase):
    emu, env = served
    assert run_inproc("fetch", "@oldschool", "--max-videos", "2", "-q", env=env)[0] == 0
    calls = emu.units_used
    code, out, err = run_inproc(*args, env=env)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and phrase in err, err
    assert emu.units_used == calls  # nothing asked of YouTube


def test_every_fetch_appends_a_snapshot_and_an_unwritable_store_is_one_warning(tmp_path):
    env = {"Y2S_DATA_DIR": str(tmp_path / "d")}
    for _ in range(2):
        code, out, err = run_inproc("fetch", "@oldschool", "-q", env=env)
        assert code == 0
    store = Store.in_dir(tmp_path / "d")
    [cid] = {r["channel_id"] for r in json.loads(out)}
    assert len(store.history([cid])) == 2 * 40 and store.type_rule(cid) == TYPE_RULE_DURATION  # no UUSH playlist
    blocked = tmp_path / "file"
    blocked.write_text("")
    code, out, err = run_inproc("fetch", "@oldschool", env={"Y2S_DATA_DIR": str(blocked)})  # warnings on
    assert code == 0 and len(json.loads(out)) == 40
    assert [ln for ln in err.splitlines() if "history" in ln] == [
        f"warning: fetch history not saved in {blocked} (FileExistsError)"]


def test_a_quota_cut_fetch_stores_what_it_fetched(tmp_path):
    emu = YouTubeEmulator(daily_quota=40)  # of 107: the first detail calls always get through (see test_store_app)
    with serve(emu) as server:
        env = {"Y2S_YOUTUBE_API_URL": server.url, "YOUTUBE_API_KEY": "k", "Y2S_DATA_DIR": str(tmp_path)}
        code, out, err = run_inproc("fetch", "@bigchannel", "-q", env=env)
    rows = json.loads(out)
    assert code == 3 and rows
    assert {h.video_id for h in Store.in_dir(tmp_path).history([rows[0]["channel_id"]])} == {r["video_id"] for r in rows}


def _seed_week_old_snapshot(data_dir, rows: list[dict], minus: int) -> None:
    """A snapshot of these videos 7 days ago, ``minus`` views fewer (as a fetch a week ago would have left)."""
    from y2s_core.models import Video, VideoType

    videos = tuple(Video(id=r["video_id"], channel_id=r["channel_id"], channel_title=r["channel"],
                         published_at=datetime.fromisoformat(r["date"].replace("Z", "+00:00")), title=r["title"],
                         duration_seconds=r["duration_seconds"], type=VideoType(r["type"]),
                         views=r["views"] - minus) for r in rows)
    Store.in_dir(data_dir).record_fetch(FetchResult(videos=videos), now=datetime.now(timezone.utc) - timedelta(days=7))


def test_sync_with_columns_adds_views_gained_and_first_seen_after_the_standard_columns(tmp_path):
    env = {"Y2S_DATA_DIR": str(tmp_path / "data")}
    code, out, _ = run_inproc("fetch", "@oldschool", "--max-videos", "3", "-q", env=env)
    old = [r for r in json.loads(out) if r["views"] is not None]
    _seed_week_old_snapshot(tmp_path / "data", old, minus=70)
    book = tmp_path / "v.csv"
    code, out, err = run_inproc("sync", "@oldschool", "--max-videos", "3", "--sheet", str(book),
                                "--columns", "views_gained_7d,First seen", "-q", env=env)
    assert code == 0, err
    with book.open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    header = table[0]
    assert header[-2:] == ["Views gained (7 d)", "First seen"] and header.index("Video ID") < header.index("First seen")
    by_id = {r[header.index("Video ID")]: dict(zip(header, r, strict=False)) for r in table[1:]}
    first_seen = Store.in_dir(tmp_path / "data").first_seen(list(by_id))
    for r in old:
        cells = by_id[r["video_id"]]
        assert cells["Views gained (7 d)"] == "70"  # the week-old snapshot was 70 views lower
        assert cells["First seen"] == first_seen[r["video_id"]].date().isoformat()
    # without --columns the columns stay, untouched; a push from JSON can fill them too
    code, out, err = run_inproc("sync", "@oldschool", "--max-videos", "3", "--sheet", str(book), "-q", env=env)
    assert code == 0 and "0 new" in out and "3 unchanged" in out


def test_push_with_columns_reads_the_store_for_rows_from_json(tmp_path):
    env = {"Y2S_DATA_DIR": str(tmp_path / "data")}
    before = datetime.now(timezone.utc)
    code, rows_json, _ = run_inproc("fetch", "@oldschool", "--max-videos", "2", "-q", env=env)
    book = tmp_path / "v.xlsx"
    code, out, err = run_inproc("push", "--sheet", str(book), "--columns", "first-seen", stdin=rows_json, env=env)
    assert code == 0 and "2 new" in out
    from openpyxl import load_workbook

    ws = load_workbook(book)["Videos"]
    header = [c.value for c in ws[1]]
    assert header[-1] == "First seen" and "Views gained (7 d)" not in header
    days = {d.date().isoformat() for d in (before, datetime.now(timezone.utc))}  # a run across midnight too
    first_seen = [ws.cell(row=r, column=len(header)).value for r in (2, 3)]
    assert first_seen[0] == first_seen[1] and first_seen[0] in days


def test_bad_columns_are_exit_2_before_any_quota_is_spent(served):
    emu, env = served
    code, out, err = run_inproc("sync", "@oldschool", "--sheet", "x.csv", "--columns", "likes_per_day", env=env)
    assert code == 2 and "likes_per_day" in err and "views_gained_7d, first_seen" in err
    assert emu.units_used == 0


def test_the_rest_api_fetch_appends_snapshots_a_quota_cut_one_too(tmp_path):
    from tests.api_helpers import AUTH, api_client

    api = api_client(Settings(data_dir=tmp_path / "a"))
    for _ in range(2):
        r = api.post("/api/v1/fetch", headers=AUTH, json={"channels": "@oldschool", "filters": {"max_videos": 5}})
        assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    hist = Store.in_dir(tmp_path / "a").history([rows[0]["channel_id"]])
    assert len(hist) == 10 and {h.video_id for h in hist} == {row["video_id"] for row in rows}
    emu = YouTubeEmulator(daily_quota=40)  # of 107: the first detail calls always get through (see test_store_app)
    with serve(emu) as server:
        settings = Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path / "b")
        r = api_client(settings).post("/api/v1/fetch", headers=AUTH, json={"channels": "@bigchannel"})
    partial = r.json()["partial"]["rows"]
    assert r.status_code == 429 and partial
    stored = Store.in_dir(tmp_path / "b").history([partial[0]["channel_id"]])
    assert {h.video_id for h in stored} == {row["video_id"] for row in partial}


def test_history_from_a_store_that_cannot_be_opened_is_one_error_line(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    code, out, err = run_inproc("history", "@oldschool", env={"Y2S_DATA_DIR": str(blocked)})
    assert code == 1 and out == ""
    assert err == f"error: The store in {blocked} could not be opened (FileExistsError).\n"
