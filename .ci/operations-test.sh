#!/usr/bin/env bash
# The operations side on the Jetty distribution (jetty-base/run.sh), checked from outside with curl:
# /healthz and /readyz, /metrics with its token (and promtool on its output), MAX_DOWNLOADS_PER_CLIENT with
# TRUST_PROXY=true (Jetty's forwarded module) and without it, and Jetty's header cache matching case.
#
# Builds nothing: needs target/zipstream.war (mvn package). JETTY_HOME as in jetty-base-test.sh.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ci_init operations-test

JETTY_HOME=${JETTY_HOME:-$project/target/jetty-home-12.1.12}
WAR=${ZIPSTREAM_WAR:-$project/target/zipstream.war}
HASH=3bea29ccabbbf64bdebcc055319c5745
TOKEN=ci-metrics-token-$RANDOM$RANDOM$RANDOM

jetty_pid=
slow_pids=()
on_exit() {
  local p
  for p in "${slow_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n $jetty_pid ]]; then stop_pid "$jetty_pid"; fi
}
show_logs() { tail_log 40 "$work/jetty.out" "jetty output"; }

require_tools java curl python3 bc
[[ -f $WAR ]] || die "no $WAR: build it first (mvn -q package -DskipTests)"
ensure_jetty_home "$JETTY_HOME"

code() { curl -sS -o /dev/null -w '%{http_code}' --max-time 20 "$@" || echo error; }

# start TRUST: Jetty with a slow throttle, so a download holds its slot while the next request arrives
start() {
  port=$(free_port)
  base_url="http://127.0.0.1:$port"
  start_jetty_base PORT="$port" STORAGE_PATH="$work/storage" DELAY=0.5 CHUNK_SIZE=1 \
    MAX_DOWNLOADS_PER_CLIENT=1 METRICS_TOKEN="$TOKEN" TRUST_PROXY="$1" LOG_FILE="$work/archive-$1.log"
  wait_for_jetty "Jetty (TRUST_PROXY=$1)"
}
stop() {
  local p
  for p in "${slow_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  slow_pids=()
  stop_pid "$jetty_pid" 15 || true
  jetty_pid=
}
# hold ADDRESS: a download from X-Forwarded-For ADDRESS, read slowly in the background until killed
hold() {
  curl -sS -o /dev/null --limit-rate 2k -H "X-Forwarded-For: $1" "$base_url/archive/$HASH/" &
  slow_pids+=($!)
}
active() {
  curl -sS -H "Authorization: Bearer $TOKEN" "$base_url/metrics" | awk '$1 == "zipstream_downloads_active" {print $2}'
}

cp -r "$project/sample-storage" "$work/storage"

# 1. behind a trusted proxy: the address is the forwarded one
start true
check "/healthz answers 200" test "$(code "$base_url/healthz")" = 200
check "/readyz answers 200" test "$(code "$base_url/readyz")" = 200
hold 203.0.113.7
wait_for 10 bash -c "[[ \$(curl -sS -H 'Authorization: Bearer $TOKEN' '$base_url/metrics' \
  | awk '\$1 == \"zipstream_downloads_active\" {print \$2}') == 1.0 ]]" || bad "the held download did not start"
status=$(code -D "$work/h429" -H "X-Forwarded-For: 203.0.113.7" "$base_url/archive/$HASH/")
check "a second download from the same forwarded address gets 429 (got $status)" test "$status" = 429
check "the 429 carries Retry-After" grep -qi '^retry-after: ' "$work/h429"
# (a range: it takes a slot like any download, and ends quickly at this throttle)
status=$(code -r 0-99 -H "X-Forwarded-For: 198.51.100.9" "$base_url/archive/$HASH/")
check "another forwarded address is served (got $status)" test "$status" = 206
# (the line is written once the download has ended on the server side, a moment after curl has it all)
check "the event line names the forwarded client" \
  wait_for 5 grep -q "client 198.51.100.9, status 206" "$work/archive-true.log"

# metrics: token, case, promtool
check "/metrics without the token answers 401" test "$(code "$base_url/metrics")" = 401
upper=$(tr 'a-z' 'A-Z' <<<"$TOKEN")
# Both requests on one connection: Jetty's header cache must not hand the second the first one's value.
statuses=$(curl -sS -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $TOKEN" "$base_url/metrics" \
  --next -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $upper" "$base_url/metrics")
check "the token is compared with its case, on a reused connection too (got $statuses)" test "$statuses" = "200 401"
curl -sS -H "Authorization: Bearer $TOKEN" "$base_url/metrics" >"$work/metrics.txt"
check "the 429 is counted" grep -q '^zipstream_requests_rejected_total{reason="per_client"} 1.0$' "$work/metrics.txt"
if command -v promtool >/dev/null; then
  check "promtool check metrics accepts /metrics" promtool check metrics <"$work/metrics.txt"
else
  echo "skipped: promtool check (no promtool; .ci/run installs the prometheus package)"
fi
stop

# 2. without TRUST_PROXY: X-Forwarded-For is ignored, every curl here is 127.0.0.1
start false
hold 203.0.113.7
wait_for 10 bash -c "[[ \$(curl -sS -H 'Authorization: Bearer $TOKEN' '$base_url/metrics' \
  | awk '\$1 == \"zipstream_downloads_active\" {print \$2}') == 1.0 ]]" || bad "the held download did not start"
status=$(code -r 0-99 -H "X-Forwarded-For: 198.51.100.9" "$base_url/archive/$HASH/")
check "without TRUST_PROXY a forged X-Forwarded-For does not get another slot (got $status)" test "$status" = 429
stop

# 3. the storage folder renamed away: not ready, archives 503; back: ready
start false
mv "$work/storage" "$work/storage-away"
wait_for 5 test "$(code "$base_url/readyz")" = 503 || true
check "/readyz answers 503 while the storage folder is gone" test "$(code "$base_url/readyz")" = 503
check "/healthz still answers 200" test "$(code "$base_url/healthz")" = 200
check "an archive answers 503" test "$(code -r 0-99 "$base_url/archive/$HASH/")" = 503
mv "$work/storage-away" "$work/storage"
wait_for 5 test "$(code "$base_url/readyz")" = 200 || true
check "/readyz answers 200 again once it is back" test "$(code "$base_url/readyz")" = 200
stop

finish
