package dev.zipstream.streaming;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded hand-over between one download's producer and its writer. The producer takes a buffer (from the
 * shared pool) only while fewer than {@code capacity} chunks wait, fills it and puts it; the writer polls a chunk,
 * writes it, and releases its buffer to the pool once the container says the write is done. A slow client thus
 * slows its producer, and a download holds at most {@code capacity + 2} buffers (waiting, being filled, being
 * written); a throttled one, between its chunks, usually one.
 */
public final class ChunkQueue {

    public record Chunk(byte[] buffer, int length) {
    }

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
    private final ArrayDeque<Chunk> full = new ArrayDeque<>();
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
    }

    /** A buffer to fill, blocking while {@code capacity} chunks wait for the writer. */
    byte[] takeBuffer() throws IOException {
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

    void put(byte[] buffer, int length) throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new Closed();
            }
            full.add(new Chunk(buffer, length));
        } finally {
            lock.unlock();
        }
        onChunk.run();
    }

    /** The producer has put its last chunk. */
    void finish() throws IOException {
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
    Chunk poll() {
        lock.lock();
        try {
            Chunk chunk = full.poll();
            if (chunk != null) {
                room.signal();
            }
            return chunk;
        } finally {
            lock.unlock();
        }
    }

    /** True when a chunk is waiting or production has finished: the writer need not (or must not) park. */
    boolean hasNews() {
        lock.lock();
        try {
            return finished || !full.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** True once the producer has finished and every chunk has been taken. */
    boolean isDrained() {
        lock.lock();
        try {
            return finished && full.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Gives a chunk's buffer back to the pool, once the container has finished writing it. */
    void release(Chunk chunk) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            held--;
        } finally {
            lock.unlock();
        }
        pool.give(chunk.buffer());
    }

    /**
     * Ends the hand-over and wakes a blocked producer, which then gets {@link Closed}. The waiting chunks go back
     * to the pool; a chunk being written or filled is left to the collector, as its buffer may still be read.
     */
    void close() {
        ArrayDeque<Chunk> dropped;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            held = 0;
            dropped = new ArrayDeque<>(full);
            full.clear();
            room.signalAll();
        } finally {
            lock.unlock();
        }
        for (var chunk : dropped) {
            pool.give(chunk.buffer());
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
}
