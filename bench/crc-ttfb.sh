#!/usr/bin/env bash
# Time to first byte of a cold `Range: bytes=-200` (the end of the central directory, so the CRC of every file
# whose record it holds) on a 10 GiB folder of 10 x 1 GiB files, then warm, then after a restart on the same
# CRC_CACHE_DIR, then cold again with the default CRC_WAIT_LIMIT (503 + Retry-After, polled until 206).
#
#   bench/crc-ttfb.sh [sparse|real]      # after: mvn -q package -DskipTests && mvn -q test-compile
#   RANGE=-672 bench/crc-ttfb.sh sparse  # the whole central directory (10 records + end): every CRC, 10 GiB
#
# sparse: files made with truncate (reads are page-cache zeros: measures CRC and the service, not the disk).
# real:   random bytes written once (10 GiB under $WORK, a 64 MiB random block repeated), evicted from the page cache (posix_fadvise DONTNEED)
#         before each cold run, so the disk is read.
# The server is the WAR in embedded Jetty in its own JVM (dev.zipstream.ForkedServer, from the test classes).
# Timings on a shared machine are noisy: run it more than once.
set -euo pipefail
kind=${1:-sparse}
here=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-/tmp/zipstream-crc-ttfb}
hash=b10g
mkdir -p "$work/storage/$hash"
cp "$here/target/zipstream.war" "$work/zipstream.war"
(cd "$here" && mvn -B -q -o org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=test >/dev/null)
cp_line="$here/target/test-classes:$(cat "$work/cp.txt")"

for i in 0 1 2 3 4 5 6 7 8 9; do
  f="$work/storage/$hash/part-$i.bin"
  if [[ $kind == sparse ]]; then
    rm -f "$f"; truncate -s 1G "$f"
  elif [[ ! -s $f || $(stat -c %b "$f") -lt 2000000 ]]; then
    # 16 copies of a 64 MiB random block: real bytes on disk, without 10 GiB of /dev/urandom's CPU
    [[ -s $work/block ]] || head -c 64M /dev/urandom > "$work/block"
    for _ in $(seq 16); do cat "$work/block"; done > "$f"
  fi
done
sync

# Sparse files too: reading a hole fills the page cache with zeros, and a second cold run would find them there.
evict() {
  python3 - "$work/storage/$hash" <<'PY'
import os, sys
for n in os.listdir(sys.argv[1]):
    fd = os.open(os.path.join(sys.argv[1], n), os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
}

server_pid=
start() { # $1 = CRC_WAIT_LIMIT
  rm -f "$work/in"; mkfifo "$work/in"
  env STORAGE_PATH="$work/storage" DELAY=0 CRC_CACHE_DIR="$work/crc" CRC_WAIT_LIMIT="$1" LANG=C.UTF-8 \
    java -cp "$cp_line" -Dzipstream.war="$work/zipstream.war" dev.zipstream.ForkedServer \
    < "$work/in" > "$work/server.log" 2>&1 &
  server_pid=$!
  exec 3>"$work/in"
  for _ in $(seq 600); do
    port=$(sed -n 's/^PORT //p' "$work/server.log")
    [[ -n $port ]] && return 0
    sleep 0.1
  done
  echo "server did not start"; cat "$work/server.log"; exit 1
}
stop() { exec 3>&-; wait "$server_pid" || true; }
range=${RANGE:--200}
get() { curl -s -o /dev/null -r "$range" -D "$work/headers" -w '%{http_code} %{time_starttransfer}' \
          "http://127.0.0.1:$port/archive/$hash/"; }

echo "# $kind files, 10 x 1 GiB, Range: bytes=$range, $(nproc) cores, $(date -u +%FT%TZ)"
rm -rf "$work/crc"; evict
start 600
echo "cold, CRC_WAIT_LIMIT=600: $(get) s (status, time to first byte)"
for n in 1 2 3; do echo "warm $n: $(get) s"; done
stop
start 600
echo "restarted, same CRC_CACHE_DIR: $(get) s"
stop

rm -rf "$work/crc"; evict
start 20
t0=$(date +%s.%N)
first=$(get)
echo "cold, CRC_WAIT_LIMIT=20: $first s, $(grep -i '^retry-after' "$work/headers" | tr -d '\r')"
while :; do
  r=$(get)
  [[ $r == 206* ]] && break
  sleep 0.5
done
echo "  retried every 0.5 s: 206 after $(echo "$(date +%s.%N) - $t0" | bc) s since the first request (last: $r s)"
stop
