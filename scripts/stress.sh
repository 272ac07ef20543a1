#!/usr/bin/env bash
# The flake hunt: the store, tab, failure and local-file tests run N times in a row (default 20) while a busy
# loop runs on every core, as on a shared or loaded machine. A test that fails here is a bug (it waits on time,
# not on an event). Runs pytest as scripts/test.sh does (in parallel, PostgreSQL cases included; no coverage).
# Usage: scripts/stress.sh [N] [extra pytest args]      e.g. scripts/stress.sh 5 -n 0 -k kill_9
# Prints one line per round and "stress: N rounds, P passed, F failed (T failed tests)"; the log of a failed
# round is kept in test-artifacts/stress/. Exit status 1 when any round failed.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-20}"
shift || true
[[ "$rounds" =~ ^[0-9]+$ ]] || { echo "usage: $0 [N] [extra pytest args]" >&2; exit 2; }
scripts/setup.sh dev
FILES=(tests/test_store*.py tests/test_tabs*.py tests/test_failures.py tests/test_local_files.py)
LOGS=test-artifacts/stress
mkdir -p "$LOGS" && rm -f "$LOGS"/round-*.log

busy=()
Y2S_PG_DIR=""
running=""
cleanup() {
  if [ -n "$running" ]; then kill "$running" 2>/dev/null || true; wait "$running" 2>/dev/null || true; fi
  if [ "${#busy[@]}" -gt 0 ]; then kill "${busy[@]}" 2>/dev/null || true; wait "${busy[@]}" 2>/dev/null || true; fi
  if [ -n "$Y2S_PG_DIR" ]; then scripts/postgres.sh stop "$Y2S_PG_DIR"; rm -rf "$Y2S_PG_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One PostgreSQL server for every round (as scripts/test.sh; without one, store_backends starts its own or skips).
if [ -z "${Y2S_TEST_DATABASE_URL:-}" ] && scripts/postgres.sh bindir >/dev/null 2>&1; then
  Y2S_PG_DIR="$(mktemp -d /tmp/y2s-pg.XXXXXX)"
  if url="$(scripts/postgres.sh start "$Y2S_PG_DIR" 2>/dev/null)"; then export Y2S_TEST_DATABASE_URL="$url"; fi
fi

cores="$(nproc)"
for _ in $(seq "$cores"); do  # a busy loop per core, children of this script (stopped on exit)
  python3 -c 'while True: pass' &
  busy+=("$!")
done
echo "stress: ${#busy[@]} busy loops on $cores cores; $rounds rounds of ${FILES[*]}"

passed=0 failed=0 failed_tests=0
start=$SECONDS
for round in $(seq "$rounds"); do
  log="$LOGS/round-$round.log"
  t0=$SECONDS
  .venv/bin/python -m pytest -p no:cacheprovider -n auto --dist loadgroup "${FILES[@]}" "$@" >"$log" 2>&1 &
  running=$!  # waited for in the background: a kill of this script stops the round at once
  if wait "$running"; then
    passed=$((passed + 1))
    echo "round $round: passed in $((SECONDS - t0)) s ($(tail -1 "$log" | tr -d '='))"
    rm -f "$log"
  else
    failed=$((failed + 1))
    n="$(grep -c '^FAILED\|^ERROR' "$log" || true)"
    failed_tests=$((failed_tests + n))
    echo "round $round: FAILED in $((SECONDS - t0)) s ($(tail -1 "$log" | tr -d '=')); log: $log"
    grep '^FAILED\|^ERROR' "$log" | sed 's/^/    /' || true
  fi
  running=""
done
echo "stress: $rounds rounds, $passed passed, $failed failed ($failed_tests failed tests) in $((SECONDS - start)) s"
[ "$failed" -eq 0 ]
