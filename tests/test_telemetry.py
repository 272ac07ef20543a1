"""Structured logging and the upstream hook (y2s_core.telemetry): levels and formats from the environment,
one record per call to Google (YouTube and Sheets, retries included) matching the emulators' counters,
and no secret in any record, at any level, in either format."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tests.api_helpers import AUTH, TOKEN, api_client
from tests.conftest import video_row
from y2s_core import cli, telemetry
from y2s_core.emulators.transport import HttplibHttp, serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.errors import InputError
from y2s_core.filters import FilterSpec
from y2s_core.settings import Settings
from y2s_core.sheets import GoogleSheetTarget, RetryPolicy, push
from y2s_core.youtube import YouTubeClient

SHEET_KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
FAKE_KEY = "AIzaSyFAKE-0123456789abcdefghijklmnopq"
FAKE_PEM = ("-----BEGIN PRIVATE KEY-----\n"
            "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDfakefakefakefake\n"
            "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG9mcmVkcGx1Z2g\n"
            "-----END PRIVATE KEY-----\n")
FAKE_SA = {"type": "service_account", "client_email": "writer@proj.iam.gserviceaccount.com",
           "private_key": FAKE_PEM, "private_key_id": "0123456789abcdef0123456789abcdef01234567"}
PEM_LINES = [line for line in FAKE_PEM.splitlines() if "-----" not in line]


@pytest.fixture(autouse=True)
def _restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _configure(fmt: str, secrets=(), level: str = "DEBUG") -> io.StringIO:
    buf = io.StringIO()
    telemetry.configure_logging({"Y2S_LOG_LEVEL": level, "Y2S_LOG_FORMAT": fmt}, secrets=secrets, stream=buf)
    return buf


def _upstream(buf: io.StringIO) -> list[dict]:
    records = [json.loads(line) for line in buf.getvalue().splitlines() if line.startswith("{")]
    return [r for r in records if r["logger"] == "y2s_core.upstream"]


# ------------------------------------------------------------------------------------------ settings


def test_level_and_format_come_from_the_environment():
    assert telemetry.log_settings({}) == ("WARNING", "text")
    assert telemetry.log_settings({}, default_level=None) is None  # the CLI: leave logging alone
    assert telemetry.log_settings({"Y2S_LOG_FORMAT": "JSON"}, default_level=None) == ("WARNING", "json")
    assert telemetry.log_settings({"Y2S_LOG_LEVEL": "debug"}) == ("DEBUG", "text")
    for env in ({"Y2S_LOG_LEVEL": "loud"}, {"Y2S_LOG_FORMAT": "xml"}):
        with pytest.raises(InputError, match="Y2S_LOG_"):
            telemetry.log_settings(env)


def test_a_bad_log_setting_is_one_error_line_from_the_cli(tmp_path):
    err = io.StringIO()
    code = cli.run(["fetch", "@y2sdemo"], stdout=io.StringIO(), stderr=err, env={"Y2S_LOG_LEVEL": "loud",
                                                                                  "Y2S_DATA_DIR": str(tmp_path)})
    assert code == 2 and err.getvalue().startswith("error: Y2S_LOG_LEVEL=") and len(err.getvalue().splitlines()) == 1


def test_configuring_twice_keeps_one_handler():
    _configure("text")
    _configure("json")
    ours = [h for h in logging.getLogger().handlers if isinstance(h.formatter, telemetry.JsonFormatter | telemetry.TextFormatter)]
    assert len(ours) == 1 and isinstance(ours[0].formatter, telemetry.JsonFormatter)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_records_carry_their_fields_in_both_formats(fmt):
    buf = _configure(fmt)
    telemetry.upstream_call("youtube", "videos.list", status=200, seconds=0.0123, units=1)
    line = buf.getvalue().strip()
    if fmt == "json":
        rec = json.loads(line)
        assert rec["logger"] == "y2s_core.upstream" and rec["level"] == "DEBUG" and rec["time"].endswith("Z")
        assert {k: rec[k] for k in ("service", "method", "status", "units", "outcome")} == \
            {"service": "youtube", "method": "videos.list", "status": 200, "units": 1, "outcome": "ok"}
        assert rec["duration_ms"] == 12.3
    else:
        assert " DEBUG y2s_core.upstream youtube videos.list 200 " in line
        assert "service=youtube method=videos.list status=200 units=1 duration_ms=12.3 outcome=ok" in line


# ------------------------------------------------------------------------------------ upstream calls


def test_one_record_per_youtube_call_matching_the_emulator():
    emu = YouTubeEmulator()
    emu.fail_next("videos.list", status=503, times=1)  # a retried call is two calls, two records
    buf = _configure("json")
    client = YouTubeClient(Settings(youtube_api_key="k"), http_factory=lambda: HttplibHttp(emu), retry_sleep=lambda s: None)
    client.fetch("@y2sdemo", FilterSpec(max_videos=60))
    records = _upstream(buf)
    assert len(records) == sum(emu.calls_by_method.values())
    by_method: dict[str, int] = {}
    for r in records:
        by_method[r["method"]] = by_method.get(r["method"], 0) + 1
        assert r["service"] == "youtube" and r["duration_ms"] >= 0
    assert by_method == emu.calls_by_method
    assert sum(r["units"] for r in records) == sum(emu.units_by_method.values()) == client.meter.total_units
    assert [r["outcome"] for r in records].count("server_error") == 1
    assert "not_found" in {r["outcome"] for r in records} or "ok" in {r["outcome"] for r in records}


def test_one_record_per_sheets_request_retries_included(sheets_emu, sheets_server):
    sheets_emu.create_spreadsheet("t", spreadsheet_id=SHEET_KEY)
    sheets_emu.fail_next(503, times=1)
    buf = _configure("json")
    target = GoogleSheetTarget(SHEET_KEY, "Videos", Settings(sheets_api_url=sheets_server.url),
                               retry=RetryPolicy(sleep=lambda s: None))
    push([video_row(i) for i in range(3)], target)
    records = _upstream(buf)
    assert len(records) == len(sheets_emu.requests) == target.request_count
    assert {r["service"] for r in records} == {"sheets"} and all(r["units"] == 0 for r in records)
    assert [r["outcome"] for r in records].count("server_error") == 1
    methods = [r["method"] for r in records]
    assert "values.append" in methods and methods.count("values.get") >= 1, methods


@pytest.mark.parametrize(("verb", "url", "method"), [
    ("GET", f"https://x/v4/spreadsheets/{SHEET_KEY}", "spreadsheets.get"),
    ("POST", f"https://x/v4/spreadsheets/{SHEET_KEY}:batchUpdate", "spreadsheets.batchUpdate"),
    ("GET", f"https://x/v4/spreadsheets/{SHEET_KEY}/values/%27Videos%27%21A1%3AZ", "values.get"),
    ("POST", f"https://x/v4/spreadsheets/{SHEET_KEY}/values/%27Videos%27%21A1:append", "values.append"),
    ("POST", f"https://x/v4/spreadsheets/{SHEET_KEY}/values:batchUpdate", "values.batchUpdate"),
    ("PUT", f"https://x/v4/spreadsheets/{SHEET_KEY}/values/A1:B2", "values.update"),
    ("GET", "https://www.googleapis.com/drive/v3/files", "other"),
])
def test_sheets_methods_are_named_from_the_url(verb, url, method):
    assert telemetry.sheets_method(verb, url) == method


# ------------------------------------------------------------------------------------------- secrets


def _secret_flows(tmp_path, emu, yt_url, sheets_url) -> None:
    """Every path that handles a secret: fetch ok, key refused, push with a service account, a bad PEM, a bug."""
    good = Settings(youtube_api_key=FAKE_KEY, youtube_api_url=yt_url, sheets_api_url=sheets_url,
                    service_account_info=FAKE_SA, data_dir=tmp_path)
    client = api_client(good, raise_server_exceptions=False)
    emu.fail_next("videos.list", status=503, times=1)  # a retried call: a WARNING record
    rows = client.post("/api/v1/fetch", headers=AUTH, json={"channels": "@oldschool", "filters": {"max_videos": 3}})
    assert rows.status_code == 200
    client.post("/api/v1/push", headers=AUTH, json={"rows": rows.json()["rows"], "sheet": SHEET_KEY})
    client.get("/api/v1/metrics", headers={"Authorization": f"Bearer {TOKEN}-wrong"})
    bad_key = api_client(Settings(youtube_api_key="bad" + FAKE_KEY, youtube_api_url=yt_url, data_dir=tmp_path))
    assert bad_key.post("/api/v1/fetch", headers=AUTH, json={"channels": "@oldschool"}).status_code == 403
    bad_pem = api_client(Settings(service_account_info={**FAKE_SA, "private_key": FAKE_PEM.replace("MII", "xx")},
                                  data_dir=tmp_path, youtube_api_key=FAKE_KEY, youtube_api_url=yt_url))
    assert bad_pem.post("/api/v1/push", headers=AUTH, json={"rows": rows.json()["rows"], "sheet": SHEET_KEY}).status_code == 403
    from y2s_core import youtube

    original = youtube.YouTubeClient.fetch_kept
    try:
        youtube.YouTubeClient.fetch_kept = lambda self, *a, **k: (_ for _ in ()).throw(RuntimeError(f"boom {FAKE_KEY} {FAKE_PEM}"))
        crash = client.post("/api/v1/fetch", headers=AUTH, json={"channels": "@oldschool"})
    finally:
        youtube.YouTubeClient.fetch_kept = original
    assert crash.status_code == 500 and FAKE_KEY not in crash.text and crash.json()["kind"] == "Error"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_secret_reaches_any_log_record(tmp_path, sheets_emu, sheets_server, fmt):
    sheets_emu.create_spreadsheet("t", spreadsheet_id=SHEET_KEY)
    emu = YouTubeEmulator()
    raw: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            raw.append(record)

    buf = _configure(fmt, secrets=[*telemetry.settings_secrets(Settings(youtube_api_key=FAKE_KEY,
                                                                         service_account_info=FAKE_SA)), TOKEN])
    keep = Keep(level=logging.DEBUG)
    logging.getLogger().addHandler(keep)
    with serve(emu) as yt:
        _secret_flows(tmp_path, emu, yt.url, sheets_server.url)
    out = buf.getvalue()
    assert len(raw) > 20 and len(out.splitlines()) >= len(raw)  # every level, every logger went through
    assert {r.levelname for r in raw} >= {"DEBUG", "INFO", "WARNING", "ERROR"}
    for secret in (FAKE_KEY, FAKE_SA["private_key_id"], TOKEN, *PEM_LINES):
        assert secret not in out, secret
    for record in raw:  # our own messages never hold one, even before the formatter's redaction
        if record.name.startswith("y2s_core"):
            text = record.getMessage()
            assert FAKE_KEY not in text and not any(line in text for line in PEM_LINES), record.name


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_secret_reaches_the_clis_log_records(tmp_path, sheets_emu, sheets_server, fmt):
    sheets_emu.create_spreadsheet("t", spreadsheet_id=SHEET_KEY)
    emu = YouTubeEmulator()
    with serve(emu) as yt:
        env = {"YOUTUBE_API_KEY": FAKE_KEY, "Y2S_YOUTUBE_API_URL": yt.url, "Y2S_DATA_DIR": str(tmp_path),
               "Y2S_SHEETS_API_URL": sheets_server.url, "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON": json.dumps(FAKE_SA),
               "Y2S_LOG_LEVEL": "DEBUG", "Y2S_LOG_FORMAT": fmt}
        err = io.StringIO()
        assert cli.run(["sync", "@oldschool", "--max-videos", "3", "--sheet", SHEET_KEY], stdout=io.StringIO(),
                       stderr=err, env=env) == 0
        assert cli.run(["fetch", "@oldschool"], stdout=io.StringIO(), stderr=err,
                       env={**env, "YOUTUBE_API_KEY": "bad" + FAKE_KEY}) == 4
    out = err.getvalue()
    records = [line for line in out.splitlines() if ("y2s_core.upstream" in line)]
    assert len(records) >= sum(emu.calls_by_method.values()) + len(sheets_emu.requests)
    if fmt == "json":
        assert all(json.loads(line)["logger"] == "y2s_core.upstream" for line in records)
    for secret in ("bad" + FAKE_KEY, FAKE_KEY, FAKE_SA["private_key_id"], *PEM_LINES):
        assert secret not in out, secret


def test_a_second_import_of_telemetry_reuses_the_process_collectors():
    """Streamlit's file watcher imports a changed module again: its metrics must not be registered twice
    (prometheus_client would raise "Duplicated timeseries" and the next page load would fail)."""
    import importlib
    import sys

    import y2s_core.telemetry as first

    calls = first.UPSTREAM_CALLS
    try:
        del sys.modules["y2s_core.telemetry"]
        again = importlib.import_module("y2s_core.telemetry")
        assert again is not first and again.UPSTREAM_CALLS is calls and again.QUOTA_TODAY is first.QUOTA_TODAY
    finally:
        sys.modules["y2s_core.telemetry"] = first
