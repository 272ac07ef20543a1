"""`push` (rows from `fetch --format json` into a sheet) and `history` (a stored channel's snapshots)."""

from __future__ import annotations

import argparse
import csv
import json
from typing import Any, TextIO

from ..channel_input import parse as parse_channels
from ..errors import InputError
from ..settings import Settings
from ..sheets.base import SheetTarget
from ..sheets.cells import clean_text, csv_escape
from ..sheets.fileio import shown
from .output import Say, core_warnings_to


def read_rows(path: str, stdin: TextIO) -> list[dict[str, Any]]:
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


def open_sheet(a: argparse.Namespace, settings: Settings) -> SheetTarget:
    """The sheet target, checked (URL form, file suffix, a writable folder, credentials) before any other work."""
    from ..sheets import open_target

    return open_target(a.sheet, a.tab, settings)


def push_rows(rows: list[dict[str, Any]], target: SheetTarget, a: argparse.Namespace, out: TextIO, say: Say) -> None:
    from ..sheets import push

    result = push(rows, target, dry_run=a.dry_run, progress=say.progress if say.progress_on else None)
    verb = "would write" if a.dry_run else "pushed"
    where = result.url or result.target
    out.write(f"{verb}: {result.plan.summary()} -> {where}\n")
    for w in result.plan.warnings:
        say.warning(w)


def with_columns(rows: list[dict[str, Any]], a: argparse.Namespace, settings: Settings,
                  say: Say) -> list[dict[str, Any]]:
    """The rows with the ``--columns`` the store fills (a store that cannot be read: without them, one warning)."""
    from ..store import add_columns, parse_columns

    columns = parse_columns(a.columns)
    if not columns:
        return rows
    with core_warnings_to(say):
        return add_columns(rows, columns, settings)[0]


def history(a: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    """Snapshots of one stored channel (or video), oldest first; the channel is found in the store, no YouTube call."""
    from ..channel_input import video_id_from_url
    from ..store import HISTORY_KEYS, Store

    refs = parse_channels(a.channel)
    if len(refs) != 1:
        raise InputError("history takes one channel: pass a single @handle, UC… id or URL.")
    ref = refs[0]
    store = Store.for_settings(settings, read_only_fallback=True)  # a read-only data folder is read, not refused
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
        # the one CSV escaping (``sheets.cells.csv_escape``): a title or id a spreadsheet would run is not run
        w.writerows({k: csv_escape(clean_text(v) if isinstance(v, str) else v) for k, v in r.items()} for r in rows)
