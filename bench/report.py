#!/usr/bin/env python3
"""BENCHMARKS.md from bench/run.sh's results.txt (lines "key value..."), plus bench/PROFILE.md verbatim.

usage: report.py RESULTS OUT_MD CROWD_DAT
"""
import os
import statistics
import sys

results_path, out_path, dat_path = sys.argv[1:4]
r = {}
marks = []
# Every crowd row has its own nginx run just before it, under the same keys: keep each one with the row it preceded
# (nginx_before[(jdk, clients, kib, who)], in the order of the run).
last_nginx, nginx_before = {}, {}
for line in open(results_path, encoding="utf-8"):
    key, _, value = line.rstrip("\n").partition(" ")
    if key == "mark":
        t, _, what = value.partition(" ")
        marks.append((int(t), what))
        continue
    r[key] = value
    parts = key.split(".")
    if parts[0] == "crowd" and len(parts) == 6:
        group, who, field = tuple(parts[1:4]), parts[4], parts[5]
        if who == "nginx":
            last_nginx.setdefault(group, {})[field] = value
        else:
            nginx_before.setdefault(group + (who,), dict(last_nginx.get(group, {})))

out = []
w = out.append
clk = int(r.get("meta.clk_tck", "100"))
GIB = float(1 << 30)


def num(key):
    try:
        return float(r[key])
    except (KeyError, ValueError):
        return None


def fmt(v, digits=2):
    return "–" if v is None else f"{v:,.{digits}f}"


def verdict(ok):
    return "**met**" if ok else "**not met**"


# quietness: which marked parts had foreign java/mvn processes
noisy_parts = []
try:
    samples = [l.split() for l in open(r["meta.quiet_log"], encoding="utf-8") if l.strip()]
    for i, (t, what) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else float("inf")
        n = sum(1 for s in samples if t <= int(s[0]) < end and int(s[1]) > 0)
        if n:
            noisy_parts.append(f"{what} ({n} samples)")
except (KeyError, OSError):
    pass

w("# zipstream against nginx\n")
w(f"Made by `bench/run.sh` on {r.get('meta.date', '?')} in {r.get('meta.seconds', '?')} s "
  f"(sections: {r.get('meta.sections', '?')}).\n")
w(f"- Machine: {r.get('meta.cores', '?')} cores ({r.get('meta.cpu', '?')}), "
  f"{int(r.get('meta.memory_mib', '0')) / 1024:.1f} GiB memory, Linux {r.get('meta.kernel', '?')}, loopback.")
w(f"- Java {r.get('meta.java25', '?')} for every server unless a row says 17 ({r.get('meta.java17', '?')}); "
  f"-Xmx512m in every server; Jetty 12.1.12 (jetty-home), Debian Tomcat {r.get('meta.tomcat', '?')}, "
  f"nginx {r.get('meta.nginx', '?')}, curl {r.get('meta.curl', '?')}.")
quiet = r.get("meta.noisy_samples", "?")
w(f"- Quietness: other java/mvn processes were running in {quiet} of {r.get('meta.quiet_samples', '?')} 5-second "
  f"samples; 1-minute load {r.get('meta.load_start', '?').split()[0]} at the start, highest "
  f"{r.get('meta.max_load1', '?')}."
  + (f" **Not quiet** (the machine is shared: other engineers build and test on its 2 cores) during: "
     + "; ".join(noisy_parts) + ". The interleaved pairs are meant for exactly that: noise hits both sides of a pair."
     if noisy_parts else ""))
w("")

# ---- single ---------------------------------------------------------------------------------------------------------
single = {}
for key, value in r.items():
    if key.startswith("single.") and ".pair" in key:
        kind = key.split(".")[1]
        ns, zs, nc, zc, b = (float(x) for x in value.split())
        single.setdefault(kind, []).append((ns, zs, nc, zc, b))
names = {"jetty-ee10": "jetty-home 12.1, ee10", "jetty-ee11": "jetty-home 12.1, ee11",
         "jetty-base": "shipped jetty-base (ee10)", "tomcat10": "Debian Tomcat 10.1"}
goal1 = {"jetty-ee10": 0.8, "jetty-ee11": 0.8, "jetty-base": 0.8, "tomcat10": 0.6}
crowd_rows = sorted({tuple(k.split(".")[1:5]) for k in r if k.startswith("crowd.")},
                    key=lambda t: (int(t[1]), -int(t[0]), t[3] != "nginx", t[3]))
# zipstream_aq: the same server with Jetty's accept queue raised to 1,024 (jetty.http.acceptQueueSize)
variants = {"zipstream": "", "zipstream_aq": ", accept queue 1,024",
            "zipstream_vt": ", accept queue 1,024, virtual-thread pool",
            "zipstream_base": ", shipped jetty-base"}

w("## Targets (issue 13)\n")
w("| goal | figure | verdict |")
w("|---|---|---|")
for kind, pairs in single.items():
    ratios = [z / n for n, z, *_ in pairs]
    med = statistics.median(ratios)
    w(f"| 1. one download ≥ {goal1.get(kind, 0.8)}× nginx, {names.get(kind, kind)} | median of {len(ratios)} pair "
      f"ratios {med:.2f}× (pairs {min(ratios):.2f}–{max(ratios):.2f}) | {verdict(med >= goal1.get(kind, 0.8))} |")
    if kind.startswith("jetty"):
        ncpu = sum(p[2] for p in pairs) / clk / (sum(p[4] for p in pairs) / GIB)
        zcpu = sum(p[3] for p in pairs) / clk / (sum(p[4] for p in pairs) / GIB)
        w(f"| 1. server CPU per GiB ≤ 2× nginx's, {names.get(kind, kind)} | {zcpu:.2f} s vs {ncpu:.2f} s "
          f"({zcpu / ncpu if ncpu else float('inf'):.1f}×) | {verdict(ncpu > 0 and zcpu <= 2 * ncpu)} |")
for jdk, clients, kib, who in [t for t in crowd_rows if t[3] in variants]:
    p = f"crowd.{jdk}.{clients}.{kib}.{who}."
    fb_limit = 50 if clients == "1000" else 100
    rss_limit = 300 if clients == "1000" else 512
    med, p5 = num(p + "share_median"), num(p + "share_p5")
    fb95 = num(p + "fb_p95_ms")
    rss = num(p + "server_peak_rss_mib")
    idle, peak = num(p + "server_idle_threads"), num(p + "server_peak_threads")
    goal = "2" if clients == "1000" and jdk == "25" else "5" if clients == "1000" else "3"
    label = f"{int(clients):,} clients, {kib} KiB/0.5 s, Java {jdk}{variants[who]}"
    w(f"| {goal}. {label}: share median and p5 ≥ 0.99 | {fmt(med, 3)}, {fmt(p5, 3)} | "
      f"{verdict(med is not None and p5 is not None and med >= 0.99 and p5 >= 0.99)} |")
    try:
        nfb95 = float(nginx_before[(jdk, clients, kib, who)]["fb_p95_ms"])
    except (KeyError, ValueError):
        nfb95 = None
    w(f"| {goal}. {label}: first byte p95 ≤ {fb_limit} ms | {fmt(fb95, 1)} ms (nginx just before: {fmt(nfb95, 1)} ms) | "
      f"{verdict(fb95 is not None and fb95 <= fb_limit)} |")
    w(f"| {goal}. {label}: RSS ≤ {rss_limit} MiB | {fmt(rss, 0)} MiB | {verdict(rss is not None and rss <= rss_limit)} |")
    if idle is not None and peak is not None:
        w(f"| {goal}. {label}: threads ≤ 16 above idle | {int(idle)} idle, {int(peak)} peak (+{int(peak - idle)}) | "
          f"{verdict(peak - idle <= 16)} |")
w("")

if single:
    w("## One download, stored, DELAY=0, interleaved with nginx\n")
    w(f"200 MiB of incompressible files (100 × 2 MiB) as one stored archive of {int(num('single.bytes') or 0):,} bytes. "
      "nginx (one process, `sendfile on`) serves the very bytes zipstream sent, saved from the first download "
      "(every container is checked to send the same bytes). Per container: a fresh server on Java 25 with "
      "`DELAY=0`, 10 unmeasured downloads (JIT, CRC cache), then pairs *nginx, zipstream* by curl into /dev/null; "
      "the ratio is taken per pair. Server CPU is utime + stime of the server process from /proc/PID/stat "
      "around each download (all threads), summed over the pairs, per GiB sent.\n")
    w("| container | pairs: zipstream / nginx MB/s (ratio) | median ratio | CPU s/GiB zipstream | CPU s/GiB nginx |")
    w("|---|---|---:|---:|---:|")
    for kind, pairs in single.items():
        cells = ", ".join(f"{z / 1e6:,.0f} / {n / 1e6:,.0f} ({z / n:.2f})" for n, z, *_ in pairs)
        ratios = [z / n for n, z, *_ in pairs]
        gib = sum(p[4] for p in pairs) / GIB
        w(f"| {names.get(kind, kind)} | {cells} | {statistics.median(ratios):.2f}× | "
          f"{sum(p[3] for p in pairs) / clk / gib:.2f} | {sum(p[2] for p in pairs) / clk / gib:.2f} |")
    w("")

if crowd_rows:
    secs = r.get("meta.crowd_seconds", "?")
    w("## Crowds of throttled clients, nginx `limit_rate` in the same run\n")
    w("`bench/LoadClient.java` (one NIO selector thread, every socket read into one buffer and dropped) opens the "
      "connections at an even pace over the arrival time, and measures each client on its own clock from the "
      f"moment its connect began: share = body bytes within the read time ({secs} s) / ({secs} s × CHUNK_SIZE / 0.5 s), so a "
      "late first byte costs share; first byte = connect to first body byte. Server figures from /proc/PID: peak "
      "VmRSS and Threads sampled every 200 ms, idle threads of the started server before any request, CPU = utime + "
      "stime over the run. zipstream runs in default jetty-home 12.1 (ee10), `DELAY=0.5`, `MAX_DOWNLOADS` = clients, "
      "on a 10 MiB stored archive (5 × 2 MiB) whose CRCs were computed by one range request first (the herd is "
      "goal 4, tested on its own), after 200 one-chunk range requests (4 at a time) and a crowd of the same size "
      "read for 4 s, so that the measured crowd meets a JVM whose compiler has seen one (a server in service "
      "has; the first crowd on a fresh JVM is slower, see the profile below). Rows \"accept queue 1,024\" start "
      "Jetty with `jetty.http.acceptQueueSize=1024` (as the shipped jetty-base does): default jetty-home keeps "
      "the JDK's backlog of 50. Rows \"virtual-thread pool\" add Jetty's `threadpool-all-virtual` module. Rows \"shipped jetty-base\" run "
      "this repository's `jetty-base/run.sh` as an operator would: accept queue 1,024, `-Xms64m`, and from Java 24 "
      "the virtual-thread pool (`JETTY_THREADS=auto`). nginx: one process, `limit_rate` = CHUNK_SIZE / 0.5 s, serving zipstream's archive "
      "as a file, measured by the same client just before.\n")
    w("| JDK | clients | arrival | chunk | server | 200 | share median | p5 | worst | first byte median | p95 | max | RSS peak MiB | threads idle → peak | server CPU s | client CPU s |")
    w("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for jdk, clients, kib, who in crowd_rows:
        p = f"crowd.{jdk}.{clients}.{kib}.{who}."
        arrive = "1 s" if clients == "1000" else "10 s"
        idle, peak = num(p + "server_idle_threads"), num(p + "server_peak_threads")
        thr = f"{int(idle)} → {int(peak)}" if idle is not None and peak is not None else "–"
        server = "zipstream" + variants[who] if who in variants else who
        runs = [n.get("fb_p95_ms", "nan") for k, n in nginx_before.items() if k[:3] == (jdk, clients, kib)]
        if who == "nginx" and len(runs) > 1:
            server = (f"nginx (the last of its {len(runs)} runs, one before each row below; first byte p95 of each: "
                      + ", ".join(f"{float(v):,.1f}" for v in runs) + " ms)")
        w(f"| {jdk if who != 'nginx' else '–'} | {int(clients):,} | {arrive} | {kib} KiB | {server} | "
          f"{r.get(p + 'ok', '–')} | {fmt(num(p + 'share_median'), 3)} | {fmt(num(p + 'share_p5'), 3)} | "
          f"{fmt(num(p + 'share_worst'), 3)} | {fmt(num(p + 'fb_median_ms'), 1)} ms | {fmt(num(p + 'fb_p95_ms'), 1)} ms | "
          f"{fmt(num(p + 'fb_max_ms'), 0)} ms | {fmt(num(p + 'server_peak_rss_mib'), 0)} | {thr} | "
          f"{fmt(num(p + 'server_cpu_s'), 1)} | {fmt(num(p + 'client_cpu_s'), 1)} |")
    w("")
    with open(dat_path, "w", encoding="utf-8") as dat:
        for jdk, clients, kib, who in crowd_rows:
            p = f"crowd.{jdk}.{clients}.{kib}.{who}."
            label = (f"nginx (before Java {jdk})" if who == "nginx"
                     else f"zipstream, Java {jdk}{ {'zipstream_aq': ', queue 1,024', 'zipstream_vt': ', virtual pool', 'zipstream_base': ', jetty-base'}.get(who, '')}")
            dat.write(f"\"{label}, {int(clients):,}\" {num(p + 'server_peak_rss_mib') or 0} "
                      f"{num(p + 'fb_p95_ms') or 0} {num(p + 'share_p5') or 0}\n")

profile = os.path.join(os.path.dirname(os.path.abspath(__file__)), "PROFILE.md")
if os.path.exists(profile):
    w(open(profile, encoding="utf-8").read().rstrip() + "\n")

w(f"Reproduce: `bench/run.sh` (all), or e.g. `bench/run.sh --no-build --only crowd`; raw figures in "
  f"`target/bench/results.txt`, server and client logs in `target/bench/logs/`.")
with open(out_path, "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
