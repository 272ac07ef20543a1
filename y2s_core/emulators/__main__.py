"""Serve an emulator on 127.0.0.1.

    python -m y2s_core.emulators youtube --port 8765 [--latency-ms 30] [--daily-quota 10000]
                                         [--search-daily-calls 100] [--stats-daily-calls 10000] [--playlist-cap 20000]
                                         [--omit-tabs UULF,UUSH,UULV] [--tab-channel 45000]
                                         [--feed up|404|500|stale|slow|malformed]
    python -m y2s_core.emulators sheets  --port 8766 [--autocreate]

Then point the product at it: Y2S_YOUTUBE_API_URL=http://127.0.0.1:8765 (and YOUTUBE_API_KEY=anything),
Y2S_SHEETS_API_URL=http://127.0.0.1:8766. The YouTube emulator serves the uploads feed (/feeds/videos.xml)
at the same base, where the product reads it beside that API URL (or set Y2S_YOUTUBE_FEED_URL).
"""

from __future__ import annotations

import argparse
import sys

from .transport import serve
from .youtube_feed import FEED_MODES


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
    sh = sub.add_parser("sheets", help="the Google Sheets API v4 emulator")
    sh.add_argument("--port", type=int, default=8766)
    sh.add_argument("--autocreate", action="store_true", help="create an empty spreadsheet for any unknown id")
    args = p.parse_args(argv)

    if args.which == "youtube":
        from .catalog import with_tab_channel
        from .youtube import YouTubeEmulator

        catalog = with_tab_channel(args.tab_channel) if args.tab_channel else None
        omit = [t.strip() for t in args.omit_tabs.split(",") if t.strip()]
        app = YouTubeEmulator(catalog, latency=args.latency_ms / 1000.0, daily_quota=args.daily_quota,
                              search_daily_calls=args.search_daily_calls, stats_quota=args.stats_daily_calls,
                              playlist_cap=args.playlist_cap,
                              omit_tabs=omit, feed=args.feed)
    else:
        from .sheets import SheetsEmulator

        app = SheetsEmulator(autocreate=args.autocreate)
    server = serve(app, port=args.port)
    print(f"{args.which} emulator listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
