package dev.zipstream.ops;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project version, written into a resource at build time (a WAR's classes have no manifest of their own). */
public final class Version {
    private Version() {
    }

    public static String of() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            var p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
