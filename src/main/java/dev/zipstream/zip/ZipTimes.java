package dev.zipstream.zip;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * How an entry's modification time is written, as a pure function of the time and the configured zone
 * ({@code ZIP_TIME_ZONE}), never of the server's own zone: an MS-DOS date and time (local, zone-less, what every
 * reader has) in that zone, plus the Info-ZIP extended-timestamp extra field (0x5455, "UT") with the true UTC time
 * for readers that honour it (unzip, bsdtar, 7-Zip, Java).
 */
public record ZipTimes(ZoneId zone) {

    public static final ZipTimes UTC = new ZipTimes(ZoneOffset.UTC);

    /** Header id 2, data size 2, flags 1, modification time 4; the same 9 bytes in local and central headers. */
    static final int EXTENDED_TIMESTAMP_LENGTH = 9;
    private static final short EXTENDED_TIMESTAMP_ID = 0x5455;
    private static final byte MODIFY_TIME_PRESENT = 1;

    private static final LocalDateTime DOS_MIN = LocalDateTime.of(1980, 1, 1, 0, 0);
    private static final LocalDateTime DOS_MAX = LocalDateTime.of(2107, 12, 31, 23, 59, 58);

    /** The entry's date and time as a DOS clock in this zone shows it, clamped to what DOS can say (1980–2107). */
    public LocalDateTime local(long millis) {
        var t = LocalDateTime.ofInstant(Instant.ofEpochMilli(millis), zone);
        return t.isBefore(DOS_MIN) ? DOS_MIN : t.isAfter(DOS_MAX) ? DOS_MAX : t;
    }

    /** The MS-DOS date (high half) and time (low half, two-second steps) of {@link #local}. */
    public int dosTime(long millis) {
        var t = local(millis);
        int date = (t.getYear() - 1980) << 9 | t.getMonthValue() << 5 | t.getDayOfMonth();
        int time = t.getHour() << 11 | t.getMinute() << 5 | t.getSecond() / 2;
        return date << 16 | time;
    }

    /**
     * Whether the entry gets the extended timestamp. Its 32 bits are signed seconds to Info-ZIP and unsigned to
     * 7-Zip: only 1970 to 2038 means the same to both, so a time outside it carries the DOS time alone rather
     * than a field some readers would misread.
     */
    public static boolean hasExtendedTimestamp(long millis) {
        long seconds = Math.floorDiv(millis, 1000);
        return seconds >= 0 && seconds <= Integer.MAX_VALUE;
    }

    /** The extended timestamp's length in a header: {@link #EXTENDED_TIMESTAMP_LENGTH} or 0. */
    static int extendedTimestampLength(long millis) {
        return hasExtendedTimestamp(millis) ? EXTENDED_TIMESTAMP_LENGTH : 0;
    }

    /** Writes the extended timestamp (modification time only, the same in local and central headers), if any. */
    static void putExtendedTimestamp(ByteBuffer b, long millis) {
        if (hasExtendedTimestamp(millis)) {
            b.putShort(EXTENDED_TIMESTAMP_ID).putShort((short) 5).put(MODIFY_TIME_PRESENT)
                    .putInt((int) Math.floorDiv(millis, 1000));
        }
    }

    /**
     * A time that a writer converting in the JVM's own zone (commons-compress does) turns into this zone's DOS
     * time. A local time that the JVM's zone skips (a daylight-saving gap) comes out an hour later: deflate
     * archives have no ETag and no ranges, so nothing splices two of them, and the extended timestamp is exact.
     */
    public long millisForSystemZone(long millis) {
        return local(millis).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
    }
}
