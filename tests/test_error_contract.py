"""The error contract under hostile input: one clean error and the contract's exit code, never
"unexpected ..."; and CSV output no spreadsheet evaluates (issue 9, items 4 and 8)."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest

from tests.api_helpers import AUTH, api_client
from y2s_core import cli
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.models import ROW_KEYS
from y2s_core.settings import Settings
from y2s_core.sheets.cells import clean_text

INJECTIONS = ["=HYPERLINK(\"https://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def run(*args: str, stdin: str = "", env: dict | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(args), stdin=io.StringIO(stdin), stdout=out, stderr=err,
                   env={"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"], **(env or {})})
    return code, out.getvalue(), err.getvalue()


def one_error(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "unexpected" not in lines[0] and "Traceback" not in err, err
    return lines[0]


# --------------------------------------------------------------------------------- 4. CSV injection


def test_fetch_csv_escapes_formula_looking_text_and_raw_csv_opts_out(monkeypatch):
    from y2s_core.cli import write_rows

    rows = [{"video_id": f"id{i:09d}", "title": t, "channel": t} for i, t in enumerate(INJECTIONS)]
    out = io.StringIO()
    write_rows(rows, "csv", out)
    got = list(csv.DictReader(io.StringIO(out.getvalue())))
    expected = ["'" + clean_text(t) for t in INJECTIONS]  # a CR becomes a line break, escaped as well
    assert [r["title"] for r in got] == expected and [r["channel"] for r in got] == expected
    raw = io.StringIO()
    write_rows(rows, "csv", raw, raw_csv=True)
    assert [r["title"] for r in csv.DictReader(io.StringIO(raw.getvalue()))] == [clean_text(t) for t in INJECTIONS]


def test_fetch_csv_of_the_demo_catalog_escapes_its_formula_titles():
    code, out, err = run("fetch", "@y2sdemo", "--format", "csv", "-q")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == list(ROW_KEYS)
    titles = [r["title"] for r in rows]
    assert any(t.startswith("'=") for t in titles), "the demo catalog has formula-looking titles"
    assert not any(t.startswith(("=", "+", "-", "@", "\t", "\r", "\n")) for t in titles)
    code, out, err = run("fetch", "@y2sdemo", "--format", "csv", "-q", "--raw-csv")
    assert code == 0 and any(r["title"].startswith("=") for r in csv.DictReader(io.StringIO(out)))


def test_the_same_escaping_as_a_csv_push(tmp_path):
    code, rows_json, _ = run("fetch", "@y2sdemo", "-q")
    code, out, _ = run("fetch", "@y2sdemo", "-q", "--format", "csv")
    printed = {r["video_id"]: r["title"] for r in csv.DictReader(io.StringIO(out))}
    assert run("push", "--sheet", str(tmp_path / "v.csv"), stdin=rows_json)[0] == 0
    with open(tmp_path / "v.csv", encoding="utf-8-sig", newline="") as f:
        stored = {r["Video ID"]: r["Title"] for r in csv.DictReader(f)}
    assert stored == printed


# ------------------------------------------------------------------------- 8. error-contract slips


@pytest.mark.parametrize("stdin, phrase", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('[{"video_id": "abcdefghijk", "views": ' + "9" * 5000 + "}]", "not valid JSON"),
    ("\ud800", "not valid JSON"),
    ('[{"title": "no id"}]', "no video id"),
    ('[{"video_id": "abcdefghijk"}, {"url": "https://example.com/x"}]', "1 row has no video id (row 2)"),
    ("[1, 2]", "array of objects"),
])
def test_hostile_stdin_rows_are_exit_2(tmp_path, stdin, phrase):
    code, out, err = run("push", "--sheet", str(tmp_path / "v.xlsx"), stdin=stdin)
    assert code == 2 and phrase in one_error(err) and len(err) < 400
    assert not (tmp_path / "v.xlsx").exists()


def test_an_absurd_view_count_on_stdin_is_pushed_as_unknown(tmp_path):
    rows = '[{"video_id": "abcdefghijk", "views": 1' + "0" * 400 + ', "likes": 1e400}]'
    for _ in range(2):
        code, out, err = run("push", "--sheet", str(tmp_path / "v.xlsx"), stdin=rows)
        assert code == 0, err
    code, out, err = run("push", "--sheet", str(tmp_path / "v.csv"), stdin=rows)
    assert code == 0 and "1 new" in out


def test_rows_without_ids_are_refused_by_the_rest_push_like_the_cli(tmp_path):
    book = tmp_path / "workbooks" / "v.xlsx"
    r = api_client(Settings(data_dir=tmp_path)).post(
        "/api/v1/push", headers=AUTH, json={"rows": [{"title": "no id"}, {"video_id": "abcdefghijk"}], "sheet": "v.xlsx"})
    assert r.status_code == 400 and r.json()["kind"] == "InputError"
    assert "no video id (row 1)" in r.json()["error"]
    assert not book.exists()
    code, out, err = run("push", "--sheet", str(book), stdin='[{"title": "no id"}, {"video_id": "abcdefghijk"}]')
    assert code == 2 and "no video id (row 1)" in err


@pytest.mark.parametrize("key", ["k3y-first\nsecond", "k3y-one\r\nX", "k3y-two key", "k3y-threé"])
def test_a_key_with_a_line_break_is_a_clear_error_not_a_header_crash(key):
    emu = YouTubeEmulator()
    with serve(emu) as server:
        code, out, err = run("fetch", "@y2sdemo", env={"YOUTUBE_API_KEY": key, "Y2S_YOUTUBE_API_URL": server.url})
    line = one_error(err)
    assert code == 2 and "YOUTUBE_API_KEY" in line and "line break" in line
    assert key.split()[0] not in line and sum(emu.calls_by_method.values()) == 0


def test_unwritable_and_too_long_targets_through_the_cli(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run("push", "--sheet", str(blocker / "v.xlsx"), stdin='[{"video_id": "abcdefghijk"}]')
    assert code == 2 and "Cannot write" in one_error(err)  # checked before anything else: invalid input
    code, out, err = run("push", "--sheet", "/tmp/" + "x" * 5000 + ".csv", stdin='[{"video_id": "abcdefghijk"}]')
    assert code == 2 and "too long" in one_error(err)


def test_fetch_output_survives_a_lone_surrogate_in_a_title():
    from y2s_core.cli import write_rows

    rows = [{"video_id": "abcdefghijk", "title": "bad \ud800 title", "channel": "c\x00h"}]
    for fmt in ("json", "csv", "table"):
        buf = io.BytesIO()
        out = io.TextIOWrapper(buf, encoding="utf-8")  # what main() gives sys.stdout
        write_rows(rows, fmt, out)
        out.flush()
        text = buf.getvalue().decode("utf-8")
        assert "bad \ufffd title" in text, fmt
    assert json.loads(_json_text(rows))[0]["title"] == "bad \ufffd title"


def _json_text(rows: list[dict]) -> str:
    from y2s_core.cli import write_rows

    out = io.StringIO()
    write_rows(rows, "json", out)
    return out.getvalue()
