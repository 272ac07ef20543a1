"""Daily sync benchmark: 30 channels of 500 to 5,000 videos, the first sync vs the next day's.

    .venv/bin/python benchmarks/bench_sync.py [--latency-ms 30] [--channels 30] [--new-per-day 2]

The emulator runs in its own process on 127.0.0.1 (``--serve``: this script builds the catalog there,
``emulators.catalog.synthetic_catalog``: channel i has 500 + 155 (i - 1) uploads, 82,425 in all, a
quarter of the recent ones Shorts), answering every request after ``--latency-ms``. The product runs as a
user would: ``python -m y2s_core sync --config channels.toml`` (in this process, through ``cli.run``),
one entry with the 30 channels, pushing to a local CSV workbook, the store in SQLite.

1. the first sync: every channel listed in full (what every daily run cost before the store);
2. "the next day": the emulator restarts with ``--new-per-day`` new uploads on every channel, and the
   sync runs again from a copy of the first run's data folder and sheet, once per ``--stats`` mode
   (none / recent / all). ``recent`` refreshes the rows already in the sheet too, which here is every
   video: it costs what ``all`` does.

Units are the emulator's own counters (GET /_emulator/stats); wall time is the whole CLI run (YouTube,
the store, the sheet).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from served import Served  # noqa: E402  (benchmarks/served.py, beside this script)

from y2s_core import cli  # noqa: E402
from y2s_core.cli import sync_cmd  # noqa: E402
from y2s_core.emulators.catalog import synthetic_catalog  # noqa: E402


def sizes(channels: int) -> list[int]:
    return [500 + 155 * i for i in range(channels)]


def serve(port: int, latency_ms: float, channels: int, new_per_day: int) -> None:
    """The emulator process: the catalog (plus a day's uploads), served until killed."""
    from y2s_core.emulators.transport import serve as serve_app
    from y2s_core.emulators.youtube import YouTubeEmulator

    catalog = synthetic_catalog(sizes(channels))
    for cid in list(catalog.channels):
        if new_per_day:
            catalog.add_uploads(cid, new_per_day)
    server = serve_app(YouTubeEmulator(catalog, latency=latency_ms / 1000, daily_quota=10**9), port=port)
    print("listening", flush=True)
    server.serve_forever()


def served(latency_ms: float, channels: int, new_per_day: int) -> Served:
    return Served(lambda port: [sys.executable, __file__, "--serve", str(port), "--latency-ms", str(latency_ms),
                                "--channels", str(channels), "--new-per-day", str(new_per_day)])


SHEET_SECONDS: list[float] = []


def _timed_push(*args, **kwargs):  # the sheet's share of a run: read, plan, write the CSV workbook
    start = time.perf_counter()
    try:
        return _push(*args, **kwargs)
    finally:
        SHEET_SECONDS.append(time.perf_counter() - start)


_push, sync_cmd._push = sync_cmd._push, _timed_push


def run_sync(server: Served, data: Path, config: Path, *extra: str) -> tuple[float, dict, str]:
    server.stats(reset=True)
    SHEET_SECONDS.clear()
    env = {"Y2S_DATA_DIR": str(data), "Y2S_YOUTUBE_API_URL": server.url, "YOUTUBE_API_KEY": "bench"}
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    code = cli.run(["sync", "--config", str(config), "-q", *extra], stdout=out, stderr=err, env=env)
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"sync failed ({code}): {err.getvalue()}")
    return seconds, {**server.stats(), "sheet_seconds": sum(SHEET_SECONDS)}, out.getvalue()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--latency-ms", type=float, default=30.0)
    p.add_argument("--channels", type=int, default=30)
    p.add_argument("--new-per-day", type=int, default=2)
    p.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.serve:
        serve(a.serve, a.latency_ms, a.channels, a.new_per_day)
        return
    handles = [f"@bench{i:02d}" for i in range(1, a.channels + 1)]
    total = sum(sizes(a.channels))
    with tempfile.TemporaryDirectory(prefix="y2s-bench-sync-") as tmp:
        base = Path(tmp) / "day1"
        sheet = base / "sheet.csv"
        base.mkdir()
        rows = []
        for stats in ("none", "recent", "all"):
            cfg = Path(tmp) / f"{stats}.toml"
            cfg.write_text(f'stats = "{stats}"\nsheet = "SHEET"\n[[sync]]\nname = "bench"\nchannels = {json.dumps(handles)}\n',
                           encoding="utf-8")
        print(f"{a.channels} channels, {total:,} videos, {a.latency_ms:g} ms a request, served emulator")
        day1 = served(a.latency_ms, a.channels, 0)
        try:
            cfg = Path(tmp) / "first.toml"
            cfg.write_text((Path(tmp) / "recent.toml").read_text().replace("SHEET", str(sheet)), encoding="utf-8")
            seconds, stats, _ = run_sync(day1, base / "data", cfg)
            rows.append(("first sync (every channel listed in full)", stats, seconds))
        finally:
            day1.close()
        day2 = served(a.latency_ms, a.channels, a.new_per_day)
        try:
            for mode in ("none", "recent", "all"):
                here = Path(tmp) / f"day2-{mode}"
                shutil.copytree(base, here)
                cfg = Path(tmp) / f"{mode}.toml"
                cfg.write_text(cfg.read_text().replace("SHEET", str(here / "sheet.csv")), encoding="utf-8")
                seconds, stats, out = run_sync(day2, here / "data", cfg)
                rows.append((f"next day, {a.new_per_day} new a channel, --stats {mode}", stats, seconds))
                with contextlib.suppress(StopIteration):
                    pushed = next(ln for ln in out.splitlines() if "pushed:" in ln)
                    rows[-1] = (*rows[-1][:2], seconds, pushed.split("pushed: ")[1].split(" ->")[0])
        finally:
            day2.close()
    print(f"{'run':<48} {'units':>7}  {'by method':<56} {'wall':>7} {'sheet':>7}")
    for row in rows:
        label, stats, seconds = row[:3]
        by = ", ".join(f"{m} {u}" for m, u in sorted(stats["units_by_method"].items()))
        note = f"  ({row[3]})" if len(row) > 3 else ""
        print(f"{label:<48} {stats['units_used']:>7,}  {by:<56} {seconds:>6.1f}s {stats['sheet_seconds']:>6.1f}s{note}")


if __name__ == "__main__":
    main()
