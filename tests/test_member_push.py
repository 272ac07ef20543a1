"""Issue 16 item 3: a member pushes to their own sheet with their own Google account.

* the core, through real gspread and google-auth against the Sheets emulator: a target opened with a person's
  access token sends that token (``Authorization: Bearer``) on every request and never touches the service
  account; an owner's push still goes with the service account (its JWT exchanged at the key's token_uri); a
  token Google says expired (401 ACCESS_TOKEN_EXPIRED) is ``SignInExpired``, one clear line;
* the rules (``dashboard.access``): the token from ``st.user``, and why a member cannot push to Google Sheets
  when the owner did not turn it on (``expose_tokens``, the Sheets scope in ``client_kwargs``);
* a member's local workbooks: a folder of their own named by a hash of the address, never another person's;
* the Push page in an AppTest signed in as a member (``AppTest.user``): the push carries their token, an expired
  one is one message that keeps the approved rows (and gives them back after signing in again), without the
  owner's setting the Google choice says why and the local workbook goes to their own folder;
* the OIDC provider emulator's access tokens: the scopes asked, listed per person, ended by ``expire``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import openpyxl
import pytest

from tests.app_helpers import APP, TIMEOUT, fetch, goto, texts
from tests.conftest import video_row
from tests.test_sheets_real_behaviour import (  # noqa: F401 - fixtures
    EMAIL,
    TOKEN,
    rsa_key,
    service_account,
    token_endpoint,
)
from y2s_core.dashboard import access
from y2s_core.dashboard.access import Role, member_sheets_problem, person_key, user_sheets_setup, viewer_for
from y2s_core.emulators.oidc import OIDCProvider
from y2s_core.emulators.sheets import SheetsEmulator
from y2s_core.emulators.transport import AppAdapter, serve
from y2s_core.errors import InputError, PermissionDenied
from y2s_core.settings import Settings
from y2s_core.sheets import local_workbook, open_target, push, workbooks_dir
from y2s_core.sheets.google import GoogleSheetTarget, RetryPolicy
from y2s_core.sheets.own_account import SignInExpired

MEMBER = "friend@members.example"
OTHER = "other@members.example"
OWNER = "owner@example.com"
MEMBER_TOKEN = "ya29.member-own-token"
SHEETS = "https://www.googleapis.com/auth/spreadsheets"
COOKIE = "c" * 32
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": COOKIE, "client_id": "cid",
        "client_secret": "s3cr3t-value", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
        "expose_tokens": ["access"], "client_kwargs": {"scope": f"openid email profile {SHEETS}"}}
TABLE = {"owners": [OWNER], "members": ["@members.example"], "member_daily_units": 300}
EXPIRED_LINE = "Your Google sign-in expired: sign out and sign in again"


def no_retry() -> RetryPolicy:
    return RetryPolicy(sleep=lambda s: None)


def unreachable_service_account(rsa_key) -> Settings:  # noqa: F811
    """Settings whose service account could only get a token from a port nothing listens on: using it fails."""
    return Settings(service_account_info=service_account(rsa_key[0], "http://127.0.0.1:9/token"))


# ------------------------------------------------------------------------------- the core, through gspread


def test_a_members_push_carries_their_own_token_and_never_the_service_accounts(rsa_key):  # noqa: F811
    emu = SheetsEmulator()
    sid = emu.create_spreadsheet(sheets={"Videos": []})
    t = open_target(sid, "Videos", unreachable_service_account(rsa_key), user_token=MEMBER_TOKEN, user_email=MEMBER)
    assert isinstance(t, GoogleSheetTarget) and MEMBER_TOKEN not in repr(t)
    t._client.http_client.session.mount("https://sheets.googleapis.com/", AppAdapter(emu))
    result = push([video_row(i) for i in range(3)], t)
    assert result.plan.new == 3 and len(emu.values(sid, "Videos")) == 4
    assert emu.requests and {r.bearer for r in emu.requests} == {MEMBER_TOKEN}  # every request, their token


def test_with_an_endpoint_override_the_member_token_still_goes_with_every_request():
    emu = SheetsEmulator()
    sid = emu.create_spreadsheet(sheets={"Videos": []})
    with serve(emu) as server:
        settings = Settings(sheets_api_url=server.url)  # the emulator, as the app's tests and demos use it
        push([video_row(1)], GoogleSheetTarget(sid, "Videos", settings, user_token=MEMBER_TOKEN, retry=no_retry()))
        anonymous = GoogleSheetTarget(sid, "Videos", settings, retry=no_retry())  # an owner's, without a key
        push([video_row(2)], anonymous)
    bearers = [r.bearer for r in emu.requests]
    assert MEMBER_TOKEN in bearers and bearers[-1] is None  # the owner's went without the member's token


def test_an_owners_push_goes_with_the_service_account(rsa_key, token_endpoint):  # noqa: F811
    emu = SheetsEmulator()
    sid = emu.create_spreadsheet(sheets={"Videos": []})
    settings = Settings(service_account_info=service_account(rsa_key[0], token_endpoint["url"]))
    t = GoogleSheetTarget(sid, "Videos", settings, transport=AppAdapter(emu), retry=no_retry())
    push([video_row(1)], t)
    [claims] = token_endpoint["claims"]
    assert claims["iss"] == EMAIL  # the service account's key signed the exchange ...
    assert {r.bearer for r in emu.requests} == {TOKEN}  # ... and its token went with every request


def test_a_member_token_google_says_expired_is_one_clear_line_and_nothing_is_written():
    emu = SheetsEmulator()
    sid = emu.create_spreadsheet(sheets={"Videos": [["Channel"]]})
    emu.expire_token(MEMBER_TOKEN)
    t = GoogleSheetTarget(sid, "Videos", Settings(), user_token=MEMBER_TOKEN, transport=AppAdapter(emu),
                          retry=no_retry())
    with pytest.raises(SignInExpired) as info:
        push([video_row(1)], t)
    assert str(info.value).startswith(EXPIRED_LINE) and isinstance(info.value, PermissionDenied)
    assert info.value.status == 401 and info.value.email is None and MEMBER_TOKEN not in str(info.value)
    assert [r.status for r in emu.requests] == [401]  # not retried, no refresh attempted
    assert emu.values(sid, "Videos") == [["Channel"]]


def test_the_sheets_emulator_answers_an_expired_token_as_google_does():
    emu = SheetsEmulator()
    sid = emu.create_spreadsheet(sheets={"Videos": []})
    emu.expire_token("old")
    status, headers, body = emu.handle("GET", f"https://sheets.googleapis.com/v4/spreadsheets/{sid}/values/Videos",
                                       {"Authorization": "Bearer old"}, None)
    err = json.loads(body)["error"]
    assert (status, err["code"], err["status"]) == (401, 401, "UNAUTHENTICATED")
    assert err["message"].startswith("Request had invalid authentication credentials.")
    assert err["details"][0]["reason"] == "ACCESS_TOKEN_EXPIRED"
    assert err["details"][0]["metadata"]["method"].endswith("SpreadsheetsService.GetValues")
    assert 'error="invalid_token"' in headers["WWW-Authenticate"]
    status, _, _ = emu.handle("GET", f"https://sheets.googleapis.com/v4/spreadsheets/{sid}/values/Videos",
                              {"Authorization": "Bearer new"}, None)
    assert status == 200 and [r.bearer for r in emu.requests] == ["old", "new"]


def test_a_sheet_the_member_may_not_edit_names_their_account_not_the_service_account(rsa_key):  # noqa: F811
    emu = SheetsEmulator()
    sid = emu.create_spreadsheet(sheets={"Videos": []})
    emu.deny(sid)
    t = GoogleSheetTarget(sid, "Videos", unreachable_service_account(rsa_key), user_token=MEMBER_TOKEN,
                          user_email=MEMBER, transport=AppAdapter(emu), retry=no_retry())
    with pytest.raises(PermissionDenied) as info:
        push([video_row(1)], t)
    assert f"Your Google account ({MEMBER}) may not edit this spreadsheet (403)" in str(info.value)
    assert "service account" not in str(info.value) and EMAIL not in str(info.value)


# ------------------------------------------------------------------------------------------- the rules


def test_the_owner_turns_own_account_pushes_on_with_expose_tokens_and_the_sheets_scope():
    assert user_sheets_setup(AUTH) == (True, True)
    assert user_sheets_setup({**AUTH, "expose_tokens": "access"}) == (True, True)  # one string is a list of one
    assert user_sheets_setup({k: v for k, v in AUTH.items() if k != "client_kwargs"}) == (True, False)
    named = {k: v for k, v in AUTH.items() if k not in ("client_kwargs", "client_id")}
    named["google"] = {"client_id": "x", "client_kwargs": {"scope": f"openid {SHEETS}"}}
    assert user_sheets_setup(named) == (True, True)  # the scope in an [auth.google] table
    assert user_sheets_setup({**AUTH, "expose_tokens": ["id"]}) == (False, True)


def test_a_member_is_told_plainly_why_they_cannot_push_to_google_sheets():
    bare = {k: v for k, v in AUTH.items() if k not in ("expose_tokens", "client_kwargs")}
    said = member_sheets_problem(bare, None)
    assert 'expose_tokens = ["access"] in [auth] and the Sheets scope' in said
    assert "push to a local workbook or download the rows" in said
    assert "sign out and sign in again" in member_sheets_problem(AUTH, None)  # turned on after they signed in
    assert member_sheets_problem(AUTH, MEMBER_TOKEN) is None


def test_the_viewer_holds_the_members_token_from_st_user_without_showing_it():
    secrets = {"auth": AUTH, "y2s": {"access": TABLE}}
    claims = {"email": MEMBER, "email_verified": True, "tokens": {"access": MEMBER_TOKEN}}
    v = viewer_for(secrets, claims, trusted=False)
    assert (v.role, v.google_token, v.sheets_problem) == (Role.MEMBER, MEMBER_TOKEN, None)
    assert MEMBER_TOKEN not in repr(v) and v.person == person_key(MEMBER) and MEMBER not in v.person
    assert viewer_for(secrets, {"email": MEMBER}, trusted=False).sheets_problem  # no token: said why
    assert viewer_for(secrets, {"email": OWNER, "tokens": {"access": "t"}}, trusted=False).sheets_problem is None


# ---------------------------------------------------------------------------- a member's own folder


def test_member_workbooks_live_in_a_folder_of_their_own(tmp_path):
    settings = Settings(data_dir=tmp_path)
    mine, theirs = person_key(MEMBER), person_key(OTHER)
    assert mine == person_key(" Friend@Members.Example ") and mine != theirs and len(mine) == 32
    path = local_workbook(settings, "youtube2sheets.xlsx", mine)
    assert path == (tmp_path / "workbooks" / mine / "youtube2sheets.xlsx").resolve()
    assert local_workbook(settings, "youtube2sheets.xlsx", theirs).parent != path.parent
    assert MEMBER not in str(path) and "friend" not in str(path)
    for name in ("../x.xlsx", f"../{theirs}/youtube2sheets.xlsx", "/tmp/x.xlsx"):
        with pytest.raises(InputError):
            local_workbook(settings, name, mine)
    for bad in ("../..", MEMBER, "ABC", ""):
        with pytest.raises(InputError):
            workbooks_dir(settings, bad)


def test_an_old_shared_workbook_is_never_moved_into_a_members_folder(tmp_path):
    (tmp_path / "youtube2sheets.xlsx").write_bytes(b"the owner's")
    settings = Settings(data_dir=tmp_path)
    path = local_workbook(settings, "youtube2sheets.xlsx", person_key(MEMBER))
    assert not path.exists() and (tmp_path / "youtube2sheets.xlsx").read_bytes() == b"the owner's"


# ------------------------------------------------------------------------- the Push page, as a member


@pytest.fixture
def member_sheets(monkeypatch, tmp_path):
    """A served SheetsEmulator(autocreate) the app's Sheets requests go to, and a data folder of the test's."""
    emu = SheetsEmulator(autocreate=True)
    with serve(emu) as server:
        monkeypatch.setenv("Y2S_SHEETS_API_URL", server.url)
        monkeypatch.setenv("Y2S_DATA_DIR", str(tmp_path / "data"))
        yield emu


def signed_in(email: str, token: str | None, auth: dict | None = None):
    """The app in an AppTest, signed in as ``email`` (st.user, as Streamlit fills it from its cookie)."""
    from streamlit.testing.v1 import AppTest

    user = {"email": email, "email_verified": True, "is_logged_in": True, "tokens": {"access": token} if token else {}}
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.secrets["Y2S_TEST"] = "1"
    at.secrets["auth"] = auth or AUTH
    at.secrets["y2s"] = {"access": TABLE}
    at.user = user
    return at.run()


def approved_push_page(at):
    at = fetch(at, "@oldschool")
    goto(at, "pages/review.py")
    at.button(key="review.approve_all").click().run()
    return goto(at, "pages/push.py")


SHEET_KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


def test_a_member_pushes_to_their_own_sheet_with_their_own_token(member_sheets, monkeypatch, rsa_key):  # noqa: F811
    monkeypatch.setenv("GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON", json.dumps(service_account(rsa_key[0], "http://127.0.0.1:9/t")))
    at = approved_push_page(signed_in(MEMBER, MEMBER_TOKEN))
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="push.kind").value == "google", "their own account: Google Sheets is offered first"
    captions = " ".join(texts(at.caption))
    assert "your own Google account" in captions and EMAIL not in captions  # no service-account address
    at.text_input(key="push.sheet_url").input(SHEET_KEY).run()
    at.button(key="push.run").click().run()
    assert not at.exception and not at.error, texts(at.error)
    n = len(at.session_state["y2s.approved"])
    assert any(t.startswith(f"Pushed: {n} new") for t in texts(at.success))
    assert member_sheets.requests and {r.bearer for r in member_sheets.requests} == {MEMBER_TOKEN}
    assert len(member_sheets.values(SHEET_KEY, "Videos")) == n + 1


def test_an_expired_sign_in_is_one_message_that_keeps_the_rows_and_gives_them_back(member_sheets):
    at = approved_push_page(signed_in(MEMBER, MEMBER_TOKEN))
    approved = set(at.session_state["y2s.approved"])
    member_sheets.expire_token(MEMBER_TOKEN)
    at.text_input(key="push.sheet_url").input(SHEET_KEY).run()
    at.button(key="push.run").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [SignInExpired.MESSAGE]  # one message, nothing else
    assert EXPIRED_LINE in SignInExpired.MESSAGE
    assert set(at.session_state["y2s.approved"]) == approved  # nothing lost in this session
    assert at.button(key="push.sign_out_expired")
    at.run()  # the next run still says it (until a push with a good token works)
    assert [e.value for e in at.error] == [SignInExpired.MESSAGE]

    again = signed_in(MEMBER, "ya29.a-new-token")  # signed out and in again: a new session, a new token
    again = goto(again, "pages/push.py")
    assert not again.exception
    assert set(again.session_state["y2s.approved"]) == approved, "the approved rows came back"
    assert any("approved videos are back" in t for t in texts(again.success))
    other = goto(signed_in(OTHER, "ya29.other"), "pages/push.py")  # nobody else gets them
    assert not other.session_state["y2s.approved"]


def test_without_the_owners_setting_a_member_is_told_why_and_pushes_to_their_own_folder(member_sheets, tmp_path):
    bare = {k: v for k, v in AUTH.items() if k not in ("expose_tokens", "client_kwargs")}
    at = approved_push_page(signed_in(MEMBER, None, auth=bare))
    assert not at.exception
    assert at.radio(key="push.kind").value == "local", "no token: the local workbook is offered first"
    at.radio(key="push.kind").set_value("google").run()
    warnings = texts(at.warning)
    assert any("has not turned on" in w and "expose_tokens" in w for w in warnings), warnings
    assert at.button(key="push.run").disabled
    assert member_sheets.requests == []

    at.radio(key="push.kind").set_value("local").run()
    at.button(key="push.run").click().run()
    assert not at.exception and not at.error, texts(at.error)
    mine = tmp_path / "data" / "workbooks" / person_key(MEMBER) / "youtube2sheets.xlsx"
    assert openpyxl.load_workbook(mine)["Videos"].max_row == len(at.session_state["y2s.approved"]) + 1
    assert not (tmp_path / "data" / "workbooks" / "youtube2sheets.xlsx").exists(), "the shared file is untouched"
    assert MEMBER not in str(mine)
    pushed = [t for t in texts(at.success) if t.startswith("Pushed:")]
    assert pushed and pushed[0].endswith("→ youtube2sheets.xlsx"), pushed  # the name, not the server's folders
    assert at.download_button(key="push.download_target")


def test_an_owner_keeps_the_shared_workbooks_folder(member_sheets, tmp_path):
    at = approved_push_page(signed_in(OWNER, None))
    at.radio(key="push.kind").set_value("local").run()
    at.button(key="push.run").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert (tmp_path / "data" / "workbooks" / "youtube2sheets.xlsx").is_file()


# ---------------------------------------------------------------------- the OIDC emulator's tokens


def _userinfo(base: str, token: str) -> int:
    req = urllib.request.Request(f"{base}/userinfo", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_the_oidc_emulator_grants_the_sheets_scope_lists_tokens_per_person_and_ends_them():
    from tests.test_access import _authorize, _token

    idp = OIDCProvider(client_id="app", token_ttl=600)
    with idp.serve() as server:
        section = idp.auth_section("http://127.0.0.1:8501/oauth2callback", sheets=True)
        assert section["expose_tokens"] == ["access"] and SHEETS in section["client_kwargs"]["scope"].split()
        assert access.auth_problem(section) is None and user_sheets_setup(section) == (True, True)
        idp.sign_in_as(MEMBER)
        back = _authorize(server.url, scope=section["client_kwargs"]["scope"])
        status, token = _token(server.url, {"grant_type": "authorization_code", "code": back["code"],
                                            "redirect_uri": "http://127.0.0.1:8501/oauth2callback"},
                               idp.client_secret)
        assert status == 200 and token["expires_in"] == 600 and SHEETS in token["scope"].split()
        assert idp.access_tokens(MEMBER) == [token["access_token"]] and idp.access_tokens(OWNER) == []
        assert SHEETS in idp.granted_scopes(token["access_token"])
        assert _userinfo(server.url, token["access_token"]) == 200
        assert idp.expire(MEMBER) == [token["access_token"]]
        assert _userinfo(server.url, token["access_token"]) == 401
        refused = _authorize(server.url, scope="openid https://www.googleapis.com/auth/drive")
        assert refused["error"] == "invalid_scope"


def test_a_person_key_is_a_hash_never_the_address():
    key = person_key(MEMBER)
    assert all(c in "0123456789abcdef" for c in key) and "@" not in key
    assert Path(key).name == key


def test_what_google_refuses_a_members_token_for_is_said_to_them():
    from y2s_core.sheets.own_account import refusal

    assert isinstance(refusal(401, "Request had invalid authentication credentials.", MEMBER), SignInExpired)
    scope = refusal(403, "Request had insufficient authentication scopes.", MEMBER)
    assert "spreadsheets scope was not granted" in str(scope) and "sign out and sign in again" in str(scope)
    off = refusal(403, "Google Sheets API has not been used in project 123 before or it is disabled.", MEMBER)
    assert "not enabled for the Google Cloud project of this app's sign-in" in str(off)
    denied = refusal(403, "The caller does not have permission", MEMBER)
    assert f"Your Google account ({MEMBER}) may not edit this spreadsheet" in str(denied) and denied.email == MEMBER
