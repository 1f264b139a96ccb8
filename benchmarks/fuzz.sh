#!/usr/bin/env bash
# Fuzzes one of Keelson's readers with AFL++ for MINUTES minutes (fuzz/Keelson.Fuzz, instrumented with SharpFuzz):
#  1. builds the harness (Release) into WORK_DIR and instruments the target's own assemblies with sharpfuzz;
#  2. seeds afl-fuzz from test/fuzz-corpus/TARGET and runs it (nice -n 19, one core) for MINUTES minutes;
#  3. minimises the corpus plus the new queue with afl-cmin and writes the result back into test/fuzz-corpus/TARGET
#     (new files as cov-<sha1>), and copies every crash and hang there too (crash-<sha1>, hang-<sha1>), replaying
#     them through the plain harness so that the summary shows the exception;
#  4. prints a summary: execs, execs/s, edges and map coverage, corpus size before and after, crashes, hangs.
# The crashes and hangs it keeps fail test/Keelson.Fuzz.Tests until the reader is fixed.
#   benchmarks/fuzz.sh TARGET [MINUTES] [WORK_DIR]      (MINUTES defaults to 3; KEEP=1 keeps WORK_DIR)
#   benchmarks/fuzz.sh --list                          (the targets)
# Needs afl++ (Debian: apt-get install afl++) and the SharpFuzz command-line tool
# (dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0); installs neither, says what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log() { echo "== $*" >&2; }

# The assemblies each target's coverage is measured in: the reader's own, and the YAML parser the cloud-config reads with.
declare -A assemblies=(
    [omaha-request]="Keelson.Omaha.dll" [omaha-response]="Keelson.Omaha.dll" [payload]="Keelson.Payloads.dll"
    [gpt]="Keelson.Disks.dll" [cloud-config]="Keelson.CloudConfig.dll YamlDotNet.dll" [discovery]="Keelson.Discovery.dll"
)
if [ "${1:-}" = --list ] || [ $# -lt 1 ] || [ -z "${assemblies[${1}]:-}" ]; then
    [ "${1:-}" = --list ] || echo "usage: benchmarks/fuzz.sh TARGET [MINUTES] [WORK_DIR]" >&2
    echo "targets: ${!assemblies[*]}" >&2
    [ "${1:-}" = --list ]
    exit
fi
target=$1
minutes=${2:-3}
if ! [[ $minutes =~ ^[1-9][0-9]*$ ]]; then
    echo "MINUTES must be a whole number of minutes above 0, not '$minutes'" >&2
    exit 2
fi
corpus=test/fuzz-corpus/$target

# --- tools ------------------------------------------------------------------------------------------------------
PATH=$PATH:$HOME/.dotnet/tools
missing=()
for tool in afl-fuzz:afl++ afl-cmin:afl++ afl-showmap:afl++ dotnet:"the .NET SDK" \
    sharpfuzz:"SharpFuzz.CommandLine (dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0)"; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "missing: $(printf '%s\n' "${missing[@]}" | sort -u | paste -sd, -)" >&2
    echo "Debian: sudo apt-get install -y afl++" >&2
    exit 1
fi

# Not under /tmp or /var/tmp: afl-cmin refuses to run there.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/keelson-fuzz
mkdir -p "$cache"
work=${3:-$(mktemp -d "$cache/$target.XXXXXX")}
case "$(readlink -f "$work")/" in /tmp/* | /var/tmp/*) echo "WORK_DIR must not be under /tmp or /var/tmp (afl-cmin refuses)" >&2; exit 2 ;; esac
mkdir -p "$work"
cleanup() { if [ -z "${KEEP:-}" ]; then rm -rf "$work"; fi; }
trap cleanup EXIT

# --- 1. build and instrument ------------------------------------------------------------------------------------
log "building fuzz/Keelson.Fuzz into $work/bin"
nice -n 10 dotnet build fuzz/Keelson.Fuzz -c Release -o "$work/bin" -v quiet -nologo -clp:NoSummary </dev/null >/dev/null
# Instrumented code outside afl-fuzz writes to a coverage map that is not there: findings are replayed on a plain copy.
rm -rf "$work/plain"
cp -r "$work/bin" "$work/plain"
for assembly in ${assemblies[$target]}; do
    log "instrumenting $assembly"
    sharpfuzz "$work/bin/$assembly" >/dev/null
done

# --- 2. fuzz ----------------------------------------------------------------------------------------------------
before=$(find "$corpus" -type f | wc -l)
log "fuzzing $target for $minutes min from $before inputs in $corpus"
# A .NET process cannot live under afl's -m limit; the GC's hard limit turns a huge allocation into an
# OutOfMemoryException, which the harness does not catch: a crash.
export DOTNET_GCHeapHardLimit=0x20000000 DOTNET_TieredPGO=0
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
harness=("$(command -v dotnet)" "$work/bin/Keelson.Fuzz.dll")
nice -n 19 afl-fuzz -i "$corpus" -o "$work/out" -t 5000 -m none -V $((minutes * 60)) -- "${harness[@]}" "$target" \
    >"$work/afl.log" 2>&1 || { tail -30 "$work/afl.log" >&2; exit 1; }
stats=$work/out/default/fuzzer_stats

# --- 3. keep what adds coverage, and every crash and hang --------------------------------------------------------
# Kept crashes and hangs stay as they are until their reader is fixed; afl-cmin would drop them.
mkdir -p "$work/all" "$work/min"
find "$corpus" -type f ! -name 'crash-*' ! -name 'hang-*' -exec cp {} "$work/all/" \;
for entry in "$work"/out/default/queue/id:*; do
    cp "$entry" "$work/all/cov-$(sha1sum <"$entry" | cut -c1-16)"
done
nice -n 19 afl-cmin -i "$work/all" -o "$work/min" -t 5000 -m none -- "${harness[@]}" "$target" >"$work/cmin.log" 2>&1 \
    || { tail -20 "$work/cmin.log" >&2; exit 1; }
# afl-cmin keeps names: the corpus's own files stay as they were, the new ones come in; the dropped ones go.
for file in "$corpus"/*; do
    case "$(basename "$file")" in crash-* | hang-*) continue ;; esac
    [ -e "$work/min/$(basename "$file")" ] || rm "$file"
done
cp -n "$work"/min/* "$corpus/"
findings=()
for kind in crash:crashes hang:hangs; do
    for entry in "$work"/out/default/"${kind#*:}"/id:*; do
        [ -e "$entry" ] || continue
        name=$corpus/${kind%%:*}-$(sha1sum <"$entry" | cut -c1-16)
        cp "$entry" "$name"
        findings+=("$name")
    done
done

# --- 4. summary -------------------------------------------------------------------------------------------------
stat() { sed -n "s/^$1 *: //p" "$stats"; }
after=$(find "$corpus" -type f | wc -l)
echo "target            $target ($minutes min, instrumented: ${assemblies[$target]})"
echo "execs             $(stat execs_done) ($(stat execs_per_sec)/s)"
echo "coverage          $(stat edges_found) edges of $(stat total_edges), map $(stat bitmap_cvg)"
echo "queue             $(stat corpus_count) entries, $(stat corpus_found) found"
echo "corpus            $before -> $after files, $(du -sh --apparent-size "$corpus" | cut -f1) ($corpus)"
echo "crashes, hangs    $(stat saved_crashes), $(stat saved_hangs)"
if [ ${#findings[@]} -gt 0 ]; then
    echo "findings (kept in the corpus; replayed through the harness):"
    unset DOTNET_GCHeapHardLimit
    timeout 60 "$(command -v dotnet)" "$work/plain/Keelson.Fuzz.dll" replay "$target" "${findings[@]}" | grep -v '^   at ' || true
fi
