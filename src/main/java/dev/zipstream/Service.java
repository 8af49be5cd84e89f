package dev.zipstream;

import java.lang.reflect.InvocationTargetException;
import java.time.ZoneId;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
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
final class Service {

    static final String ATTRIBUTE = Service.class.getName();
    /**
     * A {@code Supplier<Map<String, Long>>} of live counters (JDK types only, so tests and tools outside the web
     * application's class loader can read it): downloads, producers, buffers, crcBytesRead.
     */
    static final String STATS_ATTRIBUTE = "dev.zipstream.stats";


    /** The most chunk buffers one download holds at once: one waiting (two unthrottled), one filled, one written. */
    static final int MAX_BUFFERS_PER_DOWNLOAD = 4;

    final Settings settings;
    final Log log;
    final Storage storage;
    final CrcCache crcs = new CrcCache(200_000);
    final BufferPool buffers;
    final ZoneId zone = ZoneId.systemDefault();
    final ExecutorService producers;
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
        this.storage = new Storage(settings.storagePath());
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

    void started(Download download) {
        active.add(download);
    }

    void ended(Download download) {
        active.remove(download);
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

    Supplier<Map<String, Long>> stats() {
        return () -> Map.of(
                "downloads", (long) active.size(),
                "slots", (long) slotsTaken.get(),
                "producers", (long) producersRunning.get(),
                "buffers", active.stream().mapToLong(Download::buffersHeld).sum(),
                "pooledBuffers", (long) buffers.idle(),
                "crcBytesRead", crcs.bytesRead());
    }

    /** Ends every download in flight, then the threads. Returns when they are gone (or after a bounded wait). */
    void stop() {
        for (var download : active) {
            try {
                download.finish(Download.Outcome.SHUTDOWN, null);
            } catch (RuntimeException e) {
                log.warning("ending a download at shutdown failed: " + e); // the threads must stop anyway
            }
        }
        producers.shutdownNow();
        scheduler.shutdownNow();
        try {
            if (!producers.awaitTermination(10, TimeUnit.SECONDS)
                    || !scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warning("some download threads did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
