#!/usr/bin/env python3
"""run.py - bt86's benchmark harness: the guest benchmarks natively, under bt86's engines and under QEMU.

Usage: benchmarks/run.py [--build DIR] [--runs N] [--quick] [--smoke] [--engines E,...]
                         [--systems NAME,...] [--report FILE] [--results DIR] ...
       benchmarks/run.py --rerender RESULTS_DIR [--report FILE]

Runs the static i386 programs of benchmarks/guest (`bench NAME N`) and the
boot of the reference guest, interleaved (run 1 of every system, then run 2,
...), on:
  native       the same binaries on the host, pinned with taskset -c 0
  bt86-ENGINE  bt86 -accel ENGINE for each engine of BT86_ENGINES (harness/config.py)
               or of --engines
  qemu-tcg     qemu-system-i386 -accel tcg, same kernel, initramfs, memory
               and command line (a comparison only)
  qemu-kvm     the same with -accel kvm, when a probe boot shows that this
               host's /dev/kvm runs the guest (otherwise its column says why)
Then the bare-metal benchmarks (harness/baremetal.py): a multiboot kernel
timing one instruction (privileged ones included) or a compute loop, under
every engine of bt86, -accel trap included, and natively.
Each guest boot runs every benchmark in one go (bt86_cmd= on the kernel
command line, see scripts/build-reference-guest.sh). Slow systems do less
work (WORK_DIVISOR); every figure is per unit of work (ns per call, MB/s)
so that ratios stay meaningful. Checksums of compute and memcpy are checked
against references computed here in Python; a missing or wrong result is
reported as failed, never as a number.

Writes the report (median per system and benchmark, ratios against native
and against QEMU TCG, date, machine, bt86's -d stats counters) to
docs/benchmarks.md, a chart of the ratios to docs/benchmarks.png (gnuplot),
and the raw figures and counters to benchmarks/results/STAMP/.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import baremetal, config, guestrun, report, setup  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default="build", help="the CMake build directory (default build)")
    p.add_argument("--runs", type=int, help="runs per system (default 3; --quick 1)")
    p.add_argument("--quick", action="store_true", help="one run, a quarter of the work")
    p.add_argument("--smoke", action="store_true",
                   help="check the harness: native only (the bare-metal benchmarks: every engine), "
                   "one run, tiny work, report in --results")
    p.add_argument("--systems", help="comma-separated subset of: native, bt86-ENGINE, qemu-tcg, qemu-kvm")
    p.add_argument("--report", help="the markdown report (default docs/benchmarks.md)")
    p.add_argument("--results", help="where raw CSV and counters go (default benchmarks/results/STAMP)")
    p.add_argument("--engines", help="bt86's engines to run, comma-separated (default: "
                   + ",".join(config.BT86_ENGINES) + ")")
    p.add_argument("--timeout", type=int, default=3600, help="seconds for one guest boot and its benchmarks")
    p.add_argument("--boot-timeout", type=int, default=900, help="seconds for a guest to reach its marker line")
    p.add_argument("--rerender", metavar="RESULTS_DIR",
                   help="run nothing: write the report again from an earlier run's results")
    return p.parse_args()


def main():
    args = parse_args()
    if args.rerender:
        plan, results = report.load(args.rerender, args.report)
        report.write(plan, results, rerender=True)
        return 0
    plan = config.plan(args)
    setup.prepare(plan)
    report.save_plan(plan)
    results = guestrun.run_all(plan) + baremetal.run_all(plan)
    report.write(plan, results)
    # The smoke test fails on any failed benchmark; a real run reports them.
    return 1 if plan.smoke and not all(r.ok for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
