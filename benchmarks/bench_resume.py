"""Resume benchmark: a sync of @bigchannel (2,600 videos) cut by a small daily quota, resumed day after day.

    .venv/bin/python benchmarks/bench_resume.py [--quotas 30,45,60,100] [--repeat 3]

For each daily quota the emulator allows, the sync (``Syncer``, the store in a fresh SQLite file, ``--stats
none``) runs once a "day" (``emu.reset()``: the quota comes back) until a run ends uncut. It prints the
runs it took, the units spent in all (the emulator's own counter) against one uninterrupted listing, and
checks what the tests check: every video stored exactly once, each detailed exactly once. The first
listing goes through the tab playlists (a big channel); a cut tab listing resumes on its tab chains. The
same channel without its UULF and UULV playlists (the tabs cannot be proven) is listed along its uploads
chain, whose cut the next run continues from its saved page: the second row of each quota. In-process
emulator, no latency: units and runs, not seconds, are the figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from y2s_core.emulators.catalog import BIG_CHANNEL_ID, DEMO_NOW  # noqa: E402
from y2s_core.emulators.transport import HttplibHttp  # noqa: E402
from y2s_core.emulators.youtube import YouTubeEmulator  # noqa: E402
from y2s_core.settings import Settings  # noqa: E402
from y2s_core.store import Store  # noqa: E402
from y2s_core.sync import Syncer, SyncOptions  # noqa: E402
from y2s_core.youtube import YouTubeClient  # noqa: E402


def sync_until_done(daily: int | None, folder: Path, *, uploads: bool = False) -> tuple[int, int, list[str]]:
    """(runs, units in all, each run's note) for one channel synced under ``daily`` units a day. ``uploads``:
    the emulator omits UULF and UULV, so the listing goes along the uploads chain."""
    emu = YouTubeEmulator(daily_quota=daily or 10_000, omit_tabs=("UULF", "UULV") if uploads else ())
    url = f"sqlite:///{folder / 'y2s.sqlite'}"
    settings = Settings(youtube_api_key="k", data_dir=folder, database_url=url)
    runs, total, notes = 0, 0, []
    while True:
        runs += 1
        emu.reset()  # a new quota day
        client = YouTubeClient(settings, http_factory=lambda: HttplibHttp(emu), retry_sleep=lambda s: None)
        syncer = Syncer(client, settings)
        out = syncer.run(syncer.prepare(["@bigchannel"], None, SyncOptions(now=DEMO_NOW, stats="none")))
        total += emu.units_used
        notes.append(out.reports[0].note)
        if out.stop is None:
            break
        if runs > 50:
            raise SystemExit(f"quota {daily}: not done after 50 runs")
    store = Store(url)
    stored = store.channel_videos(BIG_CHANNEL_ID)
    snaps = store.history([BIG_CHANNEL_ID])
    assert len(stored) == len({v.id for v in stored}) == 2600, len(stored)
    assert len(snaps) == len({s.video_id for s in snaps}) == 2600, len(snaps)
    return runs, total, notes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quotas", default="30,45,60,100")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        whole = {uploads: sync_until_done(None, Path(tempfile.mkdtemp(dir=tmp)), uploads=uploads)[1]
                 for uploads in (False, True)}
        print(f"one uninterrupted listing: {whole[False]} units through the tabs, {whole[True]} along the uploads chain")
        print("| daily quota | listed | runs | units in all | over one listing | over, per resume |")
        print("| --- | --- | --- | --- | --- | --- |")
        for daily in [int(q) for q in args.quotas.split(",")]:
            for uploads in (False, True):
                got = [sync_until_done(daily, Path(tempfile.mkdtemp(dir=tmp)), uploads=uploads)
                       for _ in range(args.repeat)]
                runs = sorted({r for r, _, _ in got})
                totals = [t for _, t, _ in got]
                over = [t - whole[uploads] for t in totals]
                per = [o / max(1, r - 1) for (r, _, _), o in zip(got, over, strict=True)]
                print(f"| {daily} | {'uploads chain (no UULF/UULV)' if uploads else 'tab playlists'} | "
                      f"{'-'.join(map(str, runs))} | {min(totals)}-{max(totals)} | {min(over)}-{max(over)} | "
                      f"{min(per):.0f}-{max(per):.0f} (median {statistics.median(per):.0f}) |")


if __name__ == "__main__":
    main()
