"""Push: the approved videos into a Google Sheet or a local workbook (dry-run plan first), downloads, NotebookLM.

The plan (new / updated / unchanged) sits above the Push button. For a local workbook it is made
automatically and kept until the rows or the file change (reading a big .xlsx takes seconds); for a
Google Sheet, where each read is an API call, the *Preview changes* button makes it.

Whose account: an owner's pushes to Google Sheets go with the app's service account; a signed-in member's with
their own Google access token (``access.Viewer.google_token``), never the service account, and their local
workbooks go to a folder of their own (``workbooks/<person key>/``). When Google says a member's sign-in expired,
their approved rows wait for them (``access.keep_until_signed_in_again``) and come back here after they signed in
again.
"""

import dataclasses
from datetime import datetime, timezone
from pathlib import Path

import streamlit as st

from y2s_core import sheets, store
from y2s_core.dashboard import access, forms, furniture, history, state, tables
from y2s_core.dashboard.furniture import md, md_code
from y2s_core.errors import InputError, PermissionDenied, Y2SError
from y2s_core.sheets.own_account import SignInExpired

P = "push."
GOOGLE, LOCAL = forms.GOOGLE, forms.LOCAL
FORM_KEYS = [P + k for k in ("kind", "sheet_url", "tab", "file", "columns")]
EXPIRED = P + "sign_in_expired"  # bool: Google refused this member's token; say so until a push works again

settings = furniture.page_settings()
ss = st.session_state
viewer = access.current()
member = viewer.role is access.Role.MEMBER  # pushes with their own Google account, files in their own folder
person = viewer.person if member else None
if not access.may_use_service_account():  # whatever happens below, a non-owner's push never holds the key
    settings = dataclasses.replace(settings, service_account_info=None)

st.title("Push to a sheet")
if person and ss.get(state.RESULT) is None:
    kept = access.take_kept(person)  # approved rows kept when Google said this person's sign-in expired
    if kept:
        state.set_result(kept["result"], kept["meta"] or {})
        ss[state.APPROVED] = set(kept["approved"])
        st.success(f"Signed in again: your {len(kept['approved']):,} approved videos are back; push them now.")
result = furniture.loaded_result()

rows = tables.approved_rows(result, ss[state.APPROVED])
if not rows:
    st.info("No approved videos yet: tick **Approve** on the **Review and approve** page.")
    furniture.link(furniture.REVIEW, "Go to Review")
    st.stop()

st.markdown(f"**{len(rows):,}** approved videos ready to push.")
hidden = tables.approved_outside(result, ss[state.SPEC], ss[state.APPROVED])
if hidden:
    def _drop_hidden(ids: frozenset[str]) -> None:
        st.session_state[state.APPROVED] = set(st.session_state[state.APPROVED]) - ids
        state.bump_editor()

    st.warning(f"{len(hidden):,} of these approved videos {'is' if len(hidden) == 1 else 'are'} outside "
               f"the current filters ({md(ss[state.SPEC].describe())}), so Review no longer shows "
               f"{'it' if len(hidden) == 1 else 'them'}, but a push includes {'it' if len(hidden) == 1 else 'them'}.")
    st.button(f"Leave out the {furniture.plural(len(hidden), 'hidden video')}", key=P + "drop_hidden",
              on_click=_drop_hidden, args=(frozenset(hidden),))

# restore_widgets seeds only widgets drawn in this run (a seeded key whose widget is not drawn
# would come back instead of the value typed later, after a page switch)
own_google = member and not viewer.sheets_problem  # a member with their own token
state.restore_widgets({P + "kind": GOOGLE if (own_google or (not member and settings.has_sheets and not settings.demo))
                       else LOCAL, P + "tab": "Videos", P + "columns": []})
st.subheader("Target")
kind = st.radio("Where to", [GOOGLE, LOCAL], key=P + "kind", horizontal=True, format_func=forms.TARGET_LABELS.get)
if kind == GOOGLE:
    state.restore_widgets({P + "sheet_url": ""})
    st.text_input("Google Sheet URL or key", key=P + "sheet_url",
                  placeholder="https://docs.google.com/spreadsheets/d/…/edit")
    if member and viewer.sheets_problem:
        st.warning(viewer.sheets_problem, icon=":material/lock:")
    elif member:
        st.caption(f"Pushed with your own Google account ({md(viewer.email)}): any sheet it can edit. "
                   "The app's service account is not used.")
    elif settings.service_account_email:
        st.caption(f"Share the sheet with {md_code(settings.service_account_email)} as *Editor* before pushing.")
    elif not settings.has_sheets:
        st.warning(
            "Google Sheets is not configured: add a service account on Streamlit (`[gcp_service_account]` in "
            "secrets) or set GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON, then share the sheet with its email. "
            "Or push to a local workbook."
        )
else:
    state.restore_widgets({P + "file": sheets.default_workbook_path(settings).name})
    where = f" ({md(sheets.workbooks_dir(settings))})" if access.may_see_server_details() else ""
    folder = "your own workbooks folder on the server (nobody else's pushes write there)" if person else \
        f"the app's workbooks folder{where}"
    st.text_input("Workbook file name (.xlsx or .csv)", key=P + "file",
                  help=f"Saved in {folder}; download it below after pushing.")
st.text_input("Tab", key=P + "tab", help="The worksheet; created when missing. Ignored for .csv files.")
st.multiselect("Optional columns", list(store.COLUMN_CHOICES), key=P + "columns",
               format_func=lambda k: store.COLUMN_HEADERS[k], placeholder="None (the standard columns only)",
               help="From the history of your fetches, added after the standard columns. Views gained (7 d) is "
                    "refreshed on every push, like Views; First seen is written once.")
state.remember_widgets(FORM_KEYS)
rows, columns_problem = history.rows_with_columns(rows, ss[P + "columns"], settings)
if columns_problem:
    st.warning(columns_problem)


def _show_error(e: Y2SError) -> None:
    if isinstance(e, SignInExpired):  # said once, below the Push button, with the way out; rows are kept
        ss[EXPIRED] = True
        if person:
            access.keep_until_signed_in_again(person, {"result": ss[state.RESULT], "meta": ss[state.FETCH_META],
                                                       "approved": set(ss[state.APPROVED])})
        return
    msg = settings.redact(str(e))
    if isinstance(e, PermissionDenied) and e.email and e.email not in msg:
        msg += f" Share the sheet with {e.email} as Editor."
    st.error(furniture.md_keeping(msg, getattr(e, "email", None)))


def _checked_target() -> forms.PushTarget:
    """The form's target; a member's local workbook is a plain name inside their own folder."""
    if kind == LOCAL and person:
        path = sheets.local_workbook(settings, ss.get(P + "file", ""), person)
        return forms.PushTarget(LOCAL, str(path), sheets.check_tab(ss[P + "tab"], xlsx=path.suffix.lower() == ".xlsx"))
    return forms.push_target(kind, ss.get(P + "sheet_url", ""), ss.get(P + "file", ""), ss[P + "tab"], settings)


def _open(t: forms.PushTarget) -> sheets.SheetTarget:
    """The core's target: a member's Google sheet with their own token, anything else as before."""
    if member and not t.local:
        return sheets.open_target(t.spec, t.tab, settings, user_token=viewer.google_token, user_email=viewer.email)
    return t.open(settings)


target: forms.PushTarget | None = None
target_problem = False
if kind == GOOGLE and member and viewer.sheets_problem:
    pass  # said above: no Google push without their own token; the local workbook and downloads still work
elif kind == GOOGLE and not ss[P + "sheet_url"].strip():
    st.caption("Paste the sheet's URL (or its key) to preview and push.")
else:
    try:
        target = _checked_target()
    except InputError as e:
        _show_error(e)
        target_problem = True

digest = forms.rows_digest(rows)


def _stamp() -> str:
    return forms.file_stamp(target.path) if target is not None and target.local else ""


def _dry_run(t: forms.PushTarget) -> None:
    """Read the target and keep the plan for (target, rows, file state); errors are shown."""
    try:
        stamp = forms.file_stamp(t.path) if t.local else ""
        res = sheets.push(rows, _open(t), dry_run=True)
    except Y2SError as e:
        ss[state.PUSH_PREVIEW] = None
        _show_error(e)
        return
    except Exception as e:  # a bug: one line, not a traceback
        ss[state.PUSH_PREVIEW] = None
        furniture.show_unexpected(e, settings, "reading the target")
        return
    p = res.plan
    ss[state.PUSH_PREVIEW] = forms.PushPreview(t.key, digest, p.new, p.updated, p.unchanged, list(p.warnings),
                                               res.target, stamp, datetime.now(timezone.utc))
    if not t.local:
        ss[EXPIRED] = False  # the sheet answered this token


st.subheader("Plan")
if target is not None and not target.local:
    preview_clicked = st.button("Preview changes", key=P + "preview",
                                help="Read the sheet and plan the upsert; writes nothing.")
    if preview_clicked:
        with st.spinner("Reading the sheet…"):
            _dry_run(target)
plan_box = st.container()  # filled at the end of the run, after a push has had its say

push_clicked = st.button(f"Push {len(rows):,} approved rows", key=P + "run", type="primary",
                         disabled=target is None)
if push_clicked and target is not None:
    try:
        with st.status("Pushing…", expanded=True) as status:
            res = sheets.push(rows, _open(target), progress=lambda m: status.markdown(md(m)))
            status.update(label="Push log", state="complete", expanded=False)
    except Y2SError as e:
        ss[state.LAST_PUSH] = ss[state.PUSH_PREVIEW] = None  # part may be written: the plan is stale
        _show_error(e)
    except Exception as e:  # a bug: one line, not a traceback
        ss[state.LAST_PUSH] = ss[state.PUSH_PREVIEW] = None
        furniture.show_unexpected(e, settings, "pushing")
    else:
        p = res.plan
        if not target.local:
            ss[EXPIRED] = False
        ss[state.LAST_PUSH] = {"summary": p.summary(), "target": res.target, "url": res.url,
                                  "requests": res.requests, "local": target.local, "key": target.key,
                                  "warnings": list(p.warnings)}
        # what a re-read would now show (all written), without reading a big workbook or the sheet again
        ss[state.PUSH_PREVIEW] = forms.PushPreview(target.key, digest, 0, 0, p.new + p.updated + p.unchanged,
                                                   [], res.target, _stamp(), datetime.now(timezone.utc))

if ss.get(EXPIRED):
    st.error(SignInExpired.MESSAGE, icon=":material/lock_clock:")
    st.caption(f"Your {len(rows):,} approved videos stay in this session, and wait {access.KEEP_SECONDS // 3600} "
               "hours for you on this server: after signing in again, open **Push** first and they are back.")
    if st.button("Sign out", key=P + "sign_out_expired", icon=":material/logout:"):
        st.logout()

with plan_box:
    preview = ss[state.PUSH_PREVIEW]
    if target is not None and target.local and not (preview and preview.matches(target.key, digest, _stamp())):
        with st.spinner("Reading the workbook…"):
            _dry_run(target)
        preview = ss[state.PUSH_PREVIEW]
    if target is not None and preview is not None and preview.matches(target.key, digest, _stamp()):
        st.caption(f"If you push now: {preview.summary()}")
        c = st.columns(3)
        c[0].metric("New rows", f"{preview.new:,}")
        c[1].metric("Updated rows", f"{preview.updated:,}", help="Views, likes or other columns refreshed")
        c[2].metric("Unchanged rows", f"{preview.unchanged:,}")
        for w in preview.warnings:
            st.warning(md(w))
        if not target.local and preview.at is not None:
            st.caption(f"Read at {furniture.format_when(preview.at)}; press **Preview changes** again if the sheet "
                       "changed since.")
    elif target is not None and not target.local:
        st.caption("Press **Preview changes** to see what a push would add and update before writing.")
    elif target_problem:
        st.caption("Fix the target above to see what a push would write.")

last = ss[state.LAST_PUSH]
if last and target is not None and last.get("key") == target.key:
    where = last["target"]
    if last["local"] and not access.may_see_server_details():  # the file's name, never the server's folders
        where = Path(where).name
    st.success(f"Pushed: {md(last['summary'])} → {md(where)}")
    for w in last["warnings"]:
        st.warning(md(w))
    if last["url"]:
        st.link_button("Open the sheet ↗", last["url"], key=P + "open_sheet")
    elif last["local"] and Path(last["target"]).is_file():
        path = Path(last["target"])
        st.download_button(f"Download {md(path.name)}", data=path.read_bytes, file_name=path.name,
                           key=P + "download_target", on_click="ignore")

st.subheader("Download the approved rows")
d1, d2 = st.columns(2)
d1.download_button("Download CSV", data=lambda: sheets.workbook_bytes(rows, "csv"), file_name="youtube2sheets.csv",
                   mime="text/csv", key=P + "download_csv", on_click="ignore")
d2.download_button("Download XLSX", data=lambda: sheets.workbook_bytes(rows, "xlsx"), file_name="youtube2sheets.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key=P + "download_xlsx", on_click="ignore")

st.subheader("NotebookLM")
batches = tables.notebooklm_batches(r["url"] for r in rows)
st.caption(f"{furniture.plural(sum(map(len, batches)), 'approved URL')} in {furniture.plural(len(batches), 'batch')} of up to "
           f"{tables.NOTEBOOKLM_BATCH}: "
           "NotebookLM takes 50 sources per notebook. Copy a batch with the button at its top right.")
if len(batches) <= 5:
    for i, batch in enumerate(batches, start=1):
        with st.expander(f"Batch {i}: {len(batch)} URLs", expanded=i == 1):
            st.code("\n".join(batch), language=None)
else:
    if ss.get(P + "batch", 1) > len(batches):  # fewer batches than when the batch was picked
        ss[P + "batch"] = 1
    i = st.selectbox("Batch", range(1, len(batches) + 1), key=P + "batch",
                     format_func=lambda n: f"Batch {n} of {len(batches)} ({len(batches[n - 1])} URLs)")
    st.code("\n".join(batches[i - 1]), language=None)
    st.download_button("Download all batches (.txt)", key=P + "download_batches", on_click="ignore",
                       file_name="notebooklm-batches.txt", mime="text/plain",
                       data=lambda: "\n\n".join("\n".join(b) for b in batches))
