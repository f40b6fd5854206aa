# Makefile - wraps CMake: `make run` boots the default guest, `make test` runs every test.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all setup build run test bench clean

all: build

setup:
	@sh scripts/setup-deps.sh

build: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bt86 -nographic -no-reboot -kernel $(BUILD)/guests/demo/demo.elf $(RUN_ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	sh benchmarks/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
