package dev.zipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The acceptance tests that apply to any storage, run against a local folder and against a bucket prefix in a real
 * S3 server (s3proxy, signed requests), each in Jetty and in Tomcat: the zip and HTTP code must not be able to tell
 * them apart. The bucket's objects are put through the S3 API from the same trees the folder holds.
 */
@ParameterizedClass
@MethodSource("backendsAndContainers")
class BucketAcceptanceIT {

    enum Backend { FOLDER, BUCKET }

    static Stream<Arguments> backendsAndContainers() {
        return Stream.of(Backend.values())
                .flatMap(b -> Stream.of(Server.Kind.values()).map(k -> Arguments.of(b, k)));
    }

    static final String PHOTOS = "3bea29ccabbbf64bdebcc055319c5745";
    static final String AWKWARD = "af1ad8c76fda2e48ea9aed2937e972ea";
    static final String MANY = "many-keys";
    static final String CHANGING = "changing";
    static final int MANY_FILES = 1_050;
    static final String BUCKET = "acceptance";
    static final String PREFIX = "zips/";
    static final double DELAY = 0.1;

    @Parameter(0)
    Backend backend;
    @Parameter(1)
    Server.Kind kind;

    /** The source trees, on disk for the folder backend and to compare archives with. */
    static Path tmp;
    static Path trees;
    /** Started once, for every bucket invocation. */
    static S3Proxy s3;
    static Server store;
    static Server deflate;
    static Server throttled;
    static Http http;
    static Backend current;
    static final List<String> leakWarnings = new CopyOnWriteArrayList<>();
    static final Handler leakWatch = new Handler() {
        @Override
        public void publish(LogRecord r) {
            String m = r.getMessage() == null ? "" : r.getMessage();
            // "appears to have started a thread ... failed to stop it", "created a ThreadLocal ... failed to remove it"
            if (m.contains("appears to have") || m.contains("failed to remove it")) {
                leakWarnings.add(m + " " + Arrays.toString(r.getParameters()));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeParameterizedClassInvocation
    static void start(Backend backend, Server.Kind kind) throws Exception {
        current = backend;
        if (trees == null) {
            tmp = Files.createTempDirectory("zipstream-acceptance");
            trees = Files.createDirectories(tmp.resolve("storage"));
            var rnd = new Random(3);
            for (int i = 1; i <= 3; i++) {
                Trees.file(trees.resolve(PHOTOS), i + ".jpg", Trees.bytes(rnd, 20_000 * i));
            }
            Trees.awkward(trees.resolve(AWKWARD));
            for (int i = 0; i < MANY_FILES; i++) {
                Trees.file(trees.resolve(MANY), String.format("f%04d.txt", i), ("file " + i).getBytes());
            }
        }
        if (backend == Backend.BUCKET && s3 == null) {
            s3 = S3Proxy.start(tmp);
            s3.createBucket(BUCKET);
            upload(PHOTOS);
            upload(AWKWARD);
            upload(MANY);
            S3Proxy.credentialsForServersInThisJvm();
        }
        var base = settings();
        store = kind.start(tmp, with(base, "DELAY", "0", "CHUNK_SIZE", "8"));
        deflate = kind.start(tmp, with(base, "DELAY", "0", "CHUNK_SIZE", "8", "COMPRESSION", "deflate"));
        throttled = kind.start(tmp, with(base, "DELAY", String.valueOf(DELAY), "CHUNK_SIZE", "8"));
        http = new Http();
        if (kind == Server.Kind.TOMCAT) {
            Logger.getLogger("org.apache.catalina.loader").addHandler(leakWatch);
        }
    }

    @AfterParameterizedClassInvocation
    static void stop(Backend backend, Server.Kind kind) throws Exception {
        http.close();
        store.close();
        deflate.close();
        throttled.close();
        Logger.getLogger("org.apache.catalina.loader").removeHandler(leakWatch);
        // Tomcat checks for threads and ThreadLocals the web application left behind when it stops it.
        assertEquals(List.of(), List.copyOf(leakWarnings), "Tomcat's leak check on undeploy");
    }

    @AfterAll
    static void stopStore() throws Exception {
        if (s3 != null) {
            s3.close();
            s3 = null;
        }
    }

    private static void upload(String hash) {
        s3.upload(trees.resolve(hash), BUCKET, PREFIX + hash + "/");
    }

    private static Map<String, String> settings() {
        return current == Backend.BUCKET ? s3.settings(BUCKET, PREFIX) : Map.of("STORAGE_PATH", trees.toString());
    }

    private static Map<String, String> with(Map<String, String> base, String... nameValues) {
        var m = new HashMap<>(base);
        for (int i = 0; i < nameValues.length; i += 2) {
            m.put(nameValues[i], nameValues[i + 1]);
        }
        return m;
    }

    private static String url(String hash) {
        return "/archive/" + hash + "/";
    }

    private static Path save(byte[] body) throws IOException {
        Path file = Files.createTempFile(tmp, "download", ".zip");
        Files.write(file, body);
        return file;
    }

    /** Puts a file in the backend under test (a new object, or a new file swapped in with a new inode). */
    private static void replace(String hash, String name, byte[] content) throws IOException {
        if (current == Backend.BUCKET) {
            s3.put(BUCKET, PREFIX + hash + "/" + name, content);
        } else {
            Path target = trees.resolve(hash).resolve(name);
            Files.createDirectories(target.getParent());
            Path fresh = Files.createTempFile(tmp, "fresh", ".bin");
            Files.write(fresh, content);
            Files.move(fresh, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"store", "deflate"})
    void everyReaderGetsTheFolderBack(String mode) throws Exception {
        var answer = http.get((mode.equals("store") ? store : deflate).uri(url(AWKWARD)));
        assertEquals(200, answer.status());
        assertEquals("application/zip", answer.header("Content-Type"));
        if (mode.equals("store")) {
            assertEquals(String.valueOf(answer.body().length), answer.header("Content-Length"), "exact length");
            assertEquals("bytes", answer.header("Accept-Ranges"));
        } else {
            assertNull(answer.header("Content-Length"));
        }
        Readers.assertAllRead(save(answer.body()), Trees.expected(trees.resolve(AWKWARD)), tmp);
    }

    @Test
    void moreThanAThousandFilesAreAllArchived() throws Exception {
        var answer = http.get(store.uri(url(MANY)));
        assertEquals(200, answer.status());
        var entries = Readers.javaZipInputStream(answer.body());
        assertEquals(MANY_FILES, entries.size());
        assertEquals("file 1049", new String(entries.get("f1049.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void rangesAndIfRangeGiveSlicesOfTheSameArchive() throws Exception {
        var full = http.get(store.uri(url(AWKWARD)));
        byte[] body = full.body();
        int n = body.length;
        String etag = full.header("ETag");
        assertTrue(etag.matches("\"[A-Za-z0-9_-]+\""), etag);
        assertEquals(etag, http.get(store.uri(url(AWKWARD))).header("ETag"), "stable while nothing changes");
        for (String range : List.of("bytes=0-99", "bytes=100-", "bytes=-500", "bytes=12345-54321")) {
            var part = http.get(store.uri(url(AWKWARD)), "Range", range, "If-Range", etag);
            assertEquals(206, part.status(), range);
            var cr = part.header("Content-Range");
            var m = java.util.regex.Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)").matcher(cr);
            assertTrue(m.matches(), cr);
            assertEquals(String.valueOf(n), m.group(3));
            int from = Integer.parseInt(m.group(1));
            int to = Integer.parseInt(m.group(2)) + 1;
            assertArrayEquals(Arrays.copyOfRange(body, from, to), part.body(), range);
        }
        var stale = http.get(store.uri(url(AWKWARD)), "Range", "bytes=10-", "If-Range", "\"stale\"");
        assertEquals(200, stale.status());
        assertArrayEquals(body, stale.body());
        assertEquals(416, http.get(store.uri(url(AWKWARD)), "Range", "bytes=" + n + "-").status());
        assertEquals(304, http.get(store.uri(url(AWKWARD)), "If-None-Match", etag).status());
    }

    @Test
    void interruptedDownloadResumesToTheIdenticalArchive() throws Exception {
        byte[] full = http.get(store.uri(url(PHOTOS))).body();
        var received = new ByteArrayOutputStream();
        try (var stream = http.stream("GET", store.uri(url(PHOTOS)))) {
            received.write(stream.body().readNBytes(full.length / 3));
            stream.abort();
        }
        var rest = http.get(store.uri(url(PHOTOS)), "Range", "bytes=" + received.size() + "-");
        assertEquals(206, rest.status());
        received.write(rest.body());
        assertArrayEquals(full, received.toByteArray());
    }

    /** Same size, and (in a bucket) the same LastModified second: only the object's ETag tells them apart. */
    @Test
    void replacingAFileChangesTheEtag() throws Exception {
        String hash = "etag-" + backend + "-" + kind;
        replace(hash, "a.txt", "first".getBytes());
        String before = http.get(store.uri(url(hash))).header("ETag");
        replace(hash, "a.txt", "other".getBytes());
        var after = http.get(store.uri(url(hash)));
        assertNotEquals(before, after.header("ETag"));
        assertEquals("other", new String(Readers.javaZipInputStream(after.body()).get("a.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void throttledDownloadIsSpacedByTheDelayAndComplete() throws Exception {
        long t0 = System.nanoTime();
        var answer = http.get(throttled.uri(url(PHOTOS)));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(200, answer.status());
        int chunks = (answer.body().length + 8191) / 8192;
        assertTrue(chunks >= 10, "chunks: " + chunks);
        assertTrue(seconds >= (chunks - 1) * DELAY, chunks + " chunks in " + seconds + " s");
        Readers.assertSame(Trees.expected(trees.resolve(PHOTOS)), Readers.javaZipInputStream(answer.body()),
                "throttled");
    }

    /**
     * A file replaced while its folder is being streamed: the client must see a broken download, never a complete
     * archive that mixes the old listing with new bytes.
     */
    @Test
    void fileReplacedMidDownloadCutsTheConnection() throws Exception {
        String hash = CHANGING + "-" + backend + "-" + kind;
        var rnd = new Random(11);
        replace(hash, "a.bin", Trees.bytes(rnd, 60_000));
        replace(hash, "b.bin", Trees.bytes(rnd, 60_000));
        long length = Long.parseLong(http.send("HEAD", throttled.uri(url(hash))).header("Content-Length"));
        try (var stream = http.stream("GET", throttled.uri(url(hash)))) {
            assertEquals(200, stream.status());
            byte[] first = stream.body().readNBytes(8192);
            assertEquals(8192, first.length);
            replace(hash, "b.bin", Trees.bytes(rnd, 60_000)); // same size, new content
            var rest = new ByteArrayOutputStream();
            assertThrows(IOException.class, () -> stream.body().transferTo(rest),
                    "the connection is cut, not completed");
            assertTrue(first.length + rest.size() < length, "short of the promised length");
        }
        Eventually.within(Eventually.seconds(10), () -> throttled.stats().get("downloads"), d -> d == 0,
                "the download released");
    }

    @Test
    void unreachableStoreAnswers503Quickly() throws Exception {
        Assumptions.assumeTrue(backend == Backend.BUCKET, "only an object store can be unreachable while up");
        int closed;
        try (var s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (var down = kind.start(tmp, Map.of("STORAGE_PATH", "s3://" + BUCKET + "/" + PREFIX,
                "S3_ENDPOINT", "http://127.0.0.1:" + closed, "DELAY", "0"))) {
            assertTrue(down.available(), "an unreachable store does not stop the deployment");
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                var answer = http.get(down.uri(url(PHOTOS)));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(503, answer.status());
                assertEquals("60", answer.header("Retry-After"));
                String page = new String(answer.body(), StandardCharsets.UTF_8);
                assertFalse(page.contains("at java.") || page.contains("software.amazon"), page);
                assertTrue(ms < 10_000, "answered in " + ms + " ms");
            }
            assertEquals(0L, down.stats().get("slots"));
        }
    }

    @Test
    void unknownHashIsNotFound() throws Exception {
        assertEquals(404, http.get(store.uri(url("ffffffffffffffffffffffffffffffff"))).status());
        int up = Raw.get(store.port(), "/archive/..%2F" + PHOTOS + "/").status();
        assertTrue(up == 404 || up == 400, "got " + up);
    }
}
