package dev.zipstream.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** STORAGE_PATH as an s3:// URL, and the S3 settings that go with it. */
class S3SettingsTest {

    private static Map<String, String> params() {
        var p = new HashMap<String, String>();
        p.put("STORAGE_PATH", "/no/such/folder/needed/for/a/bucket");
        p.put("CHUNK_SIZE", "100");
        p.put("DELAY", "0.5");
        p.put("COMPRESSION", "store");
        p.put("S3_ENDPOINT", "");
        p.put("S3_REGION", "us-east-1");
        p.put("S3_PATH_STYLE", "");
        return p;
    }

    private static Settings withEnv(String... nameValues) {
        var env = new HashMap<String, String>();
        for (int i = 0; i < nameValues.length; i += 2) {
            env.put(nameValues[i], nameValues[i + 1]);
        }
        return Settings.from(params()::get, env);
    }

    @Test
    void s3UrlSelectsTheBucketAndNeedsNoFolder() {
        var s = withEnv("STORAGE_PATH", "s3://media-archive/zips/2024/");
        assertNull(s.storagePath());
        assertEquals(new Settings.Bucket("media-archive", "zips/2024/", null, "us-east-1", false), s.bucket());
        assertEquals("s3://media-archive/zips/2024/", s.describe().get("STORAGE_PATH"));
        assertEquals("(AWS)", s.describe().get("S3_ENDPOINT"));
    }

    @Test
    void prefixIsOptionalAndAlwaysEndsInASlash() {
        assertEquals("", withEnv("STORAGE_PATH", "s3://bucket").bucket().prefix());
        assertEquals("", withEnv("STORAGE_PATH", "s3://bucket/").bucket().prefix());
        assertEquals("a/b/", withEnv("STORAGE_PATH", "s3://bucket/a/b").bucket().prefix());
    }

    @Test
    void endpointImpliesPathStyleUnlessSaidOtherwise() {
        var s = withEnv("STORAGE_PATH", "s3://bucket/p/", "S3_ENDPOINT", "http://127.0.0.1:9000",
                "S3_REGION", "eu-west-3");
        assertEquals(URI.create("http://127.0.0.1:9000"), s.bucket().endpoint());
        assertEquals("eu-west-3", s.bucket().region());
        assertTrue(s.bucket().pathStyle());
        assertFalse(withEnv("STORAGE_PATH", "s3://bucket/p/", "S3_ENDPOINT", "https://s3.example.net",
                "S3_PATH_STYLE", "false").bucket().pathStyle());
        assertTrue(withEnv("STORAGE_PATH", "s3://bucket/p/", "S3_PATH_STYLE", "true").bucket().pathStyle());
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3://", "s3://Bucket/", "s3://ab/", "s3://bucket_name/", "s3://a..b/", "s3:bucket/",
        "S3://bucket/", "s3://bucket//p/", "s3://bucket/a/../b/", "s3://bucket/./", "s3://bucket/a\\b/",
        "s3://bucket/a?x=1", "s3://bucket/a#frag", "s3://bucket/a\nb/"})
    void badS3UrlStopsDeploymentNamingTheSetting(String url) {
        var e = assertThrows(Settings.Invalid.class, () -> withEnv("STORAGE_PATH", url));
        assertTrue(e.getMessage().startsWith("STORAGE_PATH=\""), e.getMessage());
        assertTrue(e.getMessage().contains("(from environment) is not valid"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:9000", "ftp://host/", "http://", "http://host/path", "http://host/?q",
        "http:// bad host"})
    void badEndpointIsRefusedEvenForALocalFolder(String endpoint) {
        var e = assertThrows(Settings.Invalid.class, () -> withEnv("S3_ENDPOINT", endpoint));
        assertTrue(e.getMessage().startsWith("S3_ENDPOINT=\""), e.getMessage());
    }

    @Test
    void endpointWithCredentialsIsRefusedWithoutRepeatingThem() {
        var e = assertThrows(Settings.Invalid.class,
                () -> withEnv("S3_ENDPOINT", "http://AKIDEXAMPLE:wJalrXUtnFEMI@127.0.0.1:9000"));
        assertFalse(e.getMessage().contains("wJalrXUtnFEMI"), e.getMessage());
        assertFalse(e.getMessage().contains("AKIDEXAMPLE"), e.getMessage());
        assertTrue(e.getMessage().contains("AWS_ACCESS_KEY_ID"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"US-EAST-1", "us east 1", "-us", "us-", "abcdefghij-abcdefghij-abcdefghij-abc"})
    void badRegionIsRefused(String region) {
        var e = assertThrows(Settings.Invalid.class, () -> withEnv("S3_REGION", region));
        assertTrue(e.getMessage().startsWith("S3_REGION=\""), e.getMessage());
    }

    @Test
    void badPathStyleIsRefused() {
        var e = assertThrows(Settings.Invalid.class, () -> withEnv("S3_PATH_STYLE", "sometimes"));
        assertTrue(e.getMessage().startsWith("S3_PATH_STYLE=\"sometimes\""), e.getMessage());
    }

    @Test
    void aPlainPathStaysALocalFolderEvenWhenItIsMissing() {
        // A missing folder deploys (readiness says why), so it must not be mistaken for anything else.
        var settings = withEnv("STORAGE_PATH", "/no/such/folder");
        assertNull(settings.bucket());
        assertEquals(Path.of("/no/such/folder"), settings.storagePath());
    }
}
