"""Fetching from the dashboard: st.cache_data around the core's fetch, with live progress.

The cache (global, shared by every session) holds fetch results keyed on the parsed channel inputs,
``FilterSpec.key()`` (every filter field) and a *fingerprint* of the YouTube key and endpoint (a hash;
the key itself, the settings and the client are underscore arguments and never hashed). Entries expire
after ``FETCH_TTL_SECONDS``. A quota-cut fetch raises, so it is never cached.

Progress inside a cached function: every ``st`` call made while the function runs is recorded and
*replayed* on a cache hit, and a write into a container created *outside* the function cannot be
replayed (``CacheReplayClosureError``). So the progress board creates its container *inside* the
cached function and the callback only writes into slots of that container: on a miss it updates
live (the client calls back from the script thread), on a hit the replay redraws its final state.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ..channel_input import parse as parse_channels
from ..errors import YouTubeError
from ..filters import FilterSpec
from ..models import ChannelRef, FetchResult
from ..quota import quota_line, record_spend
from ..settings import Settings
from ..store import remember
from ..youtube import Progress, YouTubeClient
from . import state
from .furniture import md, plural, progress_line, safe_url

FETCH_TTL_SECONDS = 60 * 60
PROGRESS_REDRAW_SECONDS = 0.2  # at most ~5 redraws a second per channel (stage changes always draw)


@dataclass(frozen=True)
class FetchOutcome:
    result: FetchResult
    from_cache: bool
    quota: dict[str, int]  # units this call spent (empty on a cache hit)
    store_problem: str | None = None  # the fetch history could not be stored (the result is fine)


def inputs_key(refs: Iterable[ChannelRef]) -> tuple[tuple[str, str, str], ...]:
    return tuple((r.kind, r.value, r.raw) for r in refs)


class _ProgressBoard:
    """Per-channel progress lines and the quota spent, drawn into a container made inside the cached call."""

    def __init__(self, baseline_units: int, source: str) -> None:
        self.baseline = baseline_units
        self.box = st.container(border=True)
        self.box.markdown(f"**Fetching from {md(source)}**")
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
            self.resolve.markdown(f":material/search: Resolving {md(', '.join(self.pending))}…")
        else:
            if not self.resolved:
                self.resolved = True
                self.resolve.markdown(f":material/search: Resolved {plural(len(self.pending), 'input')}.")
            name = f"error:{p.channel}" if p.stage == "error" else p.channel
            now = time.monotonic()
            stage, at = self.last.get(name, ("", 0.0))
            if stage == p.stage and p.stage != "done" and now - at < PROGRESS_REDRAW_SECONDS:
                return
            self.last[name] = (p.stage, now)
            self._slot(name).markdown(progress_line(p.channel, p.stage, p.pages, p.listed, p.detailed, p.message))
        self.quota.caption(f"Quota spent so far: {self.units:,} units")

    def finish(self, result: FetchResult) -> None:
        self.quota.caption(f"Fetched with {quota_line(result.quota_units, result.quota)}.")


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


def _spent(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """Units per method spent between two meter snapshots (methods with 0 left out)."""
    out = {m: int(after.get(m, 0)) - int(before.get(m, 0)) for m in after}
    return {m: u for m, u in out.items() if u > 0}


def fetch(text: str, spec: FilterSpec, settings: Settings, *, refresh: bool = False) -> FetchOutcome:
    """Fetch ``text``'s channels through the cache (``refresh`` drops the cached entry first).

    Raises the core's errors (InputError, ChannelNotFound, QuotaExceeded whose ``partial`` then carries
    only this fetch's quota, KeyInvalid, YouTubeError). The session's quota counter and the machine's
    quota ledger are updated either way. A fetch (not a cache hit), a cut-short one too, is remembered
    in the store (``store.remember``: channels, videos, one stat snapshot per video).
    """
    refs = parse_channels(text)
    key = {"inputs": inputs_key(refs), "spec_key": spec.key(), "key_fp": settings.account_fingerprint}
    client = state.session_client(settings)
    if refresh:
        _cached_fetch.clear(**key)
    probe: dict[str, bool] = {}
    before = client.meter.snapshot()
    try:
        result = _cached_fetch(**key, _refs=refs, _spec=spec, _client=client, _probe=probe,
                               _source=source_name(settings))
    except YouTubeError as e:  # what was fetched before the quota ran out (or YouTube failed) is stored too
        remember(e.partial, settings, spec)
        raise
    finally:  # a quota-cut fetch too: QuotaExceeded.partial.quota is already this fetch's own
        spent = _spent(before, client.meter.snapshot())
        state.add_session_quota(spent)
        record_spend(settings, spent)
    problem = remember(result, settings, spec).problem if probe else None  # a cache hit is no new snapshot
    return FetchOutcome(result=result, from_cache=not probe, quota=spent, store_problem=problem)


def source_name(settings: Settings) -> str:
    """Where fetches go, for messages: 'the demo emulator', 'YouTube' or 'the YouTube endpoint at …'."""
    if settings.demo:
        return "the demo emulator"
    if settings.youtube_api_url:
        return f"the YouTube endpoint at {safe_url(settings.youtube_api_url)}"
    return "YouTube"


def clear_fetch_cache() -> None:
    """Drop every cached fetch (all sessions share that cache; it holds public YouTube data only)."""
    _cached_fetch.clear()
