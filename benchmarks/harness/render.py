"""render.py - the report's building blocks: markdown tables and gnuplot bar charts."""
import os
import subprocess


def markdown_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def bar_chart(plan, png, name, title, ylabel, systems, rows, ymin=None):
    """A gnuplot histogram, log scale: ROWS of (label, a value or None per
    system) grouped by label; its data and script are NAME.dat and NAME.gp
    in the results. The reason it failed, or ""."""
    data = os.path.join(plan.results, name + ".dat")
    with open(data, "w") as f:
        f.write("bench " + " ".join(systems) + "\n")
        for label, vals in rows:
            f.write(label + " " + " ".join("NaN" if v is None else f"{v:.6g}" for v in vals) + "\n")
    n = len(systems)
    data_name = os.path.basename(data)  # gnuplot runs in the results directory
    script = f"""
set terminal pngcairo size 1000,560 font "sans,11"
set output "{os.path.relpath(png, plan.results)}"
set title "{title}"
set ylabel "{ylabel}"
set logscale y
set yrange [{"*" if ymin is None else ymin}:*]
set xrange [-0.6:{len(rows) - 0.4}]
set grid ytics mytics
set style fill solid 0.85 border -1
set key outside top center horizontal
set datafile missing "NaN"
set key autotitle columnhead
w = 0.8 / {n}
x(i) = column(0) + (i - 2 - ({n} - 1) / 2.0) * w
plot for [i=2:{n + 1}] "{data_name}" using (x(i)):(column(i)):(w) with boxes, \\
     for [i=2:{n + 1}] "{data_name}" using (x(i)):(column(i)):(sprintf("%.3g", column(i))) \\
         with labels offset 0,0.7 font ",9" notitle, \\
     "{data_name}" using 0:(NaN):xtic(1) notitle
"""
    with open(os.path.join(plan.results, name + ".gp"), "w") as f:
        f.write(script)
    r = subprocess.run(["gnuplot", name + ".gp"], cwd=plan.results, capture_output=True, text=True)
    return "" if r.returncode == 0 else "gnuplot failed: " + r.stderr.strip()[:300]
