"""YouTube2Sheets dashboard: page config and navigation (st.navigation over pages/). Each page draws the demo banner.

Run: ``streamlit run app.py`` (or scripts/app.sh). With no YouTube key it runs in demo mode.
"""

import streamlit as st

from y2s_core import st_cache

st.set_page_config(page_title="YouTube2Sheets", page_icon=":material/smart_display:", layout="wide")

st_cache.init_state()
page = st.navigation(
    [
        st.Page("pages/fetch.py", title="Fetch", icon=":material/download:", default=True),
        st.Page("pages/review.py", title="Review and approve", icon=":material/checklist:", url_path="review"),
        st.Page("pages/metrics.py", title="Metrics", icon=":material/bar_chart:", url_path="metrics"),
        st.Page("pages/push.py", title="Push", icon=":material/upload:", url_path="push"),
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
    ]
)
page.run()
