#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests, on loopback (it refuses to run as root, so it runs
# as the `postgres` user).
#
#   pg_server.sh start DIR   # starts it; writes DIR/env (sourceable): STRATA_TEST_PG_URL, the
#                            # URL of its `postgres` database (tests create their own databases)
#   pg_server.sh stop DIR    # stops it and removes DIR
set -euo pipefail

die() { echo "pg_server: $*" >&2; exit 1; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

start() {
  local dir=$1
  [ -x "$PGBIN/initdb" ] || die "PostgreSQL not found (scripts/install_deps.sh installs postgresql)"
  id postgres >/dev/null 2>&1 || die "no 'postgres' user (the postgresql package creates it)"
  mkdir -p "$dir"
  # The data lives where the postgres user can reach it whatever DIR's parents allow (a clone
  # under /root is not reachable by other users); DIR keeps where.
  local data
  data=$(mktemp -d /tmp/strata-pg.XXXXXX)
  chown postgres: "$data"
  echo "$data" >"$dir/datadir"
  local port
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  runuser -u postgres -- "$PGBIN/initdb" -D "$data/data" -U postgres -A trust -E UTF8 --no-locale \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data/data" -l "$data/pg.log" -w -o \
    "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    start >/dev/null || { cat "$data/pg.log" >&2; die "server did not start"; }
  echo "export STRATA_TEST_PG_URL=postgres://postgres@127.0.0.1:$port/postgres" >"$dir/env"
  cat "$dir/env"
}

stop() {
  local dir=$1 data
  data=$(cat "$dir/datadir" 2>/dev/null || true)
  if [ -n "$data" ] && [ -d "$data/data" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "$data" ]; then rm -rf "$data"; fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:?DIR}" ;;
  stop) stop "${2:?DIR}" ;;
  *) die "usage: pg_server.sh start|stop DIR" ;;
esac
