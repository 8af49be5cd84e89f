package dev.zipstream.streaming;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chunk buffers shared by every download of the application: direct buffers, so that a file read fills them
 * without a JDK temporary and a socket write sends them without one either (one copy each way, as with sendfile's
 * page cache to socket). A download holds a buffer only while a chunk waits for its turn or is being written; the
 * memory follows the chunks in motion, not the downloads open. At most {@code maxIdle} idle buffers are kept.
 */
public final class BufferPool {

    private final int chunkSize;
    private final int maxIdle;
    /** Last in, first out (the buffer most likely still in a CPU cache); an array, so no node per give. */
    private final ArrayDeque<ByteBuffer> idle;
    /** Buffers out of the pool that nobody has given back or abandoned yet: what downloads hold now. */
    private final AtomicLong outstanding = new AtomicLong();
    private final AtomicLong created = new AtomicLong();

    public BufferPool(int chunkSize, int maxIdle) {
        this.chunkSize = chunkSize;
        this.maxIdle = maxIdle;
        this.idle = new ArrayDeque<>(maxIdle);
    }

    /** An empty buffer of the chunk size (position 0, limit = capacity). */
    public ByteBuffer take() {
        outstanding.incrementAndGet();
        ByteBuffer buffer;
        synchronized (idle) {
            buffer = idle.pollLast();
        }
        if (buffer == null) {
            created.incrementAndGet();
            return ByteBuffer.allocateDirect(chunkSize);
        }
        return buffer.clear();
    }

    /** Only for a buffer nobody else can still read: a chunk the container has finished writing. */
    public void give(ByteBuffer buffer) {
        outstanding.decrementAndGet();
        synchronized (idle) {
            if (idle.size() < maxIdle) {
                idle.addLast(buffer);
            } // else the pool is full: let the collector have it
        }
    }

    /**
     * For a buffer the container may still be reading when its download ended (a write in progress): it must not
     * serve again, so it is left to the collector, which frees its native memory once the container lets go.
     */
    public void abandon(ByteBuffer buffer) {
        outstanding.decrementAndGet();
    }

    public int chunkSize() {
        return chunkSize;
    }

    public int idle() {
        synchronized (idle) {
            return idle.size();
        }
    }

    /** Taken and neither given back nor abandoned: zero when no download holds a buffer. */
    public long outstanding() {
        return outstanding.get();
    }

    /** Buffers allocated since the start (the pool's misses). */
    public long created() {
        return created.get();
    }
}
