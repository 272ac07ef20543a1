"""The README's first commands work on a fresh clone as written: the demo-mode block of "Command line" is run
line by line (bash, no credentials, the built-in emulator), each exiting 0 (issue 19: the README's sync example
exited 2, though it was a dry run)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def demo_block() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "no bash block under Command line"
    lines = [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert lines and all(line.startswith(".venv/bin/python -m y2s_core ") for line in lines), lines
    return lines


def test_every_demo_command_of_the_readme_runs_as_written(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YOUTUBE_", "GOOGLE_", "Y2S_"))}
    env.update(PYTHONPATH=str(REPO), Y2S_DATA_DIR=str(tmp_path / "data"))
    for line in demo_block():
        command = line.replace(".venv/bin/python", sys.executable, 1)
        done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, (line, done.stderr[-2000:])
        assert "Traceback" not in done.stderr, (line, done.stderr)
    assert (tmp_path / "videos.xlsx").exists()  # the push wrote the workbook; the dry run planned against it
