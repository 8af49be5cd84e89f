package dev.zipstream;

import dev.zipstream.http.Service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Start, configuration, undeploy and redeploy of the web application. */
class LifecycleIT {

    @TempDir
    Path tmp;

    private Path storage() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        Trees.file(storage.resolve("big"), "big.bin", Trees.bytes(new Random(1), 1_000_000));
        return storage;
    }

    @ParameterizedTest
    @EnumSource(Server.Kind.class)
    void undeployEndsDownloadsInFlightStopsEveryThreadAndRedeployWorks(Server.Kind kind) throws Exception {
        Path storage = storage();
        assertEquals(List.of(), Eventually.serviceThreads(), "no zipstream thread before the test");
        try (var server = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0.2",
                "CHUNK_SIZE", "4")); var http = new Http(java.time.Duration.ofSeconds(15))) {
            @SuppressWarnings("unchecked")
            var stats = (Supplier<Map<String, Long>>) server.attribute(Service.STATS_ATTRIBUTE);
            var streams = new ArrayList<Http.Stream>();
            for (int i = 0; i < 3; i++) {
                var s = http.stream("GET", server.uri("/archive/big/"));
                assertEquals(4096, s.body().readNBytes(4096).length);
                streams.add(s);
            }
            assertEquals(3L, stats.get().get("downloads"));
            assertFalse(Eventually.serviceThreads().isEmpty(), "the writer threads run while downloads do");

            server.undeploy();

            for (var s : streams) {
                byte[] rest;
                try {
                    rest = s.body().readAllBytes();
                } catch (java.io.IOException e) {
                    rest = null; // cut: as it should be, and by the server, not by the client giving up
                    assertFalse(e.getCause() instanceof java.util.concurrent.TimeoutException, "cut, not left hanging");
                }
                assertTrue(rest == null || rest.length < 1_000_000, "no download completes after undeploy");
                s.close();
            }
            var after = stats.get();
            assertEquals(0L, after.get("downloads"));
            assertEquals(0L, after.get("producers"), "producers ended before undeploy returned");
            assertEquals(List.of(), Eventually.serviceThreads(), "no zipstream thread left");
            Eventually.within(Eventually.seconds(2), () -> Eventually.openFilesUnder(storage), n -> n == 0,
                    "files closed");

            server.redeploy();
            var answer = http.get(server.uri("/archive/big/"), "Range", "bytes=0-99");
            assertEquals(206, answer.status(), new String(answer.body()));
        }
    }

    @ParameterizedTest
    @EnumSource(Server.Kind.class)
    void badSettingStopsDeploymentWithOneLineNamingItAndTheValue(Server.Kind kind) throws Exception {
        var lines = new CopyOnWriteArrayList<String>();
        var handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        var logger = Logger.getLogger("dev.zipstream");
        logger.addHandler(handler);
        try (var server = kind.start(tmp, Map.of("STORAGE_PATH", storage().toString(), "CHUNK_SIZE", "12abc"));
                var http = new Http()) {
            assertFalse(server.available(), "the application must not run half-configured");
            assertTrue(lines.stream().anyMatch(l -> l.contains("CHUNK_SIZE=\"12abc\"")), lines.toString());
            int status = http.get(server.uri("/archive/big/")).status();
            assertTrue(status == 404 || status == 503, "nothing served: " + status);
        } finally {
            logger.removeHandler(handler);
        }
    }

    /** The real System.getenv path: a forked JVM started with the settings in its environment. */
    @Test
    void environmentVariablesConfigureTheServiceAndTheLogFile() throws Exception {
        Path storage = storage();
        Path log = tmp.resolve("logs/archive.log");
        Files.createDirectories(log.getParent());
        var env = Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0", "CHUNK_SIZE", "1",
                "LOG_FILE", log.toString(), "COMPRESSION", "deflate");
        try (var forked = Forked.start(env); var http = new Http()) {
            assertTrue(forked.port > 0, "started: " + forked.firstLine);
            var answer = http.get(java.net.URI.create("http://127.0.0.1:" + forked.port + "/archive/big/"));
            assertEquals(200, answer.status());
            assertEquals("none", answer.header("Accept-Ranges"), "COMPRESSION=deflate from the environment");
            Readers.javaZipInputStream(answer.body());
            Eventually.within(Eventually.seconds(5), () -> read(log), t -> t.contains("download big:")
                    && t.contains("complete"), "the download's line in LOG_FILE");
            assertTrue(read(log).contains("CHUNK_SIZE=1 KiB"), "effective settings logged at start");
        }
    }

    @Test
    void badEnvironmentVariableRefusesToStart() throws Exception {
        try (var forked = Forked.start(Map.of("STORAGE_PATH", storage().toString(), "DELAY", "NaN"))) {
            assertEquals("UNAVAILABLE", forked.firstLine);
            assertTrue(forked.output().contains("DELAY=\"NaN\""), forked.output());
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static final class Forked implements AutoCloseable {
        final Process process;
        final String firstLine;
        final int port;
        private final List<String> lines = new CopyOnWriteArrayList<>();

        private Forked(Process process) throws Exception {
            this.process = process;
            var reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            String first = null;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("PORT ") || line.equals("UNAVAILABLE")) {
                    first = line;
                    break;
                }
            }
            this.firstLine = first;
            this.port = first != null && first.startsWith("PORT ") ? Integer.parseInt(first.substring(5)) : -1;
            var drain = new Thread(() -> reader.lines().forEach(lines::add), "forked-output");
            drain.setDaemon(true);
            drain.start();
        }

        static Forked start(Map<String, String> env) throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    "-Dzipstream.war=" + Server.war(), ForkedServer.class.getName()).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.matches("STORAGE_PATH|CHUNK_SIZE|DELAY|DEBUG|LOG_FILE"
                    + "|COMPRESSION|MAX_DOWNLOADS"));
            pb.environment().put("LANG", "C.UTF-8");
            pb.environment().putAll(env);
            return new Forked(pb.start());
        }

        String output() {
            return String.join("\n", lines);
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
