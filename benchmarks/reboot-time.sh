#!/usr/bin/env bash
# Reboot time in QEMU (TCG, OVMF, the test images of images/build-test-image): a reset through the firmware and the
# bootloader (busybox `reboot -f`: OVMF -> GRUB or systemd-boot -> kernel) against kexec (`kexec -l` of the slot's
# kernel and initrd from the ESP, as keelson-agent does with KEELSON_REBOOT_METHOD=kexec, then `kexec -e`), in one run.
# Each time is from the guest's reboot request (a console line it prints just before) to the new kernel's init
# saying which slot it booted, both stamped on the host as the serial console delivers them; RUNS reboots of each
# kind in one power-on each (the cold first boot is not counted); the median and the range are printed.
# The guest's program in place of the agent is a shell script written into an agent slot (so kexec-tools and its
# libraries are there) with debugfs; it counts the reboots on the state partition and powers off after RUNS.
#   benchmarks/reboot-time.sh [RUNS] [BACKEND]      (BACKEND: grub-env, the default, or systemd-boot)
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
runs=${1:-5}
backend=${2:-grub-env}
case $runs in '' | *[!0-9]* | 0) echo "RUNS must be a positive number, not '$runs'" >&2; exit 2 ;; esac
case $backend in grub-env | systemd-boot) ;; *) echo "BACKEND must be grub-env or systemd-boot, not '$backend'" >&2; exit 2 ;; esac
for tool in qemu-system-x86_64 debugfs kexec timeout; do
    command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/keelson-reboot-time.XXXXXX")
trap 'rm -rf "$work"' EXIT
log() { echo "== $*" >&2; }

log "building the slot and the $backend disk (images/build-test-image; the agent and keelson build if needed)"
./keelson --version >/dev/null
images/build-test-image slot --version 1.0.0 --agent --out "$work/usr.ext4" >&2
cat >"$work/rebooter" <<'EOF'
#!/bin/sh
# Stands in for keelson-agent: reboots by $1 (firmware or kexec) until $2 reboots are done, then returns (the init
# powers off).
method=$1 runs=$2 count=/var/lib/keelson/reboots
done_already=$(cat "$count" 2>/dev/null || echo 0)
[ "$done_already" -lt "$runs" ] || exit 0
echo $((done_already + 1)) >"$count"
sync
echo "KEELSON-BENCH-REBOOT method=$method"
case $method in
    firmware) reboot -f ;;
    kexec) kexec -l /boot/keelson/A/vmlinuz --initrd=/boot/keelson/A/initrd --append="$(cat /proc/cmdline)" && kexec -e ;;
esac
echo "KEELSON-BENCH-FAILED method=$method"
EOF
chmod 0755 "$work/rebooter"
debugfs -w -R "rm /bin/keelson-agent" "$work/usr.ext4" 2>/dev/null
debugfs -w -R "write $work/rebooter /bin/keelson-agent" "$work/usr.ext4" >/dev/null 2>&1

# One power-on of a fresh copy of the disk; prints every console line as "SECONDS LINE".
power_on() {
    local method=$1 dir="$work/$1"
    images/build-test-image disk --backend "$backend" --slot-a "$work/usr.ext4" --out "$dir" --keelson "$checkout/keelson" \
        --agent-args "$method $runs" >&2
    cp /usr/share/OVMF/OVMF_VARS.fd "$dir/vars.fd"
    timeout --signal=KILL $((60 + runs * 60)) qemu-system-x86_64 -machine q35 -accel tcg -m 512 -smp 1 \
        -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd \
        -drive "if=pflash,format=raw,file=$dir/vars.fd" -drive "if=virtio,format=raw,file=$dir/disk.img" \
        -nic none -display none -monitor none -serial stdio </dev/null |
        while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "${line%$'\r'}"; done >"$dir/console"
}

# The reboot times in seconds, one a line: each request line to the next init line.
reboot_times() {
    awk '/KEELSON-BENCH-REBOOT/ { asked = $1 } /KEELSON-BOOTED/ && asked { printf "%.2f\n", $1 - asked; asked = 0 }' "$1"
}

summary() {
    sort -n | awk -v name="$1" '{ t[NR] = $1 } END {
        if (NR == 0) { printf "%-9s no reboot was seen\n", name; exit }
        m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
        printf "%-9s median %6.2f s   min %6.2f s   max %6.2f s   (%d reboots)\n", name, m, t[1], t[NR], NR }'
}

results=()
for method in firmware kexec; do
    log "$runs reboots through $method"
    power_on "$method"
    seen=$(reboot_times "$work/$method/console" | wc -l)
    if [ "$seen" -ne "$runs" ] || grep -q KEELSON-BENCH-FAILED "$work/$method/console"; then
        echo "$method: $seen of $runs reboots came back; the console:" >&2
        cut -d' ' -f2- "$work/$method/console" >&2
        exit 1
    fi
    results+=("$(reboot_times "$work/$method/console" | summary "$method")")
done
echo "reboot request -> the new kernel's init line, QEMU TCG, $backend, $(nproc) cores:"
printf '%s\n' "${results[@]}"
