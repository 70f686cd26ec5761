#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 server:
#   scripts/with-postgres.sh cargo test -p omskit-postgres
# The server lives in a temporary directory, listens on a free port of
# 127.0.0.1, is reachable at $OMSKIT_TEST_PG_URL, and is stopped (and its
# directory removed) when the command ends, whether it passed or not.
# $OMSKIT_PG_SETTINGS adds server settings (`-c name=value ...`).
set -euo pipefail

for program in initdb pg_ctl postgres; do
    command -v "$program" >/dev/null || { echo "with-postgres: $program is not on the PATH" >&2; exit 1; }
done

# initdb refuses to run as root: run the server programs as `postgres` then.
as_server_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d /tmp/omskit-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
    as_server_user pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

as_server_user initdb -D "$dir/data" -U omskit --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
as_server_user pg_ctl -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 ${OMSKIT_PG_SETTINGS:-}" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }

export OMSKIT_TEST_PG_URL="postgresql://omskit@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $(postgres --version | awk '{print $3}') at $OMSKIT_TEST_PG_URL"
"$@"
