#!/usr/bin/env bash
# The agent's footprint on a machine: keelson-agent (NativeAOT, tools/build-agent) against keelson agent (the
# framework-dependent ReadyToRun build ./keelson makes), in the same run: the size on disk, the start-up time of
# --version (median of RUNS, with /bin/true as the floor), the time from start until the control socket answers,
# and the idle RSS (VmRSS and its peak VmHWM from /proc/PID/status) IDLE seconds after the socket answered.
# Both run the real daemon on a temp disk image made by keelson disk create, booted from USR-A, with SERVER=disabled,
# reading the machine's files from a temp --root.
#   benchmarks/agent-footprint.sh [RUNS] [IDLE_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
runs=${1:-20}
idle=${2:-10}
work=$(mktemp -d "${TMPDIR:-/tmp}/keelson-agent-footprint.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
log() { echo "== $*" >&2; }

log "building keelson-agent (tools/build-agent) and keelson (./keelson)"
agent=$(tools/build-agent)
./keelson --version >/dev/null
keelson=$checkout/.keelson/keelson

# --- the machine ------------------------------------------------------------------------------------------------
cd "$work"
"$keelson" disk create disk.img --size 1G >/dev/null
read -r slot uuid < <("$keelson" disk boot disk.img | tail -n 1)
[ "$slot" = USR-A ] || { echo "expected the new disk to boot USR-A, not '$slot'" >&2; exit 1; }
mkdir -p root/proc/sys/kernel/random root/etc root/usr/share/coreos
echo "console=ttyS0 mount.usr=PARTUUID=$uuid rw" >root/proc/cmdline
cat /proc/sys/kernel/random/uuid >root/proc/sys/kernel/random/boot_id
echo 0123456789abcdef0123456789abcdef >root/etc/machine-id
printf 'COREOS_RELEASE_VERSION=1.0.0\nCOREOS_RELEASE_BOARD=amd64-usr\n' >root/usr/share/coreos/release
printf 'GROUP=stable\nSERVER=disabled\n' >update.conf

# --- measurements -----------------------------------------------------------------------------------------------
now_ms() { date +%s%3N; }

# Median wall time in ms of RUNS runs of a command.
median_ms() {
    local times=() start
    for _ in $(seq "$runs"); do
        start=$(date +%s%N)
        "$@" >/dev/null
        times+=($(( ($(date +%s%N) - start) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'
}

# Starts the daemon (NAME, then the command), waits for its socket to answer status, sleeps IDLE seconds, and
# prints "socket_ms rss_kib hwm_kib"; the daemon is stopped with SIGTERM and must exit 0.
daemon() {
    local name=$1; shift
    local started pid answered rss hwm
    started=$(now_ms)
    "$@" --config update.conf --disk disk.img --root root --state-dir "state-$name" >"$name.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    until "$agent" status --state-dir "state-$name" >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || { echo "$name stopped before its socket answered:" >&2; cat "$name.log" >&2; exit 1; }
        sleep 0.01
    done
    answered=$(( $(now_ms) - started ))
    sleep "$idle"
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
    kill -TERM "$pid"
    wait "$pid" || { echo "$name exited $? after SIGTERM:" >&2; cat "$name.log" >&2; exit 1; }
    echo "$answered $rss $hwm"
}

log "start-up of --version, median of $runs runs"
floor=$(median_ms /bin/true)
aot_version=$(median_ms "$agent" --version)
jit_version=$(median_ms "$keelson" --version)

log "the daemon: start until its socket answers, then RSS after $idle s idle"
read -r aot_socket aot_rss aot_hwm < <(daemon aot "$agent")
read -r jit_socket jit_rss jit_hwm < <(daemon jit "$keelson" agent)

kib() { du -k --apparent-size "$@" | awk '{ s += $1 } END { print s }'; }
aot_size=$(kib "$agent" "$(dirname "$agent")/libzstd.so")
keelson_size=$(kib "$checkout/.keelson" --exclude=agent)
runtime_size=$(du -k -s "$(dirname "$(readlink -f "$(command -v dotnet)")")/shared" | awk '{ print $1 }')

printf '\n%-40s %14s %14s\n' "" "keelson-agent" "keelson agent"
printf '%-40s %14s %14s\n' "build" "NativeAOT" "R2R, JIT"
printf '%-40s %11d KiB %11d KiB\n' "size on disk (program + its libraries)" "$aot_size" "$keelson_size"
printf '%-40s %14s %11d KiB\n' "  + the .NET runtime it needs" "-" "$runtime_size"
printf '%-40s %11s ms %11s ms\n' "--version (median; /bin/true $floor ms)" "$aot_version" "$jit_version"
printf '%-40s %11d ms %11d ms\n' "start until the socket answers status" "$aot_socket" "$jit_socket"
printf '%-40s %11d KiB %11d KiB\n' "idle VmRSS after $idle s" "$aot_rss" "$jit_rss"
printf '%-40s %11d KiB %11d KiB\n' "peak VmHWM" "$aot_hwm" "$jit_hwm"
