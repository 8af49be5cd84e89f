package dev.zipstream.links;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zipstream.config.Settings;
import dev.zipstream.config.Settings.SigningKey;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The link check on a fixed clock: signatures, tampering, expiry, skew, grace, rotation, modes. */
class LinkCheckTest {

    static final String HASH = "3bea29ccabbbf64bdebcc055319c5745";
    static final SigningKey K1 = new SigningKey("k1", "k1-secret-0123456789abcdefghijklmnopqrstuv".getBytes(StandardCharsets.UTF_8));
    static final SigningKey K2 = new SigningKey("k2", "k2-secret-0123456789abcdefghijklmnopqrstuv".getBytes(StandardCharsets.UTF_8));
    static final long NOW = 1_800_000_000L;

    static Clock at(long seconds) {
        return Clock.fixed(Instant.ofEpochSecond(seconds), ZoneOffset.UTC);
    }

    static LinkCheck check(Settings.Links mode, List<SigningKey> keys, long now, long graceSeconds) {
        return new LinkCheck(mode, new Signer(keys), Duration.ofSeconds(graceSeconds), at(now));
    }

    /** A request's parameters as a query string would give them, in order. */
    static LinkRequest request(String query) {
        return request(HASH, query);
    }

    static LinkRequest request(String hash, String query) {
        var values = new HashMap<String, List<String>>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            values.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return LinkRequest.parse(hash, n -> values.containsKey(n) ? values.get(n).toArray(String[]::new) : null);
    }

    static String signed(SigningKey key, long exp, String name, String... files) {
        return SignedLink.query(new Signer(List.of(key)), LinkRequest.pathOf(HASH), exp, name, List.of(files));
    }

    static LinkCheck.Kind kind(LinkCheck check, String query) {
        return check.check(request(query)).kind();
    }

    @Test
    void stringToSignMatchesTheDocumentedFormatAndAKnownSignature() {
        String text = StringToSign.of(LinkRequest.pathOf(HASH), "1800000000", "Фото — лето 2026",
                List.of("2024/summer/", "a.jpg"));
        assertEquals("zipstream-1\n/archive/" + HASH + "/\n1800000000\nФото — лето 2026\n2024/summer/\na.jpg", text);
        // Computed independently with Python's hmac module (see docs/cms/zipstream_link.py).
        assertEquals("YiTdHa4tqiqt9wkk3XlowxeYanN7K8QfQQNxAW5Vrxk", Signer.hmac(K1, text));
        assertEquals("zipstream-1\n/archive/" + HASH + "/\n1800000000\n", StringToSign.of(LinkRequest.pathOf(HASH),
                "1800000000", null, List.of()), "no name: an empty line, no trailing newline");
    }

    @Test
    void validSignedLinkPasses() {
        var check = check(Settings.Links.SIGNED, List.of(K1), NOW, 3600);
        assertEquals(LinkCheck.Kind.PASS, kind(check, signed(K1, NOW + 600, "Photos", "a.jpg", "2024/")));
        assertEquals(LinkCheck.Kind.PASS, kind(check, signed(K1, NOW + 600, null)));
    }

    @Test
    void plusAndPercentTwentyAreTheSameSpace() {
        var check = check(Settings.Links.SIGNED, List.of(K1), NOW, 0);
        String query = signed(K1, NOW + 600, "my photos", "a b.jpg");
        assertTrue(query.contains("%20"));
        assertEquals(LinkCheck.Kind.PASS, kind(check, query.replace("%20", "+")));
    }

    @Test
    void unrelatedParametersAreIgnored() {
        var check = check(Settings.Links.SIGNED, List.of(K1), NOW, 0);
        assertEquals(LinkCheck.Kind.PASS, kind(check, "utm_source=mail&" + signed(K1, NOW + 600, "n", "a") + "&x=1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"exp", "name", "f1", "f2", "kid", "sig", "addF", "dropF", "swapF", "addName", "path"})
    void everyTamperedFieldIsForbidden(String field) {
        var check = check(Settings.Links.OPEN, List.of(K1, K2), NOW, 3600);
        String good = signed(K1, NOW + 600, "Photos", "a.jpg", "2024/");
        String bad = switch (field) {
            case "exp" -> good.replace("exp=" + (NOW + 600), "exp=" + (NOW + 601));
            case "name" -> good.replace("name=Photos", "name=Photo");
            case "f1" -> good.replace("f=a.jpg", "f=b.jpg");
            case "f2" -> good.replace("f=2024%2F", "f=2025%2F");
            case "kid" -> good.replace("kid=k1", "kid=k2");
            case "sig" -> good.replaceFirst("sig=.", "sig=" + (good.contains("sig=A") ? "B" : "A"));
            case "addF" -> good + "&f=c.jpg";
            case "dropF" -> good.replace("&f=a.jpg", "");
            case "swapF" -> good.replace("f=a.jpg&f=2024%2F", "f=2024%2F&f=a.jpg");
            case "addName" -> signed(K1, NOW + 600, null) + "&name=x";
            default -> null;
        };
        if (field.equals("path")) {
            var other = request("0123456789abcdef0123456789abcdef", good);
            assertEquals(LinkCheck.Kind.FORBIDDEN, check.check(other).kind(), "the same query for another hash");
            return;
        }
        assertEquals(LinkCheck.Kind.FORBIDDEN, kind(check, bad), bad);
    }

    @Test
    void tamperedAndExpiredIsForbiddenNotGone() {
        var check = check(Settings.Links.SIGNED, List.of(K1), NOW, 0);
        String expired = signed(K1, NOW - 10_000, "n");
        assertEquals(LinkCheck.Kind.EXPIRED, kind(check, expired));
        assertEquals(LinkCheck.Kind.FORBIDDEN, kind(check, expired.replace("name=n", "name=m")));
    }

    @Test
    void unknownKidIsForbiddenAndSaysSoWithoutTheSignature() {
        var check = check(Settings.Links.SIGNED, List.of(K1), NOW, 0);
        String query = signed(K2, NOW + 600, null);
        var verdict = check.check(request(query));
        assertEquals(LinkCheck.Kind.FORBIDDEN, verdict.kind());
        assertTrue(verdict.why().contains("unknown kid \"k2\""), verdict.why());
        var bad = check.check(request(signed(K1, NOW + 600, null).replace("kid=k1", "kid=k1") + "x"));
        assertTrue(bad.why().contains("bad signature"), bad.why());
        assertFalse(bad.why().contains(request(query).sig()), "no signature in the reason");
    }

    @ParameterizedTest
    @ValueSource(strings = {"exp", "kid", "sig"})
    void anIncompleteSignatureIsForbiddenEvenInOpenMode(String missing) {
        var check = check(Settings.Links.OPEN, List.of(K1), NOW, 0);
        String query = signed(K1, NOW + 600, null).replaceAll("(^|&)" + missing + "=[^&]*", "");
        assertEquals(LinkCheck.Kind.FORBIDDEN, kind(check, query), query);
    }

    @ParameterizedTest
    @ValueSource(strings = {"exp", "kid", "sig", "name"})
    void aRepeatedSingleParameterIsForbidden(String repeated) {
        var check = check(Settings.Links.OPEN, List.of(K1), NOW, 0);
        String query = signed(K1, NOW + 600, "n");
        var value = java.util.regex.Pattern.compile("(?:^|&)" + repeated + "=([^&]*)").matcher(query);
        assertTrue(value.find());
        assertEquals(LinkCheck.Kind.FORBIDDEN, kind(check, query + "&" + repeated + "=" + value.group(1)));
        assertEquals(LinkCheck.Kind.FORBIDDEN, kind(check, "name=a&name=b"), "unsigned too");
    }

    @Test
    void nonNumericExpIsForbidden() {
        var check = check(Settings.Links.OPEN, List.of(K1), NOW, 0);
        var signer = new Signer(List.of(K1));
        String path = LinkRequest.pathOf(HASH);
        for (String exp : List.of("-1", "1e9", " 1800000000", "0x10", "99999999999999")) {
            var s = signer.sign(StringToSign.of(path, exp, null, List.of()));
            var link = new LinkRequest(path, exp, s.kid(), s.sig(), null, List.of(), false);
            assertEquals(LinkCheck.Kind.FORBIDDEN, check.check(link).kind(), exp);
        }
    }

    @Test
    void signedModeForbidsTheBareLinkAndOpenModeServesIt() {
        assertEquals(LinkCheck.Kind.FORBIDDEN, kind(check(Settings.Links.SIGNED, List.of(K1), NOW, 0), ""));
        assertEquals(LinkCheck.Kind.FORBIDDEN, kind(check(Settings.Links.SIGNED, List.of(K1), NOW, 0), "name=x&f=a"));
        assertEquals(LinkCheck.Kind.PASS, kind(check(Settings.Links.OPEN, List.of(), NOW, 0), "name=x&f=a"));
    }

    @Test
    void aLinkSignedWithTheSecondKeyStillVerifies() {
        var check = check(Settings.Links.SIGNED, List.of(K2, K1), NOW, 0);
        assertEquals(LinkCheck.Kind.PASS, kind(check, signed(K1, NOW + 60, "old key")));
        assertEquals("k2", new Signer(List.of(K2, K1)).sign("x").kid(), "the first key signs new links");
    }

    @Test
    void expiryAllowsSixtySecondsOfSkewThenGraceThenGone() {
        long exp = NOW;
        String query = signed(K1, exp, null);
        assertEquals(LinkCheck.Kind.PASS, kind(check(Settings.Links.SIGNED, List.of(K1), exp + 60, 100), query));
        assertEquals(LinkCheck.Kind.RESUME_ONLY, kind(check(Settings.Links.SIGNED, List.of(K1), exp + 61, 100), query));
        assertEquals(LinkCheck.Kind.RESUME_ONLY, kind(check(Settings.Links.SIGNED, List.of(K1), exp + 160, 100), query));
        assertEquals(LinkCheck.Kind.EXPIRED, kind(check(Settings.Links.SIGNED, List.of(K1), exp + 161, 100), query));
        assertEquals(LinkCheck.Kind.EXPIRED, kind(check(Settings.Links.SIGNED, List.of(K1), exp + 61, 0), query),
                "RESUME_GRACE=0 turns the grace off");
        var verdict = check(Settings.Links.SIGNED, List.of(K1), exp + 500, 0).check(request(query));
        assertEquals("expired 500 s ago", verdict.why());
    }

    @Test
    void narrowingKeepsPicksInsideTheOriginalSelection() {
        assertTrue(Selection.narrows(List.of(), List.of("anything")));
        assertTrue(Selection.narrows(List.of("2024/"), List.of("2024/a.jpg", "2024/summer/")));
        assertTrue(Selection.narrows(List.of("2024"), List.of("2024/a.jpg")));
        assertTrue(Selection.narrows(List.of("a.jpg", "b.jpg"), List.of("b.jpg")));
        assertFalse(Selection.narrows(List.of("2024/"), List.of("2025/a.jpg")));
        assertFalse(Selection.narrows(List.of("2024"), List.of("2024x.jpg")));
        assertFalse(Selection.narrows(List.of("a.jpg"), List.of("a.jpg", "c.jpg")));
    }

    @Test
    void mapOfRequestHelperKeepsOrder() {
        assertEquals(List.of("b", "a"), request("f=b&x=1&f=a").files());
    }
}
