"""``sync --config channels.toml``: the scheduled sync's entries, read and checked before anything runs.

    # channels.toml: top-level keys are defaults for every entry
    sheet = "https://docs.google.com/spreadsheets/d/KEY/edit"
    stats = "recent"                         # none | recent | all

    [[sync]]
    name = "Demo"                            # optional: how the summary lines and errors name the entry
    channels = ["@y2sdemo", "@oldschool"]
    tab = "Demo"
    columns = ["views_gained_7d"]            # optional sheet columns (or "views_gained_7d,first_seen")
    filters = { types = "short,long", max_videos = 200, since = "2024-01-01" }

Keys: channels (a list, or one comma-separated string), sheet, tab (default "Videos"), filters (a table of
FilterSpec fields, as on the command line), columns, stats, full (true: list in full again). Every
mistake is one ``InputError`` naming the file, the entry and the key, before any YouTube call: a file
over 1 MiB (``MAX_CONFIG_BYTES``: /dev/zero too; never read further), not UTF-8, not TOML, nested too
deeply, or a key of the wrong type; the user's text in it quoted shortened (``filters.quote_text``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from .errors import InputError
from .filters import FilterSpec, quote_text
from .settings import Settings
from .sheets.fileio import shown, user_path

KEYS = ("name", "channels", "sheet", "tab", "filters", "columns", "stats", "full")
MAX_CONFIG_BYTES = 1024 * 1024  # 1 MiB: a channels.toml of a thousand entries is under 200 KB
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,30}")


@dataclass(frozen=True)
class Entry:
    """One ``[[sync]]`` entry, defaults applied."""

    name: str
    channels: tuple[str, ...]
    sheet: str
    tab: str = "Videos"
    spec: FilterSpec = FilterSpec()
    columns: tuple[str, ...] = ()
    stats: str = "recent"
    full: bool = False


def load(path: str | Path, settings: Settings | None = None) -> list[Entry]:
    """The entries of a channels.toml (tomllib: Python 3.11+). Any file is read safely: at most
    ``MAX_CONFIG_BYTES`` (+1, to tell a bigger one), and every way it can be wrong is one short ``InputError``.
    ``settings``: their MAX_VIDEOS is the max_videos of an entry whose filters do not set one."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        raise InputError("--config needs Python 3.11 or newer (tomllib); run each entry as its own "
                         "`sync CHANNEL... --sheet S` instead.") from None
    p = user_path(path)  # ~ expanded; ~nosuchuser and a name that is not UTF-8 text are clear InputErrors
    where = shown(p)
    try:
        with open(p, "rb") as f:  # a FIFO blocks here until it has a writer, as `cat` would
            raw = f.read(MAX_CONFIG_BYTES + 1)  # /dev/zero or a huge file: never more than this
    except IsADirectoryError:
        raise InputError(f"The config {where} is a folder; give the channels.toml file.") from None
    except OSError as e:
        raise InputError(f"Cannot read the config {where}: {e.strerror or type(e).__name__}.") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise InputError(f"The config {where} is larger than {MAX_CONFIG_BYTES / 2**20:g} MiB; a channels.toml is "
                         "a few KB: check the file name.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"The config {where} is not UTF-8 text (byte {e.start:,}); save it as UTF-8.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"The config {where} is not valid TOML: {str(e)[:120]}.") from None
    except RecursionError:
        raise InputError(f"The config {where} nests tables or arrays too deeply to be a channels.toml.") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise InputError(f"The config {where} is not valid TOML: a number too long to read.") from None
    return entries(data, where, settings)


def entries(data: Mapping[str, Any], where: str = "the config", settings: Settings | None = None) -> list[Entry]:
    """Check a parsed config: top-level keys are defaults, each ``[[sync]]`` table one entry. Every value of
    the wrong type is an ``InputError`` naming the key; a user's text is quoted shortened, never in full."""
    from .store import parse_columns
    from .sync import STATS_MODES

    unknown = set(data) - set(KEYS) - {"sync"}
    if unknown:
        raise InputError(f"{where}: unknown key(s) {_keys(unknown)}; use {', '.join(KEYS)} and [[sync]] tables.")
    raw = data.get("sync")
    if not isinstance(raw, list) or not raw or not all(isinstance(e, Mapping) for e in raw):
        raise InputError(f"{where}: no entries: add [[sync]] tables, each with channels = [...] and a sheet.")
    defaults = {k: v for k, v in data.items() if k != "sync"}
    out: list[Entry] = []
    names: set[str] = set()
    for i, table in enumerate(raw, 1):
        e = {**defaults, **table}
        label = f"{where}, entry {i}" + (f" ({_said(e['name'])})" if isinstance(e.get("name"), str) else "")
        bad = set(table) - set(KEYS)
        if bad:
            raise InputError(f"{label}: unknown key(s) {_keys(bad)}; use {', '.join(KEYS)}.")
        if not isinstance(e.get("name", ""), str):
            raise InputError(f"{label}: name must be text, not {_said(e['name'])}.")
        channels = e.get("channels")
        if isinstance(channels, str):
            channels = [c for c in (x.strip() for x in channels.replace("\n", ",").split(",")) if c]
        if not isinstance(channels, list) or not channels or not all(isinstance(c, str) and c.strip() for c in channels):
            raise InputError(f"{label}: channels must be a non-empty list of @handles, UC… ids or URLs.")
        sheet = e.get("sheet")
        if sheet is not None and not isinstance(sheet, str):
            raise InputError(f"{label}: sheet must be text (a Google Sheet URL or key, or a .xlsx/.csv path), not "
                             f"{_said(sheet)}.")
        if not isinstance(sheet, str) or not sheet.strip():
            raise InputError(f"{label}: sheet is missing (a Google Sheet URL or key, or a .xlsx/.csv path).")
        tab = e.get("tab", "Videos")
        stats = e.get("stats", "recent")
        full = e.get("full", False)
        if not isinstance(tab, str) or not tab.strip():
            raise InputError(f"{label}: tab must be a worksheet name.")
        if not isinstance(stats, str) or stats not in STATS_MODES:
            raise InputError(f"{label}: stats must be one of {', '.join(STATS_MODES)}, not {_said(stats)}.")
        if not isinstance(full, bool):
            raise InputError(f"{label}: full must be true or false.")
        filters = e.get("filters", {})
        if not isinstance(filters, Mapping):
            raise InputError(f"{label}: filters must be a table, e.g. filters = {{ types = \"short\" }}.")
        unknown_f = set(filters) - set(FilterSpec.names())
        if unknown_f:
            raise InputError(f"{label}: unknown filter(s) {_keys(unknown_f)}; use {', '.join(FilterSpec.names())}.")
        for k, v in filters.items():
            if not _plain(v) and not (isinstance(v, list) and all(_plain(x) for x in v)):
                raise InputError(f"{label}: filters.{k} must be text, a number, a date or a list of them, not "
                                 f"{_said(v)}.")
        columns = e.get("columns")
        if columns is not None and not isinstance(columns, str) and not (
                isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
            raise InputError(f"{label}: columns must be a list of column names (or one comma-separated text), "
                             f"not {_said(columns)}.")
        try:
            values = {k: tuple(v) if isinstance(v, list) else v for k, v in filters.items()}
            spec = FilterSpec.from_strings(**(settings.filter_defaults(values) if settings is not None else values))
            columns = parse_columns(columns)
        except InputError as err:
            raise InputError(f"{label}: {err}") from None
        name = e["name"] if e.get("name", "").strip() else f"entry {i}"
        if name in names:
            raise InputError(f"{label}: two entries are named {_said(name)}; give each its own name.")
        names.add(name)
        out.append(Entry(name, tuple(c.strip() for c in channels), sheet.strip(), tab.strip(), spec, columns, stats,
                         full))
    return out


def _plain(value: Any) -> bool:
    """A TOML scalar: text, a number, a boolean, a date or a time (not an array or a table)."""
    return isinstance(value, (str, int, float, date, time))  # bool is an int; datetime a date


def _said(value: Any, limit: int = 30) -> str:
    """A config value fit for a one-line message: text quoted (escaped, at most ``limit`` characters), any
    other value by its TOML type (an array or table may be nested thousands deep: never repr'd)."""
    if isinstance(value, str):
        return quote_text(value, limit)
    if isinstance(value, bool):
        return "true" if value else "false"
    for kind, name in ((int, "a number"), (float, "a number"), (date, "a date"), (time, "a time"),
                       (list, "an array"), (Mapping, "a table")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _keys(keys: set[str], most: int = 2) -> str:
    """Unknown keys for a message: a plain short key as is, another one quoted shortened; at most ``most``."""
    shown_ = [k if _PLAIN_KEY.fullmatch(k) else _said(k) for k in sorted(keys)[:most]]
    more = len(keys) - most
    return ", ".join(shown_) + (f" and {more:,} more" if more > 0 else "")


__all__ = ["KEYS", "MAX_CONFIG_BYTES", "Entry", "entries", "load"]
