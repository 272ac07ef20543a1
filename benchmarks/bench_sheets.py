"""Sheet upsert benchmark: requests and wall time, against the Sheets emulator with real gspread.

    .venv/bin/python benchmarks/bench_sheets.py [--rows 20000] [--changed 500] [--loop 200] [--http]

1. push N rows into an empty tab; 2. re-push with M changed view counts; 3. the request count for
other N (it must not grow with N, except one extra append per ~2 MB of payload); 4. gspread's per-row
``append_row`` loop on a few hundred rows, for comparison. ``--http`` serves the emulator on 127.0.0.1
and goes through Y2S_SHEETS_API_URL instead of the in-process transport. "MB up" is the JSON sent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gspread  # noqa: E402

from y2s_core.emulators.sheets import SheetsEmulator  # noqa: E402
from y2s_core.emulators.transport import requests_session, serve  # noqa: E402
from y2s_core.models import Video, VideoType  # noqa: E402
from y2s_core.settings import Settings  # noqa: E402
from y2s_core.sheets import GoogleSheetTarget, push, row_to_cells  # noqa: E402

BASE = datetime(2024, 1, 1, tzinfo=timezone.utc)


def make_rows(n: int, bump: set[int] | None = None) -> list[dict]:
    bump = bump or set()
    return [
        Video(
            id=f"v{i:010d}",
            channel_id="UCabcdefghijklmnopqrstuv",
            channel_title="Bench channel",
            published_at=BASE + timedelta(hours=i),
            title=f"Benchmark video number {i} — a typical title of moderate length",
            duration_seconds=60 + i % 3600,
            type=VideoType.SHORT if i % 4 == 0 else VideoType.LONG,
            views=1000 + i + (1 if i in bump else 0),
            likes=10 + i % 97,
            comments=i % 13,
        ).to_row()
        for i in range(n)
    ]


class Env:
    def __init__(self, http: bool) -> None:
        self.emu = SheetsEmulator(autocreate=False)
        self.server = serve(self.emu).start() if http else None

    def target(self, sid: str) -> GoogleSheetTarget:
        if self.server:
            return GoogleSheetTarget(sid, "Videos", Settings(sheets_api_url=self.server.url))
        return GoogleSheetTarget(sid, "Videos", Settings(), session=requests_session(self.emu))

    def session(self):
        if self.server:
            import requests

            return requests.Session()
        return requests_session(self.emu)

    def close(self) -> None:
        if self.server:
            self.server.close()


WRITE_QUOTA_PER_MINUTE = 60  # Sheets API default: write requests per minute per user


def sent_mb(env: Env) -> float:
    return sum(len(json.dumps(r.body)) for r in env.emu.requests if r.body is not None) / 1e6


def measure(env: Env, sid: str, rows: list[dict]) -> tuple[Counter, float, str, float]:
    env.emu.reset_requests()
    t0 = time.perf_counter()
    result = push(rows, env.target(sid))
    elapsed = time.perf_counter() - t0
    return Counter(r.kind for r in env.emu.requests), elapsed, result.plan.summary(), sent_mb(env)


def fmt_kinds(c: Counter) -> str:
    short = {"spreadsheets.get": "meta", "values.get": "read", "values.batchUpdate": "update",
             "values.append": "append", "spreadsheets.batchUpdate": "format"}
    return " ".join(f"{short.get(k, k)}={v}" for k, v in sorted(c.items(), key=lambda kv: list(short).index(kv[0])
                                                                   if kv[0] in short else 99))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--changed", type=int, default=500)
    ap.add_argument("--loop", type=int, default=200)
    ap.add_argument("--http", action="store_true", help="serve the emulator on 127.0.0.1 (real HTTP)")
    args = ap.parse_args()
    env = Env(args.http)
    table: list[tuple[str, int, str, float, float, str]] = []

    def add(name: str, kinds: Counter, secs: float, summary: str, mb: float) -> None:
        table.append((name, sum(kinds.values()), fmt_kinds(kinds), mb, secs, summary))

    try:
        n = args.rows
        sid = env.emu.create_spreadsheet(title="bench", sheets={"Videos": []})
        rows = make_rows(n)
        kinds, secs, summary, mb = measure(env, sid, rows)
        add(f"push {n:,} rows into an empty tab", kinds, secs, summary, mb)
        bumped = set(range(0, n, max(1, n // args.changed)))
        rows2 = make_rows(n, bump=bumped)
        kinds, secs, summary, mb = measure(env, sid, rows2)
        add(f"re-push, {len(bumped):,} changed view counts", kinds, secs, summary, mb)
        kinds, secs, summary, mb = measure(env, sid, rows2)
        add("re-push, nothing changed", kinds, secs, summary, mb)
        kinds, secs, summary, mb = measure(env, sid, rows2 + make_rows(n + 100)[n:])
        add("re-push, 100 new rows", kinds, secs, summary, mb)
        kinds, secs, summary, mb = measure(env, env.emu.create_spreadsheet(title="missing", sheets={"Other": []}),
                                           make_rows(1_000))
        add("push 1,000 rows, tab missing", kinds, secs, summary, mb)

        for m in (10, 1_000, 5_000):
            s = env.emu.create_spreadsheet(title=f"n{m}", sheets={"Videos": []})
            kinds, secs, summary, mb = measure(env, s, make_rows(m))
            add(f"push {m:,} rows into an empty tab", kinds, secs, summary, mb)

        # gspread's per-row loop, the naive way: one append_row per video
        s = env.emu.create_spreadsheet(title="loop", sheets={"Videos": []})
        env.emu.reset_requests()
        t0 = time.perf_counter()
        client = gspread.Client(None, session=env.session())
        if env.server:
            client.http_client.request = _rewriting(client.http_client.request, env.server.url)
        ws = client.open_by_key(s).worksheet("Videos")
        for row in make_rows(args.loop):
            cells = row_to_cells(row)
            ws.append_row(list(cells.values()), value_input_option="RAW")
        secs = time.perf_counter() - t0
        kinds = Counter(r.kind for r in env.emu.requests)
        add(f"gspread append_row loop, {args.loop} rows", kinds, secs, f"{args.loop} new", sent_mb(env))
        s = env.emu.create_spreadsheet(title="same", sheets={"Videos": []})
        kinds, secs, summary, mb = measure(env, s, make_rows(args.loop))
        add(f"y2s push, same {args.loop} rows", kinds, secs, summary, mb)
    finally:
        env.close()

    transport = "HTTP on 127.0.0.1" if args.http else "in-process transport"
    print(f"Sheet upsert benchmark: real gspread {gspread.__version__} -> Sheets emulator ({transport})\n")
    w = max(len(t[0]) for t in table)
    kw = max(len(t[2]) for t in table)
    print(f"{'scenario':<{w}}  {'requests':>8}  {'by kind':<{kw}}  {'MB up':>6}  {'wall s':>7}  plan")
    print("-" * (w + kw + 48))
    for name, count, by_kind, mb, secs, summary in table:
        print(f"{name:<{w}}  {count:>8}  {by_kind:<{kw}}  {mb:>6.2f}  {secs:>7.2f}  {summary}")
    hours = (args.rows + 2) / WRITE_QUOTA_PER_MINUTE / 60
    print(f"\nThe append_row loop for {args.rows:,} rows would need {args.rows + 2:,} requests: at Google's default "
          f"{WRITE_QUOTA_PER_MINUTE} write requests per minute per user, at least {hours:.1f} h of quota waits.")


def _rewriting(request, base: str):
    def wrapped(method, endpoint, *a, **kw):
        return request(method, endpoint.replace("https://sheets.googleapis.com", base), *a, **kw)

    return wrapped


if __name__ == "__main__":
    main()
