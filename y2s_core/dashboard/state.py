"""One browser session's state: its keys, the settings it runs with, its YouTube client, widget memory.

``st.session_state`` holds, per session: the last fetch result and how it was made, the filters, the
approvals, the personal API key, the YouTube units this session spent, the session's YouTube client
(with its quota meter), the remembered widget values (Streamlit drops a widget's state when its page
is left), the Push page's kept plan, and who the visitor is (``access.VIEWER``, from ``current_viewer``: with
``[auth]`` in the secrets only an owner or a member of ``[y2s.access]`` gets past ``require_access`` and every
page's ``load_settings``). Nothing here is shared between sessions.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

from ..errors import InputError
from ..filters import FilterSpec
from ..models import FetchResult
from ..quota import main_units
from ..service import open_client
from ..settings import ENV_SERVICE_ACCOUNT, Settings
from ..store import url_from_connection
from ..store.ledger import identity
from ..youtube import YouTubeClient
from . import access
from .forms import FilterForm

# session_state keys (widget keys are namespaced per page: "fetch.*", "review.*", ...)
RESULT = "y2s.result"  # FetchResult | None: the last fetch (a quota-cut one included)
RESULT_TOKEN = "y2s.result_token"  # str: names RESULT in session-scoped cache keys (new with every result)
FETCH_META = "y2s.fetch_meta"  # dict: inputs, from_cache, quota, complete, at, spec
FILTERS = "y2s.filters"  # forms.FilterForm: the Fetch page's filter values
SPEC = "y2s.spec"  # FilterSpec: the filters the Review/Metrics/Push pages apply
APPROVED = "y2s.approved"  # set[str]: approved video ids
EDITOR_VERSION = "y2s.editor_version"  # int: bumped to give the approval tables a fresh edit state
API_KEY = "y2s.api_key"  # str: a personal YouTube key for this session only
QUOTA_UNITS = "y2s.quota_units"  # int: YouTube units this session spent (cache hits cost none)
QUOTA_METHODS = "y2s.quota_methods"  # dict[str, int]
CLIENT = "y2s.client"  # ((account fingerprint, ledger identity), YouTubeClient)
WIDGETS = "y2s.widgets"  # dict: remembered widget values, restored when a page is shown again
PUSH_PREVIEW = "y2s.push_preview"  # forms.PushPreview | None
LAST_PUSH = "y2s.last_push"  # dict | None
VISITOR = "y2s.visitor"  # str | None: why this visitor gets demo mode instead of the owner's credentials
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")  # a request that came through a proxy
FILTERS_SEEDED = "y2s.filters_seeded"  # bool: the filter form got this session's defaults (MAX_VIDEOS)


def init_state() -> None:
    """Create every session key once (setdefault: never overwrites)."""
    ss = st.session_state
    ss.setdefault(RESULT, None)
    ss.setdefault(RESULT_TOKEN, "")
    ss.setdefault(FETCH_META, None)
    ss.setdefault(FILTERS, FilterForm())
    ss.setdefault(SPEC, FilterSpec())
    ss.setdefault(APPROVED, set())
    ss.setdefault(EDITOR_VERSION, 0)
    ss.setdefault(API_KEY, "")
    ss.setdefault(QUOTA_UNITS, 0)
    ss.setdefault(QUOTA_METHODS, {})
    ss.setdefault(CLIENT, None)
    ss.setdefault(WIDGETS, {})
    ss.setdefault(PUSH_PREVIEW, None)
    ss.setdefault(LAST_PUSH, None)


# -------------------------------------------------------------------------------------- settings


def _read_secrets() -> tuple[dict[str, Any], str | None]:
    """st.secrets as a plain dict ({} when there is no secrets file) and a problem reading it, if any."""
    try:
        return st.secrets.to_dict(), None
    except FileNotFoundError as e:  # StreamlitSecretNotFoundError: no file, or one that does not parse
        text = str(e)
        if text.startswith("No secrets found"):
            return {}, None
        first = text.splitlines()[0][:200] if text else type(e).__name__
        return {}, f"The app's secrets could not be read ({first}); fix .streamlit/secrets.toml or the Cloud secrets."


def load_settings() -> tuple[Settings, str | None]:
    """The settings for this run (env + secrets + the session's personal key) and a problem, if any.

    A broken secrets file, service-account value or key does not stop the app: the settings are read
    without the part that failed and the problem (an actionable message, never the value) is returned
    for the banner. The store's database: ``[connections.y2s]`` (``url``, or Streamlit's dialect/host/...
    fields), else ``Y2S_DATABASE_URL``, else SQLite in the data dir.
    """
    init_state()
    secrets, problem = _read_secrets()
    if "gcp_service_account" in secrets:
        try:
            Settings.from_env(env={}, secrets={"gcp_service_account": secrets["gcp_service_account"]})
        except InputError as e:
            problem = f"The app's [gcp_service_account] secret was ignored: {e}"
            secrets = {k: v for k, v in secrets.items() if k != "gcp_service_account"}
    base, settings_problem = _settings_without_what_fails(secrets)
    db_url = url_from_connection((secrets.get("connections") or {}).get("y2s") or {})
    if db_url:  # [connections.y2s] url = "postgresql://..." (Streamlit's SQL-connection format): the store
        base = dataclasses.replace(base, database_url=db_url)
    _seed_filters(base)
    st.session_state[VISITOR] = None
    viewer = _gate(secrets)  # with [auth]: nobody past this line who is not an owner or a member
    if viewer.role is access.Role.GUEST:  # no sign-in, a visitor from another machine
        base, st.session_state[VISITOR] = without_owner_credentials(base)
    key = st.session_state[API_KEY]
    return (base.with_api_key(key) if key else base), problem or settings_problem


def current_viewer(secrets: Mapping[str, Any] | None = None) -> access.Viewer:
    """Who this session is (``access.viewer_for``), kept in the session for ``access.may_*``.

    With ``[auth]`` in the secrets the signed-in person's claims (``st.user``: Streamlit checked the
    provider's ID token and signed the cookie) decide, through ``[y2s.access]``; an owner or a member uses the
    app's credentials from wherever they connect. Without ``[auth]``, ``visitor_trusted`` decides."""
    if secrets is None:
        secrets = _read_secrets()[0]
    if "auth" in secrets:
        viewer = access.viewer_for(secrets, _signed_in_claims(), trusted=False)
    else:
        viewer = access.viewer_for(secrets, None,
                                   trusted=visitor_trusted(_visitor_ip(), _visitor_headers(), _trust_all(secrets)))
    st.session_state[access.VIEWER] = viewer
    return viewer


def require_access(url_paths: Iterable[str] = ()) -> access.Viewer:
    """app.py, before its navigation: the Viewer when they are let in; else only the sign-in page (or "you have
    no access") is shown, in a hidden navigation of its own, and the run stops there. ``url_paths``: the app's
    page addresses, answered with that same page (a deep link then finds no "page not found" dialog)."""
    viewer = current_viewer()
    if not viewer.allowed:
        gate = [st.Page(access.gate_page, title="Sign in", default=True)]
        gate += [st.Page(access.gate_page, title="Sign in", url_path=p) for p in dict.fromkeys(url_paths) if p]
        st.navigation(gate, position="hidden").run()
        st.stop()
    access.account_box(viewer)
    return viewer


def _gate(secrets: Mapping[str, Any]) -> access.Viewer:
    """Every page's check (a page run on its own, as AppTest and a cold deep link do, gets it too)."""
    viewer = current_viewer(secrets)
    if not viewer.allowed:
        access.gate_page()
        st.stop()
    return viewer


def _signed_in_claims() -> dict[str, Any] | None:
    """The signed-in person's claims from ``st.user`` (None: not signed in, or no session)."""
    try:
        user = st.user
        return dict(user.to_dict()) if user.is_logged_in else None
    except Exception:  # no session context, or sign-in not available in this Streamlit
        return None


def visitor_trusted(ip: str | None, headers: Mapping[str, str], trust_all: bool) -> bool:
    """May this visitor use the owner's credentials (without sign-in)? Only from this machine: Streamlit says
    ``ip`` None for a loopback connection, and a request that came through a proxy (``X-Forwarded-For``,
    ``Forwarded``, ``X-Real-IP``) is not local whatever the socket says (nginx in front of a local Streamlit
    must not make every visitor the owner). ``Y2S_TRUST_ALL_VISITORS=true`` (a private Community Cloud app
    whose viewers the owner invited) lifts this."""
    if trust_all:
        return True
    proxied = any(name.lower() in PROXY_HEADERS for name in headers)
    return ip is None and not proxied


def without_owner_credentials(settings: Settings) -> tuple[Settings, str | None]:
    """Demo mode for a visitor who may not use the owner's credentials: (settings, why), why None when there
    were none to withhold."""
    if settings.demo and not settings.has_sheets and not settings.database_url:
        return settings, None
    demo = dataclasses.replace(settings, youtube_api_key=None, youtube_api_url=None, service_account_info=None,
                               sheets_api_url=None, database_url=None)
    return demo, ("this app's YouTube key, Google account and database are used only by visitors on the machine it "
                  "runs on (set `Y2S_TRUST_ALL_VISITORS=true` to share them with everyone who can open it)")


def _visitor_ip() -> str | None:
    """The remote address Streamlit reports (None: a loopback connection, or no connection at all)."""
    try:
        ip = st.context.ip_address
    except Exception:  # no session context (a bare script run): this machine
        return None
    return ip if isinstance(ip, str) and ip else None  # documented as str | None; anything else is no address


def _visitor_headers() -> Mapping[str, str]:
    try:
        return dict(st.context.headers)
    except Exception:
        return {}


def _trust_all(secrets: Mapping[str, Any]) -> bool:
    value = secrets.get("Y2S_TRUST_ALL_VISITORS", os.environ.get("Y2S_TRUST_ALL_VISITORS", ""))
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def trust_all_visitors() -> bool:
    """Whether ``Y2S_TRUST_ALL_VISITORS`` is on (the Settings page says so)."""
    return _trust_all(_read_secrets()[0])


def _seed_filters(settings: Settings) -> None:
    """Once a session, before its first form: MAX_VIDEOS is the filter form's max videos (the user may change it)."""
    ss = st.session_state
    if ss.get(FILTERS_SEEDED):
        return
    ss[FILTERS_SEEDED] = True
    if settings.max_videos is not None and ss[FILTERS] == FilterForm():
        ss[FILTERS] = dataclasses.replace(ss[FILTERS], max_videos=settings.max_videos)


_SA_NAMES = ("gcp_service_account", ENV_SERVICE_ACCOUNT)
_KEY_NAMES = ("YOUTUBE_API_KEY",)
_PLAIN_NAMES = ("MAX_VIDEOS", "RATE_LIMIT_DELAY", "Y2S_DAILY_QUOTA")  # a bad one: its default, said in the banner


def _settings_without_what_fails(secrets: Mapping[str, Any]) -> tuple[Settings, str | None]:
    """Settings from env + secrets; when that fails, without the plain settings (MAX_VIDEOS ...), the service
    account, the key, then without two or all of them."""
    env = dict(os.environ)
    problem: str | None = None
    sa, key, plain = _SA_NAMES, _KEY_NAMES, _PLAIN_NAMES
    for drop in ((), plain, sa, key, sa + plain, key + plain, sa + key, sa + key + plain):
        try:
            settings = Settings.from_env(env={k: v for k, v in env.items() if k not in drop},
                                         secrets={k: v for k, v in secrets.items() if k not in drop})
        except InputError as e:
            problem = problem or str(e)
        except (ValueError, TypeError):  # a secret of an unexpected type
            problem = problem or "The app's settings could not be read; check its secrets."
        else:
            return settings, problem
    return Settings.from_env(env={k: v for k, v in env.items() if k not in sa + key + plain}), problem


def session_client(settings: Settings) -> YouTubeClient:
    """This session's YouTube client (one per key/endpoint); it carries the session's quota meter."""
    init_state()
    who = ledger_identity()
    fp = (settings.account_fingerprint, who)
    held = st.session_state[CLIENT]
    if held is not None and held[0] == fp:
        return held[1]
    if held is not None:
        held[1].close()
    client = open_client(settings, who=who)  # its spend reaches the machine's ledger as it goes, in this person's name
    st.session_state[CLIENT] = (fp, client)
    return client


def ledger_identity() -> str:
    """Who this session spends as in the quota ledger: a signed-in person's hashed address ("user:…", never the
    address), else "" (no sign-in: the machine's one user)."""
    email = access.current().email
    return identity("user", email) if email else ""


def add_session_quota(units_by_method: Mapping[str, int]) -> None:
    """Add units to this session's quota counters (the Settings page and the Fetch page show them)."""
    ss = st.session_state
    methods = dict(ss[QUOTA_METHODS])
    for m, u in units_by_method.items():
        methods[m] = methods.get(m, 0) + int(u)
    ss[QUOTA_METHODS] = methods
    ss[QUOTA_UNITS] = int(ss[QUOTA_UNITS]) + main_units(units_by_method)  # search/stats calls: other buckets


# ------------------------------------------------------------------------------------------ widgets


def restore_widgets(defaults: Mapping[str, Any]) -> None:
    """Right before drawing these widgets: give each key its remembered value (else ``defaults``).

    Seed only widgets that *are* drawn in this run: a key seeded without its widget keeps that
    seeded value under the key, and it resurfaces after a page switch in place of what the user
    typed into the widget later.
    """
    init_state()
    store = st.session_state[WIDGETS]
    for k, default in defaults.items():
        if k not in st.session_state:
            st.session_state[k] = store.get(k, default)


def remember_widgets(keys: Iterable[str]) -> None:
    """After drawing: keep the widgets' values so the page shows them again after a page switch."""
    store = st.session_state[WIDGETS]
    for k in keys:
        if k in st.session_state:
            store[k] = st.session_state[k]


def bump_editor() -> None:
    """Give the approval tables a fresh edit state (after approvals changed outside the table)."""
    st.session_state[EDITOR_VERSION] = int(st.session_state.get(EDITOR_VERSION, 0)) + 1


# ------------------------------------------------------------------------------------------ results


def set_result(result: FetchResult, meta: Mapping[str, Any]) -> None:
    """Keep a new fetch result; approvals of videos no longer present are dropped."""
    ss = st.session_state
    ss[RESULT] = result
    ss[RESULT_TOKEN] = uuid.uuid4().hex
    ss[FETCH_META] = dict(meta)
    present = {v.id for v in result.videos}
    ss[APPROVED] = {i for i in ss[APPROVED] if i in present}
    ss[PUSH_PREVIEW] = None
    bump_editor()


def reset_session_data() -> None:
    """Forget the fetched videos, approvals and push state of this session (not the key or quota)."""
    ss = st.session_state
    ss[RESULT] = None
    ss[RESULT_TOKEN] = ""
    ss[FETCH_META] = None
    ss[APPROVED] = set()
    ss[PUSH_PREVIEW] = None
    ss[LAST_PUSH] = None
    bump_editor()
