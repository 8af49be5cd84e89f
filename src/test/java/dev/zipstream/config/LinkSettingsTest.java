package dev.zipstream.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SIGNING_KEYS, LINKS, RESUME_GRACE and BROWSE: parsed, validated, and secrets never shown. */
class LinkSettingsTest {

    static final String SECRET1 = "first-secret-0123456789abcdefghijklmnop";
    static final String SECRET2 = "second-secret-ÄÖÜ-0123456789abcdefghijkl";

    @TempDir
    Path tmp;

    private Settings with(Map<String, String> env) {
        var params = new HashMap<String, String>();
        params.put("STORAGE_PATH", tmp.toString());
        params.put("CHUNK_SIZE", "100");
        params.put("DELAY", "0");
        return Settings.from(params::get, env);
    }

    @Test
    void defaultsAreOpenLinksOneHourGraceNoKeysNoBrowse() {
        Settings s = with(Map.of());
        assertAll(
                () -> assertEquals(Settings.Links.OPEN, s.links()),
                () -> assertEquals(Duration.ofHours(1), s.resumeGrace()),
                () -> assertEquals(List.of(), s.signingKeys()),
                () -> assertFalse(s.browse()));
    }

    @Test
    void signingKeysKeepTheirOrderAndTheSecretsUtf8Bytes() {
        Settings s = with(Map.of("SIGNING_KEYS", "k2:" + SECRET2 + " , k1:" + SECRET1, "LINKS", "signed",
                "RESUME_GRACE", "0", "BROWSE", "true"));
        assertEquals(List.of("k2", "k1"), s.signingKeys().stream().map(Settings.SigningKey::kid).toList());
        assertArrayEquals(SECRET2.getBytes(StandardCharsets.UTF_8), s.signingKeys().get(0).secret());
        assertEquals(Settings.Links.SIGNED, s.links());
        assertEquals(Duration.ZERO, s.resumeGrace());
        assertTrue(s.browse());
    }

    @Test
    void aSecretMayContainAColon() {
        Settings s = with(Map.of("SIGNING_KEYS", "k1:" + SECRET1 + ":more"));
        assertArrayEquals((SECRET1 + ":more").getBytes(StandardCharsets.UTF_8), s.signingKeys().get(0).secret());
    }

    @Test
    void describeNamesKeyIdsButNeverASecret() {
        Settings s = with(Map.of("SIGNING_KEYS", "k2:" + SECRET2 + ",k1:" + SECRET1));
        String text = s.describe().toString() + s.signingKeys();
        assertTrue(text.contains("k2") && text.contains("k1"), text);
        assertFalse(text.contains(SECRET1) || text.contains(SECRET2) || text.contains("secret-"), text);
        assertEquals("(unset)", with(Map.of()).describe().get("SIGNING_KEYS"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "k1:short-secret-but-not-32",           // too short
        "k1:" + SECRET1 + ",k1:" + SECRET2,      // repeated kid
        "k1" + SECRET1,                          // no colon
        ":" + SECRET1,                           // empty kid
        "k 1:" + SECRET1,                        // kid with a space
        "k1:" + SECRET1 + ",",                   // empty pair
    })
    void badSigningKeysStopTheDeploymentWithoutShowingTheSecret(String value) {
        var e = assertThrows(Settings.Invalid.class, () -> with(Map.of("SIGNING_KEYS", value)));
        String message = e.getMessage();
        assertTrue(message.startsWith("SIGNING_KEYS (from environment"), message);
        assertFalse(message.contains(SECRET1) || message.contains(SECRET2) || message.contains("short-secret"),
                message);
    }

    @Test
    void tooShortSecretIsReportedByItsKeyId() {
        var e = assertThrows(Settings.Invalid.class,
                () -> with(Map.of("SIGNING_KEYS", "k1:" + SECRET1 + ",old:tooshort")));
        assertTrue(e.getMessage().contains("\"old\"") && e.getMessage().contains("32"), e.getMessage());
    }

    @Test
    void signedLinksWithoutKeysStopTheDeployment() {
        var e = assertThrows(Settings.Invalid.class, () -> with(Map.of("LINKS", "signed")));
        assertTrue(e.getMessage().startsWith("LINKS=\"signed\""), e.getMessage());
        assertTrue(e.getMessage().contains("SIGNING_KEYS"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"LINKS=closed", "RESUME_GRACE=-1", "RESUME_GRACE=1.5", "RESUME_GRACE=99999999",
        "BROWSE=maybe"})
    void badLinkSettingsAreRefusedByName(String assignment) {
        String name = assignment.substring(0, assignment.indexOf('='));
        String value = assignment.substring(assignment.indexOf('=') + 1);
        var e = assertThrows(Settings.Invalid.class, () -> with(Map.of(name, value)));
        assertTrue(e.getMessage().startsWith(name + "=\"" + value + "\""), e.getMessage());
    }
}
