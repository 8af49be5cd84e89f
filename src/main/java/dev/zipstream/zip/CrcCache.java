package dev.zipstream.zip;

import dev.zipstream.storage.EntryChanged;
import dev.zipstream.storage.JoinableThreads;
import dev.zipstream.storage.Listing;
import dev.zipstream.storage.Storage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * CRC-32 of listed files, known before their headers are written. Remembered in memory (least recently used out)
 * and, when given a folder, on disk ({@link CrcStore}), keyed by what identifies a file's content: locator, size,
 * modification time and version. Each file is read at most once at a time however many downloads want it
 * (single flight); missing CRCs are computed on a small pool, a few files at once; and {@link #prepare} tells a
 * request whether what it needs before its first byte can be read within a limit, or when to come back.
 */
public final class CrcCache implements AutoCloseable {

    /** A CRC a byte range needs, with the bytes of file data the range sends before it needs it. */
    public record Need(Listing.Entry entry, long dataBefore) {
    }

    /** What {@link #prepare} decided: go ahead now, or answer 503 and come back in {@code retryAfterSeconds}. */
    public record Wait(long retryAfterSeconds, long bytesToRead) {
        public static final Wait READY = new Wait(0, 0);

        public boolean ready() {
            return retryAfterSeconds == 0;
        }
    }

    /** Reading speed assumed until measured: a modest disk or object store. */
    static final double INITIAL_BYTES_PER_SECOND = 100e6;
    /** How long a request may read to measure the speed, when its estimate at the assumed one says wait. */
    static final long PROBE_NANOS = 1_500_000_000L;
    /** Files queued for background computing at most; beyond it, later CRCs are computed when streaming. */
    static final int MAX_QUEUED = 100_000;
    private static final int BUFFER_SIZE = 256 * 1024;
    private static final int MAX_POOLED_BUFFERS = 16;

    private record Key(String locator, long size, long mtime, String version) {
        static Key of(Listing.Entry entry) {
            return new Key(entry.locator(), entry.size(), entry.mtime(), entry.version());
        }

        /** The key's name on disk: a digest, so that neither the locator nor the folder's hash appears there. */
        byte[] digest() {
            try {
                var d = MessageDigest.getInstance("SHA-256");
                byte[] locatorBytes = locator.getBytes(StandardCharsets.UTF_8);
                byte[] versionBytes = version.getBytes(StandardCharsets.UTF_8);
                d.update("zipstream-crc-1\n".getBytes(StandardCharsets.US_ASCII));
                d.update(ByteBuffer.allocate(24).putInt(locatorBytes.length).putLong(size).putLong(mtime)
                        .putInt(versionBytes.length).flip());
                d.update(locatorBytes);
                d.update(versionBytes);
                return d.digest();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The one computation of one file's CRC: run by a pool thread or by the first download that needs it. */
    private final class Flight implements Runnable, Comparable<Flight> {
        final Listing.Entry entry;
        final Key key;
        final long dataBefore;
        final long order = sequence.incrementAndGet();
        final CompletableFuture<Integer> result = new CompletableFuture<>();
        final AtomicBoolean claimed = new AtomicBoolean();
        volatile long read;

        Flight(Listing.Entry entry, Key key, long dataBefore) {
            this.entry = entry;
            this.key = key;
            this.dataBefore = dataBefore;
        }

        long remaining() {
            return Math.max(0, entry.size() - read);
        }

        @Override
        public void run() {
            queued.decrementAndGet();
            if (claimed.compareAndSet(false, true)) {
                try {
                    fly(this);
                } catch (IOException | RuntimeException e) {
                    // the failure is in the result, for whoever waits
                }
            }
        }

        @Override
        public int compareTo(Flight other) {
            // The CRC needed soonest first: one a request waits for in silence before one it needs later.
            int soon = Long.compare(dataBefore, other.dataBefore);
            return soon != 0 ? soon : Long.compare(order, other.order);
        }
    }

    /** Completes a flight whose reader was interrupted: waiters try again rather than fail with it. */
    private static final class Abandoned extends Exception {
        Abandoned() {
            super(null, null, false, false);
        }
    }

    private final Storage storage;
    private final CrcStore disk;
    private final RecentCrcs<Key> memory;
    private final Map<Key, Flight> flights = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor pool;
    private final AtomicLong sequence = new AtomicLong();
    private final java.util.concurrent.ConcurrentLinkedQueue<ByteBuffer> buffers =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong filesRead = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final ReadSpeed speed = new ReadSpeed();

    /**
     * How fast CRCs are read here, all readers together: bytes per second of wall time while any reader runs.
     * Readers in parallel share a disk (or cores), so one file's speed times the threads would overstate it.
     */
    private final class ReadSpeed {
        private static final long SAMPLE_NANOS = 500_000_000L;
        private volatile double bytesPerSecond = INITIAL_BYTES_PER_SECOND;
        private volatile boolean measured;
        private int readers;
        private long sampleStart;
        private long bytesAtStart;

        synchronized void readerStarted() {
            if (readers++ == 0) { // an idle pause is not slowness: measure busy time only
                sampleStart = System.nanoTime();
                bytesAtStart = bytesRead.get();
            }
        }

        synchronized void readerEnded() {
            if (--readers == 0) {
                notifyAll(); // a probe waiting for a sample may find the work done instead
            }
        }

        void sample(long bytesNow) {
            long now = System.nanoTime();
            if (now - sampleStart < SAMPLE_NANOS) { // a racy read: at worst one sample more or less
                return;
            }
            synchronized (this) {
                long elapsed = now - sampleStart;
                if (elapsed < SAMPLE_NANOS) {
                    return;
                }
                double sampled = Math.max(0, bytesNow - bytesAtStart) * 1e9 / elapsed;
                // The first sample replaces the guess; later ones move the average.
                bytesPerSecond = measured ? 0.7 * bytesPerSecond + 0.3 * sampled : sampled;
                this.measured = true;
                sampleStart = now;
                bytesAtStart = bytesNow;
                notifyAll();
            }
        }

        boolean measured() {
            return measured;
        }

        synchronized void awaitMeasured(long nanos) throws InterruptedException {
            long deadline = System.nanoTime() + nanos;
            for (long left = nanos; !measured && (readers > 0 || queued.get() > 0) && left > 0;
                    left = deadline - System.nanoTime()) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        double bytesPerSecond() {
            return bytesPerSecond;
        }
    }

    /** Memory only, computing on two threads. */
    public CrcCache(int capacity, Storage storage) {
        this(capacity, storage, null, 2, message -> { });
    }

    /**
     * @param dir     where CRCs persist ({@code CRC_CACHE_DIR}), or null for memory only
     * @param threads how many files are read at once to compute missing CRCs
     * @param warn    where disk trouble is told (a few lines at most)
     */
    public CrcCache(int capacity, Storage storage, Path dir, int threads, Consumer<String> warn) {
        this.storage = storage;
        this.disk = dir == null ? null : new CrcStore(dir, warn);
        this.memory = new RecentCrcs<>(capacity);
        this.pool = new ThreadPoolExecutor(threads, threads, 10, TimeUnit.SECONDS, new PriorityBlockingQueue<>(),
                new JoinableThreads("zipstream-crc-"));
        this.pool.allowCoreThreadTimeOut(true); // no thread lingers while nothing is missing
    }

    /**
     * The CRC of a listed file: from memory, from disk, from a computation already under way, or by reading the
     * file now. Fails with {@link EntryChanged} when the file no longer matches the listing.
     */
    public int crc(Listing.Entry entry) throws IOException {
        if (!needsRead(entry)) {
            return 0;
        }
        var key = Key.of(entry);
        while (true) {
            Integer known = remembered(key);
            if (known != null) {
                hits.incrementAndGet();
                return known;
            }
            var flight = flights.computeIfAbsent(key, k -> new Flight(entry, k, 0));
            if (flight.claimed.compareAndSet(false, true)) {
                return fly(flight); // nobody has started it: this thread reads rather than wait for the pool
            }
            try {
                return flight.result.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for a CRC");
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof Abandoned)) {
                    throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
                // its reader was interrupted (its download ended): take over
            }
        }
    }

    /**
     * Starts computing, in the background, every missing CRC that a range needs (those it needs soonest first),
     * and decides whether the request may go ahead. It waits in silence wherever it needs a CRC that the reading
     * has not reached yet: with the pool reading the missing files in order while the range's data streams (both
     * taken at the pool's read speed seen so far, all its readers together), the longest such silence is the
     * largest excess of bytes to read over bytes sent, at any needed CRC (each file counted once: a range that
     * holds an entry's header and its central record needs its CRC twice). Within {@code limit}: go ahead. Otherwise: retry after
     * about as long as the reading will take, while it goes on.
     */
    public Wait prepare(List<Need> needs, Duration limit) throws InterruptedIOException {
        var missing = new java.util.LinkedHashMap<Flight, Long>(); // each flight once, with its first need's data
        for (var need : needs) {
            if (queued.get() >= MAX_QUEUED && need.dataBefore() > 0) {
                break; // what is not queued is computed by the download itself, when it gets there
            }
            var flight = schedule(need.entry(), need.dataBefore());
            if (flight != null) {
                missing.putIfAbsent(flight, need.dataBefore());
            }
        }
        var wait = estimate(missing, limit);
        long probe = Math.min(PROBE_NANOS, limit.toNanos()); // the probe is silence too: within the limit
        if (!wait.ready() && !speed.measured() && probe > 0) {
            // Nothing read here yet: rather than trust a guessed speed, read for a moment and measure it.
            try {
                speed.awaitMeasured(probe);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while measuring the read speed");
            }
            wait = estimate(missing, limit);
        }
        return wait;
    }

    private Wait estimate(Map<Flight, Long> missing, Duration limit) {
        long toRead = 0;
        long worst = 0;
        for (var e : missing.entrySet()) {
            toRead += e.getKey().remaining();
            worst = Math.max(worst, toRead - e.getValue());
        }
        if (worst == 0) {
            return Wait.READY;
        }
        double rate = speed.bytesPerSecond();
        if (worst / rate <= limit.toNanos() / 1e9) {
            return Wait.READY;
        }
        return new Wait(Math.max(1, Math.min(3600, (long) Math.ceil(toRead / rate))), toRead);
    }

    /** Records a CRC computed while streaming the whole file anyway. */
    public void put(Listing.Entry entry, int crc) {
        if (!needsRead(entry)) {
            return;
        }
        var key = Key.of(entry);
        memory.put(key, crc);
        if (disk != null) {
            disk.save(key.digest(), crc);
        }
    }

    /**
     * Forgets a file's CRC, in memory and on disk: streaming found that its content does not match it, and a bad
     * entry must not stay in a cache that restarts and other instances trust.
     */
    public void drop(Listing.Entry entry) {
        var key = Key.of(entry);
        memory.remove(key);
        if (disk != null) {
            disk.drop(key.digest());
        }
    }

    /** Bytes read to compute CRCs since start: shows in tests and benchmarks whether the cache works. */
    public long bytesRead() {
        return bytesRead.get();
    }

    /** Files read to compute CRCs since start. */
    /** Lookups answered from memory or disk, without reading the file: the cache's hits. */
    public long hits() {
        return hits.get();
    }

    public long filesRead() {
        return filesRead.get();
    }

    /** CRC computations queued or running. */
    public int inFlight() {
        return flights.size();
    }

    /** Stops the pool; downloads waiting for a CRC it would have computed take it over (or end with the service). */
    @Override
    public void close() {
        for (var r : pool.shutdownNow()) {
            var flight = (Flight) r;
            flights.remove(flight.key, flight);
            flight.result.completeExceptionally(new Abandoned());
        }
        try {
            // Tomcat saw a CRC thread that had left the terminated pool but not yet ended (BucketAcceptanceIT).
            if (pool.awaitTermination(10, TimeUnit.SECONDS)) {
                ((JoinableThreads) pool.getThreadFactory()).join(Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean needsRead(Listing.Entry entry) {
        return !entry.directory() && entry.size() > 0;
    }

    /**
     * The CRC if {@link #crc} would answer at once from memory (or needs no read at all), counted as a hit; null when
     * it would read a file, wait for another reader, or look on disk.
     */
    public Integer knownCrc(Listing.Entry entry) {
        if (!needsRead(entry)) {
            return 0;
        }
        Integer known = memory.get(Key.of(entry));
        if (known != null) {
            hits.incrementAndGet();
        }
        return known;
    }

    /** The CRC from memory, or from disk (then remembered in memory); null when neither has it. */
    private Integer remembered(Key key) {
        Integer known = memory.get(key);
        if (known != null) {
            return known;
        }
        if (disk == null) {
            return null;
        }
        OptionalInt stored = disk.load(key.digest());
        if (stored.isEmpty()) {
            return null;
        }
        memory.put(key, stored.getAsInt());
        return stored.getAsInt();
    }

    /** Queues a missing CRC for the pool, joining a flight under way; null when the CRC is known already. */
    private Flight schedule(Listing.Entry entry, long dataBefore) {
        if (!needsRead(entry)) {
            return null;
        }
        var key = Key.of(entry);
        var under = flights.get(key);
        if (under != null) {
            return under;
        }
        if (remembered(key) != null) {
            return null;
        }
        var fresh = new Flight(entry, key, dataBefore);
        var existing = flights.putIfAbsent(key, fresh);
        if (existing != null) {
            return existing;
        }
        queued.incrementAndGet();
        try {
            pool.execute(fresh);
        } catch (RuntimeException e) { // rejected: the cache is closing
            queued.decrementAndGet();
            flights.remove(key, fresh);
            fresh.result.completeExceptionally(new Abandoned());
            return null;
        }
        return fresh;
    }

    /** Computes a claimed flight's CRC in this thread, completes it for every waiter, and returns it. */
    private int fly(Flight flight) throws IOException {
        try {
            Integer known = remembered(flight.key); // finished by another flight since this one was made
            int crc = known != null ? known : compute(flight);
            if (known == null) {
                memory.put(flight.key, crc);
                if (disk != null) {
                    disk.save(flight.key.digest(), crc);
                }
            }
            flights.remove(flight.key, flight);
            flight.result.complete(crc);
            return crc;
        } catch (IOException | RuntimeException e) {
            flights.remove(flight.key, flight);
            boolean interrupted = Thread.currentThread().isInterrupted() || e instanceof ClosedByInterruptException
                    || e instanceof InterruptedIOException;
            flight.result.completeExceptionally(interrupted ? new Abandoned() : e);
            throw e;
        }
    }

    private int compute(Flight flight) throws IOException {
        var entry = flight.entry;
        var crc = new CRC32();
        var buffer = buffers.poll();
        if (buffer == null) {
            // Direct: the channel reads into it without a copy through a JDK temporary, and CRC32 reads it in place.
            buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
        }
        long total = 0;
        filesRead.incrementAndGet();
        speed.readerStarted();
        try (var channel = storage.open(entry, 0, entry.size())) {
            int n;
            while (total < entry.size() && (n = channel.read(buffer.clear())) > 0) {
                total += n;
                flight.read = total;
                bytesRead.addAndGet(n);
                crc.update(buffer.flip());
                speed.sample(bytesRead.get());
            }
        } finally {
            speed.readerEnded();
            if (buffers.size() < MAX_POOLED_BUFFERS) {
                buffers.offer(buffer);
            }
        }
        if (total != entry.size()) {
            throw new EntryChanged(entry, "it has " + total + " bytes, the listing said " + entry.size());
        }
        return (int) crc.getValue();
    }
}
