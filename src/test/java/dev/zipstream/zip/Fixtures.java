package dev.zipstream.zip;

import dev.zipstream.storage.Listing;
import dev.zipstream.storage.LocalStorage;
import java.io.IOException;
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
}
