#!/bin/sh
# boot-linux.sh - boot the reference guest, run commands inside it, check their output.
#
# Usage: boot-linux.sh BT86 ENGINE GUEST_DIR BUILD_GUEST_SCRIPT
#
# Builds the guest with BUILD_GUEST_SCRIPT into GUEST_DIR when it is missing
# (exit 77, "skipped", when that cannot be done here), boots it under
# -accel ENGINE with the commands in bt86_cmd= on the kernel command line,
# bounded by BOOT_TIMEOUT seconds (environment; default 600) so that a hang
# fails, and checks what the commands printed.
set -u
bt86=$1
engine=$2
guest=$3
build_guest=$4
timeout_s=${BOOT_TIMEOUT:-600}

if ! sh "$build_guest" "$guest"; then
    echo "SKIP: cannot build the reference guest (needs root and Debian's i386 archive once)"
    exit 77
fi

out=$(mktemp)
trap 'rm -f "$out" "$out.raw"' EXIT

# Each command's output follows an "@@ name" line so that the checks below
# look at that command's output only.
cmd='echo @@ uname; uname -a; echo @@ cpuinfo; cat /proc/cpuinfo; echo @@ interrupts; cat /proc/interrupts; echo @@ ls; ls -R / | head -n 40; echo @@ dmesg; dmesg; echo @@ end'
start=$(date +%s)
timeout -k 5 "$timeout_s" "$bt86" -accel "$engine" -nographic -no-reboot -m 128M \
    -kernel "$guest/bzImage" -initrd "$guest/initramfs.cpio.gz" \
    -append "console=ttyS0 bt86_cmd=\"$cmd\"" </dev/null > "$out.raw" 2>&1
rc=$?
tr -d '\r' < "$out.raw" > "$out"
echo "booted and ran the commands in $(($(date +%s) - start)) s; bt86 exited with status $rc"

fail=0
case $rc in
0) ;;
124|137) echo "FAIL: no power-off within $timeout_s s (BOOT_TIMEOUT)"; fail=1 ;;
*) echo "FAIL: bt86 exited with status $rc"; fail=1 ;;
esac
# The output of command NAME (the lines between "@@ NAME" and the next "@@").
section() { sed -n "/^@@ $1\$/,/^@@ /p" "$out"; }
expect() { # SECTION REGEX WHAT
    if ! section "$1" | grep -Eq "$2"; then
        echo "FAIL: $3 (no line matching '$2' in the output of $1)"
        fail=1
    fi
}
absent() { # REGEX WHAT
    if grep -Eq "$1" "$out"; then
        echo "FAIL: $2:"
        grep -E -m 5 "$1" "$out"
        fail=1
    fi
}

grep -q '^bt86-guest: init reached$' "$out" || { echo "FAIL: the guest's init never ran"; fail=1; }
expect uname '^Linux .* 6\.1\.[0-9]+-[0-9]+-686 .* i686 GNU/Linux$' "uname -a"
expect cpuinfo '^vendor_id[[:space:]]*: GenuineIntel$' "cpuinfo's vendor"
expect cpuinfo '^flags[[:space:]]*:.* fpu .*cmov' "cpuinfo's flags"
expect cpuinfo '^bogomips[[:space:]]*: [1-9]' "a calibrated delay loop"
expect interrupts '^ *0: *[1-9][0-9]* +XT-PIC +timer$' "timer interrupts counted"
expect interrupts '^ *4: *[1-9][0-9]* +XT-PIC +ttyS0$' "serial interrupts counted"
expect ls '^/bin:$' "ls -R /"
expect ls '^init$' "ls -R / listing /init"
expect dmesg 'Linux version 6\.1\.' "dmesg"
expect dmesg 'Run /init as init process' "dmesg up to init"
grep -q '^bt86-guest: command exited with status 0$' "$out" ||
    { echo "FAIL: the commands did not all finish with status 0"; fail=1; }
absent 'cut here|BUG:|Oops|Kernel panic|Call Trace' "the kernel reported a bug"

if [ "$fail" != 0 ]; then
    echo "---- the guest's output (last 80 lines) ----"
    tail -n 80 "$out"
    exit 1
fi
echo "PASS"
