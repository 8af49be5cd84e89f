package dev.zipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP contract of the service, in Jetty and in Tomcat: the packaged WAR, a real client. The store-mode server
 * runs under a context path (with the debug index on), the deflate-mode one at the root (index off).
 */
@ParameterizedClass
@EnumSource(Server.Kind.class)
class ArchiveHttpIT {

    static final String PHOTOS = "3bea29ccabbbf64bdebcc055319c5745";
    static final String AWKWARD = "af1ad8c76fda2e48ea9aed2937e972ea";
    static final String OTHER = "0123456789abcdef0123456789abcdef";

    @Parameter
    Server.Kind kind;

    static Path tmp;
    static Path storage;
    static Server store;
    static Server deflate;
    static Http http;

    @BeforeParameterizedClassInvocation
    static void start(Server.Kind kind) throws Exception {
        tmp = Files.createTempDirectory("zipstream-it");
        storage = Files.createDirectories(tmp.resolve("storage"));
        var rnd = new java.util.Random(1);
        for (int i = 1; i <= 3; i++) {
            Trees.file(storage.resolve(PHOTOS), i + ".jpg", Trees.bytes(rnd, 20_000 * i));
        }
        Trees.awkward(storage.resolve(AWKWARD));
        Trees.file(storage.resolve(OTHER), "secret.txt", "other archive".getBytes());
        Files.writeString(tmp.resolve("outside.txt"), "root:x:0:0 outside the storage");
        store = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0", "CHUNK_SIZE", "8",
                "DEBUG", "true"), "/ctx");
        deflate = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0", "CHUNK_SIZE", "8",
                "COMPRESSION", "deflate"));
        http = new Http();
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        http.close();
        store.close();
        deflate.close();
    }

    private static String url(String hash) {
        return "/archive/" + hash + "/";
    }

    private static Path save(byte[] body) throws Exception {
        Path file = Files.createTempFile(tmp, "download", ".zip");
        Files.write(file, body);
        return file;
    }

    @Test
    void storeModeSendsTheArchiveWithExactLengthAndDownloadHeaders() throws Exception {
        var answer = http.get(store.uri(url(AWKWARD)));
        assertEquals(200, answer.status());
        assertEquals("application/zip", answer.header("Content-Type"));
        assertEquals("attachment; filename=\"archive.zip\"", answer.header("Content-Disposition"));
        assertEquals(String.valueOf(answer.body().length), answer.header("Content-Length"));
        assertEquals("bytes", answer.header("Accept-Ranges"));
        assertTrue(answer.header("ETag").matches("\"[A-Za-z0-9_-]+\""), answer.header("ETag"));
        assertNotNull(answer.header("Last-Modified"));
        assertEquals("nosniff", answer.header("X-Content-Type-Options"));
        assertTrue(answer.header("Cache-Control").contains("private"));
        assertTrue(answer.header("Cache-Control").contains("no-transform"));
        Readers.assertSame(Trees.expected(storage.resolve(AWKWARD)), Readers.javaZipInputStream(answer.body()),
                "ZipInputStream over HTTP");
        Readers.assertAllRead(save(answer.body()), Trees.expected(storage.resolve(AWKWARD)), tmp);
    }

    @Test
    void deflateModeStreamsChunkedWithoutLengthOrRanges() throws Exception {
        var answer = http.get(deflate.uri(url(AWKWARD)));
        assertEquals(200, answer.status());
        assertNull(answer.header("Content-Length"));
        assertEquals("none", answer.header("Accept-Ranges"));
        assertNull(answer.header("ETag"));
        Readers.assertAllRead(save(answer.body()), Trees.expected(storage.resolve(AWKWARD)), tmp);
    }

    @Test
    void pathWithoutTrailingSlashGivesTheSameArchive() throws Exception {
        var with = http.get(store.uri(url(PHOTOS)));
        var without = http.get(store.uri("/archive/" + PHOTOS));
        assertEquals(200, without.status());
        assertArrayEquals(with.body(), without.body());
    }

    @Test
    void unknownHashGetsNotFoundPage() throws Exception {
        var answer = http.get(store.uri(url("ffffffffffffffffffffffffffffffff")));
        assertEquals(404, answer.status());
        String page = new String(answer.body(), StandardCharsets.UTF_8);
        assertTrue(page.contains("does not exist or has been deleted"), page);
    }

    /** Raw request targets that try to leave the storage or the hash: none may succeed or fail with a 5xx. */
    @ParameterizedTest
    @ValueSource(strings = {
        "/archive/../../etc/passwd", "/archive/..%2F..%2Fetc%2Fpasswd", "/archive/%2e%2e/%2e%2e/etc/passwd",
        "/archive/%2e%2e%2f%2e%2e%2fetc/", "/archive/%252e%252e%252f/", "/archive/..%5C..%5Cetc/",
        "/archive/%5c/", "/archive/.%00./", "/archive/%00/", "/archive/abc%00def/", "/archive/./",
        "/archive/%2e/", "/archive/%c0%ae%c0%ae/", "/archive/%c0%af/",
        "/archive/%e0%80%ae%e0%80%ae/", "/archive//etc/", "/archive///", "/archive/;/", "/archive/..;/..;/etc/",
        "/archive/" + PHOTOS + "%2F..%2F" + OTHER + "/", "/archive/%2Fetc/", "/archive/C:%5CWindows/",
        "/archive/%ff%fe/", "/archive/%0a/", "/archive/%7f/", "/archive/" + PHOTOS + "/1.jpg",
        "/archive/" + PHOTOS + "/x/y/", "/../outside.txt", "/%2e%2e/outside.txt",
        "/WEB-INF/web.xml", "/archive/%252F/", "/archive/%u002e%u002e/"})
    void hostilePathNeverReachesOutsideItsFolder(String target) throws Exception {
        String prefixed = target.startsWith("/archive") || target.startsWith("/WEB") ? "/ctx" + target : target;
        var answer = Raw.get(store.port(), prefixed);
        // A target the container normalises to /archive/ itself reaches the DEBUG index, which this server shows.
        boolean index = answer.status() == 200 && answer.text().contains("Development mode");
        assertTrue(answer.status() == 404 || answer.status() == 400 || index, prefixed + " -> " + answer.head());
        String text = answer.text();
        assertFalse(text.contains("root:x:0:0"), "leaked a file outside the storage");
        assertFalse(text.contains("other archive"), "leaked another hash's file");
        assertFalse(text.contains("dev.zipstream") || text.contains("at java."), "stack trace: " + text);
        assertFalse(answer.body().length > 1 && answer.body()[0] == 'P' && answer.body()[1] == 'K', "an archive");
    }

    /**
     * Dot segments are resolved by the container before routing, as RFC 3986 says: such a path names another
     * place inside the application (here another hash, which the client would need to know), never outside it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/archive/" + PHOTOS + "/../" + OTHER + "/", "/archive/" + PHOTOS + "/%2e%2e/" + OTHER + "/"})
    void dotSegmentsResolveInsideTheApplication(String target) throws Exception {
        var direct = http.get(store.uri(url(OTHER)));
        var dotted = Raw.get(store.port(), "/ctx" + target);
        assertTrue(dotted.status() == 200 || dotted.status() == 400 || dotted.status() == 404, dotted.head());
        if (dotted.status() == 200) {
            assertArrayEquals(direct.body(), dotted.body(), "the same as asking for that hash directly");
        }
        var up = Raw.get(store.port(), "/ctx/archive/%2e%2e/");
        assertTrue(up.status() < 500, up.head());
        assertFalse(up.text().contains("root:x:0:0"));
    }

    @Test
    void symbolicLinkToAnotherFolderIsNotFollowed() throws Exception {
        Path folder = Files.createDirectories(storage.resolve("with-links"));
        Trees.file(folder, "own.txt", "mine".getBytes());
        Files.createSymbolicLink(folder.resolve("to-other"), storage.resolve(OTHER));
        Files.createSymbolicLink(folder.resolve("to-outside.txt"), tmp.resolve("outside.txt"));
        Files.createSymbolicLink(storage.resolve("linked-hash"), storage.resolve(OTHER));
        var answer = http.get(store.uri(url("with-links")));
        assertEquals(Map.of("own.txt", "mine"), texts(Readers.javaZipInputStream(answer.body())));
        assertEquals(404, http.get(store.uri(url("linked-hash"))).status());
    }

    private static Map<String, String> texts(Map<String, byte[]> entries) {
        var m = new java.util.TreeMap<String, String>();
        entries.forEach((k, v) -> m.put(k, new String(v, StandardCharsets.UTF_8)));
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"store", "deflate"})
    void headGivesTheSameHeadersAsGetWithoutBodyOrProducer(String mode) throws Exception {
        Server server = mode.equals("store") ? store : deflate;
        long crcBefore = server.stats().get("crcBytesRead");
        var head = http.send("HEAD", server.uri(url(PHOTOS)));
        assertEquals(0, head.body().length);
        assertEquals(crcBefore, server.stats().get("crcBytesRead"), "HEAD read no file");
        assertEquals(0L, server.stats().get("downloads"));
        var get = http.get(server.uri(url(PHOTOS)));
        assertEquals(get.status(), head.status());
        for (String name : List.of("Content-Type", "Content-Disposition", "Content-Length", "ETag", "Last-Modified",
                "Accept-Ranges", "Cache-Control", "X-Content-Type-Options")) {
            assertEquals(get.header(name), head.header(name), name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/archive/" + PHOTOS + "/", "/", "/archive/", "/elsewhere"})
    void optionsListsTheAllowedMethods(String path) throws Exception {
        var answer = http.send("OPTIONS", store.uri(path));
        assertEquals(200, answer.status());
        assertEquals("GET, HEAD, OPTIONS", answer.header("Allow"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "PROPFIND", "FOO"})
    void otherMethodsAreNotAllowed(String method) throws Exception {
        for (String path : List.of(url(PHOTOS), "/", "/archive/")) {
            var answer = http.send(method, store.uri(path));
            assertEquals(405, answer.status(), method + " " + path);
            assertEquals("GET, HEAD, OPTIONS", answer.header("Allow"), method + " " + path);
        }
    }

    @Test
    void traceIsRefusedAndA405NamesTheAllowedMethods() throws Exception {
        var answer = Raw.send(store.port(), "TRACE /ctx" + url(PHOTOS) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        // Jetty's default descriptor forbids TRACE (403) before the servlet sees it; Tomcat answers 405 itself,
        // with an Allow it builds from the doXxx methods the servlet declares.
        assertTrue(answer.status() == 405 || answer.status() == 403, answer.head());
        assertFalse(answer.text().contains("Host: x"), "nothing echoed");
        if (answer.status() == 405) {
            var allow = Pattern.compile("(?mi)^Allow: *(.*)$").matcher(answer.head());
            assertTrue(allow.find(), answer.head());
            assertEquals(java.util.Set.of("GET", "HEAD", "OPTIONS"),
                    java.util.Set.of(allow.group(1).strip().split(" *, *")), answer.head());
        }
    }

    /** The index lives at archive/ (where a proxy forwarding only archive paths reaches it) with relative links. */
    @Test
    void debugIndexAtArchiveListsFoldersWithRelativeLinks() throws Exception {
        var answer = http.get(store.uri("/archive/"));
        assertEquals(200, answer.status());
        String page = new String(answer.body(), StandardCharsets.UTF_8);
        assertTrue(page.contains("Development mode"), "says it is for development");
        var links = Pattern.compile("<a href=\"([^\"]+)\"").matcher(page).results().map(m -> m.group(1)).toList();
        for (String hash : List.of(PHOTOS, AWKWARD, OTHER)) {
            assertTrue(links.contains("./" + hash + "/"), hash + " in " + links);
        }
        assertTrue(links.stream().noneMatch(l -> l.startsWith("/") || l.contains("://")), "only relative links: " + links);
        var base = store.uri("/archive/");
        for (String link : links) {
            assertEquals(200, http.send("HEAD", base.resolve(link)).status(), link + " from " + base);
        }
        assertTrue(page.contains("KiB"), "human sizes");
    }

    /** An unsigned link's selection page (DEBUG on, open links): its boxes are f parameters, downloaded at once. */
    @Test
    void theSelectionPageOfAnUnsignedLinkDownloadsThePicksDirectly() throws Exception {
        var page = http.get(store.uri(url(AWKWARD) + "?browse"));
        assertEquals(200, page.status());
        String html = new String(page.body(), StandardCharsets.UTF_8);
        var boxes = Pattern.compile("<input type=\"checkbox\" name=\"([^\"]+)\"[^>]*value=\"([^\"]*)\"")
                .matcher(html).results().map(m -> m.group(1) + "=" + m.group(2)).toList();
        assertEquals(Trees.expected(storage.resolve(AWKWARD)).keySet().stream().map(n -> "f=" + n).sorted().toList(),
                boxes.stream().sorted().toList());
        assertFalse(html.contains("type=\"hidden\""), "nothing to carry for an unsigned link");
        var picked = http.get(store.uri(url(AWKWARD) + "?f=Zebra.txt&f=" + java.net.URLEncoder.encode("empty folder/",
                StandardCharsets.UTF_8)));
        assertEquals(Map.of("Zebra.txt", "Z".repeat(5000), "empty folder/", ""),
                texts(Readers.javaZipInputStream(picked.body())));
    }

    @Test
    void theRootAndArchiveWithoutSlashLeadToTheIndex() throws Exception {
        for (String path : List.of("/", "/archive")) {
            var answer = http.get(store.uri(path));
            assertEquals(303, answer.status(), path);
            var target = store.uri(path).resolve(answer.header("Location"));
            assertEquals(store.uri("/archive/"), target, path);
        }
    }

    @Test
    void withoutDebugThereIsNoIndex() throws Exception {
        for (String path : List.of("/", "/anything", "/archive/", "/archive")) {
            assertEquals(404, http.get(deflate.uri(path)).status(), path);
        }
    }

    // ---- ranges, conditional requests, resume (store mode) ----

    @Test
    void everyRangeFormGivesTheMatchingSlice() throws Exception {
        byte[] full = http.get(store.uri(url(AWKWARD))).body();
        int n = full.length;
        record Case(String range, int from, int to) {
        }
        for (var c : List.of(new Case("bytes=0-99", 0, 100), new Case("bytes=100-", 100, n),
                new Case("bytes=-500", n - 500, n), new Case("bytes=" + (n - 1) + "-" + (n + 1000), n - 1, n),
                new Case("bytes=12345-54321", 12345, 54322), new Case("bytes=0-", 0, n))) {
            var answer = http.get(store.uri(url(AWKWARD)), "Range", c.range());
            assertEquals(206, answer.status(), c.range());
            assertEquals("bytes " + c.from() + "-" + (c.to() - 1) + "/" + n, answer.header("Content-Range"));
            assertEquals(String.valueOf(c.to() - c.from()), answer.header("Content-Length"));
            assertArrayEquals(Arrays.copyOfRange(full, c.from(), c.to()), answer.body(), c.range());
        }
    }

    @Test
    void unsatisfiableRangeGets416WithTheLength() throws Exception {
        byte[] full = http.get(store.uri(url(PHOTOS))).body();
        var answer = http.get(store.uri(url(PHOTOS)), "Range", "bytes=" + full.length + "-");
        assertEquals(416, answer.status());
        assertEquals("bytes */" + full.length, answer.header("Content-Range"));
    }

    @Test
    void severalRangesGetTheWholeArchive() throws Exception {
        var answer = http.get(store.uri(url(PHOTOS)), "Range", "bytes=0-10,20-30");
        assertEquals(200, answer.status());
        assertEquals(String.valueOf(answer.body().length), answer.header("Content-Length"));
    }

    @Test
    void ifRangeMatchingGivesPartialAndMismatchGivesWhole() throws Exception {
        var full = http.get(store.uri(url(PHOTOS)));
        String etag = full.header("ETag");
        assertEquals(206, http.get(store.uri(url(PHOTOS)), "Range", "bytes=10-", "If-Range", etag).status());
        // Last-Modified is the newest file's time: it does not change when an older file is deleted, so a date
        // cannot vouch for the bytes. Only the ETag resumes.
        assertEquals(200, http.get(store.uri(url(PHOTOS)), "Range", "bytes=10-", "If-Range",
                full.header("Last-Modified")).status());
        var stale = http.get(store.uri(url(PHOTOS)), "Range", "bytes=10-", "If-Range", "\"stale\"");
        assertEquals(200, stale.status());
        assertArrayEquals(full.body(), stale.body());
        assertEquals(200, http.get(store.uri(url(PHOTOS)), "Range", "bytes=10-", "If-Range",
                "Mon, 01 Jan 2001 00:00:00 GMT").status());
    }

    /** The defect issue 10 fixed: the newest file stays, an older one goes, the date stays, the bytes change. */
    @Test
    void deletingAnOlderFileKeepsTheDateButADateNeverResumes() throws Exception {
        Path folder = storage.resolve("shrinking");
        Trees.file(folder, "new.txt", "new".repeat(1000).getBytes());
        Trees.file(folder, "old.txt", "old".repeat(1000).getBytes());
        Files.setLastModifiedTime(folder.resolve("old.txt"), FileTime.fromMillis(1_600_000_000_000L));
        var before = http.get(store.uri(url("shrinking")));
        Files.delete(folder.resolve("old.txt"));
        var after = http.get(store.uri(url("shrinking")), "Range", "bytes=100-", "If-Range",
                before.header("Last-Modified"));
        assertEquals(before.header("Last-Modified"), after.header("Last-Modified"), "the date did not change");
        assertEquals(200, after.status(), "a date cannot vouch for the bytes");
        assertEquals(Map.of("new.txt", "new".repeat(1000)), texts(Readers.javaZipInputStream(after.body())));
    }

    @Test
    void ifNoneMatchWithTheEtagGets304() throws Exception {
        String etag = http.get(store.uri(url(PHOTOS))).header("ETag");
        var answer = http.get(store.uri(url(PHOTOS)), "If-None-Match", etag);
        assertEquals(304, answer.status());
        assertEquals(0, answer.body().length);
        assertEquals(200, http.get(store.uri(url(PHOTOS)), "If-None-Match", "\"other\"").status());
    }

    @Test
    void interruptedDownloadResumesToTheIdenticalArchive() throws Exception {
        byte[] full = http.get(store.uri(url(AWKWARD))).body();
        var received = new ByteArrayOutputStream();
        try (var stream = http.stream("GET", store.uri(url(AWKWARD)))) {
            received.write(stream.body().readNBytes(full.length / 3));
            stream.abort();
        }
        var rest = http.get(store.uri(url(AWKWARD)), "Range", "bytes=" + received.size() + "-");
        assertEquals(206, rest.status());
        received.write(rest.body());
        assertArrayEquals(full, received.toByteArray());
    }

    @Test
    void touchingAFileChangesTheEtag() throws Exception {
        Path folder = storage.resolve("touched");
        Trees.file(folder, "a.txt", "a".getBytes());
        String before = http.get(store.uri(url("touched"))).header("ETag");
        Files.setLastModifiedTime(folder.resolve("a.txt"), FileTime.fromMillis(1_600_000_000_000L));
        String after = http.get(store.uri(url("touched"))).header("ETag");
        assertNotEquals(before, after);
        assertEquals(after, http.get(store.uri(url("touched"))).header("ETag"), "stable while nothing changes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"store", "deflate"})
    void fiftyConcurrentDownloadsAreAllValid(String mode) throws Exception {
        Server server = mode.equals("store") ? store : deflate;
        var expected = Trees.expected(storage.resolve(AWKWARD));
        var pool = Executors.newFixedThreadPool(50);
        try {
            var tasks = new ArrayList<Callable<Map<String, byte[]>>>();
            for (int i = 0; i < 50; i++) {
                tasks.add(() -> Readers.javaZipInputStream(http.get(server.uri(url(AWKWARD))).body()));
            }
            for (var f : pool.invokeAll(tasks)) {
                Readers.assertSame(expected, f.get(), "concurrent download");
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0L, server.stats().get("downloads"));
        assertEquals(0L, server.stats().get("slots"));
    }
}
