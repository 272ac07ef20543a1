"""The uploads feed as the incremental sync's first look (``youtube.feed``, issue 18 item 4): through the real
google-api-python-client and the client's own http objects against the YouTube emulator, which serves the feed
beside the API (``emulators.youtube_feed``) and counts it apart (``feed_calls``, never quota).

An unchanged channel costs 0 units (no playlistItems.list, no videos.list) and the feed is asked once; a new
upload, or any outage (404, 500, stale, slow, malformed), takes today's playlistItems path with the same rows
and the same units; the sync report and the CLI say which path each channel took."""

from __future__ import annotations

import io
import math
import re
import socket
from datetime import timedelta

import httplib2
import pytest

from y2s_core import cli
from y2s_core.emulators.catalog import BIG_CHANNEL_ID, DEMO_NOW, demo_catalog
from y2s_core.emulators.transport import HttplibHttp, serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.settings import Settings
from y2s_core.store import Store
from y2s_core.store.syncing import known_channels
from y2s_core.sync import Syncer, SyncOptions
from y2s_core.youtube import YouTubeClient
from y2s_core.youtube.feed import DEFAULT_FEED_URL, FeedRead, feed_base, first_look, parse_feed

pytestmark = pytest.mark.timeout(300)
NOW = DEMO_NOW


def make(emu: YouTubeEmulator, tmp_path, **settings) -> Syncer:
    s = Settings(youtube_api_key="k", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'y2s.sqlite'}",
                 **settings)
    factory = (lambda: HttplibHttp(emu)) if not settings.get("youtube_api_url") else (lambda: httplib2.Http(timeout=30))
    return Syncer(YouTubeClient(s, http_factory=factory, retry_sleep=lambda s: None), s)


def sync(emu, tmp_path, channel="@bigchannel", stats="none", **settings):
    emu.reset()
    syncer = make(emu, tmp_path, **settings)
    prep = syncer.prepare([channel] if isinstance(channel, str) else list(channel), None,
                          SyncOptions(now=NOW, stats=stats))
    return prep, syncer.run(prep)


def rows(out) -> list[dict]:
    return [v.to_row() for v in out.result.videos]


def listed_only(emu) -> bool:
    """The run listed the uploads playlist as before the feed: one page of it, nothing else."""
    return dict(emu.units_by_method) == {"playlistItems.list": 1}


# ------------------------------------------------------------------------------- an unchanged channel


@pytest.mark.parametrize("handle", ["@y2sdemo", "@bigchannel", "@hugechannel"])
def test_an_unchanged_channel_costs_no_unit_and_one_feed_request(handle, tmp_path):
    emu = YouTubeEmulator()
    _, first = sync(emu, tmp_path, handle)
    assert first.reports[0].mode == "full" and emu.feed_calls == 0  # a first listing has no boundary to compare
    prep, out = sync(emu, tmp_path, handle)
    assert emu.units_used == 0 and emu.calls == []  # no playlistItems.list, no videos.list, no channels.list
    assert emu.feed_calls == 1 and emu.feed_requests == [{"channel_id": first.result.channels[0].id}]
    report = out.reports[0]
    assert (report.mode, report.units, report.new, report.note) == ("incremental", 0, 0, "feed: unchanged")
    assert prep.plan.units == 0  # the planner expected the feed to show nothing new
    assert rows(out) == rows(first) and out.result.complete
    # the boundary stayed: the next run still compares with the top of the uploads playlist
    cid = first.result.channels[0].id
    known = known_channels(Store(f"sqlite:///{tmp_path / 'y2s.sqlite'}"), [cid])[cid]
    assert known.boundary_id == demo_catalog().uploads(cid)[0] and known.boundary_at is not None


def test_statistics_are_still_refreshed_when_the_feed_shows_nothing_new(tmp_path):
    emu = YouTubeEmulator()
    _, first = sync(emu, tmp_path)
    recent = sum(1 for v in demo_catalog().videos(BIG_CHANNEL_ID)
                 if v.published >= (NOW - timedelta(days=90)).timestamp())
    prep, out = sync(emu, tmp_path, stats="recent")
    # the refresh only, from videos.batchGetStats (its own bucket): 0 units of the main pool
    assert dict(emu.units_by_method) == {"videos.batchGetStats": math.ceil(recent / 50)} and emu.units_used == 0
    assert out.reports[0].refreshed == recent and out.reports[0].note == "feed: unchanged"
    assert prep.plan.units == 0 and prep.plan.stats_calls == math.ceil(recent / 50)
    assert [r["video_id"] for r in rows(out)] == [r["video_id"] for r in rows(first)]


# ------------------------------------------------------------------------------------ new uploads


def test_a_new_upload_takes_the_usual_path_with_the_same_rows_as_without_the_feed(tmp_path):
    runs = {}
    for feed in ("up", "404"):
        catalog = demo_catalog().copy()
        emu = YouTubeEmulator(catalog, feed=feed)
        sync(emu, tmp_path / feed)
        added = catalog.add_uploads(BIG_CHANNEL_ID, 1)
        _, out = sync(emu, tmp_path / feed)
        runs[feed] = (dict(emu.units_by_method), rows(out), out.reports[0].note, emu.feed_calls)
        assert out.new_ids == {added[0].id}
    assert runs["up"][0] == runs["404"][0] == {"playlistItems.list": 2, "videos.list": 1}  # as before the feed
    assert runs["up"][1] == runs["404"][1]
    assert runs["up"][2] == "feed: 1 new: listed" and runs["404"][2] == "feed unavailable (404): listed"
    assert runs["up"][3] == runs["404"][3] == 1


def test_more_new_uploads_than_the_feed_shows_are_all_listed(tmp_path):
    catalog = demo_catalog().copy()
    emu = YouTubeEmulator(catalog)
    sync(emu, tmp_path)
    added = catalog.add_uploads(BIG_CHANNEL_ID, 16)  # the boundary is out of the feed's 15
    _, out = sync(emu, tmp_path)
    assert out.new_ids == {v.id for v in added} and out.reports[0].note == "feed: 15+ new: listed"
    _, again = sync(emu, tmp_path)  # the boundary moved to the new top: the feed shows it
    assert emu.units_used == 0 and again.reports[0].note == "feed: unchanged"


def test_a_feed_lagging_behind_an_upload_delays_it_one_run_and_loses_nothing(tmp_path):
    catalog = demo_catalog().copy()
    emu = YouTubeEmulator(catalog)
    sync(emu, tmp_path)
    added = catalog.add_uploads(BIG_CHANNEL_ID, 1)
    emu.feed = "stale"  # the feed has not caught up: its newest is still the boundary
    _, blind = sync(emu, tmp_path)
    assert emu.units_used == 0 and blind.new_ids == frozenset()
    emu.feed = "up"
    _, seen = sync(emu, tmp_path)  # the boundary stayed where it was: the listing finds the upload
    assert seen.new_ids == {added[0].id} and seen.reports[0].note == "feed: 1 new: listed"


# ----------------------------------------------------------------------------------------- outages


@pytest.mark.parametrize(("mode", "note"), [
    ("404", "feed unavailable (404): listed"),
    ("500", "feed unavailable (HTTP 500): listed"),
    ("stale", "feed stale (older than the last listing): listed"),
    ("malformed", "feed unreadable (malformed XML): listed"),
])
def test_a_feed_outage_falls_back_to_the_listing_with_the_same_rows_and_units(mode, note, tmp_path):
    emu = YouTubeEmulator()
    _, first = sync(emu, tmp_path)
    emu.feed = mode
    prep, out = sync(emu, tmp_path)
    assert listed_only(emu), dict(emu.units_by_method)  # 1 unit: what an unchanged channel cost before the feed
    assert out.reports[0].units == 1 and out.reports[0].note == note and emu.feed_calls == 1
    assert rows(out) == rows(first) and out.result.complete and out.reports[0].gone == 0  # never "no uploads"
    assert out.result.warnings == ()


def test_a_slow_feed_times_out_and_falls_back(tmp_path):
    emu = YouTubeEmulator()
    both = ["@bigchannel", "@oldschool"]
    with serve(emu) as server:
        _, first = sync(emu, tmp_path, both, youtube_api_url=server.url)
        emu.feed, emu.feed_delay = "slow", 2.0
        emu.reset()
        syncer = make(emu, tmp_path, youtube_api_url=server.url)
        syncer.c.feed_timeout = 0.2
        out = syncer.run(syncer.prepare(both, None, SyncOptions(now=NOW, stats="none")))
    assert [r.note for r in out.reports] == ["feed unavailable (timed out): listed",
                                             "feed unavailable (timed out, not asked again): listed"]
    assert emu.units_by_method == {"playlistItems.list": 2} and emu.feed_calls == 1  # one timeout, not one a channel
    assert rows(out) == rows(first)


def test_an_unreachable_feed_url_falls_back(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    emu = YouTubeEmulator()
    with serve(emu) as server:
        sync(emu, tmp_path, youtube_api_url=server.url)
        _, out = sync(emu, tmp_path, youtube_api_url=server.url, youtube_feed_url=dead)
    assert out.reports[0].note.startswith("feed unavailable (unreachable: ") and listed_only(emu)
    assert emu.feed_calls == 0  # Y2S_YOUTUBE_FEED_URL was asked, not the API's base


# ---------------------------------------------------------------------------------- the feed itself


def test_the_emulator_serves_the_feed_as_youtube_writes_it_and_never_as_quota():
    emu = YouTubeEmulator()
    http = HttplibHttp(emu)
    resp, body = http.request(f"{DEFAULT_FEED_URL}/feeds/videos.xml?channel_id={BIG_CHANNEL_ID}")
    assert resp.status == 200 and resp["content-type"].startswith("text/xml")
    text = body.decode("utf-8")
    assert '<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:media="http://search.yahoo.com/mrss/" ' \
           'xmlns="http://www.w3.org/2005/Atom">' in text
    assert f"<id>yt:channel:{BIG_CHANNEL_ID[2:]}</id>" in text
    entries = parse_feed(body)
    newest = [v for v in demo_catalog().videos(BIG_CHANNEL_ID)][:15]
    assert [e.video_id for e in entries] == [v.id for v in newest]
    assert f"<id>yt:video:{newest[0].id}</id>" in text and f"<yt:channelId>{BIG_CHANNEL_ID}</yt:channelId>" in text
    assert entries[0].published is not None and int(entries[0].published.timestamp()) == newest[0].published
    assert entries[0].title == newest[0].title
    uu = "UU" + BIG_CHANNEL_ID[2:]
    resp, body = http.request(f"{DEFAULT_FEED_URL}/feeds/videos.xml?playlist_id={uu}")
    assert resp.status == 200 and [e.video_id for e in parse_feed(body)] == [v.id for v in newest]
    assert http.request(f"{DEFAULT_FEED_URL}/feeds/videos.xml?channel_id=UC{'x' * 22}")[0].status == 404
    assert emu.feed_calls == 3 and emu.calls == [] and emu.units_used == 0


def test_the_demo_lab_feed_leaves_private_and_deleted_entries_out():
    emu = YouTubeEmulator()
    cid = next(c for c, ch in emu.catalog.channels.items() if ch.handle == "@y2sdemo")
    _, body = HttplibHttp(emu).request(f"{DEFAULT_FEED_URL}/feeds/videos.xml?channel_id={cid}")
    ids = [e.video_id for e in parse_feed(body)]
    assert len(ids) == 15 and ids == [v.id for v in emu.catalog.videos(cid)][:15]


@pytest.mark.parametrize("body", [
    b"", b"<html><body>Before you continue to YouTube</body></html>", b'<?xml version="1.0"?><feed',
    b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom"/>',
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>no id</title></entry></feed>',
])
def test_what_is_not_a_youtube_feed_is_refused(body):
    with pytest.raises(ValueError):
        parse_feed(body)


def test_first_look_says_why_a_channel_is_listed():
    at = NOW - timedelta(days=1)
    assert first_look(FeedRead(failure="no entries"), "A", at).note == "feed unavailable (no entries): listed"
    assert not first_look(FeedRead(failure="404"), "A", at).unchanged  # a 404 never means "no uploads"


def test_the_feed_is_read_beside_the_api_it_is_pointed_at():
    assert feed_base(Settings(youtube_api_key="k")) == DEFAULT_FEED_URL
    assert feed_base(Settings(youtube_api_url="http://127.0.0.1:9/")) == "http://127.0.0.1:9"
    assert feed_base(Settings(youtube_api_url="http://127.0.0.1:9", youtube_feed_url="http://127.0.0.1:8")) == \
        "http://127.0.0.1:8"
    assert Settings.from_env({"Y2S_YOUTUBE_FEED_URL": " http://127.0.0.1:7 "}).youtube_feed_url == \
        "http://127.0.0.1:7"


# ------------------------------------------------------------------------------------------ the CLI


def run(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(args), stdout=out, stderr=err, env=env)
    return code, out.getvalue(), err.getvalue()


def test_the_cli_sync_says_which_path_each_channel_took(tmp_path):
    emu = YouTubeEmulator(demo_catalog().copy())
    book = tmp_path / "v.csv"
    with serve(emu) as server:
        env = {"Y2S_YOUTUBE_API_URL": server.url, "YOUTUBE_API_KEY": "k", "Y2S_DATA_DIR": str(tmp_path / "data")}
        assert run("sync", "@oldschool", "@y2sdemo", "--sheet", str(book), env=env)[0] == 0
        emu.reset()
        code, out, err = run("sync", "@oldschool", "@y2sdemo", "--sheet", str(book), "--stats", "none", env=env)
        assert code == 0 and err == "", err
        assert emu.units_used == 0 and emu.feed_calls == 2
        assert "Old School Tutorials: incremental, 0 new, 0 updated, 0 units (feed: unchanged)" in out.splitlines()
        assert "Y2S Demo Lab: incremental, 0 new, 0 updated, 0 units (feed: unchanged)" in out.splitlines()
        emu.feed = "500"
        emu.reset()
        code, out, err = run("sync", "@oldschool", "--sheet", str(book), "--stats", "none", env=env)
        assert code == 0 and emu.units_by_method == {"playlistItems.list": 1}, err
        assert re.search(r"^Old School Tutorials: incremental, 0 new, 0 updated, 1 units? "
                         r"\(feed unavailable \(HTTP 500\): listed\)$", out, re.M), out
