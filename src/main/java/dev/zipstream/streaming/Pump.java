package dev.zipstream.streaming;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Produces a pull source's chunks on demand, on a small pool shared by all downloads, so that no download has a
 * thread of its own (store mode; deflate pushes and keeps one). The writer says how many chunks it wants produced
 * in all ({@link #demand(long)}): throttled, one more than it has taken, when it finds the queue empty at its
 * slot; unthrottled, two more, as it takes each, so that producing and writing overlap. A run produces until that
 * count is reached, then returns its thread. Throttled, production is thus just in time: between two chunks a
 * download holds no buffer and, after {@link ChunkSource#rest()}, no file. A count, not a signal: a demand that a
 * run in flight already covers adds nothing, and one it does not cover is never lost.
 *
 * <p>At most one run is in flight per download.
 */
public final class Pump {

    private final ChunkSource source;
    private final ChunkQueue queue;
    private final Executor executor;
    private final boolean restBetweenChunks;
    private final Consumer<Throwable> onFailure;
    private final Runnable runner = this::run; // one for all runs: no allocation per chunk

    private long wanted;
    private long produced;
    private boolean running;
    private boolean ended;
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

    /** Asks for {@code total} chunks produced since the start (a smaller number than before changes nothing). */
    public void demand(long total) {
        synchronized (this) {
            if (total > wanted) {
                wanted = total;
            }
            if (closed || ended || running || produced >= wanted) {
                return; // a run in flight looks at the count again before it ends
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
            synchronized (this) {
                if (closed || ended || produced >= wanted) {
                    running = false;
                    if (!closed) {
                        return;
                    }
                    break; // close() came during the run and left the source to us
                }
            }
            try {
                boolean more = produceOne();
                synchronized (this) {
                    produced++;
                    ended = !more;
                }
            } catch (ChunkQueue.Closed e) {
                synchronized (this) {
                    closed = true;
                }
            } catch (Throwable t) {
                synchronized (this) {
                    ended = true;
                }
                closeSource();
                onFailure.accept(t);
            }
        }
        closeSource();
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
        queue.put(buffer.flip(), !more);
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
