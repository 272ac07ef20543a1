"""The store in the dashboard (AppTest, demo mode): a fetch appends snapshots (a cache hit does not), Review
marks the uploads new since the last sync, Metrics draws Growth, Push adds the optional columns."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest

from tests.app_helpers import all_text, fetch, goto, set_widget, start_app, table_with, texts
from y2s_core.dashboard import fetching
from y2s_core.filters import FilterSpec
from y2s_core.models import FetchResult
from y2s_core.settings import Settings
from y2s_core.store import Store
from y2s_core.youtube import YouTubeClient

NOW = datetime.now(timezone.utc)


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    for var in ("YOUTUBE_API_KEY", "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON", "Y2S_YOUTUBE_API_URL", "Y2S_SHEETS_API_URL",
                "Y2S_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    fetching.clear_fetch_cache()
    yield
    fetching.clear_fetch_cache()


def store() -> Store:
    return Store.for_settings(Settings.from_env())


def demo(channel: str, spec: FilterSpec | None = None) -> FetchResult:
    return YouTubeClient(Settings.from_env()).fetch(channel, spec)


def no_crash(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_a_fetch_appends_snapshots_and_a_cache_hit_does_not():
    at = fetch(start_app(), "@oldschool")
    no_crash(at)
    cid = at.session_state["y2s.result"].channels[0].id
    n = len(at.session_state["y2s.result"].videos)
    assert len(store().history([cid])) == n
    fetch(at, "@oldschool")  # served from the cache: nothing new happened on YouTube
    assert len(store().history([cid])) == n
    at.button(key="fetch.refresh").click().run()
    assert len(store().history([cid])) == 2 * n


def test_a_store_that_cannot_be_written_is_a_warning_and_the_videos_load(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("Y2S_DATA_DIR", str(blocked))
    at = fetch(start_app(), "@oldschool")
    no_crash(at)
    assert at.session_state["y2s.result"].videos
    assert any("history and growth miss this fetch" in t and "FileExistsError" in t for t in texts(at.warning))


def test_review_marks_the_uploads_new_since_the_last_sync():
    full = demo("@y2sdemo", FilterSpec())  # every type, as the app fetches by default
    newest = [v.id for v in full.videos[:3]]
    store().record_fetch(replace(full, videos=full.videos[3:]), now=NOW - timedelta(days=1))  # yesterday's sync
    at = goto(fetch(start_app(), "@y2sdemo"), "pages/review.py")
    no_crash(at)
    table = at.data_editor[0].value
    marked = set(table.index[table["New"] == "new"])
    assert marked == set(newest) and len(marked) == 3
    assert "**3** new since the last sync" in all_text(at).replace("\\", "")


def test_review_shows_no_new_column_on_a_channels_first_fetch():
    at = goto(fetch(start_app(), "@oldschool"), "pages/review.py")
    no_crash(at)
    assert "New" not in at.data_editor[0].proto.column_order  # every video is first seen: none is marked


def test_metrics_draws_growth_from_earlier_fetches():
    at = goto(fetch(start_app(), "@oldschool"), "pages/metrics.py")
    assert any("Growth shows after a second fetch" in t for t in texts(at.info))
    result = at.session_state["y2s.result"]
    for days, lower in ((9, 300), (2, 100)):  # two earlier fetches with fewer views
        earlier = tuple(replace(v, views=max((v.views or 0) - lower, 0)) for v in result.videos)
        store().record_fetch(replace(result, videos=earlier), now=NOW - timedelta(days=days))
    at = goto(at, "pages/fetch.py")
    at.button(key="fetch.refresh").click().run()  # today's fetch: the third snapshot
    at = goto(at, "pages/metrics.py")
    no_crash(at)
    charts = {c.key for c in at.get("plotly_chart")}
    assert {"metrics.growth_total", "metrics.growth_per_day"} <= charts
    risers = table_with(at, "views_per_day")
    assert len(risers) == 10 and (risers["views_gained"] > 0).all()
    set_widget(at, "metrics.approved_only", True)  # growth follows the page's filters too
    at.run()
    assert "metrics.growth_total" not in {c.key for c in at.get("plotly_chart")}


def test_push_adds_the_chosen_optional_columns(tmp_path):
    before = datetime.now(timezone.utc)
    at = goto(fetch(start_app(), "@oldschool"), "pages/review.py")
    at.button(key="review.approve_all").click().run()
    at = goto(at, "pages/push.py")
    assert at.multiselect(key="push.columns").value == []  # off by default
    at.multiselect(key="push.columns").set_value(["first_seen"]).run()
    at.button(key="push.run").click().run()
    no_crash(at)
    path = Path(tmp_path / "y2s-data" / "workbooks" / at.text_input(key="push.file").value)
    ws = openpyxl.load_workbook(path)["Videos"]
    header = [c.value for c in ws[1]]
    assert header[-1] == "First seen" and "Views gained (7 d)" not in header
    days = {d.date().isoformat() for d in (before, datetime.now(timezone.utc))}  # a run across midnight too
    assert ws.cell(row=2, column=len(header)).value in days


def test_connections_y2s_in_the_secrets_points_the_store_elsewhere(tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere' / 'y2s.sqlite'}"
    at = fetch(start_app({"connections": {"y2s": {"url": url}}}), "@oldschool")
    no_crash(at)
    cid = at.session_state["y2s.result"].channels[0].id
    assert len(Store(url).history([cid])) == 40
    assert store().history([cid]) == []  # nothing went to the data dir's SQLite


def test_a_quota_cut_fetch_in_the_app_stores_what_it_fetched(monkeypatch):
    from y2s_core.emulators.transport import serve
    from y2s_core.emulators.youtube import YouTubeEmulator

    # 40 of the 107 units a full listing costs: the tab chains' first pages (5 with the resolution) and their
    # first detail calls always get through, whatever the threads' timing (at 12 the chains could spend it all)
    with serve(YouTubeEmulator(daily_quota=40)) as server:
        monkeypatch.setenv("Y2S_YOUTUBE_API_URL", server.url)
        monkeypatch.setenv("YOUTUBE_API_KEY", "test-key")
        at = fetch(start_app(), "@bigchannel")
    no_crash(at)
    partial = at.session_state["y2s.result"]
    assert partial.videos and not partial.complete
    cid = partial.videos[0].channel_id
    stored = {h.video_id: h for h in store().history([cid])}
    assert {v.id for v in partial.videos} <= set(stored)
    # the store keeps every video the listing detailed: those the filters (Short, Long) left out, and those a cut
    # tab listing typed by their tab below the newest-first part it returns (the next run resumes past them)
    spec = at.session_state["y2s.spec"]
    extra = [v for v in store().channel_videos(cid) if v.id not in {p.id for p in partial.videos}]
    oldest = min(v.published_at for v in partial.videos)
    assert all(v.published_at <= oldest for v in extra if spec.matches(v))


def test_the_settings_page_says_where_the_store_is_without_the_password():
    at = goto(start_app(), "pages/settings.py")
    no_crash(at)
    assert any("SQLite" in t and "[connections.y2s]" in t for t in texts(at.info))
    url = "postgresql://y2s:hunter22secret@127.0.0.1:1/y2s?connect_timeout=2"  # loopback, nothing listening
    at = goto(start_app({"connections": {"y2s": {"url": url}}}), "pages/settings.py")
    no_crash(at)
    assert any("127.0.0.1:1/y2s" in t for t in texts(at.success))
    assert "hunter22secret" not in all_text(at)
