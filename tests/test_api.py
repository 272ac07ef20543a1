"""The REST API face: FastAPI's TestClient against the app, the core running on the YouTube emulator."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from y2s_core.api import create_app
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.settings import Settings
from y2s_core.store import Store


@pytest.fixture
def api(tmp_path):
    return TestClient(create_app(Settings(data_dir=tmp_path)))


def test_health_reports_demo_mode(api):
    assert api.get("/health").json() == {"ok": True, "demo": True}


def test_fetch_returns_contract_rows_and_quota(api, tmp_path):
    r = api.post("/fetch", json={"channels": "@y2sdemo", "filters": {"max_videos": 4, "types": ["long"]}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["rows"]) == 4 and {row["type"] for row in body["rows"]} == {"Long"}
    assert body["quota_units"] == sum(body["quota"].values()) > 0
    assert body["resolutions"][0]["channel_id"].startswith("UC")
    assert Store(tmp_path).quota_today("demo") == body["quota"]  # the ledger saw the same units


@pytest.mark.parametrize(
    "payload, status, kind",
    [
        ({"channels": "https://vimeo.com/1"}, 400, "ChannelInputError"),
        ({"channels": "@y2sdemo", "filters": {"since": "yesterday"}}, 400, "InputError"),
        ({"channels": "@nosuchchannel42"}, 404, "ChannelNotFound"),
    ],
)
def test_errors_are_json_with_a_status(api, payload, status, kind):
    r = api.post("/fetch", json=payload)
    assert r.status_code == status and r.json()["kind"] == kind and r.json()["error"]


def test_quota_exhaustion_is_429_with_partial_rows(tmp_path):
    emu = YouTubeEmulator(daily_quota=20)
    with serve(emu) as server:
        client = TestClient(create_app(Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=tmp_path)))
        r = client.post("/fetch", json={"channels": "@bigchannel"})
    assert r.status_code == 429
    assert r.json()["kind"] == "QuotaExceeded" and len(r.json()["partial"]["rows"]) > 0


def test_push_to_a_local_workbook(api, tmp_path):
    rows = api.post("/fetch", json={"channels": "@oldschool", "filters": {"max_videos": 5}}).json()["rows"]
    target = str(tmp_path / "out.csv")
    first = api.post("/push", json={"rows": rows, "sheet": target}).json()
    again = api.post("/push", json={"rows": rows, "sheet": target}).json()
    assert (first["new"], again["new"], again["unchanged"]) == (5, 0, 5)


def test_a_malformed_body_is_a_400_with_the_error_shape(api):
    r = api.post("/fetch", json={"filters": {}})
    assert r.status_code == 400 and r.json()["kind"] == "InputError" and "channels" in r.json()["error"]


def test_fetch_answers_with_its_rows_when_the_ledger_cannot_be_written(tmp_path, caplog):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data dir should be")  # Store cannot create its database here
    client = TestClient(create_app(Settings(data_dir=blocked)), raise_server_exceptions=False)
    with caplog.at_level(logging.WARNING, logger="y2s_core.quota"):
        r = client.post("/fetch", json={"channels": "@oldschool", "filters": {"max_videos": 3}})
    assert r.status_code == 200, r.text
    assert len(r.json()["rows"]) == 3 and r.json()["quota_units"] > 0
    assert any(str(blocked) in rec.getMessage() for rec in caplog.records)
