package dev.zipstream.http;

import dev.zipstream.config.Settings;
import dev.zipstream.storage.Listing;
import dev.zipstream.storage.Names;
import dev.zipstream.streaming.ChunkOutputStream;
import dev.zipstream.streaming.ChunkQueue;
import dev.zipstream.streaming.Download;
import dev.zipstream.streaming.Outcome;
import dev.zipstream.zip.StoredZip;
import dev.zipstream.zip.ZipProducer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * {@code GET /archive/<hash>/}: the ZIP of {@code STORAGE_PATH/<hash>/}, streamed in throttled chunks.
 * In store mode it has an exact length, an ETag, and byte ranges; in deflate mode it is chunked.
 */
public final class ArchiveServlet extends HttpServlet {

    /** Thrown into the container to make it cut a connection whose body can no longer be completed correctly. */
    static final class Aborted extends IOException {
        Aborted(String why) {
            super("zipstream aborted the response: " + why);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // the container logs it; the trace would only point at this servlet
        }
    }

    /** Chunks up to this size would be aggregated by Jetty's default configuration. */
    private static final int SMALL_CHUNK = 8 * 1024;

    private transient Service service;

    @Override
    public void init() {
        service = (Service) getServletContext().getAttribute(Service.ATTRIBUTE);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        if (request.getDispatcherType() == DispatcherType.ASYNC) {
            Object why = request.getAttribute(Download.ABORT_ATTRIBUTE);
            if (why != null) {
                throw new Aborted(why.toString());
            }
            return;
        }
        switch (request.getMethod()) {
            case "GET" -> serve(request, response, false);
            case "HEAD" -> serve(request, response, true);
            case "OPTIONS" -> {
                Pages.common(response);
                response.setHeader("Allow", Pages.ALLOW);
                response.setContentLength(0);
            }
            default -> {
                response.setHeader("Allow", Pages.ALLOW);
                Pages.page(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "Method not allowed",
                        "Only GET and HEAD are served here.", false);
            }
        }
    }

    /** The hash from {@code /<hash>/} or {@code /<hash>}; null for anything else. */
    public static String hashOf(String pathInfo) {
        if (pathInfo == null || !pathInfo.startsWith("/")) {
            return null;
        }
        String rest = pathInfo.substring(1);
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        return Names.isPlainName(rest) ? rest : null;
    }

    private void serve(HttpServletRequest request, HttpServletResponse response, boolean head) throws IOException {
        String hash = hashOf(request.getPathInfo());
        if (hash == null) {
            Pages.reject(service, response, Rejection.NOT_FOUND, head);
            return;
        }
        String unavailable = service.storage.unavailableReason();
        if (unavailable != null) {
            response.setHeader("Retry-After", "60");
            Pages.reject(service, response, Rejection.UNAVAILABLE, head);
            service.log.warning("storage is not available: " + unavailable);
            return;
        }
        // A slot is taken before any file is touched, so an overloaded instance refuses cheaply.
        boolean slot = !head && service.tryAcquireSlot();
        if (!head && !slot) {
            response.setHeader("Retry-After", "10");
            Pages.reject(service, response, Rejection.BUSY, false);
            return;
        }
        boolean started = false;
        try {
            Listing listing;
            try {
                var found = service.storage.list(hash);
                if (found.isEmpty()) {
                    Pages.reject(service, response, Rejection.NOT_FOUND, head);
                    return;
                }
                listing = found.get();
            } catch (IOException e) {
                // Deleted while we looked, or unreadable: to the client it is simply not there.
                service.log.warning("cannot list " + Service.shortHash(hash) + ": " + e);
                Pages.reject(service, response, Rejection.NOT_FOUND, head);
                return;
            }
            started = respond(request, response, head, listing);
        } finally {
            if (slot && !started) {
                service.releaseSlot();
            }
        }
    }

    /** Sends the headers and, for a GET that needs a body, starts the download. Returns whether it did. */
    private boolean respond(HttpServletRequest request, HttpServletResponse response, boolean head, Listing listing)
            throws IOException {
        Pages.common(response);
        response.setContentType("application/zip");
        response.setHeader("Content-Disposition", "attachment; filename=\"archive.zip\"");
        // Lets nginx pass each throttled chunk on instead of buffering the archive at full speed.
        response.setHeader("X-Accel-Buffering", "no");
        if (listing.newestTime() > 0) {
            response.setDateHeader("Last-Modified", listing.newestTime());
        }

        if (service.settings.compression() == Settings.Compression.DEFLATE) {
            response.setHeader("Accept-Ranges", "none");
            if (head) {
                // Committing now keeps the container from adding "Content-Length: 0", which GET does not have.
                response.flushBuffer();
                return false;
            }
            startDownload(request, response, listing, d -> push(d, out -> ZipProducer.deflate(listing, service.storage, out)));
            return true;
        }

        var zip = new StoredZip(listing, service.zone);
        long length = zip.length();
        String etag = zip.etag();
        response.setHeader("ETag", etag);
        response.setHeader("Accept-Ranges", "bytes");
        if (notModified(request, etag, listing.newestTime())) {
            response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
            response.setContentType(null);
            response.setHeader("Content-Disposition", null);
            return false;
        }
        ByteRange range = rangeIfApplicable(request, etag, listing.newestTime(), length);
        if (range == ByteRange.UNSATISFIABLE) {
            response.setHeader("Content-Range", "bytes */" + length);
            response.setHeader("Content-Disposition", null);
            Pages.reject(service, response, Rejection.RANGE_NOT_SATISFIABLE, head);
            return false;
        }
        if (range == null) {
            range = new ByteRange(0, length);
        } else {
            response.setStatus(HttpServletResponse.SC_PARTIAL_CONTENT);
            response.setHeader("Content-Range", range.contentRange(length));
        }
        response.setContentLengthLong(range.length());
        if (head) {
            return false;
        }
        var content = StoredZip.files(service.crcs, service.storage);
        var r = range;
        startDownload(request, response, listing, d -> service.pull(d, zip.cursor(r.start(), r.end(), content, service.restingFiles)));
        return true;
    }

    private interface Work {
        void run(ChunkOutputStream out) throws IOException;
    }

    /** Gives a new download its producer: {@link #push} (deflate) or {@link Service#pull} (store). */
    private interface Producer {
        void attach(Download download) throws IOException;
    }

    private void startDownload(HttpServletRequest request, HttpServletResponse response, Listing listing,
            Producer producer) throws IOException {
        // Jetty copies a write no larger than its aggregation size (8 KiB by default; setBufferSize sets both)
        // into a buffer it sends only when full: small chunks would leave in 32 KiB bursts, defeating the
        // throttle. A buffer just under the chunk size makes every full chunk go out as written; it also makes
        // Jetty send it in two slices, which only matters at sizes where the throttle dominates anyway.
        // Never smaller: Jetty slices every write into buffer-sized writes. Tomcat only ever grows its buffer.
        int chunkSize = service.settings.chunkSize();
        if (chunkSize <= SMALL_CHUNK) {
            response.setBufferSize(chunkSize - 1);
        }
        var async = request.startAsync();
        async.setTimeout(0); // a throttled download may take hours; the stall guard is the container's idle timeout
        var download = service.download(async, Service.shortHash(listing.hash()));
        producer.attach(download);
        download.start();
    }

    /** A producer that pushes the archive through a stream, on a thread of its own (deflate mode). */
    private void push(Download download, Work work) {
        var out = new ChunkOutputStream(download.queue());
        service.produce(() -> {
            try {
                work.run(out);
            } catch (ChunkQueue.Closed e) {
                // the download ended first: nothing to report
            } catch (Throwable t) {
                download.finish(Outcome.FAILED, t);
            } finally {
                out.discard();
            }
        }, download);
    }

    private static boolean notModified(HttpServletRequest request, String etag, long lastModified) {
        String ifNoneMatch = request.getHeader("If-None-Match");
        if (ifNoneMatch != null) {
            if (ifNoneMatch.strip().equals("*")) {
                return true;
            }
            for (String candidate : ifNoneMatch.split(",")) {
                String c = candidate.strip();
                if (c.startsWith("W/")) {
                    c = c.substring(2);
                }
                if (c.equals(etag)) {
                    return true;
                }
            }
            return false;
        }
        long since = dateHeader(request.getHeader("If-Modified-Since"));
        return since >= 0 && lastModified > 0 && lastModified / 1000 <= since / 1000;
    }

    private static ByteRange rangeIfApplicable(HttpServletRequest request, String etag, long lastModified,
            long length) {
        ByteRange range = ByteRange.parse(request.getHeader("Range"), length);
        String ifRange = request.getHeader("If-Range");
        if (range == null || ifRange == null) {
            return range;
        }
        ifRange = ifRange.strip();
        if (ifRange.startsWith("\"") || ifRange.startsWith("W/")) {
            return ifRange.equals(etag) ? range : null; // strong comparison: a weak tag never matches
        }
        long date = dateHeader(ifRange);
        return date >= 0 && lastModified > 0 && date / 1000 == lastModified / 1000 ? range : null;
    }

    private static long dateHeader(String value) {
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
