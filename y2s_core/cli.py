"""`python -m y2s_core fetch|push|sync|api`: a thin face over the core.

This module only translates arguments into core calls and errors into one stderr line plus an exit code:
0 ok, 2 invalid input, 3 YouTube quota exhausted (rows fetched so far still written), 4 auth or
permission, 1 anything else. Progress and the quota summary go to stderr; data goes to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from .channel_input import parse as parse_channels
from .errors import InputError, QuotaExceeded, Y2SError
from .filters import FilterSpec
from .models import FIELD_BY_KEY, ROW_FIELDS, ROW_KEYS, FetchResult
from .quota import quota_line, record_spend
from .settings import Settings
from .sheets.cells import clean_text, csv_escape, row_to_cells
from .sheets.fileio import shown
from .youtube import Progress, YouTubeClient

EPILOG = "Exit codes: 0 ok, 2 invalid input, 3 YouTube quota exhausted, 4 auth or permission, 1 other error."


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage + message otherwise)
        sub = self.prog.removeprefix("python -m y2s_core").strip()
        raise InputError(f"{message} (see `python -m y2s_core {sub + ' ' if sub else ''}--help`)")


def build_parser() -> argparse.ArgumentParser:
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
        sp.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")

    f = sub.add_parser("fetch", help="fetch a channel's videos and print them", epilog=EPILOG)
    f.add_argument("channels", nargs="+", metavar="CHANNEL", help="@handle, UC… id, channel or video URL")
    filters(f)
    f.add_argument("--format", choices=("json", "csv", "table"), default="json")
    f.add_argument("--raw-csv", action="store_true",
                   help="csv: print text exactly as fetched; by default text a spreadsheet would run as a "
                        "formula (starting with = + - @) gets a leading apostrophe")

    def sheet(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--sheet", required=True, metavar="URL_OR_PATH", help="Google Sheet URL or key, or a .xlsx/.csv path")
        sp.add_argument("--tab", default="Videos", help="worksheet name (created when missing; default: Videos)")
        sp.add_argument("--dry-run", action="store_true", help="print the plan (new / updated / unchanged), write nothing")

    ps = sub.add_parser("push", help="upsert rows (the JSON from `fetch`) into a sheet", epilog=EPILOG)
    ps.add_argument("--input", default="-", metavar="FILE", help="JSON rows file (default: stdin)")
    sheet(ps)
    ps.add_argument("-q", "--quiet", action="store_true")

    sy = sub.add_parser("sync", help="fetch then push", epilog=EPILOG)
    sy.add_argument("channels", nargs="+", metavar="CHANNEL")
    sheet(sy)
    filters(sy)

    api = sub.add_parser("api", help="serve the REST API on 127.0.0.1")
    api.add_argument("--port", type=int, default=8000)
    api.add_argument("--host", default="127.0.0.1")
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


class _StderrProgress:
    def __init__(self, quiet: bool, err: TextIO) -> None:
        self.quiet, self.err = quiet, err
        self.last: dict[str, str] = {}

    def __call__(self, p: Progress) -> None:
        if self.quiet:
            return
        if p.stage == "error":
            self.err.write(f"{p.message}\n")
            return
        if p.stage in ("listing", "details") and p.pages % 10 and self.last.get(p.channel) == p.stage:
            return  # a line every 10 pages is enough
        self.last[p.channel] = p.stage
        if p.stage == "resolving":
            self.err.write(f"{p.channel}: resolving…\n")
        else:
            self.err.write(f"{p.channel}: {p.stage}, {p.pages} pages, {p.listed} listed, {p.detailed} detailed, "
                           f"{p.quota_units} units\n")


# --------------------------------------------------------------------------------------------- run


def _fetch(a: argparse.Namespace, settings: Settings, err: TextIO) -> tuple[FetchResult, QuotaExceeded | None]:
    spec = spec_from_args(a)
    refs = parse_channels(a.channels)  # bad input fails here, before any output
    if settings.demo and not a.quiet:
        err.write("demo mode: no YOUTUBE_API_KEY set, fetching from the built-in emulator's demo catalog\n")
    client = YouTubeClient(settings)
    try:
        result = client.fetch(refs, spec, progress=_StderrProgress(a.quiet, err))
        stop = None
    except QuotaExceeded as e:
        result, stop = e.partial or FetchResult(), e
    for w in result.warnings:
        err.write(f"warning: {w}\n")
    with _core_warnings_to(err):  # an unwritable ledger: one `warning:` line, the run goes on
        today = record_spend(settings, result.quota)
    if not a.quiet:
        err.write(f"quota: {quota_line(result.quota_units, result.quota)}"
                  + (f"; today {today:,} units on this machine (resets midnight Pacific)" if today is not None else "")
                  + "\n")
    return result, stop


@contextlib.contextmanager
def _core_warnings_to(err: TextIO) -> Iterator[None]:
    """The core's logged warnings (e.g. an unwritable quota ledger) as `warning: ...` lines on ``err``.

    Without a handler, logging's last resort would print them bare to sys.stderr, whatever ``err`` is.
    """
    handler = logging.StreamHandler(err)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    core = logging.getLogger("y2s_core")
    core.addHandler(handler)
    try:
        yield
    finally:
        core.removeHandler(handler)


def _raise_after_output(result: FetchResult, stop: QuotaExceeded | None) -> None:
    """Once the rows are out: the quota stop (exit 3), else any input that did not resolve (exit 2)."""
    if stop:
        raise stop
    bad = [r.error for r in result.resolutions if r.error]
    if bad:
        raise InputError("; ".join(bad))


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


def _push(rows: list[dict[str, Any]], a: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> None:
    from .sheets import open_target, push

    target = open_target(a.sheet, a.tab, settings)
    result = push(rows, target, dry_run=a.dry_run, progress=None if a.quiet else (lambda m: err.write(m + "\n")))
    verb = "would write" if a.dry_run else "pushed"
    where = result.url or result.target
    out.write(f"{verb}: {result.plan.summary()} -> {where}\n")
    for w in result.plan.warnings:
        err.write(f"warning: {w}\n")


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
        if a.command == "fetch":
            result, stop = _fetch(a, settings, err)
            write_rows(result.rows(), a.format, out, raw_csv=a.raw_csv)
            out.flush()
            _raise_after_output(result, stop)
        elif a.command == "push":
            _push(_read_rows(a.input, stdin), a, settings, out, err)
        elif a.command == "sync":
            result, stop = _fetch(a, settings, err)
            if result.videos:
                _push(result.rows(), a, settings, out, err)
            _raise_after_output(result, stop)
        elif a.command == "api":
            from .api import serve_api

            serve_api(settings, host=a.host, port=a.port)
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
