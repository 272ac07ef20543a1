"""The dashboard's forms as plain values: the filter form, the push target form, the API key field.

Pure (no streamlit calls): the pages draw the widgets; these turn widget values into core objects and
say, with an ``InputError``, what to fix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..filters import FilterSpec
from ..models import VideoType
from ..settings import Settings
from ..sheets import SheetTarget, check_tab, local_workbook, open_target, parse_spreadsheet_key

TYPE_CHOICES: tuple[str, ...] = tuple(t.value for t in VideoType)  # Short, Long, Live, Upcoming
# every type, as the CLI and the REST API (no --types: all): the sheet is the channel's full record, and a
# default that drops Live and Upcoming left them out without a word; the fetch summary says what a narrower
# choice hides ("6 Live/Upcoming hidden by the type filter")
DEFAULT_TYPES: tuple[str, ...] = TYPE_CHOICES
EARLIEST_DATE = date(2005, 4, 23)  # the first YouTube upload: the date pickers' lower bound


# ------------------------------------------------------------------------------------- filter form


@dataclass(frozen=True)
class FilterForm:
    """The Fetch page's filter widgets, as plain values (what session_state keeps between pages).

    One field per ``FilterSpec`` field, same names (a test keeps them equal), holding what the widget
    holds: text for durations and keywords, 0 for "no limit", the ticked type labels.
    """

    max_videos: int = 0  # 0 = no limit (a session starts at MAX_VIDEOS when set: state.load_settings)
    min_duration: str = ""
    max_duration: str = ""
    include: str = ""
    exclude: str = ""
    since: date | None = None
    until: date | None = None
    types: tuple[str, ...] = DEFAULT_TYPES
    match_tags: bool = False

    def to_spec(self) -> FilterSpec:
        """The ``FilterSpec`` these values describe; ``InputError`` names every bad field."""
        values: dict[str, Any] = {}
        for name in FilterSpec.names():
            v = getattr(self, name)
            if name == "types":
                v = None if set(v) == set(TYPE_CHOICES) else list(v)
            elif name == "max_videos":
                v = int(v) if v else None
            elif v == "":
                v = None
            values[name] = v
        return FilterSpec.from_strings(**values)

    def as_widget_values(self, prefix: str) -> dict[str, Any]:
        """``{prefix + field: value}`` for seeding the form's widgets (types as a list)."""
        return {prefix + f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
                for f in fields(self)}

    @classmethod
    def from_widget_values(cls, values: Mapping[str, Any], prefix: str) -> FilterForm:
        """Read the form back from ``{prefix + field: value}`` (missing fields keep their defaults)."""
        kw = {f.name: values[prefix + f.name] for f in fields(cls) if prefix + f.name in values}
        if "types" in kw:
            kw["types"] = tuple(kw["types"])
        return cls(**kw)


# -------------------------------------------------------------------------------------- API key


def _control_chars(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


def check_api_key(key: str) -> str:
    """A pasted API key, stripped; InputError when it cannot be one (spaces, control or non-ASCII characters)."""
    k = (key or "").strip()
    if not k:
        raise InputError("Paste an API key first (Google Cloud Console > APIs & Services > Credentials).")
    if len(k) > 200 or any(ch.isspace() for ch in k) or _control_chars(k) or not k.isascii():
        raise InputError("That does not look like an API key (a key is one word of letters, digits, - and _, "
                         "like AIza…): copy it again from Google Cloud Console > APIs & Services > Credentials.")
    return k


# ----------------------------------------------------------------------------------- push target

GOOGLE, LOCAL = "google", "local"  # the Push page's target kinds
TARGET_LABELS = {GOOGLE: "Google Sheet", LOCAL: "Local workbook"}
_FILE_SUFFIXES = (".xlsx", ".csv", ".xls", ".xlsm", ".ods", ".tsv", ".json", ".txt")


@dataclass(frozen=True)
class PushTarget:
    """A checked push target: a Google spreadsheet key or a local file inside the data folder, and a tab."""

    kind: str  # GOOGLE or LOCAL
    spec: str  # the spreadsheet key, or the local file's path
    tab: str

    @property
    def key(self) -> str:
        """Identifies the target (matches a kept dry-run plan with the current form)."""
        return f"{self.kind}|{self.spec}|{self.tab}"

    @property
    def local(self) -> bool:
        return self.kind == LOCAL

    @property
    def path(self) -> Path | None:
        return Path(self.spec) if self.local else None

    def open(self, settings: Settings) -> SheetTarget:
        """The core's target object (a Google target needs Sheets credentials or an endpoint)."""
        return open_target(self.spec, self.tab, settings)


def push_target(kind: str, sheet: str, file_name: str, tab: str, settings: Settings) -> PushTarget:
    """Check the Push page's target fields; InputError says what to fix.

    A local workbook is a plain file name inside ``sheets.workbooks_dir(settings)`` (the core's rule,
    shared with the REST API: ``sheets.local_workbook``). A Google target only takes a Sheets URL or key
    (never a file path: files go through the local workbook field).
    """
    if kind == LOCAL:
        path = local_workbook(settings, file_name)
        return PushTarget(LOCAL, str(path), check_tab(tab, xlsx=path.suffix.lower() == ".xlsx"))
    s = (sheet or "").strip()
    local = TARGET_LABELS[LOCAL]
    if "://" not in s and s.lower().endswith(_FILE_SUFFIXES):
        raise InputError(f"{s[:80]!r} looks like a file: choose \"{local}\" to write a file, or paste a Google "
                         "Sheets URL (https://docs.google.com/spreadsheets/d/<key>/edit) here.")
    try:
        key = parse_spreadsheet_key(s)
    except InputError as e:
        if "file path" not in str(e):
            raise
        # the core's message offers a .xlsx/.csv path too, which this field refuses
        raise InputError(f"{s[:80]!r} is not a Google Sheets URL or key: paste the address of the sheet "
                         "(https://docs.google.com/spreadsheets/d/<key>/edit) or its key, or choose "
                         f'"{local}" to write a file.') from e
    return PushTarget(GOOGLE, key, check_tab(tab, xlsx=False))


def file_stamp(path: Path | None) -> str:
    """Changes whenever the file does (size and modification time); 'missing' when there is none."""
    try:
        st = Path(path).stat() if path is not None else None
    except OSError:
        st = None
    return "missing" if st is None else f"{st.st_size}:{st.st_mtime_ns}"


@dataclass
class PushPreview:
    """A dry-run plan kept in session_state for the target, rows (and, for a file, file state) it was made for."""

    target: str
    rows_digest: str
    new: int
    updated: int
    unchanged: int
    warnings: list[str] = field(default_factory=list)
    description: str = ""
    stamp: str = ""  # the local file's file_stamp when planned ('' for Google)
    at: datetime | None = None  # when the sheet was read

    def matches(self, target: str, rows_digest: str, stamp: str = "") -> bool:
        return (self.target, self.rows_digest, self.stamp) == (target, rows_digest, stamp)

    @property
    def writes(self) -> int:
        return self.new + self.updated

    def summary(self) -> str:
        if not self.writes:
            if self.unchanged == 1:
                return "nothing to write; the 1 row is already there and up to date."
            return f"nothing to write; all {self.unchanged:,} rows are already there and up to date."
        return f"{self.new:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged."


def ids_digest(ids: Iterable[str]) -> str:
    """A short stable digest of an id sequence (order matters): names an editor or a set of rows."""
    h = hashlib.sha256()
    for i in ids:
        h.update(i.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:10]


def rows_digest(rows: Sequence[Mapping[str, Any]]) -> str:
    return ids_digest(sorted(str(r.get("video_id") or r.get("url") or "") for r in rows))
