#!/usr/bin/env bash
# Starts zipstream on the Jetty distribution with jetty-base/ (through jetty-base/run.sh) and checks it from
# outside: a real archive, a 404, PORT/HOST, the Server header, the request log and LOG_FILE, a clean stop.
#
# Builds nothing: needs target/zipstream.war (mvn package). JETTY_HOME defaults to target/jetty-home-12.1.12;
# when missing it is unpacked with the pom's jetty-home profile (maven-dependency-plugin, no build).
set -euo pipefail

started=$(date +%s.%N)
project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$project"

JETTY_HOME=${JETTY_HOME:-$project/target/jetty-home-12.1.12}
WAR=${ZIPSTREAM_WAR:-$project/target/zipstream.war}
HASH=3bea29ccabbbf64bdebcc055319c5745

passed=0
failed=0
pid=
work=$(mktemp -d /tmp/zipstream-jetty-base-test.XXXXXX)

elapsed() { printf '%.1f' "$(echo "$(date +%s.%N) - $started" | bc)"; }

cleanup() {
  local rc=$?
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  echo "jetty-base-test: took $(elapsed) s"
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
  if [[ -f $work/jetty.out ]]; then echo "--- jetty output:" >&2; tail -n 40 "$work/jetty.out" >&2; fi
  echo "jetty-base: $passed passed, $((failed + 1)) failed"
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

for tool in java curl unzip python3 bc; do
  command -v "$tool" >/dev/null || die "needs $tool"
done
[[ -f $WAR ]] || die "no $WAR: build it first (mvn -q package -DskipTests)"
if [[ ! -f $JETTY_HOME/start.jar ]]; then
  [[ $JETTY_HOME == "$project/target/jetty-home-12.1.12" ]] || die "no start.jar in JETTY_HOME=$JETTY_HOME"
  echo "unpacking jetty-home with the jetty-home profile"
  mvn -q -Pjetty-home org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack@unpack-jetty-home \
    || die "could not unpack jetty-home (mvn -Pjetty-home ...)"
fi

port=$(free_port)
mkdir -p "$work/tmp" "$work/requestlog"
echo "starting Jetty on 127.0.0.1:$port (work folder $work)"
env PORT="$port" HOST=127.0.0.1 JETTY_HOME="$JETTY_HOME" ZIPSTREAM_WAR="$WAR" \
    REQUEST_LOG_DIR="$work/requestlog" JAVA_OPTIONS="-Djava.io.tmpdir=$work/tmp" \
    STORAGE_PATH="$project/sample-storage" DELAY=0 LOG_FILE="$work/archive.log" \
    "$project/jetty-base/run.sh" >"$work/jetty.out" 2>&1 &
pid=$!

base_url="http://127.0.0.1:$port"
for _ in $(seq 150); do
  kill -0 "$pid" 2>/dev/null || die "Jetty exited during start"
  grep -q 'Started oejs.Server' "$work/jetty.out" && break
  sleep 0.2
done
grep -q 'Started oejs.Server' "$work/jetty.out" || die "Jetty did not start within 30 s"
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

# 3. PORT and HOST took effect: the connector is on 127.0.0.1:$port, and nothing was opened on 8080 for us
check "the connector listens on 127.0.0.1:$port" grep -q "ServerConnector@.*{127.0.0.1:$port}" "$work/jetty.out"
check "PORT is the only connector" test "$(grep -c 'Started oejs.ServerConnector' "$work/jetty.out")" = 1

# 4. the service's LOG_FILE and Jetty's request log
check "LOG_FILE has the start line" grep -q 'zipstream started: .*DELAY=0.0 s' "$work/archive.log"
check "LOG_FILE has the completed download" \
  grep -q "download $HASH: $(stat -c %s "$work/archive.zip") bytes in .* complete" "$work/archive.log"
check "the request log has both requests" \
  bash -c "cat '$work'/requestlog/*.request.log | grep -q 'GET /archive/$HASH/ HTTP/1.1\" 200' \
    && cat '$work'/requestlog/*.request.log | grep -q 'GET /archive/doesnotexist/ HTTP/1.1\" 404'"

# 5. a clean stop on SIGTERM
kill -TERM "$pid"
stopped=false
for _ in $(seq 75); do
  if ! kill -0 "$pid" 2>/dev/null; then stopped=true; break; fi
  sleep 0.2
done
check "Jetty stops within 15 s of SIGTERM" $stopped
wait "$pid" 2>/dev/null || true
pid=
check "Jetty stopped the web application" grep -q 'Stopped oeje10w.WebAppContext' "$work/jetty.out"
# Not checked: the service's "zipstream stopped" line. It is lost from LOG_FILE, because java.util.logging's own
# shutdown hook closes the file handler while Jetty's shutdown hook is still stopping the web application.
check "Jetty removed its temporary folder" test -z "$(ls -A "$work/tmp")"

echo "jetty-base: $passed passed, $failed failed"
[[ $failed == 0 ]]
