"""The demo has a past and a present (issue 19, item 1) and its uploads playlist lists what Google's does
(issue 18, item 5): through the real google-api-python-client against the emulator wherever the API is involved.

* the uploads playlist (UU…, and its tabs) leaves private and deleted videos out; an ordinary playlist keeps
  them as "Private video" / "Deleted video" placeholders;
* views, likes and comments are heavy-tailed per channel (Shorts and long videos apart), from a fixed seed;
* a clock: each channel uploads on its cadence, every video's views grow (fast, then slow); the clock is kept
  in the data directory, moved by ``python -m y2s_core.emulators clock --advance 1d`` and by the Settings
  control, and the running emulator follows it;
* a first demo run seeds the store with the demo's last days.
"""

from __future__ import annotations

import json
import math
import statistics
from datetime import datetime, timedelta

import pytest
from googleapiclient.discovery import build

from y2s_core.emulators.__main__ import main as emulators_main
from y2s_core.emulators.catalog import (
    BIG_CHANNEL_ID,
    DEMO_LAB_ID,
    DEMO_NOW,
    EDITING_BASICS_ID,
    EMPTY_CHANNEL_ID,
    HUGE_CHANNEL_ID,
    OLD_SCHOOL_ID,
    UPLOAD_CADENCE,
    aged,
    build_demo_catalog,
    demo_catalog,
    demo_catalog_at,
    growth,
)
from y2s_core.emulators.demo_clock import CLOCK_FILE, DemoClock, parse_span
from y2s_core.emulators.transport import HttplibHttp
from y2s_core.emulators.youtube import YouTubeEmulator

DAY = 86_400
T0 = int(DEMO_NOW.timestamp())
PLACEHOLDERS = {"Private video", "Deleted video"}


def api(emu: YouTubeEmulator):
    return build("youtube", "v3", developerKey="test-key", http=HttplibHttp(emu), static_discovery=True)


def listing(yt, playlist_id: str, pages: int | None = None) -> list[dict]:
    items, token, n = [], None, 0
    while True:
        resp = yt.playlistItems().list(part="snippet,contentDetails,status", playlistId=playlist_id, maxResults=50,
                                       pageToken=token).execute()
        items += resp["items"]
        token, n = resp.get("nextPageToken"), n + 1
        if not token or (pages is not None and n >= pages):
            return items


def stats(yt, ids: list[str]) -> dict[str, dict]:
    out = {}
    for i in range(0, len(ids), 50):
        resp = yt.videos().list(part="statistics", id=",".join(ids[i:i + 50])).execute()
        out.update({v["id"]: v["statistics"] for v in resp["items"]})
    return out


# ------------------------------------------------------------------------------ uploads playlist vs a playlist


def test_the_uploads_playlist_has_no_placeholders_while_an_ordinary_playlist_has():
    emu = YouTubeEmulator()
    yt = api(emu)
    sp = emu.catalog.special
    hidden = {sp["private_1"], sp["private_2"], sp["deleted"]}
    uploads = listing(yt, "UU" + DEMO_LAB_ID[2:])
    assert len(uploads) == 150 and not {i["snippet"]["title"] for i in uploads} & PLACEHOLDERS
    assert not {i["contentDetails"]["videoId"] for i in uploads} & hidden
    assert all(i["status"]["privacyStatus"] == "public" for i in uploads)
    shorts = listing(yt, "UUSH" + DEMO_LAB_ID[2:])
    assert shorts and not {i["snippet"]["title"] for i in shorts} & PLACEHOLDERS

    basics = listing(yt, EDITING_BASICS_ID)
    by_id = {i["contentDetails"]["videoId"]: i for i in basics}
    assert hidden <= set(by_id)
    assert by_id[sp["deleted"]]["snippet"]["title"] == "Deleted video"
    assert by_id[sp["private_1"]]["snippet"]["title"] == "Private video"
    assert by_id[sp["private_1"]]["status"]["privacyStatus"] == "private"
    assert "videoPublishedAt" not in by_id[sp["deleted"]]["contentDetails"]
    assert [i["snippet"]["position"] for i in basics] == list(range(len(basics)))  # the owner's order
    assert by_id[sp["tagged"]]["snippet"]["videoOwnerChannelId"] == DEMO_LAB_ID

    found = yt.playlists().list(part="snippet,contentDetails", channelId=DEMO_LAB_ID).execute()
    assert [p["id"] for p in found["items"]] == [EDITING_BASICS_ID]  # UU… is never listed by channelId
    assert found["items"][0]["contentDetails"]["itemCount"] == len(basics)
    assert yt.playlists().list(part="id", channelId=BIG_CHANNEL_ID).execute()["items"] == []


def test_a_video_made_private_leaves_the_uploads_playlist_and_its_tab():
    cat = demo_catalog().copy()
    victim = cat.tabs(BIG_CHANNEL_ID)["UULF"][3]
    cat.set_availability(victim, "private")
    yt = api(YouTubeEmulator(cat))
    assert victim not in {i["contentDetails"]["videoId"] for i in listing(yt, "UU" + BIG_CHANNEL_ID[2:], pages=1)}
    assert victim not in {i["contentDetails"]["videoId"] for i in listing(yt, "UULF" + BIG_CHANNEL_ID[2:], pages=1)}
    assert victim in cat.all_uploads(BIG_CHANNEL_ID) and victim not in cat.uploads(BIG_CHANNEL_ID)


# ---------------------------------------------------------------------------------------------- statistics


def test_views_are_heavy_tailed_so_the_huge_channels_top_ten_differ():
    cat = demo_catalog()
    views = sorted((v.views for v in cat.videos(HUGE_CHANNEL_ID)), reverse=True)
    assert len(set(views[:10])) == 10 and 5_120_000 not in views[:10]
    median = statistics.median(views)
    assert views[0] > 50 * median  # a few take off, as on YouTube
    assert views[0] < 10_000 * median


def test_channels_shorts_and_long_videos_have_their_own_medians():
    cat = demo_catalog()
    med = {cid: statistics.median(v.views for v in cat.videos(cid)) for cid in
           (DEMO_LAB_ID, BIG_CHANNEL_ID, HUGE_CHANNEL_ID, OLD_SCHOOL_ID)}
    assert med[OLD_SCHOOL_ID] < med[DEMO_LAB_ID] < med[BIG_CHANNEL_ID] < med[HUGE_CHANNEL_ID]
    old = [v for v in cat.videos(HUGE_CHANNEL_ID) if v.published < T0 - 60 * DAY and v.live == "none"
           and v.stream is None]
    shorts = statistics.median(v.views for v in old if v.in_shorts)
    longs = statistics.median(v.views for v in old if not v.in_shorts)
    assert shorts != longs and 1.1 < shorts / longs < 3
    spread = {kind: statistics.pstdev([math.log(max(v.views, 1)) for v in old if v.in_shorts is kind])
              for kind in (True, False)}
    assert spread[True] > spread[False]  # Shorts spread wider
    liked = [v for v in cat.videos(HUGE_CHANNEL_ID) if v.likes is not None and v.views > 1000]
    assert all(0 <= v.likes < v.views * 0.1 for v in liked)


def test_the_same_seed_gives_the_same_catalog_at_any_day():
    one, two = build_demo_catalog(), demo_catalog()
    for cid in one.channels:
        assert [(v.id, v.views, v.likes, v.comments) for v in one.videos(cid)] == \
               [(v.id, v.views, v.likes, v.comments) for v in two.videos(cid)]
    later = T0 + 3 * DAY + 3600
    a, b = one.at(later), demo_catalog_at(later)
    for cid in one.channels:
        assert [(v.id, v.title, v.published, v.views) for v in a.videos(cid)] == \
               [(v.id, v.title, v.published, v.views) for v in b.videos(cid)]


# -------------------------------------------------------------------------------------------------- growth


def test_views_grow_fast_at_first_then_slowly():
    tau = 3.0
    days = [growth(d * DAY, tau) for d in range(0, 400)]
    assert days[0] == 0 and all(b > a for a, b in zip(days, days[1:], strict=False))
    gains = [b - a for a, b in zip(days, days[1:], strict=False)]
    assert gains[0] > 10 * gains[60] > 0  # the first day brings far more than a day two months on
    assert days[7] > 0.7 and 1.0 < days[365] < 1.5


def test_a_video_read_at_another_day_is_exact_at_its_own_and_monotonic():
    cat = demo_catalog()
    v = cat.videos(BIG_CHANNEL_ID)[40]
    assert aged(v, T0, T0) == v
    seq = [aged(v, T0 + k * DAY, T0).views for k in range(-20, 21)]
    assert seq == sorted(seq) and seq[20] == v.views and seq[-1] > v.views > seq[0]


def test_advancing_a_day_adds_the_channels_uploads_and_raises_every_views_count(tmp_path):
    clock = DemoClock(tmp_path)
    emu = YouTubeEmulator(clock=clock)
    yt = api(emu)
    before_ids = [i["contentDetails"]["videoId"] for i in listing(yt, "UU" + HUGE_CHANNEL_ID[2:], pages=1)]
    before = stats(yt, before_ids)

    clock.advance("1d")
    after_items = listing(yt, "UU" + HUGE_CHANNEL_ID[2:], pages=1)
    after_ids = [i["contentDetails"]["videoId"] for i in after_items]
    new = after_ids[: after_ids.index(before_ids[0])]
    expected = [v.id for v in demo_catalog_at(T0 + DAY).videos(HUGE_CHANNEL_ID) if v.published > T0]
    assert new == expected and 1 <= len(new) <= 12  # about 4 a day on the news channel
    assert after_ids[len(new):] == before_ids[: len(after_ids) - len(new)]
    assert all(i["contentDetails"]["videoPublishedAt"] > DEMO_NOW.strftime("%Y-%m-%dT%H:%M:%S")
               for i in after_items[: len(new)])
    after = stats(yt, before_ids)
    assert all(int(after[i]["viewCount"]) >= int(before[i]["viewCount"]) for i in before_ids)
    assert sum(int(after[i]["viewCount"]) for i in before_ids) > sum(int(before[i]["viewCount"]) for i in before_ids)
    channel = yt.channels().list(part="statistics", id=HUGE_CHANNEL_ID).execute()["items"][0]["statistics"]
    assert int(channel["videoCount"]) == 20_000 + len(new)


@pytest.mark.parametrize("cid", [DEMO_LAB_ID, BIG_CHANNEL_ID, HUGE_CHANNEL_ID, OLD_SCHOOL_ID, EMPTY_CHANNEL_ID])
def test_each_channel_uploads_on_its_own_cadence(cid):
    base = demo_catalog()
    month = demo_catalog_at(T0 + 30 * DAY)
    week = demo_catalog_at(T0 + 7 * DAY)
    added = len(month.uploads(cid)) - len(base.uploads(cid))
    handle = base.channels[cid].handle
    if handle not in UPLOAD_CADENCE:
        assert added == 0 and month.uploads(cid) == []  # the empty channel stays empty
        return
    every = UPLOAD_CADENCE[handle][0]
    assert 0.4 * 30 / every <= added <= 2.5 * 30 / every + 1
    fresh_week = [v for v in week.uploads(cid) if v not in base.uploads(cid)]
    assert month.uploads(cid)[-len(base.uploads(cid)) - len(fresh_week):][: len(fresh_week)] == fresh_week  # a prefix
    assert all(month.record(v).views >= week.record(v).views for v in fresh_week)


def test_the_past_has_fewer_uploads_and_fewer_views():
    past = demo_catalog_at(T0 - 30 * DAY)
    base = demo_catalog()
    assert len(past.uploads(BIG_CHANNEL_ID)) < len(base.uploads(BIG_CHANNEL_ID))
    assert set(past.uploads(BIG_CHANNEL_ID)) <= set(base.uploads(BIG_CHANNEL_ID))
    assert past._stats[BIG_CHANNEL_ID][0] < base._stats[BIG_CHANNEL_ID][0]


def test_a_fixed_catalog_does_not_follow_the_clock(tmp_path):
    clock = DemoClock(tmp_path)
    clock.advance("2d")
    assert YouTubeEmulator(demo_catalog()).catalog is demo_catalog()
    assert YouTubeEmulator(clock=False).catalog is demo_catalog()
    assert YouTubeEmulator(clock=clock).catalog.now == T0 + 2 * DAY


# --------------------------------------------------------------------------------------------- the clock


def test_the_default_emulator_follows_the_data_dirs_clock(tmp_path, monkeypatch):
    monkeypatch.setenv("Y2S_DATA_DIR", str(tmp_path))
    emu = YouTubeEmulator()
    assert emu.catalog is demo_catalog()  # no clock file: DEMO_NOW, as every other test sees it
    assert emulators_main(["clock", "--advance", "1d"]) == 0
    state = json.loads((tmp_path / CLOCK_FILE).read_text())
    assert state["offset_seconds"] == DAY
    assert emu.catalog.now == T0 + DAY  # the running emulator sees it on its next request
    assert emulators_main(["clock", "--reset"]) == 0
    assert emu.catalog is demo_catalog()


def test_the_clock_cli_refuses_a_bad_span(tmp_path, capsys):
    assert emulators_main(["clock", "--advance", "tomorrow", "--data-dir", str(tmp_path)]) == 2
    assert "not a time span" in capsys.readouterr().err
    assert not (tmp_path / CLOCK_FILE).exists()


@pytest.mark.parametrize("span,seconds", [("1d", DAY), ("12h", 43_200), ("30m", 1800), ("2w", 14 * DAY),
                                          ("1d12h", DAY + 43_200), ("3", 3 * DAY), (" 1 d ", DAY), (1.5, DAY * 3 // 2)])
def test_spans(span, seconds):
    assert parse_span(span) == seconds


@pytest.mark.parametrize("bad", ["", "d", "1y", "-1d", "soon"])
def test_bad_spans(bad):
    with pytest.raises(ValueError):
        parse_span(bad)


def test_a_started_clock_moves_a_demo_day_each_real_day(tmp_path):
    clock = DemoClock(tmp_path)
    s = clock.start()
    assert s.follow and s.started_at is not None
    assert s.demo_epoch(s.started_at + 3600) == T0
    assert s.demo_epoch(s.started_at + 2 * DAY + 5) == T0 + 2 * DAY
    assert clock.start() == s  # once
    broken = tmp_path / "other"
    broken.mkdir()
    (broken / CLOCK_FILE).write_text("{not json")
    assert DemoClock(broken).epoch() == T0  # an unreadable clock is the demo's start


# ----------------------------------------------------------------------------------------- first demo run


def test_a_first_demo_run_seeds_daily_history_once(tmp_path):
    from y2s_core import demo
    from y2s_core.settings import Settings
    from y2s_core.store import Store

    settings = Settings.from_env(env={"Y2S_DATA_DIR": str(tmp_path)})
    assert settings.demo
    seeded = demo.first_demo_run(settings, days=5)
    assert seeded.channels == ("Y2S Demo Lab",) and seeded.days == 5
    assert DemoClock(tmp_path).state().follow
    rows = Store.for_settings(settings).history([DEMO_LAB_ID])
    assert len({r.taken_at.date() for r in rows}) == 5 and len(rows) == seeded.snapshots
    by_video: dict[str, list[int]] = {}
    for r in rows:
        by_video.setdefault(r.video_id, []).append(r.views)
    assert all(seq == sorted(seq) for seq in by_video.values())
    assert sum(seq[-1] - seq[0] for seq in by_video.values()) > 0  # the days show gains
    just_uploaded = demo_catalog().special["zero_views"]
    assert just_uploaded not in by_video  # uploaded after the last seeded day: New on the first fetch
    assert max(r.taken_at for r in rows) < datetime.now(rows[0].taken_at.tzinfo) - timedelta(hours=23)
    again = demo.first_demo_run(settings, days=5)
    assert again.snapshots == 0 and again.skipped == ("Y2S Demo Lab",)


def test_the_settings_control_advances_the_demo_a_day(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("Y2S_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("YOUTUBE_API_KEY", raising=False)
    monkeypatch.delenv("Y2S_YOUTUBE_API_URL", raising=False)

    def page() -> None:
        from y2s_core.dashboard import demo as demo_controls
        from y2s_core.settings import Settings

        demo_controls.clock_controls(Settings.from_env())

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert "the demo's start" in at.caption[0].value
    at.button(key="settings.demo_advance").click().run()
    assert not at.exception
    assert DemoClock(tmp_path).epoch() == T0 + DAY
    assert "2026-11-02" in at.success[0].value
    assert "1 day after" in at.caption[0].value


def test_the_settings_control_is_not_there_outside_demo_mode(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("Y2S_DATA_DIR", str(tmp_path))

    def page() -> None:
        from y2s_core.dashboard import demo as demo_controls
        from y2s_core.settings import Settings

        demo_controls.clock_controls(Settings.from_env(env={"YOUTUBE_API_KEY": "AIza" + "x" * 35}))

    at = AppTest.from_function(page).run()
    assert not at.exception and not at.button and not at.caption


def test_the_seeded_history_is_daily_lately_and_weekly_before():
    from y2s_core.demo import history_days

    back = history_days(90, 30)
    assert back[0] == 90 and back[-30:] == list(range(30, 0, -1)) and back == sorted(back, reverse=True)
    assert all(a - b == 7 for a, b in zip(back[:8], back[1:9], strict=True))
    assert history_days(5, 30) == [5, 4, 3, 2, 1]


def test_a_day_on_the_next_fetch_finds_the_demo_labs_new_upload_and_the_days_gains(tmp_path, monkeypatch):
    from y2s_core import demo, service
    from y2s_core.filters import FilterSpec
    from y2s_core.settings import Settings
    from y2s_core.store import Store

    monkeypatch.setenv("Y2S_DATA_DIR", str(tmp_path))  # the product's in-process emulator reads the clock there
    monkeypatch.delenv("YOUTUBE_API_KEY", raising=False)
    monkeypatch.delenv("Y2S_YOUTUBE_API_URL", raising=False)
    settings = Settings.from_env()
    demo.first_demo_run(settings, days=3)
    first = service.fetch(service.open_client(settings), settings, ["@y2sdemo"], FilterSpec(), incremental=True,
                          stats="all")
    assert first.error is None and first.reports[0].mode == "incremental"
    assert first.reports[0].new == 2  # uploaded since the last seeded day: "Just uploaded" and the live stream
    views = {v.id: v.views for v in first.result.videos}

    demo.advance(settings, "1d")
    second = service.fetch(service.open_client(settings), settings, ["@y2sdemo"], FilterSpec(), incremental=True,
                           stats="all")
    expected = [v.id for v in demo_catalog_at(T0 + DAY).videos(DEMO_LAB_ID) if v.published > T0]
    assert expected and second.reports[0].new == len(expected)
    store = Store.for_settings(settings)
    assert store.new_since_last_sync([v.id for v in second.result.videos]) == set(expected)
    grown = [v for v in second.result.videos if v.id in views and v.views is not None and views[v.id] is not None]
    assert sum(v.views - views[v.id] for v in grown) > 0 and all(v.views >= views[v.id] for v in grown)


def test_demo_mode_only():
    from y2s_core import demo
    from y2s_core.settings import Settings

    real = Settings.from_env(env={"YOUTUBE_API_KEY": "AIza" + "x" * 35})
    assert demo.first_demo_run(real) == demo.Seeded()
    with pytest.raises(ValueError, match="demo mode only"):
        demo.advance(real)


@pytest.mark.parametrize("raw,days", [(None, 90), ("", 90), ("30", 30), ("0", 0), ("off", 0)])
def test_y2s_demo_history_sets_the_seeded_days(raw, days):
    from y2s_core.demo import history_setting

    assert history_setting({} if raw is None else {"Y2S_DEMO_HISTORY": raw}) == days


@pytest.mark.parametrize("raw", ["-1", "400", "lots"])
def test_y2s_demo_history_refuses_nonsense(raw):
    from y2s_core.demo import history_setting

    with pytest.raises(ValueError, match="Y2S_DEMO_HISTORY"):
        history_setting({"Y2S_DEMO_HISTORY": raw})


def test_no_history_still_starts_the_clock(tmp_path, monkeypatch):
    from y2s_core import demo
    from y2s_core.settings import Settings

    monkeypatch.setenv("Y2S_DEMO_HISTORY", "0")
    settings = Settings.from_env(env={"Y2S_DATA_DIR": str(tmp_path)})
    assert demo.first_demo_run(settings) == demo.Seeded()
    assert DemoClock(tmp_path).state().follow


def test_the_apps_first_demo_run_seeds_once_and_draws_nothing(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from y2s_core.store import Store

    monkeypatch.setenv("Y2S_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("Y2S_DEMO_HISTORY", "2")
    monkeypatch.delenv("YOUTUBE_API_KEY", raising=False)
    monkeypatch.delenv("Y2S_YOUTUBE_API_URL", raising=False)

    def page() -> None:
        import streamlit as st

        from y2s_core.dashboard import demo as demo_controls
        from y2s_core.settings import Settings

        worker = demo_controls.ensure_first_run(Settings.from_env())  # beside the page: the page is not held
        again = demo_controls.ensure_first_run(Settings.from_env())  # once per data directory and process
        if worker is not None:
            worker.join()
        st.write(f"seeding started {worker is not None}, again {again is not None}")

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert at.markdown[0].value == "seeding started True, again False"
    from y2s_core.settings import Settings

    rows = Store.for_settings(Settings.from_env()).history([DEMO_LAB_ID])
    assert len({r.taken_at.date() for r in rows}) == 2
