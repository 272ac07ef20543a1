"""Helpers for the AppTest suite (tests/test_app_pages.py): start the app, drive pages by widget key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
PAGES = tuple(f"pages/{name}.py" for name in ("fetch", "review", "metrics", "push", "settings"))
TIMEOUT = 30


def start_app(secrets: dict[str, Any] | None = None) -> AppTest:
    """The app, run once on its default page (Fetch). Secrets are always pinned (to ``secrets`` plus a
    marker) so no secrets.toml on the machine can leak into a test."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.secrets["Y2S_TEST"] = "1"
    for k, v in (secrets or {}).items():
        at.secrets[k] = v
    return at.run()


def goto(at: AppTest, page: str) -> AppTest:
    return at.switch_page(page).run()


def fetch(at: AppTest, channels: str | None = None, **filters: Any) -> AppTest:
    """Fill the Fetch form (channels, then ``fetch.<field>`` widgets) and press Fetch."""
    if not at.text_area:  # not on the Fetch page
        goto(at, "pages/fetch.py")
    if channels is not None:
        at.text_area(key="fetch.channels").input(channels)
    for name, value in filters.items():
        set_widget(at, "fetch." + name, value)
    return at.button(key="fetch.submit").click().run()


def set_widget(at: AppTest, key: str, value: Any) -> None:
    for kind in ("text_input", "number_input", "multiselect", "date_input", "checkbox", "toggle", "radio",
                 "selectbox", "slider", "text_area"):
        widgets = getattr(at, kind)
        try:
            widget = widgets(key=key)
        except KeyError:
            continue
        widget.set_value(value)
        return
    raise KeyError(f"no widget with key {key!r} on this page")


_MD_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash before ASCII punctuation
_PROTO_MD_ESCAPE_RE = re.compile(r"\\\\([!-/:-@\[-`{-~])")  # the same inside protobuf text (backslash doubled)


def shown(markdown: str) -> str:
    """What a user reads of a markdown string: the app escapes text that is not its own (dashboard.md)."""
    return _MD_ESCAPE_RE.sub(r"\1", markdown).replace("\u2060", "")  # and the invisible word joiners


def texts(elements: Any) -> list[str]:
    """The text of markdown elements (alerts, captions, markdown) as a user reads it."""
    return [shown(str(e.value)) for e in elements]


def all_text(at: AppTest) -> str:
    """Every element of the rendered page as protobuf text, also with markdown escapes undone: whatever a
    user could see is in here (a secret escaped as ``AIza\\_key`` is found too)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            text = str(proto)
            out.append(text)
            if "\\\\" in text or "\u2060" in text:
                out.append(_PROTO_MD_ESCAPE_RE.sub(r"\1", text).replace("\u2060", ""))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def table_with(at: AppTest, column: str) -> Any:
    """The first st.dataframe (read-only) whose columns include ``column`` (read-only tables carry no key)."""
    for df in at.dataframe:
        if df.editing_mode == "read_only" and column in df.value.columns:
            return df.value
    raise KeyError(f"no table with a {column!r} column")


def editor_key(at: AppTest, index: int = 0) -> str:
    key = at.data_editor[index].key
    assert key and key.startswith("review.editor."), key
    return key


def tick(at: AppTest, rows: list[int], index: int = 0, on: bool = True) -> AppTest:
    """Tick (or untick) Approve on table rows, as the browser's edit state would, and rerun."""
    key = editor_key(at, index)
    at.session_state[key] = {
        "edited_rows": {r: {"Approve": on} for r in rows},
        "added_rows": [],
        "deleted_rows": [],
    }
    return at.run()


def in_order(at: AppTest) -> list[Any]:
    """Every element of the main area in the order a user sees them (children sorted by position)."""
    out: list[Any] = []

    def walk(node: Any) -> None:
        out.append(node)
        children = getattr(node, "children", {})
        for k in sorted(children):
            walk(children[k])

    walk(at.main)
    return out


def position(at: AppTest, kind: str, **attrs: Any) -> int:
    """Where the first element of type ``kind`` whose attributes equal ``attrs`` sits in ``in_order``."""
    for i, node in enumerate(in_order(at)):
        if getattr(node, "type", None) == kind and all(getattr(node, k, None) == v for k, v in attrs.items()):
            return i
    raise KeyError(f"no {kind} with {attrs}")
