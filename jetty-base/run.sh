#!/usr/bin/env bash
# Starts zipstream on a standalone Jetty 12.1 distribution, with this folder as jetty.base. Runs in the
# foreground (exec: signals reach the JVM, which stops downloads and Jetty cleanly on SIGTERM/SIGINT).
#
#   mvn -Pjetty-home package -DskipTests      # target/zipstream.war and target/jetty-home-12.1.12/
#   STORAGE_PATH=/srv/archives PORT=8080 jetty-base/run.sh
#
# Read here:
#   JETTY_HOME       the jetty-home distribution (default: <project>/target/jetty-home-12.1.12)
#   ZIPSTREAM_WAR    the WAR to deploy at "/" (default: <project>/target/zipstream.war)
#   PORT             listening port (default 8080)
#   HOST             listening address (default: every interface)
#   REQUEST_LOG_DIR  folder for Jetty's yyyy_mm_dd.request.log (default: logs/ in this folder)
#   JAVA             the java command (default: $JAVA_HOME/bin/java, else java on the PATH)
#   JAVA_OPTIONS     extra JVM options, split on spaces (e.g. "-Xmx256m"); without an initial heap size of its own,
#                    run.sh adds -Xms64m (see below)
#   JETTY_THREADS    auto (default): Jetty's virtual-thread pool on Java 24+, its platform pool before; or virtual,
#                    platform
#   TRUST_PROXY      true: enable Jetty's "forwarded" module, so the client address (per-client limit, logs) is
#                    taken from X-Forwarded-For / Forwarded. Only behind a proxy that sets them, and only when
#                    nothing else can reach this port: any client could otherwise choose its address. Default false.
# Read by the service itself (see web.xml for defaults): STORAGE_PATH, CHUNK_SIZE, DELAY, DEBUG, LOG_FILE,
# COMPRESSION, MAX_DOWNLOADS, MAX_DOWNLOADS_PER_CLIENT, METRICS_TOKEN, LOG_FORMAT, ALLOW_ASCII_NAMES, SIGNING_KEYS,
# LINKS, RESUME_GRACE, BROWSE, ZIP_TIME_ZONE, CRC_CACHE_DIR, CRC_WAIT_LIMIT, S3_ENDPOINT, S3_REGION, S3_PATH_STYLE;
# with STORAGE_PATH=s3://..., the AWS credentials chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...).
# Extra arguments go to start.jar, e.g. --list-config, --module=forwarded, jetty.http.idleTimeout=60000.
set -euo pipefail

base=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
project=$(dirname "$base")

JETTY_HOME=${JETTY_HOME:-$project/target/jetty-home-12.1.12}
ZIPSTREAM_WAR=${ZIPSTREAM_WAR:-$project/target/zipstream.war}
PORT=${PORT:-8080}
HOST=${HOST:-}
REQUEST_LOG_DIR=${REQUEST_LOG_DIR:-$base/logs}
if [[ -z ${JAVA:-} ]]; then
  if [[ -n ${JAVA_HOME:-} ]]; then JAVA=$JAVA_HOME/bin/java; else JAVA=java; fi
fi

fail() { echo "run.sh: $*" >&2; exit 2; }

[[ -f $JETTY_HOME/start.jar ]] \
  || fail "no start.jar in JETTY_HOME=$JETTY_HOME (run 'mvn -Pjetty-home package' or set JETTY_HOME)"
[[ -r $ZIPSTREAM_WAR ]] || fail "cannot read ZIPSTREAM_WAR=$ZIPSTREAM_WAR (run 'mvn package' or set ZIPSTREAM_WAR)"
[[ $PORT =~ ^[0-9]{1,5}$ ]] && (( 10#$PORT <= 65535 )) || fail "PORT=$PORT is not a port number"
case ${JETTY_THREADS:-auto} in
  auto | virtual | platform) ;;
  *) fail "JETTY_THREADS=$JETTY_THREADS is not valid: auto, virtual or platform" ;;
esac
case ${TRUST_PROXY:-false} in
  true) trust_proxy=true ;;
  false | "") trust_proxy=false ;;
  *) fail "TRUST_PROXY=$TRUST_PROXY is not valid: true or false" ;;
esac
mkdir -p "$REQUEST_LOG_DIR" || fail "cannot create REQUEST_LOG_DIR=$REQUEST_LOG_DIR"

# webapps/zipstream.xml reads the WAR's path from the environment, so it must not depend on the working folder.
ZIPSTREAM_WAR=$(cd "$(dirname "$ZIPSTREAM_WAR")" && pwd -P)/$(basename "$ZIPSTREAM_WAR")
export ZIPSTREAM_WAR

# Java decodes file names with the process locale: without a UTF-8 one every non-ASCII name becomes '?'.
export LANG=C.UTF-8
if [[ -n ${LC_ALL:-} ]]; then export LC_ALL=C.UTF-8; fi
if [[ -n ${LC_CTYPE:-} ]]; then export LC_CTYPE=C.UTF-8; fi

args=(-jar "$JETTY_HOME/start.jar"
      "jetty.home=$JETTY_HOME" "jetty.base=$base"
      "jetty.http.port=$PORT" "jetty.requestlog.dir=$REQUEST_LOG_DIR")
if [[ -n $HOST ]]; then args+=("jetty.http.host=$HOST"); fi
# Opt-in: a directly exposed server that trusted X-Forwarded-For would let anyone pick their address.
if [[ $trust_proxy == true ]]; then args+=(--module=forwarded); fi

# Jetty's platform pool runs a job for every accepted and every closed connection: 10,000 clients leaving at once
# took it to its maximum of 200 threads. Its virtual-thread pool kept the process at 25-30 threads (bench rows
# "virtual-thread pool"). Only from Java 24: before that a virtual thread inside synchronized pins its carrier.
threads=${JETTY_THREADS:-auto}
spec=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
if [[ $threads == auto ]]; then
  threads=platform
  [[ $spec =~ ^[0-9]+$ ]] && ((spec >= 24)) && threads=virtual
fi
if [[ $threads == virtual ]]; then args+=(--module=threadpool-all-virtual); fi
echo "run.sh: Jetty thread pool: $threads (Java ${spec:-unknown}, JETTY_THREADS=${JETTY_THREADS:-auto})" >&2

# Without LOG_FILE the service logs through java.util.logging to stderr: one line per record, like Jetty's own.
jul_format='-Djava.util.logging.SimpleFormatter.format=%1$tF %1$tT.%1$tL:%4$s :%3$s: %5$s%6$s%n'

# Left alone, the JVM commits a 64th of the host's memory as heap at start and keeps it (384 MiB on a 24 GiB host),
# whatever the downloads need: at 10,000 throttled downloads with -Xmx512m that alone put the process at 543-549 MiB,
# with -Xms64m at 396-399 MiB (2 runs each; G1 grows the heap as downloads come). Not when JAVA_OPTIONS sets an
# initial heap of its own, or a maximum below 64 MiB (the JVM refuses an initial size above the maximum).
initial_heap=-Xms64m
mib() { # mib SIZE: a JVM size (bytes, or with k, m, g) in MiB, rounded down
  local n=${1%[kKmMgG]}
  [[ $n =~ ^[0-9]+$ ]] || { echo 0; return; }
  case $1 in
    *[kK]) echo $((n / 1024)) ;;
    *[mM]) echo "$n" ;;
    *[gG]) echo $((n * 1024)) ;;
    *) echo $((n / 1048576)) ;;
  esac
}
for o in ${JAVA_OPTIONS:-}; do
  case $o in
    -Xms* | -XX:InitialHeapSize=* | -XX:MinHeapSize=* | -XX:InitialRAMPercentage=*) initial_heap= ;;
    -Xmx*) (($(mib "${o#-Xmx}") < 64)) && initial_heap= ;;
    -XX:MaxHeapSize=*) (($(mib "${o#-XX:MaxHeapSize=}") < 64)) && initial_heap= ;;
  esac
done

# JAVA_OPTIONS is split on spaces on purpose, and comes last so it can override the format.
# shellcheck disable=SC2086
exec "$JAVA" "$jul_format" $initial_heap ${JAVA_OPTIONS:-} "${args[@]}" "$@"
