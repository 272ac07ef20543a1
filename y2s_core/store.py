"""Durable local state (SQLite in ``Settings.data_dir``): the YouTube quota ledger.

YouTube's daily quota (10,000 units by default) resets at midnight Pacific time and is shared by every
run that uses the same key: scheduled CLI runs, the app, the REST API. The ledger adds up what each
run spent per Pacific day and per API method, keyed by ``Settings.account_fingerprint`` (never the key), so
the faces can say "today 1,234 units" before a run drains the rest. Write and read it through
``y2s_core.quota.record_spend`` / ``spent_today``: they hold the one error policy (an unwritable ledger is
a warning, never a lost fetch).

One short-lived connection per call: safe from several threads and processes (SQLite locks the file).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from .quota import pacific_day

SCHEMA = """
CREATE TABLE IF NOT EXISTS quota_ledger (
    day TEXT NOT NULL,          -- the Pacific date the units count against
    account TEXT NOT NULL,      -- fingerprint of the API key and endpoint ("demo" in demo mode)
    method TEXT NOT NULL,       -- e.g. videos.list
    units INTEGER NOT NULL,
    PRIMARY KEY (day, account, method)
)
"""


class Store:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "y2s.sqlite"

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute(SCHEMA)
        return conn

    def record_quota(self, account: str, units_by_method: Mapping[str, int], now: datetime | None = None) -> None:
        day = pacific_day(now).isoformat()
        rows = [(day, account, m, int(u)) for m, u in units_by_method.items() if u]
        if not rows:
            return
        with self._connect() as conn:
            conn.executemany(
                "INSERT INTO quota_ledger (day, account, method, units) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (day, account, method) DO UPDATE SET units = units + excluded.units",
                rows,
            )
        conn.close()

    def quota_today(self, account: str, now: datetime | None = None) -> dict[str, int]:
        day = pacific_day(now).isoformat()
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT method, units FROM quota_ledger WHERE day = ? AND account = ? ORDER BY method", (day, account)
            ).fetchall()
        conn.close()
        return dict(rows)
