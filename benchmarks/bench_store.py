"""Store benchmark: what remembering a fetch costs, and reading history back, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_store.py [--videos 2600 20000] [--days 30] [--postgres URL]

For each size N: ``record_fetch`` of N videos into an empty store (first fetch: N inserts + N snapshots),
then again (N upserts + N more snapshots: a daily re-sync), then ``days`` daily snapshots in all, then
``history`` of the channel (N x days records) and the growth frames from it. PostgreSQL: the URL of a
server (default: one started by scripts/postgres.sh in a temporary folder, stopped at the end).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from y2s_core import growth  # noqa: E402
from y2s_core.models import Channel, FetchResult, Video, VideoType  # noqa: E402
from y2s_core.store import Store, engine  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
CID = "UCbenchbenchbenchbenchbe"


def result(n: int, day: int) -> FetchResult:
    ch = Channel(id=CID, title="Bench", handle="@bench", uploads_playlist_id="UU" + CID[2:], video_count=n)
    videos = tuple(Video(id=f"v{i:010d}", channel_id=CID, channel_title="Bench",
                         published_at=T0 - timedelta(hours=i), title=f"Benchmark video {i}", duration_seconds=60 + i,
                         type=VideoType.LONG, views=1000 + i * 3 + day * (i % 17), likes=10 + i % 97, comments=i % 13)
                   for i in range(n))
    return FetchResult(videos=videos, channels=(ch,))


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def bench(label: str, url: str, n: int, days: int) -> None:
    store = Store(url)
    _, first = timed(lambda: store.record_fetch(result(n, 0), now=T0))
    _, second = timed(lambda: store.record_fetch(result(n, 1), now=T0 + timedelta(days=1)))
    for d in range(2, days):
        store.record_fetch(result(n, d), now=T0 + timedelta(days=d))
    records, read = timed(lambda: store.history_columns([CID]))
    snaps, typed = timed(lambda: growth.snapshot_frame(records))
    _, frames = timed(lambda: (growth.channel_views(snaps), growth.channel_gains(snaps), growth.top_risers(snaps),
                               growth.early_views(snaps, limit=15)))
    print(f"{label:10} {n:>7,} videos: first fetch {first:5.2f} s, re-sync {second:5.2f} s; "
          f"history of {len(snaps):,} snapshots {read:5.2f} s, typed {typed:4.2f} s, growth frames {frames:4.2f} s")
    engine.forget(url)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, nargs="+", default=[2600, 20000])
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--postgres", help="a PostgreSQL server URL (default: start a throwaway one)")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="y2s-bench-"))
    pg_dir, pg_url = None, a.postgres
    if not pg_url:
        pg_dir = tempfile.mkdtemp(prefix="y2s-pg-")
        p = subprocess.run([str(REPO / "scripts" / "postgres.sh"), "start", pg_dir], capture_output=True, text=True)
        pg_url = p.stdout.strip() if p.returncode == 0 else None
        if not pg_url:
            print(f"PostgreSQL skipped: {p.stderr.strip()}")
    try:
        for n in a.videos:
            bench("SQLite", f"sqlite:///{tmp / f'{n}.sqlite'}", n, a.days)
            if pg_url:
                import psycopg

                schema = f"bench_{n}"
                with psycopg.connect(pg_url, autocommit=True) as c:
                    c.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
                bench("PostgreSQL", f"{pg_url}?options=-csearch_path%3D{schema}", n, a.days)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if pg_dir:
            subprocess.run([str(REPO / "scripts" / "postgres.sh"), "stop", pg_dir], capture_output=True)
            shutil.rmtree(pg_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
