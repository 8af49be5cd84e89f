package dev.zipstream.streaming;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.function.Consumer;

/**
 * Cuts whatever the producer writes into chunks of exactly the queue's chunk size (the last may be shorter) and
 * puts each on the queue. File data can be read straight into the chunk buffer, without an intermediate copy.
 */
public final class ChunkOutputStream extends OutputStream {

    private final ChunkQueue queue;
    private byte[] buffer;
    private int position;
    private boolean abandoned;

    public ChunkOutputStream(ChunkQueue queue) {
        this.queue = queue;
    }

    @Override
    public void write(int b) throws IOException {
        ensureBuffer();
        buffer[position++] = (byte) b;
        putIfFull();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            ensureBuffer();
            int n = Math.min(len, buffer.length - position);
            System.arraycopy(b, off, buffer, position, n);
            position += n;
            off += n;
            len -= n;
            putIfFull();
        }
    }

    /**
     * Copies the next {@code length} bytes of {@code source} straight into chunks.
     *
     * @param visitor sees each piece as it is copied (for a running CRC), may be null
     * @throws EOFException if the file ends early (it shrank after it was listed)
     */
    public void transferFrom(ReadableByteChannel source, long length, Consumer<ByteBuffer> visitor)
            throws IOException {
        while (length > 0) {
            ensureBuffer();
            int room = (int) Math.min(length, buffer.length - position);
            ByteBuffer target = ByteBuffer.wrap(buffer, position, room);
            int n = source.read(target);
            if (n < 0) {
                throw new EOFException("file ended " + length + " bytes early");
            }
            if (visitor != null) {
                visitor.accept(ByteBuffer.wrap(buffer, position, n));
            }
            position += n;
            length -= n;
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
        if (buffer != null && position > 0) {
            queue.put(buffer, position);
            buffer = null;
        }
        queue.finish();
    }

    /** After a failure: every later write fails, so nothing written while cleaning up can reach the client. */
    public void abandon() {
        abandoned = true;
    }

    private void ensureBuffer() throws IOException {
        if (abandoned) {
            throw new IOException("archive abandoned after a failure");
        }
        if (buffer == null) {
            buffer = queue.takeBuffer();
            position = 0;
        }
    }

    private void putIfFull() throws IOException {
        if (position == buffer.length) {
            byte[] full = buffer;
            buffer = null;
            queue.put(full, full.length);
        }
    }
}
