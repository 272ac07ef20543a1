"""REST API load test on loopback: throughput and latency percentiles of GET /api/v1/channels/{channel}/videos.

    .venv/bin/python benchmarks/bench_api.py [--requests 2000] [--concurrency 20] [--channel @y2sdemo] [--max-videos 50]

The API runs as it would in production: `python -m y2s_core api` in its own process on 127.0.0.1, with a
token, the default log level (INFO: one record per request) and demo mode (the YouTube emulator inside
the server process, no added latency). The client keeps ``--concurrency`` requests in flight over
keep-alive connections (a minimal asyncio HTTP client, see ``load``) on the same 2-core machine; the
server's own CPU time per request (from /proc) is printed too, as it does not depend on the machine's
other load. Three runs:

* cached: after one warm-up request, every GET is answered from the server's short-lived cache of
  finished fetches (Y2S_API_CACHE_SECONDS; keyed on channel inputs, filters and key fingerprint);
* uncached, within the fetch limit: the cache off, ``--concurrency`` capped at the default per-token
  limit (2), every request a full fetch against the in-process emulator (quota counted);
* uncached, over the limit: the cache off, ``--concurrency`` in flight: what the limit answers (429s);
and, for scale, GET /api/v1/health (no fetch, one SQLite read) under the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789"


class Server:
    def __init__(self, data_dir: str, **env: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("Y2S_", "YOUTUBE_", "GOOGLE_"))}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "y2s_core", "api", "--port", str(self.port)], cwd=ROOT,
            env={**clean, "PYTHONPATH": str(ROOT), "Y2S_API_TOKEN": TOKEN, "Y2S_DATA_DIR": data_dir, **env},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the API did not start")

    def cpu_seconds(self) -> float:
        """The server process's CPU time so far (user + system, Linux /proc): load-independent cost per request."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)


async def load(url: str, path: str, params: dict, total: int, concurrency: int) -> tuple[float, list[float], Counter]:
    """``total`` GETs, ``concurrency`` keep-alive connections each with one request in flight.

    A minimal HTTP/1.1 client on asyncio streams (the request bytes built once, the answer read by its
    Content-Length): httpx spends 2.5-4.5 ms of CPU a request on this machine, more than the server,
    so it would measure itself.
    """
    host, port = url.removeprefix("http://").split(":")
    target = str(httpx.URL(path, params=params))
    request = (f"GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
               "Accept: application/json\r\n\r\n").encode()
    latencies: list[float] = []
    codes: Counter[int] = Counter()
    left = total

    async def worker() -> None:
        nonlocal left
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while left > 0:
                left -= 1
                t0 = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                codes[int(head[9:12])] += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies, codes


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1] if len(values) > 1 else values[0]


def run(server: Server, name: str, path: str, params: dict, total: int, concurrency: int) -> None:
    cpu = server.cpu_seconds()
    wall, lat, codes = asyncio.run(load(server.url, path, params, total, concurrency))
    cpu = server.cpu_seconds() - cpu
    ms = [x * 1000 for x in lat]
    print(f"{name:<34} {total:>6,} req {concurrency:>3} in flight {total / wall:>7,.0f} req/s  "
          f"p50 {pct(ms, 50):>6.1f} ms  p99 {pct(ms, 99):>7.1f} ms  server CPU {cpu / total * 1000:>5.2f} ms/req  "
          f"statuses {dict(sorted(codes.items()))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--channel", default="@y2sdemo")
    ap.add_argument("--max-videos", type=int, default=50)
    ap.add_argument("--uncached-requests", type=int, default=200)
    a = ap.parse_args()
    path, params = f"/api/v1/channels/{a.channel}/videos", {"max_videos": a.max_videos}
    print(f"GET {path}?max_videos={a.max_videos}, API in its own process on 127.0.0.1 (demo mode, token, INFO logs); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    with tempfile.TemporaryDirectory() as data:
        server = Server(data)
        try:
            warm = httpx.get(server.url + path, params=params, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
            print(f"warm-up: {warm.status_code}, {len(warm.json()['rows'])} rows, {warm.json()['quota_units']} units, "
                  f"{len(warm.content):,} bytes a response")
            run(server, "cached", path, params, a.requests, a.concurrency)
            run(server, "baseline: GET /api/v1/health", "/api/v1/health", {}, a.requests, a.concurrency)
        finally:
            server.close()
        server = Server(data, Y2S_API_CACHE_SECONDS="0")
        try:
            run(server, "uncached, within the limit (2)", path, params, a.uncached_requests, 2)
            run(server, f"uncached, {a.concurrency} in flight (limit 2)", path, params, a.uncached_requests,
                a.concurrency)
        finally:
            server.close()


if __name__ == "__main__":
    main()
