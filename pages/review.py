"""Review and approve: the fetched videos in a table with an Approve checkbox; approvals live in session_state."""

import streamlit as st

from y2s_core.dashboard import forms, furniture, history, state, tables
from y2s_core.dashboard.furniture import md

P = "review."
VIEW_KEYS = [P + k for k in ("channels", "types", "search", "approved_only", "group", "thumbs")]

settings = furniture.page_settings()
ss = st.session_state

st.title("Review and approve")
result = furniture.loaded_result()

spec = ss[state.SPEC]
names = tables.channel_options(result)
st.caption(f"Fetch filters: {md(spec.describe())}. Narrow the table below without fetching again.")

state.restore_widgets(
    {P + "channels": [], P + "types": [], P + "search": "", P + "approved_only": False,
     P + "group": len(names) > 1, P + "thumbs": not settings.demo}
)
# a remembered channel may be gone after a new fetch
ss[P + "channels"] = [c for c in ss[P + "channels"] if c in names]

c1, c2, c3 = st.columns([2, 2, 3])
c1.multiselect("Channels", list(names), format_func=lambda cid: names.get(cid, cid), key=P + "channels",
               placeholder="All channels")
c2.multiselect("Types", forms.TYPE_CHOICES, key=P + "types", placeholder="All types")
c3.text_input("Search titles", key=P + "search", placeholder="words in the title")
t1, t2, t3 = st.columns(3)
t1.toggle("Approved only", key=P + "approved_only")
t2.toggle("One table per channel", key=P + "group")
t3.toggle("Show thumbnails", key=P + "thumbs", help="Thumbnails load from YouTube's image servers.")
state.remember_widgets(VIEW_KEYS)

view = tables.View(channels=tuple(ss[P + "channels"]), types=tuple(ss[P + "types"]), search=ss[P + "search"],
               approved_only=ss[P + "approved_only"])
videos = tables.visible_videos(result, spec, view, ss[state.APPROVED])
shown_ids = [v.id for v in videos]
new_ids = history.new_since_last_sync(settings, result)  # uploads the latest fetch of their channel found


def _approve(ids: list[str], on: bool) -> None:
    approved = set(st.session_state[state.APPROVED])
    st.session_state[state.APPROVED] = approved | set(ids) if on else approved - set(ids)
    state.bump_editor()


def _editor_key(ids: list[str]) -> str:
    return f"{P}editor.{forms.ids_digest([*ids, str(ss[state.EDITOR_VERSION])])}"


def _on_edit(key: str, ids: list[str]) -> None:
    edits = st.session_state.get(key) or {}
    st.session_state[state.APPROVED] = tables.apply_edits(ids, edits.get("edited_rows", {}),
                                                         st.session_state[state.APPROVED])


b1, b2, b3 = st.columns([1, 1, 3])
b1.button(f"Approve all {len(shown_ids):,} shown", key=P + "approve_all", on_click=_approve, args=(shown_ids, True),
          disabled=not shown_ids)
b2.button("Clear shown", key=P + "clear_all", on_click=_approve, args=(shown_ids, False), disabled=not shown_ids)
approved_total = len(ss[state.APPROVED])
b3.markdown(f"**{approved_total:,}** of {len(result.videos):,} videos approved · {len(shown_ids):,} shown"
            + (f" · **{len(new_ids):,}** new since the last sync" if new_ids else ""))

if not videos:
    st.info("No video matches these filters. Clear the search or pick other channels/types.")
    st.stop()

COLUMN_CONFIG = {
    "Approve": st.column_config.CheckboxColumn("Approve", help="Tick to push this video", default=False),
    tables.NEW: st.column_config.TextColumn("New", width="small",
                                            help="First seen in the latest fetch of its channel: uploaded since the "
                                                 "sync before it"),
    "Thumbnail": st.column_config.ImageColumn("Thumbnail", width="small"),
    "Published": st.column_config.DatetimeColumn("Published (UTC)", format="YYYY-MM-DD HH:mm"),
    # "medium": with "large" the Views, Likes, Comments and Link columns fell off the right edge (measured again
    # at 1400 px: the grid is 940 px wide and the other columns take about 710 of them)
    "Title": st.column_config.TextColumn("Title", width="medium"),
    "Views": st.column_config.NumberColumn("Views", format="localized"),
    "Likes": st.column_config.NumberColumn("Likes", format="localized", help="None when the creator hides likes"),
    "Comments": st.column_config.NumberColumn("Comments", format="localized",
                                              help="None when comments are turned off"),
    "URL": st.column_config.LinkColumn("Link", display_text="Open ↗"),
}
order = [c for c in tables.REVIEW_COLUMNS if (ss[P + "thumbs"] or c != "Thumbnail") and (new_ids or c != tables.NEW)]


def _table(group: list, columns: list[str]) -> None:
    ids = [v.id for v in group]
    key = _editor_key(ids)
    edited = st.data_editor(
        tables.review_frame(group, ss[state.APPROVED], new_ids),
        key=key,
        hide_index=True,
        column_order=columns,
        column_config=COLUMN_CONFIG,
        disabled=[c for c in tables.REVIEW_COLUMNS if c != "Approve"],
        on_change=_on_edit,
        args=(key, ids),
        height=tables.table_height(len(ids)),  # grows with the rows up to about a window
    )
    # the returned table is the truth too (also when the edit state was set without a callback)
    ss[state.APPROVED] = tables.approvals_from_table(ids, edited, ss[state.APPROVED])


with st.container(key="review.tables"):
    if ss[P + "group"]:
        st.dataframe(tables.approval_summary(videos, ss[state.APPROVED]), hide_index=True, key="review.summary")
        for cid, title, group in tables.group_by_channel(videos):
            with st.expander(f"{md(title)} · {furniture.plural(len(group), 'video')}", expanded=len(names) <= 3):
                g1, g2, _ = st.columns([1, 1, 3])
                gids = [v.id for v in group]
                g1.button("Approve channel", key=f"{P}approve_channel.{cid}", on_click=_approve, args=(gids, True))
                g2.button("Clear channel", key=f"{P}clear_channel.{cid}", on_click=_approve, args=(gids, False))
                _table(group, [c for c in order if c != "Channel"])  # the expander names the channel
    else:
        _table(videos, order)

furniture.link(furniture.PUSH, "Push the approved videos")
