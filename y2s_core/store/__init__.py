"""The store: what YouTube2Sheets remembers between runs, on SQLite (default) or PostgreSQL.

    channels, videos    the latest metadata of everything fetched (first seen / last seen)
    snapshots           one row per video per fetch: views, likes, comments (append-only): history, growth
    sync_state          per channel: newest video seen, last sync, last full listing, a quota-cut listing
    quota_ledger        units per Pacific day, key fingerprint and API method (``store.ledger``)

Where: SQLite at ``$Y2S_DATA_DIR/y2s.sqlite`` (WAL, nothing to install), or ``Y2S_DATABASE_URL`` /
``[connections.y2s]`` in the app's secrets for PostgreSQL (Community Cloud wipes its disk on restart).
One code path for both: SQLAlchemy Core, psycopg 3 (``engine``); the schema is versioned
(``migrations``), and the ledger-only database of earlier releases is migrated in place.

The faces call ``remember`` after every fetch and ``add_columns`` before a push (``faces``: a store
that fails is a warning, never a lost fetch); ``Store`` is the full interface (``db``).
"""

from .db import HISTORY_KEYS, FetchRecord, SnapshotRecord, Store, SyncState
from .engine import check_url, describe, store_url, url_from_connection
from .faces import (
    COLUMN_CHOICES,
    COLUMN_HEADERS,
    Remembered,
    add_columns,
    open_store,
    parse_columns,
    remember,
)
from .migrations import LATEST as SCHEMA_VERSION

__all__ = [
    "COLUMN_CHOICES",
    "COLUMN_HEADERS",
    "HISTORY_KEYS",
    "SCHEMA_VERSION",
    "FetchRecord",
    "Remembered",
    "SnapshotRecord",
    "Store",
    "SyncState",
    "add_columns",
    "check_url",
    "describe",
    "open_store",
    "parse_columns",
    "remember",
    "store_url",
    "url_from_connection",
]
