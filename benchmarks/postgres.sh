#!/usr/bin/env bash
# A throwaway PostgreSQL 15 (Debian's package postgresql) for the benchmark scripts: loopback only, data in a temp
# folder, tuned for a 2-core machine but with durable commits (fsync and synchronous_commit on), so that numbers
# measured against it hold for a real deployment. Prints two lines: DIR=... and URL=postgres://...
#   benchmarks/postgres.sh [start] [PORT]     start (a free port when none is given)
#   benchmarks/postgres.sh stop DIR           stop it and remove DIR
# A script may source the output:  eval "$(benchmarks/postgres.sh)"; ...; benchmarks/postgres.sh stop "$DIR"
# PostgreSQL refuses to run as root: as root, the folder goes to nobody (65534) and the programs run as nobody.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
user=keelson
database=keelson

as_owner() {
    if [ "$(id -u)" = 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi
}

stop() {
    local dir=$1
    [ -f "$dir/data/postmaster.pid" ] || { echo "no PostgreSQL runs in $dir (no data/postmaster.pid)" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    rm -rf "$dir"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local port=${1:-$(free_port)}
    [ -x "$bin/postgres" ] || { echo "PostgreSQL 15 is missing ($bin/postgres): apt-get install -y postgresql" >&2; exit 1; }
    local dir
    dir=$(mktemp -d /tmp/keelson-bench-postgres-XXXXXX)
    mkdir "$dir/sockets"
    [ "$(id -u)" = 0 ] && chown -R 65534:65534 "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U "$user" -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }
    # 2 cores, a few GB of memory: modest buffers, a handful of parallel workers; commits are durable.
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/sockets'
max_connections = 200
shared_buffers = 256MB
effective_cache_size = 1GB
work_mem = 8MB
maintenance_work_mem = 128MB
max_worker_processes = 2
max_parallel_workers = 2
max_parallel_workers_per_gather = 1
wal_buffers = 16MB
max_wal_size = 2GB
checkpoint_completion_target = 0.9
random_page_cost = 1.1
fsync = on
synchronous_commit = on
full_page_writes = on
CONF
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
        cat "$dir/server.log" >&2
        rm -rf "$dir"
        exit 1
    fi
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U "$user" -d postgres -qc "CREATE DATABASE $database" >/dev/null
    echo "DIR=$dir"
    echo "URL=postgres://$user@127.0.0.1:$port/$database"
}

case ${1:-start} in
    start) start "${2:-}" ;;
    stop) [ $# -eq 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }; stop "$2" ;;
    [0-9]*) start "$1" ;;
    *) echo "usage: $0 [start] [PORT] | stop DIR" >&2; exit 2 ;;
esac
