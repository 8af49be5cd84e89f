package dev.zipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Signed, expiring, named and subset links (issue 10), in Jetty and Tomcat. The {@code signed} server runs under a
 * context path with LINKS=signed, two keys, a 300 s resume grace, the browse page and a LOG_FILE; the {@code open}
 * server at the root in deflate mode with open links. Links are signed here independently of the service's code
 * (javax.crypto directly), and by the shipped tool and CMS snippets.
 */
@ParameterizedClass
@EnumSource(Server.Kind.class)
class LinksIT {

    static final String HASH = "3bea29ccabbbf64bdebcc055319c5745";
    static final String OTHER = "0123456789abcdef0123456789abcdef";
    static final String K1 = "k1-secret-0123456789abcdefghijklmnopqrstuv";
    static final String K2 = "k2-secret-0123456789abcdefghijklmnopqrstuv";
    static final int GRACE = 300;

    @Parameter
    Server.Kind kind;

    static Path tmp;
    static Path storage;
    static Path logFile;
    static Server signed;
    static Server open;
    static Http http;

    @BeforeParameterizedClassInvocation
    static void start(Server.Kind kind) throws Exception {
        tmp = Files.createTempDirectory("zipstream-links");
        storage = Files.createDirectories(tmp.resolve("storage"));
        Trees.awkward(storage.resolve(HASH));
        Trees.file(storage.resolve(OTHER), "secret.txt", "other archive".getBytes());
        Files.writeString(tmp.resolve("outside.txt"), "root:x:0:0 outside the storage");
        Files.createSymbolicLink(storage.resolve(HASH).resolve("link-out"), storage.resolve(OTHER));
        logFile = tmp.resolve("service.log");
        signed = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0", "CHUNK_SIZE", "8",
                "LINKS", "signed", "SIGNING_KEYS", "k2:" + K2 + ",k1:" + K1, "RESUME_GRACE", String.valueOf(GRACE),
                "BROWSE", "true", "LOG_FILE", logFile.toString()), "/dl");
        open = kind.start(tmp, Map.of("STORAGE_PATH", storage.toString(), "DELAY", "0", "CHUNK_SIZE", "8",
                "COMPRESSION", "deflate", "SIGNING_KEYS", "k1:" + K1));
        http = new Http();
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        http.close();
        signed.close();
        open.close();
    }

    // ---- signing, independently of the service's code --------------------------------------------------------

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String sign(String secret, String hash, long exp, String name, List<String> files) throws Exception {
        var lines = new ArrayList<>(List.of("zipstream-1", "/archive/" + hash + "/", Long.toString(exp),
                name == null ? "" : name));
        lines.addAll(files);
        var mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal(String.join("\n", lines).getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code /archive/<hash>/?exp&kid&sig[&name][&f...]} signed with k1 or k2. */
    static String link(String kid, String hash, long exp, String name, String... files) throws Exception {
        String sig = sign(kid.equals("k1") ? K1 : K2, hash, exp, name, List.of(files));
        var sb = new StringBuilder("/archive/" + hash + "/?exp=" + exp + "&kid=" + kid + "&sig=" + sig);
        if (name != null) {
            sb.append("&name=").append(enc(name));
        }
        for (String f : files) {
            sb.append("&f=").append(enc(f));
        }
        return sb.toString();
    }

    static String link(String name, String... files) throws Exception {
        return link("k2", HASH, now() + 600, name, files);
    }

    static Map<String, byte[]> expected(String... prefixes) {
        var all = Trees.expected(storage.resolve(HASH));
        var m = new TreeMap<String, byte[]>();
        all.forEach((k, v) -> {
            for (String p : prefixes) {
                if (k.equals(p) || k.startsWith(p.endsWith("/") ? p : p + "/")) {
                    m.put(k, v);
                }
            }
        });
        return m;
    }

    private static Path save(byte[] body) throws Exception {
        Path file = Files.createTempFile(tmp, "download", ".zip");
        Files.write(file, body);
        return file;
    }

    // ---- signed links ----------------------------------------------------------------------------------------

    @Test
    void validSignedLinkGetsTheArchiveAndHeadAnswersTheSame() throws Exception {
        String url = link(null);
        var get = http.get(signed.uri(url));
        assertEquals(200, get.status());
        Readers.assertSame(Trees.expected(storage.resolve(HASH)), Readers.javaZipInputStream(get.body()), "signed");
        var head = http.send("HEAD", signed.uri(url));
        assertEquals(200, head.status());
        for (String h : List.of("Content-Length", "ETag", "Content-Disposition", "Content-Type")) {
            assertEquals(get.header(h), head.header(h), h);
        }
    }

    @Test
    void signedModeRefusesTheBareLinkAndUnsignedParameters() throws Exception {
        assertEquals(403, http.get(signed.uri("/archive/" + HASH + "/")).status());
        assertEquals(403, http.send("HEAD", signed.uri("/archive/" + HASH + "/")).status());
        assertEquals(403, http.get(signed.uri("/archive/" + HASH + "/?name=x&f=Zebra.txt")).status());
        assertEquals(403, http.get(signed.uri("/archive/ffffffffffffffffffffffffffffffff/")).status(),
                "an unsigned unknown hash says nothing about whether it exists");
    }

    @Test
    void aLinkSignedWithTheSecondKeyStillWorks() throws Exception {
        assertEquals(200, http.get(signed.uri(link("k1", HASH, now() + 600, "rotated"))).status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"path", "exp", "name", "f1", "f2", "kid", "sig", "extraF", "doubleExp"})
    void everyTamperedFieldIsForbidden(String field) throws Exception {
        long exp = now() + 600;
        String good = link("k2", HASH, exp, "Photos", "Zebra.txt", "photos/");
        assertEquals(200, http.send("HEAD", signed.uri(good)).status());
        String bad = switch (field) {
            case "path" -> good.replace(HASH, OTHER);
            case "exp" -> good.replace("exp=" + exp, "exp=" + (exp + 1));
            case "name" -> good.replace("name=Photos", "name=Photoz");
            case "f1" -> good.replace("f=Zebra.txt", "f=empty.txt");
            case "f2" -> good.replace("f=photos%2F", "f=nested%2F");
            case "kid" -> good.replace("kid=k2", "kid=k1");
            case "sig" -> good.replace("&sig=", "&sig=A");
            case "extraF" -> good + "&f=empty.txt";
            case "doubleExp" -> good + "&exp=" + exp;
            default -> throw new IllegalArgumentException(field);
        };
        var answer = http.get(signed.uri(bad));
        assertEquals(403, answer.status(), bad);
        assertEquals(403, http.send("HEAD", signed.uri(bad)).status());
        assertFalse(isZip(answer.body()));
    }

    @Test
    void otherParametersAreIgnoredAndPlusIsASpace() throws Exception {
        String url = link("my photos", "spaces in name.txt");
        assertEquals(200, http.get(signed.uri(url + "&utm_source=mail")).status());
        assertEquals(200, http.get(signed.uri(url.replace("%20", "+"))).status());
    }

    @Test
    void expiredLinkIsGoneAndATamperedExpiredOneForbidden() throws Exception {
        String expired = link("k2", HASH, now() - 60 - GRACE - 100, null);
        assertEquals(410, http.get(signed.uri(expired)).status());
        assertEquals(410, http.send("HEAD", signed.uri(expired)).status());
        assertEquals(403, http.get(signed.uri(expired.replace("&sig=", "&sig=x"))).status());
    }

    @Test
    void sixtySecondsOfClockSkewAreAllowed() throws Exception {
        assertEquals(200, http.send("HEAD", signed.uri(link("k2", HASH, now() - 45, null))).status());
        assertEquals(410, http.send("HEAD", signed.uri(link("k2", HASH, now() - 75, null))).status());
    }

    @Test
    void withinTheGraceOnlyAResumeOfTheCurrentArchiveIsServed() throws Exception {
        var full = http.get(signed.uri(link(null, "photos/")));
        String etag = full.header("ETag");
        String late = link("k2", HASH, now() - 60 - 30, null, "photos/");
        var resumed = http.get(signed.uri(late), "Range", "bytes=1000-", "If-Range", etag);
        assertEquals(206, resumed.status());
        assertArrayEquals(Arrays.copyOfRange(full.body(), 1000, full.body().length), resumed.body());
        assertEquals(206, http.send("HEAD", signed.uri(late), "Range", "bytes=1000-", "If-Range", etag).status());

        assertEquals(410, http.get(signed.uri(late)).status(), "no fresh download");
        assertEquals(410, http.get(signed.uri(late), "Range", "bytes=1000-").status(), "no If-Range");
        assertEquals(410, http.get(signed.uri(late), "Range", "bytes=1000-", "If-Range", "\"stale\"").status());
        assertEquals(410, http.get(signed.uri(late), "Range", "bytes=1000-", "If-Range",
                full.header("Last-Modified")).status(), "a date is not the archive");
        assertEquals(410, http.get(signed.uri(late), "Range", "bytes=0-", "If-Range", etag).status(),
                "a whole download cannot pass as bytes=0-");
        assertEquals(410, http.send("HEAD", signed.uri(late), "Range", "bytes=0-", "If-Range", etag).status());

        String pastGrace = link("k2", HASH, now() - 60 - GRACE - 30, null, "photos/");
        assertEquals(410, http.get(signed.uri(pastGrace), "Range", "bytes=1000-", "If-Range", etag).status());
    }

    @Test
    void theLogSaysWhyALinkWasRefusedWithoutItsSignature() throws Exception {
        String badSig = link("k2", HASH, now() + 600, "logged").replace("&sig=", "&sig=Q");
        String sig = badSig.replaceAll(".*&sig=([^&]*).*", "$1");
        assertEquals(403, http.get(signed.uri(badSig)).status());
        String unknown = link("k2", HASH, now() + 600, null).replace("kid=k2", "kid=k9");
        assertEquals(403, http.get(signed.uri(unknown)).status());
        String validSig = link("k2", HASH, now() - 4000, null).replaceAll(".*&sig=([^&]*).*", "$1");
        assertEquals(410, http.get(signed.uri(link("k2", HASH, now() - 4000, null))).status());
        Eventually.within(Eventually.seconds(10), LinksIT::log, l -> l.contains("expired"), "the log line about the expiry");
        String log = log();
        assertTrue(log.contains("refused (403): bad signature (kid k2)"), log);
        assertTrue(log.contains("refused (403): unknown kid \"k9\""), log);
        assertTrue(Pattern.compile("refused \\(410\\): expired 40\\d\\d s ago").matcher(log).find(), log);
        assertFalse(log.contains(sig) || log.contains(validSig), "no signature in the log");
        assertFalse(log.contains(K1) || log.contains(K2), "no secret in the log");
        assertFalse(log.contains(HASH), "the hash is shortened");
    }

    private static String log() {
        try {
            return Files.readString(logFile);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The Docker HEALTHCHECK's probe: 403 in signed mode means the service answers; a lost storage still says 503. */
    @Test
    void theHealthProbeTellsAnAnsweringServiceFromALostStorageInSignedMode() throws Exception {
        String probe = "HEAD /dl/archive/healthcheck/ HTTP/1.0\r\n\r\n";
        assertEquals(403, Raw.send(signed.port(), probe).status());
        Path moved = tmp.resolve("storage-away");
        Files.move(storage, moved);
        try {
            assertEquals(503, Raw.send(signed.port(), probe).status());
        } finally {
            Files.move(moved, storage);
        }
        assertEquals(403, Raw.send(signed.port(), probe).status());
    }

    // ---- names ------------------------------------------------------------------------------------------------

    @Test
    void aNameBecomesTheSavedFileNameWithAnAsciiFallback() throws Exception {
        var answer = http.send("HEAD", signed.uri(link("Фото — лето 2026")));
        String cd = answer.header("Content-Disposition");
        assertTrue(cd.startsWith("attachment; filename=\"____ _ ____ 2026.zip\"; filename*=UTF-8''"), cd);
        assertEquals("Фото — лето 2026.zip", URLDecoder.decode(cd.substring(cd.indexOf("''") + 2),
                StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"say \"hi\"", "two\r\nlines", "cr\ronly", "lf\nonly", "Set-Cookie\r\nX: 1", "a/b\\c",
        "tab\tand nul\0"})
    void namesWithQuotesAndControlsNeverBreakTheHeader(String name) throws Exception {
        for (Server server : List.of(signed, open)) {
            String url = server == signed ? link(name) : "/archive/" + HASH + "/?name=" + enc(name);
            var answer = Raw.send(server.port(), "HEAD " + (server == signed ? "/dl" : "") + url
                    + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertEquals(200, answer.status(), answer.head());
            var lines = answer.head().split("\r\n");
            var cd = Arrays.stream(lines).filter(l -> l.startsWith("Content-Disposition:")).toList();
            assertEquals(1, cd.size(), answer.head());
            assertFalse(answer.head().contains("\nX: 1") || answer.head().toLowerCase().contains("set-cookie:"));
            String fallback = cd.get(0).replaceAll(".*filename=\"((?:[^\"\\\\]|\\\\.)*)\";.*", "$1");
            assertFalse(fallback.contains("/") || fallback.contains("\t"), fallback);
        }
    }

    @Test
    void anEmptyOrOverlongNameIsABadRequest() throws Exception {
        assertEquals(400, http.get(signed.uri(link(""))).status());
        assertEquals(400, http.get(signed.uri(link("ж".repeat(100) + "x"))).status());
        assertEquals(200, http.send("HEAD", signed.uri(link("ж".repeat(100)))).status());
        assertEquals(400, http.get(open.uri("/archive/" + HASH + "/?name=")).status());
    }

    // ---- subsets ----------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"Zebra.txt", "photos/", "photos", "a/b/c/", "empty folder/", "nested/empty/inner/",
        "日本語/ファイル.txt"})
    void aSubsetHoldsJustTheSelectedFiles(String f) throws Exception {
        var answer = http.get(signed.uri(link(null, f)));
        assertEquals(200, answer.status());
        assertEquals(String.valueOf(answer.body().length), answer.header("Content-Length"));
        var expected = expected(f);
        assertFalse(expected.isEmpty());
        Readers.assertSame(expected, Readers.javaZipInputStream(answer.body()), f);
    }

    @Test
    void overlappingPicksAreAUnion() throws Exception {
        var answer = http.get(signed.uri(link(null, "photos/", "photos/été 2024/IMG 0001.jpg", "Zebra.txt")));
        Readers.assertSame(expected("photos/", "Zebra.txt"), Readers.javaZipInputStream(answer.body()), "union");
    }

    @Test
    void aSubsetPassesEveryReader() throws Exception {
        var answer = http.get(signed.uri(link("subset", "photos/", "日本語/", "empty folder/", "spaces in name.txt")));
        Readers.assertAllRead(save(answer.body()), expected("photos/", "日本語/", "empty folder/", "spaces in name.txt"),
                tmp);
    }

    @Test
    void aSubsetHasItsOwnEtagAndRanges() throws Exception {
        var whole = http.get(signed.uri(link(null)));
        var subset = http.get(signed.uri(link(null, "photos/")));
        var other = http.get(signed.uri(link(null, "photos/été 2024/IMG 0001.jpg")));
        assertNotEquals(whole.header("ETag"), subset.header("ETag"));
        assertNotEquals(subset.header("ETag"), other.header("ETag"));
        assertEquals(subset.header("ETag"), http.get(signed.uri(link("another name", "photos"))).header("ETag"),
                "the same bytes, the same ETag");
        var range = http.get(signed.uri(link(null, "photos/")), "Range", "bytes=5000-", "If-Range",
                subset.header("ETag"));
        assertEquals(206, range.status());
        assertArrayEquals(Arrays.copyOfRange(subset.body(), 5000, subset.body().length), range.body());
        assertEquals(200, http.get(signed.uri(link(null, "photos/")), "Range", "bytes=5000-", "If-Range",
                whole.header("ETag")).status(), "the whole archive's ETag does not resume a subset");
    }

    @Test
    void aSubsetInDeflateModeIsValid() throws Exception {
        var answer = http.get(open.uri("/archive/" + HASH + "/?f=photos%2F&f=Zebra.txt&name=deflated"));
        assertEquals(200, answer.status());
        assertNull(answer.header("Content-Length"));
        Readers.assertSame(expected("photos/", "Zebra.txt"), Readers.javaZipInputStream(answer.body()), "deflate");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nope.txt", "../" + OTHER + "/secret.txt", "/etc/passwd", "..", "photos/../Zebra.txt",
        "./Zebra.txt", "", "link-out", "link-out/secret.txt", "../../outside.txt", "ZEBRA.TXT", "photos//"})
    void aMissingOrEscapingPickIsTheSame404AsAnUnknownHash(String f) throws Exception {
        var unknown = http.get(signed.uri(link("k2", "ffffffffffffffffffffffffffffffff", now() + 600, null)));
        assertEquals(404, unknown.status());
        for (var answer : List.of(http.get(signed.uri(link(null, f))), http.get(signed.uri(link(null, "Zebra.txt", f))),
                http.get(open.uri("/archive/" + HASH + "/?f=" + enc(f))))) {
            assertEquals(404, answer.status(), f);
            assertArrayEquals(unknown.body(), answer.body(), "the same page");
        }
    }

    @Test
    void aRepeatedPickIsNotFound() throws Exception {
        assertEquals(404, http.get(signed.uri(link(null, "Zebra.txt", "Zebra.txt"))).status());
    }

    // ---- the selection page -----------------------------------------------------------------------------------

    private static List<String> inputs(String page, String type) {
        return Pattern.compile("<input type=\"" + type + "\" name=\"([^\"]+)\"[^>]*value=\"([^\"]*)\"")
                .matcher(page).results().map(m -> m.group(1) + "=" + m.group(2)).toList();
    }

    @Test
    void theBrowsePageOfASignedLinkNarrowsToALinkTheServiceSigns() throws Exception {
        long exp = now() + 600;
        String original = link("k1", HASH, exp, "Фото", "photos/", "Zebra.txt");
        var page = http.get(signed.uri(original + "&browse"));
        assertEquals(200, page.status());
        String html = new String(page.body(), StandardCharsets.UTF_8);
        assertTrue(inputs(html, "hidden").contains("sig=" + original.replaceAll(".*&sig=([^&]*).*", "$1")));
        assertTrue(inputs(html, "hidden").contains("f=photos/"), inputs(html, "hidden").toString());
        assertEquals(List.of("pick=Zebra.txt", "pick=photos/été 2024/IMG 0001.jpg", "pick=photos/été 2024/IMG 0002.jpg")
                .stream().sorted().toList(), inputs(html, "checkbox").stream().sorted().toList());
        assertFalse(html.contains("href=\"/"), "no absolute links");

        String submit = original + "&pick=" + enc("photos/été 2024/IMG 0002.jpg");
        var redirect = http.get(signed.uri(submit));
        assertEquals(303, redirect.status());
        String location = redirect.header("Location");
        assertTrue(location.startsWith("./?exp=" + exp + "&kid=k2&sig="), location);
        var narrowed = http.get(signed.uri("/archive/" + HASH + "/" + location.substring(2)));
        assertEquals(200, narrowed.status());
        Readers.assertSame(expected("photos/été 2024/IMG 0002.jpg"), Readers.javaZipInputStream(narrowed.body()),
                "narrowed");
        assertTrue(narrowed.header("Content-Disposition").contains("%D0%A4%D0%BE%D1%82%D0%BE.zip"), "the name stays");

        assertEquals(403, http.get(signed.uri(original + "&pick=empty.txt")).status(), "outside its own selection");
        assertEquals(403, http.get(signed.uri(original.replace("&sig=", "&sig=x") + "&pick=Zebra.txt")).status());
        assertEquals(404, http.get(signed.uri(original + "&pick=photos%2Fnope.jpg")).status());
    }

    @Test
    void theBrowsePageOfAWholeFolderListsEveryFile() throws Exception {
        var page = http.get(signed.uri(link(null) + "&browse"));
        String html = new String(page.body(), StandardCharsets.UTF_8);
        assertEquals(Trees.expected(storage.resolve(HASH)).size(), inputs(html, "checkbox").size());
        assertTrue(html.contains("KiB"));
        assertEquals(403, http.get(signed.uri("/archive/" + HASH + "/?browse")).status(), "still needs a link");
        var off = http.get(open.uri("/archive/" + HASH + "/?browse"));
        assertTrue(isZip(off.body()), "BROWSE off: the parameter is ignored");
    }

    @Test
    void nothingIsHeldAfterRefusalsPagesAndRedirects() throws Exception {
        http.get(signed.uri("/archive/" + HASH + "/"));
        http.get(signed.uri(link(null) + "&browse"));
        http.get(signed.uri(link(null) + "&pick=Zebra.txt"));
        http.get(signed.uri(link(null, "nope")));
        Eventually.within(Eventually.seconds(10), signed::stats,
                s -> s.get("slots") == 0 && s.get("downloads") == 0, "every slot free");
    }

    // ---- the tool and the CMS snippets, against the running server ------------------------------------------

    private String base(Server server) {
        return "http://127.0.0.1:" + server.port() + "/dl";
    }

    private void assertLinkWorks(String url) throws Exception {
        assertTrue(url.startsWith(base(signed) + "/archive/" + HASH + "/?"), url);
        var answer = http.get(java.net.URI.create(url));
        assertEquals(200, answer.status(), url);
        assertTrue(answer.header("Content-Disposition").contains("filename*=UTF-8''%D0%A4%D0%BE%D1%82%D0%BE%20%E2%80%94"),
                answer.header("Content-Disposition"));
        Readers.assertSame(expected("photos/", "Zebra.txt"), Readers.javaZipInputStream(answer.body()), url);
    }

    private static String runWith(Map<String, String> env, String... command) throws Exception {
        var pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("LANG", "C.UTF-8");
        var p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }

    @Test
    void theSigningToolPrintsALinkThatWorks() throws Exception {
        String url = runWith(Map.of("SIGNING_KEYS", "k2:" + K2 + ",k1:" + K1), "python3", "tools/zipstream-sign",
                "--base", base(signed), "--lifetime", "10m", "--name", "Фото — лето 2026", "-f", "photos/",
                "-f", "Zebra.txt", HASH);
        assertTrue(url.contains("kid=k2"), "the first key signs");
        assertLinkWorks(url);
    }

    @Test
    void thePythonCmsSnippetMakesLinksThatWork() throws Exception {
        assertLinkWorks(runWith(Map.of("ZIPSTREAM_SECRET", K1), "python3", "docs/cms/zipstream_link.py",
                base(signed), HASH, "k1", "600", "Фото — лето 2026", "photos/", "Zebra.txt"));
    }

    @Test
    void thePhpCmsSnippetMakesLinksThatWork() throws Exception {
        boolean php;
        try {
            php = new ProcessBuilder("php", "--version").start().waitFor() == 0;
        } catch (java.io.IOException e) {
            php = false;
        }
        if (!php) {
            System.out.println("SKIPPED: php-cli is not installed (apt-get install php-cli); .ci/run installs it");
        }
        Assumptions.assumeTrue(php, "php-cli is not installed");
        assertLinkWorks(runWith(Map.of("ZIPSTREAM_SECRET", K2), "php", "docs/cms/zipstream_link.php",
                base(signed), HASH, "k2", "600", "Фото — лето 2026", "photos/", "Zebra.txt"));
    }

    private static boolean isZip(byte[] body) {
        return body.length > 1 && body[0] == 'P' && body[1] == 'K';
    }
}
