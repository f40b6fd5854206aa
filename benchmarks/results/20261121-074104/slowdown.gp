
set terminal pngcairo size 1000,560 font "sans,11"
set output "../../../docs/benchmarks.png"
set title "Slowdown against native (median; log scale; lower is better)"
set ylabel "times slower than native"
set logscale y
set yrange [0.5:*]
set xrange [-0.6:6.6]
set grid ytics mytics
set style fill solid 0.85 border -1
set key outside top center horizontal
set datafile missing "NaN"
set key autotitle columnhead
w = 0.8 / 3
x(i) = column(0) + (i - 2 - (3 - 1) / 2.0) * w
plot for [i=2:4] "slowdown.dat" using (x(i)):(column(i)):(w) with boxes, \
     for [i=2:4] "slowdown.dat" using (x(i)):(column(i)):(sprintf("%.3g", column(i))) \
         with labels offset 0,0.7 font ",9" notitle, \
     "slowdown.dat" using 0:(NaN):xtic(1) notitle
