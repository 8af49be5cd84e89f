package dev.zipstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server (Debian's prometheus package) scrapes the service with the bearer token; what it stored
 * is read back through its HTTP query API.
 */
class PrometheusIT {

    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final Pattern VALUE = Pattern.compile("\"value\":\\[[0-9.]+,\"([^\"]+)\"\\]");

    @TempDir
    Path tmp;

    @Test
    void prometheusScrapesWithTheTokenAndSeesTheDownloadsAndBytesSent() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PROMETHEUS),
                "skipped: no " + PROMETHEUS + " (Debian package prometheus; .ci/run installs it)");
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        Trees.file(storage.resolve("a"), "a.bin", Trees.bytes(new Random(9), 300_000));
        try (var server = Server.Kind.JETTY.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0",
                "METRICS_TOKEN", OperationsIT.TOKEN)); var http = new Http()) {
            int promPort = freePort();
            Path config = Files.writeString(tmp.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: 1s
                    scrape_configs:
                      - job_name: zipstream
                        metrics_path: /metrics
                        authorization:
                          credentials: %s
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(OperationsIT.TOKEN, server.port()));
            var prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + tmp.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
            try {
                var api = URI.create("http://127.0.0.1:" + promPort);
                // Scraped once before any download: the series exist at 0.
                Eventually.within(Duration.ofSeconds(30), () -> query(http, api, "zipstream_downloads_total{result=\"complete\"}"),
                        v -> v.equals("0"), "a first scrape with the counter at 0");
                long sent = 0;
                for (int i = 0; i < 3; i++) {
                    var answer = http.get(server.uri("/archive/a/"));
                    assertEquals(200, answer.status());
                    sent += answer.body().length;
                }
                long expectedBytes = sent;
                Eventually.within(Duration.ofSeconds(30), () -> query(http, api, "zipstream_downloads_total{result=\"complete\"}"),
                        v -> v.equals("3"), "Prometheus has the three complete downloads");
                Eventually.within(Duration.ofSeconds(30), () -> query(http, api, "sum(zipstream_sent_bytes_total)"),
                        v -> v.equals(Long.toString(expectedBytes)), "Prometheus has the bytes sent: " + expectedBytes);
                assertEquals("1", query(http, api, "up{job=\"zipstream\"}"), "the scrape itself succeeds");
            } finally {
                prometheus.destroy();
                if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                }
            }
        }
    }

    /** The value of a single-series instant query, or "" when Prometheus has none (yet). */
    private static String query(Http http, URI api, String promql) {
        try {
            var answer = http.get(api.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
            if (answer.status() != 200) {
                return "";
            }
            var m = VALUE.matcher(new String(answer.body(), StandardCharsets.UTF_8));
            return m.find() ? m.group(1) : "";
        } catch (Exception e) {
            return ""; // not listening yet
        }
    }

    private static int freePort() throws IOException {
        try (var s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
