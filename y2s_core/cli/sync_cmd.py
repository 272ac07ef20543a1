"""The CLI's store-aware paths: ``fetch --new``, ``sync CHANNEL... --sheet S`` and ``sync --config FILE``.

A sync entry: the sheet is checked first (before any YouTube call); with ``--stats recent`` its rows are
read for their video ids (their statistics are refreshed); the quota planner says what the run will spend
and refuses what cannot fit (exit 3) unless ``--force``; ``sync.Syncer`` fetches (incremental for the
channels the store knows, a resumed or full listing for the others) and stores as it goes; the rows are
pushed by ``sheets.push`` (the workbook's lock held from the read to the last write, as every push), and stdout gets one line per channel (how it was fetched, sheet rows new
and updated, units) before the push's own line.

``--config``: every entry in turn under one lock (``$Y2S_DATA_DIR/sync.lock``, and a PostgreSQL advisory
lock when the store is there), so two overlapping scheduled runs never both write; the second says
"another sync is running" and exits 1. An entry that fails is one ``error:`` line naming it and the
others go on, except after the main pool of the quota ran out (the rest are skipped, said once; a refusal by
the planner, a spent search or stats bucket skips nothing). The exit code is the
most serious of the entries': 4 (auth: nothing works until fixed) > 3 (quota) > 2 (invalid input) > 1.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from ..channel_input import parse_each
from ..errors import InputError, QuotaExceeded, Y2SError
from ..models import FetchResult
from ..quota_planner import WouldNotFit
from ..service import fetch, open_client, settle
from ..settings import Settings
from ..sync import ChannelReport
from ..words import plural
from .output import core_warnings_to, fetch_callbacks, quota_summary, raise_after_output
from .parser import spec_from_args

SEVERITY = (4, 3, 2, 1)  # --config: the most serious entry's code wins, in this order
LOCK_FILE = "sync.lock"


def run_sync(a: argparse.Namespace, settings: Settings, say: Any, out: TextIO) -> int:
    """``sync``: one entry from the arguments, or every entry of ``--config``. Returns the exit code
    (errors of a single entry are raised, as every command does)."""
    from ..schedule import Entry, load
    from ..store import parse_columns

    if a.config:
        if a.channels or a.sheet:
            raise InputError("sync --config takes its channels and sheets from the file: drop the CHANNEL "
                             "arguments and --sheet (or drop --config).")
        entries = load(a.config, settings)  # MAX_VIDEOS for an entry without filters.max_videos
        with _sync_lock(settings, say):
            return _run_entries(entries, a, settings, say, out)
    if not a.channels:
        raise InputError("sync needs at least one CHANNEL and --sheet (or --config FILE).")
    if not a.sheet:
        raise InputError("sync needs --sheet URL_OR_PATH (a Google Sheet, or a .xlsx/.csv path).")
    entry = Entry("", tuple(a.channels), a.sheet, a.tab, spec_from_args(a, settings), parse_columns(a.columns), a.stats,
                  a.full)
    with _sync_lock(settings, say):
        _run_entry(entry, a, settings, say, out)
    return 0


def _run_entries(entries: Sequence[Any], a: argparse.Namespace, settings: Settings, say: Any, out: TextIO) -> int:
    codes: list[int] = []
    stopped: QuotaExceeded | None = None
    for entry in entries:
        if stopped is not None:
            out.write(f"[{entry.name}] skipped: the YouTube quota is spent until midnight Pacific\n")
            codes.append(3)
            continue
        try:
            _run_entry(entry, a, settings, say, out, label=f"[{entry.name}] ")
        except Y2SError as e:
            say.err.write(f"error: [{entry.name}] {settings.redact(str(e))}\n")
            codes.append(e.exit_code)
            # a spent main pool stops the rest; not a refusal (a smaller entry may fit), nor the search bucket (only
            # legacy names need it) or the stats bucket (refreshes fall back to videos.list)
            if isinstance(e, QuotaExceeded) and e.bucket == "units" and not isinstance(e, WouldNotFit):
                stopped = e
        except Exception as e:  # a bug in one entry: the others still run
            say.err.write(f"error: [{entry.name}] unexpected {type(e).__name__}: {settings.redact(str(e))}\n")
            codes.append(1)
    return next((c for c in SEVERITY if c in codes), 0)


def _run_entry(entry: Any, a: argparse.Namespace, settings: Settings, say: Any, out: TextIO, label: str = "") -> None:
    from ..sheets import open_target
    from ..sheets.planner import video_ids

    target = open_target(entry.sheet, entry.tab, settings)  # a bad sheet fails here, before any quota is spent
    refs, unparsed = parse_each(entry.channels)  # a bad line is said after the others are synced
    sheet_ids: frozenset[str] = frozenset()
    if entry.stats == "recent":
        sheet_ids = frozenset(video_ids(target.read()))
    client = open_client(settings, who="cli")
    on_plan, progress = fetch_callbacks(say, client.meter, forced=a.force)
    try:
        with core_warnings_to(say):
            run = fetch(client, settings, refs, entry.spec, incremental=True, stats=entry.stats,
                        full=entry.full, sheet_ids=sheet_ids, force=a.force, on_plan=on_plan, progress=progress)
    finally:
        with core_warnings_to(say):
            today = settle(client)
    result, stop = run.raise_unless_kept().result, run.told()
    for w in result.warnings:
        say.warning(w)
    say.progress(quota_summary(result, settings, today))
    counts: dict[str, list[int]] = {}
    if result.videos:
        counts = _push(result, entry, target, a, settings, say, out, label)
    for r in run.reports:
        out.write(label + _channel_line(r, counts.get(r.channel.id)) + "\n")
    out.flush()
    raise_after_output(result, stop, say, unparsed)


def _push(result: FetchResult, entry: Any, target: Any, a: argparse.Namespace, settings: Settings, say: Any,
          out: TextIO, label: str) -> dict[str, list[int]]:
    """``sheets.push`` (the push every face makes: the workbook's lock held from the read to the last write):
    per channel id, [rows appended, rows updated] for the summary lines."""
    from ..sheets import push
    from ..store import add_columns

    rows = result.rows()
    if entry.columns:
        with core_warnings_to(say):
            rows = add_columns(rows, entry.columns, settings)[0]
    pushed = push(rows, target, dry_run=a.dry_run, progress=say.progress if say.progress_on else None)
    whole = pushed.plan
    owner = {r.get("video_id"): r.get("channel_id") for r in rows}
    per: dict[str, list[int]] = {}
    for k, ids in enumerate((whole.new_ids, whole.updated_ids)):
        for vid in ids:
            per.setdefault(owner.get(vid), [0, 0])[k] += 1
    verb = "would write" if a.dry_run else "pushed"
    out.write(f"{label}{verb}: {whole.summary()} -> {pushed.url or pushed.target}\n")
    for w in whole.warnings:
        say.warning(w)
    return per


def _channel_line(r: ChannelReport, counts: list[int] | None) -> str:
    new, updated = counts or (0, 0)
    text = f"{r.channel.title}: {r.mode}, {new:,} new, {updated:,} updated, {plural(r.units, 'unit')}" + r.stats_note()
    extra = []  # "new" above: rows new to the sheet; below: uploads new on YouTube, when they differ
    if r.mode in ("incremental", "resume") and r.new != new:
        if new > r.new:
            extra.append(f"{f'{r.new:,}' if r.new else 'none'} new on YouTube: the "
                         f"{'rest were' if r.new else 'rows are'} stored videos the sheet did not have yet")
        else:
            extra.append(f"{plural(r.new, 'new upload')} on YouTube")
    if r.gone:
        extra.append(f"{r.gone:,} deleted or private (left in the sheet)")
    if r.note:
        extra.append(r.note)
    return text + (f" ({'; '.join(extra)})" if extra else "")


@contextlib.contextmanager
def _sync_lock(settings: Settings, say: Any = None) -> Iterator[None]:
    """One sync at a time per data folder (a lock file) and per PostgreSQL store (an advisory lock).

    A read-only data folder: the lock file goes to the temp folder (``locks.fallback_lock_path``), said in
    one warning. A store lock that cannot be released at the end (PostgreSQL went down during the run: its
    session, and the lock with it, is gone) is a warning too: what was pushed stays pushed, exit 0."""
    from ..locks import LockBusy, hold_lock
    from ..store import Store
    from ..store.syncing import database_sync_lock

    def warn(line: str) -> None:
        if say is not None:
            say.warning(settings.redact(line))
        else:
            logging.getLogger(__name__).warning("%s", settings.redact(line))

    with hold_lock(settings.data_dir / LOCK_FILE, "sync", fallback=warn):
        store = Store.for_settings(settings)
        try:
            db_lock = database_sync_lock(store)
            got = db_lock.__enter__()
        except Y2SError:
            db_lock, got = None, True  # the store's own failure is said where it is used
        try:
            if not got:
                raise LockBusy(f"Another sync is writing to the store in {store.where}; this one did not start. "
                               "Try again when it has finished.")
            yield
        finally:
            if db_lock is not None:
                try:
                    db_lock.__exit__(None, None, None)
                except Y2SError as e:
                    warn(f"{e} The sync itself is done; the database drops the lock with the lost connection.")
