"""Issue 16 items 1 and 6: sign-in with Streamlit's own OIDC, in a real browser against a real provider flow.

One ``streamlit run app.py`` for the module, its ``[auth]`` pointing at the OIDC provider emulator
(``y2s_core.emulators.oidc``) on 127.0.0.1 and its ``[y2s.access]`` naming an owner and a "@domain" of members;
the app's YouTube key and endpoint are the YouTube emulator's, with a daily budget too small for any fetch
(``Y2S_DAILY_QUOTA=1``), so each fetch is refused and who may press **Fetch anyway** shows. Debian's chromium
signs in through the whole flow (Streamlit's /auth/login, the provider's /authorize, Streamlit's
/oauth2callback exchanging the code with PKCE, the ID token checked against the provider's JWKS): each person
in a fresh browser context of one browser, so nobody inherits another's cookie.

Item 3 (a member pushes to their own sheet with their own Google account) has an app of its own (``sheets_app``),
whose ``[auth]`` exposes the access token and asks for the Sheets scope, with the default daily budget so the
member can fetch, and the Sheets emulator behind ``Y2S_SHEETS_API_URL``: the member signs in, fetches, approves,
pushes, and every Sheets request carries the access token the provider issued to them; once that token is
expired, a push is the one "sign in again" message and the approved rows stay.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS, IDLE_JS, chromium_path, enter_text  # noqa: F401 - fixture
from tests.test_browser_trust import streamlit_app
from y2s_core.dashboard.access import person_key
from y2s_core.emulators.oidc import OIDCProvider
from y2s_core.emulators.sheets import SheetsEmulator
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator

from .conftest import REPO

pytestmark = pytest.mark.browser

OWNER = "owner@example.com"
MEMBER = "someone@members.example"  # admitted by the "@members.example" entry
STRANGER = "stranger@elsewhere.example"
ACCESS = {"owners": [OWNER], "members": ["@members.example"], "member_daily_units": 300}


def _value(v) -> str:
    """A TOML value: JSON strings, numbers and arrays are TOML ones; a dict is an inline table."""
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + " }"
    return json.dumps(v)


def _toml(tables: dict[str, dict]) -> str:
    """A secrets.toml of flat tables."""
    return "".join(f"[{name}]\n" + "".join(f"{k} = {_value(v)}\n" for k, v in values.items()) + "\n"
                   for name, values in tables.items())


@pytest.fixture(scope="module")
def signed_app(tmp_path_factory):
    """(app URL, provider, YouTube emulator): the app with sign-in on, served once for the module."""
    tmp = tmp_path_factory.mktemp("oidc-app")
    idp = OIDCProvider(client_id="y2s-browser")
    yt = YouTubeEmulator()
    with idp.serve(), serve(yt) as yt_server:
        auth = idp.auth_section(redirect_uri="http://127.0.0.1:{port}/oauth2callback")  # Streamlit fills {port}
        secrets = tmp / "secrets.toml"
        secrets.write_text(_toml({"auth": auth, "y2s.access": ACCESS}), encoding="utf-8")
        env = {"STREAMLIT_SECRETS_FILES": str(secrets), "YOUTUBE_API_KEY": "k" * 39,
               "Y2S_YOUTUBE_API_URL": yt_server.url, "Y2S_DAILY_QUOTA": "1",
               "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
        with streamlit_app(tmp, env) as (url, log):
            yield url, idp, yt
        server_log = log.read_text()  # at debug level
    assert "Traceback" not in server_log, "the server logged a traceback"
    for secret in (auth["client_secret"], auth["cookie_secret"], OWNER, MEMBER, STRANGER):
        assert secret not in server_log, "a secret or an address in clear in the server's log"


@pytest.fixture(scope="module")
def browser(chromium_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def person(browser):
    """A fresh browser context (no cookie) and its page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        context.close()


def settled(pg) -> None:
    """The script run is over (``test_browser.IDLE_JS``: the app says so, and its running indicator has left)."""
    pg.wait_for_function(IDLE_JS, timeout=120_000)


def sign_in(pg, url: str, idp: OIDCProvider, email: str) -> None:
    idp.sign_in_as(email)  # the provider approves whoever the test says
    pg.goto(url)
    pg.get_by_role("button", name="Sign in").click()
    pg.get_by_text(email).first.wait_for()  # back in the app: the sidebar (or the no-access page) names them


def open_page(pg, title: str) -> None:
    pg.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    pg.get_by_role("heading", name=re.compile(title, re.I)).first.wait_for()
    settled(pg)


# The refusal, then "Nothing fetched yet" below it (the last thing the Fetch page draws, after where Fetch anyway
# goes): when both are there in that order, the run that refused has drawn everything up to that point.
REFUSAL_DRAWN_JS = """() => {
  const alerts = [...document.querySelectorAll('[data-testid="stAlert"]')].map(e => e.innerText);
  const refusal = alerts.findIndex(t => t.includes('Not started:'));
  return refusal >= 0 && alerts.findIndex(t => t.includes('Nothing fetched yet')) > refusal;
}"""


def fetch_refused(pg) -> None:
    enter_text(pg, pg.get_by_role("textbox", name="Channels"), "@oldschool")
    pg.get_by_role("button", name="Fetch", exact=True).click()
    pg.wait_for_function(REFUSAL_DRAWN_JS)


def test_a_visitor_sees_only_the_sign_in_page(signed_app, person):
    url, idp, yt = signed_app
    for path in ("", "/settings", "/push"):  # a deep link is no way round it
        person.goto(url + path)
        person.get_by_text("Sign in to continue").wait_for()
        person.get_by_role("button", name="Sign in").wait_for()  # the page's last element: the run drew it all
        settled(person)
        assert person.locator('[data-testid="stSidebarNav"]').count() == 0, "no page list before signing in"
        assert person.get_by_role("dialog").count() == 0, "no 'page not found' over it"
        assert person.get_by_role("heading", name=re.compile("Fetch videos|Settings|Push")).count() == 0
    assert yt.calls == []


def test_an_owner_signs_in_and_sees_the_server_details_and_fetch_anyway(signed_app, person):
    url, idp, yt = signed_app
    sign_in(person, url, idp, OWNER)
    person.get_by_role("heading", name="Fetch videos").wait_for()
    assert "token" in idp.events and "jwks" in idp.events  # a real code exchange, an ID token checked
    fetch_refused(person)
    person.get_by_role("button", name="Fetch anyway").wait_for()
    open_page(person, "Settings")
    person.get_by_text("You are an owner").wait_for()
    person.get_by_text("Local data folder").wait_for()
    person.get_by_text("YouTube endpoint override").wait_for()
    person.screenshot(path=str(ARTIFACTS / "oidc-owner-settings.png"), full_page=True)


def test_a_member_signs_in_and_sees_no_server_details(signed_app, person):
    url, idp, yt = signed_app
    sign_in(person, url, idp, MEMBER)
    person.get_by_role("heading", name="Fetch videos").wait_for()
    open_page(person, "Settings")
    person.get_by_text("up to 300 YouTube units a day").wait_for()
    person.get_by_role("button", name="Forget fetched videos and approvals").wait_for()  # the page's last element
    shown = person.locator("body").inner_text()  # what the member can read (the page's own links hold its URL)
    for detail in ("Local data folder", "endpoint override", "127.0.0.1", str(REPO), "SQLite in", "y2s-data"):
        assert detail not in shown, detail
    person.screenshot(path=str(ARTIFACTS / "oidc-member-settings.png"), full_page=True)
    open_page(person, "Push")  # the member's pages work
    person.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
    person.get_by_text("Sign in to continue").wait_for()


def test_a_member_is_not_offered_fetch_anyway(signed_app, person):
    url, idp, yt = signed_app
    sign_in(person, url, idp, MEMBER)
    person.get_by_role("heading", name="Fetch videos").wait_for()
    fetch_refused(person)
    assert person.get_by_role("button", name="Fetch anyway").count() == 0


def test_a_stranger_is_told_they_have_no_access_and_can_sign_out(signed_app, person):
    url, idp, yt = signed_app
    calls = len(yt.calls)
    sign_in(person, url, idp, STRANGER)
    person.get_by_role("heading", name="You have no access to this app").wait_for()
    person.get_by_role("button", name="Sign out").wait_for()
    settled(person)
    assert person.locator('[data-testid="stSidebarNav"]').count() == 0
    person.goto(url + "/settings")
    person.get_by_role("heading", name="You have no access to this app").wait_for()
    person.get_by_role("button", name="Sign out").click()
    person.get_by_text("Sign in to continue").wait_for()
    assert len(yt.calls) == calls


# ------------------------------------------------------------------- item 3: a member's push, their own token

SHEET_KEY = "1MemberOwnSheetKey0123456789abcdefghijklmn"


@pytest.fixture(scope="module")
def sheets_app(tmp_path_factory):
    """(app URL, provider, Sheets emulator, data folder): sign-in exposing the access token with the Sheets scope."""
    tmp = tmp_path_factory.mktemp("oidc-sheets-app")
    idp = OIDCProvider(client_id="y2s-sheets")
    sheets = SheetsEmulator(autocreate=True)
    with idp.serve(), serve(YouTubeEmulator()) as yt_server, serve(sheets) as sheets_server:
        auth = idp.auth_section(redirect_uri="http://127.0.0.1:{port}/oauth2callback", sheets=True)
        secrets = tmp / "secrets.toml"
        secrets.write_text(_toml({"auth": auth, "y2s.access": ACCESS}), encoding="utf-8")
        env = {"STREAMLIT_SECRETS_FILES": str(secrets), "YOUTUBE_API_KEY": "k" * 39,
               "Y2S_YOUTUBE_API_URL": yt_server.url, "Y2S_SHEETS_API_URL": sheets_server.url,
               "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
        with streamlit_app(tmp, env) as (url, log):
            yield url, idp, sheets, tmp / "data"
        server_log = log.read_text()
    assert "Traceback" not in server_log, "the server logged a traceback"
    for secret in [auth["client_secret"], auth["cookie_secret"], MEMBER, *idp.access_tokens()]:
        assert secret not in server_log, "a secret, an address or an access token in clear in the server's log"


def test_a_member_pushes_to_their_own_sheet_with_their_own_google_token(sheets_app, person):
    url, idp, sheets, data = sheets_app
    sign_in(person, url, idp, MEMBER)
    [token] = idp.access_tokens(MEMBER)
    enter_text(person, person.get_by_role("textbox", name="Channels"), "@oldschool")
    person.get_by_role("button", name="Fetch", exact=True).click()
    person.get_by_text(re.compile(r"^Fetched \d+ videos")).first.wait_for()
    open_page(person, "Review and approve")
    approve = person.get_by_role("button", name=re.compile(r"^Approve all [\d,]+ shown"))
    shown = int(re.search(r"([\d,]+)", approve.inner_text()).group(1).replace(",", ""))
    settled(person)
    approve.click()
    settled(person)
    open_page(person, "Push")
    person.get_by_text("your own Google account").first.wait_for()  # Google Sheets first, with their account
    person.get_by_label("Google Sheet URL or key").fill(SHEET_KEY)
    person.get_by_label("Google Sheet URL or key").press("Enter")
    settled(person)
    push = person.get_by_role("button", name=f"Push {shown:,} approved rows")
    push.click()
    person.get_by_text(re.compile(r"^Pushed:")).first.wait_for()
    assert len(sheets.values(SHEET_KEY, "Videos")) == shown + 1
    assert sheets.requests and {r.bearer for r in sheets.requests} == {token}  # theirs, on every request
    person.screenshot(path=str(ARTIFACTS / "oidc-member-push.png"), full_page=True)

    sheets.expire_token(token)  # an hour later (or revoked): Google answers 401
    idp.expire(token)
    push.click()
    person.get_by_text("Your Google sign-in expired: sign out and sign in again").first.wait_for()
    settled(person)
    person.get_by_text(f"{shown:,} approved videos ready to push").wait_for()  # the rows stay
    person.screenshot(path=str(ARTIFACTS / "oidc-member-push-expired.png"), full_page=True)
    assert not (data / "workbooks" / "youtube2sheets.xlsx").exists(), "nothing written to the shared folder"
    assert person_key(MEMBER) not in person.locator("body").inner_text()  # their folder's name is the server's

    person.locator('[data-testid="stMain"]').get_by_role("button", name="Sign out").click()  # the way out offered
    person.get_by_text("Sign in to continue").wait_for()
    sign_in(person, url, idp, MEMBER)  # a new session, a new token
    new_token = idp.access_tokens(MEMBER)[-1]
    assert new_token != token
    open_page(person, "Push")
    person.get_by_text(f"your {shown:,} approved videos are back").wait_for()  # kept on the server for them
    sheets.reset_requests()
    person.get_by_label("Google Sheet URL or key").fill(SHEET_KEY)
    person.get_by_label("Google Sheet URL or key").press("Enter")
    settled(person)
    person.get_by_role("button", name=f"Push {shown:,} approved rows").click()
    person.get_by_text(re.compile(r"^Pushed:")).first.wait_for()
    assert {r.bearer for r in sheets.requests} == {new_token}
