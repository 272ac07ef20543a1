"""A YouTube emulator in a subprocess on 127.0.0.1, its counters read over HTTP (the benchmarks' shared helper).

    served = Served(lambda port: [sys.executable, "-m", "y2s_core.emulators", "youtube", "--port", str(port)])
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Served:
    """``command(port)`` starts the server, which prints one line once it listens."""

    def __init__(self, command: Callable[[int], list[str]]) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(command(self.port), cwd=ROOT, stdout=subprocess.PIPE,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.proc.stdout.readline()  # "listening on ..."

    def stats(self, reset: bool = False) -> dict:
        req = urllib.request.Request(self.url + "/_emulator/stats", method="POST" if reset else "GET")
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()
