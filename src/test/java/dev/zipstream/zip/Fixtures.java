package dev.zipstream.zip;

import dev.zipstream.storage.Listing;
import dev.zipstream.storage.LocalStorage;
import dev.zipstream.streaming.ChunkOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Listings and file contents from a real local folder, as the service takes them. */
final class Fixtures {
    private Fixtures() {
    }

    static Listing list(Path root, String hash, Path folder) throws IOException {
        if (!folder.equals(root.resolve(hash))) {
            throw new IllegalArgumentException(folder + " is not " + hash + " under " + root);
        }
        return new LocalStorage(root).list(hash).orElseThrow();
    }

    static StoredZip.Content files(Path root) {
        var storage = new LocalStorage(root);
        return StoredZip.files(new CrcCache(1000, storage), storage);
    }

    /**
     * Bytes {@code [start, end)} of a stored archive, walked by the service's own cursor and pushed into a real
     * chunk queue, so that tests read exactly what a download would send.
     */
    static void store(StoredZip zip, long start, long end, StoredZip.Content content, ChunkOutputStream out)
            throws IOException {
        try (var cursor = zip.cursor(start, end, content)) {
            var buffer = ByteBuffer.allocate(64 << 10);
            boolean more;
            do {
                more = cursor.fill(buffer.clear());
                out.write(buffer.array(), 0, buffer.position());
            } while (more);
        }
        out.complete();
    }
}
