"""Push: the approved videos into a Google Sheet or a local workbook (dry-run plan first), downloads, NotebookLM.

The plan (new / updated / unchanged) sits above the Push button. For a local workbook it is made
automatically and kept until the rows or the file change (reading a big .xlsx takes seconds); for a
Google Sheet, where each read is an API call, the *Preview changes* button makes it.
"""

from datetime import datetime, timezone
from pathlib import Path

import streamlit as st

from y2s_core import sheets, store
from y2s_core.dashboard import access, forms, furniture, history, state, tables
from y2s_core.dashboard.furniture import md, md_code
from y2s_core.errors import InputError, PermissionDenied, Y2SError

P = "push."
GOOGLE, LOCAL = forms.GOOGLE, forms.LOCAL
FORM_KEYS = [P + k for k in ("kind", "sheet_url", "tab", "file", "columns")]

settings = furniture.page_settings()
ss = st.session_state

st.title("Push to a sheet")
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
state.restore_widgets({P + "kind": GOOGLE if settings.has_sheets and not settings.demo else LOCAL,
                          P + "tab": "Videos", P + "columns": []})
st.subheader("Target")
kind = st.radio("Where to", [GOOGLE, LOCAL], key=P + "kind", horizontal=True, format_func=forms.TARGET_LABELS.get)
if kind == GOOGLE:
    state.restore_widgets({P + "sheet_url": ""})
    st.text_input("Google Sheet URL or key", key=P + "sheet_url",
                  placeholder="https://docs.google.com/spreadsheets/d/…/edit")
    if settings.service_account_email:
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
    st.text_input("Workbook file name (.xlsx or .csv)", key=P + "file",
                  help=f"Saved in the app's workbooks folder{where}; download it below after pushing.")
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
    msg = settings.redact(str(e))
    if isinstance(e, PermissionDenied) and e.email and e.email not in msg:
        msg += f" Share the sheet with {e.email} as Editor."
    st.error(furniture.md_keeping(msg, getattr(e, "email", None)))


target: forms.PushTarget | None = None
target_problem = False
if kind == GOOGLE and not ss[P + "sheet_url"].strip():
    st.caption("Paste the sheet's URL (or its key) to preview and push.")
else:
    try:
        target = forms.push_target(kind, ss.get(P + "sheet_url", ""), ss.get(P + "file", ""), ss[P + "tab"],
                                settings)
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
        res = sheets.push(rows, t.open(settings), dry_run=True)
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
            res = sheets.push(rows, target.open(settings), progress=lambda m: status.markdown(md(m)))
            status.update(label="Push log", state="complete", expanded=False)
    except Y2SError as e:
        ss[state.LAST_PUSH] = ss[state.PUSH_PREVIEW] = None  # part may be written: the plan is stale
        _show_error(e)
    except Exception as e:  # a bug: one line, not a traceback
        ss[state.LAST_PUSH] = ss[state.PUSH_PREVIEW] = None
        furniture.show_unexpected(e, settings, "pushing")
    else:
        p = res.plan
        ss[state.LAST_PUSH] = {"summary": p.summary(), "target": res.target, "url": res.url,
                                  "requests": res.requests, "local": target.local, "key": target.key,
                                  "warnings": list(p.warnings)}
        # what a re-read would now show (all written), without reading a big workbook or the sheet again
        ss[state.PUSH_PREVIEW] = forms.PushPreview(target.key, digest, 0, 0, p.new + p.updated + p.unchanged,
                                                   [], res.target, _stamp(), datetime.now(timezone.utc))

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
    st.success(f"Pushed: {md(last['summary'])} → {md(last['target'])}")
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
