"""Fetch benchmark: quota and wall time against the YouTube emulator with injected latency.

    .venv/bin/python benchmarks/bench_fetch.py [--latency-ms 30] [--channels @bigchannel,@hugechannel]
                                               [--big-channel 45000] [--repeat 3] [--no-naive]

For each channel of N uploads it measures, in one run and against the same one-chain bound
(ceil(N/50) + 1) * latency (the uploads playlist is one chain: each page's token is in the previous answer):
  * tabs: the product against an emulator that serves the tab playlists (UULF, UUSH, UULV): wall time
    as a ratio of the bound; main-pool units against 1 + (tab pages) + ceil(undecided/50) + 1, issue 18's bound
    (its details are videos.batchGetStats calls, their own bucket);
  * UU only: the product against an emulator without UULF/UULV (so it falls back to the uploads chain, as
    for a channel without tabs); units against 1 + 2*ceil(N/50) + ceil(S/50) (S Shorts) + 2 (the 404s of
    the two missing tabs);
  * naive: sequential, one videos.list per page, no overlap (what most scripts do);
and asserts that "tabs" and "UU only" give identical rows. ``--big-channel N`` adds @tabchannel (N uploads
split between the three tabs, past the 20,000 an uploads playlist lists) and checks every video is listed.
Everything runs through the real google-api-python-client.

The emulator runs in its own process on 127.0.0.1 (as the real API is remote, its CPU time is not ours) and
the client talks real HTTP through httplib2. Units come from the emulator's counters (GET /_emulator/stats).
The machine may be shared: the load average is printed before and after, and ``--repeat`` runs it again.
One untimed fetch per emulator first warms imports, thread start-up and the emulators' first answers.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httplib2  # noqa: E402
from googleapiclient.discovery import build  # noqa: E402
from served import Served  # noqa: E402  (benchmarks/served.py, beside this script)

from y2s_core.emulators.catalog import demo_catalog, with_tab_channel  # noqa: E402
from y2s_core.filters import FilterSpec  # noqa: E402
from y2s_core.settings import Settings  # noqa: E402
from y2s_core.youtube import VIDEO_PARTS, YouTubeClient  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def serve(latency_ms: float, *extra: str) -> Served:
    """The emulator in a subprocess on 127.0.0.1, with its counters read over HTTP."""
    return Served(lambda port: [sys.executable, "-m", "y2s_core.emulators", "youtube", "--port", str(port),
                                "--latency-ms", str(latency_ms), "--daily-quota", "100000000", *extra])


def naive_fetch(url: str, handle: str) -> int:
    """Resolve, then page -> details -> page -> details ..., one request at a time. Returns videos seen."""
    yt = build("youtube", "v3", developerKey="bench", http=httplib2.Http(timeout=60), static_discovery=True,
               cache_discovery=False, client_options={"api_endpoint": url})
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


def fetch(served: Served, handle: str):
    client = YouTubeClient(Settings(youtube_api_key="bench", youtube_api_url=served.url),
                           http_factory=lambda: httplib2.Http(timeout=60))
    served.stats(reset=True)
    t0 = time.perf_counter()
    result = client.fetch(handle, FilterSpec())
    seconds = time.perf_counter() - t0
    stats = served.stats(reset=True)
    assert result.quota_units == stats["units_used"], (result.quota_units, stats["units_used"])
    return result, seconds, stats


def rows(videos) -> list[dict]:
    """The rows but their tags: a proven tab listing details without videos.list, so its tags are unknown."""
    return [{k: v for k, v in r.items() if k != "tags"} for r in (video.to_row() for video in videos)]


def tab_pages(stats: dict) -> int:
    return stats["calls_by_method"].get("playlistItems.list", 0)


def measure(handle: str, latency: float, tabs: Served, uu_only: Served | None, naive: bool, catalog) -> dict:
    cid = catalog.channel_by_handle(handle).id
    n = len(catalog.videos(cid))
    sizes = {k: len(v) for k, v in (catalog.tabs(cid) or {}).items()}
    pages = math.ceil(len(catalog.uploads(cid)) / 50)
    bound = (pages + 1) * latency
    result, tabs_s, st = fetch(tabs, handle)
    # issue 18's bound: 1 + the tab pages (the playlistItems calls but the one uploads page) + ceil(undecided/50) + 1,
    # the undecided being the ids asked of videos.list (the details are videos.batchGetStats calls, their own bucket)
    listed = st["calls_by_method"].get("playlistItems.list", 0)
    tabs_bound = 1 + (listed - 1) + st["calls_by_method"].get("videos.list", 0) + 1
    out = {"channel": handle, "videos": n, "tabs": sizes, "bound_s": bound, "tabs_s": tabs_s,
           "tabs_units": st["units_used"], "tabs_bound": tabs_bound, "tabs_calls": st["calls_by_method"],
           "kept": len(result.videos), "complete": result.complete, "type_rules": set(result.type_rules.values()),
           "max_ids": st["max_ids_per_call"]}
    if uu_only is not None:
        ref, uu_s, su = fetch(uu_only, handle)
        assert rows(ref.videos) == rows(result.videos), "rows differ"
        shorts = sizes.get("UUSH", 0)
        out.update(uu_s=uu_s, uu_units=su["units_used"], uu_min=1 + 2 * pages + math.ceil(shorts / 50) + 2,
                   uu_kept=len(ref.videos), same_rows=True)
    if naive:
        t0 = time.perf_counter()
        naive_fetch(tabs.url, handle)
        out["naive_s"] = time.perf_counter() - t0
        tabs.stats(reset=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--latency-ms", type=float, default=30.0)
    p.add_argument("--channels", default="@bigchannel,@hugechannel")
    p.add_argument("--big-channel", type=int, default=45_000, metavar="N",
                   help="also fetch @tabchannel of N uploads (0: skip)")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--no-naive", action="store_true", help="skip the naive sequential baseline")
    a = p.parse_args()
    latency = a.latency_ms / 1000
    extra = ["--tab-channel", str(a.big_channel)] if a.big_channel else []
    tabs, uu_only = serve(a.latency_ms, *extra), serve(a.latency_ms, "--omit-tabs", "UULF,UULV")
    catalog = with_tab_channel(a.big_channel) if a.big_channel else demo_catalog()
    try:
        print(f"emulators served on 127.0.0.1 (own processes); {a.latency_ms:.0f} ms per request; units from their "
              f"counters; load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}\n")
        head = (f"{'channel':<13} {'videos':>6} | {'tabs units':>10} {'bound':>5} | {'UU units':>8} {'min':>5} | "
                f"{'chain s':>7} | {'tabs s':>6} {'ratio':>5} | {'UU s':>5} {'ratio':>5} | {'naive s':>7} {'ratio':>5}")
        print(head)
        print("-" * len(head))
        for served in (tabs, uu_only):  # untimed: imports, the emulators' first answers, thread start-up
            fetch(served, "@y2sdemo")
            fetch(served, "@bigchannel")
        runs: dict[str, list[dict]] = {}
        handles = [h.strip() for h in a.channels.split(",") if h.strip()]
        for _ in range(a.repeat):
            for h in handles:
                r = measure(h, latency, tabs, uu_only, not a.no_naive, catalog)
                runs.setdefault(h, []).append(r)
                naive = (f"{r['naive_s']:>7.2f} {r['naive_s'] / r['bound_s']:>5.2f}" if "naive_s" in r
                         else f"{'-':>7} {'-':>5}")
                print(f"{h:<13} {r['videos']:>6} | {r['tabs_units']:>10} {r['tabs_bound']:>5} | {r['uu_units']:>8} "
                      f"{r['uu_min']:>5} | {r['bound_s']:>7.2f} | {r['tabs_s']:>6.2f} {r['tabs_s'] / r['bound_s']:>5.2f} | "
                      f"{r['uu_s']:>5.2f} {r['uu_s'] / r['bound_s']:>5.2f} | {naive}")
                print(f"    tabs {r['tabs']}; calls {r['tabs_calls']}; max ids per videos.list {r['max_ids']}; "
                      f"rows identical to UU only: {r['same_rows']}; types by {', '.join(sorted(r['type_rules']))}")
            if a.big_channel:
                r = measure("@tabchannel", latency, tabs, None, False, catalog)
                runs.setdefault("@tabchannel", []).append(r)
                assert r["kept"] == r["videos"] and r["complete"], (r["kept"], r["videos"])
                print(f"{'@tabchannel':<13} {r['videos']:>6} | {r['tabs_units']:>10} {r['tabs_bound']:>5} | "
                      f"{'-':>8} {'-':>5} | {r['bound_s']:>7.2f} | {r['tabs_s']:>6.2f} {r['tabs_s'] / r['bound_s']:>5.2f} |"
                      f" the uploads playlist lists 20,000: every one of the {r['kept']:,} videos listed via the tabs")
                print(f"    tabs {r['tabs']}; calls {r['tabs_calls']}")
        if a.repeat > 1:
            print("\nmedian ratios:", ", ".join(
                f"{h} tabs {statistics.median(x['tabs_s'] / x['bound_s'] for x in rs):.2f}"
                + (f" / UU only {statistics.median(x['uu_s'] / x['bound_s'] for x in rs):.2f}" if "uu_s" in rs[0] else "")
                for h, rs in runs.items()))
        print(f"\nload average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    finally:
        tabs.close()
        uu_only.close()


if __name__ == "__main__":
    main()
