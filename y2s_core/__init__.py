"""YouTube2Sheets core: resolve channels, fetch videos at the least quota, filter, measure, upsert to sheets.

The public API, named explicitly (the faces — pages, CLI, REST API — use only these and the errors)::

    from y2s_core import YouTubeClient, FilterSpec, parse_channels, open_target, push

    result = YouTubeClient(Settings.from_env()).fetch("@googledevelopers", FilterSpec(max_videos=20))
    push(result.rows(), open_target("videos.xlsx"))

Nothing here imports streamlit (``y2s_core.dashboard``, the dashboard's own package, is the one place that does).
"""

from .channel_input import parse as parse_channels
from .errors import (
    ChannelNotFound,
    InputError,
    KeyInvalid,
    PermissionDenied,
    QuotaExceeded,
    SheetNotFound,
    SheetsError,
    Y2SError,
    YouTubeError,
)
from .filters import FilterSpec
from .models import Channel, ChannelRef, FetchResult, Resolution, Video, VideoType
from .settings import Settings
from .sheets import PushResult, open_target, plan_upsert, push, workbook_bytes
from .youtube import Progress, YouTubeClient, fetch

__all__ = [
    "Channel",
    "ChannelNotFound",
    "ChannelRef",
    "FetchResult",
    "FilterSpec",
    "InputError",
    "KeyInvalid",
    "PermissionDenied",
    "Progress",
    "PushResult",
    "QuotaExceeded",
    "Resolution",
    "Settings",
    "SheetNotFound",
    "SheetsError",
    "Video",
    "VideoType",
    "Y2SError",
    "YouTubeClient",
    "YouTubeError",
    "fetch",
    "open_target",
    "parse_channels",
    "plan_upsert",
    "push",
    "workbook_bytes",
]
