"""YouTube2Sheets dashboard: page config, the sign-in gate, and navigation (st.navigation over pages/). Each page
draws the demo banner.

Run: ``streamlit run app.py`` (or scripts/app.sh). With no YouTube key it runs in demo mode. With ``[auth]`` in the
secrets only the sign-in page is shown until an owner or member of ``[y2s.access]`` signs in (README, Sign-in).
"""

import streamlit as st

from y2s_core.dashboard import furniture, state

st.set_page_config(page_title="YouTube2Sheets", page_icon=":material/smart_display:", layout="wide")

state.init_state()
state.require_access(p.url_path for p in furniture.PAGES)  # with [auth]: the sign-in page alone until let in
page = st.navigation(
    [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=p is furniture.FETCH)
     for p in furniture.PAGES]
)
page.run()
