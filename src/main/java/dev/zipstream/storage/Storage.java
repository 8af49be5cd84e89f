package dev.zipstream.storage;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Optional;

/**
 * Where archive folders live: a local folder or a bucket prefix. The only way from a request's hash to stored
 * bytes. The zip and HTTP code see this interface and nothing else, so they cannot tell which one they have.
 */
public interface Storage extends AutoCloseable {

    /**
     * The archive folder's entries, sorted by the UTF-8 bytes of their names, or empty when there is no such folder.
     * A hash that is not a plain name ({@link Names#isPlainName}) is never looked up: it is simply empty.
     */
    Optional<Listing> list(String hash) throws IOException;

    /**
     * Bytes {@code [from, from + length)} of a listed file, read sequentially to their end.
     *
     * @throws EntryChanged when the file no longer matches the listing (size, time or version)
     */
    ReadableByteChannel open(Listing.Entry entry, long from, long length) throws IOException;

    /**
     * Whether a read may wait on something slower than a local disk, such as a network. Such reads are kept off the
     * write timers' threads, where one slow read would hold up every download that shares the thread.
     */
    default boolean readsMayWait() {
        return false;
    }

    /** Null when the storage can serve now; otherwise a one-line reason, without secrets. */
    String unavailableReason();

    /** The archive folder names, for the development index. */
    List<String> hashes() throws IOException;

    /** What and where, for the start-up line; no secrets. */
    String describe();

    @Override
    void close();
}
