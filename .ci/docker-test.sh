#!/usr/bin/env bash
# Builds the real Dockerfile and runs the image, on a private Docker daemon, with no registry:
#   - starts dockerd with its own data root, exec root, socket and bridge (no iptables changes on the host);
#   - debootstraps a Debian bookworm (minbase) root file system from the host's apt mirror and imports it;
#   - builds a stand-in JRE image from it, in place of the Dockerfile's eclipse-temurin:25-jre: the host's JDK 25
#     ($JDK25, default /usr/lib/jvm/temurin-25-jdk-amd64) copied in, or without one Debian's openjdk-17-jre-headless
#     (the oldest Java the image supports);
#   - builds the project's Dockerfile with --build-arg JRE_IMAGE=<stand-in>;
#   - runs it with bind-mounted storage and logs, and checks the archive, PORT, CHUNK_SIZE/DELAY, LOG_FILE, the
#     request log, UTF-8 names, the non-root user, the HEALTHCHECK and docker stop;
#   - removes everything (daemon, images, containers, bridge, files).
#
# Builds no Java: needs target/zipstream.war (mvn package) and target/jetty-home-12.1.12 (mvn -Pjetty-home
# package; unpacked here when missing). Needs root; installs docker.io and debootstrap with apt-get when missing.
# DEBIAN_MIRROR overrides the mirror taken from /etc/apt/sources.list*.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ci_init docker-test

JETTY_HOME_DIR=$project/target/jetty-home-12.1.12
WAR=$project/target/zipstream.war
SUITE=bookworm
HASH=3bea29ccabbbf64bdebcc055319c5745
# the bridge for the private daemon's containers (no NAT: the service needs no outbound network)
BRIDGE=zst$$
BRIDGE_CIDR=${DOCKER_TEST_BRIDGE_CIDR:-10.213.77.1/24}

dockerd_pid=
bridge_made=false
container=zipstream-test-$$
run_docker_existed=false # dockerd makes /run/docker/plugins whatever its exec root
if [[ -e /run/docker ]]; then run_docker_existed=true; fi
on_exit() {
  if [[ -n $dockerd_pid ]] && kill -0 "$dockerd_pid" 2>/dev/null; then
    docker rm -f "$container" "$container-bad" >/dev/null 2>&1
    stop_pid "$dockerd_pid" 20
  fi
  # whatever the daemon left mounted under the work folder (overlays, netns, shm), deepest first
  awk -v w="$work" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null
  done
  if $bridge_made; then ip link delete "$BRIDGE" 2>/dev/null; fi
  if ! $run_docker_existed; then rmdir /run/docker/plugins /run/docker 2>/dev/null; fi
}
show_logs() { tail_log 20 "$work/dockerd.log" dockerd.log; }

step() { echo "--- $* ($(elapsed) s)"; }

# --- prerequisites -----------------------------------------------------------------------------------------------
[[ $(id -u) == 0 ]] || die "needs root (dockerd, debootstrap)"
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if (( ${#missing[@]} )); then
  step "installing ${missing[*]}"
  apt_install "${missing[@]}"
fi
require_tools docker dockerd debootstrap curl unzip python3 bc ip
[[ -f $WAR ]] || die "no $WAR: build it first (mvn -q package -DskipTests)"
ensure_jetty_home "$JETTY_HOME_DIR"

find_mirror() {
  python3 - "$SUITE" <<'EOF'
# The first non-security mirror serving SUITE, from one-line (.list) or deb822 (.sources) apt sources.
import glob, re, sys
suite = sys.argv[1]
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*")):
    try:
        text = open(path).read()
    except OSError:
        continue
    if path.endswith(".sources"):
        for stanza in re.split(r"\n\s*\n", text):
            fields = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                key, value = line.split(":", 1)
                fields[key.strip().lower()] = value.split()
            if "deb" in fields.get("types", []) and suite in fields.get("suites", []):
                for uri in fields.get("uris", []):
                    if "security" not in uri:
                        print(uri); sys.exit(0)
    else:
        for line in text.splitlines():
            line = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
            if len(line) >= 3 and line[0] == "deb" and line[2] == suite and "security" not in line[1]:
                print(line[1]); sys.exit(0)
sys.exit(1)
EOF
}
mirror=${DEBIAN_MIRROR:-$(find_mirror)} || die "no $SUITE mirror in /etc/apt/sources.list*: set DEBIAN_MIRROR"
echo "apt mirror: $mirror"

# --- a private Docker daemon -------------------------------------------------------------------------------------
step "starting dockerd"
ip link add "$BRIDGE" type bridge || die "cannot create bridge $BRIDGE (ip link add ... type bridge)"
bridge_made=true
ip addr add "$BRIDGE_CIDR" dev "$BRIDGE" || die "cannot give $BRIDGE the address $BRIDGE_CIDR"
ip link set "$BRIDGE" up
mkdir -p "$work/data" "$work/exec"
dockerd --data-root "$work/data" --exec-root "$work/exec" -H "unix://$work/docker.sock" \
  --pidfile "$work/dockerd.pid" --bridge "$BRIDGE" --iptables=false --ip-masq=false --ip-forward=false \
  >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
export DOCKER_HOST=unix://$work/docker.sock
export DOCKER_BUILDKIT=0 # the classic builder: no buildx plugin needed
daemon_answers() { docker version >/dev/null 2>&1; }
wait_until_up 60 "$dockerd_pid" "dockerd exited (see dockerd.log above)" daemon_answers \
  || die "dockerd did not answer within 60 s"
ok "dockerd runs ($(docker version --format '{{.Server.Version}}'), storage driver $(docker info --format '{{.Driver}}'))"

# --- base images: Debian from debootstrap, a JRE on top of it ----------------------------------------------------
step "debootstrap $SUITE (minbase)"
debootstrap --variant=minbase "$SUITE" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
tar -C "$work/rootfs" -c . | docker import - zipstream-test/debian:$SUITE >/dev/null \
  || die "docker import failed"
rm -rf "$work/rootfs"
ok "imported a local zipstream-test/debian:$SUITE base image"

mkdir "$work/jre"
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [[ -x $JDK25/bin/java ]]; then
  jre=25
  step "building the stand-in JRE image (Java 25: $JDK25 copied in, as eclipse-temurin:25-jre has it in /opt/java)"
  cp -a "$JDK25" "$work/jre/openjdk"
  cat >"$work/jre/Dockerfile" <<EOF
FROM zipstream-test/debian:$SUITE
COPY openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
else
  jre=17
  step "building the stand-in JRE image (Java 17 from Debian: no JDK 25 at $JDK25)"
  cat >"$work/jre/Dockerfile" <<EOF
FROM zipstream-test/debian:$SUITE
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless \\
 && rm -rf /var/lib/apt/lists/*
EOF
fi
# host network: the private bridge has no NAT to reach the mirror
docker build --network host -t zipstream-test/jre:$jre "$work/jre" >"$work/jre-build.log" 2>&1 \
  || { tail -n 30 "$work/jre-build.log" >&2; die "building the stand-in JRE image failed"; }
rm -rf "$work/jre/openjdk"
ok "stand-in JRE image built (Java $jre)"

# --- the real Dockerfile -----------------------------------------------------------------------------------------
step "building the project's Dockerfile"
docker build --build-arg JRE_IMAGE=zipstream-test/jre:$jre -t zipstream-test/archive:test "$project" \
  >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; die "docker build of the Dockerfile failed"; }
ok "docker build --build-arg JRE_IMAGE=zipstream-test/jre:$jre -t archive ."
mib() { echo $(( $(docker image inspect --format '{{.Size}}' "$1") / 1024 / 1024 )); }
echo "image size: $(mib zipstream-test/archive:test) MiB (the JRE image under it: $(mib zipstream-test/jre:$jre) MiB)"
check "the image adds less than 40 MiB to its JRE image" \
  test $(( $(mib zipstream-test/archive:test) - $(mib zipstream-test/jre:$jre) )) -lt 40
check "the image's user is not root ($(docker image inspect --format '{{.Config.User}}' zipstream-test/archive:test))" \
  bash -c "u=\$(docker image inspect --format '{{.Config.User}}' zipstream-test/archive:test); [[ -n \$u && \$u != root && \$u != 0* ]]"
check "the image has a HEALTHCHECK" \
  bash -c "docker image inspect --format '{{json .Config.Healthcheck}}' zipstream-test/archive:test | grep -q CMD"
check "the image sets LANG=C.UTF-8" \
  bash -c "docker image inspect --format '{{json .Config.Env}}' zipstream-test/archive:test | grep -q '\"LANG=C.UTF-8\"'"
check "the image exposes 8080" \
  bash -c "docker image inspect --format '{{json .Config.ExposedPorts}}' zipstream-test/archive:test | grep -q 8080/tcp"

# --- run it ------------------------------------------------------------------------------------------------------
step "running the image"
mkdir -p "$work/storage" "$work/logs"
cp -r "$project/sample-storage/." "$work/storage/"
mkdir "$work/storage/utf8"
printf 'accents\n' >"$work/storage/utf8/été ✓.txt"
chown 10001:10001 "$work/logs"
host_port=$(free_port)
docker run -d --name "$container" -p "127.0.0.1:$host_port:9090" \
  -e PORT=9090 -e CHUNK_SIZE=2 -e DELAY=0.5 --health-interval 2s --health-start-period 60s \
  --mount "type=bind,source=$work/storage,target=/app/storage,readonly" \
  --mount "type=bind,source=$work/logs,target=/app/logs" \
  zipstream-test/archive:test >/dev/null || die "docker run failed"
url=http://127.0.0.1:$host_port
healthy() {
  local state
  state=$(docker inspect --format '{{.State.Status}} {{.State.Health.Status}}' "$container")
  [[ $state == running* ]] || { docker logs "$container" 2>&1 | tail -n 30 >&2; die "the container stopped: $state"; }
  [[ $state == "running healthy" ]]
}
if wait_for 90 healthy; then
  ok "the container becomes healthy (HEALTHCHECK) $(elapsed) s in"
else
  docker logs "$container" 2>&1 | tail -n 30 >&2
  die "the container did not become healthy within 90 s"
fi

# the thread pool run.sh picks for the image's Java: Jetty's virtual-thread pool from Java 24
if ((jre >= 24)); then pool=virtual; else pool=platform; fi
check "run.sh picked Jetty's $pool thread pool on Java $jre" \
  bash -c "docker logs '$container' 2>&1 | grep -q 'Jetty thread pool: $pool (Java $jre,'"

# PORT: the service listens on 9090 inside, reached through -p host:9090
check "PORT=9090 took effect (Jetty's connector)" \
  bash -c "docker logs '$container' 2>&1 | grep -q 'ServerConnector@.*{0.0.0.0:9090}'"

# the archive, with CHUNK_SIZE=2 KiB and DELAY=0.5 s: 13 KiB in 7 chunks, 6 delays, about 3 s
t0=$(date +%s.%N)
code=$(curl -sS -o "$work/a.zip" -D "$work/a.h" -w '%{http_code}' --max-time 30 "$url/archive/$HASH/") || code=error
took=$(echo "$(date +%s.%N) - $t0" | bc)
check "GET /archive/$HASH/ answers 200 through the published port (got $code)" test "$code" = 200
check "the archive passes unzip -t" unzip -tq "$work/a.zip"
mkdir "$work/unzipped"
unzip -q "$work/a.zip" -d "$work/unzipped" || true
check "the archive holds exactly the folder's files" diff -r "$project/sample-storage/$HASH" "$work/unzipped"
chunks=$(( ($(stat -c %s "$work/a.zip") + 2047) / 2048 ))
check "CHUNK_SIZE=2 and DELAY=0.5 throttle it: $chunks chunks in $(printf '%.2f' "$took") s (expected >= $(( (chunks - 1) / 2 )) s)" \
  bash -c "(( \$(echo '$took >= ($chunks - 1) * 0.5 - 0.2' | bc) == 1 )) && (( \$(echo '$took < ($chunks - 1) * 0.5 + 5' | bc) == 1 ))"
check "no Server header" bash -c "! grep -qi '^server:' '$work/a.h'"
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "$url/archive/doesnotexist/") || code=error
check "GET /archive/doesnotexist/ answers 404 (got $code)" test "$code" = 404

# UTF-8 file names (LANG=C.UTF-8 in the image)
curl -sS -o "$work/u.zip" --max-time 30 "$url/archive/utf8/" || true
check "a UTF-8 file name survives (LANG=C.UTF-8)" python3 -c '
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
sys.exit(0 if "été ✓.txt" in names else "names: %r" % names)' "$work/u.zip"

# the logs on the bind mount
check "LOG_FILE (/app/logs/archive.log) shows CHUNK_SIZE=2 KiB and DELAY=0.5 s" \
  grep -q 'zipstream started: .*CHUNK_SIZE=2 KiB, DELAY=0.5 s' "$work/logs/archive.log"
check "LOG_FILE has the download" grep -q "download ${HASH:0:8}: [0-9]* bytes in .* complete" "$work/logs/archive.log"
check "LOG_FILE has no locale warning" bash -c "! grep -q 'not UTF-8' '$work/logs/archive.log'"
check "the request log is in /app/logs" bash -c "grep -q 'GET /archive/$HASH/' '$work'/logs/*.request.log"
check "the service runs as uid 10001 (files it wrote)" test "$(stat -c %u "$work/logs/archive.log")" = 10001

# docker stop: SIGTERM to the JVM, which stops Jetty well before docker's 10 s
t0=$(date +%s)
docker stop "$container" >/dev/null
stop_took=$(( $(date +%s) - t0 ))
exit_code=$(docker inspect --format '{{.State.ExitCode}}' "$container")
check "docker stop ends it by SIGTERM in ${stop_took} s (exit code $exit_code, not 137 = killed)" \
  bash -c "(( $stop_took < 9 )) && [[ $exit_code != 137 ]]"

# an invalid setting stops the container with the reason, instead of leaving it up answering 503
docker run -d --name "$container-bad" -e DELAY=99 zipstream-test/archive:test >/dev/null || die "docker run failed"
exited() { [[ $(docker inspect --format '{{.State.Status}}' "$container-bad") == exited ]]; }
if wait_for 60 exited; then
  check "DELAY=99 stops the container (exit code $(docker inspect --format '{{.State.ExitCode}}' "$container-bad"))" \
    bash -c "docker logs '$container-bad' 2>&1 | grep -q 'zipstream not started: DELAY=\"99\" (from environment) is not valid'"
else
  bad "a container with DELAY=99 is still running after 60 s"
fi
docker rm -f "$container-bad" >/dev/null 2>&1 || true

finish
