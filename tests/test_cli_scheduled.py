"""The CLI in scheduled runs (issue 8): the sheet is checked before any YouTube call, stderr stays quiet
unless it is a terminal (or --progress), an error is said once on the last line, quota buckets are named.

In-process runs of ``cli.run`` against the YouTube emulator served on 127.0.0.1; assertions on its counters.
"""

from __future__ import annotations

import io
import json
import os

import pytest

from y2s_core import cli
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.settings import Settings
from y2s_core.store.ledger import spent_today_by_method


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*args, emu=None, tty=False, key="k", stdin=""):
    out, err = io.StringIO(), (Terminal() if tty else io.StringIO())
    env = {"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"]}
    if emu is not None:
        env.update(Y2S_YOUTUBE_API_URL=emu.url, YOUTUBE_API_KEY=key)
    code = cli.run(list(args), stdin=io.StringIO(stdin), stdout=out, stderr=err, env=env)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def served():
    def start(**kwargs):
        emu = YouTubeEmulator(**kwargs)
        server = serve(emu).__enter__()
        server.emu = emu
        started.append(server)
        return server

    started: list = []
    yield start
    for server in started:
        server.__exit__(None, None, None)


# --------------------------------------------------------------- 11. the sheet is checked first


@pytest.mark.parametrize("sheet, phrase", [
    ("https://example.com/x", "not a Google Sheets URL"),
    ("videos.xls", "only .xlsx and .csv"),
    ("{tmp}/file.txt/out.xlsx", "is a file, not a folder"),
    ("{tmp}/dir.xlsx", "is a folder"),
])
def test_sync_with_a_bad_sheet_exits_2_before_any_youtube_call(served, tmp_path, sheet, phrase):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "dir.xlsx").mkdir()
    emu = served()
    code, out, err = run("sync", "@y2sdemo", "--sheet", sheet.format(tmp=tmp_path), emu=emu)
    assert code == 2 and err.startswith("error: ") and phrase in err and err.count("\n") == 1
    assert emu.emu.calls == [] and emu.emu.units_used == 0  # no quota spent on a run that could not write


def test_sync_to_google_without_credentials_exits_4_before_any_youtube_call(served):
    emu = served()
    code, out, err = run("sync", "@y2sdemo", "--sheet", "https://docs.google.com/spreadsheets/d/" + "k" * 44, emu=emu)
    assert code == 4 and emu.emu.calls == []


# ----------------------------------------------------------------------- 12. cron mails any output


def test_a_good_run_says_nothing_on_stderr_when_it_is_not_a_terminal(served):
    emu = served()
    code, out, err = run("fetch", "@bigchannel", "--max-videos", "3", emu=emu)
    assert code == 0 and len(json.loads(out)) == 3 and err == ""


def test_progress_goes_to_a_terminal_or_with_progress(served):
    emu = served()
    for kwargs, args in (({"tty": True}, ()), ({}, ("--progress",))):
        code, out, err = run("fetch", "@y2sdemo", "--max-videos", "3", *args, emu=emu, **kwargs)
        assert code == 0 and "Y2S Demo Lab: done" in err and "quota: " in err


def test_warnings_show_unless_quiet(served):
    emu = served()
    code, out, err = run("fetch", "@oldschool", "--max-videos", "3", emu=emu)
    assert err.startswith("warning: ") and "no Shorts playlist" in err
    code, out, err = run("fetch", "@oldschool", "--max-videos", "3", "--quiet", emu=emu)
    assert code == 0 and err == ""
    code, out, err = run("fetch", "@oldschool", "--max-videos", "3", "--quiet", emu=emu, tty=True)
    assert code == 0 and err == ""  # --quiet silences progress on a terminal too


@pytest.mark.parametrize("tty", [False, True])
def test_a_failed_channel_is_said_once_as_the_last_line(served, tty):
    emu = served()
    code, out, err = run("fetch", "@oldschool", "@nosuchchannel42", "--max-videos", "2", emu=emu, tty=tty)
    assert code == 2 and len(json.loads(out)) == 2
    lines = [ln for ln in err.splitlines() if not ln.endswith(": resolving…")]  # progress naming the inputs
    assert sum("nosuchchannel42" in ln for ln in lines) == 1
    assert lines[-1].startswith("error: ") and "no channel with the handle @nosuchchannel42" in lines[-1]


def test_several_bad_channels_are_one_error_line_that_counts_them(served):
    emu = served()
    bad = ("@nosuchchannel42", "@nobodyhere7", "UC" + "x" * 22)
    code, out, err = run("fetch", "@oldschool", *bad, "--max-videos", "2", "--quiet", emu=emu)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: 3 of 4 channel inputs were not fetched: ") and all(b in err for b in bad)
    code, out, err = run("fetch", "@oldschool", *bad, "--max-videos", "2", emu=emu, tty=True)
    lines = [ln for ln in err.splitlines() if not ln.endswith(": resolving…")]
    assert lines[-1] == "error: 3 of 4 channel inputs were not fetched (reasons above)."
    assert [sum(b in ln for ln in lines) for b in bad] == [1, 1, 1]  # each reason once, above the error line
    assert sum(ln.startswith("error:") for ln in lines) == 1


# ------------------------------------------------------------------ buckets, footer, invalid key


def test_a_spent_search_bucket_keeps_the_other_rows_and_exits_3_naming_the_bucket(served):
    emu = served(search_daily_calls=0)
    code, out, err = run("fetch", "youtube.com/c/OldSchoolTutorials", "@y2sdemo", "--max-videos", "2", emu=emu)
    assert code == 3 and len(json.loads(out)) == 2
    last = err.splitlines()[-1]
    assert last.startswith("error: ") and "search quota exhausted" in last and "100 calls a day" in last
    assert emu.emu.units_used > 0 and emu.emu.search_calls_used == 0


def test_the_table_footer_says_how_types_were_decided(served):
    emu = served()
    code, out, err = run("fetch", "@y2sdemo", "@oldschool", "--max-videos", "2", "--format", "table", emu=emu)
    assert code == 0
    assert out.splitlines()[-2:] == ["types of Y2S Demo Lab: UUSH playlist",
                                     "types of Old School Tutorials: duration rule (approximate)"]


@pytest.mark.parametrize("body", ["new", "old"])
def test_an_invalid_key_exits_4_and_leaves_the_ledger_alone(served, body):
    emu = served(invalid_key=body)
    code, out, err = run("fetch", "@y2sdemo", emu=emu, key="bad-secret-42")
    assert code == 4 and "bad-secret-42" not in err and err.count("\n") == 1
    settings = Settings.from_env({"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"], "YOUTUBE_API_KEY": "bad-secret-42",
                                  "Y2S_YOUTUBE_API_URL": emu.url})
    assert not spent_today_by_method(settings)  # nothing recorded: Google does not bill a refused key
