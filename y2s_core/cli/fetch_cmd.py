"""`fetch`: plan, fetch, print; ``--new`` goes through the store (``sync_cmd.fetch_through_store``)."""

from __future__ import annotations

import argparse
import dataclasses

from ..channel_input import parse as parse_channels
from ..errors import QuotaExceeded, YouTubeError
from ..filters import FilterSpec
from ..models import FetchResult
from ..quota import main_units, quota_line, spent_since
from ..service import open_client, settle
from ..settings import Settings
from ..youtube import YouTubeClient
from .output import Say, StderrProgress, check_plan, core_warnings_to
from .parser import spec_from_args
from .sync_cmd import fetch_through_store


def fetch_command(a: argparse.Namespace, settings: Settings, say: Say) -> tuple[FetchResult, YouTubeError | None]:
    """Fetch, keeping what was fetched when YouTube stops the run (quota, a failure retries could not fix).

    The quota planner speaks first (a terminal, or --progress) and refuses a fetch that cannot fit in what
    is left of today's budget (exit 3) unless --force. ``--new``: through the store (``sync.Syncer``),
    which stores as it goes; a plain fetch is remembered afterwards. The quota ledger gets every unit the
    client spent, in every path (an interrupt or a bug included).
    """
    spec = spec_from_args(a)
    refs = parse_channels(a.channels)  # bad input fails here, before any output
    if settings.demo:
        say.progress("demo mode: no YOUTUBE_API_KEY set, fetching from the built-in emulator's demo catalog")
    client = open_client(settings)  # its spend reaches the ledger as it goes
    today: int | None = None
    progress = StderrProgress(say)
    try:
        if getattr(a, "new", False):
            with core_warnings_to(say):  # the store's problems as `warning:` lines
                result, stop = fetch_through_store(client, settings, refs, spec, a, say, progress)
        else:
            result, stop = _plain_fetch(client, settings, refs, spec, a, say, progress)
    finally:
        with core_warnings_to(say):  # an unwritable ledger: one `warning:` line, the run goes on
            today = settle(client)
    for w in result.warnings:
        say.warning(w)
    say.progress(f"quota: {quota_line(result.quota_units, result.quota)}"
                 + (f"; today {today:,} units on this machine (resets midnight Pacific)" if today is not None else ""))
    return result, stop


def _plain_fetch(client: YouTubeClient, settings: Settings, refs: list, spec: FilterSpec, a: argparse.Namespace,
                 say: Say, progress: StderrProgress) -> tuple[FetchResult, YouTubeError | None]:
    from ..sync import plan_fetch

    before = client.meter.snapshot()
    resolutions = client.resolve(refs)
    plan = plan_fetch(settings, resolutions, spec, client.meter.total_units - main_units(before))
    check_plan(plan, a, say)
    try:
        result = client.fetch(refs, spec, progress=progress, resolved=resolutions)
        stop = None
    except YouTubeError as e:
        if e.partial is None or (not e.partial.videos and not isinstance(e, QuotaExceeded)):
            raise  # nothing was fetched: just the error
        result, stop = e.partial, e
    # the result reports the whole fetch's units, the resolution's included
    result = dataclasses.replace(result, quota=spent_since(before, client.meter.snapshot()))
    if stop is not None:
        stop.partial = result
    from ..store import remember

    with core_warnings_to(say):  # an unwritable store: one `warning:` line, the run goes on
        remember(result, settings, spec)  # channels, videos and one stat snapshot per video
    return result, stop
