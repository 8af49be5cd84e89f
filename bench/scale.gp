# Server RSS and live threads against the number of throttled clients, Java 17 and 25.
#   gnuplot -e "datafile='scale.dat'; outfile='docs/scale.png'" bench/scale.gp
# scale.dat (bench/report.py): one block per JDK (Java 17 first, then 25), lines "clients rss_mib threads oom(1/0)".
set terminal pngcairo size 1000,560 font "sans,11"
set output outfile
set title "zipstream: 200 KiB/s clients (CHUNK\\_SIZE=100, DELAY=0.5), Jetty 12.1, -Xmx512m; dotted: targets"
set logscale x
set xrange [7:4500]
set xtics (10, 100, 1000, 3000)
set xlabel "concurrent clients"
set ylabel "server RSS, peak (MiB)"
set y2label "server live threads, peak (log)"
set logscale y2
set yrange [0:*]
set y2range [10:*]
set ytics nomirror
set y2tics
set grid
set key top left
# targets at 1,000 clients: RSS <= 600 MiB, <= 64 threads on Java 21+
set arrow from graph 0, first 600 to graph 1, first 600 nohead dt 3 lw 1.5 lc rgb "#555555"
set arrow from graph 0, second 64 to graph 1, second 64 nohead dt 3 lw 1.5 lc rgb "#d62728"
plot datafile index 0 using 1:2 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "RSS, Java 17", \
     datafile index 1 using 1:2 with linespoints lw 2 pt 7 lc rgb "#d62728" title "RSS, Java 25", \
     datafile index 0 using 1:3 axes x1y2 with linespoints lw 2 dt 2 pt 5 lc rgb "#1f77b4" title "threads, Java 17", \
     datafile index 1 using 1:3 axes x1y2 with linespoints lw 2 dt 2 pt 5 lc rgb "#d62728" title "threads, Java 25", \
     datafile index 0 using 1:($4 > 0 ? $2 : 1/0):("OutOfMemoryError") with labels offset -6,0.8 font "sans,9" notitle, \
     datafile index 1 using 1:($4 > 0 ? $2 : 1/0):("OutOfMemoryError") with labels offset -6,-0.8 font "sans,9" notitle
