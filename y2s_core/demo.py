"""Demo mode's past and present: the demo's clock, and a first run that already has a history.

The demo emulator serves its catalog at the demo clock's day (``emulators.demo_clock``: kept in the data
directory, moved by "Advance the demo a day" and ``python -m y2s_core.emulators clock --advance 1d``).

``first_demo_run(settings)`` (the app calls it once a session in demo mode; it is cheap after the first time):

* starts the clock, so the demo moves one day for every real day from now on (a fetch tomorrow sees new uploads
  and gains), and
* seeds the store with the last ``HISTORY_DAYS`` days of the demo channels in ``SEEDED_HANDLES``: a
  snapshot a day for the last ``DAILY_DAYS``, a week apart before, as a daily sync would have taken them (views along each video's growth curve, uploads on
  the days they were published), so Growth, Top risers, "Views gained (7 d)" and the New column show
  real-looking data on the first visit. Snapshot ``i`` days back is taken ``i`` real days before now and
  shows the demo as it stood ``i`` demo days before the demo's now.

``Y2S_DEMO_HISTORY`` sets how many days are seeded (default 90; 0 turns seeding off, e.g. for tests that want
an empty store on the first run; the clock still starts).

Seeding goes through the store's public API (``store.syncing.record_sync``): the same rows a sync writes, so
the next fetch treats the channel as known (its new uploads, its statistics refreshed). A channel the store
already knows is never seeded again; nothing is seeded outside demo mode.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from .emulators.catalog import DemoVideo, aged
from .emulators.demo_clock import DAY, DemoClock
from .filters import FilterSpec
from .models import Video
from .settings import Settings

HISTORY_DAYS = 90
DAILY_DAYS = 30  # a snapshot every day for the last 30 days, one a week before (each is one store transaction)
SEEDED_HANDLES = ("@y2sdemo",)  # the fetch page's default input in demo mode (a few hundred rows a day at most)


@dataclass(frozen=True)
class Seeded:
    """What ``seed_history`` wrote: channels seeded, snapshots written, days covered (0: nothing to do)."""

    channels: tuple[str, ...] = ()
    snapshots: int = 0
    days: int = 0
    skipped: tuple[str, ...] = ()  # channels the store already knew


def demo_clock(settings: Settings) -> DemoClock:
    """The demo's clock for these settings' data directory."""
    return DemoClock(settings.data_dir)


def advance(settings: Settings, span: str | int | float = "1d") -> datetime:
    """Move the demo on by ``span`` ('1d', '12h', or days); returns the demo's new now. Demo mode only."""
    if not settings.demo:
        raise ValueError("the demo clock moves in demo mode only (no YouTube key or API URL configured)")
    return demo_clock(settings).advance(span)


def history_setting(env: Mapping[str, str] | None = None) -> int:
    """Y2S_DEMO_HISTORY: days of history a first demo run seeds (default 90, 0: none). Raises ValueError."""
    raw = ((os.environ if env is None else env).get("Y2S_DEMO_HISTORY") or "").strip().lower()
    if not raw:
        return HISTORY_DAYS
    if raw in ("off", "false", "no", "none"):
        return 0
    try:
        days = int(raw)
    except ValueError:
        days = -1
    if not 0 <= days <= 366:
        raise ValueError(f"Y2S_DEMO_HISTORY takes a number of days from 0 to 366 (0: off), not {raw!r}")
    return days


def first_demo_run(settings: Settings, *, handles: Sequence[str] = SEEDED_HANDLES, days: int | None = None,
                   daily: int = DAILY_DAYS) -> Seeded:
    """Start the demo's clock (once) and seed the store's history (once per channel; ``days``: default
    ``Y2S_DEMO_HISTORY``, else 90). Demo mode only."""
    if not settings.demo:
        return Seeded()
    demo_clock(settings).start()
    return seed_history(settings, handles=handles, days=history_setting() if days is None else days, daily=daily)


def observed_at(settings: Settings) -> datetime | None:
    """When a demo fetch's snapshots are taken: now plus the days the demo was moved on by hand (``advance``), so a
    day's gains read as a day's although the fetch before was seconds ago; None outside demo mode or unmoved (now)."""
    if not settings.demo:
        return None
    offset = demo_clock(settings).state().offset
    return datetime.now(timezone.utc) + timedelta(seconds=offset) if offset else None


def history_days(days: int, daily: int) -> list[int]:
    """How many days back each seeded snapshot is, oldest first: every day for the last ``daily``, a week
    apart before (90, 30 -> 90, 83, ..., 34, 30, 29, ..., 1)."""
    weekly = list(range(days, daily, -7)) if days > daily else []
    return weekly + list(range(min(days, daily), 0, -1))


def seed_history(settings: Settings, *, handles: Sequence[str] = SEEDED_HANDLES, days: int = HISTORY_DAYS,
                 daily: int = DAILY_DAYS, wall_now: datetime | None = None) -> Seeded:
    """Snapshots of the last ``days`` days (up to yesterday: ``history_days``) of each channel in ``handles`` the
    store does not know yet, each as the channel stood at the demo clock's day minus as many days."""
    from .emulators.transport import HttplibHttp
    from .emulators.youtube import YouTubeEmulator
    from .store import Store
    from .store.syncing import Coverage, known_channels, record_sync
    from .youtube import YouTubeClient

    if not settings.demo or days <= 0 or not handles:
        return Seeded()
    emu = YouTubeEmulator(clock=demo_clock(settings))
    catalog = emu.catalog  # one day for the whole seeding, whatever the clock does meanwhile
    emu.catalog = catalog
    client = YouTubeClient(settings, http_factory=lambda: HttplibHttp(emu))
    result = client.fetch(list(handles), FilterSpec())
    store = Store.for_settings(settings)
    known = known_channels(store, [c.id for c in result.channels])
    todo = [c for c in result.channels if c.id not in known]
    wall = (wall_now or observed_at(settings) or datetime.now(timezone.utc)).astimezone(timezone.utc)
    written = 0
    for ch in todo:
        present = [v for v in result.videos if v.channel_id == ch.id]
        records = {v.id: catalog.record(v.id) for v in present}
        for back in history_days(days, daily):
            then = catalog.now - back * DAY
            seen = [_as_of(v, records[v.id], then, catalog.now) for v in present]
            seen = [v for v in seen if v is not None]
            newest = max(seen, key=lambda v: (v.published_at, v.id), default=None)
            record_sync(store, ch, type_rule=result.type_rules.get(ch.id), seen=seen,
                        boundary=(newest.id, newest.published_at) if newest else (None, None),
                        coverage=Coverage(), full_listing=True, now=wall - timedelta(days=back))
            written += len(seen)
    return Seeded(channels=tuple(c.title for c in todo), snapshots=written, days=days if todo else 0,
                  skipped=tuple(c.title for c in result.channels if c.id in known))


def _as_of(video: Video, record: DemoVideo | None, then: int, now: int) -> Video | None:
    """``video`` (read at the demo's ``now``) as it stood at ``then``; None if not published yet."""
    if record is None:
        return video
    if record.published > then:
        return None
    past = aged(record, then, now)
    return replace(video, views=past.views if video.views is not None else None,
                   likes=past.likes if video.likes is not None else None,
                   comments=past.comments if video.comments is not None else None)


__all__ = ["DAILY_DAYS", "HISTORY_DAYS", "SEEDED_HANDLES", "Seeded", "advance", "demo_clock", "first_demo_run",
           "history_days", "history_setting", "seed_history"]
