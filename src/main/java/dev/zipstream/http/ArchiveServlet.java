package dev.zipstream.http;

import static dev.zipstream.log.Secrets.shortHash;
import static dev.zipstream.log.Secrets.withoutHash;

import dev.zipstream.config.Settings;
import dev.zipstream.links.ArchiveName;
import dev.zipstream.links.LinkCheck;
import dev.zipstream.links.LinkRequest;
import dev.zipstream.links.Selection;
import dev.zipstream.links.SignedLink;
import dev.zipstream.ops.DownloadReport;
import dev.zipstream.storage.Listing;
import dev.zipstream.storage.Names;
import dev.zipstream.storage.StorageUnavailable;
import dev.zipstream.streaming.ChunkOutputStream;
import dev.zipstream.streaming.ChunkQueue;
import dev.zipstream.streaming.Download;
import dev.zipstream.streaming.Outcome;
import dev.zipstream.zip.StoredZip;
import dev.zipstream.zip.ZipProducer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /archive/<hash>/}: the ZIP of {@code STORAGE_PATH/<hash>/} (or of the files its {@code f} parameters
 * pick), streamed in throttled chunks. In store mode it has an exact length, an ETag, and byte ranges; in deflate
 * mode it is chunked. A request goes: parse, check the link ({@link LinkCheck}), list, select ({@link Selection}),
 * preconditions ({@link Preconditions}), respond. {@code /archive/} itself is the DEBUG index.
 */
public final class ArchiveServlet extends ReadOnlyServlet {

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

    /** The re-dispatch that {@link Download} asks for to cut a connection: throwing here makes Jetty close it. */
    @Override
    protected boolean handledAsDispatch(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getDispatcherType() != DispatcherType.ASYNC) {
            return false;
        }
        Object why = request.getAttribute(Download.ABORT_ATTRIBUTE);
        if (why != null) {
            throw new Aborted(why.toString());
        }
        return true;
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

    /** parse, check the link, list, select, then browse, narrow or download. */
    @Override
    protected void serve(HttpServletRequest request, HttpServletResponse response, boolean head) throws IOException {
        String pathInfo = request.getPathInfo();
        if (pathInfo == null || pathInfo.equals("/")) {
            IndexPage.serve(service, request, response, head);
            return;
        }
        String hash = hashOf(pathInfo);
        if (hash == null) {
            Pages.reject(service, response, Rejection.NOT_FOUND, head);
            return;
        }
        // Before the link check: a health probe without a signature still learns that the storage is gone.
        String unavailable = service.storage.unavailableReason();
        if (unavailable != null) {
            Pages.unavailable(service, response, head, unavailable);
            return;
        }
        var link = LinkRequest.parse(hash, request::getParameterValues);
        var verdict = service.links.check(link);
        if (verdict.kind() == LinkCheck.Kind.RESUME_ONLY && !Preconditions.mayResume(request::getHeader)) {
            verdict = new LinkCheck.Verdict(LinkCheck.Kind.EXPIRED, verdict.why());
        }
        if (verdict.kind() == LinkCheck.Kind.FORBIDDEN || verdict.kind() == LinkCheck.Kind.EXPIRED) {
            refuseLink(response, hash, verdict, head);
            return;
        }
        var name = ArchiveName.of(link.name());
        if (name == null) {
            Pages.reject(service, response, Rejection.BAD_REQUEST, head);
            return;
        }
        var intent = Intent.of(request, service.settings, link);
        // Slots are taken before any file is touched, so an overloaded instance refuses cheaply.
        boolean downloads = !head && intent == Intent.DOWNLOAD;
        String client = request.getRemoteAddr();
        if (downloads && !service.perClient.tryAcquire(client)) {
            response.setHeader("Retry-After", "10");
            Pages.reject(service, response, Rejection.PER_CLIENT, false);
            return;
        }
        var slot = new Slot(downloads && service.tryAcquireSlot(), client);
        if (downloads && !slot.held) {
            service.perClient.release(client);
            response.setHeader("Retry-After", "10");
            Pages.reject(service, response, Rejection.BUSY, false);
            return;
        }
        boolean started = false;
        try {
            Optional<Listing> listing;
            try {
                listing = list(hash);
            } catch (StorageUnavailable e) {
                Pages.unavailable(service, response, head, e.getMessage());
                return;
            }
            var selected = listing.flatMap(l -> Selection.select(l, link.files()));
            if (selected.isEmpty()) {
                // An unknown hash and a missing or hostile f look the same: nothing tells them apart.
                slot.release();
                Pages.reject(service, response, Rejection.NOT_FOUND, head);
                return;
            }
            switch (intent) {
                case BROWSE -> BrowsePage.serve(service, response, head, selected.get(), link);
                case NARROW -> narrow(request, response, head, listing.get(), link);
                case DOWNLOAD -> started = respond(request, response, head, selected.get(), name, verdict, slot);
            }
        } finally {
            if (!started) {
                slot.release();
            }
        }
    }

    /**
     * The download slot (and per-client place) a request took, given back once: before any answer that is not a
     * download goes out, since a container sends a page whose length is set as soon as it is written, and a client
     * that got it may ask again before this request's thread has returned.
     */
    private final class Slot {
        private boolean held;
        private final String client;

        Slot(boolean held, String client) {
            this.held = held;
            this.client = client;
        }

        void release() {
            if (held) {
                held = false;
                service.releaseSlot();
                service.perClient.release(client);
            }
        }
    }

    /** What the request asks for, beyond the parameters every link has. */
    private enum Intent {
        DOWNLOAD, BROWSE, NARROW;

        static Intent of(HttpServletRequest request, Settings settings, LinkRequest link) {
            boolean browsing = settings.browse() || settings.debug();
            if (browsing && link.signed() && request.getParameterValues(BrowsePage.PICK) != null) {
                return NARROW;
            }
            return browsing && request.getParameterValues("browse") != null ? BROWSE : DOWNLOAD;
        }
    }

    /** The folder's listing; a folder deleted while we looked, or unreadable, is simply not there. */
    private Optional<Listing> list(String hash) throws StorageUnavailable {
        try {
            return service.storage.list(hash);
        } catch (StorageUnavailable e) {
            throw e;
        } catch (IOException e) {
            // Deleted while we looked, or unreadable: to the client it is simply not there.
            service.log.warning("cannot list " + shortHash(hash) + ": " + withoutHash(e.toString(), hash));
            return Optional.empty();
        }
    }

    private void refuseLink(HttpServletResponse response, String hash, LinkCheck.Verdict verdict, boolean head)
            throws IOException {
        var rejection = verdict.kind() == LinkCheck.Kind.EXPIRED ? Rejection.EXPIRED : Rejection.FORBIDDEN;
        service.linkLog.rejected(shortHash(hash), rejection.status, verdict.why());
        Pages.reject(service, response, rejection, head);
    }

    /**
     * The selection form of a signed link: the original link is valid (checked above), the picks lie inside its
     * own selection, so the service signs a link for just the picks (same expiry, first key) and sends the
     * browser there.
     */
    private void narrow(HttpServletRequest request, HttpServletResponse response, boolean head, Listing listing,
            LinkRequest link) throws IOException {
        var picks = List.of(request.getParameterValues(BrowsePage.PICK));
        if (!Selection.narrows(link.files(), picks)) {
            service.linkLog.rejected(shortHash(listing.hash()), Rejection.FORBIDDEN.status,
                    "a pick lies outside the link's own selection");
            Pages.reject(service, response, Rejection.FORBIDDEN, head);
            return;
        }
        if (Selection.select(listing, picks).isEmpty()) {
            Pages.reject(service, response, Rejection.NOT_FOUND, head);
            return;
        }
        String query = SignedLink.query(service.signer, link.path(), Long.parseLong(link.exp()), link.name(), picks);
        // Relative, so that it works under any context path and behind any proxy prefix.
        String here = request.getPathInfo().endsWith("/") ? "./" : SignedLink.encode(listing.hash()) + "/";
        Pages.common(response);
        response.setStatus(HttpServletResponse.SC_SEE_OTHER);
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Location", here + "?" + query);
        response.setContentLength(0);
    }

    /** Sends the headers and, for a GET that needs a body, starts the download. Returns whether it did. */
    private boolean respond(HttpServletRequest request, HttpServletResponse response, boolean head, Listing listing,
            ArchiveName name, LinkCheck.Verdict verdict, Slot slot) throws IOException {
        Pages.common(response);
        response.setContentType("application/zip");
        response.setHeader("Content-Disposition", name.contentDisposition());
        // Lets nginx pass each throttled chunk on instead of buffering the archive at full speed.
        response.setHeader("X-Accel-Buffering", "no");
        if (listing.newestTime() > 0) {
            response.setDateHeader("Last-Modified", listing.newestTime());
        }

        if (service.settings.compression() == Settings.Compression.DEFLATE) {
            if (verdict.kind() == LinkCheck.Kind.RESUME_ONLY) {
                slot.release();
                return refuseResume(response, listing, verdict, head); // no ranges, so nothing to resume
            }
            response.setHeader("Accept-Ranges", "none");
            if (head) {
                // Committing now keeps the container from adding "Content-Length: 0", which GET does not have.
                response.flushBuffer();
                return false;
            }
            startDownload(request, response, listing, d -> push(d, out -> ZipProducer.deflate(listing, service.storage, service.times, out)));
            return true;
        }

        var zip = new StoredZip(listing, service.times.zone());
        long length = zip.length();
        String etag = zip.etag();
        response.setHeader("ETag", etag);
        response.setHeader("Accept-Ranges", "bytes");
        var decision = Preconditions.decide(request::getHeader, etag, listing.newestTime(), length);
        if (verdict.kind() == LinkCheck.Kind.RESUME_ONLY
                && !(decision instanceof Preconditions.Partial p && p.resumes())) {
            // After expiry only a resume of this very archive: never a fresh download, not even as bytes=0-.
            slot.release();
            return refuseResume(response, listing, verdict, head);
        }
        ByteRange range;
        if (decision instanceof Preconditions.NotModified) {
            response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
            response.setContentType(null);
            response.setHeader("Content-Disposition", null);
            return false;
        } else if (decision instanceof Preconditions.Unsatisfiable) {
            slot.release();
            response.setHeader("Content-Range", "bytes */" + length);
            response.setHeader("Content-Disposition", null);
            Pages.reject(service, response, Rejection.RANGE_NOT_SATISFIABLE, head);
            return false;
        } else if (decision instanceof Preconditions.Partial p) {
            range = p.range();
            response.setStatus(HttpServletResponse.SC_PARTIAL_CONTENT);
            response.setHeader("Content-Range", range.contentRange(length));
        } else {
            range = new ByteRange(0, length);
        }
        if (!head && !crcsReady(response, zip, range, slot)) {
            return false;
        }
        response.setContentLengthLong(range.length());
        if (head) {
            return false;
        }
        var content = StoredZip.files(service.crcs, service.storage);
        startDownload(request, response, listing,
                d -> service.pull(d, zip.cursor(range.start(), range.end(), content, service.restingFiles)));
        return true;
    }

    /**
     * Whether the CRCs the range would wait for in silence can be read within CRC_WAIT_LIMIT; otherwise answers 503
     * with Retry-After while they are computed, so that the connection never sits silent past an idle timeout.
     */
    private boolean crcsReady(HttpServletResponse response, StoredZip zip, ByteRange range, Slot slot)
            throws IOException {
        var wait = service.crcs.prepare(zip.crcsNeeded(range.start(), range.end()), service.settings.crcWaitLimit());
        if (wait.ready()) {
            return true;
        }
        for (String header : new String[] {"ETag", "Last-Modified", "Content-Disposition", "Accept-Ranges",
            "X-Accel-Buffering", "Content-Range"}) {
            response.setHeader(header, null);
        }
        response.setStatus(HttpServletResponse.SC_OK);
        response.setHeader("Retry-After", Long.toString(wait.retryAfterSeconds()));
        slot.release();
        Pages.reject(service, response, Rejection.UNAVAILABLE, false);
        return false;
    }

    private boolean refuseResume(HttpServletResponse response, Listing listing, LinkCheck.Verdict verdict,
            boolean head) throws IOException {
        for (String header : new String[] {"ETag", "Last-Modified", "Content-Disposition", "Accept-Ranges",
            "X-Accel-Buffering"}) {
            response.setHeader(header, null);
        }
        refuseLink(response, listing.hash(), new LinkCheck.Verdict(LinkCheck.Kind.EXPIRED,
                verdict.why() + ", and the request is not a resume of the current archive"), head);
        return false;
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
        var download = service.download(async, new DownloadReport.Request(request.getRemoteAddr(),
                shortHash(listing.hash()), response.getHeader("Content-Range"), response.getStatus()),
                listing.hash());
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
}
