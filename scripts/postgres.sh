#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store tests: loopback only, trust auth, in a folder of its own.
#   scripts/postgres.sh start DIR   initdb + pg_ctl start in DIR; prints the URL (postgresql://y2s@127.0.0.1:PORT/postgres)
#   scripts/postgres.sh stop DIR    pg_ctl stop (fast); the caller removes DIR
#   scripts/postgres.sh bindir      prints the folder holding initdb and pg_ctl, or fails
# PostgreSQL refuses to run as root: as root, the server runs as `nobody` and DIR is handed to it.
set -euo pipefail

bindir() {
  local d
  for d in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
    if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  echo "no initdb/pg_ctl found (Debian: apt-get install postgresql)" >&2
  return 1
}

as_owner() {  # run a PostgreSQL tool as the folder's owner (never root)
  if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

cmd="${1:-}"; dir="${2:-}"
case "$cmd" in
  bindir) bindir ;;
  start)
    [ -n "$dir" ] || { echo "usage: $0 start DIR" >&2; exit 2; }
    bin="$(bindir)"
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown nobody "$dir"; chmod 700 "$dir"; fi
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    cd "$dir"  # the tools chdir nowhere they cannot read
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U y2s -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
      || { tail -3 "$dir/initdb.log" >&2; exit 1; }
    # durability off: a test database lives for one run
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null || { tail -3 "$dir/server.log" >&2; exit 1; }
    echo "postgresql://y2s@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -n "$dir" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
    [ -d "$dir/data" ] || exit 0
    bin="$(bindir)"
    cd "$dir"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start DIR | stop DIR | bindir" >&2; exit 2 ;;
esac
