"""Service-account values in every shape a user pastes them: accepted or refused, the key never shown.

``GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON`` (and st.secrets' ``[gcp_service_account]``) arrive quoted as
``docker --env-file`` leaves them, with a BOM, wrapped in ``[...]``, double-encoded, as a bare PEM, as
the PEM body alone, cut short... Each shape is either read or refused with one clear message, and the
private key's text (or any fragment of its body) appears in no CLI output, REST answer, app page or
log record. The browser's page HTML is checked in tests/test_browser_trust.py.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import random

import pytest

from tests.api_helpers import AUTH, api_client
from tests.app_helpers import PAGES, all_text, goto, start_app
from tests.app_helpers import shown as as_read
from y2s_core import cli
from y2s_core.dashboard import fetching
from y2s_core.emulators.sheets import SheetsEmulator
from y2s_core.emulators.transport import serve
from y2s_core.errors import InputError
from y2s_core.settings import Settings, load_service_account

EMAIL = "y2s-writer@proj-12345.iam.gserviceaccount.com"
KEY_ID = "5f3c9e0a7b1d4e2f8a6c0b9d3e7f1a2b4c6d8e0f"


def _fake_pem() -> tuple[str, str]:
    """A PEM-shaped private key (random base64, not a real key) and its body without line breaks."""
    body = base64.b64encode(random.Random(9).randbytes(600)).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----\n", body


PEM, BODY = _fake_pem()
INFO = {"type": "service_account", "project_id": "proj-12345", "private_key_id": KEY_ID, "private_key": PEM,
        "client_email": EMAIL, "client_id": "1234567890", "token_uri": "https://oauth2.googleapis.com/token"}
JSON = json.dumps(INFO)


def leaks(text: str) -> list[str]:
    """Any fragment of the key in ``text``: the PEM header, the key id, or 16 characters of its body."""
    found = [s for s in ("BEGIN PRIVATE KEY", KEY_ID) if s in text]
    found += [BODY[i : i + 16] for i in range(0, len(BODY) - 16, 8) if BODY[i : i + 16] in text]
    return found


# name -> (value, accepted?, a phrase of the refusal)
SHAPES: dict[str, tuple[str, bool, str]] = {
    "json": (JSON, True, ""),
    "docker-env-file-quotes": (f'"{JSON}"', True, ""),
    "single-quotes": (f"'{JSON}'", True, ""),
    "bom": ("\ufeff" + JSON, True, ""),
    "whitespace-crlf": ("\r\n  \t" + JSON + " \r\n", True, ""),
    "list-of-one": (f"[{JSON}]", True, ""),
    "newlines-unescaped": (JSON.replace("\\n", "\n"), True, ""),
    "double-encoded": (json.dumps(JSON), True, ""),
    "bare-pem": (PEM, False, "that is a private key, not the service-account JSON"),
    "pem-one-line": (PEM.replace("\n", "\\n"), False, "that is a private key, not the service-account JSON"),
    "pem-body-only": (BODY, False, "neither a readable file path nor service-account JSON"),
    "base64-json": (base64.b64encode(JSON.encode()).decode(), False, "neither a readable file path nor"),
    "truncated-json": (JSON[: len(JSON) // 2], False, "not valid JSON"),
    "list-of-two": (f"[{JSON}, {JSON}]", False, "a JSON list of 2 items"),
    "no-client-email": (json.dumps({k: v for k, v in INFO.items() if k != "client_email"}), False,
                        "no client_email"),
    "oauth-client-file": (json.dumps({"installed": {"client_id": "x", "client_secret": PEM}}), False,
                          "OAuth client"),
}
ACCEPTED = [name for name, (_, ok, _) in SHAPES.items() if ok]
REFUSED = [name for name, (_, ok, _) in SHAPES.items() if not ok]


@pytest.fixture
def caught(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def _log_text(caplog) -> str:
    return "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


# ------------------------------------------------------------------------------------------ the loader


@pytest.mark.parametrize("name", ACCEPTED)
def test_every_harmless_wrapping_of_the_json_is_read(name):
    info = load_service_account(SHAPES[name][0])
    assert info["client_email"] == EMAIL and info["private_key"] == PEM


@pytest.mark.parametrize("name", REFUSED)
def test_every_other_shape_is_one_clear_error_without_the_value(name):
    value, _, phrase = SHAPES[name]
    with pytest.raises(InputError) as e:
        load_service_account(value)
    msg = str(e.value)
    assert phrase in msg and "\n" not in msg and len(msg) < 400
    assert leaks(msg) == [] and value[:40] not in msg


def test_a_key_file_in_any_of_those_shapes_is_read_or_refused_the_same_way(tmp_path):
    ok = tmp_path / "key.json"
    ok.write_text("\ufeff" + f'"{JSON}"\n', encoding="utf-8")
    assert load_service_account(str(ok))["client_email"] == EMAIL
    pem = tmp_path / "key.pem.json"
    pem.write_text(PEM, encoding="utf-8")
    with pytest.raises(InputError, match="holds a private key, not the service-account JSON") as e:
        load_service_account(str(pem))
    assert leaks(str(e.value)) == [] and str(pem) in str(e.value)
    binary = tmp_path / "key.p12"
    binary.write_bytes(b"\x30\x82\xff\xfe" * 50)
    with pytest.raises(InputError, match="not a service-account JSON key file"):
        load_service_account(str(binary))


def test_a_missing_key_file_is_named_and_a_huge_value_is_not(tmp_path):
    with pytest.raises(InputError, match="not a file") as e:
        load_service_account(str(tmp_path / "nope.json"))
    assert "nope.json" in str(e.value)
    with pytest.raises(InputError, match="neither a readable file path") as e:  # ENAMETOOLONG, never echoed
        load_service_account("x" * 5000)
    assert "xxxxxxxx" not in str(e.value)
    unreadable = tmp_path / "dir.json"
    unreadable.mkdir()
    with pytest.raises(InputError, match="not a file"):
        load_service_account(str(unreadable))


def test_streamlit_secrets_may_carry_the_json_as_text_or_as_a_table():
    for value in (JSON, f'"{JSON}"', INFO):
        s = Settings.from_env({}, secrets={"gcp_service_account": value})
        assert s.service_account_email == EMAIL
    s = Settings.from_env({}, secrets={"GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON": JSON})
    assert s.service_account_email == EMAIL
    with pytest.raises(InputError, match=r"\[gcp_service_account\].*private key") as e:
        Settings.from_env({}, secrets={"gcp_service_account": PEM})
    assert leaks(str(e.value)) == []


def test_redact_removes_the_key_and_each_line_of_its_body():
    s = Settings(service_account_info=INFO)
    line = PEM.splitlines()[3]
    assert leaks(s.redact(f"boom {PEM} and {line} and {KEY_ID}")) == []


# ------------------------------------------------------------------------------------------- the CLI


def _cli(*args, env, stdin=""):
    out, err = io.StringIO(), io.StringIO()
    env = {"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"], **env}
    code = cli.run(list(args), stdin=io.StringIO(stdin), stdout=out, stderr=err, env=env)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("name", list(SHAPES))
def test_the_cli_never_prints_the_key(name, tmp_path, caught, monkeypatch):
    value, ok, phrase = SHAPES[name]
    sheets = SheetsEmulator()
    sid = sheets.create_spreadsheet(title="Shapes", sheets={"Sheet1": []})
    sheets.deny(sid)  # the permission error names the account's email: nothing else of the key
    served: list[Settings] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: served.append(app))
    rows = '[{"video_id": "abcdefghijk", "title": "t"}]'
    with serve(sheets) as server:
        env = {"GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON": value, "Y2S_SHEETS_API_URL": server.url}
        runs = {
            "fetch": _cli("fetch", "@oldschool", "--max-videos", "2", env=env),
            "push-local": _cli("push", "--sheet", str(tmp_path / "v.csv"), env=env, stdin=rows),
            "push-google": _cli("push", "--sheet", sid, env=env, stdin=rows),
            "api": _cli("api", "--port", "0", env=env),
        }
    assert runs["fetch"][0] == 0, "a YouTube-only run never reads the service account"
    if ok:
        assert runs["push-local"][0] == 0 and runs["api"][0] == 0 and len(served) == 1
        assert runs["push-google"][0] == 4 and EMAIL in runs["push-google"][1]
    else:
        for what in ("push-local", "push-google", "api"):
            code, text = runs[what]
            assert code == 2 and phrase in text, (what, text)
            assert [ln for ln in text.splitlines() if ln.startswith("error:")] == [text.strip().splitlines()[-1]]
        assert served == []
    for what, (_, text) in runs.items():
        assert leaks(text) == [], (what, text)
        assert "unexpected" not in text and "Traceback" not in text
    assert leaks(_log_text(caught)) == []


# ------------------------------------------------------------------------------------------- the REST API


@pytest.mark.parametrize("name", ACCEPTED)
def test_rest_answers_never_carry_the_key(name, tmp_path, caught):
    sheets = SheetsEmulator()
    sid = sheets.create_spreadsheet(title="Shapes", sheets={"Sheet1": []})
    sheets.deny(sid)
    with serve(sheets) as server:
        settings = Settings.from_env({"GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON": SHAPES[name][0],
                                      "Y2S_SHEETS_API_URL": server.url, "Y2S_DATA_DIR": str(tmp_path)})
        api = api_client(settings)
        route, health = "/api/v1/push", "/api/v1/health"
        answers = [
            api.get(health),
            api.post(route, headers=AUTH, json={"rows": [{"video_id": "abcdefghijk"}], "sheet": sid}),
            api.post(route, headers=AUTH, json={"rows": [{"video_id": "abcdefghijk"}], "sheet": "x" * 44}),
            api.post(route, headers=AUTH, json={"rows": "nope", "sheet": sid}),
        ]
    assert answers[1].status_code == 403 and EMAIL in answers[1].text
    for r in answers:
        assert leaks(r.text) == [], r.text
    assert leaks(_log_text(caught)) == []


# -------------------------------------------------------------------------------------------- the app


@pytest.fixture
def app_env(monkeypatch):
    for var in ("YOUTUBE_API_KEY", "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON", "Y2S_YOUTUBE_API_URL", "Y2S_SHEETS_API_URL"):
        monkeypatch.delenv(var, raising=False)
    fetching.clear_fetch_cache()
    return monkeypatch


@pytest.mark.parametrize("name", list(SHAPES))
@pytest.mark.parametrize("where", ["env", "secrets"])
def test_no_app_page_shows_the_key(name, where, app_env, caught):
    value, ok, phrase = SHAPES[name]
    if where == "env":
        app_env.setenv("GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON", value)
        at = start_app()
    else:
        at = start_app({"gcp_service_account": value})
    for page in PAGES:
        goto(at, page)
        assert not at.exception, (page, at.exception)
        shown = all_text(at)
        assert leaks(shown) == [], (page, leaks(shown))
        if ok:
            assert not at.error, (page, [e.value for e in at.error])
        else:
            assert any(phrase in as_read(e.value) for e in at.error), (page, [e.value for e in at.error])
    if ok:  # the Settings page (shown last) names the account to share sheets with
        assert EMAIL in shown
    assert leaks(_log_text(caught)) == []
