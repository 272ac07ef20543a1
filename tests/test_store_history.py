"""The store's fetch history on SQLite and PostgreSQL: channels and videos upserted, one snapshot per video
per fetch, sync state, "new since last sync", lookups without YouTube; and two processes writing at once."""

# ruff: noqa: F811  (the store_backends fixtures are imported, then named as arguments)
from __future__ import annotations

import logging
import multiprocessing
import os
from datetime import datetime, timedelta, timezone

import pytest

from y2s_core.filters import FilterSpec
from y2s_core.models import Channel, ChannelRef, FetchResult, Video, VideoType
from y2s_core.settings import Settings
from y2s_core.store import Store, remember
from y2s_core.youtube.parsing import TYPE_RULE_DURATION

from .store_backends import backend_url, fresh_url, postgres_server  # noqa: F401 (fixtures)

T0 = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
CID = "UCaaaaaaaaaaaaaaaaaaaaaa"
OTHER = "UCbbbbbbbbbbbbbbbbbbbbbb"


def channel(cid: str = CID, title: str = "Alpha Lab", handle: str = "@alphalab") -> Channel:
    return Channel(id=cid, title=title, handle=handle, uploads_playlist_id="UU" + cid[2:], subscribers=1200,
                   video_count=3, view_count=999, thumbnail="https://yt3.ggpht.com/a")


def video(i: int, views: int | None = 100, *, cid: str = CID, published: datetime | None = None,
          likes: int | None = 5, title: str | None = None) -> Video:
    return Video(id=f"vid{cid[2:4]}{i:07d}", channel_id=cid, channel_title="Alpha Lab",
                 published_at=published or T0 - timedelta(days=i), title=title or f"Video {i}",
                 duration_seconds=60 * i, type=VideoType.LONG, views=views, likes=likes, comments=1,
                 tags=("a", "ü"), thumbnail=f"https://i.ytimg.com/vi/{i}/hq.jpg")


def result(videos: list[Video], chans: list[Channel] | None = None, **kw) -> FetchResult:
    return FetchResult(videos=tuple(videos), channels=tuple(chans or [channel()]), **kw)


def test_a_fetch_upserts_channel_and_videos_and_appends_one_snapshot_each(backend_url):
    store = Store(backend_url)
    first = [video(1, 100), video(2, 200, likes=None), video(3, None)]
    rec = store.record_fetch(result(first, type_rules={CID: TYPE_RULE_DURATION}), now=T0)
    assert (rec.channels, rec.videos, rec.new_videos, rec.snapshots) == (1, 3, 3, 3)
    later = T0 + timedelta(days=1)
    rec = store.record_fetch(result([video(1, 150, title="Renamed"), video(2, 260, likes=None), video(4, 10)]),
                             now=later)
    assert (rec.videos, rec.new_videos, rec.snapshots) == (3, 1, 3)
    assert store.type_rule(CID) == TYPE_RULE_DURATION  # a fetch that did not find out keeps what was known
    assert store.channel(CID) == channel()
    stored = {v.id: v for v in store.channel_videos(CID)}
    assert stored[video(1).id] == video(1, 150, title="Renamed")  # the latest metadata, tags and all
    assert stored[video(2).id].likes is None and stored[video(3).id].views is None
    hist = store.history([CID])
    assert [(h.video_id, h.taken_at, h.views) for h in hist] == [
        (video(1).id, T0, 100), (video(2).id, T0, 200), (video(3).id, T0, None),
        (video(1).id, later, 150), (video(2).id, later, 260), (video(4).id, later, 10),
    ]  # oldest first; within one fetch the newest video first
    assert hist[1].likes is None and hist[0].taken_at.tzinfo is not None
    assert store.first_seen([video(1).id, video(4).id, "nope"]) == {video(1).id: T0, video(4).id: later}
    assert [h.views for h in store.history([CID], video_id=video(1).id)] == [100, 150]
    assert store.history([OTHER]) == []


def test_the_history_row_is_rfc3339_utc_to_the_second(backend_url):
    store = Store(backend_url)
    store.record_fetch(result([video(1, 7)]), now=datetime(2026, 12, 2, 1, 2, 3, 456789, tzinfo=timezone.utc))
    [row] = [h.to_row() for h in store.history([CID])]
    assert row["taken_at"] == "2026-12-02T01:02:03Z" and row["published_at"] == "2026-10-31T12:00:00Z"
    assert {k: row[k] for k in ("video_id", "views", "likes", "comments")} == {
        "video_id": video(1).id, "views": 7, "likes": 5, "comments": 1}


def test_sync_state_follows_the_newest_video_and_full_listings(backend_url):
    store = Store(backend_url)
    store.record_fetch(result([video(2), video(3)]), spec=FilterSpec(max_videos=2), now=T0)
    s = store.sync_state_of(CID)
    assert (s.newest_video_id, s.newest_published_at, s.last_sync_at) == (video(2).id, video(2).published_at, T0)
    assert s.last_full_listing_at is None and s.previous_newest_at is None  # max_videos stops paging early
    t1 = T0 + timedelta(hours=6)
    store.record_fetch(result([video(1), video(2), video(3)]), spec=FilterSpec(), now=t1)
    s = store.sync_state_of(CID)
    assert (s.newest_video_id, s.last_full_listing_at, s.previous_sync_at) == (video(1).id, t1, T0)
    t2 = T0 + timedelta(hours=12)  # a partial (quota-cut) fetch is stored, and is no full listing
    store.record_fetch(result([video(3)], complete=False), spec=FilterSpec(), now=t2)
    s = store.sync_state_of(CID)
    assert (s.newest_video_id, s.last_full_listing_at, s.last_sync_at) == (video(1).id, t1, t2)
    store.save_listing_resume(CID, {"page_token": "CDIQAA", "ids": ["x"]})
    assert store.sync_state_of(CID).listing_resume == {"page_token": "CDIQAA", "ids": ["x"]}
    store.record_fetch(result([video(1)]), now=t2 + timedelta(hours=1))
    assert store.sync_state_of(CID).listing_resume == {"page_token": "CDIQAA", "ids": ["x"]}  # kept
    store.save_listing_resume(CID, None)
    assert store.sync_state_of(CID).listing_resume is None
    assert store.sync_state_of(OTHER) is None


def test_new_since_last_sync_marks_only_uploads_the_latest_fetch_found(backend_url):
    store = Store(backend_url)
    old = [video(3), video(4)]
    store.record_fetch(result(old), now=T0)
    ids = [v.id for v in old]
    assert store.new_since_last_sync(ids) == set()  # a channel's first fetch has nothing to compare with
    fresh = video(0, published=T0 + timedelta(hours=1))
    older_never_fetched = video(9)  # first seen now, but published before the newest known: not an upload
    store.record_fetch(result([fresh, *old, older_never_fetched]), now=T0 + timedelta(days=1))
    assert store.new_since_last_sync([fresh.id, *ids, older_never_fetched.id]) == {fresh.id}
    store.record_fetch(result([fresh, *old]), now=T0 + timedelta(days=2))
    assert store.new_since_last_sync([fresh.id, *ids]) == set()  # no upload since


@pytest.mark.parametrize("text, found", [
    ("@alphalab", True), ("@AlphaLab", True), ("UCaaaaaaaaaaaaaaaaaaaaaa", True),
    ("https://www.youtube.com/user/alphalab", True), ("https://www.youtube.com/c/alphalab", True), ("https://www.youtube.com/c/other", False),
    ("youtube.com/alphalab", True), ("@someoneelse", False), ("UCzzzzzzzzzzzzzzzzzzzzzz", False),
])
def test_a_stored_channel_is_found_from_any_input_form_without_youtube(backend_url, text, found):
    from y2s_core.channel_input import parse

    store = Store(backend_url)
    store.record_fetch(result([video(1)]), now=T0)
    [ref] = parse(text)
    assert (store.find_channel(ref) == channel()) is found
    assert store.find_channel(ChannelRef("video", video(1).id)) == channel()
    assert store.find_channel(ChannelRef("video", "dQw4w9WgXcQ")) is None


def test_remember_never_raises_and_keeps_the_rows(tmp_path, caplog):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data dir should be")
    settings = Settings(data_dir=blocked, youtube_api_key="AIzaSECRET")
    fetched = result([video(1)])
    with caplog.at_level(logging.WARNING, logger="y2s_core.store"):
        done = remember(fetched, settings)
    assert done.record is None and done.problem == f"fetch history not saved in {blocked} (FileExistsError)"
    assert [r.getMessage() for r in caplog.records if r.name == "y2s_core.store"] == [done.problem]
    assert fetched.videos == (video(1),)
    ok = remember(fetched, Settings(data_dir=tmp_path / "fine"))
    assert ok.problem is None and ok.record.snapshots == 1
    assert remember(None, settings).record is None and remember(FetchResult(), settings).problem is None


# ------------------------------------------------------------------------------------ two processes

WRITERS, ROUNDS, PER_ROUND = 2, 25, 40


def _writer(url: str, n: int, ready, spans) -> None:
    store = Store(url)
    shared = [video(i, 1000 + n) for i in range(PER_ROUND // 2)]  # both writers upsert these: same rows
    ready.wait(120)  # both processes started and imported: go together
    started = datetime.now(timezone.utc)
    for r in range(ROUNDS):
        if r == ROUNDS // 2:  # half-way, each waits for the other: whatever the scheduler does, their writes
            ready.wait(120)   # overlap (a loaded machine could otherwise run one writer after the other)
        own = [video(100 + n * 1000 + r * PER_ROUND + i, r) for i in range(PER_ROUND // 2)]
        store.record_fetch(result(shared + own), now=datetime.now(timezone.utc))
        store.record_quota("acct", {"videos.list": 1, "playlistItems.list": 2})
    spans.put((started, datetime.now(timezone.utc)))


def test_two_processes_writing_at_once_lose_no_snapshot_and_no_unit(backend_url):
    Store(backend_url).quota_today("acct")  # migrated before the race (the race on migrating has its own test)
    ctx = multiprocessing.get_context("spawn")
    ready, spans = ctx.Barrier(WRITERS), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(backend_url, n, ready, spans)) for n in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(240)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    (s1, e1), (s2, e2) = spans.get(timeout=30), spans.get(timeout=30)
    assert max(s1, s2) < min(e1, e2)  # the two really wrote at the same time
    store = Store(backend_url)
    hist = store.history([CID])
    assert len(hist) == WRITERS * ROUNDS * PER_ROUND  # every snapshot of every fetch of both processes
    assert len(store.channel_videos(CID)) == PER_ROUND // 2 + WRITERS * ROUNDS * PER_ROUND // 2
    assert store.quota_today("acct") == {"playlistItems.list": 2 * WRITERS * ROUNDS, "videos.list": WRITERS * ROUNDS}


def _migrator(urls: list[str], ready, out) -> None:
    for url in urls:
        ready.wait(120)  # both processes open the same new database at the same moment
        try:
            Store(url).record_quota("acct", {"videos.list": 1})
            out.put("ok")
        except Exception as e:  # reported to the test
            out.put(f"{type(e).__name__}: {e}")


def test_two_processes_opening_a_new_database_at_once_both_migrate_cleanly(fresh_url):
    urls = [fresh_url() for _ in range(10)]
    ctx = multiprocessing.get_context("spawn")
    ready, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_migrator, args=(urls, ready, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in range(2 * len(urls))]
    for p in procs:
        p.join(60)
    assert results == ["ok"] * 2 * len(urls)
    assert all(Store(url).quota_today("acct") == {"videos.list": 2} for url in urls)


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_the_sqlite_store_lives_in_the_data_dir(tmp_path):
    Store.in_dir(tmp_path / "d").record_fetch(result([video(1)]), now=T0)
    assert (tmp_path / "d" / "y2s.sqlite").is_file()
