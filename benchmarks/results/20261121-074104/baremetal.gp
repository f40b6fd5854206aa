
set terminal pngcairo size 1000,560 font "sans,11"
set output "../../../docs/benchmarks-baremetal.png"
set title "Host ns per instruction (per word for compute; median; log scale)"
set ylabel "ns"
set logscale y
set yrange [*:*]
set xrange [-0.6:4.6]
set grid ytics mytics
set style fill solid 0.85 border -1
set key outside top center horizontal
set datafile missing "NaN"
set key autotitle columnhead
w = 0.8 / 4
x(i) = column(0) + (i - 2 - (4 - 1) / 2.0) * w
plot for [i=2:5] "baremetal.dat" using (x(i)):(column(i)):(w) with boxes, \
     for [i=2:5] "baremetal.dat" using (x(i)):(column(i)):(sprintf("%.3g", column(i))) \
         with labels offset 0,0.7 font ",9" notitle, \
     "baremetal.dat" using 0:(NaN):xtic(1) notitle
