package dev.zipstream.links;

import java.nio.charset.StandardCharsets;

/**
 * The file name a browser saves the archive as, from the {@code name} parameter: a {@code Content-Disposition}
 * with an ASCII fallback and the exact name in RFC 8187 form (RFC 6266). Characters that would change a header or
 * a path ({@code /}, {@code \}, controls including CR and LF) become {@code _} in both forms.
 */
public final class ArchiveName {

    public static final int MAX_BYTES = 200;
    public static final ArchiveName DEFAULT = new ArchiveName("archive");

    private final String name;

    private ArchiveName(String name) {
        this.name = name;
    }

    /** The name for this parameter value (null: {@link #DEFAULT}), or null when it cannot be a name (a 400). */
    public static ArchiveName of(String parameter) {
        if (parameter == null) {
            return DEFAULT;
        }
        if (parameter.isEmpty() || parameter.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return null;
        }
        var sb = new StringBuilder(parameter.length());
        for (int i = 0; i < parameter.length(); i++) {
            char c = parameter.charAt(i);
            boolean unsafe = c == '/' || c == '\\' || c < 0x20 || c >= 0x7f && c <= 0x9f
                    || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c) && !paired(parameter, i);
            sb.append(unsafe ? '_' : c);
        }
        return new ArchiveName(sb.toString());
    }

    private static boolean paired(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** The saved file's name, {@code .zip} included, after the replacements. */
    public String fileName() {
        return name + ".zip";
    }

    public String contentDisposition() {
        if (this == DEFAULT) {
            return "attachment; filename=\"archive.zip\"";
        }
        return "attachment; filename=\"" + asciiFallback() + "\"; filename*=UTF-8''" + rfc8187(fileName());
    }

    /** For clients without RFC 8187: printable ASCII, every other character {@code _}, quotes escaped. */
    String asciiFallback() {
        var sb = new StringBuilder();
        fileName().codePoints().forEach(cp -> {
            if (cp == '"' || cp == '\\') {
                sb.append('\\').append((char) cp);
            } else if (cp >= 0x20 && cp < 0x7f) {
                sb.append((char) cp);
            } else {
                sb.append('_');
            }
        });
        return sb.toString();
    }

    /** RFC 8187 value-chars: attr-char as is, every other UTF-8 byte as %XX. */
    static String rfc8187(String s) {
        var sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$&+-.^_`|~".indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }
}
