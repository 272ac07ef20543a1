"""One set of defaults and words (issue 19, item 4).

* every face defaults to every video type (the app, the CLI, the REST API), and the app's fetch summary says
  what a narrower type filter hides ("6 Live/Upcoming hidden by the type filter");
* counts are in good English everywhere, through one helper (``words.plural``): "1 unit", "1 page",
  "1 uploads page", never "1 units";
* the CLI's progress gives each channel its own units, not the running total;
* ``fetch --new`` on a first run says "first run: everything is new";
* one bad channel line among several is reported after the others were fetched (exit 2), in the CLI, in
  ``sync`` and in the app.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.app_helpers import fetch, set_widget, start_app, texts
from y2s_core import cli
from y2s_core.api.models import FilterQuery, Filters
from y2s_core.dashboard import fetching, forms, furniture
from y2s_core.filters import FilterSpec
from y2s_core.models import VideoType
from y2s_core.quota import quota_line
from y2s_core.quota_planner import full_listing, incremental
from y2s_core.settings import Settings
from y2s_core.words import plural
from y2s_core.youtube import YouTubeClient

REPO = Path(__file__).resolve().parent.parent
WRONG_COUNT = re.compile(r"(?<![\d,.])1 (units|pages|uploads pages|UUSH pages|videos|rows|channels|calls|tries)(?![\w.])")  # not "1 videos.list"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(args), stdout=out, stderr=err, env={"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"], **(env or {})})
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------------------------ plurals


@pytest.mark.parametrize("n, noun, said", [
    (1, "unit", "1 unit"), (2, "unit", "2 units"), (0, "unit", "0 units"), (1, "page", "1 page"),
    (1, "uploads page", "1 uploads page"), (3, "uploads page", "3 uploads pages"), (1, "batch", "1 batch"),
    (3, "batch", "3 batches"), (2, "entry", "2 entries"), (2, "day", "2 days"), (2, "try", "2 tries"),
    (1_000, "video", "1,000 videos"), (1, "quota unit", "1 quota unit"),
])
def test_one_helper_says_a_count_and_its_noun(n, noun, said):
    assert plural(n, noun) == said


def test_the_app_uses_the_core_helper():
    assert furniture.plural is plural


def test_the_quota_line_and_the_plan_say_one_unit_and_one_page():
    assert quota_line(1, {"videos.list": 1}) == "1 quota unit (videos.list 1)"
    small = full_listing("Old School", 40, FilterSpec(), shorts_share=None, has_uush=True)
    assert small.how == "1 uploads page + 1 videos.list + 1 UUSH page", small.how
    assert not WRONG_COUNT.search(incremental("x", refresh=0, expected_new=0, has_uush=True).how)


def test_no_1_units_or_1_pages_in_what_the_cli_says():
    code, out, err = run("fetch", "@oldschool", "--format", "table", "--progress", "--max-videos", "1")
    assert code == 0, err
    assert "1 video\n" in out
    assert not WRONG_COUNT.search(err + out), err
    assert "1 page," in err  # "Old School Tutorials: done, 1 page, ..."


def test_progress_gives_each_channel_its_own_units():
    code, _, err = run("fetch", "@y2sdemo", "@oldschool", "--progress")
    assert code == 0, err
    done = dict(re.findall(r"^(.+): done, .*, ([\d,]+) units?$", err, re.M))
    assert set(done) == {"Y2S Demo Lab", "Old School Tutorials"}, err
    quota = re.search(r"^quota: ([\d,]+) quota units \((.*)\)", err, re.M)
    total = int(quota.group(1).replace(",", ""))
    resolving = int(re.search(r"channels\.list (\d+)", quota.group(2)).group(1))
    # each channel's own units (not the running total): with the resolution, they add up to the whole fetch
    assert sum(int(u.replace(",", "")) for u in done.values()) + resolving == total, err


# ------------------------------------------------------------------------------------------ types


def test_every_face_defaults_to_every_type():
    """The sheet is the channel's full record: the app no longer drops Live and Upcoming on its own."""
    assert forms.FilterForm().to_spec().types is None
    assert set(forms.DEFAULT_TYPES) == {t.value for t in VideoType}
    args = cli.build_parser().parse_args(["fetch", "@y2sdemo"])
    assert cli.spec_from_args(args).types is None
    assert Filters().spec().types is None and FilterQuery().spec().types is None


def test_left_out_says_what_the_filters_hide():
    videos = FilterSpec().apply(_demo_videos())
    lives = [v for v in videos if v.type in (VideoType.LIVE, VideoType.UPCOMING)]
    assert lives, "the demo channel has Live and Upcoming videos"
    short_long = FilterSpec(types=("short", "long"))
    assert short_long.left_out(videos) == [f"{len(lives)} Live/Upcoming hidden by the type filter"]
    assert FilterSpec().left_out(videos) == []
    capped = FilterSpec(types=("short", "long"), max_videos=10).left_out(videos)
    assert capped[1] == f"{len(videos) - len(lives) - 10} other videos hidden by the other filters", capped


def _demo_videos():
    return YouTubeClient(Settings()).fetch("@y2sdemo").videos  # demo mode: the built-in emulator


@pytest.fixture
def app(fresh_app_env):
    return start_app()


def test_the_apps_summary_names_what_the_type_filter_hides(app):
    at = fetch(app, "@y2sdemo")
    result = at.session_state["y2s.result"]
    [said] = texts(at.success)
    assert "all of them match the current filters: All videos." in said, said
    at = fetch(at, types=["Short", "Long"])
    assert not at.exception
    loaded = at.session_state["y2s.result"].videos
    hidden = sum(v.type in (VideoType.LIVE, VideoType.UPCOMING) for v in loaded)
    assert len(loaded) == len(result.videos) and hidden > 0, "every type is loaded for the same units"
    [said] = texts(at.success)
    assert f"{len(loaded) - hidden:,} of them match the current filters: Shorts, Long" in said, said
    assert f"({hidden} Live/Upcoming hidden by the type filter)" in said, said
    # Review shows what the filters keep
    set_widget(at, "fetch.types", ["Short", "Long", "Live", "Upcoming"])
    at.button(key="fetch.apply").click().run()
    assert not any("never fetched" in t for t in texts(at.warning)), "every type was loaded: nothing to refetch"


def test_with_a_max_videos_the_app_fetches_only_the_chosen_types_and_says_so(app):
    at = fetch(app, "@y2sdemo", max_videos=20, types=["Short", "Long"])
    videos = at.session_state["y2s.result"].videos
    assert len(videos) == 20 and {v.type for v in videos} <= {VideoType.SHORT, VideoType.LONG}
    assert any("Live/Upcoming not fetched (the type filter, with max videos)" in t for t in texts(at.success))


def test_the_fetch_spec_drops_types_only_when_no_max_videos_counts_them():
    spec = FilterSpec(types=("short",), since=date(2024, 1, 1))
    assert fetching.fetch_spec(spec) == FilterSpec(since=date(2024, 1, 1))
    capped = FilterSpec(types=("short",), max_videos=5)
    assert fetching.fetch_spec(capped) == capped and fetching.fetch_spec(FilterSpec()) == FilterSpec()


# ------------------------------------------------------------------------------------------ --new


def test_fetch_new_on_a_first_run_says_everything_is_new():
    code, out, err = run("fetch", "@oldschool", "--new", "--format", "table", "--progress")
    assert code == 0, err
    first = "first run: everything is new"
    assert out.splitlines()[-1].startswith(first) and first in err
    code, out, err = run("fetch", "@oldschool", "--new", "--format", "table", "--progress")
    assert code == 0 and first not in out + err


def test_fetch_new_names_the_one_channel_seen_for_the_first_time():
    assert run("fetch", "@oldschool", "--new")[0] == 0
    code, out, err = run("fetch", "@oldschool", "@y2sdemo", "--new", "--format", "table", "--progress")
    assert code == 0, err
    assert re.search(r"^Y2S Demo Lab: full, .*\(first run: everything is new\)$", err, re.M), err
    assert not re.search(r"^Old School Tutorials: .*first run", err, re.M)
    assert "first run: everything is new (the store" not in out


# ---------------------------------------------------------------------------------- one bad channel line


def test_the_cli_prints_the_good_rows_then_exits_2_naming_the_channel_that_is_not_found():
    """Demo mode, as a newcomer types it: `fetch @y2sdemo @nosuchchannel42 --format table`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YOUTUBE_", "Y2S_YOUTUBE", "GOOGLE_"))}
    done = subprocess.run([sys.executable, "-m", "y2s_core", "fetch", "@y2sdemo", "@nosuchchannel42", "--format",
                           "table"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert re.search(r"^\d+ videos$", done.stdout, re.M) and "Y2S Demo Lab" in done.stdout
    assert done.stderr.splitlines()[-1].startswith("error: @nosuchchannel42: no channel with the handle")


def test_a_line_that_is_not_a_channel_is_reported_after_the_others_are_fetched():
    code, out, err = run("fetch", "@oldschool", "not a channel", "--format", "csv")
    assert code == 2
    assert len(list(csv.reader(io.StringIO(out)))) > 1, "the good channel's rows are printed"
    assert err.splitlines()[-1].startswith("error: 'not a channel' contains a space")
    code, out, err = run("fetch", "@oldschool", "not a channel", "@nosuchchannel42")
    assert code == 2 and json.loads(out)
    assert err.splitlines()[-1].startswith("error: 2 of 3 channel inputs were not fetched: 'not a channel'")


def test_nothing_valid_is_still_one_error_before_any_call():
    code, out, err = run("fetch", "not a channel", "http://example.com/x")
    assert code == 2 and out == "" and err.startswith("error: 2 of 2 channel inputs are not valid")


def test_sync_pushes_the_good_channels_then_exits_2_for_the_bad_line(tmp_path):
    book = tmp_path / "v.csv"
    code, out, err = run("sync", "@oldschool", "not a channel", "--sheet", str(book))
    assert code == 2 and "Old School Tutorials: full" in out
    assert len(book.read_text(encoding="utf-8").splitlines()) > 1
    assert err.splitlines()[-1].startswith("error: 'not a channel' contains a space")


def test_sync_says_which_new_rows_are_new_on_youtube(tmp_path):
    """A channel the store knows, pushed to a new sheet: its rows are new there, not on YouTube."""
    assert run("fetch", "@oldschool", "--new")[0] == 0
    code, out, err = run("sync", "@oldschool", "--sheet", str(tmp_path / "v.csv"))
    assert code == 0, err
    line = next(ln for ln in out.splitlines() if ln.startswith("Old School Tutorials:"))
    assert re.search(r": incremental, 40 new, 0 updated, \d+ units? \(none new on YouTube: the rows are stored "
                     r"videos the sheet did not have yet", line), line


def test_the_app_fetches_the_good_lines_and_says_which_line_is_not_a_channel(app):
    at = fetch(app, "@oldschool\nnot a channel")
    assert not at.exception and not at.error
    assert at.session_state["y2s.result"].videos
    assert any(t.startswith("Not fetched: 'not a channel' contains a space") for t in texts(at.warning)), \
        texts(at.warning)
