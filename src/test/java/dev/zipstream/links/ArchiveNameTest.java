package dev.zipstream.links;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArchiveNameTest {

    /** The filename* value decoded back, as a browser does. */
    private static String extended(String header) {
        String value = header.substring(header.indexOf("filename*=UTF-8''") + "filename*=UTF-8''".length());
        return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    @Test
    void withoutANameItIsArchiveZip() {
        assertEquals("attachment; filename=\"archive.zip\"", ArchiveName.of(null).contentDisposition());
    }

    @Test
    void nonAsciiNameHasAnAsciiFallbackAndTheExactUtf8Name() {
        String header = ArchiveName.of("Фото — лето 2026").contentDisposition();
        assertEquals("attachment; filename=\"____ _ ____ 2026.zip\"; filename*=UTF-8''"
                + "%D0%A4%D0%BE%D1%82%D0%BE%20%E2%80%94%20%D0%BB%D0%B5%D1%82%D0%BE%202026.zip", header);
        assertEquals("Фото — лето 2026.zip", extended(header));
    }

    @Test
    void quotesAndBackslashesCannotEndTheQuotedString() {
        String header = ArchiveName.of("say \"hi\" \\o/").contentDisposition();
        assertTrue(header.startsWith("attachment; filename=\"say \\\"hi\\\" _o_.zip\"; "), header);
        assertEquals("say \"hi\" _o_.zip", extended(header));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "tab\there", "nul\0", "del\u007f", "c1\u0085",
        "../../etc/passwd", "a/b", "a\\b"})
    void controlsAndSeparatorsBecomeUnderscores(String name) {
        String header = ArchiveName.of(name).contentDisposition();
        for (char c : header.toCharArray()) {
            assertTrue(c >= 0x20 && c < 0x7f, "only printable ASCII in the header: " + header);
        }
        String saved = extended(header);
        assertFalse(saved.contains("/") || saved.contains("\\") || saved.chars().anyMatch(c -> c < 0x20 || c == 0x7f),
                saved);
        assertEquals(name.length() + 4, saved.length(), "one _ per character replaced");
    }

    @Test
    void emptyOrLongerThan200Utf8BytesIsRefused() {
        assertNull(ArchiveName.of(""));
        assertNotNull(ArchiveName.of("x".repeat(200)));
        assertNull(ArchiveName.of("x".repeat(201)));
        assertNotNull(ArchiveName.of("ж".repeat(100)), "200 bytes");
        assertNull(ArchiveName.of("ж".repeat(100) + "x"), "201 bytes");
    }
}
