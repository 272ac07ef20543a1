"""Hostile paths and hostile ``sync --config`` files (issue 17, items 5 and 6).

Item 5: a workbook path that is not text (a non-UTF-8 byte on the command line, which Python keeps as a
surrogate U+DC80..U+DCFF; a lone ``\\ud800`` in JSON) is refused by ``sheets.fileio.check_path_text``, the
one check every face goes through: CLI exit 2 with one ``error:`` line naming the character, HTTP 400 in
the documented JSON shape, before any YouTube call and before any file is written.

Item 6: a channels.toml is read at most ``schedule.MAX_CONFIG_BYTES`` (+1) bytes and checked key by key;
every hostile file below (deep nesting, every key of the wrong type, huge values and keys, NUL bytes,
invalid UTF-8, /dev/zero, a folder, a missing or empty file ...) is exit 2 with one short ``error:`` line
(under 300 characters), no traceback, and no YouTube call.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from y2s_core import cli
from y2s_core.dashboard.forms import push_target
from y2s_core.emulators.catalog import demo_catalog
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.errors import InputError
from y2s_core.settings import Settings
from y2s_core.sheets import confined_path, open_target

from .api_helpers import AUTH, api_client
from .conftest import REPO
from .test_fuzz import assert_clear

MAX_LINE = 300
MAX_CONFIG_BYTES = 1024 * 1024  # schedule.MAX_CONFIG_BYTES: 1 MiB
HUGE = 900_000  # under the size cap: the value itself reaches the checks
V1 = "/api/v1"


@pytest.fixture
def served(tmp_path):
    """(emulator, env for the CLI): every YouTube call the CLI makes is counted in ``emu.calls``."""
    emu = YouTubeEmulator(demo_catalog().copy())
    with serve(emu) as server:
        yield emu, {"Y2S_YOUTUBE_API_URL": server.url, "YOUTUBE_API_KEY": "k", "Y2S_DATA_DIR": str(tmp_path / "data")}


def run_inproc(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(args), stdin=io.StringIO("[]"), stdout=out, stderr=err, env=env)
    return code, out.getvalue(), err.getvalue()


def run_process(*args: str | bytes, env: dict[str, str], cwd: Path, stdin: str = "[]") -> subprocess.CompletedProcess:
    """``python -m y2s_core ARGS`` as a user runs it (bytes arguments reach argv as they are)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("YOUTUBE_", "Y2S_", "GOOGLE_"))}
    full_env.update(env, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "y2s_core", *args], cwd=cwd, env=full_env, input=stdin.encode(),
                          capture_output=True, timeout=120)


def assert_one_clear_line(code: int, err: str, phrase: str = "") -> None:
    """Exit 2, stderr exactly one ``error:`` line under MAX_LINE characters, no traceback, nothing unprintable."""
    lines = err.splitlines()
    assert code == 2, err[:500]
    assert len(lines) == 1 and lines[0].startswith("error: ") and err.endswith("\n"), err[:500]
    assert len(lines[0]) < MAX_LINE, (len(lines[0]), lines[0][:500])
    assert "Traceback" not in err and "unexpected" not in err.lower(), err[:500]
    assert lines[0].isprintable(), repr(lines[0][:500])
    assert phrase.lower() in lines[0].lower(), lines[0]


# ------------------------------------------------------------------------- item 5: paths that are not text

NOT_TEXT = ["x\udcff.xlsx", "sub\udc80dir/v.csv", "\ud800.xlsx", "v\udfff.csv", "nul\x00.xlsx"]


@pytest.mark.parametrize("spec", NOT_TEXT)
def test_every_path_builder_refuses_a_path_that_is_not_text(spec, tmp_path):
    from y2s_core import schedule
    from y2s_core.sheets.fileio import check_path_text

    assert schedule.MAX_CONFIG_BYTES == MAX_CONFIG_BYTES
    settings = Settings(data_dir=tmp_path, sheets_api_url="http://127.0.0.1:9")
    for attempt in (lambda: check_path_text(spec), lambda: open_target(spec, "Videos", settings),
                    lambda: confined_path(tmp_path, spec)):
        with pytest.raises(InputError) as e:
            attempt()
        msg = str(e.value)
        assert msg.isprintable() and len(msg) < MAX_LINE and ("not valid text" in msg or "control" in msg
                                                              or "NUL" in msg), msg
        msg.encode("utf-8")  # the message itself can be printed, logged and sent as JSON
    assert list(tmp_path.iterdir()) == []


# a plain workbook name that may hold surrogates: what the fuzz run's random text seldom builds
PLAIN_NAMES = st.builds("".join, st.tuples(
    st.text(alphabet=st.characters(categories=["L", "N", "Cs"], include_characters="-_ "), min_size=1, max_size=30),
    st.sampled_from([".xlsx", ".csv", ".XLSX"])))


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=PLAIN_NAMES)
def test_fuzzed_workbook_names_are_written_or_refused_clearly_on_every_face(name, tmp_path_factory):
    """The CLI's open_target, the app's push form and the API's confined name: a name is accepted (and a
    workbook with it is readable) or refused with one clear InputError; never an UnicodeEncodeError."""
    d = tmp_path_factory.mktemp("w")
    settings_ = Settings(data_dir=d, sheets_api_url="http://127.0.0.1:9")
    surrogate = any("\ud800" <= ch <= "\udfff" for ch in name)
    for face in (lambda: open_target(str(d / name.strip()), "Videos", settings_).read(),
                 lambda: push_target("local", "", name, "Videos", settings_),
                 lambda: str(confined_path(d, name)).encode("utf-8")):
        try:
            face()
        except Exception as e:  # noqa: BLE001 - asserted
            assert_clear(e, name)
            assert not surrogate or "not valid text" in str(e), str(e)
        else:
            assert not surrogate, f"{name!r} accepted"


@pytest.mark.parametrize("argv, phrase", [
    (["push", "--sheet", b"x\xff.xlsx"], "\\xff"),
    (["sync", "@y2sdemo", "--sheet", b"y\xff.csv"], "\\xff"),
    (["sync", "--config", b"c\xff.toml"], "\\xff"),
], ids=["push", "sync-sheet", "sync-config"])
def test_a_non_utf8_path_on_the_command_line_is_exit_2_before_any_call(served, tmp_path, argv, phrase):
    emu, env = served
    p = run_process(*argv, env=env, cwd=tmp_path)
    err = p.stderr.decode("utf-8")
    assert_one_clear_line(p.returncode, err, phrase)
    assert "not valid text" in err and p.stdout == b""
    assert emu.calls == []  # no quota spent
    assert not [f for f in os.listdir(tmp_path) if f != "data"]  # no workbook written under that name


@pytest.mark.parametrize("route, body", [
    ("push", {"rows": [{"video_id": "abcdefghijk", "title": "t"}], "sheet": "\ud800.xlsx"}),
    ("push", {"rows": [{"video_id": "abcdefghijk", "title": "t"}], "sheet": "\udcff.csv"}),
    ("process", {"channels": "@oldschool", "sheet": "\udcff.csv"}),
    ("process", {"channels": "@oldschool", "sheet": "\ud800.xlsx"}),
], ids=["push-d800", "push-dcff", "process-dcff", "process-d800"])
def test_the_api_answers_400_for_a_sheet_name_that_is_not_text(tmp_path, route, body):
    emu = YouTubeEmulator()
    with serve(emu) as server:
        settings = Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path)
        client = api_client(settings, raise_server_exceptions=False)
        r = client.post(f"{V1}/{route}", content=json.dumps(body), headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 400, r.text[:500]
    assert r.json()["kind"] == "InputError" and set(r.json()) == {"error", "kind"}
    bad = next(ch for ch in body["sheet"] if "\ud800" <= ch <= "\udfff")
    assert f"\\u{ord(bad):04x}" in r.json()["error"]  # names the character (escaped), whichever check said it
    assert emu.calls == []
    assert not list((tmp_path / "workbooks").glob("*"))  # nothing written


@pytest.mark.parametrize("sheet", ["\ud800.xlsx", "\udcff.csv", "a\udfffb.xlsx"])
def test_the_api_target_rule_itself_refuses_a_name_that_is_not_text(tmp_path, sheet):
    """Behind the request model's own checks: api_target (the rule /push and /process share) goes through
    sheets.confined_path, hence check_path_text."""
    from y2s_core.api import ApiConfig
    from y2s_core.api.routes import api_target

    with pytest.raises(InputError, match="not valid text") as e:
        api_target(sheet, "Videos", Settings(data_dir=tmp_path), ApiConfig(tokens=("t" * 32,)))
    json.dumps(str(e.value), ensure_ascii=False).encode("utf-8")  # the 400 body can be sent


# ----------------------------------------------------------------------- item 6: hostile --config files

ENTRY = {"channels": '["@y2sdemo"]', "sheet": '"{sheet}"'}


def entry(**keys: str) -> str:
    """A config with one [[sync]] entry whose keys are ENTRY's, overridden by ``keys`` (TOML text each)."""
    return "[[sync]]\n" + "".join(f"{k} = {v}\n" for k, v in {**ENTRY, **keys}.items())


def deep(opening: str, closing: str, n: int = 900) -> str:
    return opening * n + "1" + closing * n


HOSTILE: dict[str, str | bytes] = {
    # deep nesting: of arrays, inline tables, table headers and dotted keys
    "arrays 900 deep": "x = " + deep("[", "]"),
    "inline tables 900 deep": "x = " + deep("{a = ", "}"),
    "columns 900 deep": entry(columns=deep("[", "]")),
    "filters.types 900 deep": entry(filters="{ types = " + deep("[", "]") + " }"),
    "table header 900 deep": "[" + ".".join(["a"] * 900) + "]\nx = 1\n",
    "stats as a 5,000-deep table": entry() + "stats" + ".a" * 5000 + " = 1\n",
    "filters.match_tags as a 5,000-deep table": entry() + "filters.match_tags" + ".a" * 5000 + " = 1\n",
    "channels 200 deep": entry(channels=deep("[", "]", 200)),
    # every key the config knows, of the wrong type
    "name = 5": entry(name="5"),
    'name = ["a"]': entry(name='["a"]'),
    "channels = 5": entry(channels="5"),
    "channels = [[1]]": entry(channels="[[1]]"),
    "channels = [1]": entry(channels="[1]"),
    "channels = {a = 1}": entry(channels="{ a = 1 }"),
    "sheet = 5": entry(sheet="5"),
    'sheet = ["v.csv"]': entry(sheet='["v.csv"]'),
    "sheet with a NUL": entry(sheet='"v\\u0000.csv"'),
    "tab = 5": entry(tab="5"),
    "tab = {}": entry(tab="{}"),
    "stats = 5": entry(stats="5"),
    'stats = ["all"]': entry(stats='["all"]'),
    'full = "yes"': entry(full='"yes"'),
    "full = 2024-01-01": entry(full="2024-01-01"),
    "filters = 5": entry(filters="5"),
    "filters = false": entry(filters="false"),
    "filters = [1]": entry(filters="[1]"),
    'filters = "types=short"': entry(filters='"types=short"'),
    "filters.types = [[1]]": entry(filters="{ types = [[1]] }"),
    "filters.types = {a = 1}": entry(filters="{ types = { a = 1 } }"),
    "filters.since = 12:00:00": entry(filters="{ since = 12:00:00 }"),
    "filters.max_videos = inf": entry(filters="{ max_videos = inf }"),
    "filters.max_videos = nan": entry(filters="{ max_videos = nan }"),
    "filters.max_videos = 1.5": entry(filters="{ max_videos = 1.5 }"),
    "filters.match_tags = {}": entry(filters="{ match_tags = {} }"),
    "columns = [[1]]": entry(columns="[[1]]"),
    "columns = 5": entry(columns="5"),
    "columns = {a = 1}": entry(columns="{ a = 1 }"),
    "sync = 5": "sync = 5\n",
    "sync = [1]": "sync = [1]\n",
    "[sync] a table": '[sync]\nchannels = ["@y2sdemo"]\n',
    # huge values and keys (under the size cap: echoed shortened, never in full)
    "a huge name": entry(name=f'"{"x" * HUGE}"', stats="5"),
    "a huge stats": entry(stats=f'"{"x" * HUGE}"'),
    "a huge column": entry(columns=f'["{"x" * HUGE}"]'),
    "a huge filter value": entry(filters=f'{{ max_videos = "{"9x" * (HUGE // 2)}" }}'),
    "a huge channel": entry(channels=f'["@{"x" * HUGE}"]'),
    "a huge sheet": entry(sheet=f'"{"x" * HUGE}.csv"'),
    "a huge tab": entry(tab=f'"{"x" * HUGE}"'),
    "a huge top-level key": f'{"k" * HUGE} = 1\n',
    "a huge key in an entry": entry(**{"k" * HUGE: "1"}),
    "a huge filter name": entry(filters=f'{{ {"f" * HUGE} = 1 }}'),
    "two entries with one huge name": entry(name=f'"{"n" * 400_000}"') + entry(name=f'"{"n" * 400_000}"'),
    "5,000 unknown keys": "".join(f"key{i} = 1\n" for i in range(5000)),
    "a 5,000-digit number": "x = " + "1" * 5000 + "\n",
    "a name with escape codes": entry(name='"\\u001b[31mred\\u0007"', stats="5"),
    "a key with a NUL": '"a\\u0000b" = 1\n',
    # sizes and encodings
    "over the size cap (comments)": "#" * (MAX_CONFIG_BYTES + 10),
    "over the size cap (one value)": entry(name=f'"{"x" * (MAX_CONFIG_BYTES + 10)}"'),
    "a raw NUL byte": b'name = "a\x00b"\n',
    "invalid UTF-8": b'[[sync]]\nname = "\xff\xfe"\n',
    "UTF-16": '[[sync]]\nchannels = ["@y2sdemo"]\n'.encode("utf-16"),
    "binary": bytes(range(256)) * 8,
    "empty": b"",
    "only comments": "# nothing here\n",
}

PATHS = {  # --config FILE where FILE is not a config at all
    "/dev/zero": lambda tmp: "/dev/zero",
    "/dev/null": lambda tmp: "/dev/null",
    "a folder": lambda tmp: str(tmp),
    "a missing file": lambda tmp: str(tmp / "nope.toml"),
    "a file inside a file": lambda tmp: str(_file(tmp / "f.toml") / "c.toml"),
    "a 5,000-character path": lambda tmp: str(tmp / ("a" * 5000 + ".toml")),
    "a path with a NUL": lambda tmp: str(tmp / "c\x00.toml"),
    "a name that is not UTF-8": lambda tmp: os.fsdecode(bytes(_file(Path(os.fsdecode(os.fsencode(tmp) + b"/c\xff.toml"))))),
}


def _file(path: Path) -> Path:
    path.write_text(entry().replace("{sheet}", "v.csv"), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_a_hostile_config_file_is_one_short_error_line(served, tmp_path, case):
    emu, env = served
    content = HOSTILE[case]
    if isinstance(content, str):
        content = content.replace("{sheet}", str(tmp_path / "v.csv")).encode("utf-8")
    config = tmp_path / "c.toml"
    config.write_bytes(content)
    code, out, err = run_inproc("sync", "--config", str(config), env=env)
    assert_one_clear_line(code, err)
    assert out == "" and emu.calls == []
    assert not (tmp_path / "v.csv").exists()


@pytest.mark.parametrize("case", list(PATHS), ids=list(PATHS))
def test_a_config_path_that_is_no_config_is_one_short_error_line(served, tmp_path, case):
    emu, env = served
    code, out, err = run_inproc("sync", "--config", PATHS[case](tmp_path), env=env)
    assert_one_clear_line(code, err)
    assert out == "" and emu.calls == []


@pytest.mark.parametrize("case", ["arrays 900 deep", "stats as a 5,000-deep table", "a huge top-level key",
                                  "invalid UTF-8", "/dev/zero"])
def test_hostile_configs_as_a_process_say_one_line_and_no_traceback(served, tmp_path, case):
    emu, env = served
    if case in PATHS:
        path = PATHS[case](tmp_path)
    else:
        content = HOSTILE[case]
        path = str(tmp_path / "c.toml")
        Path(path).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    p = run_process("sync", "--config", path, env=env, cwd=tmp_path)
    assert_one_clear_line(p.returncode, p.stderr.decode("utf-8"))
    assert p.stdout == b"" and emu.calls == []


def test_the_messages_name_the_problem(served, tmp_path):
    """Not only short: each says what is wrong, quoting the user's text shortened."""
    emu, env = served
    said = {}
    for case in ("arrays 900 deep", "columns = [[1]]", "a huge stats", "a huge top-level key", "a raw NUL byte",
                 "invalid UTF-8", "over the size cap (comments)", "name = 5", "filters.types = [[1]]",
                 "a name with escape codes"):
        content = HOSTILE[case]
        if isinstance(content, str):
            content = content.replace("{sheet}", str(tmp_path / "v.csv")).encode("utf-8")
        (tmp_path / "c.toml").write_bytes(content)
        said[case] = run_inproc("sync", "--config", str(tmp_path / "c.toml"), env=env)[2]
    said["/dev/zero"] = run_inproc("sync", "--config", "/dev/zero", env=env)[2]
    said["a folder"] = run_inproc("sync", "--config", str(tmp_path), env=env)[2]
    assert "nests tables or arrays too deeply" in said["arrays 900 deep"]
    assert "columns must be a list of column names" in said["columns = [[1]]"]
    assert "stats must be one of none, recent, all, not 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'" in said["a huge stats"]
    assert "unknown key(s) 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkk…'" in said["a huge top-level key"]
    assert "is not valid TOML" in said["a raw NUL byte"]
    assert "is not UTF-8 text (byte 17)" in said["invalid UTF-8"]
    assert "larger than 1 MiB" in said["over the size cap (comments)"] and "larger than 1 MiB" in said["/dev/zero"]
    assert "name must be text, not a number" in said["name = 5"]
    assert "filters.types must be text, a number, a date or a list of them, not an array" in said["filters.types = [[1]]"]
    assert "('\\x1b[31mred\\x07')" in said["a name with escape codes"]
    assert "is a folder" in said["a folder"]
    assert emu.calls == []


def test_a_valid_config_near_the_edges_still_runs(served, tmp_path):
    """What the checks let through: a BOM, a TOML date, a one-text channels list, a comma-separated columns."""
    emu, env = served
    text = entry(name='"edge"', channels='"@oldschool"', columns='"first_seen"', stats='"none"',
                 filters="{ since = 2020-01-01, types = [\"long\", \"short\"], max_videos = 3 }")
    config = tmp_path / "c.toml"
    config.write_bytes("\ufeff".encode() + text.replace("{sheet}", str(tmp_path / "v.csv")).encode("utf-8"))
    code, out, err = run_inproc("sync", "--config", str(config), env=env)
    assert code == 0, err
    assert "[edge] pushed: 3 new" in out and (tmp_path / "v.csv").is_file()
