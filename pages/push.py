"""Push: the approved videos into a Google Sheet or a local workbook (dry-run plan first), downloads, NotebookLM."""

from pathlib import Path

import streamlit as st

from y2s_core import sheets, st_cache, ui
from y2s_core.errors import PermissionDenied, Y2SError

P = "push."
GOOGLE, LOCAL = "Google Sheet", "Local workbook"
FORM_KEYS = [P + k for k in ("kind", "sheet_url", "tab", "file")]

settings = st_cache.page_settings()
ss = st.session_state

st.title("Push to a sheet")
result = ss[st_cache.RESULT]
if ui.no_data_message(result):
    st.info(ui.no_data_message(result))
    st.page_link("pages/fetch.py", label="Go to Fetch", icon=":material/download:")
    st.stop()

rows = ui.approved_rows(result, ss[st_cache.APPROVED])
if not rows:
    st.info("No approved videos yet: tick **Approve** on the **Review and approve** page.")
    st.page_link("pages/review.py", label="Go to Review", icon=":material/checklist:")
    st.stop()

st.markdown(f"**{len(rows):,}** approved videos ready to push.")

st_cache.restore_widgets(
    {P + "kind": GOOGLE if settings.has_sheets and not settings.demo else LOCAL, P + "sheet_url": "",
     P + "tab": "Videos", P + "file": sheets.default_workbook_path(settings).name}
)
st.subheader("Target")
kind = st.radio("Where to", [GOOGLE, LOCAL], key=P + "kind", horizontal=True)
if kind == GOOGLE:
    st.text_input("Google Sheet URL or key", key=P + "sheet_url",
                  placeholder="https://docs.google.com/spreadsheets/d/…/edit")
    if settings.service_account_email:
        st.caption(f"Share the sheet with **{settings.service_account_email}** as *Editor* before pushing.")
    elif not settings.has_sheets:
        st.warning(
            "Google Sheets is not configured: add a service account on Streamlit (`[gcp_service_account]` in "
            "secrets) or set GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON, then share the sheet with its email. "
            "Or push to a local workbook."
        )
else:
    st.text_input("Workbook file name (.xlsx or .csv)", key=P + "file",
                  help=f"Saved in the app's data folder ({settings.data_dir}); download it below after pushing.")
st.text_input("Tab", key=P + "tab", help="The worksheet; created when missing. Ignored for .csv files.")
st_cache.remember_widgets(FORM_KEYS)


def _target_spec() -> str:
    if ss[P + "kind"] == GOOGLE:
        return ss[P + "sheet_url"].strip()
    return str(ui.local_target_path(settings.data_dir, ss[P + "file"]))


def _show_error(e: Y2SError) -> None:
    msg = settings.redact(str(e))
    if isinstance(e, PermissionDenied) and e.email and e.email not in msg:
        msg += f" Share the sheet with {e.email} as Editor."
    st.error(msg)


tab = ss[P + "tab"].strip() or "Videos"
digest = ui.rows_digest(rows)
b1, b2 = st.columns([1, 3])
preview_clicked = b1.button("Preview changes", key=P + "preview", help="Read the sheet and plan the upsert; writes nothing.")
push_clicked = b2.button(f"Push {len(rows):,} approved rows", key=P + "run", type="primary")

try:
    spec = _target_spec()
    current = ui.target_key(ss[P + "kind"], spec, tab)
except Y2SError as e:
    spec, current = "", ""
    if preview_clicked or push_clicked:
        _show_error(e)
        preview_clicked = push_clicked = False

if preview_clicked:
    try:
        with st.spinner("Reading the sheet…"):
            res = sheets.push(rows, sheets.open_target(spec, tab, settings), dry_run=True)
        p = res.plan
        ss[st_cache.PUSH_PREVIEW] = ui.PushPreview(current, digest, p.new, p.updated, p.unchanged, list(p.warnings),
                                                   res.target)
    except Y2SError as e:
        _show_error(e)

if push_clicked:
    try:
        with st.status("Pushing…", expanded=True) as status:
            res = sheets.push(rows, sheets.open_target(spec, tab, settings), progress=status.write)
            status.update(label=f"Pushed: {res.plan.summary()}", state="complete")
        ss[st_cache.LAST_PUSH] = {"summary": res.plan.summary(), "target": res.target, "url": res.url,
                                  "requests": res.requests, "local": ss[P + "kind"] == LOCAL,
                                  "warnings": list(res.plan.warnings)}
        ss[st_cache.PUSH_PREVIEW] = None
    except Y2SError as e:
        ss[st_cache.LAST_PUSH] = None
        _show_error(e)

preview = ss[st_cache.PUSH_PREVIEW]
if preview is not None and preview.target == current and preview.rows_digest == digest:
    st.markdown("**Plan** (dry run, nothing written yet)")
    c = st.columns(3)
    c[0].metric("New rows", preview.new)
    c[1].metric("Updated rows", preview.updated)
    c[2].metric("Unchanged rows", preview.unchanged)
    for w in preview.warnings:
        st.warning(w)
else:
    st.caption("Press **Preview changes** to see what a push would add and update before writing.")

last = ss[st_cache.LAST_PUSH]
if last:
    st.success(f"Pushed: {last['summary']} → {last['target']}")
    for w in last["warnings"]:
        st.warning(w)
    if last["url"]:
        st.link_button("Open the sheet ↗", last["url"], key=P + "open_sheet")
    elif last["local"] and Path(last["target"]).is_file():
        path = Path(last["target"])
        st.download_button(f"Download {path.name}", data=path.read_bytes(), file_name=path.name,
                           key=P + "download_target", on_click="ignore")

st.subheader("Download the approved rows")
d1, d2 = st.columns(2)
d1.download_button("Download CSV", data=lambda: sheets.workbook_bytes(rows, "csv"), file_name="youtube2sheets.csv",
                   mime="text/csv", key=P + "download_csv", on_click="ignore")
d2.download_button("Download XLSX", data=lambda: sheets.workbook_bytes(rows, "xlsx"), file_name="youtube2sheets.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key=P + "download_xlsx", on_click="ignore")

st.subheader("NotebookLM")
batches = ui.notebooklm_batches(r["url"] for r in rows)
st.caption(f"{sum(map(len, batches)):,} approved URLs in {len(batches)} batch(es) of up to {ui.NOTEBOOKLM_BATCH}: "
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
