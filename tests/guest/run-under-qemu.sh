#!/bin/sh
# run-under-qemu.sh - checks guest test kernels against QEMU TCG, the oracle
# the tests were validated with (never a part of bt86).
# Usage: run-under-qemu.sh KERNEL.elf... (known QEMU gaps are the "tcg"
# lines of expected-failures.txt).
here=$(dirname "$0")
rc=0
for k in "$@"; do
	"$here/run-guest-test.sh" qemu-system-i386 tcg "$k" 60 || rc=1
done
exit $rc
