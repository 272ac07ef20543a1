"""Metrics: headline figures and charts of the fetched videos (frames from y2s_core.metrics, drawn with plotly),
and their growth across fetches (frames from y2s_core.growth over the store's stat snapshots)."""

import streamlit as st

from y2s_core import growth, metrics
from y2s_core.dashboard import charts, furniture, history, state, tables
from y2s_core.dashboard.furniture import md

P = "metrics."

ss = st.session_state
settings = furniture.page_settings()
st.title("Metrics")
result = furniture.loaded_result()

spec = ss[state.SPEC]
names = tables.channel_options(result)
state.restore_widgets({P + "channels": [], P + "approved_only": False})
ss[P + "channels"] = [c for c in ss[P + "channels"] if c in names]
st.caption(f"Fetch filters: {md(spec.describe())}.")
c1, c2 = st.columns([3, 1])
c1.multiselect("Channels", list(names), format_func=lambda cid: names.get(cid, cid), key=P + "channels",
               placeholder="All channels")
c2.toggle("Approved videos only", key=P + "approved_only")
state.remember_widgets([P + "channels", P + "approved_only"])  # before any st.stop() below

view = tables.View(channels=tuple(ss[P + "channels"]), approved_only=ss[P + "approved_only"])
approved = ss[state.APPROVED] if view.approved_only else ()
df = charts.metrics_frame(result, spec, view, approved)
if df.empty:
    st.info("No video matches these filters.")
    st.stop()

h = metrics.headline(df)
m = st.columns(6)
m[0].metric("Videos", f"{h['videos']:,}")
m[1].metric("Channels", f"{h['channels']:,}")
# compact (349.6M) in a sixth of the page, where the full figure is cut off; the exact one in the tooltip
m[2].metric("Total views", h["total_views"], format="compact", help=f"{h['total_views']:,} views")
m[3].metric("Median views", None if h["median_views"] is None else round(h["median_views"]), format="compact",
            help=None if h["median_views"] is None else f"{h['median_views']:,.0f} views")
m[4].metric("Shorts share", "—" if h["shorts_share"] is None else f"{h['shorts_share']:.0%}")
m[5].metric("Median engagement", "—" if h["median_engagement"] is None else f"{h['median_engagement']:.2%}",
            help="(likes + comments) / views")

if h["shorts_share"]:  # Google's revision history, 2025-03-26: a Short's viewCount counts every play from 2025-03-31
    st.caption("Views of Shorts and of long videos are not the same measure: since 2025-03-31 a Short's view count "
               "counts every start and replay, where a long video's counts views; YouTube's \"engaged views\" of "
               "Shorts are only in YouTube Analytics. Compare Shorts with Shorts.")
if len(df) >= charts.BIG_SET:  # the browser takes a while to draw this many: say so before the grey boxes
    st.caption(f"Drawing {len(df):,} videos … the charts below can take a few seconds to appear.")


@st.fragment
def scatters() -> None:
    """The two per-video scatter charts; its own fragment: "Draw all" redraws only these two.

    A big set is drawn sampled first (charts.chart_points): a browser takes seconds to draw 20,000 points
    twice and the page is usable at once with 5,000; the toggle draws every one.
    """
    frames = (metrics.views_over_time(df), metrics.views_vs_duration(df))
    total = max(len(f) for f in frames)
    draw_all = False
    if total > charts.MAX_CHART_POINTS:
        state.restore_widgets({P + "draw_all": False})
        note, toggle = st.columns([3, 1], vertical_alignment="center")
        toggle.toggle(f"Draw all {total:,} videos", key=P + "draw_all",
                      help="Slower: the browser draws every point of both scatter charts.")
        state.remember_widgets([P + "draw_all"])
        draw_all = bool(ss[P + "draw_all"])
        if draw_all:
            note.caption(f"The two scatter charts draw all {total:,} videos: slower to draw and to move around.")
        else:
            note.caption(f"Showing a sample for a quick first draw: the two scatter charts draw "
                         f"{charts.MAX_CHART_POINTS:,} of {total:,} videos (the top {charts.MAX_CHART_POINTS // 5:,} "
                         f"by views, each type's top {charts.TOP_PER_STRATUM} and a sample of the rest, each type in "
                         "proportion); every other chart and figure uses all of them.")
    over_time, by_duration = (charts.plot_frame(charts.chart_points(f, 0 if draw_all else None)[0]) for f in frames)
    left, right = st.columns(2)
    with left:
        st.subheader("Views over time")
        st.plotly_chart(charts.views_over_time_figure(over_time), key=P + "views_over_time")
    with right:
        st.subheader("Views vs duration")
        st.plotly_chart(charts.views_vs_duration_figure(by_duration), key=P + "views_vs_duration")


scatters()

left, right = st.columns(2)
with left:
    st.subheader("Type mix")
    st.plotly_chart(charts.type_mix_figure(charts.plot_frame(metrics.type_mix(df))), key=P + "type_mix")
with right:
    st.subheader("Engagement rate")
    st.plotly_chart(charts.engagement_figure(metrics.engagement_distribution(df)), key=P + "engagement")

st.subheader("Uploads per month")
st.plotly_chart(charts.uploads_per_month_figure(metrics.uploads_per_month(df)), key=P + "uploads_per_month")

st.subheader("Upload cadence (UTC)")
st.plotly_chart(charts.cadence_figure(metrics.cadence_heatmap(df)), key=P + "cadence")

RANK_LABELS = {"views": "Views", "likes": "Likes", "comments": "Comments", "engagement_rate": "Engagement rate",
               "outlier_score": "Outlier score", "duration_seconds": "Duration", "duration_minutes": "Duration",
               "published_at": "Newest"}
LINK = {"title": st.column_config.TextColumn("Title"),
        "channel": st.column_config.TextColumn("Channel"),
        "type": st.column_config.TextColumn("Type"),
        "views": st.column_config.NumberColumn("Views", format="localized"),
        "likes": st.column_config.NumberColumn("Likes", format="localized"),
        "comments": st.column_config.NumberColumn("Comments", format="localized"),
        "url": st.column_config.LinkColumn("Link", display_text="Open ↗"),
        "published_at": st.column_config.DatetimeColumn("Published (UTC)", format="YYYY-MM-DD HH:mm",
                                                        timezone="UTC"),
        "engagement_rate": st.column_config.NumberColumn("Engagement", format="percent"),
        "outlier_score": st.column_config.NumberColumn("Outlier score", format="%.1f×"),
        "duration_seconds": st.column_config.NumberColumn("Duration (s)", format="localized"),
        "duration_minutes": st.column_config.NumberColumn("Duration (min)", format="%.1f")}


@st.fragment
def top_videos() -> None:
    """Its own fragment: ranking differently reruns only this table, not every chart."""
    st.subheader("Top videos")
    state.restore_widgets({P + "top_by": "views", P + "top_n": 10})
    rank_by = [b for b in metrics.TOP_BY if b != "duration_minutes"]  # ranks like duration_seconds: one "Duration"
    if ss[P + "top_by"] not in rank_by:
        ss[P + "top_by"] = "duration_seconds" if ss[P + "top_by"] == "duration_minutes" else "views"
    t1, t2 = st.columns(2)
    t1.selectbox("Rank by", rank_by, key=P + "top_by",
                 format_func=lambda b: RANK_LABELS.get(b, b))
    t2.slider("How many", min_value=5, max_value=50, step=5, key=P + "top_n")
    state.remember_widgets([P + "top_by", P + "top_n"])
    st.dataframe(metrics.top_videos(df, ss[P + "top_n"], ss[P + "top_by"]), hide_index=True, column_config=LINK,
                 key=P + "top_videos")


top_videos()

st.subheader("Outliers")
st.caption("Views divided by the channel's median views over its 30 most recent videos: 3× means three times "
           "the usual audience.")
outliers = charts.plot_frame(metrics.top_videos(df, 15, "outlier_score"))
st.plotly_chart(charts.outliers_figure(outliers), key=P + "outliers")

if h["channels"] > 1:
    st.subheader("Channel comparison")
    comparison = metrics.channel_comparison(df)
    st.dataframe(comparison, hide_index=True, key=P + "comparison",
                 column_config={"channel": st.column_config.TextColumn("Channel"),
                                "channel_id": None,
                                "videos": st.column_config.NumberColumn("Videos", format="localized"),
                                "total_views": st.column_config.NumberColumn("Total views", format="localized"),
                                "median_views": st.column_config.NumberColumn("Median views", format="localized"),
                                "median_engagement": st.column_config.NumberColumn("Median engagement",
                                                                                   format="percent"),
                                "shorts_share": st.column_config.NumberColumn("Shorts share", format="percent"),
                                "uploads_per_week": st.column_config.NumberColumn("Uploads a week", format="%.1f"),
                                "median_duration_minutes": st.column_config.NumberColumn("Median length (min)",
                                                                                         format="%.1f")})
    st.plotly_chart(charts.comparison_figure(charts.plot_frame(comparison)), key=P + "comparison_chart")

st.subheader("Growth")
st.caption("Every fetch keeps a snapshot of each video's views, likes and comments; growth compares the "
           f"snapshots of the last {history.GROWTH_DAYS} days (`python -m y2s_core history` prints them all).")
snaps, problem = history.growth_snapshots(settings, list(view.channels or names), df["video_id"].tolist())
gained = growth.channel_gains(snaps)
if problem:
    st.warning(problem)
elif gained.empty:
    st.info("Growth shows after a second fetch of these channels: fetch again later (a scheduled "
            "`python -m y2s_core sync` run counts too) and views gained per day appear here.")
else:
    left, right = st.columns(2)
    with left:
        st.markdown("**Total views over time**")
        st.plotly_chart(charts.growth_total_figure(growth.channel_views(snaps)), key=P + "growth_total")
    with right:
        st.markdown("**Views gained per day**")
        st.plotly_chart(charts.growth_per_day_figure(gained), key=P + "growth_per_day")
    st.markdown("**Top risers** (views a day over the last week of snapshots)")
    risers = growth.top_risers(snaps, 10)
    risers = risers.assign(views_per_day=risers["views_per_day"].round().astype("Int64"))  # whole views a day
    st.dataframe(risers, hide_index=True, key=P + "risers",
                 column_order=["title", "channel", "views", "views_gained", "days", "views_per_day"],
                 column_config={"title": st.column_config.TextColumn("Title"),
                                "channel": st.column_config.TextColumn("Channel"),
                                "views": st.column_config.NumberColumn("Views", format="localized"),
                                "views_gained": st.column_config.NumberColumn("Gained", format="localized"),
                                "days": st.column_config.NumberColumn("Over (days)", format="%.1f"),
                                "views_per_day": st.column_config.NumberColumn("A day", format="localized")})
    early = growth.early_views(snaps, (7, 30), limit=15)
    if not early.empty:
        st.markdown("**First 7 and 30 days** (newest videos with enough snapshots)")
        st.caption("Views 7 and 30 days after publication: interpolated between the snapshots around that day, "
                   "or the nearest one within a day (7 d) / 4.5 days (30 d).")
        st.plotly_chart(charts.early_views_figure(early), key=P + "early_views")
