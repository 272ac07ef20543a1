"""Issue 16 item 1: who may do what when the app is shared. The rules of ``dashboard.access`` as plain functions
(the access table, a person's role, a broken ``[auth]`` said in one clear line without its values), the OIDC
provider emulator's protocol checks (tests/test_browser_oidc.py drives the whole flow in a real browser), and the
gate in an AppTest: with ``[auth]`` configured a page shows only the sign-in page to someone not signed in."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from y2s_core.dashboard.access import (
    DEFAULT_MEMBER_DAILY_UNITS,
    AccessTable,
    Role,
    auth_problem,
    parse_access,
    providers,
    role_of,
    viewer_for,
)
from y2s_core.emulators.oidc import OIDCProvider
from y2s_core.errors import InputError

COOKIE = "c" * 32
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": COOKIE, "client_id": "cid-4711",
        "client_secret": "s3cr3t-value", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
TABLE = {"owners": ["Owner@Example.com"], "members": ["friend@other.org", "@example.org"], "member_daily_units": 300}


# ---------------------------------------------------------------------------------------- the table


def test_the_access_table_is_read_with_addresses_lower_cased_and_domains_apart():
    t = parse_access(TABLE)
    assert t == AccessTable(frozenset({"owner@example.com"}), frozenset({"friend@other.org"}),
                            frozenset({"@example.org"}), 300)


def test_no_table_admits_nobody_and_the_default_budget_is_500():
    assert parse_access(None) == AccessTable()
    assert parse_access({"owners": ["a@b.co"]}).member_daily_units == DEFAULT_MEMBER_DAILY_UNITS == 500


def test_one_address_may_be_written_without_a_list():
    assert parse_access({"owners": "me@example.com"}).owners == {"me@example.com"}


@pytest.mark.parametrize(("section", "said"), [
    ({"owner": ["a@b.co"]}, "unknown key(s) owner"),
    ({"owners": ["a@b.co"], "member": ["c@d.co"]}, "unknown key(s) member"),
    ({"owners": {"a": 1}}, "owners must be a list"),
    ({"owners": ["a@b.co", "bob"]}, "owners: entry 2 is not an e-mail address"),
    ({"owners": ["@example.com"]}, "a whole domain may be members, not owners"),
    ({"owners": [3]}, "owners: entry 1 is not an e-mail address"),
    ({"members": ["x@y.co", "not an address"]}, 'members: entry 2 is neither an e-mail address nor a "@domain"'),
    ({"members": ["@localhost"]}, "members: entry 1"),
    ({"member_daily_units": -1}, "member_daily_units must be a whole number"),
    ({"member_daily_units": 2.5}, "member_daily_units must be a whole number"),
    ({"member_daily_units": True}, "member_daily_units must be a whole number"),
    (["a@b.co"], "[y2s.access] must be a table"),
])
def test_a_broken_table_is_one_clear_message_that_never_quotes_an_entry(section, said):
    with pytest.raises(InputError) as e:
        parse_access(section)
    assert said in str(e.value)
    assert "bob" not in str(e.value) and "not an address" not in str(e.value).replace("not an e-mail", "")


def test_a_number_of_units_written_as_text_is_read():
    assert parse_access({"member_daily_units": " 250 "}).member_daily_units == 250


# ------------------------------------------------------------------------------------------ roles


@pytest.mark.parametrize(("email", "verified", "role"), [
    ("owner@example.com", True, Role.OWNER),
    ("  OWNER@EXAMPLE.COM ", True, Role.OWNER),
    ("friend@other.org", True, Role.MEMBER),
    ("anyone@example.org", True, Role.MEMBER),  # the "@example.org" domain
    ("anyone@sub.example.org", True, Role.NOBODY),  # a domain is exact: no subdomains
    ("anyone@example.org.evil.com", True, Role.NOBODY),
    ("example.org@evil.com", True, Role.NOBODY),
    ("stranger@gmail.com", True, Role.NOBODY),
    ("owner@example.com", False, Role.NOBODY),  # an address the provider did not verify proves nothing
    ("owner@example.com", "false", Role.NOBODY),
    ("", True, Role.NOBODY),
    (None, True, Role.NOBODY),
])
def test_the_role_of_a_signed_in_person(email, verified, role):
    assert role_of(email, parse_access(TABLE), email_verified=verified) is role


def test_an_owner_listed_as_a_member_too_is_an_owner():
    t = parse_access({"owners": ["a@b.co"], "members": ["a@b.co", "@b.co"]})
    assert role_of("a@b.co", t) is Role.OWNER and t.members == frozenset()


# --------------------------------------------------------------------------------------- [auth]


def test_a_complete_auth_table_has_no_problem():
    assert auth_problem(AUTH) is None
    named = {k: AUTH[k] for k in ("redirect_uri", "cookie_secret")} | {
        "google": {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}}
    assert auth_problem(named) is None
    assert providers(AUTH) == (None,) and providers(named) == ("google",)


@pytest.mark.parametrize(("change", "said"), [
    ({"redirect_uri": None}, "[auth] has no redirect_uri"),
    ({"cookie_secret": ""}, "[auth] has no cookie_secret"),
    ({"redirect_uri": "http://127.0.0.1:8501/"}, "ending in /oauth2callback"),
    ({"cookie_secret": "tiny-secret"}, "cookie_secret is shorter than 16 characters"),
    ({"client_secret": None}, "[auth] has no client_secret"),
    ({"client_id": None, "client_secret": None, "server_metadata_url": None}, "names no provider"),
])
def test_a_broken_auth_table_is_one_clear_message_without_its_values(change, said):
    auth = {k: v for k, v in {**AUTH, **change}.items() if v is not None}
    problem = auth_problem(auth)
    assert problem and said in problem and "README" in problem
    assert not any(str(v) in problem for v in (COOKIE, "s3cr3t-value", "tiny-secret", "cid-4711", "8501"))


def test_auth_that_is_not_a_table_is_said():
    assert "must be a table" in auth_problem("yes")


# ------------------------------------------------------------------------------------------ viewers


def test_without_auth_the_visitor_on_this_machine_is_the_owner_and_anyone_else_a_guest():
    assert viewer_for({}, None, trusted=True).role is Role.OWNER
    guest = viewer_for({"y2s": {"access": TABLE}}, {"email": "owner@example.com"}, trusted=False)
    assert guest.role is Role.GUEST and not guest.sign_in  # no [auth]: claims are not even read


def test_with_auth_nobody_is_let_in_before_signing_in_and_each_gets_their_role_after():
    secrets = {"auth": AUTH, "y2s": {"access": TABLE}}
    before = viewer_for(secrets, None, trusted=True)  # on this machine or not: sign in first
    assert before.role is Role.NOBODY and not before.allowed and not before.signed_in and before.providers == (None,)
    owner = viewer_for(secrets, {"email": "owner@example.com", "email_verified": True}, trusted=False)
    assert (owner.role, owner.allowed, owner.daily_units) == (Role.OWNER, True, None)
    member = viewer_for(secrets, {"email": "new@example.org"}, trusted=False)
    assert (member.role, member.daily_units) == (Role.MEMBER, 300)
    stranger = viewer_for(secrets, {"email": "stranger@gmail.com"}, trusted=True)
    assert (stranger.role, stranger.email, stranger.allowed) == (Role.NOBODY, "stranger@gmail.com", False)
    no_email = viewer_for(secrets, {"sub": "123"}, trusted=True)
    assert no_email.signed_in and not no_email.allowed


@pytest.mark.parametrize("secrets", [
    {"auth": {**AUTH, "cookie_secret": "tiny-secret"}, "y2s": {"access": TABLE}},
    {"auth": AUTH, "y2s": {"access": {"owners": ["nobody"]}}},
    {"auth": AUTH},  # sign-in on, nobody named: not even the owner could get in
    {"auth": AUTH, "y2s": {"access": {"owners": [], "members": []}}},
])
def test_broken_sign_in_settings_let_nobody_in_and_say_why(secrets):
    v = viewer_for(secrets, {"email": "owner@example.com"}, trusted=True)
    assert v.role is Role.NOBODY and not v.providers and v.problem
    assert "tiny-secret" not in v.problem and '"nobody"' not in v.problem


# ------------------------------------------------------------------------ the OIDC provider emulator


def _get(url: str, headers: dict | None = None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
        return json.loads(r.read())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _authorize(base: str, **params) -> dict[str, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    query = {"response_type": "code", "client_id": "app", "scope": "openid email profile", "state": "st",
             "redirect_uri": "http://127.0.0.1:8501/oauth2callback", **params}
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(f"{base}/authorize?{urllib.parse.urlencode(query)}", timeout=10)
    assert e.value.code == 302
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(e.value.headers["location"]).query))


def _token(base: str, form: dict, secret: str) -> tuple[int, dict]:
    basic = base64.b64encode(f"app:{secret}".encode()).decode()
    req = urllib.request.Request(f"{base}/token", data=urllib.parse.urlencode(form).encode(),
                                 headers={"Authorization": f"Basic {basic}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_the_oidc_emulator_issues_a_verifiable_id_token_for_the_chosen_person_with_pkce_and_nonce():
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.jwk import KeySet

    idp = OIDCProvider(client_id="app")
    with idp.serve() as server:
        base = server.url
        meta = _get(f"{base}/.well-known/openid-configuration")
        assert meta["issuer"] == base and "S256" in meta["code_challenge_methods_supported"]
        idp.sign_in_as("member@example.org", name="Mem")
        verifier = "v" * 64
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        back = _authorize(base, nonce="n-123", code_challenge=challenge, code_challenge_method="S256")
        assert back["state"] == "st" and back["code"]
        form = {"grant_type": "authorization_code", "code": back["code"],
                "redirect_uri": "http://127.0.0.1:8501/oauth2callback", "code_verifier": "wrong" * 10}
        assert _token(base, form, idp.client_secret)[1]["error"] == "invalid_grant"  # PKCE checked ...
        back = _authorize(base, nonce="n-123", code_challenge=challenge, code_challenge_method="S256")
        form["code"], form["code_verifier"] = back["code"], verifier
        assert _token(base, form, "not-the-secret")[0] == 401  # ... and the client
        status, token = _token(base, form, idp.client_secret)
        assert status == 200, token
        assert _token(base, form, idp.client_secret)[1]["error"] == "invalid_grant"  # a code works once
        keys = KeySet.import_key_set(_get(meta["jwks_uri"]))
        decoded = jwt.decode(token["id_token"], keys)
        claims = CodeIDToken(decoded.claims, decoded.header, {"iss": {"values": [base]}},
                             {"nonce": "n-123", "client_id": "app", "access_token": token["access_token"]})
        claims.validate()  # iss, aud, exp, iat, nonce and at_hash, as Authlib checks them for st.login
        assert (claims["email"], claims["email_verified"], claims["name"]) == ("member@example.org", True, "Mem")
        info = _get(meta["userinfo_endpoint"], {"Authorization": f"Bearer {token['access_token']}"})
        assert info["email"] == "member@example.org" and info["sub"] == claims["sub"]


def test_the_oidc_emulator_refuses_an_unregistered_redirect_and_asks_who_when_nobody_was_chosen():
    idp = OIDCProvider(client_id="app", redirect_uris=("http://127.0.0.1:8501/oauth2callback",))
    with idp.serve() as server:
        query = urllib.parse.urlencode({"response_type": "code", "client_id": "app", "scope": "openid",
                                        "redirect_uri": "http://evil.invalid/oauth2callback"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{server.url}/authorize?{query}", timeout=10)
        assert e.value.code == 400  # shown, never redirected to an unregistered address
        query = urllib.parse.urlencode({"response_type": "code", "client_id": "app", "scope": "openid",
                                        "redirect_uri": "http://127.0.0.1:8501/oauth2callback"})
        with urllib.request.urlopen(f"{server.url}/authorize?{query}", timeout=10) as r:
            assert b'name="email"' in r.read()  # no one chosen: a form asks
        assert _authorize(server.url, login_hint="hint@example.com")["code"]


# -------------------------------------------------------------------------------- the gate (AppTest)


@pytest.mark.parametrize("page", ["pages/settings.py", "pages/fetch.py"])
def test_with_auth_a_page_shows_only_the_sign_in_page_to_someone_not_signed_in(page, fresh_app_env):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    at = AppTest.from_file(str(REPO / page), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["y2s"] = {"access": TABLE}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    text = " ".join(m.value for m in at.markdown)
    assert "Sign in to continue" in text and not at.title.values[1:]
    assert [t.value for t in at.title] == ["YouTube2Sheets"]


def test_with_a_broken_access_table_the_gate_says_so_and_offers_no_sign_in(fresh_app_env):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    at = AppTest.from_file(str(REPO / "pages/settings.py"), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["y2s"] = {"access": {"owners": ["@example.com"]}}
    at.run()
    assert not at.exception and len(at.button) == 0
    assert "Access is misconfigured: [y2s.access] owners: entry 1" in at.error[0].value


def test_sign_in_that_cannot_start_is_one_clear_line_not_a_traceback(fresh_app_env, monkeypatch):
    import streamlit
    from streamlit.errors import StreamlitMissingAuthlibError
    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    def no_authlib(provider=None):
        raise StreamlitMissingAuthlibError()

    monkeypatch.setattr(streamlit, "login", no_authlib)
    at = AppTest.from_file(str(REPO / "pages/fetch.py"), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["y2s"] = {"access": TABLE}
    at.run()
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Sign-in cannot start: this server needs Authlib (pip install -r requirements.txt)."]


def test_the_readme_and_the_secrets_example_show_tables_these_rules_accept():
    import re

    from tests.conftest import REPO

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    readme = (REPO / "README.md").read_text(encoding="utf-8").split("### Sign-in (sharing the app)", 1)[1]
    shown = re.search(r"```toml\n(.*?)```", readme, re.S).group(1)
    example = (REPO / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8").split("# [auth]", 1)[1]
    uncommented = "[auth]\n" + "\n".join(line[2:] for line in example.splitlines() if line.startswith("# "))
    for text in (shown, uncommented):
        secrets = tomllib.loads(text)
        assert auth_problem(secrets["auth"]) is None
        table = parse_access(secrets["y2s"]["access"])
        assert role_of("you@example.com", table) is Role.OWNER and role_of("a@example.org", table) is Role.MEMBER
