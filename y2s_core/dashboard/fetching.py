"""Fetching from the dashboard: st.cache_data around the core's sync fetch, with live progress and the plan.

A fetch is the one fetch use case (``service.fetch``, incremental: like ``sync`` on the command line): a channel the store knows is
fetched incrementally (only the uploads newer than what it has, statistics refreshed per the page's
choice), a channel it was cut short on is resumed, the others are listed in full; ``full=True`` ("Refresh
everything") lists every channel again. Before any listing the quota planner's estimate is shown in the
progress box, and a fetch that cannot fit in what is left of today's budget raises ``quota_planner.WouldNotFit``
(the page offers "Fetch anyway", ``force=True``). ``estimate`` shows the plan without fetching.

The cache (global, shared by every session) holds fetch results keyed on the parsed channel inputs,
``FilterSpec.key()`` (every filter field), the mode (store / full) and the statistics choice, and a
*fingerprint* of the YouTube key and endpoint (a hash; the key itself, the settings and the client are
underscore arguments and never hashed). Entries expire after ``FETCH_TTL_SECONDS``. A fetch cut short (the
quota, a YouTube failure) leaves the cached function by an exception that carries its run (``_CutShort``),
so it is never cached (what it fetched is stored, and the next fetch resumes from it); ``fetch`` returns it
as an outcome with its ``error`` beside its rows.

Progress inside a cached function: every ``st`` call made while the function runs is recorded and
*replayed* on a cache hit, and a write into a container created *outside* the function cannot be
replayed (``CacheReplayClosureError``). So the progress board creates its container *inside* the
cached function and the callback only writes into slots of that container: on a miss it updates
live (the client calls back from the script thread), on a hit the replay redraws its final state.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

from .. import service
from ..channel_input import not_parsed, parse_each
from ..channel_input import parse as parse_channels
from ..errors import QuotaExceeded, YouTubeError
from ..filters import FilterSpec
from ..models import ChannelRef, FetchResult
from ..quota import main_units, quota_line, quota_resets_at, spent_since
from ..quota_planner import QuotaPlan
from ..service import settle
from ..settings import Settings
from ..store import budgets
from ..store.budgets import Budgets, PlanReservation
from ..store.ledger import Ledger
from ..sync import ChannelReport, Syncer, SyncOptions
from ..youtube import Progress, YouTubeClient
from . import access, demo, state
from .furniture import md, plural, progress_line, safe_url

FETCH_TTL_SECONDS = 60 * 60
INTERRUPTED = "fetch.interrupted"  # session key: a fetch stopped by a page change ({"inputs", "units"}), else None
PROGRESS_REDRAW_SECONDS = 0.2  # at most ~5 redraws a second per channel (stage changes always draw)


@dataclass(frozen=True)
class FetchOutcome:
    result: FetchResult
    from_cache: bool
    quota: dict[str, int]  # units this call spent (empty on a cache hit)
    store_problem: str | None = None  # the fetch history could not be stored (the result is fine)
    reports: tuple[ChannelReport, ...] = ()  # per channel: incremental / resume / full, new, refreshed, units
    plan_line: str = ""  # the quota planner's estimate before the fetch
    error: YouTubeError | None = None  # what cut the fetch short (said with the rows it kept), else None
    fetched_with: FilterSpec | None = None  # the filters the fetch ran with (``fetch_spec``)
    not_parsed: str = ""  # the channel inputs that did not parse, in words (the others were fetched)


class _CutShort(Exception):  # noqa: N818 - not an error the user meets: the way out of the cache for a cut run
    """A fetch cut short leaves ``_cached_fetch`` by this (never cached), carrying its run."""

    def __init__(self, run: service.FetchRun) -> None:
        super().__init__("cut short")
        self.run = run


def inputs_key(refs: Iterable[ChannelRef]) -> tuple[tuple[str, str, str], ...]:
    return tuple((r.kind, r.value, r.raw) for r in refs)


class _ProgressBoard:
    """Per-channel progress lines and the quota spent, drawn into a container made inside the cached call."""

    def __init__(self, baseline_units: int, source: str) -> None:
        self.baseline = baseline_units
        self.box = st.container(border=True)
        self.box.markdown(f"**Fetching from {md(source)}**")
        self.plan = self.box.empty()
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
        self.quota.caption(f"Quota spent so far: {plural(self.units, 'unit')}")

    def planned(self, plan: QuotaPlan) -> None:
        self.plan.caption(":material/calculate: " + md(plan.line().replace("plan: ", "Planned: ", 1)) + ".")

    def finish(self, result: FetchResult) -> None:
        self.quota.caption(f"Fetched with {quota_line(result.quota_units, result.quota)}.")


@st.cache_data(ttl=FETCH_TTL_SECONDS, max_entries=32, show_spinner=False)
def _cached_fetch(
    inputs: tuple[tuple[str, str, str], ...],
    spec_key: str,
    key_fp: str,
    mode: str,
    stats: str,
    _refs: list[ChannelRef],
    _spec: FilterSpec,
    _client: YouTubeClient,
    _settings: Settings,
    _probe: dict[str, Any],
    _source: str = "YouTube",
    _force: bool = False,
    _own_daily: int | None = None,
) -> tuple[FetchResult, tuple[ChannelReport, ...], str, str | None]:
    """Runs only on a miss: (result, per-channel reports, the plan line, a store problem).

    ``result.quota`` is what *this* fetch spent. A plan that does not fit (without ``_force``) and a fetch
    cut short raise, so neither is cached. ``_source`` names where the videos come from in the progress box.
    """
    _probe["miss"] = True
    board = _ProgressBoard(_client.meter.total_units, _source)
    # the plan reserved in the store before any listing: the key's budget shared by every replica and process, and
    # a member's own (``_own_daily``: [y2s.access] member_daily_units, which "Fetch anyway" never lifts)
    reserve = PlanReservation(Budgets(_settings), _client.meter.sink if isinstance(_client.meter.sink, Ledger) else None,
                              who_daily=_own_daily, who_kind="you", who_setting="[y2s.access] member_daily_units",
                              force=_force, force_hint="Fetch anyway")

    def planned(plan: QuotaPlan) -> None:
        board.planned(plan)
        reserve(plan)

    with reserve:
        run = service.fetch(_client, _settings, _refs, _spec, incremental=True, stats=stats, full=mode == "full",
                            force=_force, on_plan=planned, progress=board)
    _probe["store_problem"] = run.store_problem
    if run.error is not None:  # raised, so never cached: what it fetched is stored, the next fetch resumes
        raise _CutShort(run.raise_unless_kept())
    board.finish(run.result)
    return run.result, run.reports, run.plan.line(), run.store_problem


def _refuse_a_spent_member(settings: Settings) -> None:
    """A member whose own units for today are spent is refused before any call (the plan needs the channels
    resolved, which costs units too); raises QuotaExceeded saying where they stand."""
    daily = access.current().daily_units
    if daily is None:
        return
    today = budgets.standing(settings, state.ledger_identity(), daily)
    if today is not None and today.you >= daily:
        raise QuotaExceeded(f"Not started: your {daily:,} YouTube units for today are spent ({today.line()}; "
                            "[y2s.access] member_daily_units). They come back at midnight Pacific.",
                            resets_at=quota_resets_at())


def fetch_spec(spec: FilterSpec) -> FilterSpec:
    """The filters a fetch runs with for the page's ``spec``: without its types unless a max videos counts
    them, so every type is loaded for the same units (the listing is the same: ``sync.listing_spec``) and the
    type filter hides, and the summary says, what it leaves out; with them, the newest N of those types."""
    if spec.types is None or spec.max_videos is not None:
        return spec
    return replace(spec, types=None)


def fetch(text: str, spec: FilterSpec, settings: Settings, *, refresh: bool = False, full: bool = False,
          stats: str = "all", force: bool = False) -> FetchOutcome:
    """Fetch ``text``'s channels through the cache (``refresh`` drops the cached entry first; ``full`` lists
    every channel again, skipping the cache too).

    Raises the core's errors (InputError, ChannelNotFound, WouldNotFit, KeyInvalid, a YouTubeError that kept
    nothing); a fetch cut short with rows (or by the quota) is an outcome whose ``error`` says why. The session's quota counter and the
    machine's quota ledger are updated either way. What a fetch (not a cache hit) gets is stored as it
    goes (channels, videos, one stat snapshot per video read), a cut-short one too.

    A bad line among good ones is ``not_parsed`` in the outcome, the others fetched. The fetch runs with
    ``fetch_spec(spec)`` (``fetched_with``); the page applies ``spec`` to what it loaded.
    """
    refs, problems = parse_each(text)
    spec = fetch_spec(spec)
    demo.wait_for_first_run(settings)  # a newcomer who presses Fetch at once: after the demo's history, not beside it
    _refuse_a_spent_member(settings)
    mode = "full" if full else "store"
    key = {"inputs": inputs_key(refs), "spec_key": spec.key(), "key_fp": settings.account_fingerprint,
           "mode": mode, "stats": stats}
    client = state.session_client(settings)
    if refresh or full:
        _cached_fetch.clear(**key)
    probe: dict[str, Any] = {}
    before = client.meter.snapshot()
    ss = st.session_state
    # cleared when the fetch ends or fails; a run stopped by a page change leaves it for the Fetch page to say
    running = ss[INTERRUPTED] = {"inputs": text, "units": 0}
    cut: service.FetchRun | None = None
    try:
        result, reports, plan_line, problem = _cached_fetch(
            **key, _refs=refs, _spec=spec, _client=client, _settings=settings, _probe=probe,
            _source=source_name(settings), _force=force and access.may_override_budget(),
            _own_daily=access.current().daily_units)
    except _CutShort as e:
        cut = e.run
    except Exception:
        ss[INTERRUPTED] = None
        raise
    finally:
        spent = spent_since(before, client.meter.snapshot())
        running["units"] = main_units(spent)
        state.add_session_quota(spent)
        settle(client)  # the ledger was written as the units were spent: the last few now
    ss[INTERRUPTED] = None
    if cut is not None:  # its rows, with its own quota (the resolution's included), and why it stopped
        return FetchOutcome(result=replace(cut.result, quota=spent), from_cache=False, quota=spent,
                            store_problem=cut.store_problem, reports=cut.reports, plan_line=cut.plan.line(),
                            error=cut.told(), fetched_with=spec, not_parsed=not_parsed(problems))
    return FetchOutcome(result=result, from_cache=not probe, quota=spent,
                        store_problem=problem if probe else None, reports=reports, plan_line=plan_line,
                        fetched_with=spec, not_parsed=not_parsed(problems))


def interrupted_notice() -> str | None:
    """What to say on the Fetch page about a fetch the user left mid-way (once), else None.

    Leaving the page stops the script run that fetches; what it spent is in the ledger already (written as it
    went), every channel it finished is stored, and so is what a big channel's listing had when it stopped (its
    checkpoints, ``sync``): the next fetch goes on from there."""
    stopped = st.session_state.get(INTERRUPTED)
    if not stopped:
        return None
    st.session_state[INTERRUPTED] = None
    return (f"Your last fetch ({md(str(stopped['inputs']).strip()[:200])}) was stopped when you opened another page, "
            f"after {plural(int(stopped['units']), 'quota unit')} (recorded in today's spend). The channels it finished, "
            "and a big channel's listing up to where it stopped, are stored: press **Fetch** to go on from there.")


def estimate(text: str, spec: FilterSpec, settings: Settings, *, full: bool = False, stats: str = "all") -> QuotaPlan:
    """The plan of a fetch, without fetching (a channel the store does not know is resolved: 1 unit or so)."""
    client = state.session_client(settings)
    before = client.meter.snapshot()
    try:
        return Syncer(client, settings).prepare(parse_channels(text), spec, SyncOptions(stats=stats, full=full)).plan
    finally:
        spent = spent_since(before, client.meter.snapshot())
        state.add_session_quota(spent)
        settle(client)  # the ledger was written as the units were spent: the last few now


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
