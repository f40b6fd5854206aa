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
    elif bt and bt["error"] != "not built yet":
        failures.append("bt is built but did not run: " + bt["error"])
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("ok: trap differs on " + ", ".join(n for n, _ in MUST_DIFFER) +
              ("; bt agrees with interp on every row" if bt and bt["ran"] else "; bt not built"))
    return 1 if failures else 0


sys.exit(main())
