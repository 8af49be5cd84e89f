#!/usr/bin/env bash
# Puts Debian's nginx, configured with deploy/nginx-upstream.conf and deploy/nginx.conf, in front of zipstream and
# checks what the proxy must not break: throttled chunks stream through at once, byte ranges and If-Range reach the
# service, the service's own pages pass, and a client that aborts at nginx ends the download in the service.
#
# By default it starts the service itself with jetty-base/run.sh (needs target/zipstream.war and
# target/jetty-home-12.1.12, see .ci/jetty-base-test.sh), with DELAY=1 and CHUNK_SIZE=1 (KiB).
# To test an already running service instead, set SERVICE_PORT (on 127.0.0.1), SERVICE_STORAGE (its STORAGE_PATH,
# writable: a ~200 KiB folder is made there and removed) and SERVICE_LOG_FILE (its LOG_FILE, readable); that
# service must run with DELAY=1 and CHUNK_SIZE=1.
# nginx: apt-get install -y nginx (it is only run by hand here, never as a system service).
set -euo pipefail

started=$(date +%s.%N)
project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$project"

JETTY_HOME=${JETTY_HOME:-$project/target/jetty-home-12.1.12}
WAR=${ZIPSTREAM_WAR:-$project/target/zipstream.war}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

passed=0
failed=0
jetty_pid=
nginx_pid=
folder=
work=$(mktemp -d /tmp/zipstream-nginx-test.XXXXXX)
chmod 755 "$work" # nginx's workers may run as another user

elapsed() { printf '%.1f' "$(echo "$(date +%s.%N) - $started" | bc)"; }

stop_pid() { # stop_pid PID: TERM, up to 10 s, then KILL
  local p=$1
  kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$p" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  if [[ -n $nginx_pid ]]; then stop_pid "$nginx_pid"; fi
  if [[ -n $jetty_pid ]]; then stop_pid "$jetty_pid"; fi
  if [[ -n $folder ]]; then rm -rf "$folder"; fi
  rm -rf "$work"
  echo "nginx-test: took $(elapsed) s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*" >&2; }
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
die() {
  echo "FAILED: $*" >&2
  for f in "$work/jetty.out" "$work/nginx/error.log"; do
    if [[ -s $f ]]; then echo "--- $f:" >&2; tail -n 30 "$f" >&2; fi
  done
  echo "nginx: $passed passed, $((failed + 1)) failed"
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

header() { # header FILE NAME: the value of a response header, without CR
  { grep -i "^$2:" "$1" 2>/dev/null || true; } | tail -n 1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'
}

wait_for() { # wait_for SECONDS COMMAND...: true once COMMAND succeeds
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    (( $(date +%s) < deadline )) || return 1
    sleep 0.2
  done
}

for tool in curl python3 bc cmp; do
  command -v "$tool" >/dev/null || die "needs $tool"
done
[[ -x $NGINX ]] || die "no nginx (apt-get install -y nginx)"

# --- the service -----------------------------------------------------------------------------------------------
if [[ -n ${SERVICE_PORT:-} ]]; then
  [[ -n ${SERVICE_STORAGE:-} && -n ${SERVICE_LOG_FILE:-} ]] \
    || die "SERVICE_PORT needs SERVICE_STORAGE and SERVICE_LOG_FILE too"
  service_port=$SERVICE_PORT
  storage=$SERVICE_STORAGE
  log_file=$SERVICE_LOG_FILE
else
  [[ -f $WAR ]] || die "no $WAR: build it first (mvn -q package -DskipTests)"
  [[ -f $JETTY_HOME/start.jar ]] \
    || die "no start.jar in JETTY_HOME=$JETTY_HOME (mvn -Pjetty-home package, or see .ci/jetty-base-test.sh)"
  service_port=$(free_port)
  storage=$work/storage
  log_file=$work/archive.log
  mkdir -p "$storage" "$work/tmp" "$work/requestlog"
fi

# ~200 KiB in four files of random bytes: at 1 KiB per second the whole archive needs over 200 s.
hash=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
folder=$storage/$hash
mkdir "$folder"
python3 - "$folder" <<'EOF'
import os, sys
for i in range(4):
    with open(os.path.join(sys.argv[1], f"part-{i}.bin"), "wb") as f:
        f.write(os.urandom(50 * 1024))
EOF

if [[ -z ${SERVICE_PORT:-} ]]; then
  echo "starting the service (jetty-base) on 127.0.0.1:$service_port with DELAY=1 CHUNK_SIZE=1"
  env PORT="$service_port" HOST=127.0.0.1 JETTY_HOME="$JETTY_HOME" ZIPSTREAM_WAR="$WAR" \
      REQUEST_LOG_DIR="$work/requestlog" JAVA_OPTIONS="-Djava.io.tmpdir=$work/tmp" \
      STORAGE_PATH="$storage" DELAY=1 CHUNK_SIZE=1 LOG_FILE="$log_file" \
      "$project/jetty-base/run.sh" >"$work/jetty.out" 2>&1 &
  jetty_pid=$!
  jetty_up() {
    kill -0 "$jetty_pid" 2>/dev/null || die "the service exited during start"
    grep -q 'Started oejs.Server' "$work/jetty.out"
  }
  wait_for 30 jetty_up || die "the service did not start within 30 s"
fi
direct=http://127.0.0.1:$service_port
status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -I "$direct/archive/$hash/") || status=error
[[ $status == 200 ]] || die "the service does not answer HEAD /archive/$hash/ with 200 (got $status)"

# --- nginx -----------------------------------------------------------------------------------------------------
nginx_port=$(free_port)
mkdir -p "$work/nginx/tmp"
sed "s/server 127\.0\.0\.1:8080;/server 127.0.0.1:$service_port;/" "$project/deploy/nginx-upstream.conf" \
  >"$work/nginx/upstream.conf"
grep -q "127.0.0.1:$service_port" "$work/nginx/upstream.conf" \
  || die "deploy/nginx-upstream.conf no longer has 'server 127.0.0.1:8080;' to point at the test service"
cat >"$work/nginx/nginx.conf" <<EOF
# generated by .ci/nginx-test.sh
worker_processes 1;
error_log $work/nginx/error.log info;
pid $work/nginx/nginx.pid;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $work/nginx/access.log;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    # as a CMS site might have it: gzip on for its pages; deploy/nginx.conf turns it off for archives
    gzip on;
    gzip_types *;

    include $work/nginx/upstream.conf;

    server {
        listen 127.0.0.1:$nginx_port;
        server_name localhost;

        include $project/deploy/nginx.conf;

        # the rest of the site
        location / { return 200 "cms\n"; }
    }
}
EOF
nginx_args=(-p "$work/nginx/" -c "$work/nginx/nginx.conf")
if "$NGINX" -t "${nginx_args[@]}" >"$work/nginx-t.out" 2>&1; then
  ok "nginx -t accepts the configuration with deploy/nginx.conf"
else
  cat "$work/nginx-t.out" >&2
  die "nginx -t rejects the configuration"
fi
"$NGINX" "${nginx_args[@]}" -g 'daemon off;' >"$work/nginx.out" 2>&1 &
nginx_pid=$!
proxy=http://127.0.0.1:$nginx_port
nginx_up() {
  kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited during start"
  curl -sf -o /dev/null --max-time 2 "$proxy/"
}
wait_for 10 nginx_up || die "nginx did not answer within 10 s"
echo "nginx on 127.0.0.1:$nginx_port in front of 127.0.0.1:$service_port, archive $hash"

# --- 1. the headers through nginx (HEAD: the service builds nothing) ----------------------------------------------
code=$(curl -sS -o /dev/null -D "$work/head.h" -w '%{http_code}' --max-time 10 -I "$proxy/archive/$hash/") || code=error
check "HEAD /archive/$hash/ answers 200 through nginx (got $code)" test "$code" = 200
length=$(header "$work/head.h" Content-Length)
etag=$(header "$work/head.h" ETag)
check "Content-Length, ETag and Accept-Ranges: bytes pass through (length ${length:-none}, ETag ${etag:-none})" \
  bash -c "test -n '$length' && test -n '$etag' && grep -qi '^accept-ranges: bytes' '$work/head.h'"
[[ -n $length && -n $etag ]] || die "cannot go on without the archive's length and ETag"
check "whole archive needs more than 100 s at 1 KiB/s (Content-Length $length)" test "$length" -gt $((100 * 1024))
check "no X-Accel-Buffering passed on to the client" bash -c "! grep -qi '^x-accel-buffering' '$work/head.h'"

# --- 2. streaming: the first bytes come at once, the rest at the throttled rate; then the client aborts ----------
limit=3
set +e
out=$(curl -sS -D "$work/stream.h" -o "$work/stream.part" --max-time $limit \
  -w '%{http_code} %{size_download} %{time_starttransfer}' "$proxy/archive/$hash/" 2>"$work/stream.err")
curl_rc=$?
set -e
read -r code size first <<<"$out"
echo "streaming: status $code, first byte after ${first} s, $size of $length bytes in $limit s"
check "the archive answers 200 through nginx (got $code)" test "$code" = 200
check "first bytes arrive within $limit s, long before the whole archive could ($size bytes)" test "$size" -gt 0
check "bytes arrive at the throttled rate, not buffered ahead ($size bytes in $limit s)" \
  test "$size" -le $(( (limit + 3) * 1024 ))
check "the data is the start of a ZIP" bash -c "head -c 4 '$work/stream.part' | od -An -tx1 | grep -q '50 4b 03 04'"
check "no gzip from the site's gzip on" bash -c "! grep -qi '^content-encoding' '$work/stream.h'"
check "curl gave up at --max-time (rc 28, got $curl_rc)" test "$curl_rc" = 28

gone() { grep -Eq "download $hash: [0-9]+ bytes in [0-9.]+ s, client gone" "$log_file"; }
if wait_for 15 gone; then
  line=$(grep -E "download $hash: .* client gone" "$log_file" | tail -n 1)
  ok "the service ended the download after the client aborted at nginx: ${line#* INFO }"
  sent=$(sed -E 's/.*: ([0-9]+) bytes in.*/\1/' <<<"$line")
  check "the service stopped early: $sent of $length bytes sent" test "$sent" -lt $((64 * 1024))
else
  bad "the service did not log 'download $hash: ... client gone' within 15 s of the abort"
fi

# --- 3. byte ranges and If-Range pass through nginx to the service -----------------------------------------------
range_get() { # range_get NAME URL CURL-ARGS...: body in NAME.b, headers in NAME.h, prints the status
  local name=$1 url=$2; shift 2
  curl -sS -o "$work/$name.b" -D "$work/$name.h" -w '%{http_code}' --max-time 10 "$@" "$url" || true
}
code=$(range_get r1 "$proxy/archive/$hash/" -H 'Range: bytes=1000-1099')
check "Range: bytes=1000-1099 answers 206 through nginx (got $code)" test "$code" = 206
check "Content-Range is bytes 1000-1099/$length (got $(header "$work/r1.h" Content-Range))" \
  test "$(header "$work/r1.h" Content-Range)" = "bytes 1000-1099/$length"
check "the range body is 100 bytes" test "$(stat -c %s "$work/r1.b")" = 100
range_get d1 "$direct/archive/$hash/" -H 'Range: bytes=1000-1099' >/dev/null
check "the range body is the service's own, byte for byte" cmp -s "$work/r1.b" "$work/d1.b"

code=$(range_get r2 "$proxy/archive/$hash/" -H 'Range: bytes=-22')
check "Range: bytes=-22 answers 206 with the end-of-central-directory record" \
  bash -c "test '$code' = 206 && head -c 4 '$work/r2.b' | od -An -tx1 | grep -q '50 4b 05 06' \
    && test \"\$(grep -i '^content-range:' '$work/r2.h' | tr -d '\r')\" = 'Content-Range: bytes $((length - 22))-$((length - 1))/$length'"

code=$(range_get r3 "$proxy/archive/$hash/" -H 'Range: bytes=0-99' -H "If-Range: $etag")
check "If-Range with the current ETag gets 206 (got $code)" test "$code" = 206
set +e
code=$(curl -sS -o /dev/null -D "$work/r4.h" -w '%{http_code}' --max-time 2 -H 'Range: bytes=0-99' \
  -H 'If-Range: "not-the-etag"' "$proxy/archive/$hash/" 2>/dev/null)
set -e
check "If-Range with another ETag gets the whole archive, 200 (got $code)" \
  bash -c "test '$code' = 200 && ! grep -qi '^content-range' '$work/r4.h'"

code=$(range_get r5 "$proxy/archive/$hash/" -H "Range: bytes=$((length + 10))-")
check "a range past the end gets the service's 416 (got $code)" test "$code" = 416

# --- 4. the service's own pages pass -----------------------------------------------------------------------------
code=$(range_get nf "$proxy/archive/doesnotexist/")
check "/archive/doesnotexist/ gets the service's 404 page (got $code)" \
  bash -c "test '$code' = 404 && grep -q 'does not exist' '$work/nf.b'"
code=$(range_get cms "$proxy/other/")
check "the rest of the site is not sent to the service (got $code)" test "$code" = 200

echo "nginx: $passed passed, $failed failed"
[[ $failed == 0 ]]
