package dev.zipstream.http;

import dev.zipstream.config.Settings;
import dev.zipstream.links.LinkCheck;
import dev.zipstream.links.RejectionLog;
import dev.zipstream.links.Signer;
import dev.zipstream.log.Log;
import dev.zipstream.ops.ClientLimit;
import dev.zipstream.ops.DownloadReport;
import dev.zipstream.ops.Metrics;
import dev.zipstream.ops.Readiness;
import dev.zipstream.ops.Version;
import dev.zipstream.storage.LocalStorage;
import dev.zipstream.storage.Storage;
import dev.zipstream.storage.s3.S3Storage;
import dev.zipstream.streaming.BufferPool;
import dev.zipstream.streaming.ChunkSource;
import dev.zipstream.streaming.Download;
import dev.zipstream.streaming.Outcome;
import dev.zipstream.zip.CrcCache;
import dev.zipstream.zip.ZipTimes;
import java.lang.reflect.InvocationTargetException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
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
 * executor, the write timers, and the set of downloads in flight. Made when the context starts, stopped (every
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
    /** Files read at once to compute missing CRCs: enough to overlap an object store's latency, few for a disk. */
    public static final int CRC_THREADS = 4;

    final Settings settings;
    final Log log;
    final Storage storage;
    final CrcCache crcs;
    final BufferPool buffers;
    final Download.Shared downloads;
    final ZipTimes times;
    /** Signs the links the selection form hands out; verifies every signed link. */
    final Signer signer;
    final LinkCheck links;
    /** At most 60 lines a minute about refused links. */
    final RejectionLog linkLog;
    final ExecutorService producers;
    final ThreadPoolExecutor pumps;
    /** Files that throttled downloads may keep open between chunks (see StoredZip.cursor). */
    final Semaphore restingFiles;
    /** The write timers, one thread each (see Download.Shared). */
    final List<ScheduledThreadPoolExecutor> timers;
    final boolean virtualThreads;
    /** Whether the container dispatches into a context that is stopping (Jetty does; Tomcat refuses). */
    final boolean dispatchesWhileStopping;

    /** null unless METRICS_TOKEN is set: nothing is counted that nobody may read. */
    final Metrics metrics;
    final ClientLimit perClient;
    final Readiness readiness;
    private volatile boolean stopping;

    private final Set<Download> active = ConcurrentHashMap.newKeySet();
    /**
     * The platform threads the executors made, joined at stop: an executor reports "terminated" a moment before its
     * threads are gone. Weak, so the producers that idled out over months are not remembered.
     */
    private final Set<Thread> threads = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private final AtomicInteger slotsTaken = new AtomicInteger();
    private final AtomicInteger producersRunning = new AtomicInteger();

    Service(Settings settings, Log log, String serverInfo) {
        this.settings = settings;
        this.log = log;
        this.dispatchesWhileStopping = !serverInfo.startsWith("Apache Tomcat");
        this.storage = storage(settings, log);
        this.times = new ZipTimes(settings.zipTimeZone());
        this.crcs = new CrcCache(200_000, storage, settings.crcCacheDir(), CRC_THREADS, log::warning);
        this.signer = new Signer(settings.signingKeys());
        this.links = new LinkCheck(settings.links(), signer, settings.resumeGrace(), Clock.systemUTC());
        this.linkLog = new RejectionLog(log, Clock.systemUTC(), 60);
        this.buffers = new BufferPool(settings.chunkSize(), 256);
        ExecutorService virtual = virtualThreadExecutor();
        this.virtualThreads = virtual != null;
        // Platform producers idle out after 10 s (a cached pool keeps them a minute): threads follow the load.
        this.producers = virtual != null ? virtual : new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
                new SynchronousQueue<>(), daemon("zipstream-producer-"));
        var timerThreads = daemon("zipstream-writer-");
        var lanes = new ArrayList<ScheduledThreadPoolExecutor>();
        for (int i = 0; i < Math.max(1, Runtime.getRuntime().availableProcessors()); i++) {
            var lane = new ScheduledThreadPoolExecutor(1, timerThreads);
            lane.setRemoveOnCancelPolicy(true);
            lanes.add(lane);
        }
        this.timers = List.copyOf(lanes);
        // Store mode's producers are asked for one chunk at a time (just in time, a few microseconds from the page
        // cache) and return their thread: a few threads serve thousands of downloads, on Java 17 as on 25. Twice
        // the cores, so that a storage read that waits (a network store) does not hold up everyone else.
        int pumpThreads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        this.pumps = new ThreadPoolExecutor(pumpThreads, pumpThreads, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemon("zipstream-pump-"));
        this.pumps.allowCoreThreadTimeOut(true);
        this.restingFiles = new Semaphore(restingFileBudget(settings.maxDownloads()));
        this.downloads = new Download.Shared(new Download.Pacing(settings.delay(), settings.debug()),
                List.copyOf(timers), buffers, pumps, log, dispatchesWhileStopping);
        this.perClient = new ClientLimit(settings.maxDownloadsPerClient(), log::warning);
        this.readiness = new Readiness(storage::unavailableReason, () -> stopping);
        // A hit is a CRC found in memory or on disk; a miss is a file read for its CRC.
        this.metrics = settings.metricsToken() == null ? null : new Metrics(Version.of(),
                settings.compression().name().toLowerCase(Locale.ROOT),
                Arrays.stream(Rejection.values()).map(Rejection::label).toList(), () -> active.size(),
                new Metrics.CrcCounters(crcs::hits, crcs::filesRead, crcs::bytesRead));
    }

    /** The folder, or the bucket when STORAGE_PATH is an s3:// URL: nothing past this line knows which. */
    private static Storage storage(Settings settings, Log log) {
        var bucket = settings.bucket();
        if (bucket == null) {
            return new LocalStorage(settings.storagePath());
        }
        return S3Storage.connect(new S3Storage.Location(bucket.bucket(), bucket.prefix(), bucket.endpoint(),
                bucket.region(), bucket.pathStyle()), log);
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

    private ThreadFactory daemon(String prefix) {
        var counter = new AtomicInteger();
        return r -> {
            var t = new Thread(r, prefix + counter.incrementAndGet());
            t.setDaemon(true);
            threads.add(t);
            return t;
        };
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
        if (metrics != null) {
            metrics.rejected(rejection.label());
        }
    }

    /**
     * A new download on this request, tracked until it ends: its end frees its slots, counts it and writes its
     * event line.
     *
     * @param request what the event line says of the request; its hash8 names the download in log lines
     * @param hash    the full hash, which the report keeps out of the log
     */
    Download download(jakarta.servlet.AsyncContext async, DownloadReport.Request request, String hash)
            throws java.io.IOException {
        var tracker = new Tracker(request.client(), new DownloadReport(metrics, log, request, hash));
        var download = new Download(downloads, async, request.hash8(), tracker);
        tracker.download = download;
        active.add(download);
        return download;
    }

    /** What the service does with what a download reports. */
    private final class Tracker implements Download.Observer {
        private final String client;
        private final DownloadReport report;
        private Download download;

        Tracker(String client, DownloadReport report) {
            this.client = client;
            this.report = report;
        }

        @Override
        public void written(int bytes) {
            report.written(bytes);
        }

        @Override
        public void firstByte(long nanos) {
            report.firstByte(nanos);
        }

        @Override
        public void ended(Download.Ended e) {
            active.remove(download);
            releaseSlot();
            perClient.release(client);
            report.ended(e);
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
            public boolean mayWait() {
                return source.mayWait();
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
                "crcBytesRead", crcs.bytesRead(),
                "outstandingBuffers", buffers.outstanding(),
                "clientsHoldingSlots", (long) perClient.addressesHeld(),
                "metricFamilies", metrics == null ? 0L : (long) metrics.families());
    }

    /** Ends every download in flight, then the threads. Returns when they are gone (or after a bounded wait). */
    void stop() {
        stopping = true;
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
        crcs.close();
        storage.close();
        timers.forEach(ScheduledThreadPoolExecutor::shutdownNow);
        try {
            boolean stopped = producers.awaitTermination(10, TimeUnit.SECONDS)
                    && pumps.awaitTermination(10, TimeUnit.SECONDS);
            for (var timer : timers) {
                stopped = stopped && timer.awaitTermination(10, TimeUnit.SECONDS);
            }
            if (!stopped) {
                log.warning("some download threads did not stop within 10 s");
            }
            // Tomcat looks for threads left behind right after this returns: let the last ones finish exiting.
            List<Thread> left;
            synchronized (threads) {
                left = List.copyOf(threads);
            }
            for (Thread t : left) {
                t.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (metrics != null) {
            metrics.close();
        }
    }
}
