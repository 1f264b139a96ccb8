#!/usr/bin/env bash
# Throughput and latency of the Omaha update check, against Kestrel echoing the same body in the same run.
# Needs wrk (apt-get install -y wrk). Prints a table with each case's ratio to the baseline.
#   benchmarks/omaha-check.sh [DURATION] [CONNECTIONS] [sqlite|postgresql]
# postgresql: the server runs on a throwaway PostgreSQL on this same machine (benchmarks/postgres.sh, durable commits).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
connections=${2:-64}
store=${3:-sqlite}
work=$(mktemp -d)
pids=()
pg_dir=""
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -n "$pg_dir" ]; then sleep 0.5; benchmarks/postgres.sh stop "$pg_dir" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
database=()
case $store in
    sqlite) ;;
    postgresql)
        eval "$(benchmarks/postgres.sh)"
        pg_dir=$DIR
        database=(--database "$URL")
        ;;
    *) echo "usage: benchmarks/omaha-check.sh [DURATION] [CONNECTIONS] [sqlite|postgresql]" >&2; exit 2 ;;
esac

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
# The server as users run it (./keelson: Release, ReadyToRun), against the baseline built the same way.
./keelson --version >/dev/null
dotnet build -c Release -v quiet -nologo benchmarks/KestrelBaseline >/dev/null
keelson=$PWD/.keelson/keelson
baseline=benchmarks/KestrelBaseline/bin/Release/net10.0/KestrelBaseline

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
server_port=$(free_port)
baseline_port=$(free_port)

wait_for() { for _ in $(seq 100); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

# Every simulated machine checks in from 127.0.0.1, which is what the limits against floods count: they are set off
# explicitly, so that the hot path is measured, not the 429s.
limits_off=(--limit-checks 0 --limit-new-machines 0 --limit-downloads 0 --limit-fleetlock 0 --limit-fleetlock-groups 0 --limit-connections 0)
"$keelson" server --data "$work/data" "${database[@]}" "${limits_off[@]}" --listen http://127.0.0.1:$server_port >"$work/server.log" 2>&1 &
pids+=($!)
server_pid=$!
ASPNETCORE_URLS=http://127.0.0.1:$baseline_port "$baseline" >"$work/baseline.log" 2>&1 &
pids+=($!)
baseline_pid=$!
wait_for http://127.0.0.1:$server_port/health
wait_for http://127.0.0.1:$baseline_port/hello

export KEELSON_SERVER=http://127.0.0.1:$server_port KEELSON_TOKEN
KEELSON_TOKEN=$(cat "$work/data/admin-token")
head -c 1M /dev/urandom >"$work/flatcar_production_update.gz"
"$keelson" package publish --version 2605.10.0 --file "$work/flatcar_production_update.gz" >/dev/null
"$keelson" channel set stable --version 2605.10.0 >/dev/null

sample=test/samples/omaha/request-updatecheck.xml
sed 's/version="2512.2.0" track/version="2605.10.0" track/' "$sample" >"$work/current.xml"   # up to date: noupdate
cp "$sample" "$work/behind.xml"                                                                # 2512.2.0: offered 2605.10.0

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system time of a process, in clock ticks
# PostgreSQL's CPU time in clock ticks: the postmaster and its processes, and those that have ended (the
# postmaster's children time). SQLite runs inside the server, so there it is 0.
db_ticks() {
    [ -n "$pg_dir" ] || { echo 0; return; }
    local postmaster; postmaster=$(head -1 "$pg_dir/data/postmaster.pid")
    { awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat"
      for child in $(pgrep -P "$postmaster"); do awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || true; done
    } | awk '{t += $1} END {print t}'
}

# Waits until the server is idle (under 5% of a core for a second, at most 60 s): the work a case leaves behind
# (first sightings still being written, counts being folded) is not charged to the next case.
settle() {
    local before
    for _ in $(seq 60); do
        before=$(cpu_ticks "$server_pid"); sleep 1
        (( $(cpu_ticks "$server_pid") - before < $(getconf CLK_TCK) / 20 )) && return 0
    done
}

run() { # NAME URL BODY [MACHINES] [PATH]
    local pid=$server_pid; [[ $1 == baseline ]] && pid=$baseline_pid
    settle
    BODY_FILE=$3 MACHINES=${4:-10000} WRK_PATH=${5:-/v1/update/} wrk -t2 -c"$connections" -d10s -s benchmarks/omaha-check.lua "$2" >/dev/null
    local before db_before; before=$(cpu_ticks "$pid"); db_before=$(db_ticks)
    BODY_FILE=$3 MACHINES=${4:-10000} WRK_PATH=${5:-/v1/update/} wrk -t2 -c"$connections" -d"$duration" --latency -s benchmarks/omaha-check.lua "$2" >"$work/$1.txt"
    echo $(( $(cpu_ticks "$pid") - before )) >"$work/$1.cpu"
    echo $(( $(db_ticks) - db_before )) >"$work/$1.dbcpu"
    if grep -q "Non-2xx" "$work/$1.txt"; then echo "$1: errors in the answers" >&2; cat "$work/$1.txt" >&2; exit 1; fi
}

# Warm-up: a long-running server has compiled its hot paths to their final tier; the first seconds of one do not.
# Each case also gets 10 s of its own load before it is measured (run): after 3 s, the server was still compiling
# a first check's methods at about 170 a second, and a first check cost 236-268 us of CPU instead of 147-150.
BODY_FILE="$work/current.xml" MACHINES=1000 wrk -t2 -c"$connections" -d10s -s benchmarks/omaha-check.lua http://127.0.0.1:$server_port >/dev/null
BODY_FILE="$work/current.xml" MACHINES=1000 WRK_PATH=/echo wrk -t2 -c"$connections" -d5s -s benchmarks/omaha-check.lua http://127.0.0.1:$baseline_port >/dev/null
run baseline http://127.0.0.1:$baseline_port "$work/current.xml" 10000 /echo
# First sight: every check is a new machine, inserted in its own write transaction.
run first-checks http://127.0.0.1:$server_port "$work/current.xml" 1000000000
# Steady state: 1000 known machines that are up to date (the common case: batched last-seen writes).
run routine http://127.0.0.1:$server_port "$work/current.xml" 1000
# A rollout: every check is a machine behind the channel, granted the update in its own write transaction.
run grants http://127.0.0.1:$server_port "$work/behind.xml" 1000000000

rps() { awk '/Requests\/sec/ {print $2}' "$work/$1.txt"; }
p() { awk -v q="$2" '$1 == q {print $2}' "$work/$1.txt"; }
# The server's CPU time per answered request (steadier than requests/s when other work shares the machine), and
# PostgreSQL's ("database us"; 0 on SQLite, which runs inside the server).
cpu() { awk -v t="$(cat "$work/$1.${2:-cpu}")" -v hz="$(getconf CLK_TCK)" -v n="$(awk '/requests in/ {print $1}' "$work/$1.txt")" 'BEGIN {printf "%.0f", t * 1e6 / hz / n}'; }
base=$(rps baseline)
printf '%-14s %12s %8s %10s %10s %14s %14s\n' case "requests/s" ratio p50 p99 "CPU us/request" "database us"
for name in baseline first-checks routine grants; do
    printf '%-14s %12s %8s %10s %10s %14s %14s\n' "$name" "$(rps $name)" "$(awk -v a="$(rps $name)" -v b="$base" 'BEGIN {printf "%.2f", a / b}')" "$(p $name 50%)" "$(p $name 99%)" "$(cpu $name)" "$(cpu $name dbcpu)"
done
echo "(wrk -t2 -c$connections -d$duration on this machine, store $store, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); baseline: Kestrel echoing the same 1.1 KB body)"
