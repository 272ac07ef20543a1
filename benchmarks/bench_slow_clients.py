"""Slow clients against the REST API: GET /api/v1/health latency while N half-open connections are held.

    .venv/bin/python benchmarks/bench_slow_clients.py [--connections 2000] [--requests 50] [--fd-limit N]

The API runs as in production (`python -m y2s_core api` on 127.0.0.1, default settings: at most 1,000
connections, 10 s header timeout), optionally with its open-file limit set to ``--fd-limit`` (soft and
hard, so the server cannot raise it: issue 17 used 1,024 with 1,100 connections). The benchmark opens
``--connections`` connections that each send half a request header and keep it there, then times
``--requests`` health requests, one after another, each on a new connection. Printed: how long the
connections took to open, the health latencies (median, p95, max), the server's open files, and its log
(lines, WARNING/ERROR lines, tracebacks). Issue 17 measured the old server: health timed out with 1,100
connections, and asyncio logged 608,255 ERROR records with tracebacks in 166 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HALF_HEADER = b"GET /api/v1/health HTTP/1.1\r\nHost: loc"
HEALTH = b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


def health(port: int, timeout: float = 30.0) -> float:
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(HEALTH)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    if not data.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"health answered {data[:80]!r}")
    return time.perf_counter() - start


def hold(port: int, count: int) -> list[socket.socket]:
    """``count`` connections made in parallel, each having sent half a request header."""
    selector = selectors.DefaultSelector()
    socks = []
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        selector.register(s, selectors.EVENT_WRITE)
        socks.append(s)
    pending = count
    while pending:
        for key, _ in selector.select(timeout=1):
            selector.unregister(key.fileobj)
            key.fileobj.setblocking(True)
            try:
                key.fileobj.sendall(HALF_HEADER)
            except OSError:
                pass  # closed by the server already (the cap makes room)
            pending -= 1
    return socks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connections", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--fd-limit", type=int, default=None, help="the server's open-file limit (soft and hard)")
    a = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard != resource.RLIM_INFINITY and hard < a.connections + 100:
        sys.exit(f"this process may open {hard} files, under the {a.connections + 100} needed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = tempfile.mkdtemp(prefix="y2s-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("Y2S_")}
    env.update(Y2S_DATA_DIR=data, PYTHONPATH=str(ROOT))
    limit = a.fd_limit

    def limited() -> None:
        if limit:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    log_path = Path(data) / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "y2s_core", "api", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=log, stderr=log, preexec_fn=limited)
    socks: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health(port, timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit("the API did not start:\n" + log_path.read_text()[-2000:])
                time.sleep(0.1)
        baseline = [health(port) for _ in range(10)]
        start = time.perf_counter()
        socks = hold(port, a.connections)
        opened = time.perf_counter() - start
        times = [health(port) for _ in range(a.requests)]
        fds = Path(f"/proc/{proc.pid}/fd")
        server_files = len(os.listdir(fds)) if fds.exists() else None  # Linux
    finally:
        for s in socks:
            s.close()
        proc.terminate()
        proc.wait(30)
    lines = log_path.read_text(errors="replace").splitlines()
    loud = [line for line in lines if " WARNING " in line or " ERROR " in line]
    ms = sorted(t * 1000 for t in times)
    print(f"server open-file limit: {limit or 'inherited (raised to the hard limit by the server)'}; "
          f"this machine: {os.cpu_count()} cores")
    print(f"health before, median of 10: {statistics.median(baseline) * 1000:.1f} ms")
    print(f"{a.connections} half-open connections opened in {opened:.2f} s; server open files after the health "
          f"requests: {server_files}")
    print(f"health while they are held, {a.requests} requests: median {statistics.median(ms):.1f} ms, "
          f"p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms, max {ms[-1]:.1f} ms")
    print(f"server log: {len(lines)} lines, {len(loud)} WARNING/ERROR, "
          f"{sum('Traceback' in line for line in lines)} tracebacks")
    for line in loud:
        print("   ", line[:200])


if __name__ == "__main__":
    main()
