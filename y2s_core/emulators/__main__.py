"""Serve an emulator on 127.0.0.1, or move the demo's clock.

    python -m y2s_core.emulators youtube --port 8765 [--latency-ms 30] [--daily-quota 10000]
                                         [--search-daily-calls 100] [--stats-daily-calls 10000] [--playlist-cap 20000]
                                         [--omit-tabs UULF,UUSH,UULV] [--tab-channel 45000]
                                         [--feed up|404|500|stale|slow|malformed]
                                         [--advance 1d] [--data-dir DIR] [--fixed-clock]
    python -m y2s_core.emulators sheets  --port 8766 [--autocreate]
    python -m y2s_core.emulators clock   [--advance 1d] [--reset] [--data-dir DIR]

Then point the product at it: Y2S_YOUTUBE_API_URL=http://127.0.0.1:8765 (and YOUTUBE_API_KEY=anything),
Y2S_SHEETS_API_URL=http://127.0.0.1:8766. The YouTube emulator serves the uploads feed (/feeds/videos.xml)
at the same base, where the product reads it beside that API URL (or set Y2S_YOUTUBE_FEED_URL).

The demo's clock (``demo_clock``) lives in the data directory (Y2S_DATA_DIR, else ~/.y2s; or --data-dir):
``--advance 1d`` moves the demo a day on (new uploads on every busy channel, every video's views up); the
YouTube emulator follows the clock while it runs, so ``clock --advance 1d`` in another shell (or the app's
"Advance the demo a day") reaches it. ``--fixed-clock`` serves the catalog at DEMO_NOW whatever the clock says.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .transport import serve
from .youtube_feed import FEED_MODES


def _clock_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--advance", metavar="SPAN", help="move the demo's clock on first: 1d, 12h, 2w (a number: days)")
    p.add_argument("--data-dir", type=Path, default=None, help="where the demo's clock is kept (default: Y2S_DATA_DIR)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m y2s_core.emulators", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="which", required=True)
    yt = sub.add_parser("youtube", help="the YouTube Data API v3 emulator with the demo catalog")
    yt.add_argument("--port", type=int, default=8765)
    yt.add_argument("--latency-ms", type=float, default=0.0)
    yt.add_argument("--daily-quota", type=int, default=10_000, help="units a day of the main pool")
    yt.add_argument("--search-daily-calls", type=int, default=100, help="search.list calls a day (its own bucket)")
    yt.add_argument("--stats-daily-calls", type=int, default=10_000,
                    help="videos.batchGetStats calls a day (its own bucket)")
    yt.add_argument("--playlist-cap", type=int, default=20_000, help="items a playlist lists at most")
    yt.add_argument("--omit-tabs", default="", help="tab playlists to answer 404 for every channel (UULF,UUSH,UULV)")
    yt.add_argument("--feed", default="up", choices=FEED_MODES, help="the uploads feed's state (an outage to test)")
    yt.add_argument("--tab-channel", type=int, default=0, metavar="N",
                    help="add @tabchannel, N uploads split between the three tabs (catalog.with_tab_channel)")
    yt.add_argument("--fixed-clock", action="store_true", help="serve the catalog at DEMO_NOW, ignoring the clock")
    _clock_args(yt)
    sh = sub.add_parser("sheets", help="the Google Sheets API v4 emulator")
    sh.add_argument("--port", type=int, default=8766)
    sh.add_argument("--autocreate", action="store_true", help="create an empty spreadsheet for any unknown id")
    ck = sub.add_parser("clock", help="show or move the demo's clock (kept in the data directory)")
    ck.add_argument("--reset", action="store_true", help="back to the demo's start (DEMO_NOW)")
    _clock_args(ck)
    args = p.parse_args(argv)

    if args.which in ("youtube", "clock"):
        from .demo_clock import DemoClock, describe

        clock = DemoClock(args.data_dir)
        try:
            if getattr(args, "reset", False):
                clock.reset()
            if args.advance:
                clock.advance(args.advance)
        except (ValueError, OSError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        if args.which == "clock":
            print(f"demo clock: {describe(clock)} ({clock.path})")
            return 0

    if args.which == "youtube":
        from .catalog import with_tab_channel
        from .youtube import YouTubeEmulator

        catalog = with_tab_channel(args.tab_channel) if args.tab_channel else None
        omit = [t.strip() for t in args.omit_tabs.split(",") if t.strip()]
        app = YouTubeEmulator(catalog, latency=args.latency_ms / 1000.0, daily_quota=args.daily_quota,
                              search_daily_calls=args.search_daily_calls, stats_quota=args.stats_daily_calls,
                              playlist_cap=args.playlist_cap,
                              omit_tabs=omit, feed=args.feed, clock=False if args.fixed_clock else clock)
    else:
        from .sheets import SheetsEmulator

        app = SheetsEmulator(autocreate=args.autocreate)
    server = serve(app, port=args.port)
    print(f"{args.which} emulator listening on {server.url}", flush=True)  # the first line: scripts wait for it
    if args.which == "youtube" and not args.fixed_clock:
        print(f"demo clock: {describe(clock)} (moves with: python -m y2s_core.emulators clock --advance 1d)",
              flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
