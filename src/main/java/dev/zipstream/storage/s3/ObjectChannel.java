package dev.zipstream.storage.s3;

import dev.zipstream.storage.EntryChanged;
import dev.zipstream.storage.Listing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import software.amazon.awssdk.core.ResponseInputStream;

/**
 * The body of one ranged GET as a channel that yields exactly the bytes asked for: an object that ends early is a
 * changed entry, never a short file. Reads go straight into a heap buffer's array, or through one scratch array of
 * at most {@link #MAX_READ} bytes into a direct buffer, so memory stays bounded whatever the range.
 */
final class ObjectChannel implements ReadableByteChannel {

    static final int MAX_READ = 64 * 1024;

    private final ResponseInputStream<?> in;
    private final Listing.Entry entry;
    private long remaining;
    private byte[] scratch;
    private boolean open = true;

    ObjectChannel(ResponseInputStream<?> in, Listing.Entry entry, long length) {
        this.in = in;
        this.entry = entry;
        this.remaining = length;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        if (remaining == 0) {
            return -1;
        }
        int want = (int) Math.min(dst.remaining(), remaining);
        if (want == 0) {
            return 0;
        }
        int n;
        if (dst.hasArray()) {
            n = in.read(dst.array(), dst.arrayOffset() + dst.position(), want);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
        } else {
            if (scratch == null) {
                scratch = new byte[(int) Math.min(MAX_READ, remaining)];
            }
            n = in.read(scratch, 0, Math.min(want, scratch.length));
            if (n > 0) {
                dst.put(scratch, 0, n);
            }
        }
        if (n < 0) {
            throw new EntryChanged(entry, "the object ended " + remaining + " bytes before the listed size");
        }
        remaining -= n;
        return n;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** Aborts a body not read to its end: draining a large rest just to reuse the connection costs more. */
    @Override
    public void close() throws IOException {
        if (!open) {
            return;
        }
        open = false;
        if (remaining > 0) {
            in.abort();
        }
        in.close();
    }
}
