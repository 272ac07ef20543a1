"""What the command line prints: rows on stdout (JSON, CSV, a table), and on stderr progress, ``warning:``
lines and the one ``error:`` line (``Say``); the quota plan said and enforced (``check_plan``)."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from ..channel_input import FORMS_HINT, Problem
from ..errors import InputError, QuotaExceeded, YouTubeError
from ..models import FIELD_BY_KEY, ROW_FIELDS, ROW_KEYS, FetchResult
from ..quota import quota_line, today_line
from ..sheets.cells import clean_text, csv_escape, row_to_cells
from ..words import plural
from ..youtube import Progress

TABLE_COLUMNS = (("channel", 20), ("date", 10), ("type", 8), ("duration", 8), ("views", 11), ("likes", 9),
                 ("title", 50))  # row fields, shown under their sheet header with the sheet's cell values
_RIGHT = {"Views", "Likes", "Duration"}


def write_rows(rows: list[dict[str, Any]], fmt: str, out: TextIO, *, raw_csv: bool = False) -> None:
    """The rows on ``out`` as JSON, CSV or a table. Text is ``clean_text``-ed (a lone surrogate cannot be
    printed as UTF-8); CSV cells are ``csv_escape``-d like every CSV the project writes, unless ``raw_csv``."""
    if fmt == "json":
        json.dump(_cleaned(rows), out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "csv":
        escape = (lambda text: text) if raw_csv else csv_escape
        w = csv.writer(out, lineterminator="\n")
        w.writerow(ROW_KEYS)
        for r in rows:
            w.writerow([escape(clean_text(f.text(r.get(f.key)))) for f in ROW_FIELDS])
    else:
        out.write(render_table(_cleaned(rows)))


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {k: _cleaned(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cleaned(v) for v in value]
    return value


def render_type_rules(result: FetchResult) -> str:
    """The table's footer: how each channel's Short/Long types were decided (UUSH playlist / duration rule)."""
    lines = [f"types of {ch.title}: {result.type_rules[ch.id]}" for ch in result.channels if ch.id in result.type_rules]
    return "".join(line + "\n" for line in lines)


def render_table(rows: list[dict[str, Any]]) -> str:
    """The rows as a fixed-width text table: what the sheet would show, in ``TABLE_COLUMNS``."""
    cols = [(FIELD_BY_KEY[key].header or key, w) for key, w in TABLE_COLUMNS]

    def cell(cells: dict[str, Any], name: str) -> str:
        v = cells[name]
        if name == "Likes" and v == "":
            return "hidden"
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return f"{v:,}"
        return str(v).replace("\n", " ")

    def fit(s: str, w: int) -> str:
        return s if len(s) <= w else s[: w - 1] + "…"

    buf = io.StringIO()
    right = _RIGHT
    line = "  ".join(n.rjust(w) if n in right else n.ljust(w) for n, w in cols)
    buf.write(line.rstrip() + "\n" + "  ".join("-" * w for _, w in cols) + "\n")
    for r in rows:
        cells = row_to_cells(r)
        parts = [fit(cell(cells, n), w).rjust(w) if n in right else fit(cell(cells, n), w).ljust(w) for n, w in cols]
        buf.write("  ".join(parts).rstrip() + "\n")
    buf.write(plural(len(rows), "video") + "\n")
    return buf.getvalue()


class Say:
    """What the CLI may say on stderr besides data: progress lines only to a terminal (or with --progress),
    warnings unless --quiet; the error line is the caller's (always, once, last)."""

    def __init__(self, a: argparse.Namespace, err: TextIO) -> None:
        quiet = bool(getattr(a, "quiet", False))
        isatty = getattr(err, "isatty", None)
        tty = bool(isatty()) if callable(isatty) else False
        self.err = err
        self.progress_on = bool(getattr(a, "progress", False)) or (tty and not quiet)
        self.warnings_on = not quiet

    def progress(self, line: str) -> None:
        if self.progress_on:
            self.err.write(line + "\n")

    def warning(self, line: str) -> None:
        if self.warnings_on:
            self.err.write(f"warning: {line}\n")


class StderrProgress:
    """Per-channel progress lines (a failed input is not said here: the error line says it, once).

    ``Progress.quota_units`` is the client's running total; each line says the units of *its* channel: the
    total minus where it stood when that channel began (channels are fetched one after another). ``start()``
    marks where fetching begins (after the resolution and the plan), so the first channel is not charged
    for resolving every input."""

    def __init__(self, say: Say) -> None:
        self.say = say
        self.last: dict[str, str] = {}
        self.mark = 0  # the running total when the next channel begins
        self.base: dict[str, int] = {}  # channel -> the running total when it began

    def start(self, total_units: int) -> None:
        self.mark = total_units

    def __call__(self, p: Progress) -> None:
        if p.stage in ("resolving", "error"):
            self.mark = max(self.mark, p.quota_units)
        else:
            base = self.base.setdefault(p.channel, self.mark)
            if p.stage == "done":
                self.mark = max(self.mark, p.quota_units)
        if not self.say.progress_on or p.stage == "error":
            return
        if p.stage in ("listing", "details") and p.pages % 10 and self.last.get(p.channel) == p.stage:
            return  # a line every 10 pages is enough
        self.last[p.channel] = p.stage
        if p.stage == "resolving":
            self.say.progress(f"{p.channel}: resolving…")
        else:
            self.say.progress(f"{p.channel}: {p.stage}, {plural(p.pages, 'page')}, {p.listed:,} listed, "
                              f"{p.detailed:,} detailed, {plural(max(0, p.quota_units - base), 'unit')}")




def quota_summary(result: FetchResult, settings: Any, today: int | None) -> str:
    """The run's quota line: each bucket it spent with its daily budget, then today's spend per bucket on this
    machine ('quota: 4 quota units (channels.list 1, videos.list 3; main pool, 10,000 a day); 0 search calls
    (search.list bucket, 100 a day); 1 stats call (videos.batchGetStats bucket, 10,000 a day); today 5 units of
    10,000, 0 search calls of 100, 1 stats call of 10,000 on this machine (resets midnight Pacific)').
    ``today``: ``service.settle``'s main-pool units (None: the ledger could not be written or read)."""
    from ..store.ledger import spent_today_by_bucket

    budgets = settings.budgets
    line = f"quota: {quota_line(result.quota_units, result.quota, budgets)}"
    spent = spent_today_by_bucket(settings) if today is not None else None
    if spent is not None:
        line += f"; {today_line(spent, budgets)} on this machine (resets midnight Pacific)"
    elif today is not None:
        line += f"; today {plural(today, 'unit')} on this machine (resets midnight Pacific)"
    return line


def say_plan(plan: Any, *, say: Say, forced: bool) -> None:
    """The quota plan as progress lines; a forced run that does not fit gets a warning (the service refuses an
    unforced one)."""
    say.progress(plan.line())
    for line in plan.details():
        say.progress("  " + line)
    if not plan.fits and forced:
        short = plan.short[0] if getattr(plan, "short", ()) else "units"
        if short == "search":
            need = f"{plural(plan.search_calls, 'search call')} needed, {max(plan.search_remaining or 0, 0):,} left today"
        else:
            need = f"about {plural(plan.units_needed, 'unit')} needed, {max(plan.remaining or 0, 0):,} left today"
        say.warning(f"forced: {need}; the fetch may stop half-way (what it fetches is kept, the next run resumes).")


def fetch_callbacks(say: Say, meter: Any, *, forced: bool) -> tuple[Callable[[Any], None], StderrProgress]:
    """(on_plan, progress) for ``service.fetch``: the plan said, then per-channel progress counted from there
    (``meter``: the client's QuotaMeter, read when the plan is said, once every input is resolved)."""
    progress = StderrProgress(say)

    def on_plan(plan: Any) -> None:
        say_plan(plan, say=say, forced=forced)
        progress.start(meter.total_units)

    return on_plan, progress


@contextlib.contextmanager
def core_warnings_to(say: Say) -> Iterator[None]:
    """The core's logged warnings (e.g. an unwritable quota ledger) as `warning: ...` lines on ``err``.

    Without a handler, logging's last resort would print them bare to sys.stderr, whatever ``err`` is.
    """
    handler = logging.StreamHandler(say.err)
    handler.setLevel(logging.WARNING if say.warnings_on else logging.ERROR)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    core = logging.getLogger("y2s_core")
    core.addHandler(handler)
    try:
        yield
    finally:
        core.removeHandler(handler)


def raise_after_output(result: FetchResult, stop: YouTubeError | None, say: Say,
                       unparsed: Sequence[Problem] = ()) -> None:
    """Once the rows are out: what stopped the fetch (the quota: exit 3; a YouTube failure: exit 1), else
    the inputs that were not fetched, said once: those that did not parse (``unparsed``, from
    ``channel_input.parse_each``) and those that did not resolve.

    One bad input: its own message. Several: one line that counts them, with each reason on a line above
    it when progress is shown (a terminal, or --progress), else inside that one line. A spent search bucket
    among the reasons makes it a quota error (exit 3), else invalid input (exit 2).
    """
    unresolved = [r for r in result.resolutions if r.error]
    reasons = [p.reason for p in unparsed] + [r.error or "" for r in unresolved]
    if stop:
        raise stop.with_note(f"Not fetched either: {'; '.join(reasons)}") if reasons else stop
    if not reasons:
        return
    total = len(result.resolutions) + len(unparsed)
    if len(reasons) == 1:
        message = f"{reasons[0]} {FORMS_HINT}" if unparsed else reasons[0]
    elif say.progress_on:
        for reason in reasons:
            say.err.write(f"  {reason}\n")
        message = f"{len(reasons)} of {plural(total, 'channel input')} were not fetched (reasons above)."
    else:
        message = f"{len(reasons)} of {plural(total, 'channel input')} were not fetched: " + " | ".join(reasons)
    if any(r.exhausted for r in unresolved):
        raise QuotaExceeded(message, bucket="search")
    raise InputError(message)
