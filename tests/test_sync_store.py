"""What the incremental sync keeps in the store (SQLite and PostgreSQL): migration 3 from a version-2 database
with rows, a plain fetch never clobbering the sync's columns, when the coverage serves a FilterSpec; and the
pieces around it: the lock, the config file, the emulator's test hooks."""

# ruff: noqa: F811  (the store_backends fixtures are imported, then named as arguments)
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, inspect, text

from y2s_core.emulators.catalog import BIG_CHANNEL_ID, build_demo_catalog, demo_catalog
from y2s_core.errors import InputError
from y2s_core.filters import FilterSpec
from y2s_core.locks import LockBusy, hold_lock
from y2s_core.models import Channel, FetchResult, Video, VideoType
from y2s_core.schedule import entries
from y2s_core.store import SCHEMA_VERSION, Store, engine, migrations
from y2s_core.store.syncing import Coverage, known_channels, record_sync, spec_from_json, spec_to_json
from y2s_core.youtube.parsing import TYPE_RULE_DURATION

from .conftest import REPO
from .store_backends import backend_url, postgres_server  # noqa: F401 (fixtures)

T = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
CH = Channel(id="UC" + "a" * 22, title="Chan", handle="@chan", uploads_playlist_id="UU" + "a" * 22, video_count=3)


def video(i: int, day: int = 0, views: int = 10, kind: VideoType = VideoType.LONG) -> Video:
    return Video(id=f"vid{i:08d}", channel_id=CH.id, channel_title=CH.title, published_at=T - timedelta(days=day),
                 title=f"Video {i}", duration_seconds=300, type=kind, views=views)


def test_a_version_2_database_with_rows_is_migrated_to_the_latest_and_keeps_them(backend_url):
    eng = engine.engine_for(backend_url)
    assert migrations.migrate(eng, "test", upto=2) == 2
    with eng.begin() as conn:  # what part 1 of the store left: a channel, a video, a snapshot, a sync state
        conn.execute(text("INSERT INTO channels (id, title, type_rule, first_seen, updated_at) "
                          "VALUES (:i, 't', 'duration rule', :t, :t)"),
                     {"i": CH.id, "t": T if conn.dialect.name == "postgresql" else "2026-11-20 12:00:00"})
        conn.execute(text("INSERT INTO sync_state (channel_id, newest_video_id, updated_at) VALUES (:i, 'v', :t)"),
                     {"i": CH.id, "t": T if conn.dialect.name == "postgresql" else "2026-11-20 12:00:00"})
    store = Store(backend_url)
    store.quota_today("x")  # opening migrates to the latest
    with eng.connect() as conn:
        assert migrations.current_version(conn) == SCHEMA_VERSION == 5
    look = create_engine(engine.normalize_url(backend_url))
    try:
        found = inspect(look)
        assert {"missing_since"} <= {c["name"] for c in found.get_columns("videos")}
        assert {"listed_newest_id", "listed_newest_at", "coverage"} <= {c["name"] for c in found.get_columns("sync_state")}
    finally:
        look.dispose()
    assert store.sync_state_of(CH.id).newest_video_id == "v"
    known = known_channels(store, [CH.id])[CH.id]
    assert known.coverage is None and known.boundary_id is None and known.channel.title == "t"
    assert known.type_rule == TYPE_RULE_DURATION == "duration rule (approximate)"  # version 4 renamed it


def test_a_plain_fetch_keeps_the_sync_columns_and_snapshots_only_what_was_read(backend_url):
    store = Store(backend_url)
    vids = [video(1, 0), video(2, 1), video(3, 2)]
    record_sync(store, CH, type_rule="UUSH playlist", seen=vids, boundary=("vid00000001", T),
                coverage=Coverage(FilterSpec(), None), resume=None, full_listing=True, now=T)
    store.record_fetch(FetchResult(videos=(video(1, 0, views=50),), channels=(CH,)), spec=FilterSpec(max_videos=1),
                       now=T + timedelta(hours=1))
    known = known_channels(store, [CH.id])[CH.id]
    assert (known.boundary_id, known.boundary_at) == ("vid00000001", T) and known.coverage == Coverage()
    # a sync that re-read one video and lost another: one snapshot, one mark, nothing else touched
    record_sync(store, CH, type_rule=None, seen=[video(2, 1, views=99)], gone=["vid00000003"], now=T + timedelta(days=1))
    known = known_channels(store, [CH.id])[CH.id]
    assert known.missing == {"vid00000003"} and known.type_rule == "UUSH playlist"  # an unknown rule keeps the known
    counts = {}
    for h in store.history([CH.id]):
        counts[h.video_id] = counts.get(h.video_id, 0) + 1
    assert counts == {"vid00000001": 2, "vid00000002": 2, "vid00000003": 1}
    record_sync(store, CH, type_rule=None, seen=[video(3, 2)], now=T + timedelta(days=2))  # back: the mark clears
    assert known_channels(store, [CH.id])[CH.id].missing == frozenset()


@pytest.mark.parametrize("spec", [
    FilterSpec(), FilterSpec(types=["short", "live"], include=["a, b", "c"], exclude=["x"], match_tags=True),
    FilterSpec(min_duration=60, max_duration=600, until=date(2026, 1, 1), since=date(2025, 1, 1), max_videos=7),
])
def test_a_filter_spec_survives_json(spec):
    import json

    assert spec_from_json(json.loads(json.dumps(spec_to_json(spec)))) == spec
    cov = Coverage(spec, T)
    assert Coverage.from_json(cov.to_json()) == cov
    assert Coverage.from_json("{not json") is None


def test_coverage_serves_what_it_holds_and_no_more():
    stored = [video(i, day=i * 10, kind=VideoType.SHORT if i % 2 else VideoType.LONG) for i in range(10)]
    everything = Coverage()
    assert everything.serves(FilterSpec(types=["short"], max_videos=3), stored)
    shorts = Coverage(FilterSpec(types=["short"]), None)
    assert shorts.serves(FilterSpec(types=["short"], include=["video"]), stored)  # narrower
    assert not shorts.serves(FilterSpec(), stored)  # wider: the Longs were never stored
    floor = Coverage(FilterSpec(), T - timedelta(days=45))  # everything of the last 45 days
    assert floor.serves(FilterSpec(since=(T - timedelta(days=30)).date()), stored)
    assert not floor.serves(FilterSpec(since=(T - timedelta(days=60)).date()), stored)
    assert floor.serves(FilterSpec(max_videos=5), stored) and not floor.serves(FilterSpec(max_videos=6), stored)
    assert not floor.serves(FilterSpec(), stored)


# -------------------------------------------------------------------------------------------- the lock


def test_the_lock_says_who_holds_it_and_is_released_on_error(tmp_path):
    path = tmp_path / "d" / "sync.lock"
    with pytest.raises(RuntimeError), hold_lock(path, "sync"):
        with pytest.raises(LockBusy, match=r"Another sync is running \(sync: pid \d+, since .* UTC\)") as e:
            with hold_lock(path, "sync"):
                pass
        assert e.value.exit_code == 1 and str(path) in str(e.value)
        raise RuntimeError("the sync failed")
    with hold_lock(path, "sync"):  # released by the failure
        pass
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(Exception, match="Cannot create the sync lock file"):
        with hold_lock(blocked / "sync.lock", "sync"):
            pass


# ------------------------------------------------------------------------------------------ the config


def test_config_defaults_apply_and_toml_values_keep_their_types():
    import tomllib

    data = tomllib.loads('''
sheet = "team.xlsx"
columns = "views_gained_7d"
[[sync]]
channels = "@a, @b"
filters = { since = 2025-01-31, types = ["short"], max_videos = 5, include = ["a, b"] }
[[sync]]
name = "other"
channels = ["@c"]
sheet = "https://docs.google.com/spreadsheets/d/KEY/edit"
stats = "all"
full = true
columns = []
''')
    a, b = entries(data, "c.toml")
    assert a.channels == ("@a", "@b") and a.sheet == "team.xlsx" and a.tab == "Videos" and a.name == "entry 1"
    assert a.spec == FilterSpec(since=date(2025, 1, 31), types=["short"], max_videos=5, include=["a, b"])
    assert a.columns == ("views_gained_7d",) and a.stats == "recent" and not a.full
    assert b.name == "other" and b.stats == "all" and b.full and b.columns == ()
    with pytest.raises(InputError, match="entry 2 .'other'.: two entries are named 'other'"):
        entries({"sheet": "x.csv", "sync": [{"channels": ["@a"], "name": "other"}, {"channels": ["@b"], "name": "other"}]},
                "c.toml")


# ----------------------------------------------------------------------------------- the emulator hooks


def test_added_uploads_are_deterministic_and_the_shared_catalog_never_changes():
    one, two = demo_catalog().copy(), build_demo_catalog()
    a, b = one.add_uploads(BIG_CHANNEL_ID, 5), two.add_uploads(BIG_CHANNEL_ID, 5)
    assert [v.id for v in a] == [v.id for v in b] and len({v.id for v in a}) == 5
    assert one.uploads(BIG_CHANNEL_ID)[:5] == [v.id for v in a] and len(one.uploads(BIG_CHANNEL_ID)) == 2605
    assert a[0].published > a[-1].published > max(v.published for v in demo_catalog().videos(BIG_CHANNEL_ID))
    assert one.channel(BIG_CHANNEL_ID)["statistics"]["videoCount"] == "2605"
    assert {v.id for v in a if v.in_shorts} <= set(one.shorts(BIG_CHANNEL_ID))
    assert [v.id for v in one.add_uploads(BIG_CHANNEL_ID, 2)] != [v.id for v in a[:2]]  # the next ones are others
    with pytest.raises(RuntimeError, match="shared demo catalog never changes"):
        demo_catalog().add_uploads(BIG_CHANNEL_ID, 1)
    assert len(demo_catalog().uploads(BIG_CHANNEL_ID)) == 2600
    one.set_availability(a[0].id, "private")
    assert one.video(a[0].id) is None and a[0].id in one.all_uploads(BIG_CHANNEL_ID)
    assert a[0].id not in one.uploads(BIG_CHANNEL_ID)  # the uploads playlist leaves private videos out (issue 18)


# ------------------------------------------------------------------------------- the scheduled-run docs


def test_the_example_config_and_the_actions_file_are_ready_to_use():
    import yaml

    from y2s_core.cli import build_parser
    from y2s_core.schedule import load

    docs = REPO / "docs"
    entries_ = load(docs / "channels.example.toml")
    assert [e.name for e in entries_] == ["tutorials", "big"] and entries_[0].columns == ("views_gained_7d", "first_seen")
    flow = yaml.safe_load((docs / "github-actions-sync.yml").read_text(encoding="utf-8"))
    assert flow[True]["schedule"][0]["cron"]  # YAML reads the key `on` as True
    steps = flow["jobs"]["sync"]["steps"]
    [run] = [s for s in steps if "y2s_core" in s.get("run", "")]
    args = run["run"].split()
    assert args[:3] == ["python", "-m", "y2s_core"] and build_parser().parse_args(args[3:]).config == "channels.toml"
    assert all(v.startswith("${{ secrets.") for k, v in run["env"].items() if k != "Y2S_DATA_DIR")
    assert {"YOUTUBE_API_KEY", "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON", "Y2S_DATABASE_URL"} <= set(run["env"])
    assert not any("actions/cache" in s.get("uses", "") for s in steps)  # nothing of the run is cached
    assert flow["concurrency"]["cancel-in-progress"] is False
