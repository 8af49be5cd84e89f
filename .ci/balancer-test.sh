#!/usr/bin/env bash
# Two real instances (jetty-base/run.sh) on one storage behind nginx with deploy/nginx-balancer.conf and
# deploy/nginx.conf: the instance serving a throttled download is killed (SIGKILL) mid-way, the client resumes
# with curl -C - through nginx, and the result must be identical to a full download and pass unzip -t.
#
# BALANCER_STORAGE=bucket shares a bucket instead of a folder: s3proxy 2.6.0 (target/s3proxy/, copied there by
# mvn verify, or fetched here with the pom's copy-s3proxy execution) with signed requests required (the objects are
# put before, unsigned, then it restarts), and both instances on STORAGE_PATH=s3://balancer/archives/.
#
# Builds nothing: needs target/zipstream.war (mvn package); JETTY_HOME defaults to target/jetty-home-12.1.12 and
# is unpacked with the pom's jetty-home profile when missing. nginx: apt-get install -y nginx.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ci_init balancer-test
echo "work folder $work"
chmod 755 "$work" # nginx's workers may run as another user

JETTY_HOME=${JETTY_HOME:-$project/target/jetty-home-12.1.12}
WAR=${ZIPSTREAM_WAR:-$project/target/zipstream.war}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

BALANCER_STORAGE=${BALANCER_STORAGE:-folder}
[[ $BALANCER_STORAGE == folder || $BALANCER_STORAGE == bucket ]] \
  || die "BALANCER_STORAGE=$BALANCER_STORAGE: folder or bucket"
S3PROXY_JAR=$project/target/s3proxy/s3proxy-2.6.0-jar-with-dependencies.jar

pids=()
nginx_pid=
s3proxy_pid=
on_exit() {
  if [[ -n $nginx_pid ]]; then stop_pid "$nginx_pid"; fi
  local p
  for p in "${pids[@]}"; do stop_pid "$p"; done
  if [[ -n $s3proxy_pid ]]; then stop_pid "$s3proxy_pid"; fi
}
show_logs() {
  tail_log 20 "$work/a.out" "instance a"; tail_log 20 "$work/b.out" "instance b"
  tail_log 20 "$work/nginx/error.log"
}

require_tools java curl unzip python3 bc cmp
[[ -x $NGINX ]] || die "no nginx (apt-get install -y nginx)"
[[ -f $WAR ]] || die "no $WAR: build it first (mvn -q package -DskipTests)"
ensure_jetty_home "$JETTY_HOME"

# ~300 KiB of random bytes in three files: at 4 KiB per 0.1 s a download takes about 8 s.
storage=$work/storage
hash=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
mkdir -p "$storage/$hash/sub"
python3 - "$storage/$hash" <<'PY'
import os, sys
for name, size in (("a.bin", 100_000), ("sub/b.bin", 120_000), ("c.txt", 80_000)):
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(os.urandom(size))
PY

shared=("STORAGE_PATH=$storage")
if [[ $BALANCER_STORAGE == bucket ]]; then
  if [[ ! -f $S3PROXY_JAR ]]; then
    echo "fetching s3proxy with the pom's copy-s3proxy execution"
    mvn -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy@copy-s3proxy || die "could not fetch s3proxy"
  fi
  s3_port=$(free_port)
  s3=http://127.0.0.1:$s3_port
  identity=balancer-test
  credential=balancer-test-credential
  mkdir -p "$work/s3proxy-data"
  # start_s3proxy AUTHORIZATION: s3proxy on $s3_port over $work/s3proxy-data, waits until it answers
  start_s3proxy() {
    cat >"$work/s3proxy.conf" <<CONF
s3proxy.endpoint=$s3
s3proxy.authorization=$1
s3proxy.identity=$identity
s3proxy.credential=$credential
jclouds.provider=filesystem
jclouds.filesystem.basedir=$work/s3proxy-data
CONF
    java -Xmx256m -jar "$S3PROXY_JAR" --properties "$work/s3proxy.conf" >>"$work/s3proxy.out" 2>&1 &
    s3proxy_pid=$!
    wait_until_up 60 "$s3proxy_pid" "s3proxy exited during start" curl -s -o /dev/null --max-time 2 "$s3/" \
      || die "s3proxy did not start within 60 s"
  }
  # Objects go in through the S3 API (PUT: each gets its ETag) while unsigned requests are allowed, then s3proxy
  # restarts on the same data requiring signatures, as a real store would.
  start_s3proxy none
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT "$s3/balancer") || code=error
  [[ $code == 200 ]] || die "creating the bucket failed ($code)"
  (cd "$storage/$hash" && find . -type f -printf '%P\n') | while read -r name; do
    code=$(curl -sS -o /dev/null -w '%{http_code}' -T "$storage/$hash/$name" "$s3/balancer/archives/$hash/$name") \
      || code=error
    [[ $code == 200 ]] || die "PUT $name failed ($code)"
  done
  stop_pid "$s3proxy_pid"
  start_s3proxy aws-v2-or-v4
  code=$(curl -sS -o /dev/null -w '%{http_code}' "$s3/balancer/archives/$hash/a.bin") || code=error
  check "s3proxy now refuses an unsigned GET (got $code)" test "$code" = 403
  shared=("STORAGE_PATH=s3://balancer/archives/" "S3_ENDPOINT=$s3"
          "AWS_ACCESS_KEY_ID=$identity" "AWS_SECRET_ACCESS_KEY=$credential")
  ok "the folder is in bucket balancer of s3proxy at $s3"
fi

# start_instance NAME PORT: jetty-base/run.sh in the background, output in $work/NAME.out, log in $work/NAME.log
start_instance() {
  mkdir -p "$work/$1-tmp" "$work/$1-requestlog"
  env PORT="$2" HOST=127.0.0.1 "${shared[@]}" DELAY=0.1 CHUNK_SIZE=4 LOG_FILE="$work/$1.log" \
      JETTY_HOME="$JETTY_HOME" ZIPSTREAM_WAR="$WAR" REQUEST_LOG_DIR="$work/$1-requestlog" \
      JAVA_OPTIONS="-Djava.io.tmpdir=$work/$1-tmp" \
      "$project/jetty-base/run.sh" >"$work/$1.out" 2>&1 &
  pids+=($!)
}
port_a=$(free_port)
port_b=$(free_port)
start_instance a "$port_a"
start_instance b "$port_b"
pid_a=${pids[0]}
pid_b=${pids[1]}
wait_until_up 60 "$pid_a" "instance a exited during start" grep -q 'Started oejs.Server' "$work/a.out" \
  || die "instance a did not start within 60 s"
wait_until_up 60 "$pid_b" "instance b exited during start" grep -q 'Started oejs.Server' "$work/b.out" \
  || die "instance b did not start within 60 s"
ok "two instances on 127.0.0.1:$port_a and 127.0.0.1:$port_b, storage: $BALANCER_STORAGE ($(elapsed) s)"

header() { { grep -i "^$2:" "$1" 2>/dev/null || true; } | tail -n 1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'; }
curl -sS -I --max-time 10 "http://127.0.0.1:$port_a/archive/$hash/" -o /dev/null -D "$work/a.h"
curl -sS -I --max-time 10 "http://127.0.0.1:$port_b/archive/$hash/" -o /dev/null -D "$work/b.h"
length=$(header "$work/a.h" Content-Length)
check "both instances announce the same length and ETag ($length, $(header "$work/a.h" ETag))" \
  bash -c "test -n '$length' && test '$length' = '$(header "$work/b.h" Content-Length)' \
    && test '$(header "$work/a.h" ETag)' = '$(header "$work/b.h" ETag)'"

# --- nginx: the balancer example, pointed at the two instances ---------------------------------------------------
nginx_port=$(free_port)
mkdir -p "$work/nginx/tmp"
sed -e "s/server 127\.0\.0\.1:8081 /server 127.0.0.1:$port_a /" -e "s/server 127\.0\.0\.1:8082 /server 127.0.0.1:$port_b /" \
  "$project/deploy/nginx-balancer.conf" >"$work/nginx/balancer.conf"
[[ $(grep -c "127.0.0.1:\($port_a\|$port_b\) " "$work/nginx/balancer.conf") == 2 ]] \
  || die "deploy/nginx-balancer.conf no longer has 'server 127.0.0.1:8081 ' and 'server 127.0.0.1:8082 '"
# deploy/nginx.conf as shipped, but with its access log in the work folder
sed "s#/var/log/nginx/zipstream.access.log#$work/nginx/zipstream.access.log#" "$project/deploy/nginx.conf" \
  >"$work/nginx/site.conf"
cat >"$work/nginx/nginx.conf" <<NGINX
# generated by .ci/balancer-test.sh
worker_processes 1;
error_log $work/nginx/error.log info;
pid $work/nginx/nginx.pid;
events { worker_connections 64; }
http {
    access_log $work/nginx/access.log;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    include $work/nginx/balancer.conf;
    server {
        listen 127.0.0.1:$nginx_port;
        include $work/nginx/site.conf;
        # answered by nginx itself: checking it is up opens no connection to an instance
        location = /nginx-up { return 200 "up\n"; }
    }
}
NGINX
nginx_args=(-p "$work/nginx/" -c "$work/nginx/nginx.conf")
"$NGINX" -t "${nginx_args[@]}" >"$work/nginx-t.out" 2>&1 || { cat "$work/nginx-t.out" >&2; die "nginx -t failed"; }
ok "nginx -t accepts deploy/nginx-balancer.conf with deploy/nginx.conf"
"$NGINX" "${nginx_args[@]}" -g 'daemon off;' >"$work/nginx.out" 2>&1 &
nginx_pid=$!
proxy=http://127.0.0.1:$nginx_port
wait_until_up 10 "$nginx_pid" "nginx exited during start" \
  curl -sf -o /dev/null --max-time 2 "$proxy/nginx-up" || die "nginx did not answer within 10 s"

# Established connections on a local port: which instance nginx is streaming from. Nothing went through nginx
# before the download, so it holds the only connection to an instance (no idle keepalive one to mislead).
connections_to() {
  python3 - "$1" <<'PY'
import sys
port = int(sys.argv[1])
n = 0
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        f = line.split()
        if int(f[1].rsplit(":", 1)[1], 16) == port and f[3] == "01":
            n += 1
print(n)
PY
}

# --- 1. a throttled download through nginx, cut by killing the instance that serves it --------------------------
curl -sS --max-time 60 -o "$work/resumed.zip" -w '%{time_starttransfer} %{time_total}\n' "$proxy/archive/$hash/" \
  >"$work/first.times" 2>"$work/first.err" &
curl_pid=$!
has_bytes() { [[ -f $work/resumed.zip ]] && (( $(stat -c %s "$work/resumed.zip") >= 60000 )); }
wait_for 30 has_bytes || die "the download through nginx did not reach 60,000 bytes within 30 s"
serving=
if (( $(connections_to "$port_a") > 0 )); then serving=a; victim=$pid_a; other_port=$port_b;
elif (( $(connections_to "$port_b") > 0 )); then serving=b; victim=$pid_b; other_port=$port_a;
else die "no instance has a connection from nginx"; fi
kill -KILL "$victim"
wait "$victim" 2>/dev/null || true
set +e
wait "$curl_pid"
first_rc=$?
set -e
cut_at=$(stat -c %s "$work/resumed.zip")
ok "instance $serving killed while serving; the client had $cut_at of $length bytes (first byte, end: $(cat "$work/first.times"))"
check "the first download failed instead of ending early and clean (curl rc $first_rc: $(tr -d '\n' <"$work/first.err"))" \
  test "$first_rc" -ne 0
check "it stopped short of the whole archive ($cut_at < $length)" test "$cut_at" -lt "$length"

# --- 2. resume through nginx: it must reach the surviving instance and finish the same archive -------------------
# The reference, a full download from the survivor, runs meanwhile: both are throttled.
curl -sS --max-time 60 -o "$work/full.zip" "http://127.0.0.1:$other_port/archive/$hash/" 2>"$work/full.err" &
full_pid=$!
code=$(curl -sS --max-time 60 -C - -o "$work/resumed.zip" -w '%{http_code}' "$proxy/archive/$hash/" 2>"$work/resume.err") \
  || code="error $(tr -d '\n' <"$work/resume.err")"
check "curl -C - through nginx gets 206 from the other instance (got $code)" test "$code" = 206
wait "$full_pid" || die "the full download from the surviving instance failed: $(cat "$work/full.err")"
check "the resumed file is $length bytes" test "$(stat -c %s "$work/resumed.zip")" = "$length"
check "the resumed file is identical to a full download" cmp -s "$work/resumed.zip" "$work/full.zip"
check "the resumed file passes unzip -t" unzip -tq "$work/resumed.zip"
mkdir "$work/unzipped"
unzip -q "$work/resumed.zip" -d "$work/unzipped" || true
check "it holds exactly the folder's files" diff -r "$storage/$hash" "$work/unzipped"

finish
