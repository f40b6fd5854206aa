"""baremetal.py - the bare-metal benchmarks: what one trapped instruction costs, and a compute loop, under every engine and natively.

The Linux guest cannot run under -accel trap (see docs/teaching.md), so these
use a multiboot kernel of their own (benchmarks/baremetal/costs.asm) that runs
one loop of benchmarks/baremetal/loops.inc N times and exits. A figure is the
host time of the whole bt86 process for N iterations minus that for N/5,
divided by the instructions in between: start-up, loading and exit cancel
out. The unprivileged loops also run as a static i386 host program (native).
"""
import os
import re
import statistics
import subprocess
import time
from dataclasses import dataclass

from . import config, guestrun
from .render import bar_chart, markdown_table

KERNEL = os.path.join("benchmarks", "baremetal", "costs.elf")     # in the build directory
NATIVE = os.path.join("benchmarks", "baremetal", "baremetal-native")
RESULT = re.compile(r"bare (\w+) n=(\d+) value=0x([0-9A-F]{8})")
SYSTEMS = ("native", "bt86")   # the system kinds that run these
PREFIX = "bare-"               # of their names in results.csv
SHORT = 5                      # the shorter run does N / SHORT iterations

# Host seconds the longer run should take beyond the shorter one (the
# harness finds N for it on each system, see calibrate).
TARGET_S = {"full": 0.5, "quick": 0.15, "smoke": 0.02}
# Host seconds after which one run counts as hung (a run takes about
# TARGET_S plus bt86's start-up).
TIMEOUT_S = {"full": 120, "quick": 60, "smoke": 10}
N_MAX = 1 << 30


@dataclass
class Kind:
    name: str            # the loop's KIND in loops.inc
    label: str           # for the report
    per_iter: int        # instructions (words for compute) per iteration
    unit: str
    native: bool         # runs at user level, so natively too
    value: str = ""      # what every system must compute ("": native's for the same N)


KINDS = [
    Kind("mov", "MOV EAX,EBX (ordinary)", 10, "ns/insn", True, "5A5A5A5A"),
    Kind("cr0", "MOV EAX,CR0 (privileged)", 10, "ns/insn", False, "00000011"),
    Kind("cli", "CLI (privileged at IOPL 0)", 10, "ns/insn", False, "00000000"),
    Kind("in", "IN AL,DX from a port without a device (I/O)", 10, "ns/insn", False, "000000FF"),
    Kind("compute", "compute loop, per word of a 4 KiB buffer (7 instructions)", 1024, "ns/word",
         True),
]


def mode(plan):
    return "smoke" if plan.smoke else "quick" if plan.scale > 1 else "full"


def systems(plan):
    """The systems that run the bare-metal benchmarks: native and bt86's engines."""
    return [s for s in plan.bare_systems if not s.unavailable]


def argv(plan, system, kind, n):
    if system.kind == "native":
        return [os.path.join(plan.build, NATIVE), f"{kind.name} {n}"]
    return [os.path.join(plan.build, "bt86"), "-accel", system.accel, "-nographic", "-no-reboot",
            "-m", "8M", "-device", "isa-debug-exit", "-kernel", os.path.join(plan.build, KERNEL),
            "-append", f"{kind.name} {n}"]


def run_once(plan, system, kind, n):
    """(host seconds, the value printed, why it failed or "")."""
    t0 = time.monotonic()
    limit = TIMEOUT_S[mode(plan)]
    try:
        p = subprocess.run(argv(plan, system, kind, n), stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=limit)
    except subprocess.TimeoutExpired:
        return 0.0, "", f"{kind.name} {n}: killed after {limit} s"
    t = time.monotonic() - t0
    out = p.stdout.decode("utf-8", "replace")
    m = RESULT.search(out)
    want_rc = 0 if system.kind == "native" else 1   # isa-debug-exit, value 0
    if p.returncode != want_rc or not m or m.group(1) != kind.name or int(m.group(2)) != n:
        last = (out + p.stderr.decode("utf-8", "replace")).strip().splitlines()
        return t, "", (f"{kind.name} {n}: exit status {p.returncode}, "
                       + (f"last output: {last[-1][:200]}" if last else "no output"))
    return t, m.group(3), ""


_native_values = {}


def expected(plan, kind, n):
    """The value KIND must print after N iterations (the native program's
    for loops without a fixed one)."""
    if kind.value:
        return kind.value
    if n not in _native_values:
        _, v, why = run_once(plan, config.System("native", "native"), kind, n)
        _native_values[n] = v or f"none: {why}"
    return _native_values[n]


def calibrate(plan, system, kind):
    """N such that N iterations take about TARGET_S more host time than
    N / SHORT: from short runs, growing N by what they measured."""
    target = TARGET_S[mode(plan)]
    base, _, why = run_once(plan, system, kind, 1)
    n = 100
    while not why:
        t, _, why = run_once(plan, system, kind, n)
        extra = t - base
        if extra >= target / 3 or n >= N_MAX:
            break
        n = int(n * min(100, max(2, 1.2 * target / extra))) if extra > 0 else n * 100
    n = min(N_MAX, max(n, int(n * target / extra)) if not why and extra > 0 else n)
    return -(-n // SHORT) * SHORT, why


def measure(plan, system, kind, n, run):
    """One Result: the host ns per instruction (per word for compute)."""
    name = PREFIX + kind.name
    short, long_ = n // SHORT, n
    t1, v1, why1 = run_once(plan, system, kind, short)
    t2, v2, why2 = run_once(plan, system, kind, long_)
    res = guestrun.Result(system.name, run, name, long_, unit=kind.unit, clock="host",
                          host_s=t2 - t1, ns=int((t2 - t1) * 1e9))
    if why1 or why2:
        res.note = why1 or why2
        return res
    for count, got in ((short, v1), (long_, v2)):
        want = expected(plan, kind, count)
        if got != want:
            res.note = f"{kind.name} {count}: value {got}, not {want}"
            return res
    res.checksum = v2
    res.value = (t2 - t1) * 1e9 / ((long_ - short) * kind.per_iter)
    res.ok = res.value > 0 or plan.smoke   # smoke checks the runs, not the clock
    if not res.ok:
        res.note = "the longer run did not take longer: noise larger than the work"
    return res


def run_all(plan):
    """Every bare-metal benchmark on every system, the runs interleaved."""
    results, sizes = [], {}
    for run in range(1, plan.runs + 1):
        for system in systems(plan):
            guestrun.progress(f"bare metal, run {run}/{plan.runs}: {system.name}...")
            for kind in KINDS:
                if system.kind == "native" and not kind.native:
                    continue
                if (system.name, kind.name) not in sizes:
                    sizes[system.name, kind.name] = calibrate(plan, system, kind)
                n, why = sizes[system.name, kind.name]
                res = (measure(plan, system, kind, n, run) if not why else
                       guestrun.Result(system.name, run, PREFIX + kind.name, n, unit=kind.unit,
                                       note=why))
                guestrun.progress(f"  {kind.name}: " + (f"{guestrun.fmt(res.value)} {kind.unit} (N={n})"
                                                        if res.ok else "FAILED: " + res.note))
                results.append(res)
    return results


def fmt_ns(x):
    return f"{x:.3g}" if x < 1000 else f"{x:,.0f}"


def chart(plan, medians):
    """The chart of the section (log scale), or why there is none."""
    problem = next((n for n in plan.notes if "gnuplot" in n), "")
    names = [s.name for s in plan.bare_systems if any((s.name, k.name) in medians for k in KINDS)]
    if problem or not names:
        return "No chart: " + (problem or "no figures")
    png = os.path.splitext(plan.report)[0] + "-baremetal.png"
    rows = [(k.name, [medians.get((s, k.name)) for s in names]) for k in KINDS]
    problem = bar_chart(plan, png, "baremetal", "Host ns per instruction (per word for compute; "
                        "median; log scale)", "ns", names, rows)
    return ("No chart: " + problem if problem else
            f"![ns per instruction, bare metal]({os.path.relpath(png, os.path.dirname(plan.report))})")


def section(plan, results):
    """The report's section: medians per kind and system, N, notes."""
    names = [s.name for s in plan.bare_systems]
    rows, notes, medians, sizes = [], [], {}, {}
    for kind in KINDS:
        row = [kind.label, kind.unit]
        for s in plan.bare_systems:
            rs = [r for r in results if r.system == s.name and r.bench == PREFIX + kind.name]
            if s.kind == "native" and not kind.native:
                row.append("n/a")
                continue
            if s.unavailable or not rs:
                row.append("not run")
                continue
            bad = [r for r in rs if not r.ok]
            sizes[s.name, kind.name] = rs[0].n
            if bad:
                notes.append(f"{s.name} {kind.name}: " + "; ".join(sorted({f'run {r.run}: {r.note}' for r in bad})))
                row.append(f"**failed** [{len(notes)}]")
                continue
            medians[s.name, kind.name] = statistics.median(r.value for r in rs)
            row.append(fmt_ns(medians[s.name, kind.name]))
        rows.append(row)
    out = ["", "## Bare-metal guests: what a trapped instruction costs", "",
           "`-accel trap` cannot run the Linux guest (it panics early: docs/teaching.md), so these "
           "benchmarks use a bare-metal multiboot kernel (benchmarks/baremetal/costs.asm) that runs "
           f"one loop N times and exits, under every engine. Each loop iteration is {KINDS[0].per_iter} "
           "copies of one instruction (the compute loop: 1024 words of 7 instructions); "
           "native runs the unprivileged loops as a static i386 program on the host (not pinned). "
           f"A figure is host time: that of the whole process for N iterations minus that for N/{SHORT}, "
           "divided by the instructions (words) in between, so start-up and exit cancel out; "
           f"the median of {plan.runs} run(s). N is chosen on each system so that the difference "
           f"is about {TARGET_S[mode(plan)]} s. Every run's value (CR0, the byte read, the checksum) "
           "is checked: against the right answer, or for the compute loop against the native "
           "program's.", ""]
    out += markdown_table(["loop", "unit"] + names, rows)
    out += ratio_lines(medians)
    out += ["", chart(plan, medians)]
    out += ["", "N (iterations of the longer run):", ""]
    out += markdown_table(["loop"] + names,
                          [[k.name] + [str(sizes.get((s, k.name), "—")) for s in names] for k in KINDS])
    if notes:
        out += [""] + [f"{i}. {n}" for i, n in enumerate(notes, 1)]
    return out


def ratio_lines(medians):
    """What the table says about trap against bt and native, in numbers."""
    out = []
    for k in ("cr0", "cli", "in"):
        trap, bt = medians.get(("bt86-trap", k)), medians.get(("bt86-bt", k))
        if trap and bt:
            out.append(f"{k}: under trap the instruction costs {trap / bt:.3g}× what it costs under bt")
    native = medians.get(("native", "compute"))
    for e in ("trap", "bt", "interp"):
        got = medians.get((f"bt86-{e}", "compute"))
        if native and got:
            out.append(f"compute loop under {e}: {native / got:.3g}× native speed")
    return [""] + [f"- {line}" for line in out] if out else []
