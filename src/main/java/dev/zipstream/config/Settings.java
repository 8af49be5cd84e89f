package dev.zipstream.config;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The service's configuration. Each value comes from the environment variable of the same name if set, otherwise
 * from the servlet context parameter (web.xml, or a container's override of it). Anything invalid stops
 * deployment with a message naming the setting and the value.
 */
public record Settings(
        /* the local storage folder; null when STORAGE_PATH is an s3:// URL (then see bucket) */
        Path storagePath,
        int chunkSize,
        Duration delay,
        boolean debug,
        Path logFile,
        Compression compression,
        int maxDownloads,
        ZoneId zipTimeZone,
        Path crcCacheDir,
        Duration crcWaitLimit,
        List<SigningKey> signingKeys,
        Links links,
        Duration resumeGrace,
        boolean browse,
        int maxDownloadsPerClient,
        String metricsToken,
        LogFormat logFormat,
        boolean allowAsciiNames,
        /* the bucket prefix when STORAGE_PATH is an s3:// URL; null for a local folder */
        Bucket bucket) {

    public enum Compression { STORE, DEFLATE }

    /** {@code open}: the bare hash link works; {@code signed}: only a valid signed link gets an archive. */
    public enum Links { OPEN, SIGNED }

    /**
     * One entry of {@code SIGNING_KEYS}. The HMAC key is the secret's UTF-8 bytes. Never printed: the record's
     * text names the key id only.
     */
    public record SigningKey(String kid, byte[] secret) {
        public SigningKey {
            secret = secret.clone();
        }

        @Override
        public byte[] secret() {
            return secret.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SigningKey k && k.kid.equals(kid) && java.security.MessageDigest.isEqual(k.secret, secret);
        }

        @Override
        public int hashCode() {
            return kid.hashCode();
        }

        @Override
        public String toString() {
            return "SigningKey[" + kid + "]";
        }
    }

    public static final int MIN_SECRET_CHARS = 32;
    public static final long MAX_RESUME_GRACE_SECONDS = 7 * 24 * 3600;
    private static final Pattern KID = Pattern.compile("[A-Za-z0-9_.-]{1,32}");

    /** How the per-download event line is written: today's sentence, or one JSON object a line. */
    public enum LogFormat { TEXT, JSON }

    /** A token shorter than this could be guessed by a scraper that tries; 16 characters of base64 is 96 bits. */
    public static final int MIN_TOKEN_LENGTH = 16;
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]+");


    /**
     * Object storage: the archive for a hash is every object under {@code prefix + hash + "/"}.
     *
     * @param prefix   empty, or ending in '/'
     * @param endpoint null for AWS itself, else the S3-compatible store's base URL
     */
    public record Bucket(String bucket, String prefix, URI endpoint, String region, boolean pathStyle) {
        public String url() {
            return "s3://" + bucket + "/" + prefix;
        }
    }

    public static final int MAX_CHUNK_KIB = 16384;
    public static final BigDecimal MAX_DELAY_SECONDS = BigDecimal.valueOf(20);
    public static final int MAX_MAX_DOWNLOADS = 1_000_000;
    public static final BigDecimal MAX_CRC_WAIT_SECONDS = BigDecimal.valueOf(600);

    private static final Pattern WHOLE = Pattern.compile("\\d{1,9}");
    private static final Pattern DECIMAL = Pattern.compile("\\d{1,9}(\\.\\d{1,9})?|\\.\\d{1,9}");

    /** Thrown for a bad value; the message is the one line an operator sees. */
    public static final class Invalid extends RuntimeException {
        Invalid(String name, String value, String source, String rule) {
            super(name + "=\"" + value + "\" (from " + source + ") is not valid: " + rule);
        }

        /** For a secret setting: the message names the setting and what is wrong, never the value. */
        Invalid(String name, String source, String rule) {
            super(name + " (from " + source + ", value not shown) is not valid: " + rule);
        }
    }

    /**
     * @param params the context parameters (web.xml and container overrides)
     * @param env    the process environment
     */
    public static Settings from(Function<String, String> params, Map<String, String> env) {
        var source = new Source(params, env);
        Bucket bucket = S3Settings.bucket(source.get("STORAGE_PATH"), source.get("S3_ENDPOINT"),
                source.get("S3_REGION"), source.get("S3_PATH_STYLE"));
        return new Settings(
                bucket != null ? null : storage(source),
                chunkSize(source),
                delay(source),
                debug(source),
                logFile(source),
                compression(source),
                maxDownloads(source),
                zipTimeZone(source),
                crcCacheDir(source),
                crcWaitLimit(source),
                signingKeys(source),
                links(source),
                resumeGrace(source),
                bool(source, "BROWSE"),
                maxDownloadsPerClient(source),
                metricsToken(source),
                logFormat(source),
                bool(source, "ALLOW_ASCII_NAMES"),
                bucket);
    }

    /** The effective values, for the one log line at start. */
    public Map<String, String> describe() {
        var m = new LinkedHashMap<String, String>();
        m.put("STORAGE_PATH", bucket != null ? bucket.url() : storagePath.toString());
        if (bucket != null) {
            m.put("S3_ENDPOINT", bucket.endpoint() == null ? "(AWS)" : bucket.endpoint().toString());
            m.put("S3_REGION", bucket.region());
            m.put("S3_PATH_STYLE", Boolean.toString(bucket.pathStyle()));
        }
        m.put("CHUNK_SIZE", chunkSize / 1024 + " KiB");
        m.put("DELAY", delay.toNanos() / 1e9 + " s");
        m.put("DEBUG", Boolean.toString(debug));
        m.put("LOG_FILE", logFile == null ? "(container log)" : logFile.toString());
        m.put("COMPRESSION", compression.name().toLowerCase(Locale.ROOT));
        m.put("MAX_DOWNLOADS", Integer.toString(maxDownloads));
        m.put("ZIP_TIME_ZONE", zipTimeZone.getId());
        m.put("CRC_CACHE_DIR", crcCacheDir.toString());
        m.put("CRC_WAIT_LIMIT", crcWaitLimit.toNanos() / 1e9 + " s");
        // Key ids only: they help an operator see which keys are loaded, and a kid is in every link anyway.
        m.put("SIGNING_KEYS", signingKeys.isEmpty() ? "(unset)"
                : "(set: " + String.join(", ", signingKeys.stream().map(SigningKey::kid).toList()) + ")");
        m.put("LINKS", links.name().toLowerCase(Locale.ROOT));
        m.put("RESUME_GRACE", resumeGrace.toSeconds() + " s");
        m.put("BROWSE", Boolean.toString(browse));
        m.put("MAX_DOWNLOADS_PER_CLIENT", maxDownloadsPerClient == 0 ? "off" : Integer.toString(maxDownloadsPerClient));
        m.put("METRICS_TOKEN", metricsToken == null ? "(unset: /metrics off)" : "(set)");
        m.put("LOG_FORMAT", logFormat.name().toLowerCase(Locale.ROOT));
        m.put("ALLOW_ASCII_NAMES", Boolean.toString(allowAsciiNames));
        return m;
    }

    /** The record's own toString would print the metrics token. */
    @Override
    public String toString() {
        return "Settings" + describe();
    }

    record Value(String name, String text, String source) {
        Invalid invalid(String rule) {
            return new Invalid(name, text, source, rule);
        }

        /** A whole number from {@code min} to {@code max}: digits only, so no sign, exponent or NaN slips through. */
        long whole(long min, long max, String rule) {
            if (!WHOLE.matcher(text).matches()) {
                throw invalid(rule);
            }
            long n = Long.parseLong(text);
            if (n < min || n > max) {
                throw invalid(rule);
            }
            return n;
        }

        /** Seconds as a plain decimal from 0 to {@code max}, exact to the nanosecond (BigDecimal, never a double). */
        Duration seconds(BigDecimal max) {
            String rule = "a plain decimal number of seconds from 0 to " + max;
            if (!DECIMAL.matcher(text).matches()) {
                throw invalid(rule);
            }
            BigDecimal seconds = new BigDecimal(text);
            if (seconds.compareTo(max) > 0) {
                throw invalid(rule);
            }
            return Duration.ofNanos(seconds.movePointRight(9).longValue());
        }

        Path path() {
            try {
                return Path.of(text).toAbsolutePath().normalize();
            } catch (RuntimeException e) {
                throw invalid("not a path");
            }
        }
    }

    private record Source(Function<String, String> params, Map<String, String> env) {
        /** The value with its origin, or null when neither source sets it. */
        Value get(String name) {
            String fromEnv = env.get(name);
            if (fromEnv != null) {
                return new Value(name, fromEnv.strip(), "environment");
            }
            String fromParam = params.apply(name);
            return fromParam == null ? null : new Value(name, fromParam.strip(), "context-param");
        }

        Value require(String name) {
            Value v = get(name);
            if (v == null) {
                throw new Invalid(name, "", "nowhere", "it must be set, in web.xml or the environment");
            }
            return v;
        }
    }

    private static Path storage(Source source) {
        Value v = source.require("STORAGE_PATH");
        if (v.text().isEmpty()) {
            throw v.invalid("it must name a folder");
        }
        Path p = v.path();
        // A folder that is missing or unreadable now may be mounted later: the service deploys and says so in
        // /readyz and in every archive answer, rather than leaving the container's 404 for a balancer to read as up.
        try {
            return Files.isDirectory(p) ? p.toRealPath() : p;
        } catch (IOException e) {
            return p;
        }
    }

    private static int chunkSize(Source source) {
        Value v = source.require("CHUNK_SIZE");
        return (int) v.whole(1, MAX_CHUNK_KIB, "a whole number of KiB from 1 to " + MAX_CHUNK_KIB) * 1024;
    }

    private static Duration delay(Source source) {
        return source.require("DELAY").seconds(MAX_DELAY_SECONDS);
    }

    private static boolean debug(Source source) {
        return bool(source, "DEBUG");
    }

    private static boolean bool(Source source, String name) {
        Value v = source.get(name);
        if (v == null) {
            return false;
        }
        return switch (v.text().toLowerCase(Locale.ROOT)) {
            case "-d", "true", "1", "yes", "on" -> true;
            case "", "false", "0", "no", "off" -> false;
            default -> throw v.invalid("one of -d, true, 1, yes, on / empty, false, 0, no, off");
        };
    }

    private static Path logFile(Source source) {
        Value v = source.get("LOG_FILE");
        if (v == null || v.text().isEmpty()) {
            return null;
        }
        Path p = v.path();
        if (Files.isDirectory(p)) {
            throw v.invalid("it is a folder, not a file");
        }
        // Opening for append is the only honest test of writability (permissions, read-only mounts, ACLs).
        try (var ignored = Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            return p;
        } catch (IOException | SecurityException e) {
            throw v.invalid("the file cannot be written (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static Compression compression(Source source) {
        Value v = source.get("COMPRESSION");
        if (v == null) {
            return Compression.STORE;
        }
        return switch (v.text().toLowerCase(Locale.ROOT)) {
            case "store" -> Compression.STORE;
            case "deflate" -> Compression.DEFLATE;
            default -> throw v.invalid("store or deflate");
        };
    }

    private static int maxDownloads(Source source) {
        Value v = source.get("MAX_DOWNLOADS");
        if (v == null) {
            return 1000;
        }
        return (int) v.whole(1, MAX_MAX_DOWNLOADS, "a whole number from 1 to " + MAX_MAX_DOWNLOADS);
    }

    /** The zone of the archives' DOS times: every instance behind one balancer must have the same. */
    private static ZoneId zipTimeZone(Source source) {
        Value v = source.get("ZIP_TIME_ZONE");
        if (v == null || v.text().isEmpty()) {
            return ZoneOffset.UTC;
        }
        try {
            return ZoneId.of(v.text());
        } catch (DateTimeException e) {
            throw v.invalid("a time zone ID such as UTC, Europe/Berlin or +01:00");
        }
    }

    /** Where CRCs persist; empty means a folder under java.io.tmpdir (not the context's, which Jetty deletes). */
    private static Path crcCacheDir(Source source) {
        Value v = source.get("CRC_CACHE_DIR");
        if (v == null || v.text().isEmpty()) {
            v = new Value("CRC_CACHE_DIR", Path.of(System.getProperty("java.io.tmpdir"), "zipstream-crc").toString(),
                    "default");
        }
        Path p = v.path();
        // Creating and removing a file is the only honest test of writability (permissions, read-only mounts).
        try {
            Files.createDirectories(p);
            Files.delete(Files.createTempFile(p, ".check-", ""));
            return p;
        } catch (IOException | SecurityException e) {
            throw v.invalid("the folder cannot be created or written (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The longest a request waits for missing CRCs before it is told to retry later (503, Retry-After). */
    private static Duration crcWaitLimit(Source source) {
        Value v = source.get("CRC_WAIT_LIMIT");
        if (v == null) {
            return Duration.ofSeconds(20);
        }
        return v.seconds(MAX_CRC_WAIT_SECONDS);
    }

    /** {@code kid:secret,kid:secret}; the first is the one new links are signed with. Never echoes a secret. */
    private static List<SigningKey> signingKeys(Source source) {
        Value v = source.get("SIGNING_KEYS");
        if (v == null || v.text().isEmpty()) {
            return List.of();
        }
        var keys = new ArrayList<SigningKey>();
        var kids = new HashSet<String>();
        String[] pairs = v.text().split(",", -1);
        for (int i = 0; i < pairs.length; i++) {
            String pair = pairs[i].strip();
            int colon = pair.indexOf(':');
            if (colon < 0) {
                throw new Invalid(v.name(), v.source(), "pair " + (i + 1) + " is not kid:secret (pairs are separated by commas)");
            }
            String kid = pair.substring(0, colon).strip();
            String secret = pair.substring(colon + 1);
            if (!KID.matcher(kid).matches()) {
                throw new Invalid(v.name(), v.source(), "pair " + (i + 1) + ": a key id is 1 to 32 of A-Z a-z 0-9 _ . -");
            }
            if (secret.codePointCount(0, secret.length()) < MIN_SECRET_CHARS) {
                throw new Invalid(v.name(), v.source(), "key \"" + kid + "\" has a secret shorter than "
                        + MIN_SECRET_CHARS + " characters");
            }
            if (!kids.add(kid)) {
                throw new Invalid(v.name(), v.source(), "key id \"" + kid + "\" appears twice");
            }
            keys.add(new SigningKey(kid, secret.getBytes(StandardCharsets.UTF_8)));
        }
        return List.copyOf(keys);
    }

    /** Read after SIGNING_KEYS: {@code signed} without a key would refuse every request. */
    private static Links links(Source source) {
        Value v = source.get("LINKS");
        if (v == null || v.text().isEmpty()) {
            return Links.OPEN;
        }
        Links links = switch (v.text().toLowerCase(Locale.ROOT)) {
            case "open" -> Links.OPEN;
            case "signed" -> Links.SIGNED;
            default -> throw v.invalid("open or signed");
        };
        Value keys = source.get("SIGNING_KEYS");
        if (links == Links.SIGNED && (keys == null || keys.text().isEmpty())) {
            throw v.invalid("signed needs SIGNING_KEYS (kid:secret pairs)");
        }
        return links;
    }

    private static Duration resumeGrace(Source source) {
        Value v = source.get("RESUME_GRACE");
        if (v == null) {
            return Duration.ofHours(1);
        }
        return Duration.ofSeconds(v.whole(0, MAX_RESUME_GRACE_SECONDS,
                "a whole number of seconds from 0 to " + MAX_RESUME_GRACE_SECONDS));
    }

    private static int maxDownloadsPerClient(Source source) {
        Value v = source.get("MAX_DOWNLOADS_PER_CLIENT");
        if (v == null || v.text().isEmpty()) {
            return 0;
        }
        return (int) v.whole(0, MAX_MAX_DOWNLOADS, "a whole number from 0 (off) to " + MAX_MAX_DOWNLOADS);
    }

    /** null when unset or empty: metrics are off. The value is a secret and never appears in a message. */
    private static String metricsToken(Source source) {
        Value v = source.get("METRICS_TOKEN");
        if (v == null || v.text().isEmpty()) {
            return null;
        }
        if (v.text().length() < MIN_TOKEN_LENGTH || !TOKEN.matcher(v.text()).matches()) {
            throw new Invalid(v.name(), v.source(), "at least " + MIN_TOKEN_LENGTH
                    + " printable ASCII characters without spaces (e.g. openssl rand -base64 24)");
        }
        return v.text();
    }

    private static LogFormat logFormat(Source source) {
        Value v = source.get("LOG_FORMAT");
        if (v == null || v.text().isEmpty()) {
            return LogFormat.TEXT;
        }
        return switch (v.text().toLowerCase(Locale.ROOT)) {
            case "text" -> LogFormat.TEXT;
            case "json" -> LogFormat.JSON;
            default -> throw v.invalid("text or json");
        };
    }
}
