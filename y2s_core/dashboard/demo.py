"""Demo mode's clock on the Settings page, and the demo's first run (a history to show on the first visit).

    demo.clock_controls(settings)      # Settings: where the demo stands; "Advance the demo a day" (demo mode only)
    demo.ensure_first_run(settings)    # once per data directory and process: start the clock, seed 90 days

The clock and the seeding live in the core (``y2s_core.demo``, ``y2s_core.emulators.demo_clock``); this module
only draws them. Advancing drops the cached fetches (every session's: they hold the demo's public data), so the
next fetch asks the emulator, which already serves the new day: new uploads on the busy channels, every
video's views up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import streamlit as st

from .. import demo
from ..emulators.demo_clock import describe
from ..settings import Settings

KEY = "settings.demo_advance"  # the button's widget key (the Settings page's namespace)
_DONE = "settings.demo_advanced"  # session flag: the success line after a rerun
_log = logging.getLogger(__name__)


def _advance(settings: Settings, then: Callable[[], None]) -> None:
    try:
        now = demo.advance(settings, "1d")
    except (ValueError, OSError) as e:
        st.session_state[_DONE] = f"error:{e}"
        return
    then()
    st.session_state[_DONE] = now.strftime("%Y-%m-%d")


def clock_controls(settings: Settings, on_advance: Callable[[], None] = lambda: None) -> None:
    """The demo clock section: nothing outside demo mode. ``on_advance``: after a move (the Settings page drops
    the cached fetches: ``fetching.clear_fetch_cache``)."""
    if not settings.demo:
        return
    clock = demo.demo_clock(settings)
    st.subheader("Demo clock")
    st.caption(f"The demo stands at {describe(clock)}. Its channels keep uploading on their own cadence and "
               "every video's views keep growing: a fetch tomorrow sees a new day, or move it on now.")
    st.button("Advance the demo a day", key=KEY, on_click=_advance, args=(settings, on_advance), icon=":material/update:",
              help="New uploads on the busy demo channels and a day of views on every video; cached fetches are "
                   "dropped, so the next fetch sees them (and Review marks what is new).")
    done = st.session_state.pop(_DONE, None)
    if done and done.startswith("error:"):
        st.error(f"The demo clock could not move: {done[6:]}")
    elif done:
        st.success(f"The demo moved to {done}: fetch again to see the new uploads and the day's gains.")


def ensure_first_run(settings: Settings) -> threading.Thread | None:
    """Demo mode's first run, once per data directory and server process: start the demo clock and seed the
    store with the demo's last 90 days, on a thread of its own, so the first page is drawn at once (a cold start
    must not wait ~2 s for a history; the seeding only adds channels the store does not know yet). A failure
    is logged, never raised: the demo works without a history. The thread (None: not demo mode, started
    already, or ``Y2S_DEMO_HISTORY=0``, which turns the first run off: no history, the clock left standing)."""
    try:
        off = demo.history_setting() == 0  # Y2S_DEMO_HISTORY=0: no first run at all (the tests' default)
    except ValueError as e:
        _log.warning("%s", e)
        off = True
    if not settings.demo or off:
        return None
    key = str(settings.data_dir)
    with _started_lock:
        if key in _started:
            return None
        worker = _started[key] = threading.Thread(target=_first_run, args=(settings,), name="y2s-demo-history",
                                                  daemon=True)
    worker.start()
    return worker


def wait_for_first_run(settings: Settings, timeout: float = 30.0) -> None:
    """Until the demo's first run of this data folder ended (at most ``timeout`` s): a fetch pressed at once goes
    after the seeded history, so it is the incremental run the history makes it, not a full one beside it."""
    with _started_lock:
        worker = _started.get(str(settings.data_dir))
    if worker is not None and worker.is_alive():
        worker.join(timeout)


_started: dict[str, threading.Thread] = {}
_started_lock = threading.Lock()


def _first_run(settings: Settings) -> None:
    try:
        demo.first_demo_run(settings)
    except Exception as e:  # the demo must open without its history; the server log says why
        _log.warning("demo history not seeded: %s", settings.redact(f"{type(e).__name__}: {e}"))


__all__ = ["KEY", "clock_controls", "ensure_first_run", "wait_for_first_run"]
