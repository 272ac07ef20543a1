#!/usr/bin/env bash
# Every check: lint, unit, contract (real client libraries against the emulators), app (AppTest),
# CLI end to end, the real-browser tests (Playwright driving Debian's chromium), a fuzz sample; then the
# line coverage of y2s_core. The long fuzz run is scripts/fuzz.sh.
# Usage: scripts/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev

# Debian's chromium for the browser test (Playwright's own browser download does not work here).
if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser test..." >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
export Y2S_CHROMIUM="${Y2S_CHROMIUM:-/usr/bin/chromium}"

.venv/bin/ruff check .

# Line coverage of y2s_core, measured in the same run (pytest-cov; settings in pyproject.toml). The whole
# suite must reach 90%; a partial run (extra arguments) only reports. It ends "Total coverage: N%".
COV=(--cov=y2s_core --cov-report=term:skip-covered)
if [ "$#" -eq 0 ]; then COV+=(--cov-fail-under=90); fi
exec .venv/bin/python -m pytest "${COV[@]}" "$@"
