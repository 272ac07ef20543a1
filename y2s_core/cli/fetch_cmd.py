"""`fetch`: the one fetch use case (``service.fetch``), plain or ``--new`` (through the store), then print.

A bad channel input among good ones does not stop the others: they are fetched and printed, and the bad one
is the error said after them (exit 2)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from ..channel_input import Problem, parse_each
from ..errors import YouTubeError
from ..models import FetchResult
from ..service import fetch, open_client, settle
from ..settings import Settings
from .output import Say, core_warnings_to, fetch_callbacks, quota_summary
from .parser import spec_from_args

FIRST_RUN = "first run: everything is new (the store had none of these channels' videos)"


@dataclass(frozen=True)
class Fetched:
    """What `fetch` prints: the rows kept, what stopped the run, the inputs that did not parse (said after the
    rows), and whether it was ``--new``'s first run (nothing stored: every row is new)."""

    result: FetchResult
    stop: YouTubeError | None = None
    unparsed: list[Problem] = field(default_factory=list)
    first_run: bool = False


def fetch_command(a: argparse.Namespace, settings: Settings, say: Say) -> Fetched:
    """Fetch, keeping what was fetched when YouTube stops the run (quota, a failure retries could not fix).

    The quota planner speaks first (a terminal, or --progress) and the service refuses a fetch that cannot fit
    in what is left of today's budget (exit 3) unless --force. ``--new``: through the store, stored as it goes;
    a plain fetch is remembered afterwards. The ledger is written as the units are spent. MAX_VIDEOS is the
    default ``--max-videos``.
    """
    spec = spec_from_args(a, settings)
    refs, unparsed = parse_each(a.channels)  # nothing valid at all fails here, before any output
    if settings.demo:
        say.progress("demo mode: no YOUTUBE_API_KEY set, fetching from the built-in emulator's demo catalog")
    client = open_client(settings, who="cli")  # its spend reaches the ledger as it goes
    today: int | None = None
    new = bool(getattr(a, "new", False))
    on_plan, progress = fetch_callbacks(say, client.meter, forced=a.force)
    try:
        with core_warnings_to(say):  # the store's problems as `warning:` lines
            run = fetch(client, settings, refs, spec, incremental=new, stats=a.stats, force=a.force,
                        on_plan=on_plan, progress=progress)
    finally:
        with core_warnings_to(say):  # an unwritable ledger: one `warning:` line, the run goes on
            today = settle(client)
    run.raise_unless_kept()
    # a channel the store had nothing of: listed in full, every video stored for the first time, none refreshed
    firsts = [r for r in run.reports if new and r.mode == "full" and not r.stored_before and not r.refreshed]
    first_run = bool(firsts) and len(firsts) == len(run.reports)
    for r in run.reports:
        say.progress(r.line() + (" (first run: everything is new)" if r in firsts and not first_run else ""))
    if first_run:
        say.progress(FIRST_RUN)
    result = run.result
    for w in result.warnings:
        say.warning(w)
    say.progress(quota_summary(result, settings, today))
    return Fetched(result, run.told(), unparsed, first_run)
