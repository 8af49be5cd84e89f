package dev.zipstream.streaming;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Cuts whatever a push producer (deflate mode) writes into chunks of exactly the queue's chunk size (the last may
 * be shorter) and puts each on the queue.
 */
public final class ChunkOutputStream extends OutputStream {

    private final ChunkQueue queue;
    private ByteBuffer buffer;
    private boolean abandoned;

    public ChunkOutputStream(ChunkQueue queue) {
        this.queue = queue;
    }

    @Override
    public void write(int b) throws IOException {
        ensureBuffer();
        buffer.put((byte) b);
        putIfFull();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            ensureBuffer();
            int n = Math.min(len, buffer.remaining());
            buffer.put(b, off, n);
            off += n;
            len -= n;
            putIfFull();
        }
    }

    /**
     * Does nothing: closing must never look like success (a ZIP writer closed after a failure would otherwise
     * deliver a well-formed but short archive). Only {@link #complete()} ends the archive.
     */
    @Override
    public void close() {
    }

    /** Puts the last, partial chunk and tells the queue the archive is complete. */
    public void complete() throws IOException {
        if (abandoned) {
            throw new IOException("archive abandoned after a failure");
        }
        if (buffer != null && buffer.position() > 0) {
            var last = buffer;
            buffer = null;
            queue.put(last.flip(), true);
        } else {
            queue.finish();
        }
    }

    /** After a failure: every later write fails, so nothing written while cleaning up can reach the client. */
    public void abandon() {
        abandoned = true;
    }

    /** The producer has stopped, for any reason: the buffer it was filling goes back to the pool. */
    public void discard() {
        var b = buffer;
        buffer = null;
        if (b != null) {
            queue.giveBack(b);
        }
    }

    private void ensureBuffer() throws IOException {
        if (abandoned) {
            throw new IOException("archive abandoned after a failure");
        }
        if (buffer == null) {
            buffer = queue.takeBuffer();
        }
    }

    private void putIfFull() throws IOException {
        if (!buffer.hasRemaining()) {
            var full = buffer;
            buffer = null;
            queue.put(full.flip());
        }
    }
}
