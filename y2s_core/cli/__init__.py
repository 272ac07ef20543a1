"""`python -m y2s_core fetch|push|sync|history|api`: a thin face over the core.

This package only translates arguments into core calls and errors into one stderr line plus an exit code:
0 ok, 2 invalid input, 3 YouTube quota exhausted (rows fetched so far still written), 4 auth or
permission, 1 anything else. Data goes to stdout. On stderr (cron mails any output, so a good run says
nothing there unless asked): progress and the quota summary only when stderr is a terminal (``--progress``
forces them), ``warning: ...`` lines unless ``--quiet``, and an error once, as ``error: ...`` on the last line.

    parser      the arguments (filters generated from FilterSpec)
    output      rows on stdout; progress, warnings and the error line on stderr; the quota plan said
    fetch_cmd   `fetch` (plain, or `--new` through the store)
    sync_cmd    `sync` (one entry, or `--config` under the sync lock) and `fetch --new`
    push_cmd    `push`, `history`
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from typing import TextIO

from .. import telemetry
from ..errors import Y2SError
from ..settings import Settings
from .fetch_cmd import FIRST_RUN, fetch_command
from .output import Say, raise_after_output, render_table, render_type_rules, write_rows
from .parser import build_parser, spec_from_args
from .push_cmd import history, open_sheet, push_rows, read_rows, with_columns
from .sync_cmd import run_sync


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
        say = Say(a, err)
        telemetry.configure_logging(env, default_level=None, secrets=telemetry.settings_secrets(settings), stream=err)
        if a.command in ("sync", "history") or getattr(a, "new", False):
            from ..store import check_url

            check_url(settings.database_url)  # the store is the point of these: a typo in its URL is exit 2
        if a.command in ("push", "sync"):
            from ..store import parse_columns

            parse_columns(a.columns)  # a bad --columns fails before any quota is spent
        if a.command == "fetch":
            got = fetch_command(a, settings, say)
            write_rows(got.result.rows(), a.format, out, raw_csv=a.raw_csv)
            if a.format == "table":
                out.write(render_type_rules(got.result))
                if got.first_run:
                    out.write(FIRST_RUN + "\n")
            out.flush()
            raise_after_output(got.result, got.stop, say, got.unparsed)
        elif a.command == "push":
            target = open_sheet(a, settings)
            push_rows(with_columns(read_rows(a.input, stdin), a, settings, say), target, a, out, say)
        elif a.command == "sync":
            code = run_sync(a, settings, say, out)
            if code:
                return code
        elif a.command == "history":
            history(a, settings, out)
        elif a.command == "api":
            from ..api import serve_api

            serve_api(settings, host=a.host, port=a.port, env=env)
        return 0
    except Y2SError as e:
        msg = settings.redact(str(e)) if settings else str(e)
        err.write(f"error: {msg}\n")
        return e.exit_code
    except KeyboardInterrupt:
        err.write("error: interrupted\n")
        return 1
    except Exception as e:  # the contract: one line, never a traceback, never a huge echo
        text = " ".join(str(e).split())
        msg = f"unexpected {type(e).__name__}: {text if len(text) <= 200 else text[:199] + '…'}"
        err.write(f"error: {settings.redact(msg) if settings else msg}\n")
        return 1


def main() -> None:
    for stream in (sys.stdout, sys.stderr):  # titles are any script: never die half-way on a cp1252 console
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    if hasattr(sys.stderr, "reconfigure"):  # a message quoting a non-UTF-8 argument is said, not "lost sys.stderr"
        sys.stderr.reconfigure(errors="backslashreplace")
    sys.exit(run())


__all__ = ["build_parser", "main", "render_table", "render_type_rules", "run", "spec_from_args", "write_rows"]
