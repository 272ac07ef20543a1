"""`fetch`: the one fetch use case (``service.fetch``), plain or ``--new`` (through the store), then print."""

from __future__ import annotations

import argparse
from functools import partial

from ..channel_input import parse as parse_channels
from ..errors import YouTubeError
from ..models import FetchResult
from ..quota import quota_line
from ..service import fetch, open_client, settle
from ..settings import Settings
from .output import Say, StderrProgress, core_warnings_to, say_plan
from .parser import spec_from_args


def fetch_command(a: argparse.Namespace, settings: Settings, say: Say) -> tuple[FetchResult, YouTubeError | None]:
    """Fetch, keeping what was fetched when YouTube stops the run (quota, a failure retries could not fix).

    The quota planner speaks first (a terminal, or --progress) and the service refuses a fetch that cannot fit
    in what is left of today's budget (exit 3) unless --force. ``--new``: through the store, stored as it goes;
    a plain fetch is remembered afterwards. The ledger is written as the units are spent.
    """
    spec = spec_from_args(a)
    refs = parse_channels(a.channels)  # bad input fails here, before any output
    if settings.demo:
        say.progress("demo mode: no YOUTUBE_API_KEY set, fetching from the built-in emulator's demo catalog")
    client = open_client(settings)  # its spend reaches the ledger as it goes
    today: int | None = None
    new = bool(getattr(a, "new", False))
    try:
        with core_warnings_to(say):  # the store's problems as `warning:` lines
            run = fetch(client, settings, refs, spec, incremental=new, stats=a.stats, force=a.force,
                        on_plan=partial(say_plan, say=say, forced=a.force), progress=StderrProgress(say))
    finally:
        with core_warnings_to(say):  # an unwritable ledger: one `warning:` line, the run goes on
            today = settle(client)
    run.raise_unless_kept()
    for r in run.reports:
        say.progress(r.line())
    result = run.result
    for w in result.warnings:
        say.warning(w)
    say.progress(f"quota: {quota_line(result.quota_units, result.quota)}"
                 + (f"; today {today:,} units on this machine (resets midnight Pacific)" if today is not None else ""))
    return result, run.told()
