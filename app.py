"""YouTube2Sheets dashboard: page config, the demo banner and navigation (st.navigation; pages in app_pages/).

Run: ``streamlit run app.py`` (or scripts/app.sh). With no YouTube key it runs in demo mode.
"""

import streamlit as st

from y2s_core import st_cache

st.set_page_config(page_title="YouTube2Sheets", page_icon=":material/smart_display:", layout="wide")

settings, problem = st_cache.load_settings()
page = st.navigation(
    [
        st.Page("app_pages/fetch.py", title="Fetch", icon=":material/download:", default=True),
        st.Page("app_pages/review.py", title="Review and approve", icon=":material/checklist:", url_path="review"),
        st.Page("app_pages/metrics.py", title="Metrics", icon=":material/bar_chart:", url_path="metrics"),
        st.Page("app_pages/push.py", title="Push", icon=":material/upload:", url_path="push"),
        st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
    ]
)
st_cache.demo_banner(settings, problem)
page.run()
