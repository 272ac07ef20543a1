"""What the faces (CLI, app, REST API) call around a fetch and a push, with the store's one error policy.

* ``remember(result, settings, spec)`` after every fetch (not a cache hit): channels and videos upserted,
  one snapshot per video appended. A store that cannot be written is one warning on the
  ``y2s_core.store`` logger (the CLI prints it as ``warning: ...``) and a ``problem`` the app can show:
  the fetched rows are never lost to it.
* ``add_columns(rows, columns, settings)`` before a push: the optional sheet columns ("Views gained (7 d)",
  "First seen"; ``models.OPTIONAL_FIELDS``) filled from the store. Same policy: the rows are pushed
  without them, with one warning.
* ``parse_columns(text)``: ``--columns views_gained_7d,first_seen`` (keys or sheet headers, any case).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ..channel_input import video_id_from_url
from ..errors import InputError, StoreError
from ..filters import quote_text
from ..models import OPTIONAL_FIELDS, FetchResult, format_timestamp
from .db import FetchRecord, Store

if TYPE_CHECKING:
    from ..filters import FilterSpec
    from ..settings import Settings

_log = logging.getLogger("y2s_core.store")
SNAPSHOT_WINDOW = timedelta(days=40)  # "Views gained (7 d)" reads this much history


@dataclass(frozen=True)
class Remembered:
    """What ``remember`` did: the record, or the problem (one line, no secret) when the store failed."""

    record: FetchRecord | None = None
    problem: str | None = None


def open_store(settings: Settings) -> Store:
    """The store these settings name (``Y2S_DATABASE_URL``, else SQLite in ``Y2S_DATA_DIR``)."""
    return Store.for_settings(settings)


def describe_problem(e: Exception, settings: Settings, what: str) -> str:
    if isinstance(e, StoreError):
        return settings.redact(f"{what} in {e.where} ({e.cause})")
    if isinstance(e, InputError):
        return settings.redact(f"{what}: {e}")
    return settings.redact(f"{what} (unexpected {type(e).__name__}: {e})")


def remember(result: FetchResult | None, settings: Settings, spec: FilterSpec | None = None,
             *, now: datetime | None = None) -> Remembered:
    """Store ``result`` (a partial one too); never raises: a failing store is a warning, the rows are kept."""
    if result is None or not (result.videos or result.channels):
        return Remembered()
    try:
        return Remembered(record=open_store(settings).record_fetch(result, spec=spec, now=now))
    except Exception as e:  # the policy: a fetch never dies of its store (a bug here included)
        problem = describe_problem(e, settings, "fetch history not saved")
        _log.warning("%s", problem)
        return Remembered(problem=problem)


# -------------------------------------------------------------------------------- optional columns

def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


_BY_NAME = {n: f.key for f in OPTIONAL_FIELDS for n in (_norm(f.key), _norm(f.header or ""))}
_BY_NAME.update({"viewsgained": "views_gained_7d", "firstseen": "first_seen"})
COLUMN_CHOICES: tuple[str, ...] = tuple(f.key for f in OPTIONAL_FIELDS)
COLUMN_HEADERS: Mapping[str, str] = {f.key: f.header or f.key for f in OPTIONAL_FIELDS}


def parse_columns(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """'views_gained_7d,first_seen' (or the sheet headers, any case) -> the optional fields' keys, in
    ``OPTIONAL_FIELDS`` order; '' -> (). InputError names the choices."""
    if value is None:
        return ()
    parts = value.split(",") if isinstance(value, str) else list(value)
    keys = set()
    for part in (p.strip() for p in parts):
        if not part:
            continue
        key = _BY_NAME.get(_norm(part))
        if key is None:
            raise InputError(f"Unknown optional column {quote_text(part)}: use {', '.join(COLUMN_CHOICES)} "
                             "(comma-separated).")
        keys.add(key)
    return tuple(k for k in COLUMN_CHOICES if k in keys)


def _row_id(row: Mapping[str, Any]) -> str | None:
    own = str(row.get("video_id") or "").strip()
    return video_id_from_url(own) or own or video_id_from_url(str(row.get("url") or "")) or None


def add_columns(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], settings: Settings,
                *, now: datetime | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """``rows`` with the chosen optional columns filled from the store, and a problem (None when fine).

    views_gained_7d: ``growth.views_gained`` over the video's snapshots of the last 40 days (None when
    there is too little history); first_seen: when the store first saw the video (ISO 8601 UTC). A row
    carrying a key gets that column in the sheet (``sheets.planner``). A store that cannot be read:
    the rows come back unchanged and the problem is logged and returned.
    """
    keys = parse_columns(list(columns))
    if not keys:
        return [dict(r) for r in rows], None
    ids = [i for i in (_row_id(r) for r in rows) if i]
    try:
        store = open_store(settings)
        first = store.first_seen(ids) if "first_seen" in keys else {}
        gained: dict[str, int] = {}
        if "views_gained_7d" in keys:
            from .. import growth

            since = (now or datetime.now(timezone.utc)) - SNAPSHOT_WINDOW
            gained = growth.views_gained(growth.snapshot_frame(store.video_snapshots(ids, since=since)))
    except Exception as e:  # the policy: the push goes on without the optional columns
        problem = describe_problem(e, settings, "optional columns left out: the store could not be read")
        _log.warning("%s", problem)
        return [dict(r) for r in rows], problem
    out = []
    for r in rows:
        vid = _row_id(r)
        extra: dict[str, Any] = {}
        if "views_gained_7d" in keys:
            extra["views_gained_7d"] = gained.get(vid) if vid else None
        if "first_seen" in keys:
            extra["first_seen"] = format_timestamp(first[vid]) if vid in first else None
        out.append({**r, **extra})
    return out, None
