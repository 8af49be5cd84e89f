package dev.zipstream.streaming;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chunk buffers shared by every download of the application. A throttled download holds a buffer only while a
 * chunk waits for its turn or is being written; between its chunks the buffer serves other downloads, so the
 * heap follows the chunks in motion, not the downloads open. At most {@code maxIdle} idle buffers are kept.
 */
public final class BufferPool {

    private final int chunkSize;
    private final int maxIdle;
    private final ConcurrentLinkedQueue<byte[]> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    public BufferPool(int chunkSize, int maxIdle) {
        this.chunkSize = chunkSize;
        this.maxIdle = maxIdle;
    }

    byte[] take() {
        byte[] buffer = idle.poll();
        if (buffer == null) {
            return new byte[chunkSize];
        }
        idleCount.decrementAndGet();
        return buffer;
    }

    /** Only for a buffer nobody else can still read: a chunk the container has finished writing. */
    void give(byte[] buffer) {
        if (idleCount.incrementAndGet() <= maxIdle) {
            idle.add(buffer);
        } else {
            idleCount.decrementAndGet(); // the pool is full: let the collector have it
        }
    }

    public int idle() {
        return idleCount.get();
    }
}
