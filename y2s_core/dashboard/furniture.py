"""Page furniture: the page list, the banner every page draws, the no-data guard, error lines, wording.

The only place under y2s_core that knows a page path (``PAGES``; app.py builds its navigation from it).

``md(text)`` is THE escape for text that is not ours (channel names, titles, handles, what the user
typed, error messages, paths, URLs) wherever it enters Streamlit markdown: st.markdown / caption /
info / success / warning / error, expander, button, status and widget labels and help, progress
lines. Unescaped, a channel named ``[x](https://…)`` or ``![](https://…)`` renders a link or loads a
remote image in every visitor's browser. ``md_code`` does the same for an inline code span.
"""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from .. import telemetry
from ..models import FetchResult
from ..settings import Settings, shown_url
from ..words import plural  # the one count-and-noun helper of every face (pages call furniture.plural)
from . import demo, state

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    icon: str
    url_path: str | None = None


FETCH = Page("pages/fetch.py", "Fetch", ":material/download:")
REVIEW = Page("pages/review.py", "Review and approve", ":material/checklist:", "review")
METRICS = Page("pages/metrics.py", "Metrics", ":material/bar_chart:", "metrics")
PUSH = Page("pages/push.py", "Push", ":material/upload:", "push")
SETTINGS = Page("pages/settings.py", "Settings", ":material/settings:", "settings")
PAGES: tuple[Page, ...] = (FETCH, REVIEW, METRICS, PUSH, SETTINGS)


_MD_SPECIAL_RE = re.compile(r"([\\`*_\[\]<>#~$&|]|:(?=[A-Za-z]))")  # emphasis, code, links, HTML, math, directives
_MD_BARE_LINK_RE = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?<=[\w.+-])(?=@)")  # GFM's autolink literals
_WORD_JOINER = "\u2060"  # invisible; splits "://", "www." and "x@y" so no bare-link pattern matches
_MD_LEADING_RE = re.compile(r"^\s*(?:(?P<bullet>[-+=])|\d+(?P<dot>[.)]))")  # a list item or setext line
_MD_BREAKS_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def md(text: object) -> str:
    """``text`` as literal markdown: one line, every character that could start markdown escaped.

    Backslash-escaped (CommonMark allows it for any ASCII punctuation): ``\\ ` * _ [ ] < > # ~ $ & |``
    and a ``:`` before a letter, so nothing can open a link or an image (``[``), an autolink or HTML
    (``<``), emphasis, code, math or a Streamlit directive (``:red[…]``, ``:material/…:``, which
    would swallow the text); a leading ``-``/``+``/``=``/``1.``, so it cannot start a
    list. GFM's bare links (``https://…``, ``www.…``, ``name@host.tld``) are made *after* parsing, on
    the text with its escapes already removed, so a backslash cannot stop them: an invisible word
    joiner (U+2060) goes inside ``://``, ``www.`` and before an ``@`` within a word instead. (Text a
    user must copy exactly, such as the service account's e-mail, goes in ``md_code``.) Line breaks
    become spaces, so it cannot start a block either. Everything else is left as typed.
    """
    one_line = _MD_BREAKS_RE.sub(" ", str(text))
    out = _MD_SPECIAL_RE.sub(r"\\\1", one_line)
    out = _MD_BARE_LINK_RE.sub(_WORD_JOINER, out)
    m = _MD_LEADING_RE.match(out)
    if m:
        at = m.start("bullet") if m.group("bullet") else m.start("dot")
        out = out[:at] + "\\" + out[at:]
    return out


def md_code(text: object) -> str:
    """``text`` as an inline code span (nothing inside one is markdown; the fence outgrows any backticks)."""
    one_line = _MD_BREAKS_RE.sub(" ", str(text))
    longest = max((len(m) for m in re.findall(r"`+", one_line)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if one_line.startswith("`") or one_line.endswith("`") else ""
    return f"{fence}{pad}{one_line}{pad}{fence}"


def md_keeping(text: object, *exact: str | None) -> str:
    """``md(text)``, except that each of ``exact`` (an e-mail address to share a sheet with) is an inline code
    span: copied from the page, it must carry no invisible character."""
    text = str(text)
    parts = [p for p in exact if p]
    if not parts:
        return md(text)
    out, pos = [], 0
    for m in re.finditer("|".join(map(re.escape, parts)), text):
        out += [md(text[pos : m.start()]), md_code(m.group(0))]
        pos = m.end()
    return "".join(out) + md(text[pos:])


def link(page: Page, label: str) -> None:
    st.page_link(page.path, label=label, icon=page.icon)


def page_settings() -> Settings:
    """Every page's first call: this run's settings, with the demo / settings-problem banner drawn.

    Pages draw the banner themselves (not app.py), so a page is complete however Streamlit runs it:
    through st.navigation, or on its own from the pages/ folder (AppTest, a cold deep link).
    """
    settings, problem = state.load_settings()
    _configure_logging(settings)
    demo.ensure_first_run(settings)  # demo mode: the clock started and 90 days of history, once, beside the page
    demo_banner(settings, problem)
    return settings


@st.cache_resource(show_spinner=False)
def _configure_logging(_settings: Settings) -> bool:
    """Once per server process: Y2S_LOG_LEVEL / Y2S_LOG_FORMAT (default WARNING, text), the app's secrets redacted."""
    try:
        telemetry.configure_logging(default_level="WARNING", secrets=telemetry.settings_secrets(_settings))
    except Exception as e:  # a bad value must not stop the app: say so in the server log, keep the defaults
        _log.warning("logging not configured: %s", e)
    return True


def demo_banner(settings: Settings, problem: str | None = None) -> None:
    """The banner every page shows: demo mode, and any settings problem."""
    why = st.session_state.get(state.VISITOR)
    if why:
        st.warning(f"**Demo mode for visitors from other machines**: {why}. You can still paste your own "
                   "YouTube key on the Settings page.", icon=":material/shield:")
    elif settings.demo:
        st.info(
            "**Demo mode**: no YouTube API key is configured, so the videos come from the built-in "
            "emulator's demo catalog (@y2sdemo, @bigchannel, @hugechannel, @oldschool, @emptychannel), "
            "not from YouTube, and pushes go to a local workbook unless Google Sheets is configured. "
            "Add a key on the Settings page to use real data.",
            icon=":material/science:",
        )
    if problem:
        st.error(md(problem))


def no_data_message(result: FetchResult | None) -> str | None:
    """What Review/Metrics/Push say instead of a table when there is nothing to show (None: there is)."""
    if result is None:
        return "No videos yet: fetch a channel on the **Fetch** page first."
    if not result.videos:
        return "The last fetch returned no videos: fetch other channels on the **Fetch** page or widen its filters."
    return None


def loaded_result() -> FetchResult:
    """The session's fetched videos; with none yet, an info box linking to Fetch, and the page stops here."""
    result = st.session_state[state.RESULT]
    message = no_data_message(result)
    if message:
        st.info(message)
        link(FETCH, "Go to Fetch")
        st.stop()
    return result


def show_unexpected(e: Exception, settings: Settings, doing: str) -> None:
    """The last resort for an error the core did not foresee (a bug): one redacted line, never a traceback.

    The server log gets the traceback's frames (not the message's secrets: it is redacted as well).
    """
    text = settings.redact(str(e)).strip().splitlines()
    detail = f"{type(e).__name__}: {text[0][:300]}" if text else type(e).__name__
    _log.error("unexpected error while %s: %s\n%s", doing, detail, "".join(traceback.format_tb(e.__traceback__)))
    st.error(f"Unexpected error while {doing} ({md(detail)}). This is a bug: please report it with what you did. "
             "Nothing else was changed by this step.")


# ------------------------------------------------------------------------------------------ wording

STAGE_ICONS = {
    "resolving": ":material/search:",
    "listing": ":material/list:",
    "details": ":material/movie:",
    "done": ":material/check_circle:",
    "error": ":material/warning:",
}


def progress_line(channel: str, stage: str, pages: int, listed: int, detailed: int, message: str = "") -> str:
    """One markdown line for a channel's progress (the channel's name and the message escaped)."""
    icon = STAGE_ICONS.get(stage, ":material/pending:")
    if stage == "error":
        return f"{icon} {md(message or channel)}"
    if stage == "resolving":
        return f"{icon} **{md(channel)}**: resolving…"
    verb = {"listing": "listing uploads", "details": "fetching details", "done": "done"}.get(stage, stage)
    return (f"{icon} **{md(channel)}**: {verb} · {plural(pages, 'page')} listed · {plural(listed, 'video')} listed"
            f" · {detailed:,} detailed")


def format_when(moment: datetime | None) -> str:
    """'2026-11-02 08:00 UTC' (or 'midnight Pacific time' when unknown)."""
    if moment is None:
        return "midnight Pacific time"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


safe_url = shown_url  # the one URL redaction (``settings.shown_url``)
