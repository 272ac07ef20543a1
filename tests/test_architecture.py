"""Guards on the shape of the code (in the manner of httpx's tests/test_exported_members.py).

The public API is exactly ``y2s_core.__all__``; only ``y2s_core/dashboard`` imports streamlit; pages and
app.py never call Google libraries; nothing outside the dashboard knows a page path; the filter plumbing
covers every FilterSpec field; the row schema covers every sheet column; no module is too long to read.
"""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

import y2s_core
from y2s_core import sheets
from y2s_core.dashboard.forms import FilterForm
from y2s_core.filters import FilterSpec
from y2s_core.models import FIELD_BY_HEADER, ROW_FIELDS, ROW_KEYS
from y2s_core.models import VideoType as VT
from y2s_core.sheets.cells import ALL_COLUMNS

REPO = Path(__file__).resolve().parent.parent
CORE = REPO / "y2s_core"
MAX_MODULE_LINES = 600
LONG_BY_DESIGN = {"y2s_core/emulators/catalog.py"}  # generated demo data


def _modules(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module)
    return out


# ----------------------------------------------------------------------------------------- public API


def test_all_lists_exactly_the_public_names():
    public = {name for name, value in vars(y2s_core).items()
              if not name.startswith("_") and not isinstance(value, ModuleType)}
    assert set(y2s_core.__all__) == public
    assert y2s_core.__all__ == sorted(y2s_core.__all__), "keep __all__ sorted"
    assert len(set(y2s_core.__all__)) == len(y2s_core.__all__)


def test_no_private_name_leaks_through_the_public_api():
    for name in y2s_core.__all__:
        assert not name.startswith("_"), name
        obj = getattr(y2s_core, name)
        module = getattr(obj, "__module__", "") or ""
        assert module.startswith("y2s_core"), (name, module)
        assert not any(part.startswith("_") for part in module.split(".")), (name, module)


# --------------------------------------------------------------------------------------------- layers


def test_only_the_dashboard_package_imports_streamlit():
    offenders = [str(p.relative_to(REPO)) for p in _modules(CORE)
                 if "dashboard" not in p.relative_to(CORE).parts[:1]
                 and any(m == "streamlit" or m.startswith("streamlit.") for m in _imports(p))]
    assert offenders == []


def test_the_core_and_its_faces_load_without_streamlit():
    code = ("import sys, y2s_core, y2s_core.cli, y2s_core.api, y2s_core.sheets, y2s_core.youtube; "
            "print('streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_pages_never_call_google_libraries():
    for path in [REPO / "app.py", *_modules(REPO / "pages")]:
        google = {m for m in _imports(path) if m.split(".")[0] in ("googleapiclient", "gspread", "google")}
        assert not google, (path.name, google)


def test_only_the_dashboard_knows_a_page_path():
    offenders = [str(p.relative_to(REPO)) for p in _modules(CORE)
                 if p.relative_to(CORE).parts[0] != "dashboard" and "pages/" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_no_module_is_too_long_to_hold_in_ones_head():
    long = {}
    for p in _modules(CORE):
        rel = str(p.relative_to(REPO))
        n = len(p.read_text(encoding="utf-8").splitlines())
        if n > MAX_MODULE_LINES and rel not in LONG_BY_DESIGN:
            long[rel] = n
    assert long == {}


# -------------------------------------------------------------------------------------------- filters

ONE_VALUE = {  # a non-default value per FilterSpec field
    "max_videos": 7, "min_duration": 30, "max_duration": 600, "include": ("ai",), "exclude": ("live",),
    "since": date(2024, 1, 1), "until": date(2025, 1, 1), "types": frozenset({VT.SHORT}), "match_tags": True,
}


def test_every_filter_field_has_a_rule_and_a_test_value():
    names = FilterSpec.names()
    assert set(names) == set(ONE_VALUE), "a new FilterSpec field needs a value here"
    for f in dataclasses.fields(FilterSpec):
        if f.init:
            assert "rule" in f.metadata, f.name


@pytest.mark.parametrize("name", FilterSpec.names())
def test_the_cache_key_covers_every_filter_field(name):
    assert FilterSpec(**{name: ONE_VALUE[name]}).key() != FilterSpec().key()


def test_the_cache_key_does_not_depend_on_set_order():
    a = FilterSpec(types=["short", "long", "live"])
    b = FilterSpec(types=["live", "long", "short"])
    assert a.key() == b.key()
    code = "from y2s_core.filters import FilterSpec; print(FilterSpec(types=['short','long','live']).key())"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                           env={"PYTHONHASHSEED": str(seed)}, timeout=60).stdout for seed in (1, 2)}
    assert runs == {a.key() + "\n"}


@pytest.mark.parametrize("name", [n for n in FilterSpec.names() if n != "match_tags"])
def test_widening_any_filter_field_is_noticed(name):
    narrow = {"max_videos": 5, "min_duration": 60, "max_duration": 120, "include": ("ai",), "exclude": ("live",),
              "since": date(2024, 6, 1), "until": date(2024, 7, 1), "types": frozenset({VT.SHORT})}
    wide = {"max_videos": 50, "min_duration": 10, "max_duration": 900, "include": ("ai", "ml"), "exclude": (),
            "since": date(2020, 1, 1), "until": date(2025, 1, 1), "types": None}
    fetched = FilterSpec(**narrow)
    assert fetched.widened_by(fetched) == []
    assert fetched.widened_by(dataclasses.replace(fetched, **{name: wide[name]}))


def test_the_filter_form_has_one_field_per_filter():
    assert [f.name for f in dataclasses.fields(FilterForm)] == list(FilterSpec.names())


# ----------------------------------------------------------------------------------------- row schema


def test_the_row_schema_covers_every_sheet_column():
    for column in ALL_COLUMNS:
        if column == "NotebookLM":  # the user's own tick: never in a row
            continue
        assert column in FIELD_BY_HEADER, column
    assert set(FIELD_BY_HEADER) <= set(ALL_COLUMNS)


def test_rows_cells_and_frames_all_derive_from_the_schema(tmp_path):
    from tests.conftest import video_row
    from y2s_core import metrics

    row = video_row(1)
    assert tuple(row) == ROW_KEYS
    cells = sheets.row_to_cells(row)
    assert set(cells) == set(ALL_COLUMNS)
    frame = metrics.frame([row])
    for f in ROW_FIELDS:
        if f.dtype in ("Int64", "string") and f.key != "duration":
            assert f.key in frame.columns, f.key
