"""The command line's arguments: one parser for `python -m y2s_core fetch|push|sync|history|api`, its filter
options generated from ``FilterSpec``'s fields. A bad argument is one ``InputError`` line (exit 2), never
argparse's usage dump."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import InputError
from ..filters import FilterSpec
from ..settings import Settings

EPILOG = "Exit codes: 0 ok, 2 invalid input, 3 YouTube quota exhausted, 4 auth or permission, 1 other error."


MAX_QUOTED = 80  # an argument quoted in an error is cut to this many characters
MAX_ERROR = 400  # and the whole message (several long arguments) to this many


def shorten_args(message: str, args: Sequence[str]) -> str:
    """``message`` with every argument longer than ``MAX_QUOTED`` cut (argparse quotes a 5,000-character
    value in full: "invalid choice: 'xxx…'"), said as "…' (5,000 characters)"; the whole capped too."""
    values = {a for a in args if isinstance(a, str)}
    values |= {a.partition("=")[2] for a in values if a.startswith("-")}  # --format=VALUE quotes VALUE alone
    for arg in sorted({a for a in values if len(a) > MAX_QUOTED}, key=len, reverse=True):
        short = f"{arg[:MAX_QUOTED - 1]}…"
        message = message.replace(repr(arg), f"{short!r} ({len(arg):,} characters)").replace(arg, short)
    return message if len(message) <= MAX_ERROR else message[: MAX_ERROR - 1] + "…"


class _Parser(argparse.ArgumentParser):
    _seen: Sequence[str] = ()

    def parse_known_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:
        self._seen = tuple(sys.argv[1:] if args is None else args)  # for error(): the values it may quote
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage + message otherwise)
        sub = self.prog.removeprefix("python -m y2s_core").strip()
        message = shorten_args(message, self._seen)
        raise InputError(f"{message} (see `python -m y2s_core {sub + ' ' if sub else ''}--help`)")


def build_parser() -> argparse.ArgumentParser:
    from ..sync import STATS_MODES

    p = _Parser(prog="python -m y2s_core", description="YouTube channel videos into Google Sheets.", epilog=EPILOG)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def filters(sp: argparse.ArgumentParser) -> None:
        g = sp.add_argument_group("filters")
        for name, rule in FilterSpec.rules().items():  # one option per FilterSpec field
            flag = "--" + name.replace("_", "-")
            if name == "max_videos":
                g.add_argument(flag, metavar=rule.metavar, help=f"{rule.help}; default: MAX_VIDEOS when set, else "
                               "all (--max-videos all overrides it)")
            elif rule.metavar:
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
                        "formula (starting with = + - @, also after spaces or invisible characters, or with "
                        "their fullwidth forms) gets a leading apostrophe")

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


def spec_from_args(a: argparse.Namespace, settings: Settings | None = None) -> FilterSpec:
    """The filters of the command line; MAX_VIDEOS (``settings``) where ``--max-videos`` is not given."""
    values = {name: getattr(a, name) for name in FilterSpec.names()}
    return FilterSpec.from_strings(**(settings.filter_defaults(values) if settings is not None else values))
