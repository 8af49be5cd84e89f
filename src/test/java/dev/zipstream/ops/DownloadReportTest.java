package dev.zipstream.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zipstream.log.Json;
import dev.zipstream.log.Log;
import dev.zipstream.streaming.Download;
import dev.zipstream.streaming.Outcome;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloadReportTest {

    private static final String HASH = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;

    private DownloadReport report(Log log) {
        return new DownloadReport(null, log, new DownloadReport.Request("192.0.2.1", "01234567", null, 200), HASH);
    }

    @Test
    void aFailureNamingTheFilesPathKeepsTheFullHashOutOfBothFormats() throws IOException {
        var failure = new AccessDeniedException("/srv/archives/" + HASH + "/a.bin");
        var ended = new Download.Ended(Outcome.FAILED, 10, 1_000_000, failure);
        for (boolean json : List.of(false, true)) {
            Path file = tmp.resolve("log-" + json);
            var log = new Log(file, json);
            report(log).ended(ended);
            log.close();
            String written = Files.readString(file);
            assertFalse(written.contains(HASH), written);
            assertTrue(written.contains("/srv/archives/01234567…/a.bin"), written);
            assertTrue(written.contains(json ? "\"result\":\"failed\"" : ", failed: "), written);
        }
    }

    @Test
    void jsonEscapesWhatWouldBreakALine() {
        var fields = new java.util.LinkedHashMap<String, Object>();
        fields.put("a", "x\"y\\z\n\u0001");
        fields.put("n", 3);
        fields.put("b", true);
        fields.put("z", null);
        assertEquals("{\"a\":\"x\\\"y\\\\z\\n\\u0001\",\"n\":3,\"b\":true,\"z\":null}", Json.object(fields));
    }
}
