# The harness shared by the deployment tests in .ci/ (sourced, not run). A test script goes:
#
#   set -euo pipefail
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   ci_init NAME-test       # clock, cd to the project, counters, $work, the exit trap
#   on_exit() { ...; }      # optional: stops what the script started (runs before $work is removed)
#   show_logs() { ...; }    # optional: what die prints after its message (see tail_log)
#   ... ok / bad / check / die ...
#   finish                  # "NAME: N passed, N failed", exit code 1 if any failed
#
# Sets: started, project, passed, failed, work. Leaves the shell options to the script.

# ci_init NAME: starts the clock, cds to the project, zeroes the counters, makes the work folder
# /tmp/zipstream-NAME.XXXXXX and removes it on exit (kept when NAME_KEEP is set, e.g. TOMCAT10_TEST_KEEP=1).
ci_init() {
  ci_name=$1
  started=$(date +%s.%N)
  project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
  cd "$project"
  passed=0
  failed=0
  work=$(mktemp -d "/tmp/zipstream-$ci_name.XXXXXX")
  trap ci_cleanup EXIT
  trap 'exit 130' INT TERM
}

# The EXIT trap: the script's on_exit, then the work folder, then "NAME: took N s"; keeps the exit code.
ci_cleanup() {
  local rc=$? keep
  set +e
  if declare -F on_exit >/dev/null; then on_exit; fi
  keep=$(tr 'a-z-' 'A-Z_' <<<"$ci_name")_KEEP
  if [[ -n ${!keep:-} ]]; then echo "kept $work"; else rm -rf "$work"; fi
  echo "$ci_name: took $(elapsed) s"
  exit "$rc"
}

since() { printf '%.1f' "$(echo "$(date +%s.%N) - $1" | bc)"; } # since T0: seconds since T0 (date +%s.%N)
elapsed() { since "$started"; }                                   # seconds since the script began

# --- counting checks -----------------------------------------------------------------------------------------------
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*" >&2; }
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

# die MESSAGE: a failure the test cannot go on from: the message, the script's show_logs, the summary, exit 1
die() {
  echo "FAILED: $*" >&2
  if declare -F show_logs >/dev/null; then show_logs; fi
  echo "${ci_name%-test}: $passed passed, $((failed + 1)) failed"
  exit 1
}

# tail_log LINES FILE [LABEL]: the end of FILE on stderr, under "--- LABEL:" (FILE by default), if FILE is not empty
tail_log() {
  if [[ -s $2 ]]; then echo "--- ${3:-$2}:" >&2; tail -n "$1" "$2" >&2; fi
}

# finish: the summary line; exits 0 when every check passed, else 1
finish() {
  echo "${ci_name%-test}: $passed passed, $failed failed"
  exit $(( failed == 0 ? 0 : 1 ))
}

# --- prerequisites -------------------------------------------------------------------------------------------------
require_tools() { # require_tools COMMAND...: dies "needs COMMAND" for the first one missing
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "needs $tool"
  done
}

# apt_install PACKAGE...: apt-get install (apt-get update first when apt does not know them); log in $work/apt.log
apt_install() {
  if ! apt-cache show "$@" >/dev/null 2>&1; then
    apt-get update -q >"$work/apt.log" 2>&1 || true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >>"$work/apt.log" 2>&1 \
    || { tail -n 20 "$work/apt.log" >&2; die "apt-get install $* failed"; }
}

# ensure_jetty_home DIR: unpacks target/jetty-home-12.1.12 with the pom's jetty-home profile when it has no start.jar
# (any other DIR must already have one)
ensure_jetty_home() {
  [[ -f $1/start.jar ]] && return 0
  [[ $1 == "$project/target/jetty-home-12.1.12" ]] || die "no start.jar in JETTY_HOME=$1"
  echo "unpacking jetty-home with the jetty-home profile"
  mvn -q -Pjetty-home org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack@unpack-jetty-home \
    || die "could not unpack jetty-home (mvn -Pjetty-home ...)"
}

# --- the service on the Jetty distribution (jetty-base/run.sh) -----------------------------------------------------
# start_jetty_base [-u NAME]... NAME=VALUE...: jetty-base/run.sh in the background on 127.0.0.1, with $JETTY_HOME,
# $WAR, the request log in $work/requestlog, java.io.tmpdir $work/tmp and the given settings (PORT, STORAGE_PATH, ...,
# passed to env; -u first); output in $work/jetty.out, its pid in jetty_pid
start_jetty_base() {
  mkdir -p "$work/tmp" "$work/requestlog"
  env "$@" HOST=127.0.0.1 JETTY_HOME="$JETTY_HOME" ZIPSTREAM_WAR="$WAR" \
      REQUEST_LOG_DIR="$work/requestlog" JAVA_OPTIONS="-Djava.io.tmpdir=$work/tmp" \
      "$project/jetty-base/run.sh" >"$work/jetty.out" 2>&1 &
  jetty_pid=$!
}

# wait_for_jetty NAME: up to 30 s for "Started oejs.Server" in $work/jetty.out; dies "NAME exited during start" or
# "NAME did not start within 30 s"
wait_for_jetty() {
  wait_until_up 30 "$jetty_pid" "$1 exited during start" grep -q 'Started oejs.Server' "$work/jetty.out" \
    || die "$1 did not start within 30 s"
}

# --- processes and ports -------------------------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

stop_pid() { # stop_pid PID [SECONDS]: TERM, up to SECONDS (10), then KILL; true if it ended before the KILL
  local p=$1 _
  kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq $(( ${2:-10} * 5 ))); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$p" 2>/dev/null || true
  return 1
}

wait_for() { # wait_for SECONDS COMMAND...: true once COMMAND succeeds, false after SECONDS
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    (( $(date +%s) < deadline )) || return 1
    sleep 0.2
  done
}

# wait_until_up SECONDS PID MESSAGE COMMAND...: wait_for COMMAND, but die with MESSAGE as soon as PID has ended
wait_until_up() {
  local deadline=$(( $(date +%s) + $1 )) p=$2 message=$3; shift 3
  while true; do
    kill -0 "$p" 2>/dev/null || die "$message"
    if "$@"; then return 0; fi
    (( $(date +%s) < deadline )) || return 1
    sleep 0.2
  done
}
