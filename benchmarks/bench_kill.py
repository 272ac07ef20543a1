"""Kill benchmark: `sync @bigchannel` killed with -9 mid-listing, then run again.

    .venv/bin/python benchmarks/bench_kill.py [--open-for 30,60] [--repeat 3]

The emulator is served on 127.0.0.1 behind a gate that answers ``--open-for`` calls (units and videos.batchGetStats
calls alike), then holds every request: the CLI (``python -m y2s_core sync @bigchannel --sheet out.csv --stats none
--force``, a real process) is stuck mid-listing, and is killed with SIGKILL. It prints what the emulator charged,
what the quota ledger holds after the kill, and what the next run (ungated, a new quota day) spends: a run that
resumes from the listing's last checkpoint spends about what was left, one that starts over the whole listing.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from y2s_core.emulators.transport import serve  # noqa: E402
from y2s_core.emulators.youtube import YouTubeEmulator  # noqa: E402
from y2s_core.quota import main_units, stats_calls  # noqa: E402
from y2s_core.settings import Settings  # noqa: E402
from y2s_core.store import Store  # noqa: E402

KEY = "AIzaBENCHKILL"


class Gate:
    """The emulator, answering ``open_for`` calls, then holding every request until ``release``."""

    def __init__(self, emu: YouTubeEmulator, open_for: int) -> None:
        self.emu, self.open_for = emu, open_for
        self.answered = self.done = 0
        self.release = threading.Event()
        self.stuck = threading.Event()
        self.lock = threading.Condition()

    def handle(self, method, url, headers, body, **kw):
        with self.lock:
            passing = self.answered < self.open_for
            self.answered += passing
        if not passing:
            self.stuck.set()
            self.release.wait(300)
            return 503, {"content-type": "application/json"}, b'{"error": {"code": 503, "message": "gone"}}'
        try:
            return self.emu.handle(method, url, headers, body)
        finally:
            with self.lock:
                self.done += 1
                self.lock.notify_all()


def sync(env: dict[str, str], folder: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "y2s_core", "sync", "@bigchannel", "--sheet",
                             str(folder / "out.csv"), "--stats", "none", "--force"], cwd=folder, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(open_for: int) -> tuple[int, int, int, int, int]:
    """(units charged before the kill, stats calls charged, ledger units, ledger stats calls, units of the next run)"""
    emu = YouTubeEmulator()
    gate = Gate(emu, open_for)
    with tempfile.TemporaryDirectory() as tmp, serve(gate) as server:
        folder = Path(tmp)
        env = {**os.environ, "YOUTUBE_API_KEY": KEY, "Y2S_DATA_DIR": str(folder), "PYTHONPATH": str(ROOT),
               "Y2S_YOUTUBE_API_URL": server.url}
        env.pop("Y2S_DATABASE_URL", None)
        proc = sync(env, folder)
        try:
            if not gate.stuck.wait(120):
                raise SystemExit("the sync never reached the gate")
            with gate.lock:
                gate.lock.wait_for(lambda: gate.done >= open_for, 60)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
        finally:
            gate.release.set()
        charged = dict(emu.units_by_method)
        fp = Settings(youtube_api_key=KEY, youtube_api_url=server.url, data_dir=folder).account_fingerprint
        ledger = Store.in_dir(folder).quota_today(fp)
        emu.reset()  # a new quota day; the gate stays open from now on
        gate.open_for = 10**9
        again = sync(env, folder)
        again.wait(300)
        return main_units(charged), stats_calls(charged), main_units(ledger), stats_calls(ledger), emu.units_used


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--open-for", default="30,60", help="calls answered before the gate holds (comma-separated)")
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    print("| calls answered | charged before the kill (units + stats calls) | in the ledger after kill -9 | "
          "next run's units (one uninterrupted listing: 55) |")
    print("| --- | --- | --- | --- |")
    for n in (int(x) for x in a.open_for.split(",")):
        for _ in range(a.repeat):
            units, stats, l_units, l_stats, next_units = run(n)
            print(f"| {n} | {units} + {stats} | {l_units} + {l_stats} | {next_units} |")


if __name__ == "__main__":
    main()
