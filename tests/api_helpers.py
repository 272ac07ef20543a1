"""Helpers for the REST API tests: an in-process client and the app served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi.testclient import TestClient

from y2s_core.api import ApiConfig, create_app
from y2s_core.settings import Settings

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def api_client(settings: Settings, config: ApiConfig | None = None, **kw: Any) -> TestClient:
    """TestClient on http://localhost (a loopback Host), the app configured with TOKEN unless ``config``."""
    app = create_app(settings, config if config is not None else ApiConfig(tokens=(TOKEN,)))
    return TestClient(app, base_url="http://localhost", **kw)


@contextmanager
def served(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """``app`` served by uvicorn in a thread on a free port; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=0, log_config=None, access_log=False,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
