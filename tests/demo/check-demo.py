#!/usr/bin/env python3
"""check-demo.py - the Popek-Goldberg demo's test: bt agrees with interp on
every row (when bt is built), and trap differs where it must.

usage: check-demo.py BT86
Exit 0: pass, 1: fail, 77: skipped (this host cannot run -accel trap)."""
import json
import subprocess
import sys

# Rows where trap-and-emulate must differ from the reference: one of each
# group (POPF-IF, PUSHF-IF, SMSW, SGDT or SIDT, PUSH CS RPL).
MUST_DIFFER = [
    ("POPF-IF", ["popf-if0", "popf-if1"]),
    ("PUSHF-IF", ["pushf-if", "pushf3-if"]),
    ("SMSW", ["smsw", "smsw3"]),
    ("SGDT or SIDT", ["sgdt", "sgdt3", "sidt", "sidt3"]),
    ("PUSH CS RPL", ["push-cs"]),
]


def check_translation(bt86):
    """--show-translation under bt: for every probe, the guest blocks
    (bytes and disassembly) and the host code produced, with the exit
    stub named. Returns the failures."""
    run = subprocess.run([bt86, "demo", "popek-goldberg", "--engine", "bt", "--show-translation",
                          "--format", "json"], capture_output=True, text=True, timeout=300)
    failures = [] if run.returncode == 0 else [f"--show-translation: exit status {run.returncode}"]
    sections = run.stderr.split("\n== probe ")[1:]
    if len(sections) != len(json.loads(run.stdout)["rows"]):
        failures.append(f"--show-translation: {len(sections)} probe sections in the log")
    for sec in sections:
        name = sec.splitlines()[0]
        if "\nIN: linear 0x" not in sec:
            failures.append(f"--show-translation: no guest block under probe {name}")
    for want in ["\nOUT: host 0x", "jmp     <exit stub>", "<miss -> interpreter>", "0f 01 05", "sgdt "]:
        if want not in run.stderr:
            failures.append(f"--show-translation: '{want.strip()}' is not in the log")
    return failures


def main():
    run = subprocess.run([sys.argv[1], "demo", "popek-goldberg", "--format", "json"],
                         capture_output=True, text=True, timeout=300)
    try:
        table = json.loads(run.stdout)
    except json.JSONDecodeError:
        print("demo output is not JSON:\n" + run.stdout + run.stderr)
        return 1
    engines, rows = table["engines"], {r["key"]: r for r in table["rows"]}
    failures = []
    if not engines["interp"]["ran"]:
        print("interp did not run: " + engines["interp"]["error"])
        return 1
    for r in rows.values():
        if r["interp"] is None:
            failures.append(f"interp gave no result for {r['key']}")
    if not engines["trap"]["ran"]:
        err = engines["trap"]["error"]
        print("trap did not run: " + err)
        return 77 if "cannot start the engine" in err else 1
    for name, keys in MUST_DIFFER:
        if not any(rows[k]["trap"] and not rows[k]["trap"]["agrees"] for k in keys):
            failures.append(f"trap agrees with interp on {name} ({', '.join(keys)})")
    bt = engines.get("bt")
    if bt and bt["ran"]:
        for k, r in rows.items():
            if not r["bt"] or not r["bt"]["agrees"]:
                failures.append(f"bt differs from interp on {k}: "
                                f"{r['bt'] and r['bt']['text']} vs {r['interp']['text']}")
        if run.returncode != 0:
            failures.append(f"demo exit status {run.returncode} though bt agrees")
        failures += check_translation(sys.argv[1])
    elif bt and bt["error"] != "not built yet":
        failures.append("bt is built but did not run: " + bt["error"])
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("ok: trap differs on " + ", ".join(n for n, _ in MUST_DIFFER) +
              ("; bt agrees with interp on every row and --show-translation lists its blocks"
               if bt and bt["ran"] else "; bt not built"))
    return 1 if failures else 0


sys.exit(main())
