"""How the emulators are reached: in-process or over HTTP on 127.0.0.1.

An emulator is an *app*: an object with

    handle(method: str, url: str, headers: Mapping[str, str], body: bytes | str | None)
        -> (status: int, headers: dict[str, str], body: bytes)

The same app can be served three ways, so the real client libraries run unchanged on top:

* ``HttplibHttp(app)``: an httplib2.Http look-alike for google-api-python-client (``build(..., http=)``
  or ``request.execute(http=)``). Thread-safe, so one per thread is cheap.
* ``requests_session(app)``: a requests.Session whose transport is the app, for gspread
  (``gspread.Client(auth, session=...)``).
* ``serve(app)``: a ThreadingHTTPServer on 127.0.0.1 (``python -m y2s_core.emulators ...``).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

import httplib2
import requests
from requests.structures import CaseInsensitiveDict


class App(Protocol):
    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | str | None
    ) -> tuple[int, dict[str, str], bytes]: ...


def json_response(status: int, obj: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json; charset=UTF-8"}, json.dumps(obj).encode("utf-8")


def google_error(status: int, message: str, reason: str, domain: str = "global", extra: Mapping[str, Any] | None = None):
    """An error body in the shape Google APIs send (see ../shared/fixtures)."""
    err: dict[str, Any] = {
        "code": status,
        "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
    }
    if extra:
        err.update(extra)
    return json_response(status, {"error": err})


class HttplibHttp:
    """An httplib2.Http stand-in that hands every request to ``app``."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.timeout = None

    def request(self, uri, method="GET", body=None, headers=None, redirections=5, connection_type=None):
        status, hdrs, content = self.app.handle(method, uri, dict(headers or {}), body)
        info = {k.lower(): v for k, v in hdrs.items()}
        info["status"] = str(status)
        resp = httplib2.Response(info)
        resp.reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        return resp, content

    def close(self) -> None:  # googleapiclient may call it
        pass


class AppAdapter(requests.adapters.BaseAdapter):
    """A requests transport adapter that hands every request to ``app``."""

    def __init__(self, app: App) -> None:
        super().__init__()
        self.app = app

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        status, hdrs, content = self.app.handle(request.method, request.url, dict(request.headers), request.body)
        resp = requests.Response()
        resp.status_code = status
        resp._content = content
        resp.headers = CaseInsensitiveDict(hdrs)
        resp.encoding = "utf-8"
        resp.url = request.url
        resp.request = request
        resp.reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        return resp

    def close(self) -> None:
        pass


def requests_session(app: App) -> requests.Session:
    s = requests.Session()
    adapter = AppAdapter(app)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


class EmulatorServer:
    """``app`` served on 127.0.0.1; use as a context manager. ``url`` is the base URL."""

    def __init__(self, app: App, port: int = 0, host: str = "127.0.0.1") -> None:
        self.app = app

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else headers and body in two writes stall ~40 ms (delayed ACK)

            def parse_request(self) -> bool:
                self.arrived = time.perf_counter()  # the request line is in: the app's latency counts from here
                return super().parse_request()

            def _do(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                url = f"http://{self.headers.get('host', host)}{self.path}"
                timing = {"started": self.arrived} if getattr(app, "takes_started", False) else {}
                try:
                    status, hdrs, content = app.handle(self.command, url, dict(self.headers), body, **timing)
                except Exception as e:  # an emulator bug must not hang the client
                    status, hdrs, content = json_response(500, {"error": {"code": 500, "message": repr(e)}})
                self.send_response(status)
                for k, v in hdrs.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _do

            def log_message(self, format, *args):  # quiet
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:  # a client that gave up (timed out)
                if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
                    super().handle_error(request, client_address)

        self.httpd = Server((host, port), Handler)
        self.host, self.port = self.httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> EmulatorServer:
        # shutdown() waits for the loop to look again: every 50 ms, not the default 500 (a test closes many servers)
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="y2s-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def serve(app: App, port: int = 0, host: str = "127.0.0.1") -> EmulatorServer:
    return EmulatorServer(app, port, host)
