package dev.zipstream.streaming;

import java.io.IOException;

/**
 * A producer that is asked for bytes instead of pushing them (store mode): the archive as a cursor. Only one thread
 * calls it at a time, never two at once (the {@link Pump} sees to that), but not always the same thread.
 */
public interface ChunkSource extends AutoCloseable {

    /**
     * Puts the next bytes of the archive into {@code target}, until it is full or the archive ends.
     *
     * @return false when the archive has ended with these bytes
     */
    boolean fill(java.nio.ByteBuffer target) throws IOException;

    /**
     * The download pauses for a while (throttled, between chunks): let go of what can be taken again cheaply, such
     * as an open file, so that thousands of idle downloads hold no descriptors.
     */
    default void rest() {
    }

    /**
     * Whether the next fill may wait for more than a local read: for a network, or for a CRC not yet known (a
     * whole file to read, or another reader to wait for). Such fills stay off threads that other downloads wait
     * on (the request's, the write timers').
     */
    default boolean mayWait() {
        return false;
    }

    /** Releases everything; called once, whatever ended the download. */
    @Override
    void close();
}
