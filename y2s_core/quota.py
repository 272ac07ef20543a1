"""TEMPORARY stand-in until the quota module lands (branch i7-youtube)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping

from .youtube import quota_resets_at  # noqa: F401

_log = logging.getLogger(__name__)


def quota_line(units: int, by_method: Mapping[str, int] | None = None) -> str:
    per = ", ".join(f"{m} {u}" for m, u in sorted((by_method or {}).items()) if u)
    return f"{units:,} quota units" + (f" ({per})" if per else "")


def record_spend(settings, units_by_method):
    from .store import Store

    try:
        store = Store(settings.data_dir)
        store.record_quota(settings.account_fingerprint, units_by_method)
        return sum(store.quota_today(settings.account_fingerprint).values())
    except (sqlite3.Error, OSError) as e:
        _log.warning("quota ledger not updated: %s", type(e).__name__)
        return None


def spent_today(settings):
    from .store import Store

    try:
        return sum(Store(settings.data_dir).quota_today(settings.account_fingerprint).values())
    except (sqlite3.Error, OSError):
        return None
