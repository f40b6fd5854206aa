"""setup.py - before the runs: host tools, the guest with its /bench, and which systems can run here."""
import os
import shutil
import subprocess

from . import baremetal, config, guestrun

# The Debian package that provides each tool the harness uses.
TOOLS = {"qemu-system-i386": "qemu-system-x86", "gnuplot": "gnuplot-nox", "taskset": "util-linux"}


def install(tool, allowed=True):
    """Installs TOOL's Debian package when it is missing, ALLOWED and we are
    root; the reason it is missing otherwise ("" when it is there)."""
    if shutil.which(tool):
        return ""
    if not allowed or os.geteuid() != 0:
        return f"{tool} is not installed (Debian package {TOOLS[tool]}; needs root)"
    guestrun.progress(f"installing {TOOLS[tool]}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", TOOLS[tool]]
    if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, stdout=subprocess.DEVNULL)
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL)
    return "" if shutil.which(tool) else f"installing {TOOLS[tool]} failed"


def build_guest(plan):
    """The reference guest with the benchmark programs in its /bench."""
    plan.guest_dir = os.path.join(plan.build, "bench-guest")
    env = dict(os.environ, BT86_GUEST_BENCH=plan.bench_bin)
    script = os.path.join(config.ROOT, "scripts", "build-reference-guest.sh")
    if subprocess.run(["sh", script, plan.guest_dir], env=env).returncode != 0:
        return "the reference guest could not be built (scripts/build-reference-guest.sh)"
    return ""


def probe_kvm(plan, system):
    """Why QEMU's KVM cannot run the guest here ("" when it can): a short boot."""
    if not os.path.exists("/dev/kvm"):
        return "no /dev/kvm on this host"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "/dev/kvm is not accessible to this user"
    guestrun.progress("probing qemu -accel kvm with a short boot of the guest")
    argv = guestrun.vm_argv(plan, system, "console=ttyS0 bt86_cmd=true")
    lines, rc, _ = guestrun.spawn_lines(argv, 120, stop=lambda line: line.startswith("Code=")
                                        or line.startswith(guestrun.MARKER))
    text = [line for _, line in lines]
    if any(line.startswith(guestrun.MARKER) for line in text):
        return ""
    for i, line in enumerate(text):
        if "KVM internal error" in line:
            eip = next((w for l in text[i:] for w in l.split() if w.startswith("EIP=")), "")
            code = next((" ".join(l.split("<", 1)[1].replace(">", "").split()[:3])
                         for l in text[i:] if l.startswith("Code=") and "<" in l), "?")
            what = next((l.strip() for l in text[i + 1:] if l.strip() and not l.startswith("extra data")), "")
            return (f"this host's /dev/kvm cannot run the guest: QEMU stops with \"{line.strip()}\" "
                    f"({what}) at {eip or 'EIP=?'}, on the bytes {code}, before the kernel is up")
    last = text[-1].strip() if text else "no output"
    return f"qemu -accel kvm did not reach the guest's marker line (exit status {rc}): {last}"


def prepare(plan):
    os.makedirs(plan.results, exist_ok=True)
    missing = [f for f in ("bench", "bench-exit") if not os.access(os.path.join(plan.bench_bin, f), os.X_OK)]
    if missing:
        raise SystemExit(f"run.py: {plan.bench_bin} lacks {', '.join(missing)}: build first (make build)")
    plan.notes.append(install("gnuplot", allowed=not plan.smoke))
    taskset = install("taskset", allowed=not plan.smoke)
    guest = ""
    if any(s.kind != "native" for s in plan.systems):
        guest = build_guest(plan)
    qemu = install("qemu-system-i386") if any(s.kind == "qemu" for s in plan.systems) else ""
    for s in plan.systems:
        if s.kind == "native":
            s.unavailable = taskset
        else:
            s.unavailable = guest or (qemu if s.kind == "qemu" else "")
        if not s.unavailable and s.kind == "bt86" and not os.access(os.path.join(plan.build, "bt86"), os.X_OK):
            s.unavailable = f"no {plan.build}/bt86: build first"
        if not s.unavailable and s.name == "qemu-kvm":
            s.unavailable = probe_kvm(plan, s)
        if s.unavailable:
            guestrun.progress(f"{s.name}: not run: {s.unavailable}")
    for s in plan.bare_systems:
        need = baremetal.NATIVE if s.kind == "native" else baremetal.KERNEL
        if not os.path.exists(os.path.join(plan.build, need)):
            s.unavailable = f"no {need} in the build: build first"
        elif s.kind == "bt86" and not os.access(os.path.join(plan.build, "bt86"), os.X_OK):
            s.unavailable = "no bt86 in the build: build first"
    plan.notes = [n for n in plan.notes if n]
