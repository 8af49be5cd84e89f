#!/usr/bin/env bash
# zipstream's benchmark, in one command: builds the WAR, runs it in a real Jetty (jetty-base, a separate JVM),
# makes its data sets under target/bench/, measures, and prints a table that it also writes to BENCHMARKS.md
# (with docs/scale.png). See bench/README.md for what is measured and how.
#
#   bench/run.sh            full scale, about 9 minutes; needs a quiet machine (no builds or tests running)
#   bench/run.sh --quick    small smoke run, about 1.5 minutes; writes target/bench/quick/ instead of BENCHMARKS.md
# A full run with --only or SCALE_* writes target/bench/full/ only; a complete one also BENCHMARKS.md and docs/scale.png.
#
# Options: --no-build (use target/zipstream.war and target/jetty-home-12.1.12 as they are),
#          --only LIST (comma-separated sections: single,small,scale,jmh; the report shows what ran),
#          --jfr (record every server JVM with JFR into target/bench/<scale>/jfr/).
# Environment: JAVA17 (default: java on the PATH, must be 17), JAVA25 (default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java;
#              the Java 25 rows are skipped when it is missing), NGINX (default: nginx on the PATH, or /usr/sbin/nginx),
#              SCALE_ROWS (e.g. "1000:1000 3000:3000", clients:MAX_DOWNLOADS), SCALE_SECONDS, SCALE_JDKS (e.g. "25").
# Needs: curl, python3, zip, bsdtar (libarchive-tools), nginx, gnuplot (gnuplot-nox), Maven for the build.
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$project"
started=$(date +%s)

quick=0
build=1
only=single,small,scale,jmh
jfr=0
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --no-build) build=0 ;;
    --only) only=${2:?--only needs a list}; shift ;;
    --jfr) jfr=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
wants() { [[ ,$only, == *,$1,* ]]; }

JAVA17=${JAVA17:-$(command -v java || true)}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
JETTY_HOME=$project/target/jetty-home-12.1.12
WAR=$project/target/zipstream.war

# --- scale ----------------------------------------------------------------------------------------------------------
if ((quick)); then
  label=quick
  big_files=10            # × 2 MiB of random bytes
  small_files=200         # × 10,000 bytes of text
  tiny_files=2000         # × 1,000 bytes of text
  reps=3                  # measured repetitions (median)
  scale_rows="10:1000 100:1000 150:100"   # clients:MAX_DOWNLOADS
  scale_seconds=5
  jmh_args=(-wi 1 -w 1 -i 2 -r 1 -p bigCount=4 -p smallCount=200)
  out_md=$project/target/bench/quick/BENCHMARKS.md
  out_png=$project/target/bench/quick/scale.png
else
  label=full
  big_files=100
  small_files=2000
  tiny_files=20000
  reps=5
  scale_rows="10:1000 100:1000 1000:1000 3000:3000 3000:1000"
  scale_seconds=20
  jmh_args=()
  out_md=$project/target/bench/full/BENCHMARKS.md
  out_png=$project/target/bench/full/scale.png
fi
# Only a complete full run replaces the committed BENCHMARKS.md and docs/scale.png.
publish=0
if ((!quick)) && [[ $only == single,small,scale,jmh && -z ${SCALE_ROWS:-}${SCALE_SECONDS:-}${SCALE_JDKS:-} ]]; then
  publish=1
fi
# for debugging one part at small cost (the report then says what ran)
scale_rows=${SCALE_ROWS:-$scale_rows}
scale_seconds=${SCALE_SECONDS:-$scale_seconds}
work=$project/target/bench/$label
data=$project/target/bench/data-$label
results=$work/results.txt
mkdir -p "$work/logs" "$work/tmp" "$work/www" "$data"
: >"$results"

# --- helpers --------------------------------------------------------------------------------------------------------
log() { printf '[%4ds] %s\n' $(( $(date +%s) - started )) "$*"; }
die() {
  echo "bench/run.sh: $*" >&2
  if [[ -n ${server_pid:-} ]] && ! kill -0 "$server_pid" 2>/dev/null; then
    echo "bench/run.sh: the server JVM ($server_pid) is gone; last lines of $server_log:" >&2
    tail -5 "$server_log" >&2
  fi
  exit 1
}
put() { echo "$1 $2" >>"$results"; }          # put KEY VALUE: one result
mark() { echo "mark $(date +%s) $*" >>"$results"; }   # mark WHAT: what runs from now on (for the quiet report)
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
now() { echo "$EPOCHREALTIME"; }
elapsed_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.6f", b - a}'; }

server_pid=
server_port=
server_log=
nginx_pid=
sampler_pid=
cleanup() {
  local rc=$?
  [[ -n $server_pid ]] && stop_server
  [[ -n $nginx_pid ]] && { kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; }
  [[ -n $sampler_pid ]] && { kill "$sampler_pid" 2>/dev/null || true; }
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server NAME JAVA VAR=VALUE...: zipstream on jetty-base in the background, on a free port, ready to serve.
start_server() {
  local name=$1 java=$2; shift 2
  server_port=$(free_port)
  server_log=$work/logs/$name.log
  local opts="-Xmx512m -Djava.io.tmpdir=$work/tmp"
  if ((jfr)); then
    mkdir -p "$work/jfr"
    opts+=" -XX:StartFlightRecording=filename=$work/jfr/$name.jfr,settings=profile,dumponexit=true"
  fi
  env -u DEBUG -u LOG_FILE -u STORAGE_PATH -u CHUNK_SIZE -u DELAY -u COMPRESSION -u MAX_DOWNLOADS \
      PORT="$server_port" HOST=127.0.0.1 JAVA="$java" JAVA_OPTIONS="$opts" JETTY_HOME="$JETTY_HOME" \
      ZIPSTREAM_WAR="$WAR" REQUEST_LOG_DIR="$work/logs/requests" STORAGE_PATH="$data" "$@" \
      "$project/jetty-base/run.sh" >"$server_log" 2>&1 &
  server_pid=$!
  local deadline=$((SECONDS + 60))
  until grep -q 'Started oejs.Server' "$server_log" 2>/dev/null; do
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$server_log" >&2; die "server $name exited during start"; }
    ((SECONDS < deadline)) || die "server $name did not start within 60 s"
    sleep 0.2
  done
}

# TERM (the JVM ends downloads and stops Jetty), up to 20 s, then KILL: a JVM that ran out of memory may hang.
stop_server() {
  local p=$server_pid
  server_pid=
  kill -TERM "$p" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }; sleep 0.2; done
  log "server $p still running 20 s after SIGTERM: SIGKILL"
  echo "killed after 20 s" >>"$server_log"
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

# fetch URL FILE: one download by curl (a separate process); prints "code bytes speed ttfb total".
fetch() {
  curl -sS --max-time 600 -o "$2" -w '%{http_code} %{size_download} %{speed_download} %{time_starttransfer} %{time_total}\n' "$1"
}

# timed COMMAND...: wall seconds of COMMAND (stdout to /dev/null)
timed() {
  local t0=$EPOCHREALTIME
  "$@" >/dev/null
  elapsed_since "$t0"
}

# --- checks and machine ---------------------------------------------------------------------------------------------
for tool in curl python3 zip bsdtar gnuplot awk; do
  command -v "$tool" >/dev/null || die "needs $tool (apt-get install -y curl python3 zip libarchive-tools gnuplot-nox)"
done
[[ -x $NGINX ]] || die "needs nginx (apt-get install -y nginx; it is run privately, never as a service)"
[[ -n $JAVA17 && -x $JAVA17 ]] || die "no java on the PATH (set JAVA17)"
"$JAVA17" -version 2>&1 | head -1 | grep -q '"17' || die "JAVA17=$JAVA17 is not Java 17"
jdks=(17)
if [[ -x $JAVA25 ]]; then jdks+=(25); else log "no Java 25 at $JAVA25: its scale rows are skipped"; fi
if [[ -n ${SCALE_JDKS:-} ]]; then read -ra jdks <<<"$SCALE_JDKS"; fi

# Up to 3,000 connections on each side, plus files: raise the descriptor limit as far as allowed.
hard=$(ulimit -Hn)
want=65536
if [[ $hard != unlimited ]] && ((hard < want)); then want=$hard; fi
ulimit -n "$want" || true
((quick)) || (( $(ulimit -n) >= 8192 )) || die "ulimit -n is $(ulimit -n) (hard $hard): the 3,000-client runs need 8192"

put meta.label "$label"
put meta.date "$(date -u '+%Y-%m-%d %H:%M UTC')"
put meta.cores "$(nproc)"
put meta.cpu "$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
put meta.memory_mib "$(awk '/MemTotal/ {printf "%d", $2 / 1024}' /proc/meminfo)"
put meta.kernel "$(uname -r)"
put meta.java17 "$("$JAVA17" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p') ($("$JAVA17" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.vendor = //p'))"
if [[ -x $JAVA25 ]]; then
  put meta.java25 "$("$JAVA25" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p') ($("$JAVA25" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.vendor = //p'))"
fi
put meta.nginx "$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')"
put meta.curl "$(curl --version | head -1 | cut -d' ' -f2)"
put meta.zip "$(zip -v | sed -n 's/^This is Zip \([^ ]*\).*/\1/p')"
put meta.bsdtar "$(bsdtar --version | cut -d' ' -f2)"
put meta.load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
put meta.sections "$only"

# Quietness: every 5 s, the java/mvn processes that are not this benchmark's (another process group) and the load;
# quiet.log lines: "epoch count load1 | pid command; ...".
mypgid=$(ps -o pgid= $$ | tr -d ' ')
foreign() {
  ps -eo pgid=,pid=,comm=,args= | awk -v g="$mypgid" '
    $1 != g && ($3 == "java" || $3 == "mvn") {
      n++; cmd = ""; for (i = 4; i <= NF && length(cmd) < 90; i++) cmd = cmd " " $i
      list = list sprintf(" %s%.90s;", $2, cmd)
    }
    END {print n + 0, "|" list}'
}
(
  while true; do
    read -r n rest < <(foreign)
    echo "$(date +%s) $n $(cut -d' ' -f1 /proc/loadavg) $rest"
    sleep 5
  done
) >"$work/quiet.log" 2>/dev/null &
sampler_pid=$!
read -r foreign_now _ < <(foreign)
((foreign_now == 0)) || log "NOTE: $foreign_now other java/mvn processes are running: figures will be noisy"

# --- build ----------------------------------------------------------------------------------------------------------
if ((build)); then
  log "building the WAR and unpacking jetty-home (mvn -Pjetty-home package -DskipTests)"
  mvn -B -q -ntp -Pjetty-home package -DskipTests >"$work/logs/build.log" 2>&1 \
    || { tail -30 "$work/logs/build.log" >&2; die "the build failed"; }
fi
[[ -f $WAR && -f $JETTY_HOME/start.jar ]] || die "no $WAR or $JETTY_HOME (run without --no-build)"

# --- data sets (under target/, made once per scale) -------------------------------------------------------------------
spec="big=$big_files small=$small_files tiny=$tiny_files scale=5 v1"
if [[ $(cat "$data/.spec" 2>/dev/null) != "$spec" ]]; then
  log "making the data sets in $data"
  rm -rf "${data:?}"/*
  python3 - "$data" "$big_files" "$small_files" "$tiny_files" <<'EOF'
import os, random, sys
root, big, small, tiny = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(2026)
words = ("archive stream chunk folder deflate store header central directory record zipstream throttle client "
         "server bytes the a of to and in is it for on with as was at by be this that from or an are").split()
def text(n):
    out = []
    size = 0
    while size < n:
        w = rnd.choice(words)
        out.append(w)
        size += len(w) + 1
    s = " ".join(out)
    return (s[:n - 1] + "\n").encode()
def folder(name):
    p = os.path.join(root, name)
    os.makedirs(p)
    return p
b = folder("big")                      # incompressible: 2 MiB of random bytes each
for i in range(big):
    with open(os.path.join(b, f"part-{i:03d}.bin"), "wb") as f:
        f.write(os.urandom(2 << 20))
for name, count, size, per_dir in (("small", small, 10_000, 100), ("tiny", tiny, 1_000, 200)):
    p = folder(name)                   # text, in sub-folders
    for i in range(count):
        d = os.path.join(p, f"d{i // per_dir:03d}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"f{i:05d}.txt"), "wb") as f:
            f.write(text(size))
s = folder("scale")                    # 10 MiB: at 200 KiB/s no client finishes within the window
for i in range(5):
    with open(os.path.join(s, f"part-{i}.bin"), "wb") as f:
        f.write(os.urandom(2 << 20))
EOF
  echo "$spec" >"$data/.spec"
fi
input_bytes() { find "$data/$1" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}'; }
file_count() { find "$data/$1" -type f | wc -l; }
for set in big small tiny; do
  put "data.$set.bytes" "$(input_bytes $set)"
  put "data.$set.files" "$(file_count $set)"
done

# --- sections 1, 3 and 4: one download at a time, DELAY=0, on Java 17 -------------------------------------------------
if wants single || wants small; then
  for mode in store deflate; do
    log "$mode: starting the server (Java 17, DELAY=0, COMPRESSION=$mode)"
    mark "single downloads, $mode"
    start_server "single-$mode" "$JAVA17" COMPRESSION="$mode" DELAY=0 CHUNK_SIZE=100 MAX_DOWNLOADS=1000
    base=http://127.0.0.1:$server_port/archive
    if wants single; then
      # 4. cold: the first download of a fresh JVM (empty CRC cache); the archive is kept for nginx
      read -r code bytes speed ttfb total < <(fetch "$base/big/" "$work/www/$mode.zip")
      [[ $code == 200 ]] || die "$mode: GET big answered $code"
      put "single.$mode.ttfb_cold_jvm" "$ttfb"
      put "single.$mode.bytes" "$bytes"
      if [[ $mode == store ]]; then
        length=$(curl -sSI "$base/big/" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-length" {print $2}')
        [[ $length == "$bytes" ]] || die "store: Content-Length $length but $bytes bytes arrived"
      fi
      # 1. measured downloads, after more unmeasured ones: store reaches its steady speed only once the JIT has
      #    compiled the copy path (the first 20 MiB go at a third of it); deflate is bound by zlib from the start
      warmups=$([[ $mode == store ]] && echo 3 || echo 0)
      for i in $(seq "$warmups"); do fetch "$base/big/" /dev/null >/dev/null; done
      speeds=() ttfbs=() totals=()
      for i in $(seq "$reps"); do
        read -r code got speed ttfb total < <(fetch "$base/big/" /dev/null)
        [[ $code == 200 && $got == "$bytes" ]] || die "$mode: download $i: status $code, $got bytes (expected $bytes)"
        speeds+=("$speed") ttfbs+=("$ttfb") totals+=("$total")
      done
      put "single.$mode.speed" "$(median "${speeds[@]}")"
      put "single.$mode.total" "$(median "${totals[@]}")"
      put "single.$mode.ttfb_warm" "$(median "${ttfbs[@]}")"
      put "single.$mode.speeds" "$(echo "${speeds[@]}" | tr ' ' ,)"
      # 4. cold CRC cache in a warm JVM: every file touched, so no cached CRC matches
      find "$data/big" -type f -exec touch {} +
      read -r code got speed ttfb total < <(fetch "$base/big/" /dev/null)
      [[ $code == 200 ]] || die "$mode: GET after touch answered $code"
      put "single.$mode.ttfb_cold_touched" "$ttfb"
      log "$mode 200 MiB: $(median "${speeds[@]}") B/s (runs: ${speeds[*]}), TTFB warm $(median "${ttfbs[@]}") s"
    fi
    if wants small; then
      # 3. many small files: one unmeasured download fills the CRC cache and the page cache
      for set in small tiny; do
        read -r code bytes speed ttfb total < <(fetch "$base/$set/" /dev/null)
        [[ $code == 200 ]] || die "$mode: GET $set answered $code"
        totals=() speeds=()
        for i in $(seq "$reps"); do
          read -r code got speed ttfb total < <(fetch "$base/$set/" /dev/null)
          [[ $code == 200 && $got == "$bytes" ]] || die "$mode: $set download $i: status $code, $got bytes"
          totals+=("$total") speeds+=("$speed")
        done
        put "small.$set.$mode.total" "$(median "${totals[@]}")"
        put "small.$set.$mode.speed" "$(median "${speeds[@]}")"
        put "small.$set.$mode.bytes" "$bytes"
        log "$mode $set: $(median "${totals[@]}") s (runs: ${totals[*]})"
      done
    fi
    stop_server
  done
fi

# --- section 2: the ceilings, nginx serving the same archive bytes, and zip -r ----------------------------------------
if wants single; then
  command -v unzip >/dev/null && for mode in store deflate; do
    unzip -tqq "$work/www/$mode.zip" || die "the saved $mode archive does not test as valid"
  done
  chmod -R a+rX "$work/www"   # nginx's workers run as nobody when started by root
  chmod a+x "$work" "$project/target/bench" "$project/target"
  nginx_port=$(free_port)
  nx=$work/nginx
  mkdir -p "$nx/tmp"
  cat >"$nx/nginx.conf" <<EOF
# generated by bench/run.sh: a private nginx serving the saved archives as static files
worker_processes 1;
pid $nx/nginx.pid;
error_log $nx/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/zip;
    client_body_temp_path $nx/tmp/body;
    proxy_temp_path $nx/tmp/proxy;
    fastcgi_temp_path $nx/tmp/fastcgi;
    uwsgi_temp_path $nx/tmp/uwsgi;
    scgi_temp_path $nx/tmp/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/www;
    }
}
EOF
  log "nginx: serving the saved archives on 127.0.0.1:$nginx_port"
  mark "nginx and zip -r"
  "$NGINX" -p "$nx/" -c "$nx/nginx.conf" -e "$nx/error.log" -g 'daemon off;' >"$nx/stdout.log" 2>&1 &
  nginx_pid=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$nginx_port/store.zip" && break; sleep 0.2; done
  for mode in store deflate; do
    read -r code bytes speed ttfb total < <(fetch "http://127.0.0.1:$nginx_port/$mode.zip" /dev/null)
    [[ $code == 200 ]] || { cat "$nx/error.log" >&2; die "nginx answered $code for $mode.zip"; }
    speeds=()
    for i in $(seq "$reps"); do
      read -r code got speed ttfb total < <(fetch "http://127.0.0.1:$nginx_port/$mode.zip" /dev/null)
      speeds+=("$speed")
    done
    put "nginx.$mode.speed" "$(median "${speeds[@]}")"
    log "nginx $mode.zip: $(median "${speeds[@]}") B/s (runs: ${speeds[*]})"
  done
  kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=

  log "zip -r on the 200 MiB folder ($reps runs)"
  times=()
  for i in $(seq "$reps"); do times+=("$(cd "$data/big" && timed zip -q -r - .)"); done
  put zipr.big.time "$(median "${times[@]}")"
  log "zip -r big: $(median "${times[@]}") s (runs: ${times[*]})"
fi

if wants small; then
  mark "bsdtar and zip -r on small files"
  for set in small tiny; do
    (cd "$data/$set" && bsdtar --format zip --options zip:compression=store -cf - . >/dev/null) # page cache
    times=()
    for i in $(seq "$reps"); do
      times+=("$(cd "$data/$set" && timed bsdtar --format zip --options zip:compression=store -cf - .)")
    done
    put "small.$set.bsdtar.total" "$(median "${times[@]}")"
    times=()
    for i in $(seq "$reps"); do times+=("$(cd "$data/$set" && timed zip -q -r - .)"); done
    put "small.$set.zipr.total" "$(median "${times[@]}")"
    log "$set: bsdtar store $(grep "^small.$set.bsdtar.total" "$results" | cut -d' ' -f2) s, zip -r $(median "${times[@]}") s"
  done
fi

# --- section 5: many throttled clients, Java 17 and 25 ----------------------------------------------------------------
if wants scale; then
  chunk_kib=100
  delay=0.5
  for jdk in "${jdks[@]}"; do
    java_bin=$JAVA17
    [[ $jdk == 25 ]] && java_bin=$JAVA25
    for row in $scale_rows; do
      clients=${row%%:*} max=${row##*:}
      name=scale-j$jdk-c$clients-m$max
      log "scale: Java $jdk, $clients clients, MAX_DOWNLOADS=$max, ${scale_seconds} s"
      mark "scale, Java $jdk, $clients clients, MAX_DOWNLOADS=$max"
      start_server "$name" "$java_bin" COMPRESSION=store DELAY=$delay CHUNK_SIZE=$chunk_kib MAX_DOWNLOADS="$max"
      url_path=/archive/scale/
      # the CRC cache is filled by one short range request covering the central directory (all CRCs, no data)
      code=$(curl -sS -o /dev/null -w '%{http_code}' -r -4096 "http://127.0.0.1:$server_port$url_path")
      [[ $code == 206 ]] || die "scale: range request answered $code"
      "$JAVA17" -Xmx256m "$project/bench/LoadClient.java" --port "$server_port" --path "$url_path" \
        --clients "$clients" --seconds "$scale_seconds" --chunk-bytes $((chunk_kib * 1024)) --delay-ms 500 \
        --server-pid "$server_pid" --clk-tck "$(getconf CLK_TCK)" --ramp-timeout 30 >"$work/logs/$name.client" 2>&1 \
        || { tail "$work/logs/$name.client" >&2; die "LoadClient failed"; }
      result=$(grep '^RESULT ' "$work/logs/$name.client" | tail -1)
      [[ -n $result ]] || { tail "$work/logs/$name.client" >&2; die "LoadClient printed no RESULT"; }
      alive=yes
      kill -0 "$server_pid" 2>/dev/null || alive=no
      oom=$(grep -c 'OutOfMemoryError' "$server_log" || true)
      stop_server
      for kv in ${result#RESULT }; do put "scale.$jdk.$clients.$max.${kv%%=*}" "${kv#*=}"; done
      put "scale.$jdk.$clients.$max.oom_lines" "$oom"
      put "scale.$jdk.$clients.$max.alive" "$alive"
      log "  ${result#RESULT }, OutOfMemoryError lines: $oom"
    done
  done
fi

# --- section 7: JMH, the producer alone --------------------------------------------------------------------------------
if wants jmh; then
  log "JMH: building bench/jmh"
  mark "JMH"
  mvn -B -q -ntp -f bench/jmh/pom.xml package dependency:build-classpath \
      -Dmdep.outputFile="$project/bench/jmh/target/classpath.txt" >"$work/logs/jmh-build.log" 2>&1 \
    || { tail -30 "$work/logs/jmh-build.log" >&2; die "the JMH build failed"; }
  log "JMH: ProducerBench ${jmh_args[*]}"
  mkdir -p "$work/tmp/jmh"
  "$JAVA17" -Djava.io.tmpdir="$work/tmp/jmh" \
    -cp "$project/bench/jmh/target/classes:$(cat "$project/bench/jmh/target/classpath.txt")" \
    org.openjdk.jmh.Main ProducerBench "${jmh_args[@]}" -jvmArgsAppend "-Djava.io.tmpdir=$work/tmp/jmh" \
    -rf json -rff "$work/jmh.json" >"$work/logs/jmh.log" 2>&1 \
    || { tail -30 "$work/logs/jmh.log" >&2; die "JMH failed"; }
  put jmh.json "$work/jmh.json"
fi

# --- report -------------------------------------------------------------------------------------------------------
kill "$sampler_pid" 2>/dev/null || true
sampler_pid=
put meta.load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
put meta.quiet_samples "$(wc -l <"$work/quiet.log")"
put meta.noisy_samples "$(awk '$2 > 0' "$work/quiet.log" | wc -l)"
put meta.max_load1 "$(awk 'BEGIN {m = 0} $3 > m {m = $3} END {print m}' "$work/quiet.log")"
put meta.quiet_log "$work/quiet.log"
put meta.seconds "$(( $(date +%s) - started ))"
command_line="bench/run.sh"
((quick)) && command_line+=" --quick"
[[ $only != single,small,scale,jmh ]] && command_line+=" --only $only"
put meta.command "$command_line"
mkdir -p "$(dirname "$out_md")" "$(dirname "$out_png")"
python3 "$project/bench/report.py" "$results" "$out_md" "$work/scale.dat"
if wants scale; then
  gnuplot -e "datafile='$work/scale.dat'; outfile='$out_png'" "$project/bench/scale.gp" \
    || log "gnuplot failed: no chart"
fi
if ((publish)); then
  cp "$out_md" "$project/BENCHMARKS.md"
  mkdir -p "$project/docs"
  cp "$out_png" "$project/docs/scale.png"
  out_md=$project/BENCHMARKS.md out_png=$project/docs/scale.png
fi
cat "$out_md"
log "written: ${out_md#"$project"/}$(wants scale && echo ", ${out_png#"$project"/}") (took $(( $(date +%s) - started )) s)"
