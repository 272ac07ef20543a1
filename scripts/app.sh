#!/usr/bin/env bash
# Run the dashboard. With no credentials it runs in demo mode on the built-in YouTube emulator.
# Usage: scripts/app.sh [extra streamlit args, e.g. --server.port 8502]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app
exec .venv/bin/python -m streamlit run app.py "$@"
