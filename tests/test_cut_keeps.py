"""The same quota keeps the same rows: a listing the budget may not pay for spends its units in listing order.

When the quota planner says a fetch does not fit what is left of today's budget and it is forced anyway, the tab
playlists are paged strictly merged by date (a chain ahead in time waits for the others) and videos are detailed
newest first, once every playlist has listed past them. So what a cut keeps is the newest-first prefix the
units paid for, whatever the threads' timing: with U units left, at least the newest 50 x floor((U - 2 - tab
chains) / 2) videos (issue 15). Before, @bigchannel fetched 30 times at 12 units kept 0 to 154 rows, and 155 to
797 at 40. Through the one fetch use case (``service.fetch``) against the emulator served on 127.0.0.1 with a
little latency, so the chains and the detail pool overlap as they do against Google.
"""

from __future__ import annotations

import pytest

from y2s_core import service
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.errors import QuotaExceeded
from y2s_core.settings import Settings

TAB_CHAINS = 3


def _cut_fetch(daily: int, folder) -> list[str]:
    emu = YouTubeEmulator(daily_quota=daily, latency=0.003)
    with serve(emu) as server:
        settings = Settings(youtube_api_key="k", youtube_api_url=server.url, data_dir=folder, daily_quota=daily)
        client = service.open_client(settings, retry_sleep=lambda s: None)
        try:
            run = service.fetch(client, settings, "@bigchannel", force=True)
        finally:
            client.close()
    assert isinstance(run.error, QuotaExceeded) and not run.plan.fits
    assert emu.units_used == daily
    return [v.id for v in run.result.videos]


@pytest.fixture(scope="module")
def full_listing() -> list[str]:
    """@bigchannel's videos, newest first, as an uncut fetch lists them."""
    emu = YouTubeEmulator()
    with serve(emu) as server:
        client = service.open_client(Settings(youtube_api_key="k", youtube_api_url=server.url))
        client.meter.sink = None  # no ledger for this reference listing
        videos = client.fetch("@bigchannel").videos
    return [v.id for v in sorted(videos, key=lambda v: v.published_at, reverse=True)]


@pytest.mark.parametrize("daily", [12, 20, 40])
def test_a_forced_cut_keeps_at_least_the_newest_50_per_2_units_and_the_same_rows_every_time(daily, full_listing,
                                                                                            tmp_path):
    runs = [_cut_fetch(daily, tmp_path / str(i)) for i in range(3)]
    floor = 50 * ((daily - 2 - TAB_CHAINS) // 2)
    for kept in runs:
        assert len(kept) >= floor, (daily, len(kept), floor)
        assert set(kept) == set(full_listing[: len(kept)]), "a cut keeps a newest-first prefix of the listing"
    assert set(runs[0]) == set(runs[1]) == set(runs[2]), [len(k) for k in runs]
