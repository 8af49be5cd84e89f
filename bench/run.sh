#!/usr/bin/env bash
# zipstream against nginx (issue 13), in one command: builds the WAR, makes its data under target/bench/, measures,
# and writes BENCHMARKS.md (and docs/scale.png when gnuplot is there). See bench/README.md for what and how.
#
#   bench/run.sh                  everything, about 12 minutes; wants a quiet machine
#   bench/run.sh --only single    one part (single, crowd); writes target/bench/BENCHMARKS.md only
#
# Options: --no-build (use target/zipstream.war and target/jetty-home-12.1.12 as they are), --only LIST,
#          --pairs N (interleaved pairs per container in the single section, default 5),
#          --jfr (a JFR recording of every zipstream JVM into target/bench/jfr/).
# Environment: JAVA25 (default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java), JAVA17 (default java on the PATH),
#              NGINX (default nginx on the PATH or /usr/sbin/nginx), TOMCAT_HOME (default /usr/share/tomcat10),
#              TARGETS (single section, default "jetty-ee10 jetty-ee11 jetty-base tomcat10"),
#              CROWD (crowd rows JDK:CLIENTS:ARRIVAL_S:CHUNK_KIB[:aq|:vt|:base], base = the shipped jetty-base,
#                     aq = Jetty's accept queue at 1,024, vt = that
#                     and Jetty's virtual-thread pool; default "25:1000:1:100 25:1000:1:100:aq 25:1000:1:100:vt
#                     25:1000:1:100:base 17:1000:1:100 17:1000:1:100:aq 17:1000:1:100:base 25:10000:10:16
#                     25:10000:10:16:vt 25:10000:10:16:base"),
#              CROWD_SECONDS (default 20).
# Needs: curl, python3, nginx, tomcat10 (Debian's 10.1), Maven for the build; gnuplot-nox for the chart (optional).
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$project"
started=$(date +%s)

build=1
only=single,crowd
pairs=5
jfr=0
while (($#)); do
  case $1 in
    --no-build) build=0 ;;
    --only) only=${2:?--only needs a list}; shift ;;
    --pairs) pairs=${2:?--pairs needs a number}; shift ;;
    --jfr) jfr=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
wants() { [[ ,$only, == *,$1,* ]]; }

# Only a complete default run replaces the committed BENCHMARKS.md (and docs/scale.png).
partial=${TARGETS:-}${CROWD:-}${CROWD_SECONDS:-}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAVA17=${JAVA17:-$(command -v java || true)}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
TOMCAT_HOME=${TOMCAT_HOME:-/usr/share/tomcat10}
TARGETS=${TARGETS:-jetty-ee10 jetty-ee11 jetty-base tomcat10}
CROWD=${CROWD:-25:1000:1:100 25:1000:1:100:aq 25:1000:1:100:vt 25:1000:1:100:base 17:1000:1:100 17:1000:1:100:aq 17:1000:1:100:base 25:10000:10:16 25:10000:10:16:vt 25:10000:10:16:base}
CROWD_SECONDS=${CROWD_SECONDS:-20}
JETTY_HOME=$project/target/jetty-home-12.1.12
WAR=$project/target/zipstream.war
publish=0
[[ $only == single,crowd && -z $partial && $pairs == 5 ]] && publish=1

work=$project/target/bench
data=$work/data
results=$work/results.txt
clk=$(getconf CLK_TCK)
rm -rf "$work/logs" "$work/www" "$work/bases"
mkdir -p "$work/logs" "$work/tmp" "$work/www" "$work/bases" "$data"
: >"$results"

log() { printf '[%4ds] %s\n' $(( $(date +%s) - started )) "$*"; }
die() { echo "bench/run.sh: $*" >&2; exit 1; }
put() { echo "$1 $2" >>"$results"; }
mark() { echo "mark $(date +%s) $*" >>"$results"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_idle() {    # wait_idle PID: until the process uses under 2 ticks in half a second (at most 30 s), e.g. after a crowd left
  local t0 t1
  for _ in $(seq 60); do
    t0=$(cpu_ticks "$1"); sleep 0.5; t1=$(cpu_ticks "$1")
    ((t1 - t0 < 2)) && return 0
  done
  log "pid $1 still busy 30 s after the warm-up"
}
cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }   # utime + stime, stat(5) fields 14, 15

server_pid= server_port= server_log= nginx_pid= sampler_pid=
cleanup() {
  local rc=$?
  [[ -n $server_pid ]] && stop_server
  [[ -n $nginx_pid ]] && stop_nginx
  [[ -n $sampler_pid ]] && { kill "$sampler_pid" 2>/dev/null || true; }
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

server_env() {   # the environment every zipstream server gets, settings after it; always run as "server_env ... &"
  exec env -u DEBUG -u LOG_FILE -u STORAGE_PATH -u CHUNK_SIZE -u DELAY -u COMPRESSION -u MAX_DOWNLOADS \
      LANG=C.UTF-8 STORAGE_PATH="$data" "$@"
}
jvm_opts() {     # jvm_opts NAME: heap and, with --jfr, a recording
  local o="-Xmx512m -Djava.io.tmpdir=$work/tmp"
  if ((jfr)); then
    mkdir -p "$work/jfr"
    o+=" -XX:StartFlightRecording=filename=$work/jfr/$1.jfr,settings=profile,dumponexit=true"
  fi
  echo "$o"
}

# start_server KIND NAME JAVA VAR=VALUE...: zipstream in one of the containers, on a free port, serving.
#   KIND: jetty-ee10, jetty-ee11 (default jetty-home 12.1, the WAR at / in that environment), jetty-base (this
#   repository's base and run.sh), tomcat10 (Debian's Tomcat 10.1 with its default configuration).
start_server() {
  local kind=$1 name=$2 java=$3; shift 3
  server_port=$(free_port)
  server_log=$work/logs/$name.log
  local opts ready
  opts=$(jvm_opts "$name")
  case $kind in
    jetty-ee10|jetty-ee11)
      # JETTY_POOL=virtual: Jetty's threadpool-all-virtual module (Java 21+), every task on a virtual thread
      local env=${kind#jetty-} base=$work/bases/$kind${JETTY_POOL:+-$JETTY_POOL} modules=http,${kind#jetty-}-deploy
      [[ ${JETTY_POOL:-} == virtual ]] && modules+=,threadpool-all-virtual
      if [[ ! -d $base ]]; then
        mkdir -p "$base/environments"
        (cd "$base" && "$java" -jar "$JETTY_HOME/start.jar" --add-modules=$modules >"$work/logs/$kind-setup.log" 2>&1)
        cp "$WAR" "$base/webapps/zipstream.war"
        printf 'environment=%s\njetty.deploy.contextPath=/\n' "$env" >"$base/webapps/zipstream.properties"
      fi
      # shellcheck disable=SC2086
      server_env "$@" "$java" $opts -jar "$JETTY_HOME/start.jar" "jetty.home=$JETTY_HOME" "jetty.base=$base" \
        "jetty.http.port=$server_port" jetty.http.host=127.0.0.1 ${JETTY_ARGS:-} >"$server_log" 2>&1 &
      ready='Started oejs.Server' ;;
    jetty-base)
      server_env "$@" PORT="$server_port" HOST=127.0.0.1 JAVA="$java" JAVA_OPTIONS="$opts" JETTY_HOME="$JETTY_HOME" \
        ZIPSTREAM_WAR="$WAR" REQUEST_LOG_DIR="$work/logs/requests" "$project/jetty-base/run.sh" >"$server_log" 2>&1 &
      ready='Started oejs.Server' ;;
    tomcat10)
      local base=$work/bases/tomcat10
      if [[ ! -d $base ]]; then
        mkdir -p "$base"/{conf,logs,temp,work,webapps}
        cp -r /etc/tomcat10/. "$base/conf/"
        cp "$WAR" "$base/webapps/ROOT.war"
      fi
      sed -i -E "s/<Connector port=\"[0-9]+\" protocol=\"HTTP\/1.1\"/<Connector port=\"$server_port\" address=\"127.0.0.1\" protocol=\"HTTP\/1.1\"/; s/ address=\"127.0.0.1\" address=\"127.0.0.1\"/ address=\"127.0.0.1\"/" "$base/conf/server.xml"
      grep -q "port=\"$server_port\"" "$base/conf/server.xml" || die "could not set Tomcat's port"
      server_env "$@" CATALINA_HOME="$TOMCAT_HOME" CATALINA_BASE="$base" CATALINA_TMPDIR="$base/temp" \
        JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$java")")")" CATALINA_OPTS="$opts" \
        "$TOMCAT_HOME/bin/catalina.sh" run >"$server_log" 2>&1 &
      ready='Server startup in' ;;
    *) die "unknown server kind $kind" ;;
  esac
  server_pid=$!    # jetty's java itself (no --exec), run.sh and catalina.sh run exec theirs
  local deadline=$((SECONDS + 90))
  until grep -q "$ready" "$server_log" 2>/dev/null; do
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$server_log" >&2; server_pid=; die "$name exited during start"; }
    ((SECONDS < deadline)) || die "$name did not start within 90 s"
    sleep 0.2
  done
  local code
  code=$(curl -sS -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$server_port/archive/scale/" || true)
  [[ $code == 200 ]] || { tail -20 "$server_log" >&2; die "$name answers $code to HEAD /archive/scale/"; }
  [[ $(readlink "/proc/$server_pid/exe") == */java ]] || die "$name: pid $server_pid is not the JVM"
}

stop_server() {   # TERM, up to 20 s, then KILL
  local p=$server_pid
  server_pid=
  kill -TERM "$p" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }; sleep 0.2; done
  log "server $p still running 20 s after SIGTERM: SIGKILL"
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

# start_nginx NAME LIMIT_RATE: a private nginx in one process (no master), serving $work/www on a free port.
start_nginx() {
  local name=$1 rate=$2 nx=$work/nginx-$1
  nginx_port=$(free_port)
  mkdir -p "$nx/tmp"
  cat >"$nx/nginx.conf" <<EOF
# generated by bench/run.sh: the reference, one process serving the same bytes as static files
user root;
master_process off;
daemon off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $nx/nginx.pid;
error_log $nx/error.log warn;
events { worker_connections 12000; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    # one descriptor for the file, shared by every connection: 10,000 connections and as many opens of the same
    # file would need 20,000 descriptors, the machine's hard limit
    open_file_cache max=16 inactive=60s;
    keepalive_timeout 30s;
    default_type application/zip;
    limit_rate $rate;
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
  "$NGINX" -p "$nx/" -c "$nx/nginx.conf" -e "$nx/error.log" >"$nx/stdout.log" 2>&1 &
  nginx_pid=$!
  # HEAD: a GET would download the whole 10 MiB at the crowd's limit_rate (320 s at 32 KiB/s) before the row began
  for _ in $(seq 50); do curl -s -o /dev/null -I "http://127.0.0.1:$nginx_port/scale.zip" && return 0; sleep 0.1; done
  cat "$nx/error.log" >&2
  die "nginx did not start"
}
stop_nginx() { kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=; }

# fetch URL PID: one download by curl into /dev/null; prints "code bytes bytes_per_s cpu_ticks_of_PID"
fetch() {
  local before after out
  before=$(cpu_ticks "$2")
  out=$(curl -sS --max-time 600 -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' "$1")
  after=$(cpu_ticks "$2")
  echo "$out $((after - before))"
}

# --- checks, machine, quietness ---------------------------------------------------------------------------------------
for tool in curl python3 awk; do command -v "$tool" >/dev/null || die "needs $tool"; done
[[ -x $NGINX ]] || die "needs nginx (apt-get install -y nginx; run privately, never as a service)"
[[ -x $JAVA25 ]] || die "needs Java 25 at $JAVA25 (set JAVA25)"
if [[ ,$only, == *,single,* && " $TARGETS " == *" tomcat10 "* && ! -x $TOMCAT_HOME/bin/catalina.sh ]]; then
  die "needs Debian's tomcat10 (apt-get install -y tomcat10) or TOMCAT_HOME, or TARGETS without tomcat10"
fi
# 10,000 connections: as many descriptors in the server, and in the client (separate processes)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log "descriptor limit: $(ulimit -n)"

put meta.date "$(date -u '+%Y-%m-%d %H:%M UTC')"
put meta.cores "$(nproc)"
put meta.cpu "$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
put meta.memory_mib "$(awk '/MemTotal/ {printf "%d", $2 / 1024}' /proc/meminfo)"
put meta.kernel "$(uname -r)"
jver() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p'; }
put meta.java25 "$(jver "$JAVA25")"
[[ -x $JAVA17 ]] && put meta.java17 "$(jver "$JAVA17")"
put meta.nginx "$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')"
put meta.tomcat "$(dpkg-query -W -f '${Version}' tomcat10 2>/dev/null || echo '?')"
put meta.curl "$(curl --version | head -1 | cut -d' ' -f2)"
put meta.sections "$only"
put meta.pairs "$pairs"
put meta.crowd_seconds "$CROWD_SECONDS"
put meta.load_start "$(cut -d' ' -f1-3 /proc/loadavg)"

# every 5 s: the java/mvn processes that are not this benchmark's (another process group), and the load
mypgid=$(ps -o pgid= $$ | tr -d ' ')
(
  while true; do
    n=$(ps -eo pgid=,comm= | awk -v g="$mypgid" '$1 != g && ($2 == "java" || $2 == "mvn") {n++} END {print n + 0}')
    echo "$(date +%s) $n $(cut -d' ' -f1 /proc/loadavg)"
    sleep 5
  done
) >"$work/quiet.log" 2>/dev/null &
sampler_pid=$!

# --- build and data ----------------------------------------------------------------------------------------------------
if ((build)); then
  log "building the WAR and unpacking jetty-home (mvn -Pjetty-home package -DskipTests)"
  mvn -B -q -ntp -Pjetty-home package -DskipTests >"$work/logs/build.log" 2>&1 \
    || { tail -30 "$work/logs/build.log" >&2; die "the build failed"; }
fi
[[ -f $WAR && -f $JETTY_HOME/start.jar ]] || die "no $WAR or $JETTY_HOME (run without --no-build)"

spec="big=100x2MiB scale=5x2MiB v2"
if [[ $(cat "$data/.spec" 2>/dev/null) != "$spec" ]]; then
  log "making the data in $data"
  rm -rf "${data:?}"/*
  python3 - "$data" <<'EOF'
import os, sys
root = sys.argv[1]
for name, count in (("big", 100), ("scale", 5)):   # incompressible, 2 MiB each: 200 MiB and 10 MiB
    p = os.path.join(root, name)
    os.makedirs(p)
    for i in range(count):
        with open(os.path.join(p, f"part-{i:03d}.bin"), "wb") as f:
            f.write(os.urandom(2 << 20))
EOF
  echo "$spec" >"$data/.spec"
fi
chmod -R a+rX "$work/www"

# --- single: one 200 MiB download, DELAY=0, interleaved with nginx serving the same bytes ---------------------------------
if wants single; then
  saved=
  for kind in $TARGETS; do
    log "single: $kind (Java 25, DELAY=0, store)"
    mark "single $kind"
    start_server "$kind" "single-$kind" "$JAVA25" COMPRESSION=store DELAY=0
    url=http://127.0.0.1:$server_port/archive/big/
    # the archive this container sends, kept for nginx the first time, compared byte for byte after
    curl -sS -o "$work/tmp/single.zip" "$url" || die "$kind: first download failed"
    if [[ -z $saved ]]; then
      mv "$work/tmp/single.zip" "$work/www/big.zip"
      chmod a+r "$work/www/big.zip"
      saved=1
      put single.bytes "$(stat -c %s "$work/www/big.zip")"
      if command -v unzip >/dev/null; then unzip -tqq "$work/www/big.zip" || die "the saved archive does not test"; fi
      # nginx's scale.zip (crowd section) is the same kind of bytes: zipstream's 10 MiB archive
      curl -sS -o "$work/www/scale.zip" "http://127.0.0.1:$server_port/archive/scale/"
      chmod a+r "$work/www/scale.zip"
    else
      cmp -s "$work/tmp/single.zip" "$work/www/big.zip" || die "$kind sends other bytes than the first container"
      rm -f "$work/tmp/single.zip"
    fi
    start_nginx single 0
    # 10 unmeasured downloads (2 GiB): CRC cache filled, and the write path compiled as in a server in service.
    # With 3, the JIT was still at work in the measured pairs: in jetty-home ee10, Java 25, downloads 4-6 took 20-25
    # CPU ticks each and downloads 7-9 11-16; after 10, 8-19 (averages 10-14 over 6)
    for _ in $(seq 10); do fetch "$url" "$server_pid" >/dev/null; done
    fetch "http://127.0.0.1:$nginx_port/big.zip" "$nginx_pid" >/dev/null
    for i in $(seq "$pairs"); do
      read -r ncode nbytes nspeed ncpu < <(fetch "http://127.0.0.1:$nginx_port/big.zip" "$nginx_pid")
      read -r zcode zbytes zspeed zcpu < <(fetch "$url" "$server_pid")
      [[ $ncode == 200 && $zcode == 200 && $nbytes == "$zbytes" ]] \
        || die "$kind pair $i: nginx $ncode/$nbytes bytes, zipstream $zcode/$zbytes bytes"
      put "single.$kind.pair$i" "$nspeed $zspeed $ncpu $zcpu $nbytes"
      log "  pair $i: nginx $(awk -v s="$nspeed" 'BEGIN {printf "%.0f", s / 1e6}') MB/s, zipstream $(awk -v s="$zspeed" 'BEGIN {printf "%.0f", s / 1e6}') MB/s, ratio $(awk -v a="$zspeed" -v b="$nspeed" 'BEGIN {printf "%.2f", a / b}'); CPU ticks nginx $ncpu, zipstream $zcpu"
    done
    stop_nginx
    stop_server
  done
fi

# --- crowd: many throttled clients arriving over a few seconds, nginx limit_rate first in the same run ---------------------
if wants crowd; then
  [[ -s $work/www/scale.zip ]] || cat "$data"/scale/* >"$work/www/scale.zip"   # --only crowd: 10 MiB of the same kind
  chmod a+r "$work/www/scale.zip"
  for row in $CROWD; do
    IFS=: read -r jdk clients arrive kib variant <<<"$row"
    # variant "aq": Jetty's accept queue raised to 1,024 (jetty.http.acceptQueueSize, as the shipped jetty-base
    # has it); default jetty-home keeps the JDK's 50, which a burst of 1,000 connections a second overflows.
    # variant "vt": that, and Jetty's virtual-thread pool (module threadpool-all-virtual, Java 21+)
    # variant "base": the shipped jetty-base and its run.sh (accept queue 1,024, -Xms64m, and on Java 24+ Jetty's
    # virtual-thread pool), as an operator runs it
    who=zipstream jetty_args=() pool= kind=jetty-ee10
    case $variant in
      aq) who=zipstream_aq; jetty_args=(jetty.http.acceptQueueSize=1024) ;;
      vt) who=zipstream_vt; jetty_args=(jetty.http.acceptQueueSize=1024); pool=virtual ;;
      base) who=zipstream_base; kind=jetty-base ;;
    esac
    java_bin=$JAVA25
    [[ $jdk == 17 ]] && java_bin=$JAVA17
    [[ -x $java_bin ]] || { log "crowd: no Java $jdk, row $row skipped"; continue; }
    bytes=$((kib * 1024))
    name=crowd-j$jdk-c$clients-k$kib${variant:+-$variant}
    client=("$JAVA25" -Xmx512m -XX:+UseSerialGC "$project/bench/LoadClient.java" --clients "$clients" --arrive-over "$arrive"
            --seconds "$CROWD_SECONDS" --chunk-bytes "$bytes" --delay-ms 500 --clk-tck "$clk" --close-watch 2)

    log "crowd: nginx limit_rate $((bytes * 2)) B/s, $clients clients over $arrive s"
    mark "crowd nginx $clients $kib"
    start_nginx "crowd" $((bytes * 2))
    "${client[@]}" --port "$nginx_port" --path /scale.zip --server-pid "$nginx_pid" >"$work/logs/$name-nginx.client" 2>&1 \
      || { tail "$work/logs/$name-nginx.client" >&2; die "LoadClient failed against nginx"; }
    stop_nginx
    result=$(grep '^RESULT ' "$work/logs/$name-nginx.client" | tail -1)
    for kv in ${result#RESULT }; do put "crowd.$jdk.$clients.$kib.nginx.${kv%%=*}" "${kv#*=}"; done
    log "  nginx: ${result#RESULT }"

    log "crowd: zipstream, $kind, Java $jdk, CHUNK_SIZE=$kib DELAY=0.5, $clients clients over $arrive s"
    mark "crowd $who $jdk $clients $kib"
    JETTY_POOL=$pool JETTY_ARGS="${jetty_args[*]}" start_server "$kind" "$name" "$java_bin" COMPRESSION=store DELAY=0.5 CHUNK_SIZE="$kib" MAX_DOWNLOADS="$clients"
    idle_threads=$(awk '/^Threads:/ {print $2}' "/proc/$server_pid/status")
    # every CRC known before the crowd comes (a range over the central directory): the herd is issue 13 goal 4
    code=$(curl -sS -o /dev/null -w '%{http_code}' -r -4096 "http://127.0.0.1:$server_port/archive/scale/")
    [[ $code == 206 ]] || die "crowd: range request answered $code"
    # a server that has served before: 200 one-chunk range requests, 4 at a time (not enough to grow the request
    # thread pool, which would raise the idle thread count the crowd is compared with), so the burst does not land on
    # code the JIT has not compiled yet (a fresh JVM's first requests run interpreted)
    warm=()
    for _ in $(seq 200); do warm+=(-r 0-999 -o /dev/null "http://127.0.0.1:$server_port/archive/scale/"); done
    curl -sS -Z --parallel-max 4 "${warm[@]}" >"$work/logs/$name.warm" 2>&1 || die "crowd: the warm-up requests failed"
    # and a crowd of the same size read for 4 s, as a server in service has met before: without it the measured
    # crowd lands on a write path the JIT has not compiled (C1 and C2 took 39-45% of the server's CPU in the
    # burst, perf record; a third crowd on one server had a first byte p95 of 55 ms, the first 132 ms). The idle
    # thread count is the one taken before any request, so threads the warm-up added count against the server.
    "${client[@]}" --clients "$clients" --arrive-over "$arrive" --seconds 4 --close-watch 0 --port "$server_port" --path /archive/scale/ \
      >"$work/logs/$name.warm-crowd" 2>&1 || { tail "$work/logs/$name.warm-crowd" >&2; die "the warm-up crowd failed"; }
    # its clients leaving cost the server a burst of work of their own: the measured crowd must not meet it
    wait_idle "$server_pid"
    "${client[@]}" --port "$server_port" --path /archive/scale/ --server-pid "$server_pid" --idle-threads "$idle_threads" \
      --timeline "$work/logs/$name.timeline" >"$work/logs/$name.client" 2>&1 \
      || { tail "$work/logs/$name.client" >&2; die "LoadClient failed"; }
    oom=$(grep -c 'OutOfMemoryError' "$server_log" || true)
    stop_server
    result=$(grep '^RESULT ' "$work/logs/$name.client" | tail -1)
    for kv in ${result#RESULT }; do put "crowd.$jdk.$clients.$kib.$who.${kv%%=*}" "${kv#*=}"; done
    put "crowd.$jdk.$clients.$kib.$who.oom_lines" "$oom"
    log "  zipstream: ${result#RESULT }"
  done
fi

# --- report ------------------------------------------------------------------------------------------------------------
kill "$sampler_pid" 2>/dev/null || true
sampler_pid=
put meta.load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
put meta.quiet_samples "$(wc -l <"$work/quiet.log")"
put meta.noisy_samples "$(awk '$2 > 0' "$work/quiet.log" | wc -l)"
put meta.max_load1 "$(awk 'BEGIN {m = 0} $3 > m {m = $3} END {print m}' "$work/quiet.log")"
put meta.quiet_log "$work/quiet.log"
put meta.seconds "$(( $(date +%s) - started ))"
put meta.clk_tck "$clk"
out_md=$work/BENCHMARKS.md
python3 "$project/bench/report.py" "$results" "$out_md" "$work/crowd.dat"
if ((publish)); then
  cp "$out_md" "$project/BENCHMARKS.md"
  if command -v gnuplot >/dev/null; then
    gnuplot -e "datafile='$work/crowd.dat'; outfile='$project/docs/scale.png'" "$project/bench/scale.gp" \
      || log "gnuplot failed: docs/scale.png kept as it was"
  else
    log "no gnuplot (apt-get install gnuplot-nox): docs/scale.png kept as it was"
  fi
fi
cat "$out_md"
log "written: $out_md$( ((publish)) && echo ' and BENCHMARKS.md') (took $(( $(date +%s) - started )) s)"
