package dev.zipstream;

import dev.zipstream.http.Service;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Limits and hostile use, in Jetty and Tomcat: what a public site must survive. */
@ParameterizedClass
@EnumSource(Server.Kind.class)
class AbuseIT {

    @Parameter
    Server.Kind kind;

    @TempDir
    Path tmp;

    private Path storage() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        var rnd = new Random(3);
        Trees.file(storage.resolve("a"), "a.bin", Trees.bytes(rnd, 200_000));
        Trees.file(storage.resolve("b"), "b.bin", Trees.bytes(rnd, 200_000));
        Trees.file(storage.resolve("other"), "secret.txt", "other archive".getBytes());
        Files.writeString(tmp.resolve("outside.txt"), "root:x:0:0 outside the storage");
        return storage;
    }

    @Test
    void beyondMaxDownloadsNewDownloadGets503BeforeAnyFileIsReadAndSlotsFreeAtOnce() throws Exception {
        Path storage = storage();
        try (var server = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0.5",
                "CHUNK_SIZE", "4", "MAX_DOWNLOADS", "2")); var http = new Http()) {
            var first = http.stream("GET", server.uri("/archive/a/"));
            var second = http.stream("GET", server.uri("/archive/a/"));
            first.body().readNBytes(4096);
            second.body().readNBytes(4096);
            long crcRead = server.stats().get("crcBytesRead");
            var refused = http.get(server.uri("/archive/b/"));
            assertEquals(503, refused.status());
            assertNotNull(refused.header("Retry-After"));
            assertEquals(crcRead, server.stats().get("crcBytesRead"), "the refused download read no file");
            assertEquals(2L, server.stats().get("producers"));
            first.close();
            Eventually.within(Duration.ofSeconds(2), server::stats, s -> s.get("slots") == 1, "slot freed");
            try (var third = http.stream("GET", server.uri("/archive/b/"))) {
                assertEquals(200, third.status());
            }
            second.close();
        }
    }

    /** A client that connects and never reads: the idle timeout ends the download and frees everything. */
    @Test
    void clientThatStopsReadingIsDroppedAfterTheIdleTimeout() throws Exception {
        Path storage = storage();
        Trees.file(storage.resolve("large"), "large.bin", Trees.bytes(new Random(4), 30_000_000));
        try (var server = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0",
                "CHUNK_SIZE", "64"), "", Duration.ofSeconds(1)); var socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
            socket.getOutputStream().write("GET /archive/large/ HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            Eventually.within(Duration.ofSeconds(5), server::stats, s -> s.get("downloads") == 1, "download started");
            assertTrue(server.stats().get("buffers") <= Service.MAX_BUFFERS_PER_DOWNLOAD, "memory bounded by the queue");
            // Nothing is read from here on.
            Eventually.within(Duration.ofSeconds(15), server::stats,
                    s -> s.get("downloads") == 0 && s.get("producers") == 0 && s.get("slots") == 0,
                    "stalled download released");
            Eventually.within(Duration.ofSeconds(2), () -> Eventually.openFilesUnder(storage), n -> n == 0,
                    "files closed");
        }
    }

    @Test
    void storageMissingAtRequestTimeGets503AndRecovers() throws Exception {
        Path storage = storage();
        try (var server = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0"));
                var http = new Http()) {
            Path away = tmp.resolve("unmounted");
            Files.move(storage, away);
            var answer = http.get(server.uri("/archive/a/"));
            assertEquals(503, answer.status());
            assertNotNull(answer.header("Retry-After"));
            Files.move(away, storage);
            assertEquals(200, http.get(server.uri("/archive/a/")).status());
        }
    }

    /** Someone probing for hashes learns nothing from a malformed one that a missing one does not tell. */
    @Test
    void malformedAndMissingHashesGetTheSameAnswer() throws Exception {
        try (var server = kind.start(tmp, Map.of("STORAGE_PATH", storage().toString(), "DELAY", "0"))) {
            var missing = Raw.get(server.port(), "/archive/0123456789abcdef0123456789abcdef/");
            assertEquals(404, missing.status());
            // (An encoded slash or backslash gets the container's own 400, whatever the hash.)
            for (String malformed : new String[] { "/archive/%20/",
                "/archive/" + "x".repeat(300) + "/", "/archive/%01/", "/archive/a:b/", "/archive/%EF%BF%BD/"}) {
                var answer = Raw.get(server.port(), malformed);
                // Jetty itself refuses control characters with 400 before any hash is looked at.
                assertTrue(answer.status() == 404 || answer.status() == 400, malformed + " -> " + answer.head());
                if (answer.status() == 404) {
                    assertArrayEquals(missing.body(), answer.body(), malformed);
                }
            }
        }
    }

    /** 2,000 generated request paths: never a 5xx, never a byte from outside the storage or from another hash. */
    @Test
    void fuzzedPathsNeverFailOrLeak() throws Exception {
        String[] pieces = {".", "..", "%2e", "%2E%2E", "%2f", "%2F", "%5c", "%5C", "/", "//", ";", ";x=1", "%00",
            "%c0%ae", "%c0%af", "%e2%80%ae", "%ff", "%25", "%252e", "a", "other", "outside.txt", "etc", "passwd",
            "~", "?", "#", "%3f", "%23", " ", "%20", "é", "%C3%A9", "\u00e9", "*", "%u002e", "WEB-INF", "archive"};
        var rnd = new Random(2026);
        try (var server = kind.start(tmp, Map.of("STORAGE_PATH", storage().toString(), "DELAY", "0"))) {
            var failures = new ArrayList<String>();
            for (int i = 0; i < 2000; i++) {
                var path = new StringBuilder("/archive/");
                int n = 1 + rnd.nextInt(8);
                for (int j = 0; j < n; j++) {
                    path.append(pieces[rnd.nextInt(pieces.length)]);
                }
                if (rnd.nextBoolean()) {
                    path.append('/');
                }
                String target = encodeRaw(path.toString());
                var answer = Raw.get(server.port(), target);
                String text = answer.text();
                if (answer.status() >= 500 || answer.status() < 100 || text.contains("root:x:0:0")
                        || text.contains("Exception") || (text.contains("other archive") && !target.contains("other"))) {
                    failures.add(target + " -> " + answer.head().lines().findFirst().orElse(""));
                }
            }
            assertEquals(new ArrayList<String>(), failures);
        }
    }

    /** Characters that cannot appear raw in a request line are sent as UTF-8 percent-escapes. */
    private static String encodeRaw(String s) {
        var sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c <= 0x20 || c >= 0x7f || c == '#') {
                sb.append(String.format("%%%02X", c));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    @Test
    void errorPagesCarryNoStackTracePathOrVersion() throws Exception {
        Path storage = storage();
        try (var server = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0"))) {
            for (String target : new String[] {"/archive/nope/", "/archive/%2F/", "/archive/a/", "/nothing",
                "/archive/%c0/", "/archive/..%2f..%2f/"}) {
                var answer = Raw.get(server.port(), target);
                String body = new String(answer.body(), StandardCharsets.ISO_8859_1);
                if (answer.status() >= 400) {
                    assertFalse(body.contains(storage.toString()), target + ": a path");
                    assertFalse(body.contains("at dev.") || body.contains("at org.") || body.contains("Exception"),
                            target + ": a stack trace");
                    assertFalse(body.contains("Jetty") || body.contains("Tomcat"), target + ": a server version\n" + body);
                }
                assertTrue(answer.head().contains("X-Content-Type-Options: nosniff") || answer.status() == 400,
                        target + ": nosniff");
            }
        }
    }
}
