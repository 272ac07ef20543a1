"""The store's schema, versioned: ordered migration functions and a ``schema_migrations`` table.

Each migration is a function of a connection inside the migrating transaction, with its own frozen table
definitions (never the current ones in ``schema``: a later change to a table is a new migration, so a
database at any version reaches the same end). ``migrate`` applies the missing ones in order:

* version 1: ``quota_ledger``, created only where missing: the ledger-only SQLite database of earlier
  releases (``$Y2S_DATA_DIR/y2s.sqlite``, no ``schema_migrations`` table) is version 0 and keeps its rows;
* version 2: channels, videos, snapshots, sync_state;
* version 3: what the incremental sync needs: ``videos.missing_since`` (a known video YouTube stopped
  returning: deleted or private), ``sync_state.listed_newest_id`` / ``listed_newest_at`` (the top of the
  uploads playlist at the last listing: where the next incremental listing stops) and ``coverage`` (JSON:
  which of the channel's videos the store holds every one of);
* version 4: the type rule "duration rule" is named "duration rule (approximate)" (``youtube.parsing``: since
  2024-10-15 a Short must also be square or vertical, which no API field says);
* version 5: who spent it: ``quota_ledger.who`` (a hashed identity, '' for the rows before) joins the primary key
  (the table is rebuilt: SQLite cannot change a primary key in place), and ``fetch_slots`` (``budgets``: the
  fetches running in every process on this store and the units their plans reserved).

Why not Alembic: it is another dependency for a handful of tables, and its environment (alembic.ini,
env.py, a versions folder) has to travel with the package and run inside the app, the CLI and the REST
API alike; an ordered list of small functions in one transaction does what we need on both databases.

Two processes starting at once: the migrating transaction holds the database's write lock (SQLite:
``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level advisory lock) and re-reads the version under it,
so the second one finds the work done. DDL is transactional in both, so a failed migration leaves the
previous version intact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine

from ..errors import StoreError
from .engine import WRITE
from .schema import ID, UTCDateTime

ADVISORY_LOCK_KEY = 0x59325331  # "Y2S1": serializes migrations of one PostgreSQL database


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def _migrations_table(md: MetaData) -> Table:
    return Table(
        "schema_migrations", md,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("name", Text, nullable=False),
        Column("applied_at", UTCDateTime, nullable=False),
    )


def _v1_quota_ledger(conn: Connection) -> None:
    md = MetaData()
    Table(
        "quota_ledger", md,
        Column("day", Date, primary_key=True),
        Column("account", String(64), primary_key=True),
        Column("method", String(64), primary_key=True),
        Column("units", BigInteger, nullable=False),
    )
    md.create_all(conn, checkfirst=True)  # the earlier ledger-only database already has it: kept as is


def _v2_history(conn: Connection) -> None:
    md = MetaData()
    Table(
        "channels", md,
        Column("id", String(64), primary_key=True),
        Column("title", Text, nullable=False),
        Column("handle", Text),
        Column("uploads_playlist_id", String(64)),
        Column("video_count", BigInteger),
        Column("view_count", BigInteger),
        Column("subscribers", BigInteger),
        Column("thumbnail", Text),
        Column("type_rule", String(32)),
        Column("first_seen", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )
    Table(
        "videos", md,
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
        Column("tags", Text, nullable=False),
        Column("thumbnail", Text),
        Column("live_broadcast_content", String(16), nullable=False),
        Column("first_seen", UTCDateTime, nullable=False),
        Column("last_seen", UTCDateTime, nullable=False),
        Index("videos_by_channel", "channel_id", "published_at"),
    )
    Table(
        "snapshots", md,
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("video_id", String(32), nullable=False),
        Column("taken_at", UTCDateTime, nullable=False),
        Column("views", BigInteger),
        Column("likes", BigInteger),
        Column("comments", BigInteger),
        Index("snapshots_by_video", "video_id", "taken_at"),
    )
    Table(
        "sync_state", md,
        Column("channel_id", String(64), primary_key=True),
        Column("newest_video_id", String(32)),
        Column("newest_published_at", UTCDateTime),
        Column("previous_newest_at", UTCDateTime),
        Column("last_sync_at", UTCDateTime),
        Column("previous_sync_at", UTCDateTime),
        Column("last_full_listing_at", UTCDateTime),
        Column("listing_resume", Text),
        Column("updated_at", UTCDateTime, nullable=False),
    )
    md.create_all(conn)


def _add_column(conn: Connection, table: str, column: Column) -> None:
    """ALTER TABLE ... ADD COLUMN, the column's type compiled for this database (nullable, no default)."""
    kind = column.type.compile(dialect=conn.dialect)
    conn.execute(text(f'ALTER TABLE {table} ADD COLUMN {column.name} {kind}'))


def _v3_incremental(conn: Connection) -> None:
    _add_column(conn, "videos", Column("missing_since", UTCDateTime))
    _add_column(conn, "sync_state", Column("listed_newest_id", String(32)))
    _add_column(conn, "sync_state", Column("listed_newest_at", UTCDateTime))
    _add_column(conn, "sync_state", Column("coverage", Text))


def _v4_rule_names(conn: Connection) -> None:
    conn.execute(text("UPDATE channels SET type_rule = 'duration rule (approximate)' WHERE type_rule = 'duration rule'"))


def _v5_who_and_slots(conn: Connection) -> None:
    md = MetaData()
    Table(
        "quota_ledger_v5", md,
        Column("day", Date, primary_key=True),
        Column("account", String(64), primary_key=True),
        Column("who", String(64), primary_key=True, server_default=""),
        Column("method", String(64), primary_key=True),
        Column("units", BigInteger, nullable=False),
    )
    Table(
        "fetch_slots", md,
        Column("id", String(32), primary_key=True),
        Column("holder", String(64), nullable=False),
        Column("who", String(64), nullable=False),
        Column("account", String(64), nullable=False),
        Column("day", Date, nullable=False),
        Column("units", BigInteger, nullable=False),
        Column("search", BigInteger, nullable=False),
        Column("process", String(64), nullable=False),
        Column("taken_at", UTCDateTime, nullable=False),
        Column("expires_at", UTCDateTime, nullable=False),
        Index("fetch_slots_by_account", "account", "day"),
    )
    md.create_all(conn)
    conn.execute(text("INSERT INTO quota_ledger_v5 (day, account, who, method, units) "
                      "SELECT day, account, '', method, units FROM quota_ledger"))
    conn.execute(text("DROP TABLE quota_ledger"))
    conn.execute(text("ALTER TABLE quota_ledger_v5 RENAME TO quota_ledger"))
    if conn.dialect.name == "postgresql":  # the primary key keeps its table's name otherwise
        conn.execute(text("ALTER TABLE quota_ledger RENAME CONSTRAINT quota_ledger_v5_pkey TO quota_ledger_pkey"))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "quota ledger", _v1_quota_ledger),
    Migration(2, "channels, videos, stat snapshots, sync state", _v2_history),
    Migration(3, "incremental sync: missing videos, listing boundary, coverage", _v3_incremental),
    Migration(4, "type rule names", _v4_rule_names),
    Migration(5, "who spent the quota; fetch slots and reservations", _v5_who_and_slots),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    """The highest version applied (0: a new database, or the ledger-only one of earlier releases)."""
    table = _migrations_table(MetaData())
    if not conn.dialect.has_table(conn, "schema_migrations"):
        return 0
    return int(conn.execute(select(func.max(table.c.version))).scalar() or 0)


def migrate(engine: Engine, where: str, upto: int = LATEST) -> int:
    """Bring the database to version ``upto`` (default: the latest); the version it is at afterwards.

    StoreError when the database is newer than this code (a newer release migrated it): refusing is
    safer than writing rows a newer schema does not expect.
    """
    table = _migrations_table(MetaData())
    with engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            table.create(conn, checkfirst=True)
            version = current_version(conn)
            if version > LATEST:
                raise StoreError(
                    f"The store in {where} is at schema version {version}, newer than this YouTube2Sheets "
                    f"knows ({LATEST}): upgrade YouTube2Sheets, or point Y2S_DATABASE_URL elsewhere.",
                    where=where, cause="SchemaTooNew",
                )
            for m in MIGRATIONS:
                if version < m.version <= upto:
                    m.apply(conn)
                    conn.execute(insert(table).values(version=m.version, name=m.name,
                                                      applied_at=datetime.now(timezone.utc)))
                    version = m.version
    return version
