package dev.zipstream.http;

import java.util.regex.Pattern;

/** One satisfiable byte range {@code [start, end)} of a representation, from a {@code Range} header. */
record ByteRange(long start, long end) {

    /** Returned for a range that lies wholly outside the representation: the answer is 416. */
    static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

    private static final Pattern SINGLE = Pattern.compile("bytes[ \\t]*=[ \\t]*(\\d{0,19})[ \\t]*-[ \\t]*(\\d{0,19})[ \\t]*",
            Pattern.CASE_INSENSITIVE);

    long length() {
        return end - start;
    }

    /** {@code bytes a-b/L} for Content-Range. */
    String contentRange(long total) {
        return "bytes " + start + "-" + (end - 1) + "/" + total;
    }

    /**
     * Parses a {@code Range} header against a representation of {@code length} bytes.
     *
     * @return null when the header is absent, malformed or asks for several ranges (the whole representation is
     * sent, as RFC 9110 allows), {@link #UNSATISFIABLE}, or the range clipped to the representation
     */
    static ByteRange parse(String header, long length) {
        if (header == null) {
            return null;
        }
        var m = SINGLE.matcher(header.strip());
        if (!m.matches()) {
            return null;
        }
        String first = m.group(1);
        String last = m.group(2);
        try {
            if (first.isEmpty()) {
                if (last.isEmpty()) {
                    return null;
                }
                long suffix = Long.parseLong(last);
                if (suffix == 0 || length == 0) {
                    return UNSATISFIABLE;
                }
                return new ByteRange(Math.max(0, length - suffix), length);
            }
            long start = Long.parseLong(first);
            // Clip before adding one: a last position of Long.MAX_VALUE must not overflow.
            long end = last.isEmpty() ? length : Math.min(length - 1, Long.parseLong(last)) + 1;
            if (!last.isEmpty() && Long.parseLong(last) < start) {
                return null; // syntactically invalid: ignore the header
            }
            if (start >= length) {
                return UNSATISFIABLE;
            }
            return new ByteRange(start, end);
        } catch (NumberFormatException e) {
            return null; // more digits than a long holds: nothing sensible was asked
        }
    }
}
