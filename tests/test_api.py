"""The REST API's routes (/api/v1): FastAPI's TestClient against the app, the core on the YouTube emulator.

The client library (google-api-python-client) runs for real: in demo mode against the in-process
emulator, elsewhere against the emulator served on 127.0.0.1, whose counters the tests read.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from urllib.parse import quote

import pytest

from tests.api_helpers import AUTH, api_client
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.quota import quota_resets_at
from y2s_core.settings import Settings
from y2s_core.store import Store

V1 = "/api/v1"


@pytest.fixture
def api(tmp_path):
    return api_client(Settings(data_dir=tmp_path))


@pytest.fixture
def emu():
    return YouTubeEmulator()


@pytest.fixture
def served_api(emu, tmp_path):
    """The API over the emulator served on 127.0.0.1 (so the emulator's counters see every call)."""
    with serve(emu) as server:
        settings = Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path)
        yield api_client(settings, raise_server_exceptions=False)


# ------------------------------------------------------------------------------------------- health


def test_health_needs_no_token_and_says_what_is_configured_never_the_values(tmp_path):
    pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"
    settings = Settings(youtube_api_key="AIzaFAKEKEY123456789", data_dir=tmp_path,
                        service_account_info={"client_email": "sa@p.iam.gserviceaccount.com", "private_key": pem})
    r = api_client(settings).get(f"{V1}/health")
    assert r.status_code == 200
    assert r.json() == {"ok": True, "version": "0.1.0", "demo": False, "youtube_configured": True,
                        "sheets_configured": True, "store_reachable": True, "auth": True, "breakers": {}}
    assert "AIzaFAKEKEY" not in r.text and "PRIVATE" not in r.text


def test_health_says_when_the_store_cannot_be_reached(tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data dir should be")
    body = api_client(Settings(data_dir=blocked)).get(f"{V1}/health").json()
    assert body["ok"] is True and body["store_reachable"] is False and body["demo"] is True


@pytest.mark.parametrize(("method", "path"), [("GET", "/health"), ("POST", "/fetch"), ("POST", "/push")])
def test_the_unversioned_paths_are_gone(api, method, path):
    r = api.request(method, path, headers=AUTH, json={})
    assert r.status_code == 404 and r.json()["kind"] == "NotFound" and "/api/v1" in r.json()["error"]


# -------------------------------------------------------------------------------------------- fetch


def test_fetch_returns_contract_rows_and_quota(api, tmp_path):
    r = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@y2sdemo", "filters": {"max_videos": 4, "types": ["long"]}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["rows"]) == 4 and {row["type"] for row in body["rows"]} == {"Long"}
    assert body["quota_units"] == sum(body["quota"].values()) > 0 and body["complete"] is True
    assert body["resolutions"][0]["channel_id"].startswith("UC") and body["cached"] is False
    assert Store(tmp_path).quota_today("demo") == body["quota"]  # the ledger saw the same units


def test_channel_videos_takes_any_channel_form_url_encoded_and_counts_the_quota(served_api, emu, tmp_path):
    channel_id = served_api.get(f"{V1}/channels/@y2sdemo/videos", headers=AUTH,
                                params={"max_videos": 1}).json()["channels"][0]["id"]
    forms = [channel_id, "https://www.youtube.com/@y2sdemo/videos", f"youtube.com/channel/{channel_id}"]
    for form in forms:
        r = served_api.get(f"{V1}/channels/{quote(form, safe='')}/videos", headers=AUTH, params={"max_videos": 3})
        assert r.status_code == 200, (form, r.text)
        body = r.json()
        assert body["channels"][0]["id"] == channel_id and len(body["rows"]) == 3, form
        assert body["resolutions"][0]["input"] == form
    assert Store(tmp_path).quota_today(served_api.app.state.settings.account_fingerprint) == emu.units_by_method


def test_channel_videos_takes_the_filters_as_query_parameters(api):
    r = api.get(f"{V1}/channels/@y2sdemo/videos", headers=AUTH,
                params={"types": "short", "max_videos": "5", "max_duration": "1:00", "since": "2020-01-01"})
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert 0 < len(rows) <= 5 and {row["type"] for row in rows} == {"Short"}
    assert all(row["duration_seconds"] <= 60 and row["date"] >= "2020-01-01" for row in rows)


def test_a_repeated_finished_get_is_answered_from_the_cache_without_quota(served_api, emu):
    url, params = f"{V1}/channels/@oldschool/videos", {"max_videos": 5}
    first = served_api.get(url, headers=AUTH, params=params).json()
    calls = sum(emu.calls_by_method.values())
    again = served_api.get(url, headers=AUTH, params=params).json()
    assert first["cached"] is False and first["quota_units"] > 0
    assert again["cached"] is True and again["quota_units"] == 0 and again["quota"] == {}
    assert again["rows"] == first["rows"] and sum(emu.calls_by_method.values()) == calls  # no call at all
    other = served_api.get(url, headers=AUTH, params={"max_videos": 6}).json()  # other filters: another entry
    assert other["cached"] is False and sum(emu.calls_by_method.values()) > calls


# issue 10: "the API splits a quoted keyword phrase ("hello, world") that the core keeps whole"
def test_a_keyword_phrase_with_a_comma_stays_one_keyword(api):
    phrase = "clip, 45 seconds"  # two @oldschool titles hold the phrase; 16 hold "clip" or "45 seconds"
    body = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@oldschool", "filters": {"include": [phrase]}})
    query = api.get(f"{V1}/channels/@oldschool/videos", headers=AUTH, params={"include": f'"{phrase}"'})
    split = api.get(f"{V1}/channels/@oldschool/videos", headers=AUTH, params={"include": phrase})
    assert body.status_code == query.status_code == 200, (body.text, query.text)
    assert len(body.json()["rows"]) == len(query.json()["rows"]) == 2
    assert all(phrase in row["title"] for row in body.json()["rows"])
    assert len(split.json()["rows"]) == 16  # unquoted text is two keywords, as on the command line


def test_repeated_keyword_parameters_add_keywords(api):
    r = api.get(f"{V1}/channels/@oldschool/videos", headers=AUTH, params=[("include", "Boundary"), ("include", "LUTs")])
    assert len(r.json()["rows"]) == 5


@pytest.mark.parametrize(
    ("payload", "status", "kind"),
    [
        ({"channels": "https://vimeo.com/1"}, 400, "InputError"),  # a documented kind, not the subclass
        ({"channels": "@y2sdemo", "filters": {"since": "yesterday"}}, 400, "InputError"),
        ({"channels": "@y2sdemo", "filters": {"max_video": 3}}, 400, "InputError"),  # a misspelt filter
        ({"filters": {}}, 400, "InputError"),
        ({"channels": "@nosuchchannel42"}, 404, "ChannelNotFound"),
    ],
)
def test_errors_are_json_with_a_status(api, payload, status, kind):
    r = api.post(f"{V1}/fetch", headers=AUTH, json=payload)
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error", "kind"} and r.json()["kind"] == kind and r.json()["error"]


def test_a_bad_query_parameter_is_a_400_with_the_error_shape(api):
    r = api.get(f"{V1}/channels/@y2sdemo/videos", headers=AUTH, params={"max_videos": "many"})
    assert r.status_code == 400 and r.json()["kind"] == "InputError" and "Max videos" in r.json()["error"]
    r = api.get(f"{V1}/channels/@y2sdemo/videos", headers=AUTH, params={"colour": "red"})
    assert r.status_code == 400 and r.json()["kind"] == "InputError" and "colour" in r.json()["error"]


# issue 10: "body-nesting errors come back as {"detail": ...}, not the documented shape"
@pytest.mark.parametrize("body", [b'{"channels": ' + b"[" * 5000 + b"]" * 5000 + b"}", b"[" * 100_000 + b"]" * 100_000,
                                  b"not json", b'{"channels": "@y2sdemo", "filters": []}', b"[]"])
def test_an_unparseable_or_misshapen_body_gets_the_error_shape(api, body):
    r = api.post(f"{V1}/fetch", headers={**AUTH, "content-type": "application/json"}, content=body)
    assert r.status_code == 400 and set(r.json()) == {"error", "kind"} and r.json()["kind"] == "InputError", r.text


def test_quota_exhaustion_is_429_with_retry_after_to_midnight_pacific_and_the_partial_rows(tmp_path):
    emu = YouTubeEmulator(daily_quota=40)  # of 107: the first detail calls always get through (see test_store_app)
    with serve(emu) as server:
        client = api_client(Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path))
        r = client.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@bigchannel"})
    assert r.status_code == 429 and r.json()["kind"] == "QuotaExceeded"
    assert len(r.json()["partial"]["rows"]) > 0 and r.json()["partial"]["complete"] is False
    wait = int(r.headers["Retry-After"])
    to_midnight = (quota_resets_at() - datetime.now(timezone.utc)).total_seconds()
    assert abs(wait - to_midnight) < 60
    assert Store(tmp_path).quota_today(client.app.state.settings.account_fingerprint) == emu.units_by_method


def test_fetch_answers_with_its_rows_when_the_ledger_cannot_be_written(tmp_path, caplog):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data dir should be")  # Store cannot create its database here
    client = api_client(Settings(data_dir=blocked), raise_server_exceptions=False)
    with caplog.at_level(logging.WARNING, logger="y2s_core.quota"):
        r = client.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@oldschool", "filters": {"max_videos": 3}})
    assert r.status_code == 200, r.text
    assert len(r.json()["rows"]) == 3 and r.json()["quota_units"] > 0
    assert any(str(blocked) in rec.getMessage() for rec in caplog.records)


# --------------------------------------------------------------------------------------------- push


def _rows(api, n=5):
    return api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@oldschool", "filters": {"max_videos": n}}).json()["rows"]


def test_push_to_a_workbook_in_the_workbooks_folder(api, tmp_path):
    rows = _rows(api)
    first = api.post(f"{V1}/push", headers=AUTH, json={"rows": rows, "sheet": "out.csv"}).json()
    again = api.post(f"{V1}/push", headers=AUTH, json={"rows": rows, "sheet": "out.csv"}).json()
    assert (first["new"], again["new"], again["unchanged"]) == (5, 0, 5)
    assert first["target"] == "out.csv" and first["requests"] == 0
    assert (tmp_path / "workbooks" / "out.csv").is_file()


# issue 10: "/push drops the plan's warnings (duplicates, rows without id) that the CLI prints"
def test_push_returns_the_plans_warnings(api, tmp_path):
    rows = _rows(api, 3)
    r = api.post(f"{V1}/push", headers=AUTH, json={"rows": rows + rows[:2], "sheet": "w.xlsx", "dry_run": True})
    assert r.status_code == 200 and r.json()["new"] == 3 and r.json()["dry_run"] is True
    assert r.json()["warnings"] == ["2 repeated input row(s) were pushed once."]
    assert not (tmp_path / "workbooks" / "w.xlsx").exists()


def test_push_refuses_rows_without_an_id_and_writes_nothing(api, tmp_path):
    rows = _rows(api, 2)
    bare = {k: v for k, v in rows[0].items() if k not in ("video_id", "url")}
    r = api.post(f"{V1}/push", headers=AUTH, json={"rows": [*rows, bare], "sheet": "w.csv"})
    assert r.status_code == 400 and r.json()["kind"] == "InputError" and "video_id or a YouTube url" in r.json()["error"]
    assert not (tmp_path / "workbooks").exists()


# ------------------------------------------------------------------------------------------ process


def test_process_fetches_then_pushes_and_a_dry_run_writes_nothing(api, tmp_path):
    body = {"channels": "@oldschool", "filters": {"max_videos": 4}, "sheet": "team.xlsx", "tab": "Old"}
    plan = api.post(f"{V1}/process", headers=AUTH, json={**body, "dry_run": True})
    assert plan.status_code == 200, plan.text
    assert len(plan.json()["fetch"]["rows"]) == 4 and plan.json()["push"]["new"] == 4
    assert not (tmp_path / "workbooks" / "team.xlsx").exists()
    done = api.post(f"{V1}/process", headers=AUTH, json=body).json()
    again = api.post(f"{V1}/process", headers=AUTH, json=body).json()
    assert (done["push"]["new"], again["push"]["new"], again["push"]["unchanged"]) == (4, 0, 4)
    assert (tmp_path / "workbooks" / "team.xlsx").is_file()


def test_process_checks_the_target_before_spending_quota(served_api, emu):
    r = served_api.post(f"{V1}/process", headers=AUTH, json={"channels": "@oldschool", "sheet": "../x.xlsx"})
    assert r.status_code == 400 and r.json()["kind"] == "InputError"
    assert emu.calls == []


def test_process_pushes_what_was_fetched_when_the_quota_runs_out(tmp_path):
    emu = YouTubeEmulator(daily_quota=40)  # of 107: the first detail calls always get through (see test_store_app)
    with serve(emu) as server:
        client = api_client(Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path))
        r = client.post(f"{V1}/process", headers=AUTH, json={"channels": "@bigchannel", "sheet": "big.csv"})
    assert r.status_code == 429 and r.json()["kind"] == "QuotaExceeded" and int(r.headers["Retry-After"]) > 0
    fetched = len(r.json()["partial"]["rows"])
    assert fetched > 0 and r.json()["push"]["new"] == fetched
    lines = (tmp_path / "workbooks" / "big.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == fetched + 1  # header + every fetched row: nothing fetched is lost


# ------------------------------------------------------------------------------------- metrics, docs


def test_metrics_count_requests_upstream_calls_quota_and_rows(served_api, emu):
    def sample(text: str, name: str, **labels: str) -> float:
        want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in text.splitlines():
            if line.startswith(name + "{") and _labels(line) == want:
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = served_api.get(f"{V1}/metrics", headers=AUTH).text
    rows = served_api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "@oldschool", "filters": {"max_videos": 3}})
    served_api.post(f"{V1}/push", headers=AUTH, json={"rows": rows.json()["rows"], "sheet": "m.csv"})
    after = served_api.get(f"{V1}/metrics", headers=AUTH)
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    text = after.text
    for method, units in emu.units_by_method.items():
        assert sample(text, "y2s_youtube_quota_units_total", method=method) - \
            sample(before, "y2s_youtube_quota_units_total", method=method) == units
    for method, calls in emu.calls_by_method.items():
        got = sum(sample(text, "y2s_upstream_calls_total", service="youtube", method=method, outcome=o)
                  - sample(before, "y2s_upstream_calls_total", service="youtube", method=method, outcome=o)
                  for o in ("ok", "not_found", "client_error", "server_error", "rate_limited"))
        assert got == calls, method
    assert sample(text, "y2s_rows_written_total", target="local") - sample(before, "y2s_rows_written_total",
                                                                             target="local") == 3
    assert sample(text, "y2s_api_requests_total", route="/api/v1/fetch", method="POST", status="200") >= 1
    assert "y2s_api_request_duration_seconds_bucket" in text and "y2s_upstream_call_duration_seconds_bucket" in text


def _labels(line: str) -> str:
    inside = line[line.index("{") + 1: line.index("}")]
    return ",".join(sorted(inside.split(",")))


def test_openapi_documents_every_route_its_parameters_and_errors(api):
    spec = api.get(f"{V1}/openapi.json").json()
    ops = {(m.upper(), p): op for p, item in spec["paths"].items() for m, op in item.items()}
    assert set(ops) == {("GET", "/api/v1/health"), ("GET", "/api/v1/channels/{channel}/videos"),
                        ("POST", "/api/v1/fetch"), ("POST", "/api/v1/push"), ("POST", "/api/v1/process"),
                        ("GET", "/api/v1/metrics")}
    error_ref = "#/components/schemas/ErrorBody"
    for (_method, path), op in ops.items():
        assert op.get("summary") and op.get("description"), path
        assert "422" not in op["responses"], path
        assert {"200", "400", "413"} <= set(op["responses"]), path
        if path != "/api/v1/health":
            assert op["security"] == [{"HTTPBearer": []}] and "401" in op["responses"], path
        for code, resp in op["responses"].items():
            if code != "200":
                schema = resp["content"]["application/json"]["schema"]["$ref"]
                assert schema in (error_ref, "#/components/schemas/QuotaErrorBody"), (path, code)
        for param in op.get("parameters", []):
            assert param.get("description"), (path, param["name"])
    videos = ops[("GET", "/api/v1/channels/{channel}/videos")]
    assert {p["name"] for p in videos["parameters"]} >= {"channel", "max_videos", "include", "types", "since"}
    assert "Retry-After" in videos["responses"]["429"]["headers"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_requests_are_counted_by_route_template_not_by_raw_path(api):
    api.get(f"{V1}/channels/@oldschool/videos", headers=AUTH, params={"max_videos": 1})
    text = api.get(f"{V1}/metrics", headers=AUTH).text
    assert 'route="/api/v1/channels/{channel}/videos"' in text and "@oldschool" not in text
