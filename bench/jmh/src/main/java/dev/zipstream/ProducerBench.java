package dev.zipstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The producer alone: one whole archive per operation, made by {@link ZipProducer} on its own thread into a real
 * {@link ChunkQueue} (as in the service) and drained by the benchmark thread, which drops every chunk (a discarding
 * sink, no HTTP). Store mode uses a warm CRC cache shared by all operations, as repeated downloads do.
 *
 * <p>Reported: {@code archive} (archives/s) and the secondary counters {@code archive:bytes} (archive bytes/s) and
 * {@code archive:files} (files/s). Data: {@code random-2MiB} is {@code bigCount} files of 2 MiB of random bytes
 * (incompressible); {@code text-10KB} is {@code smallCount} files of 10,000 bytes of text in 10 folders.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ProducerBench {

    @Param({"store", "deflate"})
    public String mode;

    @Param({"random-2MiB", "text-10KB"})
    public String files;

    @Param("16")
    public int bigCount;

    @Param("2000")
    public int smallCount;

    /** CHUNK_SIZE in KiB, as the service's setting. */
    @Param("100")
    public int chunkKiB;

    private Path root;
    private Listing listing;
    private StoredZip zip;
    private CrcCache crcs;
    private BufferPool pool;
    private ExecutorService producers;
    private long fileCount;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Output {
        public long bytes;
        public long files;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
            files = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        root = Files.createTempDirectory("zipstream-jmh");
        Path folder = root.resolve("bench");
        var rnd = new SplittableRandom(2026);
        if (files.equals("random-2MiB")) {
            Files.createDirectories(folder);
            byte[] data = new byte[2 << 20];
            for (int i = 0; i < bigCount; i++) {
                rnd.nextBytes(data);
                Files.write(folder.resolve(String.format("part-%03d.bin", i)), data);
            }
        } else if (files.equals("text-10KB")) {
            String[] words = {"archive", "stream", "chunk", "folder", "deflate", "store", "header", "central",
                "directory", "record", "zipstream", "throttle", "client", "server", "bytes", "the", "a", "of"};
            for (int i = 0; i < smallCount; i++) {
                Path dir = folder.resolve("d" + (i % 10));
                Files.createDirectories(dir);
                var sb = new StringBuilder(10_100);
                while (sb.length() < 10_000) {
                    sb.append(words[rnd.nextInt(words.length)]).append(rnd.nextInt(12) == 0 ? '\n' : ' ');
                }
                sb.setLength(10_000);
                Files.writeString(dir.resolve(String.format("file-%05d.txt", i)), sb, StandardCharsets.US_ASCII);
            }
        } else {
            throw new IllegalArgumentException("files=" + files);
        }
        listing = new Storage(root).list("bench", folder);
        fileCount = listing.fileCount();
        zip = new StoredZip(listing, ZoneId.systemDefault());
        crcs = new CrcCache(200_000);
        pool = new BufferPool(chunkKiB * 1024, 256);
        producers = Executors.newCachedThreadPool(r -> {
            var t = new Thread(r, "zipstream-producer");
            t.setDaemon(true);
            return t;
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        producers.shutdownNow();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Benchmark
    public long archive(Output output) throws Exception {
        long n = produce();
        output.bytes += n;
        output.files += fileCount;
        return n;
    }

    /** One whole archive through the queue; returns its length. */
    private long produce() throws Exception {
        var signal = new Semaphore(0);
        var queue = new ChunkQueue(pool, 2, signal::release); // as an unthrottled download
        var out = new ChunkOutputStream(queue);
        var failure = new AtomicReference<Throwable>();
        boolean store = mode.equals("store");
        var content = StoredZip.files(crcs);
        Future<?> producer = producers.submit(() -> {
            try {
                if (store) {
                    ZipProducer.store(zip, 0, zip.length(), content, out);
                } else {
                    ZipProducer.deflate(listing, out);
                }
            } catch (Throwable t) {
                failure.set(t);
                signal.release();
            }
        });
        long total = 0;
        try {
            while (true) {
                var chunk = queue.poll();
                if (chunk == null) {
                    if (queue.isDrained()) {
                        break;
                    }
                    if (failure.get() != null) {
                        throw new IllegalStateException("producer failed", failure.get());
                    }
                    signal.acquire();
                    continue;
                }
                total += chunk.length();
                queue.release(chunk);
            }
        } finally {
            queue.close();
            producer.get();
        }
        if (store && total != zip.length()) {
            throw new IllegalStateException("archive of " + total + " bytes, expected " + zip.length());
        }
        return total;
    }
}
