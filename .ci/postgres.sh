#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the run index's tests, in a cluster of its own in a
# temporary folder (installs Debian's postgresql first if it is missing):
#
#   eval "$(.ci/postgres.sh start)"   # prints the exports: BENCH_TEST_POSTGRES_URL, BENCH_TEST_POSTGRES_DIR
#   pytest tests/bench/record/test_index.py
#   .ci/postgres.sh stop              # stops the server and removes its folder
#
# Only the exports go to stdout; everything else goes to stderr. The server listens on 127.0.0.1
# on a free port, with a role and database `bench` (password `bench`, allowed to create databases:
# the tests make one each). PostgreSQL refuses to run as root: as root, the server runs as the
# `postgres` user the package creates.
set -euo pipefail

bin_dir() {  # the newest server's programs (a client alone has no initdb)
    ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 | xargs -r dirname
}

as_server() {  # run a server command as its owner
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    if [ -z "$(bin_dir)" ]; then
        echo "installing PostgreSQL (apt-get)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends postgresql >&2
    fi
    bin=$(bin_dir)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/powerbench-postgres.XXXXXX")
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo postgres > "$dir/password"
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; fi
    as_server "$bin/initdb" -D "$dir/data" -U postgres -A scram-sha-256 --pwfile="$dir/password" --no-sync \
        --encoding=UTF8 --locale=C > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # fsync off: a throwaway server for tests, gone at the end
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >&2
    PGPASSWORD=postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE bench LOGIN CREATEDB PASSWORD 'bench'" -c "CREATE DATABASE bench OWNER bench" >&2
    echo "export BENCH_TEST_POSTGRES_URL=postgresql://bench:bench@127.0.0.1:$port/bench"
    echo "export BENCH_TEST_POSTGRES_DIR=$dir"
    ;;
stop)
    dir=${BENCH_TEST_POSTGRES_DIR:?"not set: give the folder .ci/postgres.sh start printed"}
    if [ -d "$dir/data" ]; then
        as_server "$(bin_dir)/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
