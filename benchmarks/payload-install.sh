#!/usr/bin/env bash
# Installing a 1 GiB ext4 image of real files (about 750 MB of /usr) into a slot file, against the baselines of
# shared/reference/benchmarks.md in the same run: dd, zstd -dc | dd conv=fsync (decompress + write, the limit to
# approach), sha256sum and openssl, and RAUC 1.8 installing the same image from a zstd squashfs bundle. Also
# times keelson payload create, a delta for one changed file, and the apply's peak memory at 1 and 2 GiB.
# Each timing is the median of RUNS rounds (every row once per round) with the page cache warm; the ratios are
# what to compare between machines.
#   benchmarks/payload-install.sh [RUNS] [WORK_DIR]     (KEEP=1 keeps WORK_DIR; its images are reused next time)
# Needs e2fsprogs, zstd, openssl, time, rauc, rauc-service, squashfs-tools, dbus. Run as root, it installs the
# missing ones with apt-get; otherwise it says what to install (RAUC's rows are then skipped, saying why).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
work=${2:-$(mktemp -d "${TMPDIR:-/var/tmp}/keelson-payload-bench.XXXXXX")}
mkdir -p "$work"
pids=()
started_bus=""
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -n "$started_bus" ]; then sleep 0.2; rm -f /run/dbus/pid /run/dbus/system_bus_socket; fi
    if [ -z "${KEEP:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
log() { echo "== $*" >&2; }

# --- tools ------------------------------------------------------------------------------------------------------
need=()
for tool in mkfs.ext4:e2fsprogs debugfs:e2fsprogs zstd:zstd openssl:openssl sha256sum:coreutils /usr/bin/time:time \
    rauc:rauc mksquashfs:squashfs-tools dbus-daemon:dbus; do
    command -v "${tool%%:*}" >/dev/null || need+=("${tool##*:}")
done
[ -e /usr/lib/systemd/system/rauc.service ] || [ -e /lib/systemd/system/rauc.service ] || need+=(rauc-service)
if [ ${#need[@]} -gt 0 ]; then
    packages=$(printf '%s\n' "${need[@]}" | sort -u | tr '\n' ' ')
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing $packages"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages >/dev/null
    else
        echo "missing: $packages- install them with: sudo apt-get install -y $packages" >&2
        for tool in mkfs.ext4 zstd openssl /usr/bin/time; do command -v "$tool" >/dev/null || exit 1; done
    fi
fi

log "building keelson as users run it (./keelson: Release, ReadyToRun)"
./keelson --version >/dev/null
keelson=$PWD/.keelson/keelson
cd "$work"

# --- images -----------------------------------------------------------------------------------------------------
# Real files: a fixed pseudo-random pick of /usr/{lib,share,bin} (files under 32 MiB, no hard links) up to 750 MB.
stage() { # DIR BYTES
    mkdir -p "$1"
    (cd /usr && find lib share bin -xdev -type f -links 1 -size -32M -printf '%s\t%p\n' 2>/dev/null | sort -t$'\t' -k2 |
        shuf --random-source=<(yes) | awk -F'\t' -v max="$2" '{ t += $1; if (t > max) exit; print $2 }') >"$1.list" || true  # awk stops early: SIGPIPE upstream
    tar -C /usr -cf - -T "$1.list" 2>/dev/null | tar -C "$1" -xf -
}
if [ -f img.ext4 ] && [ -f img2.ext4 ] && [ -f img2g.ext4 ] && [ -f changed.bin ]; then
    log "reusing the images in $work"
else
log "making a 1 GiB ext4 image of ~750 MB of /usr files"
stage files 750000000
mkfs.ext4 -q -F -b 4096 -d files img.ext4 1G
# The next release: one ~1 MB file replaced in place (debugfs), everything else identical.
changed=$(cd files && find lib -type f -size +500k -size -2M -print -quit)
cp img.ext4 img2.ext4
head -c "$(stat -c %s "files/$changed")" /dev/urandom >changed.bin
debugfs -w -R "rm /$changed" img2.ext4 >/dev/null 2>&1
debugfs -w -R "write changed.bin /$changed" img2.ext4 >/dev/null 2>&1
log "making a 2 GiB image (the same files twice) for the memory comparison"
mkdir -p files2 && cp -a files files2/a && cp -a files files2/b
mkfs.ext4 -q -F -b 4096 -d files2 img2g.ext4 2G
rm -rf files2
fi

# Slots are written in place, allocated beforehand, as partitions are.
for slot in slot.img rauc-a.img rauc-b.img; do dd if=/dev/zero of=$slot bs=4M count=256 conv=fsync status=none; done
dd if=/dev/zero of=slot2g.img bs=4M count=512 conv=fsync status=none

# --- setup: payloads and RAUC ------------------------------------------------------------------------------------
peak_rss() { # COMMAND... : max RSS in MB
    /usr/bin/time -f %M -o rss.out "$@" >/dev/null 2>run.err || { cat run.err >&2; exit 1; }
    awk '{ printf "%.0f", $1 / 1024 }' rss.out
}
log "keys and payloads"
rm -f bench.key bench.key.pub
"$keelson" payload keygen --out bench.key >/dev/null
zstd -q -f -3 -T0 img.ext4 -o img.zst
"$keelson" payload create --image img.ext4 --version 2605.10.0 --key bench.key --out img.kpay >/dev/null
"$keelson" payload create --image img2.ext4 --from img.ext4 --version 2605.11.0 --key bench.key --out delta.kpay >/dev/null
"$keelson" payload create --image img2.ext4 --version 2605.11.0 --key bench.key --out img2.kpay >/dev/null
"$keelson" payload create --image img2g.ext4 --version 2605.10.0 --key bench.key --out img2g.kpay >/dev/null
cp img.ext4 active.img
"$keelson" payload apply img.kpay --target slot.img --pubkey bench.key.pub >/dev/null
cmp -s img.ext4 slot.img || { echo "the slot does not hold the image after keelson payload apply" >&2; exit 1; }
"$keelson" payload apply delta.kpay --target slot.img --source active.img --pubkey bench.key.pub >/dev/null
cmp -s img2.ext4 slot.img || { echo "the slot does not hold the new image after the delta" >&2; exit 1; }
rss1=$(peak_rss "$keelson" payload apply img.kpay --target slot.img --pubkey bench.key.pub)
rss2=$(peak_rss "$keelson" payload apply img2g.kpay --target slot2g.img --pubkey bench.key.pub)

# RAUC 1.8 as shared/reference/benchmarks.md sets it up.
rauc_why=""
rauc_bundle_time=""
if command -v rauc >/dev/null && command -v mksquashfs >/dev/null && command -v dbus-daemon >/dev/null; then
    log "RAUC: bundle and system"
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=bench -days 30 -keyout rauc-key.pem -out rauc-cert.pem 2>/dev/null
    mkdir -p bundle mnt
    rm -f bundle.raucb status.raucs
    ln -f img.ext4 bundle/rootfs.img
    printf '[update]\ncompatible=bench\nversion=2605.10.0\n\n[bundle]\nformat=plain\n\n[image.rootfs]\nfilename=rootfs.img\n' >bundle/manifest.raucm
    /usr/bin/time -f %e -o time.out rauc bundle --cert rauc-cert.pem --key rauc-key.pem \
        --mksquashfs-args="-comp zstd -Xcompression-level 3" bundle bundle.raucb >/dev/null 2>run.err && rauc_bundle_time=$(cat time.out)
    printf '%s\n' "[system]" "compatible=bench" "bootloader=noop" "mountprefix=$work/mnt" "statusfile=$work/status.raucs" "" \
        "[keyring]" "path=$work/rauc-cert.pem" "" \
        "[slot.rootfs.0]" "device=$work/rauc-a.img" "type=raw" "bootname=A" "" \
        "[slot.rootfs.1]" "device=$work/rauc-b.img" "type=raw" "bootname=B" >system.conf
    if [ -z "$rauc_bundle_time" ]; then
        rauc_why="rauc bundle failed: $(tail -n 3 run.err | tr '\n' ' ')"
    elif ! grep -qw squashfs /proc/filesystems; then
        rauc_why="the kernel has no squashfs: RAUC cannot mount its bundle"
    else
        if ! dbus-send --system --dest=org.freedesktop.DBus --type=method_call --print-reply / org.freedesktop.DBus.ListNames >/dev/null 2>&1; then
            # No system bus (a container): start one for RAUC. A pid file left by a bus that died would stop it.
            if [ -f /run/dbus/pid ] && ! ps -o stat= -p "$(cat /run/dbus/pid)" 2>/dev/null | grep -qv '^Z'; then
                rm -f /run/dbus/pid /run/dbus/system_bus_socket
            fi
            mkdir -p /run/dbus
            if dbus-daemon --system --fork --print-pid >dbus.pid 2>run.err; then
                pids+=("$(cat dbus.pid)")
                started_bus=1
            fi
        fi
        rauc service --conf="$work/system.conf" --mount="$work/mnt" --override-boot-slot=A >rauc-service.log 2>&1 &
        pids+=($!)
        for _ in $(seq 50); do rauc status >/dev/null 2>&1 && break; sleep 0.2; done
        if ! rauc status >/dev/null 2>&1; then
            rauc_why="rauc service did not start: $(tail -n 3 rauc-service.log run.err 2>/dev/null | tr '\n' ' ')"
        elif ! rauc install bundle.raucb >rauc-install.log 2>&1; then
            rauc_why="rauc install failed: $(tail -n 3 rauc-install.log | tr '\n' ' ')"
        elif ! cmp -s img.ext4 rauc-b.img; then
            rauc_why="RAUC's slot B does not hold the image"
        fi
    fi
else
    rauc_why="rauc, squashfs-tools or dbus is not installed (apt-get install -y rauc rauc-service squashfs-tools dbus)"
fi

# --- timing: every row once per round, so that a busy moment of the machine hits all rows alike ------------------
rows=()
declare -A commands median times
add() { rows+=("$1"); commands[$1]=$2; } # NAME SHELL-COMMAND
add "write only: dd conv=fsync" 'dd if=img.ext4 of=slot.img bs=4M conv=fsync,notrunc status=none'
add "SHA-256, coreutils: sha256sum" 'sha256sum img.ext4'
add "SHA-256, OpenSSL: openssl dgst" 'openssl dgst -sha256 img.ext4'
add "zstd -dc >/dev/null" 'zstd -dc img.zst -o /dev/null'
add "decompress + write: zstd -dc | dd conv=fsync" 'zstd -dc img.zst | dd of=slot.img bs=4M iflag=fullblock conv=fsync,notrunc status=none'
add "keelson payload apply" '"$keelson" payload apply img.kpay --target slot.img --pubkey bench.key.pub'
add "keelson payload apply --read-back image" '"$keelson" payload apply img.kpay --target slot.img --pubkey bench.key.pub --read-back image'
if [ -z "$rauc_why" ]; then add "RAUC 1.8 install, zstd squashfs bundle" 'rauc install bundle.raucb'; fi
add "keelson payload verify" '"$keelson" payload verify img.kpay --pubkey bench.key.pub'
add "keelson payload apply, delta" '"$keelson" payload apply delta.kpay --target slot.img --source active.img --pubkey bench.key.pub'
add "zstd -3 -T0 (both cores)" 'zstd -q -f -3 -T0 img.ext4 -o img.zst'
add "keelson payload create" '"$keelson" payload create --image img.ext4 --version 2605.10.0 --key bench.key --out img.kpay'
for round in $(seq "$runs"); do
    log "round $round of $runs"
    for name in "${rows[@]}"; do
        start=$(date +%s.%N)
        eval "${commands[$name]}" >/dev/null 2>run.err || { echo "$name failed:" >&2; cat run.err >&2; exit 1; }
        times[$name]+="$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') "
    done
done
for name in "${rows[@]}"; do
    # shellcheck disable=SC2086 # the times are meant to split into words
    median[$name]=$(printf '%s\n' ${times[$name]} | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    log "$name: ${times[$name]}-> ${median[$name]} s"
done

# --- report -----------------------------------------------------------------------------------------------------
limit=${median["decompress + write: zstd -dc | dd conv=fsync"]}
row() { # NAME [NOTE]
    local t=${median[$1]:-}
    if [ -z "$t" ]; then printf '%-50s %8s %8s  %s\n' "$1" "n/a" "" "${2:-}"; return; fi
    printf '%-50s %7.2fs %7.2fx  %s\n' "$1" "$t" "$(awk -v a="$t" -v b="$limit" 'BEGIN { print a / b }')" "${2:-}"
}
size() { stat -c %s "$1"; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
echo
echo "Installing a 1 GiB ext4 image ($(du -sb files | awk '{ printf "%.0f MB", $1 / 1e6 }') of /usr files) into a slot file: median of $runs runs, $(nproc) cores"
printf '%-50s %8s %8s  %s\n' "what" "median" "ratio" "(to decompress + write)"
row "write only: dd conv=fsync"
row "SHA-256, coreutils: sha256sum"
row "SHA-256, OpenSSL: openssl dgst"
row "zstd -dc >/dev/null"
row "decompress + write: zstd -dc | dd conv=fsync" "the limit to approach"
row "keelson payload apply" "every frame checked; slot read back, each range's signed SHA-256 checked on both cores; fsync"
row "keelson payload apply --read-back image" "same, the read-back slot's SHA-256 compared with the image's (one core)"
row "RAUC 1.8 install, zstd squashfs bundle" "${rauc_why:-the peer}"
row "keelson payload verify" "signature, every frame and its output, image hash"
row "keelson payload apply, delta" "copies from the active slot: delta is $(awk -v a="$(size delta.kpay)" -v b="$(size img2.kpay)" 'BEGIN { printf "%.2f%%", 100 * a / b }') of the full payload"
echo
printf '%-50s %7.2fs %7.2fx  %s\n' "keelson payload create" "${median["keelson payload create"]}" \
    "$(awk -v a="${median["keelson payload create"]}" -v b="${median["zstd -3 -T0 (both cores)"]}" 'BEGIN { print a / b }')" "ratio to zstd -3 -T0 (zstd alone, both cores: ${median["zstd -3 -T0 (both cores)"]} s)"
[ -n "$rauc_bundle_time" ] && printf '%-50s %7.2fs  %s\n' "rauc bundle (mksquashfs zstd -3)" "$rauc_bundle_time" "(one run)"
echo
echo "sizes: image $(mb "$(size img.ext4)"), zstd -3 $(mb "$(size img.zst)"), payload $(mb "$(size img.kpay)")$( [ -f bundle.raucb ] && echo ", RAUC bundle $(mb "$(size bundle.raucb)")"); one file of $(mb "$(size changed.bin)") changed: delta $(mb "$(size delta.kpay)") vs full $(mb "$(size img2.kpay)")"
echo "keelson payload apply peak memory (max RSS): ${rss1} MB for the 1 GiB image, ${rss2} MB for the 2 GiB image"
[ -n "$rauc_why" ] && echo "RAUC: $rauc_why"
exit 0
