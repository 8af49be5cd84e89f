package dev.zipstream;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded hand-over between one download's producer and its writer. It owns a fixed number of chunk buffers:
 * the producer takes a free one, fills it and puts it; the writer polls it, writes it, and releases it once the
 * container says the write is done. With every buffer out, the producer blocks, so a slow client slows its producer
 * and the memory of a download never exceeds {@code buffers × chunkSize}.
 */
final class ChunkQueue {

    record Chunk(byte[] buffer, int length) {
    }

    /** Thrown to a producer when the download has ended for any reason; it must stop. */
    static final class Closed extends IOException {
        Closed() {
            super("download ended", null);
        }
    }

    private final int chunkSize;
    private final int maxBuffers;
    private final Runnable onChunk;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition bufferFree = lock.newCondition();
    private final ArrayDeque<Chunk> full = new ArrayDeque<>();
    private final ArrayDeque<byte[]> free = new ArrayDeque<>();
    private int allocated;
    private boolean finished;
    private boolean closed;

    /**
     * @param onChunk run (outside the lock) whenever a chunk was put or production ended: the writer's wake-up
     */
    ChunkQueue(int chunkSize, int maxBuffers, Runnable onChunk) {
        this.chunkSize = chunkSize;
        this.maxBuffers = maxBuffers;
        this.onChunk = onChunk;
    }

    int chunkSize() {
        return chunkSize;
    }

    /** A buffer to fill, blocking while all are in use. Buffers are made lazily: a small archive needs few. */
    byte[] takeBuffer() throws IOException {
        lock.lock();
        try {
            while (!closed && free.isEmpty() && allocated == maxBuffers) {
                bufferFree.await();
            }
            if (closed) {
                throw new Closed();
            }
            if (!free.isEmpty()) {
                return free.pop();
            }
            allocated++;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Closed();
        } finally {
            lock.unlock();
        }
        return new byte[chunkSize];
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
            return full.poll();
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

    /** Gives back a chunk's buffer after the container has finished writing it. */
    void release(Chunk chunk) {
        lock.lock();
        try {
            if (!closed) {
                free.push(chunk.buffer());
                bufferFree.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Ends the hand-over: drops every buffer and wakes a blocked producer, which then gets {@link Closed}. */
    void close() {
        lock.lock();
        try {
            closed = true;
            full.clear();
            free.clear();
            bufferFree.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Buffers currently allocated, for tests and the memory bound. */
    int allocated() {
        lock.lock();
        try {
            return closed ? 0 : allocated;
        } finally {
            lock.unlock();
        }
    }
}
