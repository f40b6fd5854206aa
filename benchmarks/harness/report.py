"""report.py - the results as a person wants them: markdown report, raw CSV, chart, bt86's counters."""
import csv
import dataclasses
import json
import os
import statistics

from . import baremetal, config, guestrun
from .render import bar_chart, markdown_table

CHART_SYSTEMS_EXCLUDED = {"native"}   # the chart shows ratios against native


def rel(path, start):
    return os.path.relpath(path, os.path.dirname(start))


class Table:
    """The medians of every system and benchmark, and notes on why the others failed."""

    def __init__(self, plan, results):
        self.plan = plan
        self.benches = [config.BOOT] + config.BENCHES
        self.cells, self.notes = {}, {}   # notes: text -> the cells it is about
        self.host_clocked = [r for r in results if r.ok and r.clock == "host"]
        for s in plan.systems:
            for b in self.benches:
                self.cells[s.name, b.name] = self._cell(s, b, [r for r in results
                                                               if r.system == s.name and r.bench == b.name])

    def _note(self, text, about):
        """The number of note TEXT, shared by every cell it is about."""
        self.notes.setdefault(text, []).append(about)
        return list(self.notes).index(text) + 1

    def _cell(self, system, bench, rs):
        """(median or None, text)."""
        if system.unavailable:
            return None, f"not run [{self._note(f'{system.name} was not run: {system.unavailable}', '')}]"
        if system.kind == "native" and bench.name == "boot":
            return None, "n/a"
        bad = [r for r in rs if not r.ok]
        if bad or not rs:
            why = "; ".join(sorted({f"run {r.run}: {r.note}" for r in bad})) or "not run"
            return None, f"**failed** ({len(bad)}/{len(rs)}) [{self._note(why, f'{system.name} {bench.name}')}]"
        med = statistics.median(r.value for r in rs)
        off = [r for r in rs if r.clock == "host" and guestrun.clock_disagrees(r)]
        if not off:
            return med, guestrun.fmt(med)
        text = ("the guest's own clock disagreed with the host's ("
                + ", ".join(f"run {r.run}: guest {r.ns / 1e9:.3g} s, host {r.host_s:.3g} s" for r in off)
                + "); the figure, like every guest figure, is from the host's clock")
        return med, f"{guestrun.fmt(med)} [{self._note(text, f'{system.name} {bench.name}')}]"

    def note_lines(self):
        return [f"{i}. " + (", ".join(about) + ": " if any(about) else "") + text
                for i, (text, about) in enumerate(self.notes.items(), 1)]

    def clocks_agreed(self):
        return self.host_clocked and not any("own clock" in t for t in self.notes)

    def value(self, system, bench):
        """The median of SYSTEM on BENCH, or None when it was not run."""
        cell = self.cells.get((system, bench))
        return cell[0] if cell else None

    def slowdown(self, system, ref, bench):
        """How many times slower SYSTEM is than REF on BENCH (None if unknown)."""
        a, b = self.value(system, bench.name), self.value(ref, bench.name)
        if a is None or b is None:
            return None
        return b / a if bench.higher_is_better else a / b


def fmt_ratio(x):
    return "—" if x is None else f"{x:.3g}×"


def read_stats(path):
    """{counter: value} from a -d stats file."""
    counters = {}
    try:
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) >= 2 and w[1].isdigit():
                    counters[w[0]] = int(w[1])
    except OSError:
        pass
    return counters


def stats_section(plan, md, results):
    """The counters of each bt86 system whose guest booted at least once."""
    out = []
    booted = {r.system for r in results if r.bench == config.BOOT.name and r.ok}
    for s in plan.systems:
        if s.kind != "bt86" or s.name not in booted:
            continue
        runs = [(r, read_stats(guestrun.stats_file(plan, s, r))) for r in range(1, plan.runs + 1)]
        names = [n for n in dict.fromkeys(n for _, c in runs for n in c) if any(c.get(n) for _, c in runs)]
        out += ["", f"## bt86 -accel {s.accel}: `-d stats` counters", "",
                "Each run is one boot of the guest followed by every benchmark, so the counters cover "
                "the boot and all the benchmarks together (nonzero counters only; files: "
                + ", ".join(f"[run {r}]({rel(guestrun.stats_file(plan, s, r), md)})" for r, _ in runs)
                + ").", ""]
        walls = [run_seconds(guestrun.log_file(plan, s, r)) for r, _ in runs]
        rows = [[n] + [f"{c[n]:,}" if n in c else "" for _, c in runs] for n in names]
        rows.append(["*seconds of the run (host)*"] + [f"{w:.1f}" if w else "" for w in walls])
        rows += [[f"*{n} per second*"] + [f"{c[n] / w / 1e6:.1f} M" if n in c and w else ""
                                          for (_, c), w in zip(runs, walls)]
                 for n in names if n.startswith("insns_")]
        out += markdown_table(["counter"] + [f"run {r}" for r, _ in runs], rows)
    return out


def run_seconds(log):
    """The host's seconds from the start of a VM to its last line of output."""
    try:
        with open(log) as f:
            last = [line for line in f][-1]
        return float(last.split()[0])
    except (OSError, IndexError, ValueError):
        return 0.0


def chart(plan, table, png):
    """A gnuplot histogram of the slowdowns against native (log scale)."""
    benches = config.BENCHES
    systems = [s.name for s in plan.systems if s.name not in CHART_SYSTEMS_EXCLUDED
               and any(table.slowdown(s.name, "native", b) for b in benches)]
    if not systems:
        return "no system has figures to compare with native's"
    rows = [(b.name, [table.slowdown(s, "native", b) for s in systems]) for b in benches]
    return bar_chart(plan, png, "slowdown", "Slowdown against native (median; log scale; lower is better)",
                     "times slower than native", systems, rows, ymin=0.5)


def save_plan(plan):
    """plan.json beside the results, for --rerender; paths relative to the
    directory the harness runs in, so no machine's layout is recorded."""
    fields = {k: os.path.relpath(v) if isinstance(v, str) and os.path.isabs(v) else v
              for k, v in dataclasses.asdict(plan).items()}
    with open(os.path.join(plan.results, "plan.json"), "w") as f:
        json.dump(fields, f, indent=1)


def load(results_dir, report_path=None):
    """The plan and results of an earlier run (its plan.json and results.csv)."""
    with open(os.path.join(results_dir, "plan.json")) as f:
        fields = json.load(f)
    fields["systems"] = [config.System(**s) for s in fields["systems"]]
    fields["bare_systems"] = [config.System(**s) for s in fields.get("bare_systems", [])]
    fields["results"] = os.path.abspath(results_dir)
    if report_path:
        fields["report"] = os.path.abspath(report_path)
    plan = config.Plan(**fields)
    kinds = {f.name: f.type for f in dataclasses.fields(guestrun.Result)}
    convert = {"int": int, "float": float, "bool": lambda v: v == "True", "str": str}
    with open(os.path.join(results_dir, "results.csv"), newline="") as f:
        results = [guestrun.Result(**{k: convert[kinds[k] if isinstance(kinds[k], str) else kinds[k].__name__](v)
                                      for k, v in row.items() if k in kinds})
                   for row in csv.DictReader(f)]
    return plan, results


def write_csv(plan, results):
    path = os.path.join(plan.results, "results.csv")
    fields = [f.name for f in dataclasses.fields(guestrun.Result)]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date", "machine"] + fields)
        for r in results:
            w.writerow([plan.date, plan.machine] + [getattr(r, k) for k in fields])
    return path


def write(plan, results, rerender=False):
    """The report; with the raw CSV unless RERENDER (it is already there)."""
    csv_path = os.path.join(plan.results, "results.csv") if rerender else write_csv(plan, results)
    table = Table(plan, results)
    md = plan.report
    os.makedirs(os.path.dirname(md), exist_ok=True)
    png = os.path.splitext(md)[0] + ".png"
    problem = next((n for n in plan.notes if "gnuplot" in n), "") or chart(plan, table, png)
    chart_line = ["No chart: " + problem if problem else f"![slowdown against native]({rel(png, md)})", ""]

    names = [s.name for s in plan.systems]
    done = {(r.system, r.bench): str(r.n) for r in results}
    works = {s.name: {b.name: done.get((s.name, b.name), "—") for b in config.BENCHES} for s in plan.systems}
    out = ["# bt86 benchmarks", "",
           "Generated by `make bench` (benchmarks/run.py"
           + (" --quick" if plan.scale == config.QUICK_SCALE else " --smoke" if plan.smoke else "")
           + f") on {plan.date}; machine: {plan.machine}. "
           f"{plan.runs} run(s) per system, interleaved; each figure is the median of the runs. "
           "The guest is Debian's i386 kernel with a busybox initramfs (scripts/build-reference-guest.sh), "
           "128 MiB, one CPU; native runs the same static i386 programs on the host under `taskset -c 0`. "
           "Slow systems do less work (see Work done), and each figure is per unit of work. "
           "A guest's figures are timed by the host, from the arrival of the benchmark's begin line "
           "to that of its ended line on the serial console (printed where the program's own "
           "timing starts and ends); the guest's own clock is only a cross-check (see Notes). "
           "The bare-metal benchmarks at the end run under every engine, -accel trap included, "
           "and give the cost of one trapped instruction.", ""]
    out += ["## Medians", ""]
    rows = [[f"{b.name} ({b.unit})"] + [table.cells[s, b.name][1] for s in names] for b in table.benches]
    out += markdown_table(["benchmark"] + names, rows)
    for ref in ("native", "qemu-tcg"):
        others = [s for s in names if s != ref]
        if ref not in names or not others:
            continue
        out += ["", f"## Slowdown against {ref} (times slower; lower is better)", ""]
        out += markdown_table(["benchmark"] + others,
                              [[b.name] + [fmt_ratio(table.slowdown(s, ref, b)) for s in others]
                               for b in table.benches if not (ref == "native" and b.name == "boot")])
    out += ["", "## Chart", ""] + chart_line
    out += ["## Systems", ""]
    for s in plan.systems:
        desc = {"native": "the host, 32-bit compatibility mode, pinned to CPU 0",
                "bt86": f"`bt86 -accel {s.accel}`",
                "qemu": f"`qemu-system-i386 -accel {s.accel}` (Debian's; only a comparison; its boot time "
                        "includes SeaBIOS)"}[s.kind]
        out.append(f"- **{s.name}**: {desc}" + (f" — not run: {s.unavailable}" if s.unavailable else ""))
    out += ["", "## Work done (N of each benchmark)", ""]
    out += markdown_table(["benchmark"] + names,
                          [[b.name] + [works[s][b.name] for s in names] for b in config.BENCHES])
    out += ["", "## Benchmarks", ""]
    out += [f"- **{b.name}** ({b.unit}): {b.what}" + (" (checksum checked)" if b.checksum else "")
            for b in table.benches]
    out += ["", "Compute and memcpy print a checksum of their work, checked against a reference "
            "computed independently by the harness; a missing line, a wrong checksum or a timeout "
            "is reported as failed, never as a figure."]
    out += ["", "## Notes", ""] + table.note_lines()
    if table.clocks_agreed():
        out += ["", "Every guest's own clock agreed with the host's within "
                f"{(guestrun.CLOCK_TOLERANCE - 1) * 100:.0f}% on every benchmark."]
    if plan.bare_systems:
        out += baremetal.section(plan, results)
    out += stats_section(plan, md, results)
    out += ["", f"Raw figures: [{rel(csv_path, md)}]({rel(csv_path, md)}); the guests' console "
            "logs (with the host's arrival time of each line) are beside it.", "",
            "To measure again: `make bench` (three runs; `make bench BENCH_ARGS=--quick` for one run "
            "of a quarter of the work); `python3 benchmarks/run.py --help` lists the options, e.g. "
            "`--systems native,qemu-tcg` or `--rerender RESULTS_DIR` to rewrite this page from "
            "earlier results.", ""]
    with open(md, "w") as f:
        f.write("\n".join(out))
    guestrun.progress(f"wrote {md}" + ("" if problem else f", {png}") + f" and {csv_path}")
