"""Which engine lists a channel, and what the listing is expected to cost: pure functions of its size.

``use_tabs`` decides between the uploads chain (``paging``) and the tab playlists in parallel (``tabs``);
``expected_units`` estimates the units either spends, for a quota planner that must budget a fetch before
it runs (it sends nothing).
"""

from __future__ import annotations

import math

from ..filters import FilterSpec
from .parsing import PAGE

# below this many uploads pages one chain is nearly as quick, and the uploads engine spends fewer units (each tab
# chain may ask a page past a max_videos cutoff before the cutoff is known)
TABS_FROM_PAGES = 8


def use_tabs(video_count: int | None, spec: FilterSpec) -> bool:
    """List through the tab playlists? Only when the uploads chain would be long: ``TABS_FROM_PAGES`` pages
    of the window (the newest ``max_videos``, else the whole channel; ``since`` cannot be sized up front)."""
    if not video_count:
        return False
    window = min(video_count, spec.max_videos) if spec.max_videos else video_count
    return math.ceil(window / PAGE) >= TABS_FROM_PAGES


def expected_units(video_count: int | None, spec: FilterSpec | None = None, *, shorts: int | None = None,
                   lives: int | None = None) -> int:
    """The units listing and detailing one resolved channel is expected to cost (its channels.list not counted).

    A pure estimate for a quota planner, from ``statistics.videoCount`` and, when known, how many of them are
    Shorts and live streams (else every video is taken for long-form). The window is the newest
    ``max_videos``; a ``since`` window cannot be sized without listing, so it counts the whole channel (an
    upper bound). A tab engine that falls back to the uploads playlist costs up to its pages more.
    """
    spec = spec or FilterSpec()
    n = video_count or 0
    if n == 0:
        return 1  # the uploads playlist answers 404 for an empty channel
    window = min(n, spec.max_videos) if spec.max_videos else n
    pages = math.ceil(window / PAGE)
    share = window / n
    sh = (shorts or 0) * share
    if not use_tabs(n, spec):  # uploads pages + details + the UUSH pages down to the window
        return 2 * pages + max(1, math.ceil(sh / PAGE))
    lv = (lives or 0) * share
    tab_pages = sum(max(1, math.ceil(x / PAGE)) for x in (window - sh - lv, sh, lv))  # an empty tab: one 404
    return tab_pages + 1 + pages
