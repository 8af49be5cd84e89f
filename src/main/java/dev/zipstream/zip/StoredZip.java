package dev.zipstream.zip;

import dev.zipstream.storage.EntryChanged;
import dev.zipstream.storage.Listing;
import dev.zipstream.storage.Storage;
import dev.zipstream.streaming.ChunkSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.zip.CRC32;

/**
 * The layout of a ZIP archive whose entries are all STORED, computed from the listing alone: every entry's offset,
 * the central directory's position and size, the exact length. Because the layout is known before the first byte,
 * any byte range of the archive can be written without producing what precedes it: local headers, a byte range of
 * a file, central directory records and end records are generated for the requested range only.
 *
 * <p>Entries carry no data descriptor (general purpose bit 3 clear): the CRC goes into the local header, so each
 * entry's CRC must be known before its header is written. Names are UTF-8 with bit 11 set. Zip64 extra fields and
 * end records are used exactly where a value does not fit; the same predicates decide the length and the bytes.
 * Times are written by {@link ZipTimes}: the bytes depend on the listing and the configured zone, never on the
 * server's own zone, so every instance serving the same folder produces the same archive.
 */
public final class StoredZip {

    /** The thresholds at which Zip64 is needed. Tests lower them to reach every Zip64 path with small files. */
    public record Limits(long field32, int count16) {
        static final Limits ZIP = new Limits(0xFFFFFFFFL, 0xFFFF);

        boolean overflows(long value) {
            return value >= field32;
        }
    }

    /** Where the bytes of a file entry come from; tests substitute a generator to reach the thresholds. */
    public interface Content {
        /** The CRC of the whole entry, before its header is written. */
        int crc(Listing.Entry entry) throws IOException;

        /**
         * Bytes {@code [from, from + length)} of the entry's data, read sequentially. When the whole entry is read,
         * the cursor checks it against the CRC and fails if it differs.
         */
        ReadableByteChannel open(Listing.Entry entry, long from, long length) throws IOException;

        /** The entry read whole did not match its CRC: whatever remembers that CRC must forget it. */
        default void crcMismatch(Listing.Entry entry) {
        }

        /** The CRC if {@link #crc} would answer at once, without reading or waiting; else null. */
        default Integer knownCrc(Listing.Entry entry) {
            return null;
        }

        /** Whether a read may wait on something slower than a local disk (see {@code Storage.readsMayWait()}). */
        default boolean readsMayWait() {
            return false;
        }
    }

    private static final int LOCAL_FIXED = 30;
    private static final int CENTRAL_FIXED = 46;
    private static final int END_FIXED = 22;
    private static final int ZIP64_END = 56;
    private static final int ZIP64_LOCATOR = 20;
    private static final int VERSION_ZIP64 = 45;
    private static final int MADE_BY_UNIX = 3 << 8 | VERSION_ZIP64;
    private static final int FLAG_UTF8 = 1 << 11;

    private final List<Listing.Entry> entries;
    private final Limits limits;
    private final ZipTimes times;
    private final long[] offsets;
    private final long centralOffset;
    private final long centralSize;
    private final boolean zip64End;
    private final long length;

    public StoredZip(Listing listing, ZoneId zone) {
        this(listing, zone, Limits.ZIP);
    }

    public StoredZip(Listing listing, ZoneId zone, Limits limits) {
        this.entries = listing.entries();
        this.limits = limits;
        this.times = new ZipTimes(zone);
        this.offsets = new long[entries.size()];
        long offset = 0;
        for (int i = 0; i < entries.size(); i++) {
            offsets[i] = offset;
            offset += localHeaderLength(entries.get(i)) + entries.get(i).size();
        }
        this.centralOffset = offset;
        long central = 0;
        for (int i = 0; i < entries.size(); i++) {
            central += centralRecordLength(entries.get(i), offsets[i]);
        }
        this.centralSize = central;
        this.zip64End = entries.size() >= limits.count16()
                || limits.overflows(centralOffset) || limits.overflows(centralSize);
        this.length = centralOffset + centralSize + (zip64End ? ZIP64_END + ZIP64_LOCATOR : 0) + END_FIXED;
    }

    /** The archive's exact length in bytes. */
    public long length() {
        return length;
    }


    /**
     * The entries whose CRCs the {@link #cursor} asks for when writing {@code [start, end)}, in the order it asks, each
     * with the bytes of file data the range has sent before it: a CRC needed after much data can be computed while
     * that data streams; one needed with little or none before it is waited for in silence. Mirrors the cursor's walk.
     */
    public List<CrcCache.Need> crcsNeeded(long start, long end) {
        var needs = new ArrayList<CrcCache.Need>();
        long data = 0;
        for (int i = 0; i < entries.size() && offsets[i] < end; i++) {
            var entry = entries.get(i);
            long headerEnd = offsets[i] + localHeaderLength(entry);
            long dataEnd = headerEnd + entry.size();
            if (dataEnd <= start) {
                continue;
            }
            long from = Math.max(start, headerEnd);
            long to = Math.min(end, dataEnd);
            if (headerEnd > start || (from == headerEnd && to == dataEnd)) {
                needs.add(new CrcCache.Need(entry, data));
            }
            data += Math.max(0, to - from);
        }
        if (end > centralOffset) {
            long position = centralOffset;
            for (int i = 0; i < entries.size() && position < end; i++) {
                int recordLength = centralRecordLength(entries.get(i), offsets[i]);
                if (position + recordLength > start) {
                    needs.add(new CrcCache.Need(entries.get(i), data));
                }
                position += recordLength;
            }
        }
        return needs;
    }

    /** Bytes {@code [start, end)} of the archive, chunk by chunk, as asked for. */
    public ChunkSource cursor(long start, long end, Content content) {
        return cursor(start, end, content, new Semaphore(0));
    }

    /**
     * @param restingFiles how many local files downloads may keep open while they rest between chunks, shared by
     *                     all downloads: reopening costs a stat and garbage per chunk (20,000 a second for 10,000
     *                     throttled clients), keeping every file open costs a descriptor per idle download; beyond
     *                     the permits, a resting download closes its file
     */
    public ChunkSource cursor(long start, long end, Content content, Semaphore restingFiles) {
        return new Cursor(start, end, content, restingFiles);
    }

    /**
     * The archive as a sequence of segments, walked once from {@code start} to {@code end}: for each entry its local
     * header (bytes made when reached) and its data (a channel from the content), then each central directory
     * record, then the end records. Nothing before {@code start} is produced, and each fill copies straight into
     * the chunk: header bytes by a put, file bytes by the channel's read.
     */
    private final class Cursor implements ChunkSource {
        private final long end;
        private final Content content;
        private final Semaphore restingFiles;
        /** The open channel counts against {@link #restingFiles}. */
        private boolean holdsPermit;
        private final int count = entries.size();
        private final CRC32 crc = new CRC32();
        private long position;
        /** 2i: entry i's local header; 2i + 1: its data; 2n + i: its central record; 3n: the end records. */
        private int segment;
        private long segmentStart;
        private byte[] bytes;
        private ReadableByteChannel channel;
        /** Whether the current data segment is read whole, so its CRC is checked against the one promised. */
        private boolean checking;
        private int expectedCrc;
        /** The CRCs of the entries before {@link #crcsKnownBefore}, taken by {@link #mayWait()}. */
        private final int[] knownCrcs = new int[count];
        private int crcsKnownBefore;

        Cursor(long start, long end, Content content, Semaphore restingFiles) {
            this.end = end;
            this.content = content;
            this.restingFiles = restingFiles;
            this.position = start;
            while (segment < 3 * count && segmentStart + segmentLength() <= start) {
                segmentStart += segmentLength();
                segment++;
            }
        }

        private long segmentLength() {
            if (segment >= 3 * count) {
                return length - segmentStart;
            }
            if (segment >= 2 * count) {
                int i = segment - 2 * count;
                return centralRecordLength(entries.get(i), offsets[i]);
            }
            var entry = entries.get(segment / 2);
            return segment % 2 == 0 ? localHeaderLength(entry) : entry.size();
        }

        @Override
        public boolean fill(ByteBuffer target) throws IOException {
            while (target.hasRemaining() && position < end) {
                long segmentEnd = segmentStart + segmentLength();
                if (position >= segmentEnd) {
                    closeChannel();
                    bytes = null;
                    checking = false;
                    segmentStart = segmentEnd;
                    segment++;
                    continue;
                }
                long to = Math.min(end, segmentEnd);
                if (segment < 2 * count && segment % 2 == 1) {
                    read(target, entries.get(segment / 2), to, segmentEnd);
                } else {
                    copy(target, to);
                }
            }
            return position < end;
        }

        private void copy(ByteBuffer target, long to) throws IOException {
            if (bytes == null) {
                if (segment >= 3 * count) {
                    bytes = endRecords();
                } else if (segment >= 2 * count) {
                    int i = segment - 2 * count;
                    bytes = centralRecord(entries.get(i), offsets[i], crcOf(i));
                } else {
                    var entry = entries.get(segment / 2);
                    bytes = localHeader(entry, crcOf(segment / 2));
                }
            }
            int n = (int) Math.min(target.remaining(), to - position);
            target.put(bytes, (int) (position - segmentStart), n);
            position += n;
        }

        private void read(ByteBuffer target, Listing.Entry entry, long to, long segmentEnd) throws IOException {
            if (channel == null) {
                long from = position - segmentStart;
                if (from == 0) {
                    // A CRC costs a read of the file when not cached: check only an entry read whole.
                    checking = to == segmentEnd;
                    if (checking) {
                        expectedCrc = crcOf(segment / 2);
                        crc.reset();
                    }
                }
                channel = content.open(entry, from, to - position);
            }
            int start = target.position();
            int limit = target.limit();
            target.limit(start + (int) Math.min(target.remaining(), to - position));
            int n;
            try {
                n = channel.read(target);
            } finally {
                target.limit(limit);
            }
            if (n < 0) {
                throw new EntryChanged(entry, "it ended " + (to - position) + " bytes early");
            }
            if (checking && n > 0) {
                int after = target.position();
                crc.update(target.position(start).limit(after));
                target.limit(limit).position(after);
            }
            position += n;
            if (position == to) {
                closeChannel();
                if (checking && position == segmentEnd && (int) crc.getValue() != expectedCrc) {
                    content.crcMismatch(entry);
                    throw new EntryChanged(entry, "its content differs from when its CRC was taken");
                }
            }
        }

        /**
         * Any entry's CRC not known at once counts, wherever the cursor is: the central directory needs them all.
         * The CRCs found are kept here, so that one the cache lets go of meanwhile is not looked for again on a
         * thread that must not wait; the scan moves forward only.
         */
        @Override
        public boolean mayWait() {
            if (content.readsMayWait()) {
                return true;
            }
            while (crcsKnownBefore < count) {
                Integer crc = content.knownCrc(entries.get(crcsKnownBefore));
                if (crc == null) {
                    return true;
                }
                knownCrcs[crcsKnownBefore++] = crc;
            }
            return false;
        }

        /** Entry {@code i}'s CRC: kept by {@link #mayWait()}, or from the content (which may read or wait). */
        private int crcOf(int i) throws IOException {
            return i < crcsKnownBefore ? knownCrcs[i] : content.crc(entries.get(i));
        }

        /**
         * A local file stays open while a permit allows, else it is opened again for the next chunk (a stat and an
         * open); a network stream always stays open (reopening would be a new request).
         */
        @Override
        public void rest() {
            if (!(channel instanceof FileChannel) || holdsPermit) {
                return;
            }
            holdsPermit = restingFiles.tryAcquire();
            if (!holdsPermit) {
                closeChannel();
            }
        }

        @Override
        public void close() {
            closeChannel();
        }

        private void closeChannel() {
            var c = channel;
            channel = null;
            if (holdsPermit) {
                holdsPermit = false;
                restingFiles.release();
            }
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    // read only: nothing was lost
                }
            }
        }
    }

    private boolean zip64Size(Listing.Entry entry) {
        return limits.overflows(entry.size());
    }

    private int localExtraLength(Listing.Entry entry) {
        return (zip64Size(entry) ? 20 : 0) + ZipTimes.extendedTimestampLength(entry.mtime());
    }

    private int localHeaderLength(Listing.Entry entry) {
        return LOCAL_FIXED + entry.nameBytes().length + localExtraLength(entry);
    }

    private int centralZip64Length(Listing.Entry entry, long offset) {
        int fields = (zip64Size(entry) ? 16 : 0) + (limits.overflows(offset) ? 8 : 0);
        return fields == 0 ? 0 : 4 + fields;
    }

    private int centralExtraLength(Listing.Entry entry, long offset) {
        return centralZip64Length(entry, offset) + ZipTimes.extendedTimestampLength(entry.mtime());
    }

    private int centralRecordLength(Listing.Entry entry, long offset) {
        return CENTRAL_FIXED + entry.nameBytes().length + centralExtraLength(entry, offset);
    }

    private byte[] localHeader(Listing.Entry entry, int crc) {
        boolean zip64 = zip64Size(entry);
        var b = buffer(localHeaderLength(entry));
        b.putInt(0x04034b50);
        b.putShort((short) versionNeeded(entry, zip64));
        b.putShort((short) FLAG_UTF8);
        b.putShort((short) 0); // STORED
        b.putInt(times.dosTime(entry.mtime()));
        b.putInt(crc);
        b.putInt(zip64 ? -1 : (int) entry.size());
        b.putInt(zip64 ? -1 : (int) entry.size());
        b.putShort((short) entry.nameBytes().length);
        b.putShort((short) localExtraLength(entry));
        b.put(entry.nameBytes());
        if (zip64) {
            b.putShort((short) 0x0001).putShort((short) 16).putLong(entry.size()).putLong(entry.size());
        }
        ZipTimes.putExtendedTimestamp(b, entry.mtime());
        return b.array();
    }

    private byte[] centralRecord(Listing.Entry entry, long offset, int crc) {
        boolean zip64 = zip64Size(entry);
        boolean zip64Offset = limits.overflows(offset);
        int zip64Extra = centralZip64Length(entry, offset);
        var b = buffer(centralRecordLength(entry, offset));
        b.putInt(0x02014b50);
        b.putShort((short) MADE_BY_UNIX);
        b.putShort((short) versionNeeded(entry, zip64 || zip64Offset));
        b.putShort((short) FLAG_UTF8);
        b.putShort((short) 0);
        b.putInt(times.dosTime(entry.mtime()));
        b.putInt(crc);
        b.putInt(zip64 ? -1 : (int) entry.size());
        b.putInt(zip64 ? -1 : (int) entry.size());
        b.putShort((short) entry.nameBytes().length);
        b.putShort((short) centralExtraLength(entry, offset));
        b.putShort((short) 0); // comment
        b.putShort((short) 0); // disk
        b.putShort((short) 0); // internal attributes
        // Unix mode in the high half, so that unzip and bsdtar restore ordinary permissions; 0x10 marks a folder.
        b.putInt(entry.directory() ? (0040755 << 16) | 0x10 : 0100644 << 16);
        b.putInt(zip64Offset ? -1 : (int) offset);
        b.put(entry.nameBytes());
        if (zip64Extra > 0) {
            b.putShort((short) 0x0001).putShort((short) (zip64Extra - 4));
            if (zip64) {
                b.putLong(entry.size()).putLong(entry.size());
            }
            if (zip64Offset) {
                b.putLong(offset);
            }
        }
        ZipTimes.putExtendedTimestamp(b, entry.mtime());
        return b.array();
    }

    private byte[] endRecords() {
        int count = entries.size();
        var b = buffer((zip64End ? ZIP64_END + ZIP64_LOCATOR : 0) + END_FIXED);
        if (zip64End) {
            long zip64EndOffset = centralOffset + centralSize;
            b.putInt(0x06064b50).putLong(ZIP64_END - 12);
            b.putShort((short) MADE_BY_UNIX).putShort((short) VERSION_ZIP64);
            b.putInt(0).putInt(0);
            b.putLong(count).putLong(count);
            b.putLong(centralSize).putLong(centralOffset);
            b.putInt(0x07064b50).putInt(0).putLong(zip64EndOffset).putInt(1);
        }
        b.putInt(0x06054b50);
        b.putShort((short) 0).putShort((short) 0);
        short count16 = (short) (count >= limits.count16() ? 0xFFFF : count);
        b.putShort(count16).putShort(count16);
        b.putInt(limits.overflows(centralSize) ? -1 : (int) centralSize);
        b.putInt(limits.overflows(centralOffset) ? -1 : (int) centralOffset);
        b.putShort((short) 0);
        return b.array();
    }

    private static int versionNeeded(Listing.Entry entry, boolean zip64) {
        return zip64 ? VERSION_ZIP64 : entry.directory() ? 20 : 10;
    }

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * A strong ETag from exactly what decides the bytes: the layout's version and Zip64 thresholds, and for each
     * entry its name, size, kind, content version, and its times as written (the DOS date and time, and the
     * extended timestamp). The zone enters only through the DOS times it gives these entries, so two zones with
     * the same offsets over the listed times (UTC and Etc/UTC, say) give the same tag, and the CRCs need not enter
     * at all: name, size, time and version decide them.
     */
    public String etag() {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        var fields = ByteBuffer.allocate(64);
        fields.put("zipstream-store-2\n".getBytes(StandardCharsets.US_ASCII))
                .putLong(limits.field32()).putInt(limits.count16());
        digest.update(fields.flip());
        for (var e : entries) {
            byte[] version = e.version().getBytes(StandardCharsets.UTF_8);
            boolean ut = ZipTimes.hasExtendedTimestamp(e.mtime());
            fields.clear().putInt(e.nameBytes().length).putLong(e.size()).put((byte) (e.directory() ? 1 : 0))
                    .putInt(times.dosTime(e.mtime())).put((byte) (ut ? 1 : 0))
                    .putLong(ut ? Math.floorDiv(e.mtime(), 1000) : 0).putInt(version.length);
            digest.update(fields.flip());
            digest.update(e.nameBytes());
            digest.update(version);
        }
        byte[] hash = digest.digest();
        return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(hash, 18)) + "\"";
    }

    /** File contents from the storage, checked against the listing, with CRCs from the cache. */
    public static Content files(CrcCache crcs, Storage storage) {
        return new Content() {
            @Override
            public int crc(Listing.Entry entry) throws IOException {
                return crcs.crc(entry);
            }

            @Override
            public ReadableByteChannel open(Listing.Entry entry, long from, long length) throws IOException {
                return storage.open(entry, from, length);
            }

            @Override
            public void crcMismatch(Listing.Entry entry) {
                crcs.drop(entry); // a wrong CRC must not outlive this download, here or on another instance
            }

            @Override
            public Integer knownCrc(Listing.Entry entry) {
                return crcs.knownCrc(entry);
            }

            @Override
            public boolean readsMayWait() {
                return storage.readsMayWait();
            }
        };
    }
}
