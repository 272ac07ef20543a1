"""A failing store degrades (README: the store is a convenience, never the reason rows are lost).

A corrupted, misplaced or unreachable store is one warning; ``sync`` still pushes its rows and ``fetch`` still
prints them. A malformed ``Y2S_DATABASE_URL`` is one clear input error (exit 2) for the commands whose point is
the store (``sync``, ``fetch --new``, ``history``), never printing its password; a plain ``fetch`` still works.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
from pathlib import Path

import pytest

from y2s_core.cli import run
from y2s_core.sheets import LocalWorkbookTarget
from y2s_core.sheets.planner import video_ids


def _random(path: Path) -> None:
    path.write_bytes(os.urandom(5000))


def _header_then_garbage(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000)


def _folder(path: Path) -> None:
    path.mkdir()


def _zeros(path: Path) -> None:
    path.write_bytes(b"\x00" * 8192)


def _text(path: Path) -> None:
    path.write_text("not a database\n" * 100)


def _truncated(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
    con.commit()
    con.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3 + 100])


def _foreign_schema(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE videos (whatever TEXT)")  # a file some other tool made
    con.execute("CREATE TABLE schema_version (version INTEGER)")
    con.execute("INSERT INTO schema_version VALUES (999)")
    con.commit()
    con.close()


CORRUPTIONS = [_random, _header_then_garbage, _folder, _zeros, _text, _truncated, _foreign_schema]


def _cli(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(args, stdout=out, stderr=err, env=env)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__.strip("_"))
def test_sync_with_a_corrupted_store_warns_and_still_pushes_every_row(tmp_path, corrupt):
    data = tmp_path / "data"
    data.mkdir()
    corrupt(data / "y2s.sqlite")
    sheet = tmp_path / "out.csv"
    code, out, err = _cli(["sync", "@y2sdemo", "--sheet", str(sheet)], {"Y2S_DATA_DIR": str(data)})
    assert code == 0, err
    assert "warning:" in err and "Traceback" not in err
    assert "pushed: 150 new" in out
    assert len(video_ids(LocalWorkbookTarget(sheet).read())) == 150


def test_sync_with_an_unreachable_postgresql_warns_and_still_pushes(tmp_path):
    url = "postgresql://y2s:S3cretPassw0rd@127.0.0.1:1/y2s"  # nothing listens on port 1
    sheet = tmp_path / "out.csv"
    code, out, err = _cli(["sync", "@y2sdemo", "--sheet", str(sheet)],
                          {"Y2S_DATA_DIR": str(tmp_path), "Y2S_DATABASE_URL": url})
    assert code == 0, err
    assert "pushed: 150 new" in out
    assert "warning:" in err and "S3cretPassw0rd" not in err + out


@pytest.mark.parametrize("url", [
    "postgresql://y2s:S3cretPassw0rd@db.example:notaport/y2s",
    "mysql://y2s:S3cretPassw0rd@db.example/y2s",
    "postgresql://y2s:S3cretPassw0rd@db.example:99999999/y2s",
    "://S3cretPassw0rd",
])
@pytest.mark.parametrize("command", [["sync", "@y2sdemo", "--sheet", "{tmp}/out.csv"], ["fetch", "@y2sdemo", "--new"],
                                     ["history", "@y2sdemo"]])
def test_a_malformed_database_url_is_one_input_error_before_any_call(tmp_path, url, command):
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    code, out, err = _cli(args, {"Y2S_DATA_DIR": str(tmp_path), "Y2S_DATABASE_URL": url})
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Y2S_DATABASE_URL"), err
    assert "S3cretPassw0rd" not in err + out
    assert not (tmp_path / "out.csv").exists()


def test_a_plain_fetch_works_without_the_store_a_malformed_url_names(tmp_path):
    url = "mysql://y2s:S3cretPassw0rd@db.example/y2s"
    code, out, err = _cli(["fetch", "@y2sdemo", "--max-videos", "3"], {"Y2S_DATA_DIR": str(tmp_path), "Y2S_DATABASE_URL": url})
    assert code == 0, err
    assert len(json.loads(out)) == 3
    assert "warning:" in err and "S3cretPassw0rd" not in err


@pytest.mark.parametrize("url, shown", [
    ("postgresql://y2s@db.example/y2s?password=S3cretPassw0rd", "password=***"),
    ("postgresql://y2s:S3cret@Passw0rd@127.0.0.1:1/y2s", "@127.0.0.1:1/y2s"),
])
def test_the_password_never_shows_in_a_store_warning_whatever_its_form(tmp_path, url, shown):
    code, out, err = _cli(["fetch", "@y2sdemo", "--max-videos", "1"], {"Y2S_DATA_DIR": str(tmp_path), "Y2S_DATABASE_URL": url})
    assert code == 0, err
    assert "S3cret" not in err and "Passw0rd" not in err
    assert shown in err
