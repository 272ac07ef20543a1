"""`python -m y2s_core fetch|push|sync|history|api`: a thin face over the core.

This module only translates arguments into core calls and errors into one stderr line plus an exit code:
0 ok, 2 invalid input, 3 YouTube quota exhausted (rows fetched so far still written), 4 auth or
permission, 1 anything else. Data goes to stdout. On stderr (cron mails any output, so a good run says
nothing there unless asked): progress and the quota summary only when stderr is a terminal (``--progress``
forces them), ``warning: ...`` lines unless ``--quiet``, and an error once, as ``error: ...`` on the last line.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import io
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from . import telemetry
from .channel_input import parse as parse_channels
from .errors import InputError, QuotaExceeded, Y2SError, YouTubeError
from .filters import FilterSpec
from .models import FIELD_BY_KEY, ROW_FIELDS, ROW_KEYS, FetchResult
from .quota import main_units, quota_line, record_spend, spent_since
from .settings import Settings
from .sheets.base import SheetTarget
from .sheets.cells import clean_text, csv_escape, row_to_cells
from .sheets.fileio import shown
from .youtube import Progress, YouTubeClient

EPILOG = "Exit codes: 0 ok, 2 invalid input, 3 YouTube quota exhausted, 4 auth or permission, 1 other error."


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage + message otherwise)
        sub = self.prog.removeprefix("python -m y2s_core").strip()
        raise InputError(f"{message} (see `python -m y2s_core {sub + ' ' if sub else ''}--help`)")


def build_parser() -> argparse.ArgumentParser:
    from .sync import STATS_MODES

    p = _Parser(prog="python -m y2s_core", description="YouTube channel videos into Google Sheets.", epilog=EPILOG)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def filters(sp: argparse.ArgumentParser) -> None:
        g = sp.add_argument_group("filters")
        for name, rule in FilterSpec.rules().items():  # one option per FilterSpec field
            flag = "--" + name.replace("_", "-")
            if rule.metavar:
                g.add_argument(flag, metavar=rule.metavar, help=rule.help)
            else:
                g.add_argument(flag, action="store_true", help=rule.help)

    def verbosity(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("-q", "--quiet", action="store_true", help="no progress and no warnings on stderr (errors only)")
        sp.add_argument("--progress", action="store_true",
                        help="progress on stderr even when it is not a terminal (e.g. in a log file)")

    def incremental(sp: argparse.ArgumentParser, default: bool) -> None:
        g = sp.add_argument_group("incremental fetch (through the store)")
        if not default:
            g.add_argument("--new", action="store_true",
                           help="incremental: list only the uploads newer than what the store has for a known channel "
                                "(known videos come from the store); unknown channels are listed in full")
        g.add_argument("--stats", choices=STATS_MODES, default="recent",
                       help="which known videos get fresh statistics: none, recent (published in the last 90 days"
                            + (", plus the rows already in the sheet" if default else "") + "; default), all")
        if default:
            g.add_argument("--full", action="store_true", help="list every channel in full again (ignore the store)")
            g.add_argument("--config", metavar="FILE", help="run every [[sync]] entry of a channels.toml instead "
                           "(channels, filters, sheet, tab, columns, stats per entry; see the README)")

    def force(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--force", action="store_true", help="start even when the quota planner says the fetch "
                        "will not fit in what is left of today's Y2S_DAILY_QUOTA (what it fetches is kept)")

    f = sub.add_parser("fetch", help="fetch a channel's videos and print them", epilog=EPILOG)
    f.add_argument("channels", nargs="+", metavar="CHANNEL", help="@handle, UC… id, channel or video URL")
    filters(f)
    incremental(f, default=False)
    force(f)
    verbosity(f)
    f.add_argument("--format", choices=("json", "csv", "table"), default="json")
    f.add_argument("--raw-csv", action="store_true",
                   help="csv: print text exactly as fetched; by default text a spreadsheet would run as a "
                        "formula (starting with = + - @) gets a leading apostrophe")

    def sheet(sp: argparse.ArgumentParser, required: bool = True) -> None:
        sp.add_argument("--sheet", required=required, metavar="URL_OR_PATH",
                        help="Google Sheet URL or key, or a .xlsx/.csv path")
        sp.add_argument("--tab", default="Videos", help="worksheet name (created when missing; default: Videos)")
        sp.add_argument("--dry-run", action="store_true", help="print the plan (new / updated / unchanged), write nothing")
        sp.add_argument("--columns", default="", metavar="NAMES",
                        help="optional sheet columns from the store, comma-separated: views_gained_7d "
                             '("Views gained (7 d)"), first_seen ("First seen"); off by default')

    ps = sub.add_parser("push", help="upsert rows (the JSON from `fetch`) into a sheet", epilog=EPILOG)
    ps.add_argument("--input", default="-", metavar="FILE", help="JSON rows file (default: stdin)")
    sheet(ps)
    verbosity(ps)

    sy = sub.add_parser("sync", help="fetch then push; incremental for the channels the store knows", epilog=EPILOG
                        + " With --config: the most serious code of the entries (4 > 3 > 2 > 1).")
    sy.add_argument("channels", nargs="*", metavar="CHANNEL")
    sheet(sy, required=False)
    filters(sy)
    incremental(sy, default=True)
    force(sy)
    verbosity(sy)

    h = sub.add_parser("history", help="print a channel's stored stat snapshots, oldest first", epilog=EPILOG)
    h.add_argument("channel", metavar="CHANNEL", help="@handle, UC… id, channel or video URL of a fetched channel")
    h.add_argument("--video", metavar="ID", help="only this video (an id or a video URL)")
    h.add_argument("--format", choices=("json", "csv"), default="json")

    api = sub.add_parser("api", help="serve the REST API (/api/v1)", epilog=EPILOG + " Beyond loopback, "
                         "Y2S_API_TOKEN must be set; see the README's REST API section for the other Y2S_API_* settings.")
    api.add_argument("--port", type=int, default=8000)
    api.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; another needs "
                     "Y2S_API_TOKEN)")
    return p


def spec_from_args(a: argparse.Namespace) -> FilterSpec:
    return FilterSpec.from_strings(**{name: getattr(a, name) for name in FilterSpec.names()})


# ------------------------------------------------------------------------------------------- output

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
    buf.write(f"{len(rows)} videos\n")
    return buf.getvalue()


class _Say:
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


class _StderrProgress:
    """Per-channel progress lines (a failed input is not said here: the error line says it, once)."""

    def __init__(self, say: _Say) -> None:
        self.say = say
        self.last: dict[str, str] = {}

    def __call__(self, p: Progress) -> None:
        if not self.say.progress_on or p.stage == "error":
            return
        if p.stage in ("listing", "details") and p.pages % 10 and self.last.get(p.channel) == p.stage:
            return  # a line every 10 pages is enough
        self.last[p.channel] = p.stage
        if p.stage == "resolving":
            self.say.progress(f"{p.channel}: resolving…")
        else:
            self.say.progress(f"{p.channel}: {p.stage}, {p.pages} pages, {p.listed} listed, {p.detailed} detailed, "
                              f"{p.quota_units} units")


# --------------------------------------------------------------------------------------------- run


def _fetch(a: argparse.Namespace, settings: Settings, say: _Say) -> tuple[FetchResult, YouTubeError | None]:
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
    client = YouTubeClient(settings)
    today: int | None = None
    progress = _StderrProgress(say)
    try:
        if getattr(a, "new", False):
            from .cli_sync import fetch_through_store

            with _core_warnings_to(say):  # the store's problems as `warning:` lines
                result, stop = fetch_through_store(client, settings, refs, spec, a, say, progress)
        else:
            result, stop = _plain_fetch(client, settings, refs, spec, a, say, progress)
    finally:
        with _core_warnings_to(say):  # an unwritable ledger: one `warning:` line, the run goes on
            today = record_spend(settings, client.meter.snapshot())
    for w in result.warnings:
        say.warning(w)
    say.progress(f"quota: {quota_line(result.quota_units, result.quota)}"
                 + (f"; today {today:,} units on this machine (resets midnight Pacific)" if today is not None else ""))
    return result, stop


def _plain_fetch(client: YouTubeClient, settings: Settings, refs: list, spec: FilterSpec, a: argparse.Namespace,
                 say: _Say, progress: _StderrProgress) -> tuple[FetchResult, YouTubeError | None]:
    from .sync import plan_fetch

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
    from .store import remember

    with _core_warnings_to(say):  # an unwritable store: one `warning:` line, the run goes on
        remember(result, settings, spec)  # channels, videos and one stat snapshot per video
    return result, stop


def check_plan(plan: Any, a: argparse.Namespace, say: _Say) -> None:
    """Say the quota plan (progress), and refuse what cannot fit unless --force (a warning then)."""
    say.progress(plan.line())
    for line in plan.details():
        say.progress("  " + line)
    if not plan.fits:
        if not getattr(a, "force", False):
            raise plan.refusal()
        say.warning(f"forced: about {plan.units:,} units needed, {max(plan.remaining or 0, 0):,} left today; "
                    "the fetch may stop half-way (what it fetches is kept, the next run resumes).")


@contextlib.contextmanager
def _core_warnings_to(say: _Say) -> Iterator[None]:
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


def _raise_after_output(result: FetchResult, stop: YouTubeError | None, say: _Say) -> None:
    """Once the rows are out: what stopped the fetch (the quota: exit 3; a YouTube failure: exit 1), else
    the inputs that did not resolve, said once.

    One bad input: its own message. Several: one line that counts them, with each reason on a line above
    it when progress is shown (a terminal, or --progress), else inside that one line. A spent search bucket
    among the reasons makes it a quota error (exit 3), else invalid input (exit 2).
    """
    bad = [r for r in result.resolutions if r.error]
    if stop:
        if bad:
            stop.message += f" Not fetched either: {'; '.join(r.error or '' for r in bad)}"
        raise stop
    if not bad:
        return
    if len(bad) == 1:
        message = bad[0].error or ""
    elif say.progress_on:
        for r in bad:
            say.err.write(f"  {r.error}\n")
        message = f"{len(bad)} of {len(result.resolutions)} channel inputs were not fetched (reasons above)."
    else:
        message = (f"{len(bad)} of {len(result.resolutions)} channel inputs were not fetched: "
                   + " | ".join(r.error or "" for r in bad))
    if any(r.exhausted for r in bad):
        raise QuotaExceeded(message, bucket="search")
    raise InputError(message)


def _read_rows(path: str, stdin: TextIO) -> list[dict[str, Any]]:
    """The JSON rows of ``path`` (``-``: stdin). Rows without a video id are refused by the core's push."""
    where = "stdin" if path == "-" else shown(path)
    try:
        if path == "-":
            text = stdin.read()
        else:
            with open(path, encoding="utf-8-sig") as f:
                text = f.read()
    except OSError as e:
        raise InputError(f"Cannot read {where}: {e.strerror or type(e).__name__}.") from None
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"{where} is not UTF-8 text: pass the output of `fetch --format json`.") from None
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"The rows are not valid JSON (line {e.lineno}): pass the output of `fetch --format json`.") from None
    except RecursionError:
        raise InputError("The rows are nested too deeply to be rows: pass the output of `fetch --format json`.") from None
    except ValueError:  # a number of more than 4,300 digits
        raise InputError("The rows are not valid JSON (a number too long to read): pass the output of "
                         "`fetch --format json`.") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError("The rows must be a JSON array of objects: pass the output of `fetch --format json`.")
    return rows


def _open_target(a: argparse.Namespace, settings: Settings) -> SheetTarget:
    """The sheet target, checked (URL form, file suffix, a writable folder, credentials) before any other work."""
    from .sheets import open_target

    return open_target(a.sheet, a.tab, settings)


def _push(rows: list[dict[str, Any]], target: SheetTarget, a: argparse.Namespace, out: TextIO, say: _Say) -> None:
    from .sheets import push

    result = push(rows, target, dry_run=a.dry_run, progress=say.progress if say.progress_on else None)
    verb = "would write" if a.dry_run else "pushed"
    where = result.url or result.target
    out.write(f"{verb}: {result.plan.summary()} -> {where}\n")
    for w in result.plan.warnings:
        say.warning(w)


def _with_columns(rows: list[dict[str, Any]], a: argparse.Namespace, settings: Settings,
                  say: _Say) -> list[dict[str, Any]]:
    """The rows with the ``--columns`` the store fills (a store that cannot be read: without them, one warning)."""
    from .store import add_columns, parse_columns

    columns = parse_columns(a.columns)
    if not columns:
        return rows
    with _core_warnings_to(say):
        return add_columns(rows, columns, settings)[0]


def _history(a: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    """Snapshots of one stored channel (or video), oldest first; the channel is found in the store, no YouTube call."""
    from .channel_input import video_id_from_url
    from .store import HISTORY_KEYS, open_store

    refs = parse_channels(a.channel)
    if len(refs) != 1:
        raise InputError("history takes one channel: pass a single @handle, UC… id or URL.")
    ref = refs[0]
    store = open_store(settings)
    channel = store.find_channel(ref)
    if channel is None:
        other = ", or name it by its UC… id or @handle" if ref.kind in ("username", "custom") else ""
        raise InputError(f"The store has nothing for {ref}: fetch it first "
                         f"(python -m y2s_core fetch {ref.raw or ref.value}){other}.")
    video = (video_id_from_url(a.video) or a.video.strip()) if a.video else None
    records = store.history([channel.id], video_id=video)
    if not records:
        what = f"video {video} of {channel.title}" if video else channel.title
        raise InputError(f"The store has no snapshots of {what} ({channel.id}): fetch the channel first.")
    rows = [r.to_row() for r in records]
    if a.format == "json":
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        w = csv.DictWriter(out, fieldnames=list(HISTORY_KEYS), lineterminator="\n")
        w.writeheader()
        w.writerows({k: "" if v is None else v for k, v in r.items()} for r in rows)


def run(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
        stderr: TextIO | None = None, env: dict[str, str] | None = None) -> int:
    stdin, out, err = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    settings: Settings | None = None
    try:
        try:
            with contextlib.redirect_stdout(out):
                a = build_parser().parse_args(argv)
        except SystemExit as e:  # --help
            return int(e.code or 0)
        # the service account is read only by the commands that write to Sheets
        settings = Settings.from_env(env, with_sheets=a.command in ("push", "sync", "api"))
        say = _Say(a, err)
        telemetry.configure_logging(env, default_level=None, secrets=telemetry.settings_secrets(settings), stream=err)
        if a.command in ("push", "sync"):
            from .store import parse_columns

            parse_columns(a.columns)  # a bad --columns fails before any quota is spent
        if a.command == "fetch":
            result, stop = _fetch(a, settings, say)
            write_rows(result.rows(), a.format, out, raw_csv=a.raw_csv)
            if a.format == "table":
                out.write(render_type_rules(result))
            out.flush()
            _raise_after_output(result, stop, say)
        elif a.command == "push":
            target = _open_target(a, settings)
            _push(_with_columns(_read_rows(a.input, stdin), a, settings, say), target, a, out, say)
        elif a.command == "sync":
            from .cli_sync import run_sync

            code = run_sync(a, settings, say, out)
            if code:
                return code
        elif a.command == "history":
            _history(a, settings, out)
        elif a.command == "api":
            from .api import serve_api

            serve_api(settings, host=a.host, port=a.port, env=env)
        return 0
    except Y2SError as e:
        msg = settings.redact(str(e)) if settings else str(e)
        err.write(f"error: {msg}\n")
        return e.exit_code
    except KeyboardInterrupt:
        err.write("error: interrupted\n")
        return 1
    except Exception as e:  # the contract: one line, never a traceback
        msg = f"unexpected {type(e).__name__}: {e}"
        err.write(f"error: {settings.redact(msg) if settings else msg}\n")
        return 1


def main() -> None:
    for stream in (sys.stdout, sys.stderr):  # titles are any script: never die half-way on a cp1252 console
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    sys.exit(run())
