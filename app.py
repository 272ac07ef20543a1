"""YouTube2Sheets dashboard: page config and navigation (st.navigation over pages/). Each page draws the demo banner.

Run: ``streamlit run app.py`` (or scripts/app.sh). With no YouTube key it runs in demo mode.
"""

import streamlit as st

from y2s_core.dashboard import furniture, state

st.set_page_config(page_title="YouTube2Sheets", page_icon=":material/smart_display:", layout="wide")

state.init_state()
page = st.navigation(
    [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=p is furniture.FETCH)
     for p in furniture.PAGES]
)
page.run()
