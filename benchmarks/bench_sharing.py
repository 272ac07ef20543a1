"""Issue 16's scenario replayed: a shared deployment whose owner put a key and Y2S_DAILY_QUOTA=1500 in its secrets.

    .venv/bin/python benchmarks/bench_sharing.py

The app in Streamlit's AppTest (the real pages), signed in through ``AppTest.user`` as a member of
``[y2s.access]`` (member_daily_units 500), the owner's "key" answered by the in-process YouTube emulator (demo
mode: the same pages and planner), a fresh data folder. Prints, for the member: what each fetch asked for, what
the ledger holds in their name and everyone's, whether "Fetch anyway" was offered, and what Settings shows.
Before (the issue): one click spent 804 of the owner's units, "Fetch anyway" took the day to 1,609 of 1,500.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MEMBER = "friend@members.example"
OWNER = "owner@example.com"
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "c" * 32, "client_id": "cid",
        "client_secret": "not-shown", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def main() -> None:
    data = tempfile.mkdtemp(prefix="y2s-sharing-")
    os.environ.update(Y2S_DATA_DIR=data, Y2S_DAILY_QUOTA="1500", Y2S_DEMO_HISTORY="0")
    from streamlit.testing.v1 import AppTest

    from tests.app_helpers import APP, TIMEOUT, fetch, goto, texts
    from y2s_core.settings import Settings
    from y2s_core.store.ledger import identity, spent_today

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.secrets["y2s"] = {"access": {"owners": [OWNER], "members": ["@members.example"], "member_daily_units": 500}}
    at.user = {"email": MEMBER, "email_verified": True, "is_logged_in": True}
    at = at.run()
    settings = Settings.from_env()
    who = identity("user", MEMBER)
    print("member_daily_units 500, Y2S_DAILY_QUOTA 1500")
    for channel in ("@hugechannel", "@bigchannel", "@bigchannel", "@y2sdemo"):
        at = fetch(at, channel)
        said = (texts(at.error) or texts(at.success) or [""])[0]
        anyway = any(b.label == "Fetch anyway" for b in at.button)
        print(f"  fetch {channel:13s} -> {'refused' if at.error else 'fetched'}; the member's units today "
              f"{spent_today(settings, who) or 0:>4}, everyone's {spent_today(settings) or 0:>4}; Fetch anyway "
              f"offered: {anyway}" + (f"; said: {said[:110]}..." if at.error else ""))
    goto(at, "pages/review.py")
    at.button(key="review.approve_all").click().run()
    at = goto(at, "pages/push.py")
    at.radio(key="push.kind").set_value("local").run()
    at.button(key="push.run").click().run()
    written = sorted(str(f.relative_to(data)) for f in Path(data).rglob("*.xlsx"))
    print(f"  push of {len(at.session_state['y2s.approved'])} approved rows to a local workbook -> files written: "
          f"{written} (said: {(texts(at.success) or texts(at.error) or [''])[0][:80]})")
    at = goto(at, "pages/settings.py")
    shown = " ".join(texts(at.markdown) + texts(at.caption) + texts(at.info) + texts(at.success))
    for detail in (data, "y2s.sqlite", "SQLite in", "endpoint override"):
        print(f"  Settings shows {detail!r}: {detail in shown}")


if __name__ == "__main__":
    main()
