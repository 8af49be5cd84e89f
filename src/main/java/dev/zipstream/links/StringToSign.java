package dev.zipstream.links;

import java.util.List;

/**
 * What a signature covers, as the README's "Links" section defines it: {@code zipstream-1}, the path from
 * {@code /archive/} on, {@code exp}, {@code name} (or an empty line), then each {@code f} in URL order, joined by
 * newlines with none at the end. The path starts at {@code /archive/}, so a link survives any context path or proxy
 * prefix in front of it. Parameters not listed here are not signed and are ignored.
 */
public final class StringToSign {
    public static final String VERSION = "zipstream-1";

    private StringToSign() {
    }

    public static String of(String path, String exp, String name, List<String> files) {
        var sb = new StringBuilder(VERSION).append('\n').append(path).append('\n').append(exp == null ? "" : exp)
                .append('\n').append(name == null ? "" : name);
        for (String f : files) {
            sb.append('\n').append(f);
        }
        return sb.toString();
    }
}
