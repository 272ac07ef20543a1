"""The tables the pages show, as DataFrames and plain values: the review/approval table, the resolver
summary, what the current filters show, approvals and NotebookLM batches. Pure (no streamlit calls)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import metrics
from ..errors import InputError
from ..filters import FilterSpec
from ..models import FIELD_BY_KEY, FetchResult, Resolution, Video, format_duration

NOTEBOOKLM_BATCH = 50  # NotebookLM takes up to 50 sources per notebook

# the review table: an Approve checkbox, then these row fields under their schema labels
REVIEW_FIELDS: tuple[str, ...] = (
    "thumbnail", "channel", "date", "type", "duration", "title", "views", "likes", "comments", "url",
)  # fmt: skip
NEW = "New"  # the "new since last sync" badge (store.Store.new_since_last_sync)
REVIEW_COLUMNS: tuple[str, ...] = ("Approve", NEW, *(FIELD_BY_KEY[k].label for k in REVIEW_FIELDS))


# ------------------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class View:
    """Page-local narrowing on top of the fetch filters: channel ids, types, a title search."""

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


def channel_options(result: FetchResult | None) -> dict[str, str]:
    """Channel id -> title for the channels that have videos in ``result``, first-seen order."""
    if result is None:
        return {}
    out: dict[str, str] = {c.id: c.title for c in result.channels}
    for v in result.videos:
        out.setdefault(v.channel_id, v.channel_title)
    return out


# ---------------------------------------------------------------------------------------- review

ROW_PX = 35  # a data grid row (Streamlit's default row height)
HEADER_PX = 38  # the header row and the grid's borders
MAX_TABLE_PX = 900  # about 24 rows: fills a typical window without hiding the page below it


def table_height(rows: int, cap: int = MAX_TABLE_PX) -> int:
    """Pixels for a data grid of ``rows`` rows: every row while they fit under ``cap``, then ``cap`` (it scrolls)."""
    return min(HEADER_PX + ROW_PX * max(rows, 1), cap)



def review_frame(videos: Sequence[Video], approved: Iterable[str], new: Iterable[str] = ()) -> pd.DataFrame:
    """The approval table: one row per video, indexed by video id, ``REVIEW_COLUMNS`` in order.

    ``new``: ids first seen in the latest fetch of their channel; their New cell reads "new" (else empty)."""
    df = metrics.frame(videos)
    columns: dict[str, Any] = {"Approve": df["video_id"].isin(set(approved)).astype(bool),
                               NEW: df["video_id"].isin(set(new)).map({True: "new", False: ""})}
    for key in REVIEW_FIELDS:
        if key == "date":
            column = df["published_at"].dt.tz_convert(None)
        elif key == "duration":
            column = [format_duration(None if pd.isna(s) else int(s)) for s in df["duration_seconds"]]
        else:
            column = df[key]
        columns[FIELD_BY_KEY[key].label] = column
    out = pd.DataFrame(columns)
    out.index = pd.Index(df["video_id"], name="video_id")
    return out


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


def resolution_frame(resolutions: Sequence[Resolution], type_rules: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The resolver summary: what each input resolved to (title, id, handle, subscribers) or why not, and how
    its Short/Long types were decided (``FetchResult.type_rules``: "UUSH playlist" or "duration rule")."""
    rules = type_rules or {}
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
                "Types by": rules.get(ch.id, "") if ch else "",
                "Note": r.error or r.warning or "",
            }
        )
    cols = ["Input", "Resolved", "Channel", "Channel ID", "Handle", "Subscribers", "Uploads", "Types by", "Note"]
    df = pd.DataFrame(rows, columns=cols)
    return df.astype({"Subscribers": "Int64", "Uploads": "Int64"})
