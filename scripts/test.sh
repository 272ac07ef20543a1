#!/usr/bin/env bash
# Every check: lint, unit, contract (real client libraries against the emulators), app (AppTest), the store
# on SQLite and on a throwaway PostgreSQL server, CLI end to end, the real-browser tests (Playwright driving
# Debian's chromium), a fuzz sample; then the line coverage of y2s_core. The long fuzz run is scripts/fuzz.sh.
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

# ---- PostgreSQL for the store tests (tests/test_store*.py run on SQLite and on this server) -------------
# Debian's postgresql (installed with apt when initdb/pg_ctl are missing), started on 127.0.0.1 in a temporary
# folder by scripts/postgres.sh and stopped on exit. The tests read Y2S_TEST_DATABASE_URL; where the server
# cannot start, Y2S_TEST_POSTGRES_SKIP says why and the PostgreSQL cases are reported as skipped with it.
if ! scripts/postgres.sh bindir >/dev/null 2>&1; then
  echo "installing Debian's postgresql for the store tests..." >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null; } \
    || echo "warning: could not install postgresql" >&2
fi
Y2S_PG_DIR="$(mktemp -d /tmp/y2s-pg.XXXXXX)"
trap 'scripts/postgres.sh stop "$Y2S_PG_DIR"; rm -rf "$Y2S_PG_DIR"' EXIT
if Y2S_TEST_DATABASE_URL="$(scripts/postgres.sh start "$Y2S_PG_DIR" 2>"$Y2S_PG_DIR.err")"; then
  export Y2S_TEST_DATABASE_URL
else
  export Y2S_TEST_POSTGRES_SKIP="PostgreSQL could not be started: $(tail -1 "$Y2S_PG_DIR.err")"
  echo "warning: $Y2S_TEST_POSTGRES_SKIP" >&2
fi
rm -f "$Y2S_PG_DIR.err"
# ---- end PostgreSQL --------------------------------------------------------------------------------------

.venv/bin/ruff check .

# Line coverage of y2s_core, measured in the same run (pytest-cov; settings in pyproject.toml). The whole
# suite must reach 90%; a partial run (extra arguments) only reports. It ends "Total coverage: N%".
COV=(--cov=y2s_core --cov-report=term:skip-covered)
if [ "$#" -eq 0 ]; then COV+=(--cov-fail-under=90); fi
# In parallel (pytest-xdist); pytest-cov adds up the workers' coverage. Tests that must
# not run beside each other form a group (tests/conftest.py). `scripts/test.sh -n 0` runs serially.
# One worker per core: with one more (tried 2026-12-07: 4-6 min either way on this machine), the browser tests'
# streamlit and chromium were starved beside two busy workers and timed out once in six runs.
XDIST=(-n auto --dist loadgroup)
.venv/bin/python -m pytest "${XDIST[@]}" "${COV[@]}" "$@"  # not exec: the EXIT trap stops the PostgreSQL server
