package dev.zipstream.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ZipTimesTest {

    private static long utc(int y, int mo, int d, int h, int mi, int s) {
        return LocalDateTime.of(y, mo, d, h, mi, s).toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    private static int dos(int y, int mo, int d, int h, int mi, int s) {
        return ((y - 1980) << 9 | mo << 5 | d) << 16 | h << 11 | mi << 5 | s / 2;
    }

    @Test
    void dosTimeIsTheClockOfTheConfiguredZoneNotTheServers() {
        long t = utc(2024, 7, 1, 12, 30, 10);
        assertEquals(dos(2024, 7, 1, 12, 30, 10), ZipTimes.UTC.dosTime(t));
        assertEquals(dos(2024, 7, 1, 21, 30, 10), new ZipTimes(ZoneId.of("Asia/Tokyo")).dosTime(t));
        assertEquals(dos(2024, 7, 1, 14, 30, 10), new ZipTimes(ZoneId.of("Europe/Berlin")).dosTime(t)); // summer
    }

    @Test
    void dosTimeIsClampedToWhatDosCanSay() {
        assertEquals(dos(1980, 1, 1, 0, 0, 0), ZipTimes.UTC.dosTime(utc(1970, 6, 1, 0, 0, 0)));
        assertEquals(dos(2107, 12, 31, 23, 59, 58), ZipTimes.UTC.dosTime(utc(2200, 1, 1, 0, 0, 0)));
    }

    @Test
    void extendedTimestampOnlyWhereSignedAndUnsignedReadersAgree() {
        assertTrue(ZipTimes.hasExtendedTimestamp(0));
        assertTrue(ZipTimes.hasExtendedTimestamp(Integer.MAX_VALUE * 1000L));
        assertFalse(ZipTimes.hasExtendedTimestamp(-1000));
        assertFalse(ZipTimes.hasExtendedTimestamp((Integer.MAX_VALUE + 1L) * 1000L));
    }

    @Test
    void extendedTimestampIsNineBytesWithTheUtcSeconds() {
        long t = utc(2024, 7, 1, 12, 30, 11) + 999;
        var b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        ZipTimes.putExtendedTimestamp(b, t);
        assertEquals(ZipTimes.EXTENDED_TIMESTAMP_LENGTH, b.position());
        b.flip();
        assertEquals(0x5455, b.getShort());
        assertEquals(5, b.getShort());
        assertEquals(1, b.get()); // modification time only
        assertEquals(Math.floorDiv(t, 1000), b.getInt());
    }

    @Test
    void millisForSystemZoneGiveTheConfiguredClockInTheJvmZone() {
        long t = utc(2024, 7, 1, 12, 30, 10);
        var tokyo = new ZipTimes(ZoneId.of("Asia/Tokyo"));
        assertEquals(LocalDateTime.of(2024, 7, 1, 21, 30, 10),
                LocalDateTime.ofInstant(java.time.Instant.ofEpochMilli(tokyo.millisForSystemZone(t)),
                        ZoneId.systemDefault()));
    }
}
