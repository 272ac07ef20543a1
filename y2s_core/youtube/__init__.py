"""The YouTube client: resolve channels, list uploads, fetch video details, classify, at the least quota.

Quota per channel of N uploads (every list call costs 1 unit; search.list 1 call of its own 100-a-day bucket),
along its uploads playlist (a small channel or window: ``engines.engine_for``):

    1 (channels.list) + ceil(N/50) (playlistItems.list, uploads) + ceil(N/50) (videos.list, 50 ids a call)
      + ceil(S/50) (playlistItems.list on the UUSH playlist, S Shorts, stopped early at the oldest upload needed)

or through its tab playlists UULF/UUSH/UULV in parallel (a big channel, once they are proven to hold every
video: ``tabs``):

    1 (channels.list) + the tabs' pages + 1 (the uploads playlist's first page) + ceil(N/50) (videos.list)

Detail calls overlap the page chains: each page hands its ids to a small thread pool while its chain requests
the next page (the page tokens make each chain sequential). httplib2 is not thread-safe, so every thread gets
its own http object from ``http_factory``. Paging stops early once ``max_videos`` or ``since`` is satisfied.

Every request passes through ``MeteredHttp``, which counts units per method (retries too), so
``FetchResult.quota`` is what Google charged, not an estimate.

Modules, each importing (at run time) only those above it:

    transport   the metered http object, its factory, Google errors -> ours (uses ``y2s_core.quota``)
    parsing     resources -> Channel / Video, the type rule, the request constants
    feed        the uploads feed (Atom, no quota): read, parsed, and its verdict on a known channel
    outcome     what a fetch gathers (the accumulator) and the warnings a listing writes
    engines     which playlists list a channel (``engine_for``: pure; the quota planner asks it too)
    chains      one playlist's page chain on its own thread
    listing_end how a listing ends: the kept (newest-first) videos, its warnings, its type rule
    listing     the listing engine: [UU] + UUSH, or [UU, UULF, UUSH, UULV] proven against videoCount;
                ``fetch_channel``
    client      YouTubeClient (transport, ``execute``, ``playlist_page``, ``video_details``, resolution, fetch)
    walk        a listing's saved place (PagePos, Resume: uploads chain or tab chains) and one playlist's walk
    incremental a known channel: the feed first (0 units when it shows nothing new), else down to the
                boundary, or a cut listing continued (uploads chain or tabs)

``QuotaMeter`` and ``quota_resets_at`` live in ``y2s_core.quota``; they are re-exported here for the
importers that know them from this package.
"""

from __future__ import annotations

from ..quota import QuotaMeter, quota_resets_at
from .client import Progress, YouTubeClient, fetch
from .parsing import (
    VIDEO_PARTS,
    channel_from_resource,
    classify,
    iso_seconds,
    parse_datetime,
    video_from_resource,
)
from .transport import quota_exceeded, translate_http_error

__all__ = [
    "YouTubeClient",
    "QuotaMeter",
    "Progress",
    "fetch",
    "classify",
    "video_from_resource",
    "channel_from_resource",
    "iso_seconds",
    "parse_datetime",
    "quota_resets_at",
    "translate_http_error",
    "quota_exceeded",
    "VIDEO_PARTS",
]
