"""A circuit breaker per upstream (YouTube, Sheets): stop calling a service that keeps failing.

After ``threshold`` consecutive failures (a 5xx answer, a timeout, a dropped or refused connection: what
a retry cannot fix right away; never a quota answer or another 4xx, which say something about the
request) the breaker *opens*: for ``cooldown`` seconds every call fails at once with ``BreakerOpen``
instead of adding load to a struggling service and making the user wait through retries. After the
cool-down one call goes through (*half-open*): a success closes the breaker, a failure opens it again.

Breakers are per process and per endpoint (``breaker_for(service, endpoint)``): an outage of Google's
API is the same for every session of the app and every request of the REST API, whose health answer
shows their state (``states()``). The client that meets an open breaker keeps what it fetched before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .settings import shown_url

FAILURE_THRESHOLD = 5
COOLDOWN_SECONDS = 30.0


class BreakerOpen(Exception):
    """Raised instead of sending a call while the breaker is open (not an OSError: no library retries it)."""

    def __init__(self, service: str, retry_in: float, failures: int) -> None:
        super().__init__(f"{service} circuit open: {failures} failures in a row; retry in {retry_in:.0f} s")
        self.service = service
        self.retry_in = retry_in
        self.failures = failures


@dataclass
class CircuitBreaker:
    service: str  # "YouTube" or "Google Sheets": named in messages
    threshold: int = FAILURE_THRESHOLD
    cooldown: float = COOLDOWN_SECONDS
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False  # half-open: one call is under way

    def before_call(self) -> None:
        """Raise ``BreakerOpen`` while open; after the cool-down let one trial call through."""
        with self._lock:
            if self._opened_at is None:
                return
            left = self._opened_at + self.cooldown - self.clock()
            if left > 0 or self._trial:
                raise BreakerOpen(self.service, max(left, 0.0), self._failures)
            self._trial = True

    def success(self) -> None:
        with self._lock:
            if self._opened_at is not None and not self._trial:
                return  # a call sent before the breaker opened, answered late (calls run in parallel): only
                #         the half-open trial may close an open breaker
            self._failures = 0
            self._opened_at = None
            self._trial = False

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial or self._failures >= self.threshold:
                self._opened_at = self.clock()
            self._trial = False

    @property
    def state(self) -> str:
        """'closed', 'half-open' (the cool-down is over; the next call is a trial) or 'open'."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "open" if self.clock() < self._opened_at + self.cooldown else "half-open"

    def describe(self) -> dict[str, object]:
        with self._lock:
            left = 0.0 if self._opened_at is None else max(self._opened_at + self.cooldown - self.clock(), 0.0)
            failures = self._failures
        return {"state": self.state, "consecutive_failures": failures, "retry_in_seconds": round(left, 1)}


_registry: dict[tuple[str, str], CircuitBreaker] = {}
_registry_lock = threading.Lock()


def breaker_for(service: str, endpoint: str) -> CircuitBreaker:
    """The process's breaker for ``service`` at ``endpoint`` (created closed on first use)."""
    with _registry_lock:
        key = (service, endpoint)
        if key not in _registry:
            _registry[key] = CircuitBreaker(service)
        return _registry[key]


def states() -> dict[str, dict[str, object]]:
    """Every breaker of this process, '<service> <endpoint>' -> its state (for the REST health answer)."""
    with _registry_lock:
        items = list(_registry.items())
    return {f"{service} {shown_url(endpoint)}": b.describe() for (service, endpoint), b in items}


def reset_all() -> None:
    """Forget every breaker (tests)."""
    with _registry_lock:
        _registry.clear()


def is_failure_status(status: int) -> bool:
    """An HTTP answer that counts against the breaker: a server error (5xx). 429 and other 4xx do not."""
    return status >= 500
