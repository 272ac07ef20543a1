"""Which engine lists a channel: a pure function of its size.

``engine_for`` decides which playlists the listing engine (``listing``) pages: the uploads playlist ("uploads")
or the tab playlists in parallel too ("tabs");
the quota planner (``y2s_core.quota_planner.full_listing``) asks it too, to estimate what the engine the
client will pick is going to spend.
"""

from __future__ import annotations

import math

from ..filters import FilterSpec
from .parsing import PAGE

# below this many uploads pages one chain is nearly as quick, and the uploads engine spends fewer units (each tab
# chain may ask a page past a max_videos cutoff before the cutoff is known)
TABS_FROM_PAGES = 8
PLAYLIST_CAP = 20_000  # an uploads playlist lists at most about this many items
TABS = ("UULF", "UUSH", "UULV")  # the tab playlists (long-form, Shorts, live), in the order a resume walks them


def engine_for(video_count: int | None, spec: FilterSpec) -> str:
    """"tabs" (the tab playlists in parallel) or "uploads" (the uploads chain). The tabs only when the uploads
    chain would be long: ``TABS_FROM_PAGES`` pages
    of the window (the newest ``max_videos``, else the whole channel; ``since`` cannot be sized up front).
    A quota-cut tab listing resumes on its tab chains, each from its saved page (``youtube.incremental``),
    as cheaply as a cut uploads chain does (``benchmarks/bench_resume.py``)."""
    if not video_count:
        return "uploads"
    window = min(video_count, spec.max_videos) if spec.max_videos else video_count
    return "tabs" if math.ceil(window / PAGE) >= TABS_FROM_PAGES else "uploads"
