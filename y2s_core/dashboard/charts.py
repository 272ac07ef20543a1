"""What the Metrics page draws from: the session-cached metrics frame and the sampling of big scatters."""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from .. import metrics
from ..filters import FilterSpec
from ..models import FetchResult
from . import state
from .tables import View, visible_videos

MAX_CHART_POINTS = 5000  # per scatter chart: beyond this the browser slows down and points overlap anyway


@st.cache_data(scope="session", max_entries=4, show_spinner=False)
def _frame(result_token: str, spec_key: str, view: View, approved: frozenset[str], _result: FetchResult,
           _spec: FilterSpec) -> pd.DataFrame:
    return metrics.frame(visible_videos(_result, _spec, view, approved))


def metrics_frame(result: FetchResult, spec: FilterSpec, view: View, approved: Iterable[str]) -> pd.DataFrame:
    """``metrics.frame`` of the videos the filters show, made once per (result, filters, view) in this session.

    The frame of 20,000 videos takes a while and the result is too big to hash on every rerun: the
    session's result token (new with every fetch) stands for it in the cache key.
    """
    token = st.session_state[state.RESULT_TOKEN]
    return _frame(token, spec.key(), view, frozenset(approved), _result=result, _spec=spec)


def chart_points(points: pd.DataFrame, limit: int | None = None, by: str = "views") -> tuple[pd.DataFrame, int]:
    """At most ``limit`` rows of a scatter frame, and how many there were.

    Keeps the top fifth of ``limit`` by ``by`` (so the hits and outliers are always drawn) plus an even,
    seeded random sample of the rest; the original row order is kept.
    """
    limit = MAX_CHART_POINTS if limit is None else limit
    total = len(points)
    if total <= limit:
        return points, total
    top = points[by].nlargest(max(limit // 5, 1)).index if by in points else points.index[:0]
    rest = points.drop(index=top)
    sample = rest.sample(n=limit - len(top), random_state=0).index
    return points.loc[points.index.isin(top.union(sample))], total


PLOT_TEXT_COLUMNS = ("title", "channel")  # text from YouTube that a chart shows


def plot_frame(frame: pd.DataFrame, columns: Iterable[str] = PLOT_TEXT_COLUMNS) -> pd.DataFrame:
    """A copy of ``frame`` whose YouTube text plotly shows as text, not markup.

    plotly.js renders a subset of HTML in axis labels, legends and hovers (``<a href>``, ``<b>``,
    ``<br>``...): a channel named ``<a href="https://…">`` would become a link in the chart. ``&``,
    ``<`` and ``>`` become entities, which plotly decodes back for display.
    """
    out = frame.copy()
    for c in columns:
        if c in out.columns:
            out[c] = out[c].map(lambda v: html.escape(v, quote=False) if isinstance(v, str) else v)
    return out


def unique_labels(labels: Iterable[object]) -> list[str]:
    """Labels made distinct for a categorical axis: a repeated 'Live stream' becomes 'Live stream (2)'."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        text = str(label)
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out
