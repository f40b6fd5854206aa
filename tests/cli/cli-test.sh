#!/bin/sh
# cli-test.sh - the bt86 command's behaviour: options, error messages, exit statuses.
#
# Usage: cli-test.sh BT86 errors|boot [DEMO_KERNEL]
#   errors: usage and load errors (needs no working CPU engine)
#   boot:   kernels that run under -accel interp: the demo kernel, tiny
#           a.out-kludge kernels that halt, exit through isa-debug-exit, or
#           spin until SIGTERM.
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 BT86 errors|boot [DEMO_KERNEL]" >&2
	exit 2
fi
bt86=$1
mode=$2
demo=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	echo "  stdout:"; sed 's/^/    /' "$tmp/out"
	echo "  stderr:"; sed 's/^/    /' "$tmp/err"
	failures=$((failures + 1))
}

# expect STATUS PATTERN ARGS...: run bt86 ARGS (60 s at most); its exit
# status must be STATUS and stdout+stderr must match the grep pattern
# (empty: no check).
expect() {
	want=$1 pattern=$2
	shift 2
	timeout 60 "$bt86" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" != "$want" ]; then
		fail "bt86 $* exited with $got, expected $want"
	elif [ -n "$pattern" ] && ! cat "$tmp/out" "$tmp/err" | tr -d '\r' | grep -q -- "$pattern"; then
		fail "bt86 $*: output does not match '$pattern'"
	else
		echo "ok: bt86 $* -> $got"
	fi
}

# aout FILE CODE-BYTES: a multiboot kernel with the a.out kludge (flag 16),
# loaded and entered at 1 MiB + 32, the code (printf escapes) right after
# the 32-byte header.
aout() {
	printf '\002\260\255\033\000\000\001\000\376\117\121\344' >"$1"
	printf '\000\000\020\000\000\000\020\000\000\000\000\000\000\000\000\000\040\000\020\000' >>"$1"
	printf "$2" >>"$1"
}

errors() {
	expect 2 "bogus.*invalid option" -bogus
	expect 2 "'12Q' is not a valid size" -m 12Q
	expect 2 "too small" -m 1
	expect 2 "too large" -m 4G
	expect 2 "no kernel given (use -kernel FILE)"
	expect 2 "requires an argument" -kernel
	expect 2 "unknown log category 'nonsense'" -d nonsense -kernel /dev/null
	expect 2 "unknown accelerator 'kvm'" -accel kvm -kernel /dev/null
	expect 2 "unknown device 'e1000'" -device e1000 -kernel /dev/null
	expect 2 "unknown property 'port'" -device isa-debug-exit,port=1 -kernel /dev/null
	expect 2 "-serial" -serial pty -kernel /dev/null
	expect 2 "unexpected argument" disk.img
	expect 2 "-tb-size: 'abc' is not a whole number of MiB" -tb-size abc -kernel /dev/null
	expect 2 "-tb-size: '1.5' is not a whole number of MiB" -tb-size 1.5 -kernel /dev/null
	expect 2 "-tb-size: '-4' is not a whole number of MiB" -tb-size -4 -kernel /dev/null
	expect 2 "-tb-size: 0 MiB is out of range (1 to 1024 MiB)" -tb-size 0 -kernel /dev/null
	expect 2 "-tb-size: 4096 MiB is out of range" -tb-size 4096 -kernel /dev/null
	expect 2 "-tb-size: '99999999999999999999' is not" -tb-size 99999999999999999999 -kernel /dev/null
	expect 2 "-tb-size: requires an argument" -tb-size
	expect 0 "usage: bt86" -h
	expect 0 "-tb-size MiB" -h
	expect 0 "usage: bt86" --help
	expect 0 "Exit status" -help
	expect 0 "bt86 version" --version
	expect 0 "bt86 version" -version
	expect 0 "stats" -d help
	expect 0 "isa-debug-exit" -device help

	expect 1 "$tmp/missing.elf: No such file or directory" -kernel "$tmp/missing.elf"
	expect 1 "$tmp: Is a directory" -kernel "$tmp"
	: >"$tmp/empty"
	expect 1 "$tmp/empty: no multiboot header" -kernel "$tmp/empty"
	head -c 9000 /dev/zero >"$tmp/zeros"
	expect 1 "$tmp/zeros: no multiboot header in the first 8 KiB" -kernel "$tmp/zeros"
	# The magic with flags 0 and a wrong checksum.
	printf '\002\260\255\033\000\000\000\000\000\000\000\000' >"$tmp/badsum"
	expect 1 "$tmp/badsum: the multiboot header at offset 0 has a wrong checksum" -kernel "$tmp/badsum"
	# A valid header without flag 16 in a file that is not ELF.
	printf '\002\260\255\033\000\000\000\000\376\117\122\344' >"$tmp/noelf"
	expect 1 "$tmp/noelf: not an ELF file" -kernel "$tmp/noelf"
	# a.out kludge loading more than the file holds.
	printf '\002\260\255\033\000\000\001\000\376\117\121\344' >"$tmp/short"
	printf '\000\000\020\000\000\000\020\000\000\020\020\000\000\000\000\000\040\000\020\000' >>"$tmp/short"
	expect 1 "$tmp/short: truncated" -kernel "$tmp/short"
	# A Linux bzImage is recognised by its "HdrS" and its header checked
	# (tests/unit/test_linux_loader.c has the other errors).
	head -c 1024 /dev/zero >"$tmp/bzImage"
	printf 'HdrS' | dd of="$tmp/bzImage" bs=1 seek=514 conv=notrunc 2>/dev/null
	expect 1 "$tmp/bzImage: boot protocol 0.00 is too old" -kernel "$tmp/bzImage"
	head -c 3000000 /dev/zero >"$tmp/huge"
	expect 1 "$tmp/huge: too big for 2 MiB of RAM" -m 2 -kernel "$tmp/huge"
	aout "$tmp/hlt.bin" '\372\364'
	expect 1 "$tmp/nomod: No such file" -kernel "$tmp/hlt.bin" -initrd "$tmp/nomod arg"
	expect 1 "-D /nonexistent/dir/log" -D /nonexistent/dir/log -kernel "$tmp/hlt.bin"

	if [ -n "$demo" ] && [ -f "$demo" ]; then
		head -c 5000 "$demo" >"$tmp/truncated.elf"
		expect 1 "$tmp/truncated.elf: truncated" -kernel "$tmp/truncated.elf"
		head -c 1500000 /dev/zero >"$tmp/bigmod"
		expect 1 "$tmp/bigmod: does not fit in 2 MiB of RAM" -m 2 -kernel "$demo" \
			-initrd "$tmp/zeros,$tmp/bigmod args"
	fi
}

boot() {
	dx="-device isa-debug-exit,iobase=0xf4,iosize=4"
	if [ -n "$demo" ]; then
		# shellcheck disable=SC2086
		expect 1 "Hello from the bt86 demo kernel" -accel interp -nographic -no-reboot $dx -kernel "$demo"
		for fact in "multiboot magic 0x2BADB002 (ok)" "loaded by bt86" "vendor '" \
			"protected mode yes" "paging: on (CR0.PG = 1)" "two linear views of one frame" \
			"accessed and dirty bits of the page" "pi \* 1000000 = 3141593" "goodbye"; do
			tr -d '\r' <"$tmp/out" | grep -q -- "$fact" || fail "the demo did not print '$fact'"
		done
		[ -s "$tmp/err" ] && fail "the demo kernel left messages on stderr"
		# The demo kernel with a code cache of 1 MiB under bt.
		# shellcheck disable=SC2086
		expect 1 "goodbye" -accel bt -tb-size 1 -nographic -no-reboot $dx -kernel "$demo"
		printf 'module one' >"$tmp/m1"
		printf '22' >"$tmp/m2"
		expect 0 "guest halted" -accel interp -nographic -kernel "$demo" -append "hello world" \
			-initrd "$tmp/m1 a=1,,b,$tmp/m2"
		for fact in "command line '$demo hello world'" \
			"module 1: '$tmp/m1 a=1,b', 10 bytes at 0x" "module 2: '$tmp/m2', 2 bytes at 0x"; do
			tr -d '\r' <"$tmp/out" | grep -q -- "$fact" || fail "the demo did not print '$fact'"
		done
	fi
	aout "$tmp/hlt.bin" '\372\364'
	expect 0 "guest halted" -kernel "$tmp/hlt.bin"
	aout "$tmp/exit5.bin" '\260\005\346\364'
	# shellcheck disable=SC2086
	expect 11 "" $dx -kernel "$tmp/exit5.bin"
	# -d in_asm,out_asm under bt: each block as it is translated (guest
	# disassembly, then the host code with the jump to the exit stub named),
	# into the -D file; OUT is a callout to the interpreter inside the block,
	# named in the listing, and its device stops the machine there.
	# shellcheck disable=SC2086
	expect 11 "" -accel bt -d in_asm,out_asm -D "$tmp/bt.log" $dx -kernel "$tmp/exit5.bin"
	for fact in "IN: linear 0x00100020 (EIP 0x00100020, 32-bit, CPL 0), [0-9]* instructions" \
		"0x00100020:  b0 05 .*mov al, 5" "OUT: host 0x.*, [0-9]* bytes" \
		"jmp *<exit stub>" "<callout out>" "0x00100022:  e6 f4 .*out 0xf4, al"; do
		grep -q -- "$fact" "$tmp/bt.log" || fail "-d in_asm,out_asm under bt: no '$fact' in the log"
	done
	# Under interp, in_asm stays the interpreter's, one line per instruction.
	# shellcheck disable=SC2086
	expect 11 "" -accel interp -d in_asm -D "$tmp/interp.log" $dx -kernel "$tmp/exit5.bin"
	grep -q "00100020  mov al, 5" "$tmp/interp.log" && ! grep -q "^IN:" "$tmp/interp.log" \
		|| fail "-d in_asm under interp: not one line per instruction"
	# -tb-size: a guest that writes 256 KiB of INC EDX (8192 blocks of 32,
	# more than a 1 MiB cache has records for) and calls it twice, then
	# exits with 5 when EDX counted 2 x 256 Ki, 6 otherwise. With 1 MiB the
	# cache is flushed and translation goes on; the result stays right.
	aout "$tmp/incs.bin" '\274\000\000\030\000\277\000\000\040\000\271\000\000\004\000\260\102\374\363\252\306\007\303\061\322\270\000\000\040\000\377\320\377\320\201\372\000\000\010\000\017\225\300\004\005\346\364\364'
	# shellcheck disable=SC2086
	expect 11 "cache_flushes *[1-9]" -accel bt -tb-size 1 -d stats $dx -kernel "$tmp/incs.bin"
	# shellcheck disable=SC2086
	expect 11 "cache_flushes *0 " -accel bt -d stats $dx -kernel "$tmp/incs.bin"
	# shellcheck disable=SC2086
	expect 11 "" -accel interp $dx -kernel "$tmp/incs.bin"
	# UD2 with no IDT: #UD, then a double fault, then shutdown.
	aout "$tmp/ud2.bin" '\017\013'
	expect 3 "triple fault.*EIP=00100020" -kernel "$tmp/ud2.bin"
	# A guest that spins forever stops cleanly on SIGTERM with 128 + 15.
	aout "$tmp/spin.bin" '\353\376'
	"$bt86" -kernel "$tmp/spin.bin" </dev/null >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	sleep 1
	kill -TERM $pid
	wait $pid
	got=$?
	if [ $got = 143 ] && grep -q "stopped by signal 15" "$tmp/err"; then
		echo "ok: SIGTERM -> 143"
	else
		fail "a spinning guest sent SIGTERM exited with $got, expected 143"
	fi
}

case $mode in
errors) errors ;;
boot) boot ;;
*) echo "$0: unknown mode '$mode'" >&2; exit 2 ;;
esac
if [ $failures -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all checks passed"
