"""Pure-Python helpers behind the dashboard pages (no streamlit, and no Google calls of their own).

The pages read widgets and render; whatever needs pandas or a rule lives here so it can be tested
without a browser: the filter form -> ``FilterSpec``, the page-local view filters, the approval
table and how its edits map back to video ids, the resolver summary, progress lines, NotebookLM
batches, the push target rules (a Google key, or a file inside the data folder, and a tab name the
target accepts) with the kept dry-run plan, and the sampling of big scatter charts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from . import metrics
from .errors import InputError
from .filters import FilterSpec
from .models import FetchResult, Resolution, Video, VideoType, format_duration
from .settings import Settings
from .sheets import GoogleSheetTarget, LocalWorkbookTarget, SheetTarget, check_tab, parse_spreadsheet_key

TYPE_CHOICES: tuple[str, ...] = tuple(t.value for t in VideoType)  # Short, Long, Live, Upcoming
DEFAULT_TYPES: tuple[str, ...] = ("Short", "Long")
NOTEBOOKLM_BATCH = 50  # NotebookLM takes up to 50 sources per notebook
EARLIEST_DATE = date(2005, 4, 23)  # the first YouTube upload: the date pickers' lower bound

REVIEW_COLUMNS: tuple[str, ...] = (
    "Approve", "Thumbnail", "Channel", "Published", "Type", "Duration", "Title", "Views", "Likes",
    "Comments", "URL",
)  # fmt: skip


# ------------------------------------------------------------------------------------- filter form


@dataclass(frozen=True)
class FilterForm:
    """The Fetch page's filter widgets, as plain values (what session_state keeps between pages)."""

    max_videos: int = 0  # 0 = no limit
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
        return FilterSpec.from_strings(
            max_videos=int(self.max_videos) if self.max_videos else None,
            min_duration=self.min_duration or None,
            max_duration=self.max_duration or None,
            include=self.include or None,
            exclude=self.exclude or None,
            since=self.since,
            until=self.until,
            types=None if set(self.types) == set(TYPE_CHOICES) else list(self.types),
            match_tags=bool(self.match_tags),
        )

    def as_widget_values(self, prefix: str) -> dict[str, Any]:
        """``{prefix + field: value}`` for seeding the form's widgets (types as a list)."""
        return {prefix + k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self).items()}

    @classmethod
    def from_widget_values(cls, values: Mapping[str, Any], prefix: str) -> FilterForm:
        """Read the form back from ``{prefix + field: value}`` (missing fields keep their defaults)."""
        base = cls()
        kw: dict[str, Any] = {}
        for name in vars(base):
            if prefix + name in values:
                v = values[prefix + name]
                kw[name] = tuple(v) if name == "types" else v
        return cls(**{**vars(base), **kw})


# ------------------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class View:
    """Page-local narrowing on top of the fetch filters: channel titles, types, a title search."""

    channels: tuple[str, ...] = ()  # channel ids; empty = all
    types: tuple[str, ...] = ()  # empty = all
    search: str = ""
    approved_only: bool = False


def visible_videos(
    result: FetchResult | None,
    spec: FilterSpec | None,
    view: View | None = None,
    approved: Iterable[str] = (),
) -> list[Video]:
    """The fetched videos the current filters keep: ``spec`` (the Fetch page's) then ``view``."""
    if result is None:
        return []
    videos = list(result.videos)
    if spec is not None:
        videos = spec.apply(videos)
    view = view or View()
    approved_set = set(approved)
    needle = view.search.strip().casefold()
    out = []
    for v in videos:
        if view.channels and v.channel_id not in view.channels:
            continue
        if view.types and v.type.value not in view.types:
            continue
        if needle and needle not in v.title.casefold():
            continue
        if view.approved_only and v.id not in approved_set:
            continue
        out.append(v)
    return out


def widened_filters(fetched: FilterSpec | None, new: FilterSpec) -> list[str]:
    """What ``new`` would let through that the fetch (made with ``fetched``) left out, in plain words.

    The loaded videos already passed ``fetched``: applying a wider ``new`` to them cannot bring back
    what was never fetched, so the Fetch page says so (empty list: ``new`` only narrows).
    """
    if fetched is None:
        return []
    out: list[str] = []
    if fetched.types is not None and (new.types is None or new.types - fetched.types):
        out.append("more video types")
    if fetched.max_videos is not None:
        if new.max_videos is None or new.max_videos > fetched.max_videos:
            out.append("more videos per channel")
        elif any(getattr(new, f) != getattr(fetched, f) for f in (
                "min_duration", "max_duration", "include", "exclude", "since", "until", "types", "match_tags")):
            out.append(f"other videos among each channel's newest {fetched.max_videos}")
    if fetched.min_duration is not None and (new.min_duration is None or new.min_duration < fetched.min_duration):
        out.append("shorter videos")
    if fetched.max_duration is not None and (new.max_duration is None or new.max_duration > fetched.max_duration):
        out.append("longer videos")
    if fetched.since is not None and (new.since is None or new.since < fetched.since):
        out.append("earlier uploads")
    if fetched.until is not None and (new.until is None or new.until > fetched.until):
        out.append("later uploads")
    if fetched.include and (not new.include or set(new.include) - set(fetched.include)
                            or (new.match_tags and not fetched.match_tags)):
        out.append("other keywords")
    if set(fetched.exclude) - set(new.exclude) or (fetched.exclude and fetched.match_tags and not new.match_tags):
        out.append("videos with keywords the fetch excluded")
    return list(dict.fromkeys(out))


def no_data_message(result: FetchResult | None) -> str | None:
    """What Review/Metrics/Push say instead of a table when there is nothing to show (None: there is)."""
    if result is None:
        return "No videos yet: fetch a channel on the **Fetch** page first."
    if not result.videos:
        return "The last fetch returned no videos: fetch other channels on the **Fetch** page or widen its filters."
    return None


def channel_options(result: FetchResult | None) -> dict[str, str]:
    """Channel id -> title for the channels that have videos in ``result``, first-seen order."""
    if result is None:
        return {}
    out: dict[str, str] = {c.id: c.title for c in result.channels}
    for v in result.videos:
        out.setdefault(v.channel_id, v.channel_title)
    return out


# ---------------------------------------------------------------------------------------- review


def review_frame(videos: Sequence[Video], approved: Iterable[str]) -> pd.DataFrame:
    """The approval table: one row per video, indexed by video id, ``REVIEW_COLUMNS`` in order."""
    approved_set = set(approved)
    df = metrics.frame(videos)
    out = pd.DataFrame(
        {
            "Approve": df["video_id"].isin(approved_set).astype(bool),
            "Thumbnail": df["thumbnail"],
            "Channel": df["channel"],
            "Published": df["published_at"].dt.tz_convert(None),
            "Type": df["type"],
            "Duration": [format_duration(None if pd.isna(s) else int(s)) for s in df["duration_seconds"]],
            "Title": df["title"],
            "Views": df["views"],
            "Likes": df["likes"],
            "Comments": df["comments"],
            "URL": df["url"],
        }
    )
    out.index = pd.Index(df["video_id"], name="video_id")
    return out[list(REVIEW_COLUMNS)]


def apply_edits(ids: Sequence[str], edited_rows: Mapping[Any, Mapping[str, Any]], approved: Iterable[str]) -> set[str]:
    """Approvals after a data_editor edit: ``edited_rows`` maps a row position (int or str) to changed cells."""
    out = set(approved)
    for pos, changes in edited_rows.items():
        try:
            vid = ids[int(pos)]
        except (ValueError, IndexError):
            continue
        if "Approve" in changes:
            if changes["Approve"]:
                out.add(vid)
            else:
                out.discard(vid)
    return out


def approvals_from_table(ids: Sequence[str], table: pd.DataFrame, approved: Iterable[str]) -> set[str]:
    """Approvals after reading back an approval table of ``ids`` (row order): its Approve column wins for them."""
    out = set(approved) - set(ids)
    return out | {i for i, on in zip(ids, table["Approve"], strict=True) if on}


def ids_digest(ids: Iterable[str]) -> str:
    """A short stable digest of an id sequence (order matters): names an editor for one set of rows."""
    h = hashlib.sha256()
    for i in ids:
        h.update(i.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:10]


def approval_summary(videos: Sequence[Video], approved: Iterable[str]) -> pd.DataFrame:
    """Per channel: videos shown and approved (Channel, Shown, Approved), in first-seen order."""
    approved_set = set(approved)
    counts: dict[str, list[Any]] = {}
    for v in videos:
        c = counts.setdefault(v.channel_id, [v.channel_title, 0, 0])
        c[1] += 1
        c[2] += v.id in approved_set
    return pd.DataFrame(
        [{"Channel": t, "Shown": n, "Approved": a} for t, n, a in counts.values()],
        columns=["Channel", "Shown", "Approved"],
    )


def group_by_channel(videos: Sequence[Video]) -> list[tuple[str, str, list[Video]]]:
    """``[(channel_id, title, videos)]`` in first-seen order."""
    groups: dict[str, tuple[str, list[Video]]] = {}
    for v in videos:
        groups.setdefault(v.channel_id, (v.channel_title, []))[1].append(v)
    return [(cid, title, vs) for cid, (title, vs) in groups.items()]


def approved_outside(result: FetchResult | None, spec: FilterSpec | None, approved: Iterable[str]) -> set[str]:
    """Approved ids of loaded videos that the current fetch filters hide (still pushed: approval is by id)."""
    if result is None:
        return set()
    shown = {v.id for v in visible_videos(result, spec)}
    return {i for i in approved if i not in shown}


def approved_rows(result: FetchResult | None, approved: Iterable[str]) -> list[dict[str, Any]]:
    """``Video.to_row()`` of every approved video, in fetch order (approval is kept by video id)."""
    if result is None:
        return []
    approved_set = set(approved)
    return [v.to_row() for v in result.videos if v.id in approved_set]


def notebooklm_batches(urls: Iterable[str], size: int = NOTEBOOKLM_BATCH) -> list[list[str]]:
    """URLs (deduplicated, order kept) in batches of ``size``, ready to paste into NotebookLM."""
    if size < 1:
        raise InputError(f"batch size must be at least 1 (got {size})")
    unique = list(dict.fromkeys(u for u in urls if u))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


# -------------------------------------------------------------------------------------- fetching


def resolution_frame(resolutions: Sequence[Resolution]) -> pd.DataFrame:
    """The resolver summary: what each input resolved to (title, id, handle, subscribers) or why not."""
    rows = []
    for r in resolutions:
        ch = r.channel
        rows.append(
            {
                "Input": str(r.ref),
                "Resolved": ch is not None,
                "Channel": ch.title if ch else None,
                "Channel ID": ch.id if ch else None,
                "Handle": ch.handle if ch else None,
                "Subscribers": ch.subscribers if ch else None,
                "Uploads": ch.video_count if ch else None,
                "Note": r.error or r.warning or "",
            }
        )
    cols = ["Input", "Resolved", "Channel", "Channel ID", "Handle", "Subscribers", "Uploads", "Note"]
    df = pd.DataFrame(rows, columns=cols)
    return df.astype({"Subscribers": "Int64", "Uploads": "Int64"})


STAGE_ICONS = {
    "resolving": ":material/search:",
    "listing": ":material/list:",
    "details": ":material/movie:",
    "done": ":material/check_circle:",
    "error": ":material/warning:",
}


def progress_line(channel: str, stage: str, pages: int, listed: int, detailed: int, message: str = "") -> str:
    """One markdown line for a channel's progress."""
    icon = STAGE_ICONS.get(stage, ":material/pending:")
    if stage == "error":
        return f"{icon} {message or channel}"
    if stage == "resolving":
        return f"{icon} **{channel}**: resolving…"
    verb = {"listing": "listing uploads", "details": "fetching details", "done": "done"}.get(stage, stage)
    return (f"{icon} **{channel}**: {verb} · {plural(pages, 'page')} listed · {plural(listed, 'video')} listed"
            f" · {detailed:,} detailed")


def plural(n: int, noun: str) -> str:
    """'1 page', '2 pages', '1,000 videos', '3 batches'."""
    if n == 1:
        return f"{n:,} {noun}"
    return f"{n:,} {noun}" + ("es" if noun.endswith(("s", "sh", "ch", "x")) else "s")


def quota_line(units: int, by_method: Mapping[str, int] | None = None) -> str:
    """'12 quota units (channels.list 1, playlistItems.list 6, videos.list 5)'."""
    per = ", ".join(f"{m} {u}" for m, u in sorted((by_method or {}).items()) if u)
    return f"{units:,} quota units" + (f" ({per})" if per else "")


def quota_delta(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """Units per method spent between two meter snapshots (methods with 0 left out)."""
    out = {m: int(after.get(m, 0)) - int(before.get(m, 0)) for m in after}
    return {m: u for m, u in out.items() if u > 0}


def add_quota(total: Mapping[str, int], more: Mapping[str, int]) -> dict[str, int]:
    out = dict(total)
    for m, u in more.items():
        out[m] = out.get(m, 0) + int(u)
    return out


def safe_url(url: str | None) -> str:
    """An endpoint URL fit to show: no user:password@ part, no query or fragment (they may carry keys)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an endpoint URL that does not parse)"
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


def format_when(moment: datetime | None) -> str:
    """'2026-11-02 08:00 UTC' (or 'midnight Pacific time' when unknown)."""
    if moment is None:
        return "midnight Pacific time"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# ------------------------------------------------------------------------------------------ push

GOOGLE, LOCAL = "Google Sheet", "Local workbook"  # the Push page's target kinds (radio labels)
MAX_FILE_NAME = 120
_FILE_SUFFIXES = (".xlsx", ".csv", ".xls", ".xlsm", ".ods", ".tsv", ".json", ".txt")


def _control_chars(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


def local_target_path(data_dir: Path, name: str) -> Path:
    """A workbook file name (``youtube2sheets.xlsx``, ``export.csv``) -> a path inside ``data_dir``.

    The app only writes inside its data folder: a name with a folder in it is refused.
    """
    n = (name or "").strip()
    if not n:
        raise InputError("Give the local workbook a file name ending in .xlsx or .csv, e.g. youtube2sheets.xlsx.")
    if _control_chars(n):
        raise InputError("The workbook file name contains a control character; type a plain name such as "
                         "youtube2sheets.xlsx.")
    if "/" in n or "\\" in n or n in (".", "..") or n.startswith("."):
        raise InputError(f"{n!r}: give a plain file name (e.g. youtube2sheets.xlsx); the app writes only inside "
                         "its data folder.")
    if len(n) > MAX_FILE_NAME:
        raise InputError(f"The workbook file name is {len(n)} characters long; keep it under {MAX_FILE_NAME}.")
    if Path(n).suffix.lower() not in (".xlsx", ".csv"):
        raise InputError(f"{n!r}: a local workbook must end in .xlsx or .csv.")
    return Path(data_dir) / n


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
        if self.local:
            return LocalWorkbookTarget(self.spec, self.tab)
        return GoogleSheetTarget(self.spec, self.tab, settings)


def push_target(kind: str, sheet: str, file_name: str, tab: str, data_dir: Path) -> PushTarget:
    """Check the Push page's target fields; InputError says what to fix.

    A Google target only takes a Sheets URL or key (never a file path: files go through the local
    workbook field, which stays inside ``data_dir``).
    """
    if kind == LOCAL:
        path = local_target_path(data_dir, file_name)
        return PushTarget(LOCAL, str(path), check_tab(tab, xlsx=path.suffix.lower() == ".xlsx"))
    s = (sheet or "").strip()
    if "://" not in s and s.lower().endswith(_FILE_SUFFIXES):
        raise InputError(f"{s[:80]!r} looks like a file: choose *{LOCAL}* to write a file, or paste a Google "
                         "Sheets URL (https://docs.google.com/spreadsheets/d/<key>/edit) here.")
    try:
        key = parse_spreadsheet_key(s)
    except InputError as e:
        if "file path" not in str(e):
            raise
        # the core's message offers a .xlsx/.csv path too, which this field refuses
        raise InputError(f"{s[:80]!r} is not a Google Sheets URL or key: paste the address of the sheet "
                         "(https://docs.google.com/spreadsheets/d/<key>/edit) or its key, or choose "
                         f"*{LOCAL}* to write a file.") from e
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
            return f"nothing to write; all {self.unchanged:,} rows are already there and up to date."
        return f"{self.new:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged."


def rows_digest(rows: Sequence[Mapping[str, Any]]) -> str:
    return ids_digest(sorted(str(r.get("video_id") or r.get("url") or "") for r in rows))


def check_api_key(key: str) -> str:
    """A pasted API key, stripped; InputError when it cannot be one (spaces, control or non-ASCII characters)."""
    k = (key or "").strip()
    if not k:
        raise InputError("Paste an API key first (Google Cloud Console > APIs & Services > Credentials).")
    if len(k) > 200 or any(ch.isspace() for ch in k) or _control_chars(k) or not k.isascii():
        raise InputError("That does not look like an API key (a key is one word of letters, digits, - and _, "
                         "like AIza…): copy it again from Google Cloud Console > APIs & Services > Credentials.")
    return k


# ---------------------------------------------------------------------------------------- charts

MAX_CHART_POINTS = 5000  # per scatter chart: beyond this the browser slows down and points overlap anyway


def chart_points(points: pd.DataFrame, limit: int | None = None, by: str = "views") -> tuple[pd.DataFrame, int]:
    """At most ``limit`` rows of a scatter frame, and how many there were.

    Keeps the top fifth of ``limit`` by ``by`` (so the hits and outliers are always drawn) plus an even,
    seeded random sample of the rest; the original row order is kept.
    """
    limit = MAX_CHART_POINTS if limit is None else limit
    total = len(points)
    if total <= limit:
        return points, total
    top = points[by].nlargest(max(limit // 5, 1)).index if by in points else points.index[:0]
    rest = points.drop(index=top)
    sample = rest.sample(n=limit - len(top), random_state=0).index
    return points.loc[points.index.isin(top.union(sample))], total


def unique_labels(labels: Iterable[Any]) -> list[str]:
    """Labels made distinct for a categorical axis: a repeated 'Live stream' becomes 'Live stream (2)'."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        text = str(label)
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


__all__ = [
    "TYPE_CHOICES",
    "DEFAULT_TYPES",
    "NOTEBOOKLM_BATCH",
    "EARLIEST_DATE",
    "REVIEW_COLUMNS",
    "FilterForm",
    "View",
    "visible_videos",
    "widened_filters",
    "no_data_message",
    "channel_options",
    "review_frame",
    "apply_edits",
    "approvals_from_table",
    "ids_digest",
    "approval_summary",
    "group_by_channel",
    "approved_outside",
    "approved_rows",
    "notebooklm_batches",
    "resolution_frame",
    "progress_line",
    "quota_line",
    "quota_delta",
    "add_quota",
    "safe_url",
    "format_when",
    "plural",
    "GOOGLE",
    "LOCAL",
    "local_target_path",
    "check_tab",
    "PushTarget",
    "push_target",
    "file_stamp",
    "PushPreview",
    "rows_digest",
    "check_api_key",
    "MAX_CHART_POINTS",
    "chart_points",
    "unique_labels",
]
