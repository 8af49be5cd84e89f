#!/usr/bin/env bash
# Starts zipstream on the Jetty distribution with jetty-base/ (through jetty-base/run.sh) and checks it from
# outside: a real archive, a 404, PORT/HOST, the thread pool run.sh picks for the Java it runs on, the Server header,
# the request log and LOG_FILE, a clean stop.
#
# Builds nothing: needs target/zipstream.war (mvn package). JETTY_HOME defaults to target/jetty-home-12.1.12;
# when missing it is unpacked with the pom's jetty-home profile (maven-dependency-plugin, no build).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ci_init jetty-base-test

JETTY_HOME=${JETTY_HOME:-$project/target/jetty-home-12.1.12}
WAR=${ZIPSTREAM_WAR:-$project/target/zipstream.war}
HASH=3bea29ccabbbf64bdebcc055319c5745

jetty_pid=
on_exit() { if [[ -n $jetty_pid ]]; then stop_pid "$jetty_pid"; fi; }
show_logs() { tail_log 40 "$work/jetty.out" "jetty output"; }

require_tools java curl unzip python3 bc
[[ -f $WAR ]] || die "no $WAR: build it first (mvn -q package -DskipTests)"
ensure_jetty_home "$JETTY_HOME"

port=$(free_port)
echo "starting Jetty on 127.0.0.1:$port (work folder $work)"
# A signing key, with LINKS left open: bare links work as before, and signed ones must stay out of every log.
SIGNING_KEYS="ci:jetty-base-test-secret-0123456789abcdef"
start_jetty_base PORT="$port" STORAGE_PATH="$project/sample-storage" DELAY=0 LOG_FILE="$work/archive.log" \
  SIGNING_KEYS="$SIGNING_KEYS"
base_url="http://127.0.0.1:$port"
wait_for_jetty Jetty
ok "Jetty started ($(elapsed) s after the script began)"

# 1. the archive: complete, valid, and the same files as the folder
status=$(curl -sS -o "$work/archive.zip" -D "$work/headers" -w '%{http_code}' --max-time 60 \
  "$base_url/archive/$HASH/") || die "download failed"
check "GET /archive/$HASH/ answers 200 (got $status)" test "$status" = 200
check "the archive passes unzip -t" unzip -tq "$work/archive.zip"
mkdir "$work/unzipped"
unzip -q "$work/archive.zip" -d "$work/unzipped" || true
check "the archive holds exactly the folder's files" diff -r "$project/sample-storage/$HASH" "$work/unzipped"
check "Content-Type is application/zip" grep -qi '^content-type: application/zip' "$work/headers"
check "no Server header (jetty.httpConfig.sendServerVersion=false)" bash -c "! grep -qi '^server:' '$work/headers'"

# 2. a missing archive
status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 20 "$base_url/archive/doesnotexist/") || status=error
check "GET /archive/doesnotexist/ answers 404 (got $status)" test "$status" = 404

# 2b. a signed link, a tampered one, and neither signature in any log
signed=$(SIGNING_KEYS=$SIGNING_KEYS python3 tools/zipstream-sign --base "$base_url" --lifetime 10m \
  --name "Фото — лето 2026" -f 1.jpg "$HASH")
sig=${signed##*&sig=}; sig=${sig%%&*}
status=$(curl -sS -o "$work/signed.zip" -D "$work/signed.headers" -w '%{http_code}' --max-time 60 "$signed") || status=error
check "a link from tools/zipstream-sign answers 200 (got $status)" test "$status" = 200
check "the signed link's archive holds just 1.jpg" bash -c "unzip -Z1 '$work/signed.zip' | grep -qx 1.jpg \
  && test \"\$(unzip -Z1 '$work/signed.zip' | wc -l)\" = 1"
check "its Content-Disposition names the file in UTF-8" \
  grep -qi "^content-disposition: .*filename\*=UTF-8''%D0%A4%D0%BE%D1%82%D0%BE%20%E2%80%94" "$work/signed.headers"
status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 20 "${signed/&sig=/&sig=x}") || status=error
check "the same link with a tampered signature answers 403 (got $status)" test "$status" = 403
check "LOG_FILE says why the tampered link was refused" grep -q 'refused (403): bad signature (kid ci)' "$work/archive.log"

# 3. PORT and HOST took effect: the connector is on 127.0.0.1:$port, and nothing was opened on 8080 for us
check "the connector listens on 127.0.0.1:$port" grep -q "ServerConnector@.*{127.0.0.1:$port}" "$work/jetty.out"
check "PORT is the only connector" test "$(grep -c 'Started oejs.ServerConnector' "$work/jetty.out")" = 1

# 3b. the thread pool run.sh chose for this Java: virtual threads from Java 24, Jetty's platform pool before. The
# version is the one Jetty's start line reports ("jvm 25.0.3+9-LTS"), not run.sh's own reading of it.
spec=$(sed -n 's/.*oejs\.Server:main: jetty-.*; jvm \([0-9][0-9]*\).*/\1/p' "$work/jetty.out" | head -1)
check "Jetty's start line names the JVM's version (${spec:-none})" test -n "$spec"
jcmd=$(dirname "$(readlink -f "/proc/$jetty_pid/exe")")/jcmd
qtp_threads() { "$jcmd" "$jetty_pid" Thread.print 2>/dev/null | grep -c '^"qtp' || true; }
if ((spec >= 24)); then
  check "run.sh chose the virtual-thread pool on Java $spec" grep -q "Jetty thread pool: virtual (Java $spec" "$work/jetty.out"
  check "Jetty runs its tasks on virtual threads" grep -q 'Virtual threads enabled' "$work/jetty.out"
  if [[ -x $jcmd ]]; then
    check "no platform pool thread (qtp) in the JVM" test "$(qtp_threads)" = 0
  fi
else
  check "run.sh chose the platform pool on Java $spec" grep -q "Jetty thread pool: platform (Java $spec" "$work/jetty.out"
  check "Jetty did not enable virtual threads" bash -c "! grep -q 'Virtual threads enabled' '$work/jetty.out'"
  if [[ -x $jcmd ]]; then
    check "the platform pool's threads (qtp) are there" test "$(qtp_threads)" -gt 0
  fi
fi
out=$(JETTY_THREADS=bogus JETTY_HOME="$JETTY_HOME" ZIPSTREAM_WAR="$WAR" "$project/jetty-base/run.sh" 2>&1) && rc=0 || rc=$?
check "JETTY_THREADS=bogus: run.sh exits 2 (got $rc)" test "$rc" = 2
check "JETTY_THREADS=bogus: the message names the variable and value" grep -q 'JETTY_THREADS=bogus is not valid' <<<"$out"

# 4. the service's LOG_FILE and Jetty's request log
check "LOG_FILE has the start line" grep -q 'zipstream started: .*DELAY=0.0 s' "$work/archive.log"
check "LOG_FILE has the completed download" \
  grep -q "download ${HASH:0:8}: $(stat -c %s "$work/archive.zip") bytes in .* complete" "$work/archive.log"
check "the request log has both requests" \
  bash -c "cat '$work'/requestlog/*.request.log | grep -q 'GET /archive/$HASH/ HTTP/1.1\" 200' \
    && cat '$work'/requestlog/*.request.log | grep -q 'GET /archive/doesnotexist/ HTTP/1.1\" 404'"

check "the request log has the signed link's path, without its query string" \
  grep -q "\"GET /archive/$HASH/ HTTP/1.1\" 200" "$work"/requestlog/*.request.log
check "no signature in the request log or LOG_FILE" \
  bash -c "! grep -q -e '$sig' -e 'sig=' -e '?exp' '$work'/requestlog/*.request.log '$work/archive.log'"

# 5. a clean stop on SIGTERM
check "Jetty stops within 15 s of SIGTERM" stop_pid "$jetty_pid" 15
wait "$jetty_pid" 2>/dev/null || true
jetty_pid=
check "Jetty stopped the web application" grep -q 'Stopped oeje10w.WebAppContext' "$work/jetty.out"
# Not checked: the service's "zipstream stopped" line. It is lost from LOG_FILE, because java.util.logging's own
# shutdown hook closes the file handler while Jetty's shutdown hook is still stopping the web application.
# zipstream-crc is the CRC cache's default folder (CRC_CACHE_DIR): kept on purpose, so that a restart keeps it.
check "Jetty removed its temporary folder (the CRC cache stays)" test -z "$(ls -A "$work/tmp" | grep -vx zipstream-crc)"
check "the CRC cache persisted the CRCs it computed" test -n "$(find "$work/tmp/zipstream-crc" -type f | head -1)"

finish
