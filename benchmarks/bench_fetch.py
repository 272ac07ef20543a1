"""Fetch benchmark: quota and wall time against the YouTube emulator with injected latency.

    .venv/bin/python benchmarks/bench_fetch.py [--latency-ms 30] [--channels @bigchannel,@hugechannel]

For each channel of N uploads (S Shorts) it reports
  * quota units used vs the minimum 1 + 2*ceil(N/50) + ceil(S/50) (the UUSH pages),
  * wall time vs the page-chain lower bound (ceil(N/50) + 1) * latency, as a ratio,
and the same for a naive baseline measured in the same run: sequential, one videos.list per page,
no overlap (what most scripts do). Everything runs through the real google-api-python-client.

By default the emulator runs in its own process on 127.0.0.1 (as the real API is remote, its CPU
time is not ours) and the client talks real HTTP through httplib2; ``--in-process`` runs it inside
this process instead (HttplibHttp), where its JSON building competes with the client for the GIL.
Units come from the emulator's own counters (GET /_emulator/stats when served).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from googleapiclient.discovery import build  # noqa: E402

from y2s_core.emulators.transport import HttplibHttp  # noqa: E402
from y2s_core.emulators.youtube import YouTubeEmulator  # noqa: E402
from y2s_core.filters import FilterSpec  # noqa: E402
from y2s_core.settings import Settings  # noqa: E402
from y2s_core.youtube import VIDEO_PARTS, YouTubeClient  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class Served:
    """The emulator in a subprocess on 127.0.0.1, with its counters read over HTTP."""

    def __init__(self, latency_ms: float) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "y2s_core.emulators", "youtube", "--port", str(self.port),
             "--latency-ms", str(latency_ms), "--daily-quota", "100000000"], cwd=ROOT, stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.proc.stdout.readline()  # "listening on ..."

    def stats(self, reset: bool = False) -> dict:
        req = urllib.request.Request(self.url + "/_emulator/stats", method="POST" if reset else "GET")
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def naive_fetch(http_factory, handle: str, url: str | None) -> int:
    """Resolve, then page -> details -> page -> details ..., one request at a time. Returns videos seen."""
    yt = build("youtube", "v3", developerKey="bench", http=http_factory(), static_discovery=True, cache_discovery=False,
               client_options={"api_endpoint": url} if url else None)
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


def measure(handle: str, latency: float, served: Served | None) -> dict:
    catalog = YouTubeEmulator().catalog
    cid = catalog.channel_by_handle(handle).id
    n = len(catalog.uploads(cid))
    shorts = catalog.shorts(cid)
    s = len(shorts) if shorts is not None else 0
    pages = math.ceil(n / 50)
    minimum = 1 + 2 * pages + math.ceil(s / 50)
    bound = (pages + 1) * latency

    if served:
        import httplib2

        settings = Settings(youtube_api_key="bench", youtube_api_url=served.url)
        factory, url = (lambda: httplib2.Http(timeout=60)), served.url

        def stats(reset=False):
            return served.stats(reset)
    else:
        emu = YouTubeEmulator(latency=latency, daily_quota=10**9)
        settings = Settings(youtube_api_key="bench")
        factory, url = (lambda: HttplibHttp(emu)), None

        def stats(reset=False):
            out = {"units_used": emu.units_used, "calls_by_method": dict(emu.calls_by_method),
                   "max_ids_per_call": max((c.ids for c in emu.calls if c.method == "videos.list"), default=0)}
            if reset:
                emu.reset()
            return out

    client = YouTubeClient(settings, http_factory=factory)
    stats(reset=True)
    t0 = time.perf_counter()
    result = client.fetch(handle, FilterSpec())
    ours_s = time.perf_counter() - t0
    ours = stats(reset=True)
    assert result.quota_units == ours["units_used"], (result.quota_units, ours["units_used"])

    t0 = time.perf_counter()
    naive_n = naive_fetch(factory, handle, url)
    naive_s = time.perf_counter() - t0
    naive = stats(reset=True)
    return {
        "channel": handle, "videos": n, "shorts": s, "kept": len(result.videos), "skipped": len(result.skipped_ids),
        "naive_videos": naive_n, "minimum": minimum, "ours_units": ours["units_used"],
        "naive_units": naive["units_used"], "ours_calls": ours["calls_by_method"],
        "max_ids_per_call": ours["max_ids_per_call"], "bound_s": bound, "ours_s": ours_s, "naive_s": naive_s,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--latency-ms", type=float, default=30.0)
    p.add_argument("--channels", default="@bigchannel,@hugechannel")
    p.add_argument("--in-process", action="store_true", help="run the emulator inside this process")
    a = p.parse_args()
    latency = a.latency_ms / 1000
    served = None if a.in_process else Served(a.latency_ms)
    where = "in-process" if a.in_process else f"served on {served.url} (own process)"
    print(f"emulator {where}; latency {a.latency_ms:.0f} ms per request; units from the emulator's counters\n")
    head = (f"{'channel':<13} {'videos':>6} {'shorts':>6} | {'min units':>9} {'ours':>5} {'naive*':>6} | "
            f"{'bound s':>7} {'ours s':>7} {'ratio':>5} | {'naive s':>7} {'ratio':>5}")
    print(head)
    print("-" * len(head))
    for h in a.channels.split(","):
        r = measure(h.strip(), latency, served)
        print(f"{r['channel']:<13} {r['videos']:>6} {r['shorts']:>6} | {r['minimum']:>9} {r['ours_units']:>5} "
              f"{r['naive_units']:>6} | {r['bound_s']:>7.2f} {r['ours_s']:>7.2f} {r['ours_s'] / r['bound_s']:>5.2f} | "
              f"{r['naive_s']:>7.2f} {r['naive_s'] / r['bound_s']:>5.2f}")
        print(f"    calls {r['ours_calls']}, max ids per videos.list {r['max_ids_per_call']}, "
              f"kept {r['kept']}, skipped {r['skipped']}")
    if served:
        served.close()
    print("\n* the naive baseline does not classify Shorts (no UUSH listing), so it spends fewer units and gets types wrong")


if __name__ == "__main__":
    main()
