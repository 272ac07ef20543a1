"""Fetch benchmark: quota and wall time against the YouTube emulator with injected latency.

    .venv/bin/python benchmarks/bench_fetch.py [--latency-ms 30] [--channels @bigchannel,@hugechannel]

For each channel of N uploads (S Shorts) it reports
  * quota units used vs the minimum 1 + 2*ceil(N/50) + ceil(S/50) (the UUSH pages),
  * wall time vs the page-chain lower bound (ceil(N/50) + 1) * latency, as a ratio,
and the same for a naive baseline measured in the same run: sequential, one videos.list per page,
no overlap (what most scripts do). Everything runs through the real google-api-python-client,
in-process against the emulator (HttplibHttp), one http object per thread.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from googleapiclient.discovery import build  # noqa: E402

from y2s_core.emulators.transport import HttplibHttp  # noqa: E402
from y2s_core.emulators.youtube import YouTubeEmulator  # noqa: E402
from y2s_core.filters import FilterSpec  # noqa: E402
from y2s_core.settings import Settings  # noqa: E402
from y2s_core.youtube import VIDEO_PARTS, YouTubeClient  # noqa: E402


def naive_fetch(emu: YouTubeEmulator, handle: str) -> int:
    """Resolve, then page -> details -> page -> details ..., one request at a time. Returns videos seen."""
    yt = build("youtube", "v3", developerKey="bench", http=HttplibHttp(emu), static_discovery=True, cache_discovery=False)
    ch = yt.channels().list(part="snippet,contentDetails,statistics", forHandle=handle).execute()["items"][0]
    uploads = ch["contentDetails"]["relatedPlaylists"]["uploads"]
    token, n = None, 0
    while True:
        page = yt.playlistItems().list(part="contentDetails", playlistId=uploads, maxResults=50, pageToken=token).execute()
        ids = [it["contentDetails"]["videoId"] for it in page.get("items", [])]
        if ids:
            n += len(yt.videos().list(part=VIDEO_PARTS, id=",".join(ids)).execute().get("items", []))
        token = page.get("nextPageToken")
        if not token:
            return n


def measure(handle: str, latency: float) -> dict:
    emu = YouTubeEmulator(latency=latency, daily_quota=10_000_000)
    ch = emu.catalog.channel_by_handle(handle)
    cid = ch["id"] if isinstance(ch, dict) else ch.id
    n = len(emu.catalog.uploads(cid))
    shorts = emu.catalog.shorts(cid)
    s = len(shorts) if shorts is not None else 0
    pages = math.ceil(n / 50)
    minimum = 1 + 2 * pages + math.ceil(s / 50)
    bound = (pages + 1) * latency

    client = YouTubeClient(Settings(youtube_api_key="bench"), http_factory=lambda: HttplibHttp(emu))
    emu.reset()
    t0 = time.perf_counter()
    result = client.fetch(handle, FilterSpec())
    ours_s = time.perf_counter() - t0
    ours_units = emu.units_used
    ours_calls = dict(emu.calls_by_method)
    max_ids = max((c.ids for c in emu.calls if c.method == "videos.list"), default=0)
    assert result.quota_units == ours_units, (result.quota_units, ours_units)

    emu.reset()
    t0 = time.perf_counter()
    naive_n = naive_fetch(emu, handle)
    naive_s = time.perf_counter() - t0
    naive_units = emu.units_used
    return {
        "channel": handle, "videos": n, "shorts": s, "kept": len(result.videos), "skipped": len(result.skipped_ids),
        "naive_videos": naive_n, "minimum": minimum, "ours_units": ours_units, "naive_units": naive_units,
        "ours_calls": ours_calls, "max_ids_per_call": max_ids, "bound_s": bound, "ours_s": ours_s,
        "naive_s": naive_s,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--latency-ms", type=float, default=30.0)
    p.add_argument("--channels", default="@bigchannel,@hugechannel")
    a = p.parse_args()
    latency = a.latency_ms / 1000
    print(f"latency {a.latency_ms:.0f} ms per request; units = YouTube quota units (emulator's counter)\n")
    head = (f"{'channel':<13} {'videos':>6} {'shorts':>6} | {'min units':>9} {'ours':>5} {'naive*':>6} | "
            f"{'bound s':>7} {'ours s':>7} {'ratio':>5} | {'naive s':>7} {'ratio':>5}")
    print(head)
    print("-" * len(head))
    for h in a.channels.split(","):
        r = measure(h.strip(), latency)
        print(f"{r['channel']:<13} {r['videos']:>6} {r['shorts']:>6} | {r['minimum']:>9} {r['ours_units']:>5} "
              f"{r['naive_units']:>6} | {r['bound_s']:>7.2f} {r['ours_s']:>7.2f} {r['ours_s'] / r['bound_s']:>5.2f} | "
              f"{r['naive_s']:>7.2f} {r['naive_s'] / r['bound_s']:>5.2f}")
        print(f"    calls {r['ours_calls']}, max ids per videos.list {r['max_ids_per_call']}, "
              f"kept {r['kept']}, skipped {r['skipped']}")
    print("\n* the naive baseline does not classify Shorts (no UUSH listing), so it spends fewer units and gets types wrong")


if __name__ == "__main__":
    main()
