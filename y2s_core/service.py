"""What every face (the app, the CLI, the REST API) calls to reach YouTube: one client factory whose quota
meter writes the machine's ledger as it is spent (``store.ledger``), and the figure of today's spend.

    client = open_client(settings)        # every charged call reaches the ledger within a few units
    ...fetch, sync...
    today = settle(client)               # the last units written; today's main-pool units (None: no ledger)
"""

from __future__ import annotations

from typing import Any

from .settings import Settings
from .store.ledger import Ledger
from .youtube import YouTubeClient


def open_client(settings: Settings, **options: Any) -> YouTubeClient:
    """A YouTube client for ``settings`` whose spend is written to the ledger as it goes (``options``: the
    client's own, e.g. ``http_factory``)."""
    client = YouTubeClient(settings, **options)
    client.meter.sink = Ledger(settings)
    return client


def settle(client: YouTubeClient) -> int | None:
    """Write what the client's ledger still holds; today's main-pool units for its key on this machine, or
    None when the ledger cannot be written or read (said once as a warning) or the client has none."""
    ledger = client.meter.sink
    return ledger.today() if isinstance(ledger, Ledger) else None


__all__ = ["open_client", "settle"]
