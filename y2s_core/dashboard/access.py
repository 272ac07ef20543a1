"""Who may use the app when it is shared: sign-in (``[auth]``, Streamlit's OIDC) and the access table.

The owner turns sign-in on with an ``[auth]`` table in the app's secrets (Streamlit's own ``st.login``:
``redirect_uri``, ``cookie_secret``, and ``client_id`` / ``client_secret`` / ``server_metadata_url`` flat
or in one ``[auth.<provider>]`` table each) and says who may do what in ``[y2s.access]``::

    [y2s.access]
    owners = ["me@example.com"]                       # everything, Settings' server details, Fetch anyway
    members = ["friend@example.com", "@example.org"]  # fetch, review, metrics, push (a "@domain" admits all of it)
    member_daily_units = 500                          # each member's YouTube units a day (default 500)

Anyone else who signs in is told they have no access. A member pushes to Google Sheets with their own Google
account, never the service account (owners only, and the CLI/API): the owner adds ``expose_tokens = ["access"]``
to ``[auth]`` and the Sheets scope to the provider's ``client_kwargs`` (``scope = "openid email profile
https://www.googleapis.com/auth/spreadsheets"``), and ``Viewer.google_token`` holds the member's access token
(``st.user.tokens["access"]``); without it ``Viewer.sheets_problem`` says why. A member's local workbooks live in
a folder of their own named by ``person_key`` (a hash of the address). Without ``[auth]`` nobody signs in: a visitor on
the machine the app runs on (or everyone, with ``Y2S_TRUST_ALL_VISITORS=true``) is the owner, anyone else
a guest in demo mode (``state.visitor_trusted``).

The rules are plain functions (``parse_access``, ``role_of``, ``auth_problem``, ``providers``), tested
without Streamlit; ``state.current_viewer`` applies them to the session and keeps the ``Viewer`` in the
session (``VIEWER``), where ``may_override_budget`` and ``may_see_server_details`` read it. The pages
drawn before anyone is let in (``sign_in_page``, ``no_access_page``) are here too. Messages never quote a
secret or an address from the secrets: a broken table is said by key and position.
"""

from __future__ import annotations

import enum
import hashlib
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAuthError, StreamlitMissingAuthlibError

from ..errors import InputError

VIEWER = "y2s.viewer"  # session_state key: the Viewer of this run (state.current_viewer writes it)
DEFAULT_MEMBER_DAILY_UNITS = 500
ACCESS_KEYS = ("owners", "members", "member_daily_units")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
MIN_COOKIE_SECRET = 16  # characters: the cookie that says who is signed in is signed with it
SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"  # what a member's token needs to push to their sheets

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN_RE = re.compile(r"^@[^@\s]+\.[^@\s]+$")


class Role(enum.Enum):
    OWNER = "owner"  # everything
    MEMBER = "member"  # fetch, review, metrics, push within member_daily_units; no Fetch anyway, no server details
    GUEST = "guest"  # no sign-in configured, a visitor from another machine: demo mode
    NOBODY = "nobody"  # sign-in configured: not signed in, or signed in but not in the access table


@dataclass(frozen=True)
class AccessTable:
    """``[y2s.access]``, parsed: addresses lower-cased, domains kept with their ``@``."""

    owners: frozenset[str] = frozenset()
    members: frozenset[str] = frozenset()
    member_domains: frozenset[str] = frozenset()
    member_daily_units: int = DEFAULT_MEMBER_DAILY_UNITS


@dataclass(frozen=True)
class Viewer:
    """Who this session is and what they may do. ``email`` only when signed in (shown to that person only)."""

    role: Role
    sign_in: bool = False  # [auth] is configured
    email: str | None = None
    daily_units: int | None = None  # a member's budget; None: the app's whole budget (owners, no sign-in)
    problem: str | None = None  # why nobody can be let in (a broken [auth] or [y2s.access]), said on the gate
    providers: tuple[str | None, ...] = ()  # the sign-in buttons: None for [auth]'s own provider, else its name
    # a member's own Google access token (st.user.tokens["access"]): never shown, logged or compared
    google_token: str | None = field(default=None, repr=False, compare=False)
    sheets_problem: str | None = None  # why a member cannot push to Google Sheets (None: they can, with their token)

    @property
    def allowed(self) -> bool:
        return self.role is not Role.NOBODY

    @property
    def signed_in(self) -> bool:
        return self.email is not None

    @property
    def person(self) -> str | None:
        """This signed-in person's key (``person_key``): names their own workbook folder, never their address."""
        return person_key(self.email) if self.email else None


# ------------------------------------------------------------------------------------------ the rules


def _normalise(address: str) -> str:
    return address.strip().lower()


def _entries(section: Mapping[str, Any], key: str) -> list[str]:
    value = section.get(key, [])
    if isinstance(value, str):
        value = [value]  # owners = "me@example.com": one person
    if not isinstance(value, (list, tuple)):
        raise InputError(f'[y2s.access] {key} must be a list of e-mail addresses, e.g. {key} = ["you@example.com"].')
    out = []
    for n, item in enumerate(value, 1):
        if not isinstance(item, str) or not item.strip():
            raise InputError(f"[y2s.access] {key}: entry {n} is not an e-mail address (a quoted string).")
        out.append(_normalise(item))
    return out


def parse_access(section: Any) -> AccessTable:
    """``[y2s.access]`` (a mapping, or None when absent) as an AccessTable; InputError names the key at fault.

    Owners are people (an e-mail address each); members are addresses or ``"@domain"`` (everyone whose
    address ends in it). Unknown keys are refused, so a typo (``member = [...]``) does not silently admit
    nobody. Messages give the key and the entry's position, never the entry.
    """
    if section is None:
        return AccessTable()
    if not isinstance(section, Mapping):
        raise InputError("[y2s.access] must be a table: owners = [...], members = [...], member_daily_units = 500.")
    unknown = sorted(str(k) for k in section if k not in ACCESS_KEYS)
    if unknown:
        raise InputError(f"[y2s.access] has unknown key(s) {', '.join(unknown)}; the keys are {', '.join(ACCESS_KEYS)}.")
    owners = _entries(section, "owners")
    for n, o in enumerate(owners, 1):
        if not _EMAIL_RE.match(o):
            hint = " (a whole domain may be members, not owners)" if o.startswith("@") else ""
            raise InputError(f"[y2s.access] owners: entry {n} is not an e-mail address{hint}.")
    members, domains = set(), set()
    for n, m in enumerate(_entries(section, "members"), 1):
        if _DOMAIN_RE.match(m):
            domains.add(m)
        elif _EMAIL_RE.match(m):
            members.add(m)
        else:
            raise InputError(f'[y2s.access] members: entry {n} is neither an e-mail address nor a "@domain".')
    units = section.get("member_daily_units", DEFAULT_MEMBER_DAILY_UNITS)
    if isinstance(units, str) and units.strip().isdigit():
        units = int(units.strip())
    if isinstance(units, bool) or not isinstance(units, int) or units < 0:
        raise InputError("[y2s.access] member_daily_units must be a whole number of YouTube units, 0 or more "
                         f"(default {DEFAULT_MEMBER_DAILY_UNITS}).")
    return AccessTable(frozenset(owners), frozenset(members - set(owners)), frozenset(domains), units)


def role_of(email: str | None, table: AccessTable, *, email_verified: Any = True) -> Role:
    """The role of the person signed in as ``email``: OWNER, MEMBER, or NOBODY (not listed, no address, or an
    address the provider says it has not verified: anyone can type someone else's address into an account)."""
    if not email or not isinstance(email, str) or email_verified is False or str(email_verified).lower() == "false":
        return Role.NOBODY
    address = _normalise(email)
    if not _EMAIL_RE.match(address):
        return Role.NOBODY
    if address in table.owners:
        return Role.OWNER
    if address in table.members or "@" + address.rsplit("@", 1)[1] in table.member_domains:
        return Role.MEMBER
    return Role.NOBODY


def person_key(email: str) -> str:
    """A person's key: SHA-256 of their lower-cased address (with this app's own prefix), 32 hex characters. Names
    what is theirs on the server (their workbook folder) without their address in clear."""
    return hashlib.sha256(b"y2s-person\0" + _normalise(email).encode("utf-8")).hexdigest()[:32]


def _listed(value: Any) -> list[str]:
    """A TOML setting given as one string or a list of them, as a list of strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return []


def user_sheets_setup(auth: Any) -> tuple[bool, bool]:
    """(access token exposed, Sheets scope asked) in ``[auth]``: ``expose_tokens`` naming "access", and the
    spreadsheets scope in the ``client_kwargs`` scope of its own provider or of any ``[auth.<name>]`` one."""
    if not isinstance(auth, Mapping):
        return False, False
    exposed = "access" in _listed(auth.get("expose_tokens"))
    tables = [auth] + [v for v in auth.values() if isinstance(v, Mapping)]
    asked = any(SHEETS_SCOPE in str((t.get("client_kwargs") or {}).get("scope", "")).split()
                for t in tables if isinstance(t.get("client_kwargs"), Mapping))
    return exposed, asked


def access_token_of(claims: Mapping[str, Any] | None) -> str | None:
    """The access token Streamlit exposed with the claims (``st.user``'s "tokens"), or None."""
    tokens = (claims or {}).get("tokens")
    token = tokens.get("access") if isinstance(tokens, Mapping) else None
    return token.strip() if isinstance(token, str) and token.strip() else None


def member_sheets_problem(auth: Any, token: str | None) -> str | None:
    """Why a member cannot push to Google Sheets with their own account (None: they can): the owner did not turn
    it on, or this sign-in gave no token. Pushing to a local workbook and the downloads work either way."""
    exposed, asked = user_sheets_setup(auth)
    after = " Meanwhile, push to a local workbook or download the rows below."
    if not exposed or not asked:
        missing = " and ".join(what for what, ok in (('expose_tokens = ["access"] in [auth]', exposed),
                                                     ("the Sheets scope in its client_kwargs", asked)) if not ok)
        return ("Pushing to Google Sheets goes with your own Google account, which this app's owner has not turned "
                f"on: it needs {missing} (see the README's Sign-in section)." + after)
    if token is None:
        return ("Your sign-in gave this app no access to your Google Sheets: sign out and sign in again (and allow "
                "access to your spreadsheets when Google asks)." + after)
    return None


def providers(auth: Mapping[str, Any]) -> tuple[str | None, ...]:
    """The sign-in providers of ``[auth]``: None for the default one (its keys flat in ``[auth]``), then the
    name of each ``[auth.<name>]`` table that has provider keys (``st.login(name)``)."""
    out: list[str | None] = [None] if any(k in auth for k in PROVIDER_KEYS) else []
    out += sorted(str(k) for k, v in auth.items() if isinstance(v, Mapping) and any(p in v for p in PROVIDER_KEYS))
    return tuple(out)


def auth_problem(auth: Any) -> str | None:
    """What is wrong with ``[auth]`` (None: nothing). Keys are named, values never shown."""
    fix = " Fix [auth] in the app's secrets (see the README's Sign-in section)."
    if not isinstance(auth, Mapping):
        return "Sign-in is misconfigured: [auth] must be a table." + fix
    missing = [k for k in ("redirect_uri", "cookie_secret") if not str(auth.get(k) or "").strip()]
    if missing:
        return f"Sign-in is misconfigured: [auth] has no {' or '.join(missing)}." + fix
    if not str(auth["redirect_uri"]).rstrip().endswith("/oauth2callback"):
        return "Sign-in is misconfigured: [auth] redirect_uri must be the app's URL ending in /oauth2callback." + fix
    if len(str(auth["cookie_secret"])) < MIN_COOKIE_SECRET:
        return (f"Sign-in is misconfigured: [auth] cookie_secret is shorter than {MIN_COOKIE_SECRET} characters; "
                "anyone who guesses it can sign in as an owner. Use a long random string." + fix)
    found = providers(auth)
    if not found:
        return f"Sign-in is misconfigured: [auth] names no provider ({', '.join(PROVIDER_KEYS)})." + fix
    for name in found:
        table = auth if name is None else auth[name]
        where = "[auth]" if name is None else f"[auth.{name}]"
        gaps = [k for k in PROVIDER_KEYS if not str(table.get(k) or "").strip()]
        if gaps:
            return f"Sign-in is misconfigured: {where} has no {', '.join(gaps)}." + fix
        if name is not None and "_" in name:
            return f"Sign-in is misconfigured: the provider name in {where} may not contain an underscore." + fix
    return None


def viewer_for(secrets: Mapping[str, Any], claims: Mapping[str, Any] | None, *, trusted: bool) -> Viewer:
    """The Viewer, from the app's secrets and the signed-in person's claims (None: not signed in).

    Without ``[auth]``: OWNER when ``trusted`` (a visitor on this machine, or trust-all), else GUEST.
    With ``[auth]``: the access table's role of the claims' verified e-mail, NOBODY until signed in (and for
    everyone while ``[auth]`` or ``[y2s.access]`` is broken: the problem is said on the sign-in page)."""
    if "auth" not in secrets:
        return Viewer(Role.OWNER if trusted else Role.GUEST)
    problem = auth_problem(secrets["auth"])
    try:
        y2s = secrets.get("y2s")
        table = parse_access(y2s.get("access") if isinstance(y2s, Mapping) else None)
    except InputError as e:
        problem = problem or f"Access is misconfigured: {e}"
        table = AccessTable()
    else:
        if not (table.owners or table.members or table.member_domains):
            problem = problem or ('Access is misconfigured: sign-in is on but [y2s.access] names nobody; add '
                                  'owners = ["you@example.com"] (and members) to the app\'s secrets.')
    if problem:
        return Viewer(Role.NOBODY, sign_in=True, problem=problem)
    if not claims:
        return Viewer(Role.NOBODY, sign_in=True, providers=providers(secrets["auth"]))
    email = claims.get("email")
    email = email.strip() if isinstance(email, str) and email.strip() else None
    role = role_of(email, table, email_verified=claims.get("email_verified", True))
    member = role is Role.MEMBER
    token = access_token_of(claims) if role in (Role.OWNER, Role.MEMBER) else None
    return Viewer(role, sign_in=True, email=email or "", daily_units=table.member_daily_units if member else None,
                  google_token=token, sheets_problem=member_sheets_problem(secrets["auth"], token) if member else None)


# ------------------------------------------------------------------------- what the session may do


def current() -> Viewer:
    """This run's Viewer, as ``state.current_viewer`` left it (none yet: a nobody)."""
    viewer = st.session_state.get(VIEWER)
    return viewer if isinstance(viewer, Viewer) else Viewer(Role.NOBODY)


def may_override_budget() -> bool:
    """Whether this person may press **Fetch anyway** past the day's budget: owners only."""
    return current().role is Role.OWNER


def may_see_server_details() -> bool:
    """Whether Settings may show server paths, hosts and account e-mails: owners only."""
    return current().role is Role.OWNER


def may_use_service_account() -> bool:
    """Whether pushes may go with the app's service account: owners only (a member's go with their own token)."""
    return current().role is Role.OWNER


# ------------------------------------------------ what a person's expired sign-in must not make them lose

KEEP_SECONDS = 2 * 3600  # how long a person's approved rows wait for them to sign in again
_kept: dict[str, tuple[float, Any]] = {}
_kept_lock = threading.Lock()


def keep_until_signed_in_again(person: str, value: Any) -> None:
    """Keep ``value`` (the approved rows of a push Google refused for an expired sign-in) for ``person`` (their
    ``person_key``) in this server's memory: signing out and in again starts a new session, and ``take_kept`` in
    it gives them back. One value per person, the newest; forgotten after KEEP_SECONDS."""
    now = time.monotonic()
    with _kept_lock:
        for key in [k for k, (at, _) in _kept.items() if now - at > KEEP_SECONDS]:
            del _kept[key]
        _kept[person] = (now, value)


def take_kept(person: str | None) -> Any:
    """What was kept for ``person`` (None: nothing, or too old), removed as it is given back."""
    if not person:
        return None
    with _kept_lock:
        at, value = _kept.pop(person, (0.0, None))
    return value if value is not None and time.monotonic() - at <= KEEP_SECONDS else None


# --------------------------------------------------------------------------- before anyone is let in


def gate_page() -> None:
    """What a person not let in sees instead of the app: the sign-in page, or "you have no access"."""
    viewer = current()
    if viewer.signed_in:
        no_access_page(viewer)
    else:
        sign_in_page(viewer)


def sign_in_page(viewer: Viewer) -> None:
    """The only page a person sees before signing in: a button per provider (none while misconfigured)."""
    st.title("YouTube2Sheets")
    if viewer.problem:
        st.error(viewer.problem, icon=":material/error:")  # our own wording: keys, never values
        return
    st.write("This app is shared with the people its owner invited. Sign in to continue.")
    for name in viewer.providers or (None,):
        label = "Sign in" if name is None else f"Sign in with {name.capitalize()}"
        if st.button(label, key=f"access.sign_in.{name or 'default'}", type="primary", icon=":material/login:"):
            try:
                if name is None:
                    st.login()
                else:
                    st.login(name)
            except StreamlitAuthError as e:  # Authlib missing, or a provider setting Streamlit refuses
                missing = isinstance(e, StreamlitMissingAuthlibError)
                st.error("Sign-in cannot start: " + ("this server needs Authlib (pip install -r requirements.txt)."
                                                     if missing else "Streamlit refused the [auth] settings; check "
                                                     "them against the README's Sign-in section."))


def no_access_page(viewer: Viewer) -> None:
    """For a person who signed in but is not in the access table: who they are, and a way out."""
    st.title("You have no access to this app")
    st.write("You are signed in as")
    st.text(viewer.email or "(your provider gave no verified e-mail address)")  # plain text: never markdown
    st.write("Ask the app's owner to add this address, or sign out and sign in with another account.")
    if st.button("Sign out", key="access.sign_out_denied", icon=":material/logout:"):
        st.logout()


def account_box(viewer: Viewer) -> None:
    """In the sidebar of a signed-in person: who they are, their role, and Sign out."""
    if not viewer.signed_in:
        return
    with st.sidebar:
        st.text(f"{viewer.email} ({viewer.role.value})")
        if st.button("Sign out", key="access.sign_out", icon=":material/logout:"):
            st.logout()
