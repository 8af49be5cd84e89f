package dev.zipstream.storage;

import java.io.IOException;

/** A stored file no longer matches what the listing (and so the promised archive) said about it. */
public final class EntryChanged extends IOException {

    public EntryChanged(Listing.Entry entry, String how) {
        super(entry.name() + " changed while being archived: " + how);
    }
}
