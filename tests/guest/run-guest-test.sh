#!/bin/sh
# run-guest-test.sh - boots one guest test kernel and judges its report.
#
# Usage: run-guest-test.sh EMULATOR ACCEL KERNEL [TIMEOUT]
#   Runs EMULATOR -accel ACCEL -nographic -no-reboot
#        -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel KERNEL
#   under timeout (default 60 s). The test passes when the guest wrote 0 to
#   the debug-exit port (exit status 1) and printed no "not ok" line, except
#   the cases expected-failures.txt lists for this ACCEL and kernel: those
#   are reported as XFAIL (and as XPASS, a failure, when they pass); a
#   case "*" means the whole kernel is expected to fail (hang, crash):
#   its result is then reported but never fails the run.
#   EXPECTED_FAILURES overrides the list file.
set -u

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	echo "usage: $0 EMULATOR ACCEL KERNEL [TIMEOUT]" >&2
	exit 2
fi
emulator=$1
accel=$2
kernel=$3
limit=${4:-60}
here=$(dirname "$0")
list=${EXPECTED_FAILURES:-$here/expected-failures.txt}
name=$(basename "$kernel" .elf)

out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout "$limit" "$emulator" -accel "$accel" -nographic -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$kernel" \
	</dev/null >"$out" 2>&1
status=$?

# Case numbers this engine is expected to fail in this kernel.
expected=""
if [ -f "$list" ]; then
	expected=$(awk -v e="$accel" -v t="$name" \
		'$1 !~ /^#/ && $1 == e && $2 == t { print $3 }' "$list")
fi
is_expected() {
	for listed in $expected; do
		[ "$listed" = "$1" ] && return 0
	done
	return 1
}

# The whole kernel is expected to fail under this engine: report only.
whole=$(awk -v e="$accel" -v t="$name" \
	'$1 == e && $2 == t && $3 == "*" { $1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }' "$list" 2>/dev/null)
if [ -n "$whole" ]; then
	echo "XFAIL $name under $accel (the whole kernel, exit status $status): $whole"
	tr -d '\r' <"$out" | grep -a '^not ok\|^# done' || true
	exit 0
fi

verdict=pass
why=""
failed=$(tr -d '\r' <"$out" | sed -n 's/^not ok \([0-9]*\) .*/\1/p')
for n in $failed; do
	if is_expected "$n"; then
		echo "XFAIL $name case $n under $accel: $(awk -v e="$accel" -v t="$name" -v c="$n" \
			'$1 == e && $2 == t && $3 == c { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }' "$list")"
	else
		verdict=fail
		why="$why case $n failed;"
	fi
done
for n in $expected; do
	if tr -d '\r' <"$out" | grep -q "^ok $n "; then
		verdict=fail
		why="$why case $n is listed as an expected failure but passed (XPASS);"
	fi
done
if tr -d '\r' <"$out" | grep -q '^not ok - '; then
	verdict=fail
	why="$why unexpected exception;"
fi
if ! tr -d '\r' <"$out" | grep -q '^# done: '; then
	verdict=fail
	why="$why no final report;"
fi
case $status in
1) ;;
3) [ -n "$failed" ] || { verdict=fail; why="$why debug-exit value 1 without a failed case;"; } ;;
124) verdict=fail; why="$why timed out after ${limit}s;" ;;
*) verdict=fail; why="$why exit status $status;" ;;
esac

if [ "$verdict" = pass ]; then
	echo "PASS $name under $accel"
	exit 0
fi
tr -d '\r' <"$out" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
echo "FAIL $name under $accel:$why"
exit 1
