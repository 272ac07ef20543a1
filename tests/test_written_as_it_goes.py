"""Spend is written as it is spent: a CLI run killed with -9 mid-fetch has left its units in the ledger.

The YouTube emulator is served on 127.0.0.1 behind a gate: after ``N`` answered calls it holds every further
request (the process is then stuck mid-listing, as a slow network would leave it). The test waits for the
gate to be reached, then for the ledger to catch up, then kills the process with SIGKILL, and compares the
ledger with what the emulator charged.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.quota import main_units
from y2s_core.settings import Settings
from y2s_core.store import Store
from y2s_core.store.ledger import FLUSH_UNITS, Ledger

REPO = Path(__file__).resolve().parent.parent


class GatedEmulator:
    """The emulator, answering ``open_for`` calls, then holding every request until ``release``."""

    takes_started = False

    def __init__(self, open_for: int) -> None:
        self.emu = YouTubeEmulator()
        self.open_for = open_for
        self.answered = 0
        self.done = 0  # passing requests the emulator has finished answering (and billing)
        self.reached = threading.Event()  # a request arrived past the gate
        self.release = threading.Event()
        self._lock = threading.Condition()

    def handle(self, method, url, headers, body, **kw):
        with self._lock:
            passing = self.answered < self.open_for
            if passing:
                self.answered += 1
        if not passing:
            self.reached.set()
            self.release.wait(120)
            return 503, {"content-type": "application/json"}, b'{"error": {"code": 503, "message": "gone"}}'
        try:
            return self.emu.handle(method, url, headers, body)
        finally:
            with self._lock:
                self.done += 1
                self._lock.notify_all()

    def wait_stuck(self, timeout: float = 120) -> bool:
        """A request came past the gate and every one before it has been answered (so billed): the run is stuck."""
        if not self.reached.wait(timeout):
            return False
        with self._lock:
            return self._lock.wait_for(lambda: self.done >= self.open_for, timeout)


def _ledger(data_dir: Path, key: str, url: str | None = None) -> dict[str, int]:
    fp = Settings(youtube_api_key=key, youtube_api_url=url, data_dir=data_dir).account_fingerprint
    return Store.in_dir(data_dir).quota_today(fp)


@contextlib.contextmanager
def _running(gate: GatedEmulator, args: list[str], env: dict[str, str], cwd: Path):
    """``python -m y2s_core ARGS`` running against the gate; on the way out the gate lets go and the process
    is gone (killed if the test did not kill it)."""
    proc = subprocess.Popen([sys.executable, "-m", "y2s_core", *args], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        gate.release.set()
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)


def _kill_9(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)


def _wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("command", [
    ["fetch", "@bigchannel", "--format", "json"],
    ["fetch", "@bigchannel", "--new"],
    ["sync", "@bigchannel", "--sheet", "{tmp}/out.csv"],
])
def test_kill_9_mid_fetch_leaves_the_spend_in_the_ledger_within_a_few_units(tmp_path, command):
    gate = GatedEmulator(open_for=40)  # @bigchannel needs 107 calls: the run is stuck two fifths of the way
    key = "AIzaKILLTEST"
    env = {**os.environ, "YOUTUBE_API_KEY": key, "Y2S_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    env.pop("Y2S_DATABASE_URL", None)
    with serve(gate) as server:
        env["Y2S_YOUTUBE_API_URL"] = server.url
        args = [a.replace("{tmp}", str(tmp_path)) for a in command]
        with _running(gate, [*args, "--force"], env, tmp_path) as proc:
            assert gate.wait_stuck(), "no request reached the gate"
            # 40 calls charged: main-pool units, and (a tab listing's details) videos.batchGetStats calls
            charged = sum(gate.emu.units_by_method.values())
            assert charged == 40 and main_units(gate.emu.units_by_method) > 0
            # the process is stuck on the gate: what it has received is written within FLUSH_UNITS (either bucket)
            assert _wait(lambda: sum(_ledger(tmp_path, key, server.url).values()) >= charged - (FLUSH_UNITS - 1), 60), \
                _ledger(tmp_path, key, server.url)
            _kill_9(proc)
        after = _ledger(tmp_path, key, server.url)
    assert charged - (FLUSH_UNITS - 1) <= sum(after.values()) <= charged
    for method, units in after.items():  # per method too, never more than the emulator charged
        assert units <= gate.emu.units_by_method.get(method, 0), (method, after)


def test_the_ledger_buffers_at_most_a_few_units_and_writes_the_rest_when_settled(tmp_path):
    settings = Settings(youtube_api_key="k", data_dir=tmp_path)
    ledger = Ledger(settings)
    for _ in range(FLUSH_UNITS - 1):
        ledger("videos.list", 1)
    assert _ledger(tmp_path, "k") == {}  # below the threshold: one write saved
    ledger("playlistItems.list", 1)
    assert main_units(_ledger(tmp_path, "k")) == FLUSH_UNITS
    ledger("videos.list", 1)
    assert ledger.today() == FLUSH_UNITS + 1


def test_a_ledger_that_cannot_be_written_warns_once_and_keeps_its_units_for_later(tmp_path, caplog):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data dir should be")
    ledger = Ledger(Settings(youtube_api_key="AIzaSECRET", data_dir=blocked))
    with caplog.at_level("WARNING", logger="y2s_core.quota"):
        for _ in range(3 * FLUSH_UNITS):
            ledger("videos.list", 1)
        assert ledger.today() is None
    warnings = [r for r in caplog.records if r.name == "y2s_core.quota"]
    assert len(warnings) == 1 and str(blocked) in warnings[0].getMessage()
    assert "SECRET" not in warnings[0].getMessage()
    blocked.unlink()  # the folder can be made now: the kept units are written
    assert ledger.today() == 3 * FLUSH_UNITS


# ------------------------------------------------------------------ every writer of a workbook takes its lock


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_sync_waits_for_a_push_holding_the_workbook_and_keeps_its_rows(tmp_path, fmt):
    """A push holds the workbook (its lock) and writes rows while ``sync`` runs: the sync waits for the lock,
    then reads the workbook with those rows in it, so neither loses the other's rows."""
    from y2s_core.sheets import LocalWorkbookTarget, plan_upsert
    from y2s_core.sheets.fileio import exclusive

    path = tmp_path / f"videos.{fmt}"
    env = {**os.environ, "Y2S_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO)}
    for name in ("YOUTUBE_API_KEY", "Y2S_YOUTUBE_API_URL", "Y2S_DATABASE_URL"):
        env.pop(name, None)  # demo mode: the built-in emulator
    theirs = [{"video_id": f"pushed{i:05d}", "channel": "Elsewhere", "title": f"pushed {i}",
               "url": f"https://www.youtube.com/watch?v=pushed{i:05d}"} for i in range(7)]
    with exclusive(path):
        proc = subprocess.Popen([sys.executable, "-m", "y2s_core", "sync", "@y2sdemo", "--sheet", str(path),
                                 "--progress"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        said = []
        for line in proc.stderr:  # the sync says it waits for the lock: an event, not a timing
            said.append(line)
            if line.startswith("Waiting for another push"):
                break
        assert said and said[-1].startswith("Waiting for another push"), "".join(said)
        target = LocalWorkbookTarget(path)
        target.apply(plan_upsert(theirs, target.read()))  # the push holding the lock writes its rows
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    from y2s_core.sheets.planner import video_ids

    ids = video_ids(LocalWorkbookTarget(path).read())
    assert {r["video_id"] for r in theirs} <= set(ids), "the sync kept the rows pushed while it waited"
    assert len(ids) == len(set(ids)) > len(theirs)


# ------------------------------------------------------- a listing is stored as it goes: kill -9, then resume


def _sync_state(data_dir: Path, channel_id: str):
    try:
        return Store.in_dir(data_dir).sync_state_of(channel_id)
    except Exception:  # the killed process may hold the write lock a moment: ask again
        return None


def _stored(data_dir: Path, channel_id: str) -> int:
    try:
        return len(Store.in_dir(data_dir).channel_videos(channel_id))
    except Exception:  # as in _sync_state
        return 0


def test_kill_9_mid_listing_then_the_next_sync_resumes_instead_of_listing_again(tmp_path):
    """A big channel's tab listing stores what it has about every second (its videos, each tab's page): a sync
    killed with SIGKILL mid-listing leaves those, and the next sync resumes from them (was: the store held 0
    videos and the next run listed the channel from scratch)."""
    from y2s_core.sheets import LocalWorkbookTarget
    from y2s_core.sheets.planner import video_ids

    gate = GatedEmulator(open_for=70)  # a full listing of @bigchannel through its tabs costs 107
    sheet = tmp_path / "out.csv"
    env = {**os.environ, "YOUTUBE_API_KEY": "k", "Y2S_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO)}
    env.pop("Y2S_DATABASE_URL", None)
    channel_id = gate.emu.catalog.channel_by_handle("@bigchannel").id
    with serve(gate) as server:
        args = ["sync", "@bigchannel", "--sheet", str(sheet), "--stats", "none"]
        with _running(gate, args, {**env, "Y2S_YOUTUBE_API_URL": server.url}, tmp_path) as proc:
            assert gate.wait_stuck()
            first = main_units(gate.emu.units_by_method)

            def checkpointed() -> bool:
                state = _sync_state(tmp_path / "data", channel_id)
                return state is not None and state.listing_resume is not None

            assert _wait(checkpointed, 60), "no checkpoint was stored while the listing was stuck"
            _kill_9(proc)
    assert not sheet.exists()  # killed before its push
    emu = YouTubeEmulator()  # the next day's run, ungated
    with serve(emu) as server:
        done = subprocess.run([sys.executable, "-m", "y2s_core", "sync", "@bigchannel", "--sheet", str(sheet),
                               "--stats", "none"], env={**env, "Y2S_YOUTUBE_API_URL": server.url}, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "resume" in done.stdout, done.stdout
    again = main_units(emu.units_by_method)
    assert len(set(video_ids(LocalWorkbookTarget(sheet).read()))) == 2600
    print(f"figures: killed after {first} units, resumed with {again}")
    assert first + again <= 107 + 8, (first, again)  # a full listing again would cost 107 on top of ``first``


def test_kill_9_mid_resume_then_the_next_sync_goes_on_from_the_resumes_own_checkpoint(tmp_path):
    """A resumed listing (the continuation of a listing the quota cut) stores what it has as it goes too:
    killed with SIGKILL mid-resume, it leaves its videos and a moved resume point, and the next run goes on from
    there (without the checkpoint it went back to the first cut's point and paid the resume's units again)."""
    from y2s_core.sheets import LocalWorkbookTarget
    from y2s_core.sheets.planner import video_ids

    sheet = tmp_path / "out.csv"
    data = tmp_path / "data"
    env = {**os.environ, "YOUTUBE_API_KEY": "k", "Y2S_DATA_DIR": str(data), "PYTHONPATH": str(REPO)}
    env.pop("Y2S_DATABASE_URL", None)
    args = ["sync", "@bigchannel", "--sheet", str(sheet), "--stats", "none", "--force"]
    cut = YouTubeEmulator(daily_quota=30)  # day 1: the first listing, cut by the quota
    channel_id = cut.catalog.channel_by_handle("@bigchannel").id
    with serve(cut) as server:
        first = subprocess.run([sys.executable, "-m", "y2s_core", *args], env={**env, "Y2S_YOUTUBE_API_URL": server.url},
                               cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert first.returncode == 3, first.stderr  # the quota stopped it
    before = _sync_state(data, channel_id).listing_resume
    stored_before = len(Store.in_dir(data).channel_videos(channel_id))
    assert before is not None and 0 < stored_before < 2600

    gate = GatedEmulator(open_for=30)  # day 2: the resume (about 80 units) held after 30 of them, then killed
    with serve(gate) as server:
        with _running(gate, args, {**env, "Y2S_YOUTUBE_API_URL": server.url}, tmp_path) as proc:
            assert gate.wait_stuck()
            spent = main_units(gate.emu.units_by_method)

            def moved() -> bool:  # a checkpoint of everything answered before the gate (12 detail calls or more)
                state = _sync_state(data, channel_id)
                return state is not None and state.listing_resume not in (None, before) and \
                    _stored(data, channel_id) > stored_before + 500

            assert _wait(moved, 60), "the resume stored no checkpoint while it was stuck"
            _kill_9(proc)
    stored_after = len(Store.in_dir(data).channel_videos(channel_id))
    assert stored_after > stored_before + 500, (stored_before, stored_after)  # the resume's videos are kept

    emu = YouTubeEmulator()  # day 3: the rest
    with serve(emu) as server:
        done = subprocess.run([sys.executable, "-m", "y2s_core", *args], env={**env, "Y2S_YOUTUBE_API_URL": server.url},
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "resume" in done.stdout, done.stdout
    rest = main_units(emu.units_by_method)
    assert len(set(video_ids(LocalWorkbookTarget(sheet).read()))) == 2600
    stored = Store.in_dir(data).channel_videos(channel_id)
    assert len(stored) == len({v.id for v in stored}) == 2600
    print(f"figures: resume killed after {spent} units, the next run {rest}")
    assert spent + rest <= 107 - 30 + 12, (spent, rest)  # what the resume had left, plus a few pages asked again
