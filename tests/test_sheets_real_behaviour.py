"""The Google Sheets target against what the real API does (issue 8), through gspread and google-auth.

* 429 is a per-minute quota: a push waits it out (up to ~90 s in all, honouring Retry-After) and says so;
* an .xlsx stored in Drive answers 400 FAILED_PRECONDITION: the user is told to save it as Google Sheets;
* the real service-account path: google-auth signs a JWT with the key, exchanges it at the key's token_uri
  (here a local endpoint that verifies the signature with the public key) and the Sheets emulator refuses
  any request without that Bearer token.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt

from tests.conftest import video_row
from y2s_core.emulators.sheets import SheetsEmulator
from y2s_core.emulators.transport import AppAdapter, requests_session
from y2s_core.errors import PermissionDenied, SheetNotFound, SheetsError
from y2s_core.settings import Settings
from y2s_core.sheets import push
from y2s_core.sheets.google import GoogleSheetTarget, RetryPolicy

EMAIL = "y2s-pusher@y2s-test.iam.gserviceaccount.com"


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def target(emu: SheetsEmulator, sid: str, sleeps: Sleeps) -> GoogleSheetTarget:
    return GoogleSheetTarget(sid, "Videos", settings=Settings(), session=requests_session(emu),
                             retry=RetryPolicy(sleep=sleeps, jitter=lambda: 1.0))


# -------------------------------------------------------------------------------- 7. 429 per minute


def test_a_push_waits_out_a_rate_limit_honouring_retry_after_and_says_so():
    emu, sleeps, said = SheetsEmulator(), Sleeps(), []
    sid = emu.create_spreadsheet(sheets={"Videos": []})
    emu.fail_next(status=429, times=3, kind="values.append", retry_after=20)
    result = push([video_row(i) for i in range(3)], target(emu, sid, sleeps), progress=said.append)
    assert result.plan.new == 3 and len(emu.values(sid, "Videos")) == 4
    assert sleeps == [20, 20, 20]  # Retry-After beats the 5 s / 10 s / 20 s backoff
    assert sum(r.kind == "values.append" for r in emu.requests) == 4
    waits = [m for m in said if "rate limit" in m]
    assert len(waits) == 3 and "waiting 20 s" in waits[0] and "60 of at most 90 s" in waits[2]


def test_a_rate_limit_that_lasts_gives_up_after_about_90_s_with_the_usual_message():
    emu, sleeps = SheetsEmulator(), Sleeps()
    sid = emu.create_spreadsheet(sheets={"Videos": []})
    emu.fail_next(status=429, times=1000, kind="values.get")
    with pytest.raises(SheetsError) as info:
        push([video_row(1)], target(emu, sid, sleeps))
    assert info.value.status == 429 and "wait a minute and re-run" in str(info.value)
    assert sum(sleeps) == pytest.approx(90) and sleeps[:4] == [5, 10, 20, 30]  # backoff, capped, then the budget
    assert sum(r.kind == "values.get" for r in emu.requests) == len(sleeps) + 1


def test_the_budget_is_per_push():
    emu, sleeps = SheetsEmulator(), Sleeps()
    sid = emu.create_spreadsheet(sheets={"Videos": []})
    t = target(emu, sid, sleeps)
    emu.fail_next(status=429, times=4, kind="values.get")
    push([video_row(1)], t)
    emu.fail_next(status=429, times=4, kind="values.get")
    push([video_row(2)], t)  # a second push on the same target waits afresh
    assert sleeps == [5, 10, 20, 30] * 2


# ------------------------------------------------------------------------------ 8. an .xlsx in Drive


def test_an_excel_file_in_drive_answers_400_failed_precondition():
    import gspread

    emu = SheetsEmulator()
    sid = emu.create_spreadsheet(sheets={"Sheet1": []})
    emu.mark_office_file(sid)
    gc = gspread.Client(None, session=requests_session(emu))
    with pytest.raises(gspread.exceptions.APIError) as info:
        gc.http_client.values_get(sid, "Sheet1")
    assert info.value.response.status_code == 400
    assert info.value.response.json() == {"error": {
        "code": 400, "message": "This operation is not supported for this document",
        "errors": [{"message": "This operation is not supported for this document", "domain": "global",
                    "reason": "failedPrecondition"}],
        "status": "FAILED_PRECONDITION"}}


def test_pushing_to_an_excel_file_in_drive_says_save_as_google_sheets():
    emu, sleeps = SheetsEmulator(), Sleeps()
    sid = emu.create_spreadsheet(sheets={"Videos": []})
    emu.mark_office_file(sid)
    with pytest.raises(SheetNotFound) as info:
        push([video_row(1)], target(emu, sid, sleeps))
    assert "this is an Excel file in Drive: File > Save as Google Sheets, then use the new URL" in str(info.value)
    assert info.value.exit_code == 2 and sleeps == [] and len(emu.requests) == 1  # not retried


# ------------------------------------------------------------------ 10. the real service-account path

TOKEN = "ya29.local-test-token"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


@pytest.fixture(scope="module")
def rsa_key() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@pytest.fixture
def token_endpoint(rsa_key) -> Iterator[dict[str, Any]]:
    """An OAuth token endpoint on 127.0.0.1: verifies the JWT assertion with the public key, answers a token."""
    public = rsa_key[1]
    seen: dict[str, Any] = {"claims": [], "refused": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            form = parse_qs(self.rfile.read(int(self.headers["content-length"])).decode())
            try:
                assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
                # google-auth always addresses the assertion to Google's token endpoint, whatever token_uri is
                claims = jwt.decode(form["assertion"][0], certs=public, audience=GOOGLE_TOKEN_AUDIENCE)
            except Exception:  # a bad signature, audience or grant: what Google answers, in short
                seen["refused"] += 1
                status, body = 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            else:
                seen["claims"].append(claims)
                status, body = 200, {"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    seen["url"] = f"http://127.0.0.1:{server.server_address[1]}/token"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


def service_account(private_key: str, token_uri: str) -> dict[str, str]:
    return {"type": "service_account", "project_id": "y2s-test", "private_key_id": "k1", "private_key": private_key,
            "client_email": EMAIL, "client_id": "1", "token_uri": token_uri}


def test_a_push_signs_a_jwt_exchanges_it_and_sends_the_bearer_token(rsa_key, token_endpoint):
    emu = SheetsEmulator()
    sid = emu.create_spreadsheet(sheets={"Videos": []})
    emu.require_token(TOKEN)
    settings = Settings(service_account_info=service_account(rsa_key[0], token_endpoint["url"]))
    assert settings.sheets_api_url is None  # the production path: a token is fetched
    t = GoogleSheetTarget(sid, "Videos", settings=settings, transport=AppAdapter(emu),
                          retry=RetryPolicy(sleep=lambda s: None))
    result = push([video_row(i) for i in range(3)], t)
    assert result.plan.new == 3 and len(emu.values(sid, "Videos")) == 4
    [claims] = token_endpoint["claims"]  # one exchange, its token reused for every request
    assert claims["iss"] == EMAIL and claims["scope"] == "https://www.googleapis.com/auth/spreadsheets"
    assert claims["aud"] == GOOGLE_TOKEN_AUDIENCE
    assert emu.requests and all(r.authorized and r.status == 200 for r in emu.requests)


def test_a_key_the_token_endpoint_refuses_is_permission_denied_naming_the_account(rsa_key, token_endpoint):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    emu = SheetsEmulator()
    sid = emu.create_spreadsheet(sheets={"Videos": []})
    emu.require_token(TOKEN)
    settings = Settings(service_account_info=service_account(other, token_endpoint["url"]))
    t = GoogleSheetTarget(sid, "Videos", settings=settings, transport=AppAdapter(emu),
                          retry=RetryPolicy(sleep=lambda s: None))
    with pytest.raises(PermissionDenied) as info:
        push([video_row(1)], t)
    assert EMAIL in str(info.value) and "PRIVATE KEY" not in str(info.value)
    assert token_endpoint["refused"] >= 1 and emu.requests == []  # nothing reached Sheets without a token


def test_the_sheets_emulator_refuses_a_request_without_the_token():
    emu = SheetsEmulator()
    sid = emu.create_spreadsheet(sheets={"Videos": []})
    emu.require_token(TOKEN)
    with pytest.raises(PermissionDenied):
        push([video_row(1)], target(emu, sid, Sleeps()))  # anonymous: no Authorization header
    assert [r.status for r in emu.requests] == [401]
