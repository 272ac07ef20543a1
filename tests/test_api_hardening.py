"""Issue 17: the REST API under abuse. Each test reproduces what was measured from outside first."""

from __future__ import annotations

import random
import string

import pytest

from tests.api_helpers import AUTH, api_client
from y2s_core.settings import Settings

V1 = "/api/v1"


@pytest.fixture
def api(tmp_path):
    return api_client(Settings(data_dir=tmp_path))


def test_junk_method_names_do_not_grow_the_metrics(api):
    """5,000 requests with random method names (no token) grew /metrics from 458 to 100,458 lines: each method
    became a label. Labels come from a closed set now: the known methods, else "other"."""
    api.get(f"{V1}/health")
    before = api.get(f"{V1}/metrics", headers=AUTH).text.count("\n")
    rnd = random.Random(17)
    for _ in range(300):  # enough to show growth: every new method name added a dozen lines before
        name = "".join(rnd.choices(string.ascii_uppercase, k=12))
        assert api.request(name, f"{V1}/health").status_code in (401, 404, 405)
    text = api.get(f"{V1}/metrics", headers=AUTH).text
    grown = text.count("\n") - before
    assert grown < 100, grown  # one "other" series per route and status (~25 lines), not one per junk name (6,000+)
    assert 'method="other"' in text


def test_an_endpoint_url_with_a_password_and_a_key_is_never_shown(tmp_path):
    """Y2S_YOUTUBE_API_URL=http://user:PW@host/base?key=K: the unauthenticated /health showed the password and
    the key (in the breaker's name) and a 502 body echoed the URL. One function shows URLs: no user-info,
    no query."""
    import socket

    with socket.socket() as s:  # a port nothing listens on: the fetch cannot reach it (no network needed)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://y2suser:Pa55wordSecret@127.0.0.1:{port}/base?key=KeySecret123"
    api = api_client(Settings(data_dir=tmp_path, youtube_api_key="k" * 39, youtube_api_url=url))
    r = api.post(f"{V1}/fetch", headers=AUTH, json={"channels": "UC" + "a" * 22, "force": True})
    assert r.status_code == 502 and r.json()["kind"] == "YouTubeError", r.text
    health = api.get(f"{V1}/health").text
    assert f"127.0.0.1:{port}/base" in health  # the endpoint is named, its secrets are not
    for shown in (r.text, health, api.get(f"{V1}/metrics", headers=AUTH).text):
        for secret in ("Pa55wordSecret", "KeySecret123", "y2suser"):
            assert secret not in shown
