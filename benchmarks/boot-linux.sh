#!/bin/sh
# boot-linux.sh - seconds from bt86's start to the reference guest's marker line.
#
# Usage: benchmarks/boot-linux.sh [BUILD_DIR] [RUNS] [ENGINE]
#
# Boots build/guest (scripts/build-reference-guest.sh builds it) with the
# plain command line "console=ttyS0" plus a command that powers the guest
# off at once, and times the moment the line "bt86-guest: init reached"
# comes out of COM1: the kernel's decompression and its whole boot,
# crypto self-tests included. Prints each run and the median.
set -eu
build=${1:-build}
runs=${2:-1}
engine=${3:-interp}
bt86="$build/bt86"
guest="$build/guest"
marker="bt86-guest: init reached"

sh "$(dirname "$0")/../scripts/build-reference-guest.sh" "$guest"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "reference guest boot to its marker line, $runs runs ($(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
: > "$out/times"
for i in $(seq "$runs"); do
    printf '  %s run %d... ' "$engine" "$i" >&2
    t0=$(now)
    # The reader notes the time the marker arrives; the guest then powers off.
    timeout 900 "$bt86" -accel "$engine" -nographic -no-reboot -m 128M \
        -kernel "$guest/bzImage" -initrd "$guest/initramfs.cpio.gz" \
        -append 'console=ttyS0 bt86_cmd=true' </dev/null 2>&1 |
        while IFS= read -r line; do
            case $line in "$marker"*) now > "$out/marker" ;; esac
        done
    if [ ! -s "$out/marker" ]; then
        echo "FAILED (no marker line)" >&2
        continue
    fi
    awk -v a="$t0" -v b="$(cat "$out/marker")" 'BEGIN { printf "%.1f\n", b - a }' >> "$out/times"
    rm -f "$out/marker"
    echo "$(tail -1 "$out/times") s" >&2
done
[ -s "$out/times" ] && echo "  bt86 -accel $engine: $(median < "$out/times") s to the marker line (median)"
