"""The local quota ledger: per Pacific day, per key fingerprint, across runs and processes."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from y2s_core import cli
from y2s_core.settings import Settings
from y2s_core.store import Store, pacific_day


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


def test_cli_runs_accumulate_in_the_ledger(tmp_path):
    env = {"Y2S_DATA_DIR": str(tmp_path)}
    for expected_runs in (1, 2):
        err = io.StringIO()
        assert cli.run(["fetch", "@oldschool"], stdout=io.StringIO(), stderr=err, env=env) == 0
        line = [ln for ln in err.getvalue().splitlines() if ln.startswith("quota:")][0]
        per_run = int(line.split()[1])
        assert f"today {per_run * expected_runs:,} units" in line
    assert sum(Store(tmp_path).quota_today("demo").values()) == 2 * per_run

