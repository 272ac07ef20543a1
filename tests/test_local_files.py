"""A user's local workbook is never damaged: concurrent pushes, odd characters, permissions, symlinks,
unwritable folders, broken files. Each test reproduces a failure found in issue 9."""

from __future__ import annotations

import io
import multiprocessing
import os
import stat
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from y2s_core import cli
from y2s_core.errors import InputError, PermissionDenied, SheetsError, Y2SError
from y2s_core.sheets import LocalWorkbookTarget, fileio, push, workbook_bytes
from y2s_core.sheets.cells import clean_text

from .conftest import video_row

FORMATS = ["xlsx", "csv"]


def rows(start: int, n: int, **kw) -> list[dict]:
    return [video_row(i, **kw) for i in range(start, start + n)]


def ids_in(path: Path) -> list[str]:
    grid = LocalWorkbookTarget(path).read()
    col = grid[0].index("Video ID")
    return [r[col] for r in grid[1:]]


def run_cli(*args: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(args), stdin=io.StringIO(stdin), stdout=out, stderr=err,
                   env={"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"]})
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------------------ 2. concurrent pushes

WORKERS, PER_WORKER = 6, 40


def _cli_push_worker(path: str, start: int, barrier, results) -> None:  # a child process: one CLI push
    import json

    barrier.wait()
    code, out, err = run_cli("push", "--sheet", path, "-q", stdin=json.dumps(rows(start, PER_WORKER)))
    results.put((start, code, out, err))


@pytest.mark.parametrize("fmt", FORMATS)
def test_parallel_cli_pushes_to_one_workbook_keep_every_row(tmp_path, fmt):
    path = tmp_path / f"videos.{fmt}"
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    procs = [ctx.Process(target=_cli_push_worker, args=(str(path), k * 1000, barrier, results))
             for k in range(WORKERS)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    for start, code, out, err in outcomes:
        assert code == 0, err
        assert f"{PER_WORKER} new, 0 updated, 0 unchanged" in out, (start, out)
    written = ids_in(path)
    assert len(written) == WORKERS * PER_WORKER == len(set(written))
    assert not list(tmp_path.glob(".*")), "no lock or temp file is left beside the workbook"


@pytest.mark.parametrize("fmt", FORMATS)
def test_app_sessions_pushing_to_one_workbook_keep_every_row(tmp_path, fmt):
    """Streamlit runs each session in a thread of one process: the lock must hold between threads too."""
    path = tmp_path / f"youtube2sheets.{fmt}"
    plans, errors = [], []
    start = threading.Barrier(5)

    def session(k: int) -> None:
        start.wait()
        try:
            plans.append(push(rows(k * 100, 30), LocalWorkbookTarget(path)).plan.new)
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=session, args=(k,)) for k in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and plans == [30] * 5
    assert len(set(ids_in(path))) == 150


def _hold_lock(path: str, held, release) -> None:  # a child process holding the workbook's lock
    with fileio.exclusive(Path(path), timeout=5):
        held.set()
        release.wait(300)  # the test sets it when done, however loaded the machine


def test_a_held_lock_times_out_with_a_clear_busy_error(tmp_path, monkeypatch):
    path = tmp_path / "videos.xlsx"
    push(rows(0, 3), LocalWorkbookTarget(path))
    ctx = multiprocessing.get_context("fork")
    held, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(path), held, release))
    holder.start()
    try:
        assert held.wait(30)
        with pytest.raises(SheetsError, match=r"^busy: another push is writing .*videos\.xlsx; try again") as e:
            push(rows(10, 3), LocalWorkbookTarget(path, lock_timeout=0.3))
        assert e.value.exit_code == 1
        monkeypatch.setattr(fileio, "LOCK_TIMEOUT_SECONDS", 0.3)
        code, out, err = run_cli("push", "--sheet", str(path), stdin='[{"video_id": "abcdefghijk"}]')
        assert code == 1 and err.splitlines()[-1].startswith("error: busy: another push is writing")
        assert "unexpected" not in err
        said: list[str] = []
        dry = push(rows(10, 3), LocalWorkbookTarget(path, lock_timeout=0.3), dry_run=True, progress=said.append)
        assert dry.plan.new == 3, "a dry run only reads: it does not wait for the lock"
    finally:
        release.set()
        holder.join(timeout=30)
    said = []
    assert push(rows(10, 3), LocalWorkbookTarget(path), progress=said.append).plan.new == 3
    assert ids_in(path) == [f"vid{i:08d}" for i in (0, 1, 2, 10, 11, 12)]


def test_a_push_that_must_wait_says_so(tmp_path):
    path = tmp_path / "videos.csv"
    said: list[str] = []
    waiting = threading.Event()

    def progress(message: str) -> None:
        said.append(message)
        if message.startswith("Waiting for another push"):
            waiting.set()

    with fileio.exclusive(path, timeout=5):  # held until the second push has said it waits, however long
        t = threading.Thread(target=lambda: push(rows(0, 2), LocalWorkbookTarget(path), progress=progress))
        t.start()
        assert waiting.wait(60), "the second push says it waits for the first"
        assert t.is_alive() and not path.exists(), "and it does wait"
    t.join(timeout=60)
    assert not t.is_alive() and len(ids_in(path)) == 2


# ------------------------------------------------------------------------- 3. characters a file cannot hold

NASTY = "a\ud800b\udfffc\x00d\x07e\x1bf\ufffeg\ttab\nnew\rcr 🎬"


def test_clean_text_keeps_what_xml_can_hold_and_drops_the_rest():
    assert clean_text(NASTY) == "a\ufffdb\ufffdcdef\ufffdg\ttab\nnew\ncr 🎬"
    assert clean_text("one\r\ntwo") == "one\ntwo"
    assert clean_text("\ud83c\udfac") == "🎬", "a surrogate pair split by JSON is joined again"
    assert clean_text("plain") == "plain"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_lone_surrogate_or_control_in_a_title_leaves_the_workbook_readable(tmp_path, fmt):
    path = tmp_path / f"videos.{fmt}"
    bad = rows(0, 2, title=NASTY)
    assert push(bad, LocalWorkbookTarget(path)).plan.new == 2
    assert push(rows(5, 1), LocalWorkbookTarget(path)).plan.new == 1, "a later push still reads the file"
    grid = LocalWorkbookTarget(path).read()
    assert grid[1][grid[0].index("Title")] == clean_text(NASTY)
    if fmt == "xlsx":
        ws = openpyxl.load_workbook(path)["Videos"]  # what Excel would parse
        assert ws.cell(2, 5).value == clean_text(NASTY)
    else:
        path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_downloads_clean_the_same_characters(tmp_path, fmt):
    data = workbook_bytes(rows(0, 1, title=NASTY), fmt)
    path = tmp_path / f"download.{fmt}"
    path.write_bytes(data)
    assert clean_text(NASTY) in [str(v) for v in LocalWorkbookTarget(path).read()[1]]


def _zip(entries: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in entries.items():
            z.writestr(name, text)
    return buf.getvalue()


def _xlsx_with_bad_sheet_xml(tmp_path: Path) -> bytes:
    good = tmp_path / "good.xlsx"
    push(rows(0, 2), LocalWorkbookTarget(good))
    with zipfile.ZipFile(good) as z:
        entries = {n: z.read(n).decode("utf-8") for n in z.namelist()}
    sheet = next(n for n in entries if n.startswith("xl/worksheets/sheet"))
    entries[sheet] = entries[sheet].replace("Video 1", "Video &#xD800; 1")  # what a lone surrogate produced
    return _zip(entries)


@pytest.mark.parametrize("content", ["bad-sheet-xml", "truncated", "random", "empty", "not-a-workbook-zip"])
def test_a_workbook_that_cannot_be_parsed_is_a_clear_error_naming_the_file(tmp_path, content):
    path = tmp_path / "videos.xlsx"
    data = {
        "bad-sheet-xml": lambda: _xlsx_with_bad_sheet_xml(tmp_path),
        "truncated": lambda: workbook_bytes(rows(0, 50), "xlsx")[:3000],
        "random": lambda: os.urandom(4000),
        "empty": lambda: b"",
        "not-a-workbook-zip": lambda: _zip({"hello.txt": "hi"}),
    }[content]()
    path.write_bytes(data)
    with pytest.raises(SheetsError, match="videos.xlsx") as e:
        push(rows(0, 1), LocalWorkbookTarget(path))
    assert "\n" not in str(e.value) and "unexpected" not in str(e.value)
    code, out, err = run_cli("push", "--sheet", str(path), stdin='[{"video_id": "abcdefghijk"}]')
    assert code == 1 and "videos.xlsx" in err and "unexpected" not in err
    assert path.read_bytes() == data, "the broken file is left as it was"


# ------------------------------------------------------------------------- 6. permissions, symlinks, fsync


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield lambda m: os.umask(m)
    os.umask(old)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_re_push_keeps_the_files_permissions(tmp_path, fmt, umask):
    path = tmp_path / f"videos.{fmt}"
    push(rows(0, 1), LocalWorkbookTarget(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o644, "a new file gets 0666 minus the umask"
    path.chmod(0o664)
    push(rows(1, 1), LocalWorkbookTarget(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o664
    path.chmod(0o600)
    push(rows(2, 1), LocalWorkbookTarget(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_new_file_respects_the_umask(tmp_path, umask):
    umask(0o002)
    push(rows(0, 1), LocalWorkbookTarget(tmp_path / "shared.csv"))
    assert stat.S_IMODE((tmp_path / "shared.csv").stat().st_mode) == 0o664


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_push_writes_through_a_symlink_to_its_target(tmp_path, fmt):
    real = tmp_path / "data" / f"real.{fmt}"
    real.parent.mkdir()
    push(rows(0, 1), LocalWorkbookTarget(real))
    link = tmp_path / f"link.{fmt}"
    link.symlink_to(os.path.relpath(real, tmp_path))
    push(rows(1, 1), LocalWorkbookTarget(link))
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert ids_in(real) == ["vid00000000", "vid00000001"]
    dangling = tmp_path / f"new-link.{fmt}"
    dangling.symlink_to(tmp_path / "data" / f"created.{fmt}")
    push(rows(2, 1), LocalWorkbookTarget(dangling))
    assert dangling.is_symlink() and ids_in(tmp_path / "data" / f"created.{fmt}") == ["vid00000002"]


def test_the_temp_file_is_synced_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file")
        real_fsync(fd)

    def replace(a, b) -> None:
        events.append("rename")
        real_replace(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    push(rows(0, 1), LocalWorkbookTarget(tmp_path / "v.xlsx"))
    assert events == ["fsync-file", "rename", "fsync-dir"]


KILL_POINTS = ("holding the lock, reading", "temp file written, not renamed", "renamed, lock not yet released",
               "anywhere", "anywhere", "anywhere")


def _push_until_killed(path: str, point: str, there) -> None:
    """A child process pushing batch after batch until killed. It stops at ``point`` of its first push that
    gets there (the push's own code, paused: the lock is held), sets ``there`` and waits for the kill; at
    "anywhere" it sets ``there`` after a whole push and goes on pushing, to be killed wherever it is."""

    def pause() -> None:
        there.set()
        threading.Event().wait()  # until SIGKILL

    if point.startswith("holding"):
        real_read = LocalWorkbookTarget.read

        def read(self):
            grid = real_read(self)
            pause()
            return grid

        LocalWorkbookTarget.read = read  # this (forked) process only
    elif point.startswith("temp"):
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            if stat.S_ISREG(os.fstat(fd).st_mode):  # the temp file, written and about to be synced
                pause()
            real_fsync(fd)

        os.fsync = fsync
    elif point.startswith("renamed"):
        real_replace = os.replace

        def replace(a, b) -> None:
            real_replace(a, b)
            pause()

        os.replace = replace
    k = 0
    while True:
        push(rows(k * 500, 500), LocalWorkbookTarget(path))
        k += 1
        if point == "anywhere":
            there.set()


@pytest.mark.parametrize("fmt", FORMATS)
def test_kill_9_mid_push_leaves_a_whole_workbook_and_no_stuck_lock(tmp_path, fmt):
    """kill -9 at the three points that matter (each reached for sure: the child says when it is there),
    then at random points after a whole push. No sleep decides the outcome: a loaded machine only moves
    where the random kills land."""
    import random
    import signal

    path = tmp_path / f"videos.{fmt}"
    push(rows(0, 500), LocalWorkbookTarget(path))  # a workbook to damage, whatever the load
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(4)
    extras = 0
    for trial, point in enumerate(KILL_POINTS):
        before = ids_in(path)
        there = ctx.Event()
        child = ctx.Process(target=_push_until_killed, args=(str(path), point, there), daemon=True)
        child.start()
        try:
            assert there.wait(120), f"the child never got to: {point}"
            if point == "anywhere":
                time.sleep(rng.uniform(0, 0.3))  # only where the kill lands: any point must pass
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.join(timeout=60)
        written = ids_in(path)  # parses: the old file or the new one, never half of each
        assert (len(written) - extras) % 500 == 0 and len(set(written)) == len(written), point
        if point.startswith(("holding", "temp")):
            assert written == before, point
        elif point.startswith("renamed"):
            assert written[:len(before)] == before and len(written) == len(before) + 500, point
            assert (tmp_path / f".{path.name}.lock").exists(), "killed while holding it"
        said: list[str] = []
        extra = rows(10**6 + trial, 1)
        assert push(extra, LocalWorkbookTarget(path, lock_timeout=5), progress=said.append).plan.new == 1
        assert not any(m.startswith("Waiting") for m in said), "the killed push's lock died with it"
        extras += 1
    leftovers = list(tmp_path.glob(".*.tmp"))  # temp files of pushes killed mid-write
    assert leftovers, "the kill after the temp file was written left it"
    for t in leftovers:
        os.utime(t, (time.time() - 3600, time.time() - 3600))
    push(rows(2 * 10**6, 1), LocalWorkbookTarget(path))
    assert list(tmp_path.glob(".*.tmp")) == [], "the next push removes what a killed one left"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], "and no lock file stays behind"


@pytest.mark.parametrize("code, phrase", [(28, "the disk is full"), (30, "the file system is read-only"),
                                           (5, "Input/output error")])
def test_a_write_failing_half_way_keeps_the_old_workbook_and_leaves_no_temp_file(tmp_path, monkeypatch, code, phrase):
    path = tmp_path / "v.xlsx"
    push(rows(0, 3), LocalWorkbookTarget(path))
    before = path.read_bytes()
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(code, os.strerror(code))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(SheetsError, match=rf"Cannot write .*v\.xlsx: {phrase}"):
        push(rows(10, 3), LocalWorkbookTarget(path))
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["v.xlsx"]


def test_only_old_temp_files_are_removed(tmp_path):
    path = tmp_path / "v.csv"
    push(rows(0, 1), LocalWorkbookTarget(path))
    old, live = tmp_path / ".v.csv.dead0001.tmp", tmp_path / ".v.csv.live0002.tmp"
    for t in (old, live):
        t.write_bytes(b"partial")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    push(rows(1, 1), LocalWorkbookTarget(path))
    assert not old.exists() and live.exists(), "a temp file another push is writing right now is left alone"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="only root can give a file to another user")
def test_a_re_push_by_root_keeps_the_files_owner(tmp_path):
    path = tmp_path / "v.xlsx"
    push(rows(0, 1), LocalWorkbookTarget(path))
    os.chown(path, 4321, 4321)
    path.chmod(0o640)
    push(rows(1, 1), LocalWorkbookTarget(path))
    st = path.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (4321, 4321, 0o640)


# ----------------------------------------------------------------------- 8. errors that were "unexpected"


def test_a_folder_that_cannot_hold_files_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    # the CLI checks the target before anything else (exit 2 for a path under a file); what only fails while
    # writing (/proc) is the push's own error (exit 1)
    for path, exit_code in ((blocker / "v.xlsx", 2), (Path("/proc/y2s-test/v.csv"), 1), (Path("/proc/v.xlsx"), 1)):
        with pytest.raises(SheetsError, match="Cannot write") as e:
            push(rows(0, 1), LocalWorkbookTarget(path))
        assert str(path.name) in str(e.value) and "\n" not in str(e.value)
        code, out, err = run_cli("push", "--sheet", str(path), stdin='[{"video_id": "abcdefghijk"}]')
        assert code == exit_code and "Cannot write" in err and "unexpected" not in err, err


def test_a_folder_without_write_permission_is_exit_4(tmp_path, monkeypatch):
    """Root may write anywhere, so the refusal a user meets is played by os.open (the real call that fails)."""
    real_open = os.open

    def refuse(path, flags, *args, **kw):
        if flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(PermissionDenied, match=r"Cannot write .*v\.xlsx: permission denied") as e:
        push(rows(0, 1), LocalWorkbookTarget(tmp_path / "v.xlsx"))
    assert e.value.exit_code == 4
    assert list(tmp_path.iterdir()) == [], "no temp file is left behind"


@pytest.mark.parametrize("path", ["/tmp/" + "a" * 5000 + ".xlsx", "/tmp/" + "/".join(["b" * 200] * 30) + ".csv"])
def test_a_path_too_long_for_the_system_is_invalid_input(path):
    with pytest.raises(InputError, match="too long") as e:
        push(rows(0, 1), LocalWorkbookTarget(path))
    assert len(str(e.value)) < 300
    code, out, err = run_cli("push", "--sheet", path, stdin='[{"video_id": "abcdefghijk"}]')
    last = err.splitlines()[-1]
    assert code == 2 and last.startswith("error: The path") and "too long" in last and len(last) < 300


def test_a_file_name_with_a_control_character_is_invalid_input():
    for name in ("a\x00b.xlsx", "a\nb.csv"):
        with pytest.raises(InputError, match="control character"):
            LocalWorkbookTarget(name)


@pytest.mark.parametrize("fmt", FORMATS)
def test_absurd_counts_are_left_blank_not_a_crash(tmp_path, fmt):
    path = tmp_path / f"v.{fmt}"
    huge = [dict(video_row(0), views=10**400, likes=float("inf"), comments=-(10**30))]
    push(huge, LocalWorkbookTarget(path))
    push(huge, LocalWorkbookTarget(path))
    grid = LocalWorkbookTarget(path).read()
    assert [grid[1][grid[0].index(c)] for c in ("Views", "Likes", "Comments")] == ["", "", ""]


@pytest.mark.parametrize("seconds", [float("inf"), float("nan"), -5, 10**400, 1e300])
def test_an_impossible_duration_is_left_as_the_row_gives_it(tmp_path, seconds):
    row = dict(video_row(0), duration_seconds=seconds, duration="1:15")
    push([row], LocalWorkbookTarget(tmp_path / "v.csv"))
    grid = LocalWorkbookTarget(tmp_path / "v.csv").read()
    assert grid[1][grid[0].index("Duration")] == "1:15"


def test_rows_without_a_video_id_are_refused_before_anything_is_read_or_written(tmp_path):
    path = tmp_path / "v.xlsx"
    bad = [video_row(0), {"title": "no id"}, {"url": "https://example.com/not-youtube"}]
    for dry_run in (False, True):
        with pytest.raises(InputError, match=r"2 rows have no video id \(row 2, row 3\)") as e:
            push(bad, LocalWorkbookTarget(path), dry_run=dry_run)
        assert e.value.exit_code == 2
    assert not path.exists()
    assert isinstance(e.value, Y2SError)
