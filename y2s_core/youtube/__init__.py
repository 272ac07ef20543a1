"""The YouTube client package (step 1 of the split: the old module moved to client.py unchanged)."""

from __future__ import annotations

from .client import *  # noqa: F403
from .client import PACIFIC, VIDEO_PARTS, __all__  # noqa: F401
