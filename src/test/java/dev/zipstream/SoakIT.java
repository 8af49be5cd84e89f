package dev.zipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 200 concurrent clients for a bounded time (60 s at most in CI; {@code -Dsoak.seconds=600} for a long run): full
 * downloads checked entry by entry, aborts at random points, random ranges checked against the whole archive.
 * Afterwards nothing the downloads held is left: no producer, slot, buffer, open file or service thread, and the
 * heap after a full GC is back near where it started.
 */
class SoakIT {

    static final int CLIENTS = 200;

    @TempDir
    Path tmp;

    @Test
    void twoHundredClientsLeaveNoCorruptArchiveAndNothingBehind() throws Exception {
        int seconds = Integer.getInteger("soak.seconds", 30);
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        var rnd = new Random(11);
        List<String> hashes = List.of("s1", "s2", "s3", "s4");
        for (int i = 0; i < hashes.size(); i++) {
            Trees.random(storage.resolve(hashes.get(i)), rnd, 5 + 10 * i, 60_000);
        }
        try (var server = Server.Kind.JETTY.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0",
                "CHUNK_SIZE", "16", "MAX_DOWNLOADS", "1000")); var http = new Http()) {
            Map<String, byte[]> whole = new HashMap<>();
            for (String h : hashes) {
                whole.put(h, http.get(server.uri("/archive/" + h + "/")).body());
                Readers.assertSame(Trees.expected(storage.resolve(h)), Readers.javaZipInputStream(whole.get(h)), h);
            }
            Eventually.within(Duration.ofSeconds(15), Eventually::serviceThreads,
                    t -> t.stream().noneMatch(n -> n.startsWith("zipstream-producer")), "warm-up producers idle");
            long fdsBefore = openFiles();
            List<String> threadsBefore = Eventually.serviceThreads();
            long heapBefore = heapAfterGc();

            var completed = new AtomicInteger();
            var aborted = new AtomicInteger();
            var ranges = new AtomicInteger();
            var corrupt = new ConcurrentLinkedQueue<String>();
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            var pool = Executors.newFixedThreadPool(CLIENTS);
            var clients = new ArrayList<Future<?>>();
            for (int c = 0; c < CLIENTS; c++) {
                var r = new Random(c);
                clients.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        String h = hashes.get(r.nextInt(hashes.size()));
                        byte[] full = whole.get(h);
                        int op = r.nextInt(4);
                        try {
                            if (op <= 1) {
                                var answer = http.get(server.uri("/archive/" + h + "/"));
                                if (!Arrays.equals(full, answer.body())) {
                                    corrupt.add(h + ": full body differs");
                                } else {
                                    Readers.javaZipInputStream(answer.body());
                                    completed.incrementAndGet();
                                }
                            } else if (op == 2) {
                                try (var s = http.stream("GET", server.uri("/archive/" + h + "/"))) {
                                    s.body().readNBytes(r.nextInt(full.length));
                                    s.abort();
                                }
                                aborted.incrementAndGet();
                            } else {
                                int a = r.nextInt(full.length);
                                int b = a + r.nextInt(full.length - a);
                                var answer = http.get(server.uri("/archive/" + h + "/"), "Range", "bytes=" + a + "-" + b);
                                if (answer.status() != 206
                                        || !Arrays.equals(Arrays.copyOfRange(full, a, b + 1), answer.body())) {
                                    corrupt.add(h + ": range " + a + "-" + b + " differs (" + answer.status() + ")");
                                } else {
                                    ranges.incrementAndGet();
                                }
                            }
                        } catch (Exception e) {
                            corrupt.add(h + ": " + e);
                        }
                    }
                    return null;
                }));
            }
            for (var f : clients) {
                f.get();
            }
            pool.shutdown();
            http.close(); // its pooled connections are descriptors too

            Eventually.within(Duration.ofSeconds(10), server::stats, s -> s.get("downloads") == 0
                    && s.get("producers") == 0 && s.get("slots") == 0 && s.get("buffers") == 0, "all released");
            Eventually.within(Duration.ofSeconds(5), () -> Eventually.openFilesUnder(storage), n -> n == 0,
                    "no file open in the storage");
            Eventually.within(Duration.ofSeconds(20), Eventually::serviceThreads, threadsBefore::containsAll,
                    "service threads back to " + threadsBefore);
            Eventually.within(Duration.ofSeconds(30), SoakIT::openFiles, n -> n <= fdsBefore + 5,
                    "file descriptors back to " + fdsBefore);
            long heapAfter = heapAfterGc();
            System.out.printf("soak: %d s, %d clients: %d complete, %d aborted, %d ranges, %d corrupt; "
                            + "service threads %s -> %s; fds %d -> %d; heap after GC %d MiB -> %d MiB%n",
                    seconds, CLIENTS, completed.get(), aborted.get(), ranges.get(), corrupt.size(), threadsBefore,
                    Eventually.serviceThreads(), fdsBefore, openFiles(), heapBefore >> 20, heapAfter >> 20);
            assertEquals(List.of(), List.copyOf(corrupt).subList(0, Math.min(5, corrupt.size())), "corrupt");
            assertTrue(completed.get() > CLIENTS && aborted.get() > 0 && ranges.get() > 0, "load was real");
            assertTrue(heapAfter < heapBefore + (64 << 20), "heap " + (heapBefore >> 20) + " -> " + (heapAfter >> 20));
        }
    }

    private static long openFiles() {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long heapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
