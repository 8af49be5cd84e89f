package dev.zipstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zipstream.ops.Exposition;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Metrics, health endpoints, the event line and undeploy, in Jetty and Tomcat. */
@ParameterizedClass
@EnumSource(Server.Kind.class)
class OperationsIT {

    static final String TOKEN = "test-token-0123456789abcdef";

    @Parameter
    Server.Kind kind;

    @TempDir
    Path tmp;

    private Path storage() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        var rnd = new Random(11);
        Trees.file(storage.resolve("a"), "a.bin", Trees.bytes(rnd, 200_000));
        Trees.file(storage.resolve("large"), "large.bin", Trees.bytes(rnd, 30_000_000));
        return storage;
    }

    private Map<String, String> params(Path storage, String... more) {
        var p = new HashMap<String, String>();
        p.put("STORAGE_PATH", storage.toString());
        p.put("DELAY", "0");
        p.put("CHUNK_SIZE", "64");
        p.put("METRICS_TOKEN", TOKEN);
        for (int i = 0; i + 1 < more.length; i += 2) {
            p.put(more[i], more[i + 1]);
        }
        return p;
    }

    static Map<String, Double> scrape(Http http, Server server) throws Exception {
        var answer = http.get(server.uri("/metrics"), "Authorization", "Bearer " + TOKEN);
        assertEquals(200, answer.status(), new String(answer.body(), StandardCharsets.UTF_8));
        return Exposition.samples(new String(answer.body(), StandardCharsets.UTF_8));
    }

    private static double ended(Map<String, Double> s, String result) {
        return Exposition.value(s, "zipstream_downloads_total{result=\"" + result + "\"}");
    }

    private static double rejected(Map<String, Double> s, String reason) {
        return Exposition.value(s, "zipstream_requests_rejected_total{reason=\"" + reason + "\"}");
    }

    private static final String SENT = "zipstream_sent_bytes_total{compression=\"store\"}";

    @Test
    void metricsCountCompleteRangedRejectedAbortedAndStalledDownloadsExactly() throws Exception {
        Path storage = storage();
        try (var server = kind.start(tmp, params(storage, "MAX_DOWNLOADS", "1",
                "CRC_CACHE_DIR", tmp.resolve("crcs").toString()), "", Duration.ofSeconds(1));
                var http = new Http()) {
            var s0 = scrape(http, server);
            for (String result : List.of("complete", "client_gone", "stalled", "failed", "shutdown")) {
                assertEquals(0.0, ended(s0, result), result + " exported at 0 from the start");
            }
            assertEquals(0.0, rejected(s0, "per_client"));
            assertEquals(0.0, Exposition.value(s0, SENT));

            var whole = http.get(server.uri("/archive/a/"));
            assertEquals(200, whole.status());
            var part = http.get(server.uri("/archive/a/"), "Range", "bytes=100-1099");
            assertEquals(206, part.status());
            assertEquals(1000, part.body().length);
            Eventually.within(Duration.ofSeconds(5), () -> scrapeQuietly(http, server),
                    s -> ended(s, "complete") == 2, "both downloads counted as complete");
            var s1 = scrape(http, server);
            assertEquals(whole.body().length + 1000.0, Exposition.value(s1, SENT), "exactly the body bytes sent");
            assertEquals(1.0, Exposition.value(s1, "zipstream_range_requests_total"));
            assertEquals(2.0, Exposition.value(s1, "zipstream_download_duration_seconds_count"));
            assertEquals(2.0, Exposition.value(s1, "zipstream_first_byte_seconds_count"));
            assertEquals(0.0, Exposition.value(s1, "zipstream_downloads_active"));
            assertEquals(1.0, Exposition.value(s1, "zipstream_crc_cache_misses_total"), "a.bin read once for its CRC");
            assertEquals(200_000.0, Exposition.value(s1, "zipstream_crc_bytes_read_total"), "and only once");
            assertTrue(Exposition.value(s1, "zipstream_crc_cache_hits_total") >= 1.0,
                    "the central directory found a.bin's CRC in the cache");

            assertEquals(404, http.get(server.uri("/archive/nothing-here/")).status());
            assertEquals(1.0, rejected(scrape(http, server), "not_found"));

            // One slot (MAX_DOWNLOADS=1): held by a download the client reads slowly, then drops.
            var held = http.stream("GET", server.uri("/archive/large/"));
            assertEquals(4096, held.body().readNBytes(4096).length);
            assertEquals(1.0, Exposition.value(scrape(http, server), "zipstream_downloads_active"));
            var busy = http.get(server.uri("/archive/a/"));
            assertEquals(503, busy.status());
            held.close();
            Eventually.within(Duration.ofSeconds(5), () -> scrapeQuietly(http, server),
                    s -> ended(s, "client_gone") == 1, "the dropped download counted as client_gone");
            var s2 = scrape(http, server);
            assertEquals(1.0, rejected(s2, "busy"));
            assertEquals(0.0, Exposition.value(s2, "zipstream_downloads_active"));

            // A client that stops reading: the container's idle timeout (1 s here) ends it.
            try (var socket = new Socket()) {
                socket.setReceiveBufferSize(4096);
                socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
                socket.getOutputStream().write("GET /archive/large/ HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                Eventually.within(Duration.ofSeconds(15), () -> scrapeQuietly(http, server),
                        s -> ended(s, "stalled") == 1, "the download nobody reads counted as stalled");
            }
            var s3 = scrape(http, server);
            assertEquals(1.0, ended(s3, "client_gone"), "and not counted twice");
            assertEquals(2.0, ended(s3, "complete"));
            assertEquals(0.0, ended(s3, "failed"));
            assertEquals(4.0, Exposition.value(s3, "zipstream_download_duration_seconds_count"));
            assertEquals(1.0, rejected(s3, "busy"));
            assertEquals(1.0, rejected(s3, "not_found"));
            assertTrue(Exposition.value(s3, SENT) > Exposition.value(s1, SENT) + 4096, "the partial bytes count too");
        }
    }

    static Map<String, Double> scrapeQuietly(Http http, Server server) {
        try {
            return scrape(http, server);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void metricsNeedTheRightBearerTokenAndAreAbsentWithoutOne() throws Exception {
        Path storage = storage();
        try (var off = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString()));
                var on = kind.start(tmp, params(storage)); var http = new Http()) {
            var absent = http.get(off.uri("/metrics"), "Authorization", "Bearer " + TOKEN);
            assertEquals(404, absent.status(), "no METRICS_TOKEN: as absent as any other path");
            assertEquals(404, http.get(off.uri("/no-such-page")).status());

            var missing = http.get(on.uri("/metrics"));
            assertEquals(401, missing.status());
            assertEquals("Bearer realm=\"metrics\"", missing.header("WWW-Authenticate"));
            for (String wrong : List.of("Bearer " + TOKEN + "x", "Bearer " + TOKEN.substring(1), "Bearer ",
                    "Basic " + TOKEN, TOKEN, "Bearer " + TOKEN.toUpperCase())) {
                var refused = http.get(on.uri("/metrics"), "Authorization", wrong);
                assertEquals(401, refused.status(), wrong);
                assertFalse(new String(refused.body(), StandardCharsets.UTF_8).contains(TOKEN));
            }
            var right = http.get(on.uri("/metrics"), "Authorization", "Bearer " + TOKEN);
            assertEquals(200, right.status(), right.headers() + new String(right.body(), StandardCharsets.UTF_8));
            String type = right.header("Content-Type").replace(" ", "");
            assertTrue(type.startsWith("text/plain;") && type.contains("version=0.0.4"), type);
            String body = new String(right.body(), StandardCharsets.UTF_8);
            assertTrue(body.contains("zipstream_info{compression=\"store\",version=\"0.1.0-SNAPSHOT\"} 1"), body);
            assertTrue(body.contains("jvm_memory_used_bytes"), "JVM metrics too");
        }
    }

    @Test
    void readyzFlipsWhenTheStorageFolderIsRenamedAndBackWhenRestoredWhileHealthzStaysUp() throws Exception {
        Path storage = storage();
        try (var server = kind.start(tmp, params(storage)); var http = new Http()) {
            var ready = http.get(server.uri("/readyz"));
            assertEquals(200, ready.status());
            assertEquals("ok\n", new String(ready.body(), StandardCharsets.UTF_8));

            Path away = tmp.resolve("unmounted");
            Files.move(storage, away);
            Eventually.within(Duration.ofSeconds(5), () -> status(http, server, "/readyz"), s -> s == 503,
                    "/readyz 503 within a second or so");
            var notReady = http.get(server.uri("/readyz"));
            assertEquals("not ready: the storage folder is missing\n", new String(notReady.body(), StandardCharsets.UTF_8));
            assertFalse(new String(notReady.body(), StandardCharsets.UTF_8).contains(storage.toString()),
                    "no path in an answer anyone can fetch");
            assertEquals(200, http.get(server.uri("/healthz")).status(), "alive all along");

            Files.move(away, storage);
            Eventually.within(Duration.ofSeconds(5), () -> status(http, server, "/readyz"), s -> s == 200,
                    "/readyz back to 200");
            assertEquals(200, http.get(server.uri("/archive/a/")).status());
        }
    }

    @Test
    void wrongStoragePathStillDeploysHealthyNotReadyAndAnswers503UntilTheFolderAppears() throws Exception {
        Path storage = tmp.resolve("not-mounted-yet");
        try (var server = kind.start(tmp, params(storage)); var http = new Http()) {
            assertTrue(server.available(), "deployed");
            assertEquals(200, http.get(server.uri("/healthz")).status());
            var notReady = http.get(server.uri("/readyz"));
            assertEquals(503, notReady.status());
            assertTrue(new String(notReady.body(), StandardCharsets.UTF_8).contains("storage folder is missing"));
            var archive = http.get(server.uri("/archive/a/"));
            assertEquals(503, archive.status());
            assertNotNull(archive.header("Retry-After"));
            assertEquals(1.0, rejected(scrape(http, server), "unavailable"));

            Files.createDirectories(storage);
            Trees.file(storage.resolve("a"), "a.bin", new byte[] {1, 2, 3});
            Eventually.within(Duration.ofSeconds(5), () -> status(http, server, "/readyz"), s -> s == 200,
                    "ready once the folder is there");
            assertEquals(200, http.get(server.uri("/archive/a/")).status());
        }
    }

    private static int status(Http http, Server server, String path) {
        try {
            return http.get(server.uri(path)).status();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** LOG_FORMAT=json: every line of LOG_FILE parses as JSON (read by Python's json), with the event's fields. */
    @Test
    void jsonEventLinesParseAndCarryTheFields() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 absent");
        Path storage = storage();
        String hash = "0123456789abcdef0123456789abcdef";
        Trees.file(storage.resolve(hash), "x.bin", Trees.bytes(new Random(5), 5000));
        Path log = tmp.resolve("archive.log");
        int wholeLength;
        try (var server = kind.start(tmp, params(storage, "LOG_FILE", log.toString(), "LOG_FORMAT", "json"));
                var http = new Http()) {
            var whole = http.get(server.uri("/archive/" + hash + "/"));
            assertEquals(200, whole.status());
            wholeLength = whole.body().length;
            assertEquals(206, http.get(server.uri("/archive/" + hash + "/"), "Range", "bytes=0-9").status());
            Eventually.within(Duration.ofSeconds(5), () -> read(log), t -> t.split("\"event\":\"download\"").length == 3,
                    "two event lines");
        }
        String text = read(log);
        assertFalse(text.contains(hash), "the full hash never appears in the log");
        String script = """
                import json, sys
                for line in open(sys.argv[1], encoding='utf-8'):
                    o = json.loads(line)
                    assert 'time' in o and 'level' in o, line
                    if o.get('event') == 'download':
                        print('|'.join(str(o[k]) for k in
                              ('client', 'hash8', 'range', 'status', 'bytes', 'result')), type(o['duration']).__name__)
                """;
        var p = new ProcessBuilder("python3", "-c", script, log.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out + "\n" + text);
        var lines = out.strip().split("\n");
        assertEquals(2, lines.length, out);
        assertEquals("127.0.0.1|01234567|None|200|" + wholeLength + "|complete float", lines[0]);
        assertTrue(lines[1].matches("127\\.0\\.0\\.1\\|01234567\\|bytes 0-9/\\d+\\|206\\|10\\|complete float"), lines[1]);
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void undeployLeavesNoRegisteredCollectorsNoThreadsAndNoLeakWarnings() throws Exception {
        Path storage = storage();
        var warnings = new CopyOnWriteArrayList<String>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(r.getLoggerName() + ": " + r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        try (var server = kind.start(tmp, params(storage)); var http = new Http()) {
            var stats = server.stats();
            assertTrue(stats.get("metricFamilies") > 10, stats.toString());
            assertEquals(200, http.get(server.uri("/archive/a/")).status());
            scrape(http, server);
            @SuppressWarnings("unchecked")
            var live = (java.util.function.Supplier<Map<String, Long>>) server.attribute(
                    dev.zipstream.http.Service.STATS_ATTRIBUTE);
            root.addHandler(handler);
            server.undeploy();
            root.removeHandler(handler);
            assertEquals(0L, live.get().get("metricFamilies"), "every collector unregistered");
            assertEquals(List.of(), Eventually.serviceThreads(), "no zipstream thread left");
            var leaks = new ArrayList<String>();
            for (String w : warnings) {
                if (w.contains("memory leak") && !w.contains("--add-opens")) {
                    leaks.add(w);
                }
            }
            assertEquals(List.of(), leaks, "the container found nothing left behind");
        } finally {
            root.removeHandler(handler);
        }
    }
}
