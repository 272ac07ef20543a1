#!/usr/bin/env bash
# Every check: lint, unit, contract (real client libraries against the emulators), app (AppTest),
# CLI end to end, and the real-browser test (Playwright driving Debian's chromium).
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
exec .venv/bin/python -m pytest "$@"
