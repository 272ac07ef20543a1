"""Quota benchmark: what each of YouTube's three buckets pays for the runs a user makes, per demo channel.

    .venv/bin/python benchmarks/bench_quota.py [--channels @y2sdemo,@bigchannel,@hugechannel] [--no-before]

For each channel, in a fresh data dir (the store in its own SQLite file), four syncs in a row (``Syncer``, the
path ``sync`` and ``fetch --new`` take), each on a new quota day (``emu.reset()``):

  (a) full listing   the first sync: the store has nothing, every video is listed and detailed;
  (b) --stats all    a re-sync that refreshes every stored video's statistics (feed up);
  (c) unchanged      a re-sync with nothing new, ``--stats none`` (the listing alone), the uploads feed up;
  (d) feed down      the same with the feed answering 404 (an outage: the uploads playlist is listed instead).

Main-pool units, search.list calls and videos.batchGetStats calls are the emulator's own counters (what Google
would bill), beside what the quota planner said before the run (units, the resolution's included, + stats
calls). "before" runs the same
four against an emulator whose batchGetStats bucket is spent and whose feed is down: the paths the product
took before issue 18 (statistics and details from videos.list, every re-sync lists the uploads playlist).
In-process emulator (``HttplibHttp``), real google-api-python-client; counts, not seconds, are the figures.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from y2s_core.emulators.catalog import DEMO_NOW, demo_catalog  # noqa: E402
from y2s_core.emulators.transport import HttplibHttp  # noqa: E402
from y2s_core.emulators.youtube import YouTubeEmulator  # noqa: E402
from y2s_core.settings import Settings  # noqa: E402
from y2s_core.sync import Syncer, SyncOptions  # noqa: E402
from y2s_core.youtube import YouTubeClient  # noqa: E402

RUNS = (  # (label, --stats, feed)
    ("(a) full listing", "none", "up"),
    ("(b) `--stats all` re-sync", "all", "up"),
    ("(c) unchanged, feed up", "none", "up"),
    ("(d) unchanged, feed down (404)", "none", "404"),
)


@dataclass(frozen=True)
class Measured:
    units: int
    search: int
    stats: int
    planned_units: int
    planned_stats: int
    path: str  # the sync's own words: mode and note

    def cells(self) -> list[str]:
        return [f"{self.units:,}", f"{self.search:,}", f"{self.stats:,}"]


def measure(channel: str, folder: Path, *, before: bool = False) -> list[Measured]:
    """The four runs of one channel in ``folder``; ``before``: batchGetStats spent and the feed down throughout."""
    emu = YouTubeEmulator(stats_quota=0 if before else 10_000, feed="404" if before else "up")
    settings = Settings(youtube_api_key="bench", data_dir=folder, database_url=f"sqlite:///{folder / 'y2s.sqlite'}")
    out: list[Measured] = []
    for _, stats, feed in RUNS:
        emu.reset()  # a new quota day
        emu.feed = "404" if before else feed
        client = YouTubeClient(settings, http_factory=lambda: HttplibHttp(emu), retry_sleep=lambda s: None)
        try:
            syncer = Syncer(client, settings)
            prep = syncer.prepare([channel], None, SyncOptions(now=DEMO_NOW, stats=stats))
            done = syncer.run(prep)
        finally:
            client.close()
        if done.stop is not None:
            raise SystemExit(f"{channel}: the run stopped: {done.stop}")
        [report] = done.reports
        out.append(Measured(emu.units_used, emu.search_calls_used, emu.stats_calls_used,
                            prep.plan.resolve_units + prep.plan.units,
                            prep.plan.stats_calls, report.mode + (f" ({report.note})" if report.note else "")))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--channels", default="@y2sdemo,@bigchannel,@hugechannel")
    ap.add_argument("--no-before", action="store_true", help="skip the 'before' runs (spent stats bucket, feed down)")
    args = ap.parse_args()
    logging.getLogger("y2s_core").setLevel(logging.ERROR)  # "before": the spent bucket's 429 is expected, not news
    catalog = demo_catalog()
    sizes = {c.handle.lower(): len(catalog.videos(c.id)) for c in catalog.channels.values() if c.handle}
    head = ["channel", "run", "main units", "search calls", "stats calls", "planned (units + stats calls)"]
    if not args.no_before:
        head += ["before: main units", "before: search", "before: stats"]
    head.append("path")
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    with tempfile.TemporaryDirectory() as tmp:
        for channel in [c.strip() for c in args.channels.split(",") if c.strip()]:
            now = measure(channel, Path(tempfile.mkdtemp(dir=tmp)))
            then = None if args.no_before else measure(channel, Path(tempfile.mkdtemp(dir=tmp)), before=True)
            n = sizes.get(channel.lower())
            name = f"{channel} ({n:,} videos)" if n is not None else channel
            for i, (label, _, _) in enumerate(RUNS):
                m = now[i]
                row = [name if i == 0 else "", label, *m.cells(), f"{m.planned_units:,} + {m.planned_stats:,}"]
                if then is not None:
                    row += then[i].cells()
                row.append(m.path)
                print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
