package dev.zipstream;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/** A file no longer matches what the listing (and so the promised archive) said about it. */
final class FileChanged extends IOException {

    FileChanged(Listing.Entry entry, String how) {
        super(entry.name() + " changed while being archived: " + how);
    }

    /**
     * Opens a listed file for reading, refusing it if it is no longer the regular file of the listing's size and
     * time. Looking before opening keeps a FIFO swapped in after the listing from blocking the producer; the file
     * itself is opened without following a link.
     */
    static FileChannel open(Listing.Entry entry) throws IOException {
        var before = Files.readAttributes(entry.path(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!before.isRegularFile()) {
            throw new FileChanged(entry, "it is no longer a regular file");
        }
        var channel = FileChannel.open(entry.path(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try {
            long size = channel.size();
            if (size != entry.size()) {
                throw new FileChanged(entry, "size " + size + ", listed " + entry.size());
            }
            if (before.lastModifiedTime().toMillis() != entry.mtime()) {
                throw new FileChanged(entry, "modified after it was listed");
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }
}
