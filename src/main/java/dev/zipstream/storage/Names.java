package dev.zipstream.storage;

import java.nio.charset.StandardCharsets;

/** What may name an archive folder: one plain path segment, so that no hash can reach outside the storage. */
public final class Names {

    private static final int MAX_NAME_BYTES = 255;

    private Names() {
    }

    public static boolean isPlainName(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..")) {
            return false;
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f || c == ':' || Character.isSurrogate(c) && !validPair(name, i)
                    || c == '\uFFFD') {
                return false;
            }
        }
        return true;
    }

    private static boolean validPair(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
