"""The store, as the pages read it: stat snapshots for the Growth section, "new since last sync" marks for
Review, the optional sheet columns for Push. Each read is cached briefly and never stops a page: a store
that cannot be read gives empty data and a problem line the page may show.

The cache is shared by every session, like the store itself (one per deployment; public YouTube data),
and keyed by the session's result token, so a new fetch reads again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pandas as pd
import streamlit as st

from .. import growth
from ..models import FetchResult
from ..settings import Settings
from ..store import add_columns, open_store
from . import state

STORE_TTL_SECONDS = 60
GROWTH_DAYS = 90  # the Growth section reads this much history (a year of 20,000 daily videos is 7M rows)
_log = logging.getLogger(__name__)


def _problem(settings: Settings, e: Exception) -> str:
    from ..errors import StoreError

    if isinstance(e, StoreError):
        return settings.redact(f"The store in {e.where} could not be read ({e.cause}).")
    return settings.redact(f"The store could not be read ({type(e).__name__}).")


@st.cache_data(ttl=STORE_TTL_SECONDS, max_entries=16, show_spinner=False)
def _snapshots(token: str, where: str, channel_ids: tuple[str, ...], since: datetime,
               _settings: Settings) -> pd.DataFrame:
    return growth.snapshot_frame(open_store(_settings).history_columns(list(channel_ids), since=since))


def growth_snapshots(settings: Settings, channel_ids: Sequence[str],
                     video_ids: Sequence[str] | None = None) -> tuple[pd.DataFrame, str | None]:
    """``growth.snapshot_frame`` of these channels' snapshots of the last ``GROWTH_DAYS`` days (only
    ``video_ids`` when given), and a problem line when the store could not be read (then it is empty)."""
    token = st.session_state.get(state.RESULT_TOKEN, "")
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        snaps = _snapshots(token, open_store(settings).where, tuple(sorted(channel_ids)),
                           today - timedelta(days=GROWTH_DAYS), _settings=settings)
    except Exception as e:  # the page goes on without its Growth section
        _log.warning("growth: %s", type(e).__name__)
        return growth.snapshot_frame([]), _problem(settings, e)
    if video_ids is not None:
        snaps = snaps[snaps["video_id"].isin(set(video_ids))].reset_index(drop=True)
    return snaps, None


@st.cache_data(ttl=STORE_TTL_SECONDS, max_entries=16, show_spinner=False)
def _new_ids(token: str, where: str, _ids: tuple[str, ...], _settings: Settings) -> frozenset[str]:
    return frozenset(open_store(_settings).new_since_last_sync(list(_ids)))


def new_since_last_sync(settings: Settings, result: FetchResult | None) -> frozenset[str]:
    """Ids of ``result``'s videos first seen in the latest fetch of their channel (uploads since the sync
    before it); empty when the store cannot be read or knows no earlier fetch."""
    if result is None or not result.videos:
        return frozenset()
    token = st.session_state.get(state.RESULT_TOKEN, "")
    try:
        return _new_ids(token, open_store(settings).where, tuple(v.id for v in result.videos), _settings=settings)
    except Exception as e:
        _log.warning("new since last sync: %s", type(e).__name__)
        return frozenset()


def rows_with_columns(rows: list[dict[str, Any]], columns: Sequence[str],
                      settings: Settings) -> tuple[list[dict[str, Any]], str | None]:
    """``store.add_columns`` for the Push page (not cached: a push must write what the store says now)."""
    if not columns:
        return rows, None
    return add_columns(rows, columns, settings)
