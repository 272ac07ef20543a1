"""The dashboard, page by page, through Streamlit's AppTest: demo mode and the served emulators.

Widgets are driven by their keys ("fetch.channels", "review.approve_all", ...). Each test starts a
fresh session; the fetch cache (shared by the process, like a deployed app's) is cleared first.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.app_helpers import (
    PAGES,
    REPO,
    all_text,
    fetch,
    goto,
    position,
    set_widget,
    start_app,
    table_with,
    texts,
    tick,
)
from y2s_core import sheets
from y2s_core.dashboard import charts, fetching, forms, furniture, state, tables
from y2s_core.emulators.sheets import SheetsEmulator
from y2s_core.emulators.transport import serve
from y2s_core.errors import InputError
from y2s_core.settings import Settings

SHEET_KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SHEET_URL = f"https://docs.google.com/spreadsheets/d/{SHEET_KEY}/edit"


pytestmark = pytest.mark.usefixtures("fresh_app_env")


@pytest.fixture
def sheets_api(monkeypatch):
    """A served SheetsEmulator(autocreate=True); the app's Sheets requests go to it (no OAuth token)."""
    emu = SheetsEmulator(autocreate=True)
    with serve(emu) as server:
        monkeypatch.setenv("Y2S_SHEETS_API_URL", server.url)
        yield emu


def errors(at) -> list[str]:
    return texts(at.error)


def no_crash(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


# ------------------------------------------------------------------------------------------ every page


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_demo_mode_with_a_banner_and_no_data(page):
    at = goto(start_app(), page)
    no_crash(at)
    assert any("Demo mode" in t for t in texts(at.info)), "the demo banner must be on every page"
    assert not at.error
    if page in ("pages/review.py", "pages/metrics.py", "pages/push.py"):
        assert any("fetch a channel" in t for t in texts(at.info)), texts(at.info)


def test_channel_box_is_prefilled_in_demo_mode_and_empty_with_a_key(youtube_api):
    demo = start_app()
    assert demo.text_area(key="fetch.channels").value == "@y2sdemo"
    youtube_api()
    real = start_app()
    assert real.text_area(key="fetch.channels").value == ""
    assert not any("Demo mode" in t for t in texts(real.info))


def test_pages_never_import_google_clients():
    sources = [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]
    assert len(sources) == 6
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+(googleapiclient|gspread|google\.)", text, re.M), path.name


# ----------------------------------------------------------------------------------------------- fetch


def test_fetch_shows_progress_resolver_summary_and_quota():
    at = fetch(start_app(), "@y2sdemo, @oldschool")
    no_crash(at)
    assert not at.error, errors(at)
    progress = " ".join(texts(at.markdown))
    assert "**Y2S Demo Lab**: done" in progress and "**Old School Tutorials**: done" in progress
    assert "Resolved 2 inputs" in progress
    table = table_with(at, "Input")
    assert list(table["Input"]) == ["@y2sdemo", "@oldschool"]
    assert list(table["Channel"]) == ["Y2S Demo Lab", "Old School Tutorials"]
    assert table["Resolved"].all() and table["Channel ID"].str.startswith("UC").all()
    result = at.session_state["y2s.result"]
    assert {c.title for c in result.channels} == {"Y2S Demo Lab", "Old School Tutorials"}
    spent = at.session_state["y2s.quota_units"]
    assert spent == result.quota_units > 0
    assert any(f"{spent} quota units" in t for t in texts(at.caption))


def test_the_progress_box_names_where_the_videos_come_from(youtube_api):
    demo = fetch(start_app(), "@oldschool")
    shown = " ".join(texts(demo.markdown))
    assert "**Fetching from the demo emulator**" in shown and "from YouTube" not in shown
    assert "1 page listed" in shown and "1 pages" not in shown
    youtube_api()
    real = fetch(start_app(), "@oldschool")
    assert any(t.startswith("**Fetching from the YouTube endpoint at http://127.0.0.1") for t in texts(real.markdown))


def test_a_repeated_fetch_is_served_from_cache_and_refresh_calls_youtube_again():
    at = fetch(start_app(), "@oldschool")
    first = at.session_state["y2s.quota_units"]
    assert first > 0
    at.button(key="fetch.submit").click().run()
    assert at.session_state["y2s.quota_units"] == first, "a cache hit costs no quota"
    assert any("Served from the cache" in t for t in texts(at.caption))
    assert any("Old School Tutorials**: done" in t for t in texts(at.markdown)), "the progress is replayed"
    at.button(key="fetch.refresh").click().run()
    no_crash(at)
    # the store knows the channel now: the uploads feed shows nothing new (no uploads page) + 1 videos.batchGetStats
    # call for its 40 videos' statistics (its own bucket: no unit of the main pool)
    assert at.session_state["y2s.quota_units"] == first
    assert at.session_state["y2s.quota_methods"].get("videos.batchGetStats") == 1
    assert not any("Served from the cache" in t for t in texts(at.caption))
    fetch(at, full=True)  # Refresh everything: listed in full again, like the first time
    no_crash(at)
    assert at.session_state["y2s.quota_units"] == 2 * first


def test_the_cache_is_shared_between_sessions_but_quota_is_per_session():
    a = fetch(start_app(), "@oldschool")
    b = fetch(start_app(), "@oldschool")
    assert a.session_state["y2s.quota_units"] > 0
    assert b.session_state["y2s.quota_units"] == 0
    assert len(b.session_state["y2s.result"].videos) == len(a.session_state["y2s.result"].videos)


@pytest.mark.parametrize(
    ("channels", "filters", "message"),
    [
        ("not a channel!!", {}, "not"),
        ("", {}, "channel"),
        ("@nosuchchannel999", {}, "no channel"),
        ("@y2sdemo", {"min_duration": "abc"}, "Minimum duration"),
        ("@y2sdemo", {"min_duration": "10:00", "max_duration": "1:00"}, "longer than maximum"),
        ("@y2sdemo", {"types": []}, "at least one video type"),
    ],
)
def test_bad_input_shows_an_actionable_error_not_a_traceback(channels, filters, message):
    at = fetch(start_app(), channels, **filters)
    no_crash(at)
    assert at.error, "expected st.error"
    assert any(message.lower() in t.lower() for t in errors(at)), errors(at)
    assert at.session_state["y2s.result"] is None


def test_filters_are_kept_and_narrow_review_and_metrics():
    at = fetch(start_app(), "@y2sdemo", max_videos=5, types=["Short", "Long", "Live", "Upcoming"])
    assert len(at.session_state["y2s.result"].videos) == 5
    goto(at, "pages/review.py")
    assert len(at.data_editor[0].value) == 5
    goto(at, "pages/fetch.py")
    assert at.number_input(key="fetch.max_videos").value == 5, "filter widgets survive a page switch"
    # narrow the loaded videos without calling YouTube: Shorts only
    spent = at.session_state["y2s.quota_units"]
    set_widget(at, "fetch.types", ["Short"])
    at.button(key="fetch.apply").click().run()
    assert at.session_state["y2s.quota_units"] == spent
    shorts = sum(v.type.value == "Short" for v in at.session_state["y2s.result"].videos)
    goto(at, "pages/review.py")
    assert len(at.data_editor[0].value) == shorts
    assert set(at.data_editor[0].value["Type"]) <= {"Short"}
    goto(at, "pages/metrics.py")
    assert at.metric[0].label == "Videos" and at.metric[0].value == str(shorts)


def test_quota_exhausted_shows_when_it_resets_and_keeps_the_partial_rows(youtube_api, monkeypatch):
    emu = youtube_api()
    fetch(start_app(), "@y2sdemo", types=["Short", "Long", "Live", "Upcoming"])
    full_cost = emu.units_used
    fetching.clear_fetch_cache()
    emu.reset()
    emu.daily_quota = full_cost - 1  # the last request of the fetch is refused
    # a budget the plan cannot fit: refused, then forced (Fetch anyway), the listing spends its units in listing
    # order, so the cut keeps the same rows whatever the machine's load (free chains may spend them on pages)
    monkeypatch.setenv("Y2S_DAILY_QUOTA", str(full_cost - 1))
    # "Refresh everything": the same full listing again (the store knows the channel: else incremental, cheaper)
    at = fetch(start_app(), "@y2sdemo", types=["Short", "Long", "Live", "Upcoming"], full=True)
    assert any("Not started" in e for e in errors(at))
    at.button(key="fetch.force").click().run()
    no_crash(at)
    assert at.error
    message = errors(at)[0]
    assert "quota" in message.lower() and "resets at" in message and "Kept the" in message, message
    result = at.session_state["y2s.result"]
    assert result is not None and not result.complete and 0 < len(result.videos) < 150
    assert f"Kept the {len(result.videos)} videos" in message
    assert any("Partial result" in t for t in texts(at.warning))
    goto(at, "pages/review.py")
    no_crash(at)
    assert len(at.data_editor[0].value) == len(result.videos), "the partial rows can be reviewed"
    fetch(at)  # a quota-cut result is never cached: the same fetch calls YouTube again (and fails again)
    assert any("quota" in t.lower() for t in errors(at))
    assert not any("Served from the cache" in t for t in texts(at.caption))


def test_fetch_against_the_served_emulator_with_a_key(youtube_api):
    emu = youtube_api()
    at = fetch(start_app(), "https://www.youtube.com/@oldschool/videos")
    no_crash(at)
    assert not at.error, errors(at)
    assert at.session_state["y2s.result"].channels[0].title == "Old School Tutorials"
    assert emu.units_used == at.session_state["y2s.quota_units"] > 0


def test_a_personal_key_is_used_for_fetches_and_a_rejected_key_is_reported_without_echoing_it(youtube_api):
    emu = youtube_api()
    at = goto(start_app(), "pages/settings.py")
    at.text_input(key="settings.api_key").input("bad-personal-key-42")
    at.button(key="settings.use_key").click().run()
    fetch(at, "@oldschool")
    no_crash(at)
    assert at.error and "bad-personal-key-42" not in all_text(at)
    assert emu.calls and at.session_state["y2s.result"] is None
    goto(at, "pages/settings.py")
    at.button(key="settings.forget_key").click().run()
    fetch(at, "@oldschool")
    assert not at.error, errors(at)
    assert at.session_state["y2s.result"].channels[0].title == "Old School Tutorials"


def test_an_unforeseen_fetch_failure_is_one_redacted_line_not_a_traceback(monkeypatch):
    from y2s_core.youtube import YouTubeClient

    personal = "AIzaPERSONAL-never-shown-123"

    def boom(self, *args, **kwargs):
        raise RuntimeError(f"socket closed while sending key={personal}\nsecond line")

    monkeypatch.setattr(YouTubeClient, "fetch", boom)
    monkeypatch.setattr(YouTubeClient, "resolve", boom)  # the first call of a fetch (the plan needs videoCount)
    at = goto(start_app(), "pages/settings.py")
    at.text_input(key="settings.api_key").input(personal)
    at.button(key="settings.use_key").click().run()
    fetch(at, "@oldschool")
    no_crash(at)
    assert errors(at) == ["Unexpected error while fetching (RuntimeError: socket closed while sending "
                          "key=[redacted]). This is a bug: please report it with what you did. Nothing else "
                          "was changed by this step."]
    assert personal not in all_text(at) and at.session_state["y2s.result"] is None


# ---------------------------------------------------------------------------------------------- review


def test_approval_survives_page_switches():
    at = goto(fetch(start_app(), "@y2sdemo"), "pages/review.py")
    table = at.data_editor[0].value
    assert not table["Approve"].any()
    tick(at, [0, 2])
    expected = {table.index[0], table.index[2]}
    assert at.session_state["y2s.approved"] == expected
    for page in ("pages/metrics.py", "pages/push.py", "pages/fetch.py", "pages/review.py"):
        goto(at, page)
        no_crash(at)
    assert at.session_state["y2s.approved"] == expected
    shown = at.data_editor[0].value
    assert set(shown.index[shown["Approve"]]) == expected
    tick(at, [0], on=False)
    assert at.session_state["y2s.approved"] == {table.index[2]}


def test_widget_values_survive_page_switches_on_every_page():
    at = goto(fetch(start_app(), "@y2sdemo, @oldschool"), "pages/review.py")
    at.button(key="review.approve_all").click().run()
    set_widget(at, "review.types", ["Long"])
    set_widget(at, "review.search", "tutorial")
    set_widget(at, "review.thumbs", True)
    set_widget(at, "review.group", False)
    at.run()
    goto(at, "pages/metrics.py")
    old_school = [c.id for c in at.session_state["y2s.result"].channels if c.title.startswith("Old")]
    set_widget(at, "metrics.channels", old_school)
    set_widget(at, "metrics.top_n", 20)
    set_widget(at, "metrics.top_by", "likes")
    at.run()
    goto(at, "pages/push.py")
    set_widget(at, "push.kind", forms.GOOGLE)
    at.run()
    set_widget(at, "push.sheet_url", SHEET_URL)
    set_widget(at, "push.tab", "Mine")
    at.run()
    for page in ("pages/settings.py", "pages/fetch.py", "pages/review.py", "pages/metrics.py", "pages/push.py"):
        goto(at, page)
        no_crash(at)
    assert at.radio(key="push.kind").value == forms.GOOGLE
    assert at.text_input(key="push.sheet_url").value == SHEET_URL, "a field shown after the first visit is kept too"
    assert at.text_input(key="push.tab").value == "Mine"
    goto(at, "pages/metrics.py")
    assert at.multiselect(key="metrics.channels").value == old_school
    assert at.slider(key="metrics.top_n").value == 20 and at.selectbox(key="metrics.top_by").value == "likes"
    assert len(table_with(at, "engagement_rate")) == 20
    goto(at, "pages/review.py")
    assert at.multiselect(key="review.types").value == ["Long"]
    assert at.text_input(key="review.search").value == "tutorial"
    assert at.toggle(key="review.thumbs").value is True and at.toggle(key="review.group").value is False


def test_bulk_approve_and_clear_act_on_the_current_filter():
    at = goto(fetch(start_app(), "@y2sdemo"), "pages/review.py")
    total = len(at.data_editor[0].value)
    set_widget(at, "review.types", ["Short"])
    at.run()
    shorts = list(at.data_editor[0].value.index)
    assert 0 < len(shorts) < total
    at.button(key="review.approve_all").click().run()
    assert at.session_state["y2s.approved"] == set(shorts)
    set_widget(at, "review.types", [])
    at.run()
    table = at.data_editor[0].value
    assert len(table) == total and table["Approve"].sum() == len(shorts)
    at.button(key="review.approve_all").click().run()
    assert len(at.session_state["y2s.approved"]) == total
    set_widget(at, "review.search", table["Title"].iloc[0])
    at.run()
    searched = set(at.data_editor[0].value.index)
    at.button(key="review.clear_all").click().run()
    assert at.session_state["y2s.approved"] == set(table.index) - searched


def test_review_groups_tables_per_channel():
    at = goto(fetch(start_app(), "@y2sdemo\n@oldschool"), "pages/review.py")
    assert at.toggle(key="review.group").value is True
    assert len(at.data_editor) == 2
    summary = table_with(at, "Approved")
    assert list(summary["Channel"]) == ["Y2S Demo Lab", "Old School Tutorials"]
    tick(at, [0], index=1)
    approved = at.session_state["y2s.approved"]
    assert len(approved) == 1
    assert next(iter(approved)) in set(at.data_editor[1].value.index)
    old_school = [b for b in at.button if b.key and b.key.startswith("review.approve_channel.")][1]
    old_school.click().run()
    assert len(at.session_state["y2s.approved"]) == len(at.data_editor[1].value)


# --------------------------------------------------------------------------------------------- metrics


def test_metrics_headline_and_charts_including_channel_comparison():
    at = goto(fetch(start_app(), "@y2sdemo, @oldschool"), "pages/metrics.py")
    no_crash(at)
    result = at.session_state["y2s.result"]
    labels = {m.label: m.value for m in at.metric}
    assert labels["Videos"] == str(len(result.videos))
    assert labels["Channels"] == "2"
    total = sum(v.views or 0 for v in result.videos)
    [views] = [m for m in at.metric if m.label == "Total views"]
    assert views.value == str(total) and views.proto.format == "compact"  # the browser shows "2.6M"
    assert views.proto.help == f"{total:,} views"  # the exact figure in the tooltip
    assert labels["Shorts share"].endswith("%")
    # issue 18: Shorts views count every play since 2025-03-31, not the measure of a long video's views
    assert any("since 2025-03-31" in t and "Shorts" in t for t in texts(at.caption)), texts(at.caption)
    charts = {c.key for c in at.get("plotly_chart")}
    assert charts == {f"metrics.{k}" for k in ("views_over_time", "views_vs_duration", "type_mix", "engagement",
                                                 "uploads_per_month", "cadence", "outliers", "comparison_chart")}
    assert len(table_with(at, "uploads_per_week")) == 2
    top = table_with(at, "engagement_rate")
    assert len(top) == 10 and list(top["views"]) == sorted(top["views"], reverse=True)


def test_metrics_follow_the_page_filters_and_skip_comparison_for_one_channel():
    at = goto(fetch(start_app(), "@y2sdemo, @oldschool"), "pages/metrics.py")
    old = [cid for cid, c in ((c.id, c) for c in at.session_state["y2s.result"].channels) if c.title.startswith("Old")]
    set_widget(at, "metrics.channels", old)
    at.run()
    no_crash(at)
    assert {m.label: m.value for m in at.metric}["Channels"] == "1"
    assert "metrics.comparison_chart" not in {c.key for c in at.get("plotly_chart")}
    with pytest.raises(KeyError):
        table_with(at, "uploads_per_week")
    set_widget(at, "metrics.approved_only", True)
    at.run()
    assert any("No video matches" in t for t in texts(at.info))


def test_big_scatter_charts_draw_a_sample_and_say_so(monkeypatch):
    monkeypatch.setattr(charts, "MAX_CHART_POINTS", 50)
    at = goto(fetch(start_app(), "@y2sdemo"), "pages/metrics.py")
    no_crash(at)
    n = len(at.session_state["y2s.result"].videos)
    assert n > 50
    assert any(f"draw 50 of {n} videos" in t for t in texts(at.caption)), texts(at.caption)
    chart = next(c for c in at.get("plotly_chart") if c.key == "metrics.views_over_time")
    assert sum(len(trace["x"]) for trace in json.loads(chart.proto.spec)["data"]) == 50
    assert {m.label: m.value for m in at.metric}["Videos"] == str(n), "the figures use every video"


def test_approved_only_metrics_follow_new_approvals():
    at = goto(fetch(start_app(), "@y2sdemo"), "pages/metrics.py")
    set_widget(at, "metrics.approved_only", True)
    at.run()
    assert any("No video matches" in t for t in texts(at.info))
    goto(at, "pages/review.py")
    tick(at, [0, 1, 2])
    goto(at, "pages/metrics.py")
    assert at.toggle(key="metrics.approved_only").value is True
    assert {m.label: m.value for m in at.metric}["Videos"] == "3"


# ------------------------------------------------------------------------------------------------ push


def _approve_all(at):
    goto(at, "pages/review.py")
    at.button(key="review.approve_all").click().run()
    return goto(at, "pages/push.py")


def test_push_without_approvals_says_what_to_do():
    at = goto(fetch(start_app(), "@oldschool"), "pages/push.py")
    no_crash(at)
    assert any("No approved videos" in t for t in texts(at.info))


def test_push_to_the_local_workbook_shows_the_plan_above_the_button_then_writes(tmp_path):
    at = _approve_all(fetch(start_app(), "@oldschool"))
    no_crash(at)
    n = len(at.session_state["y2s.approved"])
    assert at.radio(key="push.kind").value == forms.LOCAL, "demo mode defaults to a local workbook"
    assert at.text_input(key="push.file").value == sheets.default_workbook_path(Settings.from_env()).name
    with pytest.raises(KeyError):
        at.button(key="push.preview")  # a local workbook is planned without asking
    assert _plan(at) == {"New rows": str(n), "Updated rows": "0", "Unchanged rows": "0"}
    assert position(at, "metric", label="New rows") < position(at, "button", key="push.run"), "plan above the button"
    at.button(key="push.run").click().run()
    no_crash(at)
    assert not at.error, errors(at)
    assert any(t.startswith(f"Pushed: {n} new") for t in texts(at.success))
    path = Path(tmp_path / "y2s-data" / "workbooks" / at.text_input(key="push.file").value)
    ws = openpyxl.load_workbook(path)["Videos"]
    assert ws.max_row == n + 1 and ws["A1"].value == "Channel"
    assert _plan(at)["Unchanged rows"] == str(n)
    assert any("nothing to write" in t for t in texts(at.caption))
    at.session_state["y2s.push_preview"] = None  # forget the kept plan: the page reads the workbook again
    at.run()
    assert _plan(at) == {"New rows": "0", "Updated rows": "0", "Unchanged rows": str(n)}, "a re-push adds no duplicate"
    assert at.download_button(key="push.download_target")
    path.unlink()  # the file changed behind the app's back: the plan follows it
    at.run()
    assert _plan(at)["New rows"] == str(n)


def _plan(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("push.tab", "a/b", "cannot contain"),
        ("push.tab", "[x]", "cannot contain"),
        ("push.tab", "x" * 40, "at most 31"),
        ("push.tab", "'quoted'", "apostrophe"),
        ("push.tab", "History", "reserved"),
        ("push.file", "a" * 300 + ".xlsx", "characters long"),
        ("push.file", "bad\x00name.xlsx", "control character"),
        ("push.file", "../../etc/evil.xlsx", "plain file name"),
        ("push.file", "notes.txt", ".xlsx or .csv"),
        ("push.file", "", "file name"),
    ],
)
def test_a_bad_local_target_is_refused_before_anything_is_read_or_written(field, value, message, tmp_path):
    at = _approve_all(fetch(start_app(), "@oldschool"))
    at.text_input(key=field).input(value).run()
    no_crash(at)
    assert any(message in t for t in errors(at)), errors(at)
    assert at.button(key="push.run").disabled
    assert not at.metric, "no plan for a target that cannot be written"
    data = tmp_path / "y2s-data"
    written = {p.name for p in data.iterdir()} if data.exists() else set()
    assert written <= {"y2s.sqlite"}, written  # the quota ledger only, no workbook


def test_push_offers_downloads_and_notebooklm_batches_of_50():
    at = _approve_all(fetch(start_app(), "@y2sdemo", types=["Short", "Long", "Live", "Upcoming"]))
    n = len(at.session_state["y2s.approved"])
    assert n > 100
    assert at.download_button(key="push.download_csv") and at.download_button(key="push.download_xlsx")
    batches = [c.value.split("\n") for c in at.code]
    assert [len(b) for b in batches] == [50] * (n // 50) + ([n % 50] if n % 50 else [])
    assert all(u.startswith("https://www.youtube.com/") for b in batches for u in b)


def test_push_to_a_google_url_without_a_service_account_explains_how_to_configure():
    at = _approve_all(fetch(start_app(), "@oldschool"))
    at.radio(key="push.kind").set_value(forms.GOOGLE).run()
    assert any("not configured" in t for t in texts(at.warning))
    at.text_input(key="push.sheet_url").input(SHEET_URL).run()
    at.button(key="push.run").click().run()
    no_crash(at)
    assert any("GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON" in t and "share" in t.lower() for t in errors(at)), errors(at)


def test_push_to_a_google_sheet_on_the_emulator_links_to_the_sheet(sheets_api):
    at = _approve_all(fetch(start_app(), "@oldschool"))
    n = len(at.session_state["y2s.approved"])
    at.radio(key="push.kind").set_value(forms.GOOGLE).run()
    at.text_input(key="push.sheet_url").input(SHEET_URL).run()
    assert not at.metric and any("Preview changes" in t for t in texts(at.caption)), "Google is read on request"
    at.button(key="push.preview").click().run()
    assert _plan(at) == {"New rows": str(n), "Updated rows": "0", "Unchanged rows": "0"}
    assert position(at, "metric", label="New rows") < position(at, "button", key="push.run"), "plan above the button"
    reads = sheets_api.requests_by_kind.get("values.get", 0)
    goto(goto(at, "pages/review.py"), "pages/push.py")
    assert _plan(at)["New rows"] == str(n), "the plan is kept across page switches"
    assert sheets_api.requests_by_kind.get("values.get", 0) == reads, "without reading the sheet again"
    at.button(key="push.run").click().run()
    no_crash(at)
    assert not at.error, errors(at)
    values = sheets_api.values(SHEET_KEY, "Videos")
    assert values[0][:3] == ["Channel", "Date", "Type"] and len(values) == n + 1
    link = at.get("link_button")
    assert link and SHEET_KEY in link[0].proto.url
    assert _plan(at)["Unchanged rows"] == str(n)
    at.button(key="push.preview").click().run()
    assert _plan(at) == {"New rows": "0", "Updated rows": "0", "Unchanged rows": str(n)}, "a re-push adds no duplicate"


def test_an_unforeseen_push_failure_is_one_line_not_a_traceback(monkeypatch):
    at = _approve_all(fetch(start_app(), "@oldschool"))

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sheets, "push", boom)
    at.session_state["y2s.push_preview"] = None
    at.run()  # the automatic plan of the local workbook is made again
    no_crash(at)
    assert any(t.startswith("Unexpected error while reading the target (RuntimeError: disk on fire)") for t in errors(at))
    at.button(key="push.run").click().run()
    no_crash(at)
    assert any(t.startswith("Unexpected error while pushing (RuntimeError: disk on fire)") for t in errors(at))
    assert not at.success


@pytest.mark.parametrize("spec", ["/tmp/elsewhere.xlsx", "report.csv", "../x.xlsx"])
def test_the_google_field_never_writes_a_local_file(spec, tmp_path):
    at = _approve_all(fetch(start_app(), "@oldschool"))
    at.radio(key="push.kind").set_value(forms.GOOGLE).run()
    at.text_input(key="push.sheet_url").input(spec).run()
    no_crash(at)
    assert any("looks like a file" in t for t in errors(at)), errors(at)
    assert at.button(key="push.run").disabled
    data = tmp_path / "y2s-data"
    assert not Path(spec).exists()
    assert not data.exists() or {p.name for p in data.iterdir()} <= {"y2s.sqlite"}  # the quota ledger only


def test_push_to_a_sheet_not_shared_names_the_email(sheets_api):
    sheets_api.create_spreadsheet("x", spreadsheet_id=SHEET_KEY)
    sheets_api.deny(SHEET_KEY, email="writer@proj.iam.gserviceaccount.com")
    at = _approve_all(fetch(start_app(), "@oldschool"))
    at.radio(key="push.kind").set_value(forms.GOOGLE).run()
    at.text_input(key="push.sheet_url").input(SHEET_URL).run()
    at.button(key="push.run").click().run()
    no_crash(at)
    assert at.error and any("share" in t.lower() for t in errors(at)), errors(at)


# -------------------------------------------------------------------------------------------- settings


def test_settings_never_show_secret_values(monkeypatch, tmp_path):
    key = "AIzaSyTHIS-IS-A-SECRET-KEY-123456"
    private = "-----BEGIN PRIVATE KEY-----\nMIIEvSECRETPRIVATEKEYMATERIAL\n-----END PRIVATE KEY-----\n"
    sa = {"type": "service_account", "client_email": "y2s-writer@proj.iam.gserviceaccount.com",
          "private_key": private, "private_key_id": "0123456789abcdefSECRETID"}
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(sa))
    monkeypatch.setenv("YOUTUBE_API_KEY", key)
    monkeypatch.setenv("GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON", str(path))
    at = goto(start_app(), "pages/settings.py")
    no_crash(at)
    shown = all_text(at)
    assert "y2s-writer@proj.iam.gserviceaccount.com" in shown
    assert any("API key is configured" in t for t in texts(at.success))
    for secret in (key, "SECRETPRIVATEKEYMATERIAL", "0123456789abcdefSECRETID"):
        assert secret not in shown
    assert not any("Demo mode" in t for t in texts(at.info))


def test_streamlit_secrets_configure_the_app_without_being_shown():
    secrets = {
        "YOUTUBE_API_KEY": "AIzaSyFROM-STREAMLIT-SECRETS-0001",
        "gcp_service_account": {"type": "service_account", "client_email": "cloud-writer@proj.iam.gserviceaccount.com",
                                "private_key": "-----BEGIN PRIVATE KEY-----\nCLOUDSECRETPK\n-----END PRIVATE KEY-----\n"},
    }
    at = goto(start_app(secrets), "pages/settings.py")
    no_crash(at)
    shown = all_text(at)
    assert "cloud-writer@proj.iam.gserviceaccount.com" in shown
    assert "AIzaSyFROM-STREAMLIT-SECRETS-0001" not in shown and "CLOUDSECRETPK" not in shown
    assert not any("Demo mode" in t for t in texts(at.info))
    goto(at, "pages/fetch.py")
    assert at.text_area(key="fetch.channels").value == "", "no demo pre-fill with a real key"


def test_a_personal_key_is_kept_for_the_session_and_never_shown():
    at = goto(start_app(), "pages/settings.py")
    assert any("Demo mode" in t for t in texts(at.info))
    personal = "AIzaPERSONAL-session-key-987654"
    at.text_input(key="settings.api_key").input(personal)
    at.button(key="settings.use_key").click().run()
    no_crash(at)
    assert at.session_state["y2s.api_key"] == personal
    assert at.text_input(key="settings.api_key").value == ""
    assert personal not in all_text(at)
    assert any("personal API key" in t for t in texts(at.success))
    assert not any("Demo mode" in t for t in texts(at.info)), "a key leaves demo mode"
    at.button(key="settings.forget_key").click().run()
    assert at.session_state["y2s.api_key"] == ""
    assert any("Demo mode" in t for t in texts(at.info))


@pytest.mark.parametrize("pasted", ["AIza key with spaces", "ключ-AIza", "x" * 500, "   "])
def test_a_pasted_value_that_cannot_be_a_key_is_refused_without_echoing_it(pasted):
    at = goto(start_app(), "pages/settings.py")
    at.text_input(key="settings.api_key").input(pasted)
    at.button(key="settings.use_key").click().run()
    no_crash(at)
    assert at.error and at.session_state["y2s.api_key"] == ""
    assert at.text_input(key="settings.api_key").value == ""
    assert not pasted.strip() or pasted.strip() not in all_text(at)
    assert any("Demo mode" in t for t in texts(at.info)), "still in demo mode"


def test_a_broken_service_account_value_is_reported_without_stopping_the_app(monkeypatch):
    monkeypatch.setenv("GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON", '{"private_key": "SECRET-PK", ')
    at = goto(start_app(), "pages/settings.py")
    no_crash(at)
    assert any("not valid JSON" in t for t in errors(at))
    assert "SECRET-PK" not in all_text(at)


@pytest.mark.parametrize("value", ["/path/to/key.json", 42, {"type": "service_account", "private_key": "PKSECRET"}])
def test_a_malformed_service_account_secret_is_reported_on_every_page(value):
    at = start_app({"gcp_service_account": value})
    for page in PAGES:
        goto(at, page)
        no_crash(at)
        assert any("[gcp_service_account] secret was ignored" in t for t in errors(at)), (page, errors(at))
    assert "PKSECRET" not in all_text(at)
    assert any("No service account configured" in t for t in texts(at.warning)), "the Settings page says so too"


def test_settings_show_session_quota_and_clear_the_cache():
    at = fetch(start_app(), "@oldschool")
    spent = at.session_state["y2s.quota_units"]
    goto(at, "pages/settings.py")
    assert {m.label: m.value for m in at.metric}["YouTube units spent this session"] == str(spent)
    at.button(key="settings.clear_cache").click().run()
    assert any("cleared" in t for t in texts(at.success))
    fetch(at, "@oldschool")
    # after clearing, the fetch calls YouTube again: incrementally now (the feed: no uploads page; 1 statistics call,
    # in videos.batchGetStats's own bucket: no unit of the main pool)
    assert at.session_state["y2s.quota_units"] == spent, "statistics cost no main-pool unit"
    assert at.session_state["y2s.quota_methods"].get("videos.batchGetStats") == 1, "YouTube was called again"
    goto(at, "pages/settings.py")
    at.button(key="settings.reset").click().run()
    assert at.session_state["y2s.result"] is None and at.session_state["y2s.approved"] == set()


def test_many_notebooklm_batches_are_picked_one_at_a_time():
    at = _approve_all(fetch(start_app(), "@bigchannel", max_videos=320, types=["Short", "Long", "Live", "Upcoming"]))
    urls = [r.url for r in at.session_state["y2s.result"].videos]
    assert len(urls) == 320
    assert len(at.code) == 1 and at.code[0].value.split("\n") == urls[:50]
    at.selectbox(key="push.batch").set_value(7).run()
    assert at.code[0].value.split("\n") == urls[300:]
    assert at.download_button(key="push.download_batches")


# ------------------------------------------------------------------------------------------ ui helpers


def test_apply_edits_maps_row_positions_to_video_ids():
    ids = ["a", "b", "c"]
    assert tables.apply_edits(ids, {0: {"Approve": True}, "2": {"Approve": True}}, {"x"}) == {"x", "a", "c"}
    assert tables.apply_edits(ids, {1: {"Approve": False}, 9: {"Approve": True}}, {"b", "c"}) == {"c"}
    assert tables.apply_edits(ids, {0: {"Title": "edited"}}, set()) == set()


def test_progress_lines_count_in_good_english():
    assert "1 page listed · 1 video listed · 1 detailed" in furniture.progress_line("A", "done", 1, 1, 1)
    assert "2 pages listed · 1,200 videos listed · 0 detailed" in furniture.progress_line("A", "listing", 2, 1200, 0)


def test_chart_points_keep_the_top_videos_and_the_order():
    import pandas as pd

    points = pd.DataFrame({"views": range(1000), "title": [f"t{i}" for i in range(1000)]}).sample(frac=1, random_state=1)
    few, total = charts.chart_points(points, limit=100)
    assert total == 1000 and len(few) == 100
    assert set(range(980, 1000)) <= set(few["views"]), "the top fifth of the limit is always drawn"
    assert list(few.index) == [i for i in points.index if i in set(few.index)], "original order kept"
    again, _ = charts.chart_points(points, limit=100)
    assert again.equals(few), "the sample is stable between reruns"
    assert charts.chart_points(points.head(10), limit=100)[0].equals(points.head(10))


def test_unique_labels_keep_repeated_titles_apart():
    assert charts.unique_labels(["Live", "Q&A", "Live", "Live"]) == ["Live", "Q&A", "Live (2)", "Live (3)"]


@pytest.mark.parametrize(
    ("tab", "xlsx", "ok"),
    [("Videos", True, "Videos"), ("", True, "Videos"), ("  Mine ", False, "Mine"), ("a/b", False, "a/b"),
     ("x" * 31, True, "x" * 31), ("x" * 100, False, "x" * 100)],
)
def test_check_tab_accepts(tab, xlsx, ok):
    assert sheets.check_tab(tab, xlsx=xlsx) == ok


@pytest.mark.parametrize(
    ("tab", "xlsx"), [("a/b", True), ("x" * 32, True), ("'q", True), ("history", True), ("x" * 101, False), ("a\tb", False)]
)
def test_check_tab_refuses(tab, xlsx):
    with pytest.raises(InputError):
        sheets.check_tab(tab, xlsx=xlsx)


def test_push_target_keeps_google_and_local_apart(tmp_path):
    settings = Settings(data_dir=tmp_path)
    google = forms.push_target(forms.GOOGLE, SHEET_URL, "", "Videos", settings)
    assert google.spec == SHEET_KEY and not google.local and google.path is None
    local = forms.push_target(forms.LOCAL, "ignored", "out.csv", "", settings)
    assert local.path == tmp_path / "workbooks" / "out.csv" and local.tab == "Videos"
    assert google.key != local.key
    with pytest.raises(InputError, match="looks like a file"):
        forms.push_target(forms.GOOGLE, "/etc/x.csv", "", "Videos", settings)


def test_file_stamp_follows_the_file(tmp_path):
    path = tmp_path / "a.csv"
    assert forms.file_stamp(path) == "missing" == forms.file_stamp(None)
    path.write_text("x")
    first = forms.file_stamp(path)
    path.write_text("xy")
    assert forms.file_stamp(path) not in (first, "missing")


@pytest.mark.parametrize(
    ("url", "shown"),
    [("http://127.0.0.1:8080/yt", "http://127.0.0.1:8080/yt"), ("https://bob:hunter2@proxy.example/x?key=K#f",
                                                                  "https://proxy.example/x"), (None, "")],
)
def test_endpoint_urls_are_shown_without_credentials(url, shown):
    assert furniture.safe_url(url) == shown


def test_notebooklm_batches_dedupe_and_split():
    urls = [f"u{i}" for i in range(120)] + ["u0", ""]
    batches = tables.notebooklm_batches(urls)
    assert [len(b) for b in batches] == [50, 50, 20] and batches[0][0] == "u0"
    assert tables.notebooklm_batches([]) == []


@pytest.mark.parametrize(
    "name", ["", "../x.xlsx", "a/b.xlsx", ".hidden.xlsx", "notes.txt", "C:\\x.csv", "a\x00.xlsx", "a" * 200 + ".xlsx"]
)
def test_local_target_path_stays_in_the_data_folder(tmp_path, name):
    with pytest.raises(InputError):  # the core's rule, shared with the REST API (tests/test_api_confined.py)
        sheets.confined_path(tmp_path, name)


def test_local_target_path_accepts_plain_names(tmp_path):
    assert sheets.confined_path(tmp_path, " export.CSV ") == tmp_path.resolve() / "export.CSV"


def test_filter_form_round_trips_through_widget_values():
    form = forms.FilterForm(max_videos=7, min_duration="1:00", types=("Short",), since=date(2024, 1, 1))
    values = form.as_widget_values("fetch.")
    assert values["fetch.types"] == ["Short"]
    back = forms.FilterForm.from_widget_values(values, "fetch.")
    assert back == form
    spec = back.to_spec()
    assert spec.max_videos == 7 and spec.min_duration == 60 and spec.since == date(2024, 1, 1)
    assert forms.FilterForm(types=forms.TYPE_CHOICES).to_spec().types is None


def test_a_fetch_that_returns_no_videos_is_explained_on_every_page():
    at = fetch(start_app(), "@emptychannel")
    no_crash(at)
    assert not at.error, errors(at)
    assert len(at.session_state["y2s.result"].videos) == 0
    for page in ("pages/review.py", "pages/metrics.py", "pages/push.py"):
        goto(at, page)
        no_crash(at)
        assert any("returned no videos" in t for t in texts(at.info)), page


def _fresh_fetch(channels: str):
    at = start_app()
    at.text_area(key="fetch.channels").input(channels)
    return at.button(key="fetch.refresh").click().run()  # skip the process-wide cache: really spend


def test_quota_today_adds_up_fetches_across_sessions_from_the_local_ledger():
    first = _fresh_fetch("@oldschool")
    spent = first.session_state[state.QUOTA_UNITS]
    second = _fresh_fetch("@y2sdemo")  # a new session: its own meter, the same machine ledger
    assert spent > 0 and second.session_state[state.QUOTA_UNITS] > 0
    both = spent + second.session_state[state.QUOTA_UNITS]
    at = goto(second, "pages/settings.py")
    assert [m.value for m in at.metric if m.label == "Spent today on this machine"] == [f"{both:,}"]


# ------------------------------------------------------------------------- first-time-user review fixes


def test_applying_filters_wider_than_the_fetch_says_to_fetch_again():
    # the newest 20 Shorts and Long: with a max videos the fetch counts only those types (no Live fetched)
    at = fetch(start_app(), "@y2sdemo", max_videos=20, types=["Short", "Long"])
    set_widget(at, "fetch.types", ["Short", "Long", "Live"])
    at.button(key="fetch.apply").click().run()
    no_crash(at)
    assert any("never fetched" in t and "more video types" in t and "Fetch" in t for t in texts(at.warning)), \
        texts(at.warning)
    set_widget(at, "fetch.types", ["Short", "Long"])
    set_widget(at, "fetch.max_videos", 10)  # only narrows: no warning
    at.button(key="fetch.apply").click().run()
    assert not any("never fetched" in t for t in texts(at.warning)), texts(at.warning)
    assert any("Filters applied to the loaded videos" in t for t in texts(at.success))


def test_widened_filters_names_what_the_fetch_left_out():
    fetched = forms.FilterForm(max_videos=10, min_duration="60", include="tutorial", exclude="trailer",
                            since=date(2024, 1, 1), types=("Short", "Long")).to_spec()
    assert fetched.widened_by(fetched) == []
    narrower = forms.FilterForm(max_videos=5, min_duration="60", include="tutorial", exclude="trailer",
                             since=date(2024, 1, 1), types=("Short", "Long")).to_spec()
    assert fetched.widened_by(narrower) == []
    wider = forms.FilterForm(min_duration="30", include="tutorial, howto", types=forms.TYPE_CHOICES).to_spec()
    said = fetched.widened_by(wider)
    for words in ("more video types", "more videos per channel", "shorter videos", "earlier uploads",
                  "other keywords", "videos with keywords the fetch excluded"):
        assert words in said, said
    # a cap of 10 then a narrower filter: matches beyond the newest 10 were never fetched
    capped = forms.FilterForm(max_videos=10, min_duration="90", include="tutorial", exclude="trailer",
                           since=date(2024, 1, 1)).to_spec()
    assert any("newest 10" in w for w in fetched.widened_by(capped))


def test_counts_are_in_good_english():
    assert furniture.plural(1, "batch") == "1 batch" and furniture.plural(3, "batch") == "3 batches"
    assert furniture.plural(2, "video") == "2 videos" and furniture.plural(1, "channel") == "1 channel"
    at = fetch(start_app(), "@y2sdemo")
    status = " ".join(texts(at.success))
    assert "from 1 channel," in status and "(s)" not in status, status
    goto(at, "pages/review.py")
    at.text_input(key="review.search").input("Just uploaded").run()
    at.toggle(key="review.group").set_value(True).run()
    assert [e.label for e in at.expander] == ["Y2S Demo Lab · 1 video"], [e.label for e in at.expander]
    at.button(key="review.approve_all").click().run()
    goto(at, "pages/push.py")
    assert any("1 approved URL in 1 batch of up to 50" in t for t in texts(at.caption)), texts(at.caption)


def test_a_fetch_with_no_videos_is_a_warning_not_a_success():
    at = fetch(start_app(), "@emptychannel")
    no_crash(at)
    assert not at.success, texts(at.success)
    assert any("Fetched 0 videos from 1 channel" in t and "Widen the filters" in t for t in texts(at.warning))


def test_review_tables_keep_the_figures_in_view():
    at = goto(fetch(start_app(), "@y2sdemo\n@oldschool"), "pages/review.py")
    assert at.toggle(key="review.group").value is True
    for editor in at.data_editor:  # one table per channel: the expander names it, no Channel column
        assert "Channel" not in list(editor.proto.column_order), list(editor.proto.column_order)
        assert {"Views", "Likes", "URL"} <= set(editor.proto.column_order)
        columns = json.loads(editor.proto.columns)
        assert columns["Title"].get("width") != "large", columns["Title"]
        assert columns["Views"]["type_config"].get("format") == "localized", columns["Views"]
    at.toggle(key="review.group").set_value(False).run()
    assert "Channel" in list(at.data_editor[0].proto.column_order)


def test_metrics_tables_have_readable_headers_and_rank_choices():
    at = goto(fetch(start_app(), "@y2sdemo\n@oldschool"), "pages/metrics.py")
    no_crash(at)
    rank = at.selectbox(key="metrics.top_by")
    assert "Views" in rank.options and "Engagement rate" in rank.options and "views" not in rank.options
    assert rank.options.count("Duration") == 1, rank.options
    rank.set_value("duration_seconds").run()
    no_crash(at)
    top = next(df for df in at.dataframe if df.key == "metrics.top_videos" or "title" in df.value.columns)
    labels = {k: v.get("label") for k, v in json.loads(top.proto.columns).items()}
    assert labels["title"] == "Title" and labels["published_at"] == "Published (UTC)", labels
    assert labels["duration_seconds"] == "Duration (s)", labels
    comparison = table_with(at, "median_views")
    assert len(comparison) == 2
    comp = next(df for df in at.dataframe if "median_views" in df.value.columns)
    comp_cfg = json.loads(comp.proto.columns)
    assert comp_cfg["median_views"]["label"] == "Median views" and comp_cfg["channel_id"]["hidden"] is True


def test_a_bad_google_url_is_explained_without_offering_a_file_path(tmp_path):
    with pytest.raises(InputError) as e:
        forms.push_target(forms.GOOGLE, "https://docs.google.com/spreadsheets/d/abc/edit", "", "Videos",
                          Settings(data_dir=tmp_path))
    assert "file path" not in str(e.value) and "Local workbook" in str(e.value), str(e.value)
    with pytest.raises(InputError, match="Publish to the web"):  # the core's specific advice is kept
        forms.push_target(forms.GOOGLE, "https://docs.google.com/spreadsheets/d/e/2PACX-abcdefghijklmnopqrstuvwxyz/pubhtml",
                       "", "Videos", Settings(data_dir=tmp_path))


def test_push_says_when_approved_videos_are_hidden_by_the_filters_and_can_leave_them_out():
    at = goto(fetch(start_app(), "@y2sdemo"), "pages/review.py")
    at.button(key="review.approve_all").click().run()
    total = len(at.session_state["y2s.approved"])
    goto(at, "pages/fetch.py")
    set_widget(at, "fetch.types", ["Short"])
    at.button(key="fetch.apply").click().run()
    shorts = len(tables.visible_videos(at.session_state["y2s.result"], at.session_state["y2s.spec"]))
    assert 0 < shorts < total
    goto(at, "pages/push.py")
    assert any(f"{total - shorts} of these approved videos are outside the current filters" in t
               for t in texts(at.warning)), texts(at.warning)
    at.button(key="push.drop_hidden").click().run()
    no_crash(at)
    assert len(at.session_state["y2s.approved"]) == shorts
    assert not any("outside the current filters" in t for t in texts(at.warning))
    assert at.button(key="push.run").label == f"Push {shorts} approved rows"


def test_settings_quota_reset_tile_fits():
    at = goto(start_app(), "pages/settings.py")
    tile = next(m for m in at.metric if m.label == "Daily quota resets")
    assert re.fullmatch(r"\d\d:\d\d UTC", tile.value), tile.value
