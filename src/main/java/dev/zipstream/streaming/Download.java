package dev.zipstream.streaming;

import dev.zipstream.log.Log;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One download in flight: the throttled writer that moves chunks from the queue to the client, and the one place
 * where a download ends.
 *
 * <p>The write loop follows one rule: exactly one party may attempt the next write. The container, after
 * {@code isReady()} returned false (it calls {@link #onWritePossible()} when the socket drains); the timer, after a
 * chunk was written with a delay (it runs the writer {@code DELAY} later, without asking {@code isReady()} in
 * between); the producer, after the writer found the queue empty and parked (as soon as it offers a chunk it runs
 * the writer on its own thread). The producer is either a push producer on
 * a thread of its own (deflate) or, in store mode, a {@link Pump} that the parked writer asks for exactly the chunk
 * it needs, just in time: on the timer's own thread when the timer finds the chunk due and its read will not wait
 * (see {@link Shared}), else on the pump pool. After each write the writer asks {@code isReady()} once: true means
 * the write is done, its buffer goes back to the pool and the timer takes over for the pause; false hands the next
 * call to the container, which finds the pause partly or wholly over. A chunk given to {@code write()} is released
 * only once a later {@code isReady()} returns true.
 */
public final class Download implements WriteListener, AsyncListener {

    /** How chunks are paced. */
    public record Pacing(Duration delay, boolean debug) {
    }

    /** What the rest of the service learns of a download: it never reaches back into the download. */
    public interface Observer {
        /** A chunk of {@code bytes} was handed to the container. */
        default void written(int bytes) {
        }

        /** The first body byte went to the container this long after the download began. */
        default void firstByte(long nanos) {
        }

        /** Called once, whatever ended the download, after everything it held was released. */
        void ended(Ended ended);
    }

    public record Ended(Outcome outcome, long bytesSent, long durationNanos, Throwable cause) {
    }

    /**
     * What a download shares with all others: the pacing, the write timers, the buffers, the small pool that runs
     * pull producers ({@link #pull}), and the log.
     *
     * @param timers single-threaded schedulers; each download keeps one for its whole life. Its thread runs the
     *               writer at each slot and, unless the read may wait ({@link ChunkSource#mayWait()}: a network, a
     *               CRC not yet known), reads the chunk too, so that a throttled chunk is read and written without
     *               passing from one thread to another (a wake-up on each side: with 10,000 throttled downloads, a
     *               quarter of the server's CPU, bench/PROFILE.md). One per core, so that they can use every core;
     *               single-threaded, because a pool of timer threads wakes one thread for another at every task it
     *               takes.
     */
    public record Shared(Pacing pacing, List<ScheduledExecutorService> timers, BufferPool buffers, Executor pumps,
            Log log, boolean dispatchesWhileStopping) {
        public Shared {
            timers = List.copyOf(timers);
            if (timers.isEmpty()) {
                throw new IllegalArgumentException("no write timer");
            }
        }
    }

    /** Request attribute that makes the servlet, re-entered by dispatch(), throw so the container cuts the line. */
    public static final String ABORT_ATTRIBUTE = "dev.zipstream.abort";

    /** The write path is logged once per web application (the class is the application's). */
    private static final AtomicBoolean WRITE_PATH_LOGGED = new AtomicBoolean();

    private final Shared shared;
    private final Observer observer;
    private final AsyncContext async;
    private final HttpServletResponse response;
    private final ServletOutputStream out;
    private final ResponseWriter writer;
    private final ChunkQueue queue;
    private final String label;
    private final long delayNanos;
    private final long startNanos = System.nanoTime();
    private final AtomicBoolean parked = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    /** This download's write timer, one of {@link Shared#timers()}. */
    private final ScheduledExecutorService lane;
    /** One for every timer of this download: a lambda made per schedule would be an object per chunk. */
    private final Runnable onTimer = () -> resume(true);
    private volatile Future<?> producer;
    private volatile Pump pump;
    private volatile ScheduledFuture<?> timer;
    private volatile long sent;
    /** The chunk given to the container and not yet known written: the writer releases it, finish() abandons it. */
    private final AtomicReference<ByteBuffer> inFlight = new AtomicReference<>();
    /** When the next chunk is due (0: now); the slots stay on a fixed grid, see {@link #write(boolean)}. */
    private long nextWrite;
    /** Chunks taken from the queue so far (the writer's count, for the pump's demand). */
    private long taken;
    /** A throttled chunk was written and the container may still buffer part of it. */
    private boolean flushDue;
    private int chunks;

    /** @param label names the download in log lines: never the whole hash, which is a credential */
    public Download(Shared shared, AsyncContext async, String label, Observer observer) throws IOException {
        this.shared = shared;
        this.observer = observer;
        this.async = async;
        this.response = (HttpServletResponse) async.getResponse();
        this.out = response.getOutputStream();
        this.writer = new ResponseWriter(out);
        if (!WRITE_PATH_LOGGED.getAndSet(true)) {
            shared.log().info(writer.writesBuffers()
                    ? "chunks go to the container as ByteBuffers (" + out.getClass().getName() + ".write(ByteBuffer))"
                    : "chunks go to the container as byte arrays, one more copy each: "
                            + out.getClass().getName() + " has no public write(ByteBuffer)");
        }
        this.label = label;
        this.delayNanos = shared.pacing().delay().toNanos();
        var timers = shared.timers();
        this.lane = timers.get(timers.size() == 1 ? 0 : ThreadLocalRandom.current().nextInt(timers.size()));
        // Throttled, one waiting chunk is plenty (the producer needs microseconds for the next); unthrottled, two
        // let producing and writing overlap.
        this.queue = new ChunkQueue(shared.buffers(), delayNanos > 0 ? 1 : 2, this::chunkOffered);
    }

    public ChunkQueue queue() {
        return queue;
    }

    /**
     * Makes this a pull download: {@code source} is asked for each chunk just in time (store mode), see
     * {@link Pump}. Instead of a push producer writing into {@link #queue()}; call before {@link #start()}.
     */
    public void pull(ChunkSource source) {
        var p = new Pump(source, queue, shared.pumps(), delayNanos > 0, t -> finish(Outcome.FAILED, t));
        pump = p;
        if (ended.get()) {
            p.close();
        }
    }

    /**
     * Starts writing; a push producer must already have been started (see {@link #producerStarted}). Call on the
     * request's thread: a pull download's first chunk is made here, so that it is ready when the container first
     * asks. Handed to the pump pool, each new download's first chunk queued behind every running download's next
     * one, and in a burst of new downloads the first byte waited for it (bench/PROFILE.md). The request's thread has
     * just listed the folder, so it may as well read from it.
     */
    public void start() {
        async.addListener(this);
        var p = pump;
        if (p != null) {
            p.demandHere(1);
            if (delayNanos == 0) {
                p.demand(2); // unthrottled, the next one is made while the first is written
            }
        }
        if (!ended.get()) { // else the first read failed, and finish() has ended the response
            try {
                out.setWriteListener(this);
            } catch (IllegalStateException e) {
                // finish() came from another thread meanwhile (undeploy, a failed read on the pool) and completed
                // the request: this end is already reported, and its slot freed. Only a live download may throw.
                if (!ended.get()) {
                    throw e;
                }
            }
        }
    }

    public void producerStarted(Future<?> future) {
        producer = future;
        if (ended.get()) {
            future.cancel(true);
        }
    }

    public long buffersHeld() {
        return queue.held();
    }

    @Override
    public void onWritePossible() throws IOException {
        write(false);
    }

    /** The write loop, whoever runs it; {@code onTimer}: on this download's timer thread, at its slot. */
    private void write(boolean onTimer) throws IOException {
        while (!ended.get()) {
            if (!out.isReady()) {
                return; // the container now owns the next call
            }
            // The last write is done: its buffer can serve again, here or in another download, at once rather
            // than after the pause.
            var written = inFlight.getAndSet(null);
            if (written != null) {
                queue.release(written);
            }
            if (flushDue) {
                // Tomcat keeps a chunk's tail that does not fill its buffer (4 KiB of a 100 KiB chunk with its
                // default 8 KiB) until the next write: a throttled chunk must leave whole. A flush is a write:
                // only after isReady() said true, and followed by isReady() again.
                flushDue = false;
                out.flush();
                continue;
            }
            long wait = nextWrite - System.nanoTime();
            if (delayNanos > 0 && wait > 0) {
                schedule(wait); // the timer now owns the next call
                return;
            }
            var chunk = queue.poll();
            if (chunk == null) {
                if (queue.isDrained()) {
                    finish(Outcome.COMPLETE, null);
                    return;
                }
                // Park; the producer resumes us after its next offer. Looking once more closes the window in which
                // it offered between our poll and our parking; the compare-and-set lets only one of us go on.
                parked.set(true);
                var p = pump;
                if (p != null) {
                    // Just in time: throttled, the only demand, so nothing waits in a pause.
                    if (onTimer) {
                        p.demandHere(taken + 1); // made, offered and written (below, by chunkOffered) on this thread
                    } else {
                        p.demand(taken + 1);
                    }
                }
                if (!queue.hasNews() || !parked.compareAndSet(true, false)) {
                    return;
                }
                continue;
            }
            taken++;
            if (delayNanos == 0 && pump != null) {
                pump.demand(taken + 2); // unthrottled: the next chunks are produced while this one is written
            }
            int length = chunk.remaining();
            inFlight.set(chunk);
            if (ended.get()) {
                abandonInFlight(); // finish() ran since the loop began and may have missed it
                return;
            }
            writer.write(chunk);
            flushDue = delayNanos > 0; // unthrottled, the next write follows at once, and complete() flushes the last
            if (sent == 0) {
                observer.firstByte(System.nanoTime() - startNanos);
            }
            sent += length;
            observer.written(length);
            if (shared.pacing().debug()) {
                shared.log().info(label + " chunk " + (++chunks) + ": " + length + " bytes");
            }
            // After the last chunk nothing is throttled: the response completes as soon as the write is done.
            // Otherwise the next slot is this chunk's slot plus the delay, not now plus the delay: producing just
            // in time costs each chunk a moment, which must not add up. A write later than a whole delay (a slow
            // client) starts the grid again from now, so nothing is sent in a burst to catch up.
            long now = System.nanoTime();
            long slot = nextWrite == 0 || now - nextWrite >= delayNanos ? now : nextWrite;
            nextWrite = queue.isDrained() ? 0 : slot + delayNanos;
        }
    }

    /**
     * The producer's wake-up call: resumes a parked writer on the producer's thread (the timer's own, when it read
     * the chunk itself), which writes the chunk it just made. Throttled, a writer only parks at its slot, so the
     * chunk is due now, and a hop back to a timer would queue it behind other downloads' slots (a burst of new
     * downloads once waited there for their first byte). Unthrottled, the writer parks when it has outrun the
     * producer: handing it to another thread cost a wake-up per chunk on each side, about 15% of the server's CPU
     * samples in perf, for no overlap worth having (the writer would only wait for the next chunk again). One thread
     * that reads a chunk and writes it used 71-83 clock ticks for six 200 MiB downloads (jetty-base, Java 25, 6 runs)
     * where two threads used 86-94, and sent them at 1.2-2.4 instead of 1.2-1.9 GB/s. The pump gives its thread back
     * every few chunks, so other downloads still get one.
     */
    private void chunkOffered() {
        if (parked.compareAndSet(true, false)) {
            resume(false);
        }
    }

    private void schedule(long nanos) {
        try {
            var task = lane.schedule(onTimer, nanos, TimeUnit.NANOSECONDS);
            timer = task;
            if (ended.get()) {
                task.cancel(false); // finish() ran meanwhile and may have missed it: hold nothing past the end
            }
        } catch (RejectedExecutionException e) {
            finish(Outcome.SHUTDOWN, null);
        }
    }

    /** The writer run by the timer or a producer: no container to report to, so failures end the download here. */
    private void resume(boolean onTimer) {
        try {
            write(onTimer);
        } catch (IOException e) {
            finish(Outcome.CLIENT_GONE, e);
        } catch (RuntimeException | Error e) {
            finish(Outcome.FAILED, e);
        }
    }

    @Override
    public void onError(Throwable t) {
        finish(stalled(t) ? Outcome.STALLED : Outcome.CLIENT_GONE, t);
    }

    /** The container's idle timeout arrives as an error: Jetty's TimeoutException, Tomcat's SocketTimeoutException. */
    static boolean stalled(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof TimeoutException || c instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void onComplete(AsyncEvent event) {
        finish(Outcome.CLIENT_GONE, null); // no-op when we completed it ourselves
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        finish(Outcome.FAILED, new IOException("async timeout"));
    }

    @Override
    public void onError(AsyncEvent event) {
        onError(event.getThrowable());
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
    }

    /**
     * Ends the download, once, whatever ended it: stops the producer (waking it if it is blocked on a full queue),
     * drops the queued chunks, cancels the timer, frees the slot, logs one line, and ends the response. A failure
     * after the first byte went out cuts the connection, so the client never holds a valid-looking short archive.
     */
    public void finish(Outcome outcome, Throwable cause) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        parked.set(false);
        var p = producer;
        if (p != null) {
            // Complete, the producer has put its last chunk and is leaving: nothing to wake. The writer that completes
            // may be running on the producer's own thread, which would otherwise call complete() interrupted. Any
            // other end must wake a producer blocked on a full queue.
            p.cancel(outcome != Outcome.COMPLETE);
        }
        var t = timer;
        if (t != null) {
            t.cancel(false);
        }
        var pu = pump;
        if (pu != null) {
            pu.close();
        }
        queue.close();
        abandonInFlight();
        try {
            observer.ended(new Ended(outcome, sent, System.nanoTime() - startNanos, cause));
        } catch (RuntimeException e) {
            shared.log().warning("download " + label + ": reporting its end failed: " + e);
        }
        try {
            switch (outcome) {
                case COMPLETE, CLIENT_GONE, STALLED -> async.complete();
                case FAILED, SHUTDOWN -> abort(outcome, cause);
            }
        } catch (IllegalStateException e) {
            // The container already ended the request (it does after a client error): nothing left to do.
        }
    }

    /** The container may still be reading the chunk in flight: it leaves the pool for good. */
    private void abandonInFlight() {
        var b = inFlight.getAndSet(null);
        if (b != null) {
            queue.pool().abandon(b);
        }
    }

    private void abort(Outcome outcome, Throwable cause) {
        if (!response.isCommitted()) {
            response.reset();
            response.setStatus(outcome == Outcome.SHUTDOWN ? HttpServletResponse.SC_SERVICE_UNAVAILABLE
                    : HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
            response.setContentLength(0);
            async.complete();
            return;
        }
        // The Servlet API has no abort. Jetty closes the connection when a dispatched request whose response is
        // committed throws; it also does so on its own when it stops. Tomcat refuses a dispatch into a context that
        // is stopping (logging an error), which is where a failing download may find itself, but it closes the
        // connection of a committed response whose async timeout expires: that is its cut.
        if (!shared.dispatchesWhileStopping()) {
            try {
                async.setTimeout(1);
            } catch (IllegalStateException e) {
                shared.log().warning("download " + label + ": left to the idle timeout to cut (" + e + ")");
            }
            return;
        }
        if (outcome == Outcome.SHUTDOWN) {
            async.setTimeout(1); // in case the dispatch below is refused
        }
        async.getRequest().setAttribute(ABORT_ATTRIBUTE, cause == null ? "shutdown" : cause.toString());
        try {
            async.dispatch();
        } catch (RuntimeException e) {
            // Refused: completing would end a chunked body cleanly, so leave the cut to the container's timeouts.
            shared.log().warning("download " + label + ": could not cut the connection at once (" + e + ")");
        }
    }
}
