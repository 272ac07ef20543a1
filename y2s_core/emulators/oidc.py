"""An OpenID Connect provider on 127.0.0.1, for signing in to the app without Google (tests, local demos).

It speaks just enough of OIDC Core 1.0 (authorization code flow) for Streamlit's ``st.login``, which runs
Authlib's Starlette client:

* ``GET /.well-known/openid-configuration``: discovery (issuer, the endpoints below, S256 PKCE, RS256);
* ``GET /authorize``: checks client_id, redirect_uri, response_type=code and the scope, then *approves at
  once* as the identity the test chose (``sign_in_as``; else a ``login_hint``; else it shows a one-field
  form, for a person trying it by hand) and redirects to ``redirect_uri?code=...&state=...``;
* ``POST /token``: the authorization code grant: client authentication (HTTP Basic, Authlib's default, or
  ``client_secret`` in the form), the code once only, the same redirect_uri, and the PKCE ``code_verifier``
  against the ``code_challenge`` given to /authorize (S256 or plain); answers an access token and an ID token
  signed RS256 carrying the ``nonce`` from /authorize and ``at_hash``;
* ``GET /jwks``: the public half of the RSA key generated when the provider is made;
* ``GET /userinfo``: the identity behind a Bearer access token.

Access tokens: each is issued for the scopes asked at /authorize (``granted_scopes``), lasts ``token_ttl``
seconds (``expires_in``), and is listed per person (``access_tokens``) so a test can check that a request went
with that person's token (the Sheets emulator records each request's ``bearer``) and end it early
(``expire``: /userinfo then answers 401 invalid_token; tell the Sheets emulator too with its ``expire_token``).
``auth_section(..., sheets=True)`` also asks for the Google Sheets scope and exposes the access token to the app
(``expose_tokens = ["access"]``), as a deployment whose members push to their own sheets does.

No end_session_endpoint: ``st.logout`` then just clears Streamlit's cookie and returns to the app.

In a test::

    idp = OIDCProvider(client_id="y2s-test")
    with idp.serve():                                   # listening when ``serve`` returns
        idp.sign_in_as("owner@example.com")
        auth = idp.auth_section(redirect_uri="http://127.0.0.1:8501/oauth2callback")  # -> [auth]

By hand: ``python -m y2s_core.emulators.oidc --port 8767`` prints the ``[auth]`` table to paste into
.streamlit/secrets.toml (and ``--as someone@example.com`` approves everyone as that person).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import secrets
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from .transport import EmulatorServer, json_response, serve

CODE_TTL_SECONDS = 120
TOKEN_TTL_SECONDS = 3600
DEFAULT_SCOPES = ("openid", "email", "profile")
SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
LOCAL_SECRET = "local-emulator-secret"  # the command line's default client secret: a fake for 127.0.0.1, not a secret


@dataclass(frozen=True)
class Identity:
    """The person the provider says signed in."""

    email: str
    name: str = ""
    email_verified: bool = True

    @property
    def sub(self) -> str:
        """A stable subject id (what a real provider keeps per account): derived from the address."""
        return hashlib.sha256(self.email.lower().encode()).hexdigest()[:24]

    def claims(self) -> dict[str, Any]:
        return {"sub": self.sub, "email": self.email, "email_verified": self.email_verified,
                "name": self.name or self.email.split("@", 1)[0]}


def _b64url_sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6: the left half of SHA-256 of the access token, base64url (RS256)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def _oauth_error(error: str, description: str, status: int = 400) -> tuple[int, dict[str, str], bytes]:
    status, headers, body = json_response(status, {"error": error, "error_description": description})
    headers["cache-control"] = "no-store"
    return status, headers, body


def _page(status: int, text: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "text/html; charset=utf-8"}, text.encode("utf-8")


class OIDCProvider:
    """The provider as an emulator app (``handle``), served on 127.0.0.1 by ``serve()``.

    ``redirect_uris``: the registered callback URLs; empty accepts any loopback URL ending in
    /oauth2callback (Streamlit's). ``events`` records what was asked, in order ("authorize", "token", ...),
    never a secret or an address.
    """

    def __init__(self, client_id: str = "y2s-test", client_secret: str | None = None,
                 redirect_uris: tuple[str, ...] = (), issuer: str | None = None,
                 token_ttl: int = TOKEN_TTL_SECONDS) -> None:
        from joserfc.jwk import RSAKey  # Authlib's JOSE library (newer Authlib depends on it)

        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.redirect_uris = tuple(redirect_uris)
        self.issuer = issuer  # set by serve() to the URL it listens on
        self._key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
        self._lock = threading.Lock()
        self._next: Identity | None = None
        self._codes: dict[str, dict[str, Any]] = {}
        self.token_ttl = int(token_ttl)
        self._tokens: dict[str, tuple[Identity, float]] = {}  # access token -> (who, expires at)
        self._scopes: dict[str, tuple[str, ...]] = {}  # access token -> the scopes granted with it
        self.events: list[str] = []

    # ------------------------------------------------------------------------------------- the test's side

    def sign_in_as(self, email: str | None, name: str = "", email_verified: bool = True) -> None:
        """Approve every sign-in from now on as this person (None: ask with a form, or use ``login_hint``)."""
        with self._lock:
            self._next = Identity(email, name, email_verified) if email else None

    def auth_section(self, redirect_uri: str, cookie_secret: str | None = None, *,
                     sheets: bool = False) -> dict[str, Any]:
        """The ``[auth]`` secrets table that points Streamlit at this provider; with ``sheets``, it also asks for
        the Google Sheets scope and exposes the access token to the app (``st.user.tokens["access"]``)."""
        if not self.issuer:
            raise RuntimeError("serve() the provider first: its URL is the issuer")
        section: dict[str, Any] = {
            "redirect_uri": redirect_uri, "cookie_secret": cookie_secret or secrets.token_urlsafe(32),
            "client_id": self.client_id, "client_secret": self.client_secret,
            "server_metadata_url": f"{self.issuer}/.well-known/openid-configuration"}
        if sheets:
            section["expose_tokens"] = ["access"]
            section["client_kwargs"] = {"scope": " ".join(DEFAULT_SCOPES + (SHEETS_SCOPE,))}
        return section

    def access_tokens(self, email: str | None = None) -> list[str]:
        """The access tokens issued (to ``email``, or to anyone), oldest first."""
        with self._lock:
            return [t for t, (who, _) in self._tokens.items()
                    if email is None or who.email.lower() == email.lower()]

    def granted_scopes(self, token: str) -> tuple[str, ...]:
        """The scopes an access token was issued for (empty: no such token)."""
        with self._lock:
            return self._scopes.get(token, ())

    def expire(self, token_or_email: str) -> list[str]:
        """End an access token now (or every one of a person's, given their address), as if its hour were up or
        the person revoked it; returns the tokens ended. /userinfo refuses them from then on."""
        with self._lock:
            ended = [t for t, (who, _) in self._tokens.items()
                     if t == token_or_email or who.email.lower() == token_or_email.lower()]
            for t in ended:
                self._tokens[t] = (self._tokens[t][0], 0.0)
        return ended

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> EmulatorServer:
        """Listen on ``host:port`` (bound before this returns) and answer from a thread; a context manager."""
        server = serve(self, port, host)
        self.issuer = self.issuer or server.url
        return server

    def metadata(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": list(DEFAULT_SCOPES) + [SHEETS_SCOPE],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "email",
                                 "email_verified", "name"],
        }

    # ------------------------------------------------------------------------------------------ the app

    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes | str | None):
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        form: dict[str, str] = {}
        if body:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            form = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in headers.items()}
        path = parts.path.rstrip("/") or "/"
        with self._lock:
            self.events.append(path.rsplit("/", 1)[-1] or "/")
        if path == "/.well-known/openid-configuration" and method == "GET":
            return json_response(200, self.metadata())
        if path == "/jwks" and method == "GET":
            return json_response(200, {"keys": [self._key.as_dict(private=False)]})
        if path == "/authorize" and method in ("GET", "POST"):
            return self._authorize({**query, **form}, chosen=form.get("email") if method == "POST" else None)
        if path == "/token" and method == "POST":
            return self._token(form, headers)
        if path == "/userinfo" and method in ("GET", "POST"):
            return self._userinfo(headers)
        return _oauth_error("not_found", f"no {method} {path} here", 404)

    def _redirect_ok(self, redirect_uri: str) -> bool:
        if self.redirect_uris:
            return redirect_uri in self.redirect_uris
        u = urlsplit(redirect_uri)
        return u.scheme == "http" and u.hostname in ("127.0.0.1", "localhost", "::1") and u.path.endswith(
            "/oauth2callback")

    def _authorize(self, q: Mapping[str, str], chosen: str | None):
        # Errors about the client or its redirect_uri are shown here, never redirected (RFC 6749 4.1.2.1).
        if q.get("client_id") != self.client_id:
            return _page(400, "<h1>Unknown client_id</h1>")
        redirect_uri = q.get("redirect_uri", "")
        if not self._redirect_ok(redirect_uri):
            return _page(400, "<h1>redirect_uri is not registered for this client</h1>")

        def back(**params: str):
            sep = "&" if urlsplit(redirect_uri).query else "?"
            state = {"state": q["state"]} if q.get("state") else {}
            return 302, {"location": f"{redirect_uri}{sep}{urlencode({**params, **state})}"}, b""

        if q.get("response_type") != "code":
            return back(error="unsupported_response_type", error_description="only the code flow is served")
        scopes = tuple(dict.fromkeys(q.get("scope", "").split()))
        if "openid" not in scopes:
            return back(error="invalid_scope", error_description="scope must include openid")
        unknown = [x for x in scopes if x not in DEFAULT_SCOPES + (SHEETS_SCOPE,)]
        if unknown:
            return back(error="invalid_scope", error_description="unknown scope " + " ".join(unknown)[:100])
        method = q.get("code_challenge_method", "plain" if q.get("code_challenge") else "")
        if method not in ("", "S256", "plain"):
            return back(error="invalid_request", error_description="code_challenge_method must be S256 or plain")
        with self._lock:
            who = self._next
        if who is None and (chosen or q.get("login_hint")):
            who = Identity((chosen or q["login_hint"]).strip())
        if who is None or "@" not in who.email:
            return self._login_form(q)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {"identity": who, "redirect_uri": redirect_uri, "nonce": q.get("nonce"), "scopes": scopes,
                                 "challenge": q.get("code_challenge"), "method": method,
                                 "expires": time.time() + CODE_TTL_SECONDS, "auth_time": int(time.time())}
        return back(code=code)

    def _login_form(self, q: Mapping[str, str]):
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in q.items() if k != "email")
        return _page(200, "<!doctype html><title>Sign in (OIDC emulator)</title><h1>Sign in (OIDC emulator)</h1>"
                          f'<form method="post" action="authorize">{hidden}'
                          '<label>E-mail <input name="email" type="email" required autofocus></label> '
                          '<button type="submit">Sign in</button></form>')

    def _client_ok(self, form: Mapping[str, str], headers: Mapping[str, str]) -> bool:
        auth = headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                raw = base64.b64decode(auth[6:].strip()).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return False
            cid, _, secret = raw.partition(":")  # RFC 6749 2.3.1: each part form-encoded first
            cid, secret = unquote_plus(cid), unquote_plus(secret)
        else:
            cid, secret = form.get("client_id", ""), form.get("client_secret", "")
        return secrets.compare_digest(cid, self.client_id) and secrets.compare_digest(secret, self.client_secret)

    def _token(self, form: Mapping[str, str], headers: Mapping[str, str]):
        if not self._client_ok(form, headers):
            return _oauth_error("invalid_client", "client authentication failed", 401)
        if form.get("grant_type") != "authorization_code":
            return _oauth_error("unsupported_grant_type", "only authorization_code is served")
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant["expires"] < time.time():
            return _oauth_error("invalid_grant", "unknown, used or expired code")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _oauth_error("invalid_grant", "redirect_uri differs from the one given to /authorize")
        if grant["challenge"]:
            verifier = form.get("code_verifier", "")
            expected = _b64url_sha256(verifier) if grant["method"] == "S256" else verifier
            if not verifier or not secrets.compare_digest(expected, grant["challenge"]):
                return _oauth_error("invalid_grant", "code_verifier does not match the code_challenge")
        who: Identity = grant["identity"]
        access_token = "ya29.emu-" + secrets.token_urlsafe(32)  # Google's access tokens start "ya29."
        now = int(time.time())
        with self._lock:
            self._tokens[access_token] = (who, now + self.token_ttl)
            self._scopes[access_token] = grant["scopes"]
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + TOKEN_TTL_SECONDS,
                  "auth_time": grant["auth_time"], "at_hash": _at_hash(access_token), **who.claims()}
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        from joserfc import jwt

        id_token = jwt.encode({"alg": "RS256", "kid": self._key.kid, "typ": "JWT"}, claims, self._key)
        status, hdrs, body = json_response(200, {"access_token": access_token, "token_type": "Bearer",
                                                 "expires_in": self.token_ttl, "id_token": id_token,
                                                 "scope": " ".join(grant["scopes"])})
        hdrs["cache-control"] = "no-store"
        return status, hdrs, body

    def _userinfo(self, headers: Mapping[str, str]):
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        with self._lock:
            held = self._tokens.get(token)
        if held is None or held[1] < time.time():
            return 401, {"www-authenticate": 'Bearer error="invalid_token"'}, b""
        return json_response(200, held[0].claims())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m y2s_core.emulators.oidc", description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=8767)
    p.add_argument("--client-id", default="y2s-local")
    p.add_argument("--client-secret", default=LOCAL_SECRET,
                   help="what the app must send (a local fake; the snippet below does not repeat it)")
    p.add_argument("--as", dest="email", default=None, help="approve every sign-in as this e-mail (else a form)")
    p.add_argument("--app-port", type=int, default=8501, help="the Streamlit app's port, for redirect_uri")
    p.add_argument("--sheets", action="store_true",
                   help="also expose the access token and ask for the Google Sheets scope (members' own pushes)")
    args = p.parse_args(argv)
    provider = OIDCProvider(client_id=args.client_id, client_secret=args.client_secret)
    provider.sign_in_as(args.email)
    # the default is a public local fake, so it may be shown; a value passed on the command line is not repeated
    shown_secret = LOCAL_SECRET if args.client_secret == LOCAL_SECRET else "...the value of --client-secret..."
    with provider.serve(port=args.port) as server:
        print(f"OIDC provider emulator on {server.url} (Ctrl+C to stop). In .streamlit/secrets.toml:\n\n[auth]\n"
              f'redirect_uri = "http://localhost:{args.app_port}/oauth2callback"\n'
              'cookie_secret = "...a long random string..."\n'
              f'client_id = "{args.client_id}"\n'
              f'client_secret = "{shown_secret}"\n'
              f'server_metadata_url = "{server.url}/.well-known/openid-configuration"\n'
              + ('expose_tokens = ["access"]\n'
                 f'client_kwargs = {{ scope = "{" ".join(DEFAULT_SCOPES + (SHEETS_SCOPE,))}" }}\n'
                 if args.sheets else "") + "\n"
              '[y2s.access]\nowners = ["...the address you sign in as..."]\n', flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
