package dev.zipstream.config;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
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
        /* the bucket prefix when STORAGE_PATH is an s3:// URL; null for a local folder */
        Bucket bucket) {

    public enum Compression { STORE, DEFLATE }

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

    private static final Pattern WHOLE = Pattern.compile("\\d{1,9}");
    private static final Pattern DECIMAL = Pattern.compile("\\d{1,9}(\\.\\d{1,9})?|\\.\\d{1,9}");

    /** Thrown for a bad value; the message is the one line an operator sees. */
    public static final class Invalid extends RuntimeException {
        Invalid(String name, String value, String source, String rule) {
            super(name + "=\"" + value + "\" (from " + source + ") is not valid: " + rule);
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
        return m;
    }

    record Value(String name, String text, String source) {
        Invalid invalid(String rule) {
            return new Invalid(name, text, source, rule);
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
        Path p;
        try {
            p = Path.of(v.text()).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            throw v.invalid("not a path");
        }
        if (!Files.isDirectory(p)) {
            throw v.invalid("no such folder");
        }
        if (!Files.isReadable(p) || !Files.isExecutable(p)) {
            throw v.invalid("the folder cannot be read");
        }
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw v.invalid("the folder cannot be resolved (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static int chunkSize(Source source) {
        Value v = source.require("CHUNK_SIZE");
        String rule = "a whole number of KiB from 1 to " + MAX_CHUNK_KIB;
        if (!WHOLE.matcher(v.text()).matches()) {
            throw v.invalid(rule);
        }
        int kib = Integer.parseInt(v.text());
        if (kib < 1 || kib > MAX_CHUNK_KIB) {
            throw v.invalid(rule);
        }
        return kib * 1024;
    }

    private static Duration delay(Source source) {
        Value v = source.require("DELAY");
        String rule = "a plain decimal number of seconds from 0 to " + MAX_DELAY_SECONDS;
        if (!DECIMAL.matcher(v.text()).matches()) {
            throw v.invalid(rule);
        }
        BigDecimal seconds = new BigDecimal(v.text());
        if (seconds.compareTo(MAX_DELAY_SECONDS) > 0) {
            throw v.invalid(rule);
        }
        return Duration.ofNanos(seconds.movePointRight(9).longValue());
    }

    private static boolean debug(Source source) {
        Value v = source.get("DEBUG");
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
        Path p;
        try {
            p = Path.of(v.text()).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            throw v.invalid("not a path");
        }
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
        String rule = "a whole number from 1 to " + MAX_MAX_DOWNLOADS;
        if (!WHOLE.matcher(v.text()).matches()) {
            throw v.invalid(rule);
        }
        int n = Integer.parseInt(v.text());
        if (n < 1 || n > MAX_MAX_DOWNLOADS) {
            throw v.invalid(rule);
        }
        return n;
    }
}
