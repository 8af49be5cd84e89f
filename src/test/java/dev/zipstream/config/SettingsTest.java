package dev.zipstream.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Element;

class SettingsTest {

    @TempDir
    Path tmp;

    /** The real path of {@link #tmp}: what Settings hands back for it. */
    private Path storage;

    @BeforeEach
    void realStorage() throws IOException {
        storage = tmp.toRealPath();
    }

    /** The context-params exactly as web.xml declares them, but with a storage folder that exists here. */
    private Map<String, String> webXmlParams() {
        var p = new HashMap<String, String>();
        p.put("STORAGE_PATH", storage.toString());
        p.put("CHUNK_SIZE", "100");
        p.put("DELAY", "0.5");
        p.put("DEBUG", "false");
        p.put("LOG_FILE", "");
        p.put("COMPRESSION", "store");
        p.put("MAX_DOWNLOADS", "1000");
        p.put("ZIP_TIME_ZONE", "UTC");
        p.put("CRC_CACHE_DIR", "");
        p.put("CRC_WAIT_LIMIT", "20");
        p.put("SIGNING_KEYS", "");
        p.put("LINKS", "open");
        p.put("RESUME_GRACE", "3600");
        p.put("BROWSE", "false");
        p.put("MAX_DOWNLOADS_PER_CLIENT", "0");
        p.put("METRICS_TOKEN", "");
        p.put("LOG_FORMAT", "text");
        p.put("ALLOW_ASCII_NAMES", "false");
        p.put("S3_ENDPOINT", "");
        p.put("S3_REGION", "us-east-1");
        p.put("S3_PATH_STYLE", "");
        return p;
    }

    private static Settings settings(Map<String, String> params, Map<String, String> env) {
        return Settings.from(params::get, env);
    }

    private Settings withParam(String name, String value) {
        var p = webXmlParams();
        p.put(name, value);
        return settings(p, Map.of());
    }

    // ---- defaults ---------------------------------------------------------------------------------------------

    @Test
    void webXmlDefaultsGiveDocumentedSettings() {
        Settings s = settings(webXmlParams(), Map.of());
        assertAll(
                () -> assertEquals(storage, s.storagePath()),
                () -> assertEquals(102_400, s.chunkSize()),
                () -> assertEquals(Duration.ofMillis(500), s.delay()),
                () -> assertFalse(s.debug()),
                () -> assertNull(s.logFile()),
                () -> assertEquals(Settings.Compression.STORE, s.compression()),
                () -> assertEquals(1000, s.maxDownloads()));
    }

    @Test
    void optionalSettingsHaveDefaultsWhenSetNowhere() {
        var p = webXmlParams();
        p.remove("DEBUG");
        p.remove("LOG_FILE");
        p.remove("COMPRESSION");
        p.remove("MAX_DOWNLOADS");
        Settings s = settings(p, Map.of());
        assertAll(
                () -> assertFalse(s.debug()),
                () -> assertNull(s.logFile()),
                () -> assertEquals(Settings.Compression.STORE, s.compression()),
                () -> assertEquals(1000, s.maxDownloads()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"STORAGE_PATH", "CHUNK_SIZE", "DELAY"})
    void requiredSettingSetNowhereIsRefusedByName(String name) {
        var p = webXmlParams();
        p.remove(name);
        var e = assertThrows(Settings.Invalid.class, () -> settings(p, Map.of()));
        assertTrue(e.getMessage().startsWith(name + "="), e.getMessage());
    }

    /** The shipped web.xml, read from the project: every default in it is valid once storage exists. */
    @Test
    void shippedWebXmlContextParamsAreTheDocumentedDefaults() throws Exception {
        Path webXml = Path.of("webapp", "WEB-INF", "web.xml");
        Assumptions.assumeTrue(Files.isRegularFile(webXml), "run from the project folder");
        var factory = DocumentBuilderFactory.newDefaultInstance();
        factory.setNamespaceAware(true);
        var doc = factory.newDocumentBuilder().parse(webXml.toFile());
        var params = new HashMap<String, String>();
        var nodes = doc.getElementsByTagNameNS("*", "context-param");
        for (int i = 0; i < nodes.getLength(); i++) {
            var el = (Element) nodes.item(i);
            params.put(el.getElementsByTagNameNS("*", "param-name").item(0).getTextContent().strip(),
                    el.getElementsByTagNameNS("*", "param-value").item(0).getTextContent());
        }
        var expected = webXmlParams();
        expected.remove("STORAGE_PATH");
        var shipped = new HashMap<>(params);
        shipped.remove("STORAGE_PATH");
        assertEquals(expected, shipped);

        Settings s = settings(params, Map.of("STORAGE_PATH", storage.toString()));
        assertEquals(settings(webXmlParams(), Map.of()), s);
    }

    // ---- environment over context-param ----------------------------------------------------------------------

    @Test
    void environmentVariableOverridesContextParam() throws IOException {
        Path otherStorage = Files.createDirectory(tmp.resolve("other")).toRealPath();
        Path log = storage.resolve("service.log");
        var env = Map.of(
                "STORAGE_PATH", otherStorage.toString(),
                "CHUNK_SIZE", "7",
                "DELAY", "2.5",
                "DEBUG", "yes",
                "LOG_FILE", log.toString(),
                "COMPRESSION", "deflate",
                "MAX_DOWNLOADS", "3");
        Settings s = settings(webXmlParams(), env);
        assertAll(
                () -> assertEquals(otherStorage, s.storagePath()),
                () -> assertEquals(7 * 1024, s.chunkSize()),
                () -> assertEquals(Duration.ofMillis(2500), s.delay()),
                () -> assertTrue(s.debug()),
                () -> assertEquals(log, s.logFile()),
                () -> assertEquals(Settings.Compression.DEFLATE, s.compression()),
                () -> assertEquals(3, s.maxDownloads()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"STORAGE_PATH", "CHUNK_SIZE", "DELAY", "DEBUG", "LOG_FILE", "COMPRESSION",
            "MAX_DOWNLOADS", "ZIP_TIME_ZONE", "CRC_CACHE_DIR", "CRC_WAIT_LIMIT", "MAX_DOWNLOADS_PER_CLIENT",
            "LOG_FORMAT", "ALLOW_ASCII_NAMES"})
    void validEnvironmentVariableHidesInvalidContextParam(String name) {
        var p = webXmlParams();
        p.put(name, "\u0000not valid for anything");
        String good = webXmlParams().get(name);
        Settings s = assertDoesNotThrow(() -> settings(p, Map.of(name, good)));
        assertEquals(settings(webXmlParams(), Map.of()), s);
    }

    @Test
    void emptyEnvironmentVariableOverridesContextParamLogFile() {
        var p = webXmlParams();
        p.put("LOG_FILE", storage.resolve("from-param.log").toString());
        assertNull(settings(p, Map.of("LOG_FILE", "")).logFile());
        assertFalse(Files.exists(storage.resolve("from-param.log")));
    }

    // ---- refused values --------------------------------------------------------------------------------------

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("CHUNK_SIZE", "abc"),
                Arguments.of("CHUNK_SIZE", "0"),
                Arguments.of("CHUNK_SIZE", "16385"),
                Arguments.of("CHUNK_SIZE", "-1"),
                Arguments.of("CHUNK_SIZE", "1e3"),
                Arguments.of("CHUNK_SIZE", "1.5"),
                Arguments.of("CHUNK_SIZE", " "),
                Arguments.of("CHUNK_SIZE", "9999999999"),
                Arguments.of("CHUNK_SIZE", "+5"),
                Arguments.of("DELAY", "NaN"),
                Arguments.of("DELAY", "1e3"),
                Arguments.of("DELAY", "-1"),
                Arguments.of("DELAY", "20.5"),
                Arguments.of("DELAY", "20.000000001"),
                Arguments.of("DELAY", "abc"),
                Arguments.of("DELAY", "Infinity"),
                Arguments.of("DELAY", "0x10"),
                Arguments.of("DELAY", "1,5"),
                Arguments.of("DELAY", ""),
                Arguments.of("DEBUG", "maybe"),
                Arguments.of("COMPRESSION", "zip"),
                Arguments.of("MAX_DOWNLOADS", "0"),
                Arguments.of("MAX_DOWNLOADS", "x"),
                Arguments.of("MAX_DOWNLOADS", "1000001"),
                Arguments.of("MAX_DOWNLOADS", "-5"),
                Arguments.of("ZIP_TIME_ZONE", "Mars/Olympus"),
                Arguments.of("ZIP_TIME_ZONE", "+25:00"),
                Arguments.of("CRC_CACHE_DIR", "{tmp}/a-file"),
                Arguments.of("CRC_CACHE_DIR", "{tmp}/a-file/crc"),
                Arguments.of("CRC_CACHE_DIR", "{tmp}/bad\u0000path"),
                Arguments.of("CRC_WAIT_LIMIT", "600.5"),
                Arguments.of("CRC_WAIT_LIMIT", "-1"),
                Arguments.of("CRC_WAIT_LIMIT", "NaN"),
                Arguments.of("CRC_WAIT_LIMIT", ""),
                Arguments.of("MAX_DOWNLOADS_PER_CLIENT", "x"),
                Arguments.of("MAX_DOWNLOADS_PER_CLIENT", "-1"),
                Arguments.of("MAX_DOWNLOADS_PER_CLIENT", "1000001"),
                Arguments.of("LOG_FORMAT", "xml"),
                Arguments.of("ALLOW_ASCII_NAMES", "maybe"),
                Arguments.of("STORAGE_PATH", ""),
                Arguments.of("STORAGE_PATH", "{tmp}/bad\u0000path"),
                Arguments.of("LOG_FILE", "{tmp}/a-folder"),
                Arguments.of("LOG_FILE", "{tmp}/missing/service.log"),
                Arguments.of("LOG_FILE", "{tmp}/a-file/service.log"),
                Arguments.of("LOG_FILE", "{tmp}/bad\u0000path"));
    }

    @ParameterizedTest(name = "{0}=\"{1}\"")
    @MethodSource("badValues")
    void invalidValueIsRefusedNamingSettingAndValue(String name, String template) throws IOException {
        Files.writeString(tmp.resolve("a-file"), "x");
        Files.createDirectory(tmp.resolve("a-folder"));
        String value = template.replace("{tmp}", tmp.toString());
        // The message quotes the value as read, surrounding blanks stripped.
        String quoted = name + "=\"" + value.strip() + "\"";

        var fromParam = assertThrows(Settings.Invalid.class, () -> withParam(name, value));
        assertTrue(fromParam.getMessage().contains(quoted), fromParam.getMessage());
        assertTrue(fromParam.getMessage().contains("context-param"), fromParam.getMessage());

        var fromEnv = assertThrows(Settings.Invalid.class, () -> settings(webXmlParams(), Map.of(name, value)));
        assertTrue(fromEnv.getMessage().contains(quoted), fromEnv.getMessage());
        assertTrue(fromEnv.getMessage().contains("environment"), fromEnv.getMessage());
    }

    /** A folder that is not there yet (an unmounted volume) deploys; /readyz and archives say 503 until it is. */
    @ParameterizedTest
    @ValueSource(strings = {"missing", "a-file"})
    void storagePathThatIsNotAFolderYetIsKeptNotRefused(String name) throws IOException {
        Files.writeString(tmp.resolve("a-file"), "x");
        Path path = tmp.resolve(name);
        assertEquals(path, withParam("STORAGE_PATH", path.toString()).storagePath());
    }

    @Test
    void operationsSettingsComeFromTheEnvironment() {
        Settings s = settings(webXmlParams(), Map.of("MAX_DOWNLOADS_PER_CLIENT", "4",
                "METRICS_TOKEN", "s3cret-token-0123456789", "LOG_FORMAT", "JSON", "ALLOW_ASCII_NAMES", "true"));
        assertAll(
                () -> assertEquals(4, s.maxDownloadsPerClient()),
                () -> assertEquals("s3cret-token-0123456789", s.metricsToken()),
                () -> assertEquals(Settings.LogFormat.JSON, s.logFormat()),
                () -> assertTrue(s.allowAsciiNames()));
        Settings defaults = settings(webXmlParams(), Map.of());
        assertAll(
                () -> assertEquals(0, defaults.maxDownloadsPerClient(), "no per-client limit by default"),
                () -> assertNull(defaults.metricsToken(), "no /metrics by default"),
                () -> assertEquals(Settings.LogFormat.TEXT, defaults.logFormat()),
                () -> assertFalse(defaults.allowAsciiNames()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"short-secret", "has a space in the middle", "tab\tinside-0123456789"})
    void badMetricsTokenIsRefusedWithoutShowingIt(String token) {
        var e = assertThrows(Settings.Invalid.class, () -> settings(webXmlParams(), Map.of("METRICS_TOKEN", token)));
        assertTrue(e.getMessage().startsWith("METRICS_TOKEN"), e.getMessage());
        assertTrue(e.getMessage().contains("environment"), e.getMessage());
        assertFalse(e.getMessage().contains(token.strip()), "the secret must not be in the message: " + e.getMessage());
    }

    @Test
    void metricsTokenNeverAppearsInTheSummaryOrToString() {
        String token = "s3cret-token-0123456789";
        Settings s = settings(webXmlParams(), Map.of("METRICS_TOKEN", token));
        assertEquals("(set)", s.describe().get("METRICS_TOKEN"));
        assertFalse(s.describe().toString().contains(token));
        assertFalse(s.toString().contains(token));
    }

    @Test
    void logFileInReadOnlyFolderIsRefused() throws IOException {
        Path locked = Files.createDirectory(tmp.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Assumptions.assumeFalse(Files.isWritable(locked), "permissions do not apply to this user (root?)");
            String value = locked.resolve("service.log").toString();
            var e = assertThrows(Settings.Invalid.class, () -> withParam("LOG_FILE", value));
            assertTrue(e.getMessage().contains("LOG_FILE=\"" + value + "\""), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    // ---- accepted values -------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"-d", "true", "1", "yes", "on", "TRUE", "Yes", " true "})
    void debugAcceptsTrueSpellings(String value) {
        assertTrue(withParam("DEBUG", value).debug());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "false", "0", "no", "off", "FALSE", " no "})
    void debugAcceptsFalseSpellings(String value) {
        // Start from true so that a false result proves the spelling was read.
        var p = webXmlParams();
        p.put("DEBUG", "true");
        assertTrue(settings(p, Map.of()).debug());
        assertFalse(settings(p, Map.of("DEBUG", value)).debug());
    }

    @Test
    void delayZeroMeansNoDelay() {
        assertEquals(Duration.ZERO, withParam("DELAY", "0").delay());
    }

    @Test
    void delayQuarterSecondIs250Milliseconds() {
        assertEquals(Duration.ofMillis(250), withParam("DELAY", "0.25").delay());
    }

    @ParameterizedTest
    @ValueSource(strings = {"20", "20.0", "20.000000000"})
    void delayUpToTwentySecondsIsAccepted(String value) {
        assertEquals(Duration.ofSeconds(20), withParam("DELAY", value).delay());
    }

    @Test
    void delayKeepsNanosecondPrecision() {
        assertEquals(Duration.ofNanos(1_000_000_001), withParam("DELAY", "1.000000001").delay());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "16384"})
    void chunkSizeBoundsAreAccepted(String kib) {
        assertEquals(Integer.parseInt(kib) * 1024, withParam("CHUNK_SIZE", kib).chunkSize());
    }

    @ParameterizedTest
    @ValueSource(strings = {"deflate", "DEFLATE", "Deflate"})
    void compressionDeflateIgnoresCase(String value) {
        assertEquals(Settings.Compression.DEFLATE, withParam("COMPRESSION", value).compression());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "1000000"})
    void maxDownloadsBoundsAreAccepted(String value) {
        assertEquals(Integer.parseInt(value), withParam("MAX_DOWNLOADS", value).maxDownloads());
    }

    @Test
    void relativeStoragePathResolvesToAbsoluteRealPath() throws IOException {
        Path real = Files.createDirectory(tmp.resolve("real")).toRealPath();
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        Path cwd = Path.of("").toAbsolutePath();
        String relative = cwd.relativize(link.toAbsolutePath()).toString();
        assertFalse(Path.of(relative).isAbsolute(), relative);

        Path resolved = withParam("STORAGE_PATH", relative).storagePath();
        assertTrue(resolved.isAbsolute(), resolved.toString());
        assertEquals(real, resolved);
    }

    @Test
    void storagePathWithDotSegmentsIsNormalised() throws IOException {
        Path sub = Files.createDirectory(tmp.resolve("sub"));
        String value = sub + "/../sub/./";
        assertEquals(sub.toRealPath(), withParam("STORAGE_PATH", value).storagePath());
    }

    @Test
    void logFileIsCreatedAndKeptAsAbsolutePath() throws IOException {
        Path log = tmp.resolve("logs-here").resolve("service.log");
        Files.createDirectory(log.getParent());
        Path got = withParam("LOG_FILE", log.toString()).logFile();
        assertEquals(log.toAbsolutePath().normalize(), got);
        assertTrue(Files.isRegularFile(log));
    }

    @Test
    void existingLogFileIsAppendedNotTruncated() throws IOException {
        Path log = tmp.resolve("old.log");
        Files.writeString(log, "earlier lines\n");
        withParam("LOG_FILE", log.toString());
        assertEquals("earlier lines\n", Files.readString(log));
    }

    @Test
    void describeShowsEffectiveValues() {
        var d = settings(webXmlParams(), Map.of()).describe();
        assertAll(
                () -> assertEquals(storage.toString(), d.get("STORAGE_PATH")),
                () -> assertEquals("100 KiB", d.get("CHUNK_SIZE")),
                () -> assertEquals("0.5 s", d.get("DELAY")),
                () -> assertEquals("false", d.get("DEBUG")),
                () -> assertEquals("(container log)", d.get("LOG_FILE")),
                () -> assertEquals("store", d.get("COMPRESSION")),
                () -> assertEquals("1000", d.get("MAX_DOWNLOADS")),
                () -> assertEquals("UTC", d.get("ZIP_TIME_ZONE")),
                () -> assertEquals(Path.of(System.getProperty("java.io.tmpdir"), "zipstream-crc").toAbsolutePath()
                        .normalize().toString(), d.get("CRC_CACHE_DIR")),
                () -> assertEquals("20.0 s", d.get("CRC_WAIT_LIMIT")));
    }

    // ---- the settings of identical archives and persisted CRCs -----------------------------------------------

    @Test
    void zipTimeZoneDefaultsToUtcAndTakesRegionsAndOffsets() {
        var p = webXmlParams();
        p.remove("ZIP_TIME_ZONE");
        assertEquals(java.time.ZoneOffset.UTC, settings(p, Map.of()).zipTimeZone());
        assertEquals(java.time.ZoneId.of("Asia/Tokyo"), withParam("ZIP_TIME_ZONE", "Asia/Tokyo").zipTimeZone());
        assertEquals(java.time.ZoneOffset.ofHours(2), withParam("ZIP_TIME_ZONE", "+02:00").zipTimeZone());
    }

    @Test
    void crcCacheDirIsCreatedWhenMissing() {
        Path dir = tmp.resolve("cache").resolve("crc");
        assertEquals(dir, withParam("CRC_CACHE_DIR", dir.toString()).crcCacheDir());
        assertTrue(Files.isDirectory(dir));
    }

    @Test
    void crcCacheDirThatCannotBeWrittenIsRefused() throws IOException {
        Path locked = Files.createDirectory(tmp.resolve("locked-crc"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Assumptions.assumeFalse(Files.isWritable(locked), "permissions do not apply to this user (root?)");
            var e = assertThrows(Settings.Invalid.class, () -> withParam("CRC_CACHE_DIR", locked.toString()));
            assertTrue(e.getMessage().startsWith("CRC_CACHE_DIR=\"" + locked + "\""), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void crcWaitLimitTakesDecimalSeconds() {
        assertEquals(Duration.ofMillis(2500), withParam("CRC_WAIT_LIMIT", "2.5").crcWaitLimit());
        assertEquals(Duration.ZERO, withParam("CRC_WAIT_LIMIT", "0").crcWaitLimit());
    }
}
