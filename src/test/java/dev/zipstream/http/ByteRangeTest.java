package dev.zipstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangeTest {

    private static final long LENGTH = 1000;

    private static void assertRange(long start, long end, ByteRange actual) {
        assertEquals(new ByteRange(start, end), actual);
        assertEquals(end - start, actual.length());
    }

    @Test
    void closedRangeCoversFirstThroughLastByteInclusive() {
        assertRange(0, 100, ByteRange.parse("bytes=0-99", LENGTH));
    }

    @Test
    void openEndedRangeRunsToTheEnd() {
        assertRange(100, LENGTH, ByteRange.parse("bytes=100-", LENGTH));
    }

    @Test
    void suffixRangeTakesTheLastBytes() {
        assertRange(950, LENGTH, ByteRange.parse("bytes=-50", LENGTH));
    }

    @Test
    void suffixLongerThanTheRepresentationTakesAllOfIt() {
        assertRange(0, LENGTH, ByteRange.parse("bytes=-5000", LENGTH));
    }

    @Test
    void zeroLengthSuffixIsUnsatisfiable() {
        assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=-0", LENGTH));
    }

    @Test
    void suffixOfAnEmptyRepresentationIsUnsatisfiable() {
        assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=-10", 0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=1000-", "bytes=1000-1000", "bytes=2000-3000", "bytes=9223372036854775807-"})
    void startAtOrBeyondTheLengthIsUnsatisfiable(String header) {
        assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse(header, LENGTH));
    }

    @Test
    void lastBytePositionIsSatisfiable() {
        assertRange(999, 1000, ByteRange.parse("bytes=999-999", LENGTH));
    }

    @Test
    void endBeyondTheLengthIsClipped() {
        assertRange(900, LENGTH, ByteRange.parse("bytes=900-5000", LENGTH));
    }

    @Test
    void endAtTheLargestLongIsClippedWithoutOverflow() {
        assertRange(10, LENGTH, ByteRange.parse("bytes=10-9223372036854775807", LENGTH));
    }

    @Test
    void endBeforeStartIsIgnored() {
        assertNull(ByteRange.parse("bytes=5-3", LENGTH));
    }

    @Test
    void severalRangesAreIgnoredSoTheWholeBodyIsSent() {
        assertNull(ByteRange.parse("bytes=0-1,5-6", LENGTH));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "garbage", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=1-2-3",
            "items=0-99", "bytes 0-99", "bytes=0x10-0x20", "bytes=+1-2", "bytes=-1-2", "bytes=1.5-2",
            "bytes=0-99;x", "bytes=\u0661-\u0662"})
    void malformedHeaderIsIgnored(String header) {
        assertNull(ByteRange.parse(header, LENGTH));
    }

    @ParameterizedTest
    @NullSource
    void absentHeaderMeansNoRange(String header) {
        assertNull(ByteRange.parse(header, LENGTH));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "bytes=12345678901234567890-",          // 20 digits
            "bytes=0-12345678901234567890",
            "bytes=-12345678901234567890",
            "bytes=9999999999999999999-",           // 19 digits, more than a long holds
            "bytes=0-9999999999999999999",
            "bytes=-9999999999999999999",
            "bytes=00000000000000000000000000000001-2"})
    void numbersTooLargeForALongAreIgnored(String header) {
        assertNull(ByteRange.parse(header, LENGTH));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "BYTES=0-99        | 0   | 100",
            "bytes = 0 - 99    | 0   | 100",
            "'  bytes=0-99  '  | 0   | 100",
            "bytes=0000-0099   | 0   | 100"})
    void caseAndOptionalWhitespaceAreAccepted(String header, long start, long end) {
        assertRange(start, end, ByteRange.parse(header, LENGTH));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0   | 100  | 1000 | bytes 0-99/1000",
            "950 | 1000 | 1000 | bytes 950-999/1000",
            "0   | 1    | 1    | bytes 0-0/1",
            "5   | 6    | 7    | bytes 5-5/7"})
    void contentRangeNamesFirstAndLastByteAndTotal(long start, long end, long total, String expected) {
        assertEquals(expected, new ByteRange(start, end).contentRange(total));
    }

    @Test
    void parsedRangeFormatsAsTheRequestedBytes() {
        assertEquals("bytes 100-199/1000", ByteRange.parse("bytes=100-199", LENGTH).contentRange(LENGTH));
    }
}
