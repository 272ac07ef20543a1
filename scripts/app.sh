#!/usr/bin/env bash
# Run the dashboard. With no credentials it runs in demo mode on the built-in YouTube emulator.
# It listens on loopback only (http://127.0.0.1:8501): nothing else on the network can reach it. To expose it
# (a LAN, a container, a VM), pass --expose (every interface) or set Y2S_APP_HOST to the address to listen on
# (Y2S_APP_HOST=0.0.0.0); Y2S_APP_PORT sets the port. Anyone who can reach it can spend the configured YouTube
# key and write to the configured Sheets: put it behind a proxy with authentication, or a firewall.
# Usage: scripts/app.sh [--expose] [extra streamlit args, e.g. --server.port 8502]
set -euo pipefail
cd "$(dirname "$0")/.."
host="${Y2S_APP_HOST:-127.0.0.1}"
port="${Y2S_APP_PORT:-8501}"
if [ "${1:-}" = "--expose" ]; then
  host=0.0.0.0
  shift
fi
quiet=()
if [ "$host" = 0.0.0.0 ] || [ "$host" = "::" ]; then
  # Streamlit would look up this machine's public IP (a request to an outside service, and "Did not auto detect
  # external IP" when it fails): say the address here instead
  quiet=(--logger.hideWelcomeMessage true)
  echo "The app listens on every interface, port $port: http://$(hostname -f 2>/dev/null || hostname):$port"
fi
scripts/setup.sh app
exec .venv/bin/python -m streamlit run app.py --server.address "$host" --server.port "$port" \
  --server.headless true --browser.gatherUsageStats false "${quiet[@]}" "$@"
