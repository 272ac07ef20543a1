"""The sync from the command line against the YouTube emulator served on 127.0.0.1: a second sync adds no row
and costs no unit (the uploads feed, served beside the API, shows nothing new), new uploads reach the sheet, a quota-cut sync resumes with every video once in
the sheet and the store, the quota planner refuses what cannot fit (exit 3, --force), ``sync --config``
(one line per channel, exit codes combined) and the lock that keeps two runs from both writing."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from y2s_core import cli, parse_channels
from y2s_core.emulators.catalog import BIG_CHANNEL_ID, OLD_SCHOOL_ID, demo_catalog
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.locks import hold_lock
from y2s_core.settings import Settings
from y2s_core.store import Store

from .conftest import REPO


@pytest.fixture
def served(tmp_path):
    """(emulator on a catalog copy that tests may change, env for the CLI)."""
    emu = YouTubeEmulator(demo_catalog().copy())
    with serve(emu) as server:
        yield emu, {"Y2S_YOUTUBE_API_URL": server.url, "YOUTUBE_API_KEY": "k", "Y2S_DATA_DIR": str(tmp_path / "data")}


def run(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(args), stdout=out, stderr=err, env=env)
    return code, out.getvalue(), err.getvalue()


def sheet_ids(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    col = table[0].index("Video ID")
    return [r[col] for r in table[1:]]


# ------------------------------------------------------------------------------------------- sync


def test_a_second_sync_adds_no_row_and_costs_no_unit(served, tmp_path):
    emu, env = served
    book = tmp_path / "v.csv"
    code, out, err = run("sync", "@bigchannel", "@oldschool", "--sheet", str(book), env=env)
    assert code == 0, err
    assert "pushed: 2640 new" in out
    assert "Big Channel Demo: full, 2,600 new, 0 updated, 54 units, 52 stats calls" in out.splitlines()
    emu.reset()
    code, out, err = run("sync", "@bigchannel", "@oldschool", "--sheet", str(book), "--stats", "none", env=env)
    assert code == 0 and err == "", err
    assert emu.units_by_method == {} and emu.feed_calls == 2  # each channel's feed shows nothing new; no channels.list
    lines = out.splitlines()
    assert lines[0] == f"pushed: 0 new, 0 updated, 2640 unchanged -> {book}"
    assert lines[1:] == ["Big Channel Demo: incremental, 0 new, 0 updated, 0 units (feed: unchanged)",
                         "Old School Tutorials: incremental, 0 new, 0 updated, 0 units (feed: unchanged)"]
    assert len(sheet_ids(book)) == len(set(sheet_ids(book))) == 2640


def test_recent_stats_refresh_the_rows_already_in_the_sheet(served, tmp_path):
    emu, env = served
    book = tmp_path / "v.csv"
    assert run("sync", "@oldschool", "--max-videos", "12", "--sheet", str(book), env=env)[0] == 0
    emu.reset()
    # the same filters: incremental; --stats recent (the default) refreshes the 12 rows in the sheet
    code, out, err = run("sync", "@oldschool", "--max-videos", "12", "--sheet", str(book), env=env)
    assert code == 0, err
    asked = [c for c in emu.calls if c.method == "videos.batchGetStats"]  # the statistics: their own bucket
    cut = (datetime.now(timezone.utc) - timedelta(days=90)).timestamp()
    recent = {v.id for v in demo_catalog().videos(OLD_SCHOOL_ID) if v.published >= cut}
    in_sheet = set(sheet_ids(book)[:12])
    assert len(in_sheet) == 12 and "incremental" in out
    assert sum(c.ids for c in asked) == len(in_sheet | recent)


def test_new_uploads_reach_the_sheet_after_two_units_plus_their_details(served, tmp_path):
    emu, env = served
    book = tmp_path / "v.xlsx"
    assert run("sync", "@bigchannel", "--sheet", str(book), env=env)[0] == 0
    added = emu.catalog.add_uploads(BIG_CHANNEL_ID, 5)
    emu.reset()
    code, out, err = run("sync", "@bigchannel", "--sheet", str(book), "--stats", "none", env=env)
    assert code == 0, err
    assert emu.units_used == 3 and emu.units_by_method["videos.list"] == 1
    assert "pushed: 5 new, 0 updated, 2600 unchanged" in out
    assert "Big Channel Demo: incremental, 5 new, 0 updated, 3 units" in out
    from openpyxl import load_workbook

    ws = load_workbook(book)["Videos"]
    header = [c.value for c in ws[1]]
    ids = [r[header.index("Video ID")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(ids) == len(set(ids)) == 2605 and {v.id for v in added} <= set(ids)


def test_a_quota_cut_sync_resumes_and_leaves_every_video_once_in_the_sheet_and_the_store(served, tmp_path):
    emu, env = served
    emu.daily_quota = 25
    book = tmp_path / "v.csv"
    codes, total = [], 0
    for _ in range(5):
        emu.reset()  # a new quota day
        code, out, err = run("sync", "@bigchannel", "--sheet", str(book), "--stats", "none", env=env)
        codes.append(code)
        total += emu.units_used
        if code == 0:
            break
        assert code == 3 and err.splitlines()[-1].startswith("error: ") and "quota" in err
    assert codes == [3, 3, 0]
    assert "resumed: " in out and "already stored" in out
    ids = sheet_ids(book)
    assert len(ids) == len(set(ids)) == 2600
    store = Store.in_dir(tmp_path / "data")
    assert len({v.id for v in store.channel_videos(BIG_CHANNEL_ID)}) == 2600
    snaps = store.history([BIG_CHANNEL_ID])
    assert len(snaps) == len({s.video_id for s in snaps}) == 2600
    # one uninterrupted run: 55 units through the tabs (details from videos.batchGetStats); the cut tab listing
    # resumes on its tabs, and each resume asks a few pages again (the new top, each unfinished tab's saved page: at
    # most 1 + 3); the ids listed but not detailed before the cut are detailed by batchGetStats, no unit
    assert 55 < total <= 55 + 4 * (len(codes) - 1), total


def test_fetch_new_prints_what_a_full_fetch_prints_at_the_incremental_cost(served):
    emu, env = served
    code, full, err = run("fetch", "@y2sdemo", "--new", env=env)
    assert code == 0, err
    emu.reset()
    code, again, err = run("fetch", "@y2sdemo", "--new", "--stats", "none", env=env)
    assert code == 0 and emu.units_used == 0 and emu.feed_calls == 1  # the feed shows nothing new
    assert json.loads(again) == json.loads(full)
    emu.reset()
    code, plain, _ = run("fetch", "@y2sdemo", env=env)
    assert json.loads(plain) == json.loads(full) and emu.units_used > 1


# ------------------------------------------------------------------------------------ the planner


def test_a_fetch_that_cannot_fit_refuses_to_start_and_force_overrides_it(served, tmp_path):
    emu, env = served
    env = {**env, "Y2S_DAILY_QUOTA": "1000"}
    Store.in_dir(tmp_path / "data").record_quota(Settings.from_env(env).account_fingerprint, {"videos.list": 950})
    code, out, err = run("fetch", "@bigchannel", env=env)
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: Not started: this fetch needs about 54 YouTube units")
    assert "only 49 of today's 1,000 are left" in err and "--force" in err
    assert emu.units_by_method == {"channels.list": 1}  # resolving (videoCount) only: nothing listed
    code, out, err = run("sync", "@bigchannel", "--sheet", str(tmp_path / "v.csv"), env=env)
    assert code == 3 and "Not started" in err and emu.units_by_method == {"channels.list": 2}
    code, out, err = run("fetch", "@bigchannel", "--force", "--progress", env=env)
    assert code == 0 and len(json.loads(out)) == 2600
    assert "warning: forced: about 54 units needed, 47 left today" in err
    assert "plan: about 54 units (full 54) + 52 stats calls (videos.batchGetStats bucket) after 1 spent resolving" in err


def test_the_plan_is_said_on_a_terminal_or_with_progress(served):
    emu, env = served
    code, out, err = run("fetch", "@oldschool", "--progress", env=env)
    assert code == 0
    assert "plan: about 4 units (full 4) after 1 spent resolving; today 1 of 10,000 units spent, 9,999 left" in err
    # a channel not listed before may have no UUSH: its 404 and one page of UULF (which says no Shorts or a guess)
    assert "  Old School Tutorials: full, about 4 units (1 uploads page + 1 videos.list + 2 UUSH pages)" in err
    assert "quota: 5 quota units" in err  # the plan was right (1 unit resolving, then 4)


# ------------------------------------------------------------------------------------ --config


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_sync_config_runs_every_entry_with_one_line_per_channel(served, tmp_path):
    emu, env = served
    config = write_config(tmp_path / "channels.toml", f'''
stats = "none"
sheet = "{tmp_path / 'team.xlsx'}"

[[sync]]
name = "demo"
channels = ["@y2sdemo", "@oldschool"]
tab = "Demo"
filters = {{ types = ["short", "long"], max_videos = 20 }}

[[sync]]
name = "big"
channels = "@bigchannel"
sheet = "{tmp_path / 'big.csv'}"
columns = ["first_seen"]
''')
    code, out, err = run("sync", "--config", str(config), env=env)
    assert code == 0, err
    lines = out.splitlines()
    assert [ln.split(":")[0] for ln in lines] == ["[demo] pushed", "[demo] Y2S Demo Lab", "[demo] Old School Tutorials",
                                                  "[big] pushed", "[big] Big Channel Demo"]
    assert "[demo] Y2S Demo Lab: full, 20 new, 0 updated" in out and "[big] Big Channel Demo: full, 2,600 new" in out
    emu.reset()
    code, out, err = run("sync", "--config", str(config), env=env)
    assert code == 0 and emu.units_used == 0 and out.count("incremental, 0 new, 0 updated, 0 units (feed: unchanged)") == 3


@pytest.mark.parametrize("text, phrase", [
    ('[[sync]]\nchannels = ["@y2sdemo"]\n', "sheet is missing"),
    ('sheet = "x.csv"\n[[sync]]\nchannels = []\n', "channels must be a non-empty list"),
    ('sheet = "x.csv"\n[[sync]]\nchannels = ["@a"]\nstats = "some"\n', "stats must be one of none, recent, all"),
    ('sheet = "x.csv"\n[[sync]]\nchannels = ["@a"]\nfilters = { kinds = "short" }\n', "unknown filter(s) kinds"),
    ('sheet = "x.csv"\n[[sync]]\nchannels = ["@a"]\nfilters = { since = "yesterday" }\n', "YYYY-MM-DD"),
    ('sheet = "x.csv"\n[[sync]]\nchannel = ["@a"]\n', "unknown key(s) channel"),
    ("sheet = \n", "not valid TOML"),
    ('sheet = "x.csv"\n', "no entries"),
])
def test_a_bad_config_is_one_error_line_naming_the_entry_before_any_call(served, tmp_path, text, phrase):
    emu, env = served
    code, out, err = run("sync", "--config", str(write_config(tmp_path / "c.toml", text)), env=env)
    assert code == 2 and out == "" and err.count("\n") == 1 and phrase in err, err
    assert emu.calls == []


def test_config_exit_code_is_the_most_serious_entry_and_a_quota_stop_skips_the_rest(served, tmp_path):
    emu, env = served
    config = write_config(tmp_path / "c.toml", f'''
sheet = "{tmp_path / 'v.csv'}"
[[sync]]
name = "typo"
channels = ["@nosuchchannel42"]
[[sync]]
name = "fine"
channels = ["@oldschool"]
''')
    code, out, err = run("sync", "--config", str(config), env=env)
    assert code == 2 and "[fine] Old School Tutorials: full, 40 new" in out
    assert [ln for ln in err.splitlines() if ln.startswith("error:")] == [
        "error: [typo] @nosuchchannel42: no channel with the handle @nosuchchannel42. Check the spelling or paste "
        "the channel URL."]
    emu.daily_quota = 0
    emu.reset()
    config = write_config(tmp_path / "c.toml", config.read_text().replace("@nosuchchannel42", "@bigchannel"))
    code, out, err = run("sync", "--config", str(config), env=env)
    assert code == 3 and "[fine] skipped: the YouTube quota is spent" in out
    assert sum(ln.startswith("error: [typo]") and "quota" in ln for ln in err.splitlines()) == 1


def test_sync_arguments_and_config_do_not_mix(served, tmp_path):
    emu, env = served
    code, out, err = run("sync", "@y2sdemo", "--config", str(tmp_path / "c.toml"), env=env)
    assert code == 2 and "drop the CHANNEL arguments" in err
    code, out, err = run("sync", "@y2sdemo", env=env)
    assert code == 2 and "--sheet" in err


# ------------------------------------------------------------------------------------- the lock


def test_a_sync_while_another_holds_the_lock_exits_1_and_spends_nothing(served, tmp_path):
    emu, env = served
    with hold_lock(tmp_path / "data" / "sync.lock", "sync"):
        code, out, err = run("sync", "@y2sdemo", "--sheet", str(tmp_path / "v.csv"), env=env)
    assert code == 1 and err.startswith("error: Another sync is running (sync: pid ") and "lock file" in err
    assert emu.calls == []
    assert run("sync", "@y2sdemo", "--sheet", str(tmp_path / "v.csv"), env=env)[0] == 0  # released


class ListingHeld:
    """The emulator, holding the uploads listing (playlistItems.list) until ``release``: whichever sync gets the
    lock is still inside its listing, holding the lock, until the test lets it go (no stall to outlast)."""

    def __init__(self, emu: YouTubeEmulator) -> None:
        self.emu = emu
        self.release = threading.Event()

    def __getattr__(self, name: str):
        return getattr(self.emu, name)

    def handle(self, method, url, headers, body, **kw):
        if "/playlistItems" in url:
            self.release.wait(120)
        return self.emu.handle(method, url, headers, body, **kw)


def test_two_processes_syncing_at_once_only_one_writes_and_no_snapshot_is_lost(tmp_path):
    emu = YouTubeEmulator()
    held = ListingHeld(emu)
    with serve(held) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("YOUTUBE_", "Y2S_", "GOOGLE_"))}
        env.update(Y2S_YOUTUBE_API_URL=server.url, YOUTUBE_API_KEY="k", Y2S_DATA_DIR=str(tmp_path / "data"))
        args = [sys.executable, "-m", "y2s_core", "sync", "@y2sdemo", "--sheet", str(tmp_path / "v.csv")]
        procs = [subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        try:
            with ThreadPoolExecutor(2) as pool:  # the one without the lock exits while the other is held listing
                waits = [pool.submit(p.communicate, timeout=120) for p in procs]
                next(as_completed(waits, timeout=120))
                held.release.set()
                done = [w.result() for w in waits]
        finally:
            held.release.set()
            for p in procs:
                if p.poll() is None:
                    p.kill()
        codes = sorted(p.returncode for p in procs)
        assert codes == [0, 1], done
        loser = next(err for p, (_, err) in zip(procs, done, strict=True) if p.returncode == 1)
        assert "Another sync is running" in loser
        store = Store.in_dir(tmp_path / "data")
        cid = store.find_channel(parse_channels("@y2sdemo")[0]).id
        first = store.history([cid])
        assert len(first) == len({s.video_id for s in first}) == 150  # one writer: one snapshot per video
        code = subprocess.run(args + ["--stats", "all"], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=120).returncode
    assert code == 0
    assert len(store.history([cid])) == 300  # the next run adds its own: none lost, none doubled
    ids = sheet_ids(tmp_path / "v.csv")
    assert len(ids) == len(set(ids)) == 150
