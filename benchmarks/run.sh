#!/bin/sh
# run.sh - guest benchmarks: instructions per second of each engine on the
# compute loop, beside QEMU TCG on the same guest (as a comparison only).
# Usage: benchmarks/run.sh [BUILD_DIR] [RUNS]
set -eu
build=${1:-build}
runs=${2:-3}
bt86="$build/bt86"
guest="$build/benchmarks/interp-loop/loop.bin"
expected=171077c8   # the loop's checksum on real hardware / QEMU
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

now() { date +%s.%N; }

# median of the numbers on stdin
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "compute loop, $runs runs each ($(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
for engine in interp bt; do
    : > "$out/$engine.ips"
    for i in $(seq "$runs"); do
        printf '  %s run %d... ' "$engine" "$i" >&2
        t0=$(now)
        status=0
        "$bt86" -accel "$engine" -nographic -no-reboot -device isa-debug-exit \
            -d stats -D "$out/stats" -kernel "$guest" > "$out/serial" || status=$?
        t1=$(now)
        if [ "$status" != 1 ] || ! grep -q "$expected" "$out/serial"; then
            echo "FAILED (exit status $status, output: $(head -c 200 "$out/serial"))" >&2
            echo "  $engine: failed"
            continue 2
        fi
        # guest instructions retired: interpreted plus translated (bt)
        insns=$(awk '$1 == "insns_interp" || $1 == "insns_bt" { n += $2 } END { print n }' "$out/stats")
        awk -v n="$insns" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", n / (b - a) / 1e6 }' >> "$out/$engine.ips"
        echo "$(tail -1 "$out/$engine.ips") M/s" >&2
    done
    echo "  bt86 -accel $engine: $(median < "$out/$engine.ips") million guest instructions/s (median)"
done

if command -v qemu-system-i386 >/dev/null; then
    : > "$out/qemu.s"
    for i in $(seq "$runs"); do
        t0=$(now)
        timeout 120 qemu-system-i386 -accel tcg -nographic -no-reboot -m 128 \
            -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$guest" > "$out/serial" 2>&1 || true
        t1=$(now)
        grep -q "$expected" "$out/serial" && awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }' >> "$out/qemu.s"
    done
    [ -s "$out/qemu.s" ] && echo "  qemu-system-i386 -accel tcg: $(median < "$out/qemu.s") s for the same guest (BIOS boot included)"
fi
