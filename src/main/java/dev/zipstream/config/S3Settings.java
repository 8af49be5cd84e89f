package dev.zipstream.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Decides whether {@code STORAGE_PATH} names a bucket ({@code s3://bucket/prefix/}) and validates the settings that
 * go with it. S3_ENDPOINT, S3_REGION and S3_PATH_STYLE are checked even for a local folder: a typo in them should
 * stop the deployment that sets them, not the day someone switches to a bucket.
 */
final class S3Settings {

    static final String DEFAULT_REGION = "us-east-1";

    /** S3's rules for bucket names that work in both addressing styles. */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern REGION = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    private S3Settings() {
    }

    /** The bucket when STORAGE_PATH is an s3:// URL, else null (a local folder, validated elsewhere). */
    static Settings.Bucket bucket(Settings.Value storage, Settings.Value endpointValue, Settings.Value regionValue,
            Settings.Value pathStyleValue) {
        URI endpoint = endpoint(endpointValue);
        String region = region(regionValue);
        boolean pathStyle = pathStyle(pathStyleValue, endpoint != null);
        if (storage == null || !storage.text().regionMatches(true, 0, "s3:", 0, 3)) {
            return null;
        }
        String text = storage.text();
        if (!text.startsWith("s3://")) {
            throw storage.invalid("an S3 location is written s3://bucket/prefix/");
        }
        String rest = text.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw storage.invalid("the bucket name must be 3-63 lower-case letters, digits, dots and hyphens");
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix += "/"; // a prefix names a folder: "s3://b/archives" means the keys under "archives/"
        }
        if (!prefix.isEmpty()) {
            for (String segment : prefix.substring(0, prefix.length() - 1).split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                    throw storage.invalid("the prefix must not have empty, '.' or '..' segments");
                }
            }
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\' || c == '?' || c == '#') {
                throw storage.invalid("the prefix must not contain control characters, '\\\\', '?' or '#'");
            }
        }
        return new Settings.Bucket(bucket, prefix, endpoint, region, pathStyle);
    }

    private static URI endpoint(Settings.Value v) {
        if (v == null || v.text().isEmpty()) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(v.text());
        } catch (URISyntaxException e) {
            throw v.invalid("an http:// or https:// URL such as http://127.0.0.1:9000");
        }
        if (uri.getRawUserInfo() != null) {
            // The value itself may hold a secret: it is not repeated in the message.
            throw new Settings.Value(v.name(), "(not shown: it holds user information)", v.source())
                    .invalid("no credentials in the URL; they come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw v.invalid("an http:// or https:// URL such as http://127.0.0.1:9000");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null
                || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))) {
            throw v.invalid("the store's base URL only: no path, query or fragment");
        }
        return uri;
    }

    private static String region(Settings.Value v) {
        if (v == null || v.text().isEmpty()) {
            return DEFAULT_REGION;
        }
        if (v.text().length() > 32 || !REGION.matcher(v.text()).matches()) {
            throw v.invalid("a region name such as us-east-1");
        }
        return v.text();
    }

    private static boolean pathStyle(Settings.Value v, boolean hasEndpoint) {
        if (v == null || v.text().isEmpty()) {
            return hasEndpoint; // S3-compatible stores rarely have a DNS name per bucket
        }
        return switch (v.text().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw v.invalid("true or false (empty: true when S3_ENDPOINT is set)");
        };
    }
}
