"""The one use case every face calls (the app, the CLI, the REST API): plan -> run -> store -> outcome.

    client = open_client(settings)                     # its spend reaches the ledger as it is spent
    run = fetch(client, settings, ["@a"], spec, incremental=True, on_plan=show)
    run.result, run.error, run.plan, run.reports       # what was kept, what stopped it, what was planned
    today = settle(client)                             # the last units written; today's main-pool units

A fetch is planned first (``quota_planner``: from each channel's videoCount and the store) and refused with
``WouldNotFit`` (exit 3, HTTP 429) when it cannot fit in what is left of today's ``Y2S_DAILY_QUOTA``, unless
forced; the face hears the plan first (``on_plan``). ``incremental``: through the store (``sync.Syncer``:
a channel it knows costs its new uploads and the statistics refreshed, a cut listing resumes, every channel
stored as it is done); else a plain fetch with the caller's filters, remembered in the store afterwards.
Either way the outcome carries the rows kept *and* what stopped the run: a quota cut or a YouTube failure is
``run.error`` beside ``run.result``, never an exception that would lose the rows. Only what keeps nothing
(unparsable input, no channel found, a refused plan, a bad key) is raised.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .demo import observed_at
from .errors import QuotaExceeded, YouTubeError
from .filters import FilterSpec
from .models import FetchResult, Resolution
from .quota import main_units, spent_since
from .quota_planner import QuotaPlan, full_listing
from .settings import Settings
from .store import Store, remember
from .store.ledger import Ledger, spent_today_by_bucket
from .store.syncing import type_counts
from .sync import ChannelReport, Syncer, SyncOptions
from .words import plural
from .youtube import Progress, YouTubeClient
from .youtube.parsing import TYPE_RULE_DURATION, TYPE_RULE_NO_SHORTS, TYPE_RULE_UUSH


def open_client(settings: Settings, *, who: str = "", **options: Any) -> YouTubeClient:
    """A YouTube client for ``settings`` whose spend is written to the ledger as it goes, in the name of ``who``
    (a hashed identity, ``store.ledger.identity``; "" unknown) (``options``: the client's own, e.g. ``http_factory``)."""
    client = YouTubeClient(settings, **options)
    client.meter.sink = Ledger(settings, who=who)
    return client


def settle(client: YouTubeClient) -> int | None:
    """Write what the client's ledger still holds; today's main-pool units for its key on this machine, or
    None when the ledger cannot be written or read (said once as a warning) or the client has none."""
    ledger = client.meter.sink
    return ledger.today() if isinstance(ledger, Ledger) else None


@dataclass(frozen=True)
class FetchRun:
    """What one fetch kept, and what stopped it (``error``: None when it ran to its end)."""

    result: FetchResult
    error: YouTubeError | None
    plan: QuotaPlan
    reports: tuple[ChannelReport, ...] = ()
    store_problem: str | None = None
    new_ids: frozenset[str] = frozenset()

    @property
    def kept(self) -> bool:
        """Something to show: the run ended, or it stopped with rows (a quota stop always says what it kept)."""
        return self.error is None or bool(self.result.videos) or isinstance(self.error, QuotaExceeded)

    def told(self) -> YouTubeError | None:
        """The error that stopped the run as a face says it: with how many rows it kept (a copy)."""
        if self.error is None or not self.result.videos:
            return self.error
        verb = "ran out" if isinstance(self.error, QuotaExceeded) else "failed"
        n = len(self.result.videos)
        told = self.error.with_note(f"The {plural(n, 'video')} fetched before it {verb} {'is' if n == 1 else 'are'} kept.")
        assert isinstance(told, YouTubeError)
        return told

    def raise_unless_kept(self) -> FetchRun:
        """This run, or its error when it stopped with nothing to show (there is only the error to say)."""
        if not self.kept:
            assert self.error is not None
            raise self.error
        return self


def fetch(client: YouTubeClient, settings: Settings, inputs: str | Sequence[Any], spec: FilterSpec | None = None,
          *, incremental: bool = False, stats: str = "recent", full: bool = False,
          sheet_ids: frozenset[str] = frozenset(), force: bool = False, force_hint: str = "--force",
          on_plan: Callable[[QuotaPlan], None] | None = None,
          progress: Callable[[Progress], None] | None = None) -> FetchRun:
    """Plan, refuse what cannot fit (unless ``force``; ``force_hint`` says how this face forces), fetch, store.

    ``incremental``: through the store (``stats``, ``full``, ``sheet_ids``: ``sync.SyncOptions``); else a plain
    fetch with ``spec`` applied by the listing, remembered afterwards (a failing store: ``store_problem``)."""
    spec = spec or FilterSpec()
    say_plan = on_plan or (lambda plan: None)
    if incremental:
        syncer = Syncer(client, settings, progress=progress)
        prep = syncer.prepare(inputs, spec, SyncOptions(stats, full, sheet_ids, observed_at(settings)))
        say_plan(prep.plan)
        if not prep.plan.fits and not force:
            raise prep.plan.refusal(force_hint)
        outcome = syncer.run(prep)
        return FetchRun(outcome.result, outcome.stop, prep.plan, outcome.reports, outcome.store_problem,
                        outcome.new_ids)
    from .channel_input import as_refs

    refs = as_refs(inputs)
    before = client.meter.snapshot()
    resolutions = client.resolve(refs)
    plan = plan_fetch(settings, resolutions, spec, client.meter.total_units - main_units(before))
    say_plan(plan)
    if not plan.fits and not force:
        raise plan.refusal(force_hint)
    result, error = client.fetch_kept(refs, spec, progress=progress, resolved=resolutions, ordered=not plan.fits)
    # the result reports the whole fetch's units, the resolution's included
    result = dataclasses.replace(result, quota=spent_since(before, client.meter.snapshot()))
    # channels, videos and one stat snapshot per video
    problem = remember(result, settings, spec, now=observed_at(settings)).problem
    return FetchRun(result, error, plan, store_problem=problem)


def plan_fetch(settings: Settings, resolutions: Sequence[Resolution], spec: FilterSpec, resolve_units: int,
               store: Store | None = None) -> QuotaPlan:
    """The plan of a plain fetch (the listing engine with ``spec``, every channel listed): from each channel's
    videoCount, and the store's share of Shorts and type rule where it has the channel (else the default)."""
    chans = list({r.channel.id: r.channel for r in resolutions if r.channel}.values())
    counts: dict[str, dict[str, int]] = {}
    rules: dict[str, str | None] = {}
    try:
        store = store or Store.for_settings(settings)
        counts = type_counts(store, [c.id for c in chans])
        rules = {c.id: store.type_rule(c.id) for c in chans if c.id in counts}
    except Exception:  # the plan is advisory: without the store it uses the defaults
        counts, rules = {}, {}
    estimates = []
    for ch in chans:
        by = counts.get(ch.id) or {}
        total = sum(by.values())
        rule = rules.get(ch.id)
        share = 0.0 if rule in (TYPE_RULE_DURATION, TYPE_RULE_NO_SHORTS) else (by.get("Short", 0) / total if total else None)
        estimates.append(full_listing(ch.title, ch.video_count, spec, shorts_share=share,
                                      has_uush=None if rule is None else rule == TYPE_RULE_UUSH,
                                      lives_share=by.get("Live", 0) / total if total else None))
    return QuotaPlan.today(tuple(estimates), resolve_units, settings.budgets, spent_today_by_bucket(settings))


__all__ = ["FetchRun", "fetch", "open_client", "plan_fetch", "settle"]
