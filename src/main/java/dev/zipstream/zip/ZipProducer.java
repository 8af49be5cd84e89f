package dev.zipstream.zip;

import dev.zipstream.storage.EntryChanged;
import dev.zipstream.storage.Listing;
import dev.zipstream.storage.Storage;
import dev.zipstream.streaming.ChunkOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.zip.ZipEntry;
import org.apache.commons.compress.archivers.zip.X5455_ExtendedTimestamp;
import org.apache.commons.compress.archivers.zip.Zip64Mode;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipLong;

/**
 * Writes one download's archive (or a byte range of it) into chunks, on its own thread. It blocks whenever the
 * queue is full and stops at once when the download ends: the queue then throws {@link ChunkQueue.Closed}.
 * Success is only ever signalled by {@link ChunkOutputStream#complete()}, after the last byte.
 */
public final class ZipProducer {

    /**
     * A deflated entry may come out larger than its file (incompressible data gains about 0.03 %), so an entry
     * this close to the 4 GiB field limit is written with Zip64 fields from the start.
     */
    static final long DEFLATE_ZIP64_MARGIN = 64L << 20;

    private ZipProducer() {
    }

    /**
     * An entry with its times as {@link StoredZip} writes them: the DOS time in the configured zone and the 9-byte
     * extended timestamp. Not setLastModifiedTime, which adds ~90 bytes of NTFS and UT fields per entry and
     * writes the DOS time in the JVM's zone.
     */
    static ZipArchiveEntry entry(Listing.Entry entry, ZipTimes times) {
        var archiveEntry = new DosTimedEntry(entry.name(), times.millisForSystemZone(entry.mtime()));
        if (ZipTimes.hasExtendedTimestamp(entry.mtime())) {
            var ut = new X5455_ExtendedTimestamp();
            ut.setModifyTime(new ZipLong(Math.floorDiv(entry.mtime(), 1000)));
            archiveEntry.addExtraField(ut);
        }
        return archiveEntry;
    }

    /**
     * An entry whose DOS time is fixed. commons-compress writes {@code getTime()} converted in the JVM's zone, and
     * adding an extended timestamp resets that time from the field (to the true UTC time), so the time is given
     * here rather than set.
     */
    private static final class DosTimedEntry extends ZipArchiveEntry {
        private final long millisForSystemZone;

        DosTimedEntry(String name, long millisForSystemZone) {
            super(name);
            this.millisForSystemZone = millisForSystemZone;
        }

        @Override
        public long getTime() {
            return millisForSystemZone;
        }
    }

    /** The whole archive with every file deflated (level 6, as zip's default), through commons-compress. */
    public static void deflate(Listing listing, Storage storage, ZipTimes times, ChunkOutputStream out)
            throws IOException {
        var zip = new ZipArchiveOutputStream(out);
        boolean success = false;
        try {
            zip.setEncoding("UTF-8");
            zip.setUseLanguageEncodingFlag(true);
            zip.setLevel(6);
            // AsNeeded gives each entry over 4 GiB its Zip64 fields, decided from the size set below. An entry
            // just under the limit may still deflate to over it, which AsNeeded cannot recover from; only then is
            // Zip64 forced everywhere (Always), at the cost of Java's ZipInputStream, which misreads the 8-byte
            // data descriptors of the small entries in such an archive (ZipFile, unzip and 7-Zip read it).
            boolean nearLimit = listing.entries().stream()
                    .anyMatch(e -> e.size() < 0xFFFFFFFFL && e.size() >= 0xFFFFFFFFL - DEFLATE_ZIP64_MARGIN);
            zip.setUseZip64(nearLimit ? Zip64Mode.Always : Zip64Mode.AsNeeded);
            for (var entry : listing.entries()) {
                var archiveEntry = entry(entry, times);
                if (entry.directory()) {
                    archiveEntry.setMethod(ZipEntry.STORED);
                    archiveEntry.setSize(0);
                    archiveEntry.setCompressedSize(0);
                    archiveEntry.setCrc(0);
                    archiveEntry.setUnixMode(0040755);
                    zip.putArchiveEntry(archiveEntry);
                } else {
                    archiveEntry.setMethod(ZipEntry.DEFLATED);
                    archiveEntry.setSize(entry.size());
                    archiveEntry.setUnixMode(0100644);
                    zip.putArchiveEntry(archiveEntry);
                    try (ReadableByteChannel channel = storage.open(entry, 0, entry.size())) {
                        long copied = Channels.newInputStream(channel).transferTo(zip);
                        if (copied != entry.size()) {
                            throw new EntryChanged(entry, "read " + copied + " bytes, listed " + entry.size());
                        }
                    }
                }
                zip.closeArchiveEntry();
            }
            zip.finish();
            success = true;
        } finally {
            if (!success) {
                // close() would write a central directory: after a failure, that must reach nobody.
                out.abandon();
            }
            try {
                zip.close(); // frees the Deflater's native memory
            } catch (IOException e) {
                if (success) {
                    throw e;
                }
            }
        }
        out.complete();
    }
}
