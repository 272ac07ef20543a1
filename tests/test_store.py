"""The quota module and the local ledger: per Pacific day, per key fingerprint, across runs and processes."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime, timezone

import pytest

from y2s_core import cli
from y2s_core.quota import QuotaMeter, pacific_day, quota_line, record_spend, spent_today
from y2s_core.settings import Settings
from y2s_core.store import Store


def test_units_add_up_per_pacific_day_and_account(tmp_path):
    store = Store(tmp_path)
    late = datetime(2026, 7, 1, 6, 30, tzinfo=timezone.utc)  # 23:30 PDT on June 30
    after = datetime(2026, 7, 1, 7, 30, tzinfo=timezone.utc)  # 00:30 PDT on July 1: a new quota day
    store.record_quota("a", {"videos.list": 3, "playlistItems.list": 2}, now=late)
    store.record_quota("a", {"videos.list": 4}, now=late)
    store.record_quota("b", {"videos.list": 100}, now=late)
    store.record_quota("a", {"search.list": 100}, now=after)
    assert store.quota_today("a", now=late) == {"playlistItems.list": 2, "videos.list": 7}
    assert store.quota_today("a", now=after) == {"search.list": 100}
    assert pacific_day(late).isoformat() == "2026-06-30"


def test_fingerprint_never_holds_the_key():
    s = Settings(youtube_api_key="AIzaSECRET")
    assert s.account_fingerprint != Settings(youtube_api_key="other").account_fingerprint
    assert "SECRET" not in s.account_fingerprint and Settings().account_fingerprint == "demo"


@pytest.mark.parametrize(
    "units, by_method, line",
    [
        (12, {"videos.list": 5, "channels.list": 1, "playlistItems.list": 6},
         "12 quota units (channels.list 1, playlistItems.list 6, videos.list 5)"),
        (1234, {"search.list": 0, "videos.list": 1234}, "1,234 quota units (videos.list 1234)"),
        (0, {}, "0 quota units"),
        (0, None, "0 quota units"),
    ],
)
def test_quota_line_is_sorted_by_method_and_leaves_out_zeros(units, by_method, line):
    assert quota_line(units, by_method) == line


def test_meter_counts_a_search_as_one_call_of_its_bucket_and_skips_uncharged_requests():
    meter = QuotaMeter()
    meter.record("videos.list", charged=True)
    meter.record("videos.list", charged=False)  # e.g. a 503 or a refused key: Google bills nothing
    meter.record("search.list", charged=True)
    assert meter.snapshot() == {"videos.list": 1, "search.list": 1}
    assert meter.total_units == 1 and meter.search_calls == 1  # units of the main pool; calls of the search bucket


def test_the_ledger_keeps_search_calls_apart_from_units(tmp_path):
    mine = Settings(youtube_api_key="k1", data_dir=tmp_path)
    assert record_spend(mine, {"channels.list": 2, "search.list": 1}) == 2
    assert spent_today(mine) == 2


def test_record_spend_adds_to_the_ledger_and_returns_todays_total_for_the_key(tmp_path):
    mine, other = Settings(youtube_api_key="k1", data_dir=tmp_path), Settings(youtube_api_key="k2", data_dir=tmp_path)
    assert spent_today(mine) == 0
    assert record_spend(mine, {"channels.list": 1, "videos.list": 2}) == 3
    assert record_spend(other, {"videos.list": 50}) == 50
    assert record_spend(mine, {"videos.list": 4, "search.list": 0}) == 7
    assert record_spend(mine, {}) == 7  # nothing spent: still today's total
    assert spent_today(mine) == 7 and spent_today(other) == 50
    assert Store(tmp_path).quota_today(mine.account_fingerprint) == {"channels.list": 1, "videos.list": 6}


def test_record_spend_returns_none_and_logs_when_the_data_dir_is_not_writable(tmp_path, caplog):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data dir should be")  # works as root too, unlike chmod
    settings = Settings(youtube_api_key="AIzaSECRET", data_dir=blocked)
    with caplog.at_level(logging.WARNING, logger="y2s_core.quota"):
        assert record_spend(settings, {"videos.list": 3}) is None
        assert spent_today(settings) is None
    [record] = [r for r in caplog.records if r.name == "y2s_core.quota"]
    message = record.getMessage()
    assert record.levelno == logging.WARNING and str(blocked) in message and "FileExistsError" in message
    assert "SECRET" not in message


def test_cli_runs_accumulate_in_the_ledger(tmp_path):
    env = {"Y2S_DATA_DIR": str(tmp_path)}
    for expected_runs in (1, 2):
        err = io.StringIO()
        assert cli.run(["fetch", "@oldschool", "--progress"], stdout=io.StringIO(), stderr=err, env=env) == 0
        line = [ln for ln in err.getvalue().splitlines() if ln.startswith("quota:")][0]
        per_run = int(line.split()[1].replace(",", ""))
        assert line.startswith(f"quota: {quota_line(per_run, None)} (")
        assert f"today {per_run * expected_runs:,} units" in line
    assert sum(Store(tmp_path).quota_today("demo").values()) == 2 * per_run


def test_cli_with_an_unwritable_ledger_still_prints_its_rows_with_one_warning(tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["fetch", "@oldschool", "--max-videos", "3", "--progress"], stdout=out, stderr=err,
                   env={"Y2S_DATA_DIR": str(blocked)})
    assert code == 0 and len(json.loads(out.getvalue())) == 3
    lines = err.getvalue().splitlines()
    assert [ln for ln in lines if "ledger" in ln] == [f"warning: quota ledger not updated in {blocked} (FileExistsError)"]
    quota = [ln for ln in lines if ln.startswith("quota:")]
    assert len(quota) == 1 and "today" not in quota[0]
