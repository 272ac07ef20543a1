"""Every test that reads ../shared/fixtures honours one override: the conftest's ``Y2S_SHARED_FIXTURES``."""

from __future__ import annotations

import re
import subprocess
import sys

from .conftest import REPO

# a path built to the shared folder by hand: a "shared" path segment joined with / or written out with ../
_HAND_BUILT = re.compile(r"""parents\[\d\]\s*/\s*["']shared["']|["']\.\./shared/|/\s*["']shared["']\s*/\s*["']fixtures""")


def test_no_test_module_builds_its_own_path_to_the_shared_fixtures():
    offenders = [p.name for p in sorted((REPO / "tests").glob("*.py"))
                 if p.name != "conftest.py" and _HAND_BUILT.search(p.read_text(encoding="utf-8"))]
    offenders += [p.name for p in sorted((REPO / "benchmarks").glob("*.py"))
                  if _HAND_BUILT.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_override_moves_every_fixture_reader(tmp_path):
    """With Y2S_SHARED_FIXTURES pointing at a folder that does not exist, every fixture-reading test skips
    naming that folder (none reads the default place behind the override's back)."""
    code = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
         "tests/test_real_fixtures.py", "tests/test_emulator_youtube.py", "tests/test_emulator_sheets.py",
         "tests/test_sheets_google.py", "-k", "recorded or fixture or cassette or real"],
        cwd=REPO, env={"Y2S_SHARED_FIXTURES": str(tmp_path / "absent"), "PATH": "/usr/bin:/bin",
                       "HOME": str(tmp_path)},
        capture_output=True, text=True, timeout=300,
    )
    out = code.stdout
    assert code.returncode == 0, out[-2000:]
    skipped = [ln for ln in out.splitlines() if ln.startswith("SKIPPED")]
    assert skipped and all(str(tmp_path) in ln for ln in skipped), out[-2000:]
