# Makefile - wraps CMake: `make run` boots the reference guest to a shell, `make test` runs every test.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all setup build guest run demo test bench clean

all: build

setup:
	@sh scripts/setup-deps.sh

build: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The reference guest: Debian's 32-bit Linux and busybox (scripts/build-reference-guest.sh).
GUEST = $(BUILD)/guest
APPEND ?= console=ttyS0

guest:
	@sh scripts/build-reference-guest.sh $(GUEST)

# An interactive shell in the reference guest (Ctrl-A x quits). -accel is
# left to bt86's default, the fastest engine that works.
run: build guest
	$(BUILD)/bt86 -nographic -kernel $(GUEST)/bzImage -initrd $(GUEST)/initramfs.cpio.gz \
		-append "$(APPEND)" $(RUN_ARGS)

# The multiboot demo kernel.
demo: build
	$(BUILD)/bt86 -nographic -no-reboot -kernel $(BUILD)/guests/demo/demo.elf $(RUN_ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Every benchmark: the interpreter loop's instruction rate, then the guest
# benchmarks and boot time natively, under each engine and under QEMU, then
# the bare-metal ones (a trapped instruction's cost; every engine, trap too)
# (benchmarks/run.py writes docs/benchmarks.md; BENCH_ARGS=--quick for a short run).
bench: build
	sh benchmarks/run.sh $(BUILD)
	python3 benchmarks/run.py --build $(BUILD) $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)
