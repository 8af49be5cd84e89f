package dev.zipstream.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zipstream.log.Log;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who reads and writes a download's chunks, seen from a container that is always ready: a write timer's thread is
 * shared by many downloads, so work that does not have to wait for it must not queue behind it, and work that may
 * wait must not run on it.
 */
class DownloadTest {

    static final byte[] ARCHIVE = "twenty bytes of zip!".getBytes();
    static final int CHUNK = 8;

    final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    /** A timer nothing occupies, for the tests that let a slot come. */
    final ScheduledThreadPoolExecutor freeTimer = new ScheduledThreadPoolExecutor(1);
    final CountDownLatch timerBusy = new CountDownLatch(1);
    /** The pump pool, run by hand: each test decides when a producer runs. */
    final ArrayDeque<Runnable> pumps = new ArrayDeque<>();
    final BufferPool buffers = new BufferPool(CHUNK, 4);
    final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    Download download;

    @BeforeEach
    void occupyTheTimer() {
        // Every other download's slot is due: the timer's thread is busy with them for as long as the test runs.
        timer.execute(() -> {
            try {
                timerBusy.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @AfterEach
    void release() throws InterruptedException {
        if (download != null) {
            download.finish(Outcome.CLIENT_GONE, null);
        }
        timerBusy.countDown();
        timer.shutdownNow();
        freeTimer.shutdownNow();
        timer.awaitTermination(10, TimeUnit.SECONDS);
        freeTimer.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Test
    void aNewDownloadsFirstChunkIsMadeAndWrittenOnTheRequestsThreadWithoutWaitingForThePool() throws IOException {
        var source = new ArraySource(ARCHIVE);
        download = start(Duration.ofSeconds(10), ARCHIVE, d -> d.pull(source));

        assertArrayEquals(Arrays.copyOf(ARCHIVE, CHUNK), sent.toByteArray(), "the first chunk went out from start()");
        assertSame(Thread.currentThread(), source.firstFillOn, "it was read on the thread that started the download");
        assertNull(nextPump(), "no producer run was asked for: the next chunk is not due for 10 s");
    }

    @Test
    void aThrottledChunkIsWrittenByTheProducerThatMadeItWithoutWaitingForTheTimer() throws IOException {
        // A pause of a nanosecond: each chunk is due as soon as the one before is written, and the writer parks.
        download = start(Duration.ofNanos(1));
        assertEquals(CHUNK, sent.size(), "the first chunk went out; the second one is not made yet");

        runPump();

        assertArrayEquals(ARCHIVE, sent.toByteArray(),
                "each later chunk went out as soon as the producer made it, though the timer's thread is busy");
    }

    @Test
    void anUnthrottledChunkIsWrittenByTheProducerThatMadeItWithoutWaitingForTheTimer() throws IOException {
        download = start(Duration.ZERO, ARCHIVE);

        runPump();

        assertArrayEquals(ARCHIVE, sent.toByteArray(),
                "one producer run read and wrote every chunk after the first, though the timer's thread is busy");
        assertNull(nextPump(), "and no other run was needed");
    }

    @Test
    void aThrottledChunkDueOnItsTimerIsReadAndWrittenOnTheTimersThreadWithoutAskingThePool() throws Exception {
        var source = new ArraySource(ARCHIVE);
        startOnAFreeTimer(source);

        assertTrue(completed.await(10, TimeUnit.SECONDS), "the download completed");
        assertArrayEquals(ARCHIVE, sent.toByteArray());
        var timerThread = freeTimer.submit(Thread::currentThread).get();
        assertEquals(List.of(Thread.currentThread(), timerThread, timerThread), source.fillThreads,
                "the first chunk was read by the request's thread, the others by the timer's");
        assertSame(timerThread, completedOn, "and the timer's thread wrote the last one");
        assertNull(nextPump(), "the pump pool was never asked");
    }

    @Test
    void aThrottledChunkWhoseReadMayWaitIsReadOnThePoolNotOnTheTimersThread() throws Exception {
        var source = new ArraySource(ARCHIVE);
        source.mayWaitAfterFirst = true; // a CRC not yet known, or a network store
        startOnAFreeTimer(source);

        assertTrue(pumpAsked.await(10, TimeUnit.SECONDS), "at the second slot the timer asked the pool");
        assertEquals(1, source.fillThreads.size(), "and read nothing itself");
        runPump();
        assertEquals(List.of(Thread.currentThread(), Thread.currentThread()), source.fillThreads,
                "the second chunk was read by the pool's run (run here by hand)");
    }

    /** A throttled download (100 ms slots) on a timer that runs: its first chunk written, the second one's slot set. */
    private void startOnAFreeTimer(ArraySource source) throws IOException {
        timerInUse = freeTimer;
        download = start(Duration.ofMillis(100), ARCHIVE, d -> d.pull(source));
        assertEquals(1, freeTimer.getQueue().size(), "the timer holds the second chunk's slot");
    }

    @Test
    void aFirstChunkWhoseReadMayWaitIsLeftToThePoolAndTheRequestsThreadReturns() throws IOException {
        var source = new ArraySource(ARCHIVE);
        source.mayWaitAfterFirst = true;
        source.mayWait = true;
        download = start(Duration.ofSeconds(10), ARCHIVE, d -> d.pull(source));
        assertEquals(0, sent.size(), "nothing read on the request's thread");

        runPump();

        assertArrayEquals(Arrays.copyOf(ARCHIVE, CHUNK), sent.toByteArray(), "the pool's run read and wrote it");
        assertEquals(List.of(Thread.currentThread()), source.fillThreads);
    }

    @Test
    void aFirstReadThatFailsEndsTheDownloadBeforeTheContainerIsAskedToWrite() throws IOException {
        var closed = new CountDownLatch(1);
        download = start(Duration.ofSeconds(10), ARCHIVE, d -> d.pull(new ChunkSource() {
            @Override
            public boolean fill(ByteBuffer target) throws IOException {
                throw new IOException("the file changed");
            }

            @Override
            public void close() {
                closed.countDown();
            }
        }));

        assertEquals(0, sent.size());
        assertEquals(HttpServletResponse.SC_INTERNAL_SERVER_ERROR, status, "an error status, not a broken archive");
        assertSame(Thread.currentThread(), completedOn, "the response was ended from start()");
        assertEquals(0, closed.getCount(), "the source was closed");
        assertEquals(false, listenerSet, "no write listener was set on an ended response");
        assertNull(nextPump());
    }

    @Test
    void aFastDownloadGivesItsProducerThreadBackAfterAFewChunksSoOthersGetTheirTurn() throws IOException {
        byte[] big = new byte[CHUNK * (Pump.CHUNKS_PER_RUN * 2 + 3)];
        Arrays.fill(big, (byte) 'z');
        download = start(Duration.ZERO, big);

        runPump();

        assertEquals(CHUNK * (1 + Pump.CHUNKS_PER_RUN), sent.size(),
                "after the first chunk, one run made and wrote its share of chunks");
        runPump(); // the same download's next run, queued behind any others
        assertEquals(CHUNK * (1 + Pump.CHUNKS_PER_RUN * 2), sent.size());
        runPump();
        assertArrayEquals(big, sent.toByteArray());
        assertNull(nextPump(), "the download is complete: nothing more was asked");
    }

    @Test
    void aDownloadCompletedOnItsPushProducersThreadDoesNotInterruptThatThread() throws Exception {
        var producers = Executors.newSingleThreadExecutor();
        try {
            // The producer starts once start() has returned: by then the writer found the queue empty and parked.
            var go = new CountDownLatch(1);
            var producerThread = new AtomicReference<Thread>();
            download = start(Duration.ZERO, ARCHIVE, d -> {
                d.producerStarted(producers.submit(() -> {
                    go.await();
                    producerThread.set(Thread.currentThread());
                    var queue = d.queue();
                    for (int at = 0; at < ARCHIVE.length; at += CHUNK) {
                        int n = Math.min(CHUNK, ARCHIVE.length - at);
                        var buffer = queue.takeBuffer();
                        buffer.put(ARCHIVE, at, n);
                        queue.put(buffer.flip(), at + n == ARCHIVE.length); // the writer runs here, on this thread
                    }
                    return null;
                }));
            });
            go.countDown();
            producers.shutdown();
            assertTrue(producers.awaitTermination(10, TimeUnit.SECONDS), "the producer ended");

            assertArrayEquals(ARCHIVE, sent.toByteArray());
            assertSame(producerThread.get(), completedOn, "the writer completed the response on the producer's thread");
            assertEquals(Boolean.FALSE, interruptedAtComplete,
                    "the response was completed on the producer's thread, which must not have been interrupted");
        } finally {
            producers.shutdownNow();
        }
    }

    private void runPump() {
        var task = nextPump();
        if (task == null) {
            throw new AssertionError("no producer was asked for a chunk");
        }
        task.run();
    }

    /** The oldest producer run asked for, or null; the writer asks from the timer's thread too. */
    private Runnable nextPump() {
        synchronized (pumps) {
            return pumps.poll();
        }
    }

    private Download start(Duration delay) throws IOException {
        return start(delay, ARCHIVE);
    }

    private Download start(Duration delay, byte[] archive) throws IOException {
        return start(delay, archive, d -> d.pull(new ArraySource(archive)));
    }

    /** Where the download is completed: the container's complete() notes its thread and whether it was interrupted. */
    volatile Boolean interruptedAtComplete;
    volatile Thread completedOn;
    volatile Integer status;
    volatile boolean listenerSet;
    final CountDownLatch completed = new CountDownLatch(1);
    final CountDownLatch pumpAsked = new CountDownLatch(1);
    /** The download's write timer: the busy one unless a test needs a timer that runs. */
    ScheduledThreadPoolExecutor timerInUse = timer;

    private Download start(Duration delay, byte[] archive, Consumer<Download> producer) throws IOException {
        var out = new ReadyStream();
        var response = (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getOutputStream" -> out;
                    case "isCommitted" -> sent.size() > 0;
                    case "setStatus" -> {
                        status = (Integer) args[0];
                        yield null;
                    }
                    default -> null;
                });
        var async = (AsyncContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {AsyncContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getResponse" -> response;
                    case "complete" -> {
                        interruptedAtComplete = Thread.currentThread().isInterrupted();
                        completedOn = Thread.currentThread();
                        completed.countDown();
                        yield null;
                    }
                    case "hasOriginalRequestAndResponse" -> true;
                    default -> null;
                });
        var shared = new Download.Shared(new Download.Pacing(delay, false), List.of(timerInUse), buffers,
                task -> {
                    synchronized (pumps) {
                        pumps.add(task);
                    }
                    pumpAsked.countDown();
                }, new Log(null), false);
        var d = new Download(shared, async, "test", ended -> { });
        producer.accept(d);
        d.start();
        return d;
    }

    /** A container whose socket always takes more: it calls the listener as soon as it is set, as containers do. */
    final class ReadyStream extends ServletOutputStream {
        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            listenerSet = true;
            try {
                listener.onWritePossible();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void write(int b) {
            synchronized (sent) {
                sent.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (sent) {
                sent.write(b, off, len);
            }
        }
    }

    static final class ArraySource implements ChunkSource {
        private final byte[] archive;
        private int position;
        volatile Thread firstFillOn;
        final List<Thread> fillThreads = new CopyOnWriteArrayList<>();
        /** What {@link #mayWait()} says; with {@link #mayWaitAfterFirst}, it says true once a chunk was read. */
        volatile boolean mayWait;
        volatile boolean mayWaitAfterFirst;

        @Override
        public boolean mayWait() {
            return mayWait;
        }

        ArraySource(byte[] archive) {
            this.archive = archive;
        }

        @Override
        public boolean fill(ByteBuffer target) {
            if (firstFillOn == null) {
                firstFillOn = Thread.currentThread();
            }
            fillThreads.add(Thread.currentThread());
            mayWait |= mayWaitAfterFirst;
            int n = Math.min(target.remaining(), archive.length - position);
            target.put(archive, position, n);
            position += n;
            return position < archive.length;
        }

        @Override
        public void close() {
        }
    }
}
