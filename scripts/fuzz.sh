#!/usr/bin/env bash
# The marked fuzz run: every fuzzed input (tests/test_fuzz.py) with Y2S_FUZZ_EXAMPLES cases per test.
# 6 tests x 1,700 = 10,200 cases by default; the suite's own run samples 25 per test.
# Usage: scripts/fuzz.sh [cases per test] [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
export Y2S_FUZZ_EXAMPLES="${1:-1700}"
shift || true
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$SECONDS
status=0
.venv/bin/python -m pytest -m fuzz -q -p no:cacheprovider tests/test_fuzz.py --hypothesis-show-statistics "$@" \
  > "$log" 2>&1 || status=$?
cat "$log"
# the REST API's input grammars and its OpenAPI document, with more cases than the suite draws
Y2S_API_EXAMPLES=500 Y2S_API_EXAMPLES_RUN=25 .venv/bin/python -m pytest -q -p no:cacheprovider \
  tests/test_api_inputs.py tests/test_api_schema.py -k "grammar or schemathesis" >> "$log" 2>&1 || status=$?
cases=$(grep -Eo '[0-9]+ passing' "$log" | awk '{n += $1} END {print n + 0}')
echo "fuzz: ${cases} cases passed in $((SECONDS - start)) s (exit ${status})"
exit "$status"
