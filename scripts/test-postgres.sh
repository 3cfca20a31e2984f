#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the test suite on 127.0.0.1:${OWED_PG_PORT:-54329}
# and prints the URL to use as OWED_TEST_PG_URL. Installs PostgreSQL from Debian when missing.
# Usage: eval "$(scripts/test-postgres.sh start)"   |   scripts/test-postgres.sh stop
set -euo pipefail

port="${OWED_PG_PORT:-54329}"
data="${OWED_PG_DATA:-/tmp/owed-test-pg}"
action="${1:-start}"

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$dir" ] && command -v pg_config >/dev/null 2>&1; then dir=$(pg_config --bindir); fi
  echo "$dir"
}

as_postgres() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "$action" = "stop" ]; then
  bin=$(pg_bin)
  [ -n "$bin" ] && [ -d "$data" ] && as_postgres "$bin/pg_ctl" -D "$data" stop -m fast >&2 || true
  exit 0
fi

bin=$(pg_bin)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "installing PostgreSQL from Debian's packages…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y postgresql >&2
  bin=$(pg_bin)
fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "PostgreSQL is not installed and could not be installed" >&2
  exit 1
fi

if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
fi

if ! as_postgres "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q 2>/dev/null; then
  rm -rf "$data"
  mkdir -p "$data"
  [ "$(id -u)" = "0" ] && chown postgres "$data"
  as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2
  as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >&2
fi
echo "export OWED_TEST_PG_URL=postgres://postgres@127.0.0.1:$port/postgres"
