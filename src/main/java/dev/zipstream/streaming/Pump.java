package dev.zipstream.streaming;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Produces a pull source's chunks on demand, on a small pool shared by all downloads, so that no download has a
 * thread of its own (store mode; deflate pushes and keeps one). The writer calls {@link #demand()} when it finds
 * the queue empty; unthrottled, also after each chunk it takes, so that producing and writing overlap. A run fills
 * chunks while the queue has room, then returns its thread. Throttled, that makes production just in time: between
 * two chunks a download holds no buffer and, after {@link ChunkSource#rest()}, no file.
 *
 * <p>At most one run is in flight per download: a demand during a run makes the run look again before it ends.
 */
public final class Pump {

    private final ChunkSource source;
    private final ChunkQueue queue;
    private final Executor executor;
    private final boolean restBetweenChunks;
    private final Consumer<Throwable> onFailure;

    private final Runnable runner = this::run; // one for all runs: no allocation per chunk
    private boolean running;
    private boolean again;
    private boolean closed;
    private boolean sourceClosed;

    /**
     * @param restBetweenChunks throttled: the source rests after each chunk
     * @param onFailure         a failed read (file changed, storage error): ends the download
     */
    public Pump(ChunkSource source, ChunkQueue queue, Executor executor, boolean restBetweenChunks,
            Consumer<Throwable> onFailure) {
        this.source = source;
        this.queue = queue;
        this.executor = executor;
        this.restBetweenChunks = restBetweenChunks;
        this.onFailure = onFailure;
    }

    /** Asks for chunks up to the queue's capacity; returns at once. */
    public void demand() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (running) {
                again = true;
                return;
            }
            running = true;
        }
        try {
            executor.execute(runner);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                running = false;
            }
            onFailure.accept(e); // the pool is shutting down: so is the download
        }
    }

    private void run() {
        while (true) {
            try {
                while (queue.hasRoom()) {
                    if (!produceOne()) {
                        break;
                    }
                }
            } catch (ChunkQueue.Closed e) {
                // the download ended first: nothing to report
            } catch (Throwable t) {
                closeSource();
                onFailure.accept(t);
            }
            synchronized (this) {
                if (again && !closed) {
                    again = false;
                    continue;
                }
                running = false;
                if (!closed) {
                    return;
                }
            }
            closeSource(); // close() came during the run and left the source to us
            return;
        }
    }

    /** One chunk; false once the source has ended. */
    private boolean produceOne() throws IOException {
        ByteBuffer buffer = queue.takeBuffer();
        boolean more;
        try {
            more = source.fill(buffer);
            if (restBetweenChunks || !more) {
                source.rest();
            }
        } catch (Throwable t) {
            queue.giveBack(buffer);
            throw t;
        }
        queue.put(buffer.flip());
        if (!more) {
            queue.finish();
        }
        return more;
    }

    /** Whatever ended the download: the source is closed now, or by the run in flight when it ends. */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (running) {
                return;
            }
        }
        closeSource();
    }

    private void closeSource() {
        synchronized (this) {
            if (sourceClosed) {
                return;
            }
            sourceClosed = true;
        }
        source.close();
    }
}
