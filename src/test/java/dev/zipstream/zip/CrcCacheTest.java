package dev.zipstream.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zipstream.Trees;
import dev.zipstream.storage.EntryChanged;
import dev.zipstream.storage.Listing;
import dev.zipstream.storage.LocalStorage;
import dev.zipstream.storage.Storage;
import dev.zipstream.streaming.Produce;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrcCacheTest {

    @TempDir
    Path tmp;

    /** The real storage, counting how often each file is opened; a gate can hold the first read of a file. */
    static final class Counting implements Storage {
        final LocalStorage real;
        final Map<String, AtomicInteger> opens = new ConcurrentHashMap<>();
        volatile CountDownLatch gate;
        /** While set, every read waits for it: the reading cannot get ahead of what a test looks at. */
        volatile CountDownLatch holdAll;

        Counting(Path root) {
            real = new LocalStorage(root);
        }

        int opens(Listing.Entry entry) {
            var n = opens.get(entry.locator());
            return n == null ? 0 : n.get();
        }

        int totalOpens() {
            return opens.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        @Override
        public Optional<Listing> list(String hash) throws IOException {
            return real.list(hash);
        }

        @Override
        public ReadableByteChannel open(Listing.Entry entry, long from, long length) throws IOException {
            opens.computeIfAbsent(entry.locator(), k -> new AtomicInteger()).incrementAndGet();
            var channel = real.open(entry, from, length);
            var held = gate != null ? gate : holdAll;
            gate = null;
            if (held == null) {
                return channel;
            }
            return new ReadableByteChannel() {
                @Override
                public int read(ByteBuffer dst) throws IOException {
                    try {
                        held.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted at the gate");
                    }
                    return channel.read(dst);
                }

                @Override
                public boolean isOpen() {
                    return channel.isOpen();
                }

                @Override
                public void close() throws IOException {
                    channel.close();
                }
            };
        }

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public List<String> hashes() throws IOException {
            return real.hashes();
        }

        @Override
        public String describe() {
            return "counting " + real.describe();
        }

        @Override
        public void close() {
        }
    }

    private Listing folder(String hash, int files, int size) throws IOException {
        var rnd = new Random(hash.hashCode());
        for (int i = 0; i < files; i++) {
            Trees.file(tmp.resolve(hash), "f" + i + ".bin", Trees.bytes(rnd, size));
        }
        return new LocalStorage(tmp).list(hash).orElseThrow();
    }

    private static int crcOf(Path file) throws IOException {
        var crc = new CRC32();
        crc.update(Files.readAllBytes(file));
        return (int) crc.getValue();
    }

    private Path path(Listing.Entry entry) {
        return Path.of(entry.locator());
    }

    private static List<CrcCache.Need> needs(List<Listing.Entry> entries, long dataBefore) {
        return entries.stream().map(e -> new CrcCache.Need(e, dataBefore)).toList();
    }

    /**
     * The silence a range would see is the largest excess of bytes to read over bytes sent before a needed CRC:
     * 8 MiB of CRCs needed after 8 MiB of data is no wait; the same before any data is, at the assumed speed.
     */
    @Test
    void theWaitIsTheLargestExcessOfBytesToReadOverBytesSent() throws Exception {
        var listing = folder("excess", 4, 2 * 1024 * 1024);
        var entries = files(listing);
        // 8 MiB at the assumed 100 MB/s: about 0.08 s. A limit of 0.01 s tells them apart.
        var held = new CountDownLatch(1);
        var storage = new Counting(tmp);
        storage.holdAll = held;
        try (var ahead = new CrcCache(1000, storage, null, 2, m -> { });
                var before = new CrcCache(1000, storage, null, 2, m -> { })) {
            assertTrue(ahead.prepare(needs(entries, 8L << 20), Duration.ofMillis(10)).ready(),
                    "the data before them streams while they are read");
            var wait = before.prepare(needs(entries, 0), Duration.ofMillis(10));
            assertFalse(wait.ready(), "nothing to send while they are read");
            assertEquals(8L << 20, wait.bytesToRead());
            held.countDown();
        }
    }

    /**
     * A cold full download waits for its first file only (the others are read while earlier ones stream), and a
     * file whose header and central record are both in the range counts once: 2 MiB, not the folder twice.
     */
    @Test
    void aColdFullDownloadWaitsForItsFirstFileOnly() throws Exception {
        var listing = folder("full", 4, 2 * 1024 * 1024);
        var zip = new StoredZip(listing, java.time.ZoneOffset.UTC);
        var held = new CountDownLatch(1);
        var storage = new Counting(tmp);
        storage.holdAll = held;
        // At the assumed 100 MB/s: 2 MiB is 0.021 s, the 8 MiB a double count would add is 0.084 s.
        try (var cache = new CrcCache(1000, storage, null, 2, m -> { })) {
            assertTrue(cache.prepare(zip.crcsNeeded(0, zip.length()), Duration.ofMillis(50)).ready());
            var wait = cache.prepare(zip.crcsNeeded(0, zip.length()), Duration.ofMillis(10));
            assertFalse(wait.ready());
            assertEquals(8L << 20, wait.bytesToRead(), "the whole folder, once");
            held.countDown();
        }
    }

    @Test
    void aDownloadsReadMayWaitUntilEveryCrcOfItsArchiveIsKnownAtOnce() throws Exception {
        var listing = folder("known", 2, 1000);
        var storage = new Counting(tmp);
        var zip = new StoredZip(listing, java.time.ZoneOffset.UTC);
        try (var cache = new CrcCache(1000, storage, null, 1, m -> { })) {
            var cursor = zip.cursor(0, zip.length(), StoredZip.files(cache, storage));
            var entries = files(listing);
            assertTrue(cursor.mayWait(), "no CRC known: the first header needs a file read");
            cache.crc(entries.get(0));
            assertTrue(cursor.mayWait(), "the central directory still needs the second file's");
            assertNotNull(cache.knownCrc(entries.get(0)));
            assertNull(cache.knownCrc(entries.get(1)));
            cache.crc(entries.get(1));
            assertFalse(cursor.mayWait(), "every CRC known: a fill only reads the files");

            cache.drop(entries.get(0)); // as an entry leaves a full cache
            assertFalse(cursor.mayWait(), "the cursor kept the CRCs it found");
            var chunk = ByteBuffer.allocate(64 * 1024);
            while (cursor.fill(chunk.clear())) {
                // the whole archive
            }
            assertEquals(2, storage.opens(entries.get(0)),
                    "read for its CRC, then for its data, not again for its CRC");
            cursor.close();
        }
    }

    /** What a range needs, in the order the writer asks, with the file bytes it has sent by then. */
    @Test
    void aRangeNeedsTheCrcsOfItsHeadersAndRecordsWithTheDataSentBeforeEach() throws Exception {
        var listing = folder("needs", 3, 1000);
        var entries = files(listing);
        var zip = new StoredZip(listing, java.time.ZoneOffset.UTC);
        var whole = zip.crcsNeeded(0, zip.length());
        assertEquals(List.of(new CrcCache.Need(entries.get(0), 0), new CrcCache.Need(entries.get(1), 1000),
                new CrcCache.Need(entries.get(2), 2000), new CrcCache.Need(entries.get(0), 3000),
                new CrcCache.Need(entries.get(1), 3000), new CrcCache.Need(entries.get(2), 3000)), whole);
        // The last 22 bytes are the end record: no CRC. The central directory alone: every record, nothing sent.
        assertEquals(List.of(), zip.crcsNeeded(zip.length() - 22, zip.length()));
        long central = zip.length() - 22 - 3 * (46 + "f0.bin".length() + 9);
        assertEquals(needs(entries, 0), zip.crcsNeeded(central, zip.length()));
        // Inside the first file's data, up to the second header: only the second entry's CRC, after 10 bytes.
        long secondHeader = 30 + "f0.bin".length() + 9 + 1000;
        assertEquals(List.of(new CrcCache.Need(entries.get(1), 10)), zip.crcsNeeded(secondHeader - 10, secondHeader + 1));
    }

    private static List<Listing.Entry> files(Listing listing) {
        return listing.entries().stream().filter(e -> !e.directory()).toList();
    }

    /** A thundering herd: 1,000 requests at once on a folder never seen, half through prepare, read each file once. */
    @Test
    void thousandConcurrentRequestsReadEachFileOnce() throws Exception {
        var listing = folder("herd", 8, 256 * 1024);
        var storage = new Counting(tmp);
        var entries = files(listing);
        try (var cache = new CrcCache(1000, storage, tmp.resolve("crc"), 4, m -> { })) {
            var start = new CountDownLatch(1);
            var failures = new AtomicReference<Throwable>();
            var threads = new ArrayList<Thread>();
            for (int t = 0; t < 1000; t++) {
                int id = t;
                var order = new ArrayList<>(entries);
                Collections.shuffle(order, new Random(t));
                var thread = new Thread(() -> {
                    try {
                        start.await();
                        if (id % 2 == 0) {
                            cache.prepare(needs(order, 0), Duration.ofSeconds(60));
                        }
                        for (var e : order) {
                            assertEquals(crcOf(path(e)), cache.crc(e), e.name());
                        }
                    } catch (Throwable e) {
                        failures.compareAndSet(null, e);
                    }
                });
                thread.start();
                threads.add(thread);
            }
            start.countDown();
            for (var thread : threads) {
                thread.join();
            }
            if (failures.get() != null) {
                throw new AssertionError("a request failed", failures.get());
            }
            for (var e : entries) {
                assertEquals(1, storage.opens(e), e.name() + " opened");
            }
            assertEquals(listing.totalSize(), cache.bytesRead());
            assertEquals(entries.size(), cache.filesRead());
        }
    }

    @Test
    void crcsSurviveARestartAndAreSharedThroughTheFolder() throws Exception {
        var listing = folder("persist", 3, 10_000);
        Path dir = tmp.resolve("crc");
        try (var first = new CrcCache(1000, new Counting(tmp), dir, 2, m -> { })) {
            for (var e : files(listing)) {
                first.crc(e);
            }
        }
        var storage = new Counting(tmp);
        try (var second = new CrcCache(1000, storage, dir, 2, m -> { })) {
            for (var e : files(listing)) {
                assertEquals(crcOf(path(e)), second.crc(e));
            }
            assertEquals(0, storage.totalOpens(), "every CRC came from the folder");
            assertEquals(0, second.bytesRead());
        }
    }

    @Test
    void corruptTornOrMisfiledCacheFilesAreIgnoredNeverTrusted() throws Exception {
        var listing = folder("corrupt", 3, 10_000);
        var entries = files(listing);
        Path dir = tmp.resolve("crc");
        var store = new CrcStore(dir, m -> { });
        try (var first = new CrcCache(1000, new Counting(tmp), dir, 2, m -> { })) {
            for (var e : entries) {
                first.crc(e);
            }
        }
        List<Path> stored;
        try (var walk = Files.walk(dir)) {
            stored = walk.filter(Files::isRegularFile).sorted().toList();
        }
        assertEquals(3, stored.size());
        // One with a flipped bit, one cut short, one holding another file's record (named for a different key).
        byte[] bytes = Files.readAllBytes(stored.get(0));
        bytes[bytes.length - 6] ^= 1;
        Files.write(stored.get(0), bytes);
        Files.write(stored.get(1), java.util.Arrays.copyOf(Files.readAllBytes(stored.get(1)), 20));
        Files.write(stored.get(2), Files.readAllBytes(stored.get(0)));
        assertTrue(stored.stream().allMatch(p -> store.load(java.util.HexFormat.of()
                .parseHex(p.getFileName().toString())).isEmpty()), "the store itself refuses all three");

        var storage = new Counting(tmp);
        try (var second = new CrcCache(1000, storage, dir, 2, m -> { })) {
            for (var e : entries) {
                assertEquals(crcOf(path(e)), second.crc(e), e.name());
            }
            assertEquals(3, storage.totalOpens(), "each file read again");
        }
    }

    /**
     * A wrong CRC in the cache (written by a faulty instance, say) is found when streaming the whole file, ends
     * that download, and is dropped from memory and disk so that the next download gets the right one.
     */
    @Test
    void aCrcThatStreamingContradictsIsDroppedFromMemoryAndDisk() throws Exception {
        var listing = folder("poison", 1, 10_000);
        var entry = files(listing).get(0);
        Path dir = tmp.resolve("crc");
        var storage = new Counting(tmp);
        int right = crcOf(path(entry));
        try (var cache = new CrcCache(1000, storage, dir, 2, m -> { })) {
            cache.put(entry, right ^ 0x5a5a);
            var zip = new StoredZip(listing, java.time.ZoneOffset.UTC);
            var failure = assertThrows(AssertionError.class, () -> Produce.run(4096,
                    out -> Fixtures.store(zip, 0, zip.length(), StoredZip.files(cache, storage), out)));
            assertTrue(failure.getCause() instanceof EntryChanged, String.valueOf(failure.getCause()));
            assertEquals(right, cache.crc(entry), "memory no longer holds the wrong one");
        }
        try (var restarted = new CrcCache(1000, new Counting(tmp), dir, 2, m -> { })) {
            assertEquals(right, restarted.crc(entry), "nor does the disk");
        }
    }

    /** Too much to read before the first byte: retry later, while the pool computes; the retry is served warm. */
    @Test
    void slowFirstByteGetsRetryAfterAndTheRetryIsServedFromTheCache() throws Exception {
        var listing = folder("cold", 4, 2 * 1024 * 1024);
        var storage = new Counting(tmp);
        try (var cache = new CrcCache(1000, storage, tmp.resolve("crc"), 2, m -> { })) {
            var needs = needs(files(listing), 0);
            var held = new CountDownLatch(1);
            storage.holdAll = held;
            var wait = cache.prepare(needs, Duration.ZERO);
            storage.holdAll = null;
            held.countDown();
            assertFalse(wait.ready());
            assertTrue(wait.retryAfterSeconds() >= 1, "Retry-After " + wait.retryAfterSeconds());
            assertEquals(listing.totalSize(), wait.bytesToRead());
            dev.zipstream.Eventually.within(Duration.ofSeconds(30), cache::inFlight, n -> n == 0,
                    "background CRCs finished");
            assertEquals(CrcCache.Wait.READY, cache.prepare(needs, Duration.ZERO));
            for (var e : files(listing)) {
                assertEquals(crcOf(path(e)), cache.crc(e));
            }
            assertEquals(4, storage.totalOpens(), "each file read once, in the background");
        }
    }

    @Test
    void smallEnoughWorkIsReadyAtOnceAndComputedAhead() throws Exception {
        var listing = folder("warmish", 2, 1000);
        var storage = new Counting(tmp);
        try (var cache = new CrcCache(1000, storage, null, 2, m -> { })) {
            var entries = files(listing);
            var wait = cache.prepare(List.of(new CrcCache.Need(entries.get(0), 0),
                    new CrcCache.Need(entries.get(1), 1000)), Duration.ofSeconds(20));
            assertTrue(wait.ready());
            dev.zipstream.Eventually.within(Duration.ofSeconds(10), storage::totalOpens, n -> n == 2,
                    "both computed in the background");
        }
    }

    /** A download that ends while it reads a CRC others wait for hands the work over rather than failing them. */
    @Test
    void anInterruptedReaderHandsItsWorkToTheNextWaiter() throws Exception {
        var listing = folder("interrupt", 1, 100_000);
        var entry = files(listing).get(0);
        var storage = new Counting(tmp);
        storage.gate = new CountDownLatch(1); // the first open blocks until interrupted
        try (var cache = new CrcCache(1000, storage, null, 2, m -> { })) {
            var firstFailure = new AtomicReference<Throwable>();
            var first = new Thread(() -> {
                try {
                    cache.crc(entry);
                } catch (Throwable t) {
                    firstFailure.set(t);
                }
            });
            first.start();
            dev.zipstream.Eventually.within(Duration.ofSeconds(10), () -> storage.opens(entry), n -> n == 1,
                    "the first reader at the gate");
            var second = new AtomicReference<Object>();
            var waiter = new Thread(() -> {
                try {
                    second.set(cache.crc(entry));
                } catch (Throwable t) {
                    second.set(t);
                }
            });
            waiter.start();
            first.interrupt();
            first.join();
            waiter.join();
            assertTrue(firstFailure.get() instanceof IOException, String.valueOf(firstFailure.get()));
            assertEquals(crcOf(path(entry)), second.get());
            assertEquals(2, storage.opens(entry));
        }
    }

    @Test
    void closingTheCacheEndsItsThreadsBeforeItReturns() throws Exception {
        var listing = folder("threads", 3, 100_000);
        var cache = new CrcCache(1000, new Counting(tmp), null, 2, m -> { });
        cache.prepare(needs(files(listing), 1 << 30), Duration.ofSeconds(20));
        cache.close();
        // Not eventually: Tomcat looks for threads left alive as soon as the application has stopped.
        assertEquals(List.of(), dev.zipstream.Eventually.serviceThreads().stream()
                .filter(n -> n.startsWith("zipstream-crc-")).toList(), "CRC threads alive after close()");
    }

    @Test
    void diskFailuresOnlyMakeTheCacheForget() throws Exception {
        var listing = folder("nodisk", 1, 1000);
        Path notADir = Files.writeString(tmp.resolve("a-file"), "x");
        var warnings = new ArrayList<String>();
        try (var cache = new CrcCache(1000, new Counting(tmp), notADir, 2, warnings::add)) {
            var e = files(listing).get(0);
            assertEquals(crcOf(path(e)), cache.crc(e));
        }
        assertFalse(warnings.isEmpty());
        assertFalse(warnings.get(0).contains("nodisk"), "no locator in the warning: " + warnings.get(0));
        assertNotEquals(0, warnings.get(0).length());
    }
}
