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
mistake is one ``InputError`` naming the file, the entry and the key, before any YouTube call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .filters import FilterSpec
from .sheets.fileio import user_path

KEYS = ("name", "channels", "sheet", "tab", "filters", "columns", "stats", "full")


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


def load(path: str | Path) -> list[Entry]:
    """The entries of a channels.toml (tomllib: Python 3.11+)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        raise InputError("--config needs Python 3.11 or newer (tomllib); run each entry as its own "
                         "`sync CHANNEL... --sheet S` instead.") from None
    p = user_path(path)  # ~ expanded; ~nosuchuser is a clear InputError
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"Cannot read the config {p}: {e.strerror or e}.") from None
    except UnicodeDecodeError:
        raise InputError(f"The config {p} is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"The config {p} is not valid TOML: {e}.") from None
    return entries(data, str(p))


def entries(data: Mapping[str, Any], where: str = "the config") -> list[Entry]:
    """Check a parsed config: top-level keys are defaults, each ``[[sync]]`` table one entry."""
    from .store import parse_columns
    from .sync import STATS_MODES

    unknown = set(data) - set(KEYS) - {"sync"}
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; use {', '.join(KEYS)} and [[sync]] "
                         "tables.")
    raw = data.get("sync")
    if not isinstance(raw, list) or not raw or not all(isinstance(e, Mapping) for e in raw):
        raise InputError(f"{where}: no entries: add [[sync]] tables, each with channels = [...] and a sheet.")
    defaults = {k: v for k, v in data.items() if k != "sync"}
    out: list[Entry] = []
    names: set[str] = set()
    for i, table in enumerate(raw, 1):
        e = {**defaults, **table}
        label = f"{where}, entry {i}" + (f" ({e['name']!r})" if isinstance(e.get("name"), str) else "")
        bad = set(table) - set(KEYS)
        if bad:
            raise InputError(f"{label}: unknown key(s) {', '.join(sorted(bad))}; use {', '.join(KEYS)}.")
        channels = e.get("channels")
        if isinstance(channels, str):
            channels = [c for c in (x.strip() for x in channels.replace("\n", ",").split(",")) if c]
        if not isinstance(channels, list) or not channels or not all(isinstance(c, str) and c.strip() for c in channels):
            raise InputError(f"{label}: channels must be a non-empty list of @handles, UC… ids or URLs.")
        sheet = e.get("sheet")
        if not isinstance(sheet, str) or not sheet.strip():
            raise InputError(f"{label}: sheet is missing (a Google Sheet URL or key, or a .xlsx/.csv path).")
        tab = e.get("tab", "Videos")
        stats = e.get("stats", "recent")
        full = e.get("full", False)
        if not isinstance(tab, str) or not tab.strip():
            raise InputError(f"{label}: tab must be a worksheet name.")
        if stats not in STATS_MODES:
            raise InputError(f"{label}: stats must be one of {', '.join(STATS_MODES)}, not {stats!r}.")
        if not isinstance(full, bool):
            raise InputError(f"{label}: full must be true or false.")
        filters = e.get("filters") or {}
        if not isinstance(filters, Mapping):
            raise InputError(f"{label}: filters must be a table, e.g. filters = {{ types = \"short\" }}.")
        unknown_f = set(filters) - set(FilterSpec.names())
        if unknown_f:
            raise InputError(f"{label}: unknown filter(s) {', '.join(sorted(unknown_f))}; use "
                             f"{', '.join(FilterSpec.names())}.")
        try:
            spec = FilterSpec.from_strings(**{k: tuple(v) if isinstance(v, list) else v for k, v in filters.items()})
            columns = parse_columns(e.get("columns") if isinstance(e.get("columns"), (str, list)) else None)
        except InputError as err:
            raise InputError(f"{label}: {err}") from None
        name = e.get("name") if isinstance(e.get("name"), str) and e["name"].strip() else f"entry {i}"
        if name in names:
            raise InputError(f"{label}: two entries are named {name!r}; give each its own name.")
        names.add(name)
        out.append(Entry(name, tuple(c.strip() for c in channels), sheet.strip(), tab.strip(), spec, columns, stats,
                         full))
    return out


__all__ = ["KEYS", "Entry", "entries", "load"]
