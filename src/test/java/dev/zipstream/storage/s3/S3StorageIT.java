package dev.zipstream.storage.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zipstream.S3Proxy;
import dev.zipstream.Trees;
import dev.zipstream.log.Log;
import dev.zipstream.storage.EntryChanged;
import dev.zipstream.storage.Listing;
import dev.zipstream.storage.StorageUnavailable;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** S3Storage against a real S3 server (s3proxy, signed requests), below HTTP: listing, ranged reads, failures. */
class S3StorageIT {

    static final String BUCKET = "storage-it";
    static final String PREFIX = "archives/";
    static final String HASH = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

    static Path tmp;
    static S3Proxy s3;
    static Path logFile;
    static Log log;
    static S3Storage storage;

    @BeforeAll
    static void start() throws Exception {
        tmp = Files.createTempDirectory("zipstream-s3-storage");
        s3 = S3Proxy.start(tmp);
        s3.createBucket(BUCKET);
        logFile = tmp.resolve("service.log");
        log = new Log(logFile);
        storage = connect(s3.endpoint, S3Proxy.CREDENTIAL);
    }

    @AfterAll
    static void stop() throws Exception {
        if (storage != null) {
            storage.close();
        }
        if (log != null) {
            log.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    static S3Storage connect(URI endpoint, String credential) {
        return S3Storage.connect(new S3Storage.Location(BUCKET, PREFIX, endpoint, "us-east-1", true), log,
                StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Proxy.IDENTITY, credential)));
    }

    static Listing list(String hash) throws Exception {
        return storage.list(hash).orElseThrow();
    }

    static byte[] read(Listing.Entry entry, long from, long length, boolean direct) throws Exception {
        var out = new ByteArrayOutputStream();
        try (var channel = storage.open(entry, from, length)) {
            var buffer = direct ? ByteBuffer.allocateDirect(10_000) : ByteBuffer.allocate(10_000);
            int n;
            while ((n = channel.read(buffer.clear())) >= 0) {
                out.write(Arrays.copyOf(toArray(buffer.flip()), n));
            }
        }
        return out.toByteArray();
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    @Test
    void listingHoldsTheFolderTreeAsALocalFolderWould() throws Exception {
        Path folder = Trees.awkward(tmp.resolve("awkward"));
        s3.upload(folder, BUCKET, PREFIX + "awkward/");
        var listing = list("awkward");
        assertEquals(List.copyOf(Trees.expected(folder).keySet()),
                listing.entries().stream().map(Listing.Entry::name).sorted().toList());
        var names = listing.entries().stream().map(Listing.Entry::nameBytes).toList();
        for (int i = 1; i < names.size(); i++) {
            assertTrue(Arrays.compareUnsigned(names.get(i - 1), names.get(i)) < 0, "sorted by UTF-8 bytes");
        }
        var deep = listing.entries().stream().filter(e -> e.name().equals("a/b/c/d/e/deep.bin")).findFirst().get();
        assertEquals(3_333, deep.size());
        assertTrue(deep.version().startsWith("\""), "the object's ETag: " + deep.version());
        assertEquals("s3://" + BUCKET + "/" + PREFIX + "awkward/a/b/c/d/e/deep.bin", deep.locator());
        assertTrue(Math.abs(deep.mtime() - System.currentTimeMillis()) < 600_000, "LastModified as the time");
        assertArrayEquals(Files.readAllBytes(folder.resolve("a/b/c/d/e/deep.bin")),
                read(deep, 0, deep.size(), false));
    }

    @Test
    void listingFollowsPagesPastAThousandKeys() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            var tasks = new ArrayList<java.util.concurrent.Callable<Void>>();
            IntStream.range(0, 1_234).forEach(i -> tasks.add(() -> {
                s3.put(BUCKET, PREFIX + "many/f" + i + ".txt", ("file " + i).getBytes());
                return null;
            }));
            for (var f : pool.invokeAll(tasks)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        var listing = list("many");
        assertEquals(1_234, listing.fileCount());
        assertTrue(listing.entries().stream().anyMatch(e -> e.name().equals("f1233.txt")));
    }

    /** s3proxy lists a file written straight into its folder without an ETag: such an object cannot be served. */
    @Test
    void objectListedWithoutAnEtagRefusesTheListing() throws Exception {
        s3.put(BUCKET, PREFIX + "no-etag/normal.txt", "normal".getBytes());
        Path behind = tmp.resolve("s3proxy-data-filesystem").resolve(BUCKET).resolve(PREFIX + "no-etag/sneaked.txt");
        Files.writeString(behind, "written behind the store's back");
        var e = assertThrows(java.io.IOException.class, () -> storage.list("no-etag"));
        assertTrue(e.getMessage().contains("sneaked.txt was listed without an ETag"), e.getMessage());
    }

    @Test
    void unknownOrMalformedHashIsEmpty() throws Exception {
        assertTrue(storage.list("no-such-hash").isEmpty());
        for (String bad : List.of("", ".", "..", "a/b", "a\\b", "x\u0000y")) {
            assertTrue(storage.list(bad).isEmpty(), bad);
        }
    }

    @Test
    void hashesAreTheFoldersUnderThePrefix() throws Exception {
        s3.put(BUCKET, PREFIX + HASH + "/x.txt", "x".getBytes());
        s3.put(BUCKET, "elsewhere/not-an-archive/y.txt", "y".getBytes());
        var hashes = storage.hashes();
        assertTrue(hashes.contains(HASH), hashes.toString());
        assertFalse(hashes.contains("not-an-archive"), hashes.toString());
    }

    /** The in-memory store takes keys no folder could hold: exactly the ones a client must never extract. */
    @Test
    void unsafeOrAmbiguousKeysAreLeftOutAndLoggedWithoutTheHash() throws Exception {
        try (var memory = S3Proxy.start(tmp, "transient");
                var store = S3Storage.connect(new S3Storage.Location(BUCKET, PREFIX, memory.endpoint, "us-east-1",
                        true), log, StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(S3Proxy.IDENTITY, S3Proxy.CREDENTIAL)))) {
            memory.createBucket(BUCKET);
            String folder = PREFIX + HASH + "/";
            for (String key : List.of("good.txt", "back\\slash.txt", "../escape.txt", "a/../../up.txt", "/abs.txt",
                    "double//slash.txt", "./dot.txt", "both", "both/inner.txt", "empty/", "marked/", "marked/x.txt")) {
                memory.put(BUCKET, folder + key, key.getBytes());
            }
            memory.put(BUCKET, folder, new byte[0]); // the archive folder's own marker
            var names = store.list(HASH).orElseThrow().entries().stream().map(Listing.Entry::name).toList();
            assertEquals(List.of("both/inner.txt", "empty/", "good.txt", "marked/x.txt"), names);
            String logged = Files.readString(logFile);
            for (String key : List.of("back\\slash.txt", "../escape.txt", "a/../../up.txt", "/abs.txt",
                    "double//slash.txt", "./dot.txt")) {
                assertTrue(logged.contains("archive " + HASH.substring(0, 8) + ": object \"" + key + "\" left out"),
                        key + " in " + logged);
            }
            assertTrue(logged.contains("\"both\" left out: it is both a file and a folder"), logged);
            assertFalse(logged.contains(HASH), "the full hash is never logged");
        }
    }

    @Test
    void rangedReadsGiveExactlyTheAskedBytesIntoHeapOrDirectBuffers() throws Exception {
        byte[] content = Trees.bytes(new Random(7), 300_000);
        s3.put(BUCKET, PREFIX + "ranged/blob.bin", content);
        var entry = list("ranged").entries().get(0);
        assertArrayEquals(content, read(entry, 0, content.length, false));
        assertArrayEquals(Arrays.copyOfRange(content, 12_345, 212_345), read(entry, 12_345, 200_000, true));
        assertArrayEquals(Arrays.copyOfRange(content, 299_999, 300_000), read(entry, 299_999, 1, false));
        assertEquals(0, read(entry, 5, 0, false).length);
    }

    @Test
    void replacedObjectIsAChangedEntryEvenWithTheSameSize() throws Exception {
        s3.put(BUCKET, PREFIX + "replaced/a.bin", "version one".getBytes());
        var entry = list("replaced").entries().get(0);
        s3.put(BUCKET, PREFIX + "replaced/a.bin", "version two".getBytes());
        var e = assertThrows(EntryChanged.class, () -> storage.open(entry, 0, entry.size()));
        assertTrue(e.getMessage().contains("replaced"), e.getMessage());
    }

    @Test
    void deletedObjectIsAChangedEntry() throws Exception {
        s3.put(BUCKET, PREFIX + "deleted/a.bin", "soon gone".getBytes());
        var entry = list("deleted").entries().get(0);
        s3.client.deleteObject(b -> b.bucket(BUCKET).key(PREFIX + "deleted/a.bin"));
        assertThrows(EntryChanged.class, () -> storage.open(entry, 0, entry.size()));
    }

    /** A download that ends interrupts its producer, maybe inside an S3 call: that says nothing about the store. */
    @Test
    void interruptedCallDoesNotMakeTheStoreUnavailable() throws Exception {
        s3.put(BUCKET, PREFIX + "interrupted/a.txt", "a".getBytes());
        Thread.currentThread().interrupt();
        try {
            var e = assertThrows(java.io.IOException.class, () -> storage.list("interrupted"));
            assertTrue(e instanceof java.io.InterruptedIOException, e.toString());
        } finally {
            Thread.interrupted();
        }
        assertNull(storage.unavailableReason());
        assertTrue(storage.list("interrupted").isPresent());
    }

    @Test
    void reachableStoreHasNoUnavailableReason() {
        assertNull(storage.unavailableReason());
    }

    @Test
    void closedPortIsUnavailableQuicklyAndListingSaysSo() throws Exception {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (var down = connect(URI.create("http://127.0.0.1:" + port), S3Proxy.CREDENTIAL)) {
            long t0 = System.nanoTime();
            String reason = down.unavailableReason();
            assertNotNull(reason);
            assertTrue(reason.contains("cannot be reached"), reason);
            assertThrows(StorageUnavailable.class, () -> down.list("anything"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            // Generous bound, for a shared machine: the point is seconds, not a hang.
            assertTrue(ms < 15_000, "took " + ms + " ms");
        }
    }

    @Test
    void silentServerIsUnavailableWithinTheProbeBudgetNotAHang() throws Exception {
        try (var silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
                var down = connect(URI.create("http://127.0.0.1:" + silent.getLocalPort()), S3Proxy.CREDENTIAL)) {
            var accepted = new ArrayList<Socket>();
            var acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // and never answer
                    }
                } catch (java.io.IOException e) {
                    // closed at the end of the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            long t0 = System.nanoTime();
            var listing = assertThrows(StorageUnavailable.class, () -> down.list("anything"));
            long listMs = (System.nanoTime() - t0) / 1_000_000;
            t0 = System.nanoTime();
            String reason = down.unavailableReason();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertNotNull(reason);
            assertTrue(ms < S3Storage.PROBE_TIMEOUT.toMillis() + 5_000, "probe took " + ms + " ms");
            // Bounded by the call budget, not three 20 s read timeouts.
            assertTrue(listMs < S3Storage.CALL_TIMEOUT.toMillis() + 5_000, "listing took " + listMs + " ms: "
                    + listing.getMessage());
        }
    }

    @Test
    void wrongCredentialsMakeTheStoreUnavailableWithoutShowingThem() throws Exception {
        try (var refused = connect(s3.endpoint, "wrong-credential-value")) {
            String reason = refused.unavailableReason();
            assertNotNull(reason);
            assertTrue(reason.contains("refuses our credentials"), reason);
            assertFalse(reason.contains("wrong-credential-value"));
            assertFalse(reason.contains(S3Proxy.IDENTITY));
        }
    }

    @Test
    void missingCredentialsAreNamedAsSuch() {
        AwsCredentialsProvider none = () -> {
            throw SdkClientException.create("Unable to load credentials from any of the providers in the chain");
        };
        try (var anonymous = S3Storage.connect(new S3Storage.Location(BUCKET, PREFIX, s3.endpoint, "us-east-1", true),
                log, none)) {
            String reason = anonymous.unavailableReason();
            assertNotNull(reason);
            assertTrue(reason.startsWith("no AWS credentials found"), reason);
            assertThrows(StorageUnavailable.class, () -> anonymous.list("awkward"));
        }
    }

    @Test
    void describeNamesTheLocationWithoutSecrets() {
        String d = storage.describe();
        assertTrue(d.startsWith("s3://" + BUCKET + "/" + PREFIX), d);
        assertFalse(d.contains(S3Proxy.CREDENTIAL));
    }

}
