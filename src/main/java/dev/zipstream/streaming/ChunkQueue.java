package dev.zipstream.streaming;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded hand-over between one download's producer and its writer. The producer takes a buffer (from the
 * shared pool) only while fewer than {@code capacity} chunks wait, fills it and puts it (flipped: ready to be
 * written); the writer polls a chunk, writes it, and releases its buffer to the pool once the container says the
 * write is done. A slow client thus slows its producer, and a download holds at most {@code capacity + 2} buffers
 * (waiting, being filled, being written). A chunk is its buffer: nothing is allocated per chunk.
 */
public final class ChunkQueue {

    /** Thrown to a producer when the download has ended for any reason; it must stop. */
    public static final class Closed extends IOException {
        Closed() {
            super("download ended", null);
        }
    }

    private final BufferPool pool;
    private final int capacity;
    private final Runnable onChunk;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private final ArrayDeque<ByteBuffer> full;
    private int held;
    private boolean finished;
    private boolean closed;

    /**
     * @param capacity how many filled chunks may wait for the writer
     * @param onChunk  run (outside the lock) whenever a chunk was put or production ended: the writer's wake-up
     */
    public ChunkQueue(BufferPool pool, int capacity, Runnable onChunk) {
        this.pool = pool;
        this.capacity = capacity;
        this.onChunk = onChunk;
        this.full = new ArrayDeque<>(capacity + 1);
    }

    /** An empty buffer to fill, blocking while {@code capacity} chunks wait for the writer. */
    public ByteBuffer takeBuffer() throws IOException {
        lock.lock();
        try {
            while (!closed && full.size() >= capacity) {
                room.await();
            }
            if (closed) {
                throw new Closed();
            }
            held++;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Closed();
        } finally {
            lock.unlock();
        }
        return pool.take();
    }

    /** True while fewer than {@code capacity} chunks wait: a producer could put one without blocking. */
    public boolean hasRoom() {
        lock.lock();
        try {
            return !closed && !finished && full.size() < capacity;
        } finally {
            lock.unlock();
        }
    }

    /** Puts a filled buffer, flipped (position 0, limit = its length). After the end it goes back to the pool. */
    public void put(ByteBuffer chunk) throws IOException {
        put(chunk, false);
    }

    /**
     * Puts a filled buffer; {@code last}: it ends the archive, as {@link #finish()} would right after. Under one
     * lock, because the writer woken by the put may take and write the chunk at once: it must then see the end
     * (and complete the response), not a chunk followed by nothing yet (and wait a whole DELAY for more).
     */
    public void put(ByteBuffer chunk, boolean last) throws IOException {
        boolean accepted;
        lock.lock();
        try {
            accepted = !closed;
            if (accepted) {
                full.add(chunk);
                finished |= last;
            }
        } finally {
            lock.unlock();
        }
        if (!accepted) {
            pool.give(chunk);
            throw new Closed();
        }
        onChunk.run();
    }

    /** A buffer taken with {@link #takeBuffer()} that will not be put (the producer stops): back to the pool. */
    public void giveBack(ByteBuffer buffer) {
        lock.lock();
        try {
            if (!closed) {
                held--;
            }
        } finally {
            lock.unlock();
        }
        pool.give(buffer);
    }

    /** The producer has put its last chunk. */
    public void finish() throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new Closed();
            }
            finished = true;
        } finally {
            lock.unlock();
        }
        onChunk.run();
    }

    /** The next chunk, or null if none is ready (see {@link #isDrained()}). */
    public ByteBuffer poll() {
        lock.lock();
        try {
            ByteBuffer chunk = full.poll();
            if (chunk != null) {
                room.signal();
            }
            return chunk;
        } finally {
            lock.unlock();
        }
    }

    /** True when a chunk is waiting or production has finished: the writer need not (or must not) park. */
    public boolean hasNews() {
        lock.lock();
        try {
            return finished || !full.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** True once the producer has finished and every chunk has been taken. */
    public boolean isDrained() {
        lock.lock();
        try {
            return finished && full.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Gives a chunk's buffer back to the pool, once the container has finished writing it. */
    public void release(ByteBuffer chunk) {
        giveBack(chunk);
    }

    /**
     * Ends the hand-over and wakes a blocked producer, which then gets {@link Closed}. The waiting chunks go back
     * to the pool; the chunk being written is the writer's to abandon, the one being filled the producer's to give
     * back.
     */
    public void close() {
        ByteBuffer[] dropped;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            held = 0;
            dropped = full.toArray(new ByteBuffer[0]);
            full.clear();
            room.signalAll();
        } finally {
            lock.unlock();
        }
        for (var chunk : dropped) {
            pool.give(chunk);
        }
    }

    /** Buffers this download holds now: waiting, being filled, being written. */
    public int held() {
        lock.lock();
        try {
            return held;
        } finally {
            lock.unlock();
        }
    }

    BufferPool pool() {
        return pool;
    }
}
