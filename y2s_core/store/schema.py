"""The store's tables as the code reads and writes them (the schema ``migrations`` builds, version by version).

    channels        one row per channel seen: title, handle, uploads playlist, videoCount, how its Shorts
                    were told (type_rule), first seen / updated
    videos          the latest metadata of every video seen (the row fields), first_seen / last_seen
    snapshots       append-only: one row per video per fetch (taken_at, views, likes, comments)
    sync_state      per channel: the newest video seen, the last (and previous) sync, the last full
                    listing, ``listing_resume`` (JSON: where a quota-cut listing stopped), the top of the
                    uploads playlist at the last listing and the ``coverage`` the incremental sync relies on
    quota_ledger    units per Pacific day, account fingerprint, who spent them (a hashed identity) and API method
    fetch_slots     the fetches running now, in every process on this store: who holds a slot, the units its
                    plan reserved (not spent yet), until when the hold lasts unless renewed (``budgets``)
    schema_migrations  the versions applied (``migrations``)

Times are UTC (``UTCDateTime``: aware in Python, timestamptz in PostgreSQL, ISO text in SQLite); counts
are BIGINT (a view count passes 2**31); NULL is "unknown or hidden", never 0.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

# snapshots.id: BIGINT in PostgreSQL; in SQLite only INTEGER PRIMARY KEY is the auto-numbered rowid
ID = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime in Python; timestamptz in PostgreSQL, naive UTC text in SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store takes aware datetimes only")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def define(metadata: MetaData) -> dict[str, Table]:
    """The current tables on ``metadata`` (migration 2 creates them; later migrations change them here too)."""
    t: dict[str, Table] = {}
    t["channels"] = Table(
        "channels", metadata,
        Column("id", String(64), primary_key=True),
        Column("title", Text, nullable=False),
        Column("handle", Text),
        Column("uploads_playlist_id", String(64)),
        Column("video_count", BigInteger),
        Column("view_count", BigInteger),
        Column("subscribers", BigInteger),
        Column("thumbnail", Text),
        Column("type_rule", String(32)),  # youtube.parsing.TYPE_RULE_*: "UUSH playlist" | "duration rule" | NULL
        Column("first_seen", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )
    t["videos"] = Table(
        "videos", metadata,
        Column("id", String(32), primary_key=True),
        Column("channel_id", String(64), nullable=False),
        Column("channel_title", Text, nullable=False),
        Column("published_at", UTCDateTime, nullable=False),
        Column("title", Text, nullable=False),
        Column("duration_seconds", Integer),
        Column("type", String(16), nullable=False),
        Column("views", BigInteger),
        Column("likes", BigInteger),
        Column("comments", BigInteger),
        Column("tags", Text, nullable=False),  # a JSON list
        Column("thumbnail", Text),
        Column("live_broadcast_content", String(16), nullable=False),
        Column("first_seen", UTCDateTime, nullable=False),
        Column("last_seen", UTCDateTime, nullable=False),
        Column("missing_since", UTCDateTime),  # YouTube stopped returning it (deleted or private); NULL: fine
        Index("videos_by_channel", "channel_id", "published_at"),
    )
    t["snapshots"] = Table(
        "snapshots", metadata,
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("video_id", String(32), nullable=False),
        Column("taken_at", UTCDateTime, nullable=False),
        Column("views", BigInteger),
        Column("likes", BigInteger),
        Column("comments", BigInteger),
        Index("snapshots_by_video", "video_id", "taken_at"),
    )
    t["sync_state"] = Table(
        "sync_state", metadata,
        Column("channel_id", String(64), primary_key=True),
        Column("newest_video_id", String(32)),
        Column("newest_published_at", UTCDateTime),
        Column("previous_newest_at", UTCDateTime),  # newest_published_at before the last sync
        Column("last_sync_at", UTCDateTime),
        Column("previous_sync_at", UTCDateTime),
        Column("last_full_listing_at", UTCDateTime),  # the last complete listing of the uploads playlist
        Column("listing_resume", Text),  # JSON: a quota-cut listing's position and ids, or NULL
        Column("updated_at", UTCDateTime, nullable=False),
        Column("listed_newest_id", String(32)),  # the top of the uploads playlist at the last listing
        Column("listed_newest_at", UTCDateTime),
        Column("coverage", Text),  # JSON: the filters and floor down to which every video is stored, or NULL
    )
    t["quota_ledger"] = Table(
        "quota_ledger", metadata,
        Column("day", Date, primary_key=True),  # the Pacific date the units count against
        Column("account", String(64), primary_key=True),  # fingerprint of the key and endpoint ("demo")
        # who spent them: "token:<sha256[:16]>", "user:<sha256[:16]>", "cli", "local"; "": unknown (before version 5)
        Column("who", String(64), primary_key=True, server_default=""),
        Column("method", String(64), primary_key=True),  # e.g. videos.list
        Column("units", BigInteger, nullable=False),
    )
    t["fetch_slots"] = Table(
        "fetch_slots", metadata,
        Column("id", String(32), primary_key=True),  # a random hex id
        Column("holder", String(64), nullable=False),  # whose slot (an identity as in quota_ledger.who); "": none
        Column("who", String(64), nullable=False),  # whose budget the reserved units count against
        Column("account", String(64), nullable=False),  # the key (quota_ledger.account)
        Column("day", Date, nullable=False),  # the Pacific day the reservation counts against
        Column("units", BigInteger, nullable=False),  # main-pool units reserved and not spent yet
        Column("search", BigInteger, nullable=False),  # search.list calls reserved and not spent yet
        Column("process", String(64), nullable=False),  # host:pid of the holder (for people reading the table)
        Column("taken_at", UTCDateTime, nullable=False),
        Column("expires_at", UTCDateTime, nullable=False),  # renewed while the fetch runs; a killed process's lapses
        Index("fetch_slots_by_account", "account", "day"),
    )
    t["schema_migrations"] = Table(
        "schema_migrations", metadata,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("name", Text, nullable=False),
        Column("applied_at", UTCDateTime, nullable=False),
    )
    return t


metadata = MetaData()
TABLES = define(metadata)
channels = TABLES["channels"]
videos = TABLES["videos"]
snapshots = TABLES["snapshots"]
sync_state = TABLES["sync_state"]
quota_ledger = TABLES["quota_ledger"]
fetch_slots = TABLES["fetch_slots"]
schema_migrations = TABLES["schema_migrations"]
