package dev.zipstream.storage.s3;

import static dev.zipstream.log.Secrets.shortHash;

import dev.zipstream.log.Log;
import dev.zipstream.storage.EntryChanged;
import dev.zipstream.storage.JoinableThreads;
import dev.zipstream.storage.Listing;
import dev.zipstream.storage.Names;
import dev.zipstream.storage.Storage;
import dev.zipstream.storage.StorageUnavailable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Archive folders in S3 or an S3-compatible store: the archive for {@code hash} holds the objects under
 * {@code prefix + hash + "/"}. Every read is a ranged GET that carries {@code If-Match} with the listed ETag, so an
 * object replaced after the listing fails the download instead of mixing two versions into one archive.
 */
public final class S3Storage implements Storage {

    /**
     * @param prefix   empty or ending in '/'
     * @param endpoint null for AWS, else an S3-compatible store's base URL
     */
    public record Location(String bucket, String prefix, URI endpoint, String region, boolean pathStyle) {
        String url() {
            return "s3://" + bucket + "/" + prefix;
        }
    }

    /** How long to wait for a connection; an unreachable store must give quick 503s, not hung requests. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** The longest silence inside a response before it counts as failed (a read blocks at most this long). */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(20);
    /** The reachability probe's whole budget, retries included. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    /**
     * One call's budget (a listing page, or a GET up to its first body byte), retries included. Without it a store
     * that accepts connections but never answers holds a request for three read timeouts (60 s, measured). The
     * body of a GET is read after the call: a stall there is bounded by {@link #READ_TIMEOUT}.
     */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

    private final Location location;
    private final S3Client client;
    /** The SDK's call-timeout timers: ours, so that close() can wait for its thread to end. */
    private final ScheduledThreadPoolExecutor timeouts;
    private final AwsCredentialsProvider credentials;
    private final Log log;
    private final Reachability reachability;

    S3Storage(Location location, S3Client client, ScheduledThreadPoolExecutor timeouts,
            AwsCredentialsProvider credentials, Log log) {
        this.location = location;
        this.client = client;
        this.timeouts = timeouts;
        this.credentials = credentials;
        this.log = log;
        this.reachability = new Reachability(this::probe, System::nanoTime, Duration.ofSeconds(10).toNanos(),
                Duration.ofSeconds(2).toNanos());
    }

    /** A client for the location, with credentials from the standard AWS chain (environment, profile, role). */
    public static S3Storage connect(Location location, Log log) {
        return connect(location, log, DefaultCredentialsProvider.builder().build());
    }

    /** @param credentials closed with the storage */
    static S3Storage connect(Location location, Log log, AwsCredentialsProvider credentials) {
        var timeouts = new ScheduledThreadPoolExecutor(1, new JoinableThreads("zipstream-s3-timeouts-"));
        timeouts.setRemoveOnCancelPolicy(true);
        var builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(READ_TIMEOUT))
                .region(Region.of(location.region()))
                .credentialsProvider(credentials)
                .overrideConfiguration(o -> o.apiCallTimeout(CALL_TIMEOUT).apiCallAttemptTimeout(ATTEMPT_TIMEOUT)
                        .scheduledExecutorService(timeouts))
                .forcePathStyle(location.pathStyle());
        if (location.endpoint() != null) {
            // Third-party stores lag behind AWS's newer default checksums: with them s3proxy answers 501 to every
            // GET and 400 to every PUT. Checksums only where the API requires them.
            builder.endpointOverride(location.endpoint())
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return new S3Storage(location, builder.build(), timeouts, credentials, log);
    }

    @Override
    public Optional<Listing> list(String hash) throws IOException {
        if (!Names.isPlainName(hash)) {
            return Optional.empty();
        }
        String folder = location.prefix() + hash + "/";
        var items = new ArrayList<BucketListing.Item>();
        try {
            // The paginator follows continuation tokens: a store returns at most 1,000 keys per page.
            for (S3Object o : client.listObjectsV2Paginator(b -> b.bucket(location.bucket()).prefix(folder))
                    .contents()) {
                items.add(new BucketListing.Item(o.key().substring(folder.length()), o.size(),
                        o.lastModified().toEpochMilli(), o.eTag()));
            }
        } catch (SdkException e) {
            throw failure(e, "listing");
        }
        if (items.isEmpty()) {
            return Optional.empty();
        }
        var result = BucketListing.decide("s3://" + location.bucket() + "/" + folder, items);
        for (var s : result.skipped()) {
            log.warning("archive " + shortHash(hash) + ": object \"" + printable(s.name()) + "\" left out: " + s.why());
        }
        return Optional.of(new Listing(hash, result.entries()));
    }

    @Override
    public ReadableByteChannel open(Listing.Entry entry, long from, long length) throws IOException {
        if (length == 0) {
            return Channels.newChannel(InputStream.nullInputStream());
        }
        String key = key(entry);
        var request = GetObjectRequest.builder().bucket(location.bucket()).key(key)
                .range("bytes=" + from + "-" + (from + length - 1))
                .ifMatch(entry.version())
                .build();
        ResponseInputStream<GetObjectResponse> in;
        try {
            // Duration.ZERO: no abort-if-unread timer. The SDK's default puts one on a static scheduler thread that
            // outlives the web application (Tomcat reports it as a leak); the producer reads at once anyway.
            in = client.getObject(request, ResponseTransformer.toInputStream(Duration.ZERO));
        } catch (S3Exception e) {
            throw switch (e.statusCode()) {
                case 412 -> new EntryChanged(entry, "the object was replaced after it was listed");
                case 404 -> new EntryChanged(entry, "the object was deleted after it was listed");
                case 416 -> new EntryChanged(entry, "the object is shorter than listed");
                default -> failure(e, "reading");
            };
        } catch (SdkException e) {
            throw failure(e, "reading");
        }
        GetObjectResponse response = in.response();
        // A store that ignored If-Match or Range must not slip other bytes into the archive.
        Long got = response.contentLength();
        String why = got == null || got != length ? "the store sent " + got + " bytes for a range of " + length
                : response.eTag() != null && !response.eTag().equals(entry.version())
                        ? "the object was replaced after it was listed" : null;
        if (why != null) {
            in.abort();
            in.close();
            throw new EntryChanged(entry, why);
        }
        return new ObjectChannel(in, entry, length);
    }

    private String key(Listing.Entry entry) {
        String head = "s3://" + location.bucket() + "/";
        if (!entry.locator().startsWith(head)) {
            throw new IllegalArgumentException("not an entry of this bucket: " + entry.name());
        }
        return entry.locator().substring(head.length());
    }

    @Override
    public boolean readsMayWait() {
        return true;
    }

    @Override
    public String unavailableReason() {
        return reachability.reason();
    }

    /** Asks the store whether the bucket is there for us, within {@link #PROBE_TIMEOUT}. */
    private String probe() {
        try {
            client.headBucket(b -> b.bucket(location.bucket())
                    .overrideConfiguration(o -> o.apiCallTimeout(PROBE_TIMEOUT)));
            return null;
        } catch (SdkException e) {
            return reason(e);
        }
    }

    /**
     * What a failed call means for the request: a store we cannot reach, or that refuses us, is unavailable
     * (503, and later requests learn it at once); anything else is an I/O failure of this one request.
     */
    private IOException failure(SdkException e, String doing) {
        if (interrupted(e)) {
            // The download ended (its producer was interrupted): nothing is wrong with the store. Taking this for
            // an unreachable store turned the next requests into 503s (seen in BucketAcceptanceIT).
            var stopped = new InterruptedIOException(doing + " stopped: the download ended");
            stopped.initCause(e);
            return stopped;
        }
        if (e instanceof SdkClientException || e instanceof S3Exception s3 && (s3.statusCode() >= 500
                || s3.statusCode() == 403 || s3.statusCode() == 401)) {
            String reason = reason(e);
            reachability.failed(reason);
            return new StorageUnavailable(reason);
        }
        return new IOException(doing + " failed: " + reason(e));
    }

    /** Whether the call failed because its thread was interrupted (a timeout is not an interruption). */
    private static boolean interrupted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // The SDK enforces its call budgets by interrupting the calling thread: those are timeouts.
            if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException) {
                return false;
            }
        }
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AbortedException || t instanceof InterruptedException
                    || t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    /** One line without secrets: the store's address, the status or the exception's kind. */
    private String reason(SdkException e) {
        String where = location.endpoint() == null ? "S3 (" + location.region() + ")"
                : location.endpoint().getHost() + ":" + location.endpoint().getPort();
        if (e instanceof S3Exception s3) {
            String code = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
            return switch (s3.statusCode()) {
                case 401, 403 -> "the object store at " + where + " refuses our credentials (" + s3.statusCode()
                        + (code == null ? "" : " " + code) + ")";
                case 404 -> "the bucket " + location.bucket() + " does not exist at " + where;
                default -> "the object store at " + where + " answered " + s3.statusCode()
                        + (code == null ? "" : " " + code);
            };
        }
        if (e.getMessage() != null && e.getMessage().startsWith("Unable to load credentials")) {
            return "no AWS credentials found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or a role)";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return "the object store at " + where + " cannot be reached (" + root.getClass().getSimpleName() + ")";
    }

    @Override
    public List<String> hashes() throws IOException {
        var hashes = new ArrayList<String>();
        try {
            for (CommonPrefix p : client.listObjectsV2Paginator(b -> b.bucket(location.bucket())
                    .prefix(location.prefix()).delimiter("/")).commonPrefixes()) {
                String name = p.prefix().substring(location.prefix().length(), p.prefix().length() - 1);
                if (Names.isPlainName(name)) {
                    hashes.add(name);
                }
            }
        } catch (SdkException e) {
            throw failure(e, "listing");
        }
        hashes.sort(null);
        return hashes;
    }

    @Override
    public String describe() {
        return location.url() + " (" + (location.endpoint() == null ? "AWS" : location.endpoint().toString())
                + ", region " + location.region() + (location.pathStyle() ? ", path-style" : "") + ")";
    }

    /** Closes the client: its HTTP connections and its timeout threads end with the web application. */
    @Override
    public void close() {
        client.close();
        // The SDK leaves a scheduler it was given running; a thread still alive when the container checks after
        // undeploy is reported as a leak (Tomcat saw the SDK's own one, shut down but not yet ended).
        timeouts.shutdownNow();
        try {
            if (!((JoinableThreads) timeouts.getThreadFactory()).join(Duration.ofSeconds(5))) {
                log.warning("the S3 timeout thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (credentials instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.warning("closing the AWS credentials provider failed: " + e);
            }
        }
    }

    /** A key for a log line: control characters (the reason some keys are refused) shown as escapes. */
    private static String printable(String s) {
        var sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
