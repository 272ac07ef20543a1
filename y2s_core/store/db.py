"""``Store``: what YouTube2Sheets remembers between runs, on SQLite or PostgreSQL through SQLAlchemy Core.

    store = Store.for_settings(settings)
    store.record_fetch(result, spec=spec)           # channels + videos upserted, one snapshot per video
    store.history([channel_id])                     # snapshots, oldest first
    store.record_quota(account, {"videos.list": 3}, who="cli")  # the quota ledger

Every method opens one short transaction; writes take the database's write lock for their whole
transaction (see ``engine``), and snapshots are append-only rows, so two processes (the app and a
scheduled CLI run) writing at once lose nothing. Upserts go in primary-key order, so two PostgreSQL
transactions touching the same videos lock them in the same order and never deadlock.

Failures come out as ``StoreError`` naming the store (never a password) and the underlying error's
class. The faces do not call this class for their own bookkeeping: they call ``remember`` /
``store.ledger``, which turn a StoreError into one warning (a fetch never dies of its store).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, and_, any_, bindparam, case, func, or_, select, text, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..errors import InputError, StoreError
from ..models import Channel, ChannelRef, FetchResult, Video, VideoType
from ..quota import main_units, pacific_day, search_calls
from .engine import SQLITE_FILE, WRITE, describe, engine_for, store_url
from .migrations import migrate
from .schema import channels, fetch_slots, quota_ledger, snapshots, sync_state, videos

if TYPE_CHECKING:
    from ..filters import FilterSpec
    from ..settings import Settings

CHUNK = 500  # ids per IN (...) list
# sync_state columns a plain fetch leaves alone: the incremental sync's own (``store.syncing``)
_SYNC_OWNED = ("channel_id", "listing_resume", "listed_newest_id", "listed_newest_at", "coverage")
_ready: dict[str, Engine] = {}  # url -> the engine migrated in this process
_ready_lock = threading.Lock()


@dataclass(frozen=True)
class SnapshotRecord:
    """One video's statistics at one moment, with what identifies the video (a ``history`` line)."""

    video_id: str
    channel_id: str
    channel: str
    title: str
    published_at: datetime
    taken_at: datetime
    views: int | None
    likes: int | None
    comments: int | None

    def to_row(self) -> dict[str, Any]:
        """As ``history`` prints it: times as RFC 3339 UTC text to the second (``2026-12-02T01:02:03Z``)."""
        return {"video_id": self.video_id, "channel_id": self.channel_id, "channel": self.channel,
                "title": self.title, "published_at": _rfc3339(self.published_at), "taken_at": _rfc3339(self.taken_at),
                "views": self.views, "likes": self.likes, "comments": self.comments}


HISTORY_KEYS: tuple[str, ...] = ("video_id", "channel_id", "channel", "title", "published_at", "taken_at", "views",
                                 "likes", "comments")


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class SyncState:
    """Where a channel's syncing stands (the incremental fetch and the quota resume build on it)."""

    channel_id: str
    newest_video_id: str | None = None
    newest_published_at: datetime | None = None
    previous_newest_at: datetime | None = None
    last_sync_at: datetime | None = None
    previous_sync_at: datetime | None = None
    last_full_listing_at: datetime | None = None
    listing_resume: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class FetchRecord:
    """What ``record_fetch`` stored."""

    taken_at: datetime
    channels: int
    videos: int
    new_videos: int  # never seen before this fetch
    snapshots: int


class Store:
    """The store at ``url`` (a SQLAlchemy URL); a ``Path`` is a data dir (SQLite ``y2s.sqlite`` in it)."""

    def __init__(self, url: str | Path, *, where: str | None = None, read_only_fallback: bool = False) -> None:
        if isinstance(url, Path):
            url, where = f"sqlite:///{url / SQLITE_FILE}", where or str(url)
        self.url = url
        self.where = where or describe(url)
        self.read_only_fallback = read_only_fallback
        self._read_only: Engine | None = None

    @classmethod
    def for_settings(cls, settings: Settings, *, read_only_fallback: bool = False) -> Store:
        """The store these settings name: ``database_url``, else SQLite in ``data_dir``.

        ``read_only_fallback``: for a face that only reads (``history``), a SQLite file that cannot be
        opened for writing (a data folder this user may not write) is opened read-only instead."""
        where = describe(settings.database_url) if settings.database_url else str(settings.data_dir)
        return cls(store_url(settings), where=where, read_only_fallback=read_only_fallback)

    @classmethod
    def in_dir(cls, data_dir: Path | str) -> Store:
        """SQLite in ``data_dir`` (``y2s.sqlite``)."""
        from ..settings import Settings

        return cls.for_settings(Settings(data_dir=Path(data_dir)))

    # -- plumbing ----------------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """This URL's engine, its schema migrated to the latest version (once per process); with
        ``read_only_fallback``, a read-only one when the SQLite file cannot be opened for writing."""
        if self._read_only is not None:
            return self._read_only
        try:
            return self._engine()
        except StoreError as e:
            file = self._sqlite_file() if self.read_only_fallback and e.cause != "SchemaTooNew" else None
            if file is None:
                raise
            try:
                self._read_only = self._open_read_only()
            except StoreError as ro:  # in a read-only folder, why it cannot be read even so; else the first error
                raise (ro if ro.cause == "SchemaTooOld" or not os.access(file.parent, os.W_OK) else e) from None
            return self._read_only

    def _sqlite_file(self) -> Path | None:
        from .engine import normalize_url

        try:
            url = normalize_url(self.url)
        except InputError:
            return None
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return None
        return Path(url.database) if Path(url.database).is_file() else None

    def _open_read_only(self) -> Engine:
        """The SQLite file opened read-only (``engine.read_only_sqlite``); it must be at the latest schema
        version, which cannot be reached without writing."""
        from .migrations import LATEST, current_version

        with self._guard("opened read-only"):
            engine = engine_for(self.url, read_only=True)
            with engine.connect() as conn:
                version = current_version(conn)
        if version < LATEST:
            raise StoreError(f"The store in {self.where} can only be read here (the folder is read-only) and is at "
                             f"schema version {version}, older than this YouTube2Sheets reads ({LATEST}): run a "
                             "fetch or sync once with write access to upgrade it.", where=self.where,
                             cause="SchemaTooOld")
        if version > LATEST:
            raise StoreError(f"The store in {self.where} is at schema version {version}, newer than this "
                             f"YouTube2Sheets knows ({LATEST}): upgrade YouTube2Sheets.", where=self.where,
                             cause="SchemaTooNew")
        return engine

    def _engine(self) -> Engine:
        with self._guard("opened"):  # a corrupted file, a folder in its place, a server that is down
            engine = engine_for(self.url)
            with _ready_lock:
                if _ready.get(self.url) is engine:
                    return engine
            migrate(engine, self.where)
        with _ready_lock:
            _ready[self.url] = engine
        return engine

    @contextlib.contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        """SQLAlchemy and OS errors -> one StoreError naming the store, the action and the cause."""
        try:
            yield
        except (StoreError, InputError):
            raise
        except (SQLAlchemyError, OSError) as e:
            detail = ""
            if isinstance(e, DBAPIError) and e.orig is not None:
                first = str(e.orig).strip().splitlines()[0][:200] if str(e.orig).strip() else ""
                detail = f": {first}" if first else ""
            raise StoreError(f"The store in {self.where} could not be {doing} ({type(e).__name__}{detail}).",
                             where=self.where, cause=type(e).__name__) from e

    @contextlib.contextmanager
    def _write(self, doing: str) -> Iterator[Connection]:
        with self._guard(doing), self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def serialized(self, doing: str, key: int) -> Iterator[Connection]:
        """One write transaction that runs alone among those that ask for ``key``, in every process on this store
        (SQLite: every write transaction holds the database's write lock from ``BEGIN IMMEDIATE``; PostgreSQL: a
        transaction-level advisory lock on ``key``). Errors come out as StoreError (``doing``: "written (...)")."""
        with self._write(doing) as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            yield conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._guard("read"), self.engine.connect() as conn:
            yield conn

    def _insert(self, conn: Connection, table: Any) -> Any:
        return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)

    # -- the quota ledger --------------------------------------------------------------------------

    def record_quota(self, account: str, units_by_method: Mapping[str, int], now: datetime | None = None, *,
                     who: str = "", hold: str | None = None) -> None:
        """Add units to the Pacific day of ``now`` for ``account`` and ``who`` (a hashed identity, "" unknown), per
        method (0 units: nothing). ``hold``: the ``fetch_slots`` row whose reservation these units were planned in:
        what they spend is taken off it in the same transaction (``budgets``), so the two are never counted twice."""
        day = pacific_day(now)
        rows = sorted(({"day": day, "account": account, "who": who, "method": m, "units": int(u)}
                       for m, u in units_by_method.items() if u), key=lambda r: r["method"])
        if not rows:
            return
        with self._write("written (quota ledger)") as conn:
            ins = self._insert(conn, quota_ledger)
            conn.execute(ins.on_conflict_do_update(
                index_elements=["day", "account", "who", "method"],
                set_={"units": quota_ledger.c.units + ins.excluded.units}), rows)
            if hold is not None:
                spent = {"units": main_units(units_by_method), "search": search_calls(units_by_method)}
                conn.execute(fetch_slots.update().where(fetch_slots.c.id == hold).values(
                    {k: case((fetch_slots.c[k] > v, fetch_slots.c[k] - v), else_=0) for k, v in spent.items()}))

    def quota_today(self, account: str, now: datetime | None = None, *, who: str | None = None) -> dict[str, int]:
        """Units per method spent on the Pacific day of ``now`` with ``account``: by ``who``, or by everyone (None)."""
        return self.quota_on(account, pacific_day(now), who=who)

    def quota_on(self, account: str, day: date, *, who: str | None = None) -> dict[str, int]:
        q = (select(quota_ledger.c.method, func.sum(quota_ledger.c.units))
             .where(quota_ledger.c.day == day, quota_ledger.c.account == account)
             .group_by(quota_ledger.c.method).order_by(quota_ledger.c.method))
        if who is not None:
            q = q.where(quota_ledger.c.who == who)
        with self._read() as conn:
            return {m: int(u) for m, u in conn.execute(q)}

    # -- fetches -----------------------------------------------------------------------------------

    def record_fetch(self, result: FetchResult, *, spec: FilterSpec | None = None,
                     now: datetime | None = None) -> FetchRecord:
        """Upsert ``result``'s channels and videos, append one snapshot per video, move each channel's sync state.

        ``spec``: the filters it was fetched with; a complete fetch with no ``max_videos``/``since`` (which
        stop paging early) counts as a full listing of the channel. A quota-cut (partial) result is
        stored too: what was fetched is kept.
        """
        now = now or datetime.now(timezone.utc)
        by_id = {c.id: c for c in result.channels}
        vids = {v.id: v for v in result.videos}  # a video listed twice (two inputs) is one row, one snapshot
        full = bool(result.complete and spec is not None and not spec.max_videos and spec.since is None)
        with self._write("written (fetch history)") as conn:
            # channels first: in PostgreSQL their row locks make a concurrent fetch of the same channel
            # wait here, so what it reads below already includes this one's writes
            self._upsert_channels(conn, sorted(by_id.values(), key=lambda c: c.id), result.type_rules, now)
            known = self._known(conn, sorted({v.channel_id for v in vids.values()})) & set(vids)
            prior = {s.channel_id: s for s in self._sync_states(conn, by_id)}
            self._upsert_videos(conn, [vids[i] for i in sorted(vids)], now)
            if vids:
                conn.execute(snapshots.insert(), [
                    {"video_id": v.id, "taken_at": now, "views": v.views, "likes": v.likes, "comments": v.comments}
                    for v in vids.values()])
            states = [self._next_state(cid, prior.get(cid), [v for v in vids.values() if v.channel_id == cid], now, full)
                      for cid in sorted(by_id)]
            if states:
                ins = self._insert(conn, sync_state)
                cols = [c.name for c in sync_state.c if c.name not in _SYNC_OWNED]
                conn.execute(ins.on_conflict_do_update(index_elements=["channel_id"],
                                                       set_={c: ins.excluded[c] for c in cols}), states)
        return FetchRecord(taken_at=now, channels=len(by_id), videos=len(vids), new_videos=len(set(vids) - known),
                           snapshots=len(vids))

    def _upsert_channels(self, conn: Connection, chans: Sequence[Channel], rules: Mapping[str, str],
                         now: datetime) -> None:
        if not chans:
            return
        rows = [{"id": c.id, "title": c.title, "handle": c.handle, "uploads_playlist_id": c.uploads_playlist_id,
                 "video_count": c.video_count, "view_count": c.view_count, "subscribers": c.subscribers,
                 "thumbnail": c.thumbnail, "type_rule": rules.get(c.id), "first_seen": now, "updated_at": now}
                for c in chans]
        ins = self._insert(conn, channels)
        update = {c: ins.excluded[c] for c in ("title", "handle", "uploads_playlist_id", "video_count", "view_count",
                                               "subscribers", "thumbnail", "updated_at")}
        update["type_rule"] = func.coalesce(ins.excluded.type_rule, channels.c.type_rule)  # unknown keeps the known
        conn.execute(ins.on_conflict_do_update(index_elements=["id"], set_=update), rows)

    def _upsert_videos(self, conn: Connection, vs: Sequence[Video], now: datetime) -> None:
        if not vs:
            return
        rows = [{"id": v.id, "channel_id": v.channel_id, "channel_title": v.channel_title,
                 "published_at": v.published_at, "title": v.title, "duration_seconds": v.duration_seconds,
                 "type": v.type.value, "views": v.views, "likes": v.likes, "comments": v.comments,
                 "tags": json.dumps(None if v.tags is None else list(v.tags), ensure_ascii=False), "thumbnail": v.thumbnail,
                 "live_broadcast_content": v.live_broadcast_content, "first_seen": now, "last_seen": now}
                for v in vs]
        ins = self._insert(conn, videos)
        keep = ("id", "first_seen")
        update = {c.name: ins.excluded[c.name] for c in videos.c if c.name not in keep}
        update["tags"] = case((ins.excluded.tags == "null", videos.c.tags), else_=ins.excluded.tags)  # unknown: keep
        conn.execute(ins.on_conflict_do_update(index_elements=["id"], set_=update), rows)

    @staticmethod
    def _next_state(cid: str, prior: SyncState | None, vs: Sequence[Video], now: datetime, full: bool) -> dict:
        newest = max(vs, key=lambda v: v.published_at, default=None)
        prior = prior or SyncState(cid)
        keep_old = newest is None or (prior.newest_published_at is not None
                                      and prior.newest_published_at >= newest.published_at)
        return {
            "channel_id": cid,
            "newest_video_id": prior.newest_video_id if keep_old else newest.id,
            "newest_published_at": prior.newest_published_at if keep_old else newest.published_at,
            "previous_newest_at": prior.newest_published_at,
            "last_sync_at": now,
            "previous_sync_at": prior.last_sync_at,
            "last_full_listing_at": now if full else prior.last_full_listing_at,
            "updated_at": now,
        }

    def _known(self, conn: Connection, channel_ids: Sequence[str]) -> set[str]:
        """Every stored video id of these channels (by the channel index: no list of thousands of ids to
        match, which PostgreSQL's generic plan for a prepared ``= ANY($1)`` scans linearly per row)."""
        if not channel_ids:
            return set()
        return set(conn.execute(select(videos.c.id).where(among(conn.dialect, videos.c.channel_id, channel_ids)))
                   .scalars())

    def _sync_states(self, conn: Connection, channel_ids: Iterable[str]) -> list[SyncState]:
        ids = sorted(channel_ids)
        out = []
        for i in range(0, len(ids), CHUNK):
            q = select(sync_state).where(among(conn.dialect, sync_state.c.channel_id, ids[i:i + CHUNK]))
            for row in conn.execute(q):
                m = row._mapping
                out.append(SyncState(**{k: m[k] for k in SyncState.__dataclass_fields__ if k != "listing_resume"},
                                     listing_resume=json.loads(m["listing_resume"]) if m["listing_resume"] else None))
        return out

    # -- sync state --------------------------------------------------------------------------------

    def sync_state_of(self, channel_id: str) -> SyncState | None:
        with self._read() as conn:
            found = self._sync_states(conn, [channel_id])
        return found[0] if found else None

    def save_listing_resume(self, channel_id: str, position: Mapping[str, Any] | None) -> None:
        """Remember (or, with None, forget) where a quota-cut listing of ``channel_id`` stopped (JSON)."""
        now = datetime.now(timezone.utc)
        value = json.dumps(dict(position)) if position is not None else None
        with self._write("written (sync state)") as conn:
            ins = self._insert(conn, sync_state)
            conn.execute(ins.on_conflict_do_update(
                index_elements=["channel_id"],
                set_={"listing_resume": ins.excluded.listing_resume, "updated_at": ins.excluded.updated_at}),
                [{"channel_id": channel_id, "listing_resume": value, "updated_at": now}])

    # -- reads -------------------------------------------------------------------------------------

    def channel(self, channel_id: str) -> Channel | None:
        with self._read() as conn:
            row = conn.execute(select(channels).where(channels.c.id == channel_id)).first()
        return channel_from_row(row._mapping) if row else None

    def type_rule(self, channel_id: str) -> str | None:
        """How the channel's types were decided (``FetchResult.type_rules``: "UUSH playlist" | "duration rule")."""
        with self._read() as conn:
            return conn.execute(select(channels.c.type_rule).where(channels.c.id == channel_id)).scalar()

    def find_channel(self, ref: ChannelRef) -> Channel | None:
        """The stored channel an input names (id, @handle, /user/ or /c/ name, or one of its videos), else None.

        No YouTube call: names are matched on the stored handle (customUrl) and title, case-insensitively.
        """
        with self._read() as conn:
            if ref.kind == "video":
                cid = conn.execute(select(videos.c.channel_id).where(videos.c.id == ref.value)).scalar()
                cond = channels.c.id == cid if cid else None
            elif ref.kind == "id":
                cond = channels.c.id == ref.value
            else:
                name = ref.value.lstrip("@").lower()
                cond = func.lower(channels.c.handle).in_([name, "@" + name])
                if ref.kind != "handle":
                    cond = or_(cond, func.lower(channels.c.title) == name)
            row = conn.execute(select(channels).where(cond).order_by(channels.c.updated_at.desc())).first() \
                if cond is not None else None
        return channel_from_row(row._mapping) if row else None

    def channel_videos(self, channel_id: str) -> list[Video]:
        """The channel's stored videos (latest metadata), newest first."""
        q = select(videos).where(videos.c.channel_id == channel_id).order_by(videos.c.published_at.desc(),
                                                                             videos.c.id)
        with self._read() as conn:
            return [video_from_row(r._mapping) for r in conn.execute(q)]

    def history(self, channel_ids: Sequence[str], *, video_id: str | None = None,
                since: datetime | None = None) -> list[SnapshotRecord]:
        """The snapshots of these channels' videos (or of one video), oldest first; newest video first within one."""
        with self._read() as conn:
            q = (select(snapshots.c.video_id, videos.c.channel_id, videos.c.channel_title, videos.c.title,
                        videos.c.published_at, snapshots.c.taken_at, snapshots.c.views, snapshots.c.likes,
                        snapshots.c.comments)
                 .join(videos, videos.c.id == snapshots.c.video_id)
                 .where(among(conn.dialect, videos.c.channel_id, channel_ids)))
            if video_id is not None:
                q = q.where(snapshots.c.video_id == video_id)
            if since is not None:
                q = q.where(snapshots.c.taken_at >= since)
            q = q.order_by(snapshots.c.taken_at, videos.c.published_at.desc(), snapshots.c.video_id, snapshots.c.id)
            return [SnapshotRecord(*r) for r in conn.execute(q)]

    def history_columns(self, channel_ids: Sequence[str], *, video_id: str | None = None,
                        since: datetime | None = None) -> dict[str, list[Any]]:
        """``history`` as columns (``HISTORY_KEYS`` -> lists) for ``growth.snapshot_frame``: no object per
        row, and times left as the database hands them (text in SQLite, aware datetimes in PostgreSQL)
        for pandas to parse in one go: a year of daily snapshots of 20,000 videos is millions of rows.
        In no particular order (``growth.snapshot_frame`` sorts)."""
        raw = {"published_at": type_coerce(videos.c.published_at, String()),
               "taken_at": type_coerce(snapshots.c.taken_at, String())}
        cols = {"video_id": snapshots.c.video_id, "channel_id": videos.c.channel_id, "channel": videos.c.channel_title,
                "title": videos.c.title, **raw, "views": snapshots.c.views, "likes": snapshots.c.likes,
                "comments": snapshots.c.comments}
        with self._read() as conn:
            q = (select(*(c.label(k) for k, c in cols.items())).join(videos, videos.c.id == snapshots.c.video_id)
                 .where(among(conn.dialect, videos.c.channel_id, channel_ids)))
            if video_id is not None:
                q = q.where(snapshots.c.video_id == video_id)
            if since is not None:
                q = q.where(snapshots.c.taken_at >= since)
            rows = conn.execute(q).all()  # unordered: sorting millions of rows is the frame's job (3x faster)
        return {k: [r[i] for r in rows] for i, k in enumerate(cols)}

    def video_snapshots(self, video_ids: Sequence[str], *, since: datetime | None = None) -> list[SnapshotRecord]:
        """The snapshots of these videos (taken at or after ``since``), oldest first."""
        out: list[SnapshotRecord] = []
        ids = sorted(set(video_ids))
        with self._read() as conn:
            for i in range(0, len(ids), CHUNK):
                q = (select(snapshots.c.video_id, videos.c.channel_id, videos.c.channel_title, videos.c.title,
                            videos.c.published_at, snapshots.c.taken_at, snapshots.c.views, snapshots.c.likes,
                            snapshots.c.comments)
                     .join(videos, videos.c.id == snapshots.c.video_id)
                     .where(among(conn.dialect, snapshots.c.video_id, ids[i:i + CHUNK])))
                if since is not None:
                    q = q.where(snapshots.c.taken_at >= since)
                out.extend(SnapshotRecord(*r) for r in conn.execute(q))
        out.sort(key=lambda s: (s.taken_at, s.video_id))
        return out

    def first_seen(self, video_ids: Sequence[str]) -> dict[str, datetime]:
        """When each of these videos was first fetched (ids never stored are left out)."""
        ids = sorted(set(video_ids))
        out: dict[str, datetime] = {}
        with self._read() as conn:
            for i in range(0, len(ids), CHUNK):
                q = select(videos.c.id, videos.c.first_seen).where(among(conn.dialect, videos.c.id, ids[i:i + CHUNK]))
                out.update((vid, at) for vid, at in conn.execute(q))
        return out

    def new_since_last_sync(self, video_ids: Sequence[str]) -> set[str]:
        """Of these ids, the uploads the latest fetch of their channel found: first seen in that fetch and
        published after the newest video known before it (a channel's first fetch marks none)."""
        ids = sorted(set(video_ids))
        out: set[str] = set()
        with self._read() as conn:
            for i in range(0, len(ids), CHUNK):
                q = (select(videos.c.id).join(sync_state, sync_state.c.channel_id == videos.c.channel_id)
                     .where(among(conn.dialect, videos.c.id, ids[i:i + CHUNK]),
                            and_(videos.c.first_seen == sync_state.c.last_sync_at,
                                 sync_state.c.previous_newest_at.is_not(None),
                                 videos.c.published_at > sync_state.c.previous_newest_at)))
                out.update(conn.execute(q).scalars())
        return out


def among(dialect: Any, column: Any, values: Sequence[str]) -> Any:
    """``column`` is one of ``values``: ``IN (...)`` in SQLite, ``= ANY(array)`` in PostgreSQL.

    One array parameter instead of hundreds of bound values (a statement PostgreSQL plans once)."""
    if dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(String())))
    return column.in_(list(values))


def channel_from_row(m: Mapping[str, Any]) -> Channel:
    return Channel(id=m["id"], title=m["title"], handle=m["handle"], uploads_playlist_id=m["uploads_playlist_id"],
                   subscribers=m["subscribers"], video_count=m["video_count"], view_count=m["view_count"],
                   thumbnail=m["thumbnail"])


def video_from_row(m: Mapping[str, Any]) -> Video:
    return Video(id=m["id"], channel_id=m["channel_id"], channel_title=m["channel_title"],
                 published_at=m["published_at"], title=m["title"], duration_seconds=m["duration_seconds"],
                 type=VideoType(m["type"]), views=m["views"], likes=m["likes"], comments=m["comments"],
                 tags=_tags(m["tags"]), thumbnail=m["thumbnail"],
                 live_broadcast_content=m["live_broadcast_content"])


def _tags(text: str | None) -> tuple[str, ...] | None:
    """The stored JSON list of tags; ``null``: never asked (``Video.tags`` None)."""
    tags = json.loads(text or "[]")
    return None if tags is None else tuple(tags)
