"""config.py - what the harness runs: the benchmarks, the systems and their work sizes, one run's plan."""
import datetime
import os
import platform
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# bt86's engines the harness runs: adding an engine is adding its name here.
# (The Linux guest panics early under trap: its column shows how; the
# bare-metal benchmarks, harness/baremetal.py, run under every engine.)
BT86_ENGINES = ["interp", "bt", "trap"]

# How much less work a slow system does (the full work divided by this),
# by system or by "system/benchmark"; a system not listed does the full work.
# (The interpreter copies rep movs strings in bulk: memcpy is not slow there.)
WORK_DIVISOR = {"bt86-interp": 8, "bt86-interp/memcpy": 1}
# --quick does this much less work again, in one run.
QUICK_SCALE = 4


@dataclass
class Bench:
    name: str
    work: int            # units of work of a full run (`bench NAME work`)
    unit: str            # of the figure the program prints
    what: str            # one unit of work, for the report
    checksum: bool = False
    granule: int = 1     # the program rounds N up to a multiple of this

    @property
    def higher_is_better(self):
        return self.unit == "MB/s"


BENCHES = [
    Bench("compute", 128, "MB/s", "SHA-256 over N MiB", checksum=True),
    Bench("syscall", 1_000_000, "ns/call", "N getppid system calls"),
    Bench("pagefault", 65536, "ns/page",
          "first touch of N fresh anonymous pages (mmap, touch and munmap of 16 MiB at a time)"),
    Bench("forkwait", 2000, "us/fork", "N fork + waitpid of a child that exits at once"),
    Bench("ctxsw", 20000, "us/roundtrip", "N one-byte round trips over pipes between two processes"),
    Bench("exec", 1000, "us/exec", "N fork + execve + waitpid of a tiny static program"),
    Bench("memcpy", 8192, "MB/s", "N MiB copied by memcpy in 4 MiB blocks", checksum=True,
          granule=4),
]
BOOT = Bench("boot", 1, "s", "from the start of the VM to the guest's marker line")


@dataclass
class System:
    name: str
    kind: str            # native, bt86 or qemu
    accel: str = ""      # -accel of bt86 or QEMU
    unavailable: str = ""  # why the system cannot run here ("" when it can)


def systems(engines=None):
    out = [System("native", "native")]
    out += [System("bt86-" + e, "bt86", e) for e in engines or BT86_ENGINES]
    out += [System("qemu-tcg", "qemu", "tcg"), System("qemu-kvm", "qemu", "kvm")]
    return out


def all_system_names(engines=None):
    return [s.name for s in systems(engines)]


@dataclass
class Plan:
    build: str
    runs: int
    scale: int                     # extra divisor of the work (--quick, --smoke)
    systems: list
    report: str
    results: str
    timeout: int
    boot_timeout: int
    smoke: bool
    stamp: str
    date: str
    machine: str
    guest_dir: str = ""
    bench_bin: str = ""
    notes: list = field(default_factory=list)
    bare_systems: list = field(default_factory=list)   # of the bare-metal benchmarks

    def work(self, system, bench):
        """Units of work of BENCH on SYSTEM."""
        divisor = WORK_DIVISOR.get(f"{system.name}/{bench.name}", WORK_DIVISOR.get(system.name, 1))
        n = max(1, bench.work // divisor // self.scale)
        return -(-n // bench.granule) * bench.granule


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, Linux {platform.release()}"


def plan(args):
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    build = os.path.abspath(args.build)
    wanted = set(args.systems.split(",")) if args.systems else None
    if args.smoke:
        wanted = {"native"}
    engines = args.engines.split(",") if args.engines else None
    unknown = (wanted or set()) - set(all_system_names(engines))
    if unknown:
        raise SystemExit(f"run.py: unknown system(s) {', '.join(sorted(unknown))}")
    chosen = [s for s in systems(engines) if wanted is None or s.name in wanted]
    # The bare-metal benchmarks are cheap: --smoke runs them on every engine.
    bare = [s for s in systems(engines) if s.kind in ("native", "bt86")
            and (args.smoke or wanted is None or s.name in wanted)]
    results = args.results or os.path.join(ROOT, "benchmarks", "results", stamp)
    report = args.report or (os.path.join(results, "benchmarks.md") if args.smoke
                             else os.path.join(ROOT, "docs", "benchmarks.md"))
    runs = args.runs or (1 if args.quick or args.smoke else 3)
    scale = 1000 if args.smoke else QUICK_SCALE if args.quick else 1
    return Plan(build=build, runs=runs, scale=scale, systems=chosen, report=report,
                results=results, timeout=args.timeout, boot_timeout=args.boot_timeout, smoke=args.smoke, stamp=stamp,
                date=now.strftime("%Y-%m-%d %H:%M UTC"), machine=machine(),
                bench_bin=os.path.join(build, "benchmarks", "guest", "bin"), bare_systems=bare)
