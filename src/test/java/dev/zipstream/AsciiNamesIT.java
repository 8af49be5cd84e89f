package dev.zipstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With an ASCII locale Java turns every non-ASCII file name into '?': the service must refuse to start rather than
 * serve archives with wrong names. A forked JVM, because the locale is read once per process.
 */
class AsciiNamesIT {

    @TempDir
    Path tmp;

    private Map<String, String> asciiLocale(String... more) throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("storage"));
        var env = new java.util.HashMap<>(Map.of("STORAGE_PATH", storage.toString(), "LANG", "C", "LC_ALL", "C",
                "LC_CTYPE", "C"));
        for (int i = 0; i + 1 < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    @Test
    void asciiFileNameDecodingRefusesToStartNamingTheFix() throws Exception {
        try (var forked = LifecycleIT.Forked.start(asciiLocale())) {
            assertEquals("UNAVAILABLE", forked.firstLine, forked.output());
            Eventually.within(Eventually.seconds(5), forked::output, o -> o.contains("LANG=C.UTF-8"),
                    "the refusal names LANG=C.UTF-8");
            assertTrue(forked.output().contains("ALLOW_ASCII_NAMES=true"), forked.output());
        }
    }

    @Test
    void allowAsciiNamesLetsItStart() throws Exception {
        try (var forked = LifecycleIT.Forked.start(asciiLocale("ALLOW_ASCII_NAMES", "true"));
                var http = new Http()) {
            assertTrue(forked.port > 0, forked.output());
            var answer = http.get(java.net.URI.create("http://127.0.0.1:" + forked.port + "/healthz"));
            assertEquals(200, answer.status());
        }
    }
}
