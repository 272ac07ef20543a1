"""The dashboard's code: the only place under y2s_core that imports streamlit.

The pages (``pages/*.py``) stay thin: they draw widgets and call into these modules, which call the core.

    state       session_state keys, the run's settings (env + st.secrets + a personal key), the session's
                YouTube client, widget memory, the current fetch result
    fetching    st.cache_data around the core's fetch, with live progress; the quota ledger is written here
    forms       pure: the filter form <-> FilterSpec, the push target form, the API key field
    tables      pure: the review/approval table, the resolver summary, approvals, NotebookLM batches
    charts      the session-cached metrics frame, the sampling of big scatter charts, and every figure (one
                builder per chart; axis titles, compact ticks and date axes come from one helper, style_axes)
    furniture   the page list, the banner every page draws, the no-data guard, error lines, wording

Nothing here talks to Google directly: the core's YouTubeClient and sheet targets do.
"""
