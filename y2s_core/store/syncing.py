"""What the incremental sync reads from and writes to the store, per channel, in one transaction each.

Three facts make a channel *known* to the incremental sync (``sync_state``, schema version 3):

* the **boundary** (``listed_newest_id`` / ``listed_newest_at``): the top of the channel's uploads playlist
  at its last listing. The next listing pages from the top only until it reaches it;
* the **coverage** (``coverage``, JSON): the store holds *every* video of the channel that passes
  ``filters`` and was published at or after ``floor`` (no floor: down to the playlist's end). A sync
  with other filters may use the stored videos only when its filters are no wider and its floor is
  covered (``Coverage.serves``); otherwise it lists the channel in full again;
* the **resume point** (``listing_resume``, JSON): where a full listing cut by the quota stopped
  (``youtube.incremental.Resume``), so the next run continues it instead of starting over.

``videos.missing_since`` marks a known video YouTube stopped returning (deleted or made private): it
stays in the store (and in the user's sheet) but leaves the results; a later answer clears the mark.
A plain fetch (``Store.record_fetch``) never touches these columns: it may store a filtered subset.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import select, text, update

from ..filters import FilterSpec
from ..models import Channel, Video
from .db import FetchRecord, Store, among, channel_from_row, video_from_row
from .schema import channels, snapshots, sync_state, videos

KEEP: Any = object()  # record_sync: leave this sync_state column as it is


def spec_to_json(spec: FilterSpec) -> dict[str, Any]:
    """A FilterSpec as JSON values ``FilterSpec.from_strings`` reads back (dates ISO, sets as sorted lists)."""
    out: dict[str, Any] = {}
    for name in FilterSpec.names():
        v = getattr(spec, name)
        if isinstance(v, frozenset):
            v = sorted(t.value for t in v)
        elif isinstance(v, tuple):
            v = list(v)
        elif isinstance(v, date):
            v = v.isoformat()
        out[name] = v
    return out


def spec_from_json(data: Mapping[str, Any]) -> FilterSpec:
    return FilterSpec.from_strings(**{k: v for k, v in data.items() if k in FilterSpec.names()})


def detail_part(spec: FilterSpec) -> FilterSpec:
    """``spec`` without what decides how deep a listing goes (max_videos, since): the per-video filters."""
    return replace(spec, max_videos=None, since=None)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


@dataclass(frozen=True)
class Coverage:
    """The store holds every video of the channel passing ``filters`` published at or after ``floor``
    (None: all of them, down to the uploads playlist's end), as of the last listing."""

    filters: FilterSpec = field(default_factory=FilterSpec)
    floor: datetime | None = None

    def to_json(self) -> str:
        return json.dumps({"filters": spec_to_json(self.filters),
                           "floor": self.floor.isoformat() if self.floor else None})

    @classmethod
    def from_json(cls, text: str | None) -> Coverage | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            floor = datetime.fromisoformat(data["floor"]) if data.get("floor") else None
            return cls(spec_from_json(data.get("filters") or {}), floor)
        except (ValueError, KeyError, TypeError):
            return None  # unreadable: the channel is listed in full again, which rewrites it

    def serves(self, spec: FilterSpec, stored: Sequence[Video]) -> bool:
        """Can ``spec``'s result be built from the stored videos plus the uploads newer than the boundary?

        Its per-video filters must be no wider than the coverage's, and its depth covered: no floor, or
        ``since`` on/after the floor, or at least ``max_videos`` stored videos passing it above the floor; and
        with ``match_tags``, every stored video's tags known.
        """
        if self.filters.widened_by(detail_part(spec)):
            return False
        if spec.match_tags and any(v.tags is None for v in stored):
            return False  # a tab listing left their tags unknown: only a listing through videos.list says them
        if self.floor is None:
            return True
        if spec.since is not None and midnight(spec.since) >= self.floor:
            return True
        if spec.max_videos:
            above = [v for v in stored if v.published_at >= self.floor]
            return len(spec.apply(above)) >= spec.max_videos
        return False


@dataclass(frozen=True)
class KnownChannel:
    """What the store knows of one channel for a sync: metadata, its videos, boundary, coverage, resume."""

    channel: Channel
    type_rule: str | None
    videos: tuple[Video, ...]  # stored, newest first (missing ones included: see ``missing``)
    missing: frozenset[str]
    boundary_id: str | None
    boundary_at: datetime | None
    coverage: Coverage | None
    resume: Mapping[str, Any] | None
    last_sync_at: datetime | None

    @property
    def present(self) -> list[Video]:
        """The stored videos YouTube still returned at the last look."""
        return [v for v in self.videos if v.id not in self.missing]


def known_channels(store: Store, channel_ids: Sequence[str]) -> dict[str, KnownChannel]:
    """The stored state of these channels (absent ids: never stored). One read transaction."""
    ids = sorted(set(channel_ids))
    if not ids:
        return {}
    out: dict[str, KnownChannel] = {}
    with store._read() as conn:
        chans = {r.id: r._mapping for r in conn.execute(select(channels).where(among(conn.dialect, channels.c.id, ids)))}
        states = {r.channel_id: r._mapping for r in
                  conn.execute(select(sync_state).where(among(conn.dialect, sync_state.c.channel_id, ids)))}
        vids: dict[str, list[Video]] = {}
        missing: dict[str, set[str]] = {}
        q = (select(videos).where(among(conn.dialect, videos.c.channel_id, ids))
             .order_by(videos.c.published_at.desc(), videos.c.id))
        for r in conn.execute(q):
            m = r._mapping
            vids.setdefault(m["channel_id"], []).append(video_from_row(m))
            if m["missing_since"] is not None:
                missing.setdefault(m["channel_id"], set()).add(m["id"])
    for cid, m in chans.items():
        st = states.get(cid) or {}
        resume = None
        if st.get("listing_resume"):
            try:
                resume = json.loads(st["listing_resume"])
            except ValueError:
                resume = None
        out[cid] = KnownChannel(
            channel=channel_from_row(m), type_rule=m["type_rule"], videos=tuple(vids.get(cid, ())),
            missing=frozenset(missing.get(cid, ())), boundary_id=st.get("listed_newest_id"),
            boundary_at=st.get("listed_newest_at"), coverage=Coverage.from_json(st.get("coverage")),
            resume=resume if isinstance(resume, dict) else None, last_sync_at=st.get("last_sync_at"))
    return out


def record_sync(store: Store, channel: Channel, *, type_rule: str | None, seen: Sequence[Video],
                gone: Sequence[str] = (), boundary: tuple[str | None, datetime | None] | Any = KEEP,
                coverage: Coverage | None | Any = KEEP, resume: Mapping[str, Any] | None | Any = KEEP,
                full_listing: bool = False, now: datetime | None = None,
                snapshotted: Collection[str] = ()) -> FetchRecord:
    """Store one channel's sync in one transaction.

    ``seen``: the videos YouTube returned in this run (new ones and refreshed ones): upserted, one
    snapshot each, their missing mark cleared. Stored videos not re-read get no snapshot (a copy of old
    numbers would read as zero growth). ``gone``: known ids YouTube no longer returns (marked, kept).
    ``boundary`` / ``coverage`` / ``resume``: the new values, or ``KEEP``. ``snapshotted``: ids this run already
    stored with their snapshot (``record_checkpoint``): not snapshotted twice.
    """
    now = now or datetime.now(timezone.utc)
    vids = {v.id: v for v in seen}
    with store._write("written (sync)") as conn:
        store._upsert_channels(conn, [channel], {channel.id: type_rule} if type_rule else {}, now)
        known = store._known(conn, [channel.id])
        prior = {s.channel_id: s for s in store._sync_states(conn, [channel.id])}.get(channel.id)
        store._upsert_videos(conn, [vids[i] for i in sorted(vids)], now)
        fresh = [v for v in vids.values() if v.id not in snapshotted]
        if fresh:
            conn.execute(snapshots.insert(), [
                {"video_id": v.id, "taken_at": now, "views": v.views, "likes": v.likes, "comments": v.comments}
                for v in fresh])
        lost = sorted(set(gone) - set(vids))
        if lost:
            conn.execute(update(videos).where(among(conn.dialect, videos.c.id, lost), videos.c.missing_since.is_(None))
                         .values(missing_since=now))
        state = store._next_state(channel.id, prior, list(vids.values()), now, full_listing)
        if boundary is not KEEP:
            state["listed_newest_id"], state["listed_newest_at"] = boundary
        if coverage is not KEEP:
            state["coverage"] = coverage.to_json() if coverage is not None else None
        if resume is not KEEP:
            state["listing_resume"] = json.dumps(dict(resume)) if resume is not None else None
        ins = store._insert(conn, sync_state)
        cols = [c for c in state if c != "channel_id"]
        conn.execute(ins.on_conflict_do_update(index_elements=["channel_id"], set_={c: ins.excluded[c] for c in cols}),
                     [state])
    return FetchRecord(taken_at=now, channels=1, videos=len(vids), new_videos=len(set(vids) - known),
                       snapshots=len(vids))


def record_checkpoint(store: Store, channel: Channel, *, type_rule: str | None, seen: Sequence[Video],
                      resume: Mapping[str, Any] | None, now: datetime | None = None) -> None:
    """Store what a full listing has so far, in one transaction, while it runs: the videos (one snapshot each)
    and where to resume it (``listing_resume``). Nothing else of ``sync_state`` moves (the last and previous
    sync, the boundary, the coverage are the listing's end's to write): a run killed after this resumes here."""
    now = now or datetime.now(timezone.utc)
    with store._write("written (checkpoint)") as conn:
        store._upsert_channels(conn, [channel], {channel.id: type_rule} if type_rule else {}, now)
        if seen:
            store._upsert_videos(conn, list(seen), now)
            conn.execute(snapshots.insert(), [
                {"video_id": v.id, "taken_at": now, "views": v.views, "likes": v.likes, "comments": v.comments}
                for v in seen])
        ins = store._insert(conn, sync_state)
        row = {"channel_id": channel.id, "listing_resume": json.dumps(dict(resume)) if resume is not None else None,
               "updated_at": now}
        conn.execute(ins.on_conflict_do_update(index_elements=["channel_id"],
                                               set_={"listing_resume": ins.excluded.listing_resume,
                                                     "updated_at": ins.excluded.updated_at}), [row])


def type_counts(store: Store, channel_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Stored videos per channel and type (``{"UC…": {"Short": 12, "Long": 30}}``): the planner's Shorts share."""
    from sqlalchemy import func

    ids = sorted(set(channel_ids))
    if not ids:
        return {}
    out: dict[str, dict[str, int]] = {}
    with store._read() as conn:
        q = (select(videos.c.channel_id, videos.c.type, func.count()).where(among(conn.dialect, videos.c.channel_id, ids))
             .group_by(videos.c.channel_id, videos.c.type))
        for cid, kind, n in conn.execute(q):
            out.setdefault(cid, {})[kind] = int(n)
    return out


SYNC_LOCK_KEY = 0x59325332  # "Y2S2": one scheduled sync at a time per PostgreSQL database


@contextlib.contextmanager
def database_sync_lock(store: Store) -> Iterator[bool]:
    """For a PostgreSQL store: a session advisory lock held for the block, so two machines syncing into one
    database (a server's cron and a GitHub Actions runner) do not both write; yields False when another
    session holds it. SQLite lives on one machine: the lock file in ``Y2S_DATA_DIR`` is enough (yields True).
    A release that fails (the connection was lost) is a StoreError saying the store "could not be unlocked
    after the sync", raised once the block is done (the sync's caller makes it a warning)."""
    engine = store.engine
    if engine.dialect.name != "postgresql":
        yield True
        return
    with store._guard("locked for a sync"):
        conn = engine.connect()
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SYNC_LOCK_KEY}).scalar())
            conn.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()
            raise
    try:
        yield got
    finally:
        # the release has its own words: a server that went down during the sync is no failure to *lock*
        # (its session, and the lock with it, is gone anyway)
        with store._guard("unlocked after the sync"):
            try:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SYNC_LOCK_KEY})
                    conn.commit()
            finally:
                conn.close()


__all__ = ["KEEP", "SYNC_LOCK_KEY", "database_sync_lock", "record_checkpoint", "type_counts", "Coverage", "KnownChannel", "detail_part", "known_channels", "midnight", "record_sync",
           "spec_from_json", "spec_to_json"]

