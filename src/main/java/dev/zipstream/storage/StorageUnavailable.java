package dev.zipstream.storage;

import java.io.IOException;

/**
 * The storage cannot be reached or refuses to serve (an object store that is down, timing out or rejecting our
 * credentials): the request should get a 503 and may succeed later, unlike a folder that does not exist.
 */
public final class StorageUnavailable extends IOException {

    /** @param reason one line without secrets, as {@link Storage#unavailableReason()} gives it */
    public StorageUnavailable(String reason) {
        super(reason);
    }
}
