"""``SheetTarget``, the interface every target implements, and the tab-name rule they share.

Kept apart from ``targets.py`` (which builds targets and so imports ``local`` and ``google``) so
those two can subclass it without an import cycle.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from ..errors import InputError
from .planner import SheetPlan


class SheetTarget(ABC):
    """Somewhere a plan can be applied: a Google Sheets tab or a local workbook."""

    name: str = ""
    description: str = ""

    @property
    def url(self) -> str | None:
        return None

    @property
    def request_count(self) -> int:
        """HTTP requests made so far (0 for local files)."""
        return 0

    def set_progress(self, say: Callable[[str], None] | None) -> None:
        """Where the target may say what it is waiting for during a push (e.g. a rate limit). Default: nothing."""
        return None
    def exclusive(self, progress: Callable[[str], None] | None = None) -> contextlib.AbstractContextManager[None]:
        """Held by ``push`` around read -> plan -> apply so two pushes cannot interleave (a local file's
        lock); ``progress`` hears when it has to wait. Default: nothing to hold."""
        return contextlib.nullcontext()

    @abstractmethod
    def read(self) -> list[list[Any]]:
        """The tab's values, header row first; [] when the tab (or file) does not exist yet."""

    @abstractmethod
    def apply(self, plan: SheetPlan) -> None:
        """Write ``plan``, made from this target's latest ``read()``."""


XLSX_TAB_MAX = 31  # Excel's limit on a worksheet name
GOOGLE_TAB_MAX = 100  # Google Sheets' limit on a tab name
_XLSX_TAB_FORBIDDEN = set(":\\/?*[]")


def check_tab(tab: str, *, xlsx: bool) -> str:
    r"""The tab name to push to ('' -> 'Videos'), or InputError naming the rule it breaks.

    ``xlsx``: Excel's rules (at most 31 characters, none of : \ / ? * [ ], no leading or trailing
    apostrophe, not 'History'); otherwise Google Sheets' (at most 100 characters).
    """
    t = (tab or "").strip() or "Videos"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in t):
        raise InputError("The tab name contains a control character; type a plain name such as Videos.")
    if any("\ud800" <= ch <= "\udfff" or ch in "\ufffe\uffff" for ch in t):
        raise InputError("The tab name contains a character a sheet cannot hold (a broken emoji?); retype it.")
    shown = repr(t) if len(t) <= 40 else f"{t[:40]!r}…"
    if xlsx:
        if len(t) > XLSX_TAB_MAX:
            raise InputError(f"Tab name {shown} is {len(t)} characters; a workbook tab holds at most {XLSX_TAB_MAX}.")
        bad = sorted(_XLSX_TAB_FORBIDDEN & set(t))
        if bad:
            raise InputError(f"Tab {shown}: a workbook tab name cannot contain {' '.join(bad)}.")
        if t.startswith("'") or t.endswith("'"):
            raise InputError(f"Tab {shown}: a workbook tab name cannot start or end with an apostrophe.")
        if t.casefold() == "history":
            raise InputError("'History' is reserved by Excel; pick another tab name.")
    elif len(t) > GOOGLE_TAB_MAX:
        raise InputError(f"The tab name is {len(t)} characters; Google Sheets allows at most {GOOGLE_TAB_MAX}.")
    return t
