"""Lock files are never followed through a symbolic link (issue 17 item 8).

A link planted at ``$Y2S_DATA_DIR/sync.lock`` made ``sync`` truncate the file it pointed to (and a dangling
link create its target). The lock is opened with O_NOFOLLOW: one clear error, the other file untouched.
"""

from __future__ import annotations

import io
import os

import pytest

from y2s_core.cli import run


@pytest.mark.parametrize("dangling", [False, True], ids=["to-a-file", "dangling"])
def test_a_symlinked_sync_lock_is_refused_and_its_target_untouched(tmp_path, dangling):
    data = tmp_path / "data"
    data.mkdir()
    victim = tmp_path / "victim.txt"
    if not dangling:
        victim.write_text("precious\n")
    os.symlink(victim, data / "sync.lock")
    out, err = io.StringIO(), io.StringIO()
    code = run(["sync", "@y2sdemo", "--sheet", str(tmp_path / "out.csv")], stdout=out, stderr=err,
               env={"Y2S_DATA_DIR": str(data)})
    assert code == 1
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and "is a symbolic link" in lines[0], err.getvalue()
    if dangling:
        assert not victim.exists(), "a dangling link's target is never created"
    else:
        assert victim.read_text() == "precious\n"
    assert not (tmp_path / "out.csv").exists()


# ------------------------------------------------ history --format csv: the one CSV escaping (issue 17 item 7)


@pytest.mark.parametrize("title", ["=IMPORTXML(\"http://x.example\",\"//a\")", "+1 trick", "-20% off", "@home",
                                   "\tTabbed", "=HYPERLINK(\"x\")"])
def test_history_csv_escapes_what_a_spreadsheet_would_run(tmp_path, title):
    import csv
    from datetime import datetime, timezone

    from y2s_core.models import Channel, FetchResult, Video, VideoType
    from y2s_core.store import Store

    ch = Channel(id="UCsafesafesafesafesafe01", title="Safe", handle="@safechannel", uploads_playlist_id="UUsafe")
    video = Video(id="-dashfirst1", channel_id=ch.id, channel_title=ch.title, title=title, duration_seconds=61,
                  published_at=datetime(2026, 1, 2, tzinfo=timezone.utc), type=VideoType.LONG, views=5, likes=1)
    Store.in_dir(tmp_path).record_fetch(FetchResult(videos=(video,), channels=(ch,)))
    out, err = io.StringIO(), io.StringIO()
    code = run(["history", "@safechannel", "--format", "csv"], stdout=out, stderr=err, env={"Y2S_DATA_DIR": str(tmp_path)})
    assert code == 0, err.getvalue()
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["title"] == "'" + title and row["video_id"] == "'-dashfirst1"
    assert row["views"] == "5"
