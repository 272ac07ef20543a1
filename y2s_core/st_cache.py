"""Streamlit glue: the one core module that imports streamlit (caching, per-session state, settings).

Where things live:

* **st.cache_data** (global, shared by every session): fetch results, keyed on the parsed channel
  inputs, a canonical form of the filters and a *fingerprint* of the YouTube key and endpoint
  (a hash; the key itself, the settings and the client are underscore arguments and never hashed).
  Entries expire after ``FETCH_TTL_SECONDS``. A quota-cut fetch raises, so it is never cached.
* **st.session_state** (one browser session): the YouTube client with its quota meter, the last
  fetch result, the filters, the approvals, the personal API key, the quota spent this session and
  the remembered widget values (Streamlit drops a widget's state when its page is left), the kept
  dry-run plan of the Push page and ``memo`` entries (derived data, e.g. the metrics frame).

Progress inside a cached function: every ``st`` call made while the function runs is recorded and
*replayed* on a cache hit, and a write into a container created *outside* the function cannot be
replayed (``CacheReplayClosureError``). So the progress board creates its container *inside* the
cached function and the callback only writes into slots of that container: on a miss it updates
live (the client calls back from the script thread), on a hit the replay redraws its final state.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
import traceback
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st

from . import ui
from .channel_input import parse as parse_channels
from .errors import InputError
from .filters import FilterSpec
from .models import ChannelRef, FetchResult
from .settings import Settings
from .store import Store
from .youtube import Progress, YouTubeClient

T = TypeVar("T")
_log = logging.getLogger(__name__)

FETCH_TTL_SECONDS = 60 * 60
PROGRESS_REDRAW_SECONDS = 0.2  # at most ~5 redraws a second per channel (stage changes always draw)

# session_state keys (widget keys are namespaced per page: "fetch.*", "review.*", ...)
RESULT = "y2s.result"  # FetchResult | None: the last fetch (a quota-cut one included)
FETCH_META = "y2s.fetch_meta"  # dict: inputs, from_cache, units, quota, complete, error
FILTERS = "y2s.filters"  # ui.FilterForm: the Fetch page's filter values
SPEC = "y2s.spec"  # FilterSpec: the filters the Review/Metrics/Push pages apply
APPROVED = "y2s.approved"  # set[str]: approved video ids
EDITOR_VERSION = "y2s.editor_version"  # int: bumped to give the approval tables a fresh edit state
API_KEY = "y2s.api_key"  # str: a personal YouTube key for this session only
QUOTA_UNITS = "y2s.quota_units"  # int: YouTube units this session spent (cache hits cost none)
QUOTA_METHODS = "y2s.quota_methods"  # dict[str, int]
CLIENT = "y2s.client"  # (fingerprint, YouTubeClient)
WIDGETS = "y2s.widgets"  # dict: remembered widget values, restored when a page is shown again
PUSH_PREVIEW = "y2s.push_preview"  # ui.PushPreview | None
LAST_PUSH = "y2s.last_push"  # dict | None
MEMO = "y2s.memo"  # dict[name, (owner, key, value)]: see memo()


def init_state() -> None:
    """Create every session key once (setdefault: never overwrites)."""
    ss = st.session_state
    ss.setdefault(RESULT, None)
    ss.setdefault(FETCH_META, None)
    ss.setdefault(FILTERS, ui.FilterForm())
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
    ss.setdefault(MEMO, {})


# -------------------------------------------------------------------------------------- settings


def secrets_dict() -> dict[str, Any]:
    """st.secrets as a plain dict; {} when there is no secrets file (st.secrets raises then)."""
    return _read_secrets()[0]


def _read_secrets() -> tuple[dict[str, Any], str | None]:
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

    A broken secrets file or service-account value does not stop the app: the settings are read
    without it and the problem (an actionable message, never the key) is returned for the banner.
    """
    init_state()
    secrets, problem = _read_secrets()
    sa = secrets.get("gcp_service_account")
    if sa and not (isinstance(sa, Mapping) and sa.get("client_email")):
        problem = ("The app's [gcp_service_account] secret was ignored: it must be a TOML table with the fields "
                   "of the service-account JSON key (type, client_email, private_key, …), not a path or a string.")
        secrets = {k: v for k, v in secrets.items() if k != "gcp_service_account"}
    try:
        base = Settings.from_env(secrets=secrets)
    except (InputError, ValueError, TypeError) as e:
        problem = str(e) if isinstance(e, InputError) else "The app's settings could not be read; check its secrets."
        env = {k: v for k, v in os.environ.items() if k != "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON"}
        base = Settings.from_env(env=env, secrets={k: v for k, v in secrets.items() if k != "gcp_service_account"})
    key = st.session_state[API_KEY]
    return (base.with_api_key(key) if key else base), problem


def current_settings() -> Settings:
    return load_settings()[0]


def key_fingerprint(settings: Settings) -> str:
    """Names the YouTube account and endpoint in cache keys without holding the key ("demo" in demo mode)."""
    return settings.account_fingerprint


def session_client(settings: Settings) -> YouTubeClient:
    """This session's YouTube client (one per key/endpoint); it carries the session's quota meter."""
    init_state()
    fp = key_fingerprint(settings)
    held = st.session_state[CLIENT]
    if held is not None and held[0] == fp:
        return held[1]
    if held is not None:
        held[1].close()
    client = YouTubeClient(settings)
    st.session_state[CLIENT] = (fp, client)
    return client


def record_quota(units_by_method: Mapping[str, int]) -> None:
    ss = st.session_state
    ss[QUOTA_METHODS] = ui.add_quota(ss[QUOTA_METHODS], units_by_method)
    ss[QUOTA_UNITS] = int(ss[QUOTA_UNITS]) + sum(units_by_method.values())


# -------------------------------------------------------------------------------------- fetching


@dataclass(frozen=True)
class FetchOutcome:
    result: FetchResult
    from_cache: bool
    quota: dict[str, int]  # units this call spent (empty on a cache hit)

    @property
    def units(self) -> int:
        return sum(self.quota.values())


def spec_key(spec: FilterSpec) -> str:
    """A canonical, process-independent text for a FilterSpec (part of the cache key)."""
    types = ",".join(sorted(t.value for t in spec.types)) if spec.types is not None else "all"
    return "|".join(
        str(x)
        for x in (
            spec.max_videos, spec.min_duration, spec.max_duration, "\x1f".join(spec.include),
            "\x1f".join(spec.exclude), spec.since, spec.until, types, spec.match_tags,
        )
    )  # fmt: skip


def inputs_key(refs: Iterable[ChannelRef]) -> tuple[tuple[str, str, str], ...]:
    return tuple((r.kind, r.value, r.raw) for r in refs)


class _ProgressBoard:
    """Per-channel progress lines and the quota spent, drawn into a container made inside the cached call."""

    def __init__(self, baseline_units: int, source: str) -> None:
        self.baseline = baseline_units
        self.box = st.container(border=True)
        self.box.markdown(f"**Fetching from {source}**")
        self.quota = self.box.empty()
        self.resolve = self.box.empty()
        self.lines: dict[str, Any] = {}
        self.last: dict[str, tuple[str, float]] = {}
        self.pending: list[str] = []
        self.resolved = False
        self.units = 0

    def _slot(self, name: str) -> Any:
        if name not in self.lines:
            self.lines[name] = self.box.empty()
        return self.lines[name]

    def __call__(self, p: Progress) -> None:
        self.units = max(self.units, p.quota_units - self.baseline)
        if p.stage == "resolving":
            self.pending.append(p.channel)
            self.resolve.markdown(f":material/search: Resolving {', '.join(self.pending)}…")
        else:
            if not self.resolved:
                self.resolved = True
                self.resolve.markdown(f":material/search: Resolved {ui.plural(len(self.pending), 'input')}.")
            name = f"error:{p.channel}" if p.stage == "error" else p.channel
            now = time.monotonic()
            stage, at = self.last.get(name, ("", 0.0))
            if stage == p.stage and p.stage != "done" and now - at < PROGRESS_REDRAW_SECONDS:
                return
            self.last[name] = (p.stage, now)
            self._slot(name).markdown(ui.progress_line(p.channel, p.stage, p.pages, p.listed, p.detailed, p.message))
        self.quota.caption(f"Quota spent so far: {self.units:,} units")

    def finish(self, result: FetchResult) -> None:
        self.quota.caption(f"Fetched with {ui.quota_line(result.quota_units, result.quota)}.")


@st.cache_data(ttl=FETCH_TTL_SECONDS, max_entries=32, show_spinner=False)
def _cached_fetch(
    inputs: tuple[tuple[str, str, str], ...],
    spec_key: str,
    key_fp: str,
    _refs: list[ChannelRef],
    _spec: FilterSpec,
    _client: YouTubeClient,
    _probe: dict[str, bool],
    _source: str = "YouTube",
) -> FetchResult:
    """Runs only on a miss. Returns the result with ``quota`` = what *this* fetch spent.

    ``_source`` names where the videos come from in the progress box (demo mode has its own ``key_fp``).
    """
    _probe["miss"] = True
    board = _ProgressBoard(_client.meter.total_units, _source)
    result = _client.fetch(_refs, _spec, progress=board)  # result.quota: what this fetch spent
    board.finish(result)
    return result


def _ledger(settings: Settings, spent: Mapping[str, int]) -> None:
    """Add the units to the machine's quota ledger (shared with the CLI); a read-only disk is not an error."""
    try:
        Store(settings.data_dir).record_quota(settings.account_fingerprint, spent)
    except (sqlite3.Error, OSError) as e:
        _log.warning("quota ledger not updated: %s", type(e).__name__)


def quota_today(settings: Settings) -> int | None:
    """Units spent today (Pacific) with this key on this machine, by every face; None if unreadable."""
    try:
        return sum(Store(settings.data_dir).quota_today(settings.account_fingerprint).values())
    except (sqlite3.Error, OSError):
        return None


def fetch(text: str, spec: FilterSpec, settings: Settings, *, refresh: bool = False) -> FetchOutcome:
    """Fetch ``text``'s channels through the cache (``refresh`` drops the cached entry first).

    Raises the core's errors (InputError, ChannelNotFound, QuotaExceeded whose ``partial`` then carries
    only this fetch's quota, KeyInvalid, YouTubeError). The session's quota counter is updated either way.
    """
    refs = parse_channels(text)
    key = {"inputs": inputs_key(refs), "spec_key": spec_key(spec), "key_fp": key_fingerprint(settings)}
    client = session_client(settings)
    if refresh:
        _cached_fetch.clear(**key)
    probe: dict[str, bool] = {}
    before = client.meter.snapshot()
    try:
        result = _cached_fetch(**key, _refs=refs, _spec=spec, _client=client, _probe=probe,
                               _source=source_name(settings))
    finally:  # a quota-cut fetch too: QuotaExceeded.partial.quota is already this fetch's own
        spent = ui.quota_delta(before, client.meter.snapshot())
        record_quota(spent)
        _ledger(settings, spent)
    return FetchOutcome(result=result, from_cache=not probe, quota=spent)


def source_name(settings: Settings) -> str:
    """Where fetches go, for messages: 'the demo emulator', 'YouTube' or 'the YouTube endpoint at …'."""
    if settings.demo:
        return "the demo emulator"
    if settings.youtube_api_url:
        return f"the YouTube endpoint at {ui.safe_url(settings.youtube_api_url)}"
    return "YouTube"


def clear_fetch_cache() -> None:
    """Drop every cached fetch (all sessions share that cache; it holds public YouTube data only)."""
    _cached_fetch.clear()


# ----------------------------------------------------------------------------- session helpers


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


def memo(name: str, owner: object, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per (``owner``, ``key``) in this session: one entry per ``name``.

    For per-session derived data too big to hash for st.cache_data (the metrics frame of 20,000
    videos): ``owner`` is compared by identity (the entry holds it, so its id is never reused), ``key``
    by equality. The entry is replaced when either changes.
    """
    store = st.session_state.setdefault(MEMO, {})
    held = store.get(name)
    if held is not None and held[0] is owner and held[1] == key:
        return held[2]
    value = compute()
    store[name] = (owner, key, value)
    return value


def bump_editor() -> None:
    """Give the approval tables a fresh edit state (after approvals changed outside the table)."""
    st.session_state[EDITOR_VERSION] = int(st.session_state.get(EDITOR_VERSION, 0)) + 1


def set_result(result: FetchResult, meta: Mapping[str, Any]) -> None:
    """Keep a new fetch result; approvals of videos no longer present are dropped."""
    ss = st.session_state
    ss[RESULT] = result
    ss[FETCH_META] = dict(meta)
    present = {v.id for v in result.videos}
    ss[APPROVED] = {i for i in ss[APPROVED] if i in present}
    ss[PUSH_PREVIEW] = None
    ss[MEMO] = {}  # derived from the old result: let it go
    bump_editor()


def reset_session_data() -> None:
    """Forget the fetched videos, approvals and push state of this session (not the key or quota)."""
    ss = st.session_state
    ss[RESULT] = None
    ss[FETCH_META] = None
    ss[APPROVED] = set()
    ss[PUSH_PREVIEW] = None
    ss[LAST_PUSH] = None
    ss[MEMO] = {}
    bump_editor()


def loaded_result() -> FetchResult:
    """The session's fetched videos; with none yet, an info box linking to Fetch, and the page stops here."""
    result = st.session_state[RESULT]
    message = ui.no_data_message(result)
    if message:
        st.info(message)
        st.page_link("pages/fetch.py", label="Go to Fetch", icon=":material/download:")
        st.stop()
    return result


def page_settings() -> Settings:
    """Every page's first call: this run's settings, with the demo / settings-problem banner drawn.

    Pages draw the banner themselves (not app.py), so a page is complete however Streamlit runs it:
    through st.navigation, or on its own from the pages/ folder (AppTest, a cold deep link).
    """
    settings, problem = load_settings()
    demo_banner(settings, problem)
    return settings


def show_unexpected(e: Exception, settings: Settings, doing: str) -> None:
    """The last resort for an error the core did not foresee (a bug): one redacted line, never a traceback.

    The server log gets the traceback's frames (not the message's secrets: it is redacted as well).
    """
    text = settings.redact(str(e)).strip().splitlines()
    detail = f"{type(e).__name__}: {text[0][:300]}" if text else type(e).__name__
    _log.error("unexpected error while %s: %s\n%s", doing, detail, "".join(traceback.format_tb(e.__traceback__)))
    st.error(f"Unexpected error while {doing} ({detail}). This is a bug: please report it with what you did. "
             "Nothing else was changed by this step.")


def demo_banner(settings: Settings, problem: str | None = None) -> None:
    """The banner every page shows: demo mode, and any settings problem."""
    if settings.demo:
        st.info(
            "**Demo mode**: no YouTube API key is configured, so the videos come from the built-in "
            "emulator's demo catalog (@y2sdemo, @bigchannel, @hugechannel, @oldschool, @emptychannel), "
            "not from YouTube, and pushes go to a local workbook unless Google Sheets is configured. "
            "Add a key on the Settings page to use real data.",
            icon=":material/science:",
        )
    if problem:
        st.error(problem)


__all__ = [
    "FETCH_TTL_SECONDS",
    "FetchOutcome",
    "init_state",
    "secrets_dict",
    "load_settings",
    "current_settings",
    "key_fingerprint",
    "session_client",
    "record_quota",
    "spec_key",
    "inputs_key",
    "fetch",
    "source_name",
    "clear_fetch_cache",
    "memo",
    "restore_widgets",
    "remember_widgets",
    "bump_editor",
    "set_result",
    "reset_session_data",
    "page_settings",
    "show_unexpected",
    "demo_banner",
]
