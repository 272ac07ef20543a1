#!/usr/bin/env bash
# Idempotent set-up on a fresh machine: a virtualenv in .venv with the project's requirements.
# Usage: scripts/setup.sh [app|dev]   (dev adds the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:-app}"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
req=requirements.txt
[ "$want" = dev ] && req=requirements-dev.txt
stamp=".venv/.installed-$want"
if [ ! -f "$stamp" ] || [ "$req" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q -r "$req"
  touch "$stamp"
fi
