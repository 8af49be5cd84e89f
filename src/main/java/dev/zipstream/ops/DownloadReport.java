package dev.zipstream.ops;

import dev.zipstream.log.Secrets;
import dev.zipstream.log.Log;
import dev.zipstream.streaming.Download;
import dev.zipstream.streaming.Outcome;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;

/**
 * What one download reports: bytes and first byte to the metrics as they happen, and at its end the outcome to the
 * metrics and one event line to the log.
 */
public final class DownloadReport implements Download.Observer {

    /** What the request said, fixed when the download starts. */
    public record Request(String client, String hash8, String range, int status) {
    }

    private final Metrics metrics;
    private final Log log;
    private final Request request;
    private final String hash;
    private final Instant started = Instant.now();

    /**
     * @param metrics null when metrics are off
     * @param hash    the full hash, only to take it out of a failure's message (an I/O error names the file's path)
     */
    public DownloadReport(Metrics metrics, Log log, Request request, String hash) {
        this.metrics = metrics;
        this.log = log;
        this.request = request;
        this.hash = hash;
        if (metrics != null && request.range() != null) {
            metrics.rangeRequested();
        }
    }

    @Override
    public void written(int bytes) {
        if (metrics != null) {
            metrics.written(bytes);
        }
    }

    @Override
    public void firstByte(long nanos) {
        if (metrics != null) {
            metrics.firstByte(nanos);
        }
    }

    @Override
    public void ended(Download.Ended e) {
        if (metrics != null) {
            metrics.ended(e.outcome(), e.durationNanos());
        }
        // A client leaving is ordinary; the cause of anything else helps whoever reads the log.
        String cause = e.cause() == null || e.outcome() == Outcome.CLIENT_GONE ? null : redacted(e.cause().toString());
        log.event(e.outcome() == Outcome.FAILED ? Level.WARNING : Level.INFO, text(e, cause), fields(e, cause));
    }

    /** The full hash is a credential: a path in an exception's message must not carry it into the log. */
    String redacted(String message) {
        return Secrets.withoutHash(message, hash);
    }

    String text(Download.Ended e, String cause) {
        return String.format(Locale.ROOT, "download %s: %d bytes in %.3f s, %s%s (client %s, status %d%s)",
                request.hash8(), e.bytesSent(), e.durationNanos() / 1e9, e.outcome().label(),
                cause == null ? "" : ": " + cause, request.client(), request.status(),
                request.range() == null ? "" : ", range " + request.range());
    }

    Map<String, Object> fields(Download.Ended e, String cause) {
        var m = new LinkedHashMap<String, Object>();
        m.put("event", "download");
        m.put("started", started.toString());
        m.put("client", request.client());
        m.put("hash8", request.hash8());
        m.put("range", request.range());
        m.put("status", request.status());
        m.put("bytes", e.bytesSent());
        m.put("duration", Math.round(e.durationNanos() / 1e6) / 1e3);
        m.put("result", e.outcome().label());
        if (cause != null) {
            m.put("cause", cause);
        }
        return m;
    }
}
