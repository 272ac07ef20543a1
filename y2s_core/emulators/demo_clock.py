"""The demo's clock: where the demo world stands in time, kept in the data directory.

The demo catalog is built against a fixed moment, ``catalog.DEMO_NOW``; ``Catalog.at(now)`` moves it (each
channel uploads on its own cadence, every video's views grow). This clock says which ``now`` the app's demo
emulator serves, persisted in ``$Y2S_DATA_DIR/demo-clock.json`` so every process that reads the same data
directory (the app's in-process emulator, a served ``python -m y2s_core.emulators youtube``) sees the same
demo day:

    demo now = DEMO_NOW + offset + whole days of wall time since ``started_at`` (when ``follow`` is on)

``offset`` is what "Advance the demo a day" (Settings) and ``python -m y2s_core.emulators clock --advance
1d`` add; ``follow`` (set by ``start()``, the app's first demo run) lets the demo move a day for every real
day, so a fetch tomorrow sees new uploads too. Without the file the clock stands at DEMO_NOW: every test and
benchmark that never opts in sees the catalog they always saw. The demo moves in whole days of wall time
only, so a running fetch never sees the world change between two requests, except across that boundary.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .catalog import DEMO_NOW, Catalog, demo_catalog_at

CLOCK_FILE = "demo-clock.json"
DAY = 86_400
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": DAY, "w": 7 * DAY}
_TOKEN = re.compile(r"(\d+(?:\.\d+)?)([smhdw]?)")


def parse_span(text: str | int | float) -> int:
    """'1d' -> 86400; '12h', '30m', '2w', '90s', '1d12h'; a bare number is days ('3' -> 3 days). Raises ValueError."""
    if isinstance(text, (int, float)):
        return int(text * DAY)
    compact = re.sub(r"\s+", "", str(text)).lower()
    tokens = _TOKEN.findall(compact)
    if not compact or "".join(n + u for n, u in tokens) != compact:
        raise ValueError(f"not a time span: {text!r} (write it like 1d, 12h, 30m or 2w)")
    return sum(int(float(n) * _UNITS[u or "d"]) for n, u in tokens)


def default_data_dir() -> Path:
    """Y2S_DATA_DIR, else ~/.y2s (as ``Settings.from_env`` reads it)."""
    raw = (os.environ.get("Y2S_DATA_DIR") or "").strip()
    return Path(raw) if raw else Path.home() / ".y2s"


@dataclass(frozen=True)
class ClockState:
    offset: int = 0  # seconds added by hand (advance)
    started_at: float | None = None  # wall time (epoch s) of the demo's first run; None: never started
    follow: bool = False  # move one demo day per wall day since started_at

    def demo_epoch(self, wall: float | None = None) -> int:
        base = int(DEMO_NOW.timestamp()) + self.offset
        if self.follow and self.started_at is not None:
            wall = time.time() if wall is None else wall
            base += max(0, int((wall - self.started_at) // DAY)) * DAY
        return base


class DemoClock:
    """The demo's ``now``, read from (and written to) ``data_dir/demo-clock.json``. Cheap to ask often: the file
    is re-read only when its modification time changes."""

    def __init__(self, data_dir: Path | str | None = None) -> None:
        self.path = Path(data_dir if data_dir is not None else default_data_dir()) / CLOCK_FILE
        self._lock = threading.Lock()
        self._seen: tuple[float, int] | None = None
        self._state = ClockState()

    # -- reading -------------------------------------------------------------------------------------

    def state(self) -> ClockState:
        try:
            st = self.path.stat()
        except OSError:
            with self._lock:
                self._seen, self._state = None, ClockState()
            return self._state
        key = (st.st_mtime, st.st_size)
        with self._lock:
            if key != self._seen:
                self._state = _read(self.path)
                self._seen = key
            return self._state

    def epoch(self) -> int:
        """The demo's now, epoch seconds."""
        return self.state().demo_epoch()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.epoch(), timezone.utc)

    def days_ahead(self) -> float:
        """How far the demo stands past DEMO_NOW, in days."""
        return (self.epoch() - int(DEMO_NOW.timestamp())) / DAY

    # -- writing -------------------------------------------------------------------------------------

    def advance(self, span: str | int | float = "1d") -> datetime:
        """Move the demo forward by ``span`` ('1d', '12h', or days as a number); returns the new now."""
        seconds = parse_span(span)
        if seconds < 0:
            raise ValueError("the demo clock only moves forward")
        s = self.state()
        self._write(ClockState(s.offset + seconds, s.started_at, s.follow))
        return self.now()

    def start(self, *, follow: bool = True) -> ClockState:
        """Note the demo's first run (once): from then on, with ``follow``, the demo moves a day a real day."""
        s = self.state()
        if s.started_at is None:
            s = ClockState(s.offset, time.time(), follow)
            self._write(s)
        return s

    def reset(self) -> None:
        """Back to DEMO_NOW (the file is removed)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        with self._lock:
            self._seen, self._state = None, ClockState()

    def _write(self, s: ClockState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps({"offset_seconds": s.offset, "started_at": s.started_at, "follow": s.follow},
                                  indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
        with self._lock:
            self._seen, self._state = None, s


def _read(path: Path) -> ClockState:
    """The file's state; a file that cannot be read or parsed is the fixed clock (the demo still works)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        started = data.get("started_at")
        return ClockState(int(data.get("offset_seconds") or 0), float(started) if started is not None else None,
                          bool(data.get("follow")))
    except (OSError, ValueError, TypeError, AttributeError):
        return ClockState()


class CatalogAtClock:
    """A mixin (of ``YouTubeEmulator``): ``catalog`` is the given catalog, or the demo's, at the clock's day.

    ``clock``: None follows the data directory's clock when no catalog is given (the demo) and none when one is;
    a ``DemoClock`` follows that one; False never follows. Assigning ``catalog`` serves that one, as it is."""

    _base: Catalog | None
    clock: DemoClock | None
    _at: tuple[int, Catalog] | None

    def _init_catalog(self, catalog: Catalog | None, clock: DemoClock | bool | None) -> None:
        self._base = catalog  # None: the demo catalog
        if clock is None:
            clock = catalog is None
        self.clock = DemoClock() if clock is True else (clock or None)
        self._at = None

    @property
    def catalog(self) -> Catalog:
        if self.clock is None:
            return self._base if self._base is not None else demo_catalog_at(None)
        t = self.clock.epoch()
        if self._base is None:
            return demo_catalog_at(t)
        held = self._at
        if held is None or held[0] != t:
            held = self._at = (t, self._base.at(t))
        return held[1]

    @catalog.setter
    def catalog(self, value: Catalog) -> None:
        self._base, self.clock, self._at = value, None, None


def describe(clock: DemoClock) -> str:
    """'2026-11-02 12:00 UTC (1 day after the demo's start)'."""
    days = clock.days_ahead()
    when = clock.now().strftime("%Y-%m-%d %H:%M UTC")
    if days == 0:
        return f"{when} (the demo's start)"
    n = f"{days:g}"
    return f"{when} ({n} day{'' if n == '1' else 's'} after the demo's start)"


__all__ = ["CLOCK_FILE", "CatalogAtClock", "ClockState", "DemoClock", "default_data_dir", "describe", "parse_span"]
