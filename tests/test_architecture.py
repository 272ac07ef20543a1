"""Guards on the shape of the code (in the manner of httpx's tests/test_exported_members.py).

Each guard is a function of a repository root that returns its violations as strings (empty: the rule
holds), so tests/test_architecture_guards.py can prove every one of them fails on a copy of the repository
with a violation injected. The rules (see ../shared/ARCHITECTURE.md):

* the public API is exactly ``y2s_core.__all__``, and no private name leaks through it;
* only ``y2s_core/dashboard`` imports streamlit (statically or through importlib/``__import__``), and the
  core loads without it; only the dashboard (and the pages) use plotly: metrics stay plot-free;
* pages and app.py never reach a Google library, directly or through a core module;
* nothing outside the dashboard knows a page path; no module is too long to read;
* the quota ledger has one writer (``Store.record_quota``) and one caller of it;
* rows are built from the one row schema (``models.ROW_FIELDS`` / ``Video.to_row``), never by hand;
* no import cycle among y2s_core modules, and no module imports another's private name.

The filter plumbing and the row schema are checked by the unit tests at the end.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from y2s_core import sheets
from y2s_core.dashboard.forms import FilterForm
from y2s_core.filters import FilterSpec
from y2s_core.models import FIELD_BY_HEADER, ROW_FIELDS, ROW_KEYS
from y2s_core.models import VideoType as VT
from y2s_core.sheets.cells import ALL_COLUMNS

REPO = Path(__file__).resolve().parent.parent
PKG = "y2s_core"
MAX_MODULE_LINES = 600
LONG_BY_DESIGN = {"y2s_core/emulators/catalog.py"}  # generated demo data
GOOGLE_LIBS = ("googleapiclient", "gspread", "google", "httplib2", "google_auth_httplib2", "google_auth_oauthlib")
GOOGLE_ATTRS = frozenset(GOOGLE_LIBS) - {"google"}  # `sheets.google` is our own module: `.google` is fine
ROW_DICT_MIN_KEYS = 3
LEDGER_WRITER = ("y2s_core/store/db.py", "record_quota")  # the one function that writes the quota ledger
LEDGER_CALLERS = ("y2s_core/store/ledger.py", "y2s_core/quota.py")  # the first that exists may call it

Guard = Callable[[Path], list[str]]


# ------------------------------------------------------------------------------------------- helpers


def _modules(root: Path, sub: str = PKG) -> list[Path]:
    return sorted(p for p in (root / sub).rglob("*.py") if "__pycache__" not in p.parts)


def _faces(root: Path) -> list[Path]:
    """app.py and the page scripts."""
    return [p for p in [root / "app.py", *_modules(root, "pages")] if p.exists()]


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _in_core_outside(root: Path, path: Path, *subpackages: str) -> bool:
    parts = path.relative_to(root / PKG).parts
    return len(parts) < 2 or parts[0] not in subpackages


@dataclasses.dataclass(frozen=True)
class _Source:
    """A parsed file and the facts every guard reads (node ids are valid as long as ``tree`` lives)."""

    text: str
    tree: ast.Module
    nodes: list[ast.AST]  # ast.walk order
    function: dict[int, ast.FunctionDef | ast.AsyncFunctionDef | None]  # id(node) -> innermost enclosing def
    type_checking: frozenset[int]  # ids of the nodes in the body of an `if TYPE_CHECKING:`
    docstrings: frozenset[int]  # ids of the docstring constants


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> _Source:
    """By text, so a copy of the repository parses only the files that differ (ast.walk is slow)."""
    tree = ast.parse(text)
    function: dict[int, ast.FunctionDef | ast.AsyncFunctionDef | None] = {}
    todo: list[tuple[ast.AST, ast.FunctionDef | ast.AsyncFunctionDef | None]] = [(tree, None)]
    while todo:
        node, fn = todo.pop()
        for child in ast.iter_child_nodes(node):
            function[id(child)] = fn
            todo.append((child, child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else fn))
    nodes = list(ast.walk(tree))
    checking = {id(n) for node in nodes if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                for stmt in node.body for n in ast.walk(stmt)}
    docs = {id(node.body[0].value) for node in nodes
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return _Source(text, tree, nodes, function, frozenset(checking), frozenset(docs))


def _source(path: Path) -> _Source:
    return _parse(path.read_text(encoding="utf-8"))


def _tree(path: Path) -> ast.Module:
    return _source(path).tree


def _module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_under(name: str, tops: tuple[str, ...] | str) -> bool:
    tops = (tops,) if isinstance(tops, str) else tops
    return any(name == t or name.startswith(t + ".") for t in tops)


def _dynamic_imports(src: _Source) -> Iterator[tuple[int, str]]:
    """``importlib.import_module("x")``, ``import_module("x")`` (however imported), ``__import__("x")``."""
    loaders = {"import_module", "__import__"}
    for node in src.nodes:
        if isinstance(node, ast.ImportFrom) and node.module == "importlib":
            loaders.update(a.asname for a in node.names if a.name == "import_module" and a.asname)
    for node in src.nodes:
        if not (isinstance(node, ast.Call) and node.args):
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        arg = node.args[0]
        if name in loaders and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            yield node.lineno, arg.value


def _resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` reads from."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imported(root: Path, path: Path) -> Iterator[tuple[int, str]]:
    """Every module this file imports: ``import``, ``from`` (relative ones resolved), and dynamic imports."""
    src = _source(path)
    me, is_pkg = _module_name(root, path), path.name == "__init__.py"
    for node in src.nodes:
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, _resolve_from(me, is_pkg, node)
    yield from _dynamic_imports(src)


def _run_python(root: Path, script: str, *args: str) -> tuple[list[str] | None, str]:
    """Run ``script`` with ``root`` first on sys.path; (its JSON list on stdout, or None; stderr)."""
    out = subprocess.run([sys.executable, "-c", script, str(root), *args], capture_output=True, text=True,
                         cwd=root, timeout=120)
    if out.returncode != 0:
        return None, (out.stderr.strip().splitlines() or ["(no stderr)"])[-1]
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr


_PRELUDE = """
import importlib, json, sys
from pathlib import Path
root = Path(sys.argv[1]).resolve()
sys.path.insert(0, str(root))
import y2s_core
assert Path(y2s_core.__file__).resolve().is_relative_to(root), ("not the tree under test", y2s_core.__file__)
"""


# ----------------------------------------------------------------------------------------- public API

_PUBLIC_API = _PRELUDE + """
from types import ModuleType
out = []
names = list(getattr(y2s_core, "__all__", []))
public = {n for n, v in vars(y2s_core).items() if not n.startswith("_") and not isinstance(v, ModuleType)}
out += [f"y2s_core.{n} is public but not in __all__" for n in sorted(public - set(names))]
out += [f"__all__ names {n}, not a public non-module name of y2s_core" for n in sorted(set(names) - public)]
out += [f"__all__ lists {n} twice" for n in sorted({n for n in names if names.count(n) > 1})]
if names != sorted(names):
    out.append("__all__ is not sorted")
for n in names:
    module = getattr(getattr(y2s_core, n, None), "__module__", "") or ""
    if n.startswith("_") or not module.startswith("y2s_core") or any(p.startswith("_") for p in module.split(".")):
        out.append(f"y2s_core.{n} leaks a private or foreign name (defined in {module or '?'})")
print(json.dumps(out))
"""


def public_api_violations(root: Path = REPO) -> list[str]:
    """``y2s_core.__all__`` names exactly the public names, sorted, once, none private or foreign."""
    out, err = _run_python(root, _PUBLIC_API)
    return out if out is not None else [f"cannot import y2s_core: {err}"]


# --------------------------------------------------------------------------------------------- layers


def _core_imports_outside_dashboard(root: Path, top: str) -> list[str]:
    return [f"{_rel(root, p)}:{line} imports {name}" for p in _modules(root) if _in_core_outside(root, p, "dashboard")
            for line, name in sorted(set(_imported(root, p))) if _is_under(name, top)]


def streamlit_outside_dashboard(root: Path = REPO) -> list[str]:
    """No module of y2s_core outside dashboard/ imports streamlit (import, from, importlib, __import__)."""
    return _core_imports_outside_dashboard(root, "streamlit")


def plotly_outside_dashboard(root: Path = REPO) -> list[str]:
    """The core computes chart-ready frames; only dashboard/ and the pages draw them with plotly."""
    return _core_imports_outside_dashboard(root, "plotly")


_LOADS_WITHOUT_STREAMLIT = _PRELUDE + """
failed = []
for p in sorted((root / "y2s_core").rglob("*.py")):
    parts = p.relative_to(root).with_suffix("").parts
    if "__pycache__" in parts or "dashboard" in parts or parts[-1] == "__main__":
        continue
    name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    try:
        importlib.import_module(name)
    except Exception as e:
        failed.append(f"{name} does not import: {type(e).__name__}: {e}")
loaded = sorted(m for m in sys.modules if m == "streamlit" or m.startswith("streamlit."))
print(json.dumps(failed + (["importing the core outside dashboard/ loads streamlit"] if loaded else [])))
"""


def core_loads_streamlit(root: Path = REPO) -> list[str]:
    """Importing every core module outside dashboard/ (the CLI, the API ...) leaves streamlit unloaded."""
    out, err = _run_python(root, _LOADS_WITHOUT_STREAMLIT)
    return out if out is not None else [f"cannot import the core: {err}"]


_RESOLVE = _PRELUDE + """
from types import ModuleType
google = tuple(sys.argv[2].split(","))
out = []
for where, module, name in json.loads(sys.argv[3]):
    try:
        m = importlib.import_module(module)
    except Exception as e:
        out.append(f"{where} imports from {module}, which does not import: {type(e).__name__}: {e}")
        continue
    names = [n for n in vars(m) if not n.startswith("_")] if name == "*" else [name]
    for n in names:
        if hasattr(m, n):
            obj = getattr(m, n)
        else:
            try:
                obj = importlib.import_module(f"{module}.{n}")
            except Exception:
                out.append(f"{where} imports {n} from {module}, which has no such name")
                continue
        home = obj.__name__ if isinstance(obj, ModuleType) else (
            getattr(obj, "__module__", None) or type(obj).__module__ or "")
        if home.split(".")[0] in google:
            out.append(f"{where} imports {n} from {module}: that is {home} (a Google library) through the core")
print(json.dumps(out))
"""


def pages_import_google(root: Path = REPO) -> list[str]:
    """app.py and pages/ never import a Google library (googleapiclient, gspread, google.*, httplib2 ...),
    statically or dynamically, nor reach one as an attribute of a core module (``g.gspread``,
    ``getattr(g, "gspread")``)."""
    out: list[str] = []
    for path in _faces(root):
        rel = _rel(root, path)
        out += [f"{rel}:{line} imports {name}" for line, name in sorted(set(_imported(root, path)))
                if name.split(".")[0] in GOOGLE_LIBS]
        for node in _source(path).nodes:
            if (isinstance(node, ast.Attribute) and node.attr in GOOGLE_ATTRS) or (
                    isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value in GOOGLE_ATTRS):
                out.append(f"{rel}:{node.lineno} reaches {ast.unparse(node)} (a Google library) through the core")
    return out


def _module_file(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)


def _surely_core(root: Path, module: str, name: str, depth: int = 0) -> bool:
    """True when the source alone proves ``from module import name`` gives a y2s_core module or a function or
    class defined in y2s_core: ``name`` is bound once in ``module`` and by a top-level def/class or by an
    import from a y2s_core module that (recursively) proves so, or is not bound there and is a submodule.
    Anything else (an assignment, an import from elsewhere, a name bound twice) is left to importlib."""
    path = _module_file(root, module)
    if path is None or name == "*" or depth > 8:
        return False
    tree = _tree(path)
    binds: list[ast.AST] = []
    for node in _source(path).nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            binds.append(node)
        elif (isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load)) or (
                isinstance(node, ast.Global) and name in node.names):
            binds.append(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            binds += [node for a in node.names if (a.asname or a.name.split(".")[0]) == name]
    if not binds:
        return _module_file(root, f"{module}.{name}") is not None
    if len(binds) > 1:
        return False
    node = binds[0]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node in tree.body
    if isinstance(node, ast.ImportFrom):
        target = _resolve_from(module, path.name == "__init__.py", node)
        original = next(a.name for a in node.names if (a.asname or a.name) == name)
        return _is_under(target, PKG) and _surely_core(root, target, original, depth + 1)
    return False


def pages_reach_google_through_core(root: Path = REPO) -> list[str]:
    """No name a page or app.py imports from y2s_core (``from y2s_core.x import n``) is a Google library's
    module or one of its functions, classes or objects. A name the source proves to be a core def, class or
    module passes; every other is resolved by importing the core (in a subprocess, ``root`` first on
    sys.path) and judged by the ``__name__`` / ``__module__`` of what it is."""
    through = [(f"{_rel(root, path)}:{node.lineno}", node.module, a.name) for path in _faces(root)
               for node in _source(path).nodes if isinstance(node, ast.ImportFrom) and node.level == 0
               and _is_under(node.module or "", PKG) for a in node.names
               if not _surely_core(root, node.module, a.name)]
    if not through:
        return []
    resolved, err = _run_python(root, _RESOLVE, ",".join(GOOGLE_LIBS), json.dumps(through))
    return resolved if resolved is not None else [f"cannot resolve the pages' imports from the core: {err}"]


def page_paths_outside_dashboard(root: Path = REPO) -> list[str]:
    """Only dashboard/ knows where the page scripts live."""
    return [f"{_rel(root, p)}:{i} names a page path" for p in _modules(root) if _in_core_outside(root, p, "dashboard")
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "pages/" in line]


def long_modules(root: Path = REPO) -> list[str]:
    """No module is too long to hold in one's head."""
    out = []
    for p in _modules(root):
        n = len(p.read_text(encoding="utf-8").splitlines())
        if n > MAX_MODULE_LINES and _rel(root, p) not in LONG_BY_DESIGN:
            out.append(f"{_rel(root, p)} has {n} lines (> {MAX_MODULE_LINES})")
    return out


# ------------------------------------------------------------------------------------ the quota ledger

_LEDGER_DML = re.compile(r"\b(insert\s+(or\s+\w+\s+)?into|update|delete\s+from|replace\s+into)\s+[\"'`]?quota_ledger\b",
                         re.IGNORECASE)


def _names_ledger(node: ast.AST) -> bool:
    return any((isinstance(n, ast.Name) and n.id == "quota_ledger")
               or (isinstance(n, ast.Attribute) and n.attr == "quota_ledger")
               or (isinstance(n, ast.Constant) and n.value == "quota_ledger") for n in ast.walk(node))


def quota_ledger_writers(root: Path = REPO) -> list[str]:
    """One writer of the quota ledger: only ``Store.record_quota`` (store/db.py) writes the table (SQLAlchemy
    insert/update/delete or SQL text); only store/ledger.py calls it (quota.py until ledger.py exists);
    no module outside store/ names the ``quota_ledger`` table."""
    caller = next((c for c in LEDGER_CALLERS if (root / c).exists()), LEDGER_CALLERS[-1])
    out: list[str] = []
    for path in [*_modules(root), *_faces(root)]:
        src = _source(path)
        if "record_quota" not in src.text and "quota_ledger" not in src.text:
            continue  # every rule below needs one of the two names written out
        rel = _rel(root, path)
        in_store = rel.startswith(f"{PKG}/store/")

        def writer(node: ast.AST, src: _Source = src, rel: str = rel) -> bool:
            fn = src.function.get(id(node))
            return (rel, fn.name if fn else "") == LEDGER_WRITER

        aliases = {a.asname: a.name.split(".")[-1] for n in src.nodes if isinstance(n, (ast.Import, ast.ImportFrom))
                   for a in n.names if a.asname}  # `from sqlalchemy import insert as ins`: ins is insert
        for node in src.nodes:
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                name = aliases.get(name, name)
                if name == "getattr" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                    name = str(node.args[1].value)  # getattr(store, "record_quota")(...)
                if name == "record_quota" and rel != caller:
                    out.append(f"{rel}:{node.lineno} calls record_quota (only {caller} may)")
                operands = [*node.args, *(k.value for k in node.keywords), *([f.value] if isinstance(
                    f, ast.Attribute) else [])]
                writes = re.search(r"insert|update|delete|upsert|merge", name.lower()) and any(
                    _names_ledger(o) for o in operands)
                if writes and not writer(node):
                    out.append(f"{rel}:{node.lineno} writes the quota ledger outside Store.record_quota")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in src.docstrings:
                if _LEDGER_DML.search(node.value) and not writer(node):
                    out.append(f"{rel}:{node.lineno} writes the quota ledger in SQL outside Store.record_quota")
                elif re.search(r"\bquota_ledger\b", node.value) and not in_store:
                    out.append(f"{rel}:{node.lineno} names the quota_ledger table outside store/")
            elif not in_store and (
                    (isinstance(node, ast.Name) and node.id == "quota_ledger")
                    or (isinstance(node, ast.Attribute) and node.attr == "quota_ledger")
                    or (isinstance(node, ast.alias) and "quota_ledger" in (node.name, node.asname))):
                out.append(f"{rel}:{getattr(node, 'lineno', '?')} names the quota_ledger table outside store/")
    return sorted(set(out))


# ------------------------------------------------------------------------------------------ row dicts


def _dict_literals_by_name(src: _Source) -> dict[int, dict[str, ast.Dict]]:
    """id of each function (0: the module) -> its names assigned a dict literal."""
    scopes: dict[int, dict[str, ast.Dict]] = {}
    for node in src.nodes:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            fn = src.function.get(id(node))
            scopes.setdefault(id(fn) if fn else 0, {}).update(
                (t.id, node.value) for t in node.targets if isinstance(t, ast.Name))
    return scopes


def _literal_keys(d: ast.Dict, bound: dict[str, ast.Dict], depth: int = 0) -> set[str]:
    """The string keys of a dict literal, with those ``**name`` brings in where ``name`` is a dict literal in
    scope (other keys, computed or brought by anything else, are unknown and left out)."""
    keys: set[str] = set()
    for k, v in zip(d.keys, d.values, strict=True):
        if k is None and isinstance(v, ast.Name) and v.id in bound and depth < 5:
            keys |= _literal_keys(bound[v.id], bound, depth + 1)
        elif isinstance(k, ast.Constant) and isinstance(k.value, str):
            keys.add(k.value)
    return keys


def row_dicts_built_by_hand(root: Path = REPO, row_keys: tuple[str, ...] = ROW_KEYS) -> list[str]:
    """Rows come from the one schema (``models.ROW_FIELDS``, ``Video.to_row``): outside models.py and
    emulators/ (which build API JSON), no dict literal or ``dict(...)`` call is a row by hand, that is has
    at least ROW_DICT_MIN_KEYS row keys and no key that is not a row key (the keys ``**name`` brings in,
    where ``name`` is a dict literal of the same function, count). A dict with a foreign key (a snapshot's
    ``taken_at``, a frame's ``key``) is another record, not a row."""
    rows = set(row_keys)
    out = []
    for path in _modules(root):
        rel = _rel(root, path)
        if rel == f"{PKG}/models.py" or not _in_core_outside(root, path, "emulators"):
            continue
        src = _source(path)
        bound = _dict_literals_by_name(src)
        for node in src.nodes:
            if isinstance(node, ast.Dict):
                fn = src.function.get(id(node))
                keys = _literal_keys(node, {**bound.get(0, {}), **bound.get(id(fn) if fn else 0, {})})
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"
                  and not node.args):
                keys = {k.arg for k in node.keywords if k.arg}
            else:
                continue
            if len(keys & rows) >= ROW_DICT_MIN_KEYS and keys <= rows:
                out.append(f"{rel}:{node.lineno} builds a row by hand ({', '.join(sorted(keys))}): "
                           "use Video.to_row / models.ROW_FIELDS")
    return out


# ------------------------------------------------------------------------------ import graph of y2s_core


def _core_modules(root: Path) -> dict[str, Path]:
    return {_module_name(root, p): p for p in _modules(root)}


def _import_graph(root: Path) -> tuple[dict[str, set[str]], list[str]]:
    """(edges between y2s_core modules, `from M import _name` across modules) as ../shared/tools/structure.py
    computes them: module- and function-level imports, relative and absolute, ``if TYPE_CHECKING:`` aside;
    ``from . import x`` is an edge to the submodule x; a module reading its own package's __init__ is not
    an edge (that is how packages share names), the __init__'s imports of its submodules are."""
    mods = _core_modules(root)
    edges: dict[str, set[str]] = {}
    private: list[str] = []
    for name, path in mods.items():
        src = _source(path)
        deps: set[str] = set()
        for node in src.nodes:
            if id(node) in src.type_checking:
                continue
            if isinstance(node, ast.ImportFrom):
                target = _resolve_from(name, path.name == "__init__.py", node)
                if not _is_under(target, PKG):
                    continue
                for a in node.names:
                    full = f"{target}.{a.name}"
                    dep = full if full in mods else target
                    if dep in mods and dep != name:
                        deps.add(dep)
                    if (a.name.startswith("_") and not a.name.startswith("__") and "emulators" not in name
                            and "emulators" not in target and target != name):
                        private.append(f"{name} <- {target}.{a.name}")
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in mods and a.name != name)
        private += _private_attributes(name, path, src, mods)
        edges[name] = {d for d in deps if not name.startswith(d + ".")}
    return edges, sorted(set(private))


def _private_attributes(name: str, path: Path, src: _Source, mods: dict[str, Path]) -> list[str]:
    """``cells._text`` where ``cells`` names another y2s_core module (``from . import cells``,
    ``import y2s_core.sheets.cells as cells`` or the dotted name itself): `from M import _name` by another road."""
    bound: dict[str, str] = {}
    for node in src.nodes:
        if isinstance(node, ast.ImportFrom):
            target = _resolve_from(name, path.name == "__init__.py", node)
            bound.update((a.asname or a.name, f"{target}.{a.name}") for a in node.names if f"{target}.{a.name}" in mods)
        elif isinstance(node, ast.Import):
            bound.update((a.asname, a.name) for a in node.names if a.asname and a.name in mods)
    out = []
    for node in src.nodes:
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            value = ast.unparse(node.value)
            target = bound.get(value, value if value in mods else "")
            if target and target != name and "emulators" not in name and "emulators" not in target:
                out.append(f"{name} <- {target}.{node.attr} (as an attribute)")
    return out


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the strongly connected components, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def import_cycles(root: Path = REPO) -> list[str]:
    """No import cycle among y2s_core modules (function-level imports count; TYPE_CHECKING ones do not)."""
    edges, _ = _import_graph(root)
    return sorted("cycle {" + ", ".join(c) + "}" for c in _strongly_connected(edges) if len(c) > 1)


def private_imports(root: Path = REPO) -> list[str]:
    """No module imports another module's private name (`from M import _name`, or ``M._name`` where M is
    a y2s_core module bound by an import; emulators/ aside)."""
    _, private = _import_graph(root)
    return [f"private import {p}" for p in private]


GUARDS: dict[str, Guard] = {
    "public_api": public_api_violations,
    "streamlit_outside_dashboard": streamlit_outside_dashboard,
    "core_loads_streamlit": core_loads_streamlit,
    "plotly_outside_dashboard": plotly_outside_dashboard,
    "pages_import_google": pages_import_google,
    "pages_reach_google_through_core": pages_reach_google_through_core,
    "page_paths_outside_dashboard": page_paths_outside_dashboard,
    "long_modules": long_modules,
    "quota_ledger_writers": quota_ledger_writers,
    "row_dicts_built_by_hand": row_dicts_built_by_hand,
    "import_cycles": import_cycles,
    "private_imports": private_imports,
}


# ------------------------------------------------------------------------------ the guards, on this repo


def test_all_lists_exactly_the_public_names_and_no_private_one():
    assert public_api_violations(REPO) == []


def test_only_the_dashboard_package_imports_streamlit():
    assert streamlit_outside_dashboard(REPO) == []


def test_the_core_and_its_faces_load_without_streamlit():
    assert core_loads_streamlit(REPO) == []


def test_only_the_dashboard_and_the_pages_use_plotly():
    assert plotly_outside_dashboard(REPO) == []


def test_pages_never_import_google_libraries():
    assert pages_import_google(REPO) == []


def test_pages_never_reach_google_libraries_through_the_core():
    assert pages_reach_google_through_core(REPO) == []


def test_only_the_dashboard_knows_a_page_path():
    assert page_paths_outside_dashboard(REPO) == []


def test_no_module_is_too_long_to_hold_in_ones_head():
    assert long_modules(REPO) == []


def test_the_quota_ledger_has_one_writer_and_one_caller():
    assert quota_ledger_writers(REPO) == []


def test_rows_are_built_from_the_schema_not_by_hand():
    assert row_dicts_built_by_hand(REPO) == []


def test_no_import_cycle_among_core_modules():
    assert import_cycles(REPO) == []


def test_no_module_imports_another_modules_private_name():
    assert private_imports(REPO) == []


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
