"""A channel without Shorts: UUSH answers 404 while its long-form tab (UULF) answers, so no video is a Short, and
the duration rule, which would call a 2-minute 16:9 video a Short, is not used (issue 18, item 6). Only where no
tab playlist answers does the duration rule guess, and it says it is approximate.

Through the real google-api-python-client against the YouTube emulator; assertions on its calls and units.
"""

from __future__ import annotations

from collections import Counter

from tests.test_tabs import pages
from y2s_core.emulators.catalog import TAB_PREFIXES, with_tab_channel
from y2s_core.emulators.transport import HttplibHttp
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.models import VideoType
from y2s_core.settings import Settings
from y2s_core.store.syncing import known_channels
from y2s_core.sync import Syncer, SyncOptions
from y2s_core.youtube import YouTubeClient
from y2s_core.youtube.parsing import TYPE_RULE_DURATION, TYPE_RULE_NO_SHORTS


def client_for(emu: YouTubeEmulator, settings: Settings | None = None) -> YouTubeClient:
    return YouTubeClient(settings or Settings(youtube_api_key="k"), http_factory=lambda: HttplibHttp(emu),
                         retry_sleep=lambda s: None)


def playlist_calls(emu: YouTubeEmulator) -> Counter:
    return pages(emu)  # playlistItems.list calls per playlist kind (tests/test_tabs.py)


def test_uush_404_with_a_long_form_tab_means_no_shorts_not_the_duration_rule():
    cat = with_tab_channel(120, shorts=0, lives=10)  # no Shorts: UUSH does not exist (404), UULF and UULV do
    emu = YouTubeEmulator(cat)
    result = client_for(emu).fetch("@tabchannel")
    cid = cat.channel_by_handle("@tabchannel").id
    assert result.type_rules == {cid: TYPE_RULE_NO_SHORTS} and result.complete and len(result.videos) == 120
    assert not any("no Shorts playlist" in w for w in result.warnings)  # nothing was guessed
    brief = [v for v in result.videos if v.duration_seconds and v.duration_seconds <= 180]
    assert brief and {v.type for v in brief} == {VideoType.LONG}  # the duration rule would have said Short
    assert all(v.type.value == cat.expected_type(v.id) for v in result.videos)
    # the uploads chain (3 pages), UUSH's 404, one page of UULF to learn that the tabs exist; never UULV
    assert playlist_calls(emu) == {"UU": 3, "UUSH": 1, "UULF": 1}
    assert emu.units_used == 1 + 3 + 1 + 1 + 3  # channels.list, pages, the probe, 3 videos.list of 50 ids


def test_without_any_tab_playlist_the_duration_rule_guesses_and_says_so():
    emu = YouTubeEmulator(omit_tabs=TAB_PREFIXES)
    result = client_for(emu).fetch("@oldschool")
    cid = emu.catalog.channel_by_handle("@oldschool").id
    assert result.type_rules == {cid: TYPE_RULE_DURATION} and TYPE_RULE_DURATION.endswith("(approximate)")
    assert any("no Shorts playlist" in w for w in result.warnings)
    assert playlist_calls(emu)["UULF"] == 1 and playlist_calls(emu)["UUSH"] == 1  # both 404: nothing to trust


def test_a_channel_known_to_have_no_shorts_is_synced_without_asking_uush_or_uulf_again(tmp_path):
    cat = with_tab_channel(120, shorts=0, lives=10)
    emu = YouTubeEmulator(cat)
    cid = cat.channel_by_handle("@tabchannel").id
    settings = Settings(youtube_api_key="k", data_dir=tmp_path)

    def sync():
        emu.reset()
        syncer = Syncer(client_for(emu, settings), settings)
        return syncer.run(syncer.prepare(["@tabchannel"], None, SyncOptions(stats="none")))

    first = sync()
    assert [r.mode for r in first.reports] == ["full"] and first.result.type_rules == {cid: TYPE_RULE_NO_SHORTS}
    assert known_channels(syncer_store(settings), [cid])[cid].type_rule == TYPE_RULE_NO_SHORTS
    second = sync()
    assert [r.mode for r in second.reports] == ["incremental"]
    assert playlist_calls(emu)["UUSH"] == 0 and playlist_calls(emu)["UULF"] == 0
    assert {v.type for v in second.result.videos} <= {VideoType.LONG, VideoType.LIVE}
    assert [v.to_row() for v in second.result.videos] == [v.to_row() for v in first.result.videos]


def syncer_store(settings: Settings):
    from y2s_core.store import Store

    return Store.for_settings(settings)
