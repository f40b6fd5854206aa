"""guestrun.py - running the benchmarks on each system, interleaved, and reading their result lines."""
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from . import config, refs

MARKER = "bt86-guest: init reached"
RESULT = re.compile(r"bench (\w+) n=(\d+) ns=(\d+) value=(\S+) unit=(\S+)(?: checksum=([0-9a-f]{8}))?")
FAILED = re.compile(r"bench (\w+) FAILED: (.*)")
BEGIN = re.compile(r"bench-begin (\w+)")
ENDED = re.compile(r"bench-ended (\w+)")   # as long as the begin line, just before the result
HEARTBEAT_S = 60   # progress while a VM prints nothing of interest
ANSI = re.compile(r"\x1b(\[[0-9;?]*)?[A-Za-z]")
EXITED = re.compile(r"bt86-guest: command exited with status (\d+)")


@dataclass
class Result:
    system: str
    run: int
    bench: str
    n: int
    ok: bool = False
    value: float = 0.0      # the per-unit figure (seconds for boot)
    unit: str = ""
    ns: int = 0             # the time the guest measured
    host_s: float = 0.0     # the time the host saw between the begin and result lines
    checksum: str = ""
    note: str = ""          # why it failed
    clock: str = "guest"    # whose clock VALUE comes from: guest, or host (see host_clock)
    guest_value: float = 0.0  # VALUE by the guest's clock when clock is host


def progress(msg):
    print(time.strftime("[%H:%M:%S] ") + msg, file=sys.stderr, flush=True)


def stop_group(proc):
    """SIGTERM to PROC's process group (bt86 then still writes its -d stats
    counters), SIGKILL when it has not exited 10 s later."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def spawn_lines(argv, timeout, stop=None, boot_timeout=None):
    """Runs ARGV; returns ([(host seconds since start, line)], exit status,
    why it was killed): killed at TIMEOUT, at BOOT_TIMEOUT when no guest
    marker line came by then, or when STOP(line) said so (status None)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    lines = queue.Queue()

    def reader():
        for raw in proc.stdout:
            text = ANSI.sub("", raw.decode("utf-8", "replace")).replace("\r", "").rstrip("\n")
            lines.put((time.monotonic() - t0, text))
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    out, why, limit, beat = [], "", boot_timeout or timeout, HEARTBEAT_S
    while not why:
        now = time.monotonic() - t0
        if now >= beat:
            beat += HEARTBEAT_S
            progress(f"  ... {now:.0f} s, {len(out)} lines" + (f"; last: {out[-1][1].strip()[:90]}" if out else ""))
        try:
            item = lines.get(timeout=max(min(limit, beat) - now, 0.01))
        except queue.Empty:
            if time.monotonic() - t0 < limit:
                continue
            why = (f"killed: no marker line after {limit} s" if limit != timeout
                   else f"killed after {limit} s")
            break
        if item is None:
            break
        out.append(item)
        if item[1].startswith(MARKER):
            limit = timeout
        if stop and stop(item[1]):
            why = "stopped at: " + item[1].strip()
    if why:
        stop_group(proc)
    proc.wait()
    return out, None if why else proc.returncode, why


# A guest's clock counts as agreeing with the host's within this factor.
CLOCK_TOLERANCE = 1.25


def host_clock(res, bench):
    """A guest's figure, from the host's clock: the time between the arrival
    of its begin and ended lines (printed where the guest's timing starts
    and ends; both as long, so the console's speed cancels out). The guest's own clock cannot be trusted in every VM; its
    figure is kept in guest_value."""
    ratio = res.ns / 1e9 / res.host_s if res.host_s > 0 else 0
    res.guest_value, res.clock = res.value, "host"
    if ratio <= 0:
        res.ok, res.note = False, "no begin line or no time between it and the result"
    else:
        res.value = res.value * ratio if bench.higher_is_better else res.value / ratio


def clock_disagrees(res):
    ratio = res.ns / 1e9 / res.host_s if res.host_s > 0 else 1
    return not 1 / CLOCK_TOLERANCE < ratio < CLOCK_TOLERANCE


def check(res, bench):
    """Fails RES unless its unit and checksum are what BENCH must print."""
    if not res.ok:
        return res
    want = refs.expected(bench.name, res.n)
    if res.unit != bench.unit:
        res.ok, res.note = False, f"unit {res.unit}, not {bench.unit}"
    elif want and res.checksum != want:
        res.ok, res.note = False, f"checksum {res.checksum or 'missing'}, not {want}"
    elif not (res.value > 0):
        res.ok, res.note = False, f"figure {res.value}"
    return res


def parse(system, run, lines, works, end_note, guest=False):
    """The results in LINES, one per benchmark of WORKS ({name: n}); the ones
    missing fail with END_NOTE. GUEST: the clock is checked."""
    found, begun, ended = {}, {}, {}
    benches = {b.name: b for b in config.BENCHES}
    for t, line in lines:
        m = BEGIN.search(line)
        if m:
            begun[m.group(1)] = t
        m = ENDED.search(line)
        if m:
            ended[m.group(1)] = t
        m = RESULT.search(line)
        if m and m.group(1) in works:
            name = m.group(1)
            found[name] = Result(system, run, name, int(m.group(2)), True, float(m.group(4)),
                                 m.group(5), int(m.group(3)), ended.get(name, t) - begun.get(name, t),
                                 m.group(6) or "")
            if guest:
                host_clock(found[name], benches[name])
        m = FAILED.search(line)
        if m and m.group(1) in works:
            found[m.group(1)] = Result(system, run, m.group(1), works[m.group(1)],
                                       note=m.group(2))
    return [check(found[name], benches[name]) if name in found
            else Result(system, run, name, n, note=end_note)
            for name, n in works.items()]


def run_native(plan, system, run):
    out = []
    exe = os.path.join(plan.bench_bin, "bench")
    for b in config.BENCHES:
        n = plan.work(system, b)
        lines, rc, why = spawn_lines(["taskset", "-c", "0", exe, b.name, str(n)], plan.timeout)
        out += parse(system.name, run, lines, {b.name: n},
                     f"no result line ({why or f'exit status {rc}'}): {lines[-1][1] if lines else 'no output'}")
    return out


def guest_command(plan, system):
    return "; ".join(f"/bench/bench {b.name} {plan.work(system, b)}" for b in config.BENCHES)


def vm_argv(plan, system, append, stats=None):
    kernel = ["-kernel", os.path.join(plan.guest_dir, "bzImage"),
              "-initrd", os.path.join(plan.guest_dir, "initramfs.cpio.gz"), "-append", append]
    common = ["-nographic", "-no-reboot", "-m", "128M"]
    if system.kind == "bt86":
        return ([os.path.join(plan.build, "bt86"), "-accel", system.accel] + common + kernel +
                ["-d", "stats", "-D", stats])
    return ["qemu-system-i386", "-accel", system.accel] + common + kernel


def stats_file(plan, system, run):
    return os.path.join(plan.results, f"{system.name}.run{run}.stats")


def log_file(plan, system, run):
    """The guest's console output, each line after the host's seconds since the start."""
    return os.path.join(plan.results, f"{system.name}.run{run}.log")


def watch(line):
    """Shows the guest's progress; True (stop the VM) at the end of QEMU's
    report of a KVM error, after which it would wait forever."""
    if line.startswith(MARKER) or RESULT.search(line) or FAILED.search(line):
        progress("  guest: " + line.strip())
    return line.startswith("Code=")


def run_guest(plan, system, run):
    works = {b.name: plan.work(system, b) for b in config.BENCHES}
    append = f'console=ttyS0 bt86_cmd="{guest_command(plan, system)}"'
    stats = stats_file(plan, system, run)
    lines, rc, why = spawn_lines(vm_argv(plan, system, append, stats), plan.timeout, stop=watch,
                                 boot_timeout=plan.boot_timeout)
    with open(log_file(plan, system, run), "w") as f:
        f.writelines(f"{t:9.3f} {line}\n" for t, line in lines)
    marker = [t for t, line in lines if line.startswith(MARKER)]
    exited = [m.group(1) for _, line in lines for m in [EXITED.search(line)] if m]
    end = why or (f"the VM exited with status {rc}" + (f", the commands with {exited[0]}" if exited else ""))
    if not marker and lines:
        end += f"; its last line: {lines[-1][1].strip()[:300]}"
    boot = Result(system.name, run, "boot", 1, bool(marker), marker[0] if marker else 0.0, "s",
                  note="" if marker else "no marker line; " + end)
    return [boot] + parse(system.name, run, lines, works, "no result line; " + end, guest=True)


def fmt(x):
    """A figure with about 4 significant digits, without an exponent."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def show(results):
    return ", ".join(f"{r.bench} {fmt(r.value)} {r.unit}" if r.ok else f"{r.bench} FAILED"
                     for r in results)


def run_all(plan):
    os.makedirs(plan.results, exist_ok=True)
    results = []
    for run in range(1, plan.runs + 1):
        for system in plan.systems:
            if system.unavailable:
                continue
            progress(f"run {run}/{plan.runs}: {system.name}...")
            t0 = time.monotonic()
            got = (run_native if system.kind == "native" else run_guest)(plan, system, run)
            progress(f"run {run}/{plan.runs}: {system.name} took {time.monotonic() - t0:.0f} s: "
                     + show(got))
            for r in got:
                if not r.ok:
                    progress(f"  {r.bench} failed: {r.note}")
            results += got
    return results
