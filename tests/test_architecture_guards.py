"""Every architecture guard can fail: each is run on a copy of the repository (y2s_core/, pages/, app.py)
with one violation injected, and must report a violation the clean copy does not have; a few injections
that break no rule (streamlit in dashboard/, an import under TYPE_CHECKING ...) must change nothing.

The guards are the functions of tests/test_architecture.py: a repository root in, violations out.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_architecture import GUARDS, MAX_MODULE_LINES, REPO


def _copy(dest: Path, source: Path = REPO) -> Path:
    """y2s_core/, pages/ and app.py of ``source`` into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(source / "y2s_core", dest / "y2s_core", ignore=ignore)
    shutil.copytree(source / "pages", dest / "pages", ignore=ignore)
    shutil.copy2(source / "app.py", dest / "app.py")
    return dest


NEW_FILES = {"y2s_core/ring_a.py", "y2s_core/ring_b.py", "y2s_core/sprawl.py", "y2s_core/dashboard/extra.py"}


def _inject(root: Path, files: dict[str, str]) -> None:
    """Append each text to its file (one of NEW_FILES is created): appending keeps the lines of what was there,
    so the violations the file already had read the same."""
    for rel, text in files.items():
        path = root / rel
        assert path.exists() or rel in NEW_FILES, f"{rel} is gone: inject into another file"
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(before + ("\n" if before and not before.endswith("\n") else "") + text, encoding="utf-8")


IMPORTING = {"public_api", "core_loads_streamlit", "pages_reach_google_through_core"}  # run a subprocess


@pytest.fixture(scope="session")
def clean(tmp_path_factory) -> Path:
    """One snapshot of the repository: every injected copy is taken from it, so a violation found is the
    injected one even while the repository itself changes."""
    return _copy(tmp_path_factory.mktemp("clean"))


@pytest.fixture
def copy(clean, tmp_path) -> Path:
    return _copy(tmp_path / "repo", clean)


@pytest.fixture(scope="session")
def baseline(clean) -> dict[str, tuple[list[str], list[str]]]:
    """guard name -> (its violations on the clean copy, on the repository itself), computed side by side
    (the guards that import the code run a subprocess each)."""
    with ThreadPoolExecutor(max_workers=4) as pool:  # the subprocesses run while this thread parses
        started = {(name, root): pool.submit(GUARDS[name], root) for name in IMPORTING for root in (clean, REPO)}
        results = {(name, root): GUARDS[name](root) for name in GUARDS if name not in IMPORTING
                   for root in (clean, REPO)}
        results.update((job, future.result()) for job, future in started.items())
    return {name: (results[name, clean], results[name, REPO]) for name in GUARDS}


@pytest.mark.parametrize("guard", list(GUARDS))
def test_a_clean_copy_is_judged_as_the_repository_is(baseline, guard):
    on_copy, on_repo = baseline[guard]
    assert on_copy == on_repo


@dataclass(frozen=True)
class Violation:
    guard: str
    files: dict[str, str]  # path in the repository -> text appended to it (one of NEW_FILES is created)
    expect: tuple[str, ...]  # words the new violation must contain


FUNCTION_LEVEL_CYCLE = "def _settings_type():\n    from .settings import Settings\n\n    return Settings\n"
HAND_ROW = ('def _row(v):\n    return {"video_id": v.id, "channel": v.channel_title, "title": v.title, '
            '"views": v.views}\n')

VIOLATIONS = {
    # the six the guards missed before (issue 15 item 7)
    "streamlit-via-importlib.import_module": Violation(
        "streamlit_outside_dashboard",
        {"y2s_core/filters.py": 'def _ui():\n    import importlib\n\n    return importlib.import_module("streamlit")\n'},
        ("y2s_core/filters.py", "streamlit")),
    "streamlit-via-__import__": Violation(
        "streamlit_outside_dashboard", {"y2s_core/sync.py": '_st = __import__("streamlit.components.v1")\n'},
        ("y2s_core/sync.py", "streamlit.components.v1")),
    "streamlit-via-import_module-from-importlib": Violation(
        "streamlit_outside_dashboard",
        {"y2s_core/growth.py": 'from importlib import import_module as load\n\n_st = load("streamlit")\n'},
        ("y2s_core/growth.py", "streamlit")),
    "streamlit-loaded-by-a-computed-name": Violation(  # beyond any AST rule: the import-time check sees it
        "core_loads_streamlit", {"y2s_core/filters.py": 'import importlib as _il\n\n_il.import_module("stream" + "lit")\n'},
        ("loads streamlit",)),
    "ledger-second-caller-of-record_quota": Violation(
        "quota_ledger_writers",
        {"y2s_core/sync.py": 'def _spend(store, settings):\n    store.record_quota(settings.account_fingerprint, '
                             '{"videos.list": 1})\n'},
        ("y2s_core/sync.py", "calls record_quota")),
    "ledger-table-imported-outside-store": Violation(
        "quota_ledger_writers",
        {"y2s_core/telemetry.py": "from .store.schema import quota_ledger as _ledger\n"},
        ("y2s_core/telemetry.py", "quota_ledger table outside store/")),
    "ledger-written-in-sql-outside-store": Violation(
        "quota_ledger_writers",
        {"y2s_core/growth.py": 'def _bump(conn, row):\n    conn.exec_driver_sql("INSERT INTO quota_ledger '
                               '(day, account, method, units) VALUES (?, ?, ?, ?)", row)\n'},
        ("y2s_core/growth.py", "writes the quota ledger in SQL")),
    "ledger-second-writer-inside-store": Violation(
        "quota_ledger_writers",
        {"y2s_core/store/syncing.py": "from sqlalchemy import insert as _ins\n\nfrom .schema import quota_ledger\n\n\n"
                                      "def _bump(conn, row):\n    conn.execute(_ins(quota_ledger).values(**row))\n"},
        ("y2s_core/store/syncing.py", "writes the quota ledger outside Store.record_quota")),
    "row-dict-literal-by-hand": Violation(
        "row_dicts_built_by_hand", {"y2s_core/sync.py": HAND_ROW},
        ("y2s_core/sync.py", "builds a row by hand", "video_id")),
    "row-dict-call-by-hand": Violation(
        "row_dicts_built_by_hand",
        {"y2s_core/filters.py": "def _row(v):\n    return dict(video_id=v.id, channel=v.channel_title, views=v.views)\n"},
        ("y2s_core/filters.py", "builds a row by hand")),
    "page-imports-a-google-module-through-the-core": Violation(
        "pages_reach_google_through_core", {"pages/push.py": "from y2s_core.youtube.client import httplib2\n"},
        ("pages/push.py", "httplib2")),
    "page-imports-gspread-through-the-core": Violation(
        "pages_reach_google_through_core",
        {"y2s_core/sheets/google.py": "import gspread\n", "pages/settings.py": "from y2s_core.sheets.google import gspread\n"},
        ("pages/settings.py", "gspread")),
    "page-imports-a-google-function-through-the-core": Violation(
        "pages_reach_google_through_core", {"pages/review.py": "from y2s_core.youtube.client import build\n"},
        ("pages/review.py", "googleapiclient")),
    "page-reaches-gspread-as-a-core-attribute": Violation(
        "pages_import_google",
        {"pages/fetch.py": "import y2s_core.sheets.google as g\n\ng.gspread.authorize(None)\n"},
        ("pages/fetch.py", "g.gspread")),
    "plotly-in-metrics": Violation(
        "plotly_outside_dashboard", {"y2s_core/metrics.py": "import plotly.express as px\n"},
        ("y2s_core/metrics.py", "plotly.express")),
    "cycle-by-a-function-level-import": Violation(
        "import_cycles", {"y2s_core/errors.py": FUNCTION_LEVEL_CYCLE}, ("{y2s_core.errors, y2s_core.settings}",)),
    "cycle-by-from-dot-import-submodule": Violation(
        "import_cycles",
        {"y2s_core/ring_a.py": "import y2s_core.ring_b\n", "y2s_core/ring_b.py": "from . import ring_a\n"},
        ("{y2s_core.ring_a, y2s_core.ring_b}",)),
    "private-name-imported": Violation(
        "private_imports", {"y2s_core/sync.py": "from .sheets.cells import _text as _cell_text\n"},
        ("y2s_core.sync <- y2s_core.sheets.cells._text",)),
    "private-name-as-a-module-attribute": Violation(
        "private_imports", {"y2s_core/growth.py": "from .sheets import cells\n\n_t = cells._text\n"},
        ("y2s_core.growth <- y2s_core.sheets.cells._text",)),
    # rules the guards already held
    "plain-import-streamlit-in-filters": Violation(
        "streamlit_outside_dashboard", {"y2s_core/filters.py": "import streamlit as st\n"},
        ("y2s_core/filters.py", "streamlit")),
    "page-imports-gspread": Violation(
        "pages_import_google", {"pages/push.py": "import gspread\n"}, ("pages/push.py", "gspread")),
    "app-imports-googleapiclient-dynamically": Violation(
        "pages_import_google", {"app.py": 'import importlib\n\n_d = importlib.import_module("googleapiclient.discovery")\n'},
        ("app.py", "googleapiclient.discovery")),
    "module-of-700-lines": Violation(
        "long_modules", {"y2s_core/sprawl.py": "x = 1\n" * (MAX_MODULE_LINES + 100)},
        ("y2s_core/sprawl.py", str(MAX_MODULE_LINES + 100))),
    "page-path-in-the-core": Violation(
        "page_paths_outside_dashboard", {"y2s_core/settings.py": 'SEE = "pages/fetch.py"\n'},
        ("y2s_core/settings.py", "page path")),
    "public-name-missing-from-__all__": Violation(
        "public_api", {"y2s_core/__init__.py": "stray = 1\n"}, ("y2s_core.stray", "not in __all__")),
}


def test_every_guard_is_shown_to_fail():
    assert {v.guard for v in VIOLATIONS.values()} == set(GUARDS)


@pytest.mark.parametrize("case", list(VIOLATIONS))
def test_the_guard_reports_an_injected_violation(baseline, copy, case):
    v = VIOLATIONS[case]
    root = copy
    _inject(root, v.files)
    clean, _ = baseline[v.guard]
    found = GUARDS[v.guard](root)
    new = [line for line in found if line not in clean]
    assert len(found) > len(clean), (found, clean)
    assert any(all(word in line for word in v.expect) for line in new), new


HARMLESS = {  # break no rule: the guard must say exactly what it says on the clean copy
    "streamlit-and-plotly-in-the-dashboard": (
        ("streamlit_outside_dashboard", "plotly_outside_dashboard"),
        {"y2s_core/dashboard/extra.py": 'import importlib\n\nimport plotly.express\nimport streamlit\n\n'
                                        '_c = importlib.import_module("streamlit.components.v1")\n'}),
    "an-import-under-type-checking": (
        ("import_cycles",),
        {"y2s_core/errors.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .settings import Settings\n"}),
    "record_quota-and-quota_ledger-in-comments-and-docstrings": (
        ("quota_ledger_writers",),
        {"y2s_core/sync.py": '# store.record_quota(account, units) writes quota_ledger\n\n\ndef _doc():\n'
                             '    """store.record_quota(...) and INSERT INTO quota_ledger live in store/."""\n'}),
    "a-snapshot-dict-is-not-a-row": (
        ("row_dicts_built_by_hand",),
        {"y2s_core/growth.py": 'def _snap(s):\n    return {"video_id": s.video_id, "taken_at": s.taken_at, '
                               '"views": s.views, "likes": s.likes}\n'}),
    "a-page-importing-core-names-and-plotly": (
        ("pages_import_google", "pages_reach_google_through_core"),
        {"pages/review.py": "import plotly.express as _px\n\nfrom y2s_core import sheets as _sheets\n"
                            "from y2s_core.models import ROW_KEYS as _KEYS\n\n_g = _sheets.google\n"}),
}


@pytest.mark.parametrize("case", list(HARMLESS))
def test_the_guard_stays_quiet_when_no_rule_is_broken(baseline, copy, case):
    guards, files = HARMLESS[case]
    root = copy
    _inject(root, files)
    for guard in guards:
        assert GUARDS[guard](root) == baseline[guard][0], guard
