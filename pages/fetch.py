"""Fetch: channels (any form, several at once) + filters -> videos, with live progress and the resolver summary."""

from datetime import datetime, timezone

import streamlit as st

from y2s_core.dashboard import access, fetching, forms, furniture, state, tables
from y2s_core.dashboard.furniture import md
from y2s_core.errors import QuotaExceeded, Y2SError, YouTubeError
from y2s_core.models import VideoType
from y2s_core.quota import quota_line, quota_resets_at
from y2s_core.quota_planner import WouldNotFit
from y2s_core.store import budgets

P = "fetch."
FORM_KEYS = [*forms.FilterForm().as_widget_values(P), P + "channels", P + "full", P + "stats"]
STATS = {"all": "All known videos", "recent": "Published in the last 90 days", "none": "None (new uploads only)"}



def _cut_message(error: YouTubeError, kept: int) -> str:
    """A fetch cut short (the quota, or a failure retries could not fix): why, and what it kept."""
    msg = md(settings.redact(str(error)))
    if isinstance(error, QuotaExceeded):
        if "resets" not in msg:
            msg += f" The daily YouTube quota resets at {furniture.format_when(error.resets_at or quota_resets_at())}."
        return msg + (f" Kept the {furniture.plural(kept, 'video')} fetched before it ran out: review, measure and push them now, or "
                      "fetch the rest after the reset." if kept else " Nothing was fetched before it ran out.")
    return msg + (" Review, measure and push them now, or fetch again later for the rest." if kept else "")


settings = furniture.page_settings()
ss = st.session_state
source = fetching.source_name(settings)

st.title("Fetch videos")
st.caption(
    "Paste channels in any form, one per line or comma-separated: @handle, a channel URL "
    "(/@handle, /channel/UC…, /user/…, /c/…), a UC… id, or a video URL."
)
if access.current().signed_in:  # a signed-in person's day: theirs and everyone's, from the store's ledger
    today = budgets.standing(settings, state.ledger_identity(), access.current().daily_units)
    if today is not None:
        st.caption(f"YouTube units, {today.line()}.")

defaults = {P + "channels": "@y2sdemo" if settings.demo else "", P + "full": False, P + "stats": "all",
            **ss[state.FILTERS].as_widget_values(P)}
state.restore_widgets(defaults)

with st.form("fetch.form"):
    st.text_area("Channels", key=P + "channels", height=110, placeholder="@googledevelopers\nhttps://www.youtube.com/@veritasium")
    c1, c2, c3 = st.columns(3)
    c1.number_input("Max videos per channel (0 = all)", min_value=0, step=10, key=P + "max_videos",
                    help="The newest N per channel after the other filters. Fewer videos cost less quota. "
                         "Starts at the MAX_VIDEOS setting when it is set.")
    c2.text_input("Min duration", key=P + "min_duration", placeholder="e.g. 60, 1:30, 2m")
    c3.text_input("Max duration", key=P + "max_duration", placeholder="e.g. 20:00, 1h")
    c1.multiselect("Video types", forms.TYPE_CHOICES, key=P + "types")
    c2.date_input("Published since", value=None, min_value=forms.EARLIEST_DATE, key=P + "since")
    c3.date_input("Published until", value=None, min_value=forms.EARLIEST_DATE, key=P + "until")
    c1.text_input("Include keywords", key=P + "include", placeholder="tutorial*, \"live coding\"",
                  help="A title must contain one of these words (comma-separated; end with * for a prefix).")
    c2.text_input("Exclude keywords", key=P + "exclude", placeholder="trailer, teaser")
    c3.checkbox("Keywords also match tags", key=P + "match_tags")
    c1.selectbox("Fresh statistics for known videos", list(STATS), format_func=STATS.get, key=P + "stats",
                 help="A channel fetched before is fetched incrementally: only its new uploads are listed and "
                      "detailed. Its known videos keep their stored details; these get fresh view counts "
                      "(50 videos a quota unit).")
    c2.checkbox("Refresh everything", key=P + "full",
                help="List every video of every channel again, as for a channel never fetched (more quota): "
                     "picks up videos made public again and fresh channel details.")
    b1, b2, b3, b4 = st.columns([1, 1, 1, 2])
    fetch_clicked = b1.form_submit_button("Fetch", type="primary", key=P + "submit")
    refresh_clicked = b2.form_submit_button("Refresh (skip cache)", key=P + "refresh",
                                            help=f"Fetch again from {md(source)} instead of the cached result.")
    estimate_clicked = b3.form_submit_button("Estimate quota", key=P + "estimate",
                                             help="What the fetch would spend, and today's budget, without fetching "
                                                  "(a channel never fetched is looked up: about 1 unit).")
    apply_clicked = b4.form_submit_button("Apply filters to loaded videos", key=P + "apply",
                                          help=f"Narrow the videos already fetched without calling {md(source)}.")

notice = fetching.interrupted_notice()
if notice:
    st.warning(notice)

state.remember_widgets(FORM_KEYS)
# "Fetch anyway" (its callback ran before this): owners only (a member's budget is a limit, not advice)
force_clicked = bool(ss.pop(P + "force_pending", False)) and access.may_override_budget()
fetch_clicked = fetch_clicked or force_clicked
if fetch_clicked or refresh_clicked or apply_clicked or estimate_clicked:
    ss[P + "refusal"] = None

if fetch_clicked or refresh_clicked or apply_clicked or estimate_clicked:
    form = forms.FilterForm.from_widget_values(ss, P)
    try:
        spec = form.to_spec()
    except Y2SError as e:
        st.error(md(e))
        spec = None
    if spec is not None:
        ss[state.FILTERS] = form
        ss[state.SPEC] = spec
        if apply_clicked:
            fetched_with = (ss[state.FETCH_META] or {}).get("spec")
            wider = fetched_with.widened_by(spec) if fetched_with and ss[state.RESULT] is not None else []
            if wider:
                st.warning(f"Filters applied to the loaded videos: {md(spec.describe())}. They now allow "
                           f"{md(', '.join(wider))} than the last fetch ({md(fetched_with.describe())}), but those videos "
                           "were never fetched: press **Fetch** to get them.")
            else:
                st.success(f"Filters applied to the loaded videos: {md(spec.describe())}.")
        elif estimate_clicked:
            try:
                plan = fetching.estimate(ss[P + "channels"], spec, settings, full=ss[P + "full"], stats=ss[P + "stats"])
                st.info(md(plan.line().replace("plan: ", "This fetch would spend ", 1)) + ".\n\n"
                        + "\n".join(f"- {md(line)}" for line in plan.details()))
            except Y2SError as e:
                st.error(md(settings.redact(str(e))))
            except Exception as e:  # a bug: one line, not a traceback
                furniture.show_unexpected(e, settings, "estimating")
        else:
            text = ss[P + "channels"]
            try:
                outcome = fetching.fetch(text, spec, settings, refresh=refresh_clicked, full=ss[P + "full"],
                                         stats=ss[P + "stats"], force=force_clicked)
            except WouldNotFit as e:  # said below, with the button that overrides it
                said = md(settings.redact(str(e)))
                ss[P + "refusal"] = said.replace(" or force it (--force;", " or press **Fetch anyway** (") \
                    if access.may_override_budget() else said.split(" or force it (--force;")[0].rstrip(" ,") + "."
            except Y2SError as e:
                st.error(md(settings.redact(str(e))))
            except Exception as e:  # a bug: one line, not a traceback
                furniture.show_unexpected(e, settings, "fetching")
            else:
                r = outcome.result
                if outcome.error is None or r.videos:  # a cut that kept nothing leaves the last result
                    state.set_result(r, {"inputs": text, "from_cache": outcome.from_cache, "complete": r.complete,
                                            "quota": dict(r.quota), "at": datetime.now(timezone.utc),
                                            "spec": outcome.fetched_with or spec, "not_parsed": outcome.not_parsed})
                if outcome.error is not None:
                    st.error(_cut_message(outcome.error, len(r.videos)))
                elif outcome.store_problem:
                    st.warning(f"Fetched. Note: {md(outcome.store_problem)}; history and growth miss this fetch.")
                if outcome.reports and not outcome.from_cache:
                    st.caption(" · ".join(md(r.line()) for r in outcome.reports))
                if outcome.from_cache:
                    st.caption("Served from the cache (the progress above is from the original fetch): no quota spent now. "
                               f"Use *Refresh* to fetch again from {md(source)}.")

if ss.get(P + "refusal"):
    st.error(ss[P + "refusal"])  # escaped when it was kept
    if access.may_override_budget():
        st.button("Fetch anyway", key=P + "force", on_click=lambda: ss.__setitem__(P + "force_pending", True),
                  help="Start although the plan does not fit today's budget: what it fetches is kept, the next fetch "
                       "resumes.")

result = ss[state.RESULT]
meta = ss[state.FETCH_META] or {}
if result is None:
    st.info("Nothing fetched yet: enter channels and press **Fetch**.")
else:
    # pandas: imported once there is a result to show (a faster first visit)
    from y2s_core.dashboard import tables

    shown = tables.visible_videos(result, ss[state.SPEC])
    where = ("from the cache, no quota spent" if meta.get("from_cache")
             else "for " + quota_line(result.quota_units, result.quota))
    status = f"{furniture.plural(len(result.videos), 'video')} from {furniture.plural(len(result.channels), 'channel')}, {where}"
    if not meta.get("complete", True):
        why = md(" ".join(result.incomplete)) or "Cut short by the YouTube quota."
        st.warning(f"Partial result: {status}. {why}")
    elif not result.videos:
        st.warning(f"Fetched {status}: no video passed the filters ({md(ss[state.SPEC].describe())}), or the "
                   "channel has no public uploads. Widen the filters or try other channels, then **Fetch** again.")
    else:
        matching = "all of them" if len(shown) == len(result.videos) else f"{len(shown):,} of them"
        left_out = ss[state.SPEC].left_out(result.videos)  # "6 Live/Upcoming hidden by the type filter"
        fetched_with = meta.get("spec")
        if fetched_with is not None and fetched_with.types is not None:  # a max videos counted only these types
            skipped = [t.value for t in VideoType if t not in fetched_with.types]
            left_out.append(f"{'/'.join(skipped)} not fetched (the type filter, with max videos)")
        st.success(f"Fetched {status}; {matching} match the current filters: {md(ss[state.SPEC].describe())}"
                   + (f" ({md('; '.join(left_out))})" if left_out else "") + ".")
    for w in result.warnings:
        st.warning(md(w))
    unresolved = [r.error for r in result.resolutions if r.error]
    if unresolved:
        st.warning("Not fetched: " + md(" ".join(unresolved)))
    if meta.get("not_parsed"):  # bad lines among good ones: the good ones were fetched
        st.warning(md(meta["not_parsed"]))
    st.subheader("Channels")
    st.dataframe(
        tables.resolution_frame(result.resolutions, result.type_rules),
        hide_index=True,
        key="fetch.resolutions",
        column_config={
            "Resolved": st.column_config.CheckboxColumn("Resolved"),
            "Subscribers": st.column_config.NumberColumn("Subscribers", format="localized"),
            "Uploads": st.column_config.NumberColumn("Uploads", format="localized"),
            "Types by": st.column_config.TextColumn(
                "Types by", help="How Shorts were told apart: the channel's UUSH (Shorts) playlist, which YouTube "
                                 "does not document; where it answers 404 but the long-form tab answers, the channel has no Shorts; where no tab answers, the duration rule (approximate)."),
            "Note": st.column_config.TextColumn("Note", width="large"),
        },
    )
    furniture.link(furniture.REVIEW, "Review and approve the videos")

st.caption(f"Quota spent this session: {quota_line(ss[state.QUOTA_UNITS], ss[state.QUOTA_METHODS])}.")
