#!/usr/bin/env python3
"""Turns bench/run.sh's results (one "key value" a line) into BENCHMARKS.md and the chart's data file.

    python3 bench/report.py RESULTS.txt OUT.md SCALE.dat

MB is 10^6 bytes; MiB is 2^20 bytes.
"""
import json
import sys

results_path, md_path, dat_path = sys.argv[1:4]
r = {}
marks = []  # (epoch, what runs from then on)
with open(results_path, encoding="utf-8") as f:
    for line in f:
        line = line.rstrip("\n")
        if line.startswith("mark "):
            _, t, what = line.split(" ", 2)
            marks.append((int(t), what))
        elif line:
            key, _, value = line.partition(" ")
            r[key] = value


def noisy_parts():
    """Which parts of the run the samples with foreign java/mvn processes fell in, and what those were."""
    parts, seen = {}, []
    try:
        with open(r.get("meta.quiet_log", ""), encoding="utf-8") as q:
            for line in q:
                fields = line.split(" ", 3)
                if len(fields) >= 3 and fields[1] != "0":
                    t = int(fields[0])
                    what = "setup and build"
                    for mt, mw in marks:
                        if mt <= t:
                            what = mw
                    parts[what] = parts.get(what, 0) + 1
                    rest = fields[3].strip().lstrip("| ") if len(fields) > 3 else ""
                    for proc in rest.split(";"):
                        cmd = " ".join(proc.split()[1:])[:60]
                        if cmd and cmd not in seen:
                            seen.append(cmd)
    except OSError:
        pass
    return parts, seen


def num(key):
    v = r.get(key)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def f(v, digits=1):
    return "n/a" if v is None else f"{v:,.{digits}f}"


def mb(bytes_per_s):
    return None if bytes_per_s is None else bytes_per_s / 1e6


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def ms(seconds):
    return None if seconds is None else seconds * 1000


quick = r.get("meta.label") == "quick"
sections = r.get("meta.sections", "")
out = []
w = out.append

big_bytes = num("data.big.bytes")
big_files = num("data.big.files")
big_desc = f"{f(big_bytes / 2**20, 0)} MiB of incompressible files ({f(big_files, 0)} × 2 MiB)" if big_bytes else "n/a"

w("# zipstream benchmarks")
w("")
w(f"Made by `{r.get('meta.command', 'bench/run.sh')}` on {r.get('meta.date')} "
  f"({'QUICK smoke run: small data sets, short windows; not for comparison' if quick else 'full scale'}), "
  f"in {r.get('meta.seconds')} s.")
w("")
w(f"- Machine: {r.get('meta.cores')} cores ({r.get('meta.cpu')}), {f(num('meta.memory_mib') / 1024, 1)} GiB memory, "
  f"Linux {r.get('meta.kernel')}.")
w(f"- Server JDKs: {r.get('meta.java17')}; {r.get('meta.java25', 'no Java 25')}. Jetty 12.1.12 (jetty-base), "
  f"server heap -Xmx512m in every run.")
w(f"- Tools: curl {r.get('meta.curl')}, nginx {r.get('meta.nginx')}, zip {r.get('meta.zip')}, "
  f"bsdtar {r.get('meta.bsdtar')}; the load client is bench/LoadClient.java on Java 17.")
noisy = num("meta.noisy_samples") or 0
samples = num("meta.quiet_samples") or 0
quiet = "quiet" if noisy == 0 else "NOT quiet"
w(f"- Machine {quiet}: other java/mvn processes seen in {f(noisy, 0)} of {f(samples, 0)} samples (every 5 s); "
  f"load average {r.get('meta.load_start')} at the start, {r.get('meta.load_end')} at the end, "
  f"highest 1-minute load seen {r.get('meta.max_load1')}.")
if noisy:
    parts, seen = noisy_parts()
    if parts:
        w("  Samples with other processes, by part of the run: "
          + "; ".join(f"{what}: {n}" for what, n in parts.items())
          + (f" (processes: {'; '.join(f'`{c}…`' for c in seen[:3])})" if seen else "") + ".")
w(f"- Sections run: {sections}.")
w("")

# --- targets ------------------------------------------------------------------------------------------------------
store_vs_nginx = ratio(num("single.store.speed"), num("nginx.store.speed"))
deflate_vs_zip = ratio(num("zipr.big.time"), num("single.deflate.total"))
tiny_vs_bsdtar = ratio(num("small.tiny.bsdtar.total"), num("small.tiny.store.total"))
ttfb_warm = ms(num("single.store.ttfb_warm"))


def verdict(value, ok):
    if value is None:
        return "not measured"
    return "**met**" if ok else "**MISSED**"


targets = []
targets.append(("store 200 MiB ≥ 0.6× nginx",
                f"{f(store_vs_nginx, 2)}× ({f(mb(num('single.store.speed')))} vs {f(mb(num('nginx.store.speed')))} MB/s)",
                verdict(store_vs_nginx, store_vs_nginx is not None and store_vs_nginx >= 0.6)))
targets.append(("deflate ≥ 0.9× zip -r",
                f"{f(deflate_vs_zip, 2)}× (input {f(ratio(big_bytes, num('single.deflate.total')) and ratio(big_bytes, num('single.deflate.total')) / 1e6)}"
                f" vs {f(ratio(big_bytes, num('zipr.big.time')) and ratio(big_bytes, num('zipr.big.time')) / 1e6)} MB/s)",
                verdict(deflate_vs_zip, deflate_vs_zip is not None and deflate_vs_zip >= 0.9)))
targets.append((f"{f(num('data.tiny.files'), 0)} × 1 KB store ≥ 0.5× bsdtar",
                f"{f(tiny_vs_bsdtar, 2)}× ({f(ratio(num('data.tiny.files'), num('small.tiny.store.total')), 0)} vs "
                f"{f(ratio(num('data.tiny.files'), num('small.tiny.bsdtar.total')), 0)} files/s)",
                verdict(tiny_vs_bsdtar, tiny_vs_bsdtar is not None and tiny_vs_bsdtar >= 0.5)))
targets.append(("TTFB warm ≤ 50 ms (store)", f"{f(ttfb_warm, 1)} ms",
                verdict(ttfb_warm, ttfb_warm is not None and ttfb_warm <= 50)))
for jdk in ("17", "25"):
    p = f"scale.{jdk}.1000.1000."
    worst = num(p + "share_worst")
    ok_count = num(p + "ok")
    all_served = ok_count is not None and ok_count == 1000
    targets.append((f"1,000 throttled clients each ≥ 95 % of the rate, Java {jdk}",
                    f"worst {f(worst and worst * 100, 1)} %, median {f(num(p + 'share_median') and num(p + 'share_median') * 100, 1)} %"
                    f" ({f(ok_count, 0)} of 1,000 served)",
                    verdict(worst, worst is not None and worst >= 0.95 and all_served)))
    rss = num(p + "server_peak_rss_mib")
    targets.append((f"1,000 clients: server RSS ≤ 600 MiB, Java {jdk}", f"{f(rss, 0)} MiB peak",
                    verdict(rss, rss is not None and rss <= 600)))
threads25 = num("scale.25.1000.1000.server_peak_threads")
targets.append(("1,000 clients: ≤ 64 live threads on Java 21+ (Java 25)", f"{f(threads25, 0)} peak",
                verdict(threads25, threads25 is not None and threads25 <= 64)))

w("## Targets")
w("")
if quick:
    w("A quick run has smaller data sets and no 1,000-client run: the verdicts below are not the targets' verdicts.")
    w("")
w("| target | figure | verdict |")
w("|---|---|---|")
for t in targets:
    w(f"| {t[0]} | {t[1]} | {t[2]} |")
w("")

# --- 1, 2: one download ---------------------------------------------------------------------------------------------
if "single" in sections:
    w(f"## 1–2. One download, no throttle (DELAY=0, CHUNK_SIZE=100), {big_desc}")
    w("")
    w(f"curl (`-o /dev/null -w %{{speed_download}}`) in its own process; median of {r.get('meta.label') == 'quick' and 3 or 5} "
      "downloads after unmeasured ones (store 4, deflate 1: JIT and CRC cache warm). nginx serves the very archive bytes zipstream sent "
      "(saved from the first download) as a static file, sendfile on, one worker, loopback. `zip -r - . > /dev/null` "
      "runs in the folder (level 6, as zipstream's deflate).")
    w("")
    w("| | archive bytes | MB/s of archive bytes | × nginx, same bytes | MB/s of input | × zip -r |")
    w("|---|---:|---:|---:|---:|---:|")
    zip_input = ratio(big_bytes, num("zipr.big.time"))
    for mode in ("store", "deflate"):
        speed = num(f"single.{mode}.speed")
        total = num(f"single.{mode}.total")
        input_rate = ratio(big_bytes, total)
        w(f"| zipstream {mode} | {f(num(f'single.{mode}.bytes'), 0)} | {f(mb(speed))} | "
          f"{f(ratio(speed, num(f'nginx.{mode}.speed')), 2)}× | {f(mb(input_rate))} | {f(ratio(input_rate, zip_input), 2)}× |")
    for mode in ("store", "deflate"):
        w(f"| nginx, {mode}.zip as a file | {f(num(f'single.{mode}.bytes'), 0)} | {f(mb(num(f'nginx.{mode}.speed')))} | 1× | | |")
    w(f"| `zip -r - . > /dev/null` | | | | {f(mb(zip_input))} | 1× |")
    w("")
    w(f"Individual runs (B/s): store {r.get('single.store.speeds')}; deflate {r.get('single.deflate.speeds')}.")
    w("")

# --- 3: small files -------------------------------------------------------------------------------------------------
if "small" in sections:
    w("## 3. Many small files (text), DELAY=0")
    w("")
    w("Time for the whole archive: zipstream from curl's `%{time_total}` (median, after one unmeasured download that "
      "fills the CRC cache); bsdtar (`--format zip --options zip:compression=store -cf - . > /dev/null`) and "
      "`zip -q -r - . > /dev/null` timed by the script in the folder, page cache warm. MB/s are of the files' bytes.")
    w("")
    w("| files | tool | archive bytes | time s | files/s | MB/s of input | × bsdtar store |")
    w("|---|---|---:|---:|---:|---:|---:|")
    for s, desc in (("small", "10 KB"), ("tiny", "1 KB")):
        files = num(f"data.{s}.files")
        inp = num(f"data.{s}.bytes")
        bsd = num(f"small.{s}.bsdtar.total")
        label = f"{f(files, 0)} × {desc}"
        for tool, key, size in (("zipstream store", f"small.{s}.store.total", num(f"small.{s}.store.bytes")),
                                ("zipstream deflate", f"small.{s}.deflate.total", num(f"small.{s}.deflate.bytes")),
                                ("bsdtar store", f"small.{s}.bsdtar.total", None),
                                ("zip -r (deflate)", f"small.{s}.zipr.total", None)):
            t = num(key)
            w(f"| {label} | {tool} | {f(size, 0) if size else ''} | {f(t, 3)} | {f(ratio(files, t), 0)} | "
              f"{f(mb(ratio(inp, t)))} | {f(ratio(bsd, t), 2)}× |")
    w("")

# --- 4: TTFB --------------------------------------------------------------------------------------------------------
if "single" in sections:
    w(f"## 4. Time to first byte, {big_desc}")
    w("")
    w("curl's `%{time_starttransfer}` (request sent to first response byte; the headers go out with the first chunk). "
      "Cold, fresh JVM: the first request after start (empty CRC cache, nothing JIT-compiled). Cold CRC cache, warm "
      "JVM: after `touch` on every file, so no cached CRC matches. Warm: median of the measured downloads. "
      "The page cache is warm in every case.")
    w("")
    w("| | store | deflate |")
    w("|---|---:|---:|")
    for key, desc in (("ttfb_cold_jvm", "cold: first request of a fresh JVM"),
                      ("ttfb_cold_touched", "cold CRC cache: files just touched, warm JVM"),
                      ("ttfb_warm", "warm (median)")):
        w(f"| {desc} | {f(ms(num(f'single.store.{key}')), 1)} ms | {f(ms(num(f'single.deflate.{key}')), 1)} ms |")
    w("")

# --- 5: scale -------------------------------------------------------------------------------------------------------
rows = []
for key in r:
    if key.startswith("scale.") and key.endswith(".clients"):
        _, jdk, clients, maxd, _ = key.split(".")
        rows.append((int(jdk), int(clients), int(maxd)))
rows.sort(key=lambda t: (t[0], t[1], -t[2]))
if rows:
    w("## 5. Throttled clients (CHUNK_SIZE=100, DELAY=0.5: 200 KiB/s each), store, 10 MiB archive, -Xmx512m")
    w("")
    w(f"bench/LoadClient.java (JDK only, one selector thread) opens the connections (at most 32 without a status line "
      f"at a time), waits until all have their status line (ramp), 1 s more, then reads every connection for the "
      f"window ({r.get(f'scale.{rows[0][0]}.{rows[0][1]}.{rows[0][2]}.window_s', '?')[:4]} s). Rate share: per client, "
      "the bytes from its first to its last chunk start in the window over the time between them (at least window − "
      "2 × DELAY, so a stall shows), divided by 200 KiB/s. Server figures from /proc/PID: RSS and threads are peaks "
      "from the first connection to the window's end, CPU is (utime+stime) / window in % of one core; "
      "\"threads after\" is the peak in the 2 s after every client closed at once. A fresh server per row; "
      "its CRC cache is filled first by one range request.")
    w("")
    w("| JDK | clients | MAX_DOWNLOADS | 200 | 503 | ended early | rate share median | worst | server RSS peak MiB "
      "| threads peak | threads after | server CPU % | client CPU % | ramp s | OOM |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for jdk, clients, maxd in rows:
        p = f"scale.{jdk}.{clients}.{maxd}."
        oom = num(p + "oom_lines") or 0
        oom_text = "no" if oom == 0 else f"**yes** ({f(oom, 0)} lines)"
        if r.get(p + "alive") == "no":
            oom_text += ", server died"
        share_med = num(p + "share_median")
        share_worst = num(p + "share_worst")
        w(f"| {jdk} | {clients:,} | {maxd:,} | {f(num(p + 'ok'), 0)} | {f(num(p + 's503'), 0)} | "
          f"{f(num(p + 'ended_early'), 0)} | {f(share_med and share_med * 100, 1)} % | "
          f"{f(share_worst and share_worst * 100, 1)} % | {f(num(p + 'server_peak_rss_mib'), 0)} | "
          f"{f(num(p + 'server_peak_threads'), 0)} | {f(num(p + 'server_close_peak_threads'), 0)} | "
          f"{f(num(p + 'server_cpu_pct'), 1)} | {f(num(p + 'client_cpu_pct'), 1)} | {f(num(p + 'ramp_s'), 2)} | {oom_text} |")
    w("")
    oom_rows = [(j, c, m) for j, c, m in rows if (num(f"scale.{j}.{c}.{m}.oom_lines") or 0) > 0]
    if oom_rows:
        j, c, m = oom_rows[0]
        w(f"OOM: the server logged `OutOfMemoryError` (Java heap space). Each download holds up to 3 chunk buffers "
          f"(ChunkQueue, Service.BUFFERS_PER_DOWNLOAD) of CHUNK_SIZE: {min(c, m):,} downloads × 3 × 100 KiB = "
          f"{min(c, m) * 300 / 1024:,.0f} MiB of buffers against a 512 MiB heap. Clients without an answer "
          "were still waiting when the 30 s ramp timeout started the window; a 'worst' of 0 % is such a client.")
        w("")
    w("Chart: docs/scale.png (server RSS and threads against clients, both JDKs; rows where MAX_DOWNLOADS ≥ clients).")
    w("")
    # chart data: one block per JDK
    with open(dat_path, "w", encoding="utf-8") as d:
        for jdk in sorted({t[0] for t in rows}):
            d.write(f"# Java {jdk}: clients rss_mib threads oom(1/0)\n")
            for j, clients, maxd in rows:
                if j == jdk and maxd >= clients:
                    p = f"scale.{j}.{clients}.{maxd}."
                    oom = 1 if (num(p + "oom_lines") or 0) > 0 else 0
                    d.write(f"{clients} {r.get(p + 'server_peak_rss_mib')} {r.get(p + 'server_peak_threads')} {oom}\n")
            d.write("\n\n")

# --- 7: JMH ---------------------------------------------------------------------------------------------------------
if r.get("jmh.json"):
    with open(r["jmh.json"], encoding="utf-8") as j:
        runs = json.load(j)
    w("## 7. JMH: the producer alone (bench/jmh, ProducerBench)")
    w("")
    w("One whole archive per operation: ZipProducer on its own thread into a real ChunkQueue (CHUNK_SIZE 100 KiB), "
      "drained and discarded by the benchmark thread; warm CRC cache in store mode; files in the page cache. "
      f"Java 17, {runs[0].get('forks')} fork, {runs[0].get('warmupIterations')} × {runs[0].get('warmupTime')} warm-up, "
      f"{runs[0].get('measurementIterations')} × {runs[0].get('measurementTime')} measured.")
    w("")
    w("| files | mode | MB/s of archive bytes | ± (99.9 %) | files/s | archives/s |")
    w("|---|---|---:|---:|---:|---:|")
    for run in runs:
        prm = run["params"]
        files = prm["files"]
        desc = (f"{prm['bigCount']} × 2 MiB random" if files == "random-2MiB" else f"{prm['smallCount']} × 10 KB text")
        sec = run.get("secondaryMetrics", {})
        b = sec.get("bytes", {})
        err = b.get("scoreError")
        w(f"| {desc} | {prm['mode']} | {f(mb(b.get('score')))} | "
          f"{f(mb(err)) if isinstance(err, (int, float)) and err == err else 'n/a'} | "
          f"{f(sec.get('files', {}).get('score'), 0)} | {f(run['primaryMetric']['score'], 1)} |")
    w("")

with open(md_path, "w", encoding="utf-8") as m:
    m.write("\n".join(out))
