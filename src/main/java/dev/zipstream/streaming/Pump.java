package dev.zipstream.streaming;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Produces a pull source's chunks on demand, on a small pool shared by all downloads, so that no download has a
 * thread of its own (store mode; deflate pushes and keeps one). A chunk that cannot wait for the pool and whose read
 * will not wait ({@link ChunkSource#mayWait()}) is made on the thread that asks ({@link #demandHere(long)}): a
 * download's first one on its request's thread, a throttled one on its write timer's. The writer says how many
 * chunks it wants produced in all ({@link #demand(long)}): throttled, one more than it has taken, when it finds the
 * queue empty at its slot; unthrottled, two more, as it takes each, so that producing and writing overlap. A run
 * produces until that count is reached, then returns its thread. Throttled, production is thus just in time:
 * between two chunks a download holds no buffer and, after {@link ChunkSource#rest()}, no file. A count, not a signal: a demand that a
 * run in flight already covers adds nothing, and one it does not cover is never lost.
 *
 * <p>At most one run is in flight per download. A run that has made {@link #CHUNKS_PER_RUN} chunks and is still
 * wanted goes to the back of the pool's queue: the writer may run on the pump's thread (see
 * {@code Download.chunkOffered}), and a fast client would otherwise keep a thread for its whole download while other
 * downloads wait for their first chunk.
 */
public final class Pump {

    private final ChunkSource source;
    private final ChunkQueue queue;
    private final Executor executor;
    private final boolean restBetweenChunks;
    private final Consumer<Throwable> onFailure;
    private final Runnable runner = this::run; // one for all runs: no allocation per chunk

    /**
     * 8 chunks of the default 100 KiB: a hand-over per 800 KiB costs little (32 saved no CPU that could be told from
     * noise: six 200 MiB downloads took 68-77 clock ticks against 71-83), and no download holds a thread long.
     */
    static final int CHUNKS_PER_RUN = 8;

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
        if (claim(total)) {
            execute();
        }
    }

    /**
     * As {@link #demand}, but a run it starts runs on the caller's thread, before this returns (a failure goes to
     * the failure callback, as from the pool), unless the source says its next fill may wait: that goes to the pool.
     */
    public void demandHere(long total) {
        if (claim(total)) {
            if (source.mayWait()) {
                execute();
            } else {
                run();
            }
        }
    }

    /** Raises the demand; true when the caller must start a run (none is in flight and more is wanted). */
    private boolean claim(long total) {
        synchronized (this) {
            if (total > wanted) {
                wanted = total;
            }
            if (closed || ended || running || produced >= wanted) {
                return false; // a run in flight looks at the count again before it ends
            }
            running = true;
            return true;
        }
    }

    private void run() {
        int made = 0;
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
            if (made++ == CHUNKS_PER_RUN) {
                execute(); // still running, as demand() and close() see it: the same run, after the others queued
                return;
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

    /** Hands the run (marked running) to the pool; refused, the run will never come to close the source. */
    private void execute() {
        try {
            executor.execute(runner);
        } catch (RejectedExecutionException e) {
            boolean closeNow;
            synchronized (this) {
                running = false;
                closeNow = closed; // close() came meanwhile and left the source to the run
            }
            if (closeNow) {
                closeSource();
            }
            onFailure.accept(e); // the pool is shutting down: so is the download
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
