# zipstream on Jetty 12.1, in a JRE image.
#
# Build on the host first (Maven inside a container build is not used):
#     mvn -Pjetty-home package -DskipTests     # target/zipstream.war and target/jetty-home-12.1.12/
#     docker build -t archive .
#     docker run -d -p 8080:8080 \
#         --mount type=bind,source=/srv/archives,target=/app/storage,readonly \
#         --mount type=bind,source=/var/log/archive,target=/app/logs \
#         archive
# The service runs as uid 10001 (gid 10001): the logs folder must be writable by it
# (chown 10001:10001 /var/log/archive), or run with --user "$(id -u):$(id -g)" of the folder's owner.
# Settings are environment variables (-e): STORAGE_PATH, CHUNK_SIZE (KiB), DELAY (s), DEBUG, LOG_FILE,
# COMPRESSION (store|deflate), MAX_DOWNLOADS, ZIP_TIME_ZONE, CRC_CACHE_DIR, CRC_WAIT_LIMIT, SIGNING_KEYS, LINKS,
# RESUME_GRACE, BROWSE, MAX_DOWNLOADS_PER_CLIENT, METRICS_TOKEN, LOG_FORMAT (text|json), ALLOW_ASCII_NAMES,
# S3_ENDPOINT, S3_REGION, S3_PATH_STYLE, and PORT, HOST, REQUEST_LOG_DIR, JAVA_OPTIONS, TRUST_PROXY,
# JETTY_THREADS (jetty-base/run.sh; on the default JRE 25 Jetty's virtual-thread pool, on a JRE 17 its platform pool).
# Any JRE 17+ image with bash works as the base: --build-arg JRE_IMAGE=... (Java 25 is the current LTS, and from
# Java 24 a virtual thread no longer pins its carrier inside synchronized).

ARG JRE_IMAGE=eclipse-temurin:25-jre
FROM ${JRE_IMAGE}

# Paths in the build context; .dockerignore lets only these (and jetty-base/) in.
ARG WAR=target/zipstream.war
ARG JETTY_HOME_DIR=target/jetty-home-12.1.12
ARG UID=10001

# A system user, made with whichever tool the base image has (Debian/Ubuntu useradd, Alpine adduser).
RUN set -eu; \
    if command -v useradd >/dev/null 2>&1; then \
        groupadd --system --gid "$UID" zipstream; \
        useradd --system --uid "$UID" --gid "$UID" --home-dir /app --no-create-home \
            --shell /usr/sbin/nologin zipstream; \
    else \
        addgroup -S -g "$UID" zipstream; \
        adduser -S -D -H -u "$UID" -G zipstream -h /app -s /sbin/nologin zipstream; \
    fi; \
    mkdir -p /app/storage /app/logs /app/crc; \
    chown zipstream:zipstream /app/logs /app/crc

# Read-only for the service: owned by root.
COPY ${JETTY_HOME_DIR} /opt/jetty-home
COPY jetty-base /app/jetty-base
COPY ${WAR} /app/zipstream.war

ENV LANG=C.UTF-8 \
    JETTY_HOME=/opt/jetty-home \
    ZIPSTREAM_WAR=/app/zipstream.war \
    STORAGE_PATH=/app/storage \
    LOG_FILE=/app/logs/archive.log \
    CRC_CACHE_DIR=/app/crc \
    REQUEST_LOG_DIR=/app/logs \
    PORT=8080

# CRCs outlive the container (and are shared by instances that mount the same volume).
VOLUME /app/crc

USER zipstream
WORKDIR /app
EXPOSE 8080

# Healthy while the service itself answers /healthz (liveness: no disk access). Readiness (storage mounted and
# readable) is /readyz, for a balancer or a Kubernetes readinessProbe: an unhealthy container gets restarted, and a
# missing volume is not cured by a restart.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && read -r -t 4 proto status rest <&3 && [[ $status == 200 ]]"]

# run.sh execs java, so the JVM is PID 1 and stops downloads and Jetty cleanly on docker stop (SIGTERM).
# Arguments to docker run go to Jetty's start.jar (e.g. --module=forwarded, jetty.http.idleTimeout=60000).
ENTRYPOINT ["/app/jetty-base/run.sh"]
