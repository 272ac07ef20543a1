"""The quota planner is honest: its estimate against the emulator's actual count for every demo channel, through
the real client (a plain fetch, a capped one, --since as an upper bound), and the budget it compares with."""

from __future__ import annotations

import pytest

from y2s_core import parse_channels
from y2s_core.emulators.transport import HttplibHttp
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.filters import FilterSpec
from y2s_core.quota_planner import ChannelEstimate, QuotaPlan, WouldNotFit
from y2s_core.service import plan_fetch
from y2s_core.settings import Settings
from y2s_core.youtube import YouTubeClient

DEMO = ("@y2sdemo", "@bigchannel", "@hugechannel", "@oldschool", "@emptychannel")


def within(estimate: int, actual: int) -> bool:
    """The stated tolerance: 2 units, or 10 % of the actual count, whichever is larger."""
    return abs(estimate - actual) <= max(2, 0.10 * actual)


@pytest.fixture(scope="module")
def emu():
    return YouTubeEmulator()


@pytest.mark.parametrize("channel", DEMO)
@pytest.mark.parametrize("filters", [{}, {"max_videos": "120"}, {"since": "2026-01-01"}])
def test_the_estimate_of_a_fetch_is_within_tolerance_of_what_it_spends(emu, tmp_path, channel, filters):
    spec = FilterSpec.from_strings(**filters)
    settings = Settings(youtube_api_key="k", data_dir=tmp_path)
    client = YouTubeClient(settings, http_factory=lambda: HttplibHttp(emu), retry_sleep=lambda s: None)
    emu.reset()
    resolutions = client.resolve(parse_channels(channel))
    plan = plan_fetch(settings, resolutions, spec, emu.units_used)
    assert plan.resolve_units == emu.units_used == 1
    client.fetch(channel, spec, resolved=resolutions)
    actual = emu.units_used - 1
    [estimate] = plan.estimates
    if "since" in filters:  # how far back the channel's uploads reach is unknown before listing: a ceiling
        assert actual <= estimate.units and (estimate.upper_bound or estimate.units == actual), (estimate, actual)
        assert plan.line().startswith("plan: at most " if estimate.upper_bound else "plan: about ")
    else:
        assert not estimate.upper_bound and within(estimate.units, actual), (estimate, actual)


def test_the_budget_is_the_daily_quota_less_the_ledger_and_the_resolution():
    plan = QuotaPlan((ChannelEstimate("a", "full", 60, ""), ChannelEstimate("b", "incremental", 3, "")), 2, 1000, 900)
    assert plan.units == 63 and plan.remaining == 98 and plan.fits
    assert plan.line() == ("plan: about 63 units (full 60, incremental 3) after 2 spent resolving; "
                           "today 902 of 1,000 units spent, 98 left")
    tight = QuotaPlan(plan.estimates, 2, 1000, 950)
    assert not tight.fits and isinstance(tight.refusal(), WouldNotFit) and tight.refusal().exit_code == 3
    assert "needs about 63 YouTube units but only 48 of today's 1,000 are left" in str(tight.refusal())
    unknown = QuotaPlan(plan.estimates, 0, 1000, None)  # an unreadable ledger refuses nothing
    assert unknown.fits and "today's spend unknown" in unknown.line()


def test_a_bad_daily_quota_is_one_clear_error():
    from y2s_core.errors import InputError

    assert Settings.from_env({"Y2S_DAILY_QUOTA": "50,000"}).daily_quota == 50_000
    assert Settings.from_env({}).daily_quota == 10_000
    with pytest.raises(InputError, match="Y2S_DAILY_QUOTA must be a whole number"):
        Settings.from_env({"Y2S_DAILY_QUOTA": "lots"})
