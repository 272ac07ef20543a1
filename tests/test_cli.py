"""The CLI end to end: `python -m y2s_core ...` in a subprocess against the emulators served on 127.0.0.1,
plus in-process runs of `cli.run` for the many error paths (same code, no interpreter start-up)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from y2s_core import cli
from y2s_core.emulators.sheets import SheetsEmulator
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator

from .conftest import REPO

ROW_KEYS = {"video_id", "channel", "date", "type", "duration_seconds", "title", "url", "views", "likes"}


def run_cli(*args, env=None, stdin=""):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("YOUTUBE_", "Y2S_YOUTUBE", "Y2S_SHEETS", "GOOGLE_"))}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "y2s_core", *args], cwd=REPO, env=full_env, input=stdin,
        capture_output=True, text=True, timeout=120,
    )


def run_inproc(*args, env=None, stdin=""):
    out, err = io.StringIO(), io.StringIO()
    env = {"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"], **(env or {})}  # the test's own data dir, never ~/.y2s
    code = cli.run(list(args), stdin=io.StringIO(stdin), stdout=out, stderr=err, env=env)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def yt_url():
    emu = YouTubeEmulator()
    with serve(emu) as server:
        server.emu = emu
        yield server


# ---------------------------------------------------------------------------------- subprocess, e2e


def test_fetch_json_against_the_served_emulator(yt_url):
    p = run_cli("fetch", "@y2sdemo", "--max-videos", "7", "--format", "json", "--progress",
                env={"Y2S_YOUTUBE_API_URL": yt_url.url, "YOUTUBE_API_KEY": "cli-key"})
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)
    assert len(rows) == 7 and all(ROW_KEYS <= set(r) for r in rows)
    assert all(r["type"] in {"Short", "Long", "Live", "Upcoming"} for r in rows)
    assert rows[0]["date"].endswith("Z") and rows[0]["url"].startswith("https://www.youtube.com/")
    assert "quota:" in p.stderr and "cli-key" not in p.stderr + p.stdout
    assert yt_url.emu.calls_by_method["videos.list"] == 1  # the CLI went through the served emulator
    assert "Traceback" not in p.stderr


def test_fetch_table_in_demo_mode_needs_no_credentials():
    p = run_cli("fetch", "@oldschool", "--format", "table", "--types", "short", "--progress")
    assert p.returncode == 0, p.stderr
    assert "demo mode" in p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split()[:4] == ["Channel", "Date", "Type", "Duration"]
    body = [ln for ln in lines[2:-2] if ln and not ln.endswith("videos")]
    assert body and all(" Short " in ln for ln in body)
    assert lines[-2:] == [f"{len(body)} videos", "types of Old School Tutorials: duration rule (approximate)"]


def test_quota_exhaustion_exits_3_and_still_writes_rows():
    emu = YouTubeEmulator(daily_quota=40)  # of 107: the first detail calls always get through (see test_store_app)
    with serve(emu) as server:
        p = run_cli("fetch", "@bigchannel", "--format", "json", env={"Y2S_YOUTUBE_API_URL": server.url, "YOUTUBE_API_KEY": "k"})
    assert p.returncode == 3
    rows = json.loads(p.stdout)
    assert 0 < len(rows) < 2600
    errors = [ln for ln in p.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "quota" in errors[0] and "midnight Pacific" in errors[0]
    assert "Traceback" not in p.stderr


def test_sync_pushes_to_the_served_sheets_emulator(yt_url):
    sheets = SheetsEmulator()
    sid = sheets.create_spreadsheet(title="CLI", sheets={"Sheet1": []})
    with serve(sheets) as s_server:
        env = {"Y2S_YOUTUBE_API_URL": yt_url.url, "YOUTUBE_API_KEY": "k", "Y2S_SHEETS_API_URL": s_server.url}
        url = f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0"
        p1 = run_cli("sync", "@oldschool", "--sheet", url, "--tab", "Videos", env=env)
        p2 = run_cli("sync", "@oldschool", "--sheet", url, "--tab", "Videos", env=env)
    assert p1.returncode == 0, p1.stderr
    assert p2.returncode == 0, p2.stderr
    values = sheets.values(sid, "Videos")
    assert values[0][:9] == ["Channel", "Date", "Type", "Duration", "Title", "URL", "Views", "Likes", "NotebookLM"]
    assert len(values) == 1 + 40  # no duplicates after the second run
    assert "40 new" in p1.stdout and "0 new" in p2.stdout


# ---------------------------------------------------------------------------------- in-process paths


@pytest.mark.parametrize(
    "args, phrase",
    [
        (["fetch", "https://vimeo.com/123"], "vimeo.com"),
        (["fetch", "@y2sdemo", "--since", "2026-13-01"], "2026-13-01"),
        (["fetch", "@y2sdemo", "--min-duration", "600", "--max-duration", "60"], "duration"),
        (["fetch", "@y2sdemo", "--types", "shortz"], "shortz"),
        (["fetch", "@y2sdemo", "--max-videos", "-3"], "max"),
        (["fetch", "@y2sdemo", "--format", "xml"], "xml"),
        (["fetch"], "CHANNEL"),
        (["frobnicate"], "frobnicate"),
        (["push", "--sheet", "ftp://example.com/x"], ""),
    ],
)
def test_invalid_input_is_one_line_and_exit_2(args, phrase):
    code, out, err = run_inproc(*args, stdin="[]")
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and phrase.lower() in lines[0].lower()
    assert out == ""


def test_unknown_channel_exits_2_naming_it():
    code, out, err = run_inproc("fetch", "@nosuchchannel42", "-q")
    assert code == 2 and "nosuchchannel42" in err and err.count("\n") == 1


def test_partly_unknown_channels_print_rows_and_exit_2():
    code, out, err = run_inproc("fetch", "@oldschool", "@nosuchchannel42", "-q", "--format", "json")
    assert code == 2 and len(json.loads(out)) == 40 and "nosuchchannel42" in err


def test_invalid_key_exits_4_without_echoing_it(yt_url):
    code, out, err = run_inproc("fetch", "@y2sdemo", env={"Y2S_YOUTUBE_API_URL": yt_url.url, "YOUTUBE_API_KEY": "bad-secret-42"})
    assert code == 4 and "bad-secret-42" not in err and "YOUTUBE_API_KEY" in err


def test_csv_output_has_the_contract_columns():
    code, out, err = run_inproc("fetch", "@y2sdemo", "--max-videos", "5", "--format", "csv", "-q")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 5 and ROW_KEYS <= set(rows[0])


def test_hidden_likes_are_null_in_json():
    code, out, err = run_inproc("fetch", "@y2sdemo", "--format", "json", "-q")
    rows = {r["video_id"]: r for r in json.loads(out)}
    from y2s_core.emulators.catalog import demo_catalog

    hidden = demo_catalog().special["hidden_likes"]
    assert rows[hidden]["likes"] is None and rows[hidden]["views"] is not None


def test_push_from_stdin_to_a_local_workbook_and_dry_run(tmp_path):
    code, rows_json, _ = run_inproc("fetch", "@y2sdemo", "--max-videos", "12", "-q")
    book = tmp_path / "videos.xlsx"
    code, out, err = run_inproc("push", "--sheet", str(book), "--dry-run", stdin=rows_json)
    assert code == 0 and "12 new" in out and not book.exists()
    code, out, err = run_inproc("push", "--sheet", str(book), stdin=rows_json)
    assert code == 0 and "12 new" in out and book.exists()
    code, out, err = run_inproc("push", "--sheet", str(book), stdin=rows_json)
    assert code == 0 and "0 new" in out and "12 unchanged" in out


@pytest.mark.parametrize("stdin, phrase", [("not json", "not valid JSON"), ('{"a": 1}', "array"), ('[{"title": "x"}]', "video_id")])
def test_push_rejects_bad_rows(tmp_path, stdin, phrase):
    code, out, err = run_inproc("push", "--sheet", str(tmp_path / "x.csv"), stdin=stdin)
    assert code == 2 and phrase in err


def test_push_to_google_without_credentials_exits_4():
    code, out, err = run_inproc("push", "--sheet", "https://docs.google.com/spreadsheets/d/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH/edit",
                                stdin='[{"video_id": "abcdefghijk"}]')
    assert code == 4 and "service account" in err.lower()


def test_sheet_not_found_and_permission_denied(tmp_path):
    sheets = SheetsEmulator()
    sid = sheets.create_spreadsheet(title="Locked")
    sheets.deny(sid)
    sa = {"type": "service_account", "client_email": "writer@proj.iam.gserviceaccount.com", "private_key": "SECRETKEY"}
    sa_path = tmp_path / "sa.json"
    sa_path.write_text(json.dumps(sa))
    with serve(sheets) as server:
        env = {"Y2S_SHEETS_API_URL": server.url, "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON": str(sa_path)}
        rows = '[{"video_id": "abcdefghijk", "title": "t"}]'
        code, out, err = run_inproc("push", "--sheet", sid, stdin=rows, env=env)
        assert code == 4 and "writer@proj.iam.gserviceaccount.com" in err and "SECRETKEY" not in err
        code, out, err = run_inproc("push", "--sheet", "x" * 44, stdin=rows, env=env)
        assert code == 2 and "no google spreadsheet with key" in err.lower()


def test_help_exits_0_and_prints_usage():
    code, out, err = run_inproc("fetch", "--help")
    assert code == 0 and "--max-videos" in out and err == ""


def test_unknown_option_names_it_and_the_right_help():
    code, out, err = run_inproc("fetch", "@y2sdemo", "--nope")
    assert code == 2 and "--nope" in err and "python -m y2s_core" in err and "--help" in err
    code, out, err = run_inproc("fetch", "--since")
    assert code == 2 and "python -m y2s_core fetch --help" in err


def test_a_bad_service_account_does_not_break_a_youtube_only_fetch():
    code, out, err = run_inproc("fetch", "@oldschool", "-q", env={"GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON": "{broken"})
    assert code == 0 and len(json.loads(out)) == 40
    code, out, err = run_inproc("push", "--sheet", "x.csv", env={"GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON": "{broken"}, stdin="[]")
    assert code == 2 and "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON" in err


def test_unicode_titles_survive_a_non_utf8_console(yt_url):
    p = run_cli("fetch", "@y2sdemo", "--format", "json", "-q",
                env={"Y2S_YOUTUBE_API_URL": yt_url.url, "YOUTUBE_API_KEY": "k", "PYTHONIOENCODING": "cp1252"})
    assert p.returncode == 0, p.stderr
    from y2s_core.emulators.catalog import demo_catalog

    unicode_id = demo_catalog().special["unicode"]
    titles = {r["video_id"]: r["title"] for r in json.loads(p.stdout)}  # decoded as UTF-8
    assert titles[unicode_id] == "日本語のタイトル 🎬"


@pytest.mark.parametrize("tab, phrase", [("a/b", "cannot contain"), ("x" * 40, "at most 31"), ("History", "reserved")])
def test_a_bad_workbook_tab_is_exit_2(tmp_path, tab, phrase):
    code, out, err = run_inproc("push", "--sheet", str(tmp_path / "v.xlsx"), "--tab", tab, stdin='[{"video_id": "abcdefghijk"}]')
    assert code == 2 and phrase in err and not (tmp_path / "v.xlsx").exists()
