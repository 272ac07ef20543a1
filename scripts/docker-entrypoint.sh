#!/bin/sh
# The Docker image's entry point (also runs from a checkout with `python` on PATH).
#
#   app (default)          the Streamlit dashboard on ${Y2S_APP_HOST:-0.0.0.0}:${Y2S_APP_PORT:-8501}
#   api                    the REST API on ${Y2S_API_HOST:-0.0.0.0}:${Y2S_API_PORT:-8000}; beyond loopback it
#                          refuses to start (exit 2) unless Y2S_API_TOKEN is set
#   fetch|push|sync|history ...   the CLI (python -m y2s_core ...)
#   healthcheck            exit 0 when the dashboard's /_stcore/health or the API's /api/v1/health answers
#   anything else          run as a command
#
# Docker secrets: NAME_FILE=/run/secrets/x sets NAME to that file's text (trailing newlines dropped) for the
# variables that hold a secret: Y2S_API_TOKEN, Y2S_DATABASE_URL, PGPASSWORD (libpq's: the database password
# when Y2S_DATABASE_URL has none), YOUTUBE_API_KEY. A NAME_FILE that cannot be read is exit 2.
set -eu
cd "$(dirname "$0")/.."

for name in Y2S_API_TOKEN Y2S_DATABASE_URL PGPASSWORD YOUTUBE_API_KEY; do
  eval "file=\${${name}_FILE:-}"
  [ -n "$file" ] || continue
  if [ ! -f "$file" ] || [ ! -r "$file" ]; then
    echo "error: ${name}_FILE=$file is not a readable file (a Docker secret is mounted at /run/secrets/NAME)." >&2
    exit 2
  fi
  value="$(cat "$file")"
  eval "export $name=\"\$value\""
  unset "${name}_FILE"
done
unset file value

mode="${1:-app}"
[ "$#" -gt 0 ] && shift

case "$mode" in
  app)
    exec python -m streamlit run app.py \
      --server.address "${Y2S_APP_HOST:-0.0.0.0}" --server.port "${Y2S_APP_PORT:-8501}" \
      --server.headless true --browser.gatherUsageStats false "$@"
    ;;
  api)
    exec python -m y2s_core api --host "${Y2S_API_HOST:-0.0.0.0}" --port "${Y2S_API_PORT:-8000}" "$@"
    ;;
  fetch|push|sync|history)
    exec python -m y2s_core "$mode" "$@"
    ;;
  healthcheck)
    exec python - <<'PY'
import os
import sys
import urllib.request

urls = [f"http://127.0.0.1:{os.environ.get('Y2S_APP_PORT', '8501')}/_stcore/health",
        f"http://127.0.0.1:{os.environ.get('Y2S_API_PORT', '8000')}/api/v1/health"]
for url in urls:
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:
            if answer.status == 200:
                sys.exit(0)
    except OSError:
        pass
print("unhealthy: neither " + " nor ".join(urls) + " answers", file=sys.stderr)
sys.exit(1)
PY
    ;;
  *)
    exec "$mode" "$@"
    ;;
esac
