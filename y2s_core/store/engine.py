"""Where the store lives and how it is connected: one SQLAlchemy engine per database URL per process.

* No ``Y2S_DATABASE_URL``: SQLite at ``$Y2S_DATA_DIR/y2s.sqlite`` (the file the quota ledger always used),
  in WAL mode (readers never block the writer) with a 30 s busy timeout, every write transaction opened
  with ``BEGIN IMMEDIATE`` so two writers queue on the lock instead of failing half-way (a deferred
  transaction that upgrades to a write lock gets SQLITE_BUSY at once, busy timeout or not).
* ``Y2S_DATABASE_URL=postgresql://user:password@host/db`` (or ``[connections.y2s]`` in the app's
  secrets): PostgreSQL through psycopg 3 (``postgresql://`` and ``postgres://`` are read as
  ``postgresql+psycopg://``), a small pool with pre-ping (Community Cloud apps sleep; databases drop
  idle connections).
* ``read_only_sqlite``: a SQLite file in a folder this user may not write, opened read-only (``history``
  falls back to it, ``Store(read_only_fallback=True)``): ``mode=ro``, else ``immutable=1`` when no
  ``-wal`` file holds changes.

The engine cache is process-wide on purpose: an engine is a connection pool (SQLAlchemy's advice is one
per URL per process) and holds no user data. SQLite engines pool nothing (``NullPool``: a connection is
a file open), so a test making hundreds of data dirs leaves no file handles behind.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from ..errors import InputError

if TYPE_CHECKING:
    from ..settings import Settings

SQLITE_FILE = "y2s.sqlite"
BUSY_TIMEOUT_SECONDS = 30
WRITE = "y2s_write"  # execution option: this connection's transactions write (SQLite: BEGIN IMMEDIATE)
_MAX_ENGINES = 16

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
READ_ONLY_KEY = "read-only "  # _engines key prefix of a URL's read-only engine


def store_url(settings: Settings) -> str:
    """The store's SQLAlchemy URL for these settings: ``database_url``, else SQLite in ``data_dir``."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{Path(settings.data_dir) / SQLITE_FILE}"


SUPPORTED = ("sqlite", "postgresql")
_SECRET_QUERY = ("password", "sslpassword")  # libpq takes the password in the query too


def normalize_url(text: str) -> URL:
    """A database URL as SQLAlchemy takes it; PostgreSQL URLs use psycopg 3. InputError (never quoting the
    URL, which holds a password) when it is unreadable or names a database the store does not support.

    A password with an unencoded ``@`` (``postgresql://u:p@ss@host/db``) is read as libpq and urllib read
    it, up to the last ``@``, instead of turning part of the password into the host name."""
    try:
        url = make_url(_encode_userinfo(text.strip()))
        if url.port is not None and not 0 < url.port < 65536:
            raise ValueError("port out of range")
    except (ArgumentError, ValueError):
        raise InputError(
            "Y2S_DATABASE_URL is not a database URL (check its port and special characters; percent-encode an "
            "@ or / in the password): use postgresql://USER:PASSWORD@HOST:5432/DATABASE "
            "(or sqlite:////path/to/file.sqlite)."
        ) from None
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in SUPPORTED:
        raise InputError(f"Y2S_DATABASE_URL names a {url.get_backend_name()[:20]} database; the store supports "
                         "SQLite and PostgreSQL (postgresql://USER:PASSWORD@HOST:5432/DATABASE).")
    return url


def _encode_userinfo(text: str) -> str:
    scheme, sep, rest = text.partition("://")
    netloc, slash, tail = rest.partition("/")
    if not sep or netloc.count("@") < 2:
        return text
    userinfo, _, host = netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    return f"{scheme}://{quote(unquote(user), safe='')}{colon}{quote(unquote(password), safe='')}@{host}{slash}{tail}"


def check_url(text: str | None) -> None:
    """InputError when ``text`` (Y2S_DATABASE_URL) is set but is no URL the store can use."""
    if text:
        normalize_url(text)


def describe(text: str) -> str:
    """The store's location for messages: the folder of a SQLite file, else the URL without its password
    (in the user-info or in the query)."""
    try:
        url = normalize_url(text)
    except InputError:
        return "the database named by Y2S_DATABASE_URL"
    if url.get_backend_name() == "sqlite":
        return str(Path(url.database).parent) if url.database else "an in-memory SQLite database"
    shown = url.render_as_string(hide_password=True)
    return re.sub(rf"(?i)([?&](?:{'|'.join(_SECRET_QUERY)})=)[^&]*", r"\1***", shown)


def url_from_connection(table: Mapping[str, Any]) -> str | None:
    """An app's ``[connections.y2s]`` secrets table -> a URL: its ``url``, or the parts Streamlit's SQL
    connection takes (dialect, driver, username, password, host, port, database, query)."""
    if not isinstance(table, Mapping):
        return None
    if table.get("url"):
        return str(table["url"]).strip() or None
    if not table.get("dialect"):
        return None
    driver = f"{table['dialect']}+{table['driver']}" if table.get("driver") else str(table["dialect"])
    url = URL.create(
        driver, username=table.get("username"), password=table.get("password"), host=table.get("host"),
        port=int(table["port"]) if table.get("port") else None, database=table.get("database"),
        query=dict(table.get("query") or {}),
    )
    return url.render_as_string(hide_password=False)


def engine_for(text: str, *, read_only: bool = False) -> Engine:
    """The process's engine for this URL (made on first use). ``read_only`` (SQLite only): one that opens
    the file read-only (``read_only_sqlite``), for a data folder this user may not write."""
    key = READ_ONLY_KEY + text.strip() if read_only else text.strip()
    with _lock:
        engine = _engines.get(key)
        if engine is not None:
            return engine
    url = normalize_url(text.strip())
    if read_only and not (url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:"):
        raise InputError("Only a SQLite file store can be opened read-only.")
    engine = read_only_sqlite(url.database) if read_only else _make_engine(url)
    with _lock:
        if key in _engines:  # another thread made it meanwhile
            engine.dispose()
            return _engines[key]
        if len(_engines) >= _MAX_ENGINES:
            _engines.pop(next(iter(_engines))).dispose()
        _engines[key] = engine
    return engine


def forget(text: str) -> None:
    """Close and drop this URL's engines (tests that drop a database; the next use makes a new one)."""
    with _lock:
        engines = [_engines.pop(k, None) for k in (text.strip(), READ_ONLY_KEY + text.strip())]
    for engine in engines:
        if engine is not None:
            engine.dispose()


def _make_engine(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4, pool_recycle=1800)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)  # OSError when the data dir is a file
    engine = create_engine(url, poolclass=NullPool,
                           connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite's own BEGIN off: SQLAlchemy's begin event below
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        _wal(cur)
        cur.execute("PRAGMA synchronous = NORMAL")  # WAL's recommended setting: durable at checkpoints
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

    return engine


def _wal(cur: sqlite3.Cursor) -> None:
    """Switch the file to WAL (persistent; a no-op once set). On a new file another process may hold the
    lock this needs, and SQLite answers "locked" at once without its busy handler: retry until the timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def read_only_sqlite(path: str) -> Engine:
    """An engine that only reads the SQLite file at ``path``, for a folder this user may not write.

    A WAL database needs its ``-shm`` index, which a reader creates beside the file: in a read-only
    folder, plain and ``mode=ro`` connections both fail ("attempt to write a readonly database") unless
    a writer holds the database open (its ``-shm`` is then there, and ``mode=ro`` reads through it).
    Otherwise the file is opened ``immutable=1`` (no index, no locks): safe while no ``-wal`` file holds
    changes (there is none after the last writer closed; one that is there is refused rather than not
    read). Every connection is ``query_only``.
    """
    from urllib.request import pathname2url

    uri = "file:" + pathname2url(str(Path(path).resolve()))
    wal = Path(path + "-wal")

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
        try:
            conn.execute("PRAGMA schema_version").fetchone()  # reads the header: fails without a WAL index
        except sqlite3.OperationalError:
            conn.close()
            if wal.exists() and wal.stat().st_size:
                raise sqlite3.OperationalError(
                    f"unable to read: {wal.name} holds changes, and reading them needs a folder this user "
                    "may write") from None
            conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        conn.isolation_level = None  # the begin event below opens each transaction
        conn.execute("PRAGMA query_only = ON")
        return conn

    engine = create_engine("sqlite://", creator=connect, poolclass=NullPool)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")  # a read transaction: one snapshot for a whole read

    return engine
