package dev.zipstream.http;

import dev.zipstream.config.Settings;
import dev.zipstream.log.Log;
import dev.zipstream.storage.LocalStorage;
import dev.zipstream.storage.Storage;
import dev.zipstream.streaming.BufferPool;
import dev.zipstream.streaming.ChunkSource;
import dev.zipstream.streaming.Download;
import dev.zipstream.streaming.Outcome;
import dev.zipstream.zip.CrcCache;
import java.lang.reflect.InvocationTargetException;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Level;

/**
 * What the running web application shares between downloads: settings, storage, the CRC cache, the producer
 * executor, the write scheduler, and the set of downloads in flight. Made when the context starts, stopped (every
 * download ended, every thread gone) when it stops.
 */
public final class Service {

    public static final String ATTRIBUTE = Service.class.getName();
    /**
     * A {@code Supplier<Map<String, Long>>} of live counters (JDK types only, so tests and tools outside the web
     * application's class loader can read it): downloads, producers, buffers, crcBytesRead.
     */
    public static final String STATS_ATTRIBUTE = "dev.zipstream.stats";


    /** The most chunk buffers one download holds at once: one waiting (two unthrottled), one filled, one written. */
    public static final int MAX_BUFFERS_PER_DOWNLOAD = 4;

    final Settings settings;
    final Log log;
    final Storage storage;
    final CrcCache crcs;
    final BufferPool buffers;
    final Download.Shared downloads;
    final ZoneId zone = ZoneId.systemDefault();
    final ExecutorService producers;
    final ThreadPoolExecutor pumps;
    /** Files that throttled downloads may keep open between chunks (see StoredZip.cursor). */
    final Semaphore restingFiles;
    final ScheduledThreadPoolExecutor scheduler;
    final boolean virtualThreads;
    /** Whether the container dispatches into a context that is stopping (Jetty does; Tomcat refuses). */
    final boolean dispatchesWhileStopping;

    private final Set<Download> active = ConcurrentHashMap.newKeySet();
    private final AtomicInteger slotsTaken = new AtomicInteger();
    private final AtomicInteger producersRunning = new AtomicInteger();

    Service(Settings settings, Log log, String serverInfo) {
        this.settings = settings;
        this.log = log;
        this.dispatchesWhileStopping = !serverInfo.startsWith("Apache Tomcat");
        this.storage = new LocalStorage(settings.storagePath());
        this.crcs = new CrcCache(200_000, storage);
        this.buffers = new BufferPool(settings.chunkSize(), 256);
        ExecutorService virtual = virtualThreadExecutor();
        this.virtualThreads = virtual != null;
        // Platform producers idle out after 10 s (a cached pool keeps them a minute): threads follow the load.
        this.producers = virtual != null ? virtual : new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
                new SynchronousQueue<>(), daemon("zipstream-producer-"));
        // Each write only hands bytes to the container: one thread per two cores keeps up with thousands.
        this.scheduler = new ScheduledThreadPoolExecutor(
                Math.max(1, Runtime.getRuntime().availableProcessors() / 2), daemon("zipstream-writer-"));
        this.scheduler.setRemoveOnCancelPolicy(true);
        // Store mode's producers are asked for one chunk at a time (just in time, a few microseconds from the page
        // cache) and return their thread: a few threads serve thousands of downloads, on Java 17 as on 25. Twice
        // the cores, so that a storage read that waits (a network store) does not hold up everyone else.
        int pumpThreads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        this.pumps = new ThreadPoolExecutor(pumpThreads, pumpThreads, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemon("zipstream-pump-"));
        this.pumps.allowCoreThreadTimeOut(true);
        this.restingFiles = new Semaphore(restingFileBudget(settings.maxDownloads()));
        this.downloads = new Download.Shared(new Download.Pacing(settings.delay(), settings.debug()), scheduler, buffers,
                pumps, log, dispatchesWhileStopping);
    }

    /**
     * Descriptors left for resting files: the process's limit, less one socket per allowed download and a margin
     * for the container (jars, logs, listeners). With 20,000 descriptors, 1,000 downloads all keep their file; of
     * 10,000, about 9,000 do, and the others reopen theirs for each chunk.
     */
    static int restingFileBudget(int maxDownloads) {
        long limit = 4096;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            limit = unix.getMaxFileDescriptorCount();
        }
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, limit - maxDownloads - 1024));
    }

    /** Java 21+ gives a virtual thread per producer; this WAR is compiled for 17, so it asks by reflection. */
    private static ExecutorService virtualThreadExecutor() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            return null;
        } catch (IllegalAccessException | InvocationTargetException e) {
            Log.JUL.log(Level.WARNING, "virtual threads unavailable, using platform threads", e);
            return null;
        }
    }

    private static ThreadFactory daemon(String prefix) {
        var counter = new AtomicInteger();
        return r -> {
            var t = new Thread(r, prefix + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The first 8 characters of a hash: enough to tell downloads apart in a log, useless as a link. */
    static String shortHash(String hash) {
        return hash.length() <= 8 ? hash : hash.substring(0, 8);
    }

    /** Takes a download slot, or returns false when {@code MAX_DOWNLOADS} are in flight. */
    boolean tryAcquireSlot() {
        while (true) {
            int taken = slotsTaken.get();
            if (taken >= settings.maxDownloads()) {
                return false;
            }
            if (slotsTaken.compareAndSet(taken, taken + 1)) {
                return true;
            }
        }
    }

    void releaseSlot() {
        slotsTaken.decrementAndGet();
    }

    /** A request turned away: every rejection passes here (see {@link Pages#reject}). */
    void rejected(Rejection rejection) {
    }

    /**
     * A new download on this request, tracked until it ends: its end frees its slot and writes its log line.
     *
     * @param label the download's name in log lines: never the whole hash
     */
    Download download(jakarta.servlet.AsyncContext async, String label) throws java.io.IOException {
        var tracker = new Tracker(label);
        var download = new Download(downloads, async, label, tracker);
        tracker.download = download;
        active.add(download);
        return download;
    }

    /** What the service does with what a download reports. */
    private final class Tracker implements Download.Observer {
        private final String label;
        private Download download;

        Tracker(String label) {
            this.label = label;
        }

        @Override
        public void ended(Download.Ended e) {
            active.remove(download);
            releaseSlot();
            String line = String.format(Locale.ROOT, "download %s: %d bytes in %.3f s, %s%s", label,
                    e.bytesSent(), e.durationNanos() / 1e9, e.outcome().label(),
                    e.cause() == null || e.outcome() == Outcome.CLIENT_GONE ? "" : ": " + e.cause());
            log.write(e.outcome() == Outcome.FAILED ? Level.WARNING : Level.INFO, line);
        }
    }

    /** Runs a producer, counted so that tests can see it end. */
    void produce(Runnable producer, Download download) {
        producersRunning.incrementAndGet();
        try {
            download.producerStarted(producers.submit(() -> {
                try {
                    producer.run();
                } finally {
                    producersRunning.decrementAndGet();
                }
            }));
        } catch (RuntimeException e) {
            producersRunning.decrementAndGet();
            throw e;
        }
    }

    /** Makes {@code download} pull its chunks from {@code source} (store mode), counted as a producer until it closes. */
    void pull(Download download, ChunkSource source) {
        producersRunning.incrementAndGet();
        download.pull(new ChunkSource() {
            @Override
            public boolean fill(java.nio.ByteBuffer target) throws java.io.IOException {
                return source.fill(target);
            }

            @Override
            public void rest() {
                source.rest();
            }

            @Override
            public void close() {
                try {
                    source.close();
                } finally {
                    producersRunning.decrementAndGet();
                }
            }
        });
    }

    Supplier<Map<String, Long>> stats() {
        return () -> Map.of(
                "downloads", (long) active.size(),
                "slots", (long) slotsTaken.get(),
                "producers", (long) producersRunning.get(),
                "buffers", active.stream().mapToLong(Download::buffersHeld).sum(),
                "pooledBuffers", (long) buffers.idle(),
                "outstandingBuffers", buffers.outstanding(),
                "crcBytesRead", crcs.bytesRead());
    }

    /** Ends every download in flight, then the threads. Returns when they are gone (or after a bounded wait). */
    void stop() {
        for (var download : active) {
            try {
                download.finish(Outcome.SHUTDOWN, null);
            } catch (RuntimeException e) {
                log.warning("ending a download at shutdown failed: " + e); // the threads must stop anyway
            }
        }
        producers.shutdownNow();
        // A pump run still queued would have closed its source: run each once here, where it finds its download
        // ended and does only that.
        pumps.shutdownNow().forEach(Runnable::run);
        storage.close();
        scheduler.shutdownNow();
        try {
            if (!producers.awaitTermination(10, TimeUnit.SECONDS)
                    || !pumps.awaitTermination(10, TimeUnit.SECONDS)
                    || !scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warning("some download threads did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
