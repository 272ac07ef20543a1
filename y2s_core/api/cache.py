"""A short-lived cache of finished fetches for ``GET /api/v1/channels/{channel}/videos``.

Keyed like the app's fetch cache (``dashboard.fetching``): the parsed channel inputs (kind, value, raw),
``FilterSpec.key()`` (every filter field) and the YouTube key's fingerprint (a hash, never the key), so
two keys never share an entry. The route keeps complete fetches only (a quota-cut one raises), as the
answer's JSON bytes, so a hit costs no rebuilding. Entries expire after ``Y2S_API_CACHE_SECONDS``; the
oldest goes first beyond ``max_entries``. It holds public YouTube data only. POST /fetch and /process
always fetch.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from ..filters import FilterSpec
from ..models import ChannelRef

Key = tuple[Any, ...]


def fetch_key(refs: Iterable[ChannelRef], spec: FilterSpec, account: str) -> Key:
    return (tuple((r.kind, r.value, r.raw) for r in refs), spec.key(), account)


class FetchCache:
    def __init__(self, ttl_seconds: float, max_entries: int = 64, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.max_entries, self.clock = ttl_seconds, max_entries, clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, tuple[float, bytes]] = OrderedDict()

    def get(self, key: Key) -> bytes | None:
        if self.ttl <= 0:
            return None
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            if self.clock() - hit[0] > self.ttl:
                del self._entries[key]
                return None
            return hit[1]

    def put(self, key: Key, body: bytes) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries[key] = (self.clock(), body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


__all__ = ["FetchCache", "fetch_key"]
