"""What one fetch gathers across its channels, and the sentences a listing ends a channel with.

The listing engine (``listing``) fills an ``Accumulator``, one channel after another;
a quota stop or a YouTube failure keeps what it holds (``result(complete=False)``). The warnings are built
here so a user reads the same words wherever the channel was listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import QuotaExceeded, YouTubeError
from ..models import Channel, FetchResult, Resolution, Video
from ..quota import STATS_DAILY_CALLS, QuotaMeter
from ..words import plural


@dataclass
class Accumulator:
    """What one ``YouTubeClient.fetch`` has gathered so far, across its channels; a quota stop keeps it."""

    meter: QuotaMeter
    before: dict[str, int]  # the client's meter when this fetch began: a result reports its own units
    videos: list[Video] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)  # why the result is not complete
    # channel id -> TYPE_RULE_TABS | TYPE_RULE_UUSH | TYPE_RULE_DURATION (parsing)
    type_rules: dict[str, str] = field(default_factory=dict)

    def result(self, complete: bool) -> FetchResult:
        return FetchResult(
            videos=tuple(self.videos),
            channels=tuple(self.channels),
            resolutions=tuple(self.resolutions),
            skipped_ids=tuple(self.skipped),
            warnings=tuple(self.warnings),
            quota={m: u - self.before.get(m, 0) for m, u in self.meter.snapshot().items() if u - self.before.get(m, 0)},
            complete=complete and not self.incomplete,
            incomplete=tuple(self.incomplete),
            type_rules=dict(self.type_rules),
        )


def stopped_warning(title: str, error: YouTubeError, pages: int, kept: int, left: list[str]) -> str:
    """A channel cut short by the quota or a failure: how far it got, what was kept, what was left out."""
    dropped = f" ({'; '.join(left)})" if left else ""
    why = "the quota" if isinstance(error, QuotaExceeded) else "a YouTube failure"
    return f"{title}: stopped by {why} after {plural(pages, 'page')}; {plural(kept, 'video')} kept{dropped}."


def stats_spent_warning(what: str) -> str:
    """The videos.batchGetStats bucket ran out: ``what`` came from videos.list (the main pool) instead."""
    return (f"{what} read with videos.list (the main pool) instead: the videos.batchGetStats bucket "
            f"({STATS_DAILY_CALLS:,} calls a day) is spent until midnight Pacific time.")


def skipped_warning(title: str, n: int) -> str:
    return f"{title}: skipped {plural(n, 'listed video')} that YouTube did not return (deleted or private)."


def no_shorts_warning(title: str) -> str:
    return f"{title}: no Shorts playlist; Shorts were told by duration (<= 3 min from 2024-10-15, <= 60 s before)."


def no_uploads_warning(title: str) -> str:
    return (f"{title}: no public uploads (YouTube has no uploads playlist for this channel); no videos listed.")


def cut_listing_reason(title: str, listed: int, count: int, how: str = "an uploads playlist stops at about 20,000 "
                       "items") -> str:
    """The listing ran to its end yet holds fewer than the channel's ``statistics.videoCount``."""
    return (f"{title}: YouTube listed only {listed:,} of the channel's {count:,} videos ({how}); the older ones "
            "cannot be fetched through the API.")
