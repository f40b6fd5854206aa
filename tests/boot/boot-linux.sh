#!/bin/sh
# boot-linux.sh - boot the reference guest, run commands inside it, check their output.
#
# Usage: boot-linux.sh BT86 ENGINE GUEST_DIR BUILD_GUEST_SCRIPT [MODE]
#
# Builds the guest with BUILD_GUEST_SCRIPT into GUEST_DIR when it is missing
# (exit 77, "skipped", when that cannot be done here) and boots it under
# -accel ENGINE, bounded by BOOT_TIMEOUT seconds (environment; default 720:
# a boot takes 100 to 170 s on an idle to a busy 2-core host, and 380 s
# were seen with 7 processes on 2 cores) so that a hang fails. MODE:
#   commands  (default) runs the commands in bt86_cmd= on the kernel command
#             line, checks what they printed and that the guest powers off
#   panic     boots with an initramfs init that does not exist and no root
#             device: the kernel panics, and bt86 must print the panic and
#             exit with status 4
#   trap-panic   (-accel trap) with earlyprintk: the kernel's early panic
#             (CPUID shows the host's CPU, see docs/teaching.md) is printed
#             and bt86 exits with status 4 and the panic's reason
#   trap-halt    (-accel trap) without earlyprintk: the same panic prints
#             nothing; its HLT loop runs with the virtual IF set and no
#             timer armed, and bt86 must say so and exit with status 1
set -u
bt86=$1
engine=$2
guest=$3
build_guest=$4
mode=${5:-commands}
timeout_s=${BOOT_TIMEOUT:-720}

if ! sh "$build_guest" "$guest"; then
    echo "SKIP: cannot build the reference guest (needs root and Debian's i386 archive once)"
    exit 77
fi

out=$(mktemp)
trap 'rm -f "$out" "$out.raw"' EXIT

# Each command's output follows an "@@ name" line so that the checks below
# look at that command's output only.
# "work" is user-space computing whose results were checked against the
# same i386 busybox running natively on the host.
cmd='echo @@ uname; uname -a; echo @@ cpuinfo; cat /proc/cpuinfo; echo @@ interrupts; cat /proc/interrupts; echo @@ ls; ls -R / | head -n 40; echo @@ work; seq 1 5000 | gzip -9 | gunzip | sha256sum; head -c 262144 /bin/busybox > /tmp/b; bzip2 -c /tmp/b | bunzip2 | cmp - /tmp/b && echo bzip2 round trip ok; echo @@ dmesg; dmesg; echo @@ end'
case $mode in
commands) append="console=ttyS0 bt86_cmd=\"$cmd\"" want_rc=0 ;;
panic) # the crypto self-tests run before the panic and add a minute: skipped
       append="console=ttyS0 rdinit=/bt86-missing cryptomgr.notests" want_rc=4 ;;
trap-panic) append="console=ttyS0 earlyprintk=ttyS0" want_rc=4 ;;
trap-halt) append="console=ttyS0" want_rc=1 ;;
*) echo "boot-linux.sh: unknown mode $mode" >&2; exit 2 ;;
esac

start=$(date +%s)
timeout -k 5 "$timeout_s" "$bt86" -accel "$engine" -nographic -no-reboot -m 128M \
    -kernel "$guest/bzImage" -initrd "$guest/initramfs.cpio.gz" -append "$append" \
    </dev/null > "$out.raw" 2>&1
rc=$?
tr -d '\r' < "$out.raw" > "$out"
echo "$mode: $(($(date +%s) - start)) s; bt86 exited with status $rc"

fail=0
case $rc in
"$want_rc") ;;
124|137) echo "FAIL: bt86 still running after $timeout_s s (BOOT_TIMEOUT)"; fail=1 ;;
*) echo "FAIL: bt86 exited with status $rc, not $want_rc"; fail=1 ;;
esac

# The output of command NAME (the lines between "@@ NAME" and the next "@@").
section() { sed -n "/^@@ $1\$/,/^@@ /p" "$out"; }
expect() { # SECTION REGEX WHAT
    if ! section "$1" | grep -Eq "$2"; then
        echo "FAIL: $3 (no line matching '$2' in the output of $1)"
        fail=1
    fi
}
expect_line() { # REGEX WHAT
    grep -Eq "$1" "$out" || { echo "FAIL: $2 (no line matching '$1')"; fail=1; }
}
absent() { # REGEX WHAT
    if grep -Eq "$1" "$out"; then
        echo "FAIL: $2:"
        grep -E -m 5 "$1" "$out"
        fail=1
    fi
}

if [ "$mode" = trap-panic ]; then
    expect_line '^PANIC: early exception 0x[0-9a-f]+ IP ' "the early panic"
    expect_line '^bt86: the guest kernel panicked: early exception 0x[0-9a-f]+ IP ' "bt86's message"
elif [ "$mode" = trap-halt ]; then
    expect_line '^bt86: the guest died: -accel trap: the guest halted at [0-9a-f]{4}:[0-9a-f]{8} with interrupts enabled and nothing that could interrupt it' \
        "bt86's message"
elif [ "$mode" = panic ]; then
    expect_line 'Kernel panic - not syncing: VFS: Unable to mount root fs' "the panic"
    expect_line 'end Kernel panic - not syncing' "the end of the panic report"
    expect_line '^bt86: the guest kernel panicked: VFS: Unable to mount root fs' "bt86's message"
else
    expect_line '^bt86-guest: init reached$' "the guest's init ran"
    expect uname '^Linux .* 6\.1\.[0-9]+-[0-9]+-686 .* i686 GNU/Linux$' "uname -a"
    expect cpuinfo '^vendor_id[[:space:]]*: GenuineIntel$' "cpuinfo's vendor"
    expect cpuinfo '^flags[[:space:]]*:.* fpu .*cmov' "cpuinfo's flags"
    expect cpuinfo '^bogomips[[:space:]]*: [1-9]' "a calibrated delay loop"
    expect interrupts '^ *0: *[1-9][0-9]* +XT-PIC +timer$' "timer interrupts counted"
    expect interrupts '^ *4: *[1-9][0-9]* +XT-PIC +ttyS0$' "serial interrupts counted"
    expect ls '^/bin:$' "ls -R /"
    expect ls '^init$' "ls -R / listing /init"
    expect work '^23f90f8b2c3a4b5f3b5e156339994afd5c2718b378aca6f0e17111f80a70d4ec  -$' \
        "gzip and sha256sum in user space"
    expect work '^bzip2 round trip ok$' "bzip2 in user space"
    expect dmesg 'Linux version 6\.1\.' "dmesg"
    expect dmesg 'Run /init as init process' "dmesg up to init"
    expect_line '^bt86-guest: command exited with status 0$' "the commands all succeeded"
    absent 'cut here|BUG:|Oops|Kernel panic|Call Trace' "the kernel reported a bug"
    # The crypto self-tests (SHA, AES, CRC, DH…) are a workout for the CPU.
    absent 'alg: .*(failed|error)' "a crypto self-test failed"
fi

if [ "$fail" != 0 ]; then
    echo "---- the guest's output (last 80 lines) ----"
    tail -n 80 "$out"
    exit 1
fi
echo "PASS"
