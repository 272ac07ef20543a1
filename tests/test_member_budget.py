"""Issue 16 item 4, the app's side: a signed-in member spends within ``[y2s.access] member_daily_units``, planned
and reserved in the store before any listing ("Fetch anyway" never lifts it), in their own name in the ledger
(a hashed address, never the address), and the Fetch page tells them where they stand today.

AppTest signed in through ``AppTest.user`` (as Streamlit fills ``st.user`` from its cookie), demo mode (the
in-process YouTube emulator), the store in the test's data folder.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.app_helpers import APP, TIMEOUT, fetch, texts
from y2s_core.settings import Settings
from y2s_core.store import Store
from y2s_core.store.ledger import identity, spent_today
from y2s_core.store.schema import quota_ledger

MEMBER = "friend@members.example"
OWNER = "owner@example.com"
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "c" * 32, "client_id": "cid",
        "client_secret": "s3cr3t-value", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def signed_in(email: str, daily: int):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.secrets["y2s"] = {"access": {"owners": [OWNER], "members": ["@members.example"], "member_daily_units": daily}}
    at.user = {"email": email, "email_verified": True, "is_logged_in": True}
    return at.run()


def ledger_rows(settings: Settings) -> list[tuple[str, str, int]]:
    store = Store.for_settings(settings)
    with store.engine.connect() as conn:
        return [(r.who, r.method, r.units) for r in conn.execute(select(quota_ledger))]


def test_a_member_past_their_daily_units_is_refused_before_any_listing_and_never_offered_fetch_anyway(tmp_path):
    at = signed_in(MEMBER, daily=3)
    assert not at.exception, [e.value for e in at.exception]
    at = fetch(at, "@y2sdemo")  # 150 videos: about 8 units, the member has 3 a day
    errors = " ".join(texts(at.error))
    assert "member_daily_units" in errors and "you: " in errors, errors
    assert not [b for b in at.button if b.label == "Fetch anyway"]
    assert at.session_state["y2s.result"] is None  # nothing listed
    settings = Settings.from_env()
    spent = ledger_rows(settings)
    assert spent and {m for _, m, _ in spent} == {"channels.list"}  # the resolution only, before the plan
    assert MEMBER not in repr(spent) and {w for w, _, _ in spent} == {identity("user", MEMBER)}


def test_a_member_within_their_units_fetches_in_their_own_name_and_sees_their_day(tmp_path):
    at = signed_in(MEMBER, daily=300)
    at = fetch(at, "@oldschool")
    assert not at.exception and not at.error, texts(at.error)
    assert at.session_state["y2s.result"] is not None
    settings = Settings.from_env()
    who = identity("user", MEMBER)
    mine = spent_today(settings, who)
    assert mine and mine == spent_today(settings)  # every unit in the member's name
    at = at.run()  # the page read again: where they stand today
    line = " ".join(texts(at.caption))
    assert f"you: {mine:,} of 300 units today; everyone: {mine:,} of 10,000" in line, line
    assert MEMBER not in repr(ledger_rows(settings))


def test_a_member_whose_units_are_spent_is_refused_before_any_call(tmp_path):
    at = signed_in(MEMBER, daily=6)
    at = fetch(at, "@oldschool")  # within the day's 6
    assert not at.error, texts(at.error)
    settings = Settings.from_env()
    who = identity("user", MEMBER)
    for _ in range(8):  # each refused plan costs the resolution's unit, until the day's 6 are spent
        at = fetch(at, "@y2sdemo")
    assert "units for today are spent" in " ".join(texts(at.error)), texts(at.error)
    assert spent_today(settings, who) == 6  # not one unit past the member's day, however often they try
    at = fetch(at, "@bigchannel")
    assert spent_today(settings, who) == 6 and "units for today are spent" in " ".join(texts(at.error))
