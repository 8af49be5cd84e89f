package dev.zipstream.http;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

/**
 * What the validators and the {@code Range} header of a request make of a stored archive with this ETag, date and
 * length (RFC 9110 section 13, in the spirit of Jetty's {@code ResourceService.passConditionalHeaders}).
 *
 * <p>Only the strong ETag validates a range. {@code Last-Modified} is the newest file's time, so deleting an older
 * file changes the bytes but not the date: an {@code If-Range} date would splice two different archives, so a date
 * there always gets the whole archive.
 */
final class Preconditions {

    sealed interface Decision permits NotModified, Whole, Partial, Unsatisfiable {
    }

    /** 304. */
    record NotModified() implements Decision {
    }

    /** 200 with the whole archive. */
    record Whole() implements Decision {
    }

    /** 206 with this range. */
    record Partial(ByteRange range) implements Decision {
        /** A resume: a range that does not start at the first byte. */
        boolean resumes() {
            return range.start() > 0;
        }
    }

    /** 416. */
    record Unsatisfiable() implements Decision {
    }

    private Preconditions() {
    }

    /**
     * Whether the request could be a resume at all (a Range with an If-Range): the cheap test made before any
     * listing, for a link past its expiry. {@link Partial#resumes()} decides once the ETag is known.
     */
    static boolean mayResume(Function<String, String> headers) {
        return headers.apply("Range") != null && headers.apply("If-Range") != null;
    }

    /** @param headers a request header by name, or null */
    static Decision decide(Function<String, String> headers, String etag, long lastModified, long length) {
        if (notModified(headers, etag, lastModified)) {
            return new NotModified();
        }
        ByteRange range = ByteRange.parse(headers.apply("Range"), length);
        if (range == null) {
            return new Whole();
        }
        String ifRange = headers.apply("If-Range");
        // Strong comparison: a weak tag, a date or anything else never matches.
        if (ifRange != null && !ifRange.strip().equals(etag)) {
            return new Whole();
        }
        return range == ByteRange.UNSATISFIABLE ? new Unsatisfiable() : new Partial(range);
    }

    private static boolean notModified(Function<String, String> headers, String etag, long lastModified) {
        String ifNoneMatch = headers.apply("If-None-Match");
        if (ifNoneMatch != null) {
            if (ifNoneMatch.strip().equals("*")) {
                return true;
            }
            for (String candidate : ifNoneMatch.split(",")) {
                String c = candidate.strip();
                if (c.startsWith("W/")) {
                    c = c.substring(2); // If-None-Match compares weakly
                }
                if (c.equals(etag)) {
                    return true;
                }
            }
            return false;
        }
        long since = date(headers.apply("If-Modified-Since"));
        return since >= 0 && lastModified > 0 && lastModified / 1000 <= since / 1000;
    }

    private static long date(String value) {
        if (value == null) {
            return -1;
        }
        try {
            return Instant.from(DateTimeFormatter.RFC_1123_DATE_TIME.parse(value.strip())).toEpochMilli();
        } catch (DateTimeParseException e) {
            return -1;
        }
    }
}
