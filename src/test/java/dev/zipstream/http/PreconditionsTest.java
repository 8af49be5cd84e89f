package dev.zipstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PreconditionsTest {

    static final String ETAG = "\"abc\"";
    static final long MODIFIED = 1_700_000_000_000L;
    static final String DATE = "Tue, 14 Nov 2023 22:13:20 GMT"; // MODIFIED

    static Preconditions.Decision decide(String... headers) {
        var map = new java.util.HashMap<String, String>();
        for (int i = 0; i < headers.length; i += 2) {
            map.put(headers[i], headers[i + 1]);
        }
        return Preconditions.decide(map::get, ETAG, MODIFIED, 1000);
    }

    @Test
    void noHeadersIsTheWholeArchive() {
        assertInstanceOf(Preconditions.Whole.class, decide());
    }

    @Test
    void rangeWithoutIfRangeIsPartial() {
        var d = assertInstanceOf(Preconditions.Partial.class, decide("Range", "bytes=10-"));
        assertEquals(new ByteRange(10, 1000), d.range());
        assertTrue(d.resumes());
    }

    @Test
    void onlyTheStrongEtagValidatesARange() {
        assertInstanceOf(Preconditions.Partial.class, decide("Range", "bytes=10-", "If-Range", ETAG));
        assertInstanceOf(Preconditions.Whole.class, decide("Range", "bytes=10-", "If-Range", "W/" + ETAG));
        assertInstanceOf(Preconditions.Whole.class, decide("Range", "bytes=10-", "If-Range", "\"other\""));
    }

    /** Last-Modified is the newest file's time: deleting an older file keeps it, so a date must never splice. */
    @Test
    void aDateInIfRangeNeverValidatesEvenWhenItMatches() {
        assertInstanceOf(Preconditions.Whole.class, decide("Range", "bytes=10-", "If-Range", DATE));
    }

    @Test
    void unsatisfiableRangeIs416OnlyWhenIfRangeHolds() {
        assertInstanceOf(Preconditions.Unsatisfiable.class, decide("Range", "bytes=5000-"));
        assertInstanceOf(Preconditions.Whole.class, decide("Range", "bytes=5000-", "If-Range", "\"other\""));
    }

    @Test
    void ifNoneMatchComparesWeaklyAndWinsOverIfModifiedSince() {
        assertInstanceOf(Preconditions.NotModified.class, decide("If-None-Match", "\"x\", W/" + ETAG));
        assertInstanceOf(Preconditions.NotModified.class, decide("If-None-Match", "*"));
        assertInstanceOf(Preconditions.Whole.class, decide("If-None-Match", "\"x\"", "If-Modified-Since", DATE));
        assertInstanceOf(Preconditions.NotModified.class, decide("If-Modified-Since", DATE));
        assertInstanceOf(Preconditions.Whole.class, decide("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"));
    }

    @Test
    void aResumeNeedsARangeAndAnIfRange() {
        assertTrue(Preconditions.mayResume(Map.of("Range", "bytes=1-", "If-Range", ETAG)::get));
        assertEquals(false, Preconditions.mayResume(Map.of("Range", "bytes=1-")::get));
        assertEquals(false, Preconditions.mayResume(Map.of("If-Range", ETAG)::get));
    }
}
