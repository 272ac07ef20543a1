"""Settings and connections: what is configured (never the secret values), a session-only API key, quota, cache.

Server details (endpoints, the data folder, the service account's e-mail, the database) are for owners only
(``access.may_see_server_details``): a member or a guest is told what works, not where it lives."""

import streamlit as st

from y2s_core import sheets, store
from y2s_core.dashboard import access, fetching, forms, furniture, state
from y2s_core.dashboard import demo as demo_controls
from y2s_core.dashboard.furniture import md, md_code
from y2s_core.errors import InputError
from y2s_core.quota import quota_line, quota_resets_at
from y2s_core.store.ledger import spent_today

P = "settings."
ss = st.session_state
settings = furniture.page_settings()
viewer = access.current()
owner = access.may_see_server_details()

st.title("Settings and connections")
if viewer.sign_in:
    if viewer.role is access.Role.MEMBER:
        role = f"a member: fetch, review, metrics and push, up to {viewer.daily_units or 0:,} YouTube units a day"
    else:
        role = "an owner: everything, server details and **Fetch anyway** included"
    st.info(f"Sign-in is on. You are {role}.", icon=":material/badge:")
elif state.trust_all_visitors():
    st.warning("`Y2S_TRUST_ALL_VISITORS` is on: everyone who can open this app uses its YouTube key, Google account "
               "and database, not only visitors on this machine.")
elif ss.get(state.VISITOR):
    st.info("You are visiting from another machine: this app's own credentials are not used for you (demo mode).")

st.subheader("YouTube Data API")
if ss[state.API_KEY]:
    st.success("Using the personal API key you entered for this session.")
elif settings.has_youtube_key:
    st.success("A YouTube API key is configured for this app (from secrets or the environment).")
elif settings.youtube_api_url:
    st.info("No API key; requests go to a custom endpoint without one.")
else:
    st.info("No YouTube API key configured: the app runs in demo mode on the built-in emulator.")
if settings.youtube_api_url and owner:
    st.caption(f"YouTube endpoint override: {md_code(furniture.safe_url(settings.youtube_api_url))}")


def _use_key() -> None:
    try:
        st.session_state[state.API_KEY] = forms.check_api_key(st.session_state.get(P + "api_key") or "")
    except InputError as e:
        st.session_state[P + "key_error"] = str(e)  # the message never quotes the key
    st.session_state[P + "api_key"] = ""  # the field never keeps (or re-shows) the key


def _forget_key() -> None:
    st.session_state[state.API_KEY] = ""
    st.session_state[P + "api_key"] = ""


with st.form("settings.key_form", clear_on_submit=False):
    st.text_input("Personal YouTube API key (this session only)", type="password", key=P + "api_key",
                  help="Kept in this browser session's memory only; never stored or shown. "
                       "Create one in Google Cloud Console > APIs & Services > Credentials.")
    st.form_submit_button("Use this key", key=P + "use_key", on_click=_use_key)
if ss.get(P + "key_error"):
    st.error(md(ss.pop(P + "key_error")))
st.button("Forget my key", key=P + "forget_key", on_click=_forget_key, disabled=not ss[state.API_KEY])

st.subheader("Google Sheets")
viewer = access.current()
if viewer.role is access.Role.MEMBER:  # a member pushes with their own Google account, never the service account
    if viewer.sheets_problem:
        st.info(viewer.sheets_problem)
    else:
        st.success("Your pushes to Google Sheets go with your own Google account (any sheet it can edit); "
                   "the app's service account is the owners'.")
elif settings.service_account_email and not owner:
    st.success("Google Sheets is configured for this app.")
elif settings.service_account_email:
    st.success(f"Service account configured. Share each sheet with {md_code(settings.service_account_email)} as Editor.")
elif settings.sheets_api_url:
    st.info("No service account; Sheets requests go to a custom endpoint that needs none.")
elif not owner:
    st.info("No Google account is configured for this app: pushes go to local workbooks and downloads.")
else:
    st.warning(
        "No service account configured: pushes to Google Sheets will fail. Add `[gcp_service_account]` "
        "to the app's secrets (Streamlit Community Cloud: App settings > Secrets) or set "
        "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON to the key file's path. Local workbooks and downloads still work."
    )
if settings.sheets_api_url and owner:
    st.caption(f"Sheets endpoint override: {md_code(furniture.safe_url(settings.sheets_api_url))}")
if owner:
    st.caption(f"Local data folder: {md_code(settings.data_dir)} (workbooks in {md_code(sheets.workbooks_dir(settings))})")

st.subheader("Store")
if not owner:
    st.info("History, growth and the quota ledger are kept by the app (where is for its owner to see).")
elif settings.database_url:
    st.success(f"History, growth and the quota ledger are kept in {md_code(store.describe(settings.database_url))}.")
else:
    st.info(f"History, growth and the quota ledger are kept in SQLite in {md_code(settings.data_dir)}. On Streamlit "
            "Community Cloud that folder is wiped on every restart: add `[connections.y2s]` with a PostgreSQL "
            "`url` to the secrets to keep them.")

st.subheader("Quota")
c1, c2, c3 = st.columns(3)
c1.metric("YouTube units spent this session", f"{ss[state.QUOTA_UNITS]:,}")
today = spent_today(settings)
c2.metric("Spent today on this machine", "n/a" if today is None else f"{today:,}",
          help="With this key, since midnight Pacific, by the app, the CLI and the REST API (local quota ledger).")
resets = quota_resets_at()  # the full date and time did not fit the tile ("2026-11-26 08:00 …")
c3.metric("Daily quota resets", resets.strftime("%H:%M UTC"),
          help=f"Next reset: {furniture.format_when(resets)} (midnight Pacific time).")
st.caption(quota_line(ss[state.QUOTA_UNITS], ss[state.QUOTA_METHODS], settings.budgets)
           + " (each bucket's daily budget: Y2S_DAILY_QUOTA, Y2S_DAILY_SEARCH_CALLS, Y2S_DAILY_STATS_CALLS); "
             "cached fetches cost nothing.")

demo_controls.clock_controls(settings, on_advance=fetching.clear_fetch_cache)  # demo mode only

st.subheader("Cache and session")


def _clear_cache() -> None:
    fetching.clear_fetch_cache()
    st.session_state[P + "cleared"] = True


c1, c2 = st.columns(2)
c1.button("Clear cached fetches", key=P + "clear_cache", on_click=_clear_cache,
          help=f"Fetch results are cached for {fetching.FETCH_TTL_SECONDS // 60} minutes.")
c2.button("Forget fetched videos and approvals", key=P + "reset", on_click=state.reset_session_data)
if ss.pop(P + "cleared", False):
    st.success("Cached fetches cleared: the next fetch calls YouTube again.")
