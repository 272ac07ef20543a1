"""Markdown injection: channel names, titles, inputs, file names and error texts are shown as text.

A crafted channel (served by the YouTube emulator on 127.0.0.1) whose name and titles carry links,
images, autolinks, HTML, Streamlit directives and math goes through every page; every markdown
string the app sends (bodies, labels, help) is rendered with a CommonMark parser and must hold no
link and no image, and no chart may carry markup. The real browser's DOM is checked in
tests/test_browser_trust.py.
"""

from __future__ import annotations

import json
import re

import pytest
from markdown_it import MarkdownIt

from tests.app_helpers import fetch, goto, set_widget, start_app
from y2s_core.dashboard import fetching
from y2s_core.dashboard.charts import plot_frame
from y2s_core.dashboard.furniture import md, md_code
from y2s_core.emulators.catalog import OLD_SCHOOL_ID, Catalog, demo_catalog
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator

EVIL = ("[click](https://evil.example/a) ![img](https://evil.example/i.png) <https://evil.example/auto> "
        "www.evil.example <img src=https://evil.example/h.png> :red[red] **bold** $x^2$ <a href=\"https://evil.example/p\">p</a>")
EVIL_HANDLE = "@evilchan"
RENDER = MarkdownIt("commonmark")


def evil_catalog() -> Catalog:
    base = demo_catalog()
    channel = base.channels[OLD_SCHOOL_ID]._replace(title="Evil " + EVIL, handle=EVIL_HANDLE, username=None,
                                                   custom_name=None)
    videos = [v._replace(title=f"{EVIL} #{i}") for i, v in enumerate(base.videos(OLD_SCHOOL_ID)[:8])]
    return Catalog([channel], {channel.id: videos})


BARE_LINKS = re.compile(r"://|(?i:www\.)|[\w.+-]\\?@")  # what GFM autolinks after parsing, escaped or not


def renders_a_link(markdown: str) -> bool:
    """A link or image by CommonMark, or a bare URL or e-mail address GFM's autolink literals would link."""
    html = RENDER.render(markdown)
    return "<a " in html or "<img" in html or bool(BARE_LINKS.search(markdown))


def markdown_strings(at) -> list[str]:
    """Every body, label and help string of the page: what Streamlit renders as markdown."""
    out: list[str] = []

    def fields(msg) -> None:
        for desc, value in msg.ListFields():
            if desc.type == desc.TYPE_MESSAGE:
                for m in (value if desc.is_repeated else [value]):
                    fields(m)
            elif desc.name in ("body", "label", "help") and isinstance(value, str):
                out.append(value)

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            fields(proto)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def chart_strings(at) -> list[str]:
    out: list[str] = []

    def strings(v) -> None:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                strings(x)
        elif isinstance(v, list):
            for x in v:
                strings(x)

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if getattr(node, "type", None) == "plotly_chart" and proto is not None:
            strings(json.loads(proto.spec))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def assert_nothing_renders(at, where: str) -> None:
    assert not at.exception, (where, at.exception)
    bad = [s for s in markdown_strings(at) if renders_a_link(s)]
    assert bad == [], (where, bad)
    for s in chart_strings(at):
        assert "<a " not in s and "<img" not in s and "<b>" not in s.replace("<b></b>", ""), (where, s)


@pytest.fixture
def evil_api(monkeypatch, tmp_path):
    for var in ("GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON", "Y2S_SHEETS_API_URL"):
        monkeypatch.delenv(var, raising=False)
    fetching.clear_fetch_cache()
    emu = YouTubeEmulator(catalog=evil_catalog())
    with serve(emu) as server:
        monkeypatch.setenv("Y2S_YOUTUBE_API_URL", server.url)
        monkeypatch.setenv("YOUTUBE_API_KEY", "test-key")
        yield emu
    fetching.clear_fetch_cache()


def test_md_escapes_every_construct_that_could_link_or_load():
    for text in (EVIL, "Evil " + EVIL, "line one\n# heading\n- item", "<https://evil.example>", "a@evil.example",
                 "WWW.evil.example", "- a list", "1. a list", "[ref]: https://evil.example", "`code`", "&lt;b&gt;"):
        assert not renders_a_link(md(text)), text
        assert "\n" not in md(text)
        html = RENDER.render(md(text))
        assert not re.search(r"<(h\d|ul|ol|li|code|em|strong|blockquote)\b", html), (text, html)
    assert RENDER.render(md("a_b*c* [x]")).strip() == "<p>a_b*c* [x]</p>", "shown exactly as written"
    assert RENDER.render(md_code("`[x](https://evil.example)`")).count("<code>") == 1
    frame = plot_frame(__import__("pandas").DataFrame({"title": ['<a href="x">t</a> & co'], "views": [1]}))
    assert frame["title"][0] == '&lt;a href="x"&gt;t&lt;/a&gt; &amp; co' and frame["views"][0] == 1


def test_a_crafted_channel_renders_no_link_or_image_on_any_page(evil_api, tmp_path):
    at = start_app()
    fetch(at, "[x](https://evil.example/in)")
    assert at.error and "evil" in at.error[0].value, "the bad input is reported"
    assert_nothing_renders(at, "fetch, refused input")
    fetch(at, f"{EVIL_HANDLE}, @nosuchchannel42", exclude="[k](https://evil.example/kw)",
          types=["Short", "Long", "Live", "Upcoming"])
    assert at.session_state["y2s.result"] is not None and len(at.session_state["y2s.result"].videos) == 8
    assert_nothing_renders(at, "fetch")

    goto(at, "pages/review.py")
    set_widget(at, "review.group", True)
    at.run()
    assert at.expander, "one table per channel: the expander is labelled with the channel's name"
    assert_nothing_renders(at, "review")
    at.button(key="review.approve_all").click().run()

    goto(at, "pages/metrics.py")
    assert chart_strings(at), "the charts were drawn"
    assert_nothing_renders(at, "metrics")

    goto(at, "pages/push.py")
    at.radio(key="push.kind").set_value("local").run()
    at.text_input(key="push.file").input("![i](evil.example).csv").run()
    at.button(key="push.run").click().run()
    assert at.success and "Pushed" in at.success[0].value
    assert_nothing_renders(at, "push")
    at.text_input(key="push.file").input("[f](https://evil.example/x)/no.xlsx").run()
    assert at.error
    assert_nothing_renders(at, "push, refused file name")
