# Crowds of throttled clients: zipstream against nginx limit_rate, same run (bench/run.sh, bench/report.py).
#   gnuplot -e "datafile='target/bench/crowd.dat'; outfile='docs/scale.png'" bench/scale.gp
# crowd.dat: one line per row, "\"label\" rss_mib first_byte_p95_ms share_p5".
set terminal pngcairo size 1100,520 font "sans,10"
set output outfile
set multiplot layout 1,2 title "zipstream vs nginx limit\\_rate: throttled crowds, 2 cores, loopback (see BENCHMARKS.md)"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.8
set xtics rotate by -30 scale 0
set grid y
set yrange [0:*]
set title "server RSS, peak (MiB)"
plot datafile using 2:xtic(1) lc rgb "#1f77b4" notitle
set title "first byte p95 (ms), connect to first body byte"
plot datafile using 3:xtic(1) lc rgb "#d62728" notitle
unset multiplot
