"""Cut benchmark: how many rows a quota-cut fetch keeps, run after run, at the same daily quota.

    .venv/bin/python benchmarks/bench_cut.py [--quotas 12,40] [--runs 10] [--latency-ms 5]

For each daily quota the emulator allows, a fetch of @bigchannel (2,600 videos, listed through its tab
playlists) is made ``--runs`` times, each against a fresh emulator served on 127.0.0.1 with a small latency
(so the page chains and the detail pool overlap as they do against Google), through the product's fetch use
case (``service.fetch``, forced) with ``Y2S_DAILY_QUOTA`` set to the same budget (``--budget unknown``: the
default 10,000, so the planner believes it fits). It prints the rows each run kept (min, median, max) and the
units the emulator charged. A listing that spends its units in listing order keeps the same rows every time;
issue 15 asks for at least the newest 50 x floor((U - 2 - tab chains) / 2) at U units.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from y2s_core import service  # noqa: E402
from y2s_core.emulators.transport import serve  # noqa: E402
from y2s_core.emulators.youtube import YouTubeEmulator  # noqa: E402
from y2s_core.settings import Settings  # noqa: E402

TAB_CHAINS = 3


def kept_at(daily: int, latency: float, known: bool) -> tuple[int, int]:
    """(rows kept, units charged) by one forced fetch of @bigchannel under ``daily`` units (``known``: the
    product's budget, Y2S_DAILY_QUOTA, says so too)."""
    emu = YouTubeEmulator(daily_quota=daily, latency=latency)
    with serve(emu) as server, tempfile.TemporaryDirectory() as folder:
        settings = Settings(youtube_api_key="bench", youtube_api_url=server.url, data_dir=Path(folder),
                            daily_quota=daily if known else 10_000)
        client = service.open_client(settings, retry_sleep=lambda s: None)
        try:
            rows = len(service.fetch(client, settings, "@bigchannel", force=True).result.videos)
        finally:
            client.close()
    return rows, emu.units_used


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quotas", default="12,40")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--latency-ms", type=float, default=5.0)
    p.add_argument("--budget", choices=("known", "unknown"), default="known")
    a = p.parse_args()
    print(f"@bigchannel (2,600 videos, tab playlists), {a.runs} runs a quota, {a.latency_ms:g} ms a request, "
          f"budget {a.budget} to the planner")
    print(f"{'quota':>6}  {'asked (issue 15)':>16}  {'rows kept: min':>14}  {'median':>6}  {'max':>5}  units")
    for daily in (int(q) for q in a.quotas.split(",")):
        got = [kept_at(daily, a.latency_ms / 1000, a.budget == "known") for _ in range(a.runs)]
        rows = [r for r, _ in got]
        asked = 50 * max(0, (daily - 2 - TAB_CHAINS) // 2)
        print(f"{daily:>6}  {asked:>16,}  {min(rows):>14,}  {statistics.median(rows):>6,.0f}  {max(rows):>5,}  "
              f"{sorted({u for _, u in got})}")


if __name__ == "__main__":
    main()
