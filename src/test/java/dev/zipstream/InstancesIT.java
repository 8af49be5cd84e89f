package dev.zipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Several instances on one storage: the same archive, byte for byte, whatever each JVM's time zone, so that a
 * download begun on one resumes on another; and CRCs that a request cannot wait for are computed while it is told
 * to come back.
 */
class InstancesIT {

    @TempDir
    Path tmp;

    private static final String HASH = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

    /** Files whose times fall on both sides of daylight-saving changes, in Tokyo's and the local zone's terms. */
    private Path storage() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        Path folder = storage.resolve(HASH);
        var rnd = new Random(12);
        Trees.file(folder, "a.txt", "hello".getBytes());
        Trees.file(folder, "sub/b.bin", Trees.bytes(rnd, 300_000));
        Trees.file(folder, "sub/c.bin", Trees.bytes(rnd, 70_000));
        Trees.file(folder, "zé.txt", Trees.bytes(rnd, 1234));
        Files.createDirectories(folder.resolve("empty"));
        long t = Instant.parse("2024-03-31T00:59:59Z").toEpochMilli();
        try (var paths = Files.walk(folder)) {
            for (Path p : paths.sorted().toList()) {
                Files.setLastModifiedTime(p, FileTime.fromMillis(t));
                t += 17L * 24 * 3_600_000 + 3_601_001;
            }
        }
        return storage;
    }

    /**
     * This JVM (its own zone) and a forked one with {@code TZ=Asia/Tokyo}: one archive, one ETag, and a download
     * split across them (first part from one, the rest from the other, If-Range with the ETag) is the archive.
     */
    @ParameterizedTest
    @EnumSource(Server.Kind.class)
    void instancesInDifferentZonesServeTheSameBytesAndAResumeAcrossThemIsExact(Server.Kind kind) throws Exception {
        String otherZone = ZoneId.systemDefault().getId().equals("Asia/Tokyo") ? "America/New_York" : "Asia/Tokyo";
        Path storage = storage();
        var params = Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0",
                "CRC_CACHE_DIR", tmp.resolve("crc-local").toString());
        try (var local = kind.start(tmp, params);
                var forked = LifecycleIT.Forked.start(Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0",
                        "TZ", otherZone, "CRC_CACHE_DIR", tmp.resolve("crc-forked").toString()));
                var http = new Http()) {
            assertTrue(forked.port > 0, forked.output());
            var here = http.get(local.uri("/archive/" + HASH + "/"));
            var there = http.get(java.net.URI.create("http://127.0.0.1:" + forked.port + "/archive/" + HASH + "/"));
            assertEquals(200, here.status());
            assertEquals(200, there.status());
            assertArrayEquals(here.body(), there.body(), "the same bytes from both instances");
            assertNotNull(here.header("ETag"));
            assertEquals(here.header("ETag"), there.header("ETag"));
            assertTrue(forked.output().contains("ZIP_TIME_ZONE=UTC"), "the zone is logged at start");

            byte[] whole = here.body();
            String etag = here.header("ETag");
            for (int cut : new int[] {7, 100, 150_000, whole.length - 30}) {
                var first = http.get(local.uri("/archive/" + HASH + "/"), "Range", "bytes=0-" + (cut - 1));
                var rest = http.get(java.net.URI.create("http://127.0.0.1:" + forked.port + "/archive/" + HASH + "/"),
                        "Range", "bytes=" + cut + "-", "If-Range", etag);
                assertEquals(206, first.status());
                assertEquals(206, rest.status(), "the other instance honours the first one's ETag");
                var joined = new ByteArrayOutputStream();
                joined.write(first.body());
                joined.write(rest.body());
                assertArrayEquals(whole, joined.toByteArray(), "split at " + cut);
            }
            Path file = tmp.resolve("joined.zip");
            Files.write(file, whole);
            Readers.assertAllRead(file, Trees.expected(storage.resolve(HASH)), tmp);
        }
    }

    /**
     * With no time to wait, a cold {@code bytes=-200} (the last records, which need the CRCs of three sparse
     * 256 MiB files) is told to retry after a while, without the download's headers; the CRCs are computed
     * meanwhile, each file once, and the retry is served from the cache with the same last 200 bytes as another
     * instance that waited for them.
     */
    @ParameterizedTest
    @EnumSource(Server.Kind.class)
    void coldCentralDirectoryGetsRetryAfterAndTheRetryIsServedWarm(Server.Kind kind) throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        Path folder = storage.resolve(HASH);
        Trees.file(folder, "a.txt", "hello".getBytes());
        for (int i = 0; i < 3; i++) {
            Files.createDirectories(folder.resolve("big"));
            try (var f = new java.io.RandomAccessFile(folder.resolve("big/" + i + ".bin").toFile(), "rw")) {
                // big enough that the pool cannot read them between scheduling and estimating (8 MiB could)
                f.setLength(256L << 20);
            }
        }
        var other = kind == Server.Kind.JETTY ? Server.Kind.TOMCAT : Server.Kind.JETTY;
        try (var server = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0",
                "CRC_WAIT_LIMIT", "0", "CRC_CACHE_DIR", tmp.resolve("crc").toString()));
                var patient = other.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0",
                        "CRC_WAIT_LIMIT", "600", "CRC_CACHE_DIR", tmp.resolve("crc-patient").toString()));
                var http = new Http()) {
            var uri = server.uri("/archive/" + HASH + "/");
            var cold = http.get(uri, "Range", "bytes=-200");
            assertEquals(503, cold.status());
            long retryAfter = Long.parseLong(cold.header("Retry-After"));
            assertTrue(retryAfter >= 1 && retryAfter <= 3600, "Retry-After " + retryAfter);
            assertNull(cold.header("Content-Disposition"), "an error page is not offered as archive.zip");
            assertNull(cold.header("ETag"));

            var warm = whenReady(http, uri, "Range", "bytes=-200");
            assertEquals(206, warm.status(), "served once the background work is done");
            assertEquals(3L << 28, server.stats().get("crcBytesRead"), "each big file read once, a.txt not needed");
            var waited = http.get(patient.uri("/archive/" + HASH + "/"), "Range", "bytes=-200");
            assertEquals(206, waited.status());
            assertArrayEquals(waited.body(), warm.body());
        }
    }

    /** The answer once it is no longer 503 (each 503 saying when to come back), polled for up to 30 s. */
    private static Http.Answer whenReady(Http http, java.net.URI uri, String... headers) throws Exception {
        var last = new Http.Answer[1];
        Eventually.within(Duration.ofSeconds(30), () -> {
            try {
                last[0] = http.get(uri, headers);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            if (last[0].status() == 503) {
                assertNotNull(last[0].header("Retry-After"));
            }
            return last[0].status();
        }, status -> status != 503, "an answer other than 503 once the CRCs are stored");
        return last[0];
    }

    /** A restarted instance (or another on the same CRC_CACHE_DIR) reads no file to answer a cold range. */
    @Test
    void crcsPersistAcrossARestartThroughTheCacheFolder() throws Exception {
        Path storage = storage();
        var params = Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0",
                "CRC_CACHE_DIR", tmp.resolve("shared-crc").toString());
        byte[] tail;
        try (var first = Server.Kind.JETTY.start(tmp, params); var http = new Http()) {
            tail = http.get(first.uri("/archive/" + HASH + "/"), "Range", "bytes=-200").body();
            assertTrue(first.stats().get("crcBytesRead") > 0);
        }
        try (var second = Server.Kind.TOMCAT.start(tmp, params); var http = new Http()) {
            var again = http.get(second.uri("/archive/" + HASH + "/"), "Range", "bytes=-200");
            assertEquals(206, again.status());
            assertArrayEquals(tail, again.body());
            assertEquals(0L, second.stats().get("crcBytesRead"), "every CRC came from CRC_CACHE_DIR");
        }
    }
}
